"""The list composer as the routes use it: ?sort= on entities and users (the order is checked
against the database), refused sort keys, page edges, the capped count (total_exact), and the
CSV and Excel exports of users, the audit log and the login log, with who may export.

Runs against its own template: `demo --scale small --seed 5` (7100 entities, 49 users) plus an
administrator, with API tokens for the administrator and two demo staff.
"""

import csv
import io
import math
import re
import zipfile

import pytest

from conftest import assert_refused, demo_city, get, has_chinese, ok, serving, valid_uscc
from conftest import attachment_name, export_name

ENT = "/api/v1/entities"
USERS = "/api/v1/users"
AUDIT = "/api/v1/audit"
LOGIN_LOG = "/api/v1/login-log"
XLSX_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

USER_COLUMNS = ["id", "username", "display_name", "role", "region", "region_name", "department",
                "department_name", "entity", "entity_name", "disabled", "created_at"]
USER_LABELS = ["编号", "用户名", "姓名", "角色", "区划代码", "行政区划", "部门编号", "部门",
               "绑定市场主体", "绑定市场主体名称", "已停用", "创建时间"]
AUDIT_COLUMNS = ["id", "at", "actor", "actor_name", "ip", "action", "object", "detail"]
AUDIT_LABELS = ["编号", "时间", "操作人编号", "操作人", "IP 地址", "操作", "对象", "详情"]

# Sort keys -> the ORDER BY the database must agree with (the default order breaks ties; an
# unknown date sorts first, as the lowest, on either engine).
ENTITY_SORTS = {
    "name": "name, id", "-name": "name DESC, id", "uscc": "uscc, id", "-uscc": "uscc DESC, id",
    "established": "established NULLS FIRST, id",
    "-established": "established DESC NULLS LAST, id",
    "credit,-established": "credit, established DESC NULLS LAST, id",
    "-credit,name": "credit DESC, name, id",
    "region,-uscc": "region, uscc DESC, id", "region,credit,-established":
        "region, credit, established DESC NULLS LAST, id",
}
USER_SORTS = {
    "id": "id", "-id": "id DESC", "username": "username, id", "-username": "username DESC, id",
    "role": "role, id", "role,-username": "role, username DESC, id",
    "created_at": "created_at, id", "-created_at": "created_at DESC, id",
    "-created_at,-role": "created_at DESC, role DESC, id",
}


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory):
    return demo_city(tmp_path_factory, "composer", staff={
        "admin": "admin", "city": "bureau", "county": "bureau_dcf", "inspector": "inspector"})


@pytest.fixture(scope="module")
def lst(demo_template):
    """A server shared by this module's tests, which only read (the exports' own audit rows
    aside: exports write none)."""
    with serving(demo_template) as s:
        yield s


# -- helpers ------------------------------------------------------------------------------------

def column(s, sql, params=()):
    return [row[0] for row in s.sql(sql, params)]


def csv_export(r, filename):
    assert r.status == 200, (r.status, r.raw[:300])
    assert r.headers["Content-Type"].startswith("text/csv")
    assert attachment_name(r.headers) == filename
    text = r.raw.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:], newline="")))
    return rows[0], rows[1:]


def xlsx_export(r, filename):
    """The rows of the first worksheet, each a list of cell texts (inline or shared strings)."""
    assert r.status == 200, (r.status, r.raw[:300])
    assert r.headers["Content-Type"] == XLSX_CT
    assert attachment_name(r.headers) == filename
    z = zipfile.ZipFile(io.BytesIO(r.raw))
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        sst = z.read("xl/sharedStrings.xml").decode("utf-8")
        shared = [unescape(re.sub(r"<[^>]+>", "", si))
                  for si in re.findall(r"<si>(.*?)</si>", sst, re.S)]
    sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    rows = []
    for row in re.findall(r"<row[^>]*>(.*?)</row>", sheet, re.S):
        cells = []
        for attrs, inner in re.findall(r"<c([^>]*?)(?:/>|>(.*?)</c>)", row, re.S):
            if 't="s"' in attrs:
                cells.append(shared[int(re.search(r"<v>(\d+)</v>", inner).group(1))])
            else:
                cells.append(unescape(re.sub(r"<[^>]+>", "", inner or "")))
        rows.append(cells)
    return rows


def unescape(text):
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


# -- sort ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("sort", list(ENTITY_SORTS))
def test_entities_sort(lst, sort):
    order = ENTITY_SORTS[sort]
    for page in (1, 4):
        items = ok(get(lst, ENT, sort=sort, page=page, page_size=200))["items"]
        expect = column(lst, f"SELECT uscc FROM entities ORDER BY {order} LIMIT 200 OFFSET ?",
                        ((page - 1) * 200,))
        assert [i["uscc"] for i in items] == expect, (sort, page)
    # The first key is actually in order in what the API answers, not only in what SQL says.
    key = sort.split(",")[0]
    values = [i[key.lstrip("-")] for i in ok(get(lst, ENT, sort=sort, page_size=200))["items"]]
    assert values == sorted(values, reverse=key.startswith("-"))


def test_sort_puts_nulls_first_on_every_engine(fresh_server):
    """An entity without a founding date sorts before every date ascending and after every
    date descending, on SQLite (which sorts NULL lowest) and PostgreSQL (highest) alike."""
    s = fresh_server
    made = []
    for n, established in enumerate((None, "2001-05-06", "1999-01-02")):
        body = {"uscc": valid_uscc(f"NL{n:06d}"), "name": f"空值排序测试{n}有限公司",
                "kind": "enterprise", "region": "371502"}
        if established:
            body["established"] = established
        r = s.req("POST", ENT, body, token=s.tokens["admin"])
        assert r.status == 201, r.raw[:300]
        made.append(r.body["uscc"])
    no_date, later, earlier = made

    def order(sort):
        return [i["uscc"] for i in ok(get(s, ENT, sort=sort, q="空值排序测试"))["items"]]

    assert order("established") == [no_date, earlier, later]
    assert order("-established") == [later, earlier, no_date]
    assert order("-established,name") == [later, earlier, no_date]
    r = get(s, ENT, sort="established", format="csv", q="空值排序测试")
    assert [line.split(",")[0] for line in r.raw.decode("utf-8-sig").splitlines()[1:]] == [
        no_date, earlier, later]


def test_entities_sort_with_filters_and_search(lst):
    items = ok(get(lst, ENT, sort="-established", credit="A", page_size=200))["items"]
    assert [i["uscc"] for i in items] == column(
        lst, "SELECT uscc FROM entities WHERE credit = 'A' ORDER BY established DESC, id LIMIT 200")
    assert {i["credit"] for i in items} == {"A"}
    # A name search (3+ characters: the full-text index drives the query) keeps the sort.
    items = ok(get(lst, ENT, q="有限公司", sort="name", page=2, page_size=50))["items"]
    assert [i["uscc"] for i in items] == column(
        lst, "SELECT uscc FROM entities WHERE instr(name, '有限公司') > 0 ORDER BY name, id"
             " LIMIT 50 OFFSET 50")
    # ... and so does a short fragment and a code prefix.
    items = ok(get(lst, ENT, q="店", sort="-uscc", page_size=100))["items"]
    assert [i["uscc"] for i in items] == column(
        lst, "SELECT uscc FROM entities WHERE instr(name, '店') > 0 ORDER BY uscc DESC, id"
             " LIMIT 100")
    prefix = lst.scalar("SELECT substr(uscc, 1, 8) FROM entities ORDER BY id LIMIT 1")
    items = ok(get(lst, ENT, q=prefix, sort="-name", page_size=100))["items"]
    assert [i["uscc"] for i in items] == column(
        lst, "SELECT uscc FROM entities WHERE substr(uscc, 1, 8) = ? ORDER BY name DESC, id"
             " LIMIT 100", (prefix,))
    # County staff: the data scope and the sort together.
    items = ok(get(lst, ENT, "county", sort="-name", page_size=100))["items"]
    assert [i["uscc"] for i in items] == column(
        lst, "SELECT uscc FROM entities WHERE region = '371502' ORDER BY name DESC, id LIMIT 100")


def test_entities_export_follows_sort(lst):
    header, rows = csv_export(get(lst, ENT, format="csv", sort="-established,uscc", kind="other"),
                              export_name("市场主体", "csv"))
    assert [r[header.index("uscc")] for r in rows] == column(
        lst, "SELECT uscc FROM entities WHERE kind = 'other' ORDER BY established DESC, uscc, id")


@pytest.mark.parametrize("sort", list(USER_SORTS))
def test_users_sort(lst, sort):
    order = USER_SORTS[sort]
    items = ok(get(lst, USERS, sort=sort, page_size=200))["items"]
    assert len(items) == lst.scalar("SELECT count(*) FROM users") > 40
    assert [i["id"] for i in items] == column(lst, f"SELECT id FROM users ORDER BY {order}")
    items = ok(get(lst, USERS, sort=sort, page=3, page_size=7))["items"]
    assert [i["id"] for i in items] == column(
        lst, f"SELECT id FROM users ORDER BY {order} LIMIT 7 OFFSET 14")
    key = sort.split(",")[0]
    values = [i[key.lstrip("-")] for i in ok(get(lst, USERS, sort=sort, page_size=200))["items"]]
    assert values == sorted(values, reverse=key.startswith("-"))


def test_users_sort_with_filters_and_export(lst):
    items = ok(get(lst, USERS, role="officer", sort="-username", page_size=200))["items"]
    assert [i["username"] for i in items] == column(
        lst, "SELECT username FROM users WHERE role = 'officer' ORDER BY username DESC, id")
    header, rows = csv_export(get(lst, USERS, format="csv", sort="-id"), export_name("用户", "csv"))
    assert [int(r[0]) for r in rows] == column(lst, "SELECT id FROM users ORDER BY id DESC")


@pytest.mark.parametrize("path,sort", [
    (ENT, "bogus"), (ENT, "-"), (ENT, ","), (ENT, "name,,uscc"), (ENT, "+name"), (ENT, "Name"),
    (ENT, "name desc"), (ENT, "id"), (ENT, "officer"), (ENT, "e.name"), (ENT, "name;drop"),
    (ENT, "name,uscc,credit,region,established"), (ENT, "--name"),
    (USERS, "bogus"), (USERS, "name"), (USERS, "password_hash"), (USERS, "display_name"),
    (USERS, "id,username,role,created_at,-id"),
    (AUDIT, "id"), (LOGIN_LOG, "at"),
])
def test_bad_sort_422(lst, path, sort):
    r = get(lst, path, sort=sort)
    assert_refused(r, 422, field="sort", code="validation_failed")
    # Exports check it too.
    r = get(lst, path, sort=sort, format="csv")
    assert_refused(r, 422, field="sort", code="validation_failed")


def test_three_distinct_sort_keys_allowed(lst):
    r = get(lst, ENT, sort="region,credit,-name", page_size=5)
    assert r.status == 200
    r = get(lst, USERS, sort="role,-created_at,username", page_size=5)
    assert r.status == 200
    # A fourth key, or a key twice, would only multiply the statements the server keeps.
    for bad in ("region,credit,-name,uscc", "name,-name", "credit,region,credit"):
        r = get(lst, ENT, sort=bad, page_size=5)
        assert r.status == 422 and r.body["error"]["field"] == "sort", bad


# -- page edges ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path,count_sql,size", [
    (ENT, "SELECT count(*) FROM entities", 200),
    (ENT, "SELECT count(*) FROM entities WHERE region = '371524'", 30),
    (USERS, "SELECT count(*) FROM users", 7),
    (AUDIT, "SELECT count(*) FROM audit_log", 13),
])
def test_page_edges(lst, path, count_sql, size):
    total = lst.scalar(count_sql)
    params = {"region": "371524"} if "371524" in count_sql else {}
    last = math.ceil(total / size)
    assert total > size
    b = ok(get(lst, path, page=last, page_size=size, **params))
    assert b["total"] == total and b["page"] == last and b["page_size"] == size
    assert len(b["items"]) == total - (last - 1) * size > 0
    before_last = ok(get(lst, path, page=last - 1, page_size=size, **params))
    assert len(before_last["items"]) == size
    seen = {json_key(i) for i in before_last["items"]}
    assert not seen & {json_key(i) for i in b["items"]}
    for page in (last + 1, last + 100, 1000000):
        b = ok(get(lst, path, page=page, page_size=size, **params))
        assert b["items"] == [] and b["total"] == total and b["page"] == page
    b = ok(get(lst, path, page_size=200, **params))
    assert b["page_size"] == 200 and len(b["items"]) == min(200, total)
    b = ok(get(lst, path, page_size=1, **params))
    assert len(b["items"]) == 1 and b["total"] == total


def json_key(item):
    return item.get("uscc") or item.get("id")


@pytest.mark.parametrize("path", [ENT, USERS, AUDIT, LOGIN_LOG])
@pytest.mark.parametrize("params,field", [
    ({"page_size": 201}, "page_size"), ({"page_size": 0}, "page_size"),
    ({"page_size": "20a"}, "page_size"), ({"page": 0}, "page"), ({"page": 1000001}, "page"),
    ({"page": -1}, "page"), ({"format": "json5"}, "format"),
])
def test_page_and_format_limits_422(lst, path, params, field):
    assert_refused(get(lst, path, **params), 422, field=field, code="validation_failed")


# -- capped counts ------------------------------------------------------------------------------

@pytest.mark.parametrize("path,params", [
    (ENT, {}), (ENT, {"credit": "D"}), (ENT, {"q": "合作社"}), (USERS, {}), (AUDIT, {}),
    (LOGIN_LOG, {}), (AUDIT, {"action": "user.create"}),
])
def test_total_exact_absent_on_small_sets(lst, path, params):
    b = ok(get(lst, path, page_size=1, **params))
    assert set(b) == {"items", "total", "page", "page_size"}
    assert "total_exact" not in b


def test_total_exact_false_past_the_cap(demo_template):
    """Past 10,000 matches an entity list answers total = 10000 and total_exact = false; under
    the cap (a filter, or a county's scope) the member is absent and the total exact."""
    with serving(demo_template) as s:
        have = s.scalar("SELECT count(*) FROM entities")
        rows = ["uscc,name,kind,region"]
        for n in range(10001 - have + 50):
            rows.append(f"{cap_uscc(n)},上限测试企业{n}有限公司,enterprise,371581")
        r = s.req("POST", ENT + "/import", raw=("\r\n".join(rows) + "\r\n").encode(),
                  headers={"Content-Type": "text/csv"}, token=s.tokens["admin"], timeout=120)
        assert r.status == 201, r.raw[:300]
        total = s.scalar("SELECT count(*) FROM entities")
        assert total > 10000
        b = ok(get(s, ENT, page_size=5))
        assert b["total"] == 10000 and b["total_exact"] is False
        assert len(b["items"]) == 5
        b = ok(get(s, ENT, sort="-name", page_size=5))
        assert b["total"] == 10000 and b["total_exact"] is False
        # Under the cap: exact, and no total_exact.
        for params, sql in (({"region": "371502"}, "region = '371502'"),
                            ({"credit": "D"}, "credit = 'D'")):
            b = ok(get(s, ENT, page_size=1, **params))
            assert "total_exact" not in b
            assert b["total"] == s.scalar(f"SELECT count(*) FROM entities WHERE {sql}")
        b = ok(get(s, ENT, "county", page_size=1))
        assert "total_exact" not in b
        assert b["total"] == s.scalar("SELECT count(*) FROM entities WHERE region = '371502'")
        # The users list counts exactly, always.
        assert "total_exact" not in ok(get(s, USERS, page_size=1))
        # An export is not capped by the count: every row.
        _, rows = csv_export(get(s, ENT, format="csv"), export_name("市场主体", "csv"))
        assert len(rows) == total


CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def cap_uscc(n):
    """A valid USCC in 371581 whose organisation body no demo entity has."""
    org = "Y"
    for _ in range(6):
        org += CHARSET[n % 31]
        n //= 31
    org += "K"
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    c = 11 - sum((int(ch) if ch.isdigit() else ord(ch) - 55) * w
                 for ch, w in zip(org, weights)) % 11
    body = "91371581" + org + ("X" if c == 10 else "0" if c == 11 else str(c))
    total = sum(CHARSET.index(ch) * pow(3, i, 31) for i, ch in enumerate(body))
    return body + CHARSET[(31 - total % 31) % 31]


# -- exports ------------------------------------------------------------------------------------

def test_users_export_csv(lst):
    header, rows = csv_export(get(lst, USERS, format="csv"), export_name("用户", "csv"))
    assert header == USER_COLUMNS
    db = lst.sql("SELECT id, username, display_name, role, region, department, entity, disabled"
                 " FROM users ORDER BY id")
    assert len(rows) == len(db)
    for row, (uid, username, display, role, region, dept, entity, disabled) in zip(rows, db):
        got = dict(zip(header, row))
        assert (int(got["id"]), got["username"], got["display_name"], got["role"],
                got["region"]) == (uid, username, display, role, region)
        assert got["department"] == ("" if dept is None else str(dept))
        assert got["entity"] == (entity or "")
        assert got["disabled"] == ("true" if disabled else "false")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", got["created_at"])
        assert has_chinese(got["region_name"])
    # Nothing secret and no decoration: the export is the record's columns.
    text = get(lst, USERS, format="csv").raw.decode("utf-8")
    assert "argon2" not in text and "role_name" not in text
    # Filters apply to exports.
    _, rows = csv_export(get(lst, USERS, format="csv", role="officer"), export_name("用户", "csv"))
    assert len(rows) == lst.scalar("SELECT count(*) FROM users WHERE role = 'officer'") > 1
    assert {r[3] for r in rows} == {"officer"}
    _, rows = csv_export(get(lst, USERS, format="csv", q="no-such-user"), export_name("用户", "csv"))
    assert rows == []


def test_users_export_xlsx(lst):
    rows = xlsx_export(get(lst, USERS, format="xlsx"), export_name("用户", "xlsx"))
    assert rows[0] == USER_LABELS
    assert len(rows) == 1 + lst.scalar("SELECT count(*) FROM users")
    usernames = column(lst, "SELECT username FROM users ORDER BY id")
    assert [r[1] for r in rows[1:]] == usernames
    rows = xlsx_export(get(lst, USERS, format="xlsx", region="371502"), export_name("用户", "xlsx"))
    assert len(rows) == 1 + lst.scalar("SELECT count(*) FROM users WHERE region = '371502'")


def test_audit_export_csv_and_xlsx(lst):
    header, rows = csv_export(get(lst, AUDIT, format="csv"), export_name("操作日志", "csv"))
    assert header == AUDIT_COLUMNS
    assert [int(r[0]) for r in rows] == column(lst, "SELECT id FROM audit_log ORDER BY id DESC")
    assert {r[5] for r in rows} == set(column(lst, "SELECT DISTINCT action FROM audit_log"))
    _, rows = csv_export(get(lst, AUDIT, format="csv", action="demo.generate"), export_name("操作日志", "csv"))
    assert len(rows) == 1 and rows[0][5] == "demo.generate"
    rows = xlsx_export(get(lst, AUDIT, format="xlsx"), export_name("操作日志", "xlsx"))
    assert rows[0] == AUDIT_LABELS
    assert len(rows) == 1 + lst.scalar("SELECT count(*) FROM audit_log")
    rows = xlsx_export(get(lst, AUDIT, format="xlsx", action="user.create"), export_name("操作日志", "xlsx"))
    assert len(rows) == 1 + lst.scalar("SELECT count(*) FROM audit_log"
                                       " WHERE action = 'user.create'")


def test_login_log_export(lst):
    lst.login("admin")
    assert lst.req("POST", "/api/v1/auth/login",
                   {"username": "admin", "password": "wrong-pass"}).status == 401
    header, rows = csv_export(get(lst, LOGIN_LOG, format="csv"), export_name("登录日志", "csv"))
    assert header == AUDIT_COLUMNS
    assert [int(r[0]) for r in rows] == column(
        lst, "SELECT id FROM audit_log WHERE action LIKE 'auth.%' ORDER BY id DESC")
    assert rows and {r[5] for r in rows} <= {"auth.login", "auth.login_failed", "auth.logout"}
    rows = xlsx_export(get(lst, LOGIN_LOG, format="xlsx"), export_name("登录日志", "xlsx"))
    assert rows[0] == AUDIT_LABELS


@pytest.mark.parametrize("who", ["city", "county", "inspector"])
@pytest.mark.parametrize("path", [USERS, AUDIT, LOGIN_LOG])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_non_admin_cannot_export(lst, who, path, fmt):
    r = get(lst, path, who, format=fmt)
    assert_refused(r, 403, code="forbidden")
    assert r.headers["Content-Type"].startswith("application/json")
    assert "Content-Disposition" not in r.headers


def test_anonymous_cannot_export(lst):
    for path in (USERS, AUDIT, LOGIN_LOG, ENT):
        r = lst.req("GET", path + "?format=csv")
        assert_refused(r, 401, code="unauthorized")
        assert "Content-Disposition" not in r.headers
