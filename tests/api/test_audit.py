"""The audit chain: the API's list, refused requests leave no trace, `verify audit` catches
edited and deleted rows."""

import json
import os

import dbkit
from conftest import PASSWORD, assert_no_sanitizer_report, copy_db, run_cli


def verify(db, env=None):
    r = run_cli("verify", "audit", "--db", db, env=env)
    assert_no_sanitizer_report(r.stderr, "verify audit")
    return r


def audit_rows(s):
    return s.sql("SELECT id, actor, action, object FROM audit_log ORDER BY id")


def test_audit_chain(fresh_server):
    s = fresh_server
    admin_token = s.login("admin")
    r = s.req("POST", "/api/v1/users", {"username": "auditee", "password": "secret-pass-1",
                                        "role": "bureau", "region": "371503"},
              token=admin_token)
    assert r.status == 201
    new_id = r.body["id"]
    r = s.req("PUT", "/api/v1/calendar/2026-12-01", {"kind": "holiday", "name": "审计"},
              token=admin_token)
    assert r.status == 200

    # -- the list, newest first, with the actor's name ------------------------------------
    r = s.req("GET", "/api/v1/audit?page_size=200", token=admin_token)
    assert r.status == 200
    items = r.body["items"]
    assert r.body["total"] == s.scalar("SELECT count(*) FROM audit_log") == len(items)
    ids = [i["id"] for i in items]
    assert ids == sorted(ids, reverse=True)
    assert items[0]["action"] == "calendar.set"
    assert items[0]["object"] == "calendar:2026-12-01"
    assert items[0]["actor_name"] == "admin"
    assert items[0]["detail"] == {"kind": "holiday", "name": "审计"}
    assert items[0]["at"].endswith("+08:00")
    create = next(i for i in items if i["action"] == "user.create"
                  and i["object"] == f"user:{new_id}")
    assert create["actor_name"] == "admin" and create["actor"] == s.ids["admin"]
    assert create["detail"]["username"] == "auditee"
    assert create["detail"]["region"] == "371503"
    login = next(i for i in items if i["action"] == "auth.login")
    assert login["actor_name"] == "admin" and login["ip"] == "127.0.0.1"
    assert ids.index(login["id"]) > ids.index(create["id"])  # older, further down
    init = items[-1]
    assert init["action"] == "system.init" and init["actor_name"] is None and init["id"] == 1
    r = s.req("GET", f"/api/v1/audit?object=user:{new_id}", token=admin_token)
    assert [i["action"] for i in r.body["items"]] == ["user.create"]

    # Non-admins may not read it.
    assert s.req("GET", "/api/v1/audit", token=s.tokens["county"]).status == 403
    assert s.req("GET", "/api/v1/audit").status == 401

    # -- refused requests add nothing, failed logins add one auth.login_failed ------------
    before = audit_rows(s)
    users_before = s.scalar("SELECT count(*) FROM users")
    refused = [
        s.req("POST", "/api/v1/users", {"username": "x2", "password": "secret-pass-1",
                                        "role": "bureau"}, token=s.tokens["county"]),
        s.req("POST", "/api/v1/users", {"username": "auditee", "password": "secret-pass-1",
                                        "role": "bureau"}, token=admin_token),
        s.req("POST", "/api/v1/users", {"username": "x3", "password": "secret-pass-1",
                                        "role": "nope"}, token=admin_token),
        s.req("POST", "/api/v1/users", raw=b"{", token=admin_token,
              headers={"Content-Type": "application/json"}),
        s.req("PUT", "/api/v1/calendar/2026-12-02", {"kind": "holiday"}),
        s.req("PUT", "/api/v1/calendar/2026-12-02", {"kind": "bad"}, token=admin_token),
        s.req("DELETE", "/api/v1/calendar/2026-12-03", token=admin_token),
        s.req("POST", "/api/v1/auth/logout"),
    ]
    assert [r.status for r in refused] == [403, 409, 422, 400, 401, 422, 404, 401]
    assert audit_rows(s) == before
    assert s.scalar("SELECT count(*) FROM users") == users_before

    r = s.req("POST", "/api/v1/auth/login", {"username": "auditee", "password": "wrong-pass"})
    assert r.status == 401
    after = audit_rows(s)
    assert after[:-1] == before and len(after) == len(before) + 1
    # A failed login has no actor; the name tried is in the detail.
    assert after[-1][1:] == (None, "auth.login_failed", "auth")
    detail = s.scalar("SELECT detail FROM audit_log ORDER BY id DESC LIMIT 1")
    assert json.loads(detail) == {"username": "auditee", "known": True}
    assert new_id

    # -- the chain verifies while the server runs -----------------------------------------
    v = verify(s.db)
    assert v.returncode == 0, v.stdout + v.stderr
    assert "intact" in v.stdout
    nrows = s.scalar("SELECT count(*) FROM audit_log")
    assert f"{nrows} rows" in v.stdout

    s.stop()
    last = s.scalar("SELECT max(id) FROM audit_log")
    assert last == nrows and last >= 6

    def copy(name):
        return copy_db(s.db, os.path.join(s.tmp, name))

    def tamper(path, sql, params=()):
        with dbkit.connect(path) as conn:
            conn.execute(sql, params)

    # (a) an edited row is named.
    edited = create["id"]
    a = copy("edited.db")
    tamper(a, "UPDATE audit_log SET detail = ? WHERE id = ?",
           ('{"username":"someone-else"}', edited))
    v = verify(a)
    assert v.returncode == 1, v.stdout
    assert f"row {edited}:" in v.stdout and "intact" not in v.stdout

    # (a') so is an edited actor, with the detail left alone.
    a2 = copy("actor.db")
    tamper(a2, "UPDATE audit_log SET actor = ? WHERE id = ?", (s.ids["county"], edited))
    v = verify(a2)
    assert v.returncode == 1 and f"row {edited}:" in v.stdout

    # (b) a deleted middle row is named.
    middle = last // 2
    assert 1 < middle < last
    b = copy("middle.db")
    tamper(b, "DELETE FROM audit_log WHERE id = ?", (middle,))
    v = verify(b)
    assert v.returncode == 1, v.stdout
    assert f"row {middle}:" in v.stdout

    # (c) deleting the newest row is caught by the head.
    c = copy("last.db")
    tamper(c, "DELETE FROM audit_log WHERE id = ?", (last,))
    v = verify(c)
    assert v.returncode == 1, v.stdout
    assert f"row {last}:" in v.stdout

    # The untouched database still verifies.
    v = verify(s.db)
    assert v.returncode == 0 and "intact" in v.stdout


def _feed(h, data):
    h.update(len(data).to_bytes(8, "little"))
    h.update(data)


def _rechain_without_key(path):
    """What someone with write access to the file but not the key can do: edit a row and
    recompute every hash (and the head) with unkeyed BLAKE2b-256."""
    import hashlib
    conn = dbkit.connect(path)
    rows = conn.execute("SELECT id, at, coalesce(actor, 0), ip, action, object, detail"
                        " FROM audit_log ORDER BY id").fetchall()
    prev = bytes(32)
    for row in rows:
        row = list(row)
        if row[0] == 2:
            row[6] = '{"forged":true}'
        h = hashlib.blake2b(digest_size=32)
        _feed(h, prev)
        for v in row:
            _feed(h, str(v).encode())
        new = h.digest()
        conn.execute("UPDATE audit_log SET detail = ?, prev_hash = ?, hash = ? WHERE id = ?",
                     (row[6], prev, new, row[0]))
        prev = new
    conn.execute("UPDATE audit_head SET last_hash = ?", (prev,))
    conn.commit()
    conn.close()


def test_forged_chain_and_missing_key(tmp_path):
    db = dbkit.new_db(tmp_path / "f.db")
    # The key lives beside a database file; a server's database here has a key file of its
    # own in JIANGUAN_AUDIT_KEY (not the session's, which the test moves away).
    if dbkit.IS_PG:
        key = str(tmp_path / "f.audit-key")
        env = {"JIANGUAN_AUDIT_KEY": key}
    else:
        key, env = db + ".audit-key", None
    assert run_cli("init", "--db", db, env=env).returncode == 0
    assert os.path.exists(key)
    assert oct(os.stat(key).st_mode & 0o777) == "0o600"
    for name in ("u1", "u2"):
        r = run_cli("user", "add", "--db", db, "--username", name, "--role", "inspector",
                    input=PASSWORD + "\n", env=env)
        assert r.returncode == 0
    assert verify(db, env).returncode == 0

    # Recomputing the chain without the key does not pass.
    _rechain_without_key(db)
    v = verify(db, env)
    assert v.returncode == 1 and "row 1" in v.stdout, v.stdout

    # Without its key file the database cannot be verified (or written).
    os.rename(key, key + ".moved")
    v = verify(db, env)
    assert v.returncode == 1 and "审计密钥" in v.stderr
    assert not os.path.exists(key)
    # ... and JIANGUAN_AUDIT_KEY points at a key kept elsewhere.
    v = run_cli("verify", "audit", "--db", db, env={"JIANGUAN_AUDIT_KEY": key + ".moved"})
    assert v.returncode == 1 and "row 1" in v.stdout
