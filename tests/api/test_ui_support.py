"""What the web UI leans on besides the records themselves: the lists described in
GET /api/v1/meta (and that the lists accept what is described), the audit chain check
(GET /api/v1/audit/verify), the officer picker (GET /api/v1/officers), the entity name of an
owner's login (/auth/me), static files with their compressed variants and cache headers,
the access log's destinations, and the warning about QR codes pointing at the loopback.

The list tests run on the small demo city (`demo --scale small --seed 5`) plus an
administrator, with a few officers moved into counties (the demo's officers are all the
city's) and one of them disabled.
"""

import gzip
import http.client
import json
import re
import time

import pytest

import dbkit
from conftest import PASSWORD, Response, assert_no_sanitizer_report, assert_refused, copy_db
from conftest import demo_city, free_port, get, has_chinese, ok, parse_raw_response, raw_exchange
from conftest import run_cli, serving

META = "/api/v1/meta"
ENT = "/api/v1/entities"
USERS = "/api/v1/users"
AUDIT = "/api/v1/audit"
LOGIN_LOG = "/api/v1/login-log"
OFFICERS = "/api/v1/officers"
VERIFY = "/api/v1/audit/verify"
OWN = "371502"
STAFF = {"admin": "admin", "city": "bureau", "county": "bureau_dcf", "inspector": "inspector",
         "officer": "officer"}
# Officers the fixture moves: username -> (region, disabled)
MOVED = {"officer005": (OWN, 0), "officer006": (OWN, 0), "officer007": (OWN, 0),
         "officer008": ("371503", 0), "officer009": (OWN, 1)}
OFFICER_KEYS = {"id", "username", "display_name", "region", "region_name"}


@pytest.fixture(scope="module")
def ui_template(tmp_path_factory):
    t = demo_city(tmp_path_factory, "ui", staff=STAFF)
    with dbkit.connect(t.db) as c:
        for user, (region, disabled) in MOVED.items():
            n = c.execute("UPDATE users SET region = ?, disabled = ? WHERE username = ?"
                          " AND role = 'officer'", (region, disabled, user)).rowcount
            assert n == 1, user
    return t


@pytest.fixture(scope="module")
def ui(ui_template):
    with serving(ui_template) as s:
        s.cred = ui_template.cred
        yield s


# -- helpers ------------------------------------------------------------------------------------

def log_lines(text):
    """The JSON lines of a server log (anything else fails the test)."""
    out = []
    for line in text.splitlines():
        if line.strip():
            out.append(json.loads(line))
    return out


def wait_for(predicate, timeout=3.0):
    deadline = time.monotonic() + timeout
    while True:
        v = predicate()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(0.05)


# -- lists in meta -----------------------------------------------------------------------------

DEMANDS = "/api/v1/demands"
SERVICES = "/api/v1/services"  # public: every role's, and anyone's
ITEMS = "/api/v1/inspection-items"
TASKS = "/api/v1/inspection-tasks"
PUBLIC_TASKS = "/api/v1/public/inspection-tasks"  # public, as the catalogue
ASSIGNMENTS = "/api/v1/inspection-assignments"
INSPECTORS = "/api/v1/inspectors"  # 执法人员 and their certificates
CAMPAIGNS = "/api/v1/campaigns"  # 检查执法
INSPECTIONS = "/api/v1/inspections"
CASES = "/api/v1/cases"
ENFORCEMENT = {CAMPAIGNS, INSPECTIONS, CASES}
CYL_TYPES = "/api/v1/cylinder-types"  # 气瓶充装: every role's
STATIONS = "/api/v1/stations"
FILLERS = "/api/v1/fillers"
CYLINDERS = "/api/v1/cylinders"
FILLINGS = "/api/v1/fillings"
FILLING_CHECKS = "/api/v1/filling-checks"
CYLINDER_LISTS = {STATIONS, FILLERS, CYLINDERS, FILLINGS, FILLING_CHECKS}
EQUIPMENT = "/api/v1/equipment"  # 特种设备: bureau, inspectors, an enterprise its own
LIST_PATHS = {ENT, USERS, AUDIT, LOGIN_LOG, OFFICERS, DEMANDS, SERVICES, ITEMS, TASKS,
              PUBLIC_TASKS, ASSIGNMENTS, INSPECTORS} | ENFORCEMENT | CYLINDER_LISTS | {CYL_TYPES} | {EQUIPMENT}


def _officer_id(s):
    return s.scalar("SELECT officer FROM entities WHERE officer IS NOT NULL ORDER BY id LIMIT 1")


def _first_of(table, column):
    """The column's value in the first row of table that has one (the demo's), as query text."""
    return lambda s: str(s.scalar(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL"
                                  " ORDER BY 1 LIMIT 1"))


def _first_demand(column):
    """The column's value in the first demand that has one (the demo's), as query text."""
    return lambda s: str(s.scalar(f"SELECT {column} FROM demands WHERE {column} IS NOT NULL"
                                  " ORDER BY id LIMIT 1"))


# path -> filter -> (value (or a function of the server), check of each item)
FILTER_SAMPLES = {
    CYL_TYPES: {"medium": ("LPG", lambda i, v: i["medium"] == v)},
    STATIONS: {
        "region": (_first_of("cylinder_stations", "region"), lambda i, v: i["region"] == v),
        "medium": ("LPG", lambda i, v: v in i["media"]),
        "expired": ("0", lambda i, v: i["licence_expired"] is False),
    },
    FILLERS: {
        "station": (_first_of("cylinder_fillers", "station"), lambda i, v: i["station"] == v),
        "region": (_first_of("cylinder_fillers", "region"), lambda i, v: i["region"] == v),
        "active": ("true", lambda i, v: i["active"] is True),
        "expired": ("0", lambda i, v: i["cert_expired"] is False),
    },
    CYLINDERS: {
        "station": (_first_of("cylinders", "station"), lambda i, v: i["station"] == v),
        "region": (_first_of("cylinders", "region"), lambda i, v: i["region"] == v),
        "type": ("YSP", lambda i, v: i["type"] == v),
        "status": ("in_service", lambda i, v: i["status"] == v),
        "ownership": ("custody", lambda i, v: i["ownership"] == v),
        "due": ("1", lambda i, v: i["inspection_overdue"] is True),
        "life_exceeded": ("1", lambda i, v: i["service_life_exceeded"] is True),
        "due_by": ("2099-12-31", lambda i, v: i["next_inspection"] <= v),
    },
    FILLINGS: {
        "station": (_first_of("cylinder_fillings", "station"), lambda i, v: i["station"] == v),
        "region": (_first_of("cylinder_fillings", "region"), lambda i, v: i["region"] == v),
        "cylinder": (_first_of("cylinder_fillings", "cylinder"), lambda i, v: i["cylinder"] == v),
        "filler": (_first_of("cylinder_fillings", "filler"), lambda i, v: i["filler"] == int(v)),
        "medium": ("LPG", lambda i, v: i["medium"] == v),
        "overfill": ("false", lambda i, v: i["overfill"] is False),
        "source": ("online", lambda i, v: i["source"] == v),
        "from": ("2020-01-01", lambda i, v: True),
        "to": ("2099-12-31", lambda i, v: True),
    },
    EQUIPMENT: {
        "category": ("elevator", lambda i, v: i["category"] == v),
        "region": (OWN, lambda i, v: i["region"] == v),
        "status": ("idle", lambda i, v: i["status"] == v),
        "owner": (_first_of("equipment", "owner"), lambda i, v: i["owner"] == v),
        "due_within": ("30", lambda i, v: i["status"] == "in_use" and 0 <= i["days_left"] <= 30),
        "overdue": ("1", lambda i, v: i["overdue"] is True and i["days_left"] < 0),
        "q": ("梯", lambda i, v: i["registration_no"].startswith(v)),
    },
    FILLING_CHECKS: {
        "station": (_first_of("cylinder_checks", "station"), lambda i, v: i["station"] == v),
        "region": (_first_of("cylinder_checks", "region"), lambda i, v: i["region"] == v),
        "cylinder": (_first_of("cylinder_checks", "cylinder"), lambda i, v: i["cylinder"] == v),
        "allowed": ("false", lambda i, v: i["allowed"] is False),
        "reason": ("filler_not_certified", lambda i, v: v in i["reasons"]),
        "source": ("check", lambda i, v: i["source"] == v),
        "from": ("2020-01-01", lambda i, v: True),
        "to": ("2099-12-31", lambda i, v: True),
    },
    CAMPAIGNS: {
        "status": ("active", lambda i, v: i["status"] == v),
        "region": ("371500", lambda i, v: i["region"] == v),
        "department": ("10", lambda i, v: i["department"] == 10),
        "sector": ("学校食堂", lambda i, v: i["sector"] == v),
    },
    INSPECTIONS: {
        "kind": ("routine", lambda i, v: i["kind"] == v),
        "campaign": (_first_of("enforcement_inspections", "campaign"),
                     lambda i, v: i["campaign"] == int(v)),
        "task": (_first_of("enforcement_inspections", "task"), lambda i, v: i["task"] == int(v)),
        "outcome": ("interview", lambda i, v: i["outcome"] == v),
        "region": (OWN, lambda i, v: i["region"] == v),
        "department": ("10", lambda i, v: i["department"] == 10),
        "uscc": (_first_of("enforcement_inspections", "uscc"), lambda i, v: i["uscc"] == v),
        "inspector": (_first_of("enforcement_inspectors", "inspector"),
                      lambda i, v: int(v) in i["inspectors"]),
        "rectification": ("done", lambda i, v: i["rectification"] == v),
        "from": ("2026-04-01", lambda i, v: i["inspected_on"] >= v),
        "to": ("2026-03-31", lambda i, v: i["inspected_on"] <= v),
    },
    CASES: {
        "status": ("closed", lambda i, v: i["status"] == v),
        "decision": ("penalty", lambda i, v: i["decision"] == v),
        "harm": ("slight", lambda i, v: i["harm"] == v),
        "region": (_first_of("enforcement_cases", "region"), lambda i, v: i["region"] == v),
        "department": ("10", lambda i, v: i["department"] == 10),
        "uscc": (_first_of("enforcement_cases", "uscc"), lambda i, v: i["uscc"] == v),
        "inspection": (_first_of("enforcement_cases", "inspection"),
                       lambda i, v: i["inspection"] == int(v)),
        "from": ("2026-01-01", lambda i, v: i["opened_on"] >= v),
        "to": ("2026-12-31", lambda i, v: i["opened_on"] <= v),
    },
    ITEMS: {"department": ("10", lambda i, v: i["department"] == 10)},
    TASKS: {"status": ("published", lambda i, v: i["status"] == v),
            "region": ("371502", lambda i, v: i["region"] == v),
            "late": ("0", lambda i, v: i["late"] is False)},
    PUBLIC_TASKS: {"region": ("371502", lambda i, v: i["region"] == v),
                   "late": ("0", lambda i, v: i["late"] is False)},
    INSPECTORS: {
        "department": ("10", lambda i, v: i["department"] == 10),
        "region": ("371502", lambda i, v: i["region"] == v),
        "field": ("市场监管综合执法", lambda i, v: i["field"] == v),
        "valid": ("1", lambda i, v: i["expires"] >= "2026-01-01"),
        "q": ("inspector", lambda i, v: v in i["username"] or v in (i["display_name"] or "")),
    },
    ASSIGNMENTS: {
        "inspector": (lambda s: str(s.scalar("SELECT inspector FROM inspection_assignments"
                                             " ORDER BY task, uscc LIMIT 1")),
                      lambda i, v: i["inspector"] == int(v) and int(v) in i["inspectors"]),
        "task": (lambda s: str(s.scalar("SELECT min(task) FROM inspection_assignments")),
                 lambda i, v: i["task"] == int(v)),
        "pending": ("0", lambda i, v: i["outcome"] is not None),
    },
    SERVICES: {
        "list": ("lenient", lambda i, v: i["list"] == v),
        "department": ("10", lambda i, v: i["department"] == 10),
        "category": ("finance", lambda i, v: i["category"] == v),
        "status": ("draft", lambda i, v: i["status"] == v),
    },
    ENT: {
        "region": (OWN, lambda i, v: i["region"] == v),
        "chain": ("1", lambda i, v: i["chain"] == 1),
        "tier": ("above_scale", lambda i, v: i["tier"] == v),
        "credit": ("A", lambda i, v: i["credit"] == v),
        "kind": ("cooperative", lambda i, v: i["kind"] == v),
        "status": ("deregistered", lambda i, v: i["status"] == v),
        "officer": (_officer_id, lambda i, v: i["officer"] == int(v)),
        "key": ("true", lambda i, v: i["key"] is True),
    },
    USERS: {
        "role": ("officer", lambda i, v: i["role"] == v),
        "region": (OWN, lambda i, v: i["region"] == v),
        "department": ("1", lambda i, v: i["department"] == 1),
        "disabled": ("true", lambda i, v: i["disabled"] is True),
        "q": ("officer00", lambda i, v: v in i["username"] or v in (i["display_name"] or "")),
    },
    AUDIT: {
        "object": ("user:1", lambda i, v: i["object"] == v),
        "action": ("user.create", lambda i, v: i["action"] == v),
        "actor": (lambda s: str(s.ids["admin"]), lambda i, v: i["actor"] == int(v)),
        "from": ("2020-01-01", lambda i, v: True),
        "to": ("2099-12-31", lambda i, v: True),
    },
    LOGIN_LOG: {
        "object": (lambda s: f"user:{s.ids['admin']}", lambda i, v: i["object"] == v),
        "action": ("auth.login", lambda i, v: i["action"] == v),
        "actor": (lambda s: str(s.ids["admin"]), lambda i, v: i["actor"] == int(v)),
        "from": ("2020-01-01", lambda i, v: True),
        "to": ("2099-12-31", lambda i, v: True),
    },
    DEMANDS: {
        "status": (_first_demand("status"), lambda i, v: i["status"] == v),
        "tier": ("medium", lambda i, v: i["tier"] == v),
        "category": (_first_demand("category"), lambda i, v: i["category"] == v),
        "chain": (_first_demand("chain"), lambda i, v: i["chain"] == int(v)),
        "region": (_first_demand("region"), lambda i, v: i["region"] == v),
        "department": (_first_demand("department"), lambda i, v: True),  # lead or assisting
        "assignee": (_first_demand("assignee"), lambda i, v: i["assignee"] == int(v)),
        "officer": (_first_demand("officer"), lambda i, v: i["officer"] == int(v)),
        "uscc": (_first_demand("uscc"), lambda i, v: i["uscc"] == v),
        "overdue": ("0", lambda i, v: i["overdue"] is False),
        "from": ("2020-01-01", lambda i, v: True),
        "to": ("2099-12-31", lambda i, v: True),
        "due_by": ("2099-12-31", lambda i, v: i["status"] not in ("resolved", "closed", "merged")),
    },
    OFFICERS: {
        "region": (OWN, lambda i, v: i["region"] == v),
        "q": ("刘", lambda i, v: v in i["display_name"] or v in i["username"]),
    },
}


def test_meta_lists_for_admin(ui):
    ui.login("admin")  # a login row for the login log's filters
    lists = ok(get(ui, META))["lists"]
    assert set(lists) == LIST_PATHS
    records = {ENT: "entity", USERS: "user", AUDIT: "audit", LOGIN_LOG: "audit",
               OFFICERS: "officer", DEMANDS: "demand", SERVICES: "service",
               ITEMS: "inspection_item", TASKS: "inspection_task", PUBLIC_TASKS: "inspection_task",
               ASSIGNMENTS: "inspection_assignment", INSPECTORS: "inspector", CAMPAIGNS: "campaign",
               INSPECTIONS: "inspection", CASES: "case", CYL_TYPES: "cylinder_type",
               STATIONS: "station", FILLERS: "filler", CYLINDERS: "cylinder", FILLINGS: "filling",
               FILLING_CHECKS: "filling_check", EQUIPMENT: "equipment"}
    titles = {ENT: "市场主体", USERS: "用户", AUDIT: "操作日志", LOGIN_LOG: "登录日志",
              OFFICERS: "驻企服务员", DEMANDS: "企业诉求", SERVICES: "服务清单",
              ITEMS: "抽查事项清单", TASKS: "双随机抽查任务", PUBLIC_TASKS: "双随机抽查结果公示",
              ASSIGNMENTS: "我的检查任务", INSPECTORS: "执法人员", CAMPAIGNS: "专项行动", INSPECTIONS: "检查记录",
              CASES: "案件", CYL_TYPES: "气瓶型号", STATIONS: "充装单位", FILLERS: "充装人员",
              CYLINDERS: "气瓶", FILLINGS: "充装记录", FILLING_CHECKS: "充装查验记录",
              EQUIPMENT: "特种设备"}
    for path, l in lists.items():
        assert set(l) == {"record", "title", "filters", "params", "sorts", "export"}, (path, l)
        assert l["record"] == records[path] and l["title"] == titles[path], (path, l)
        assert has_chinese(l["title"])
        assert all(isinstance(l[k], list) for k in ("filters", "params", "sorts"))
        assert all(isinstance(x, str) for x in l["filters"] + l["params"] + l["sorts"])
        # The registry's and the catalogue's searches are the only other names.
        assert l["params"] == (["q"] if path in (ENT, SERVICES) else []), (path, l)
        assert l["export"] is (path != OFFICERS), (path, l)
        # Every filter described is one the sample table knows (so each gets tried below).
        assert set(l["filters"]) == set(FILTER_SAMPLES[path]), path
    assert lists[ENT]["sorts"] == ["uscc", "name", "established", "credit", "region"]
    assert lists[USERS]["sorts"] == ["id", "username", "role", "created_at"]
    assert lists[AUDIT]["sorts"] == lists[OFFICERS]["sorts"] == []


def test_meta_lists_follow_the_role(ui):
    lists = ok(get(ui, META, "county"))["lists"]
    assert set(lists) == {ENT, OFFICERS, DEMANDS, SERVICES, ITEMS, TASKS, PUBLIC_TASKS,
                          ASSIGNMENTS, INSPECTORS, CYL_TYPES, EQUIPMENT} | ENFORCEMENT | CYLINDER_LISTS
    assert ok(get(ui, META, "inspector"))["lists"].keys() == {ENT, OFFICERS, SERVICES, ITEMS,
                                                              TASKS, PUBLIC_TASKS,
                                                              ASSIGNMENTS, INSPECTORS,
                                                              CYL_TYPES, EQUIPMENT} | ENFORCEMENT
    token = ui.login("enterprise", ui.cred["enterprise"])
    r = ui.req("GET", META, token=token)
    assert r.status == 200 and r.body["lists"].keys() == {DEMANDS, SERVICES, PUBLIC_TASKS,
                                                          CYL_TYPES, EQUIPMENT}
    token = ui.login("station", ui.cred["station"])
    r = ui.req("GET", META, token=token)
    assert r.status == 200 and r.body["lists"].keys() == {SERVICES, PUBLIC_TASKS,
                                                          CYL_TYPES} | CYLINDER_LISTS
    # The public list is in every role's meta; only staff may have it as a file.
    assert r.body["lists"][SERVICES]["export"] is False


@pytest.mark.parametrize("path", sorted(LIST_PATHS))
def test_listed_sorts_are_accepted(ui, path):
    lists = ok(get(ui, META))["lists"]
    for key in lists[path]["sorts"]:
        for sort in (key, "-" + key):
            b = ok(get(ui, path, sort=sort, page_size=200))
            values = [i[key] for i in b["items"]]
            assert values, (path, sort)
            # SQLite orders NULL first (ascending).
            order = sorted(values, key=lambda v: (v is not None, v if v is not None else ""),
                           reverse=sort.startswith("-"))
            assert values == order, (path, sort)
    for bad in ("bogus", "-bogus", "id" if "id" not in lists[path]["sorts"] else "password_hash",
                "name" if "name" not in lists[path]["sorts"] else "e.name"):
        assert_refused(get(ui, path, sort=bad), 422, "validation_failed", "sort")


@pytest.mark.parametrize("path", sorted(LIST_PATHS))
def test_listed_filters_are_accepted(ui, path):
    lists = ok(get(ui, META))["lists"]
    ui.login("admin")
    everything = ok(get(ui, path, page_size=1))["total"]
    for name in lists[path]["filters"]:
        value, check = FILTER_SAMPLES[path][name]
        if callable(value):
            value = value(ui)
        b = ok(get(ui, path, page_size=200, **{name: value}))
        assert b["items"], (path, name, value)
        assert b["total"] <= everything
        for item in b["items"]:
            assert check(item, value), (path, name, value, item)
    # A filter value of the wrong type is refused with its name as the field.
    bad = {ENT: ("chain", "x"), USERS: ("department", "x"), AUDIT: ("from", "2020-13-45"),
           LOGIN_LOG: ("actor", "me"), OFFICERS: ("region", "3" * 17),
           DEMANDS: ("overdue", "maybe"), SERVICES: ("department", "x"),
           ITEMS: ("department", "x"), TASKS: ("late", "maybe"), PUBLIC_TASKS: ("late", "maybe"),
           ASSIGNMENTS: ("task", "x"), INSPECTORS: ("valid", "maybe"), CAMPAIGNS: ("department", "x"),
           INSPECTIONS: ("rectification", "late"), CASES: ("harm", "tiny"),
           CYL_TYPES: ("medium", "H2O"), STATIONS: ("expired", "maybe"), FILLERS: ("active", "x"),
           CYLINDERS: ("status", "lost"), FILLINGS: ("overfill", "x"),
           FILLING_CHECKS: ("reason", "bogus"), EQUIPMENT: ("due_within", "x")}[path]
    assert_refused(get(ui, path, **{bad[0]: bad[1]}), 422, "validation_failed", bad[0])


@pytest.mark.parametrize("path", sorted(LIST_PATHS))
def test_unknown_parameters_are_refused(ui, path):
    """A name the list does not read is refused, not ignored: a mistyped filter must not answer
    every row as if it were the filtered few. The answer names what the list does take."""
    lists = ok(get(ui, META))["lists"]
    filters = lists[path]["filters"] + lists[path]["params"]
    mistyped = [f[:-1] + f[-1].upper() * 2 for f in filters[:1]]  # region -> regioNN
    for name in ["bogus", "page_sise", *mistyped]:
        r = get(ui, path, **{name: "1"})
        assert_refused(r, 422, "unknown_parameter", name)
        message = r.body["error"]["message"]
        assert has_chinese(message) and name in message, message
        # It lists every filter, every other name (a search's q) and the paging it takes.
        assert all(f in message for f in filters) and "page_size" in message, message
    # The names it does take, in any case (as every query name is read), are not refused.
    for name in [*filters[:1], "page", "PAGE_SIZE"]:
        r = get(ui, path, **{name: ""})
        assert r.status == 200, (path, name, r.body)


# Routes that are not lists but read query parameters declare them, and are held to them as a
# list is: path -> (the names it reads, a query of known names in other cases, read as absent).
DECLARED_QUERIES = {
    "/api/v1/demands/stats": (["by", "from", "to"], {"From": "", "TO": ""}),
    "/api/v1/inspections/coverage": (["by", "region", "kind", "from", "to"], {"From": "", "TO": ""}),
    "/api/v1/filling-checks/stats": (["from", "to", "region"], {"From": "", "TO": ""}),
    "/api/v1/equipment/inspection-rate": (["from", "to", "by", "region", "category"],
                                          {"From": "", "TO": ""}),
    "/api/v1/equipment/reminders": (["limit"], {"LIMIT": ""}),
    "/api/v1/calendar": (["year"], {"YEAR": ""}),
    "/api/v1/workdays/add": (["from", "days"], {"From": "2026-01-05", "DAYS": ""}),
}


@pytest.mark.parametrize("path", sorted(DECLARED_QUERIES))
def test_declared_query_names_are_held_to(ui, path):
    """A mistyped name is refused, not ignored, and the answer names what the route reads; the
    names it reads pass, in any case."""
    names, known = DECLARED_QUERIES[path]
    plain = {k.lower(): v for k, v in known.items() if v}
    before = ok(get(ui, path, **plain))
    for name in ["bogus", names[0][:-1] + names[0][-1].upper() * 2, "page"]:
        r = get(ui, path, **plain, **{name: "1"})
        assert_refused(r, 422, "unknown_parameter", name)
        message = r.body["error"]["message"]
        assert has_chinese(message) and name in message, message
        assert all(n in message for n in names), message
    # Known names in another case are read: the same answer as the same query in lower case.
    assert ok(get(ui, path, **known)) == before, path


# -- audit chain check --------------------------------------------------------------------------

def test_audit_verify(fresh_server):
    s = fresh_server
    admin = s.tokens["admin"]
    b = ok(s.req("GET", VERIFY, token=admin))
    assert set(b) == {"intact", "rows", "bad_id", "reason", "message", "checked_at"}
    rows = s.scalar("SELECT count(*) FROM audit_log")
    assert b["intact"] is True and b["rows"] == rows > 4
    assert b["bad_id"] is None and b["reason"] is None
    assert has_chinese(b["message"]) and str(rows) in b["message"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", b["checked_at"]), b
    # Checking writes nothing.
    assert s.scalar("SELECT count(*) FROM audit_log") == rows
    # Who may.
    assert_refused(s.req("GET", VERIFY), 401, "unauthorized")
    for who in ("county", "city", "inspector"):
        assert_refused(s.req("GET", VERIFY, token=s.tokens[who]), 403, "forbidden")
    for method in ("POST", "PUT", "DELETE"):
        assert_refused(s.req(method, VERIFY, token=admin), 405, "method_not_allowed")
    # A row edited behind the server's back (a second writer: WAL allows it).
    middle = s.scalar("SELECT id FROM audit_log ORDER BY id LIMIT 1 OFFSET ?", (rows // 2,))
    assert 1 < middle < s.scalar("SELECT max(id) FROM audit_log")
    s.sql("UPDATE audit_log SET detail = '{\"tampered\":true}' WHERE id = ?", (middle,))
    b = ok(s.req("GET", VERIFY, token=admin))
    assert b["intact"] is False and b["bad_id"] == middle, b
    assert b["rows"] == middle - 1
    assert isinstance(b["reason"], str) and b["reason"]
    assert has_chinese(b["message"]) and str(middle) in b["message"]
    # The server keeps working; the check keeps saying so.
    assert ok(s.req("GET", VERIFY, token=admin))["bad_id"] == middle


# -- the officer picker -------------------------------------------------------------------------

def officers_db(s, where="", params=()):
    return [r[0] for r in s.sql(
        "SELECT id FROM users WHERE role = 'officer' AND disabled = 0" + where +
        " ORDER BY display_name, id", params)]


def test_officers_for_staff(ui):
    items = ok(get(ui, OFFICERS, page_size=200))["items"]
    assert [i["id"] for i in items] == officers_db(ui)
    assert len(items) == 40 - 1  # the demo's 40, one disabled
    for item in items:
        assert set(item) == OFFICER_KEYS, item
        assert has_chinese(item["display_name"]) and has_chinese(item["region_name"])
    by_id = {i["id"]: i for i in items}
    for user, (region, disabled) in MOVED.items():
        uid = ui.scalar("SELECT id FROM users WHERE username = ?", (user,))
        assert (uid in by_id) == (not disabled), user
        if not disabled:
            assert by_id[uid]["region"] == region and by_id[uid]["username"] == user
    assert {i["region_name"] for i in items} >= {"聊城市", "东昌府区"}
    # Every staff role may pick (the list is ROLES_STAFF).
    for who in ("city", "inspector", "officer"):
        assert [i["id"] for i in ok(get(ui, OFFICERS, who, page_size=200))["items"]] == \
            officers_db(ui)


def test_officers_search(ui):
    name = ui.scalar("SELECT display_name FROM users WHERE username = 'officer006'")
    for fragment in (name[:2], name[-2:], "officer00"):
        items = ok(get(ui, OFFICERS, q=fragment, page_size=200))["items"]
        assert items, fragment
        assert all(fragment in i["display_name"] or fragment in i["username"] for i in items)
        assert [i["id"] for i in items] == officers_db(
            ui, " AND (instr(username, ?) > 0 OR instr(display_name, ?) > 0)",
            (fragment, fragment))
    assert ok(get(ui, OFFICERS, q="没有这个人"))["items"] == []


def test_officers_county_scope(ui):
    own = officers_db(ui, " AND region = ?", (OWN,))
    assert len(own) == 3
    for params in ({}, {"region": "371500"}, {"region": "371503"}, {"region": OWN}):
        b = ok(get(ui, OFFICERS, "county", page_size=200, **params))
        assert [i["id"] for i in b["items"]] == own, params
        assert b["total"] == 3 and {i["region"] for i in b["items"]} == {OWN}
    # The city user and the administrator filter as they ask.
    for who in ("admin", "city"):
        b = ok(get(ui, OFFICERS, who, region="371503"))
        assert [i["id"] for i in b["items"]] == officers_db(ui, " AND region = '371503'")


def test_officers_refusals(ui):
    assert_refused(ui.req("GET", OFFICERS), 401, "unauthorized")
    # An owner account: its token, from the demo credentials and from a user made here.
    token = ui.login("enterprise", ui.cred["enterprise"])
    assert_refused(ui.req("GET", OFFICERS, token=token), 403, "forbidden")
    for fmt in ("csv", "xlsx"):
        r = get(ui, OFFICERS, format=fmt)
        assert_refused(r, 422, "validation_failed", "format")
        assert "Content-Disposition" not in r.headers
    assert_refused(get(ui, OFFICERS, format="pdf"), 422, "validation_failed", "format")
    assert_refused(get(ui, OFFICERS, region="3" * 17), 422, "validation_failed", "region")
    assert_refused(get(ui, OFFICERS, page_size=201), 422, "validation_failed", "page_size")


@pytest.mark.parametrize("region", ["abc", "999999"])
def test_officers_unknown_region_422(ui, region):
    """As GET /api/v1/entities does ("未知的行政区划代码"), a region code that is not one is a
    422 with field region, not an empty list."""
    assert_refused(get(ui, OFFICERS, region=region), 422, "validation_failed", "region")


# -- /auth/me of owner accounts ----------------------------------------------------------------

def entity_name_of(s, username):
    return s.scalar("SELECT e.name FROM users u JOIN entities e ON e.uscc = u.entity"
                    " WHERE u.username = ?", (username,))


@pytest.mark.parametrize("username", ["enterprise", "station", "slaughterhouse"])
def test_me_of_demo_owner_logins(ui, username):
    token = ui.login(username, ui.cred[username])
    me = ok(ui.req("GET", "/api/v1/auth/me", token=token))["user"]
    name = entity_name_of(ui, username)
    assert has_chinese(name)
    assert me["role"] == username and me["entity"]
    assert me["entity_name"] == name
    assert me["display_name"] == name


def test_me_of_an_owner_made_by_the_admin(ui):
    uscc, name, region = ui.sql("SELECT uscc, name, region FROM entities WHERE region = ?"
                                " AND key = 0 ORDER BY id DESC LIMIT 1", (OWN,))[0]
    r = ui.req("POST", USERS, {"username": "ui_ent", "password": PASSWORD, "role": "enterprise",
                               "region": region, "entity": uscc}, token=ui.tokens["admin"])
    assert r.status == 201, r.raw[:300]
    assert r.body["entity"] == uscc and r.body["entity_name"] == name
    token = ui.login("ui_ent")
    me = ok(ui.req("GET", "/api/v1/auth/me", token=token))["user"]
    assert me["entity"] == uscc and me["entity_name"] == name
    assert_refused(ui.req("GET", OFFICERS, token=token), 403, "forbidden")
    # Staff have no entity.
    me = ok(get(ui, "/api/v1/auth/me"))["user"]
    assert me["entity"] is None and me["entity_name"] is None


# -- static files -------------------------------------------------------------------------------

INDEX = ("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>聊城市场主体"
         "</title></head><body><div id=\"app\"></div>" + "<!-- 监管平台 -->\n" * 80 +
         "<script src=\"/assets/app-abc123.js\"></script></body></html>\n").encode()
APP_JS = ("console.log('建管');\n" * 200).encode()
BR_BYTES = b"\x8b\x03\x80brotli-stand-in" + bytes(range(256))  # sent as is, never decoded


@pytest.fixture
def web(server_factory, tmp_path):
    root = tmp_path / "web"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_bytes(INDEX)
    (root / "index.html.gz").write_bytes(gzip.compress(INDEX))
    (root / "index.html.br").write_bytes(BR_BYTES)
    (root / "assets" / "app-abc123.js").write_bytes(APP_JS)
    (root / "assets" / "app-abc123.js.gz").write_bytes(gzip.compress(APP_JS))
    (root / "assets" / "logo.svg").write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    assert len(INDEX) > 1024
    return server_factory("--web-root", str(root))


def fetch(s, path, accept=None):
    """GET path; the body as bytes (raw), parsed only when JSON (compressed bodies of text
    types are not text). Without accept, http.client sends Accept-Encoding: identity."""
    headers = {"Accept-Encoding": accept} if accept is not None else {}
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        r = conn.getresponse()
        payload = r.read()
        status, hdrs = r.status, r.headers
    finally:
        conn.close()
    body = payload
    if hdrs.get("Content-Type", "").startswith("application/json"):
        body = json.loads(payload.decode("utf-8"))
    return Response(status, hdrs, body, payload)


def test_static_encodings(web):
    for path in ("/", "/index.html"):
        r = fetch(web, path, "gzip, br")
        assert r.status == 200 and r.headers["Content-Encoding"] == "br"
        assert r.raw == BR_BYTES
        r = fetch(web, path, "gzip")
        assert r.status == 200 and r.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(r.raw) == INDEX
        r = fetch(web, path, "br;q=0, gzip")
        assert r.headers["Content-Encoding"] == "gzip" and gzip.decompress(r.raw) == INDEX
        r = fetch(web, path, "GZIP;q=1.0")
        assert r.headers["Content-Encoding"] == "gzip"
        r = fetch(web, path, "*")
        assert r.headers["Content-Encoding"] == "br"
        r = fetch(web, path, "gzip;q=0, br;q=0")
        assert "Content-Encoding" not in r.headers and r.raw == INDEX
        r = fetch(web, path)  # http.client: Accept-Encoding: identity
        assert "Content-Encoding" not in r.headers and r.raw == INDEX
        for accept in ("gzip, br", "gzip", None):
            r = fetch(web, path, accept)
            assert r.headers["Vary"] == "Accept-Encoding", (path, accept)
            assert r.headers["Cache-Control"] == "no-cache", (path, accept)
            assert r.headers["Content-Type"].startswith("text/html")
            # The page runs only its own scripts and may not be framed.
            csp = r.headers["Content-Security-Policy"]
            assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert "default-src 'self'" in csp and "object-src 'none'" in csp
            assert r.headers["X-Frame-Options"] == "DENY"
            assert r.headers["Referrer-Policy"] == "same-origin"
    # No Accept-Encoding header at all: the original bytes.
    got, _ = raw_exchange(web.port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    status, headers, body = parse_raw_response(got)
    assert status == 200 and "content-encoding" not in headers
    assert headers["vary"] == "Accept-Encoding" and body == INDEX


def test_static_assets_and_spa(web):
    r = fetch(web, "/assets/app-abc123.js", "gzip, br")
    assert r.status == 200 and r.headers["Content-Encoding"] == "gzip"  # no .br of it
    assert gzip.decompress(r.raw) == APP_JS
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert r.headers["Vary"] == "Accept-Encoding"
    assert r.headers["Content-Type"].startswith("text/javascript")
    r = fetch(web, "/assets/app-abc123.js")
    assert r.raw == APP_JS and "Content-Encoding" not in r.headers
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    r = fetch(web, "/assets/logo.svg", "gzip, br")  # no variants: no Vary
    assert r.status == 200 and "Content-Encoding" not in r.headers and "Vary" not in r.headers
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # The compressed copies are not files of their own.
    r = fetch(web, "/index.html.gz")
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/html")
    assert r.raw == INDEX and r.headers["Cache-Control"] == "no-cache"
    r = fetch(web, "/index.html.br")
    assert r.raw == INDEX
    for path in ("/assets/app-abc123.js.gz", "/assets/app-abc123.js.br", "/assets/missing.js"):
        r = fetch(web, path, "gzip")
        assert_refused(r, 404, "not_found")
    # Any other path is a page of the single-page app; /api/ never is.
    for path in ("/entities/913715", "/login", "/a/b/c?x=1"):
        r = fetch(web, path)
        assert r.status == 200 and r.raw == INDEX and r.headers["Cache-Control"] == "no-cache"
    assert_refused(fetch(web, "/api/v1/nothing"), 404, "not_found")


# -- access log ---------------------------------------------------------------------------------

def access_lines(text):
    return [x for x in log_lines(text) if x.get("type") == "access"]


def make_requests(s):
    assert s.req("GET", "/healthz").status == 200
    assert s.req("GET", META, token=s.tokens["admin"]).status == 200
    assert s.req("GET", "/api/v1/no-such-thing").status == 404
    return [("GET", "/healthz", 200), ("GET", META, 200), ("GET", "/api/v1/no-such-thing", 404)]


def has_all(lines, expected):
    got = {(x["method"], x["path"], x["status"]) for x in lines}
    return all(e in got for e in expected)


def test_access_log_to_a_file(server_factory, tmp_path):
    path = tmp_path / "access.log"
    s = server_factory("--access-log", str(path))
    expected = make_requests(s)
    assert wait_for(lambda: path.exists() and has_all(access_lines(path.read_text()), expected))
    lines = access_lines(path.read_text())
    assert all(x["type"] == "access" for x in log_lines(path.read_text()))
    meta = [x for x in lines if x["path"] == META][0]
    assert meta["user"] == s.ids["admin"] and meta["route"] == META
    assert meta["bytes"] > 0 and meta["ms"] >= 0 and meta["ip"] == "127.0.0.1"
    # The server's own log has none of them, but its other lines.
    log = log_lines(s.log_text())
    assert log and not [x for x in log if x.get("type") == "access"]
    assert any(x.get("level") == "info" for x in log)
    # Appended, not truncated, across a restart.
    before = len(lines)
    s.stop()
    s.start()
    make_requests(s)
    assert wait_for(lambda: len(access_lines(path.read_text())) >= before + 3)


def test_access_log_unwritable_refused(template, tmp_path):
    db = copy_db(template.db, str(tmp_path / "t.db"))
    for target in ("/nonexistent-dir/x.log", str(tmp_path)):
        try:
            r = run_cli("serve", "--db", db, "--listen", f"127.0.0.1:{free_port()}",
                        "--web-root", "", "--access-log", target, timeout=10)
        except Exception as e:  # it served instead of refusing
            pytest.fail(f"serve with --access-log {target} did not exit: {e}")
        assert r.returncode == 1, (target, r.returncode, r.stderr)
        assert has_chinese(r.stderr) and target in r.stderr, r.stderr
        assert_no_sanitizer_report(r.stderr, "serve")


def test_access_log_default_and_off(server_factory):
    on = server_factory()
    expected = make_requests(on)
    assert wait_for(lambda: has_all(access_lines(on.log_text()), expected))
    dash = server_factory("--access-log", "-")
    expected = make_requests(dash)
    assert wait_for(lambda: has_all(access_lines(dash.log_text()), expected))
    off = server_factory("--access-log", "off")
    make_requests(off)
    time.sleep(0.3)
    assert access_lines(off.log_text()) == []
    assert log_lines(off.log_text())  # the server still logs its own lines


# -- the loopback warning -----------------------------------------------------------------------

def loopback_warnings(s):
    return [x for x in log_lines(s.log_text()) if "二维码指向本机地址" in x.get("msg", "")]


def test_loopback_warning(server_factory):
    s = server_factory()
    w = loopback_warnings(s)
    assert len(w) == 1 and w[0]["level"] == "warn", w
    assert f"127.0.0.1:{s.port}" in w[0]["detail"] and "--public-url" in w[0]["detail"]
    for url in ("http://localhost:8080", "http://127.0.0.1:9000/"):
        assert len(loopback_warnings(server_factory("--public-url", url))) == 1, url
    quiet = server_factory("--public-url", "http://192.168.1.10:8080")
    assert loopback_warnings(quiet) == []
    assert log_lines(quiet.log_text())
