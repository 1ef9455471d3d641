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
