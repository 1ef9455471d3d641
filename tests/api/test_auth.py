"""Login, sessions, cookies and CSRF, API tokens, the login rate limit."""

import hashlib
import json
import socket
import time

import pytest

import dbkit
from conftest import PASSWORD, has_chinese

LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"
LOGOUT = "/api/v1/auth/logout"


def cookie_of(set_cookie):
    """Value of jg_session in a Set-Cookie header."""
    first = set_cookie.split(";")[0]
    name, _, value = first.partition("=")
    assert name.strip() == "jg_session", set_cookie
    return value


def test_login_ok(server):
    r = server.req("POST", LOGIN, {"username": "admin", "password": PASSWORD})
    assert r.status == 200, r.raw
    b = r.body
    assert set(b) == {"token", "csrf_token", "user"}
    assert len(b["token"]) == 43 and len(b["csrf_token"]) == 43
    assert b["token"] != b["csrf_token"]
    u = b["user"]
    assert u["username"] == "admin"
    assert u["role"] == "admin"
    assert u["region"] == "371500"
    assert u["region_name"] == "聊城市"
    assert u["id"] == server.ids["admin"]
    assert has_chinese(u["role_name"])
    assert "password_hash" not in u
    assert r.headers["Cache-Control"] == "no-store"

    cookies = r.headers.get_all("Set-Cookie")
    assert len(cookies) == 1
    parts = [p.strip() for p in cookies[0].split(";")]
    assert cookie_of(cookies[0]) == b["token"]
    assert "HttpOnly" in parts
    assert "SameSite=Strict" in parts
    assert "Path=/" in parts

    # The token works as a bearer token.
    me = server.req("GET", ME, token=b["token"])
    assert me.status == 200
    assert me.body["user"]["username"] == "admin"
    assert me.body["csrf_token"] == b["csrf_token"]

    # The database holds only a 32-byte BLAKE2b hash of the token, never the token itself.
    rows = server.sql("SELECT token_hash, user_id, kind, csrf, created_at, expires_at"
                      " FROM sessions")
    assert rows
    for row in rows:
        assert isinstance(row[0], bytes) and len(row[0]) == 32
        for v in row:
            assert b["token"] not in (v if isinstance(v, str) else repr(v))
            if isinstance(v, bytes):
                assert b["token"].encode() not in v
    assert server.scalar("SELECT count(*) FROM sessions WHERE length(token_hash) <> 32") == 0
    assert dbkit.all_blobs(server.db, "sessions", "token_hash")
    digest = hashlib.blake2b(b["token"].encode(), digest_size=32).digest()
    row = server.sql("SELECT kind, user_id, expires_at - created_at FROM sessions"
                     " WHERE token_hash = ?", (digest,))
    assert row == [("session", server.ids["admin"], 12 * 3600)]


def test_wrong_password_and_unknown_user_look_alike(server):
    r1 = server.req("POST", LOGIN, {"username": "city", "password": "wrong-password"})
    r2 = server.req("POST", LOGIN, {"username": "nobody-here", "password": "wrong-password"})
    for r in (r1, r2):
        assert r.status == 401
        assert r.error()["code"] == "bad_credentials"
        assert has_chinese(r.error()["message"])
        assert r.headers.get("Set-Cookie") is None
    assert r1.body == r2.body


def test_me_requires_credentials(server):
    r = server.req("GET", ME)
    assert r.status == 401
    assert r.error()["code"] == "unauthorized"
    for auth in ("Bearer garbage", "Bearer " + "A" * 43, "Bearer ", "Basic YWRtaW46eA=="):
        r = server.req("GET", ME, headers={"Authorization": auth})
        assert r.status == 401, auth
        assert r.error()["code"] == "unauthorized"
    r = server.req("GET", ME, headers={"Cookie": "jg_session=" + "B" * 43})
    assert r.status == 401


def test_api_token_from_cli(server):
    for name in ("admin", "county", "inspector"):
        r = server.req("GET", ME, token=server.tokens[name])
        assert r.status == 200
        assert r.body["user"]["username"] == name
        assert r.body["user"]["id"] == server.ids[name]
    county = server.req("GET", ME, token=server.tokens["county"]).body["user"]
    assert county["region"] == "371502" and county["region_name"] == "东昌府区"
    assert county["role"] == "bureau"
    digest = hashlib.blake2b(server.tokens["county"].encode(), digest_size=32).digest()
    kind, ttl = server.sql("SELECT kind, expires_at - created_at FROM sessions"
                           " WHERE token_hash = ?", (digest,))[0]
    assert kind == "api" and ttl > 365 * 86400


def test_cookie_session_and_csrf(server):
    r = server.req("POST", LOGIN, {"username": "admin", "password": PASSWORD})
    assert r.status == 200
    token, csrf = r.body["token"], r.body["csrf_token"]
    cookie = {"Cookie": "jg_session=" + cookie_of(r.headers["Set-Cookie"])}

    me = server.req("GET", ME, headers=cookie)
    assert me.status == 200
    assert me.body["user"]["username"] == "admin"
    assert me.body["csrf_token"] == csrf

    # A cookie-authenticated write without, or with a wrong, X-CSRF-Token is refused.
    r = server.req("POST", LOGOUT, headers=cookie)
    assert r.status == 403
    assert r.error()["code"] == "csrf_failed"
    r = server.req("POST", LOGOUT, headers={**cookie, "X-CSRF-Token": "x" * 43})
    assert r.status == 403 and r.error()["code"] == "csrf_failed"
    # ... and nothing happened: the session is still there.
    assert server.req("GET", ME, headers=cookie).status == 200

    r = server.req("POST", LOGOUT, headers={**cookie, "X-CSRF-Token": csrf})
    assert r.status == 204
    assert r.raw == b""
    cleared = r.headers["Set-Cookie"]
    assert cleared.startswith("jg_session=;") and "Max-Age=0" in cleared
    assert server.req("GET", ME, headers=cookie).status == 401
    assert server.req("GET", ME, token=token).status == 401
    digest = hashlib.blake2b(token.encode(), digest_size=32).digest()
    assert server.scalar("SELECT count(*) FROM sessions WHERE token_hash = ?", (digest,)) == 0


def test_bearer_logout_needs_no_csrf(server):
    r = server.req("POST", LOGIN, {"username": "county", "password": PASSWORD})
    assert r.status == 200
    token = r.body["token"]
    assert server.req("GET", ME, token=token).status == 200
    r = server.req("POST", LOGOUT, token=token)
    assert r.status == 204
    r = server.req("GET", ME, token=token)
    assert r.status == 401
    assert r.error()["code"] == "unauthorized"
    # Logging out one session leaves the user's API token alone.
    assert server.req("GET", ME, token=server.tokens["county"]).status == 200


def test_logout_without_credentials_401(server):
    r = server.req("POST", LOGOUT)
    assert r.status == 401


def test_rate_limit(fresh_server):
    s = fresh_server
    wrong = {"username": "county", "password": "not-the-password"}
    for i in range(5):
        r = s.req("POST", LOGIN, wrong)
        assert r.status == 401, (i, r.raw)
        assert r.error()["code"] == "bad_credentials"
    r = s.req("POST", LOGIN, wrong)
    assert r.status == 429
    assert r.error()["code"] == "too_many_attempts"
    assert has_chinese(r.error()["message"])
    assert r.headers["Retry-After"] == "900"
    # The right password does not help while locked.
    r = s.req("POST", LOGIN, {"username": "county", "password": PASSWORD})
    assert r.status == 429
    assert r.error()["code"] == "too_many_attempts"
    assert r.headers.get("Set-Cookie") is None
    assert s.scalar("SELECT count(*) FROM login_failures WHERE username = 'county'") == 5
    assert s.scalar("SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id"
                    " WHERE u.username = 'county' AND s.kind = 'session'") == 0
    # Locked-out attempts leave no audit rows beyond the five failures.
    assert s.scalar("SELECT count(*) FROM audit_log WHERE action = 'auth.login_failed'") == 5
    # Another user is not locked.
    r = s.req("POST", LOGIN, {"username": "inspector", "password": PASSWORD})
    assert r.status == 200
    assert r.body["user"]["role"] == "inspector"
    # API tokens of the locked user still work (the limit is on password logins).
    assert s.req("GET", ME, token=s.tokens["county"]).status == 200


def test_rate_limit_holds_under_concurrency(server_factory):
    s = server_factory("--threads", "8")
    body = json.dumps({"username": "county", "password": "not-the-password"}).encode()
    msg = (f"POST {LOGIN} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           f"Connection: close\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
    socks = []
    for _ in range(10):
        k = socket.create_connection(("127.0.0.1", s.port), timeout=60)
        k.sendall(msg)
        socks.append(k)
        time.sleep(0.005)
    statuses = []
    for k in socks:
        data = b""
        while True:
            d = k.recv(65536)
            if not d:
                break
            data += d
        k.close()
        statuses.append(int(data.split()[1]))
    assert set(statuses) <= {401, 429}
    checked = s.scalar("SELECT count(*) FROM login_failures WHERE username = 'county'")
    assert statuses.count(401) <= 5 and checked <= 5, (sorted(statuses), checked)


def test_login_with_stale_cookie(fresh_server):
    s = fresh_server
    r = s.req("POST", LOGIN, {"username": "city", "password": PASSWORD})
    assert r.status == 200
    cookie = {"Cookie": "jg_session=" + cookie_of(r.headers["Set-Cookie"])}
    # An administrator resets the password: sessions are revoked, the browser keeps its cookie.
    p = s.cli("user", "passwd", "--db", s.db, "--username", "city", input="password-2\n")
    assert p.returncode == 0, p.stderr
    assert s.req("GET", ME, headers=cookie).status == 401
    r = s.req("POST", LOGIN, {"username": "city", "password": "password-2"}, headers=cookie)
    assert r.status == 200, (r.status, r.body)


def test_login_with_live_cookie_needs_no_csrf(server):
    """A browser that still holds a valid session cookie can log in again (as another user)."""
    r = server.req("POST", LOGIN, {"username": "admin", "password": PASSWORD})
    cookie = {"Cookie": "jg_session=" + cookie_of(r.headers["Set-Cookie"])}
    r = server.req("POST", LOGIN, {"username": "county", "password": PASSWORD}, headers=cookie)
    assert r.status == 200, r.raw
    assert r.body["user"]["username"] == "county"


def test_login_rate_per_address(server_factory):
    """One address may try only --login-rate logins a minute, whatever the usernames."""
    s = server_factory("--login-rate", "3")
    for name in ("nobody1", "nobody2", "nobody3"):
        r = s.req("POST", LOGIN, {"username": name, "password": "wrong-password"})
        assert r.status == 401
    failures = s.scalar("SELECT count(*) FROM login_failures")
    audit = s.scalar("SELECT count(*) FROM audit_log")
    r = s.req("POST", LOGIN, {"username": "admin", "password": PASSWORD})
    assert r.status == 429 and r.error()["code"] == "too_many_requests"
    assert r.headers["Retry-After"] == "60"
    assert has_chinese(r.error()["message"])
    # Refused before any work: nothing recorded.
    assert s.scalar("SELECT count(*) FROM login_failures") == failures
    assert s.scalar("SELECT count(*) FROM audit_log") == audit


def _login_from(s, source_ip, username, password):
    """A login from a loopback address of our choosing (127.0.0.x); returns the status."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30,
                                      source_address=(source_ip, 0))
    try:
        conn.request("POST", LOGIN, body=json.dumps({"username": username, "password": password}),
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        return r.status
    finally:
        conn.close()


def test_login_locks_list_the_all_address_lock_first(fresh_server):
    """Fifty failures for one user over twelve addresses lock every address (ip null) and the
    two addresses that failed five times; the list puts the lock of every address first, on
    SQLite (which sorts NULL lowest) and PostgreSQL (highest) alike."""
    s = fresh_server
    for i in range(50):
        assert _login_from(s, f"127.0.1.{i % 12 + 1}", "city", "wrong-password-9") == 401
    r = s.req("GET", "/api/v1/login-locks", token=s.tokens["admin"])
    assert r.status == 200, r.raw[:300]
    assert [(i["username"], i["ip"], i["failures"]) for i in r.body["items"]] == [
        ("city", None, 50), ("city", "127.0.1.1", 5), ("city", "127.0.1.2", 5)]
