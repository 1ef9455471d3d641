"""Exports as clerks and machines get them: the direct `?format=xlsx|csv` downloads (Chinese
headers, labels, 是/否 and real dates in Excel; codes in CSV), background export jobs
(POST /api/v1/exports, progress, the file, privacy, refusals), and the over-limit flow on a
database of more than 100 000 entities: the direct export refuses (export_too_large), a job
delivers every row, the per-user and global job limits hold, and SIGTERM stops a running job.

Two templates: the small demo city (`demo --scale small --seed 5`, 7 100 entities) plus an
administrator, and a copy of it grown to BIG_ROWS entities by copying rows in SQL.
"""

import csv
import datetime
import io
import os
import re
import time
import zipfile
from types import SimpleNamespace
from urllib.parse import urlencode

import openpyxl
import pytest

from conftest import Server, assert_refused, copy_db, demo_city, get, grow_entities, has_chinese, ok
from conftest import attachment_name, export_name, serving

ENT = "/api/v1/entities"
USERS = "/api/v1/users"
AUDIT = "/api/v1/audit"
LOGIN_LOG = "/api/v1/login-log"
EXPORTS = "/api/v1/exports"
XLSX_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BIG_ROWS = 101_000  # past EXPORT_MAX_ROWS (100 000)
DIRECT_MAX = 100_000

# logical name -> demo username
STAFF = {"admin": "admin", "city": "bureau", "county": "bureau_dcf", "inspector": "inspector"}
OWN = "371502"


# -- fixtures -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_template(tmp_path_factory):
    return demo_city(tmp_path_factory, "exports", staff=STAFF)


@pytest.fixture(scope="module")
def ex(demo_template):
    """A server on the small demo city shared by this module's small-database tests."""
    with serving(demo_template) as s:
        yield s


@pytest.fixture(scope="module")
def big_template(demo_template, tmp_path_factory):
    d = tmp_path_factory.mktemp("exports-big")
    db = copy_db(demo_template.db, str(d / "big.db"))
    grow_entities(db, BIG_ROWS, "ZX")
    return SimpleNamespace(db=db, ids=dict(demo_template.ids), tokens=dict(demo_template.tokens))


def start_with_tmpdir(template, tmp, extra=()):
    """A Server whose temporary export files go to tmp (an empty directory)."""
    s = Server(template, extra, env={"TMPDIR": tmp})
    s.export_tmp = tmp
    return s


@pytest.fixture(scope="module")
def big(big_template, tmp_path_factory):
    s = start_with_tmpdir(big_template, str(tmp_path_factory.mktemp("big-tmpdir")))
    try:
        yield s
    finally:
        try:
            s.stop()
        finally:
            s.cleanup()


# -- helpers ------------------------------------------------------------------------------------

def url(path, **params):
    return path + ("?" + urlencode(params) if params else "")


def all_items(s, path, who="admin", **params):
    """Every item of a list, page by page (200 a page)."""
    items, page = [], 1
    while True:
        b = ok(get(s, path, who, page=page, page_size=200, **params))
        items += b["items"]
        if len(b["items"]) < 200:
            assert "total_exact" not in b and b["total"] == len(items)
            return items
        page += 1


def xlsx_sheet(r, filename):
    """The first worksheet of an XLSX answer (openpyxl), after checking the answer's framing."""
    assert r.status == 200, (r.status, r.raw[:300])
    assert r.headers["Content-Type"] == XLSX_CT
    assert attachment_name(r.headers) == filename
    assert int(r.headers["Content-Length"]) == len(r.raw)
    wb = openpyxl.load_workbook(io.BytesIO(r.raw))
    assert len(wb.worksheets) == 1
    return wb.worksheets[0]


def sheet_rows(ws):
    return [list(row) for row in ws.iter_rows(values_only=True)]


def csv_table(r, filename):
    assert r.status == 200, (r.status, r.raw[:300])
    assert r.headers["Content-Type"].startswith("text/csv")
    assert attachment_name(r.headers) == filename
    text = r.raw.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:], newline="")))
    return rows[0], rows[1:]


def meta_fields(s, record, who="admin"):
    return ok(get(s, "/api/v1/meta", who))["records"][record]["fields"]


def china_datetime(rfc3339):
    """"2026-12-03T03:28:40+08:00" as the naive China-time datetime Excel cells carry."""
    dt = datetime.datetime.fromisoformat(rfc3339)
    assert dt.utcoffset() == datetime.timedelta(hours=8), rfc3339
    return dt.replace(tzinfo=None)


def excel_value(fields, name, value):
    """What the XLSX cell of field name holds for the JSON value: an enumeration's label,
    是/否, a date, a number, text (an empty text is an empty cell)."""
    f = fields[name]
    if value is None or value == "":
        return None
    if "values" in f:
        return f["values"][value]
    if isinstance(value, bool):
        return "是" if value else "否"
    if name == "established":
        return datetime.datetime.strptime(value, "%Y-%m-%d")
    if name == "created_at":
        return china_datetime(value)
    return value


def csv_value(value):
    """The CSV text of a JSON value: codes, true/false, empty for null."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def assert_xlsx_matches(rows, items, fields):
    """rows (header first) are items in Excel form: Chinese labels, enumeration labels, ..."""
    keys = list(items[0])
    assert rows[0] == [fields[k]["label"] for k in keys]
    assert all(has_chinese(h) for h in rows[0])
    assert len(rows) == 1 + len(items)
    for row, item in zip(rows[1:], items):
        assert len(row) == len(keys)
        expect = [excel_value(fields, k, item[k]) for k in keys]
        assert row == expect, (item, row)


def assert_csv_matches(header, rows, items):
    keys = list(items[0])
    assert header == keys
    assert len(rows) == len(items)
    for row, item in zip(rows, items):
        assert row == [csv_value(item[k]) for k in keys], (item, row)


def create_job(s, body, who="admin"):
    return s.req("POST", EXPORTS, body, token=s.tokens[who])


def job(s, job_id, who="admin"):
    return s.req("GET", f"{EXPORTS}/{job_id}", token=s.tokens[who])


def wait_job(s, job_id, who="admin", timeout=60, poll=0.05):
    """Polls the job until it is no longer running; returns (final body, bodies seen)."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        b = ok(job(s, job_id, who))
        seen.append(b)
        if b["status"] != "running":
            return b, seen
        assert time.monotonic() < deadline, f"job {job_id} still running after {timeout} s: {b}"
        time.sleep(poll)


def job_file(s, job_id, who="admin", timeout=60):
    return s.req("GET", f"{EXPORTS}/{job_id}/file", token=s.tokens[who], timeout=timeout)


def assert_job_shape(b, path, fmt, filename):
    assert set(b) >= {"id", "status", "path", "format", "rows", "total", "filename"}, b
    assert re.fullmatch(r"[0-9a-f]{16}", b["id"]), b
    assert b["path"] == path and b["format"] == fmt and b["filename"] == filename, b
    assert isinstance(b["rows"], int) and b["rows"] >= 0
    assert b["total"] is None or isinstance(b["total"], int)


def xlsx_row_count(raw):
    """The number of <row> elements of sheet 1 (fast, for workbooks of 100 000 rows)."""
    z = zipfile.ZipFile(io.BytesIO(raw))
    return len(re.findall(rb"<row ", z.read("xl/worksheets/sheet1.xml")))


# -- direct exports: Excel for clerks, CSV for machines ----------------------------------------

@pytest.mark.parametrize("params", [{"region": "371573"}, {"key": "true"},
                                    {"status": "deregistered", "region": "371502"}])
def test_entities_xlsx_is_for_clerks(ex, params):
    fields = meta_fields(ex, "entity")
    items = all_items(ex, ENT, **params)
    assert items
    ws = xlsx_sheet(get(ex, ENT, format="xlsx", **params), export_name("市场主体", "xlsx"))
    assert ws.title == "市场主体"
    rows = sheet_rows(ws)
    assert_xlsx_matches(rows, items, fields)
    # The same rows as the database holds, in its order.
    where = " AND ".join(f"{k} = ?" for k in params)
    values = [1 if v == "true" else v for v in params.values()]
    assert [r[0] for r in rows[1:]] == [u for (u,) in ex.sql(
        f"SELECT uscc FROM entities WHERE {where} ORDER BY id", values)]
    # Enumerations are labels, never codes; booleans 是/否; dates real dates.
    col = {k: i for i, k in enumerate(items[0])}
    for row in rows[1:]:
        assert row[col["kind"]] in fields["kind"]["values"].values()
        assert row[col["status"]] in fields["status"]["values"].values()
        assert row[col["credit"]] in ("A 级", "B 级", "C 级", "D 级")
        assert row[col["tier"]] in fields["tier"]["values"].values()
        assert row[col["key"]] in ("是", "否")
        assert row[col["established"]] is None or isinstance(row[col["established"]],
                                                             datetime.datetime)
        for k in ("chain", "annual_report_year", "officer"):
            assert row[col[k]] is None or type(row[col[k]]) is int
    established = [r[col["established"]] for r in rows[1:] if r[col["established"]]]
    assert established, "no dated rows to check"
    # The cells hold dates formatted as dates, not text that looks like one.
    cell = ws.cell(row=2 + [r[col["established"]] is not None for r in rows[1:]].index(True),
                   column=col["established"] + 1)
    assert cell.is_date and cell.number_format == "yyyy-mm-dd"
    if params.get("key") == "true":
        assert {r[col["key"]] for r in rows[1:]} == {"是"}
        assert all(has_chinese(r[col["officer_name"]]) for r in rows[1:])
    if params.get("status") == "deregistered":
        assert {r[col["status"]] for r in rows[1:]} == {"注销"}


def test_entities_xlsx_covers_every_enumeration_seen(ex):
    """Over the whole city, every code the database holds comes out as its label."""
    fields = meta_fields(ex, "entity")
    r = get(ex, ENT, format="xlsx")
    assert attachment_name(r.headers) == export_name("市场主体", "xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(r.raw), read_only=True)
    rows = [list(row) for row in wb.worksheets[0].iter_rows(values_only=True)]
    wb.close()
    header = rows[0]
    assert len(rows) == 1 + ex.scalar("SELECT count(*) FROM entities")
    for name in ("kind", "tier", "credit", "status"):
        i = header.index(fields[name]["label"])
        codes = {c for (c,) in ex.sql(f"SELECT DISTINCT {name} FROM entities")}
        assert len(codes) > 1, name
        assert {r[i] for r in rows[1:]} == {fields[name]["values"][c] for c in codes}, name
    i = header.index(fields["key"]["label"])
    assert {r[i] for r in rows[1:]} == {"是", "否"}


@pytest.mark.parametrize("params", [{"region": "371573"}, {"key": "true"}, {"credit": "D"}])
def test_entities_csv_stays_machine_readable(ex, params):
    items = all_items(ex, ENT, **params)
    header, rows = csv_table(get(ex, ENT, format="csv", **params), export_name("市场主体", "csv"))
    assert_csv_matches(header, rows, items)
    col = {k: i for i, k in enumerate(header)}
    assert {r[col["kind"]] for r in rows} <= {"enterprise", "individual", "cooperative", "other"}
    assert {r[col["status"]] for r in rows} <= {"active", "deregistered", "revoked"}
    assert {r[col["key"]] for r in rows} <= {"true", "false"}
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d|", r[col["established"]]) for r in rows)
    # The Excel export of the same filter has the same rows.
    ws = xlsx_sheet(get(ex, ENT, format="xlsx", **params), export_name("市场主体", "xlsx"))
    xrows = sheet_rows(ws)
    assert len(xrows) == 1 + len(rows)
    assert [r[0] for r in xrows[1:]] == [r[col["uscc"]] for r in rows]


def test_users_xlsx_labels_and_csv_codes(ex):
    fields = meta_fields(ex, "user")
    items = all_items(ex, USERS)
    for item in items:
        item.pop("role_name")  # a decoration of the JSON list, not a column
    ws = xlsx_sheet(get(ex, USERS, format="xlsx"), export_name("用户", "xlsx"))
    assert ws.title == "用户"
    rows = sheet_rows(ws)
    assert_xlsx_matches(rows, items, fields)
    role = rows[0].index("角色")
    assert {r[role] for r in rows[1:]} >= {"系统管理员", "市场监管人员", "驻企服务员", "企业"}
    created = rows[0].index("创建时间")
    assert all(isinstance(r[created], datetime.datetime) for r in rows[1:])
    disabled = rows[0].index("已停用")
    assert {r[disabled] for r in rows[1:]} <= {"是", "否"}
    assert rows[1][0] == items[0]["id"] and type(rows[1][0]) is int
    header, crows = csv_table(get(ex, USERS, format="csv"), export_name("用户", "csv"))
    assert_csv_matches(header, crows, items)
    assert {r[header.index("role")] for r in crows} >= {"admin", "bureau", "officer", "enterprise"}
    assert len(crows) == ex.scalar("SELECT count(*) FROM users")


def test_audit_and_login_log_exports(ex):
    ex.login("admin")  # a login row for the login log
    items = all_items(ex, AUDIT)
    fields = meta_fields(ex, "audit")
    ws = xlsx_sheet(get(ex, AUDIT, format="xlsx"), export_name("操作日志", "xlsx"))
    assert ws.title == "操作日志"  # the sheet is named after the list, as the file
    rows = sheet_rows(ws)
    # Rows may have been added by the login between the list and the export: compare the
    # export's rows to the list's where both have them.
    assert rows[0] == [fields[k]["label"] for k in items[0] if k != "action_label"]
    assert len(rows) - 1 == ex.scalar("SELECT count(*) FROM audit_log")
    at = rows[0].index("时间")
    by_id = {i["id"]: i for i in items}
    for row in rows[1:]:
        assert isinstance(row[at], datetime.datetime)
        if row[0] in by_id:
            assert row[at] == china_datetime(by_id[row[0]]["at"])
    header, crows = csv_table(get(ex, LOGIN_LOG, format="csv"), export_name("登录日志", "csv"))
    assert [int(r[0]) for r in crows] == [i for (i,) in ex.sql(
        "SELECT id FROM audit_log WHERE action LIKE 'auth.%' ORDER BY id DESC")]
    assert crows and {r[header.index("action")] for r in crows} <= {
        "auth.login", "auth.login_failed", "auth.logout"}
    ws = xlsx_sheet(get(ex, LOGIN_LOG, format="xlsx"), export_name("登录日志", "xlsx"))
    assert ws.title == "登录日志"
    assert len(sheet_rows(ws)) == 1 + len(crows)


# -- background jobs on the small city ----------------------------------------------------------

def test_job_exports_filtered_entities(ex):
    body = {"path": ENT, "query": {"region": OWN}, "format": "xlsx"}
    r = create_job(ex, body)
    assert r.status == 202, r.raw[:300]
    name = export_name("市场主体", "xlsx")
    assert_job_shape(r.body, ENT, "xlsx", name)
    assert r.body["status"] in ("running", "done")
    final, seen = wait_job(ex, r.body["id"])
    count = ex.scalar("SELECT count(*) FROM entities WHERE region = ?", (OWN,))
    assert final["status"] == "done" and final["rows"] == final["total"] == count > 1000
    assert "error" not in final
    assert_job_shape(final, ENT, "xlsx", name)
    rows_seen = [b["rows"] for b in seen]
    assert rows_seen == sorted(rows_seen)
    f = job_file(ex, r.body["id"])
    assert attachment_name(f.headers) == final["filename"] == name
    rows = sheet_rows(xlsx_sheet(f, name))
    fields = meta_fields(ex, "entity")
    assert rows[0][:4] == ["统一社会信用代码", "名称", "主体类型", "区划代码"]
    assert len(rows) == 1 + count
    assert [r[0] for r in rows[1:]] == [u for (u,) in ex.sql(
        "SELECT uscc FROM entities WHERE region = ? ORDER BY id", (OWN,))]
    assert {r[3] for r in rows[1:]} == {OWN}
    assert {r[2] for r in rows[1:]} <= set(fields["kind"]["values"].values())
    assert {r[4] for r in rows[1:]} == {"东昌府区"}
    # The file is the same as the direct export of that filter, and can be fetched again.
    again = job_file(ex, r.body["id"])
    assert again.raw == f.raw
    direct = sheet_rows(xlsx_sheet(get(ex, ENT, format="xlsx", region=OWN), name))
    assert direct == rows


def test_job_csv_with_sort_and_users_list(ex):
    r = create_job(ex, {"path": ENT, "query": {"credit": "D", "sort": "-established"},
                        "format": "csv"})
    assert r.status == 202, r.raw[:300]
    final, _ = wait_job(ex, r.body["id"])
    expect = [u for (u,) in ex.sql(
        "SELECT uscc FROM entities WHERE credit = 'D' ORDER BY established DESC, id")]
    assert final["status"] == "done" and final["rows"] == final["total"] == len(expect) > 0
    header, rows = csv_table(job_file(ex, r.body["id"]), export_name("市场主体", "csv"))
    assert [row[0] for row in rows] == expect
    assert {row[header.index("credit")] for row in rows} == {"D"}
    # Users (administrators only), null query, CSV: codes.
    r = create_job(ex, {"path": USERS, "query": None, "format": "csv"})
    assert r.status == 202, r.raw[:300]
    assert r.body["filename"] == export_name("用户", "csv")
    final, _ = wait_job(ex, r.body["id"])
    header, rows = csv_table(job_file(ex, r.body["id"]), export_name("用户", "csv"))
    assert final["rows"] == len(rows) == ex.scalar("SELECT count(*) FROM users")
    assert {row[header.index("role")] for row in rows} >= {"admin", "officer"}
    # The login log, as Excel: named after the list.
    r = create_job(ex, {"path": LOGIN_LOG, "format": "xlsx"})
    assert r.status == 202, r.raw[:300]
    final, _ = wait_job(ex, r.body["id"])
    assert final["status"] == "done"
    assert final["filename"] == export_name("登录日志", "xlsx")
    rows = sheet_rows(xlsx_sheet(job_file(ex, r.body["id"]), export_name("登录日志", "xlsx")))
    assert len(rows) - 1 == final["rows"]


def test_job_scope_of_a_county_user(ex):
    """A county bureau user asking for the whole city gets its county's rows only; asking for
    another county fails like the list does (403)."""
    r = create_job(ex, {"path": ENT, "query": {}, "format": "csv"}, "county")
    assert r.status == 202, r.raw[:300]
    final, _ = wait_job(ex, r.body["id"], "county")
    count = ex.scalar("SELECT count(*) FROM entities WHERE region = ?", (OWN,))
    assert final["status"] == "done" and final["rows"] == final["total"] == count
    assert count < ex.scalar("SELECT count(*) FROM entities")
    header, rows = csv_table(job_file(ex, r.body["id"], "county"), export_name("市场主体", "csv"))
    assert len(rows) == count and {row[header.index("region")] for row in rows} == {OWN}
    for region in ("371503", "371500"):
        r = create_job(ex, {"path": ENT, "query": {"region": region}, "format": "csv"}, "county")
        assert r.status == 202, r.raw[:300]
        final, _ = wait_job(ex, r.body["id"], "county")
        assert final["status"] == "failed" and final["error"]["code"] == "forbidden", final
        assert has_chinese(final["error"]["message"])
        assert_refused(job_file(ex, r.body["id"], "county"), 409, "export_not_ready")


def test_jobs_are_private(ex):
    r = create_job(ex, {"path": ENT, "query": {"credit": "A"}, "format": "csv"})
    assert r.status == 202
    jid = r.body["id"]
    wait_job(ex, jid)
    for who in ("city", "county", "inspector"):
        assert_refused(job(ex, jid, who), 404, "not_found")
        f = job_file(ex, jid, who)
        assert_refused(f, 404, "not_found")
        assert "Content-Disposition" not in f.headers
    # Unknown ids, the right shape or not.
    for bad in ("0000000000000000", jid[:-1], jid + "0", "nothing", "%2e%2e"):
        assert_refused(ex.req("GET", f"{EXPORTS}/{bad}", token=ex.tokens["admin"]), 404)
        assert_refused(ex.req("GET", f"{EXPORTS}/{bad}/file", token=ex.tokens["admin"]), 404)
    # No credentials.
    assert_refused(ex.req("GET", f"{EXPORTS}/{jid}"), 401, "unauthorized")
    assert_refused(ex.req("GET", f"{EXPORTS}/{jid}/file"), 401, "unauthorized")
    # The owner still has it.
    assert ok(job(ex, jid))["status"] == "done"


@pytest.mark.parametrize("query,field", [({"credit": "Z"}, "credit"), ({"region": "999999"},
                                                                       "region"),
                                         ({"sort": "bogus"}, "sort")])
def test_job_with_a_bad_filter_fails(ex, query, field):
    r = create_job(ex, {"path": ENT, "query": query, "format": "xlsx"})
    assert r.status == 202, r.raw[:300]
    final, _ = wait_job(ex, r.body["id"])
    assert final["status"] == "failed", final
    err = final["error"]
    assert err["code"] == "validation_failed" and err.get("field") == field, err
    assert has_chinese(err["message"])
    assert final["rows"] == 0
    f = job_file(ex, r.body["id"])
    assert_refused(f, 409, "export_not_ready")
    assert "Content-Disposition" not in f.headers


def test_job_refusals(ex):
    admin = ex.tokens["admin"]
    good = {"path": ENT, "query": {"region": OWN}, "format": "csv"}
    # No credentials, bad ones.
    assert_refused(ex.req("POST", EXPORTS, good), 401, "unauthorized")
    assert_refused(ex.req("POST", EXPORTS, good, token="x" * 43), 401, "unauthorized")
    # Not an exportable list.
    for path in ("/api/v1/officers", "/api/v1/nothing", "/api/v1/entities/", "/api/v1/meta",
                 "/api/v1/entities?region=371502", "/api/v1/exports", "/api/v1/audit/verify",
                 ENT.upper(), "", "/"):
        assert_refused(create_job(ex, {**good, "path": path}), 422, "validation_failed", "path")
    # A list the caller may not read is one it may not export: 403, as its direct export.
    for who in ("city", "county", "inspector"):
        for path in (USERS, AUDIT, LOGIN_LOG):
            assert_refused(create_job(ex, {"path": path, "format": "csv"}, who), 403,
                           "forbidden", "path")
            assert_refused(get(ex, path, who, format="csv"), 403, "forbidden")
    # Bad bodies.
    post = lambda raw, ct="application/json": ex.req(  # noqa: E731
        "POST", EXPORTS, raw=raw, headers={"Content-Type": ct}, token=admin)
    assert_refused(post(b'{"path": "/api/v1/entities",'), 400, "malformed_json")
    assert_refused(post(b'["/api/v1/entities"]'), 400, "malformed_json")
    assert_refused(post(b'{"path":"/api/v1/entities","path":"/api/v1/users","format":"csv"}'),
                   400, "malformed_json")
    for body, field in (({**good, "path": 5}, "path"), ({**good, "query": "x"}, "query"),
                        ({**good, "query": ["region"]}, "query"),
                        ({**good, "query": {"region": 5}}, "query"),
                        ({**good, "query": {"region": None}}, "query"),
                        ({**good, "query": {"region": {"a": 1}}}, "query"),
                        ({**good, "format": "pdf"}, "format"), ({**good, "format": "json"}, "format"),
                        ({**good, "format": 1}, "format"),
                        ({**good, "query": {"page": "2"}}, "query"),
                        ({**good, "query": {"page_size": "10"}}, "query"),
                        ({**good, "query": {"format": "csv"}}, "query"),
                        ({"path": ENT}, "format"), ({"format": "csv"}, "path"),
                        ({**good, "query": {f"f{i}": "x" for i in range(25)}}, "query")):
        assert_refused(create_job(ex, body), 422, "validation_failed", field)
    # A name the list does not read is refused before the job starts, as a direct export
    # refuses it, and the answer names what the list does read.
    for query in ({"regoin": OWN}, {"region": OWN, "per_page": "10"}, {"搜索": "x"}):
        r = create_job(ex, {**good, "query": query})
        assert_refused(r, 422, "unknown_parameter", "query")
        msg = r.body["error"]["message"]
        assert "region" in msg and "credit" in msg and has_chinese(msg), msg
        assert_refused(get(ex, ENT, "admin", format="csv", **query), 422, "unknown_parameter")
    big_body = {**good, "query": {"region": OWN, "q": "x" * 5000}}
    r = ex.req("POST", EXPORTS, big_body, token=admin)
    assert_refused(r, 413)
    r = ex.req("POST", EXPORTS, raw=b'{"path":"/api/v1/entities","format":"csv"}',
               headers={"Content-Type": "text/plain"}, token=admin)
    assert_refused(r, 415, "unsupported_media_type")
    # None of that made a job: two jobs still start at once (the per-user limit counts
    # running jobs only, and a refused request is none).
    for _ in range(2):
        r = create_job(ex, {"path": ENT, "query": {"region": OWN}, "format": "xlsx"})
        assert r.status == 202, r.raw[:300]
        wait_job(ex, r.body["id"])


def test_enterprise_account_cannot_export_the_registry(ex, demo_template):
    """An account bound to one entity may start jobs (the route is open to every role) but
    not of a list it cannot read."""
    cred = {}
    for line in (demo_template.dir / "credentials.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            user, password = line.split("\t")[:2]
            cred[user] = password
    token = ex.login("enterprise", cred["enterprise"])
    r = ex.req("POST", EXPORTS, {"path": ENT, "format": "csv"}, token=token)
    assert_refused(r, 403, "forbidden", "path")
    r = ex.req("GET", url(ENT, format="csv"), token=token)
    assert_refused(r, 403, "forbidden")


# -- past the direct limit: the big database ----------------------------------------------------

def test_big_direct_export_refused(big):
    total = big.scalar("SELECT count(*) FROM entities")
    assert total == BIG_ROWS > DIRECT_MAX
    b = ok(get(big, ENT, page_size=1))
    assert b["total_exact"] is False and b["total"] < total
    for fmt in ("csv", "xlsx"):
        r = get(big, ENT, format=fmt, timeout=120)
        err = assert_refused(r, 422, "export_too_large")
        assert "后台导出" in err["message"], err
        assert "Content-Disposition" not in r.headers
    # Under the limit (a filter) the direct export still answers.
    header, rows = csv_table(get(big, ENT, format="csv", region="371573"),
                             export_name("市场主体", "csv"))
    assert len(rows) == big.scalar("SELECT count(*) FROM entities WHERE region = '371573'")


def test_big_csv_job_has_every_row(big):
    r = create_job(big, {"path": ENT, "query": {}, "format": "csv"})
    assert r.status == 202, r.raw[:300]
    name = export_name("市场主体", "csv")
    assert_job_shape(r.body, ENT, "csv", name)
    final, seen = wait_job(big, r.body["id"], poll=0.02)
    assert final["status"] == "done", final
    assert final["rows"] == final["total"] == BIG_ROWS
    rows_seen = [b["rows"] for b in seen]
    assert rows_seen == sorted(rows_seen)
    assert all(b["total"] in (None, BIG_ROWS) for b in seen)
    f = job_file(big, r.body["id"])
    assert int(f.headers["Content-Length"]) == len(f.raw)
    header, rows = csv_table(f, name)
    assert header[:3] == ["uscc", "name", "kind"]
    assert len(rows) == big.scalar("SELECT count(*) FROM entities") == BIG_ROWS
    assert f.raw.count(b"\r\n") == BIG_ROWS + 1  # no name holds a line break
    assert rows[-1][0] == big.scalar("SELECT uscc FROM entities ORDER BY id DESC LIMIT 1")
    assert {row[2] for row in rows} <= {"enterprise", "individual", "cooperative", "other"}
    assert not [n for n in os.listdir(big.export_tmp) if n.startswith("jianguan-export")]


def test_big_xlsx_job_shows_progress(big):
    r = create_job(big, {"path": ENT, "format": "xlsx"})
    assert r.status == 202, r.raw[:300]
    jid = r.body["id"]
    # Not ready while it runs.
    early = job_file(big, jid)
    if ok(job(big, jid))["status"] == "running":
        assert_refused(early, 409, "export_not_ready")
        assert "Content-Disposition" not in early.headers
    final, seen = wait_job(big, jid, poll=0.1)
    assert final["status"] == "done" and final["rows"] == final["total"] == BIG_ROWS
    rows_seen = [b["rows"] for b in seen]
    assert rows_seen == sorted(rows_seen)
    partial = [b for b in seen if b["status"] == "running" and 0 < b["rows"] < BIG_ROWS]
    assert partial, "no progress seen between 0 and the total"
    assert all(b["total"] == BIG_ROWS for b in partial)
    f = job_file(big, jid)
    ws_xml_rows = xlsx_row_count(f.raw)
    assert ws_xml_rows == BIG_ROWS + 1
    assert attachment_name(f.headers) == export_name("市场主体", "xlsx")
    # The first and the last data rows, in Excel form.
    wb = openpyxl.load_workbook(io.BytesIO(f.raw), read_only=True)
    ws = wb.worksheets[0]
    assert ws.title == "市场主体"
    head = [list(r) for r in ws.iter_rows(min_row=1, max_row=2, values_only=True)]
    assert head[0][0] == "统一社会信用代码"
    first = big.sql("SELECT uscc, kind FROM entities ORDER BY id LIMIT 1")[0]
    assert head[1][0] == first[0]
    assert head[1][2] == {"enterprise": "企业", "individual": "个体工商户",
                          "cooperative": "农民专业合作社", "other": "其他"}[first[1]]
    wb.close()


def test_big_job_limits(big):
    """Two running jobs per user (429 too_many_jobs), four in all (503 overloaded with
    Retry-After); refused requests take no slot."""
    def start(who, fmt="xlsx", query=None):
        return create_job(big, {"path": ENT, "query": query or {}, "format": fmt}, who)

    def running(ids):
        return [job(big, j, w).body["status"] == "running" for w, j in ids]

    # Refused requests first: none of them counts.
    for body in ({"path": "/api/v1/officers", "format": "csv"}, {"path": ENT, "format": "pdf"},
                 {"path": ENT, "query": {"credit": 1}, "format": "csv"}):
        assert create_job(big, body).status == 422
    a, b = start("admin"), start("admin")
    assert a.status == 202 and b.status == 202, (a.raw[:200], b.raw[:200])
    mine = [("admin", a.body["id"]), ("admin", b.body["id"])]
    assert all(running(mine)), "the 101 000-row Excel jobs finished too fast to test the limit"
    c = start("admin", "csv")
    if c.status == 202:  # only if one of them finished meanwhile
        assert not all(running(mine)), c.body
        pytest.fail("a third job started while two were running")
    assert_refused(c, 429, "too_many_jobs")
    # Another user has slots of their own (a county's rows: 20 000, shorter jobs).
    d, e = start("city", query={"region": OWN}), start("city", query={"region": OWN})
    assert d.status == 202 and e.status == 202, (d.raw[:200], e.raw[:200])
    jobs = mine + [("city", d.body["id"]), ("city", e.body["id"])]
    assert all(running(jobs)), "jobs finished too fast to test the global limit"
    for who in ("county", "admin"):
        f = start(who, "csv")
        assert_refused(f, 503, "overloaded")
        assert f.headers["Retry-After"] == "30"
    assert all(running(jobs))
    # All four complete with every row.
    county = big.scalar("SELECT count(*) FROM entities WHERE region = ?", (OWN,))
    for who, jid in jobs:
        final, _ = wait_job(big, jid, who, timeout=120, poll=0.25)
        assert final["status"] == "done", final
        assert final["rows"] == final["total"] == (BIG_ROWS if who == "admin" else county)
    assert xlsx_row_count(job_file(big, e.body["id"], "city").raw) == county + 1
    assert xlsx_row_count(job_file(big, b.body["id"]).raw) == BIG_ROWS + 1
    # Slots are free again.
    g = start("county", "csv")
    assert g.status == 202, g.raw[:300]
    final, _ = wait_job(big, g.body["id"], "county")
    assert final["status"] == "done" and final["rows"] == county
    # Staff other than the bureau read the registry page by page; they do not take it whole.
    assert_refused(start("inspector", "csv"), 403, "forbidden", "path")
    assert_refused(get(big, ENT, "inspector", format="csv"), 403, "forbidden", "format")


def test_sigterm_during_a_big_job(big_template, tmp_path):
    tmp = str(tmp_path / "tmpdir")
    os.mkdir(tmp)
    s = start_with_tmpdir(big_template, tmp)
    try:
        r = create_job(s, {"path": ENT, "format": "xlsx"})
        assert r.status == 202, r.raw[:300]
        deadline = time.monotonic() + 20
        while True:
            b = ok(job(s, r.body["id"]))
            assert b["status"] == "running", b
            if b["rows"] > 1000:
                break
            assert time.monotonic() < deadline
            time.sleep(0.02)
        t0 = time.monotonic()
        s.stop()  # SIGTERM: exit status 0 within 10 s, clean log
        assert time.monotonic() - t0 < 10
        log = s.log_text()
        assert "export job finished" in log
        assert re.search(r'export job finished","detail":"%s [^"]*: failed' % r.body["id"], log), \
            log[-2000:]
        assert os.listdir(tmp) == []
    finally:
        try:
            s.stop()
        finally:
            s.cleanup()
