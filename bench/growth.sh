#!/usr/bin/env bash
# jianguan growth benchmark (issue 10): the registry's four everyday costs on both engines, at
# 1× and 5× the reference city, measured with wrk from 64 connections:
#   look-up          GET /api/v1/entities/{uscc}, ~10,000 real codes picked at random
#   filtered list    GET /api/v1/entities?region=371502&credit=A&page=1&page_size=20
#   3-char search    GET /api/v1/entities?q=聊城市&page_size=20 (a fragment of ~9% of names)
#   durable write    PATCH /api/v1/entities/{uscc} {"legal_rep":"压测<thread>-<n>"} (2xx only)
# plus nginx's fixed reply before each column in each round, as the ceiling and a gauge of the
# machine's noise.
# Columns: SQLite 1×, SQLite 5×, PostgreSQL 1×, PostgreSQL 5×; req/s and p99 of each.
# Usage: bench/growth.sh build/jianguan   (from the repo root; bench/run.sh calls it at its end)
# Env:   BENCH_DURATION   measured run per target, wrk duration syntax (default 10s)
#        BENCH_WARMUP     warm-up run before each target (default 2s)
#        BENCH_TIMEOUT    wrk per-request timeout (default 30s)
#        BENCH_GROWTH_THREADS / BENCH_GROWTH_CONNS   wrk threads / connections (default 1 / 64)
#        BENCH_GROWTH_Q   the 3-character fragment (default 聊城市)
#        BENCH_GROWTH_ROUNDS  measured runs of each target (default 3), in rounds over the four
#                         columns (each column's servers stay up meanwhile); the table shows the
#                         median req/s and median p99; every run is listed in a second table
#        BENCH_GROWTH_PG=0  SQLite only (the PostgreSQL columns say "not measured")
#        BENCH_LOAD_MAX / BENCH_LOAD_WAIT   before each measured run wait (at most WAIT seconds,
#                         default 120) until the 1-minute load average is below MAX (default
#                         1.5); the load is recorded either way
#        BENCH_REBUILD=1  rebuild every cached database
#        BENCH_RESULTS    the results file (default bench/RESULTS.md)
# Databases, built once and cached in bench/tmp (gitignored), rebuilt when the binary's schema
# version changes:
#   SQLite 1×       city-seed1.db, shared with registry.sh and writes.sh (city_db in lib.sh)
#   SQLite 5×       growth-sqlite-5x.db: a copy of 1× grown in SQL (below)
#   PostgreSQL      the cluster growth-pg/ (tools/pg-cluster.sh makes it; kept, not removed),
#                   databases city1 (`jianguan demo --scale city --seed 1`) and city5 (a copy of
#                   city1 grown in SQL); audit key growth-pg.audit-key
# 5× = the 1× rows copied four times with new ids and new 18-character codes ZG<16 digits>
# (names repeat), with registry_bulk holding its row as the demo loader does: SQLite's FTS5
# trigram table is filled by its trigger, PostgreSQL's GIN trigram index by itself, and the
# character-pair table entity_bigrams gets each copy's pairs in key order; then ANALYZE
# (SQLite: the demo's sampled ANALYZE and PRAGMA optimize; PostgreSQL: VACUUM ANALYZE).
# Every measurement runs on a fresh copy (`jianguan backup`; CREATE DATABASE … TEMPLATE), so
# the caches stay as built. Replaces the section after `<!-- growth -->` in bench/RESULTS.md
# and writes the chart bench/growth.svg; server logs of the last run stay in
# bench/tmp/growth-logs/. Loopback only; servers, PostgreSQL and the copies are stopped and
# removed by the EXIT trap, even on failure. Needs wrk, nginx, sqlite3, curl, python3 and (for
# the PostgreSQL columns) PostgreSQL 13+ with pg_trgm and psql.
set -euo pipefail

BIN=${1:?usage: bench/growth.sh path/to/jianguan}
[[ -x $BIN ]] || { echo "growth bench: $BIN is not an executable" >&2; exit 1; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
RESULTS=${BENCH_RESULTS:-$HERE/RESULTS.md}
MARKER='<!-- growth -->'
CACHE=$HERE/tmp
LOGS=$CACHE/growth-logs
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-2s}
TIMEOUT=${BENCH_TIMEOUT:-30s}
THREADS=${BENCH_GROWTH_THREADS:-1}
CONNS=${BENCH_GROWTH_CONNS:-64}
SEARCH_Q=${BENCH_GROWTH_Q:-聊城市}
WITH_PG=${BENCH_GROWTH_PG:-1}
ROUNDS=${BENCH_GROWTH_ROUNDS:-3}
LOAD_MAX=${BENCH_LOAD_MAX:-1.5}
LOAD_WAIT=${BENCH_LOAD_WAIT:-120}
FACTOR=5
NGINX=${NGINX:-/usr/sbin/nginx}
PY=/usr/bin/python3
USER_NAME=benchgrowth
PASSWORD=bench-password-1
S5_DB=$CACHE/growth-sqlite-5x.db
PGD=$CACHE/growth-pg
PG_KEY=$CACHE/growth-pg.audit-key
PG_STAMP=$CACHE/growth-pg.stamp

for tool in wrk sqlite3 curl "$NGINX" "$PY"; do
    command -v "$tool" >/dev/null 2>&1 ||
        { echo "growth bench: $tool missing (tools/deps.sh bench)" >&2; exit 1; }
done
if [[ $WITH_PG != 0 ]] && ! { command -v psql >/dev/null 2>&1 && ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; }; then
    echo "growth bench: PostgreSQL or psql missing: measuring SQLite only" >&2
    WITH_PG=0
fi

BENCH_NAME=growth-bench
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
WRK_LIMIT=$(($(secs "$DURATION") + $(secs "$TIMEOUT") + 30))
WARM_LIMIT=$(($(secs "$WARMUP") + $(secs "$TIMEOUT") + 30))
unset JIANGUAN_AUDIT_KEY # SQLite keys sit beside their files; PostgreSQL's is passed per command

# Private copy of the binary, so a rebuild during the run cannot swap it under us.
cp "$BIN" "$T/jianguan"
JG=$T/jianguan
VERSION=$("$JG" version 2>/dev/null | head -n1)
COMMIT=$(head_commit "$ROOT")
STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
T_START=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$CACHE" "$LOGS"
rm -f "$LOGS"/*.log

is_pg() { [[ $1 == postgresql://* ]]; }
# jg DB ARGS...: the binary on database DB (PostgreSQL: with the cluster's audit key).
jg() {
    local db=$1
    shift
    if is_pg "$db"; then JIANGUAN_AUDIT_KEY=$PG_KEY "$JG" "$@" --db "$db"; else "$JG" "$@" --db "$db"; fi
}
# q DB SQL: rows of SQL on DB, '|' between columns.
q() {
    if is_pg "$1"; then PGOPTIONS='-c client_min_messages=warning' psql "$1" -X -q -At -v ON_ERROR_STOP=1 -c "$2"
    else sqlite3 -batch -bail "$1" "$2"; fi
}
pg_db() { echo "postgresql:///$1?host=$PGD&user=$PG_USER"; }
took() { awk -v a="$1" -v b="$(date +%s)" 'BEGIN { printf "%d", b - a }'; }
thou() { sed ':a; s/\B[0-9]\{3\}\>/,&/; ta' <<<"$1"; } # 1234567 -> 1,234,567
"$JG" init --db "$T/probe.db" >/dev/null
WANT=$(sqlite3 "$T/probe.db" 'SELECT max(version) FROM schema_migrations')

# ---- 1. the databases, built once ---------------------------------------------------------------
# grow_sql ENGINE MAXID COLS K: SQL adding copy K of the rows with id ≤ MAXID (ids K*MAXID + id,
# codes ZG + the new id on 16 digits) and the copies' character pairs, in one transaction.
grow_sql() {
    local engine=$1 max=$2 cols=$3 k=$4 code
    if [[ $engine == sqlite ]]; then code="'ZG' || printf('%016d', $k * $max + id)"
    else code="'ZG' || lpad(CAST($k * $max + id AS TEXT), 16, '0')"; fi
    cat <<SQL
BEGIN;
INSERT INTO entities (id, uscc, $cols)
    SELECT $k * $max + id, $code, $cols FROM entities WHERE id <= $max ORDER BY id;
INSERT INTO entity_bigrams(gram, id)
    SELECT DISTINCT substr(e.name, p.n, 2), e.id FROM entities e JOIN name_positions p
        ON p.n < length(e.name) WHERE e.id > $k * $max AND e.id <= ($k + 1) * $max ORDER BY 1, 2
    ON CONFLICT DO NOTHING;
COMMIT;
SQL
}
# grow DB: DB (1×, ids 1..MAXID) becomes FACTOR× in place.
grow() {
    local db=$1 engine=sqlite max cols k
    is_pg "$db" && engine=pg
    max=$(q "$db" 'SELECT max(id) FROM entities')
    [[ $(q "$db" 'SELECT count(*) FROM entities') == "$max" ]] ||
        { echo "growth bench: $db: entity ids are not 1..n" >&2; return 1; }
    if [[ $engine == sqlite ]]; then
        cols=$(q "$db" "SELECT group_concat(name, ', ') FROM (SELECT name FROM pragma_table_info('entities')
                        WHERE name NOT IN ('id', 'uscc') ORDER BY cid)")
    else
        cols=$(q "$db" "SELECT string_agg(column_name, ', ' ORDER BY ordinal_position)
                        FROM information_schema.columns WHERE table_schema = current_schema()
                        AND table_name = 'entities' AND column_name NOT IN ('id', 'uscc')")
    fi
    {
        if [[ $engine == sqlite ]]; then
            echo "PRAGMA cache_size = -1048576; PRAGMA synchronous = OFF;"
        else
            echo "SET work_mem = '256MB'; SET maintenance_work_mem = '1GB';"
        fi
        echo "INSERT INTO registry_bulk(one) VALUES (1) ON CONFLICT DO NOTHING;"
        for ((k = 1; k < FACTOR; k++)); do
            grow_sql "$engine" "$max" "$cols" "$k"
            [[ $engine == sqlite ]] && echo "PRAGMA wal_checkpoint(TRUNCATE);"
        done
        echo "DELETE FROM registry_bulk;"
        if [[ $engine == sqlite ]]; then
            echo "PRAGMA analysis_limit = 1000; ANALYZE; PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);"
        else
            echo "SELECT setval(pg_get_serial_sequence('entities', 'id'), (SELECT max(id) FROM entities));"
            echo "VACUUM ANALYZE;"
        fi
    } >"$T/grow.sql"
    if [[ $engine == sqlite ]]; then sqlite3 -batch -bail "$db" <"$T/grow.sql" >/dev/null
    else PGOPTIONS='-c client_min_messages=warning' psql "$db" -X -q -v ON_ERROR_STOP=1 -f "$T/grow.sql" >/dev/null; fi
    [[ $(q "$db" 'SELECT count(*) FROM entities') == $((FACTOR * max)) ]] ||
        { echo "growth bench: $db did not grow to $FACTOR × $max entities" >&2; return 1; }
}
stamp_of() { sed -n "s/^$2=//p" "$1" 2>/dev/null; } # FILE KEY

city_db "$JG" # SQLite 1× (bench/lib.sh): CITY_DB, CITY_STAMP
if [[ ${BENCH_REBUILD:-0} == 1 || ! -f $S5_DB.stamp || $(stamp_of "$S5_DB.stamp" schema) != "$WANT" ||
    $(stamp_of "$S5_DB.stamp" source) != "$(stamp_of "$CITY_STAMP" built)" ]]; then
    echo "== growing SQLite to ${FACTOR}× at ${S5_DB#"$ROOT"/}; several minutes" >&2
    rm -f "$S5_DB" "$S5_DB"-* "$S5_DB.stamp" "$S5_DB.audit-key" "$CACHE/growth-sqlite-tmp.db"*
    "$JG" backup --db "$CITY_DB" --to "$CACHE/growth-sqlite-tmp.db" >/dev/null
    t0=$(date +%s)
    load0=$(cut -d' ' -f1-3 /proc/loadavg)
    grow "$CACHE/growth-sqlite-tmp.db"
    mv "$CACHE/growth-sqlite-tmp.db.audit-key" "$S5_DB.audit-key"
    mv "$CACHE/growth-sqlite-tmp.db" "$S5_DB"
    {
        echo "built=$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
        echo "schema=$WANT"
        echo "source=$(stamp_of "$CITY_STAMP" built)"
        echo "grow_secs=$(took "$t0")"
        echo "load=$load0 / $(cut -d' ' -f1-3 /proc/loadavg)"
    } >"$S5_DB.stamp"
fi

KEYS=(s1 s5)
declare -A TITLE=([s1]="SQLite 1×" [s5]="SQLite ${FACTOR}×" [p1]="PostgreSQL 1×" [p5]="PostgreSQL ${FACTOR}×")
declare -A SRC=([s1]=$CITY_DB [s5]=$S5_DB)
PG_VERSION=
if [[ $WITH_PG != 0 ]]; then
    pg_cluster_up "$PGD" # bench/lib.sh: PG_ADDR, PG_BIN
    PG_USER=$(sed -n 's/.*[?&]user=\([^&]*\).*/\1/p' <<<"$PG_ADDR")
    RUN_DBS=()
    pg_finish() {
        local d
        for d in "${RUN_DBS[@]}"; do
            psql "$PG_ADDR" -X -q -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1 || true
        done
        cp "$PGD/server.log" "$LOGS/postgresql.log" 2>/dev/null || true
        pg_cluster_down "$PGD"
    }
    at_exit pg_finish
    PG_VERSION=$(q "$PG_ADDR" 'SHOW server_version')
    have=$(q "$PG_ADDR" "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database
                         WHERE datname IN ('city1', 'city5')")
    schema1=
    [[ $have == city1,city5 && -f $PG_STAMP && -f $PG_KEY ]] &&
        schema1=$(q "$(pg_db city1)" 'SELECT max(version) FROM schema_migrations' 2>/dev/null || true)
    if [[ ${BENCH_REBUILD:-0} == 1 || $schema1 != "$WANT" ]]; then
        echo "== building PostgreSQL 1× (city1) and ${FACTOR}× (city5) in ${PGD#"$ROOT"/}; many minutes" >&2
        rm -f "$PG_STAMP"
        q "$PG_ADDR" 'DROP DATABASE IF EXISTS city5 WITH (FORCE)' >/dev/null
        q "$PG_ADDR" 'DROP DATABASE IF EXISTS city1 WITH (FORCE)' >/dev/null
        rm -f "$PG_KEY"
        q "$PG_ADDR" 'CREATE DATABASE city1' >/dev/null
        load0=$(cut -d' ' -f1-3 /proc/loadavg)
        t0=$(date +%s)
        jg "$(pg_db city1)" init >/dev/null
        timeout 1800 env JIANGUAN_AUDIT_KEY="$PG_KEY" "$JG" demo --db "$(pg_db city1)" --scale city \
            --seed 1 --credentials "$T/pg-cred.txt" >"$T/pg-demo.log"
        demo_secs=$(sed -n 's/.*用时 \([0-9.]*\) 秒.*/\1/p' "$T/pg-demo.log" | head -n1)
        q "$(pg_db city1)" 'VACUUM ANALYZE' >/dev/null
        load1=$(cut -d' ' -f1-3 /proc/loadavg)
        t1=$(date +%s)
        q "$PG_ADDR" 'CREATE DATABASE city5 TEMPLATE city1 STRATEGY FILE_COPY' >/dev/null
        grow "$(pg_db city5)"
        {
            echo "built=$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
            echo "schema=$WANT"
            echo "demo_secs=${demo_secs:-?}"
            echo "city1_secs=$((t1 - t0))"
            echo "grow_secs=$(took "$t1")"
            echo "load=$load0 / $load1 / $(cut -d' ' -f1-3 /proc/loadavg)"
        } >"$PG_STAMP"
    fi
    KEYS+=(p1 p5)
    SRC[p1]=city1
    SRC[p5]=city5
fi
T_BUILT=$(date +%s)

# ---- 2. measuring -------------------------------------------------------------------------------
run() { # NAME OUTFILE LIMIT wrk-args...: one wrk run (bounded), its BENCH line in OUTFILE
    local name=$1 out=$2 limit=$3
    shift 3
    echo "== $name" >&2
    timeout "$limit" wrk "$@" >"$out"
    grep -q '^BENCH ' "$out" || { echo "growth bench: no summary from wrk ($name):" >&2; cat "$out" >&2; exit 1; }
    printf '== %s\n' "$name" >>"$T/wrk.log"
    cat "$out" >>"$T/wrk.log"
}
field() { sed -n "s/^BENCH .*\\b$2=\\([^ ]*\\).*/\\1/p" "$1"; } # OUTFILE KEY
COSTS=(lookup list search write nginx)
declare -A COST_TITLE=([lookup]="look-up" [list]="filtered list" [search]="3-char search"
    [write]="durable write" [nginx]="nginx fixed")
declare -A RPS P99 LOAD NOTE ENTITIES DBSIZE COMMIT_MS BATCH AUDIT_OK RUNS_RPS RUNS_P99 RUNS_LOAD
declare -A ACKED AUDIT0 DBS AUTHS PORTS JGPIDS CHECKED
PROBLEMS=()
SEARCH_ENC=$("$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$SEARCH_Q")
LIST_PATH='/api/v1/entities?region=371502&credit=A&page=1&page_size=20'
SEARCH_PATH="/api/v1/entities?q=$SEARCH_ENC&page_size=20"
LIST_ROWS=
SEARCH_ROWS=
nginx_fixed # bench/lib.sh: NGINX_PORT, NGINX_PID; answers for the whole run

# target KEY COST LABEL URL MODE [AUTH]: waits for a quiet machine, warms up, measures once;
# the run's req/s (2xx), p99 and load are added to the KEY,COST lists.
target() {
    local key=$1 cost=$2 label=$3 url=$4 mode=$5 auth=${6:-} out=$T/$1-$2.out p load rps
    local args=(-t"$THREADS" -c"$CONNS" --latency --timeout "$TIMEOUT" -s "$HERE/wrk/growth.lua")
    [[ -n $auth ]] && args+=(-H "$auth")
    export BENCH_USCC_FILE=$T/$key-uscc.txt
    JG_PID=${JGPIDS[$key]}
    await_load "$LOAD_MAX" "$LOAD_WAIT"
    BENCH_GROWTH_MODE=$mode run "round $ROUND, ${TITLE[$key]}, $label: warm-up $WARMUP" "$T/warm.out" \
        "$WARM_LIMIT" "${args[@]}" -d"$WARMUP" "$url"
    [[ $cost == nginx ]] || drain "$JG_PID"
    load=$(cut -d' ' -f1 /proc/loadavg)
    BENCH_GROWTH_MODE=$mode run "round $ROUND, ${TITLE[$key]}, $label: $DURATION (load $load)" "$out" \
        "$WRK_LIMIT" "${args[@]}" -d"$DURATION" "$url"
    [[ $cost == nginx ]] || drain "$JG_PID"
    rps=$(awk -v n="$(field "$out" ok)" -v s="$(field "$out" duration_s)" \
        'BEGIN { printf "%.0f", (s > 0) ? n / s : 0 }')
    RUNS_RPS[$key,$cost]+="${RUNS_RPS[$key,$cost]:+ }$rps"
    RUNS_P99[$key,$cost]+="${RUNS_P99[$key,$cost]:+ }$(field "$out" p99_ms)"
    RUNS_LOAD[$key,$cost]+="${RUNS_LOAD[$key,$cost]:+ }$load"
    [[ $cost == write ]] && ACKED[$key]=$((${ACKED[$key]:-0} + $(field "$out" ok)))
    p=
    (($(field "$out" non2xx) == 0)) || p="non-2xx $(field "$out" non2xx) ($(field "$out" statuses))"
    [[ $(field "$out" socket_errors) == 0,0,0,0 ]] ||
        p+="${p:+; }socket errors connect,read,write,timeout $(field "$out" socket_errors)"
    if [[ -n $p ]]; then
        NOTE[$key,$cost]+="${NOTE[$key,$cost]:+; }round $ROUND: $p"
        echo "growth bench: WARNING ${TITLE[$key]}, $label: $p" >&2
    fi
}

# check KEY COST METHOD PATH [BODY]: one request with curl before the runs; on an answer other
# than 200 the target is not measured and the request, the answer and the server's log lines
# go to the report.
check() {
    local key=$1 cost=$2 method=$3 path=$4 body=${5:-} code
    local args=(-s -o "$T/check.body" -m 60 -w '%{http_code}' -X "$method" -H "${AUTHS[$key]}")
    [[ -n $body ]] && args+=(-H 'Content-Type: application/json' --data "$body")
    local before logged
    before=$(wc -l <"$T/serve-$key.log")
    code=$(curl "${args[@]}" "http://127.0.0.1:${PORTS[$key]}$path" || true)
    if [[ $code == 200 ]]; then CHECKED[$key,$cost]=1; return 0; fi
    sleep 0.5
    RPS[$key,$cost]=failed
    P99[$key,$cost]="HTTP ${code:-none}"
    logged=$(tail -n +"$((before + 1))" "$T/serve-$key.log" | head -n 5 | tr '\n|`' '   ')
    PROBLEMS+=("${TITLE[$key]}: \`$method $path${body:+ $body}\` answered HTTP ${code:-none}: \`$(
        head -c 300 "$T/check.body" | tr '\n|`' '   ')\`${logged:+; server log: \`$logged\`}")
    echo "growth bench: ${TITLE[$key]}: $method $path answered $code" >&2
    return 1
}

prepare() { # KEY: a copy of the database, a token, the codes, a server, a check of each target
    local key=$1 db src=${SRC[$1]} port u1
    echo "== ${TITLE[$key]}: preparing a copy of ${src#"$ROOT"/}" >&2
    if [[ $key == p* ]]; then
        RUN_DBS+=("run_$key")
        q "$PG_ADDR" "DROP DATABASE IF EXISTS run_$key WITH (FORCE)" >/dev/null
        q "$PG_ADDR" "CREATE DATABASE run_$key TEMPLATE $src STRATEGY FILE_COPY" >/dev/null
        db=$(pg_db "run_$key")
        DBSIZE[$key]=$(q "$db" 'SELECT pg_database_size(current_database())')
    else
        db=$T/$key.db
        "$JG" backup --db "$src" --to "$db" >/dev/null
        DBSIZE[$key]=$(stat -c %s "$db")
        cat "$db" >/dev/null # page cache: measure the server, not the disk
    fi
    DBS[$key]=$db
    printf '%s\n' "$PASSWORD" | jg "$db" user add --username "$USER_NAME" --role admin >/dev/null
    AUTHS[$key]="Authorization: Bearer $(jg "$db" user token --username "$USER_NAME")"
    ENTITIES[$key]=$(q "$db" 'SELECT count(*) FROM entities')
    local step=$(((${ENTITIES[$key]} + 9999) / 10000))
    q "$db" "SELECT uscc FROM entities WHERE id % $step = 0 ORDER BY id" >"$T/$key-uscc.txt"
    [[ $key == s1 ]] && {
        LIST_ROWS=$(q "$db" "SELECT count(*) FROM entities WHERE region = '371502' AND credit = 'A'")
        SEARCH_ROWS=$(q "$db" "SELECT count(*) FROM entities WHERE instr(name, '$SEARCH_Q') > 0")
    }
    u1=$(head -n1 "$T/$key-uscc.txt")

    port=$(free_port)
    PORTS[$key]=$port
    : >"$T/serve-$key.log"
    if is_pg "$db"; then
        JIANGUAN_AUDIT_KEY=$PG_KEY "$JG" serve --db "$db" --listen "127.0.0.1:$port" --web-root '' \
            --access-log off 2>"$T/serve-$key.log" &
    else
        "$JG" serve --db "$db" --listen "127.0.0.1:$port" --web-root '' --access-log off \
            2>"$T/serve-$key.log" &
    fi
    JGPIDS[$key]=$!
    PIDS+=("$!")
    await_http "$port" /healthz "${JGPIDS[$key]}" "jianguan (${TITLE[$key]})"
    check "$key" lookup GET "/api/v1/entities/$u1" || true
    check "$key" list GET "$LIST_PATH" || true
    check "$key" search GET "$SEARCH_PATH" || true
    check "$key" write PATCH "/api/v1/entities/$u1" '{"legal_rep":"压测检查"}' || true
    AUDIT0[$key]=$(q "$db" "SELECT count(*) FROM audit_log WHERE action = 'entity.update'")
}

round() { # KEY: nginx, then each target that passed its check, once
    local key=$1 base=http://127.0.0.1:${PORTS[$1]} auth=${AUTHS[$1]}
    kill -0 "${JGPIDS[$key]}" 2>/dev/null || { echo "growth bench: server died (${TITLE[$key]})" >&2; exit 1; }
    target "$key" nginx "nginx fixed reply" "http://127.0.0.1:$NGINX_PORT/" url
    [[ -z ${CHECKED[$key,lookup]:-} ]] ||
        target "$key" lookup "GET /api/v1/entities/{uscc}" "$base/" lookup "$auth"
    [[ -z ${CHECKED[$key,list]:-} ]] ||
        target "$key" list "GET $LIST_PATH" "$base$LIST_PATH" url "$auth"
    [[ -z ${CHECKED[$key,search]:-} ]] ||
        target "$key" search "GET /api/v1/entities?q=$SEARCH_Q&page_size=20" "$base$SEARCH_PATH" url "$auth"
    [[ -z ${CHECKED[$key,write]:-} ]] ||
        target "$key" write "PATCH /api/v1/entities/{uscc}" "$base/" patch "$auth"
}

finish() { # KEY: the group-commit figures and the audit check, then the server and copy go
    local key=$1 db=${DBS[$1]} audit1
    if [[ -n ${CHECKED[$key,write]:-} ]]; then
        audit1=$(q "$db" "SELECT count(*) FROM audit_log WHERE action = 'entity.update'")
        # audit rows added by the warm-ups and runs, against the runs' acknowledged writes
        AUDIT_OK[$key]="$((audit1 - ${AUDIT0[$key]})) ≥ ${ACKED[$key]:-0}"
        ((audit1 - ${AUDIT0[$key]} >= ${ACKED[$key]:-0})) || AUDIT_OK[$key]+=" **NO**"
        curl -s -m 10 -H "${AUTHS[$key]}" "http://127.0.0.1:${PORTS[$key]}/metrics" >"$T/$key-metrics.txt" || true
        COMMIT_MS[$key]=$(awk '/^jianguan_commit_seconds_sum/ { s = $2 } /^jianguan_commit_seconds_count/ { n = $2 }
            END { if (n > 0) printf "%.2f", 1000 * s / n }' "$T/$key-metrics.txt")
        BATCH[$key]=$(awk '/^jianguan_commit_batch_size_sum/ { s = $2 } /^jianguan_commit_batch_size_count/ { n = $2 }
            END { if (n > 0) printf "%.1f", s / n }' "$T/$key-metrics.txt")
    fi
    kill -0 "${JGPIDS[$key]}" 2>/dev/null || { echo "growth bench: server died (${TITLE[$key]})" >&2; exit 1; }
    stop_pid "${JGPIDS[$key]}"
    cp "$T/serve-$key.log" "$LOGS/serve-$key.log"
    grep -E -i 'error|错误|失败|fatal|panic' "$T/serve-$key.log" | head -n 5 | while IFS= read -r line; do
        printf '%s\n' "${TITLE[$key]}: server log: \`${line//|/ }\`"
    done >>"$T/log-problems.txt" || true
    if [[ $key == p* ]]; then
        q "$PG_ADDR" "DROP DATABASE IF EXISTS run_$key WITH (FORCE)" >/dev/null
    else
        rm -f "$db" "$db"-* "$db.audit-key"
    fi
}

# median of the numbers in $1 (space-separated); empty when none
median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END {
    if (NR) printf "%s", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: >"$T/log-problems.txt"
for key in "${KEYS[@]}"; do prepare "$key"; done
# Rounds: every column once per round, so slow drifts of the machine's load spread over all.
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
    for key in "${KEYS[@]}"; do round "$key"; done
done
for key in "${KEYS[@]}"; do finish "$key"; done
stop_pid "$NGINX_PID"
cp "$T/wrk.log" "$LOGS/wrk.log"
for key in "${KEYS[@]}"; do
    for cost in "${COSTS[@]}"; do
        [[ -n ${RUNS_RPS[$key,$cost]:-} ]] || continue
        RPS[$key,$cost]=$(printf '%.0f' "$(median "${RUNS_RPS[$key,$cost]}")")
        P99[$key,$cost]=$(median "${RUNS_P99[$key,$cost]}")
        LOAD[$key,$cost]=${RUNS_LOAD[$key,$cost]// /, }
    done
done
FSYNC_MS=$(fsync_cost "$CACHE")
T_END=$(date +%s)

# ---- 3. RESULTS.md and the chart ----------------------------------------------------------------
: >"$T/results.tsv"
for cost in "${COSTS[@]}"; do
    for key in s1 s5 p1 p5; do
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$cost" "$key" "${RPS[$key,$cost]:-}" "${P99[$key,$cost]:-}" \
            "${LOAD[$key,$cost]:-}" "${RUNS_RPS[$key,$cost]:-}" >>"$T/results.tsv"
    done
done
"$PY" - "$T/results.tsv" "$HERE/growth.svg" "$FACTOR" "$STARTED" "$COMMIT" >"$T/findings.md" <<'PY'
import math, sys

tsv, svg_path, factor, started, commit = sys.argv[1:6]
costs = ["lookup", "list", "search", "write", "nginx"]
title = {"lookup": "look-up", "list": "filtered list", "search": "3-char search",
         "write": "durable write", "nginx": "nginx fixed"}
keys = ["s1", "s5", "p1", "p5"]
col = {"s1": "SQLite 1×", "s5": f"SQLite {factor}×", "p1": "PostgreSQL 1×", "p5": f"PostgreSQL {factor}×"}
rps, p99, runs = {}, {}, {}
for line in open(tsv, encoding="utf-8"):
    cost, key, r, p, _load, rr = (line.rstrip("\n").split("\t") + [""] * 6)[:6]
    try:
        rps[cost, key] = float(r)
        p99[cost, key] = float(p)
        runs[cost, key] = [float(x) for x in rr.split()] or [float(r)]
    except ValueError:
        pass

# --- the chart: grouped bars, one group per cost, log scale --------------------------------
colors = {"s1": "#9ecae1", "s5": "#3182bd", "p1": "#fdae6b", "p5": "#e6550d"}
W, H, left, right, top, bottom = 860, 420, 70, 20, 50, 60
vals = [v for v in rps.values() if v > 0]
lo = 10 ** math.floor(math.log10(min(vals))) if vals else 1
hi = 10 ** math.ceil(math.log10(max(vals))) if vals else 10
if hi <= lo:
    hi = lo * 10
def short(v):  # 65k, 1.2k, 950
    return f"{v / 1000:.0f}k" if v >= 9950 else f"{v / 1000:.1f}k" if v >= 1000 else f"{v:.0f}"
def y(v):
    return top + (H - top - bottom) * (1 - (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)))
out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
       'font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<text x="{W / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">'
       f'jianguan: requests/s at 1× and {factor}× the reference city (log scale)</text>',
       f'<text x="{W / 2}" y="37" text-anchor="middle" fill="#555">bench/growth.sh, {started}, '
       f'commit {commit}; wrk, 64 connections, 2xx answers only; ✕ = failed or not measured</text>']
d = math.log10(lo)
while d <= math.log10(hi) + 1e-9:
    v = 10 ** d
    out.append(f'<line x1="{left}" x2="{W - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>')
    out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:,.0f}</text>')
    d += 1
out.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{H - bottom}" stroke="#333"/>')
out.append(f'<line x1="{left}" x2="{W - right}" y1="{H - bottom}" y2="{H - bottom}" stroke="#333"/>')
gw = (W - left - right) / len(costs)
bw = gw * 0.8 / len(keys)
for i, cost in enumerate(costs):
    x0 = left + i * gw + gw * 0.1
    for j, key in enumerate(keys):
        x = x0 + j * bw
        v = rps.get((cost, key))
        if v and v > 0:
            out.append(f'<rect x="{x:.1f}" y="{y(v):.1f}" width="{bw - 2:.1f}" height="{H - bottom - y(v):.1f}" '
                       f'fill="{colors[key]}"><title>{col[key]}, {title[cost]}: {v:,.0f} req/s, '
                       f'p99 {p99.get((cost, key), 0):.1f} ms</title></rect>')
            out.append(f'<text x="{x + bw / 2 - 1:.1f}" y="{y(v) - 3:.1f}" text-anchor="middle" font-size="10">'
                       f'{short(v)}</text>')
        else:  # failed or not measured
            out.append(f'<text x="{x + bw / 2 - 1:.1f}" y="{H - bottom - 4}" text-anchor="middle" '
                       f'font-size="11" fill="#c00">✕</text>')
    out.append(f'<text x="{left + i * gw + gw / 2:.1f}" y="{H - bottom + 18}" text-anchor="middle">'
               f'{title[cost]}</text>')
lx = left + 10
for j, key in enumerate(keys):
    out.append(f'<rect x="{lx + j * 150}" y="{H - 22}" width="12" height="12" fill="{colors[key]}"/>')
    out.append(f'<text x="{lx + j * 150 + 16}" y="{H - 12}">{col[key]}</text>')
out.append("</svg>")
with open(svg_path, "w", encoding="utf-8") as f:
    f.write("\n".join(out) + "\n")

# --- findings, from the numbers ---------------------------------------------------------------
def fmt(v):
    return f"{v:,.0f}"
def overlap(a, b):  # cell a against cell b round by round (the rounds are interleaved, so a
    ra, rb = runs.get(a), runs.get(b)  # round's two runs saw about the same machine)
    if not ra or not rb or len(ra) != len(rb) or len(ra) < 2 or 0 in rb:
        return ""
    r = [x / y for x, y in zip(ra, rb)]
    span = f"{min(r):.2f}–{max(r):.2f}×"
    if all(v > 1 for v in r) or all(v < 1 for v in r):
        return f" [every round agrees: {span}]"
    return f" [the rounds disagree ({span}): no clear difference]"
def times(a, b):  # "2.3× slower" / "1.4× faster" / "about the same", a against b
    if a <= 0 or b <= 0:
        return None
    r = a / b
    if 0.9 <= r <= 1.1:
        return f"about the same ({r:.2f}×)"
    return f"{r:.1f}× faster" if r > 1 else f"{1 / r:.1f}× slower"
lines = []
for cost in ["lookup", "list", "search", "write"]:
    parts = []
    for scale in ("1", factor):
        s, p = rps.get((cost, "s" + scale)), rps.get((cost, "p" + scale))
        if s and p:
            t = times(p, s)
            parts.append(f"at {scale}× PostgreSQL is {t}{'' if t.startswith('about') else ' than SQLite'} "
                         f"({fmt(p)} against {fmt(s)} req/s; p99 {p99[cost, 'p' + scale]:.1f} against "
                         f"{p99[cost, 's' + scale]:.1f} ms){overlap((cost, 'p' + scale), (cost, 's' + scale))}")
        elif s or p:
            parts.append(f"at {scale}× only {'SQLite' if s else 'PostgreSQL'} answered")
    grow = []
    for eng, name in (("s", "SQLite"), ("p", "PostgreSQL")):
        a, b = rps.get((cost, eng + "1")), rps.get((cost, eng + factor))
        if a and b:
            ch = 100 * (b / a - 1)
            grow.append(f"{name} {ch:+.0f}% req/s (p99 {p99[cost, eng + '1']:.1f} → "
                        f"{p99[cost, eng + factor]:.1f} ms){overlap((cost, eng + factor), (cost, eng + '1'))}")
    text = f"- **{title[cost]}**: " + ("; ".join(parts) if parts else "no answers")
    if grow:
        text += f". From 1× to {factor}×: " + ", ".join(grow)
    lines.append(text + ".")
ng = [rps[("nginx", k)] for k in keys if rps.get(("nginx", k))]
if ng:
    alln = [v for k in keys for v in runs.get(("nginx", k), [])]
    lines.append(f"- **nginx fixed reply**, measured before each column in every round: {fmt(min(alln))}–"
                 f"{fmt(max(alln))} req/s (a spread of {100 * (max(alln) / min(alln) - 1):.0f}%: the machine's own "
                 f"noise, since nginx's work is the same every time; hence the comparisons round by round "
                 f"in brackets, ratios of req/s).")
print("\n".join(lines))
PY

cell() { # KEY COST
    local r=${RPS[$1,$2]:-} p=${P99[$1,$2]:-}
    if [[ -z $r ]]; then echo "not measured"
    elif [[ $r == failed ]]; then echo "**failed** ($p)"
    else
        printf '%s · %s' "$(thou "$r")" "$(printf '%.1f' "$p")"
        [[ -z ${NOTE[$1,$2]:-} ]] || printf ' ⚠'
    fi
}
mib() { [[ -n $1 ]] && awk -v b="$1" 'BEGIN { printf "%.0f MiB", b / 1048576 }' || echo "—"; }
# runs KEY COST: "23.7k @1.44, 22.1k @1.52": each run's req/s and the load when it started
runs() {
    local r l out='' i
    read -r -a r <<<"${RUNS_RPS[$1,$2]:-}"
    read -r -a l <<<"${RUNS_LOAD[$1,$2]:-}"
    ((${#r[@]})) || { echo "—"; return; }
    for i in "${!r[@]}"; do
        out+="${out:+, }$(awk -v v="${r[$i]}" 'BEGIN { if (v >= 9950) printf "%.0fk", v / 1000;
            else if (v >= 1000) printf "%.1fk", v / 1000; else printf "%d", v }') @${l[$i]:-?}"
    done
    echo "$out"
}
TABLE="| cost: median req/s · median p99 ms of $ROUNDS runs | ${TITLE[s1]} | ${TITLE[s5]} | ${TITLE[p1]} | ${TITLE[p5]} |
|---|---:|---:|---:|---:|"
LOADS="| each run: req/s @ 1-minute load average when it started | ${TITLE[s1]} | ${TITLE[s5]} | ${TITLE[p1]} | ${TITLE[p5]} |
|---|---:|---:|---:|---:|"
for cost in "${COSTS[@]}"; do
    row="| ${COST_TITLE[$cost]} |"
    lrow="| ${COST_TITLE[$cost]} |"
    for key in s1 s5 p1 p5; do
        row+=" $(cell "$key" "$cost") |"
        lrow+=" $(runs "$key" "$cost") |"
    done
    TABLE+=$'\n'"$row"
    LOADS+=$'\n'"$lrow"
done
DBROW="| database |"
CROW="| group commit: mean commit ms, mean writes per commit (\`/metrics\`, warm-ups + runs) |"
AROW="| \`entity.update\` audit rows added (warm-ups + runs) ≥ acknowledged writes of the runs |"
for key in s1 s5 p1 p5; do
    if [[ -n ${ENTITIES[$key]:-} ]]; then
        DBROW+=" $(thou "${ENTITIES[$key]}") entities, $(mib "${DBSIZE[$key]}") |"
    else
        DBROW+=" — |"
    fi
    CROW+=" ${COMMIT_MS[$key]:-—}${BATCH[$key]:+, ${BATCH[$key]}} |"
    AROW+=" ${AUDIT_OK[$key]:-—} |"
done
NOTES=
for cost in "${COSTS[@]}"; do
    for key in s1 s5 p1 p5; do
        [[ -z ${NOTE[$key,$cost]:-} ]] || NOTES+=$'\n'"- ⚠ ${TITLE[$key]}, ${COST_TITLE[$cost]}: ${NOTE[$key,$cost]}"
    done
done
for p in "${PROBLEMS[@]}"; do NOTES+=$'\n'"- $p"; done
while IFS= read -r line; do [[ -z $line ]] || NOTES+=$'\n'"- $line"; done <"$T/log-problems.txt"
[[ -z $NOTES ]] ||
    NOTES=$'\n'"Warnings and failures (⚠ in the table: non-2xx answers or socket errors; a failed target was not measured):"$'\n'"$NOTES"$'\n'
CPU=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
SQLITE_V=$(sqlite3 --version | cut -d' ' -f1)
S5_STAMP_LINE="grown in $(stamp_of "$S5_DB.stamp" grow_secs) s (load $(stamp_of "$S5_DB.stamp" load))"
PG_LINE="not measured (BENCH_GROWTH_PG=0 or PostgreSQL missing)"
if [[ $WITH_PG != 0 ]]; then
    PG_LINE="PostgreSQL ${PG_VERSION%% *} (\`tools/pg-cluster.sh\` settings: shared_buffers 256MB,
  fsync and synchronous_commit on, Unix socket), cluster kept in \`bench/tmp/growth-pg\`:
  \`city1\` by \`jianguan demo --scale city --seed 1\` ($(stamp_of "$PG_STAMP" demo_secs) s as printed;
  $(stamp_of "$PG_STAMP" city1_secs) s with \`init\` and VACUUM ANALYZE), \`city5\` a copy grown in
  $(stamp_of "$PG_STAMP" grow_secs) s; built $(stamp_of "$PG_STAMP" built), load then $(stamp_of "$PG_STAMP" load)"
fi

cat >"$T/section.md" <<EOF
## Growth: 1× and ${FACTOR}× the reference city, SQLite and PostgreSQL (issue 10)

Generated by \`bench/growth.sh\` (run by \`bench/run.sh\` unless \`BENCH_GROWTH=0\`). Run of
${STARTED}, commit ${COMMIT}, ${VERSION}; $(nproc) CPUs (${CPU:-unknown CPU}), shared by wrk, the
server and PostgreSQL; the disk under \`bench/tmp\`: one 4 KiB write + fsync takes **${FSYNC_MS% *} ms**
overwriting, **${FSYNC_MS#* } ms** appending (medians of 200; the commits' own cost is below).
Building the databases took $((T_BUILT - T_START)) s of this run, measuring $((T_END - T_BUILT)) s;
load average before / after the run: ${LOAD_BEFORE} / $(cut -d' ' -f1-3 /proc/loadavg).

$TABLE

![requests per second by cost, engine and scale](growth.svg)

Findings (computed from the table by the script):

$(cat "$T/findings.md")

Method.

- Each column runs on a fresh copy of a cached database (SQLite: \`jianguan backup\`;
  PostgreSQL: \`CREATE DATABASE … TEMPLATE … STRATEGY FILE_COPY\`), served by
  \`jianguan serve --web-root '' --access-log off\` (one event thread per core) with an admin
  bearer token (city-wide scope), and loaded over loopback by \`wrk -t$THREADS -c$CONNS
  -d$DURATION --latency --timeout $TIMEOUT -s bench/wrk/growth.lua\` after a $WARMUP warm-up;
  req/s counts 2xx answers only, p99 is wrk's over the answered requests. The four servers
  stay up together and are measured in ${ROUNDS} rounds (each round: every column, each
  column nginx then the four costs), so a slow change in the machine's load spreads over all
  columns; the table gives the median of the rounds, every run is listed at the end. Before
  each warm-up the script waited (up to ${LOAD_WAIT} s) for the 1-minute load average to fall
  below ${LOAD_MAX}; the load when each measured run started (after its warm-up) is listed
  with it. Between runs it waits for the server to finish the requests left over.
- look-up: ~10,000 codes spread evenly over the whole table (at ${FACTOR}× most are copies),
  picked at random; filtered list: \`$LIST_PATH\` (the API's page size is \`page_size\`;
  \`per_page\` is refused (422); ${LIST_ROWS:-?} matching rows at 1×,
  ${FACTOR}× as many at ${FACTOR}×; the total is counted up to 10,000 and cached until the next
  write); 3-char search: \`q=$SEARCH_Q&page_size=20\` (in ${SEARCH_ROWS:-?} names at 1×: the
  count stops at 10,000; SQLite drives the page from its FTS5 trigram table, PostgreSQL
  filters with \`ILIKE\` served by the GIN trigram index); durable write: \`PATCH\` of the
  same ~10,000 codes in turn with a new \`legal_rep\` each time, answered after the group
  commit is on disk.
- Databases: SQLite 1× is \`bench/tmp/city-seed1.db\` (\`jianguan demo --scale city --seed 1\`,
  built $(stamp_of "$CITY_STAMP" built)); SQLite ${FACTOR}× is \`bench/tmp/growth-sqlite-5x.db\`,
  ${S5_STAMP_LINE}; ${PG_LINE}. SQLite ${SQLITE_V}.
- ${FACTOR}× = the 1× rows copied $((FACTOR - 1)) times in SQL with new ids and new codes
  \`ZG<16 digits>\` (names, regions, credit grades repeat), \`registry_bulk\` holding its row as
  the demo loader does: the trigram index (SQLite's FTS5 table through its trigger,
  PostgreSQL's GIN index) takes every copy, and each copy's character pairs are added to
  \`entity_bigrams\` in key order; then the demo's sampled \`ANALYZE\` and \`PRAGMA optimize\`
  (SQLite) or \`VACUUM ANALYZE\` (PostgreSQL).

$DBROW
|---|---:|---:|---:|---:|
$CROW
$AROW

$LOADS
$NOTES
EOF
results_replace "$RESULTS" "$MARKER" "$T/section.md"

echo
echo "Growth, ${STARTED}, commit ${COMMIT}:"
echo "$TABLE"
[[ -z $NOTES ]] || echo "$NOTES"
echo "(written to ${RESULTS#"$ROOT"/}, after $MARKER, and ${HERE#"$ROOT"/}/growth.svg)"
