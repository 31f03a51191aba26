#!/usr/bin/env bash
# Run one pytest pass: scripts/pytest-pass.sh LABEL [pytest args...]
# Exit code 5 ("no tests collected") counts as a failure.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTEST=${PYTEST:-$ROOT/.venv/bin/pytest}
label=${1:?usage: pytest-pass.sh LABEL [pytest args...]}
shift

echo "==> pytest ($label)${MYNA_TEST_DATABASE_URL:+ MYNA_TEST_DATABASE_URL=$MYNA_TEST_DATABASE_URL}${MYNA_TEST_REDIS_URL:+ MYNA_TEST_REDIS_URL=$MYNA_TEST_REDIS_URL}"
cd "$ROOT" || exit 1
"$PYTEST" "$@"
rc=$?
case $rc in
    0) echo "==> pytest ($label): passed" ;;
    5) echo "==> pytest ($label): FAILED - no tests were collected (pytest exit 5)" >&2; rc=1 ;;
    *) echo "==> pytest ($label): FAILED (exit $rc)" >&2 ;;
esac
exit $rc
