# shellcheck shell=bash
# Shared by bench/run.sh and bench/registry.sh: source it after setting BENCH_NAME (the
# prefix of messages). Provides secs, to_ms, the temp dir $T, the server list PIDS with an EXIT trap
# that stops every server (bounded), then runs the at_exit commands and shows the servers' logs
# on failure, and free_port.

secs() { # seconds in a wrk duration (10, 10s, 2m, 1h)
    local d=$1
    case $d in
        *h) echo $((${d%h} * 3600)) ;; *m) echo $((${d%m} * 60)) ;;
        *s) echo "${d%s}" ;; *) echo "$d" ;;
    esac
}

to_ms() { # a wrk latency (812.00us | 1.23ms | 1.02s | 1.00m) in milliseconds
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : (u == "h") ? 3600000 : -1
        if (f < 0) exit 1
        printf "%.3f", n * f }'
}

T=$(mktemp -d "${TMPDIR:-/tmp}/jianguan-$BENCH_NAME.XXXXXX")
PIDS=()
EXIT_HOOKS=()
cleanup() {
    local rc=$? pid hook
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done # <= 10 s
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    for hook in "${EXIT_HOOKS[@]}"; do eval "$hook" || true; done # at_exit commands, in order
    if ((rc != 0)); then
        echo "$BENCH_NAME: failed (rc=$rc); server logs:" >&2
        tail -n 20 "$T"/*.log >&2 2>/dev/null || true
    fi
    rm -rf "$T"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { # a loopback port nobody listens on, below the ephemeral range (32768-)
    local p
    for _ in $(seq 200); do
        p=$((20000 + RANDOM % 12000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
    done
    echo "$BENCH_NAME: no free port" >&2
    return 1
}

# ---- helpers added for bench/writes.sh (usable by the other scripts) ------------------------

# The city database (`jianguan demo --scale city --seed 1`), built once and cached at
# bench/tmp/city-seed1.db in the format bench/registry.sh uses: a stamp file beside it, written
# last, with built=, version=, demo_secs=, wall_secs=, load=; rebuilt when the stamp is missing,
# when the schema version differs from the binary's, or when BENCH_REBUILD=1.
# city_db JIANGUAN -> sets CITY_DB and CITY_STAMP. Needs sqlite3.
city_db() {
    local jg=$1 here want have='' t0 t1 load0 secs
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    CITY_DB=$here/tmp/city-seed1.db
    CITY_STAMP=$CITY_DB.stamp
    "$jg" init --db "$T/city-probe.db" >/dev/null
    want=$(sqlite3 "$T/city-probe.db" 'SELECT max(version) FROM schema_migrations')
    if [[ -f $CITY_DB && -f $CITY_STAMP ]]; then
        have=$(sqlite3 -readonly "$CITY_DB" 'SELECT max(version) FROM schema_migrations' 2>/dev/null) ||
            have=
    fi
    [[ ${BENCH_REBUILD:-0} != 1 && $have == "$want" ]] && return 0
    echo "== building the city database (schema $want) at $CITY_DB; about a minute" >&2
    mkdir -p "$here/tmp"
    rm -f "$CITY_DB" "$CITY_DB-wal" "$CITY_DB-shm" "$CITY_STAMP"
    "$jg" init --db "$CITY_DB" >/dev/null
    load0=$(cut -d' ' -f1-3 /proc/loadavg)
    t0=$(date +%s.%N)
    timeout 900 "$jg" demo --db "$CITY_DB" --scale city --seed 1 \
        --credentials "$here/tmp/city-cred.txt" >"$T/city-demo.log"
    t1=$(date +%s.%N)
    secs=$(sed -n 's/.*用时 \([0-9.]*\) 秒.*/\1/p' "$T/city-demo.log" | head -n1)
    [[ -n $secs ]] || { echo "$BENCH_NAME: no time in the demo output" >&2; return 1; }
    {
        echo "built=$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
        echo "version=$("$jg" version 2>/dev/null | head -n1)"
        echo "demo_secs=$secs"
        echo "wall_secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
        echo "load=$load0 / $(cut -d' ' -f1-3 /proc/loadavg)"
    } >"$CITY_STAMP.tmp"
    mv "$CITY_STAMP.tmp" "$CITY_STAMP"
}

# await_http PORT PATH PID NAME: until GET http://127.0.0.1:PORT/PATH answers 200 (≤ 10 s);
# fails early when process PID exits. Needs curl.
await_http() {
    local code
    for _ in $(seq 100); do
        code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$1$2" || true)
        [[ $code == 200 ]] && return 0
        kill -0 "$3" 2>/dev/null || { echo "$BENCH_NAME: $4 exited during startup" >&2; return 1; }
        sleep 0.1
    done
    echo "$BENCH_NAME: $4 not ready on port $1 after 10 s" >&2
    return 1
}

# drain PID: after a wrk run the server still finishes the requests it has read; wait (≤ 120 s)
# until process PID has used ≤ 2 clock ticks of CPU in half a second.
drain() {
    local pid=$1 a b
    a=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
    for _ in $(seq 240); do
        sleep 0.5
        b=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
        ((b - a <= 2)) && return 0
        a=$b
    done
    echo "$BENCH_NAME: process $pid still busy 120 s after a run" >&2
    return 1
}

# results_section FILE MARKER: prints the section of FILE that starts at the line MARKER (an
# HTML comment such as <!-- writes -->), without the marker line, up to the next marker line
# (a line that is only an HTML comment) or the end; nothing when FILE or MARKER is absent.
results_section() {
    [[ -f $1 ]] || return 0
    awk -v m="$2" '$0 == m { on = 1; next } on && /^<!-- .* -->$/ { exit } on' "$1"
}

# results_replace FILE MARKER TEXTFILE: replaces the section of FILE at MARKER (see
# results_section) with MARKER and the contents of TEXTFILE, keeping everything before and
# after it; appends MARKER and the text at the end when FILE has no MARKER yet.
results_replace() {
    local file=$1 marker=$2 text=$3
    [[ -f $file ]] || : >"$file"
    awk -v m="$marker" -v tf="$text" '
        function put(  l) { print m; while ((getline l < tf) > 0) print l; close(tf); done = 1 }
        $0 == m { put(); skip = 1; next }
        skip && /^<!-- .* -->$/ { skip = 0 }
        !skip { print; last = $0 }
        END { if (!done) { if (NR && last != "") print ""; put() } }' "$file" >"$file.tmp"
    mv "$file.tmp" "$file"
}

# stop_pid PID [SIGNAL]: stops one process we started (SIGTERM unless told), waits for it and
# takes it off PIDS. With INT a wrk run ends early and still prints its results.
stop_pid() {
    local pid=$1 keep=() p
    kill -"${2:-TERM}" "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for p in "${PIDS[@]}"; do [[ $p == "$pid" ]] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}

# nginx_fixed: starts nginx (2 workers, no access log, keep-alive without a request limit)
# answering every request with the fixed 200 '{"status":"ok"}' on a free loopback port, in
# $T/nginx; sets NGINX_PORT and NGINX_PID (on PIDS). $NGINX overrides /usr/sbin/nginx.
nginx_fixed() {
    local bin=${NGINX:-/usr/sbin/nginx} dir=$T/nginx
    NGINX_PORT=$(free_port)
    mkdir -p "$dir"
    cat >"$dir/nginx.conf" <<NGINX_CONF
daemon off;
master_process on;
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / { return 200 '{"status":"ok"}'; default_type application/json; }
    }
}
NGINX_CONF
    "$bin" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" 2>>"$T/nginx.log" &
    NGINX_PID=$!
    PIDS+=("$NGINX_PID")
    await_http "$NGINX_PORT" / "$NGINX_PID" nginx
}

# ---- helpers added for bench/growth.sh ---------------------------------------------------------

# at_exit COMMAND: run COMMAND (a string, eval'd) from the EXIT trap, after the servers on PIDS
# are stopped and before $T is removed; failures are ignored. Commands run in the order given.
at_exit() { EXIT_HOOKS+=("$1"); }

# await_load MAX [WAIT_S]: polls /proc/loadavg every 5 s until the 1-minute load average is
# below MAX, for at most WAIT_S seconds (default 240); sets LOAD_NOW to the three figures then
# and LOAD_WAITED to the seconds waited. Returns 0 either way (the load is recorded, not fatal).
await_load() {
    local max=$1 wait=${2:-240} t0 now
    t0=$(date +%s)
    while :; do
        LOAD_NOW=$(cut -d' ' -f1-3 /proc/loadavg)
        now=$(date +%s)
        LOAD_WAITED=$((now - t0))
        awk -v l="${LOAD_NOW%% *}" -v m="$max" 'BEGIN { exit !(l < m) }' && return 0
        ((LOAD_WAITED >= wait)) && {
            echo "$BENCH_NAME: load average still $LOAD_NOW after ${wait} s; measuring anyway" >&2
            return 0
        }
        sleep 5
    done
}

# cpu_snap: "TOTAL STEAL", the jiffies of all CPUs since boot and those stolen by the
# hypervisor (the "cpu" line of /proc/stat). steal_pct SNAP0 SNAP1: the share of all CPU time
# stolen between two snapshots, in % (one decimal). On a shared host a run that lost a third of
# its CPU says so beside its figures.
cpu_snap() { awk '$1 == "cpu" { t = 0; for (i = 2; i <= 9; i++) t += $i; print t, $9; exit }' /proc/stat; }
steal_pct() {
    awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); d = y[1] - x[1]
        printf "%.1f", (d > 0) ? 100 * (y[2] - x[2]) / d : 0 }'
}

# head_commit [DIR]: the short commit of DIR's checkout (default: the repository holding
# bench/), read from .git without running git; "unknown" when it cannot tell.
head_commit() {
    local dir=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)} head ref id=
    head=$(cat "$dir/.git/HEAD" 2>/dev/null) || { echo unknown; return 0; }
    if [[ $head == "ref: "* ]]; then
        ref=${head#ref: }
        id=$(cat "$dir/.git/$ref" 2>/dev/null) ||
            id=$(awk -v r="$ref" '$2 == r { print $1; exit }' "$dir/.git/packed-refs" 2>/dev/null)
    else
        id=$head
    fi
    [[ $id =~ ^[0-9a-f]{7,}$ ]] && echo "${id:0:7}" || echo unknown
}

# fsync_cost DIR: "OVER APPEND": the median time, in ms, of one 4 KiB write + fsync to a file in
# DIR, overwriting a block in place (as PostgreSQL's preallocated WAL) and appending to the file
# (as a growing SQLite WAL); 200 of each. Needs python3.
fsync_cost() {
    /usr/bin/python3 - "$1" <<'PY'
import os, statistics, sys, tempfile, time
fd, path = tempfile.mkstemp(dir=sys.argv[1], prefix="fsync-probe.")
try:
    block, over, append = b"x" * 4096, [], []
    for i in range(200):
        for times, offset in ((over, (i % 16) * 4096), (append, (16 + i) * 4096)):
            os.pwrite(fd, block, offset)
            t = time.perf_counter()
            os.fsync(fd)
            times.append((time.perf_counter() - t) * 1000)
    print(f"{statistics.median(over):.3f} {statistics.median(append):.3f}")
finally:
    os.close(fd)
    os.unlink(path)
PY
}

# PostgreSQL clusters kept between runs (tools/pg-cluster.sh makes throwaway ones: its stop
# removes the folder). pg_cluster_up DIR starts the cluster in DIR, creating it with
# tools/pg-cluster.sh when DIR holds none, and sets PG_ADDR (postgresql:///postgres?host=DIR&
# user=…) and PG_BIN; pg_cluster_down DIR stops it (fast shutdown) and keeps its files.
# Run as root, the cluster belongs to the `postgres` user, as with tools/pg-cluster.sh.
pg_as_owner() { if ((EUID == 0)); then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_cluster_up() {
    local dir=$1 root
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
    [[ -n $PG_BIN ]] || { echo "$BENCH_NAME: PostgreSQL is not installed" >&2; return 1; }
    if [[ -f $dir/data/PG_VERSION ]]; then
        pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1 ||
            pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 120 start \
                >/dev/null || { tail -n 20 "$dir/server.log" >&2; return 1; }
        if ((EUID == 0)); then PG_ADDR="postgresql:///postgres?host=$dir&user=postgres"
        else PG_ADDR="postgresql:///postgres?host=$dir&user=$(id -un)"; fi
    else
        rm -rf "$dir"
        PG_ADDR=$("$root/tools/pg-cluster.sh" start "$dir") || return 1
    fi
}
pg_cluster_down() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
    [[ -f $1/data/PG_VERSION && -n $bin ]] || return 0
    pg_as_owner "$bin/pg_ctl" -D "$1/data" -m fast -w -t 120 stop >/dev/null 2>&1 || true
}
