-- wrk script: durable writes, PATCH /api/v1/entities/{uscc} {"notes":"bench <thread>-<n>"},
-- cycling through the codes in $BENCH_USCC_FILE (one a line); each thread starts at its own
-- share of the list, so threads rarely write the same entity at once. The bearer token comes
-- from wrk -H. Answers are counted by summary.lua. Used by bench/writes.sh.
dofile(debug.getinfo(1, "S").source:sub(2):match("^(.-)[^/]*$") .. "summary.lua")
-- summary.lua's request() counts each request and asks make_request() for it.
local codes, n, i, k = {}, 0, 0, 0

function init(args)
    local file = os.getenv("BENCH_USCC_FILE") or error("BENCH_USCC_FILE not set")
    for line in assert(io.open(file, "r")):lines() do
        if #line > 0 then n = n + 1; codes[n] = line end
    end
    if n == 0 then error(file .. ": no codes") end
    i = math.floor(n * ((thread_id or 1) - 1) / 4) -- threads 1..4 start a quarter apart
    wrk.headers["Content-Type"] = "application/json"
end

function make_request()
    i = i % n + 1
    k = k + 1
    return wrk.format("PATCH", "/api/v1/entities/" .. codes[i], nil,
        string.format('{"notes":"bench %d-%d"}', thread_id or 1, k))
end
