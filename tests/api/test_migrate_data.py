"""`jianguan migrate-data` (issue 10, item 5): a running city moves from SQLite to PostgreSQL —
every table's rows, the audit chain verifying on the copy, ids going on where they stopped, and
the same search answers on both engines. Runs in the PostgreSQL pass (tests/run-pg.sh)."""

import sqlite3
import subprocess
import time

import pytest

import dbkit
from conftest import BIN, PASSWORD, free_port, run_cli

pytestmark = pytest.mark.skipif(
    not dbkit.IS_PG, reason="needs a PostgreSQL cluster: runs in the PostgreSQL pass "
                            "(tests/run-pg.sh, make api-pg)")


def sqlite_tables(path):
    """The tables that hold data (no FTS5 table nor its own tables)."""
    with sqlite3.connect(path) as c:
        rows = c.execute(
            "SELECT name FROM sqlite_schema t WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
            " AND sql NOT LIKE 'CREATE VIRTUAL%' AND NOT EXISTS (SELECT 1 FROM sqlite_schema v"
            " WHERE v.sql LIKE 'CREATE VIRTUAL%' AND t.name LIKE v.name || '\\_%' ESCAPE '\\')"
        ).fetchall()
        counts = {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for (t,) in rows}
    c.close()
    return counts


def serve(db, *extra):
    port = free_port()
    proc = subprocess.Popen([BIN, "serve", "--db", db, "--listen", f"127.0.0.1:{port}",
                             "--web-root", "", "--access-log", "off", *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    import http.client
    for _ in range(100):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise AssertionError(proc.stderr.read().decode())


def call(port, method, path, token=None, body=None):
    import http.client
    import json
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    c.request(method, path, json.dumps(body) if body is not None else None, headers)
    r = c.getresponse()
    return r.status, json.loads(r.read() or b"null")


def stop(proc):
    proc.terminate()
    assert proc.wait(timeout=15) == 0


def test_a_city_moves_from_sqlite_to_postgresql(tmp_path):
    src = str(tmp_path / "city.db")
    r = run_cli("demo", "--db", src, "--scale", "small", "--seed", "3",
                "--credentials", str(tmp_path / "cred.txt"), timeout=120)
    assert r.returncode == 0, r.stderr
    r = run_cli("user", "add", "--db", src, "--username", "admin", "--role", "admin",
                input=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    proc, port = serve(src)  # a little life first: logins, a change, its audit rows
    status, body = call(port, "POST", "/api/v1/auth/login", body={"username": "admin",
                                                                   "password": PASSWORD})
    assert status == 200
    token = body["token"]
    status, page = call(port, "GET", "/api/v1/entities?q=%E5%95%86%E8%B4%B8&page_size=5", token)
    assert status == 200 and page["items"]
    uscc = page["items"][0]["uscc"]
    assert call(port, "PATCH", f"/api/v1/entities/{uscc}", token, {"legal_rep": "迁移前"})[0] == 200
    searches = {}
    for q in ("商贸有限", "商贸", "商", "9137"):
        from urllib.parse import quote
        status, res = call(port, "GET", f"/api/v1/entities?q={quote(q)}&page_size=50&sort=uscc",
                           token)
        assert status == 200
        searches[q] = (res["total"], [e["uscc"] for e in res["items"]])
    stop(proc)
    before = sqlite_tables(src)
    assert before["entities"] == 7100 and before["audit_log"] > 40

    dst = dbkit.new_db(tmp_path / "moved")
    try:
        t0 = time.monotonic()
        r = run_cli("migrate-data", "--from", src, "--to", dst, timeout=300)
        assert r.returncode == 0, r.stderr
        assert "已迁移" in r.stdout
        moved_in = time.monotonic() - t0
        after = {t: dbkit.query(dst, f"SELECT count(*) FROM {t}")[0][0] for t in before}
        assert after == before, (before, after)
        r = run_cli("verify", "audit", "--db", dst)
        assert r.returncode == 0 and f"intact: {before['audit_log']} rows" in r.stdout, r.stdout

        proc, port = serve(dst)
        try:
            status, body = call(port, "POST", "/api/v1/auth/login",
                                body={"username": "admin", "password": PASSWORD})
            assert status == 200, body  # the password hash came along
            token = body["token"]
            status, e = call(port, "GET", f"/api/v1/entities/{uscc}", token)
            assert status == 200 and e["legal_rep"] == "迁移前"
            for q, want in searches.items():
                from urllib.parse import quote
                status, res = call(port, "GET",
                                   f"/api/v1/entities?q={quote(q)}&page_size=50&sort=uscc", token)
                assert (res["total"], [x["uscc"] for x in res["items"]]) == want, q
            # Ids go on after the copied ones: a new user, a new audit row.
            status, u = call(port, "POST", "/api/v1/users", token,
                             {"username": "after_move", "display_name": "迁移后新用户",
                              "role": "bureau", "password": "Password-123"})
            assert status == 201, u
            biggest = dbkit.query(dst, "SELECT max(id) FROM users WHERE username <> 'after_move'")
            assert u["id"] > biggest[0][0]
            status, v = call(port, "GET", "/api/v1/audit/verify", token)
            assert status == 200 and v["intact"] is True, v
        finally:
            stop(proc)

        # A target that holds data is not written over.
        r = run_cli("migrate-data", "--from", src, "--to", dst, timeout=120)
        assert r.returncode == 1 and "目标数据库已有数据" in r.stderr, r.stderr
        print(f"migrate-data of the small city: {moved_in:.2f} s")
    finally:
        dbkit.drop(dst)
