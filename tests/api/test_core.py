"""System routes and the error model: /healthz, /metrics, OpenAPI, 404/405/400/415/422/413."""

import re
import subprocess
import time

from conftest import BIN, has_chinese, parse_raw_response, raw_exchange

LOGIN = "/api/v1/auth/login"


def metric_value(text, name, **labels):
    """Sum of the samples of metric name whose labels include the given ones."""
    total = None
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        m = re.fullmatch(re.escape(name) + r"(\{(.*)\})? (\S+)", line)
        if not m:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            total = (total or 0) + float(m.group(3))
    return total


# -- system routes --------------------------------------------------------------------------

def test_healthz(server):
    r = server.req("GET", "/healthz")
    assert r.status == 200
    assert r.body == {"status": "ok"}
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_second_server_on_the_port_refused(server):
    """A second server on a port in use fails to start (no SO_REUSEPORT: it would share the
    first one's connections), and the first keeps answering."""
    r = subprocess.run([BIN, "serve", "--db", server.db, "--listen", f"127.0.0.1:{server.port}",
                        "--web-root", ""], capture_output=True, text=True, timeout=20)
    assert r.returncode != 0 and "cannot start HTTP server" in r.stderr, r.stderr[-500:]
    for _ in range(20):  # each on a new connection: none reaches a second listener
        assert server.req("GET", "/healthz").status == 200


def test_request_ids_differ(server):
    ids = [server.req("GET", "/healthz").headers.get("X-Request-Id") for _ in range(3)]
    assert all(ids), ids
    assert len(set(ids)) == 3, ids
    # Errors carry one too.
    assert server.req("GET", "/no/such/path").headers.get("X-Request-Id") not in (None, *ids)


def test_head_healthz_has_no_body(server):
    r = server.req("HEAD", "/healthz")
    assert r.status == 200
    assert r.raw == b""


def test_metrics_not_for_anonymous_clients(server, server_factory):
    """On the public address /metrics is for administrators; --metrics-listen serves it to
    Prometheus on an address of its own, which serves nothing else."""
    assert server.req("GET", "/metrics").status == 401
    assert server.req("GET", "/metrics", token=server.tokens["city"]).status == 403
    from conftest import free_port
    port = free_port()
    s = server_factory("--metrics-listen", f"127.0.0.1:{port}")
    conn = __import__("http.client").client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/metrics")
        r = conn.getresponse()
        body = r.read().decode()
        assert r.status == 200 and "jianguan_requests_total" in body and "jianguan_pool_threads" in body
        conn.request("GET", "/api/v1/users")
        r = conn.getresponse()
        assert r.status == 404 and b"not_found" in r.read()
    finally:
        conn.close()
    assert s.req("GET", "/healthz").status == 200


def test_metrics(server):
    def scrape():
        r = server.req("GET", "/metrics", token=server.tokens["admin"])
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/plain")
        return r.body

    before = metric_value(scrape(), "jianguan_requests_total", route="/healthz", status="200") or 0
    for _ in range(3):
        assert server.req("GET", "/healthz").status == 200
    # The counter is bumped when the connection's request completes, which may be a moment
    # after the client has the answer.
    deadline = time.monotonic() + 5
    while True:
        text = scrape()
        after = metric_value(text, "jianguan_requests_total", route="/healthz", status="200")
        if after is not None and after >= before + 3 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert after >= before + 3, (before, after)
    assert re.search(r'^jianguan_requests_total\{method="GET",route="/healthz",status="200"\} \d+$',
                     text, re.M), text
    assert "# TYPE jianguan_requests_total counter" in text
    assert "# TYPE jianguan_request_duration_seconds histogram" in text
    assert re.search(r'^jianguan_request_duration_seconds_bucket\{le="\+Inf"\} \d+$', text, re.M)
    inf = metric_value(text, "jianguan_request_duration_seconds_bucket", le="+Inf")
    count = metric_value(text, "jianguan_request_duration_seconds_count")
    assert inf == count and count >= after
    # Buckets are cumulative.
    buckets = [float(v) for v in re.findall(
        r'^jianguan_request_duration_seconds_bucket\{le="[^"]+"\} (\d+)$', text, re.M)]
    assert buckets == sorted(buckets) and len(buckets) >= 2
    conns = metric_value(text, "jianguan_open_connections")
    assert conns is not None and conns >= 1  # the scrape's own connection
    size = metric_value(text, "jianguan_database_bytes")
    assert size is not None and size >= 4096
    # A 404 is counted as unmatched.
    server.req("GET", "/metrics-nope")
    time.sleep(0.1)
    text = scrape()
    assert (metric_value(text, "jianguan_requests_total", route="unmatched", status="404") or 0) >= 1


def test_openapi(server):
    r = server.req("GET", "/api/v1/openapi.yaml")
    assert r.status == 200
    assert "yaml" in r.headers["Content-Type"]
    assert r.body.startswith("openapi:")
    assert re.search(r"^paths:", r.body, re.M)


# -- the error model ------------------------------------------------------------------------

def test_unknown_path_404(server):
    for path in ("/nope", "/api/v1/nope", "/api/v1/users/", "/healthz/"):
        r = server.req("GET", path)
        assert r.status == 404, path
        assert r.headers["Content-Type"].startswith("application/json")
        err = r.error()
        assert err["code"] == "not_found"
        assert has_chinese(err["message"]), err
        assert set(r.body) == {"error"}


def test_wrong_method_405(server):
    r = server.req("DELETE", "/healthz")
    assert r.status == 405
    assert r.headers["Allow"] == "GET"
    assert r.error()["code"] == "method_not_allowed"
    assert has_chinese(r.error()["message"])
    r = server.req("GET", LOGIN)
    assert r.status == 405
    assert r.headers["Allow"] == "POST"
    r = server.req("POST", "/api/v1/calendar/2026-01-01", {"kind": "holiday"})
    assert r.status == 405
    assert sorted(a.strip() for a in r.headers["Allow"].split(",")) == ["DELETE", "PUT"]


def test_malformed_json_400(server):
    r = server.req("POST", LOGIN, raw=b'{"username": "admin", "password": ',
                   headers={"Content-Type": "application/json"})
    assert r.status == 400
    assert r.error()["code"] == "malformed_json"
    assert has_chinese(r.error()["message"])


def test_json_array_body_400(server):
    r = server.req("POST", LOGIN, body=["admin", "password-1"])
    assert r.status == 400
    assert r.error()["code"] == "malformed_json"


def test_empty_body_400(server):
    r = server.req("POST", LOGIN, raw=b"", headers={"Content-Type": "application/json"})
    assert r.status == 400
    assert r.error()["code"] == "malformed_json"


def test_duplicate_keys_400(server):
    r = server.req("POST", LOGIN, raw=b'{"username":"a","username":"b","password":"x"}',
                   headers={"Content-Type": "application/json"})
    assert r.status == 400
    assert r.error()["code"] == "malformed_json"


def test_wrong_type_422(server):
    r = server.req("POST", LOGIN, {"username": 1, "password": "x"})
    assert r.status == 422
    err = r.error()
    assert err["code"] == "validation_failed"
    assert err["field"] == "username"
    assert has_chinese(err["message"])


def test_missing_field_422(server):
    r = server.req("POST", LOGIN, {"username": "admin"})
    assert r.status == 422
    assert r.error()["field"] == "password"
    r = server.req("POST", LOGIN, {"username": None, "password": "x"})
    assert r.status == 422
    assert r.error()["field"] == "username"


def test_embedded_nul_refused(server):
    # jansson refuses \u0000 unless asked to allow it: the body is malformed.
    r = server.req("POST", LOGIN, {"username": "admin\u0000x", "password": "password-1"})
    assert r.status == 400
    assert r.error()["code"] == "malformed_json"


def test_too_long_string_422(server):
    r = server.req("POST", LOGIN, {"username": "a" * 65, "password": "password-1"})
    assert r.status == 422
    assert r.error()["field"] == "username"


def test_wrong_content_type_415(server):
    r = server.req("POST", LOGIN, raw=b'{"username":"admin","password":"password-1"}',
                   headers={"Content-Type": "text/plain"})
    assert r.status == 415
    assert r.error()["code"] == "unsupported_media_type"
    r = server.req("POST", LOGIN, raw=b'{"username":"admin","password":"password-1"}')
    assert r.status == 415  # no Content-Type at all


def test_json_with_charset_accepted(server):
    r = server.req("POST", LOGIN, raw=b'{"username":"admin","password":1}',
                   headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status == 422 and r.error()["field"] == "password"


def test_two_mib_body_413(server):
    body = b'{"username":"admin","password":"' + b"x" * (2 << 20) + b'"}'
    r = server.req("POST", LOGIN, raw=body, headers={"Content-Type": "application/json"})
    assert r.status == 413
    assert r.error()["code"] == "too_large"
    assert has_chinese(r.error()["message"])
    assert server.req("GET", "/healthz").status == 200


def test_huge_declared_length_413_or_close(server):
    head = (f"POST {LOGIN} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {20 << 20}\r\n\r\n").encode()
    got, how = raw_exchange(server.port, head + b"{" * 65536, timeout=15)
    assert how != "timeout", "the server neither answered nor closed"
    if got:
        status, headers, body = parse_raw_response(got)
        assert status == 413, got[:300]
    assert server.req("GET", "/healthz").status == 200


def test_still_healthy_after_errors(server):
    r = server.req("GET", "/healthz")
    assert r.status == 200 and r.body == {"status": "ok"}
    assert server.alive()
