-- wrk script for bench/growth.sh. $BENCH_GROWTH_MODE picks the requests:
--   lookup  GET /api/v1/entities/{uscc}, a code picked at random (fixed seed per thread) from
--           $BENCH_USCC_FILE (one a line);
--   patch   PATCH /api/v1/entities/{uscc} {"legal_rep":"压测<thread>-<n>"} (a new value every
--           time), cycling through the codes of $BENCH_USCC_FILE, each thread from its own
--           share of the list;
--   url     (default) the URL given on wrk's command line, as it is.
-- The bearer token comes from wrk -H. Answers are counted by summary.lua, whose BENCH line
-- growth.sh parses (2xx answers, the other statuses, p50/p99).
dofile(debug.getinfo(1, "S").source:sub(2):match("^(.-)[^/]*$") .. "summary.lua")
-- summary.lua's request() counts each request and asks make_request() for it.
local mode = os.getenv("BENCH_GROWTH_MODE") or "url"
local codes, n, i, k = {}, 0, 0, 0

function init(args)
    if mode == "url" then return end
    local file = os.getenv("BENCH_USCC_FILE") or error("BENCH_USCC_FILE not set")
    for line in assert(io.open(file, "r")):lines() do
        if #line > 0 then n = n + 1; codes[n] = line end
    end
    if n == 0 then error(file .. ": no codes") end
    math.randomseed(7919 * (thread_id or 1))
    i = math.floor(n * ((thread_id or 1) - 1) / 4) -- threads 1..4 start a quarter apart
    if mode == "patch" then wrk.headers["Content-Type"] = "application/json" end
end

function make_request()
    if mode == "lookup" then
        return wrk.format("GET", "/api/v1/entities/" .. codes[math.random(n)])
    elseif mode == "patch" then
        i = i % n + 1
        k = k + 1
        return wrk.format("PATCH", "/api/v1/entities/" .. codes[i], nil,
            string.format('{"legal_rep":"压测%d-%d"}', thread_id or 1, k))
    end
    return wrk.format()
end
