#!/usr/bin/env bash
# jianguan demands at city scale (issue 11): the half year of demo demands multiplied to 100,000,
# measured with wrk from 64 connections:
#   (a) filing        POST /api/v1/demands as the `officer` demo user, for an enterprise it
#                     serves (2xx only: each 201 is a demand, its event and its audit row,
#                     durable in a group commit before the answer)
#   (b) inbox         GET /api/v1/demands?page=1&page_size=20 as that officer
#   (c) filtered      the same inbox filtered by the category most of its demands have
#   (c′) open work    the same inbox, ?status=in_progress&overdue=0
# each beside nginx's fixed reply measured just before it. The reads run first, on exactly
# 100,000 demands; the filing run then adds its own.
# Usage: bench/demands.sh build/jianguan   (from the repo root; bench/run.sh calls it unless
#        BENCH_DEMANDS=0)
# Env:   BENCH_DURATION   measured run per target, wrk duration syntax (default 10s)
#        BENCH_WARMUP     warm-up run before each target, nginx included (default 2s)
#        BENCH_TIMEOUT    wrk per-request timeout (default 30s)
#        BENCH_DEMANDS_THREADS / BENCH_DEMANDS_CONNS   wrk threads / connections (default 1 / 64)
#        BENCH_DEMANDS_ROWS   demands after the multiplication (default 100000)
#        BENCH_LOAD_MAX / BENCH_LOAD_WAIT   before each target wait (at most WAIT seconds, default
#                         60) until the 1-minute load average is below MAX (default 1.5); the
#                         load is recorded either way, and a loaded machine is said so
#        BENCH_REBUILD=1  rebuild the cached database
#        BENCH_RESULTS    the results file (default bench/RESULTS.md)
# The database is built once and cached at bench/tmp/demands-100k.db (with a .stamp and its
# audit key), rebuilt when the binary's schema version changes: a copy (`jianguan backup`) of the
# city database of bench/lib.sh (bench/tmp/city-seed1.db) when that one is current, else a fresh
# `jianguan demo --scale city --seed 1`; then the demo's demands (720 over the last half year)
# and their events are copied in SQL with new ids, keeping entity, officer, status and dates,
# until there are 100,000 (every officer's inbox grows ~139×), and ANALYZE. Each run works on a
# fresh copy of it in a temporary directory. Replaces the section after `<!-- demands -->` in
# bench/RESULTS.md (up to the next marker) and prints the table. Loopback only; every server is
# stopped by the EXIT trap, even on failure. Needs wrk, nginx, sqlite3 and curl.
set -euo pipefail

BIN=${1:?usage: bench/demands.sh path/to/jianguan}
[[ -x $BIN ]] || { echo "demands bench: $BIN is not an executable" >&2; exit 1; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
RESULTS=${BENCH_RESULTS:-$HERE/RESULTS.md}
MARKER='<!-- demands -->'
CACHE=$HERE/tmp
DDB=$CACHE/demands-100k.db
DSTAMP=$DDB.stamp
CITY=$CACHE/city-seed1.db # bench/lib.sh's city_db
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-2s}
TIMEOUT=${BENCH_TIMEOUT:-30s}
THREADS=${BENCH_DEMANDS_THREADS:-1}
CONNS=${BENCH_DEMANDS_CONNS:-64}
ROWS=${BENCH_DEMANDS_ROWS:-100000}
LOAD_MAX=${BENCH_LOAD_MAX:-1.5}
LOAD_WAIT=${BENCH_LOAD_WAIT:-60}
OFFICER=officer # the demo login: officers[0]
ADMIN=benchdemands
PASSWORD=bench-password-1
NGINX=${NGINX:-/usr/sbin/nginx}
# The goal (the issue sets no number), for this 2-core machine with wrk on the same cores:
GOAL_FILE_RPS=1000 # durable demands filed per second (2xx)
GOAL_FILE_P99=100  # ms
GOAL_READ_RPS=2000 # inbox pages per second, filtered or not
GOAL_READ_P99=50   # ms

for tool in wrk sqlite3 curl "$NGINX"; do
    command -v "$tool" >/dev/null 2>&1 ||
        { echo "demands bench: $tool missing (tools/deps.sh bench)" >&2; exit 1; }
done

BENCH_NAME=demands-bench
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
WRK_LIMIT=$(($(secs "$DURATION") + $(secs "$TIMEOUT") + 30))
WARM_LIMIT=$(($(secs "$WARMUP") + $(secs "$TIMEOUT") + 30))

# Private copy of the binary, so a rebuild during the run cannot swap it under us.
cp "$BIN" "$T/jianguan"
JG=$T/jianguan
VERSION=$("$JG" version 2>/dev/null | head -n1)
COMMIT=$(head_commit "$ROOT")
STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
T_START=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
stamp_of() { sed -n "s/^$2=//p" "$1" 2>/dev/null; } # FILE KEY
mib() { awk -v b="$1" 'BEGIN { printf "%.0f MiB", b / 1048576 }'; }
thou() { sed ':a; s/\B[0-9]\{3\}\>/,&/; ta' <<<"$1"; } # 1234567 -> 1,234,567
"$JG" init --db "$T/probe.db" >/dev/null
WANT=$(sqlite3 "$T/probe.db" 'SELECT max(version) FROM schema_migrations')

# ---- 1. the database, built once ----------------------------------------------------------------
# multiply DB N: copies of the rows of demands (ids 1..M), demand_events and demand_assists with
# new ids (copy k: k*M + id) until demands has N rows, then ANALYZE.
multiply() {
    local db=$1 n=$2 m e count cols ecols k
    q() { sqlite3 -batch -bail "$db" "$@"; }
    read -r count m < <(q 'SELECT count(*), max(id) FROM demands' | tr '|' ' ')
    e=$(q 'SELECT coalesce(max(id), 0) FROM demand_events')
    ((count > 0 && count == m)) || { echo "demands bench: $db: demand ids are not 1..n ($count rows)" >&2; return 1; }
    ((n > m)) || { echo "demands bench: $db already has $m ≥ $n demands" >&2; return 1; }
    k=$(((n - 1) / m)) # copies needed; the last one may be partial
    cols=$(q "SELECT group_concat(name, ', ') FROM (SELECT name FROM pragma_table_info('demands')
              WHERE name NOT IN ('id', 'merged_into') ORDER BY cid)")
    ecols=$(q "SELECT group_concat(name, ', ') FROM (SELECT name FROM pragma_table_info('demand_events')
               WHERE name NOT IN ('id', 'demand') ORDER BY cid)")
    q >/dev/null <<SQL
PRAGMA cache_size = -262144;
BEGIN;
CREATE TEMP TABLE bench_k(k INTEGER PRIMARY KEY);
WITH RECURSIVE ks(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM ks WHERE k < $k)
INSERT INTO bench_k SELECT k FROM ks;
INSERT INTO demands (id, merged_into, $cols)
    SELECT c.k * $m + d.id, CASE WHEN d.merged_into IS NULL THEN NULL ELSE c.k * $m + d.merged_into END, $cols
    FROM bench_k c JOIN demands d ON d.id <= $m WHERE c.k * $m + d.id <= $n ORDER BY 1;
INSERT INTO demand_events (id, demand, $ecols)
    SELECT c.k * $e + v.id, c.k * $m + v.demand, $ecols
    FROM bench_k c JOIN demand_events v ON v.id <= $e WHERE c.k * $m + v.demand <= $n ORDER BY 1;
INSERT INTO demand_assists (demand, department)
    SELECT c.k * $m + a.demand, a.department
    FROM bench_k c JOIN demand_assists a ON a.demand <= $m WHERE c.k * $m + a.demand <= $n ORDER BY 1, 2;
COMMIT;
ANALYZE demands;
ANALYZE demand_events;
ANALYZE demand_assists;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
    [[ $(q 'SELECT count(*) FROM demands') == "$n" ]] ||
        { echo "demands bench: $db: did not grow to $n demands" >&2; return 1; }
}

CITY_SCHEMA=
[[ -f $CITY && -f $CITY.stamp && -f $CITY.audit-key ]] &&
    CITY_SCHEMA=$(sqlite3 -readonly "$CITY" 'SELECT max(version) FROM schema_migrations' 2>/dev/null || true)
if [[ ${BENCH_REBUILD:-0} == 1 || ! -f $DSTAMP || ! -f $DDB.audit-key || $(stamp_of "$DSTAMP" schema) != "$WANT" ||
    $(stamp_of "$DSTAMP" rows) != "$ROWS" ]]; then
    TMPDB=$CACHE/demands-tmp.db
    mkdir -p "$CACHE"
    rm -f "$DDB" "$DDB"-* "$DSTAMP" "$DDB.audit-key" "$TMPDB" "$TMPDB"-* "$TMPDB.audit-key"
    load0=$(cut -d' ' -f1-3 /proc/loadavg)
    t0=$(date +%s)
    if [[ $CITY_SCHEMA == "$WANT" ]]; then
        echo "== copying ${CITY#"$ROOT"/} (schema $WANT) for the demands database" >&2
        "$JG" backup --db "$CITY" --to "$TMPDB" >/dev/null
        SOURCE="a copy of \`bench/tmp/city-seed1.db\` (built $(stamp_of "$CITY.stamp" built))"
    else
        echo "== building a city database (schema $WANT) for the demands benchmark; a few minutes" >&2
        "$JG" init --db "$TMPDB" >/dev/null
        timeout 1200 "$JG" demo --db "$TMPDB" --scale city --seed 1 --credentials "$T/demo-cred.txt" \
            >"$T/demo.log"
        SOURCE="a fresh \`jianguan demo --scale city --seed 1\` ($(sed -n 's/.*用时 \([0-9.]*\) 秒.*/\1/p' \
            "$T/demo.log" | head -n1) s as printed; the cached city database was ${CITY_SCHEMA:+at schema $CITY_SCHEMA, }not current)"
    fi
    DEMO_DEMANDS=$(sqlite3 "$TMPDB" 'SELECT count(*) FROM demands')
    DEMO_EVENTS=$(sqlite3 "$TMPDB" 'SELECT count(*) FROM demand_events')
    t1=$(date +%s)
    echo "== multiplying $DEMO_DEMANDS demo demands to $ROWS" >&2
    multiply "$TMPDB" "$ROWS"
    mv "$TMPDB.audit-key" "$DDB.audit-key"
    mv "$TMPDB" "$DDB"
    {
        echo "built=$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
        echo "schema=$WANT"
        echo "rows=$ROWS"
        echo "source=$SOURCE"
        echo "demo_demands=$DEMO_DEMANDS"
        echo "demo_events=$DEMO_EVENTS"
        echo "source_secs=$((t1 - t0))"
        echo "grow_secs=$(($(date +%s) - t1))"
        echo "load=$load0 / $(cut -d' ' -f1-3 /proc/loadavg)"
    } >"$DSTAMP.tmp"
    mv "$DSTAMP.tmp" "$DSTAMP" # written last: its presence marks a complete database
fi
T_BUILT=$(date +%s)
BUILD_NOTE="the database was cached"
[[ $(stamp_of "$DSTAMP" built) < $(date -u -d "@$T_START" '+%Y-%m-%d %H:%M:%S UTC') ]] ||
    BUILD_NOTE="building the database took $((T_BUILT - T_START)) s"

# ---- 2. a fresh copy, the officer, the inputs -----------------------------------------------------
DB=$T/d.db
"$JG" backup --db "$DDB" --to "$DB" >/dev/null
sql() { sqlite3 -batch -bail "$DB" "$@"; }
OFFICER_ID=$(sql "SELECT id FROM users WHERE username = '$OFFICER' AND role = 'officer'")
[[ -n $OFFICER_ID ]] || { echo "demands bench: no officer user '$OFFICER'" >&2; exit 1; }
USCC=$(sql "SELECT group_concat(uscc, ',') FROM (SELECT uscc FROM entities WHERE officer = $OFFICER_ID ORDER BY id)")
[[ -n $USCC ]] || { echo "demands bench: '$OFFICER' serves no enterprise" >&2; exit 1; }
printf '%s\n' "$PASSWORD" | "$JG" user add --db "$DB" --username "$ADMIN" --role admin >/dev/null
TOKEN=$("$JG" user token --db "$DB" --username "$OFFICER")
ADMIN_TOKEN=$("$JG" user token --db "$DB" --username "$ADMIN")
[[ -n $TOKEN && -n $ADMIN_TOKEN ]] || { echo "demands bench: empty token" >&2; exit 1; }
AUTH="Authorization: Bearer $TOKEN"
SCOPE="(d.officer = $OFFICER_ID OR d.assignee = $OFFICER_ID)" # demands_scope() for an officer
CATEGORY=$(sql "SELECT category FROM demands d WHERE $SCOPE GROUP BY category ORDER BY count(*) DESC, category LIMIT 1")
[[ -n $CATEGORY ]] || CATEGORY=funding
ROWS0=$(sql 'SELECT count(*) FROM demands')
DB_BYTES=$(stat -c %s "$DB")
SERVED=$(tr ',' '\n' <<<"$USCC" | wc -l)
cat "$DB" >/dev/null # page cache: measure the server, not the disk

P_INBOX='/api/v1/demands?page=1&page_size=20'
P_CAT="/api/v1/demands?category=$CATEGORY&page=1&page_size=20"
P_OPEN='/api/v1/demands?status=in_progress&overdue=0&page=1&page_size=20'
P_FILE='/api/v1/demands'

# ---- 3. servers ------------------------------------------------------------------------------------
nginx_fixed # bench/lib.sh: NGINX_PORT, NGINX_PID; up for the whole run
PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
"$JG" serve --db "$DB" --listen "127.0.0.1:$PORT" --web-root '' --access-log off 2>"$T/serve.log" &
JG_PID=$!
PIDS+=("$JG_PID")
await_http "$PORT" /healthz "$JG_PID" jianguan

# total PATH: the list's "total" for the officer; fails unless it answers 200.
total() {
    local code
    code=$(curl -s -o "$T/check.json" -m 60 -w '%{http_code}' -H "$AUTH" "$BASE$1" || true)
    [[ $code == 200 ]] || {
        echo "demands bench: GET $1 answered '$code', not 200: $(head -c 300 "$T/check.json")" >&2
        exit 1
    }
    sed -n 's/.*"total":\([0-9]*\).*/\1/p' "$T/check.json"
}
N_INBOX=$(total "$P_INBOX")
N_CAT=$(total "$P_CAT")
N_OPEN=$(total "$P_OPEN")
[[ $N_INBOX == "$(sql "SELECT count(*) FROM demands d WHERE $SCOPE")" ]] ||
    { echo "demands bench: the inbox total $N_INBOX is not the officer's count" >&2; exit 1; }

# ---- 4. measuring -----------------------------------------------------------------------------------
run() { # NAME OUTFILE LIMIT wrk-args...: one wrk run (bounded), its BENCH line in OUTFILE
    local name=$1 out=$2 limit=$3
    shift 3
    echo "== $name" >&2
    timeout "$limit" wrk "$@" >"$out"
    grep -q '^BENCH ' "$out" || { echo "demands bench: no summary from wrk ($name):" >&2; cat "$out" >&2; exit 1; }
    printf '== %s\n' "$name" >>"$T/wrk.log"
    cat "$out" >>"$T/wrk.log"
}
field() { sed -n "s/^BENCH .*\\b$2=\\([^ ]*\\).*/\\1/p" "$1"; } # OUTFILE KEY
rate() { awk -v n="$(field "$1" ok)" -v s="$(field "$1" duration_s)" 'BEGIN { printf "%.0f", (s > 0) ? n / s : 0 }'; }
metric() { # FILE NAME: a counter of /metrics
    awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' "$1"
}
scrape() { curl -s -m 10 -H "Authorization: Bearer $ADMIN_TOKEN" "$BASE/metrics" >"$1" || : >"$1"; }

declare -A LOADS CPU_MS
HZ=$(getconf CLK_TCK)
ticks() { awk '{ print $14 + $15 }' "/proc/$JG_PID/stat"; } # the server's CPU time, clock ticks
LOADED=0
# measure KEY LABEL URL [SCRIPT]: nginx's fixed reply, then the target, each after a warm-up
# with the same options; waits for a quiet machine first.
measure() {
    local key=$1 label=$2 url=$3 script=${4:-summary.lua}
    local args=(-t"$THREADS" -c"$CONNS" --latency --timeout "$TIMEOUT" -s "$HERE/wrk/$script" -H "$AUTH")
    local nargs=(-t"$THREADS" -c"$CONNS" --latency --timeout "$TIMEOUT" -s "$HERE/wrk/summary.lua")
    await_load "$LOAD_MAX" "$LOAD_WAIT"
    LOADS[$key]=${LOAD_NOW%% *}
    awk -v l="${LOADS[$key]}" -v m="$LOAD_MAX" 'BEGIN { exit !(l >= m) }' && LOADED=1
    run "$label: nginx warm-up $WARMUP" "$T/warm.out" "$WARM_LIMIT" "${nargs[@]}" -d"$WARMUP" \
        "http://127.0.0.1:$NGINX_PORT/"
    run "$label: nginx fixed reply, $DURATION" "$T/$key-nginx.out" "$WRK_LIMIT" "${nargs[@]}" -d"$DURATION" \
        "http://127.0.0.1:$NGINX_PORT/"
    run "$label: warm-up $WARMUP" "$T/$key-warm.out" "$WARM_LIMIT" "${args[@]}" -d"$WARMUP" "$url"
    drain "$JG_PID"
    [[ $key != file ]] || before_file
    local t0 t1
    t0=$(ticks)
    run "$label: $DURATION (load ${LOADS[$key]})" "$T/$key.out" "$WRK_LIMIT" "${args[@]}" -d"$DURATION" "$url"
    drain "$JG_PID"
    t1=$(ticks)
    # the server's CPU time per request it answered (the run's requests, in flight ones included)
    CPU_MS[$key]=$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v n="$(field "$T/$key.out" ok)" -v b="$(field "$T/$key.out" non2xx)" \
        -v w="$(field "$T/$key.out" unanswered)" 'BEGIN { printf "%.2f", (n + b + w > 0) ? 1000 * t / hz / (n + b + w) : 0 }')
    kill -0 "$JG_PID" 2>/dev/null || { echo "demands bench: the server died ($label)" >&2; exit 1; }
}

before_file() { # the counts before the measured filing run
    F_ROWS0=$(sql 'SELECT count(*) FROM demands')
    F_AUDIT0=$(sql "SELECT count(*) FROM audit_log WHERE action = 'demand.submit'")
    scrape "$T/metrics0.txt"
}

L_FILE="(a) filing \`POST $P_FILE\`"
L_INBOX="(b) inbox \`GET $P_INBOX\`"
L_CAT="(c) inbox filtered \`?category=$CATEGORY&page=1&page_size=20\`"
L_OPEN="(c′) open work \`?status=in_progress&overdue=0&page=1&page_size=20\`"
# The reads first, on exactly $ROWS demands (their counts cached once, as between writes).
measure inbox "$L_INBOX" "$BASE$P_INBOX"
measure cat "$L_CAT" "$BASE$P_CAT"
measure open "$L_OPEN" "$BASE$P_OPEN"

# One demand filed by hand before the run: 201, with the officer as its officer.
code=$(curl -s -o "$T/check.json" -m 60 -w '%{http_code}' -H "$AUTH" -H 'Content-Type: application/json' \
    --data "{\"uscc\":\"${USCC%%,*}\",\"title\":\"压测诉求检查\",\"body\":\"检查\",\"category\":\"funding\"}" \
    "$BASE$P_FILE" || true)
[[ $code == 201 ]] || { echo "demands bench: POST $P_FILE answered '$code': $(head -c 300 "$T/check.json")" >&2; exit 1; }
BENCH_DEMAND_USCC=$USCC measure file "$L_FILE" "$BASE/" demands_file.lua
F_ROWS1=$(sql 'SELECT count(*) FROM demands')
F_AUDIT1=$(sql "SELECT count(*) FROM audit_log WHERE action = 'demand.submit'")
F_MINE=$(sql "SELECT count(*) FROM demands WHERE id > (SELECT max(id) FROM demands) - $((F_ROWS1 - F_ROWS0)) AND officer = $OFFICER_ID AND status = 'submitted'")
scrape "$T/metrics1.txt"
stop_pid "$JG_PID"
stop_pid "$NGINX_PID"
T_MEASURED=$(date +%s)

# The audit chain, with the filed demands in it.
t0=$(date +%s.%N)
if "$JG" verify audit --db "$DB" >"$T/verify.log" 2>&1; then VERIFY=0; else VERIFY=$?; fi
VERIFY_SECS=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
AUDIT_ROWS=$(sql 'SELECT count(*) FROM audit_log')

# ---- 5. query plans of the page queries, as the server composes them ----------------------------
# (src/http/list.c: "SELECT <columns> FROM demands d WHERE true<scope><filters> ORDER BY d.id DESC
# LIMIT ? OFFSET ?"; the count: the same WHERE, LIMIT 10001, cached until the next write.)
# plan SQL: its plan on one line, without the look-ups by key of the joined tables.
plan() {
    sql "EXPLAIN QUERY PLAN $1" | sed -n 's/^[ |`-]*--//p' | grep -Ev '^SEARCH (e|r|c|o|a|dp) ' |
        paste -sd';' | sed 's/;/; /g'
}
# The joins and named columns of the demand record (demands_demand in src/demands/demands.c).
JOINS=" JOIN entities e ON e.uscc = d.uscc JOIN regions r ON r.code = d.region
    LEFT JOIN chains c ON c.id = d.chain LEFT JOIN users o ON o.id = d.officer
    LEFT JOIN users a ON a.id = d.assignee LEFT JOIN departments dp ON dp.id = d.department"
NAMES="e.name, r.name, c.name, o.display_name, a.display_name, dp.name"
pagesql() { echo "SELECT d.*, $NAMES FROM demands d$JOINS WHERE true AND $SCOPE$1 ORDER BY d.id DESC LIMIT 20 OFFSET 0"; }
countsql() { echo "SELECT count(*) FROM (SELECT 1 FROM demands d WHERE true AND $SCOPE$1 LIMIT 10001)"; }
F_CAT=" AND d.category = '$CATEGORY'"
F_OPEN=" AND d.status = 'in_progress' AND (CASE WHEN d.due < date('now', '+8 hours') AND d.status IN
    ('submitted', 'triaged', 'assigned', 'in_progress', 'returned') THEN '1' ELSE '0' END) = '0'"
# ms SQL: the CPU time (user + system) of SQL, in ms, the mean of 50 runs in one sqlite3 shell
# (one core, warm: after one run), less the shell's own (the same with SELECT 1); CPU time, so
# that other work on the machine does not count.
shell_cpu() { # SQL: CPU seconds of one sqlite3 shell running it once, then 50 times
    local script="$1;"$'\n' TIMEFORMAT='%U %S'
    for _ in $(seq 50); do script+="$1;"$'\n'; done
    { time sqlite3 -batch "$DB" <<<"$script" >/dev/null; } 2>&1 | awk '{ print $1 + $2 }'
}
ms() { awk -v a="$(shell_cpu "$1")" -v b="$(shell_cpu 'SELECT 1')" 'BEGIN { v = (a - b) * 1000 / 50; printf "%.2f", (v > 0) ? v : 0 }'; }
# On the run's copy: the plans now, on the demands the filing added too.
PLAN_INBOX=$(plan "$(pagesql '')")
PLAN_COUNT=$(plan "$(countsql '')")
PLAN_CAT=$(plan "$(pagesql "$F_CAT")")
PLAN_OPEN=$(plan "$(pagesql "$F_OPEN")")
# The same on a pristine copy at $ROWS demands, with the times, and once more with an index on
# assignee (the other half of the officer's OR), to show what it would change.
rm -f "$DB" "$DB"-* "$DB.audit-key"
"$JG" backup --db "$DDB" --to "$DB" >/dev/null
MS_INBOX=$(ms "$(pagesql '')")
MS_COUNT=$(ms "$(countsql '')")
MS_CAT=$(ms "$(pagesql "$F_CAT")")
HAS_ASSIGNEE_INDEX=$(sql "SELECT count(*) FROM pragma_index_list('demands') l
    WHERE (SELECT name FROM pragma_index_info(l.name) WHERE seqno = 0) = 'assignee'")
WHATIF=
if ((HAS_ASSIGNEE_INDEX == 0)) && grep -q 'SCAN d' <<<"$PLAN_INBOX"; then
    sql 'CREATE INDEX bench_demands_assignee ON demands(assignee, id); ANALYZE demands;'
    WHATIF="- The officer's scope \`(d.officer = ? OR d.assignee = ?)\` has an index for \`officer\`
  (\`demands_officer(officer, id)\`) but none for \`assignee\`, so SQLite cannot serve the OR from
  indexes: the page walks the table by id, newest first, until it has 20 of the officer's
  rows (at $(thou "$ROWS") demands, $(printf '%s' "$MS_INBOX") ms of CPU a page in the sqlite3 shell, warm), and the capped
  count reads every row ($(printf '%s' "$MS_COUNT") ms) whenever a write has made the cached count stale.
  **Missing index: \`CREATE INDEX demands_assignee ON demands(assignee, id)\`** (tried here on a
  copy, not in \`src/\`): the page's plan becomes \`$(plan "$(pagesql '')")\`, $(ms "$(pagesql '')") ms
  a page (it then reads every one of the officer's $(thou "$N_INBOX") rows with their joins and sorts them, so
  the gain shrinks as an inbox grows); the count $(ms "$(countsql '')") ms; the category filter
  $(ms "$(pagesql "$F_CAT")") ms (without the index $(printf '%s' "$MS_CAT") ms)."
fi
# Where the demands live in the file, against the part the server's readers map (their
# PRAGMA mmap_size, read from src/db/db_sqlite.c when it is there): pages past it are read with a
# system call and a copy each time.
MMAP_BYTES=$(grep -o 'mmap_size=[0-9]*' "$ROOT/src/db/db_sqlite.c" 2>/dev/null | head -n1 | cut -d= -f2 || true)
MMAP_NOTE=
if [[ -n $MMAP_BYTES ]] && ((MMAP_BYTES > 0)); then
    read -r PG_PAST PG_ALL < <(sql "SELECT sum(pageno * (SELECT page_size FROM pragma_page_size) > $MMAP_BYTES),
        count(*) FROM dbstat WHERE name = 'demands'" | tr '|' ' ')
    ((PG_PAST * 10 < PG_ALL)) ||
        MMAP_NOTE="- $(thou "$PG_PAST") of the $(thou "$PG_ALL") pages of \`demands\` lie past the first $(mib "$MMAP_BYTES") of the
  $(mib "$(stat -c %s "$DB")") file, the part the server's readers map (\`PRAGMA mmap_size\` in \`src/db/db_sqlite.c\`): the
  demands were written after the city's entities, so the scans above read nearly every page
  with a \`pread\` and a copy from the page cache instead of from the map."
fi
rm -f "$DB" "$DB"-* "$DB.audit-key"
T_END=$(date +%s)

# ---- 6. RESULTS.md -------------------------------------------------------------------------------
NOTES=
note() { # KEY LABEL: non-2xx and socket errors of the run, for the notes
    local out=$T/$1.out p=
    (($(field "$out" non2xx) == 0)) || p="non-2xx $(field "$out" non2xx) ($(field "$out" statuses))"
    [[ $(field "$out" socket_errors) == 0,0,0,0 ]] ||
        p+="${p:+; }socket errors connect,read,write,timeout $(field "$out" socket_errors)"
    [[ -z $p ]] || { NOTES+=$'\n'"- $2: $p"; echo "demands bench: WARNING $2: $p" >&2; }
}
verdict() { # OUTFILE MIN_RPS MAX_P99: MET when req/s (2xx) ≥ MIN, p99 < MAX and ≤ 1% non-2xx
    awk -v r="$(rate "$1")" -v p="$(field "$1" p99_ms)" -v ok="$(field "$1" ok)" -v bad="$(field "$1" non2xx)" \
        -v mr="$2" -v mp="$3" 'BEGIN {
        print (ok > 0 && r >= mr && p < mp && bad * 100 <= ok + bad) ? "MET" : "NOT MET" }'
}
row() { # KEY LABEL ROWS MATCHING
    local out=$T/$1.out nout=$T/$1-nginx.out r nr
    r=$(rate "$out")
    nr=$(rate "$nout")
    printf '| %s | %s | %s | **%s** | **%s** | %s | %s | %s · %s | %s%% | %s |\n' "$2" "$3" "$4" "$(thou "$r")" \
        "$(printf '%.1f' "$(field "$out" p99_ms)")" "$(field "$out" non2xx)" "${CPU_MS[$1]}" "$(thou "$nr")" \
        "$(printf '%.1f' "$(field "$nout" p99_ms)")" \
        "$(awk -v a="$r" -v b="$nr" 'BEGIN { printf "%.1f", (b > 0) ? 100 * a / b : 0 }')" "${LOADS[$1]}"
}
note file "$L_FILE"
note inbox "$L_INBOX"
note cat "$L_CAT"
note open "$L_OPEN"
TABLE="| target (officer \`$OFFICER\`, 64 connections) | rows in \`demands\` | matching | req/s (2xx) | p99 ms | non-2xx | server CPU ms / request | nginx fixed reply just before: req/s · p99 ms | vs nginx | load at start |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
$(row file "$L_FILE" "$(thou "$F_ROWS0") → $(thou "$F_ROWS1")" "—")
$(row inbox "$L_INBOX" "$(thou "$ROWS0")" "$(thou "$N_INBOX")")
$(row cat "$L_CAT" "$(thou "$ROWS0")" "$(thou "$N_CAT")")
$(row open "$L_OPEN" "$(thou "$ROWS0")" "$(thou "$N_OPEN")")"

V_FILE=$(verdict "$T/file.out" "$GOAL_FILE_RPS" "$GOAL_FILE_P99")
V_INBOX=$(verdict "$T/inbox.out" "$GOAL_READ_RPS" "$GOAL_READ_P99")
V_CAT=$(verdict "$T/cat.out" "$GOAL_READ_RPS" "$GOAL_READ_P99")
V_OPEN=$(verdict "$T/open.out" "$GOAL_READ_RPS" "$GOAL_READ_P99")
V_ALL=MET
for v in "$V_FILE" "$V_INBOX" "$V_CAT" "$V_OPEN"; do [[ $v == MET ]] || V_ALL="NOT MET"; done
# ceiling KEY: the req/s the server's CPU time per request allows on all the machine's cores
ceiling() { awk -v c="${CPU_MS[$1]}" -v n="$(nproc)" 'BEGIN { printf "%.0f", (c > 0) ? n * 1000 / c : 0 }'; }
CEILING="From the server's own CPU time per request, with all $(nproc) cores to itself and nothing
for wrk, the server could answer at most $(thou "$(ceiling file)") filings/s, $(thou "$(ceiling inbox)") inbox pages/s,
$(thou "$(ceiling cat)") pages/s by category and $(thou "$(ceiling open)") open-work pages/s"
CEILING_SHORT=
declare -A READ_NAME=([inbox]="the inbox" [cat]="the category filter" [open]="the open-work filter")
for k in inbox cat open; do
    if awk -v c="$(ceiling "$k")" -v g="$GOAL_READ_RPS" 'BEGIN { exit !(c < g) }'; then
        CEILING_SHORT+="${CEILING_SHORT:+, }${READ_NAME[$k]}"
    fi
done
if [[ -n $CEILING_SHORT ]]; then
    # shellcheck disable=SC2001 # the last ", " only
    CEILING+=": below the goal of $(thou "$GOAL_READ_RPS")/s for $(sed 's/\(.*\), /\1 and /' <<<"$CEILING_SHORT")
however quiet the machine."
else
    CEILING+="."
fi
brief() { printf '%s/s, p99 %s ms' "$(thou "$(rate "$T/$1.out")")" "$(printf '%.1f' "$(field "$T/$1.out" p99_ms)")"; }

F_OK=$(field "$T/file.out" ok)
F_ADDED=$((F_ROWS1 - F_ROWS0))
F_AUDIT=$((F_AUDIT1 - F_AUDIT0))
if ((F_ADDED >= F_OK && F_AUDIT == F_ADDED && F_MINE == F_ADDED)); then F_DURABLE="**yes**"; else F_DURABLE="**NO**"; fi
GC_N=$(awk -v a="$(metric "$T/metrics0.txt" jianguan_commit_batch_size_count)" \
    -v b="$(metric "$T/metrics1.txt" jianguan_commit_batch_size_count)" 'BEGIN { printf "%d", b - a }')
GC_W=$(awk -v a="$(metric "$T/metrics0.txt" jianguan_commit_batch_size_sum)" \
    -v b="$(metric "$T/metrics1.txt" jianguan_commit_batch_size_sum)" 'BEGIN { printf "%d", b - a }')
GC_MS=$(awk -v a="$(metric "$T/metrics0.txt" jianguan_commit_seconds_sum)" \
    -v b="$(metric "$T/metrics1.txt" jianguan_commit_seconds_sum)" -v n="$GC_N" \
    'BEGIN { if (n > 0) printf "%.2f", 1000 * (b - a) / n; else printf "?" }')
GC_AVG=$(awk -v w="$GC_W" -v n="$GC_N" 'BEGIN { if (n > 0) printf "%.1f", w / n; else printf "?" }')
if ((VERIFY == 0)); then VERIFY_CELL="exit 0"; else VERIFY_CELL="**exit $VERIFY** ($(head -c 120 "$T/verify.log" | tr '\n|' '  '))"; fi
# shellcheck disable=SC2016 # literal backticks: markdown code
LOG_PROBLEMS=$(grep -E -i 'error|错误|失败|fatal|panic' "$T/serve.log" | head -n 5 | sed 's/^/  - `/; s/$/`/' || true)
[[ -z $LOG_PROBLEMS ]] || NOTES+=$'\n'"- Server log:"$'\n'"$LOG_PROBLEMS"
CPU=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
MACHINE="load average before / after: ${LOAD_BEFORE} / ${LOAD_AFTER}"
if ((LOADED)); then
    MACHINE+="; **the machine was loaded**: at least one target started with the 1-minute load at or
above ${LOAD_MAX} after waiting up to ${LOAD_WAIT} s (other work shares the $(nproc) CPUs), so its figures are lower than on a quiet machine"
else
    MACHINE+="; every target started with the 1-minute load below ${LOAD_MAX} (waiting up to ${LOAD_WAIT} s for it)"
fi
WARN_BLOCK=
[[ -z $NOTES ]] || WARN_BLOCK=$'\n'"Warnings:$NOTES"$'\n'

cat >"$T/section.md" <<EOF
## Demands at $(thou "$ROWS"): filing and an officer's inbox (issue 11)

Generated by \`bench/demands.sh\` (run by \`bench/run.sh\` unless \`BENCH_DEMANDS=0\`). Run of
${STARTED}, commit ${COMMIT}, ${VERSION}; $(nproc) CPUs (${CPU:-unknown CPU}), shared by wrk, nginx and
the server over loopback; ${MACHINE}. The run took $((T_END - T_START)) s (${BUILD_NOTE}; measuring
$((T_MEASURED - T_BUILT)) s, the query plans $((T_END - T_MEASURED)) s).

$TABLE

Goal (the issue sets no number; set here for this 2-core machine, wrk on the same cores):
filing ≥ $(thou "$GOAL_FILE_RPS") durable demands/s with p99 < ${GOAL_FILE_P99} ms — $(brief file) — **${V_FILE}**;
the inbox page, unfiltered or filtered, ≥ $(thou "$GOAL_READ_RPS") req/s with p99 < ${GOAL_READ_P99} ms — inbox $(brief inbox) —
**${V_INBOX}**; by category $(brief cat) — **${V_CAT}**; open work $(brief open) — **${V_OPEN}**
(and ≤ 1% non-2xx). Overall: **${V_ALL}**.
${CEILING}

Filing, checked after the run: demands added during the measured run $(thou "$F_ADDED") ≥ acknowledged
$(thou "$F_OK"), each the officer's and \`submitted\`, with as many \`demand.submit\` audit rows
($(thou "$F_AUDIT")): ${F_DURABLE}; group commit during the run: $(thou "$GC_N") commits, ${GC_AVG} demands per commit,
${GC_MS} ms per commit (\`/metrics\`); \`jianguan verify audit\` over the $(thou "$AUDIT_ROWS") audit rows afterwards:
${VERIFY_CELL} (${VERIFY_SECS} s).

Query plans (\`EXPLAIN QUERY PLAN\` of the page queries as \`src/http/list.c\` composes them, on the
run's copy after the filing; each then looks up its joined tables by key):

- inbox page: \`${PLAN_INBOX}\`; its capped count: \`${PLAN_COUNT}\`
- by category: \`${PLAN_CAT}\`; open work: \`${PLAN_OPEN}\`
${WHATIF}
${MMAP_NOTE}
${WARN_BLOCK}
Method. The database ($(mib "$DB_BYTES"), $(thou "$ROWS0") demands) is cached at
\`bench/tmp/demands-100k.db\`, built $(stamp_of "$DSTAMP" built) from $(stamp_of "$DSTAMP" source):
its $(stamp_of "$DSTAMP" demo_demands) demo demands of the last half year and their $(stamp_of "$DSTAMP" demo_events) events are copied in SQL with
new ids (copy k: id + k × $(stamp_of "$DSTAMP" demo_demands), the last copy partial) keeping entity, officer, status, dates and
text, until there are $(thou "$ROWS") (every officer's inbox grows ~$(awk -v a="$ROWS" -v b="$(stamp_of "$DSTAMP" demo_demands)" 'BEGIN { printf "%.0f", a / b }')×; the officer \`${OFFICER}\`
serves ${SERVED} enterprise(s) and has $(thou "$N_INBOX") demands, interleaved through the table), then
\`ANALYZE\` ($(stamp_of "$DSTAMP" grow_secs) s). Each run serves a fresh copy (\`jianguan backup\`, read
once into the page cache) with \`jianguan serve --web-root '' --access-log off\` (one event
thread per core; SQLite in WAL mode, \`synchronous=FULL\`), as the officer with a bearer token
(\`jianguan user token\`). Each target: nginx's fixed reply (\`return 200\`, 2 workers, no access log),
then the target, each with \`wrk -t${THREADS} -c${CONNS} -d${DURATION} --latency --timeout ${TIMEOUT}\` after a
${WARMUP} warm-up with the same options, waiting first (up to ${LOAD_WAIT} s) for the 1-minute load to fall
below ${LOAD_MAX}, and after each run for the server to finish the requests left over. req/s counts
2xx answers only (\`bench/wrk/summary.lua\`); p99 is wrk's over the answered requests (up to ${CONNS}
requests are still in flight when a run ends; they are not counted); the server's CPU time per
request (\`/proc/<pid>/stat\` over the run and its drain, divided by the requests sent) does not
depend on the machine's load as req/s and p99 do. The reads
run first, on exactly $(thou "$ROWS") demands, so their counts are computed once and then served
from the count cache (as between two writes); filing (\`bench/wrk/demands_file.lua\`) posts
\`{"uscc", "title":"压测诉求<thread>-<n>", "body", "category":"funding"}\` for the officer's
enterprise(s), each answered 201 after its demand, \`submit\` event and audit row are committed
to disk together with the others of its group commit. The "open work" filter matches what is
on the officer's desk; all of \`${OFFICER}\`'s demo demands are closed, so it finds none (it is
served from the \`demands_status\` index), while the category filter has to find the officer's
rows among all the others.
EOF
results_replace "$RESULTS" "$MARKER" "$T/section.md"

echo
echo "Demands at $(thou "$ROWS"), ${STARTED}, commit ${COMMIT}:"
echo "$TABLE"
echo "Goal: filing ${V_FILE}; inbox ${V_INBOX}; by category ${V_CAT}; open work ${V_OPEN}; overall ${V_ALL}"
[[ -z $NOTES ]] || echo "$NOTES"
echo "(written to ${RESULTS#"$ROOT"/}, after $MARKER)"
