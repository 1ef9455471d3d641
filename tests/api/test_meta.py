"""GET /api/v1/meta: the modules, the records' field labels and enumerations, the roles and the
audit action labels the UI shows, compared with what declares them (the field tables in the
source), with what enforces them (the database's CHECK constraints, the server's validation),
with what the exports write, with docs/openapi.yaml, and with the audit actions a session of
real requests writes.
"""

import io
import re
import zipfile

import pytest

import dbkit
from conftest import valid_uscc
from conftest import REPO, PASSWORD, has_chinese, run_cli, serving

META = "/api/v1/meta"
ROLE_CODES = ["admin", "bureau", "inspector", "officer", "chain_office", "department",
              "city_office", "enterprise", "station", "slaughterhouse"]
ENTITY_ENUMS = ["kind", "tier", "credit", "status"]
CYLINDER_LISTS = {"/api/v1/stations", "/api/v1/fillers", "/api/v1/cylinders", "/api/v1/fillings",
                  "/api/v1/filling-checks"}


@pytest.fixture(scope="module")
def srv(template):
    with serving(template) as s:
        yield s


@pytest.fixture(scope="module")
def meta(srv):
    r = srv.req("GET", META, token=srv.tokens["inspector"])
    assert r.status == 200, r.raw[:300]
    return r.body


# -- what the source declares -------------------------------------------------------------------

def c_source(path):
    return (REPO / path).read_text(encoding="utf-8")


def c_enum_arrays(text):
    """{array name: [(value, label), ...]} of every `struct enum_value NAME[]` in C text."""
    out = {}
    for m in re.finditer(r"struct enum_value (\w+)\[\] = \{(.*?)\n\};", text, re.S):
        out[m.group(1)] = re.findall(r'\{"([^"]+)", "([^"]*)"\}', m.group(2))
    return out


def c_field_table(text, name):
    """[(field, flags, label, enum array or None)] of the field table `name` in C text."""
    m = re.search(r"struct field " + re.escape(name) + r"\[\] = \{(.*?)\n\};", text, re.S)
    assert m, f"field table {name} not found"
    arrays = c_enum_arrays(text)
    rows = []
    for e in re.finditer(r'\{"(\w+)", FIELD_\w+, ([^,]+), \w+, "([^"]*)"(.*?)\}(?=,\s*(?:\{|$))',
                         m.group(1), re.S):
        refs = [a for a in re.findall(r"\b(\w+)\b", e.group(4)) if a in arrays]
        rows.append((e.group(1), e.group(2).strip(), e.group(3), refs[0] if refs else None))
    assert rows, f"no rows read from {name}"
    return rows


def declared_actions():
    """Every {action, label} a module's `struct audit_action actions[]` declares."""
    out = {}
    for path in sorted((REPO / "src").rglob("*.c")):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"struct audit_action \w+\[\] = \{(.*?)\n\};", text, re.S):
            for action, label in re.findall(r'\{"([\w.]+)", "([^"]*)"\}', m.group(1)):
                assert action not in out, f"{action} declared twice"
                out[action] = label
    assert out
    return out


def db_check_values(db, table, column):
    """The values a CHECK (column IN (...)) constraint of table allows, in order."""
    return dbkit.check_values(db, table, column)


def openapi_enum(schema):
    """The enum of components/schemas/<schema> in docs/openapi.yaml (read by indentation)."""
    text = (REPO / "docs" / "openapi.yaml").read_text(encoding="utf-8")
    m = re.search(r"\n    " + schema + r":\n((?:      .*\n|\n)*)", text)
    assert m, f"schema {schema} not in openapi.yaml"
    e = re.search(r"enum: \[(.*?)\]", m.group(1), re.S)
    assert e, f"schema {schema} has no enum"
    return [v.strip().strip("'") for v in e.group(1).split(",")]


# -- shape and access ---------------------------------------------------------------------------

def test_meta_shape(srv, meta):
    assert set(meta) == {"modules", "records", "lists", "roles", "actions"}
    names = [m["name"] for m in meta["modules"]]
    # The platform's modules, in dependency order (later modules may follow).
    core = ["system", "refdata", "audit", "accounts", "registry"]
    assert [n for n in names if n in core] == core
    assert len(set(names)) == len(names)
    for m in meta["modules"]:
        assert set(m) == {"name", "label", "roles"}
        assert has_chinese(m["label"]), m
        assert m["roles"] and set(m["roles"]) <= set(ROLE_CODES), m
        # Roles come in the order of the role list.
        assert m["roles"] == [r for r in ROLE_CODES if r in m["roles"]]
    by_name = {m["name"]: m for m in meta["modules"]}
    assert by_name["audit"]["roles"] == ["admin"]
    assert by_name["registry"]["roles"] == ROLE_CODES
    assert by_name["registry"]["label"] == "市场主体库"
    assert {"entity", "user", "audit"} <= set(meta["records"])
    for name, rec in meta["records"].items():
        assert set(rec) == {"label", "fields"} and has_chinese(rec["label"])
        for fname, f in rec["fields"].items():
            assert set(f) <= {"label", "values", "readonly", "internal"}, (name, fname)
            assert has_chinese(f["label"]) or f["label"].isupper(), (name, fname, f)
    # What a body or an import cannot set is marked, so the UI leaves it out of forms.
    ent = meta["records"]["entity"]["fields"]
    assert ent["region_name"].get("readonly") is True and ent["officer_name"].get("readonly")
    assert ent["uscc_flagged"].get("internal") is True
    assert "readonly" not in ent["name"] and "internal" not in ent["name"]
    assert "password" not in meta["records"]["user"]["fields"]
    assert meta["records"]["entity"]["label"] == "市场主体"
    assert meta["records"]["user"]["label"] == "用户"
    assert meta["records"]["audit"]["label"] == "审计日志"
    assert all(has_chinese(v) for v in meta["actions"].values())
    r = srv.req("GET", META, token=srv.tokens["admin"])
    assert r.headers["Cache-Control"] == "private, max-age=300"
    assert r.headers["Content-Type"].startswith("application/json")


def test_meta_needs_a_login_and_only_get(srv):
    for headers in ({}, {"Authorization": "Bearer " + "A" * 43}, {"Cookie": "jg_session=x"}):
        r = srv.req("GET", META, headers=headers)
        assert r.status == 401, headers
        assert r.error()["code"] == "unauthorized"
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        r = srv.req(method, META, token=srv.tokens["admin"])
        assert r.status == 405, method
        assert r.error()["code"] == "method_not_allowed"
        assert "GET" in r.headers["Allow"]
    r = srv.req("HEAD", META, token=srv.tokens["county"])
    assert r.status == 200 and r.raw == b""




def test_meta_for_every_role(fresh_server):
    """Every role may read it, and every role reads the same thing but for the lists, which are
    those the role may read (its list routes)."""
    s = fresh_server
    admin = s.tokens["admin"]
    code = valid_uscc("MT000001")
    r = s.req("POST", "/api/v1/entities", {"uscc": code, "name": "元数据测试企业有限公司",
                                           "kind": "enterprise", "region": "371502"}, token=admin)
    assert r.status == 201, r.raw
    expect = s.req("GET", META, token=admin).body
    for role in ROLE_CODES:
        body = {"username": f"meta-{role.replace('_', '-')}", "password": PASSWORD, "role": role}
        if role in ("enterprise", "station", "slaughterhouse"):
            body["entity"] = code
        r = s.req("POST", "/api/v1/users", body, token=admin)
        assert r.status == 201, (role, r.raw)
        token = s.login(body["username"])
        r = s.req("GET", META, token=token)
        assert r.status == 200, role
        lists = r.body.pop("lists")
        assert r.body == {k: v for k, v in expect.items() if k != "lists"}, role
        # The same lists but for "export": the registry goes out as a file to the bureau only.
        strip = lambda ls: {p: {k: v for k, v in d.items() if k != "export"} for p, d in ls.items()}  # noqa: E731
        assert strip({p: expect["lists"][p] for p in lists}) == strip(lists), role
        if "/api/v1/entities" in lists:
            assert lists["/api/v1/entities"]["export"] is (role in ("admin", "bureau")), role
        staff = role not in ("enterprise", "station", "slaughterhouse")
        expected = {"/api/v1/entities", "/api/v1/officers"} if staff else set()
        if role not in ("inspector", "station", "slaughterhouse"):
            expected.add("/api/v1/demands")  # 诉求通: staff of the network and enterprises
        expected.add("/api/v1/services")  # 服务清单: public, so every role's
        expected.add("/api/v1/public/inspection-tasks")  # 一公开: public too
        if role in ("bureau", "inspector"):
            expected |= {"/api/v1/inspection-items", "/api/v1/inspection-tasks",
                         "/api/v1/inspection-assignments", "/api/v1/inspectors"}
            # 检查执法: campaigns, inspection records and cases
            expected |= {"/api/v1/campaigns", "/api/v1/inspections", "/api/v1/cases"}
        expected.add("/api/v1/cylinder-types")  # 气瓶充装: the types are every role's
        if role in ("bureau", "station"):
            expected |= CYLINDER_LISTS  # a station's own, the bureau's all
        if role in ("bureau", "inspector", "enterprise"):
            expected.add("/api/v1/equipment")  # 特种设备: the bureau's, an enterprise its own
        if role == "admin":
            expected = set(expect["lists"])
        assert set(lists) == expected, role
    assert set(expect["lists"]) == {"/api/v1/entities", "/api/v1/officers", "/api/v1/users",
                                    "/api/v1/audit", "/api/v1/login-log", "/api/v1/demands",
                                    "/api/v1/services", "/api/v1/inspection-items",
                                    "/api/v1/inspection-tasks", "/api/v1/public/inspection-tasks",
                                    "/api/v1/inspection-assignments", "/api/v1/inspectors",
                                    "/api/v1/campaigns",
                                    "/api/v1/inspections", "/api/v1/cases"} | CYLINDER_LISTS | {
                                    "/api/v1/cylinder-types", "/api/v1/equipment"}


# -- enumerations -------------------------------------------------------------------------------

def test_entity_enumerations_equal_the_field_table(meta):
    src = c_source("src/registry/registry.c")
    arrays = c_enum_arrays(src)
    assert set(arrays) >= {"kinds", "tiers", "credits", "statuses"}, sorted(arrays)
    table = {f: (label, arr) for f, _, label, arr in c_field_table(src, "registry_fields")}
    fields = meta["records"]["entity"]["fields"]
    for name in ENTITY_ENUMS:
        label, arr = table[name]
        assert arr, f"{name} has no enumeration in registry_fields"
        assert fields[name]["label"] == label
        # Same values, same labels, same order.
        assert list(fields[name]["values"].items()) == arrays[arr], name
    # Every other field is not an enumeration, and every enumeration of the table is in meta.
    assert {f for f, v in fields.items() if "values" in v} == set(ENTITY_ENUMS)
    assert {f for f, (_, arr) in table.items() if arr} == set(ENTITY_ENUMS)


def test_entity_enumerations_equal_the_database_checks(srv, meta):
    fields = meta["records"]["entity"]["fields"]
    for name in ENTITY_ENUMS:
        assert list(fields[name]["values"]) == db_check_values(srv.db, "entities", name), name


def test_entity_enumerations_equal_the_openapi_schemas(meta):
    fields = meta["records"]["entity"]["fields"]
    for name, schema in (("kind", "Kind"), ("tier", "Tier"), ("credit", "Credit"),
                         ("status", "Status")):
        assert list(fields[name]["values"]) == openapi_enum(schema), name


@pytest.mark.parametrize("name", ENTITY_ENUMS)
def test_entity_enumerations_are_what_the_server_accepts(srv, meta, name):
    values = meta["records"]["entity"]["fields"][name]["values"]
    for v in values:
        r = srv.req("GET", f"/api/v1/entities?{name}={v}", token=srv.tokens["admin"])
        assert r.status == 200, (name, v, r.raw[:200])
    r = srv.req("GET", f"/api/v1/entities?{name}=Z", token=srv.tokens["admin"])
    assert r.status == 422 and r.error()["field"] == name
    # The refusal lists every value with the label meta gives it.
    msg = r.error()["message"]
    for v, label in values.items():
        assert f"{v}（{label}）" in msg, (v, label, msg)


def test_roles_everywhere_agree(srv, meta):
    src = c_source("src/authz/authz.c")
    m = re.search(r"struct enum_value authz_roles\[\] = \{(.*?)\n\};", src, re.S)
    declared = re.findall(r'\{"([^"]+)", "([^"]*)"\}', m.group(1))
    assert list(meta["roles"].items()) == declared
    assert list(meta["roles"]) == ROLE_CODES
    assert meta["records"]["user"]["fields"]["role"]["values"] == meta["roles"]
    assert db_check_values(srv.db, "users", "role") == ROLE_CODES
    assert openapi_enum("Role") == ROLE_CODES
    # Each user's role_name is the label meta gives.
    r = srv.req("GET", "/api/v1/users?page_size=200", token=srv.tokens["admin"])
    for u in r.body["items"]:
        assert u["role_name"] == meta["roles"][u["role"]]


# -- fields -------------------------------------------------------------------------------------

def xlsx_header(raw):
    """The cells of the first row of an XLSX file (inline or shared strings)."""
    z = zipfile.ZipFile(io.BytesIO(raw))
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        sst = z.read("xl/sharedStrings.xml").decode("utf-8")
        shared = [re.sub(r"<[^>]+>", "", si) for si in re.findall(r"<si>(.*?)</si>", sst, re.S)]
    sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    row = re.search(r"<row[^>]*>(.*?)</row>", sheet, re.S).group(1)
    cells = []
    for attrs, inner in re.findall(r"<c([^>]*)>(.*?)</c>", row, re.S):
        if 't="s"' in attrs:
            cells.append(shared[int(re.search(r"<v>(\d+)</v>", inner).group(1))])
        else:
            cells.append(re.sub(r"<[^>]+>", "", inner))
    return cells


@pytest.mark.parametrize("record,path", [("entity", "/api/v1/entities"), ("user", "/api/v1/users"),
                                         ("audit", "/api/v1/audit")])
def test_record_fields_equal_the_export_headers(srv, meta, record, path):
    fields = meta["records"][record]["fields"]
    r = srv.req("GET", path + "?format=csv", token=srv.tokens["admin"])
    assert r.status == 200, r.raw[:200]
    header = r.raw.decode("utf-8").lstrip("\ufeff").splitlines()[0].split(",")
    assert header == list(fields)
    r = srv.req("GET", path + "?format=xlsx", token=srv.tokens["admin"])
    assert r.status == 200
    assert xlsx_header(r.raw) == [f["label"] for f in fields.values()]


def test_record_fields_equal_the_field_tables(meta):
    for record, path, table in (("entity", "src/registry/registry.c", "registry_fields"),
                                ("user", "src/accounts/accounts.c", "accounts_user_fields"),
                                ("audit", "src/audit/audit_routes.c", "fields")):
        rows = c_field_table(c_source(path), table)
        expect = {f: label for f, flags, label, _ in rows if "FIELD_WRITEONLY" not in flags}
        fields = meta["records"][record]["fields"]
        assert {f: v["label"] for f, v in fields.items()} == expect, record
        assert list(fields) == list(expect), record
    # Write-only fields (the password) are never shown.
    assert "password" not in meta["records"]["user"]["fields"]
    assert "password_hash" not in meta["records"]["user"]["fields"]


# -- audit actions ------------------------------------------------------------------------------

def test_actions_equal_the_declarations(meta):
    assert meta["actions"] == declared_actions()


def _csv(rows):
    return ("uscc,name,kind,region\r\n" + "".join(",".join(r) + "\r\n" for r in rows)).encode()


def test_every_written_audit_action_has_a_label(fresh_server, meta, tmp_path):
    """A session that does one of everything: each action it writes has a label, and the audit
    list shows that label."""
    s = fresh_server
    admin = s.tokens["admin"]

    def ok(r, status=200):
        assert r.status == status, (r.status, r.raw[:300])
        return r.body

    t = s.login("county")
    ok(s.req("POST", "/api/v1/auth/login", {"username": "county", "password": "wrong-pass"}), 401)
    ok(s.req("POST", "/api/v1/auth/password", {"old_password": PASSWORD, "new_password": PASSWORD},
             token=t))
    ok(s.req("POST", "/api/v1/auth/logout", token=t), 204)
    u = ok(s.req("POST", "/api/v1/users", {"username": "meta-actions", "password": PASSWORD,
                                           "role": "officer"}, token=admin), 201)
    ok(s.req("PATCH", f"/api/v1/users/{u['id']}", {"display_name": "动作"}, token=admin))
    ok(s.req("POST", f"/api/v1/users/{u['id']}/disable", token=admin))
    ok(s.req("POST", f"/api/v1/users/{u['id']}/enable", token=admin))
    ok(s.req("POST", f"/api/v1/users/{u['id']}/password", {"password": "other-pass-9"},
             token=admin))
    ok(s.req("POST", f"/api/v1/users/{u['id']}/revoke", token=admin))
    ok(s.req("PUT", "/api/v1/calendar/2026-11-11", {"kind": "holiday", "name": "测试"},
             token=admin))
    ok(s.req("DELETE", "/api/v1/calendar/2026-11-11", token=admin), 204)
    a, b = valid_uscc("MT000002"), valid_uscc("MT000003")
    ok(s.req("POST", "/api/v1/entities", {"uscc": a, "name": "动作测试企业有限公司",
                                          "kind": "enterprise", "region": "371502"},
             token=admin), 201)
    ok(s.req("PATCH", f"/api/v1/entities/{a}", {"credit": "A"}, token=admin))
    ok(s.req("POST", "/api/v1/entities/import",
             raw=_csv([[a, "动作测试企业有限公司", "enterprise", "371502"],
                       [b, "动作导入合作社", "cooperative", "371503"]]),
             headers={"Content-Type": "text/csv"}, token=admin), 201)
    assert s.cli("user", "token", "--db", s.db, "--username", "city").returncode == 0

    written = {a for (a,) in s.sql("SELECT DISTINCT action FROM audit_log")}
    # ... and what `demo` writes into a database of its own.
    demo_db = dbkit.new_db(tmp_path / "demo.db")
    r = run_cli("demo", "--db", demo_db, "--scale", "small", "--seed", "3",
                "--credentials", str(tmp_path / "cred.txt"))
    assert r.returncode == 0, r.stderr
    written |= {a for (a,) in dbkit.query(demo_db, "SELECT DISTINCT action FROM audit_log")}

    # The demo's random-task results are M5's records (a case result, should one be drawn,
    # opens a case).
    expected = {
        "system.init", "demo.generate", "auth.login", "auth.login_failed", "auth.logout",
        "user.create", "user.update", "user.set_password", "user.disable", "user.enable",
        "user.revoke", "user.token", "calendar.set", "calendar.delete", "entity.create",
        "entity.update", "entity.import_insert", "entity.import_update", "registry.import",
        "inspection.random",
    }
    assert expected <= written <= expected | {"case.open"}, \
        f"the session did not write what it meant to: {sorted(written ^ expected)}"
    unlabelled = written - set(meta["actions"])
    assert not unlabelled, f"audit actions without a label in /api/v1/meta: {sorted(unlabelled)}"

    r = s.req("GET", "/api/v1/audit?page_size=200", token=admin)
    assert r.status == 200 and r.body["total"] == len(r.body["items"])
    for item in r.body["items"]:
        assert item["action_label"] == meta["actions"][item["action"]], item
