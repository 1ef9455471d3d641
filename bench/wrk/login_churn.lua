-- wrk script: password checks in a loop, POST /api/v1/auth/login as user
-- $BENCH_LOGIN_PREFIX<thread_id> (run one connection per thread: wrk -tN -cN, users 1..N).
-- Four wrong passwords, then the right one ($BENCH_LOGIN_PASSWORD): five failures in 15 minutes
-- lock a user out (a fast 429 that would check no password), and the right one clears the
-- count, so every request costs an argon2id check. Answers are counted by summary.lua
-- (expect 401 and 200, no 429). Used by bench/writes.sh.
dofile(debug.getinfo(1, "S").source:sub(2):match("^(.-)[^/]*$") .. "summary.lua")
-- summary.lua's request() counts each request and asks make_request() for it.
local user, good, bad, k = nil, nil, nil, 0

function init(args)
    local prefix = os.getenv("BENCH_LOGIN_PREFIX") or error("BENCH_LOGIN_PREFIX not set")
    local password = os.getenv("BENCH_LOGIN_PASSWORD") or error("BENCH_LOGIN_PASSWORD not set")
    user = prefix .. (thread_id or 1)
    good = string.format('{"username":"%s","password":"%s"}', user, password)
    bad = string.format('{"username":"%s","password":"%s-wrong"}', user, password)
    wrk.headers["Content-Type"] = "application/json"
end

function make_request()
    k = k + 1
    return wrk.format("POST", "/api/v1/auth/login", nil, k % 5 == 0 and good or bad)
end
