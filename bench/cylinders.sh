#!/usr/bin/env bash
# jianguan M7 at city scale (100,000 cylinders, ~60 stations): wrk from 64 connections on
#   (a) the check      POST /api/v1/fillings/check as the demo scanner `station`, cycling through
#                      a mix of cylinder codes (9 in 10 its own station's, the rest other
#                      stations' and unknown codes), each answered 200 allowed or refused
#   (b) nginx          its fixed reply, measured in the same run (bench/lib.sh), the ceiling
#   (c) Flask          the same check written as a small Flask service over the same SQLite file
#                      (bench/flask_check.py, keeping every answer as jianguan does), under
#                      gunicorn with (2 x cores) + 1 sync workers (gunicorn's own advice, and
#                      faster here than one per core: 5000 against 4700 req/s on 2 cores)
#                      nginx, the check and Flask are run in turns (BENCH_CYLINDERS_ROUNDS, 5),
#                      the check set against that round's nginx and Flask, and each goal judged
#                      on the median of its rounds' ratios; then, once each, Flask's check without
#                      its log (what keeping the answers costs it) and under Flask's own server
#   (d) fillings       POST /api/v1/fillings, each to a cylinder not filled before, counted by its
#                      201s: sustained durable writes per second (SQLite synchronous=FULL, group
#                      commit)
# Goals: the check at >= 50% of nginx's rate and >= 10x Flask's.
# Usage: bench/cylinders.sh build/jianguan   (bench/run.sh calls it unless BENCH_CYLINDERS=0)
# Env:   BENCH_DURATION (10s), BENCH_WARMUP (2s), BENCH_CYLINDERS_CONNS (64),
#        BENCH_CYLINDERS_ROUNDS (5), BENCH_REBUILD=1,
#        BENCH_RESULTS (bench/RESULTS.md)
# The database is `jianguan demo --scale city --seed 1`, built once and cached at
# bench/tmp/cylinders-city.db (with a .stamp), rebuilt when the binary's schema version
# changes; each run works on a copy. Replaces the section after `<!-- cylinders -->` in
# bench/RESULTS.md. Loopback only; every server is stopped by the EXIT trap. Needs wrk, nginx,
# sqlite3, curl, python3-flask and gunicorn (tools/deps.sh bench installs them).
set -euo pipefail

BIN=${1:?usage: bench/cylinders.sh path/to/jianguan}
[[ -x $BIN ]] || { echo "cylinders bench: $BIN is not an executable" >&2; exit 1; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
RESULTS=${BENCH_RESULTS:-$HERE/RESULTS.md}
MARKER='<!-- cylinders -->'
CACHE=$HERE/tmp
CDB=$CACHE/cylinders-city.db
CSTAMP=$CDB.stamp
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-2s}
CONNS=${BENCH_CYLINDERS_CONNS:-64}

BENCH_NAME=cylinders
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
WRK_LIMIT=$(($(secs "$DURATION") + 30))
WARM_LIMIT=$(($(secs "$WARMUP") + 30))
for tool in wrk nginx sqlite3 curl; do
    command -v "$tool" >/dev/null 2>&1 || [[ -x /usr/sbin/$tool ]] ||
        { echo "cylinders bench: $tool missing" >&2; exit 1; }
done
/usr/bin/python3 -c 'import flask' 2>/dev/null && command -v gunicorn >/dev/null 2>&1 ||
    { echo "cylinders bench: Flask or gunicorn missing (tools/deps.sh bench)" >&2; exit 1; }

cp "$BIN" "$T/jianguan"
BIN=$T/jianguan

# ---- 1. the city database, cached ------------------------------------------------------------
"$BIN" init --db "$T/probe.db" >/dev/null
WANT=$(sqlite3 "$T/probe.db" 'SELECT max(version) FROM schema_migrations')
HAVE=
[[ -f $CDB && -f $CSTAMP ]] &&
    HAVE=$(sqlite3 -readonly "$CDB" 'SELECT max(version) FROM schema_migrations' 2>/dev/null || true)
if [[ ${BENCH_REBUILD:-0} == 1 || $HAVE != "$WANT" ]]; then
    echo "== building the city database at $CDB (schema $WANT); a minute or two" >&2
    mkdir -p "$CACHE"
    rm -f "$CDB" "$CDB-wal" "$CDB-shm" "$CDB.audit-key" "$CSTAMP"
    "$BIN" init --db "$CDB" >/dev/null
    t0=$(date +%s.%N)
    timeout 1200 "$BIN" demo --db "$CDB" --scale city --seed 1 \
        --credentials "$CACHE/cylinders-cred.txt" >"$T/demo.log"
    t1=$(date +%s.%N)
    {
        echo "built=$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
        echo "demo_secs=$(sed -n 's/.*用时 \([0-9.]*\) 秒.*/\1/p' "$T/demo.log" | head -n1)"
        echo "wall_secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
    } >"$CSTAMP"
fi
cp "$CDB" "$T/c.db"
cp "$CDB.audit-key" "$T/c.db.audit-key"
DB=$T/c.db
# The copy's half a gigabyte of dirty pages would otherwise be written back while the servers
# are measured (runs of the same binary differed by a quarter).
sync
CYLS=$(sqlite3 "$DB" 'SELECT count(*) FROM cylinders')
STATIONS=$(sqlite3 "$DB" 'SELECT count(*) FROM cylinder_stations')
FILLINGS0=$(sqlite3 "$DB" 'SELECT count(*) FROM cylinder_fillings')

# ---- 2. the scanner, its filler, the codes ----------------------------------------------------
TOKEN=$("$BIN" user token --db "$DB" --username station)
printf 'bench-password-1\n' | "$BIN" user add --db "$DB" --username benchcyl --role admin >/dev/null
ADMIN=$("$BIN" user token --db "$DB" --username benchcyl)
STATION=$(sqlite3 "$DB" "SELECT entity FROM users WHERE username = 'station'")
FILLER=$(sqlite3 "$DB" "SELECT id FROM cylinder_fillers WHERE station = '$STATION' AND active = 1
    AND cert_expires >= date('now', '+8 hours') ORDER BY id LIMIT 1")
{
    sqlite3 "$DB" "SELECT code FROM cylinders WHERE station = '$STATION' ORDER BY random() LIMIT 9000"
    sqlite3 "$DB" "SELECT code FROM cylinders WHERE station <> '$STATION' ORDER BY random() LIMIT 800"
    for i in $(seq 200); do printf 'LC99%08d\n' $((RANDOM * 3 + i)); done
} | shuf --random-source=<(yes) >"$T/codes.txt"
MIX=$(wc -l <"$T/codes.txt")
# The answers the mix gets, asked once each before the runs (so the table can say what share of
# the load was refused, and for which reasons).
# The requests are made once, in init (wrk's cost per request is the client's, not a server's:
# formatting each one anew in request() cost wrk 15 us per request against 13).
cat >"$T/check.lua" <<'LUA'
local reqs, n, i = {}, 0, 0
function init(args)
    local f = assert(io.open(os.getenv("CODES"), "r"))
    local filler, medium = os.getenv("FILLER"), os.getenv("MEDIUM") or "LPG"
    -- The -H headers (the bearer token) live in wrk.headers: add to them, not instead.
    wrk.headers["Content-Type"] = "application/json"
    for line in f:lines() do
        if #line > 0 then
            n = n + 1
            reqs[n] = wrk.format("POST", nil, nil,
                '{"cylinder":"' .. line .. '","filler":' .. filler .. ',"medium":"' .. medium .. '"}')
        end
    end
    f:close()
    i = math.random(n) - 1
end
function request()
    i = i % n + 1
    return reqs[i]
end
LUA

declare -A RPS P99 NOTE
run_wrk() { # label url script [command run between the warm-up and the measured run]
    local label=$1 url=$2 script=$3 out errs
    echo "== $label: warm-up $WARMUP, then $DURATION" >&2
    timeout "$WARM_LIMIT" wrk -t1 -c"$CONNS" -d"$WARMUP" --latency -s "$script" \
        -H "Authorization: Bearer $TOKEN" "$url" >/dev/null
    [[ -z ${4:-} ]] || "$4"
    out=$(timeout "$WRK_LIMIT" wrk -t1 -c"$CONNS" -d"$DURATION" --latency --timeout 30s \
        -s "$script" -H "Authorization: Bearer $TOKEN" "$url")
    printf '%s\n' "$out" >>"$T/wrk.out"
    RPS[$label]=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    P99[$label]=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
    REQS[$label]=$(awk '/requests in/ {print $1}' <<<"$out")
    errs=$(grep -E '^ *(Non-2xx or 3xx responses|Socket errors):' <<<"$out" | sed 's/^ *//' |
        paste -sd';' || true)
    NOTE[$label]=$errs
}
declare -A REQS

export CODES=$T/codes.txt FILLER=$FILLER

# ---- 3. nginx, the check and Flask, in turns --------------------------------------------------
# The host's speed drifts by a fifth from one run to the next, so nginx, the check and Flask are
# run in turns, ROUNDS times, and each round's check is set against that round's nginx and Flask.
flask_start() { # label command...: starts a Flask check over $DB (FL_PORT, FL_PID), awaits it
    local label=$1 code
    shift
    FL_PORT=$(free_port)
    (cd "$HERE" && JG_DB=$DB FL_PORT=$FL_PORT exec "$@") 2>"$T/$label.log" &
    FL_PID=$!
    PIDS+=("$FL_PID")
    for _ in $(seq 100); do
        code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
            -H 'Content-Type: application/json' \
            -d "{\"cylinder\":\"$(head -n1 "$T/codes.txt")\",\"filler\":$FILLER,\"medium\":\"LPG\"}" \
            "http://127.0.0.1:$FL_PORT/api/v1/fillings/check" || true)
        [[ $code == 200 ]] && break
        sleep 0.1
    done
    [[ $code == 200 ]] || { echo "cylinders bench: $label answered '$code'" >&2; exit 1; }
}
flask_once() { # label: one measured run of the Flask check just started, stopped after it
    run_wrk "$1" "http://127.0.0.1:$FL_PORT/api/v1/fillings/check" "$T/check.lua"
    stop_pid "$FL_PID"
}
WORKERS=$((2 * $(nproc) + 1))
GUNICORN="gunicorn $(gunicorn --version 2>&1 | grep -o '[0-9][0-9.]*' | head -n1) -w $WORKERS (sync workers)"
gunicorn_flask() { # label [NAME=value...]: starts the Flask check under gunicorn
    local label=$1
    shift
    flask_start "$label" sh -c 'exec env "$@" gunicorn -w "$0" -b "127.0.0.1:$FL_PORT" \
        --log-level warning flask_check:app' "$WORKERS" "$@"
}
await_load "${BENCH_LOAD_MAX:-1.5}" "${BENCH_LOAD_WAIT:-60}"
LOAD_START=$LOAD_NOW
nginx_fixed
JG_PORT=$(free_port)
"$BIN" serve --db "$DB" --listen "127.0.0.1:$JG_PORT" --web-root '' --access-log off 2>"$T/jg.log" &
JG_PID=$!
PIDS+=("$JG_PID")
await_http "$JG_PORT" /healthz "$JG_PID" jianguan
gunicorn_flask flask JG_LOG=1
FLASK_PID=$FL_PID FLASK_PORT=$FL_PORT
code=$(curl -s -o "$T/one.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' \
    -d "{\"cylinder\":\"$(head -n1 "$T/codes.txt")\",\"filler\":$FILLER,\"medium\":\"LPG\"}" \
    "http://127.0.0.1:$JG_PORT/api/v1/fillings/check")
[[ $code == 200 ]] || { echo "cylinders bench: the check answered $code: $(cat "$T/one.json")" >&2; exit 1; }
# CPU ticks of the server's threads by name: the check log's writer (jg-checklog, and the
# checkpointer it starts) apart from the event threads (jg-event) and the rest.
thread_ticks() {
    local t
    for t in "/proc/$1"/task/*; do
        printf '%s %s\n' "$(cat "$t/comm" 2>/dev/null)" "$(awk '{ print $14 + $15 }' "$t/stat" 2>/dev/null)"
    done | awk 'NF == 2 { n[$1 == "jg-checklog" ? "log" : "event"] += $2 }
                END { print n["event"] + 0, n["log"] + 0 }'
}
# The check's CPU is counted from the end of each warm-up until the server is idle again after
# the measured run (the log's writer is up to a second behind); steal over the measured runs.
check_mark() {
    drain "$JG_PID" # the warm-up's records are written before the count starts
    sleep 2.5
    read -r EV0 LOG0 < <(thread_ticks "$JG_PID")
    CPU0=$(awk '{ print $14 + $15 }' "/proc/$JG_PID/stat")
    read -r ST0 STS0 < <(cpu_snap)
}
ROUNDS=${BENCH_CYLINDERS_ROUNDS:-5}
((ROUNDS >= 1)) || { echo "cylinders bench: BENCH_CYLINDERS_ROUNDS must be 1 or more" >&2; exit 1; }
proc_tree_ticks() { # pid: CPU ticks of a process and its children (gunicorn and its workers)
    local p sum=0
    for p in "$1" $(pgrep -P "$1"); do
        sum=$((sum + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
    done
    echo "$sum"
}
flask_mark() { FL0=$(proc_tree_ticks "$FLASK_PID"); }
ratio() { # a b [scale]: scale * a / b, one decimal (0 when b is 0)
    awk -v a="$1" -v b="$2" -v k="${3:-1}" 'BEGIN { printf "%.1f", (b > 0) ? k * a / b : 0 }'
}
per_request() { # ticks requests: CPU microseconds per request
    awk -v t="$1" -v n="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f", (n > 0) ? t / hz * 1e6 / n : 0 }'
}
checks_logged() { sqlite3 -cmd '.timeout 20000' "$DB" 'SELECT count(*) FROM cylinder_checks'; }
EV=0 LOG=0 CPU=0 NCHECK=0 ST=0 STS=0 LOGGED=0 FCPU=0 NFLASK=0 RATIOS=() FRATIOS=()
for r in $(seq "$ROUNDS"); do
    run_wrk "nginx$r" "http://127.0.0.1:$NGINX_PORT/" "$T/check.lua"
    C0=$(checks_logged)
    run_wrk "check$r" "http://127.0.0.1:$JG_PORT/api/v1/fillings/check" "$T/check.lua" check_mark
    read -r ST1 STS1 < <(cpu_snap)
    drain "$JG_PID"
    sleep 2.5 # the check log's writer: at most a second behind, plus its commit
    read -r EV1 LOG1 < <(thread_ticks "$JG_PID")
    CPU1=$(awk '{ print $14 + $15 }' "/proc/$JG_PID/stat")
    EV=$((EV + EV1 - EV0)) LOG=$((LOG + LOG1 - LOG0)) CPU=$((CPU + CPU1 - CPU0))
    NCHECK=$((NCHECK + ${REQS[check$r]})) ST=$((ST + ST1 - ST0)) STS=$((STS + STS1 - STS0))
    LOGGED=$((LOGGED + $(checks_logged) - C0))
    RATIOS+=("$(ratio "${RPS[check$r]}" "${RPS[nginx$r]}" 100)")
    run_wrk "flask$r" "http://127.0.0.1:$FLASK_PORT/api/v1/fillings/check" "$T/check.lua" flask_mark
    sleep 1.5 # its log's last second
    FCPU=$((FCPU + $(proc_tree_ticks "$FLASK_PID") - FL0)) NFLASK=$((NFLASK + ${REQS[flask$r]}))
    FRATIOS+=("$(ratio "${RPS[check$r]}" "${RPS[flask$r]}")")
done
stop_pid "$NGINX_PID"
stop_pid "$FLASK_PID"
CHECK_STEAL=$(steal_pct "0 0" "$ST $STS")
LOAD_CHECK=$(cut -d' ' -f1-3 /proc/loadavg)
REFUSED_SHARE=$(sqlite3 "$DB" "SELECT printf('%.0f', 100.0 * sum(allowed = 0) / count(*))
    FROM cylinder_checks WHERE id > (SELECT max(id) - 20000 FROM cylinder_checks)")
# Each goal is judged on its median round: the round whose ratio is the median of the rounds'.
median_round() { # ratios...: the (1-based) round of the median ratio
    local r=0 x
    for x in "$@"; do r=$((r + 1)); echo "$x $r"; done | sort -n |
        awk -v n="$#" 'NR == int((n + 1) / 2) { print $2 }'
}
MID=$(median_round "${RATIOS[@]}")
FMID=$(median_round "${FRATIOS[@]}")
PCT=${RATIOS[MID - 1]} XF=${FRATIOS[FMID - 1]}
RPS[nginx]=${RPS[nginx$MID]} P99[nginx]=${P99[nginx$MID]}
RPS[check]=${RPS[check$MID]} P99[check]=${P99[check$MID]} REQS[check]=$NCHECK
RPS[flask]=${RPS[flask$FMID]} P99[flask]=${P99[flask$FMID]}
for l in check flask; do
    NOTE[$l]=$(for r in $(seq "$ROUNDS"); do [[ -z ${NOTE[$l$r]} ]] || printf 'round %s: %s; ' "$r" "${NOTE[$l$r]}"; done)
done
ROUND_LIST=$(for r in $(seq "$ROUNDS"); do
    printf '%.0f / %.0f / %.0f (%s%%, %s×)\n' "${RPS[nginx$r]}" "${RPS[check$r]}" "${RPS[flask$r]}" \
        "${RATIOS[r - 1]}" "${FRATIOS[r - 1]}"; done | paste -sd';' | sed 's/;/; /g')

# ---- 5. jianguan: durable fillings ------------------------------------------------------------
# 100,000 fresh cylinders of the scanner's station, none filled yet, each filled once.
sqlite3 -cmd '.timeout 20000' "$DB" "INSERT INTO cylinders(code, type, maker, serial, manufactured, station, region,
    ownership, last_inspection, status, next_inspection, life_ends, last_filled_at, fillings,
    created_at, updated_at)
    SELECT printf('BF%08d', c.id), 'YSP', c.maker, c.serial, date('now', '-100 days'), '$STATION',
           (SELECT region FROM cylinder_stations WHERE uscc = '$STATION'), 'owned', NULL,
           'in_service', date('now', '+1000 days'), date('now', '+2000 days'), NULL, 0, 0, 0
    FROM cylinders c ORDER BY c.id LIMIT 100000" >/dev/null
sqlite3 "$DB" "SELECT printf('BF%08d', id) FROM cylinders WHERE code NOT LIKE 'BF%' ORDER BY id LIMIT 100000" \
    >"$T/fresh.txt"
cat >"$T/fill.lua" <<'LUA'
local codes, n, i = {}, 0, 0
local filler = os.getenv("FILLER")
function init(args)
    local f = assert(io.open(os.getenv("FRESH"), "r"))
    for line in f:lines() do if #line > 0 then n = n + 1; codes[n] = line end end
    f:close()
    wrk.headers["Content-Type"] = "application/json"
end
function request()
    i = i + 1
    local c = codes[(i - 1) % n + 1]
    return wrk.format("POST", nil, nil,
        '{"cylinder":"' .. c .. '","filler":' .. filler .. ',"medium":"LPG","weight_before":17.1,"weight_after":31.6}')
end
LUA
export FRESH=$T/fresh.txt
F0=$(sqlite3 "$DB" 'SELECT count(*) FROM cylinder_fillings')
echo "== fillings: $DURATION (no warm-up: every cylinder is filled once)" >&2
out=$(timeout "$WRK_LIMIT" wrk -t1 -c"$CONNS" -d"$DURATION" --latency --timeout 30s \
    -s "$T/fill.lua" -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$JG_PORT/api/v1/fillings")
printf '%s\n' "$out" >>"$T/wrk.out"
drain "$JG_PID"
F1=$(sqlite3 "$DB" 'SELECT count(*) FROM cylinder_fillings')
FILL_SECS=$(secs "$DURATION")
FILL_RATE=$(awk -v a="$F0" -v b="$F1" -v s="$FILL_SECS" 'BEGIN { printf "%.0f", (b - a) / s }')
FILL_P99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
FILL_NON2XX=$(awk '/Non-2xx/ {print $5}' <<<"$out")
BATCH_MEAN=$(curl -s -H "Authorization: Bearer $ADMIN" \
    "http://127.0.0.1:$JG_PORT/metrics" 2>/dev/null | awk '
        /^jianguan_commit_batch_size_sum/ {s = $2} /^jianguan_commit_batch_size_count/ {c = $2}
        END { if (c > 0) printf "%.1f", s / c; else print "?" }')
stop_pid "$JG_PID"


# ---- 6. Flask without its log, and under its own server ---------------------------------------
gunicorn_flask flasknolog JG_LOG=0
flask_once flasknolog
flask_start flaskdev sh -c 'exec /usr/bin/python3 flask_check.py "$FL_PORT"'
flask_once flaskdev
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- 7. RESULTS.md ----------------------------------------------------------------------------
XFN=$(ratio "${RPS[check]}" "${RPS[flasknolog]}")
XFD=$(ratio "${RPS[check]}" "${RPS[flaskdev]}")
V_NGINX=$(awk -v p="$PCT" 'BEGIN { print (p >= 50) ? "MET" : "NOT MET" }')
V_FLASK=$(awk -v x="$XF" 'BEGIN { print (x >= 10) ? "MET" : "NOT MET" }')
CPU_US=$(per_request "$CPU" "${REQS[check]}")
EV_US=$(per_request "$EV" "${REQS[check]}")
FLASK_US=$(per_request "$FCPU" "$NFLASK")
XCPU=$(ratio "$FLASK_US" "$CPU_US")
LOG_US=$(per_request "$LOG" "${REQS[check]}")
row() { printf '| %s | %.0f | %s | %s |\n' "$1" "${RPS[$2]}" "${P99[$2]}" "$3"; }
TABLE="| target | req/s | p99 ms | note |
|---|---:|---:|---|
$(row 'nginx, fixed reply (the ceiling)' nginx '100%')
$(row 'jianguan `POST /api/v1/fillings/check`' check "${PCT}% of nginx; ${XF}× Flask; ${CPU_US} µs server CPU per check (${EV_US} answering, ${LOG_US} logging it)")
$(row "Flask check over the same SQLite file" flask "$GUNICORN; round ${FMID}, where the check did ${RPS[check$FMID]%.*}: ${XF}×; ${FLASK_US} µs server CPU per check")
$(row "the same Flask check not keeping its answers" flasknolog "$GUNICORN, \`JG_LOG=0\`; jianguan ${XFN}× it")
$(row "the same Flask check under Flask's own server" flaskdev "threaded; jianguan ${XFD}× it")
| jianguan \`POST /api/v1/fillings\`, durable (201s per second) | ${FILL_RATE} | ${FILL_P99} | synchronous=FULL, mean group commit ${BATCH_MEAN} writes |"
WARN=
for l in check flask flasknolog flaskdev; do
    [[ -z ${NOTE[$l]} ]] || WARN+=" ${l}: ${NOTE[$l]};"
done
cat >"$T/section.md" <<EOF
## Cylinders (M7) at city scale

Generated by \`bench/cylinders.sh\` (run by \`bench/run.sh\` unless \`BENCH_CYLINDERS=0\`).

- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), jianguan at $(head_commit); $(nproc) CPUs, wrk and every server on the same
  machine over loopback; load average before / after the check's run / at the end:
  ${LOAD_START} / ${LOAD_CHECK} / ${LOAD_END}; CPU time stolen by the hypervisor during the
  check's runs: ${CHECK_STEAL}% (\`/proc/stat\`).
- Database: \`jianguan demo --scale city --seed 1\` ($(sed -n 's/^built=//p' "$CSTAMP")):
  ${CYLS} cylinders, ${STATIONS} stations, ${FILLINGS0} fillings of the last three weeks;
  demo $(sed -n 's/^demo_secs=//p' "$CSTAMP") s in all modules.
- Command: \`wrk -t1 -c${CONNS} -d${DURATION} --latency --timeout 30s -s <script>
  -H 'Authorization: Bearer <scanner token>'\` after a ${WARMUP} warm-up; the check's script
  cycles through ${MIX} bodies \`{"cylinder","filler","medium":"LPG"}\` (9 in 10 of the scanner's
  own station's cylinders, the rest other stations' and unknown codes; about ${REFUSED_SHARE}%
  of the answers were refusals). nginx gets the same requests. nginx, the check and Flask
  ran in turns, ${ROUNDS} rounds (nginx / check / Flask req/s; the check's share of nginx, its
  multiple of Flask): ${ROUND_LIST}; each goal is judged on its median round, which the table
  shows; the CPU per check is over all rounds.
  \`jianguan serve --access-log off\`, one event thread per core.

$TABLE

Goals: the check ≥ 50% of nginx — ${PCT}% — **${V_NGINX}**; ≥ 10× Flask (under gunicorn) —
${XF}× — **${V_FLASK}** (${XFN}× Flask not keeping its answers, ${XFD}× Flask under its own server).
${WARN:+$'\n'wrk reported:${WARN}$'\n'}
Notes: every check is answered on the event thread from the thread's read connection, in the
snapshot that the pass of the thread's event loop holds (one read transaction per pass, about 58
checks, not one per check; renewed by any commit): one prepared statement joins station,
filler, cylinder (one entry of the covering index \`cylinders_check\`), type and the caller's
session and user (the scanner's token is admitted from a per-thread cache and re-read in that
statement, so a revoked token is refused at its next check), and the answer is queued for the
check log. ${LOGGED} check records reached the database over the rounds (warm-ups included);
the background writer (\`jg-checklog\`) inserts them in one group commit a second, as a load
(64 rows to a statement). Server CPU per check is split by thread above: "answering" is the
event threads (HTTP, the statement, the JSON), "logging it" is the writer and the checkpointer
it starts, whose insert into \`cylinder_checks\` updates three indexes (\`station, at\`;
\`at\`; \`cylinder, at\`, the last at a random place for each row). With wrk on the same two cores, the server's
CPU per check bounds the rate: 2 cores / (server + wrk CPU per request), so wrk's share weighs
on a fast server and hardly on a slow one: per check, Flask's processes spent ${XCPU}× the CPU
jianguan did (${FLASK_US} against ${CPU_US} µs, all rounds), a multiple the rates show only
where the load comes from elsewhere, as a city's scanners do. The Flask peer
(\`bench/flask_check.py\`) authenticates, judges and answers the same way and keeps every answer
the same way (a queue per worker, written by a thread in one transaction a second, into the
same \`cylinder_checks\`): every check is kept (阳光充装), so a check that does not keep it is
not the check; the figure without its log is there to show what keeping it costs.
Fillings: each request fills a cylinder never filled before (100,000 fresh ones of the
scanner's station), so every answer is a 201 made durable by a group commit before it is sent
(${FILL_NON2XX:-no} non-2xx answers); the rate counts rows that reached the table.
EOF
results_replace "$RESULTS" "$MARKER" "$T/section.md"
echo
echo "$TABLE"
echo "Goals: ≥ 50% of nginx — ${PCT}% ${V_NGINX}; ≥ 10× Flask (gunicorn) — ${XF}× ${V_FLASK} (${XFN}× without its log, ${XFD}× its own server)"
echo "(written to ${RESULTS#"$ROOT"/}, after $MARKER)"
