"""检查执法 (M5): campaigns and their counters (the demo city's school-canteen campaign at the
source's 2,490 / 163 / 12 / 16), inspection records with rectification follow-up, cases with
the 免罚轻罚 check, decisions and revisits, coverage, county scoping, and every refusal changing
nothing. Runs on the small demo city (`demo --scale small --seed 5`), on SQLite and PostgreSQL."""
import itertools

import pytest

from conftest import PASSWORD, assert_refused, demo_city, get, has_chinese, ok, serving

CAMPAIGNS = "/api/v1/campaigns"
INSPECTIONS = "/api/v1/inspections"
CASES = "/api/v1/cases"
COVERAGE = "/api/v1/inspections/coverage"
STAFF = {"admin": "admin", "city": "bureau", "county": "bureau_dcf"}
OWN = "371502"
_serial = itertools.count(1)


@pytest.fixture(scope="module")
def enf_template(tmp_path_factory):
    return demo_city(tmp_path_factory, "enf", staff=STAFF)


@pytest.fixture(scope="module")
def s(enf_template):
    with serving(enf_template) as srv:
        srv.cred = enf_template.cred
        srv.tokens["department"] = srv.login("department", srv.cred["department"])
        srv.tokens["enterprise"] = srv.login("enterprise", srv.cred["enterprise"])
        # A county's inspector of the bureau (the demo's may be the city's).
        r = srv.req("POST", "/api/v1/users", {"username": "insp_dcf", "password": PASSWORD,
                                              "role": "inspector", "region": OWN,
                                              "department": 10, "display_name": "执法人员 王检"},
                    token=srv.tokens["admin"])
        assert r.status == 201, r.raw[:300]
        srv.ids["inspector"] = r.body["id"]
        srv.tokens["inspector"] = srv.login("insp_dcf")
        yield srv


def post(s, path, body, who="city", status=201):
    r = s.req("POST", path, body, token=s.tokens[who])
    assert r.status == status, (path, r.status, r.raw[:400])
    return r.body


def entity(s, region=OWN, offset=0):
    """An active entity of region, not the demo's key ones."""
    return s.scalar("SELECT uscc FROM entities WHERE region = ? AND status = 'active'"
                    " AND key = 0 ORDER BY id DESC LIMIT 1 OFFSET ?", (region, offset))


def inspector_id(s, username="insp_dcf"):
    return s.scalar("SELECT id FROM users WHERE username = ?", (username,))


def inspection(s, uscc=None, who="city", status=201, **extra):
    body = {"uscc": uscc or entity(s), "kind": "routine", "department": 10,
            "inspected_on": "2026-11-02", "inspectors": [inspector_id(s)], "outcome": "pass",
            "note": "现场检查"}
    body.update(extra)
    return post(s, INSPECTIONS, body, who, status)


def counts(s):
    return tuple(s.scalar(f"SELECT count(*) FROM {t}") for t in (
        "enforcement_campaigns", "enforcement_inspections", "enforcement_inspectors",
        "enforcement_cases", "enforcement_rechecks", "enforcement_revisits", "audit_log"))


# -- the demo city ------------------------------------------------------------------------------

def test_demo_school_campaign_counters(s):
    items = ok(get(s, CAMPAIGNS, "city", sector="学校食堂"))["items"]
    assert len(items) == 1
    c = ok(get(s, f"{CAMPAIGNS}/{items[0]['id']}", "county"))
    assert c["name"] == "学校食堂食品安全专项检查" and c["in_scope"] == 800
    assert (c["inspections"], c["rectifications"], c["interviews"], c["cases"]) == \
        (2490, 163, 12, 16)
    assert c["inspected"] == 800 and c["coverage"] == 1
    # The counters are the records'.
    cid = c["id"]
    assert s.scalar("SELECT count(*) FROM enforcement_inspections WHERE campaign = ?",
                    (cid,)) == 2490
    assert s.scalar("SELECT count(DISTINCT uscc) FROM enforcement_inspections WHERE campaign = ?",
                    (cid,)) <= 800
    assert s.scalar("SELECT count(*) FROM enforcement_cases k JOIN enforcement_inspections i"
                    " ON i.id = k.inspection WHERE i.campaign = ?", (cid,)) == 16
    assert ok(get(s, INSPECTIONS, campaign=cid, page_size=1))["total"] == 2490
    assert ok(get(s, INSPECTIONS, campaign=cid, outcome="rectify", page_size=1))["total"] == 163
    assert ok(get(s, INSPECTIONS, campaign=cid, outcome="interview", page_size=1))["total"] == 12


def test_demo_other_campaigns_and_cases(s):
    by = {c["sector"]: c for c in ok(get(s, CAMPAIGNS, page_size=200))["items"]}
    drug, beauty = by["药品经营使用"], by["美容美发"]
    assert drug["in_scope"] == 71 and drug["inspected"] == 71 and drug["coverage"] == 1
    assert beauty["status"] == "closed" and beauty["inspected"] == beauty["in_scope"] == 14
    assert beauty["rectifications"] == 1 and beauty["cases"] == 1
    # Decisions of every kind, fines only where a penalty is, revisits closing cases.
    rows = s.sql("SELECT decision, count(*), coalesce(sum(fine), 0) FROM enforcement_cases"
                 " GROUP BY decision")
    decided = {d: (n, f) for d, n, f in rows}
    assert decided.get("no_penalty", (0, 0))[0] > 0 and decided["no_penalty"][1] == 0
    assert decided["penalty"][1] > 0
    assert s.scalar("SELECT count(*) FROM enforcement_cases WHERE status = 'closed'") == \
        s.scalar("SELECT count(DISTINCT case_id) FROM enforcement_revisits")
    # Every no_penalty of the demo passes the check the API makes.
    for (cid,) in s.sql("SELECT id FROM enforcement_cases WHERE decision = 'no_penalty'"):
        assert ok(get(s, f"{CASES}/{cid}"))["minor_check"]["eligible"] is True


# -- campaigns ----------------------------------------------------------------------------------

def campaign_body(**extra):
    body = {"name": f"第 {next(_serial)} 次专项检查", "department": 10, "sector": "农贸市场",
            "period_from": "2026-09-01", "period_to": "2026-12-31", "in_scope": 4}
    body.update(extra)
    return body


def test_campaign_create_patch_and_counters(s):
    before = s.scalar("SELECT count(*) FROM audit_log WHERE action = 'campaign.create'")
    c = post(s, CAMPAIGNS, campaign_body())
    assert c["region"] == "371500" and c["status"] == "active" and c["inspections"] == 0
    assert c["coverage"] == 0 and c["department_name"] == "市市场监督管理局"
    row = s.sql("SELECT name, region, in_scope, created_by FROM enforcement_campaigns WHERE id = ?",
                (c["id"],))[0]
    assert row == (c["name"], "371500", 4, s.ids["city"])
    assert s.scalar("SELECT count(*) FROM audit_log WHERE action = 'campaign.create'") == before + 1
    # Two inspections of one entity and one of another: inspected 2 of 4.
    a, b = entity(s, offset=10), entity(s, offset=11)
    for u in (a, a, b):
        inspection(s, u, kind="campaign", campaign=c["id"], inspected_on="2026-11-03")
    inspection(s, b, kind="campaign", campaign=c["id"], outcome="rectify",
               rectify_by="2026-11-20")
    got = ok(get(s, f"{CAMPAIGNS}/{c['id']}"))
    assert (got["inspections"], got["inspected"], got["rectifications"]) == (4, 2, 1)
    assert got["coverage"] == 0.5
    # Patch: close it; a record for it is then refused 409.
    r = s.req("PATCH", f"{CAMPAIGNS}/{c['id']}", {"status": "closed", "in_scope": 0},
              token=s.tokens["city"])
    assert r.status == 200 and r.body["status"] == "closed" and r.body["coverage"] is None
    assert s.scalar("SELECT status FROM enforcement_campaigns WHERE id = ?", (c["id"],)) == "closed"
    r = s.req("POST", INSPECTIONS, {"uscc": a, "kind": "campaign", "campaign": c["id"],
                                    "department": 10, "inspected_on": "2026-11-03",
                                    "inspectors": [inspector_id(s)], "outcome": "pass"},
              token=s.tokens["city"])
    assert_refused(r, 409, "campaign_closed", "campaign")
    assert_refused(s.req("PATCH", f"{CAMPAIGNS}/{c['id']}", {"period_to": "2026-08-01"},
                         token=s.tokens["city"]), 422, "validation_failed", "period_to")
    assert_refused(s.req("PATCH", f"{CAMPAIGNS}/{c['id']}", {"department": 999},
                         token=s.tokens["city"]), 422, "unknown_department", "department")
    # County staff see the city's, may not change it.
    assert ok(get(s, f"{CAMPAIGNS}/{c['id']}", "county"))["id"] == c["id"]
    assert_refused(s.req("PATCH", f"{CAMPAIGNS}/{c['id']}", {"status": "active"},
                         token=s.tokens["county"]), 403, "forbidden")


def test_campaign_refusals_change_nothing(s):
    before = counts(s)
    city = s.tokens["city"]
    for body, field in [(campaign_body(period_to="2026-08-01"), "period_to"),
                        (campaign_body(period_from="2026-02-30"), "period_from"),
                        (campaign_body(in_scope=-1), "in_scope"),
                        (campaign_body(in_scope="800"), "in_scope"),
                        (campaign_body(status="paused"), "status"),
                        (campaign_body(name=""), "name"),
                        ({"department": 10}, None)]:
        assert_refused(s.req("POST", CAMPAIGNS, body, token=city), 422, field=field)
    assert_refused(s.req("POST", CAMPAIGNS, campaign_body(department=999), token=city), 422,
                   "unknown_department", "department")
    r = s.req("POST", CAMPAIGNS, raw=b'{"name":', token=city,
              headers={"Content-Type": "application/json"})
    assert_refused(r, 400, "malformed_json")
    r = s.req("POST", CAMPAIGNS, raw=b'{"name": "x"}', token=city,
              headers={"Content-Type": "text/plain"})
    assert r.status == 415
    big = campaign_body(note="长" * (2 << 20))
    assert s.req("POST", CAMPAIGNS, big, token=city).status == 413
    assert_refused(s.req("POST", CAMPAIGNS, campaign_body()), 401, "unauthorized")
    for who in ("inspector", "department", "enterprise"):
        assert_refused(s.req("POST", CAMPAIGNS, campaign_body(), token=s.tokens[who]), 403,
                       "forbidden")
    assert_refused(get(s, f"{CAMPAIGNS}/999999"), 404, "not_found")
    assert_refused(get(s, f"{CAMPAIGNS}/abc"), 404)
    assert counts(s) == before


def test_campaign_county_scope(s):
    mine = post(s, CAMPAIGNS, campaign_body(), "county")
    assert mine["region"] == OWN
    other = post(s, CAMPAIGNS, campaign_body())
    s.sql("UPDATE enforcement_campaigns SET region = '371521' WHERE id = ?", (other["id"],))
    ids = {c["id"] for c in ok(get(s, CAMPAIGNS, "county", page_size=200))["items"]}
    assert mine["id"] in ids and other["id"] not in ids
    for c in ok(get(s, CAMPAIGNS, "county", page_size=200))["items"]:
        assert c["region"] in ("371500", OWN), c
    assert_refused(get(s, f"{CAMPAIGNS}/{other['id']}", "county"), 403, "forbidden")
    # A county campaign covers its county's entities only.
    r = s.req("POST", INSPECTIONS, {"uscc": entity(s, "371521"), "kind": "campaign",
                                    "campaign": mine["id"], "department": 10,
                                    "inspected_on": "2026-11-03",
                                    "inspectors": [inspector_id(s, "inspector001")],
                                    "outcome": "pass"}, token=s.tokens["city"])
    assert_refused(r, 422, "validation_failed", "uscc")


# -- inspection records -------------------------------------------------------------------------

def test_inspection_with_case(s):
    u = entity(s, offset=20)
    before = s.scalar("SELECT count(*) FROM audit_log WHERE action IN ('inspection.create',"
                      " 'case.open')")
    x = inspection(s, u, outcome="case", note="无证经营食品")
    assert x["kind"] == "routine" and x["region"] == OWN and x["case_id"]
    assert x["inspector_names"] == [{"id": inspector_id(s), "name": x["inspector_names"][0]["name"]}]
    assert x["follow_ups"] == [] and x["overdue"] is False and x["recorded_by"] == s.ids["city"]
    assert s.scalar("SELECT industry FROM enforcement_inspections WHERE id = ?", (x["id"],)) == \
        s.scalar("SELECT industry FROM entities WHERE uscc = ?", (u,))
    assert s.scalar("SELECT inspector FROM enforcement_inspectors WHERE inspection = ?",
                    (x["id"],)) == inspector_id(s)
    k = ok(get(s, f"{CASES}/{x['case_id']}"))
    assert k["inspection"] == x["id"] and k["status"] == "open" and k["violation"] == "无证经营食品"
    assert k["harm"] == "ordinary" and k["opened_on"] == "2026-11-02"
    assert s.scalar("SELECT count(*) FROM audit_log WHERE action IN ('inspection.create',"
                    " 'case.open')") == before + 2
    # The inspector who took part records too (its own id among the inspectors).
    y = inspection(s, u, who="inspector", outcome="interview")
    assert y["recorded_by"] == s.ids["inspector"] and y["case_id"] is None
    assert ok(get(s, f"{INSPECTIONS}/{y['id']}", "inspector"))["id"] == y["id"]


def test_inspection_refusals_change_nothing(s):
    before = counts(s)
    u = entity(s, offset=30)
    ins = inspector_id(s)
    base = {"uscc": u, "kind": "routine", "department": 10, "inspected_on": "2026-11-02",
            "inspectors": [ins], "outcome": "pass"}
    cases = [({"uscc": "91371502MA3C00012E"}, 422, "unknown_entity", "uscc"),
             ({"kind": "random"}, 422, "validation_failed", "kind"),
             ({"kind": "campaign"}, 422, "validation_failed", "campaign"),
             ({"campaign": 1}, 422, "validation_failed", "campaign"),
             ({"kind": "campaign", "campaign": 999999}, 422, "unknown_campaign", "campaign"),
             ({"inspected_on": "2099-01-01"}, 422, "validation_failed", "inspected_on"),
             ({"inspected_on": "2026-13-01"}, 422, "validation_failed", "inspected_on"),
             ({"inspectors": []}, 422, "validation_failed", "inspectors"),
             ({"inspectors": [ins, ins]}, 422, "validation_failed", "inspectors"),
             ({"inspectors": [s.ids["city"]]}, 422, "unknown_inspector", "inspectors"),
             ({"inspectors": "x"}, 422, "validation_failed", "inspectors"),
             ({"outcome": "rectify"}, 422, "validation_failed", "rectify_by"),
             ({"outcome": "rectify", "rectify_by": "2026-11-01"}, 422, "validation_failed",
              "rectify_by"),
             ({"rectify_by": "2026-11-20"}, 422, "validation_failed", "rectify_by"),
             ({"outcome": "closed"}, 422, "validation_failed", "outcome"),
             ({"department": 999}, 422, "unknown_department", "department"),
             ({"department": "10"}, 422, "validation_failed", "department")]
    for extra, status, code, field in cases:
        assert_refused(s.req("POST", INSPECTIONS, {**base, **extra}, token=s.tokens["city"]),
                       status, code, field)
    # Drug campaign: outside its period.
    drug = s.scalar("SELECT id FROM enforcement_campaigns WHERE sector = '药品经营使用'")
    s.sql("UPDATE enforcement_campaigns SET period_to = '2026-10-31' WHERE id = ?", (drug,))
    assert_refused(s.req("POST", INSPECTIONS, {**base, "kind": "campaign", "campaign": drug},
                         token=s.tokens["city"]), 422, "validation_failed", "inspected_on")
    s.sql("UPDATE enforcement_campaigns SET period_to = '2026-12-31' WHERE id = ?", (drug,))
    # An inspector records only what it took part in; county staff their county.
    other = inspector_id(s, "inspector001")
    assert_refused(s.req("POST", INSPECTIONS, {**base, "inspectors": [other]},
                         token=s.tokens["inspector"]), 403, "forbidden")
    assert_refused(s.req("POST", INSPECTIONS, {**base, "uscc": entity(s, "371521")},
                         token=s.tokens["county"]), 403, "forbidden")
    for who in ("department", "enterprise"):
        assert_refused(s.req("POST", INSPECTIONS, base, token=s.tokens[who]), 403, "forbidden")
    assert_refused(s.req("POST", INSPECTIONS, base), 401, "unauthorized")
    r = s.req("POST", INSPECTIONS, raw=b'{"uscc": [', token=s.tokens["city"],
              headers={"Content-Type": "application/json"})
    assert_refused(r, 400, "malformed_json")
    assert s.req("POST", INSPECTIONS, {**base, "note": "长" * (2 << 20)},
                 token=s.tokens["city"]).status == 413
    assert counts(s) == before


def test_rectification_follow_up(s):
    u = entity(s, offset=40)
    x = inspection(s, u, outcome="rectify", rectify_by="2026-11-30", inspected_on="2026-11-10")
    assert x["rectification"] == "open" and x["rechecks"] == 0
    path = f"{INSPECTIONS}/{x['id']}/rectification"
    r = post(s, path, {"rectified_on": "2026-11-20", "passed": False, "note": "仍未整改"},
             "inspector", 200)
    assert r["rectification"] == "open" and r["rechecks"] == 1 and len(r["follow_ups"]) == 1
    assert r["follow_ups"][0]["passed"] is False
    ids = {i["id"] for i in ok(get(s, INSPECTIONS, rectification="open", page_size=200,
                                   uscc=u))["items"]}
    assert x["id"] in ids
    for body, field in [({"rectified_on": "2026-11-09", "passed": True}, "rectified_on"),
                        ({"rectified_on": "2099-01-01", "passed": True}, "rectified_on")]:
        assert_refused(s.req("POST", path, body, token=s.tokens["city"]), 422, field=field)
    assert_refused(s.req("POST", path, {"rectified_on": "2026-11-21", "passed": "yes"},
                         token=s.tokens["city"]), 422, "validation_failed", "passed")
    r = post(s, path, {"rectified_on": "2026-11-25", "passed": True}, "city", 200)
    assert r["rectification"] == "done" and r["rectified_on"] == "2026-11-25"
    assert s.sql("SELECT rectification, rectified_on, rechecks FROM enforcement_inspections"
                 " WHERE id = ?", (x["id"],))[0] == ("done", "2026-11-25", 1)
    assert s.scalar("SELECT count(*) FROM enforcement_rechecks WHERE inspection = ?",
                    (x["id"],)) == 2
    assert_refused(s.req("POST", path, {"rectified_on": "2026-11-26", "passed": True},
                         token=s.tokens["city"]), 409, "invalid_state")
    done = {i["id"] for i in ok(get(s, INSPECTIONS, rectification="done", uscc=u))["items"]}
    assert x["id"] in done
    # A pass has no order.
    p = inspection(s, u)
    assert_refused(s.req("POST", f"{INSPECTIONS}/{p['id']}/rectification",
                         {"rectified_on": "2026-11-26", "passed": True}, token=s.tokens["city"]),
                   409, "invalid_state")
    assert_refused(s.req("POST", f"{INSPECTIONS}/999999/rectification",
                         {"rectified_on": "2026-11-26", "passed": True}, token=s.tokens["city"]),
                   404, "not_found")
    # Overdue: open past its day.
    o = inspection(s, u, outcome="rectify", inspected_on="2026-10-01", rectify_by="2026-10-10")
    assert o["overdue"] is True
    items = ok(get(s, INSPECTIONS, rectification="overdue", page_size=200))["items"]
    assert o["id"] in {i["id"] for i in items} and all(i["overdue"] for i in items)
    assert x["id"] not in {i["id"] for i in items}
    assert_refused(get(s, INSPECTIONS, rectification="late"), 422, "validation_failed",
                   "rectification")


# -- cases --------------------------------------------------------------------------------------

def case_body(uscc, **extra):
    body = {"uscc": uscc, "department": 10, "opened_on": "2026-11-05", "violation": "未按规定公示",
            "basis": "《企业信息公示暂行条例》", "harm": "slight"}
    body.update(extra)
    return body


def codes(k):
    return [r["code"] for r in k["minor_check"]["reasons"]]


def test_case_minor_check_decision_and_revisits(s):
    u = entity(s, offset=50)
    k = post(s, CASES, case_body(u))
    assert k["status"] == "open" and k["revisits"] == [] and k["region"] == OWN
    assert k["minor_check"]["eligible"] is False and codes(k) == ["correction_unknown"]
    path = f"{CASES}/{k['id']}"
    r = s.req("POST", f"{path}/decision", {"decision": "no_penalty", "decided_on": "2026-11-10"},
              token=s.tokens["city"])
    err = assert_refused(r, 422, "not_eligible", "decision")
    assert [x["code"] for x in err["reasons"]] == ["correction_unknown"]
    assert s.scalar("SELECT status FROM enforcement_cases WHERE id = ?", (k["id"],)) == "open"
    r = s.req("PATCH", path, {"corrected_in_time": True}, token=s.tokens["city"])
    assert r.status == 200 and r.body["minor_check"] == {"eligible": True, "reasons": []}
    assert_refused(s.req("PATCH", path, {"uscc": u}, token=s.tokens["city"]), 422)
    assert_refused(s.req("POST", f"{path}/decision", {"decision": "no_penalty", "fine": 100,
                                                      "decided_on": "2026-11-10"},
                         token=s.tokens["city"]), 422, "validation_failed", "fine")
    assert_refused(s.req("POST", f"{path}/decision", {"decision": "penalty",
                                                      "decided_on": "2026-11-04"},
                         token=s.tokens["city"]), 422, "validation_failed", "decided_on")
    assert_refused(s.req("POST", f"{path}/revisits", {"visited_on": "2026-11-12",
                                                      "satisfied": True},
                         token=s.tokens["city"]), 409, "invalid_state")
    d = post(s, f"{path}/decision", {"decision": "no_penalty", "decided_on": "2026-11-10",
                                     "note": "首违不罚"}, "city", 200)
    assert (d["status"], d["decision"], d["fine"], d["decided_on"]) == \
        ("decided", "no_penalty", 0, "2026-11-10")
    assert s.sql("SELECT status, decision, fine, decision_note FROM enforcement_cases"
                 " WHERE id = ?", (k["id"],))[0] == ("decided", "no_penalty", 0, "首违不罚")
    assert_refused(s.req("POST", f"{path}/decision", {"decision": "penalty",
                                                      "decided_on": "2026-11-10"},
                         token=s.tokens["city"]), 409, "invalid_state")
    assert_refused(s.req("PATCH", path, {"harm": "serious"}, token=s.tokens["city"]), 409,
                   "invalid_state")
    # 回访: the first closes it, others follow.
    assert_refused(s.req("POST", f"{path}/revisits", {"visited_on": "2026-11-09",
                                                      "satisfied": True},
                         token=s.tokens["city"]), 422, "validation_failed", "visited_on")
    v = post(s, f"{path}/revisits", {"visited_on": "2026-11-20", "satisfied": True,
                                     "note": "已整改"})
    assert v["status"] == "closed" and v["closed_on"] == "2026-11-20" and len(v["revisits"]) == 1
    v = post(s, f"{path}/revisits", {"visited_on": "2026-11-25", "satisfied": False})
    assert v["status"] == "closed" and v["closed_on"] == "2026-11-20" and v["revisit_count"] == 2
    assert [x["satisfied"] for x in v["revisits"]] == [True, False]
    # The same entity again within two years: not a first violation.
    k2 = post(s, CASES, case_body(u, opened_on="2026-11-28", corrected_in_time=True))
    assert k2["minor_check"]["eligible"] is False and codes(k2) == ["not_first"]
    assert str(k["id"]) in k2["minor_check"]["reasons"][0]["message"]
    post(s, f"{CASES}/{k2['id']}/decision", {"decision": "lighter", "fine": 50000,
                                              "decided_on": "2026-11-29"}, "city", 200)
    # Ordinary harm, never corrected: every reason.
    k3 = post(s, CASES, case_body(u, opened_on="2026-11-29", harm="serious",
                                  corrected_in_time=False))
    assert codes(k3) == ["not_first", "harm_not_slight", "not_corrected"]
    audit = {a for (a,) in s.sql("SELECT action FROM audit_log WHERE object = ?",
                                 (f"case:{k['id']}",))}
    assert audit == {"case.open", "case.update", "case.decide", "case.revisit"}


def test_case_from_a_rectification_in_time(s):
    """A case linked to an order re-checked as passed by its day is corrected in time."""
    u = entity(s, offset=60)
    x = inspection(s, u, outcome="rectify", inspected_on="2026-11-01", rectify_by="2026-11-15")
    post(s, f"{INSPECTIONS}/{x['id']}/rectification", {"rectified_on": "2026-11-15",
                                                        "passed": True}, "city", 200)
    k = post(s, CASES, case_body(u, inspection=x["id"], opened_on="2026-11-16"))
    assert k["minor_check"]["eligible"] is True
    assert ok(get(s, f"{INSPECTIONS}/{x['id']}"))["case_id"] == k["id"]
    assert_refused(s.req("POST", CASES, case_body(u, inspection=x["id"]), token=s.tokens["city"]),
                   409, "duplicate_case", "inspection")


def test_case_refusals_change_nothing(s):
    before = counts(s)
    u = entity(s, offset=70)
    other = inspection(s, entity(s, offset=71))
    before = counts(s)
    city = s.tokens["city"]
    for body, status, code, field in [
            (case_body("91371502MA3C00012E"), 422, "unknown_entity", "uscc"),
            (case_body(u, inspection=other["id"]), 422, "unknown_inspection", "inspection"),
            (case_body(u, inspection=999999), 422, "unknown_inspection", "inspection"),
            (case_body(u, harm="minor"), 422, "validation_failed", "harm"),
            (case_body(u, opened_on="2099-01-01"), 422, "validation_failed", "opened_on"),
            (case_body(u, corrected_in_time="yes"), 422, "validation_failed",
             "corrected_in_time"),
            (case_body(u, violation=""), 422, "validation_failed", "violation"),
            (case_body(u, department=999), 422, "unknown_department", "department")]:
        assert_refused(s.req("POST", CASES, body, token=city), status, code, field)
    assert_refused(s.req("POST", CASES, case_body(entity(s, "371521")),
                         token=s.tokens["county"]), 403, "forbidden")
    for who in ("inspector", "department", "enterprise"):
        assert_refused(s.req("POST", CASES, case_body(u), token=s.tokens[who]), 403)
    assert_refused(s.req("POST", CASES, case_body(u)), 401, "unauthorized")
    assert_refused(get(s, f"{CASES}/999999"), 404, "not_found")
    for path in ("decision", "revisits"):
        assert_refused(s.req("POST", f"{CASES}/999999/{path}", {"decision": "penalty",
                                                                 "decided_on": "2026-11-01",
                                                                 "visited_on": "2026-11-01",
                                                                 "satisfied": True},
                             token=city), 404, "not_found")
    r = s.req("POST", f"{CASES}/1/decision", raw=b"[1,2", token=city,
              headers={"Content-Type": "application/json"})
    assert_refused(r, 400, "malformed_json")
    assert_refused(s.req("POST", f"{CASES}/1/decision", {"decision": "warn",
                                                          "decided_on": "2026-11-01"},
                         token=city), 422, "validation_failed", "decision")
    assert counts(s) == before


# -- scope, coverage, lists ---------------------------------------------------------------------

def test_county_and_inspector_scope(s):
    far = entity(s, "371521", offset=3)
    mine = inspection(s, far, outcome="case", note="跨区检查")  # the county inspector took part
    theirs = inspection(s, far, inspectors=[inspector_id(s, "inspector001")])
    # The county bureau: its county only, whatever it asks.
    b = ok(get(s, INSPECTIONS, "county", page_size=200, region="371521"))
    assert b["total"] == 0 or all(i["region"] == OWN for i in b["items"])
    assert_refused(get(s, f"{INSPECTIONS}/{mine['id']}", "county"), 403, "forbidden")
    assert_refused(get(s, f"{CASES}/{mine['case_id']}", "county"), 403, "forbidden")
    # The county's inspector: its county and what it took part in.
    items = ok(get(s, INSPECTIONS, "inspector", page_size=200, uscc=far))["items"]
    assert [i["id"] for i in items] == [mine["id"]]
    assert ok(get(s, f"{INSPECTIONS}/{mine['id']}", "inspector"))["id"] == mine["id"]
    assert_refused(get(s, f"{INSPECTIONS}/{theirs['id']}", "inspector"), 403, "forbidden")
    assert ok(get(s, f"{CASES}/{mine['case_id']}", "inspector"))["id"] == mine["case_id"]
    me = inspector_id(s)
    for i in ok(get(s, INSPECTIONS, "inspector", page_size=200))["items"]:
        assert i["region"] == OWN or me in i["inspectors"], i
    assert all(k["region"] == OWN for k in ok(get(s, CASES, "county", page_size=200))["items"])
    # Inspectors read cases but do not manage them.
    assert_refused(s.req("POST", f"{CASES}/{mine['case_id']}/decision",
                         {"decision": "penalty", "decided_on": "2026-11-03"},
                         token=s.tokens["inspector"]), 403, "forbidden")
    # Departments and entity accounts read nothing here.
    for who in ("department", "enterprise"):
        for path in (CAMPAIGNS, INSPECTIONS, CASES, COVERAGE, f"{CASES}/{mine['case_id']}"):
            assert_refused(get(s, path, who), 403, "forbidden")
    for path in (CAMPAIGNS, INSPECTIONS, CASES, COVERAGE, f"{INSPECTIONS}/{mine['id']}"):
        assert_refused(s.req("GET", path), 401, "unauthorized")


def test_coverage(s):
    b = ok(get(s, COVERAGE, "city", to="2026-06-30"))
    assert b["by"] == "region" and b["from"] == "1970-01-01" and b["to"] == "2026-06-30"
    expect = dict(s.sql("SELECT region, count(DISTINCT uscc) FROM enforcement_inspections"
                        " WHERE inspected_on <= '2026-06-30' GROUP BY region"))
    scope = dict(s.sql("SELECT region, count(*) FROM entities WHERE status = 'active'"
                       " GROUP BY region"))
    groups = {g["key"]: g for g in b["groups"]}
    assert set(groups) == set(scope)
    for key, g in groups.items():
        assert g["inspected"] == expect.get(key, 0) and g["in_scope"] == scope[key]
        assert abs(g["coverage"] - round(g["inspected"] / g["in_scope"], 4)) < 1e-9
        assert has_chinese(g["label"])
    assert b["total"]["in_scope"] == sum(scope.values())
    assert b["total"]["inspected"] == s.scalar(
        "SELECT count(DISTINCT uscc) FROM enforcement_inspections WHERE inspected_on <= ?",
        ("2026-06-30",))
    # By industry, campaigns only, one county.
    b = ok(get(s, COVERAGE, "city", by="industry", kind="campaign", region=OWN))
    f5251 = {g["key"]: g for g in b["groups"]}["F5251"]
    assert f5251["inspected"] == s.scalar(
        "SELECT count(DISTINCT uscc) FROM enforcement_inspections WHERE kind = 'campaign'"
        " AND region = ? AND industry = 'F5251'", (OWN,))
    assert f5251["in_scope"] == s.scalar("SELECT count(*) FROM entities WHERE region = ?"
                                         " AND industry = 'F5251' AND status = 'active'", (OWN,))
    # County staff: their county, whatever they ask for.
    c = ok(get(s, COVERAGE, "county"))
    assert c["region"] == OWN and [g["key"] for g in c["groups"]] == [OWN]
    assert_refused(get(s, COVERAGE, "county", region="371521"), 403, "forbidden", "region")
    for params, field in [({"by": "chain"}, "by"), ({"from": "2026-13-01"}, "from"),
                          ({"from": "2026-06-01", "to": "2026-05-01"}, "to"),
                          ({"region": "999999"}, "region"), ({"kind": "x"}, "kind")]:
        assert_refused(get(s, COVERAGE, "city", **params), 422, "validation_failed", field)


def test_lists_and_exports(s):
    b = ok(get(s, CASES, decision="penalty", sort="-fine", page_size=5))
    assert b["items"] and all(k["decision"] == "penalty" for k in b["items"])
    fines = [k["fine"] for k in b["items"]]
    assert fines == sorted(fines, reverse=True)
    b = ok(get(s, INSPECTIONS, kind="routine", outcome="case", page_size=200))
    assert b["items"] and all(i["case_id"] for i in b["items"])
    for path, title in ((INSPECTIONS, "检查记录"), (CASES, "案件"), (CAMPAIGNS, "专项行动")):
        r = get(s, path, format="csv", **({"campaign": 1} if path == INSPECTIONS else {}))
        assert r.status == 200, r.raw[:200]
        header = r.raw.decode("utf-8").lstrip("\ufeff").splitlines()[0].split(",")
        assert header[0] in ("id",) and "region_name" in header
        assert title in r.headers["Content-Disposition"] or "filename*" in \
            r.headers["Content-Disposition"]
        assert get(s, path, format="xlsx", page_size=1).status == 200
    assert_refused(get(s, INSPECTIONS, kind="daily"), 422, "validation_failed", "kind")
    assert_refused(get(s, CASES, to="2026-02-30"), 422, "validation_failed", "to")
    assert_refused(get(s, INSPECTIONS, sort="note"), 422, "validation_failed", "sort")
