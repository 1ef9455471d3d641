-- wrk script: GET /api/v1/entities/{uscc} for a code picked at random (fixed seed per
-- thread) from $BENCH_USCC_FILE (one a line). The bearer token comes from wrk -H. Answers are
-- counted by summary.lua. Used by bench/writes.sh.
dofile(debug.getinfo(1, "S").source:sub(2):match("^(.-)[^/]*$") .. "summary.lua")
-- summary.lua's request() counts each request and asks make_request() for it.
local paths, n = {}, 0

function init(args)
    local file = os.getenv("BENCH_USCC_FILE") or error("BENCH_USCC_FILE not set")
    for line in assert(io.open(file, "r")):lines() do
        if #line > 0 then n = n + 1; paths[n] = "/api/v1/entities/" .. line end
    end
    if n == 0 then error(file .. ": no codes") end
    math.randomseed(7919 * (thread_id or 1))
end

function make_request()
    return wrk.format("GET", paths[math.random(n)])
end
