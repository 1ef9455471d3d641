"""User administration beyond create and list: read, edit, disable and re-enable, password
reset by an administrator and change by oneself, revocation, the list of live sessions, the
login log, and the audit filters with their action labels.

Every success is checked in the database (users, sessions, audit rows) and by its effect on
logging in and on old tokens; every refusal is checked to have changed nothing.
"""

import datetime
import hashlib
import itertools
import json
import time
from urllib.parse import urlencode

import pytest

from conftest import assert_refused as assert_error, valid_uscc
from conftest import PASSWORD, has_chinese, serving
from conftest import attachment_name, export_name

USERS = "/api/v1/users"
LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"
OWN_PASSWORD = "/api/v1/auth/password"
LOGIN_LOG = "/api/v1/login-log"
AUDIT = "/api/v1/audit"

USER_KEYS = {"id", "username", "display_name", "role", "role_name", "region", "region_name",
             "department", "department_name", "entity", "entity_name", "disabled", "created_at"}
OTHER_PASSWORD = "another-pass-2"

_serial = itertools.count(1)


@pytest.fixture(scope="module")
def srv(template):
    """A server of this module's own: its tests create their own users, so they can share it."""
    with serving(template) as s:
        yield s


# -- helpers ------------------------------------------------------------------------------------

def admin(s):
    return s.tokens["admin"]


def new_user(s, role="bureau", password=PASSWORD, **fields):
    """Creates a user through the API; returns its JSON."""
    body = {"username": f"ua{next(_serial)}-{role[:4]}", "password": password, "role": role}
    body.update(fields)
    r = s.req("POST", USERS, body, token=admin(s))
    assert r.status == 201, (r.status, r.raw[:300])
    return r.body


def api_token(s, username):
    """A long-lived API token from the CLI, as operators issue them."""
    r = s.cli("user", "token", "--db", s.db, "--username", username)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def login_raw(s, username, password=PASSWORD):
    return s.req("POST", LOGIN, {"username": username, "password": password})


def sessions_of(s, uid):
    return s.scalar("SELECT count(*) FROM sessions WHERE user_id = ?", (uid,))


def token_row_exists(s, token):
    digest = hashlib.blake2b(token.encode(), digest_size=32).digest()
    return s.scalar("SELECT count(*) FROM sessions WHERE token_hash = ?", (digest,)) == 1


def user_row(s, uid):
    return s.sql("SELECT username, display_name, role, region, department, entity, password_hash,"
                 " disabled FROM users WHERE id = ?", (uid,))[0]


def db_write(s, query, params=()):
    """Changes the database behind the server's back (committed)."""
    s.sql(query, params)


def audit_count(s):
    return s.scalar("SELECT count(*) FROM audit_log")


def last_audit(s):
    row = s.sql("SELECT actor, action, object, detail, ip FROM audit_log ORDER BY id DESC LIMIT 1")
    actor, action, obj, detail, ip = row[0]
    return {"actor": actor, "action": action, "object": obj, "detail": json.loads(detail),
            "ip": ip}


def state(s):
    """What a refused request must leave alone."""
    return (s.sql("SELECT * FROM users ORDER BY id"),
            s.sql("SELECT token_hash FROM sessions ORDER BY token_hash"),
            audit_count(s))


def cookie_login(s, username, password=PASSWORD):
    """Logs in; returns (bearer token, cookie header dict, csrf token)."""
    r = login_raw(s, username, password)
    assert r.status == 200, r.raw[:300]
    cookie = r.headers["Set-Cookie"].split(";")[0]
    return r.body["token"], {"Cookie": cookie}, r.body["csrf_token"]






# -- GET /users/{id} ----------------------------------------------------------------------------

def test_get_user(srv):
    u = new_user(srv, "inspector", display_name="赵六", region="371502", department=2)
    r = srv.req("GET", f"{USERS}/{u['id']}", token=admin(srv))
    assert r.status == 200, r.raw
    b = r.body
    assert set(b) == USER_KEYS
    assert b == u
    assert b["display_name"] == "赵六" and b["role"] == "inspector" and b["role_name"] == "执法人员"
    assert b["region"] == "371502" and b["region_name"] == "东昌府区"
    assert b["department"] == 2 and b["department_name"] == "市自然资源和规划局"
    assert b["entity"] is None and b["disabled"] is False
    # created_at is RFC 3339 in China Standard Time and agrees with the stored second.
    at = datetime.datetime.fromisoformat(b["created_at"])
    assert b["created_at"].endswith("+08:00")
    stored = srv.scalar("SELECT created_at FROM users WHERE id = ?", (u["id"],))
    assert int(at.timestamp()) == stored
    for secret in ("password", "password_hash"):
        assert secret not in b


UNKNOWN_IDS = ["999999", "0", "-1", "abc", "1x", "1.0", "%20", "99999999999999999999"]
ID_ROUTES = [
    ("GET", ""), ("PATCH", ""), ("POST", "/disable"), ("POST", "/enable"), ("POST", "/password"),
    ("POST", "/revoke"), ("GET", "/sessions"),
]
ID_BODIES = {("PATCH", ""): {"display_name": "无人"}, ("POST", "/password"): {"password": "whatever-pass"}}


@pytest.mark.parametrize("method,suffix", ID_ROUTES, ids=lambda v: v if isinstance(v, str) else "")
@pytest.mark.parametrize("uid", UNKNOWN_IDS)
def test_unknown_or_non_numeric_id_404(srv, method, suffix, uid):
    before = state(srv)
    r = srv.req(method, f"{USERS}/{uid}{suffix}", ID_BODIES.get((method, suffix)),
                token=admin(srv))
    assert_error(r, 404, code="not_found")
    assert state(srv) == before


@pytest.mark.parametrize("method,suffix", ID_ROUTES, ids=lambda v: v if isinstance(v, str) else "")
def test_user_routes_refuse_other_roles_and_anonymous(srv, method, suffix):
    victim = new_user(srv)
    token = api_token(srv, victim["username"])
    before = state(srv)
    path = f"{USERS}/{victim['id']}{suffix}"
    body = ID_BODIES.get((method, suffix))
    for who in ("county", "city", "inspector"):
        assert_error(srv.req(method, path, body, token=srv.tokens[who]), 403, code="forbidden")
    # A user may not administer even their own account through these routes.
    assert_error(srv.req(method, path, body, token=token), 403, code="forbidden")
    assert_error(srv.req(method, path, body), 401, code="unauthorized")
    assert_error(srv.req(method, path, body, token="x" * 43), 401, code="unauthorized")
    assert state(srv) == before
    assert srv.req("GET", ME, token=token).status == 200


def test_list_users_refused_for_other_roles(srv):
    for who in ("county", "city", "inspector"):
        assert_error(srv.req("GET", USERS, token=srv.tokens[who]), 403, code="forbidden")
    assert_error(srv.req("GET", USERS), 401, code="unauthorized")


def test_unsupported_methods_405(srv):
    u = new_user(srv)
    for method, path in (("DELETE", f"{USERS}/{u['id']}"), ("PUT", f"{USERS}/{u['id']}"),
                         ("GET", f"{USERS}/{u['id']}/disable"),
                         ("DELETE", f"{USERS}/{u['id']}/sessions"), ("GET", OWN_PASSWORD)):
        r = srv.req(method, path, token=admin(srv))
        assert r.status == 405, (method, path, r.status)
        assert r.error()["code"] == "method_not_allowed"
        assert r.headers.get("Allow"), (method, path)


# -- PATCH /users/{id} --------------------------------------------------------------------------

def test_patch_changes_given_fields_and_audits_the_diff(srv):
    u = new_user(srv, "bureau", display_name="钱七", region="371502")
    n = audit_count(srv)
    r = srv.req("PATCH", f"{USERS}/{u['id']}",
                {"display_name": "钱七七", "role": "inspector", "region": "371503",
                 "department": 3}, token=admin(srv))
    assert r.status == 200, r.raw
    b = r.body
    assert set(b) == USER_KEYS
    assert (b["display_name"], b["role"], b["role_name"]) == ("钱七七", "inspector", "执法人员")
    assert (b["region"], b["department"], b["department_name"]) == ("371503", 3, "市发展和改革委员会")
    assert b["username"] == u["username"] and b["created_at"] == u["created_at"]
    row = user_row(srv, u["id"])
    assert row[:6] == (u["username"], "钱七七", "inspector", "371503", 3, None)
    assert srv.req("GET", f"{USERS}/{u['id']}", token=admin(srv)).body == b
    assert audit_count(srv) == n + 1
    a = last_audit(srv)
    assert a["action"] == "user.update" and a["object"] == f"user:{u['id']}"
    assert a["actor"] == srv.ids["admin"]
    assert a["detail"] == {
        "display_name": {"from": "钱七", "to": "钱七七"},
        "role": {"from": "bureau", "to": "inspector"},
        "region": {"from": "371502", "to": "371503"},
        "department": {"from": None, "to": 3},
    }
    # Only the fields present change; an unchanged value is not in the diff.
    r = srv.req("PATCH", f"{USERS}/{u['id']}", {"display_name": "钱七七", "department": None},
                token=admin(srv))
    assert r.status == 200
    assert r.body["department"] is None and r.body["department_name"] is None
    assert r.body["role"] == "inspector" and r.body["region"] == "371503"
    assert last_audit(srv)["detail"] == {"department": {"from": 3, "to": None}}


def test_patch_role_takes_effect_on_live_tokens(srv):
    u = new_user(srv, "inspector")
    token = api_token(srv, u["username"])
    assert srv.req("GET", "/api/v1/entities", token=token).status == 200
    r = srv.req("PATCH", f"{USERS}/{u['id']}", {"role": "department"}, token=admin(srv))
    assert r.status == 200
    me = srv.req("GET", ME, token=token)
    assert me.status == 200 and me.body["user"]["role"] == "department"


def test_patch_entity_binding(srv):
    code = valid_uscc("UA000001")
    r = srv.req("POST", "/api/v1/entities", {"uscc": code, "name": "测试绑定企业有限公司",
                                             "kind": "enterprise", "region": "371502"},
                token=admin(srv))
    assert r.status == 201, r.raw
    u = new_user(srv, "bureau")
    before = state(srv)
    # An owner role needs an entity, and the entity must exist.
    assert_error(srv.req("PATCH", f"{USERS}/{u['id']}", {"role": "enterprise"}, token=admin(srv)),
                 422, code="validation_failed", field="entity")
    assert_error(srv.req("PATCH", f"{USERS}/{u['id']}",
                         {"role": "station", "entity": "91371502MA3C0002X9"}, token=admin(srv)),
                 422, code="validation_failed", field="entity")
    assert state(srv) == before
    r = srv.req("PATCH", f"{USERS}/{u['id']}", {"role": "enterprise", "entity": code},
                token=admin(srv))
    assert r.status == 200, r.raw
    assert r.body["role"] == "enterprise" and r.body["entity"] == code
    # ... and cannot then drop it.
    before = state(srv)
    assert_error(srv.req("PATCH", f"{USERS}/{u['id']}", {"entity": None}, token=admin(srv)),
                 422, field="entity")
    assert state(srv) == before
    r = srv.req("PATCH", f"{USERS}/{u['id']}", {"role": "bureau", "entity": None},
                token=admin(srv))
    assert r.status == 200 and r.body["entity"] is None


@pytest.mark.parametrize("body,field,needle", [
    ({"username": "renamed"}, "username", "不可修改"),
    ({"password": "brand-new-pass"}, "password", "不可修改"),
    ({"display_name": "新名字", "username": "renamed"}, "username", "不可修改"),
    ({"role": "nope"}, "role", None),
    ({"role": 5}, "role", None),
    ({"role": None}, "role", None),
    ({"region": "999999"}, "region", None),
    ({"region": 371502}, "region", None),
    ({"region": "3" * 17}, "region", None),
    ({"department": 999}, "department", None),
    ({"department": 0}, "department", None),
    ({"department": "3"}, "department", None),
    ({"department": 1.5}, "department", None),
    ({"display_name": ""}, "display_name", None),
    ({"display_name": "名" * 65}, "display_name", None),
    ({"display_name": None}, "display_name", None),
    ({"display_name": ["x"]}, "display_name", None),
    ({"entity": "X" * 19}, "entity", None),
], ids=lambda v: json.dumps(v, ensure_ascii=False)[:40] if isinstance(v, dict) else str(v))
def test_patch_refused_changes_nothing(srv, body, field, needle):
    u = new_user(srv, "bureau", region="371502")
    before = state(srv)
    r = srv.req("PATCH", f"{USERS}/{u['id']}", body, token=admin(srv))
    err = assert_error(r, 422, code="validation_failed", field=field)
    if needle:
        assert needle in err["message"], err
    assert state(srv) == before


def test_patch_own_role_409_but_own_name_ok(srv):
    me = srv.ids["admin"]
    before = state(srv)
    for role in ("bureau", "admin"):  # even "changing" it to the same role is refused
        r = srv.req("PATCH", f"{USERS}/{me}", {"role": role}, token=admin(srv))
        assert_error(r, 409, code="own_account", field="role")
    r = srv.req("PATCH", f"{USERS}/{me}", {"role": "bureau", "display_name": "改名"},
                token=admin(srv))
    assert_error(r, 409, code="own_account")
    assert state(srv) == before
    old = user_row(srv, me)[1]
    r = srv.req("PATCH", f"{USERS}/{me}", {"display_name": "管理员甲"}, token=admin(srv))
    assert r.status == 200 and r.body["display_name"] == "管理员甲" and r.body["role"] == "admin"
    r = srv.req("PATCH", f"{USERS}/{me}", {"display_name": old}, token=admin(srv))
    assert r.status == 200 and r.body["display_name"] == old


def test_patch_ignores_read_only_members(srv):
    u = new_user(srv, "bureau")
    r = srv.req("PATCH", f"{USERS}/{u['id']}",
                {"display_name": "只读测试", "disabled": True, "id": 1, "created_at": "2000-01-01",
                 "region_name": "假的", "role_name": "假的", "department_name": "假的"},
                token=admin(srv))
    assert r.status == 200, r.raw
    b = r.body
    assert b["id"] == u["id"] and b["display_name"] == "只读测试"
    assert b["disabled"] is False and b["created_at"] == u["created_at"]
    assert b["region_name"] == "聊城市" and b["role_name"] == "市场监管人员"
    assert user_row(srv, u["id"])[7] == 0
    assert "disabled" not in last_audit(srv)["detail"]


def test_patch_region_null_means_the_city(srv):
    u = new_user(srv, "bureau", region="371502")
    r = srv.req("PATCH", f"{USERS}/{u['id']}", {"region": None}, token=admin(srv))
    assert r.status == 200, r.raw
    assert r.body["region"] == "371500" and r.body["region_name"] == "聊城市"
    assert user_row(srv, u["id"])[3] == "371500"


# -- disable and enable -------------------------------------------------------------------------

def test_disable_revokes_everything_and_blocks_login(srv):
    u = new_user(srv, "inspector")
    name, uid = u["username"], u["id"]
    s1 = srv.login(name)
    s2, cookie, csrf = cookie_login(srv, name)
    t = api_token(srv, name)
    assert sessions_of(srv, uid) == 3
    start = srv.scalar("SELECT max(id) FROM audit_log")

    r = srv.req("POST", f"{USERS}/{uid}/disable", token=admin(srv))
    assert r.status == 200, r.raw
    assert set(r.body) == USER_KEYS and r.body["disabled"] is True and r.body["id"] == uid
    assert user_row(srv, uid)[7] == 1
    assert sessions_of(srv, uid) == 0
    for tok in (s1, s2, t):
        assert not token_row_exists(srv, tok)
        assert_error(srv.req("GET", ME, token=tok), 401, code="unauthorized")
    assert_error(srv.req("GET", ME, headers=cookie), 401, code="unauthorized")
    # A disabled user cannot log in, with the right password, and it looks like a wrong one.
    r = login_raw(srv, name)
    assert_error(r, 401, code="bad_credentials")
    assert r.headers.get("Set-Cookie") is None
    assert sessions_of(srv, uid) == 0
    # No token is issued to a disabled user, from the CLI or the API.
    r = srv.cli("user", "token", "--db", srv.db, "--username", name)
    assert r.returncode == 1 and "已停用" in r.stderr, r.stderr
    assert_error(srv.req("POST", f"{USERS}/{uid}/tokens", token=admin(srv)), 409, "user_disabled")
    acts = srv.sql("SELECT action, object, actor, detail FROM audit_log WHERE id > ? ORDER BY id",
                   (start,))
    assert acts[0][:3] == ("user.disable", f"user:{uid}", srv.ids["admin"])
    assert json.loads(acts[0][3]) == {"revoked": 3}
    # The list shows it; the filter finds it.
    r = srv.req("GET", f"{USERS}?disabled=true&page_size=200", token=admin(srv))
    assert uid in [i["id"] for i in r.body["items"]]
    assert all(i["disabled"] is True for i in r.body["items"])
    # Disabling again is harmless.
    r = srv.req("POST", f"{USERS}/{uid}/disable", token=admin(srv))
    assert r.status == 200 and r.body["disabled"] is True
    assert last_audit(srv)["detail"] == {"revoked": 0}

    # Enabling lets them log in again; what was revoked stays revoked.
    r = srv.req("POST", f"{USERS}/{uid}/enable", token=admin(srv))
    assert r.status == 200 and r.body["disabled"] is False
    assert user_row(srv, uid)[7] == 0
    assert last_audit(srv)["action"] == "user.enable"
    for tok in (s1, s2, t):
        assert srv.req("GET", ME, token=tok).status == 401
    fresh = srv.login(name)
    assert srv.req("GET", ME, token=fresh).body["user"]["id"] == uid
    assert srv.req("GET", ME, token=api_token(srv, name)).status == 200


def test_disable_or_enable_own_account_409(srv):
    before = state(srv)
    for action in ("disable", "enable"):
        r = srv.req("POST", f"{USERS}/{srv.ids['admin']}/{action}", token=admin(srv))
        assert_error(r, 409, code="own_account")
    assert state(srv) == before
    assert srv.req("GET", ME, token=admin(srv)).status == 200


def test_disable_needs_csrf_with_cookie(srv):
    u = new_user(srv)
    _, cookie, csrf = cookie_login(srv, "admin")
    before = state(srv)
    assert_error(srv.req("POST", f"{USERS}/{u['id']}/disable", headers=cookie), 403,
                 code="csrf_failed")
    assert state(srv) == before
    r = srv.req("POST", f"{USERS}/{u['id']}/disable", headers={**cookie, "X-CSRF-Token": csrf})
    assert r.status == 200 and r.body["disabled"] is True


# -- password reset by an administrator ---------------------------------------------------------

def test_admin_resets_password(srv):
    u = new_user(srv, "city_office")
    name, uid = u["username"], u["id"]
    old_tokens = [srv.login(name), srv.login(name), api_token(srv, name)]
    old_hash = user_row(srv, uid)[6]
    r = srv.req("POST", f"{USERS}/{uid}/password", {"password": OTHER_PASSWORD}, token=admin(srv))
    assert r.status == 200, r.raw
    assert set(r.body) == USER_KEYS and r.body["id"] == uid
    new_hash = user_row(srv, uid)[6]
    assert new_hash != old_hash and new_hash.startswith("$argon2id$")
    assert OTHER_PASSWORD not in new_hash
    assert sessions_of(srv, uid) == 0
    for tok in old_tokens:
        assert_error(srv.req("GET", ME, token=tok), 401, code="unauthorized")
    assert_error(login_raw(srv, name), 401, code="bad_credentials")
    assert srv.login(name, OTHER_PASSWORD)
    a = srv.sql("SELECT actor, detail FROM audit_log WHERE action = 'user.set_password'"
                " AND object = ? ORDER BY id DESC LIMIT 1", (f"user:{uid}",))[0]
    assert a[0] == srv.ids["admin"] and json.loads(a[1]) == {"revoked": 3}
    assert OTHER_PASSWORD not in a[1]


@pytest.mark.parametrize("body,field", [
    ({"password": "short77"}, "password"),
    ({"password": "长" * 7}, "password"),
    ({"password": "x" * 129}, "password"),
    ({"password": 12345678}, "password"),
    ({"password": None}, "password"),
    ({}, "password"),
    ({"new_password": "long-enough-1"}, "password"),
])
def test_admin_reset_refused(srv, body, field):
    u = new_user(srv)
    token = srv.login(u["username"])
    before = state(srv)
    r = srv.req("POST", f"{USERS}/{u['id']}/password", body, token=admin(srv))
    assert_error(r, 422, code="validation_failed", field=field)
    assert state(srv) == before
    assert srv.req("GET", ME, token=token).status == 200


def test_admin_reset_counts_characters_not_bytes(srv):
    u = new_user(srv)
    r = srv.req("POST", f"{USERS}/{u['id']}/password", {"password": "长" * 8}, token=admin(srv))
    assert r.status == 200
    assert srv.login(u["username"], "长" * 8)


def test_admin_resets_own_password_keeps_calling_session(fresh_server):
    s = fresh_server
    me = s.ids["admin"]
    calling, cookie, csrf = cookie_login(s, "admin")
    other = s.login("admin")
    r = s.req("POST", f"{USERS}/{me}/password", {"password": OTHER_PASSWORD},
              headers={**cookie, "X-CSRF-Token": csrf})
    assert r.status == 200, r.raw
    assert s.req("GET", ME, headers=cookie).status == 200
    assert s.req("GET", ME, token=calling).status == 200
    assert s.req("GET", ME, token=other).status == 401
    assert s.req("GET", ME, token=s.tokens["admin"]).status == 401  # the CLI's API token
    assert sessions_of(s, me) == 1 and token_row_exists(s, calling)
    assert s.login("admin", OTHER_PASSWORD)


# -- revoke and sessions ------------------------------------------------------------------------

def test_sessions_list_and_revoke(srv):
    u = new_user(srv, "officer")
    name, uid = u["username"], u["id"]
    assert srv.req("GET", f"{USERS}/{uid}/sessions", token=admin(srv)).body == {"items": []}
    t1 = srv.login(name)
    t2 = srv.login(name)
    t3 = api_token(srv, name)
    r = srv.req("GET", f"{USERS}/{uid}/sessions", token=admin(srv))
    assert r.status == 200
    items = r.body["items"]
    assert len(items) == 3
    for i in items:
        assert set(i) == {"id", "kind", "ip", "created_at", "expires_at"}
        assert len(i["id"]) == 16 and int(i["id"], 16) >= 0
        for tok in (t1, t2, t3):
            assert tok not in json.dumps(i)
        start = datetime.datetime.fromisoformat(i["created_at"])
        end = datetime.datetime.fromisoformat(i["expires_at"])
        assert i["created_at"].endswith("+08:00") and i["expires_at"].endswith("+08:00")
        if i["kind"] == "session":
            assert i["ip"] == "127.0.0.1" and end - start == datetime.timedelta(hours=12)
        else:
            assert i["ip"] == "" and end - start > datetime.timedelta(days=365)
    assert sorted(i["kind"] for i in items) == ["api", "session", "session"]
    assert len({i["id"] for i in items}) == 3
    # The handle is the head of the stored hash: it names rows, never logs anyone in.
    heads = {h.hex()[:16] for (h,) in srv.sql("SELECT token_hash FROM sessions WHERE user_id = ?",
                                               (uid,))}
    assert heads == {i["id"] for i in items}
    created = [i["created_at"] for i in items]
    assert created == sorted(created, reverse=True)
    # Expired rows are not shown.
    db_write(srv, "UPDATE sessions SET expires_at = 1 WHERE token_hash = ?",
             (hashlib.blake2b(t1.encode(), digest_size=32).digest(),))
    assert len(srv.req("GET", f"{USERS}/{uid}/sessions", token=admin(srv)).body["items"]) == 2

    other = new_user(srv)
    keep = srv.login(other["username"])
    n = audit_count(srv)
    r = srv.req("POST", f"{USERS}/{uid}/revoke", token=admin(srv))
    assert r.status == 200 and r.body == {"revoked": 3}  # the expired row goes too
    assert sessions_of(srv, uid) == 0
    for tok in (t2, t3):
        assert_error(srv.req("GET", ME, token=tok), 401, code="unauthorized")
    assert srv.req("GET", f"{USERS}/{uid}/sessions", token=admin(srv)).body == {"items": []}
    assert audit_count(srv) == n + 1
    a = last_audit(srv)
    assert (a["action"], a["object"], a["detail"]) == ("user.revoke", f"user:{uid}", {"revoked": 3})
    # Other users keep theirs; the account itself is untouched and can log in again.
    assert srv.req("GET", ME, token=keep).status == 200
    assert user_row(srv, uid)[7] == 0
    assert srv.login(name)
    r = srv.req("POST", f"{USERS}/{uid}/revoke", token=admin(srv))
    assert r.status == 200 and r.body == {"revoked": 1}
    r = srv.req("POST", f"{USERS}/{uid}/revoke", token=admin(srv))
    assert r.status == 200 and r.body == {"revoked": 0}


# -- one's own password -------------------------------------------------------------------------

def test_own_password_change(srv):
    u = new_user(srv, "department")
    name, uid = u["username"], u["id"]
    calling, cookie, csrf = cookie_login(srv, name)
    other = srv.login(name)
    api = api_token(srv, name)
    bystander = srv.login("county")
    n = audit_count(srv)
    r = srv.req("POST", OWN_PASSWORD, {"old_password": PASSWORD, "new_password": OTHER_PASSWORD},
                headers={**cookie, "X-CSRF-Token": csrf})
    assert r.status == 200, r.raw
    assert set(r.body) == USER_KEYS and r.body["id"] == uid and r.body["username"] == name
    # This session stays; every other session and token of the user goes.
    assert srv.req("GET", ME, headers=cookie).status == 200
    assert srv.req("GET", ME, token=calling).status == 200
    for tok in (other, api):
        assert_error(srv.req("GET", ME, token=tok), 401, code="unauthorized")
    assert sessions_of(srv, uid) == 1 and token_row_exists(srv, calling)
    assert srv.req("GET", ME, token=bystander).status == 200
    assert_error(login_raw(srv, name), 401, code="bad_credentials")
    assert srv.login(name, OTHER_PASSWORD)
    rows = srv.sql("SELECT actor, action, object, detail FROM audit_log ORDER BY id DESC LIMIT 3")
    assert audit_count(srv) == n + 3
    assert [r[1] for r in rows] == ["auth.login", "auth.login_failed", "user.set_password"]
    assert rows[2][:3] == (uid, "user.set_password", f"user:{uid}")
    assert json.loads(rows[2][3]) == {"revoked": 2}


def test_own_password_change_with_api_token_keeps_that_token(srv):
    u = new_user(srv, "inspector")
    api = api_token(srv, u["username"])
    session = srv.login(u["username"])
    r = srv.req("POST", OWN_PASSWORD, {"old_password": PASSWORD, "new_password": OTHER_PASSWORD},
                token=api)
    assert r.status == 200
    assert srv.req("GET", ME, token=api).status == 200
    assert srv.req("GET", ME, token=session).status == 401


def test_own_password_wrong_old_422(srv):
    u = new_user(srv)
    token = srv.login(u["username"])
    other = srv.login(u["username"])
    before = state(srv)
    for old in ("wrong-password", PASSWORD.upper(), ""):
        r = srv.req("POST", OWN_PASSWORD, {"old_password": old, "new_password": OTHER_PASSWORD},
                    token=token)
        assert_error(r, 422, code="bad_credentials", field="old_password")
    assert state(srv) == before
    assert srv.req("GET", ME, token=other).status == 200


def test_own_password_short_new_422(srv):
    u = new_user(srv)
    token = srv.login(u["username"])
    before = state(srv)
    r = srv.req("POST", OWN_PASSWORD, {"old_password": PASSWORD, "new_password": "short77"},
                token=token)
    assert_error(r, 422, code="validation_failed")
    assert state(srv) == before
    assert srv.login(u["username"])


def test_own_password_short_new_names_the_member(srv):
    u = new_user(srv)
    token = srv.login(u["username"])
    r = srv.req("POST", OWN_PASSWORD, {"old_password": PASSWORD, "new_password": "short77"},
                token=token)
    assert_error(r, 422, code="validation_failed", field="new_password")


@pytest.mark.parametrize("body,field", [
    ({"old_password": PASSWORD}, "new_password"),
    ({"new_password": OTHER_PASSWORD}, "old_password"),
    ({"old_password": PASSWORD, "new_password": "x" * 129}, "new_password"),
    ({"old_password": PASSWORD, "new_password": 123456789}, "new_password"),
    ({"old_password": None, "new_password": OTHER_PASSWORD}, "old_password"),
    ({"old_password": ["x"], "new_password": OTHER_PASSWORD}, "old_password"),
])
def test_own_password_bad_members_422(srv, body, field):
    u = new_user(srv)
    token = srv.login(u["username"])
    before = state(srv)
    assert_error(srv.req("POST", OWN_PASSWORD, body, token=token), 422, code="validation_failed",
                 field=field)
    assert state(srv) == before


def test_own_password_needs_login_and_csrf(srv):
    u = new_user(srv)
    _, cookie, csrf = cookie_login(srv, u["username"])
    body = {"old_password": PASSWORD, "new_password": OTHER_PASSWORD}
    before = state(srv)
    assert_error(srv.req("POST", OWN_PASSWORD, body), 401, code="unauthorized")
    assert_error(srv.req("POST", OWN_PASSWORD, body, headers=cookie), 403, code="csrf_failed")
    assert_error(srv.req("POST", OWN_PASSWORD, body, headers={**cookie, "X-CSRF-Token": "x" * 43}),
                 403, code="csrf_failed")
    assert state(srv) == before


def test_every_role_may_change_its_own_password(srv):
    for name in ("county", "city", "inspector"):
        token = srv.login(name)
        r = srv.req("POST", OWN_PASSWORD, {"old_password": PASSWORD, "new_password": PASSWORD},
                    token=token)
        assert r.status == 200, (name, r.raw)
        assert r.body["username"] == name
        # The template's API token of that user is gone; the test's server keeps others'.
        assert srv.req("GET", ME, token=srv.tokens[name]).status == 401
        srv.tokens[name] = api_token(srv, name)


# -- malformed and oversized bodies -------------------------------------------------------------

def _json_routes(s):
    u = new_user(s)
    return [("POST", USERS), ("PATCH", f"{USERS}/{u['id']}"),
            ("POST", f"{USERS}/{u['id']}/password"), ("POST", OWN_PASSWORD)]


@pytest.mark.parametrize("raw,status,code", [
    (b"{", 400, "malformed_json"),
    (b"", 400, "malformed_json"),
    (b"[]", 400, "malformed_json"),
    (b'"password"', 400, "malformed_json"),
    (b'{"display_name":"a","display_name":"b"}', 400, "malformed_json"),
    (b"\xff\xfe{}", 400, "malformed_json"),
    (b'{"display_name":"a\\u0000b","password":"a\\u0000bcdefghi"}', 400, "malformed_json"),
])
def test_malformed_bodies(srv, raw, status, code):
    for method, path in _json_routes(srv):
        before = state(srv)
        r = srv.req(method, path, raw=raw, token=admin(srv),
                    headers={"Content-Type": "application/json"})
        assert_error(r, status, code=code)
        assert state(srv) == before, (method, path)


def test_wrong_content_type_415(srv):
    for method, path in _json_routes(srv):
        before = state(srv)
        for ctype in ("text/plain", "application/x-www-form-urlencoded", None):
            headers = {"Content-Type": ctype} if ctype else {}
            r = srv.req(method, path, raw=b'{"password":"long-enough-1"}', token=admin(srv),
                        headers=headers)
            assert_error(r, 415, code="unsupported_media_type")
        assert state(srv) == before, (method, path)


def test_oversized_bodies_413(srv):
    for method, path in _json_routes(srv):
        before = state(srv)
        body = b'{"display_name":"' + b"x" * ((1 << 20) + 1) + b'"}'
        r = srv.req(method, path, raw=body, token=admin(srv),
                    headers={"Content-Type": "application/json"})
        assert_error(r, 413, code="too_large")
        assert state(srv) == before, (method, path)
    assert srv.req("GET", "/healthz").status == 200


# -- the users list: filters --------------------------------------------------------------------

def test_users_list_filters(fresh_server):
    s = fresh_server
    a = new_user(s, "bureau", display_name="孙悟空", region="371502", department=1)
    b = new_user(s, "bureau", display_name="猪八戒", region="371503")
    c = new_user(s, "inspector", display_name="沙悟净", department=1)
    assert s.req("POST", f"{USERS}/{b['id']}/disable", token=admin(s)).status == 200

    def ids(**params):
        r = s.req("GET", f"{USERS}?page_size=200&{urlencode(params)}", token=admin(s))
        assert r.status == 200, (params, r.raw[:300])
        assert "total_exact" not in r.body
        assert r.body["total"] == len(r.body["items"])
        for item in r.body["items"]:
            assert set(item) == USER_KEYS
        return [i["id"] for i in r.body["items"]]

    def db_ids(where, params=()):
        return [i for (i,) in s.sql(f"SELECT id FROM users WHERE {where} ORDER BY id", params)]

    assert ids(role="bureau") == db_ids("role = 'bureau'")
    assert a["id"] in ids(role="bureau") and c["id"] not in ids(role="bureau")
    assert ids(region="371502") == db_ids("region = '371502'")
    # An unknown region is refused as on the entity list, not answered with nobody.
    r = s.req("GET", f"{USERS}?region=371599", token=admin(s))
    assert r.status == 422 and r.error()["field"] == "region", r.raw[:300]
    assert "区划" in r.error()["message"]
    assert ids(department=1) == [a["id"], c["id"]]
    assert ids(disabled="true") == [b["id"]]
    assert ids(disabled="1") == [b["id"]]
    assert ids(disabled="false") == db_ids("disabled = 0")
    assert ids(disabled="0") == db_ids("disabled = 0")
    # q: a fragment of the username or of the display name (Chinese included).
    assert ids(q="悟") == [a["id"], c["id"]]
    assert ids(q="悟空") == [a["id"]]
    assert ids(q=a["username"][:5]) == db_ids("instr(username, ?) > 0", (a["username"][:5],))
    assert ids(q="county") == [s.ids["county"]]
    assert ids(q="nobody-here") == []
    assert ids(q="%") == []  # a literal %, not a LIKE wildcard
    assert ids(q="_") == db_ids("instr(username, '_') > 0 OR instr(display_name, '_') > 0")
    # Filters combine.
    assert ids(role="bureau", department=1) == [a["id"]]
    assert ids(role="inspector", q="悟", disabled="false") == [c["id"]]
    assert ids(role="bureau", region="371503", disabled="false") == []


@pytest.mark.parametrize("query,field", [
    ("role=nope", "role"), ("role=ADMIN", "role"), ("disabled=yes", "disabled"),
    ("disabled=2", "disabled"), ("department=0", "department"), ("department=abc", "department"),
    ("department=-3", "department"), ("region=" + "3" * 17, "region"),
    (urlencode({"q": "长" * 101}), "q"),
    ("sort=bogus", "sort"), ("sort=name", "sort"), ("page_size=201", "page_size"),
    ("format=pdf", "format"),
])
def test_users_list_bad_parameters_422(srv, query, field):
    r = srv.req("GET", f"{USERS}?{query}", token=admin(srv))
    assert_error(r, 422, code="validation_failed", field=field)


# -- the login log ------------------------------------------------------------------------------

def test_login_log(fresh_server):
    s = fresh_server
    start = s.scalar("SELECT max(id) FROM audit_log")
    t = s.login("county")
    assert login_raw(s, "county", "wrong-password").status == 401
    assert login_raw(s, "nobody-at-all", "wrong-password").status == 401
    assert s.req("POST", "/api/v1/auth/logout", token=t).status == 204
    s.login("inspector")
    # Not login events: they stay out of the login log.
    new_user(s)
    assert s.req("PUT", "/api/v1/calendar/2026-10-09", {"kind": "holiday"},
                 token=admin(s)).status == 200

    r = s.req("GET", f"{LOGIN_LOG}?page_size=200", token=admin(s))
    assert r.status == 200, r.raw
    items = r.body["items"]
    expect = [i for (i,) in s.sql("SELECT id FROM audit_log WHERE action LIKE 'auth.%'"
                                  " ORDER BY id DESC")]
    assert [i["id"] for i in items] == expect and r.body["total"] == len(expect)
    assert "total_exact" not in r.body
    mine = [i for i in items if i["id"] > start]
    assert [i["action"] for i in mine] == ["auth.login", "auth.logout", "auth.login_failed",
                                           "auth.login_failed", "auth.login"]
    labels = {"auth.login": "登录", "auth.login_failed": "登录失败", "auth.logout": "退出登录"}
    for i in items:
        assert i["action_label"] == labels[i["action"]]
        assert i["ip"] == "127.0.0.1" and i["at"].endswith("+08:00")
    failed = [i for i in mine if i["action"] == "auth.login_failed"]
    assert [f["detail"] for f in failed] == [{"username": "nobody-at-all", "known": False},
                                             {"username": "county", "known": True}]
    assert all(f["actor"] is None and f["actor_name"] is None and f["object"] == "auth"
               for f in failed)
    assert mine[-1]["actor"] == s.ids["county"] and mine[-1]["object"] == f"user:{s.ids['county']}"

    def ids(query):
        r = s.req("GET", f"{LOGIN_LOG}?page_size=200&{query}", token=admin(s))
        assert r.status == 200, (query, r.raw[:300])
        return [i["id"] for i in r.body["items"]]

    assert ids("action=auth.login_failed") == [f["id"] for f in failed]
    assert ids("action=auth.logout") == [mine[1]["id"]]
    assert ids("action=user.create") == []  # outside the login log even when asked for
    assert ids(f"actor={s.ids['county']}") == [mine[1]["id"], mine[-1]["id"]]
    assert ids(f"actor={s.ids['county']}&action=auth.login") == [mine[-1]["id"]]
    assert ids(f"object=user:{s.ids['inspector']}") == [mine[0]["id"]]
    day = datetime.date.fromisoformat(mine[0]["at"][:10])
    assert ids(f"from={day}&to={day}") == expect
    assert ids(f"from={day + datetime.timedelta(days=1)}") == []
    assert ids(f"to={day - datetime.timedelta(days=1)}") == []

    for query, field in (("from=2026-02-30", "from"), ("to=yesterday", "to"), ("actor=x", "actor"),
                         ("action=" + "a" * 65, "action")):
        assert_error(s.req("GET", f"{LOGIN_LOG}?{query}", token=admin(s)), 422,
                     code="validation_failed", field=field)
    for who in ("county", "city", "inspector"):
        assert_error(s.req("GET", LOGIN_LOG, token=s.tokens[who]), 403, code="forbidden")
    assert_error(s.req("GET", LOGIN_LOG), 401)

    r = s.req("GET", f"{LOGIN_LOG}?format=csv", token=admin(s))
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert attachment_name(r.headers) == export_name("登录日志", "csv")
    lines = r.raw.decode("utf-8").lstrip("\ufeff").splitlines()
    assert lines[0] == "id,at,actor,actor_name,ip,action,object,detail"
    assert [int(ln.split(",")[0]) for ln in lines[1:]] == expect


# -- the audit log: filters and labels ----------------------------------------------------------

def test_audit_filters_and_action_labels(fresh_server):
    s = fresh_server
    meta = s.req("GET", "/api/v1/meta", token=admin(s)).body["actions"]
    u = new_user(s, "bureau")
    assert s.req("PATCH", f"{USERS}/{u['id']}", {"display_name": "审计过滤"},
                 token=admin(s)).status == 200
    assert s.req("POST", f"{USERS}/{u['id']}/disable", token=admin(s)).status == 200
    assert s.req("POST", f"{USERS}/{u['id']}/enable", token=admin(s)).status == 200
    t = s.login(u["username"])
    assert s.req("POST", OWN_PASSWORD, {"old_password": PASSWORD, "new_password": OTHER_PASSWORD},
                 token=t).status == 200

    r = s.req("GET", f"{AUDIT}?page_size=200", token=admin(s))
    assert r.status == 200
    items = r.body["items"]
    assert r.body["total"] == s.scalar("SELECT count(*) FROM audit_log") == len(items)
    for i in items:
        assert set(i) == {"id", "at", "actor", "actor_name", "ip", "action", "object", "detail",
                          "action_label"}
        assert i["action_label"] == meta[i["action"]], i
        assert has_chinese(i["action_label"])

    def ids(query):
        r = s.req("GET", f"{AUDIT}?page_size=200&{query}", token=admin(s))
        assert r.status == 200, (query, r.raw[:300])
        assert "total_exact" not in r.body
        return [i["id"] for i in r.body["items"]]

    def db_ids(where, params=()):
        return [i for (i,) in s.sql(f"SELECT id FROM audit_log WHERE {where} ORDER BY id DESC",
                                    params)]

    obj = f"user:{u['id']}"
    assert ids(f"object={obj}") == db_ids("object = ?", (obj,))
    assert [i["action"] for i in items if i["object"] == obj] == [
        "user.set_password", "auth.login", "user.enable", "user.disable", "user.update",
        "user.create"]
    assert [i["action_label"] for i in items if i["object"] == obj] == [
        "设置密码", "登录", "启用用户", "停用用户", "修改用户", "新增用户"]
    assert ids("action=user.update") == db_ids("action = 'user.update'")
    assert ids("action=user.disable") == db_ids("action = 'user.disable'") != []
    assert ids("action=no.such") == []
    assert ids(f"actor={s.ids['admin']}") == db_ids("actor = ?", (s.ids["admin"],))
    assert ids(f"actor={u['id']}") == db_ids("actor = ?", (u["id"],))
    assert len(ids(f"actor={u['id']}")) == 2  # their login and their password change
    assert ids(f"actor={s.ids['admin']}&action=user.enable&object={obj}") == \
        db_ids("actor = ? AND action = 'user.enable' AND object = ?", (s.ids["admin"], obj))
    day = datetime.date.fromisoformat(items[0]["at"][:10])
    assert ids(f"from={day}") == db_ids("at >= ?", (_day_start(day),))
    assert ids(f"to={day}") == db_ids("at < ?", (_day_start(day + datetime.timedelta(days=1)),))
    assert ids(f"from={day + datetime.timedelta(days=1)}") == []
    assert ids(f"from={day}&to={day - datetime.timedelta(days=1)}") == []
    assert ids("from=1970-01-01&to=2999-12-31") == db_ids("true")

    for query, field in (("from=2026-13-01", "from"), ("to=2026-1-1", "to"), ("actor=1.5", "actor"),
                         ("object=" + "o" * 65, "object"), ("format=doc", "format"),
                         ("page=0", "page")):
        assert_error(s.req("GET", f"{AUDIT}?{query}", token=admin(s)), 422,
                     code="validation_failed", field=field)


def _day_start(day):
    """The Unix second a China Standard Time day starts."""
    cst = datetime.timezone(datetime.timedelta(hours=8))
    return int(datetime.datetime(day.year, day.month, day.day, tzinfo=cst).timestamp())


def test_audit_label_null_for_undeclared_action(fresh_server):
    s = fresh_server
    next_id = s.scalar("SELECT max(id) FROM audit_log") + 1000
    db_write(s, "INSERT INTO audit_log(id, at, actor, ip, action, object, detail, prev_hash, hash)"
             " VALUES (?, ?, NULL, '', 'legacy.thing', 'legacy', '{}', ?, ?)",
             (next_id, int(time.time()), bytes(32), bytes(32)))
    r = s.req("GET", f"{AUDIT}?action=legacy.thing", token=admin(s))
    assert r.status == 200 and r.body["total"] == 1
    item = r.body["items"][0]
    assert item["action"] == "legacy.thing" and item["action_label"] is None
    # Declared actions keep theirs.
    r = s.req("GET", f"{AUDIT}?action=system.init", token=admin(s))
    assert [i["action_label"] for i in r.body["items"]] == ["初始化数据库"]
    db_write(s, "DELETE FROM audit_log WHERE id = ?", (next_id,))


def test_user_administration_audit_rows_carry_client_address(fresh_server):
    s = fresh_server
    start = s.scalar("SELECT max(id) FROM audit_log")
    u = new_user(s)
    for method, suffix, body in (("PATCH", "", {"display_name": "地址"}),
                                 ("POST", "/disable", None), ("POST", "/enable", None),
                                 ("POST", "/password", {"password": OTHER_PASSWORD}),
                                 ("POST", "/revoke", None)):
        assert s.req(method, f"{USERS}/{u['id']}{suffix}", body, token=admin(s)).status == 200
    rows = s.sql("SELECT action, ip FROM audit_log WHERE id > ? ORDER BY id", (start,))
    assert [a for a, _ in rows] == ["user.create", "user.update", "user.disable", "user.enable",
                                    "user.set_password", "user.revoke"]
    assert {ip for _, ip in rows} == {"127.0.0.1"}, rows


def test_patch_without_a_field_422_and_no_audit(srv):
    u = new_user(srv)
    before = srv.scalar("SELECT count(*) FROM audit_log")
    for body in ({}, {"junk": 1}, {"id": 5, "created_at": "x", "disabled": True}):
        r = srv.req("PATCH", f"{USERS}/{u['id']}", body, token=admin(srv))
        assert_error(r, 422, code="validation_failed")
    assert srv.scalar("SELECT count(*) FROM audit_log") == before
    assert user_row(srv, u["id"])[7] == 0  # disabled


def test_admin_revoking_own_sessions_keeps_the_current_one(srv):
    me = new_user(srv, "admin")
    token = srv.login(me["username"])
    other = srv.login(me["username"])
    r = srv.req("POST", f"{USERS}/{me['id']}/revoke", token=token)
    assert r.status == 200 and r.body["revoked"] == 1
    assert srv.req("GET", ME, token=token).status == 200
    assert srv.req("GET", ME, token=other).status == 401


# -- API tokens issued by an administrator -----------------------------------------------------

def test_admin_issues_an_api_token_shown_once(srv):
    """A station's scanner gets a long-lived token from 用户管理: answered once, works as a
    bearer token with the station's role, is audited without the token, and is revoked with
    the user's sessions."""
    entity = srv.sql("SELECT uscc FROM entities LIMIT 1")
    fields = {"entity": entity[0][0]} if entity else {}
    u = new_user(srv, "station", display_name="扫码枪 1 号", **fields) if entity else new_user(srv)
    before = srv.sql("SELECT count(*) FROM sessions WHERE user_id = ?", (u["id"],))[0][0]
    r = srv.req("POST", f"{USERS}/{u['id']}/tokens", token=admin(srv))
    assert r.status == 201, r.raw[:300]
    assert r.headers["Cache-Control"] == "no-store"
    assert set(r.body) == {"token", "user", "kind"} and r.body["user"] == u["id"]
    token = r.body["token"]
    assert len(token) == 43
    me = srv.req("GET", "/api/v1/auth/me", token=token)
    assert me.status == 200 and me.body["user"]["id"] == u["id"]
    assert srv.sql("SELECT count(*) FROM sessions WHERE user_id = ?", (u["id"],))[0][0] == before + 1
    # Only a hash is kept, and the audit row does not hold the token.
    assert not srv.sql("SELECT 1 FROM sessions WHERE token_hash = ?", (token,))
    rows = srv.sql("SELECT detail FROM audit_log WHERE action = 'user.token' AND object = ?",
                   (f"user:{u['id']}",))
    assert len(rows) == 1 and token not in (rows[0][0] or "")
    # Revoking the user's sessions and tokens ends it.
    assert srv.req("POST", f"{USERS}/{u['id']}/revoke", token=admin(srv)).status == 200
    assert srv.req("GET", "/api/v1/auth/me", token=token).status == 401


def test_api_token_refusals(srv):
    u = new_user(srv)
    before = state(srv)
    assert_error(srv.req("POST", f"{USERS}/{u['id']}/tokens"), 401)
    assert_error(srv.req("POST", f"{USERS}/{u['id']}/tokens", token=srv.tokens["city"]), 403)
    assert_error(srv.req("POST", f"{USERS}/999999/tokens", token=admin(srv)), 404, "not_found")
    assert_error(srv.req("POST", f"{USERS}/abc/tokens", token=admin(srv)), 404, "not_found")
    assert state(srv) == before
    assert srv.req("POST", f"{USERS}/{u['id']}/disable", token=admin(srv)).status == 200
    before = state(srv)
    assert_error(srv.req("POST", f"{USERS}/{u['id']}/tokens", token=admin(srv)), 409, "user_disabled")
    assert state(srv) == before
