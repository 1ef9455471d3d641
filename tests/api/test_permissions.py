"""User administration: roles, validation, nothing-changes-on-refusal, pagination."""

import pytest

from conftest import PASSWORD, has_chinese

USERS = "/api/v1/users"


def counts(s):
    return (s.scalar("SELECT count(*) FROM users"), s.scalar("SELECT count(*) FROM audit_log"),
            s.scalar("SELECT count(*) FROM sessions"))


def test_list_users_admin(server):
    r = server.req("GET", USERS, token=server.tokens["admin"])
    assert r.status == 200
    b = r.body
    assert set(b) == {"items", "total", "page", "page_size"}
    assert b["page"] == 1 and b["page_size"] == 20
    assert b["total"] == server.scalar("SELECT count(*) FROM users")
    names = [u["username"] for u in b["items"]]
    for name in ("admin", "county", "city", "inspector"):
        assert name in names
    ids = [u["id"] for u in b["items"]]
    assert ids == sorted(ids)
    county = next(u for u in b["items"] if u["username"] == "county")
    assert county["region"] == "371502" and county["region_name"] == "东昌府区"
    assert county["role"] == "bureau" and county["disabled"] is False
    assert county["role_name"] == "市场监管人员"
    for u in b["items"]:
        assert "password_hash" not in u


def test_list_users_filters_and_pages(server):
    t = server.tokens["admin"]
    r = server.req("GET", USERS + "?role=bureau", token=t)
    assert r.status == 200
    assert {u["role"] for u in r.body["items"]} == {"bureau"}
    assert r.body["total"] == server.scalar("SELECT count(*) FROM users WHERE role = 'bureau'")
    r = server.req("GET", USERS + "?region=371502", token=t)
    assert [u["username"] for u in r.body["items"]] == ["county"] and r.body["total"] == 1
    r = server.req("GET", USERS + "?page=2&page_size=2", token=t)
    assert r.status == 200
    assert r.body["page"] == 2 and r.body["page_size"] == 2
    expect = [row[0] for row in server.sql("SELECT id FROM users ORDER BY id LIMIT 2 OFFSET 2")]
    assert [u["id"] for u in r.body["items"]] == expect
    r = server.req("GET", USERS + "?page=999", token=t)
    assert r.status == 200 and r.body["items"] == [] and r.body["total"] >= 4


@pytest.mark.parametrize("query,field", [
    ("page_size=0", "page_size"),
    ("page_size=201", "page_size"),
    ("page_size=-1", "page_size"),
    ("page=abc", "page"),
    ("page=0", "page"),
    ("page=1.5", "page"),
    ("page=99999999999999999999999", "page"),
])
def test_pagination_validation(server, query, field):
    r = server.req("GET", USERS + "?" + query, token=server.tokens["admin"])
    assert r.status == 422
    assert r.error()["code"] == "validation_failed"
    assert r.error()["field"] == field
    assert has_chinese(r.error()["message"])


def test_page_size_200_allowed(server):
    r = server.req("GET", USERS + "?page_size=200", token=server.tokens["admin"])
    assert r.status == 200 and r.body["page_size"] == 200


def test_list_users_forbidden_and_unauthorized(server):
    for name in ("county", "city", "inspector"):
        r = server.req("GET", USERS, token=server.tokens[name])
        assert r.status == 403, name
        assert r.error()["code"] == "forbidden"
        assert has_chinese(r.error()["message"])
    r = server.req("GET", USERS)
    assert r.status == 401
    assert r.error()["code"] == "unauthorized"


def test_create_user(server):
    before = counts(server)
    r = server.req("POST", USERS, {"username": "newbie", "password": "secret-pass-1",
                                   "role": "inspector", "region": "371502",
                                   "display_name": "张三"}, token=server.tokens["admin"])
    assert r.status == 201, r.raw
    u = r.body
    assert u["username"] == "newbie" and u["role"] == "inspector"
    assert u["region"] == "371502" and u["region_name"] == "东昌府区"
    assert u["display_name"] == "张三"
    assert u["department"] is None and u["entity"] is None
    assert has_chinese(u["role_name"])
    assert "password_hash" not in u and "password" not in u
    row = server.sql("SELECT username, role, region, password_hash FROM users WHERE id = ?",
                     (u["id"],))
    assert row and row[0][:3] == ("newbie", "inspector", "371502")
    assert row[0][3].startswith("$argon2id$") and "secret-pass-1" not in row[0][3]
    after = counts(server)
    assert after[0] == before[0] + 1
    audit = server.sql("SELECT action, object, actor, detail FROM audit_log"
                       " ORDER BY id DESC LIMIT 1")[0]
    assert audit[:3] == ("user.create", f"user:{u['id']}", server.ids["admin"])
    assert "secret-pass-1" not in audit[3] and '"username":"newbie"' in audit[3]

    r = server.req("POST", "/api/v1/auth/login", {"username": "newbie",
                                                  "password": "secret-pass-1"})
    assert r.status == 200
    assert r.body["user"]["id"] == u["id"]
    # Defaults: region is the city, display name the username.
    r = server.req("POST", USERS, {"username": "newbie2", "password": "secret-pass-2",
                                   "role": "bureau"}, token=server.tokens["admin"])
    assert r.status == 201
    assert r.body["region"] == "371500" and r.body["display_name"] == "newbie2"


@pytest.mark.parametrize("body,status,code,field", [
    ({"username": "admin", "password": "secret-pass-1", "role": "bureau"},
     409, "username_taken", "username"),
    ({"username": "okname", "password": "secret-pass-1", "role": "emperor"},
     422, "validation_failed", "role"),
    ({"username": "okname", "password": "secret-pass-1", "role": "bureau", "region": "999999"},
     422, "validation_failed", "region"),
    ({"username": "okname", "password": "short", "role": "bureau"},
     422, "validation_failed", "password"),
    ({"username": "Bad Name", "password": "secret-pass-1", "role": "bureau"},
     422, "validation_failed", "username"),
    ({"username": "x", "password": "secret-pass-1", "role": "bureau"},
     422, "validation_failed", "username"),
    ({"username": "okname", "password": "secret-pass-1", "role": "bureau", "department": 999},
     422, "validation_failed", "department"),
    ({"username": "okname", "password": "secret-pass-1", "role": "enterprise"},
     422, "validation_failed", "entity"),
    ({"username": "okname", "password": "secret-pass-1", "role": "bureau", "display_name": ""},
     422, "validation_failed", "display_name"),
    ({"username": "okname", "password": "secret-pass-1"},
     422, "validation_failed", "role"),
    ({"username": "okname", "password": 12345678, "role": "bureau"},
     422, "validation_failed", "password"),
])
def test_create_user_refused_changes_nothing(server, body, status, code, field):
    before = counts(server)
    r = server.req("POST", USERS, body, token=server.tokens["admin"])
    assert r.status == status, r.raw
    err = r.error()
    assert err["code"] == code
    assert err["field"] == field
    assert has_chinese(err["message"])
    assert counts(server) == before
    assert server.scalar("SELECT count(*) FROM users WHERE username = 'okname'") == 0


def test_create_user_non_admin_forbidden(server):
    before = counts(server)
    body = {"username": "sneaky", "password": "secret-pass-1", "role": "admin"}
    for name in ("county", "city", "inspector"):
        r = server.req("POST", USERS, body, token=server.tokens[name])
        assert r.status == 403
        assert r.error()["code"] == "forbidden"
    r = server.req("POST", USERS, body)
    assert r.status == 401
    assert counts(server) == before
    assert server.scalar("SELECT count(*) FROM users WHERE username = 'sneaky'") == 0
