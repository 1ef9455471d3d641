"""Bounded, deterministic robustness: random requests and raw garbage never get a 5xx, an
invalid answer or a dead server."""

import http.client
import json
import random
import string

from conftest import parse_raw_response, raw_exchange

SEED = 20260930
N_REQUESTS = 300

METHODS = ["GET", "GET", "GET", "GET", "GET", "POST", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS",
           "TRACE", "FOO", "get"]
PATHS = [
    "/healthz", "/metrics", "/api/v1/openapi.yaml", "/api/v1/auth/login", "/api/v1/auth/logout",
    "/api/v1/auth/me", "/api/v1/users", "/api/v1/regions", "/api/v1/chains",
    "/api/v1/departments", "/api/v1/calendar", "/api/v1/calendar/2026-11-23",
    "/api/v1/calendar/2026-02-30", "/api/v1/workdays/add", "/api/v1/audit", "/", "/index.html",
    "/assets/x.js", "/api/v1/entities/91371500MA3C0000X0",
]
SUFFIXES = [
    "", "", "", "/", "%00", "%00.json", "/..", "/../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
    "//", "%", "%zz", "%2", "/%ff%fe", "/二〇二六-十一", "%E4%BA%8C", "/{id}", "/?", "#frag",
    "/\u00e9\u00e8", ";jsessionid=1", "/." * 50,
]
QUERY_KEYS = ["page", "page_size", "year", "from", "days", "role", "region", "object", "action",
              "format", "q", ""]
QUERY_VALUES = ["1", "0", "-1", "200", "201", "abc", "", "99999999999999999999999", "2026",
                "2026-09-30", "2026-02-30", "%00", "%E4%B8%AD", "1e9", "csv", "xlsx", "admin",
                "371502", "' OR 1=1 --", "%", "+", "a" * 300]
ROUTES = [
    ("GET", "/healthz"), ("GET", "/metrics"), ("GET", "/api/v1/openapi.yaml"),
    ("POST", "/api/v1/auth/login"), ("GET", "/api/v1/auth/me"), ("GET", "/api/v1/users"),
    ("POST", "/api/v1/users"), ("GET", "/api/v1/regions"), ("GET", "/api/v1/chains"),
    ("GET", "/api/v1/departments"), ("GET", "/api/v1/calendar"),
    ("PUT", "/api/v1/calendar/2026-11-23"), ("DELETE", "/api/v1/calendar/2026-11-23"),
    ("GET", "/api/v1/workdays/add"), ("GET", "/api/v1/audit"),
]
CONTENT_TYPES = ["application/json", "application/json", "application/json; charset=utf-8",
                 "text/plain", "", "application/x-www-form-urlencoded",
                 "multipart/form-data; boundary=zz", "application/jsonx", "APPLICATION/JSON"]
TOKEN_CHARS = string.ascii_letters + string.digits + "-_"


def random_query(rng):
    if rng.random() < 0.5:
        return ""
    parts = []
    for _ in range(rng.randint(1, 6)):
        k = rng.choice(QUERY_KEYS)
        v = rng.choice(QUERY_VALUES)
        parts.append(f"{k}={v}" if rng.random() < 0.9 else k)
    return "?" + rng.choice(["&", "&&", ";"]).join(parts)


def random_path(rng):
    r = rng.random()
    if r < 0.05:
        return "/" + "a" * 8192
    if r < 0.08:
        return "/api/v1/" + "/".join(rng.choice(["x", "..", ".", "%2F", ""]) for _ in range(50))
    if r < 0.12:
        return "/" + "".join(chr(rng.randint(0x4e00, 0x9fff)) for _ in range(rng.randint(1, 40)))
    suffix = rng.choice(SUFFIXES) if rng.random() < 0.35 else ""
    return rng.choice(PATHS) + suffix + random_query(rng)


def nested(rng):
    depth = rng.choice([100, 2047, 2049, 10000])
    kind = rng.random()
    if kind < 0.4:
        return b"[" * depth
    if kind < 0.7:
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


def random_json_value(rng, depth=0):
    r = rng.random()
    if depth > 3 or r < 0.3:
        return rng.choice([None, True, False, 0, -1, 2 ** 62, 1.5, "", "x" * rng.randint(0, 200),
                           "中文", "\u00e9", "\ud7ff", "a\\b", "2026-11-23", "holiday",
                           "password-1", "admin"])
    if r < 0.6:
        return [random_json_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(["username", "password", "role", "region", "kind", "name", "x",
                        "department", "entity", "display_name"]): random_json_value(rng, depth + 1)
            for _ in range(rng.randint(0, 5))}


def random_body(rng):
    r = rng.random()
    if r < 0.25:
        return None
    if r < 0.4:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 3000)))
    if r < 0.55:
        full = json.dumps(random_json_value(rng), ensure_ascii=rng.random() < 0.5).encode()
        return full[:rng.randint(0, len(full))]
    if r < 0.65:
        return nested(rng)
    if r < 0.7:
        return rng.choice([b"1e99999", b'"\\ud800"', b'{"username":"\\u0000"}', b"nul",
                           b'{"a":1}garbage', b"\xef\xbb\xbf{}", b"{}" * 1000, b'""',
                           b'{"username":"admin","password":"password-1"}'])
    return json.dumps(random_json_value(rng), ensure_ascii=rng.random() < 0.5).encode()


def random_headers(rng, tokens):
    h = []
    r = rng.random()
    if r < 0.55:
        h.append(("Authorization", "Bearer " + rng.choice(tokens)))
    elif r < 0.62:
        h.append(("Authorization", "Bearer " + "".join(rng.choice(TOKEN_CHARS)
                                                       for _ in range(rng.choice([0, 5, 43, 44, 500])))))
    elif r < 0.65:
        h.append(("Authorization", rng.choice(["Basic YTpi", "bearer", "Bearer", "Token x", ""])))
    if rng.random() < 0.2:
        h.append(("Cookie", "jg_session=" + rng.choice(tokens + ["", "x", "=;=;", "a" * 43])))
    if rng.random() < 0.15:
        h.append(("X-CSRF-Token", "".join(rng.choice(TOKEN_CHARS) for _ in range(43))))
    for _ in range(rng.randint(0, 4)):
        name = "X-" + "".join(rng.choice(TOKEN_CHARS) for _ in range(rng.randint(1, 20)))
        value = "".join(rng.choice(string.printable[:94] + " ")
                        for _ in range(rng.randint(0, rng.choice([10, 200, 4000]))))
        h.append((name, value.strip()))
    if rng.random() < 0.1:
        h.append(("Accept-Encoding", "gzip, deflate"))
    return h


def build_request(rng, tokens):
    if rng.random() < 0.5:
        method, path = rng.choice(ROUTES)
        path += random_query(rng)
    else:
        method, path = rng.choice(METHODS), random_path(rng)
    body = random_body(rng)
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    headers = random_headers(rng, tokens)
    if body is not None:
        ctype = rng.choice(CONTENT_TYPES)
        if ctype:
            headers.append(("Content-Type", ctype))
        headers.append(("Content-Length", str(len(body))))
    rng.shuffle(headers)
    lines += [f"{k}: {v}" for k, v in headers]
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + (body or b"")
    return method, path, raw


def check_answer(got, how, method, what, garbage=False):
    if not got:
        assert how in ("eof", "reset"), f"{what}: no answer ({how})"
        return None
    status, headers, body = parse_raw_response(got)
    # 505 is libmicrohttpd's answer to an HTTP version it does not speak, not a failure.
    assert 100 <= status < 500 or (status == 505 and garbage), \
        f"{what}: status {status}\n{got[:600]!r}"
    # (libmicrohttpd 0.9.75 repeats its own 400 header block for some malformed requests,
    # so framing is checked on the well-formed ones only.)
    if method.upper() != "HEAD" and "content-length" in headers and not garbage:
        assert len(body) == int(headers["content-length"]), f"{what}: short body"
    if headers.get("content-type", "").startswith("application/json") and body and \
            method.upper() != "HEAD":
        doc = json.loads(body.decode("utf-8"))
        if status >= 400:
            assert isinstance(doc["error"]["code"], str) and doc["error"]["message"], what
    return status


def test_random_requests(fresh_server):
    s = fresh_server
    rng = random.Random(SEED)
    tokens = [s.tokens["admin"], s.tokens["county"], s.tokens["inspector"]]
    statuses = {}
    for i in range(N_REQUESTS):
        method, path, raw = build_request(rng, tokens)
        what = f"request {i}: {raw[:160]!r}"
        got, how = raw_exchange(s.port, raw, timeout=20)
        status = check_answer(got, how, method, what)
        statuses[status] = statuses.get(status, 0) + 1
        if i % 50 == 49:
            assert s.alive(), f"server died after {what}"
            assert s.req("GET", "/healthz").status == 200, what
    r = s.req("GET", "/healthz")
    assert r.status == 200 and r.body == {"status": "ok"}
    # The run exercised the handlers, not only the front door.
    print(sorted(statuses.items(), key=str))
    assert sum(v for k, v in statuses.items() if k in (200, 201, 204)) >= 20, statuses
    assert sum(v for k, v in statuses.items() if k in (400, 401, 404, 405, 415, 422)) >= 50
    # Still consistent: the audit chain verifies.
    v = s.cli("verify", "audit", "--db", s.db)
    assert v.returncode == 0, v.stdout + v.stderr


def test_nested_json_bodies(fresh_server):
    s = fresh_server
    for body in (b"[" * 10000, b"[" * 10000 + b"]" * 10000, b'{"a":' * 10000 + b"1" + b"}" * 10000):
        for path, token in (("/api/v1/auth/login", None),
                            ("/api/v1/users", s.tokens["admin"]),
                            ("/api/v1/calendar/2026-11-23", s.tokens["admin"])):
            method = "PUT" if "calendar" in path else "POST"
            r = s.req(method, path, raw=body, token=token,
                      headers={"Content-Type": "application/json"})
            assert r.status == 400, (path, r.status)
            assert r.error()["code"] == "malformed_json"
    assert s.req("GET", "/healthz").status == 200


def test_raw_garbage(fresh_server):
    s = fresh_server
    cases = [
        b"GARBAGE\r\n\r\n",
        b"\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"\x01\x02\x03\xff\xfe\r\n\r\n",
        b"G\x00ET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\nConnection: close\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\nConnection: close\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n"
        b"Connection: close\r\n\r\nab",
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/json\r\nConnection: close\r\n\r\nzz\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nBad Header Line\r\nConnection: close\r\n\r\n",
        b"GET /" + b"a" * 100 * 1024 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        + b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 1000) for i in range(100)) + b"\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: " + b"jg_session=x; " * 5000
        + b"\r\nConnection: close\r\n\r\n",
    ]
    for raw in cases:
        method = raw.split(b" ", 1)[0].decode("latin-1")
        got, how = raw_exchange(s.port, raw, timeout=20)
        check_answer(got, how, method, repr(raw[:80]), garbage=True)
        assert s.alive()
    # A chunked body is read like any other.
    body = b'{"username":"nobody","password":1}'
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    got, how = raw_exchange(s.port, b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
                            b"Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n"
                            b"Connection: close\r\n\r\n" + chunked)
    status, _, resp = parse_raw_response(got)
    assert status == 422 and json.loads(resp)["error"]["field"] == "password"
    assert s.req("GET", "/healthz").status == 200


def test_keep_alive_and_pipelining(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        for _ in range(3):
            conn.request("GET", "/healthz")
            r = conn.getresponse()
            assert r.status == 200 and json.loads(r.read()) == {"status": "ok"}
        conn.request("GET", "/nope")
        r = conn.getresponse()
        assert r.status == 404 and json.loads(r.read())["error"]["code"] == "not_found"
    finally:
        conn.close()
    two = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n" \
          b"Connection: close\r\n\r\n"
    got, how = raw_exchange(server.port, two)
    assert got.count(b"HTTP/1.1 200") == 2, got
