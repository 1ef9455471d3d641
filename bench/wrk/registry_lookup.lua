-- wrk script: GET /api/v1/entities/{uscc}, cycling through the codes in $BENCH_USCC_FILE
-- (one unified social credit code a line). Headers (the bearer token) come from wrk -H.
-- Used by bench/registry.sh.
local paths, n, i = {}, 0, 0

function init(args)
    local file = os.getenv("BENCH_USCC_FILE") or error("BENCH_USCC_FILE not set")
    local f = assert(io.open(file, "r"))
    for line in f:lines() do
        if #line > 0 then
            n = n + 1
            paths[n] = "/api/v1/entities/" .. line
        end
    end
    f:close()
    if n == 0 then error(file .. ": no codes") end
end

function request()
    i = i % n + 1
    return wrk.format("GET", paths[i])
end
