"""Session lifetime: expired sessions stop working and are swept when the user logs in again."""

from conftest import PASSWORD

LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"


def test_expired_session_is_refused_and_swept(fresh_server):
    s = fresh_server
    r = s.req("POST", LOGIN, {"username": "city", "password": PASSWORD})
    assert r.status == 200
    token = r.body["token"]
    assert s.req("GET", ME, token=token).status == 200
    uid = r.body["user"]["id"]
    before = s.scalar("SELECT count(*) FROM sessions WHERE user_id = ?", (uid,))

    # Age the session past its expiry: it no longer authenticates.
    s.sql("UPDATE sessions SET expires_at = 1 WHERE user_id = ? AND kind = 'session'", (uid,))
    r = s.req("GET", ME, token=token)
    assert r.status == 401 and r.error()["code"] == "unauthorized"

    # The next login removes the user's expired rows and adds one live session.
    r = s.req("POST", LOGIN, {"username": "city", "password": PASSWORD})
    assert r.status == 200
    expired = s.scalar("SELECT count(*) FROM sessions WHERE user_id = ? AND expires_at <= 1",
                       (uid,))
    assert expired == 0
    assert s.scalar("SELECT count(*) FROM sessions WHERE user_id = ?", (uid,)) == before
    assert s.req("GET", ME, token=r.body["token"]).status == 200
