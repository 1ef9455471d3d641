"""M1, the market-entity registry: create, read, patch, history, list/search/filters, export,
CSV import, QR codes, data scope per role, and the demo city.

The registry tests run against their own template database: `demo --scale small --seed 1`
(7100 entities, the demo logins) plus an administrator and an enterprise account bound to an
entity of 东昌府区 (371502). USCCs are generated and checked in Python (GB 32100-2015 with the
GB 11714 organisation-code check), independently of the server.
"""

import csv
import datetime
import io
import json
import re
import struct
import zipfile
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest

import dbkit
from conftest import PASSWORD, assert_no_sanitizer_report, has_chinese, run_cli, serving

ENT = "/api/v1/entities"
IMPORT = ENT + "/import"
CSV_CT = {"Content-Type": "text/csv"}
XLSX_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OWN, OTHER = "371502", "371581"  # the county user's county, another county

ENTITY_KEYS = {
    "uscc", "name", "kind", "region", "region_name", "legal_rep", "address", "industry", "chain",
    "chain_name", "tier", "credit", "status", "established", "annual_report_year", "officer",
    "officer_name", "uscc_flagged", "key", "notes",
}
DEMO_ROWS_SQL = (
    "SELECT uscc, name, kind, region, legal_rep, address, industry, chain, tier, credit, status,"
    " established, annual_report_year, key FROM entities ORDER BY id"
)
ALL_COLS_SQL = (
    "SELECT uscc, name, kind, region, legal_rep, address, industry, chain, tier, credit, status,"
    " established, annual_report_year, officer, key, uscc_flagged FROM entities ORDER BY id"
)

# -- USCC (GB 32100-2015, GB 11714-1997) ------------------------------------------------------

def today_cst():
    """Today in China Standard Time, as the server judges dates (UTC+8, no daylight saving)."""
    cst = datetime.timezone(datetime.timedelta(hours=8))
    return datetime.datetime.now(cst).date()


CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def uscc_check_char(first17):
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


def org_check_char(first8):
    def value(c):
        return int(c) if c.isdigit() else ord(c) - ord("A") + 10
    c = 11 - sum(value(ch) * w for ch, w in zip(first8, ORG_WEIGHTS)) % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def make_uscc(division, org8, auth="9", kind="1"):
    body = auth + kind + division + org8 + org_check_char(org8)
    return body + uscc_check_char(body)


def uscc_status(code):
    if (len(code) != 18 or any(c not in CHARSET for c in code) or code[0] not in "123456789ANY"
            or not code[2:8].isdigit()):
        return "malformed"
    if uscc_check_char(code[:17]) != code[17]:
        return "bad_check"
    if org_check_char(code[8:16]) != code[16]:
        return "bad_org"
    return "ok"


def b31(n, width):
    out = ""
    for _ in range(width):
        out = CHARSET[n % 31] + out
        n //= 31
    assert n == 0
    return out


_serial = [0]


def new_code(division=OWN, prefix="Y"):
    """A valid code no demo entity has (the demo's organisation bodies never repeat theirs
    here in practice; every insert below asserts success anyway)."""
    _serial[0] += 1
    return make_uscc(division, prefix + b31(_serial[0], 7 - len(prefix)) + "Q")


def bad_check_code(division=OWN, prefix="YB"):
    """Right form, wrong USCC check character."""
    code = new_code(division, prefix)
    return code[:17] + CHARSET[(CHARSET.index(code[17]) + 1) % 31]


def bad_org_code(division=OWN, prefix="YC"):
    """Right form and USCC check character, wrong GB 11714 organisation check character."""
    code = new_code(division, prefix)
    wrong = "1" if code[16] != "1" else "2"
    body = code[:16] + wrong
    return body + uscc_check_char(body)


def test_python_uscc_rules_self_check():
    # Published example codes of GB 32100 (a company and a government body).
    for code in ("91350100M000100Y43", "11100000000013127D"):
        assert uscc_status(code) == "ok", code
    assert uscc_status(bad_check_code()) == "bad_check"
    assert uscc_status(bad_org_code()) == "bad_org"
    assert uscc_status("91350100M000100Y4") == "malformed"
    assert uscc_status("91350100M000100I43") == "malformed"
    assert uscc_status("0135010OM000100Y43") == "malformed"


# -- fixtures and helpers -----------------------------------------------------------------------

# logical name -> demo/extra username
ACCOUNTS = {
    "admin": "admin", "city": "bureau", "county": "bureau_dcf", "inspector": "inspector",
    "officer": "officer", "chain_office": "chain_office", "enterprise": "ent_dcf",
}


@pytest.fixture(scope="module")
def reg_template(tmp_path_factory):
    d = tmp_path_factory.mktemp("registry")
    db = dbkit.new_db(d / "registry.db")
    cred = str(d / "credentials.txt")
    r = run_cli("demo", "--db", db, "--scale", "small", "--seed", "1", "--credentials", cred)
    assert r.returncode == 0, r.stderr
    assert_no_sanitizer_report(r.stderr, "demo")
    r = run_cli("user", "add", "--db", db, "--username", "admin", "--role", "admin",
                input=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    with dbkit.connect(db) as c:
        ent = c.execute("SELECT uscc FROM entities WHERE region = ? AND kind = 'enterprise'"
                        " AND key = 0 ORDER BY id LIMIT 1", (OWN,)).fetchone()[0]
        seed1_rows = c.execute(DEMO_ROWS_SQL).fetchall()
    r = run_cli("user", "add", "--db", db, "--username", "ent_dcf", "--role", "enterprise",
                "--region", OWN, "--entity", ent, input=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    tokens, ids = {}, {}
    with dbkit.connect(db) as c:
        for name, user in ACCOUNTS.items():
            ids[name] = c.execute("SELECT id FROM users WHERE username = ?", (user,)).fetchone()[0]
    for name, user in ACCOUNTS.items():
        r = run_cli("user", "token", "--db", db, "--username", user)
        assert r.returncode == 0, r.stderr
        tokens[name] = r.stdout.strip()
    return SimpleNamespace(db=db, ids=ids, tokens=tokens, cred=cred, ent_uscc=ent,
                           seed1_rows=seed1_rows)


@pytest.fixture(scope="module")
def reg(reg_template):
    """A registry server shared by the tests of this module; writes use fresh codes."""
    with serving(reg_template) as s:
        s.ent_uscc = reg_template.ent_uscc
        yield s


@pytest.fixture
def reg_fresh(reg_template):
    """A registry server of its own (imports, round trips: whole-table state matters)."""
    with serving(reg_template) as s:
        s.ent_uscc = reg_template.ent_uscc
        yield s


def counts(s):
    return (s.scalar("SELECT count(*) FROM entities"), s.scalar("SELECT count(*) FROM audit_log"))


def q(path, **params):
    return path + "?" + urlencode(params) if params else path


def get(s, path, who="admin", **params):
    return s.req("GET", q(path, **params), token=s.tokens[who])


def csv_bytes(rows, header=("uscc", "name", "kind", "region"), bom=False):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8")


def do_import(s, data, who="admin", ctype="text/csv"):
    headers = {"Content-Type": ctype} if ctype else {}
    return s.req("POST", IMPORT, raw=data, token=s.tokens[who], headers=headers, timeout=120)


def entity_body(**fields):
    body = {"uscc": new_code(fields.get("region", OWN)), "name": "测试创建企业有限公司",
            "kind": "enterprise", "region": OWN}
    body.update(fields)
    return body


def create(s, who="admin", **fields):
    body = entity_body(**fields)
    return s.req("POST", ENT, body, token=s.tokens[who]), body


def all_items(s, who="admin", **params):
    """Every item of a list, through all pages; also checks total against the item count."""
    items, page, total = [], 1, None
    while True:
        r = get(s, ENT, who, page=page, page_size=200, **params)
        assert r.status == 200, (r.status, r.raw[:300])
        total = r.body["total"]
        items += r.body["items"]
        if len(items) >= total or not r.body["items"]:
            break
        page += 1
    assert len(items) == total
    return items, total


def xlsx_rows(r):
    """The rows of the first worksheet of an XLSX answer (cell texts, inline or shared)."""
    assert r.status == 200, (r.status, r.raw[:300])
    assert r.headers["Content-Type"] == XLSX_CT
    assert r.raw[:2] == b"PK"
    z = zipfile.ZipFile(io.BytesIO(r.raw))
    sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    return re.findall(r"<row[ >].*?</row>", sheet, re.S)


def parse_csv_export(r):
    assert r.status == 200, (r.status, r.raw[:300])
    assert r.headers["Content-Type"].startswith("text/csv")
    text = r.raw.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return text, rows[0], rows[1:]


def assert_refused(r, status, field=None, code=None):
    assert r.status == status, (r.status, r.raw[:400])
    err = r.error()
    assert has_chinese(err["message"]), err
    if field is not None:
        assert err.get("field") == field, err
    if code is not None:
        assert err["code"] == code, err
    return err


def one_of(s, region, **cond):
    where = " AND ".join(f"{k} = ?" for k in cond)
    sql = "SELECT uscc FROM entities WHERE region = ?" + (" AND " + where if where else "")
    return s.scalar(sql + " ORDER BY id LIMIT 1", (region, *cond.values()))


# -- 1. CSV import --------------------------------------------------------------------------------

COUNTIES = ["371502", "371503", "371521", "371522", "371524", "371525", "371526", "371581"]


def test_import_10000_rows_atomic_then_insert_then_update(reg_fresh):
    s = reg_fresh
    header = ("uscc", "name", "kind", "region", "credit", "tier")
    rows = [[make_uscc(COUNTIES[i % 8], "W" + b31(i, 6) + "K"), f"批量导入测试企业{i}号有限公司",
             "enterprise", COUNTIES[i % 8], "ABCD"[i % 4], "none"] for i in range(10000)]
    bad_index = 6543
    broken = [list(r) for r in rows]
    broken[bad_index][0] = rows[bad_index][0][:17]  # 17 characters: malformed
    before = counts(s)
    r = do_import(s, csv_bytes(broken, header))
    err = assert_refused(r, 422, code="import_rejected")
    assert err["count"] == 1
    assert len(err["lines"]) == 1
    line = err["lines"][0]
    assert line["line"] == bad_index + 2 and line["field"] == "uscc", line
    assert has_chinese(line["message"])
    assert counts(s) == before
    assert s.scalar("SELECT count(*) FROM entities WHERE name LIKE '批量导入测试企业%'") == 0

    fixed = csv_bytes(rows, header)
    r = do_import(s, fixed)
    assert r.status == 201, r.raw[:400]
    assert r.body == {"inserted": 10000, "updated": 0, "flagged": []}
    assert counts(s) == (before[0] + 10000, before[1] + 10001)
    assert s.scalar("SELECT count(*) FROM audit_log WHERE action = 'entity.import_insert'") == 10000
    last = s.sql("SELECT action, object, detail, actor FROM audit_log ORDER BY id DESC LIMIT 1")[0]
    assert last[:2] == ("registry.import", "registry") and last[3] == s.ids["admin"]
    assert json.loads(last[2]) == {"inserted": 10000, "updated": 0, "flagged": 0}
    for i in (0, bad_index, 9999):
        got = s.sql("SELECT name, kind, region, credit, tier, uscc_flagged, status FROM entities"
                    " WHERE uscc = ?", (rows[i][0],))
        assert got == [(rows[i][1], "enterprise", rows[i][3], rows[i][4], "none", 0, "active")]

    r = do_import(s, fixed)
    assert r.status == 201, r.raw[:400]
    assert r.body == {"inserted": 0, "updated": 10000, "flagged": []}
    assert counts(s) == (before[0] + 10000, before[1] + 20002)
    assert s.scalar("SELECT count(*) FROM audit_log WHERE action = 'entity.import_update'") == 10000


def test_import_reports_every_bad_line_and_writes_nothing(reg_fresh):
    s = reg_fresh
    header = ("uscc", "name", "kind", "region", "credit", "established", "annual_report_year",
              "officer", "chain")
    admin = s.ids["admin"]
    good = lambda: [new_code(), "好企业有限公司", "enterprise", OWN, "A", "2020-01-01", "2024", "",
                    "3"]
    rows = [good() for _ in range(12)]
    expected = {}
    rows[1][2] = "company"; expected[3] = "kind"
    rows[3][3] = "999999"; expected[5] = "region"
    rows[4][0] = "91371502MA3C00I0X0"; expected[6] = "uscc"  # I is not in the charset
    rows[5][4] = "E"; expected[7] = "credit"
    rows[6][5] = "2999-01-01"; expected[8] = "established"
    rows[7][6] = "abc"; expected[9] = "annual_report_year"
    rows[8][7] = str(admin); expected[10] = "officer"
    rows[9][8] = "13"; expected[11] = "chain"
    rows[10][1] = ""; expected[12] = "name"
    rows[11] = rows[11][:5]; expected[13] = None  # too few columns
    before = counts(s)
    r = do_import(s, csv_bytes(rows, header))
    err = assert_refused(r, 422, code="import_rejected")
    got = {ln["line"]: ln.get("field") for ln in err["lines"]}
    assert got == expected, err["lines"]
    assert err["count"] == len(expected)
    for ln in err["lines"]:
        assert has_chinese(ln["message"]), ln
    assert counts(s) == before
    assert s.scalar("SELECT count(*) FROM entities WHERE uscc = ?", (rows[0][0],)) == 0


def test_import_flags_failed_check_characters(reg_fresh):
    s = reg_fresh
    ok, bad, org = new_code(), bad_check_code(), bad_org_code()
    rows = [[ok, "校验正常企业有限公司", "enterprise", OWN],
            [bad, "校验位存疑企业有限公司", "enterprise", OWN],
            [org.lower(), "组织机构代码存疑企业", "enterprise", OWN]]
    r = do_import(s, csv_bytes(rows))
    assert r.status == 201, r.raw[:400]
    assert r.body["inserted"] == 3 and r.body["updated"] == 0
    flagged = {f["line"]: f["uscc"] for f in r.body["flagged"]}
    assert flagged == {3: bad, 4: org}
    for f in r.body["flagged"]:
        assert has_chinese(f["message"])
    assert dict(s.sql("SELECT uscc, uscc_flagged FROM entities WHERE uscc IN (?, ?, ?)",
                      (ok, bad, org))) == {ok: 0, bad: 1, org: 1}
    r = get(s, ENT + "/" + bad)
    assert r.status == 200 and r.body["uscc_flagged"] is True
    r = get(s, ENT + "/" + ok)
    assert r.status == 200 and r.body["uscc_flagged"] is False
    # The API itself refuses such codes.
    for code in (bad, org):
        before = counts(s)
        r, _ = create(s, uscc=code)
        assert_refused(r, 422, field="uscc")
        assert counts(s) == before


@pytest.mark.parametrize("header,field", [
    (("uscc", "name", "kind", "region", "colour"), "colour"),
    (("uscc", "name", "kind", "region", "name"), "name"),
    (("uscc", "name", "kind"), None),
    (("name", "kind", "region"), None),
])
def test_import_header_problems(reg_fresh, header, field):
    s = reg_fresh
    row = [new_code(), "表头测试企业", "enterprise", OWN, "x"][:len(header)]
    before = counts(s)
    r = do_import(s, csv_bytes([row], header))
    err = assert_refused(r, 422, code="import_rejected")
    assert [ln["line"] for ln in err["lines"]] == [1]
    if field:
        assert err["lines"][0]["field"] == field
    assert counts(s) == before


def test_import_duplicate_code_names_later_line(reg_fresh):
    s = reg_fresh
    a, b = new_code(), new_code()
    rows = [[a, "甲企业", "enterprise", OWN], [b, "乙企业", "enterprise", OWN],
            [a.lower(), "甲企业重复", "enterprise", OWN]]
    before = counts(s)
    r = do_import(s, csv_bytes(rows))
    err = assert_refused(r, 422, code="import_rejected")
    assert [(ln["line"], ln["field"]) for ln in err["lines"]] == [(4, "uscc")]
    assert "2" in err["lines"][0]["message"]
    assert counts(s) == before


@pytest.mark.parametrize("ctype", ["application/json", "text/plain", None])
def test_import_wrong_content_type_415(reg_fresh, ctype):
    s = reg_fresh
    before = counts(s)
    r = do_import(s, csv_bytes([[new_code(), "类型测试企业", "enterprise", OWN]]), ctype=ctype)
    assert_refused(r, 415, code="unsupported_media_type")
    assert counts(s) == before


def test_import_body_over_32_mib_413(reg_fresh):
    s = reg_fresh
    before = counts(s)
    head = b"uscc,name,kind,region\r\n"
    data = head + b"x" * ((32 << 20) + 1 - len(head))
    r = do_import(s, data)
    assert_refused(r, 413, code="too_large")
    assert counts(s) == before
    # Exactly 32 MiB is within the limit: it is read and judged (here: its header), not refused.
    head = b"uscc,name,kind,region,colour\r\n"
    line = b"a," + b"x" * 1000 + b",b,c,d\r\n"
    n = ((32 << 20) - len(head)) // len(line)
    data = head + line * n
    data += b"#" * ((32 << 20) - len(data))
    assert len(data) == 32 << 20
    r = do_import(s, data)
    err = assert_refused(r, 422, code="import_rejected")
    assert [(ln["line"], ln["field"]) for ln in err["lines"]] == [(1, "colour")]
    assert counts(s) == before
    assert s.alive()


def test_import_bom_quotes_commas_newlines(reg_fresh):
    s = reg_fresh
    a, b = new_code(), new_code()
    name_a = "聊城\"金,字\"塔有限公司"
    notes_b = "东昌府区柳园街道, 3号楼\r\n2单元"  # newlines belong in long text (备注) only
    cols = ("uscc", "name", "kind", "region", "notes")
    rows = [[a, name_a, "enterprise", OWN, ""], [b, "普通企业", "individual", OWN, notes_b]]
    data = csv_bytes(rows, cols, bom=True)
    assert data.startswith(b"\xef\xbb\xbfuscc,")
    r = do_import(s, data, ctype="text/csv; charset=utf-8")
    assert r.status == 201, r.raw[:400]
    assert r.body == {"inserted": 2, "updated": 0, "flagged": []}
    assert s.sql("SELECT name, notes FROM entities WHERE uscc = ?", (a,)) == [(name_a, "")]
    assert s.sql("SELECT name, kind, notes FROM entities WHERE uscc = ?", (b,)) == [
        ("普通企业", "individual", notes_b)]
    # A newline in a one-line field is named, and so is a bad line after a multi-line record,
    # by its record number.
    rows.append([new_code(), "换行\n企业", "enterprise", OWN, ""])
    rows.append([new_code(), "坏类型企业", "robot", OWN, ""])
    r = do_import(s, csv_bytes(rows, cols, bom=True))
    err = assert_refused(r, 422)
    assert [(ln["line"], ln["field"]) for ln in err["lines"]] == [(4, "name"), (5, "kind")]


def test_export_reimport_round_trip(reg_fresh):
    s = reg_fresh
    before_rows = s.sql(ALL_COLS_SQL)
    text, header, rows = parse_csv_export(get(s, ENT, format="csv"))
    assert len(rows) == len(before_rows) == 7100
    before = counts(s)
    r = do_import(s, text.encode("utf-8"))  # the export's own bytes minus nothing but decoding
    assert r.status == 201, r.raw[:600]
    assert r.body == {"inserted": 0, "updated": 7100, "flagged": []}
    assert s.sql(ALL_COLS_SQL) == before_rows
    assert counts(s) == (before[0], before[1] + 7101)
    # The raw export (with its BOM) imports as is, for a county too.
    r = s.req("GET", q(ENT, format="csv"), token=s.tokens["county"])
    n = s.scalar("SELECT count(*) FROM entities WHERE region = ?", (OWN,))
    r = do_import(s, r.raw, who="county")
    assert r.status == 201, r.raw[:600]
    assert r.body == {"inserted": 0, "updated": n, "flagged": []}
    assert s.sql(ALL_COLS_SQL) == before_rows


def test_import_refused_roles(reg):
    data = csv_bytes([[new_code(), "角色测试企业", "enterprise", OWN]])
    before = counts(reg)
    for who in ("inspector", "officer", "enterprise", "chain_office"):
        assert_refused(do_import(reg, data, who=who), 403)
    r = reg.req("POST", IMPORT, raw=data, headers=CSV_CT)
    assert r.status == 401
    assert counts(reg) == before


# -- 2. data scope ------------------------------------------------------------------------------

def test_county_list_sees_only_own_county(reg):
    assert_refused(get(reg, ENT, "county", region=OTHER), 403, field="region")
    items, total = all_items(reg, "county")
    assert total == reg.scalar("SELECT count(*) FROM entities WHERE region = ?", (OWN,)) > 1000
    assert {i["region"] for i in items} == {OWN}
    r = get(reg, ENT, "county", region=OWN, page_size=5)
    assert r.status == 200 and r.body["total"] == total
    # A search cannot reach across either.
    items, total = all_items(reg, "county", q="有限公司")
    assert total and {i["region"] for i in items} == {OWN}
    other = one_of(reg, OTHER)
    r = get(reg, ENT, "county", q=other)
    assert r.status == 200 and r.body["total"] == 0 and r.body["items"] == []


def test_county_export_only_own_county(reg):
    for fmt in ("csv",):
        _, header, rows = parse_csv_export(get(reg, ENT, "county", format=fmt))
        ri = header.index("region")
        assert {row[ri] for row in rows} == {OWN}
        assert len(rows) == reg.scalar("SELECT count(*) FROM entities WHERE region = ?", (OWN,))
    assert_refused(get(reg, ENT, "county", format="csv", region=OTHER), 403)
    rows = xlsx_rows(get(reg, ENT, "county", format="xlsx"))
    assert len(rows) == 1 + reg.scalar("SELECT count(*) FROM entities WHERE region = ?", (OWN,))
    assert "统一社会信用代码" in rows[0]
    assert all(OWN in row for row in rows[1:])


def test_county_cannot_touch_other_county_entity(reg):
    other = one_of(reg, OTHER)
    row = reg.sql(ALL_COLS_SQL.replace("ORDER BY id", "WHERE uscc = ?"), (other,))
    before = counts(reg)
    for path in ("", "/history", "/qr.svg", "/qr.png"):
        r = get(reg, f"{ENT}/{other}{path}", "county")
        assert_refused(r, 403, code="forbidden")
    r = reg.req("PATCH", f"{ENT}/{other}", {"credit": "D"}, token=reg.tokens["county"])
    assert_refused(r, 403)
    r, _ = create(reg, "county", uscc=new_code(OTHER), region=OTHER)
    assert_refused(r, 403, field="region")
    assert counts(reg) == before
    assert reg.sql(ALL_COLS_SQL.replace("ORDER BY id", "WHERE uscc = ?"), (other,)) == row
    # The same operations on the own county succeed.
    mine = one_of(reg, OWN)
    for path in ("", "/history", "/qr.svg", "/qr.png"):
        assert get(reg, f"{ENT}/{mine}{path}", "county").status == 200, path
    r, body = create(reg, "county")
    assert r.status == 201, r.raw[:300]
    assert r.body["region"] == OWN
    r = reg.req("PATCH", f"{ENT}/{body['uscc']}", {"credit": "D"}, token=reg.tokens["county"])
    assert r.status == 200 and r.body["credit"] == "D"
    # Moving an own entity out of the county is refused.
    r = reg.req("PATCH", f"{ENT}/{body['uscc']}", {"region": OTHER}, token=reg.tokens["county"])
    assert_refused(r, 403, field="region")
    assert reg.scalar("SELECT region FROM entities WHERE uscc = ?", (body["uscc"],)) == OWN


def test_county_import_other_county_row_refused(reg_fresh):
    s = reg_fresh
    rows = [[new_code(), "本区企业", "enterprise", OWN],
            [new_code(OTHER), "外区企业", "enterprise", OTHER],
            [new_code(), "本区企业二", "enterprise", OWN]]
    before = counts(s)
    err = assert_refused(do_import(s, csv_bytes(rows), who="county"), 422)
    assert [(ln["line"], ln["field"]) for ln in err["lines"]] == [(3, "region")]
    assert counts(s) == before
    del rows[1]
    r = do_import(s, csv_bytes(rows), who="county")
    assert r.status == 201 and r.body["inserted"] == 2, r.raw[:300]
    assert counts(s)[0] == before[0] + 2


def test_county_import_cannot_take_over_other_county_entity(reg_fresh):
    """A row naming another county's code, with the own county as region, would move that
    entity into the own county: refused like any other foreign row."""
    s = reg_fresh
    other = one_of(s, OTHER)
    row = s.sql(ALL_COLS_SQL.replace("ORDER BY id", "WHERE uscc = ?"), (other,))
    before = counts(s)
    rows = [[new_code(), "本区新企业", "enterprise", OWN], [other, "被迁走的企业", "enterprise", OWN]]
    r = do_import(s, csv_bytes(rows), who="county")
    err = assert_refused(r, 422, code="import_rejected")
    assert [ln["line"] for ln in err["lines"]] == [3]
    assert err["lines"][0]["field"] in ("uscc", "region")
    assert counts(s) == before
    assert s.sql(ALL_COLS_SQL.replace("ORDER BY id", "WHERE uscc = ?"), (other,)) == row


def test_city_bureau_sees_all(reg):
    r = get(reg, ENT, "city", page_size=1)
    assert r.status == 200 and r.body["total"] == reg.scalar("SELECT count(*) FROM entities")
    items, total = all_items(reg, "city", region=OTHER)
    assert total == reg.scalar("SELECT count(*) FROM entities WHERE region = ?", (OTHER,))
    assert {i["region"] for i in items} == {OTHER}
    other = one_of(reg, OTHER)
    assert get(reg, f"{ENT}/{other}", "city").status == 200
    _, _, rows = parse_csv_export(get(reg, ENT, "city", format="csv"))
    assert len(rows) == reg.scalar("SELECT count(*) FROM entities")


def test_officer_sees_only_assigned(reg):
    me = reg.ids["officer"]
    mine = [u for (u,) in reg.sql("SELECT uscc FROM entities WHERE officer = ?", (me,))]
    assert mine
    items, total = all_items(reg, "officer")
    assert total == len(mine)
    assert sorted(i["uscc"] for i in items) == sorted(mine)
    assert all(i["officer"] == me for i in items)
    # Asking for another officer's entities still yields only one's own.
    other_officer, theirs = reg.sql("SELECT officer, uscc FROM entities WHERE officer IS NOT NULL"
                                    " AND officer <> ? LIMIT 1", (me,))[0]
    items, _ = all_items(reg, "officer", officer=other_officer)
    assert all(i["officer"] == me for i in items)
    assert get(reg, f"{ENT}/{mine[0]}", "officer").status == 200
    assert_refused(get(reg, f"{ENT}/{theirs}", "officer"), 403)
    assert_refused(get(reg, f"{ENT}/{one_of(reg, OWN, key=0)}", "officer"), 403)
    r = reg.req("PATCH", f"{ENT}/{mine[0]}", {"credit": "A"}, token=reg.tokens["officer"])
    assert_refused(r, 403)


def test_enterprise_user_sees_only_own_entity(reg):
    own = reg.ent_uscc
    assert reg.scalar("SELECT entity FROM users WHERE username = 'ent_dcf'") == own
    r = get(reg, f"{ENT}/{own}", "enterprise")
    assert r.status == 200 and r.body["uscc"] == own
    r = get(reg, f"{ENT}/{own}/qr.svg", "enterprise")
    assert r.status == 200 and b"<svg" in r.raw
    r = get(reg, f"{ENT}/{own}/history", "enterprise")
    assert r.status == 200 and set(r.body) == {"items", "total", "page", "page_size"}
    neighbour = reg.scalar("SELECT uscc FROM entities WHERE region = ? AND uscc <> ? LIMIT 1",
                           (OWN, own))
    # Another entity is not found, exactly as a code nobody has: its existence is not told.
    for path in ("", "/qr.svg", "/qr.png", "/history"):
        for code in (neighbour, new_code()):
            err = assert_refused(get(reg, f"{ENT}/{code}{path}", "enterprise"), 404)
            assert err["code"] == "not_found"
    assert_refused(get(reg, ENT, "enterprise"), 403)
    assert_refused(get(reg, ENT, "enterprise", format="csv"), 403)
    r = reg.req("PATCH", f"{ENT}/{own}", {"name": "自己改名"}, token=reg.tokens["enterprise"])
    assert_refused(r, 403)


# -- 3. create ----------------------------------------------------------------------------------

def test_create_full_entity(reg):
    officer = reg.ids["officer"]
    body = {"uscc": new_code(), "name": "聊城市测试全字段有限公司", "kind": "enterprise",
            "region": OWN, "legal_rep": "张三", "address": "东昌府区柳园路 1 号",
            "industry": "C3216", "chain": 1, "tier": "specialized", "credit": "A",
            "status": "active", "established": "2015-03-08", "annual_report_year": 2024,
            "officer": officer}
    before = counts(reg)
    r = reg.req("POST", ENT, body, token=reg.tokens["admin"])
    assert r.status == 201, r.raw[:400]
    assert set(r.body) == ENTITY_KEYS
    for k, v in body.items():
        assert r.body[k] == v, k
    assert r.body["region_name"] == "东昌府区"
    assert r.body["chain_name"] == "有色金属"
    assert r.body["uscc_flagged"] is False and r.body["key"] is False
    assert r.body["officer_name"] == reg.scalar("SELECT display_name FROM users WHERE id = ?",
                                                (officer,))
    assert counts(reg) == (before[0] + 1, before[1] + 1)
    row = reg.sql("SELECT name, kind, region, legal_rep, address, industry, chain, tier, credit,"
                  " status, established, annual_report_year, officer, uscc_flagged FROM entities"
                  " WHERE uscc = ?", (body["uscc"],))
    assert row == [(body["name"], "enterprise", OWN, "张三", body["address"], "C3216", 1,
                    "specialized", "A", "active", "2015-03-08", 2024, officer, 0)]
    a = reg.sql("SELECT action, object, actor FROM audit_log ORDER BY id DESC LIMIT 1")[0]
    assert a == ("entity.create", "entity:" + body["uscc"], reg.ids["admin"])
    assert get(reg, f"{ENT}/{body['uscc']}").body == r.body


def test_create_minimal_defaults_and_lowercase(reg):
    code = new_code()
    r, _ = create(reg, uscc=code.lower(), kind="individual", name="小店")
    assert r.status == 201, r.raw[:300]
    assert r.body["uscc"] == code
    assert r.body["tier"] == "none" and r.body["credit"] == "B" and r.body["status"] == "active"
    assert r.body["chain"] is None and r.body["officer"] is None and r.body["established"] is None
    assert reg.scalar("SELECT count(*) FROM entities WHERE uscc = ?", (code,)) == 1
    assert reg.scalar("SELECT count(*) FROM entities WHERE uscc = ?", (code.lower(),)) == 0
    assert get(reg, f"{ENT}/{code.lower()}").body["uscc"] == code
    before = counts(reg)
    for dup in (code, code.lower()):
        r, _ = create(reg, uscc=dup)
        assert_refused(r, 409, field="uscc", code="duplicate_uscc")
    assert counts(reg) == before


def _future(days=1):
    return (today_cst() + datetime.timedelta(days=days)).isoformat()


BAD_FIELDS = [
    ({"uscc": "bad-check"}, "uscc"),
    ({"uscc": "bad-org"}, "uscc"),
    ({"uscc": "91371502MA3C0000"}, "uscc"),
    ({"uscc": "91371502MA3C00O0X0"}, "uscc"),
    ({"uscc": "0137150200000000X0"}, "uscc"),
    ({"uscc": "913715020000000000X"}, "uscc"),
    ({"kind": "company"}, "kind"),
    ({"region": "999999"}, "region"),
    ({"tier": "giant"}, "tier"),
    ({"credit": "E"}, "credit"),
    ({"credit": "AB"}, "credit"),
    ({"status": "closed"}, "status"),
    ({"chain": 13}, "chain"),
    ({"chain": -1}, "chain"),
    ({"industry": "X1"}, "industry"),
    ({"industry": "C3"}, "industry"),
    ({"industry": "C313X"}, "industry"),
    ({"established": "future"}, "established"),
    ({"established": "2023-02-30"}, "established"),
    ({"established": "2023/01/01"}, "established"),
    ({"annual_report_year": 1980}, "annual_report_year"),
    ({"annual_report_year": "next"}, "annual_report_year"),
    ({"officer": "admin"}, "officer"),
    ({"officer": 999999}, "officer"),
    ({"name": ""}, "name"),
    ({"name": "长" * 101}, "name"),
    ({"name": 1}, "name"),
    ({"chain": "3"}, "chain"),
    ({"key": "yes"}, "key"),
    ({"officer": 1.5}, "officer"),
    ({"kind": None}, "kind"),
    ({"name": None}, "name"),
]


@pytest.mark.parametrize("patch,field", BAD_FIELDS, ids=[f"{f}-{i}" for i, (_, f) in
                                                          enumerate(BAD_FIELDS)])
def test_create_invalid_field_422(reg, patch, field):
    patch = dict(patch)
    if patch.get("uscc") == "bad-check":
        patch["uscc"] = bad_check_code()
    if patch.get("uscc") == "bad-org":
        patch["uscc"] = bad_org_code()
    if patch.get("established") == "future":
        patch["established"] = _future()
    if patch.get("annual_report_year") == "next":
        patch["annual_report_year"] = today_cst().year + 1
    if patch.get("officer") == "admin":
        patch["officer"] = reg.ids["admin"]
    before = counts(reg)
    r, body = create(reg, **patch)
    err = assert_refused(r, 422, field=field, code="validation_failed")
    if field == "uscc":
        assert "代码" in err["message"]
    assert counts(reg) == before
    assert reg.scalar("SELECT count(*) FROM entities WHERE uscc = ?",
                      (str(body["uscc"]).upper(),)) == 0


@pytest.mark.parametrize("missing", ["uscc", "name", "kind", "region"])
def test_create_missing_required_422(reg, missing):
    before = counts(reg)
    body = entity_body()
    del body[missing]
    r = reg.req("POST", ENT, body, token=reg.tokens["admin"])
    assert_refused(r, 422, field=missing)
    assert counts(reg) == before


def test_create_malformed_requests(reg):
    before = counts(reg)
    t = reg.tokens["admin"]
    r = reg.req("POST", ENT, raw=b'{"uscc": "x", "name":', token=t,
                headers={"Content-Type": "application/json"})
    assert_refused(r, 400, code="malformed_json")
    r = reg.req("POST", ENT, raw=b'[1, 2]', token=t, headers={"Content-Type": "application/json"})
    assert_refused(r, 400)
    good = {"uscc": new_code(), "name": "类型测试", "kind": "enterprise", "region": OWN}
    r = reg.req("POST", ENT, raw=json.dumps(good).encode(), token=t,
                headers={"Content-Type": "text/plain"})
    assert_refused(r, 415)
    for who in ("inspector", "officer", "chain_office", "enterprise"):
        r = reg.req("POST", ENT, good, token=reg.tokens[who])
        assert_refused(r, 403, code="forbidden")
    r = reg.req("POST", ENT, good)
    assert r.status == 401
    assert counts(reg) == before
    assert reg.scalar("SELECT count(*) FROM entities WHERE uscc = ?", (good["uscc"],)) == 0


# -- 4. PATCH and history -------------------------------------------------------------------------

def test_patch_changes_only_given_fields_and_history(reg):
    r, body = create(reg, legal_rep="李四", chain=3, officer=reg.ids["officer"],
                     established="2010-10-10", industry="C3120", tier="above_scale")
    assert r.status == 201
    code, original = body["uscc"], r.body
    t = reg.tokens["city"]
    p1 = {"name": "改名后的钢管有限公司", "credit": "C"}
    r = reg.req("PATCH", f"{ENT}/{code}", p1, token=t)
    assert r.status == 200, r.raw[:300]
    expect = dict(original, **p1)
    assert r.body == expect
    p2 = {"chain": None, "officer": None, "established": None, "legal_rep": None}
    r = reg.req("PATCH", f"{ENT}/{code.lower()}", p2, token=t)
    assert r.status == 200, r.raw[:300]
    expect.update(chain=None, chain_name=None, officer=None, officer_name=None, established=None,
                  legal_rep="")
    assert r.body == expect
    assert reg.sql("SELECT chain, officer, established, legal_rep, name, credit, tier, industry"
                   " FROM entities WHERE uscc = ?", (code,)) == [
        (None, None, None, "", p1["name"], "C", "above_scale", "C3120")]
    # History, newest first, with who and what.
    r = get(reg, f"{ENT}/{code}/history")
    assert r.status == 200
    items = r.body["items"]
    assert r.body["total"] == 3 == len(items)
    assert [i["action"] for i in items] == ["entity.update", "entity.update", "entity.create"]
    city_name = reg.scalar("SELECT display_name FROM users WHERE id = ?", (reg.ids["city"],))
    assert items[0]["actor_name"] == items[1]["actor_name"] == city_name
    # Each change records the fields applied, from the old value to the new.
    assert items[1]["detail"] == {"name": {"from": original["name"], "to": p1["name"]},
                                  "credit": {"from": original["credit"], "to": "C"}}
    assert items[0]["detail"] == {
        "chain": {"from": 3, "to": None},
        "officer": {"from": reg.ids["officer"], "to": None},
        "established": {"from": "2010-10-10", "to": None},
        "legal_rep": {"from": "李四", "to": None}}
    assert items[0]["id"] > items[1]["id"] > items[2]["id"]
    assert all(i["object"] == "entity:" + code for i in items)
    # Search follows the rename.
    r = get(reg, ENT, q="改名后的钢管")
    assert [i["uscc"] for i in r.body["items"]] == [code]
    items, _ = all_items(reg, q="测试创建企业")
    assert code not in [i["uscc"] for i in items]


@pytest.mark.parametrize("patch,status,field", [
    ({"uscc": "x"}, 422, "uscc"),
    ({}, 422, None),
    ({"name": None}, 422, "name"),
    ({"credit": None}, 422, "credit"),
    ({"kind": "robot"}, 422, "kind"),
    ({"region": "999999"}, 422, "region"),
    ({"chain": 0.5}, 422, "chain"),
    ({"officer": -3}, 422, "officer"),
    ({"established": "tomorrow"}, 422, "established"),
    ({"annual_report_year": 1980}, 422, "annual_report_year"),
])
def test_patch_refused_changes_nothing(reg, patch, status, field):
    code = one_of(reg, OWN, kind="individual")
    if patch.get("established") == "tomorrow":
        patch = {"established": _future()}
    row = reg.sql(ALL_COLS_SQL.replace("ORDER BY id", "WHERE uscc = ?"), (code,))
    before = counts(reg)
    r = reg.req("PATCH", f"{ENT}/{code}", patch, token=reg.tokens["admin"])
    assert_refused(r, status, field=field)
    assert counts(reg) == before
    assert reg.sql(ALL_COLS_SQL.replace("ORDER BY id", "WHERE uscc = ?"), (code,)) == row


def test_patch_unknown_and_roles(reg):
    missing = new_code()
    before = counts(reg)
    r = reg.req("PATCH", f"{ENT}/{missing}", {"credit": "A"}, token=reg.tokens["admin"])
    assert_refused(r, 404, code="not_found")
    assert_refused(get(reg, f"{ENT}/{missing}"), 404)
    assert_refused(get(reg, f"{ENT}/{missing}/history"), 404)
    code = one_of(reg, OWN)
    r = reg.req("PATCH", f"{ENT}/{code}", {"credit": "A"}, token=reg.tokens["inspector"])
    assert_refused(r, 403)
    r = reg.req("PATCH", f"{ENT}/{code}", {"credit": "A"})
    assert r.status == 401
    assert counts(reg) == before


# -- 5. list, search, filters, export -------------------------------------------------------------

def test_list_shape_and_pagination(reg):
    r = get(reg, ENT)
    assert r.status == 200
    assert set(r.body) == {"items", "total", "page", "page_size"}
    assert r.body["page"] == 1 and r.body["page_size"] == 20 and len(r.body["items"]) == 20
    assert r.body["total"] == reg.scalar("SELECT count(*) FROM entities")
    assert set(r.body["items"][0]) == ENTITY_KEYS
    r = get(reg, ENT, page=3, page_size=50)
    expect = [u for (u,) in reg.sql("SELECT uscc FROM entities ORDER BY id LIMIT 50 OFFSET 100")]
    assert [i["uscc"] for i in r.body["items"]] == expect
    assert get(reg, ENT, page_size=200).body["page_size"] == 200
    r = get(reg, ENT, page=100000, page_size=200)
    assert r.status == 200 and r.body["items"] == []


def _rare_fragment(s, name, length):
    best = None
    for i in range(len(name) - length + 1):
        frag = name[i:i + length]
        n = s.scalar("SELECT count(*) FROM entities WHERE instr(name, ?) > 0", (frag,))
        if best is None or n < best[1]:
            best = (frag, n)
    return best


@pytest.mark.parametrize("length", [1, 2, 3, 5])
def test_search_chinese_fragments(reg, length):
    code, name = reg.sql("SELECT uscc, name FROM entities WHERE kind = 'enterprise'"
                         " ORDER BY id LIMIT 1 OFFSET 123")[0]
    frag, n = _rare_fragment(reg, name, length)
    items, total = all_items(reg, q=frag)
    assert total == n >= 1
    assert code in [i["uscc"] for i in items]
    assert all(frag in i["name"] for i in items)
    # Combined with a filter, the count still agrees with the database.
    items, total = all_items(reg, q=frag, kind="enterprise")
    assert total == reg.scalar("SELECT count(*) FROM entities WHERE instr(name, ?) > 0"
                               " AND kind = 'enterprise'", (frag,))


def test_search_common_fragment_counts(reg):
    for frag in ("有限公司", "合作社", "东昌", "店"):
        r = get(reg, ENT, q=frag, page_size=200)
        assert r.status == 200
        assert r.body["total"] == reg.scalar(
            "SELECT count(*) FROM entities WHERE instr(name, ?) > 0", (frag,)), frag
        assert all(frag in i["name"] for i in r.body["items"])
    r = get(reg, ENT, q="不存在的名字片段")
    assert r.status == 200 and r.body["total"] == 0 and r.body["items"] == []
    r = get(reg, ENT, q='有"限')  # FTS syntax stays literal
    assert r.status == 200 and r.body["total"] == 0


def test_search_by_code_and_prefix(reg):
    code = reg.scalar("SELECT uscc FROM entities ORDER BY id LIMIT 1 OFFSET 777")
    for query in (code, code.lower()):
        r = get(reg, ENT, q=query)
        assert r.status == 200
        assert r.body["total"] == 1 and [i["uscc"] for i in r.body["items"]] == [code]
    for prefix in (code[:8], code[:12]):
        items, total = all_items(reg, q=prefix)
        assert total == reg.scalar("SELECT count(*) FROM entities WHERE substr(uscc, 1, ?) = ?",
                                   (len(prefix), prefix)) >= 1
        assert all(i["uscc"].startswith(prefix) for i in items)
        assert code in [i["uscc"] for i in items]


FILTERS = [
    {"chain": "3"}, {"chain": "12"}, {"tier": "specialized"}, {"tier": "above_scale"},
    {"credit": "C"}, {"credit": "D"}, {"kind": "cooperative"}, {"kind": "individual"},
    {"status": "revoked"}, {"region": "371524"}, {"region": OTHER},
    {"chain": "2", "kind": "cooperative", "credit": "A"}, {"tier": "little_giant", "status": "active"},
]


@pytest.mark.parametrize("params", FILTERS, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()))
def test_list_filters(reg, params):
    where = " AND ".join(f"{k} = ?" for k in params)
    vals = [int(v) if k == "chain" else v for k, v in params.items()]
    expect = reg.scalar(f"SELECT count(*) FROM entities WHERE {where}", vals)
    r = get(reg, ENT, page_size=200, **params)
    assert r.status == 200
    assert r.body["total"] == expect > 0
    for item in r.body["items"]:
        for k, v in params.items():
            assert str(item[k]) == v, (k, item)
    _, header, rows = parse_csv_export(get(reg, ENT, format="csv", **params))
    assert len(rows) == expect
    for k, v in params.items():
        assert {row[header.index(k)] for row in rows} == {v}


@pytest.mark.parametrize("params,field", [
    ({"chain": "13"}, "chain"), ({"chain": "0"}, "chain"), ({"chain": "abc"}, "chain"),
    ({"tier": "big"}, "tier"), ({"credit": "E"}, "credit"), ({"kind": "company"}, "kind"),
    ({"status": "closed"}, "status"), ({"region": "999999"}, "region"),
    ({"page_size": "201"}, "page_size"), ({"page_size": "0"}, "page_size"), ({"page": "0"}, "page"),
    ({"format": "pdf"}, "format"), ({"q": "长" * 101}, "q"),
])
def test_list_bad_filters_422(reg, params, field):
    r = get(reg, ENT, **params)
    assert_refused(r, 422, field=field, code="validation_failed")


def test_list_mistyped_filter_is_refused_not_ignored(reg):
    # ?regoin= used to be ignored: the whole register came back as if it were one county's.
    county = reg.scalar("SELECT count(*) FROM entities WHERE region = '371524'")
    err = assert_refused(get(reg, ENT, regoin="371524"), 422, field="regoin",
                         code="unknown_parameter")
    assert "region" in err["message"] and "q" in err["message"], err
    assert_refused(get(reg, ENT, format="csv", credits="A"), 422, field="credits",
                   code="unknown_parameter")
    # Query names are read in any case; the search q is taken beside the filters.
    r = get(reg, ENT, REGION="371524", page_size=1)
    assert r.status == 200 and r.body["total"] == county > 0
    r = get(reg, ENT, q="合作社", page_size=1)
    assert r.status == 200 and r.body["total"] > 0
    # An empty name (careless joining) names nothing; a long one is cut at a character.
    r = reg.req("GET", ENT + "?&region=371524&&page_size=1", token=reg.tokens["admin"])
    assert r.status == 200 and r.body["total"] == county
    err = assert_refused(get(reg, ENT, **{"中" * 30: "1"}), 422, code="unknown_parameter")
    assert err["field"] == "中" * 21, err


def test_csv_and_xlsx_export(reg):
    total = reg.scalar("SELECT count(*) FROM entities")
    r = get(reg, ENT, format="csv")
    text, header, rows = parse_csv_export(r)
    assert text.startswith("uscc,name,kind,region")
    assert header[:4] == ["uscc", "name", "kind", "region"]
    assert {"uscc_flagged", "region_name", "chain"} <= set(header)
    assert len(rows) == total
    assert "attachment" in r.headers.get("Content-Disposition", "")
    assert [row[0] for row in rows] == [u for (u,) in reg.sql("SELECT uscc FROM entities ORDER BY id")]
    _, _, rows = parse_csv_export(get(reg, ENT, format="csv", q="合作社"))
    assert len(rows) == reg.scalar("SELECT count(*) FROM entities WHERE instr(name, '合作社') > 0")
    rows = xlsx_rows(get(reg, ENT, format="xlsx", region=OTHER))
    assert len(rows) == 1 + reg.scalar("SELECT count(*) FROM entities WHERE region = ?", (OTHER,))


def test_list_roles(reg):
    for who in ("inspector", "chain_office", "city", "admin"):
        r = get(reg, ENT, who, page_size=1)
        assert r.status == 200 and r.body["total"] == reg.scalar("SELECT count(*) FROM entities")
    assert reg.req("GET", ENT).status == 401


# -- 6. QR codes -------------------------------------------------------------------------------

def test_qr_codes(reg):
    code = one_of(reg, OWN)
    r = get(reg, f"{ENT}/{code}/qr.svg")
    assert r.status == 200 and r.headers["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in r.raw[:300] and r.raw.rstrip().endswith(b"</svg>")
    r = get(reg, f"{ENT}/{code.lower()}/qr.png")
    assert r.status == 200 and r.headers["Content-Type"] == "image/png"
    png = r.raw
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind, width, height = struct.unpack(">I4sII", png[8:24])
    assert kind == b"IHDR" and length == 13
    assert width == height and width >= 21 * 8
    assert png[-12:-8] == struct.pack(">I", 0) and png[-8:-4] == b"IEND"
    missing = new_code()
    assert_refused(get(reg, f"{ENT}/{missing}/qr.svg"), 404)
    assert_refused(get(reg, f"{ENT}/{missing}/qr.png"), 404)
    assert reg.req("GET", f"{ENT}/{code}/qr.svg").status == 401


# -- 7. demo ------------------------------------------------------------------------------------

ROLES = {"bureau", "inspector", "officer", "chain_office", "department", "city_office",
         "enterprise", "station", "slaughterhouse"}


def _snapshot(db):
    with dbkit.connect(db) as c:
        snap = (c.execute(ALL_COLS_SQL).fetchall(),
                c.execute("SELECT id, username, role, password_hash FROM users ORDER BY id").fetchall(),
                c.execute("SELECT count(*) FROM audit_log").fetchone()[0])
    return snap


def test_demo_small(reg_template, tmp_path):
    db = dbkit.new_db(tmp_path / "a.db")
    cred = str(tmp_path / "cred.txt")
    r = run_cli("demo", "--db", db, "--scale", "small", "--seed", "1", "--credentials", cred)
    assert r.returncode == 0, r.stderr
    assert_no_sanitizer_report(r.stderr, "demo")
    with dbkit.connect(db) as c:
        kinds = dict(c.execute("SELECT kind, count(*) FROM entities GROUP BY kind"))
        codes = [u for (u,) in c.execute("SELECT uscc FROM entities")]
        key = c.execute("SELECT e.uscc, e.officer, u.role, e.kind, e.status FROM entities e"
                        " LEFT JOIN users u ON u.id = e.officer WHERE e.key = 1").fetchall()
        flagged = c.execute("SELECT count(*) FROM entities WHERE uscc_flagged <> 0").fetchone()[0]
        regions = {r for (r,) in c.execute("SELECT DISTINCT region FROM entities")}
        rows = c.execute(DEMO_ROWS_SQL).fetchall()
    assert kinds == {"enterprise": 2000, "individual": 5000, "cooperative": 100}
    assert len(codes) == len(set(codes)) == 7100
    bad = [u for u in codes if uscc_status(u) != "ok"]
    assert not bad, bad[:5]
    assert flagged == 0
    assert regions <= set(COUNTIES) | {"371571", "371572", "371573"} and OWN in regions
    assert len(key) == 40
    assert all(o is not None and role == "officer" and kind == "enterprise" and st == "active"
               for _, o, role, kind, st in key), key[:3]
    lines = [ln for ln in open(cred, encoding="utf-8").read().splitlines()
             if ln and not ln.startswith("#")]
    fields = [ln.split("\t") for ln in lines]
    assert all(len(f) == 4 for f in fields)
    assert {f[2] for f in fields} == ROLES and len(lines) == 10
    by_user = {f[0]: f for f in fields}
    assert by_user["bureau_dcf"][2:] == ["bureau", OWN] and by_user["bureau"][3] == "371500"
    assert all(len(f[1]) >= 12 for f in fields)
    # A second run on the same database refuses and changes nothing.
    snap = _snapshot(db)
    r = run_cli("demo", "--db", db, "--scale", "small", "--seed", "1",
                "--credentials", str(tmp_path / "cred2.txt"))
    assert r.returncode != 0
    assert has_chinese(r.stderr)
    assert _snapshot(db) == snap
    # Same seed, same city (the module's template was generated from seed 1 as well).
    assert rows == reg_template.seed1_rows
    db2 = dbkit.new_db(tmp_path / "b.db")
    r = run_cli("demo", "--db", db2, "--scale", "small", "--seed", "2",
                "--credentials", str(tmp_path / "cred3.txt"))
    assert r.returncode == 0, r.stderr
    rows2 = dbkit.query(db2, DEMO_ROWS_SQL)
    assert len(rows2) == 7100 and rows2 != rows


def test_demo_credentials_log_in(reg, reg_template):
    creds = {}
    for ln in open(reg_template.cred, encoding="utf-8").read().splitlines():
        if ln and not ln.startswith("#"):
            user, password, role, region = ln.split("\t")
            creds[user] = password
    total = reg.scalar("SELECT count(*) FROM entities")
    own = reg.scalar("SELECT count(*) FROM entities WHERE region = ?", (OWN,))
    tok = reg.login("bureau", creds["bureau"])
    r = reg.req("GET", ENT + "?page_size=1", token=tok)
    assert r.status == 200 and r.body["total"] == total
    tok = reg.login("bureau_dcf", creds["bureau_dcf"])
    r = reg.req("GET", ENT + "?page_size=200", token=tok)
    assert r.status == 200 and r.body["total"] == own
    assert {i["region"] for i in r.body["items"]} == {OWN}
    assert reg.req("GET", ENT + "?region=" + OTHER, token=tok).status == 403
    tok = reg.login("enterprise", creds["enterprise"])
    mine = reg.scalar("SELECT entity FROM users WHERE username = 'enterprise'")
    assert mine and reg.scalar("SELECT key FROM entities WHERE uscc = ?", (mine,)) == 1
    assert reg.req("GET", f"{ENT}/{mine}", token=tok).status == 200
    assert reg.req("GET", ENT, token=tok).status == 403
    r = reg.req("POST", "/api/v1/auth/login", {"username": "bureau", "password": "wrong-pass"})
    assert r.status == 401


def test_enterprise_history_hides_staff_addresses(reg):
    own = reg.ent_uscc
    r = reg.req("PATCH", f"{ENT}/{own}", {"address": "山东省聊城市东昌府区柳园街道光岳路1号"},
                token=reg.tokens["admin"])
    assert r.status == 200
    staff = get(reg, f"{ENT}/{own}/history", "admin")
    assert staff.status == 200 and staff.body["items"]
    assert all("ip" in i for i in staff.body["items"])
    mine = get(reg, f"{ENT}/{own}/history", "enterprise")
    assert mine.status == 200 and len(mine.body["items"]) == len(staff.body["items"])
    assert all("ip" not in i and i["action"] for i in mine.body["items"])


def test_search_length_counts_characters(reg):
    # 100 Chinese characters are 300 bytes: allowed; 101 characters are refused.
    assert get(reg, ENT, "admin", q="聊" * 100).status == 200
    assert_refused(get(reg, ENT, "admin", q="聊" * 101), 422, field="q")


def test_import_refuses_non_utf8(reg_fresh):
    s = reg_fresh
    before = counts(s)
    gbk = ("uscc,name,kind,region\r\n%s,聊城市测试有限公司,enterprise,%s\r\n"
           % (new_code(), OWN)).encode("gbk")
    r = do_import(s, gbk)
    assert_refused(r, 422, code="bad_encoding")
    assert "UTF-8" in r.error()["message"]
    assert counts(s) == before


def test_import_empty_credit_keeps_value(reg_fresh):
    s = reg_fresh
    code = one_of(s, OWN)
    old = s.sql("SELECT credit, status, tier FROM entities WHERE uscc = ?", (code,))[0]
    data = csv_bytes([[code, "改名企业", "enterprise", OWN, "", "", ""]],
                     header=("uscc", "name", "kind", "region", "credit", "status", "tier"))
    r = do_import(s, data)
    assert r.status == 201 and r.body["updated"] == 1, r.raw[:300]
    assert s.sql("SELECT credit, status, tier, name FROM entities WHERE uscc = ?",
                 (code,))[0] == old + ("改名企业",)


def test_import_row_limit(reg_fresh):
    s = reg_fresh
    before = counts(s)
    data = b"uscc,name,kind,region\r\n" + b"x\r\n" * 200001
    r = do_import(s, data)
    assert r.status == 422
    assert any("200000" in l["message"] for l in r.error()["lines"])
    assert counts(s) == before


def test_patch_audit_records_only_applied_fields(reg):
    r, body = create(reg)
    code = body["uscc"]
    r = reg.req("PATCH", f"{ENT}/{code}", {"credit": "D", "junk": "x" * 5000,
                                            "uscc_flagged": True}, token=reg.tokens["city"])
    assert r.status == 200 and r.body["uscc_flagged"] is False
    h = get(reg, f"{ENT}/{code}/history")
    assert h.body["items"][0]["detail"] == {"credit": {"from": "B", "to": "D"}}


def test_csv_export_defuses_formulas_and_reimports(reg_fresh):
    s = reg_fresh
    code = new_code()
    r, _ = create(s, uscc=code, name="=HYPERLINK(\"http://x\",\"点我\")",
                  address="+86 聊城市")
    assert r.status == 201, r.raw[:300]
    r = get(s, ENT, "admin", format="csv", q=code)
    _, header, rows = parse_csv_export(r)
    row = dict(zip(header, rows[0]))
    assert row["name"] == "'=HYPERLINK(\"http://x\",\"点我\")"
    assert row["address"] == "'+86 聊城市"
    # The export imports back to the same values.
    r = do_import(s, r.raw)
    assert r.status == 201 and r.body["updated"] == 1, r.raw[:300]
    assert s.sql("SELECT name, address FROM entities WHERE uscc = ?", (code,)) == [
        ("=HYPERLINK(\"http://x\",\"点我\")", "+86 聊城市")]


def test_import_audits_each_change_like_a_patch(reg_fresh):
    """An import's update keeps {from, to} per changed field in its audit row, and an insert
    the values it set, as PATCH and POST do."""
    s = reg_fresh
    r, body = create(s, legal_rep="张三", address="旧址")
    assert r.status == 201
    code, new = body["uscc"], new_code()
    cols = ("uscc", "name", "kind", "region", "legal_rep", "address")
    data = csv_bytes([[code, body["name"], body["kind"], body["region"], "李四", "旧址"],
                      [new, "导入新企业有限公司", "enterprise", OWN, "王五", ""]], cols)
    r = do_import(s, data)
    assert r.status == 201 and r.body["updated"] == 1 and r.body["inserted"] == 1, r.raw[:300]
    [(detail,)] = s.sql("SELECT detail FROM audit_log WHERE action = 'entity.import_update'"
                        " AND object = ? ORDER BY id DESC LIMIT 1", (f"entity:{code}",))
    assert json.loads(detail) == {"legal_rep": {"from": "张三", "to": "李四"}}
    [(detail,)] = s.sql("SELECT detail FROM audit_log WHERE action = 'entity.import_insert'"
                        " AND object = ?", (f"entity:{new}",))
    d = json.loads(detail)
    assert d["name"] == "导入新企业有限公司" and d["legal_rep"] == "王五", d


def test_csv_export_escapes_every_formula_start_and_round_trips(reg_fresh):
    """| (DDE), the full-width ＝＋－＠ and a leading apostrophe are escaped too; the literal
    '=1+1 survives export and re-import; spaces around a typed value are not kept."""
    s = reg_fresh
    values = ["|cmd", "＝1+1", "＋86", "－1", "＠SUM(A1)", "'=1+1", "'普通"]
    codes = []
    for v in values:
        r, body = create(s, legal_rep=v)
        assert r.status == 201 and r.body["legal_rep"] == v, (v, r.raw[:300])
        codes.append(body["uscc"])
    export = get(s, ENT, "admin", format="csv")
    _, header, rows = parse_csv_export(export)
    by_code = {row[header.index("uscc")]: row[header.index("legal_rep")] for row in rows}
    for code, v in zip(codes, values):
        assert by_code[code] == "'" + v, (v, by_code[code])
    r = do_import(s, export.raw)
    assert r.status == 201, r.raw[:300]
    for code, v in zip(codes, values):
        assert s.sql("SELECT legal_rep FROM entities WHERE uscc = ?", (code,)) == [(v,)]
    # Typed with spaces around, a value is stored without them (and then escaped on export).
    r, body = create(s, legal_rep="  =1+1 ")
    assert r.status == 201 and r.body["legal_rep"] == "=1+1"


def test_notes_field_everywhere(reg_fresh):
    """A field added by one line of the entity's record table (and its migration): created,
    read, patched with its audit diff, limited, exported and imported back."""
    s = reg_fresh
    r, body = create(s, notes="首次走访：企业反映用电报装慢")
    assert r.status == 201 and r.body["notes"] == "首次走访：企业反映用电报装慢"
    code = body["uscc"]
    r, other = create(s)
    assert r.status == 201 and r.body["notes"] == ""  # the default
    r = s.req("PATCH", f"{ENT}/{code}", {"notes": "已协调供电公司"}, token=s.tokens["admin"])
    assert r.status == 200 and r.body["notes"] == "已协调供电公司"
    h = get(s, f"{ENT}/{code}/history")
    assert h.body["items"][0]["detail"]["notes"] == {"from": "首次走访：企业反映用电报装慢",
                                                     "to": "已协调供电公司"}
    before = counts(s)
    r = s.req("PATCH", f"{ENT}/{code}", {"notes": "备" * 501}, token=s.tokens["admin"])
    assert_refused(r, 422, field="notes")
    r = s.req("PATCH", f"{ENT}/{code}", {"notes": 5}, token=s.tokens["admin"])
    assert_refused(r, 422, field="notes")
    assert counts(s) == before
    assert s.scalar("SELECT notes FROM entities WHERE uscc = ?", (code,)) == "已协调供电公司"
    # Export and import back: the column travels with the rest.
    r = get(s, ENT, q=code, format="csv")
    rows = list(csv.DictReader(io.StringIO(r.raw.decode("utf-8-sig"))))
    assert rows[0]["notes"] == "已协调供电公司"
    rows[0]["notes"] = "导入修改的备注"
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    r = do_import(s, buf.getvalue().encode("utf-8"))
    assert r.status == 201 and r.body["updated"] == 1
    assert s.scalar("SELECT notes FROM entities WHERE uscc = ?", (code,)) == "导入修改的备注"
    # The UI learns its label from /meta.
    meta = get(s, "/api/v1/meta").body
    assert meta["records"]["entity"]["fields"]["notes"]["label"] == "备注"


def test_rename_moves_the_name_indexes(reg_fresh):
    """A new name is found by its 2- and 3-character fragments and the old one no more; a
    change of another field leaves the name findable (the triggers fire on a changed name)."""
    s = reg_fresh
    r, body = create(s, name="鑫鹏测试机械有限公司")
    code = body["uscc"]
    assert r.status == 201

    def found(frag):
        return code in [i["uscc"] for i in all_items(s, q=frag)[0]]

    assert found("鑫鹏") and found("鑫鹏测试")
    r = s.req("PATCH", f"{ENT}/{code}", {"name": "龘麟精工科技有限公司"}, token=s.tokens["admin"])
    assert r.status == 200
    assert found("龘麟") and found("龘麟精工")
    assert not found("鑫鹏") and not found("鑫鹏测试")
    r = s.req("PATCH", f"{ENT}/{code}", {"credit": "A"}, token=s.tokens["admin"])
    assert r.status == 200
    assert found("龘麟") and found("麟精工")
