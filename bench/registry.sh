#!/usr/bin/env bash
# jianguan registry benchmark at city scale (710 000 market entities): look-up by code, name
# search (FTS5 trigram path, two-character path) and a filtered list, measured with wrk.
# Usage: bench/registry.sh build/jianguan   (from the repo root; bench/run.sh calls it at its end)
# Env:   BENCH_DURATION  measured run per target, wrk duration syntax (default 10s)
#        BENCH_WARMUP    warm-up run per target (default 2s)
#        BENCH_TIMEOUT   wrk per-request timeout (default 30s; wrk's own 2 s default would drop
#                        slow requests from the latency figures as "timeouts")
#        BENCH_REBUILD=1 rebuild the cached database even if it is current
# The city database is built once and cached at bench/tmp/city-seed1.db (with
# city-seed1.db.stamp recording how long `jianguan demo` took); it is rebuilt when missing,
# incomplete, or when its schema version differs from the binary's. Replaces everything after
# the `<!-- registry -->` marker in bench/RESULTS.md and prints the table. Loopback only; the
# server is stopped by the EXIT trap, even on failure. Needs wrk, sqlite3 and curl.
set -euo pipefail

BIN=${1:?usage: bench/registry.sh path/to/jianguan}
[[ -x $BIN ]] || { echo "registry bench: $BIN is not an executable" >&2; exit 1; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RESULTS=$HERE/RESULTS.md
CACHE=$HERE/tmp
DB=$CACHE/city-seed1.db
STAMP=$DB.stamp
CRED=$CACHE/city-cred.txt
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-2s}
TIMEOUT=${BENCH_TIMEOUT:-30s}
THREADS=1
CONNS=64
MARKER='<!-- registry -->'
USER_NAME=benchreg
DEMO_GOAL=60 # seconds: acceptance limit for `jianguan demo --scale city` on this machine

for tool in wrk sqlite3 curl; do
    command -v "$tool" >/dev/null 2>&1 ||
        { echo "registry bench: $tool missing (apt-get install -y wrk sqlite3 curl)" >&2; exit 1; }
done

BENCH_NAME=registry-bench
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
WRK_LIMIT=$(($(secs "$DURATION") + $(secs "$TIMEOUT") + 30))
WARM_LIMIT=$(($(secs "$WARMUP") + $(secs "$TIMEOUT") + 30))



# Private copy of the binary, so a rebuild during the run cannot swap it under us.
cp "$BIN" "$T/jianguan"
JG=$T/jianguan
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
sql() { sqlite3 -batch -bail "$DB" "$@"; }

# ---- 1. the city database, built once --------------------------------------------------------
"$JG" init --db "$T/probe.db" >/dev/null
WANT=$(sqlite3 "$T/probe.db" 'SELECT max(version) FROM schema_migrations')
HAVE=
if [[ -f $DB && -f $STAMP ]]; then
    HAVE=$(sqlite3 -readonly "$DB" 'SELECT max(version) FROM schema_migrations' 2>/dev/null) || HAVE=
fi
if [[ ${BENCH_REBUILD:-0} == 1 || $HAVE != "$WANT" ]]; then
    echo "== building the city database (schema $WANT) at ${DB#"$PWD"/}; about a minute" >&2
    mkdir -p "$CACHE"
    rm -f "$DB" "$DB-wal" "$DB-shm" "$STAMP"
    "$JG" init --db "$DB" >/dev/null
    load0=$(cut -d' ' -f1-3 /proc/loadavg)
    t0=$(date +%s.%N)
    timeout 900 "$JG" demo --db "$DB" --scale city --seed 1 --credentials "$CRED" >"$T/demo.log"
    t1=$(date +%s.%N)
    demo_secs=$(sed -n 's/.*用时 \([0-9.]*\) 秒.*/\1/p' "$T/demo.log" | head -n1)
    [[ -n $demo_secs ]] || { echo "registry bench: no time in demo output" >&2; exit 1; }
    {
        echo "built=$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
        echo "version=$("$JG" version 2>/dev/null | head -n1)"
        echo "demo_secs=$demo_secs"
        echo "wall_secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
        echo "load=$load0 / $(cut -d' ' -f1-3 /proc/loadavg)"
    } >"$STAMP.tmp"
    mv "$STAMP.tmp" "$STAMP" # written last: its presence marks a complete database
fi
stamp() { sed -n "s/^$1=//p" "$STAMP"; }

if [[ -z $(sql "SELECT 1 FROM users WHERE username = '$USER_NAME'") ]]; then
    printf 'bench-password-1\n' |
        "$JG" user add --db "$DB" --username "$USER_NAME" --role bureau >/dev/null
fi
TOKEN=$("$JG" user token --db "$DB" --username "$USER_NAME")
[[ -n $TOKEN ]] || { echo "registry bench: empty token" >&2; exit 1; }
AUTH="Authorization: Bearer $TOKEN"

ENTITIES=$(sql 'SELECT count(*) FROM entities')
DB_BYTES=$(($(stat -c %s "$DB") + $(stat -c %s "$DB-wal" 2>/dev/null || echo 0)))
FTS_BYTES=$(sql "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE 'entities_fts%'" \
    2>/dev/null) || FTS_BYTES=

# ---- 2. request inputs: real codes and name fragments, deterministic -------------------------
# About a thousand of each, spread evenly over the table; fragments start at a position
# derived from the row id. Fragments with ASCII in them are dropped (two ASCII letters or
# digits would take the code-prefix path instead).
export BENCH_USCC_FILE=$T/uscc.txt BENCH_FRAG3_FILE=$T/frag3.txt BENCH_FRAG2_FILE=$T/frag2.txt
sql 'SELECT uscc FROM entities WHERE id % 709 = 1' >"$BENCH_USCC_FILE"
sql "SELECT substr(name, 1 + id % (length(name) - 2), 3) FROM entities
     WHERE id % 701 = 0 AND length(name) >= 3" | LC_ALL=C grep -v '[ -~]' >"$BENCH_FRAG3_FILE"
sql "SELECT substr(name, 1 + id % (length(name) - 1), 2) FROM entities
     WHERE id % 701 = 0 AND length(name) >= 2" | LC_ALL=C grep -v '[ -~]' >"$BENCH_FRAG2_FILE"
NUSCC=$(wc -l <"$BENCH_USCC_FILE")
NFRAG3=$(wc -l <"$BENCH_FRAG3_FILE")
NFRAG2=$(wc -l <"$BENCH_FRAG2_FILE")
FILTER_PATH='/api/v1/entities?region=371502&credit=C&page=1&page_size=20'
FILTER_ROWS=$(sql "SELECT count(*) FROM entities WHERE region = '371502' AND credit = 'C'")

# ---- 3. server --------------------------------------------------------------------------------
cat "$DB" >/dev/null # page cache: measure the server, not the disk
PORT=$(free_port)
"$JG" serve --db "$DB" --listen "127.0.0.1:$PORT" --web-root '' --access-log off 2>"$T/serve.log" &
JG_PID=$!
PIDS+=("$JG_PID")
BASE=http://127.0.0.1:$PORT
code() { # HTTP status of GET BASE+PATH [curl args...]
    local path=$1
    shift
    curl -s -o /dev/null -m 30 -w '%{http_code}' -H "$AUTH" "$@" "$BASE$path" || true
}
for i in $(seq 100); do
    [[ $(curl -s -o /dev/null -m 2 -w '%{http_code}' "$BASE/healthz" || true) == 200 ]] && break
    kill -0 "$JG_PID" 2>/dev/null || { echo "registry bench: server exited during startup" >&2; exit 1; }
    ((i < 100)) || { echo "registry bench: server not ready on port $PORT after 10 s" >&2; exit 1; }
    sleep 0.1
done

# Each target answers 200 before it is measured (a few samples of each input list).
check() { # label code
    [[ $2 == 200 ]] || { echo "registry bench: $1 answered '$2', not 200" >&2; exit 1; }
}
while read -r u; do check "GET /api/v1/entities/$u" "$(code "/api/v1/entities/$u")"; done \
    < <(head -n 3 "$BENCH_USCC_FILE")
for f in "$BENCH_FRAG3_FILE" "$BENCH_FRAG2_FILE"; do
    while read -r q; do
        check "search q=$q" "$(code /api/v1/entities -G --data-urlencode "q=$q" -d page_size=20)"
    done < <(head -n 3 "$f")
done
check "GET $FILTER_PATH" "$(code "$FILTER_PATH")"

# ---- 4. wrk -------------------------------------------------------------------------------------
declare -A RPS P99 P50 REQS NOTE
ORDER=()
# wrk closes its connections at the end of a run, but the server still finishes the requests it
# has read; for slow targets that backlog would eat into the next run. Wait (≤ 120 s) until the
# server process has used ≤ 2 clock ticks of CPU in half a second.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$JG_PID/stat"; }
drain() {
    local a b
    a=$(cpu_ticks)
    for _ in $(seq 240); do
        sleep 0.5
        b=$(cpu_ticks)
        ((b - a <= 2)) && return 0
        a=$b
    done
    echo "registry bench: server still busy 120 s after a run" >&2; return 1
}
# bench LABEL PATH [SCRIPT [FRAGMENT_FILE]]
bench() {
    local label=$1 path=$2 script=${3:-} frags=${4:-} out rps errs
    local args=(-t"$THREADS" -c"$CONNS" --latency --timeout "$TIMEOUT" -H "$AUTH")
    [[ -n $script ]] && args+=(-s "$HERE/wrk/$script")
    echo "== $label: warm-up $WARMUP, then $DURATION" >&2
    BENCH_FRAGMENT_FILE=$frags timeout "$WARM_LIMIT" wrk "${args[@]}" -d"$WARMUP" "$BASE$path" >/dev/null
    drain
    out=$(BENCH_FRAGMENT_FILE=$frags timeout "$WRK_LIMIT" wrk "${args[@]}" -d"$DURATION" "$BASE$path")
    printf '== %s\n%s\n' "$label" "$out" >>"$T/wrk.log"
    drain
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    P99[$label]=$(awk '$1 == "99%" {print $2}' <<<"$out")
    P50[$label]=$(awk '$1 == "50%" {print $2}' <<<"$out")
    REQS[$label]=$(awk '/requests in/ {print $1}' <<<"$out")
    [[ -n $rps && -n ${P99[$label]} ]] ||
        { echo "registry bench: cannot parse wrk output:" >&2; echo "$out" >&2; exit 1; }
    RPS[$label]=$rps
    P99[$label]=$(to_ms "${P99[$label]}")
    P50[$label]=$(to_ms "${P50[$label]}")
    errs=$(grep -E '^ *(Non-2xx or 3xx responses|Socket errors):' <<<"$out" | sed 's/^ *//' | paste -sd';' || true)
    NOTE[$label]=$errs
    [[ -z $errs ]] || echo "registry bench: WARNING $label: $errs" >&2
    ORDER+=("$label")
}

L_LOOKUP="look-up by code \`GET /api/v1/entities/{uscc}\`"
L_FTS="name search, 3-character fragments \`?q=…&page_size=20\`"
L_SCAN="name search, 2-character fragments \`?q=…&page_size=20\`"
L_FILTER="filtered list \`?region=371502&credit=C&page=1&page_size=20\`"
bench "$L_LOOKUP" /api/v1/entities registry_lookup.lua
bench "$L_FTS" /api/v1/entities registry_search.lua "$BENCH_FRAG3_FILE"
bench "$L_SCAN" /api/v1/entities registry_search.lua "$BENCH_FRAG2_FILE"
bench "$L_FILTER" "$FILTER_PATH"
kill -0 "$JG_PID" 2>/dev/null || { echo "registry bench: server died during the run" >&2; exit 1; }

# ---- 5. RESULTS.md, after the marker ------------------------------------------------------------
TABLE="| target | req/s | p99 ms |
|---|---:|---:|"
SLOW=
for l in "${ORDER[@]}"; do
    flag=
    if awk -v r="${RPS[$l]}" -v p="${P99[$l]}" 'BEGIN { exit !(r < 100 || p > 1000) }'; then
        flag=' ⚠'
        SLOW+=$'\n'"- SLOW (< 100 req/s or p99 > 1 s): $l — ${REQS[$l]} requests in $DURATION, p50 ${P50[$l]} ms"
    fi
    TABLE+=$'\n'"| $l$flag | $(printf '%.0f' "${RPS[$l]}") | ${P99[$l]} |"
done
WARNINGS=
for l in "${ORDER[@]}"; do
    [[ -z ${NOTE[$l]} ]] || WARNINGS+=$'\n'"- WARNING $l: ${NOTE[$l]}"
done
DEMO_SECS=$(stamp demo_secs)
DEMO_VERDICT=$(awk -v s="$DEMO_SECS" -v g="$DEMO_GOAL" 'BEGIN { print (s + 0 < g) ? "MET" : "NOT MET" }')
mib() { awk -v b="$1" 'BEGIN { printf "%.0f MiB", b / 1048576 }'; }
# goal LABEL MIN_RPS MAX_P99_MS: "**MET** (r req/s, p99 p ms)" or NOT MET.
goal() {
    awk -v r="${RPS[$1]}" -v p="${P99[$1]}" -v mr="$2" -v mp="$3" 'BEGIN {
        printf "**%s** (%.0f req/s, p99 %s ms)", (r >= mr && p < mp) ? "MET" : "NOT MET", r, p }'
}

SECTION="## Registry at city scale

Generated by \`bench/registry.sh\` (run by \`bench/run.sh\` unless \`BENCH_REGISTRY=0\`).

- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); load average before / after:
  ${LOAD_BEFORE} / $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (other work on the machine skews the numbers)
- Database: \`jianguan demo --scale city --seed 1\`, ${ENTITIES} entities, $(mib "$DB_BYTES")${FTS_BYTES:+ (FTS5
  trigram index $(mib "$FTS_BYTES"))}, built $(stamp built) by $(stamp version).
- Demo generation: **${DEMO_SECS} s** as printed by \`jianguan demo\` ($(stamp wall_secs) s wall for
  the command; load average then $(stamp load)) — goal < ${DEMO_GOAL} s: **${DEMO_VERDICT}**.
- Command (each target, after a ${WARMUP} warm-up with the same options): \`wrk -t$THREADS -c$CONNS
  -d$DURATION --latency --timeout $TIMEOUT -H 'Authorization: Bearer <token>' [-s bench/wrk/<script>]\`;
  \`jianguan serve --web-root '' --access-log off\` (one thread per core); user \`$USER_NAME\`,
  role bureau, city-wide scope. wrk and the server share the same CPUs over loopback.

$TABLE

Notes (inputs are read from the database, spread evenly over it; a list request counts its
matches — at most 10,000, and the count is cached until the next write — and then reads its
page, both with the same filters; between runs the script waits for
the server to finish requests left over from the previous one. wrk keeps ${CONNS} requests in
flight, so for a slow target p99 is mostly queueing, about ${CONNS} / req/s, and capped by the run
length: a request still waiting when the run ends is not counted):

- Look-up: ${NUSCC} real codes in turn (\`registry_lookup.lua\`); the unique index on \`uscc\`.
- 3-character search: ${NFRAG3} fragments cut from real names (\`registry_search.lua\`),
  percent-encoded; FTS5 trigram path: the page is driven from \`entities_fts MATCH '\"…\"'\`
  in rowid order.
- 2-character search: ${NFRAG2} fragments cut from real names, most of them common (有限, 公司):
  the character-pair index \`entity_bigrams\` drives the page in id order.
- Filtered list: region and credit filters (${FILTER_ROWS} matching rows), the
  \`entities_region_credit\` index for both.

Goals of the module kit (issue 6), against the figures measured before it with the same
script (filtered list ≈ 1,070 req/s, p99 90 ms; 2-character search ≈ 25 req/s, p99 1.75 s):
filtered page ≥ 8,000 req/s with p99 < 20 ms — $(goal "$L_FILTER" 8000 20);
2-character search p99 < 50 ms — $(goal "$L_SCAN" 0 50).
${SLOW:+$'\n'Slow targets:$SLOW$'\n'}${WARNINGS:+$'\n'Errors reported by wrk:$WARNINGS$'\n'}"

# Only this section is replaced: the ones after it (writes.sh) are kept.
printf '%s\n' "$SECTION" >"$T/section.md"
results_replace "$RESULTS" "$MARKER" "$T/section.md"

echo
echo "Registry at city scale: ${ENTITIES} entities, $(mib "$DB_BYTES"); demo ${DEMO_SECS} s (${DEMO_VERDICT})"
echo "$TABLE"
echo "(written to ${RESULTS#"$PWD"/}, after $MARKER)"
