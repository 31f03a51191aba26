#!/usr/bin/env bash
# Both pytest passes of `make test`: scripts/test-passes.sh [pytest args...]
#
# The SQLite pass and the PostgreSQL pass (scripts/test-postgres.sh) share nothing: each test
# makes its own database, Redis keys carry a per-test prefix, servers and Prosody take free
# ports, and each pass gets its own pytest base directory. So they run side by side, which
# on a machine with two or more cores nearly halves the wall time of `make test`.
# The SQLite pass writes to the terminal as it goes; the PostgreSQL pass writes to a log that
# is printed once it ends. MYNA_TEST_SERIAL=1 runs them one after the other instead.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

work=$(mktemp -d "${TMPDIR:-/tmp}/myna-test.XXXXXX")
pg_pid=
cleanup() {
    if [[ -n "$pg_pid" ]] && kill -0 "$pg_pid" 2>/dev/null; then
        kill -TERM "$pg_pid" 2>/dev/null
        wait "$pg_pid" 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

sqlite_pass() {
    env -u MYNA_TEST_DATABASE_URL bash scripts/pytest-pass.sh SQLite \
        --basetemp="$work/sqlite" "$@"
}
pg_pass() {
    bash scripts/test-postgres.sh --basetemp="$work/postgres" "$@"
}

if [[ "${MYNA_TEST_SERIAL:-}" == 1 ]]; then
    sqlite_pass "$@"
    sqlite_rc=$?
    pg_pass "$@"
    pg_rc=$?
else
    echo "==> the PostgreSQL pass runs alongside; its output follows the SQLite pass"
    pg_pass "$@" >"$work/postgres.log" 2>&1 &
    pg_pid=$!
    sqlite_pass "$@"
    sqlite_rc=$?
    wait "$pg_pid"
    pg_rc=$?
    pg_pid=
    cat "$work/postgres.log"
fi

if ((sqlite_rc || pg_rc)); then
    echo "==> make test: FAILED (SQLite pass exit $sqlite_rc, PostgreSQL pass exit $pg_rc)" >&2
    exit 1
fi
echo "==> make test: both passes passed"
