#!/bin/sh
# The API suite (tests/api) on PostgreSQL: starts a throwaway cluster (tools/pg-cluster.sh) in a
# temporary folder, points the tests at it (JIANGUAN_TEST_PG: every test database is made,
# copied and dropped there) with one audit-key file for the whole run (JIANGUAN_AUDIT_KEY),
# runs pytest, and always stops and removes the cluster. Exits with pytest's status.
#   tests/run-pg.sh [pytest arguments]     default: -q -rsx tests/api
# JIANGUAN_BIN names the binary (default build/jianguan); PY the Python with psycopg2.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
py=${PY:-/usr/bin/python3}
dir=$(mktemp -d "${TMPDIR:-/tmp}/jg-pg.XXXXXX") || exit 1
chmod 755 "$dir"
stop() { "$here/tools/pg-cluster.sh" stop "$dir"; }
trap stop EXIT
trap 'exit 130' INT TERM
url=$("$here/tools/pg-cluster.sh" start "$dir") || exit 1
echo "== API tests on PostgreSQL: $url"
JIANGUAN_TEST_PG=$url
JIANGUAN_AUDIT_KEY=$dir/audit-key
JIANGUAN_BIN=${JIANGUAN_BIN:-$here/build/jianguan}
export JIANGUAN_TEST_PG JIANGUAN_AUDIT_KEY JIANGUAN_BIN
cd "$here" || exit 1
if [ $# -eq 0 ]; then
    set -- -q -rsx tests/api
fi
"$py" -m pytest "$@"
