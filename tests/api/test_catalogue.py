"""M3, the service catalogue (服务清单): the demo catalogue, public and staff visibility, the
list's filters and Chinese search, create and change by administrators and by a department for
its own items, the history of a change, and every refusal (401/403/404/413/415/422, malformed
JSON, wrong types) leaving the database as it was.

The tests run against their own template: `demo --scale small --seed 3` (which writes the
catalogue), an administrator, and a second department account (市行政审批服务局, 8) beside the
demo's `department` login (市财政局, 1).
"""

import csv
import datetime
import io
import json
from urllib.parse import urlencode

import pytest

from conftest import (PASSWORD, assert_refused, attachment_name, demo_city, export_name, run_cli,
                      serving)

SVC = "/api/v1/services"
FIN, APPROVAL = 1, 8  # the departments of the two department accounts
LISTS = ("guidance", "policy", "service", "lenient")
ITEM_KEYS = {
    "id", "list", "title", "department", "department_name", "category", "content", "process",
    "channel", "materials", "time_limit", "legal_basis", "fee", "contact", "updated", "status",
    "updated_at",
}
# logical name -> demo or extra username
STAFF = {
    "admin": "admin", "department": "department", "bureau": "bureau", "inspector": "inspector",
    "officer": "officer", "enterprise": "enterprise",
}


def today_cst():
    cst = datetime.timezone(datetime.timedelta(hours=8))
    return datetime.datetime.now(cst).date()


@pytest.fixture(scope="module")
def cat_template(tmp_path_factory):
    t = demo_city(tmp_path_factory, "catalogue", seed=3, staff=STAFF)
    r = run_cli("user", "add", "--db", t.db, "--username", "dept_approval", "--role", "department",
                "--department", str(APPROVAL), "--display-name", "行政审批局 钱伟",
                input=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    t.ids["approval"] = int(r.stdout.strip())
    r = run_cli("user", "token", "--db", t.db, "--username", "dept_approval")
    assert r.returncode == 0, r.stderr
    t.tokens["approval"] = r.stdout.strip()
    return t


@pytest.fixture(scope="module")
def cat(cat_template):
    """A server shared by this module's tests; writes use titles of their own."""
    with serving(cat_template) as s:
        yield s


def get(s, path, who=None, **params):
    return s.req("GET", path + ("?" + urlencode(params) if params else ""),
                 token=s.tokens[who] if who else None)


def post(s, body, who="admin"):
    return s.req("POST", SVC, body, token=s.tokens[who])


def patch(s, item, body, who="admin"):
    return s.req("PATCH", f"{SVC}/{item}", body, token=s.tokens[who])


def counts(s):
    return (s.scalar("SELECT count(*) FROM service_items"),
            s.scalar("SELECT count(*) FROM audit_log"))


ROW_SQL = ("SELECT list, title, department, category, content, process, channel, materials,"
           " time_limit, legal_basis, fee, contact, updated, status FROM service_items"
           " WHERE id = ?")


def row(s, item):
    rows = s.sql(ROW_SQL, (item,))
    return rows[0] if rows else None


_serial = [0]


def body(**fields):
    """A valid new item of the 服务发展 list for department 1, with a title no other test uses."""
    _serial[0] += 1
    b = {"list": "service", "title": f"测试服务事项第{_serial[0]}号", "department": FIN,
         "content": "为中小企业提供政府采购合同融资对接服务。"}
    b.update(fields)
    return b


def all_items(s, who=None, **params):
    items, page = [], 1
    while True:
        r = get(s, SVC, who, page=page, page_size=200, **params)
        assert r.status == 200, (r.status, r.raw[:300])
        items += r.body["items"]
        if len(items) >= r.body["total"] or not r.body["items"]:
            break
        page += 1
    assert len(items) == r.body["total"]
    return items


def last_audit(s):
    action, obj, actor, detail = s.sql("SELECT action, object, actor, detail FROM audit_log"
                                       " ORDER BY id DESC LIMIT 1")[0]
    return action, obj, actor, json.loads(detail)


# -- the demo catalogue ---------------------------------------------------------------------------

def test_demo_catalogue(cat):
    by_list = dict(cat.sql("SELECT list, count(*) FROM service_items GROUP BY list"))
    assert by_list["service"] == 82
    for name in LISTS:
        assert by_list[name] >= 10, by_list
    assert cat.scalar("SELECT count(*) FROM service_items WHERE list = 'service'"
                      " AND status = 'published'") == 82
    # Every department of the city contributes, and every field of SPEC M3 is filled in.
    assert cat.scalar("SELECT count(DISTINCT department) FROM service_items"
                      " WHERE list = 'service'") == cat.scalar("SELECT count(*) FROM departments")
    for col in ("content", "process", "channel", "materials", "time_limit", "legal_basis", "fee",
                "contact", "updated"):
        assert cat.scalar(f"SELECT count(*) FROM service_items WHERE list = 'service'"
                          f" AND {col} = ''") == 0, col
    for content, basis in cat.sql("SELECT content, legal_basis FROM service_items"
                                  " WHERE list = 'lenient'"):
        assert "执法领域" in content and "第三十三条" in content
        assert "《中华人民共和国行政处罚法》第三十三条" in basis
    titles = [t for (t,) in cat.sql("SELECT title FROM service_items")]
    assert len(set(titles)) == len(titles)
    for t in ("企业开办“一网通办”", "技术改造设备投资奖补", "高层次人才分类认定"):
        assert t in titles


# -- reading: public and staff ------------------------------------------------------------------

def test_public_list_sees_published_only(cat):
    published = cat.scalar("SELECT count(*) FROM service_items WHERE status = 'published'")
    everything = cat.scalar("SELECT count(*) FROM service_items")
    assert everything > published  # the demo has drafts
    r = get(cat, SVC)
    assert r.status == 200, r.raw[:300]
    assert set(r.body) == {"items", "total", "page", "page_size"}
    assert r.body["total"] == published and len(r.body["items"]) == 20
    assert set(r.body["items"][0]) == ITEM_KEYS
    assert [i["id"] for i in r.body["items"]] == [
        i for (i,) in cat.sql("SELECT id FROM service_items WHERE status = 'published'"
                              " ORDER BY id LIMIT 20")]
    items = all_items(cat)
    assert {i["status"] for i in items} == {"published"}
    # An enterprise account is the public here; every staff role sees the drafts too.
    assert get(cat, SVC, "enterprise").body["total"] == published
    for who in ("inspector", "officer", "bureau", "department", "admin"):
        assert get(cat, SVC, who).body["total"] == everything, who
    drafts = cat.scalar("SELECT count(*) FROM service_items WHERE status = 'draft'")
    r = get(cat, SVC, "inspector", status="draft")
    assert r.status == 200 and r.body["total"] == drafts
    assert {i["status"] for i in r.body["items"]} == {"draft"}
    # Asking for drafts without being staff is refused, not quietly answered.
    for who in (None, "enterprise"):
        assert_refused(get(cat, SVC, who, status="draft"), 403, code="forbidden", field="status")
        r = get(cat, SVC, who, status="published")
        assert r.status == 200 and r.body["total"] == published


def test_public_item_and_drafts(cat):
    pub = cat.scalar("SELECT id FROM service_items WHERE status = 'published' ORDER BY id LIMIT 1")
    draft = cat.scalar("SELECT id FROM service_items WHERE status = 'draft' ORDER BY id LIMIT 1")
    r = get(cat, f"{SVC}/{pub}")
    assert r.status == 200 and set(r.body) == ITEM_KEYS
    assert r.body["id"] == pub and r.body["department_name"]
    listed = [i for i in get(cat, SVC, page_size=200).body["items"] if i["id"] == pub]
    assert listed == [r.body]
    for who in (None, "enterprise"):
        assert_refused(get(cat, f"{SVC}/{draft}", who), 404, code="not_found")
    r = get(cat, f"{SVC}/{draft}", "inspector")
    assert r.status == 200 and r.body["status"] == "draft"
    # The answer for a draft is the answer for nothing at all.
    missing = cat.scalar("SELECT max(id) FROM service_items") + 1000
    for path in (f"{SVC}/{missing}", f"{SVC}/abc", f"{SVC}/0", f"{SVC}/-3"):
        assert_refused(get(cat, path), 404, code="not_found")


FILTERS = [
    {"list": "lenient"}, {"list": "guidance"}, {"department": "10"}, {"category": "finance"},
    {"list": "service", "department": "8"}, {"list": "service", "category": "talent"},
]


@pytest.mark.parametrize("params", FILTERS, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()))
def test_list_filters(cat, params):
    where = " AND ".join(f"{k} = ?" for k in params)
    vals = [int(v) if k == "department" else v for k, v in params.items()]
    expect = cat.scalar(f"SELECT count(*) FROM service_items WHERE status = 'published'"
                        f" AND {where}", vals)
    items = all_items(cat, **params)
    assert len(items) == expect > 0
    for item in items:
        for k, v in params.items():
            assert str(item[k]) == v, (k, item)


def test_list_sort(cat):
    r = get(cat, SVC, sort="-updated,title", page_size=50)
    assert r.status == 200
    got = [(i["updated"], i["id"]) for i in r.body["items"]]
    assert [u for u, _ in got] == sorted((u for u, _ in got), reverse=True)
    r = get(cat, SVC, "admin", sort="department", list="policy")
    assert [i["department"] for i in r.body["items"]] == sorted(
        i["department"] for i in r.body["items"])


@pytest.mark.parametrize("params,field", [
    ({"list": "catalogue"}, "list"), ({"department": "abc"}, "department"),
    ({"department": "0"}, "department"), ({"category": "money"}, "category"),
    ({"status": "hidden"}, "status"), ({"sort": "colour"}, "sort"),
    ({"q": "长" * 101}, "q"), ({"page_size": "201"}, "page_size"), ({"format": "pdf"}, "format"),
])
def test_list_bad_parameters_422(cat, params, field):
    assert_refused(get(cat, SVC, **params), 422, code="validation_failed", field=field)


def _count_matching(s, frag, staff=False):
    return s.scalar("SELECT count(*) FROM service_items WHERE (instr(title, ?) > 0"
                    " OR instr(content, ?) > 0)" + ("" if staff else " AND status = 'published'"),
                    (frag, frag))


@pytest.mark.parametrize("frag", ["融资", "企", "一网通办", "免申即享", "行政处罚法", "执法领域：计量"])
def test_search_chinese(cat, frag):
    items = all_items(cat, q=frag)
    assert len(items) == _count_matching(cat, frag) >= 1
    assert all(frag in i["title"] or frag in i["content"] for i in items)
    assert len(all_items(cat, "inspector", q=frag)) == _count_matching(cat, frag, staff=True)
    # With a filter, the search narrows further.
    items = all_items(cat, q=frag, list="service")
    assert all(i["list"] == "service" for i in items)


def test_search_finds_a_fragment_of_the_content_only(cat):
    item_id, title, content = cat.sql(
        "SELECT id, title, content FROM service_items WHERE list = 'service'"
        " AND status = 'published' ORDER BY id LIMIT 1 OFFSET 40")[0]
    frag = next(content[i:i + 4] for i in range(len(content) - 4)
                if content[i:i + 4] not in title and "，" not in content[i:i + 4])
    ids = [i["id"] for i in all_items(cat, q=frag)]
    assert item_id in ids
    r = get(cat, SVC, q="根本不存在的服务片段")
    assert r.status == 200 and r.body["total"] == 0 and r.body["items"] == []
    r = get(cat, SVC, q="100%' OR '1'='1")
    assert r.status == 200 and r.body["total"] == 0


def test_export_is_for_staff(cat):
    assert_refused(get(cat, SVC, format="csv"), 403, field="format")
    assert_refused(get(cat, SVC, "enterprise", format="csv"), 403, field="format")
    r = get(cat, SVC, "inspector", format="csv", list="lenient")
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert attachment_name(r.headers) == export_name("服务清单", "csv")
    rows = list(csv.reader(io.StringIO(r.raw.decode("utf-8-sig"), newline="")))
    assert rows[0][:7] == ["id", "list", "title", "department", "department_name", "category",
                           "content"]
    assert len(rows) - 1 == cat.scalar("SELECT count(*) FROM service_items WHERE list = 'lenient'")
    assert {row[1] for row in rows[1:]} == {"lenient"}


def test_meta_labels_the_catalogue(cat):
    r = get(cat, "/api/v1/meta", "inspector")
    assert r.status == 200
    rec = r.body["records"]["service"]
    assert rec["label"] == "服务事项"
    assert rec["fields"]["list"]["values"] == {
        "guidance": "合规指导", "policy": "政策集成", "service": "服务发展", "lenient": "轻微免罚"}
    assert rec["fields"]["category"]["values"]["finance"] == "融资"
    assert rec["fields"]["department_name"]["readonly"] is True
    assert r.body["actions"]["service.update"] == "修改服务事项"
    assert r.body["lists"][SVC]["export"] is True
    assert {"list", "department", "category", "status"} <= set(r.body["lists"][SVC]["filters"])
    assert {m["name"]: m["label"] for m in r.body["modules"]}["catalogue"] == "服务清单"


# -- create -------------------------------------------------------------------------------------

def test_create_full_item_by_admin(cat):
    b = body(list="lenient", category="other", department=10, status="published",
             title="测试：未按规定公示信息的轻微违法行为",
             content="执法领域：登记注册\n违法行为：未按规定公示。\n免罚情形：首次被发现并及时改正的。",
             process="1. 发现；\n2. 责令改正；\n3. 不予处罚。", channel="线下：市场监管窗口",
             materials="无", time_limit="即时", fee="不收费", contact="0635-8000000",
             legal_basis="《中华人民共和国行政处罚法》第三十三条第一款", updated="2026-01-15")
    before = counts(cat)
    r = post(cat, b)
    assert r.status == 201, r.raw[:400]
    assert set(r.body) == ITEM_KEYS
    for k, v in b.items():
        assert r.body[k] == v, k
    assert r.body["department_name"] == "市市场监督管理局"
    assert counts(cat) == (before[0] + 1, before[1] + 1)
    assert row(cat, r.body["id"]) == (
        "lenient", b["title"], 10, "other", b["content"], b["process"], b["channel"], "无", "即时",
        b["legal_basis"], "不收费", "0635-8000000", "2026-01-15", "published")
    action, obj, actor, detail = last_audit(cat)
    assert (action, obj, actor) == ("service.create", f"service:{r.body['id']}", cat.ids["admin"])
    assert detail["title"] == b["title"] and detail["department"] == 10
    assert get(cat, f"{SVC}/{r.body['id']}").body == r.body
    # The public finds it by a fragment of its content at once.
    assert r.body["id"] in [i["id"] for i in all_items(cat, q="未按规定公示")]


def test_create_minimal_takes_defaults(cat):
    b = body()
    r = post(cat, b, who="department")
    assert r.status == 201, r.raw[:400]
    assert r.body["category"] == "other" and r.body["status"] == "published"
    assert r.body["updated"] == today_cst().isoformat()
    for k in ("process", "channel", "materials", "time_limit", "legal_basis", "fee", "contact"):
        assert r.body[k] == "", k
    assert cat.scalar("SELECT department FROM service_items WHERE id = ?", (r.body["id"],)) == FIN
    assert last_audit(cat)[:3] == ("service.create", f"service:{r.body['id']}",
                                  cat.ids["department"])


def test_create_refused_by_role_and_department(cat):
    before = counts(cat)
    b = body(department=APPROVAL)
    err = assert_refused(post(cat, b, who="department"), 403, code="forbidden", field="department")
    assert "本部门" in err["message"]
    for who in ("bureau", "inspector", "officer", "enterprise"):
        assert_refused(post(cat, body(), who=who), 403, code="forbidden")
    assert cat.req("POST", SVC, body()).status == 401
    assert counts(cat) == before
    assert cat.scalar("SELECT count(*) FROM service_items WHERE title = ?", (b["title"],)) == 0
    # The other department may create it for itself.
    r = post(cat, b, who="approval")
    assert r.status == 201 and r.body["department_name"] == "市行政审批服务局"


def _tomorrow():
    return (today_cst() + datetime.timedelta(days=1)).isoformat()


BAD = [
    ({"list": "catalogue"}, "list"), ({"list": None}, "list"), ({"list": 3}, "list"),
    ({"title": ""}, "title"), ({"title": "长" * 101}, "title"), ({"title": "两行\n标题"}, "title"),
    ({"title": ["数组"]}, "title"), ({"department": "1"}, "department"),
    ({"department": 0}, "department"), ({"department": 1.5}, "department"),
    ({"department": 999}, "department"), ({"category": "money"}, "category"),
    ({"content": ""}, "content"), ({"content": {"a": 1}}, "content"),
    ({"content": "长" * 4001}, "content"), ({"fee": "长" * 201}, "fee"),
    ({"status": "hidden"}, "status"), ({"status": None}, "status"),
    ({"updated": "2026-02-30"}, "updated"), ({"updated": "tomorrow"}, "updated"),
    ({"updated": 20260101}, "updated"), ({"list": "lenient"}, "legal_basis"),
    ({"list": "lenient", "legal_basis": "  "}, "legal_basis"),
]


@pytest.mark.parametrize("fields,field", BAD, ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD)])
def test_create_invalid_422(cat, fields, field):
    fields = dict(fields)
    if fields.get("updated") == "tomorrow":
        fields["updated"] = _tomorrow()
    b = body(**fields)
    before = counts(cat)
    assert_refused(post(cat, b), 422, code="validation_failed", field=field)
    assert counts(cat) == before


@pytest.mark.parametrize("missing", ["list", "title", "department", "content"])
def test_create_missing_required_422(cat, missing):
    b = body()
    del b[missing]
    before = counts(cat)
    assert_refused(post(cat, b), 422, field=missing)
    assert counts(cat) == before


def test_create_malformed_requests(cat):
    t = cat.tokens["admin"]
    before = counts(cat)
    json_ct = {"Content-Type": "application/json"}
    r = cat.req("POST", SVC, raw='{"list": "service", "title":'.encode(), token=t, headers=json_ct)
    assert_refused(r, 400, code="malformed_json")
    r = cat.req("POST", SVC, raw=b"[1, 2]", token=t, headers=json_ct)
    assert_refused(r, 400, code="malformed_json")
    r = cat.req("POST", SVC, raw=b'{"title": "a", "title": "b"}', token=t, headers=json_ct)
    assert_refused(r, 400, code="malformed_json")
    r = cat.req("POST", SVC, raw=json.dumps(body()).encode(), token=t,
                headers={"Content-Type": "text/plain"})
    assert_refused(r, 415, code="unsupported_media_type")
    # Past 128 KiB the body is refused before it is read as JSON.
    huge = body(content="长" * 20, materials="x" * (130 << 10))
    r = cat.req("POST", SVC, raw=json.dumps(huge).encode(), token=t, headers=json_ct)
    assert_refused(r, 413, code="too_large")
    assert counts(cat) == before
    assert cat.alive()


# -- change and history -------------------------------------------------------------------------

def test_patch_by_own_department_and_history(cat):
    r = post(cat, body(time_limit="5 个工作日", fee="不收费", updated="2025-09-01"))
    assert r.status == 201
    item, original = r.body["id"], r.body
    p1 = {"time_limit": "3 个工作日", "materials": "营业执照\n申请表"}
    r = patch(cat, item, p1, who="department")
    assert r.status == 200, r.raw[:300]
    expect = dict(original, **p1, updated=today_cst().isoformat())
    expect.pop("updated_at")
    got = dict(r.body)
    got.pop("updated_at")
    assert got == expect
    p2 = {"fee": None, "updated": "2026-01-02", "status": "draft"}
    r = patch(cat, item, p2, who="department")
    assert r.status == 200, r.raw[:300]
    assert r.body["fee"] == "" and r.body["updated"] == "2026-01-02"
    assert row(cat, item)[6:] == ("", "营业执照\n申请表", "3 个工作日", "", "", "", "2026-01-02",
                                  "draft")
    # History: newest first, who and what changed, from the old value to the new.
    r = get(cat, f"{SVC}/{item}/history", "inspector")
    assert r.status == 200, r.raw[:300]
    items = r.body["items"]
    assert r.body["total"] == 3 == len(items)
    assert [i["action"] for i in items] == ["service.update", "service.update", "service.create"]
    assert items[0]["action_label"] == "修改服务事项"
    assert items[0]["actor"] == items[1]["actor"] == cat.ids["department"]
    assert items[2]["actor"] == cat.ids["admin"]
    assert items[1]["detail"] == {
        "time_limit": {"from": "5 个工作日", "to": "3 个工作日"},
        "materials": {"from": "", "to": "营业执照\n申请表"},
        "updated": {"from": "2025-09-01", "to": today_cst().isoformat()}}
    assert items[0]["detail"] == {
        "fee": {"from": "不收费", "to": None},
        "updated": {"from": today_cst().isoformat(), "to": "2026-01-02"},
        "status": {"from": "published", "to": "draft"}}
    assert all(i["object"] == f"service:{item}" for i in items)
    # A draft now: the public no longer finds it; staff do.
    assert_refused(get(cat, f"{SVC}/{item}"), 404)
    assert item not in [i["id"] for i in all_items(cat, q=original["title"])]
    assert [i["id"] for i in all_items(cat, "officer", q=original["title"])] == [item]
    # History is for staff.
    assert get(cat, f"{SVC}/{item}/history").status == 401
    assert_refused(get(cat, f"{SVC}/{item}/history", "enterprise"), 403)
    missing = cat.scalar("SELECT max(id) FROM service_items") + 1000
    assert_refused(get(cat, f"{SVC}/{missing}/history", "inspector"), 404, code="not_found")


def test_patch_refused_for_other_departments_and_roles(cat):
    r = post(cat, body())
    item = r.body["id"]
    before, state = counts(cat), row(cat, item)
    # Another department's item, or moving one's own item away.
    err = assert_refused(patch(cat, item, {"fee": "收费"}, who="approval"), 403, code="forbidden")
    assert "本部门" in err["message"]
    assert_refused(patch(cat, item, {"department": APPROVAL}, who="department"), 403,
                   field="department")
    assert_refused(patch(cat, item, {"department": APPROVAL}, who="approval"), 403)
    for who in ("bureau", "inspector", "officer", "enterprise"):
        assert_refused(patch(cat, item, {"fee": "收费"}, who=who), 403, code="forbidden")
    assert cat.req("PATCH", f"{SVC}/{item}", {"fee": "收费"}).status == 401
    assert counts(cat) == before and row(cat, item) == state
    # An administrator may give it to another department, which then owns it.
    r = patch(cat, item, {"department": APPROVAL})
    assert r.status == 200 and r.body["department_name"] == "市行政审批服务局"
    assert patch(cat, item, {"fee": "不收费"}, who="approval").status == 200
    assert_refused(patch(cat, item, {"fee": "收费"}, who="department"), 403)


@pytest.mark.parametrize("change,status,field", [
    ({}, 422, None), ({"id": 5}, 422, None), ({"title": None}, 422, "title"),
    ({"title": "  "}, 422, "title"), ({"list": "other"}, 422, "list"),
    ({"department": 999}, 422, "department"), ({"department": "8"}, 422, "department"),
    ({"updated": None}, 422, "updated"), ({"updated": "tomorrow"}, 422, "updated"),
    ({"list": "lenient"}, 422, "legal_basis"), ({"content": 5}, 422, "content"),
])
def test_patch_invalid_changes_nothing(cat, change, status, field):
    item = post(cat, body()).body["id"]  # of the 服务发展 list, without a legal basis
    if change.get("updated") == "tomorrow":
        change = {"updated": _tomorrow()}
    before, state = counts(cat), row(cat, item)
    assert_refused(patch(cat, item, change), status, field=field)
    assert counts(cat) == before and row(cat, item) == state


def test_patch_unknown_item_404(cat):
    before = counts(cat)
    missing = cat.scalar("SELECT max(id) FROM service_items") + 1000
    for path in (missing, "abc", 0):
        assert_refused(patch(cat, path, {"fee": "不收费"}), 404, code="not_found")
    assert counts(cat) == before


def test_publishing_a_draft_shows_it_to_the_public(cat):
    r = post(cat, body(status="draft", title="测试草稿：人才公寓申请服务"))
    item = r.body["id"]
    assert_refused(get(cat, f"{SVC}/{item}"), 404)
    assert all_items(cat, q="人才公寓申请") == []
    assert [i["id"] for i in all_items(cat, "inspector", q="人才公寓申请")] == [item]
    r = patch(cat, item, {"status": "published"}, who="department")
    assert r.status == 200
    assert get(cat, f"{SVC}/{item}").status == 200
    assert [i["id"] for i in all_items(cat, q="人才公寓申请")] == [item]
