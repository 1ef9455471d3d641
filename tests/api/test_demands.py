"""诉求通 (M2): filing, the state machine tier by tier with every other role refused at every
step, routing, reassignment, deadlines over the working-day calendar, merge, the inbox lists and
the statistics against a hand count. Runs on SQLite and PostgreSQL."""
import datetime
import itertools

import pytest

from conftest import PASSWORD, assert_refused, china_today, serving, valid_uscc

DEMANDS = "/api/v1/demands"
_serial = itertools.count(1)

# The city of these tests: three entities, and one account for every part of the workflow.
ENTITIES = {
    "E1": ("聊城市东昌府区诉求测试机械有限公司", "371502", 1, "off1"),
    "E2": ("阳谷县诉求测试化工有限公司", "371521", 4, "off2"),
    "E3": ("聊城市东昌府区无服务员商贸有限公司", "371502", None, None),
}
ACCOUNTS = {
    "off1": {"role": "officer"},
    "off2": {"role": "officer"},
    "ent1": {"role": "enterprise", "entity": "E1"},
    "ent2": {"role": "enterprise", "entity": "E2"},
    "ent3": {"role": "enterprise", "entity": "E3"},
    "chain_city": {"role": "chain_office"},
    "chain_dcf": {"role": "chain_office", "region": "371502"},
    "chain_gx": {"role": "chain_office", "region": "371525"},
    "dept_fund": {"role": "department", "department": 1},
    "dept_land": {"role": "department", "department": 2},
    "dept_power": {"role": "department", "department": 4},
    "cityoffice": {"role": "city_office"},
    "bureau_yg": {"role": "bureau", "region": "371521"},
}


class City:
    def __init__(self, s):
        self.s = s
        self.tok = {"admin": s.tokens["admin"], "city": s.tokens["city"],
                    "county": s.tokens["county"], "inspector": s.tokens["inspector"]}
        self.ids = {}
        self.uscc = {k: valid_uscc(f"DM{i:06d}", v[1]) for i, (k, v) in
                     enumerate(ENTITIES.items(), 1)}

        def account(name, spec):
            body = {"username": name, "password": PASSWORD, "display_name": f"测试{name}",
                    **spec}
            if "entity" in spec:
                body["entity"] = self.uscc[spec["entity"]]
            r = s.req("POST", "/api/v1/users", body, token=self.tok["admin"])
            assert r.status == 201, r.raw[:300]
            self.ids[name] = r.body["id"]

        for name, spec in ACCOUNTS.items():  # entity accounts once their entities exist
            if "entity" not in spec:
                account(name, spec)
        for key, (name, region, chain, officer) in ENTITIES.items():
            body = {"uscc": self.uscc[key], "name": name, "kind": "enterprise", "region": region,
                    "chain": chain, "officer": self.ids[officer] if officer else None}
            r = s.req("POST", "/api/v1/entities", body, token=self.tok["admin"])
            assert r.status == 201, r.raw[:300]
        for name, spec in ACCOUNTS.items():
            if "entity" in spec:
                account(name, spec)
        for name in ACCOUNTS:
            self.tok[name] = s.login(name)

    def req(self, who, method, path, body=None, **kw):
        return self.s.req(method, path, body, token=self.tok[who], **kw)

    def file(self, who="ent1", entity="E1", **extra):
        body = {"uscc": self.uscc[entity], "title": f"诉求{next(_serial)}：申请技改资金",
                "body": "我公司新上生产线，申请技术改造专项资金支持。", "category": "funding",
                **extra}
        r = self.req(who, "POST", DEMANDS, body)
        assert r.status == 201, r.raw[:400]
        return r.body

    def act(self, who, demand_id, action, body=None, expect=200):
        r = self.req(who, "POST", f"{DEMANDS}/{demand_id}/{action}",
                     body if body is not None else {})
        assert r.status == expect, (who, action, r.status, r.raw[:400])
        return r.body

    def get(self, demand_id, who="admin"):
        r = self.req(who, "GET", f"{DEMANDS}/{demand_id}")
        assert r.status == 200, r.raw[:300]
        return r.body

    def events(self, demand_id):
        return [e["action"] for e in self.get(demand_id)["events"]]


@pytest.fixture(scope="module")
def city(template):
    with serving(template) as s:
        yield City(s)


EVERYONE = ["admin", "city", "county", "inspector", *ACCOUNTS]


def others_refused(c, demand_id, action, body, allowed):
    """Every principal but the allowed ones is refused the step (401/403/404/409), and the
    demand does not change."""
    before = c.get(demand_id)
    for who in EVERYONE:
        if who in allowed:
            continue
        r = c.req(who, "POST", f"{DEMANDS}/{demand_id}/{action}", body)
        assert r.status in (403, 404, 409), (who, action, r.status, r.raw[:300])
        assert r.body["error"]["code"] in ("forbidden", "not_found", "invalid_state"), r.body
    after = c.get(demand_id)
    assert after["status"] == before["status"] and after["events"] == before["events"]


def add_workdays(start, n, holidays=(), workdays=()):
    """The calendar's rule: weekends rest unless a make-up workday; holidays rest."""
    d = start
    while n > 0:
        d += datetime.timedelta(days=1)
        if d in workdays or (d.weekday() < 5 and d not in holidays):
            n -= 1
    return d


# -- filing -------------------------------------------------------------------------------------

def test_file_by_enterprise_officer_and_staff(city):
    d = city.file()
    assert d["status"] == "submitted" and d["tier"] is None and d["uscc"] == city.uscc["E1"]
    assert d["channel"] == "web" and d["entity_name"] == ENTITIES["E1"][0]
    assert d["officer"] == city.ids["off1"] and d["region"] == "371502" and d["chain"] == 1
    assert [e["action"] for e in d["events"]] == ["submit"] and d["overdue"] is False
    assert d["events"][0]["actor"] == city.ids["ent1"] and d["events"][0]["to"] == "submitted"
    assert d["actions"] == []  # the enterprise waits for triage
    by_officer = city.file("off1")
    assert by_officer["channel"] == "officer" and by_officer["filed_by"] == city.ids["off1"]
    phone = city.file("chain_dcf", channel="visit")
    assert phone["channel"] == "visit"
    qr = city.file("ent1", channel="qr")
    assert qr["channel"] == "qr"
    audit = city.s.sql("SELECT action FROM audit_log WHERE object = ?", (f"demand:{qr['id']}",))
    assert [a[0] for a in audit] == ["demand.submit"]


@pytest.mark.parametrize("who,entity,status,code", [
    ("ent1", "E2", 403, "forbidden"),          # another enterprise's code
    ("off1", "E2", 403, "forbidden"),          # an enterprise the officer does not serve
    ("chain_gx", "E1", 403, "forbidden"),      # a county chain office, another county
    ("bureau_yg", "E1", 403, "forbidden"),
])
def test_file_refused_for_entities_out_of_reach(city, who, entity, status, code):
    n = city.s.sql("SELECT count(*) FROM demands")[0][0]
    body = {"uscc": city.uscc[entity], "title": "越权诉求", "body": "内容", "category": "land"}
    assert_refused(city.req(who, "POST", DEMANDS, body), status, code)
    assert city.s.sql("SELECT count(*) FROM demands")[0][0] == n


def test_file_bad_input(city):
    n = city.s.sql("SELECT count(*) FROM demands")[0][0]
    ok = {"uscc": city.uscc["E1"], "title": "标题", "body": "内容", "category": "land"}
    unknown = dict(ok, uscc=valid_uscc("DM999999"))
    assert_refused(city.req("chain_city", "POST", DEMANDS, unknown), 422, "unknown_entity", "uscc")
    assert_refused(city.req("ent1", "POST", DEMANDS, dict(ok, category="lunch")), 422,
                   "validation_failed", "category")
    assert_refused(city.req("ent1", "POST", DEMANDS, dict(ok, title=12)), 422,
                   "validation_failed", "title")
    assert_refused(city.req("ent1", "POST", DEMANDS, dict(ok, title="  ")), 422,
                   "validation_failed", "title")
    assert_refused(city.req("ent1", "POST", DEMANDS, dict(ok, channel="phone")), 422,
                   "validation_failed", "channel")
    assert_refused(city.req("ent1", "POST", DEMANDS, {k: v for k, v in ok.items() if k != "body"}),
                   422, "validation_failed", "body")
    r = city.s.req("POST", DEMANDS, raw=b'{"uscc": ', token=city.tok["ent1"],
                   headers={"Content-Type": "application/json"})
    assert_refused(r, 400, "malformed_json")
    r = city.s.req("POST", DEMANDS, raw=b"[1]", token=city.tok["ent1"],
                   headers={"Content-Type": "application/json"})
    assert_refused(r, 400, "malformed_json")
    big = dict(ok, body="长" * 800_000)
    r = city.req("ent1", "POST", DEMANDS, big)
    assert r.status in (413, 422), r.status
    assert_refused(city.s.req("POST", DEMANDS, ok), 401, "unauthorized")
    assert_refused(city.req("inspector", "POST", DEMANDS, ok), 403, "forbidden")
    assert_refused(city.req("dept_fund", "POST", DEMANDS, ok), 403, "forbidden")
    assert city.s.sql("SELECT count(*) FROM demands")[0][0] == n


# -- the three tiers, end to end -------------------------------------------------------------

def test_small_end_to_end_and_everyone_else_refused(city):
    d = city.file()
    i = d["id"]
    others_refused(city, i, "triage", {"tier": "small"}, {"off1", "chain_city", "chain_dcf"})
    others_refused(city, i, "start", {}, set())       # never skips a state
    t = city.act("off1", i, "triage", {"tier": "small"})
    assert t["status"] == "assigned" and t["tier"] == "small" and t["assignee"] == city.ids["off1"]
    assert t["due"] == add_workdays_today(3)
    assert "start" in t["actions"] and "resolve" not in t["actions"]
    others_refused(city, i, "start", {}, {"off1"})
    others_refused(city, i, "resolve", {"resolution": "x"}, set())
    # An empty body is a start without a note.
    r = city.s.req("POST", f"{DEMANDS}/{i}/start", token=city.tok["off1"])
    assert r.status == 200 and r.body["status"] == "in_progress", r.raw[:300]
    others_refused(city, i, "resolve", {"resolution": "已协调解决"}, {"off1"})
    others_refused(city, i, "confirm", {"rating": 5}, set())
    res = city.act("off1", i, "resolve", {"resolution": "已协调财政局兑现资金"})
    assert res["status"] == "resolved" and res["resolution"] == "已协调财政局兑现资金"
    assert res["resolved_at"] and res["late"] is False
    others_refused(city, i, "confirm", {"rating": 5}, {"ent1"})
    done = city.act("ent1", i, "confirm", {"rating": 5, "comment": "非常满意"})
    assert done["status"] == "closed" and done["rating"] == 5 and done["comment"] == "非常满意"
    assert done["days_to_close"] == 0 and done["closed_at"] and done["actions"] == []
    assert [e["action"] for e in done["events"]] == ["submit", "triage", "start", "resolve",
                                                     "confirm"]
    assert [(e["from"], e["to"]) for e in done["events"]][1:] == [
        ("submitted", "assigned"), ("assigned", "in_progress"), ("in_progress", "resolved"),
        ("resolved", "closed")]
    assert done["events"][4]["actor"] == city.ids["ent1"]
    # Closed is the end: every step is 409 for whoever tries.
    for action, body in [("reopen", {"reason": "x"}), ("confirm", {"rating": 4}),
                         ("merge", {"into": 1})]:
        for who in ("ent1", "off1", "chain_city"):
            r = city.req(who, "POST", f"{DEMANDS}/{i}/{action}", body)
            assert r.status in (403, 409), r.status
    assert_refused(city.req("ent1", "POST", f"{DEMANDS}/{i}/reopen", {"reason": "x"}), 409,
                   "invalid_state")
    audit = city.s.sql("SELECT action FROM audit_log WHERE object = ? ORDER BY id",
                       (f"demand:{i}",))
    assert [a[0] for a in audit] == ["demand.submit", "demand.triage", "demand.start",
                                     "demand.resolve", "demand.confirm"]


def add_workdays_today(n):
    return add_workdays(datetime.date.fromisoformat(china_today()), n).isoformat()


def test_medium_routed_to_the_county_office_or_the_citys(city):
    # 东昌府区 has its own chain office: it routes the medium demands of its enterprises.
    d = city.file()
    t = city.act("off1", d["id"], "triage", {"tier": "medium"})
    assert t["status"] == "triaged" and t["office_region"] == "371502"
    assert t["due"] == add_workdays_today(10) and t["assignee"] is None
    others_refused(city, d["id"], "assign", {"department": 1}, {"chain_dcf"})
    a = city.act("chain_dcf", d["id"], "assign", {"department": 1})
    assert a["status"] == "assigned" and a["department"] == 1 and a["department_name"] == "市财政局"
    others_refused(city, d["id"], "start", {}, {"dept_fund"})
    city.act("dept_fund", d["id"], "start")
    others_refused(city, d["id"], "resolve", {"resolution": "已拨付"}, {"dept_fund"})
    city.act("dept_fund", d["id"], "resolve", {"resolution": "资金已拨付"})
    city.act("ent1", d["id"], "confirm", {"rating": 4})
    assert city.get(d["id"])["status"] == "closed"
    # 阳谷县 has none: the city's chain office routes.
    e = city.file("ent2", "E2")
    t = city.act("off2", e["id"], "triage", {"tier": "medium"})
    assert t["office_region"] == "371500"
    assert_refused(city.req("chain_dcf", "POST", f"{DEMANDS}/{e['id']}/assign",
                            {"department": 2}), 403)
    city.act("chain_city", e["id"], "assign", {"department": 2})
    # A medium demand takes one department, not a lead and assisting ones.
    f = city.file()
    city.act("chain_dcf", f["id"], "triage", {"tier": "medium"})
    assert_refused(city.req("chain_dcf", "POST", f"{DEMANDS}/{f['id']}/assign",
                            {"lead": 1, "assisting": [2]}), 422, field="department")
    assert_refused(city.req("chain_dcf", "POST", f"{DEMANDS}/{f['id']}/assign",
                            {"department": 999}), 422, "unknown_department")
    assert city.get(f["id"])["status"] == "triaged"


def test_large_with_lead_and_assisting_departments(city):
    d = city.file()
    t = city.act("chain_dcf", d["id"], "triage", {"tier": "large"})
    assert t["office_region"] == "371500" and t["due"] == add_workdays_today(30)
    others_refused(city, d["id"], "assign", {"lead": 2, "assisting": [4]}, {"cityoffice"})
    bad = [({"department": 2}, "lead"), ({"lead": 2, "assisting": [2]}, "assisting"),
           ({"lead": 2, "assisting": [4, 4]}, "assisting"), ({"lead": 2, "assisting": ["x"]},
                                                             "assisting"),
           ({"lead": 2, "assisting": [999]}, "assisting")]
    for body, field in bad:
        assert_refused(city.req("cityoffice", "POST", f"{DEMANDS}/{d['id']}/assign", body), 422,
                       field=field)
    assert city.s.sql("SELECT count(*) FROM demand_assists WHERE demand = ?", (d["id"],))[0][0] == 0
    a = city.act("cityoffice", d["id"], "assign", {"lead": 2, "assisting": [4, 1]})
    assert a["department"] == 2 and [x["id"] for x in a["assisting"]] == [1, 4]
    # An assisting department sees the demand but does not lead it.
    seen = city.get(d["id"], "dept_power")
    assert seen["id"] == d["id"] and seen["actions"] == []
    assert_refused(city.req("dept_power", "POST", f"{DEMANDS}/{d['id']}/start", {}), 403)
    others_refused(city, d["id"], "start", {}, {"dept_land"})
    city.act("dept_land", d["id"], "start")
    city.act("dept_land", d["id"], "resolve", {"resolution": "用地指标已落实"})
    city.act("ent1", d["id"], "confirm", {"rating": 5})
    assert city.events(d["id"]) == ["submit", "triage", "assign", "start", "resolve", "confirm"]


# -- the other transitions -------------------------------------------------------------------

def test_reassign_to_the_right_department_keeps_both_in_history(city):
    d = city.file()
    city.act("chain_dcf", d["id"], "triage", {"tier": "medium"})
    city.act("chain_dcf", d["id"], "assign", {"department": 1})
    assert_refused(city.req("chain_dcf", "POST", f"{DEMANDS}/{d['id']}/reassign",
                            {"department": 1, "reason": "同一部门"}), 409, "same_department")
    assert_refused(city.req("chain_dcf", "POST", f"{DEMANDS}/{d['id']}/reassign",
                            {"department": 2}), 422, field="reason")
    # The wrong recipient passes it on itself (转办).
    r = city.act("dept_fund", d["id"], "reassign", {"department": 2, "reason": "属于用地问题"})
    assert r["status"] == "assigned" and r["department"] == 2
    ev = r["events"][-1]
    assert ev["action"] == "reassign" and ev["detail"]["from_department"] == 1
    assert ev["detail"]["department"] == 2 and ev["detail"]["reason"] == "属于用地问题"
    assert [e["detail"].get("department") for e in r["events"] if e["action"] in
            ("assign", "reassign")] == [1, 2]
    assert_refused(city.req("dept_fund", "GET", f"{DEMANDS}/{d['id']}"), 403)
    city.act("dept_land", d["id"], "start")
    # Small demands are the officer's: no department to pass them to.
    s = city.file()
    city.act("off1", s["id"], "triage", {"tier": "small"})
    assert_refused(city.req("chain_dcf", "POST", f"{DEMANDS}/{s['id']}/reassign",
                            {"department": 2, "reason": "x"}), 409)


def test_return_for_information_and_supply(city):
    d = city.file()
    city.act("off1", d["id"], "triage", {"tier": "small"})
    city.act("off1", d["id"], "start")
    r = city.act("off1", d["id"], "return", {"reason": "请补充项目备案文件"})
    assert r["status"] == "returned" and r["returned_from"] == "in_progress"
    assert_refused(city.req("off1", "POST", f"{DEMANDS}/{d['id']}/resolve", {"resolution": "x"}),
                   409, "invalid_state")
    assert_refused(city.req("ent2", "POST", f"{DEMANDS}/{d['id']}/supply", {"info": "x"}), 404)
    s = city.act("ent1", d["id"], "supply", {"info": "已上传项目备案证明"})
    assert s["status"] == "in_progress" and s["returned_from"] is None
    assert s["events"][-1]["detail"]["info"] == "已上传项目备案证明"


def test_escalate_small_to_medium_to_large(city):
    d = city.file()
    city.act("off1", d["id"], "triage", {"tier": "small"})
    assert_refused(city.req("off1", "POST", f"{DEMANDS}/{d['id']}/escalate", {}), 422,
                   field="reason")
    m = city.act("off1", d["id"], "escalate", {"reason": "涉及多个部门"})
    assert m["tier"] == "medium" and m["status"] == "triaged" and m["assignee"] is None
    assert m["office_region"] == "371502" and m["due"] == add_workdays_today(10)
    city.act("chain_dcf", d["id"], "assign", {"department": 1})
    big = city.act("dept_fund", d["id"], "escalate", {"reason": "需市级协调"})
    assert big["tier"] == "large" and big["office_region"] == "371500" and big["department"] is None
    assert big["events"][-1]["detail"]["from_tier"] == "medium"
    assert_refused(city.req("cityoffice", "POST", f"{DEMANDS}/{d['id']}/escalate",
                            {"reason": "x"}), 409)


def test_reopen_then_confirm(city):
    d = city.file()
    city.act("off1", d["id"], "triage", {"tier": "small"})
    city.act("off1", d["id"], "start")
    city.act("off1", d["id"], "resolve", {"resolution": "已答复"})
    others_refused(city, d["id"], "reopen", {"reason": "问题未解决"}, {"ent1"})
    r = city.act("ent1", d["id"], "reopen", {"reason": "资金仍未到账"})
    assert r["status"] == "in_progress" and r["resolved_at"] is None
    city.act("off1", d["id"], "resolve", {"resolution": "资金已到账"})
    for rating in (0, 6, "5", None):
        assert_refused(city.req("ent1", "POST", f"{DEMANDS}/{d['id']}/confirm",
                                {"rating": rating}), 422, field="rating")
    assert city.get(d["id"])["status"] == "resolved"
    city.act("ent1", d["id"], "confirm", {"rating": 3})
    assert city.events(d["id"])[-4:] == ["resolve", "reopen", "resolve", "confirm"]


def test_merge_duplicates_self_and_cycles_refused(city):
    a, b, c = city.file(), city.file(), city.file()
    assert_refused(city.req("off1", "POST", f"{DEMANDS}/{a['id']}/merge", {"into": a["id"]}),
                   409, "merge_self")
    assert_refused(city.req("off1", "POST", f"{DEMANDS}/{a['id']}/merge", {"into": 10 ** 9}),
                   422, "unknown_demand")
    m = city.act("off1", a["id"], "merge", {"into": b["id"]})
    assert m["status"] == "merged" and m["merged_into"] == b["id"]
    assert city.events(b["id"]) == ["submit", "merged_in"]
    # b into a would close a cycle: a is merged already.
    assert_refused(city.req("off1", "POST", f"{DEMANDS}/{b['id']}/merge", {"into": a["id"]}),
                   409, "merge_cycle")
    # A merged demand takes no step at all.
    for who, action, body in [("off1", "triage", {"tier": "small"}),
                              ("off1", "merge", {"into": c["id"]}),
                              ("ent1", "confirm", {"rating": 5})]:
        assert_refused(city.req(who, "POST", f"{DEMANDS}/{a['id']}/{action}", body), 409,
                       "invalid_state")
    assert city.events(a["id"]) == ["submit", "merge"]


def test_steps_bad_input_and_unknown_demands(city):
    d = city.file()
    n = city.s.sql("SELECT count(*) FROM demand_events")[0][0]
    assert_refused(city.req("off1", "POST", f"{DEMANDS}/{d['id']}/triage", {"tier": "huge"}),
                   422, field="tier")
    assert_refused(city.req("off1", "POST", f"{DEMANDS}/{d['id']}/triage", {}), 422, field="tier")
    r = city.s.req("POST", f"{DEMANDS}/{d['id']}/triage", raw=b"{tier", token=city.tok["off1"],
                   headers={"Content-Type": "application/json"})
    assert_refused(r, 400, "malformed_json")
    for path in (f"{DEMANDS}/999999/triage", f"{DEMANDS}/abc/triage", f"{DEMANDS}/0/triage"):
        assert_refused(city.req("off1", "POST", path, {"tier": "small"}), 404, "not_found")
    assert_refused(city.req("off1", "GET", f"{DEMANDS}/999999"), 404, "not_found")
    assert_refused(city.req("ent2", "GET", f"{DEMANDS}/{d['id']}"), 404, "not_found")
    assert_refused(city.req("off2", "GET", f"{DEMANDS}/{d['id']}"), 403, "forbidden")
    assert_refused(city.req("inspector", "GET", f"{DEMANDS}/{d['id']}"), 403)
    assert_refused(city.s.req("GET", f"{DEMANDS}/{d['id']}"), 401)
    assert city.s.sql("SELECT count(*) FROM demand_events")[0][0] == n
    assert city.get(d["id"])["status"] == "submitted"


# -- deadlines --------------------------------------------------------------------------------

def test_deadline_counts_working_days_over_a_holiday_and_a_makeup_day(fresh_server):
    s = fresh_server
    c = City(s)
    today = datetime.date.fromisoformat(china_today())
    # The next two days are holidays and the first Saturday after them a make-up workday.
    hol = [today + datetime.timedelta(days=1), today + datetime.timedelta(days=2)]
    sat = today + datetime.timedelta(days=3)
    while sat.weekday() != 5:
        sat += datetime.timedelta(days=1)
    for day in hol:
        r = s.req("PUT", f"/api/v1/calendar/{day}", {"kind": "holiday", "name": "测试假期"},
                  token=c.tok["admin"])
        assert r.status in (200, 201), r.raw[:300]
    r = s.req("PUT", f"/api/v1/calendar/{sat}", {"kind": "workday", "name": "测试调休"},
              token=c.tok["admin"])
    assert r.status in (200, 201), r.raw[:300]
    d = c.file()
    t = c.act("off1", d["id"], "triage", {"tier": "small"})
    assert t["due"] == add_workdays(today, 3, holidays=hol, workdays=[sat]).isoformat()
    # The tiers' days are configurable; a new value applies to demands triaged afterwards.
    assert s.req("GET", f"{DEMANDS}/deadlines", token=c.tok["off1"]).body == {
        "small": 3, "medium": 10, "large": 30}
    assert_refused(s.req("PUT", f"{DEMANDS}/deadlines", {"small": 2, "medium": 5, "large": 20},
                         token=c.tok["cityoffice"]), 403)
    assert_refused(s.req("PUT", f"{DEMANDS}/deadlines", {"small": 0, "medium": 5, "large": 20},
                         token=c.tok["admin"]), 422, field="small")
    r = s.req("PUT", f"{DEMANDS}/deadlines", {"small": 5, "medium": 12, "large": 40},
              token=c.tok["admin"])
    assert r.status == 200 and r.body["small"] == 5
    e = c.file()
    t = c.act("off1", e["id"], "triage", {"tier": "small"})
    assert t["due"] == add_workdays(today, 5, holidays=hol, workdays=[sat]).isoformat()
    assert c.get(d["id"])["due"] == add_workdays(today, 3, holidays=hol, workdays=[sat]).isoformat()


def test_overdue_flag_and_filters(fresh_server):
    c = City(fresh_server)
    d = c.file()
    c.act("off1", d["id"], "triage", {"tier": "small"})
    e = c.file()
    c.act("off1", e["id"], "triage", {"tier": "small"})
    past = (datetime.date.fromisoformat(china_today()) - datetime.timedelta(days=2)).isoformat()
    c.s.sql("UPDATE demands SET due = ? WHERE id = ?", (past, d["id"]))
    assert c.get(d["id"])["overdue"] is True and c.get(e["id"])["overdue"] is False
    r = c.req("off1", "GET", f"{DEMANDS}?overdue=1")
    assert [x["id"] for x in r.body["items"]] == [d["id"]] and r.body["items"][0]["overdue"]
    r = c.req("off1", "GET", f"{DEMANDS}?overdue=0")
    assert [x["id"] for x in r.body["items"]] == [e["id"]]
    assert_refused(c.req("off1", "GET", f"{DEMANDS}?overdue=maybe"), 422, field="overdue")
    r = c.req("off1", "GET", f"{DEMANDS}?due_by={past}")
    assert [x["id"] for x in r.body["items"]] == [d["id"]]
    c.act("off1", d["id"], "start")
    late = c.act("off1", d["id"], "resolve", {"resolution": "已办"})
    assert late["late"] is True and late["overdue"] is False
    stats = c.req("cityoffice", "GET", f"{DEMANDS}/stats").body
    assert stats["overdue"] == 1 and stats["received"] == 2


# -- lists and statistics -----------------------------------------------------------------------

def test_inboxes_are_scoped(fresh_server):
    c = City(fresh_server)
    a = c.file()                                  # E1, 东昌府区, off1
    b = c.file("ent2", "E2")                      # E2, 阳谷县, off2
    c.act("off2", b["id"], "triage", {"tier": "medium"})
    c.act("chain_city", b["id"], "assign", {"department": 2})

    def ids(who, query=""):
        r = c.req(who, "GET", f"{DEMANDS}{query}")
        assert r.status == 200, r.raw[:300]
        return sorted(x["id"] for x in r.body["items"])

    assert ids("off1") == [a["id"]] and ids("off2") == [b["id"]]
    assert ids("ent1") == [a["id"]] and ids("ent2") == [b["id"]] and ids("ent3") == []
    assert ids("chain_dcf") == [a["id"]] and ids("chain_city") == sorted([a["id"], b["id"]])
    assert ids("dept_land") == [b["id"]] and ids("dept_fund") == []
    assert ids("bureau_yg") == [b["id"]] and ids("county") == [a["id"]]
    assert ids("cityoffice") == sorted([a["id"], b["id"]])
    assert ids("admin", "?tier=medium") == [b["id"]]
    assert ids("admin", "?status=submitted") == [a["id"]]
    assert ids("admin", "?region=371521") == [b["id"]]
    assert ids("admin", "?department=2") == [b["id"]]
    assert ids("admin", f"?assignee={c.ids['off1']}") == []
    assert_refused(c.req("inspector", "GET", DEMANDS), 403)
    assert_refused(c.req("admin", "GET", f"{DEMANDS}?tier=giant"), 422, field="tier")
    assert_refused(c.req("admin", "GET", f"{DEMANDS}?from=2026-13-01"), 422, field="from")
    r = c.req("cityoffice", "GET", f"{DEMANDS}?format=csv")
    assert r.status == 200 and r.raw.decode("utf-8-sig").startswith("id,uscc,entity_name")


def test_stats_match_a_hand_count(fresh_server):
    c = City(fresh_server)
    made = []
    for tier, entity, ent, off, rating in [("small", "E1", "ent1", "off1", 5),
                                           ("small", "E1", "ent1", "off1", 3),
                                           ("medium", "E2", "ent2", "off2", 4),
                                           ("small", "E2", "ent2", "off2", None),
                                           (None, "E1", "ent1", "off1", None)]:
        d = c.file(ent, entity)
        made.append(d["id"])
        if tier is None:
            continue
        c.act(off, d["id"], "triage", {"tier": tier})
        if tier == "medium":
            c.act("chain_city", d["id"], "assign", {"department": 1})
            c.act("dept_fund", d["id"], "start")
            if rating:
                c.act("dept_fund", d["id"], "resolve", {"resolution": "办结"})
        else:
            c.act(off, d["id"], "start")
            if rating:
                c.act(off, d["id"], "resolve", {"resolution": "办结"})
        if rating:
            c.act(ent, d["id"], "confirm", {"rating": rating})
    dup = c.file()
    c.act("off1", dup["id"], "merge", {"into": made[0]})  # a duplicate is not received twice
    s = c.req("cityoffice", "GET", f"{DEMANDS}/stats?by=tier").body
    assert s["received"] == 5 and s["closed"] == 3 and s["closure_rate"] == 0.6
    assert s["overdue"] == 0 and s["mean_days_to_close"] == 0 and s["mean_rating"] == 4
    groups = {g["key"]: g for g in s["groups"]}
    assert groups["small"]["received"] == 3 and groups["small"]["closed"] == 2
    assert groups["small"]["mean_rating"] == 4 and groups["small"]["label"] == "小问题"
    assert groups["medium"]["closed"] == 1 and groups["medium"]["closure_rate"] == 1
    assert groups[None]["received"] == 1 and groups[None]["label"] == "未分级"
    by_region = {g["key"]: g["received"] for g in
                 c.req("cityoffice", "GET", f"{DEMANDS}/stats?by=region").body["groups"]}
    assert by_region == {"371502": 3, "371521": 2}
    by_chain = {g["label"]: g["received"] for g in
                c.req("admin", "GET", f"{DEMANDS}/stats?by=chain").body["groups"]}
    assert sum(by_chain.values()) == 5 and len(by_chain) == 2
    by_dept = {g["key"]: g["closed"] for g in
               c.req("admin", "GET", f"{DEMANDS}/stats?by=department").body["groups"]}
    assert by_dept[1] == 1
    # Scoped: an officer counts its own enterprises' demands; a period outside has none.
    assert c.req("off2", "GET", f"{DEMANDS}/stats").body["received"] == 2
    old = c.req("admin", "GET", f"{DEMANDS}/stats?from=2020-01-01&to=2020-12-31").body
    assert old["received"] == 0 and old["closure_rate"] == 0 and old["mean_rating"] is None
    assert_refused(c.req("admin", "GET", f"{DEMANDS}/stats?by=colour"), 422, field="by")
    assert_refused(c.req("admin", "GET", f"{DEMANDS}/stats?from=2026-02-30"), 422, field="from")
    assert_refused(c.req("admin", "GET", f"{DEMANDS}/stats?from=2026-05-01&to=2026-04-01"), 422,
                   field="to")
    assert_refused(c.req("ent1", "GET", f"{DEMANDS}/stats"), 403)
