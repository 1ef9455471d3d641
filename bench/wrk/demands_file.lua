-- wrk script for bench/demands.sh: files demands, POST /api/v1/demands
--   {"uscc":<code>,"title":"压测诉求<thread>-<n>","body":"…","category":"funding"}
-- cycling through the codes in $BENCH_DEMAND_USCC (comma-separated: the enterprises the officer
-- serves); every title is new. The bearer token (an officer's) comes from wrk -H. Each 201 is a
-- demand, its `submit` event and its audit row, committed to disk in a group commit before the
-- answer. Answers are counted by summary.lua (2xx = ok), whose BENCH line demands.sh parses.
dofile(debug.getinfo(1, "S").source:sub(2):match("^(.-)[^/]*$") .. "summary.lua")
-- summary.lua's request() counts each request and asks make_request() for it.
local codes, n, i, k = {}, 0, 0, 0
local body = "我公司新上生产线，申请技术改造专项资金支持，恳请协调办理。（压测）"

function init(args)
    local list = os.getenv("BENCH_DEMAND_USCC") or error("BENCH_DEMAND_USCC not set")
    for code in list:gmatch("[^,%s]+") do n = n + 1; codes[n] = code end
    if n == 0 then error("BENCH_DEMAND_USCC: no codes") end
    i = (thread_id or 1) - 1
    wrk.headers["Content-Type"] = "application/json"
end

function make_request()
    i = i % n + 1
    k = k + 1
    return wrk.format("POST", "/api/v1/demands", nil, string.format(
        '{"uscc":"%s","title":"压测诉求%d-%d","body":"%s","category":"funding"}',
        codes[i], thread_id or 1, k, body))
end
