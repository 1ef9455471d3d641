-- wrk script shared by bench/writes.sh: counts the requests sent and the answers by HTTP
-- status, in every thread, and prints from done() one line that writes.sh parses:
--   BENCH requests=N duration_s=S ok=N non2xx=N unanswered=N statuses=200:N,401:N
--         p50_ms=X p99_ms=X socket_errors=connect,read,write,timeout
-- ok = 2xx answers; non2xx = every other answer, 3xx included; unanswered = requests sent but
-- not answered when the run ended (wrk's latency figures leave those out: a server that stops
-- answering shows no latency at all). Alone (wrk -s summary.lua) it sends wrk's default
-- request; with $BENCH_DELAY_MS set, each connection waits that long between requests (a paced
-- probe instead of a flood). The other writes scripts load it with dofile and define
-- make_request() (and init()); each thread finds its number (1..threads) in thread_id.
local threads = {}
statuses = {} -- per thread; read back by done() through thread:get
sent = 0

function make_request()
    return wrk.format()
end

function request()
    sent = sent + 1
    return make_request()
end

function setup(thread)
    threads[#threads + 1] = thread
    thread:set("thread_id", #threads)
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "")
if pause then
    function delay() return pause end
end

function done(summary, latency, requests)
    local total, codes, ok, other, out = {}, {}, 0, 0, 0
    for _, t in ipairs(threads) do
        out = out + (t:get("sent") or 0)
        for code, n in pairs(t:get("statuses") or {}) do
            total[code] = (total[code] or 0) + n
        end
    end
    for code, n in pairs(total) do
        codes[#codes + 1] = code
        if code >= 200 and code < 300 then ok = ok + n else other = other + n end
    end
    table.sort(codes)
    local list = {}
    for _, code in ipairs(codes) do list[#list + 1] = code .. ":" .. total[code] end
    local e = summary.errors
    io.write(string.format(
        "BENCH requests=%d duration_s=%.3f ok=%d non2xx=%d unanswered=%d statuses=%s p50_ms=%.3f p99_ms=%.3f socket_errors=%d,%d,%d,%d\n",
        summary.requests, summary.duration / 1e6, ok, other, math.max(out - ok - other, 0),
        #list > 0 and table.concat(list, ",") or "-",
        latency:percentile(50) / 1000, latency:percentile(99) / 1000,
        e.connect, e.read, e.write, e.timeout))
end
