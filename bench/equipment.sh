#!/usr/bin/env bash
# jianguan special equipment at city scale (M6, 76,000 units): wrk from 64 connections against
#   (a) overdue         GET /api/v1/equipment?overdue=1&page=1&page_size=20 as the city's bureau
#   (b) due in 30 days  GET /api/v1/equipment?due_within=30&page=1&page_size=20 as a county's
#                       bureau (东昌府区: the county scope and the filter together)
#   (c) by category     GET /api/v1/equipment?category=elevator&due_within=30&page=1&page_size=20
#   (d) 定检率          GET /api/v1/equipment/inspection-rate (this year, by region, the city),
#                       answered from the rate cache after the first request (no writes)
# each beside nginx's fixed reply measured just before it; and the rate's latency alone, computed
# afresh (curl, one request at a time for nine different periods, the median).
# Usage: bench/equipment.sh build/jianguan   (from the repo root; bench/run.sh calls it unless
#        BENCH_EQUIPMENT=0)
# Env:   BENCH_DURATION   measured run per target, wrk duration syntax (default 10s)
#        BENCH_WARMUP     warm-up run before each target (default 2s)
#        BENCH_TIMEOUT    wrk per-request timeout (default 30s)
#        BENCH_LOAD_MAX / BENCH_LOAD_WAIT   wait (at most WAIT s, default 60) until the 1-minute load
#                         average is below MAX (default 1.5) before each target; recorded either way
#        BENCH_REBUILD=1  rebuild the cached database
#        BENCH_RESULTS    the results file (default bench/RESULTS.md)
# The database is cached at bench/tmp/equipment-city.db (with a .stamp and its audit key): a copy
# (`jianguan backup`) of bench/lib.sh's city database (bench/tmp/city-seed1.db) when that one is
# at the binary's schema, else a fresh `jianguan demo --scale city --seed 1`; rebuilt when the
# schema changes. Each run serves a fresh copy. Replaces the section after `<!-- equipment -->`
# in bench/RESULTS.md and prints the table. Loopback only; every server is stopped by the EXIT
# trap, even on failure. Needs wrk, nginx, sqlite3 and curl.
set -euo pipefail

BIN=${1:?usage: bench/equipment.sh path/to/jianguan}
[[ -x $BIN ]] || { echo "equipment bench: $BIN is not an executable" >&2; exit 1; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
RESULTS=${BENCH_RESULTS:-$HERE/RESULTS.md}
MARKER='<!-- equipment -->'
CACHE=$HERE/tmp
EDB=$CACHE/equipment-city.db
ESTAMP=$EDB.stamp
CITY=$CACHE/city-seed1.db # bench/lib.sh's city_db
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-2s}
TIMEOUT=${BENCH_TIMEOUT:-30s}
THREADS=1
CONNS=64
LOAD_MAX=${BENCH_LOAD_MAX:-1.5}
LOAD_WAIT=${BENCH_LOAD_WAIT:-60}
NGINX=${NGINX:-/usr/sbin/nginx}
# The goals (the issue's), for this 2-core machine with wrk on the same cores:
GOAL_LIST_RPS=1000 # filtered list pages per second
GOAL_LIST_P99=100  # ms
GOAL_RATE_MS=500   # one 定检率 of the city, alone

for tool in wrk sqlite3 curl "$NGINX"; do
    command -v "$tool" >/dev/null 2>&1 ||
        { echo "equipment bench: $tool missing (tools/deps.sh bench)" >&2; exit 1; }
done

BENCH_NAME=equipment-bench
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
WRK_LIMIT=$(($(secs "$DURATION") + $(secs "$TIMEOUT") + 30))
WARM_LIMIT=$(($(secs "$WARMUP") + $(secs "$TIMEOUT") + 30))

cp "$BIN" "$T/jianguan" # a private copy: a rebuild during the run cannot swap it
JG=$T/jianguan
VERSION=$("$JG" version 2>/dev/null | head -n1)
COMMIT=$(head_commit "$ROOT")
STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
stamp_of() { sed -n "s/^$2=//p" "$1" 2>/dev/null; } # FILE KEY
thou() { sed ':a; s/\B[0-9]\{3\}\>/,&/; ta' <<<"$1"; }
"$JG" init --db "$T/probe.db" >/dev/null
WANT=$(sqlite3 "$T/probe.db" 'SELECT max(version) FROM schema_migrations')

# ---- 1. the database, built once ----------------------------------------------------------------
CITY_SCHEMA=
[[ -f $CITY && -f $CITY.stamp && -f $CITY.audit-key ]] &&
    CITY_SCHEMA=$(sqlite3 -readonly "$CITY" 'SELECT max(version) FROM schema_migrations' 2>/dev/null || true)
HAVE=$(stamp_of "$ESTAMP" schema)
if [[ ${BENCH_REBUILD:-0} != 1 && -f $EDB.audit-key && -n $HAVE && $HAVE != "$WANT" &&
    $HAVE -ge 17 && $HAVE -lt $WANT ]]; then
    # Built at an older schema that already had the equipment tables (017): opening it applies
    # the newer migrations in place (indexes, other modules' tables), minutes sooner than a new
    # demo city. BENCH_REBUILD=1 builds afresh.
    echo "== migrating ${EDB#"$ROOT"/} from schema $HAVE to $WANT" >&2
    "$JG" backup --db "$EDB" --to "$T/migrated.db" >/dev/null
    rm -f "$T/migrated.db" "$T/migrated.db.audit-key"
    sqlite3 "$EDB" 'ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
    SOURCE="$(stamp_of "$ESTAMP" source), migrated from schema $HAVE"
    { grep -v '^schema=\|^source=' "$ESTAMP"; echo "schema=$WANT"; echo "source=$SOURCE"; } >"$ESTAMP.tmp"
    mv "$ESTAMP.tmp" "$ESTAMP"
fi
if [[ ${BENCH_REBUILD:-0} == 1 || ! -f $ESTAMP || ! -f $EDB.audit-key ||
    $(stamp_of "$ESTAMP" schema) != "$WANT" ]]; then
    mkdir -p "$CACHE"
    rm -f "$EDB" "$EDB"-* "$ESTAMP" "$EDB.audit-key"
    t0=$(date +%s)
    if [[ $CITY_SCHEMA == "$WANT" ]]; then
        echo "== copying ${CITY#"$ROOT"/} (schema $WANT)" >&2
        "$JG" backup --db "$CITY" --to "$EDB" >/dev/null
        SOURCE="a copy of \`bench/tmp/city-seed1.db\`"
    else
        echo "== building a city database (schema $WANT) for the equipment benchmark; a few minutes" >&2
        "$JG" init --db "$EDB" >/dev/null
        timeout 1800 "$JG" demo --db "$EDB" --scale city --seed 1 --credentials "$T/demo-cred.txt" \
            >"$T/demo.log"
        SOURCE="\`jianguan demo --scale city --seed 1\` ($(sed -n 's/.*用时 \([0-9.]*\) 秒.*/\1/p' \
            "$T/demo.log" | head -n1) s)"
    fi
    sqlite3 "$EDB" 'ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
    {
        echo "built=$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
        echo "schema=$WANT"
        echo "source=$SOURCE"
        echo "build_secs=$(($(date +%s) - t0))"
    } >"$ESTAMP.tmp"
    mv "$ESTAMP.tmp" "$ESTAMP"
fi

# ---- 2. a fresh copy, tokens, the expected totals ------------------------------------------------
DB=$T/e.db
"$JG" backup --db "$EDB" --to "$DB" >/dev/null
sql() { sqlite3 -batch -bail "$DB" "$@"; }
UNITS=$(sql 'SELECT count(*) FROM equipment')
((UNITS >= 70000)) || { echo "equipment bench: only $UNITS units in $EDB" >&2; exit 1; }
CITY_TOKEN=$("$JG" user token --db "$DB" --username bureau)
COUNTY_TOKEN=$("$JG" user token --db "$DB" --username bureau_dcf)
COUNTY=$(sql "SELECT region FROM users WHERE username = 'bureau_dcf'")
cat "$DB" >/dev/null # page cache: measure the server, not the disk
TODAY=$(TZ=Asia/Shanghai date +%F)
IN30=$(TZ=Asia/Shanghai date -d '+30 days' +%F)
N_OVERDUE=$(sql "SELECT count(*) FROM equipment WHERE status = 'in_use' AND next_due < '$TODAY'")
N_DUE=$(sql "SELECT count(*) FROM equipment WHERE status = 'in_use' AND next_due >= '$TODAY'
             AND next_due <= '$IN30' AND region = '$COUNTY'")
N_CAT=$(sql "SELECT count(*) FROM equipment WHERE status = 'in_use' AND next_due >= '$TODAY'
             AND next_due <= '$IN30' AND category = 'elevator'")

P_OVERDUE='/api/v1/equipment?overdue=1&page=1&page_size=20'
P_DUE='/api/v1/equipment?due_within=30&page=1&page_size=20'
P_CAT='/api/v1/equipment?category=elevator&due_within=30&page=1&page_size=20'
P_RATE='/api/v1/equipment/inspection-rate'

# ---- 3. servers ------------------------------------------------------------------------------------
nginx_fixed
PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
"$JG" serve --db "$DB" --listen "127.0.0.1:$PORT" --web-root '' --access-log off 2>"$T/serve.log" &
JG_PID=$!
PIDS+=("$JG_PID")
await_http "$PORT" /healthz "$JG_PID" jianguan

fetch() { # TOKEN PATH -> the body in $T/check.json; fails unless 200
    local code
    code=$(curl -s -o "$T/check.json" -m 60 -w '%{http_code}' -H "Authorization: Bearer $1" "$BASE$2" || true)
    [[ $code == 200 ]] || { echo "equipment bench: GET $2 answered '$code': $(head -c 300 "$T/check.json")" >&2; exit 1; }
}
total() { fetch "$1" "$2"; sed -n 's/.*"total":\([0-9]*\).*/\1/p' "$T/check.json"; }
[[ $(total "$CITY_TOKEN" "$P_OVERDUE") == "$N_OVERDUE" ]] || { echo "equipment bench: overdue total differs" >&2; exit 1; }
[[ $(total "$COUNTY_TOKEN" "$P_DUE") == "$N_DUE" ]] || { echo "equipment bench: due total differs" >&2; exit 1; }
[[ $(total "$CITY_TOKEN" "$P_CAT") == "$N_CAT" ]] || { echo "equipment bench: category total differs" >&2; exit 1; }
fetch "$CITY_TOKEN" "$P_RATE"
RATE_JSON=$(cat "$T/check.json")
RATE=$(python3 -c 'import json,sys; t=json.loads(sys.argv[1])["total"]; print(t["rate"], t["due"], t["on_time"] + t["early"], t["late"], t["missed"])' "$RATE_JSON")
read -r R_VALUE R_DUE R_ONTIME R_LATE R_MISSED <<<"$RATE"

# The rate alone, computed afresh: nine requests one at a time, each for another period (from
# 1 to 9 January: answers are cached by their parameters until the next write), the median.
YEAR=$(TZ=Asia/Shanghai date +%Y)
RATE_MS=$(for d in 1 2 3 4 5 6 7 8 9; do
    curl -s -o /dev/null -m 60 -w '%{time_total}\n' -H "Authorization: Bearer $CITY_TOKEN" \
        "$BASE$P_RATE?from=$YEAR-01-0$d"
done | sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", a[5] * 1000 }')

# ---- 4. measuring -----------------------------------------------------------------------------------
run() { # NAME OUTFILE LIMIT wrk-args...
    local name=$1 out=$2 limit=$3
    shift 3
    echo "== $name" >&2
    timeout "$limit" wrk "$@" >"$out"
    grep -q '^BENCH ' "$out" || { echo "equipment bench: no summary from wrk ($name):" >&2; cat "$out" >&2; exit 1; }
}
field() { sed -n "s/^BENCH .*\\b$2=\\([^ ]*\\).*/\\1/p" "$1"; }
rate() { awk -v n="$(field "$1" ok)" -v s="$(field "$1" duration_s)" 'BEGIN { printf "%.0f", (s > 0) ? n / s : 0 }'; }
declare -A LOADS CPU_MS
HZ=$(getconf CLK_TCK)
ticks() { awk '{ print $14 + $15 }' "/proc/$JG_PID/stat"; } # the server's CPU time, clock ticks
measure() { # KEY LABEL TOKEN PATH
    local key=$1 label=$2 token=$3 path=$4
    local args=(-t"$THREADS" -c"$CONNS" --latency --timeout "$TIMEOUT" -s "$HERE/wrk/summary.lua")
    await_load "$LOAD_MAX" "$LOAD_WAIT"
    LOADS[$key]=${LOAD_NOW%% *}
    run "$label: nginx warm-up" "$T/warm.out" "$WARM_LIMIT" "${args[@]}" -d"$WARMUP" "http://127.0.0.1:$NGINX_PORT/"
    run "$label: nginx" "$T/$key-nginx.out" "$WRK_LIMIT" "${args[@]}" -d"$DURATION" "http://127.0.0.1:$NGINX_PORT/"
    run "$label: warm-up" "$T/warm.out" "$WARM_LIMIT" "${args[@]}" -H "Authorization: Bearer $token" \
        -d"$WARMUP" "$BASE$path"
    drain "$JG_PID"
    local t0 t1
    t0=$(ticks)
    run "$label" "$T/$key.out" "$WRK_LIMIT" "${args[@]}" -H "Authorization: Bearer $token" -d"$DURATION" "$BASE$path"
    drain "$JG_PID"
    t1=$(ticks)
    # the server's CPU time per request sent (answered or in flight): not skewed by the load
    CPU_MS[$key]=$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v n="$(field "$T/$key.out" ok)" \
        -v b="$(field "$T/$key.out" non2xx)" -v w="$(field "$T/$key.out" unanswered)" \
        'BEGIN { printf "%.2f", (n + b + w > 0) ? 1000 * t / hz / (n + b + w) : 0 }')
    kill -0 "$JG_PID" 2>/dev/null || { echo "equipment bench: the server died ($label)" >&2; exit 1; }
}
measure overdue "(a) overdue, city" "$CITY_TOKEN" "$P_OVERDUE"
measure due "(b) due within 30 days, county" "$COUNTY_TOKEN" "$P_DUE"
measure cat "(c) elevators due within 30 days, city" "$CITY_TOKEN" "$P_CAT"
measure rate "(d) 定检率, city" "$CITY_TOKEN" "$P_RATE"
stop_pid "$JG_PID"
stop_pid "$NGINX_PID"

# ---- 5. the section of RESULTS.md ------------------------------------------------------------------
verdict() { awk -v r="$1" -v p="$2" -v gr="$3" -v gp="$4" 'BEGIN { print (r >= gr && p < gp) ? "MET" : "NOT MET" }'; }
row() { # KEY LABEL ROWS
    local k=$1 r n p nn
    r=$(rate "$T/$k.out")
    n=$(rate "$T/$k-nginx.out")
    p=$(field "$T/$k.out" p99_ms)
    nn=$(field "$T/$k.out" non2xx)
    printf '| %s | %s | %s | %.1f | %s | %s | %.1f%% | %s | %s |\n' "$2" "$3" "$(thou "$r")" "$p" \
        "${CPU_MS[$k]}" "$(thou "$n")" "$(awk -v a="$r" -v b="$n" 'BEGIN { print (b > 0) ? 100 * a / b : 0 }')" \
        "$nn" "${LOADS[$k]}"
}
TABLE="| target | matches | req/s (2xx) | p99 ms | server CPU ms/req | nginx req/s | vs nginx | non-2xx | load |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
$(row overdue "(a) \`$P_OVERDUE\` (city)" "$(thou "$N_OVERDUE")")
$(row due "(b) \`$P_DUE\` (county $COUNTY)" "$(thou "$N_DUE")")
$(row cat "(c) \`$P_CAT\` (city)" "$(thou "$N_CAT")")
$(row rate "(d) \`$P_RATE\` (city, by region)" "$(thou "$R_DUE") dues")"
V_LIST=MET
for k in overdue due cat; do
    [[ $(verdict "$(rate "$T/$k.out")" "$(field "$T/$k.out" p99_ms)" "$GOAL_LIST_RPS" "$GOAL_LIST_P99") == MET ]] || V_LIST="NOT MET"
done
V_RATE=$(awk -v m="$RATE_MS" -v g="$GOAL_RATE_MS" 'BEGIN { print (m < g) ? "MET" : "NOT MET" }')
CPU=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
cat >"$T/section.md" <<EOF
## Special equipment at city scale (M6)

Generated by \`bench/equipment.sh\` (run by \`bench/run.sh\` unless \`BENCH_EQUIPMENT=0\`). Run of
${STARTED}, commit ${COMMIT}, ${VERSION}; $(nproc) CPUs (${CPU:-unknown CPU}), shared by wrk, nginx
and the server over loopback. $(thou "$UNITS") units (the demo city, $(stamp_of "$ESTAMP" source),
cached at \`bench/tmp/equipment-city.db\`), SQLite, \`jianguan serve --web-root '' --access-log off\`;
each target \`wrk -t${THREADS} -c${CONNS} -d${DURATION} --latency\` after a ${WARMUP} warm-up, nginx's fixed
reply measured just before it; counts are computed once and then served from the count cache (no
writes during the runs). "server CPU ms/req" is the server's CPU time (\`/proc/<pid>/stat\`) over the
run and its drain divided by the requests sent: unlike req/s and p99 it does not depend on what
else the machine is doing (\`load\` is the 1-minute load average when the target started; the
machine has $(nproc) CPUs).

$TABLE

Row (d) is answered from the rate cache (kept until the next write, 30 s at most). The 定检率
computed afresh (one request at a time, nine different periods, the median): **${RATE_MS} ms** for
the city this year to date (it runs on the slow pool at nice 10, so other work on the machine
delays it first): rate ${R_VALUE} — ${R_ONTIME} of $(thou "$R_DUE") dues inspected on time, ${R_LATE} late, ${R_MISSED} overdue and not inspected.

Goals (the issue's): filtered list ≥ $(thou "$GOAL_LIST_RPS") pages/s with p99 < ${GOAL_LIST_P99} ms —
**${V_LIST}**; the city's rate < ${GOAL_RATE_MS} ms — **${V_RATE}**.
EOF
results_replace "$RESULTS" "$MARKER" "$T/section.md"
echo
echo "$TABLE"
echo "rate alone: ${RATE_MS} ms (rate ${R_VALUE}); goals: list ${V_LIST}, rate ${V_RATE}"
echo "(written to ${RESULTS#"$ROOT"/}, after $MARKER)"
