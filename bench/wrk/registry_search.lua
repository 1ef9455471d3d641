-- wrk script: GET /api/v1/entities?q=<fragment>&page_size=20, cycling through the fragments in
-- $BENCH_FRAGMENT_FILE (one UTF-8 name fragment a line; percent-encoded here). Headers (the
-- bearer token) come from wrk -H. Used by bench/registry.sh for both search paths: fragments
-- of three or more characters go to the FTS5 trigram index, shorter ones to an instr() scan.
local paths, n, i = {}, 0, 0

local function urlencode(s)
    return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
    local file = os.getenv("BENCH_FRAGMENT_FILE") or error("BENCH_FRAGMENT_FILE not set")
    local f = assert(io.open(file, "r"))
    for line in f:lines() do
        if #line > 0 then
            n = n + 1
            paths[n] = "/api/v1/entities?q=" .. urlencode(line) .. "&page_size=20"
        end
    end
    f:close()
    if n == 0 then error(file .. ": no fragments") end
end

function request()
    i = i % n + 1
    return wrk.format("GET", paths[i])
end
