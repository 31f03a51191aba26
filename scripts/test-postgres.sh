#!/usr/bin/env bash
# The PostgreSQL pass of `make test`: scripts/test-postgres.sh [pytest args...]
#
# Where PostgreSQL comes from:
#   1. MYNA_TEST_POSTGRES_URL, if set (postgresql://, postgres:// or
#      postgresql+asyncpg:// URL). It must be reachable, or this fails.
#   2. otherwise, if server binaries exist (/usr/lib/postgresql/*/bin/initdb),
#      a throwaway cluster from scripts/pg-test.sh, stopped again on exit.
#   3. otherwise the pass is skipped, with a message saying so.
# MYNA_TEST_POSTGRES=0 skips the pass on purpose.
#
# pytest then runs with MYNA_TEST_DATABASE_URL=postgresql+asyncpg://...
# MYNA_TEST_REDIS_URL, when set (CI: redis://127.0.0.1:6379/15), passes through unchanged: with
# both set, the Redis backends and the two-process test (tests/e2e/test_multiprocess.py) run.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
cd "$ROOT" || exit 1

if [[ "${MYNA_TEST_POSTGRES:-}" == 0 ]]; then
    echo "==> PostgreSQL pass SKIPPED (MYNA_TEST_POSTGRES=0)"
    exit 0
fi

started=0
cleanup() {
    if (( started )); then
        bash scripts/pg-test.sh stop || echo "warning: bash scripts/pg-test.sh stop failed" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -n "${MYNA_TEST_POSTGRES_URL:-}" ]]; then
    url=$MYNA_TEST_POSTGRES_URL
    echo "==> PostgreSQL from MYNA_TEST_POSTGRES_URL"
elif compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || [[ -n "${PG_BINDIR:-}" ]]; then
    echo "==> starting a throwaway PostgreSQL cluster (scripts/pg-test.sh)"
    started=1
    if ! url=$(bash scripts/pg-test.sh start); then
        echo "==> PostgreSQL pass FAILED: could not start the throwaway cluster" >&2
        exit 1
    fi
else
    echo "==> PostgreSQL pass SKIPPED: no MYNA_TEST_POSTGRES_URL and no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb)"
    exit 0
fi

# Normalise the driver to asyncpg.
case $url in
    postgresql+asyncpg://*) ;;
    postgresql://*) url="postgresql+asyncpg://${url#postgresql://}" ;;
    postgres://*) url="postgresql+asyncpg://${url#postgres://}" ;;
    *) echo "==> PostgreSQL pass FAILED: unsupported URL scheme in '$url'" >&2; exit 1 ;;
esac

# Is it reachable? (asyncpg is a runtime dependency, so it is in the venv.)
if ! "$PY" - "$url" <<'PY'
import asyncio, sys
import asyncpg

url = sys.argv[1].replace("postgresql+asyncpg://", "postgresql://", 1)

async def main() -> None:
    conn = await asyncpg.connect(url, timeout=10)
    await conn.fetchval("select 1")
    await conn.close()

try:
    asyncio.run(main())
except Exception as exc:
    print(f"cannot connect: {type(exc).__name__}: {exc}", file=sys.stderr)
    sys.exit(1)
PY
then
    echo "==> PostgreSQL pass FAILED: PostgreSQL at $url is not reachable" >&2
    exit 1
fi

MYNA_TEST_DATABASE_URL=$url bash scripts/pytest-pass.sh PostgreSQL "$@"
