# shellcheck shell=bash
# Shared by bench/run.sh and bench/registry.sh: source it after setting BENCH_NAME (the
# prefix of messages). Provides secs, to_ms, the temp dir $T, the server list PIDS with an EXIT trap
# that stops every server (bounded) and shows their logs on failure, and free_port.

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
cleanup() {
    local rc=$? pid
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done # <= 10 s
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
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
