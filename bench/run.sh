#!/usr/bin/env bash
# jianguan HTTP benchmark: wrk against nginx (the ceiling) and jianguan (access log off / on).
# Usage: bench/run.sh build/jianguan        (from the repo root; `make bench` does this)
# Env:   BENCH_DURATION  measured run per target, wrk duration syntax (default 10s)
#        BENCH_WARMUP    warm-up run per target (default 2s)
#        BENCH_REGISTRY  0 skips the city-scale registry benchmark (bench/registry.sh) run at the end
#        BENCH_WRITES    0 skips the durable-write and isolation benchmark (bench/writes.sh)
#        BENCH_LABEL     the row label of bench/writes.sh (default: the commit)
#        BENCH_LOGIN     0 skips the browser login → home measurement (bench/login.mjs)
#        BENCH_GROWTH    0 skips the growth benchmark (bench/growth.sh: look-up, filtered list,
#                        3-character search and durable write on SQLite and PostgreSQL at 1× and
#                        5× the reference city, and bench/growth.svg; its first run builds the
#                        databases in bench/tmp, about 15 minutes; measuring, three rounds of
#                        short runs each after a wait for a quiet machine, takes up to an hour)
#        BENCH_CYLINDERS 0 skips the cylinders benchmark (bench/cylinders.sh: the filling check at
#                        city scale beside nginx and a Flask peer, and durable fillings per
#                        second; its first run builds bench/tmp/cylinders-city.db, a few minutes)
#        BENCH_DRAW      0 skips the draw over 710,000 members (bench/draw.sh, bench/draw.c)
#        BENCH_DEMANDS   0 skips the demands benchmark (bench/demands.sh: filing demands and an
#                        officer's inbox, plain and filtered, at 100,000 demands; its first run
#                        builds bench/tmp/demands-100k.db, about 5 minutes; measuring 2, up to 6
#                        when it waits for a quiet machine)
#        BENCH_EQUIPMENT 0 skips the special-equipment benchmark (bench/equipment.sh: the overdue and
#                        due-within-30-days lists and the 定检率 at the city's 76,000 units; its
#                        first run builds bench/tmp/equipment-city.db, a few minutes)
# Writes bench/RESULTS.md (keeping everything from the `<!-- registry -->` marker onward) and
# prints the table. Loopback only; every server is stopped by the EXIT trap, even on failure.
set -euo pipefail

BIN=${1:?usage: bench/run.sh path/to/jianguan}
[[ -x $BIN ]] || { echo "bench: $BIN is not an executable" >&2; exit 1; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
ORIG_BIN=$BIN # for bench/registry.sh
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RESULTS=$HERE/RESULTS.md
NGINX=/usr/sbin/nginx
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-2s}
THREADS=1
CONNS=64
MARKER='<!-- registry -->'

for tool in wrk "$NGINX"; do
    command -v "$tool" >/dev/null 2>&1 ||
        { echo "bench: $tool missing (apt-get install -y wrk nginx-light)" >&2; exit 1; }
done

BENCH_NAME=bench
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
WRK_LIMIT=$(($(secs "$DURATION") + 30))
WARM_LIMIT=$(($(secs "$WARMUP") + 30))


stop() { # stop one server we started, by pid
    local pid=$1 keep=() p
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for p in "${PIDS[@]}"; do [[ $p == "$pid" ]] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}


# HTTP status of GET http://127.0.0.1:PORT/PATH [extra header]; empty when nothing answers.
status() {
    local port=$1 path=$2 hdr=${3:-}
    if command -v curl >/dev/null 2>&1; then
        curl -s -o /dev/null -m 2 -w '%{http_code}' ${hdr:+-H "$hdr"} "http://127.0.0.1:$port$path" || true
    else # bash /dev/tcp, HTTP/1.0
        # shellcheck disable=SC2016 # expanded by the inner bash
        timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 0
            printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n" "$2" >&3
            [[ -z $3 ]] || printf "%s\r\n" "$3" >&3
            printf "\r\n" >&3
            read -r _ code _ <&3 && echo "$code"' _ "$port" "$path" "$hdr" 2>/dev/null || true
    fi
}

wait_ready() { # port path pid name
    for _ in $(seq 100); do
        [[ $(status "$1" "$2") == 200 ]] && return 0
        kill -0 "$3" 2>/dev/null || { echo "bench: $4 exited during startup" >&2; return 1; }
        sleep 0.1
    done
    echo "bench: $4 not ready on port $1 after 10 s" >&2; return 1
}

# Run a private copy, so a rebuild during the run cannot swap the binary under us.
cp "$BIN" "$T/jianguan"
BIN=$T/jianguan
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- 1. database, user, token ----------------------------------------------------------------
"$BIN" init --db "$T/b.db" >/dev/null
printf 'bench-password-1\n' | "$BIN" user add --db "$T/b.db" --username bench --role bureau >/dev/null
TOKEN=$("$BIN" user token --db "$T/b.db" --username bench)
[[ -n $TOKEN ]] || { echo "bench: empty token" >&2; exit 1; }
AUTH="Authorization: Bearer $TOKEN"

# ---- 2. nginx, the ceiling -------------------------------------------------------------------
nginx_fixed # bench/lib.sh: NGINX_PORT, NGINX_PID

# ---- 3./4. wrk -------------------------------------------------------------------------------
WRK_CMD="wrk -t$THREADS -c$CONNS -d$DURATION --latency"
declare -A RPS P99 NOTE
ORDER=()


# bench LABEL PORT PATH [HEADER]
bench() {
    local label=$1 port=$2 path=$3 hdr=${4:-} out code rps p99 errs
    local url="http://127.0.0.1:$port$path"
    local args=(-t"$THREADS" -c"$CONNS" --latency)
    [[ -n $hdr ]] && args+=(-H "$hdr")
    code=$(status "$port" "$path" "$hdr")
    [[ $code == 200 ]] || { echo "bench: $label answered '$code', not 200" >&2; exit 1; }
    echo "== $label: warm-up $WARMUP, then $DURATION" >&2
    timeout "$WARM_LIMIT" wrk "${args[@]}" -d"$WARMUP" "$url" >/dev/null
    out=$(timeout "$WRK_LIMIT" wrk "${args[@]}" -d"$DURATION" "$url")
    printf '%s\n' "$out" >>"$T/wrk.out"
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    [[ -n $rps && -n $p99 ]] || { echo "bench: cannot parse wrk output:" >&2; echo "$out" >&2; exit 1; }
    RPS[$label]=$rps
    P99[$label]=$(to_ms "$p99")
    errs=$(grep -E '^ *(Non-2xx or 3xx responses|Socket errors):' <<<"$out" | sed 's/^ *//' | paste -sd';' || true)
    NOTE[$label]=$errs
    [[ -z $errs ]] || echo "bench: WARNING $label: $errs" >&2
    ORDER+=("$label")
}

bench "nginx GET /" "$NGINX_PORT" /
stop "$NGINX_PID"

serve() { # access-log on|off -> sets JG_PORT, JG_PID
    JG_PORT=$(free_port)
    local log=$T/jianguan-log-$1.log
    [[ $1 == on ]] && log=/dev/null # the access log goes to stderr: measure its cost, not a disk
    "$BIN" serve --db "$T/b.db" --listen "127.0.0.1:$JG_PORT" --web-root '' --access-log "$1" 2>"$log" &
    JG_PID=$!
    PIDS+=("$JG_PID")
    wait_ready "$JG_PORT" /healthz "$JG_PID" "jianguan (access log $1)"
}

serve off
bench "jianguan GET /healthz" "$JG_PORT" /healthz
bench "jianguan GET /api/v1/chains (bearer)" "$JG_PORT" /api/v1/chains "$AUTH"
stop "$JG_PID"

serve on
bench "jianguan GET /healthz, access log on" "$JG_PORT" /healthz
bench "jianguan GET /api/v1/chains (bearer), access log on" "$JG_PORT" /api/v1/chains "$AUTH"
stop "$JG_PID"

# ---- 6. RESULTS.md ---------------------------------------------------------------------------
BASE=${RPS["nginx GET /"]}
pct() { awk -v a="$1" -v b="$BASE" 'BEGIN { printf "%.1f", (b > 0) ? 100 * a / b : 0 }'; }
verdict() { awk -v p="$1" -v g="$2" 'BEGIN { print (p + 0 >= g) ? "MET" : "NOT MET" }'; }

TABLE="| target | req/s | p99 ms | vs nginx |
|---|---:|---:|---:|"
for l in "${ORDER[@]}"; do
    TABLE+=$'\n'"| $l | $(printf '%.0f' "${RPS[$l]}") | ${P99[$l]} | $(pct "${RPS[$l]}")% |"
done
H_PCT=$(pct "${RPS["jianguan GET /healthz"]}")
C_PCT=$(pct "${RPS["jianguan GET /api/v1/chains (bearer)"]}")
GOALS="Goals (access log off): \`/healthz\` ≥ 60% of nginx — ${H_PCT}% — **$(verdict "$H_PCT" 60)**; \
authenticated \`/api/v1/chains\` ≥ 40% — ${C_PCT}% — **$(verdict "$C_PCT" 40)**."

CPU=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
NGINX_V=$("$NGINX" -v 2>&1 | head -n1)
WRK_V=$(wrk --version 2>&1 | head -n1) || true
MHD_V=$(dpkg-query -W -f='${Package} ${Version}' libmicrohttpd12 2>/dev/null) || MHD_V='libmicrohttpd12 unknown'
WARNINGS=
for l in "${ORDER[@]}"; do
    [[ -z ${NOTE[$l]} ]] || WARNINGS+=$'\n'"- WARNING $l: ${NOTE[$l]}"
done

KEEP=
if [[ -f $RESULTS ]] && grep -qxF "$MARKER" "$RESULTS"; then
    KEEP=$(sed -n "\\|^$MARKER\$|,\$p" "$RESULTS")
else
    KEEP=$MARKER
fi

{
    cat <<EOF
# jianguan benchmark

Generated by \`bench/run.sh\` (\`make bench\`); rerun to refresh. Everything from the registry
marker at the end onward is kept across reruns.

- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')
- Machine: $(nproc) CPUs, ${CPU:-unknown CPU}, Linux $(uname -r); load average before / after:
  ${LOAD_BEFORE} / $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the numbers)
- Versions: ${NGINX_V}; ${WRK_V}; ${MHD_V}; $("$BIN" version 2>/dev/null | head -n1)
- Command (each target, after a ${WARMUP} warm-up with the same options):
  \`$WRK_CMD [-H 'Authorization: Bearer <token>'] http://127.0.0.1:<port><path>\`
- Servers: nginx 1.22 \`worker_processes 2\`, \`access_log off\`, \`return 200 '{"status":"ok"}'\`,
  \`keepalive_requests 1000000\`; \`jianguan serve --web-root '' --access-log off|on\`
  (default threads = one per core; with the log on, stderr goes to /dev/null).
  wrk and the servers share the same $(nproc) CPUs over loopback.

$TABLE

$GOALS
${WARNINGS:+$'\n'Errors reported by wrk:$WARNINGS$'\n'}
$KEEP
EOF
} >"$RESULTS.tmp"
mv "$RESULTS.tmp" "$RESULTS"

echo
echo "$TABLE"
echo
echo "$GOALS"
echo "(written to ${RESULTS#"$PWD"/})"

# ---- 7. registry at city scale (fills RESULTS.md after the marker) ----------------------------
if [[ ${BENCH_REGISTRY:-1} != 0 ]]; then
    echo
    "$HERE/registry.sh" "$ORIG_BIN"
fi

# ---- 8. durable writes and isolation of slow work (its own section of RESULTS.md) ------------
if [[ ${BENCH_WRITES:-1} != 0 ]]; then
    echo
    "$HERE/writes.sh" "$ORIG_BIN" "${BENCH_LABEL:-$(git -C "$HERE" rev-parse --short HEAD 2>/dev/null || echo current)}"
fi

# ---- 9. login → home in the browser (its own section of RESULTS.md) -------------------------
if [[ ${BENCH_LOGIN:-1} != 0 ]]; then
    echo
    JIANGUAN_BIN=$ORIG_BIN node "$HERE/login.mjs"
fi

# ---- 10. growth: both engines at 1× and 5× the city (its own section of RESULTS.md) ------------
if [[ ${BENCH_GROWTH:-1} != 0 ]]; then
    echo
    "$HERE/growth.sh" "$ORIG_BIN"
fi

# ---- 11. demands: filing and an officer's inbox at 100,000 demands (its own section) -----------
if [[ ${BENCH_DEMANDS:-1} != 0 ]]; then
    echo
    "$HERE/demands.sh" "$ORIG_BIN"
fi

# ---- 11b. cylinders: the filling check and durable fillings at city scale (its own section) -----
if [[ ${BENCH_CYLINDERS:-1} != 0 ]]; then
    echo
    "$HERE/cylinders.sh" "$ORIG_BIN"
fi

# ---- 12. the random draw at city scale (its own section of RESULTS.md) -----------------------
if [[ ${BENCH_DRAW:-1} != 0 ]]; then
    echo
    "$HERE/draw.sh" "$(dirname "$ORIG_BIN")"
fi

# ---- 13. special equipment at city scale (its own section of RESULTS.md) -----------------------
if [[ ${BENCH_EQUIPMENT:-1} != 0 ]]; then
    echo
    "$HERE/equipment.sh" "$ORIG_BIN"
fi
