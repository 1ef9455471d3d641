"""双随机、一公开 (M4): tasks committed, drawn and verified; refusals before anything is
committed; results by the team; publication with nothing unpublished public. Both engines."""
import datetime
import hashlib
import itertools

import pytest
from urllib.parse import quote

from conftest import PASSWORD, assert_refused, serving, valid_uscc

TASKS = "/api/v1/inspection-tasks"
_serial = itertools.count(1)


class Town:
    """60 entities in 东昌府区 (credit A×20, B×20, C×10, D×10), 10 in 阳谷县, six inspectors in
    departments 10 and 9."""

    def __init__(self, s):
        self.s = s
        self.admin = s.tokens["admin"]
        self.city = s.tokens["city"]
        self.county = s.tokens["county"]  # bureau of 371502
        self.codes = []
        grades = "A" * 20 + "B" * 20 + "C" * 10 + "D" * 10
        for i, g in enumerate(grades):
            code = valid_uscc(f"KC{i:06d}")
            self.codes.append((code, g))
            self.post("/api/v1/entities", {"uscc": code, "name": f"抽查测试企业{i:02d}有限公司",
                                           "kind": "enterprise", "region": "371502",
                                           "credit": g})
        for i in range(10):
            self.post("/api/v1/entities", {"uscc": valid_uscc(f"YG{i:06d}", "371521"),
                                           "name": f"阳谷抽查测试企业{i:02d}有限公司",
                                           "kind": "enterprise", "region": "371521",
                                           "credit": "B"})
        self.inspectors, self.tok = [], {}
        for i in range(6):
            name = f"insp{i}"
            r = self.post("/api/v1/users", {"username": name, "password": PASSWORD,
                                            "role": "inspector", "department": 10 if i < 4 else 9,
                                            "display_name": f"执法人员{i}"})
            self.inspectors.append(r["id"])
            self.tok[r["id"]] = s.login(name)
            self.certify(r["id"], f"3715{i:06d}")

    def certify(self, uid, cert_no, expires="2099-12-31"):
        """Gives inspector uid a law-enforcement certificate (only the certified are drawn)."""
        r = self.s.req("PUT", f"/api/v1/inspectors/{uid}/credential",
                       {"cert_no": cert_no, "field": "市场监管综合执法", "expires": expires},
                       token=self.admin)
        assert r.status == 200, r.raw[:300]
        return r.body

    def post(self, path, body, token=None, status=201):
        r = self.s.req("POST", path, body, token=token or self.admin)
        assert r.status == status, (path, r.status, r.raw[:400])
        return r.body

    def task(self, token=None, **extra):
        body = {"title": f"2026 年第 {next(_serial)} 批双随机抽查", "departments": [10],
                "scope": {"regions": ["371502"]}, "period": {"from": "2026-01-01",
                                                             "to": "2026-12-31"}}
        body.update(extra)
        return self.post(TASKS, body, token or self.city)


@pytest.fixture(scope="module")
def town(template):
    with serving(template) as s:
        yield Town(s)


def test_commit_draw_verify(town):
    t = town.task(ratios={"A": 0.1, "B": 0.1, "C": 0.2, "D": 0.5})
    assert t["status"] == "draft" and t["seed"] is None and t["inspectors_per_target"] == 2
    assert t["ratios"] == {"A": 0.1, "B": 0.1, "C": 0.2, "D": 0.5} and t["region"] == "371500"
    assert_refused(town.s.req("POST", f"{TASKS}/{t['id']}/draw", token=town.city), 409,
                   "invalid_state")
    c = town.post(f"{TASKS}/{t['id']}/commit", None, town.city, 200)
    assert c["status"] == "committed" and len(c["seed_hash"]) == 64 and c["seed"] is None
    assert c["population_size"] == 60
    lines = "".join(f"{u} {g}\n" for u, g in sorted(town.codes))
    assert c["population_hash"] == hashlib.sha256(lines.encode()).hexdigest()
    assert_refused(town.s.req("POST", f"{TASKS}/{t['id']}/commit", token=town.city), 409)
    d = town.post(f"{TASKS}/{t['id']}/draw", None, town.city, 200)
    assert d["status"] == "drawn" and hashlib.sha256(bytes.fromhex(d["seed"])).hexdigest() == \
        c["seed_hash"]
    grades = {u: g for u, g in town.codes}
    per = {g: sum(1 for x in d["targets"] if x["credit"] == g) for g in "ABCD"}
    assert per == {"A": 2, "B": 2, "C": 2, "D": 5} and d["drawn_count"] == 11
    assert len({x["uscc"] for x in d["targets"]}) == 11
    for x in d["targets"]:
        assert grades[x["uscc"]] == x["credit"]
        assert len(x["inspectors"]) == 2 and len(set(x["inspectors"])) == 2
        assert set(x["inspectors"]) <= set(town.inspectors)
    assert_refused(town.s.req("POST", f"{TASKS}/{t['id']}/draw", token=town.city), 409,
                   "invalid_state")  # a second draw
    v = town.s.req("GET", f"{TASKS}/{t['id']}/verify", token=town.city)
    assert v.status == 200 and v.body["match"] is True and v.body["seed"] == d["seed"]
    # Any change of seed or population, and verify says no.
    town.s.sql("UPDATE inspection_tasks SET seed = ? WHERE id = ?", ("00" * 32, t["id"]))
    assert town.s.req("GET", f"{TASKS}/{t['id']}/verify", token=town.city).body["match"] is False
    town.s.sql("UPDATE inspection_tasks SET seed = ? WHERE id = ?", (d["seed"], t["id"]))
    assert town.s.req("GET", f"{TASKS}/{t['id']}/verify", token=town.city).body["match"] is True
    town.s.sql("UPDATE inspection_population SET credit = 'D' WHERE task = ? AND pos = 0",
               (t["id"],))
    assert town.s.req("GET", f"{TASKS}/{t['id']}/verify", token=town.city).body["match"] is False
    r = town.s.cli("verify", "draw", "--db", town.s.db, "--task", str(t["id"]))
    assert r.returncode == 1 and "不一致" in r.stdout + r.stderr, r.stdout + r.stderr
    town.s.sql("UPDATE inspection_population SET credit = ? WHERE task = ? AND pos = 0",
               (sorted(town.codes)[0][1], t["id"]))
    r = town.s.cli("verify", "draw", "--db", town.s.db, "--task", str(t["id"]))
    assert r.returncode == 0 and "一致" in r.stdout, r.stdout + r.stderr


def test_conflicts_never_drawn_and_joint_teams(town):
    code = sorted(town.codes)[0][0]
    body = {"inspector": town.inspectors[0], "uscc": code, "reason": "近亲属在该企业任职"}
    town.post("/api/v1/inspection-conflicts", body)
    assert_refused(town.s.req("POST", "/api/v1/inspection-conflicts", body, token=town.admin),
                   409, "duplicate")
    assert_refused(town.s.req("POST", "/api/v1/inspection-conflicts",
                              dict(body, inspector=town.s.ids["city"]), token=town.admin), 422)
    t = town.task(departments=[10, 9], inspectors_per_target=3, ratios={"A": 1, "B": 1, "C": 1,
                                                                         "D": 1})
    town.post(f"{TASKS}/{t['id']}/commit", None, town.city, 200)
    d = town.post(f"{TASKS}/{t['id']}/draw", None, town.city, 200)
    assert len(d["targets"]) == 60
    dept = {i: 10 if n < 4 else 9 for n, i in enumerate(town.inspectors)}
    for x in d["targets"]:
        team = x["inspectors"]
        assert dept[team[0]] == 10 and dept[team[1]] == 9 and len(set(team)) == 3
        if x["uscc"] == code:
            assert town.inspectors[0] not in team


def test_refusals_change_nothing(town):
    before = town.s.sql("SELECT count(*) FROM inspection_tasks")[0][0]
    for body, field in [({"ratios": {"A": 1.5}}, "ratios"), ({"ratios": {"B": -0.1}}, "ratios"),
                        ({"ratios": {"C": "0.1"}}, "ratios"),
                        ({"period": {"from": "2026-05-01", "to": "2026-04-01"}}, "period"),
                        ({"period": {"from": "2026-02-30", "to": "2026-04-01"}}, "period"),
                        ({"departments": []}, "departments"),
                        ({"inspectors_per_target": 1}, "inspectors_per_target"),
                        ({"scope": {"regions": "371502"}}, "scope")]:
        r = town.s.req("POST", TASKS, {"title": "坏任务", "departments": [10],
                                       "period": {"from": "2026-01-01", "to": "2026-12-31"},
                                       **body}, token=town.city)
        assert_refused(r, 422, field=field)
    assert_refused(town.s.req("POST", TASKS, {"title": "越权", "departments": [10],
                                              "scope": {"regions": ["371521"]},
                                              "period": {"from": "2026-01-01",
                                                         "to": "2026-12-31"}},
                              token=town.county), 403)
    r = town.s.req("POST", TASKS, raw=b'{"title":', token=town.city,
                   headers={"Content-Type": "application/json"})
    assert_refused(r, 400, "malformed_json")
    assert_refused(town.s.req("POST", TASKS, {"title": "x"}, token=town.s.tokens["inspector"]),
                   403)
    assert_refused(town.s.req("POST", TASKS, {"title": "x"}), 401)
    assert town.s.sql("SELECT count(*) FROM inspection_tasks")[0][0] == before
    # An empty population and a pool short of inspectors: 422 at commit, still a draft.
    empty = town.task(scope={"regions": ["371502"], "tiers": ["unicorn"]})
    r = town.s.req("POST", f"{TASKS}/{empty['id']}/commit", token=town.city)
    assert_refused(r, 422, "cannot_commit")
    short = town.task(inspectors_per_target=8)
    r = town.s.req("POST", f"{TASKS}/{short['id']}/commit", token=town.city)
    err = assert_refused(r, 422, "cannot_commit")
    assert "8" in err["message"] and "A 级" in err["message"]
    for tid in (empty["id"], short["id"]):
        got = town.s.req("GET", f"{TASKS}/{tid}", token=town.city).body
        assert got["status"] == "draft" and got["seed_hash"] is None
        assert town.s.sql("SELECT count(*) FROM inspection_population WHERE task = ?",
                          (tid,))[0][0] == 0
    assert_refused(town.s.req("GET", f"{TASKS}/999999", token=town.city), 404)
    assert_refused(town.s.req("GET", f"{TASKS}/{empty['id']}/verify", token=town.city), 409)


def test_county_scope_results_and_publication(town):
    item = town.post("/api/v1/inspection-items", {"name": "食品经营许可情况的检查",
                                                  "department": 10}, town.city)
    t = town.task(token=town.county, scope={}, ratios={"A": 0.05, "B": 0.05, "C": 0.1, "D": 0.2},
                  items=[item["id"]])
    assert t["region"] == "371502" and t["scope"]["regions"] == ["371502"]
    town.post(f"{TASKS}/{t['id']}/commit", None, town.county, 200)
    d = town.post(f"{TASKS}/{t['id']}/draw", None, town.county, 200)
    x = d["targets"][0]
    member, outsider = x["inspectors"][0], next(i for i in town.inspectors
                                                 if i not in x["inspectors"])
    path = f"{TASKS}/{t['id']}/targets/{x['uscc']}/result"
    assert_refused(town.s.req("POST", path, {"outcome": "pass"}, token=town.tok[outsider]), 403)
    assert_refused(town.s.req("POST", path, {"outcome": "rectify"}, token=town.tok[member]), 422,
                   field="rectify_by")
    assert_refused(town.s.req("POST", path, {"outcome": "fine"}, token=town.tok[member]), 422,
                   field="outcome")
    r = town.s.req("POST", path, {"outcome": "rectify", "rectify_by": "2026-12-31",
                                  "note": "消防通道堵塞"}, token=town.tok[member])
    assert r.status == 200, r.raw[:300]
    assert town.s.req("GET", f"{TASKS}/{t['id']}", token=town.county).body["status"] == \
        "in_progress"
    # Nothing unpublished is public.
    assert_refused(town.s.req("GET", f"/api/v1/public/inspection-tasks/{t['id']}"), 404)
    public = town.s.req("GET", "/api/v1/public/inspection-tasks").body
    assert t["id"] not in [p["id"] for p in public["items"]]
    assert_refused(town.s.req("POST", f"{TASKS}/{t['id']}/publish", token=town.county), 409)
    town.post(f"{TASKS}/{t['id']}/complete", None, town.county, 200)
    assert_refused(town.s.req("POST", path, {"outcome": "pass"}, token=town.tok[member]), 409)
    p = town.post(f"{TASKS}/{t['id']}/publish", None, town.county, 200)
    assert p["status"] == "published" and p["published_at"]
    got = town.s.req("GET", f"/api/v1/public/inspection-tasks/{t['id']}").body
    assert got["seed"] == d["seed"] and "created_by" not in got
    # The public page names what the ids stand for (a citizen cannot look them up).
    assert got["names"] == {"departments": {"10": got["names"]["departments"]["10"]},
                            "items": {str(item["id"]): "食品经营许可情况的检查"},
                            "regions": {"371502": "东昌府区"}, "chains": {}}
    assert got["names"]["departments"]["10"]
    assert set(got["names"]["regions"]) >= {g["region"] for g in got["targets"]}
    mine = next(g for g in got["targets"] if g["uscc"] == x["uscc"])
    assert mine["outcome"] == "rectify" and mine["rectify_by"] == "2026-12-31"
    public = town.s.req("GET", "/api/v1/public/inspection-tasks").body
    assert t["id"] in [p["id"] for p in public["items"]]
    # 无事不扰: an entity inspected in the period is left out of the next task's population.
    n = town.task(scope={"regions": ["371502"]})
    c = town.post(f"{TASKS}/{n['id']}/commit", None, town.city, 200)
    assert c["population_size"] == 59


# -- preview, per-stratum shortfalls ------------------------------------------------------------

PREVIEW = f"{TASKS}/preview"
BODY_2025 = {"title": "预览", "departments": [10], "scope": {"regions": ["371502"]},
             "period": {"from": "2025-01-01", "to": "2025-12-31"}}


def test_preview_counts_strata_and_names_shortfalls(town):
    before = town.s.scalar("SELECT count(*) FROM inspection_tasks")
    body = dict(BODY_2025, ratios={"A": 0.1, "B": 0.1, "C": 0.2, "D": 0.5})
    p = town.post(PREVIEW, body, town.city, 200)
    strata = {x["grade"]: x for x in p["strata"]}
    assert [x["grade"] for x in p["strata"]] == ["A", "B", "C", "D"]
    assert {g: x["population"] for g, x in strata.items()} == {"A": 20, "B": 20, "C": 10, "D": 10}
    assert all(x["excluded"] == 0 and x["eligible"] == x["population"] for x in p["strata"])
    assert {g: x["expected"] for g, x in strata.items()} == {"A": 2, "B": 2, "C": 2, "D": 5}
    assert strata["D"]["ratio"] == 0.5 and p["expected"] == 11 and p["population"] == 60
    pool = town.s.scalar("SELECT count(*) FROM users WHERE role = 'inspector' AND department = 10"
                         " AND disabled = 0")
    assert p["inspectors"]["pool"] == pool and p["inspectors"]["needed"] == 2
    assert p["inspectors"]["departments"] == [{"id": 10, "name": p["inspectors"]["departments"][0]
                                               ["name"], "pool": pool, "needed": 0}]
    assert p["shortfall"] == []
    # Defaults: the bureau's ratios, worse credit drawn more often.
    d = town.post(PREVIEW, BODY_2025, town.city, 200)
    assert [x["ratio"] for x in d["strata"]] == [0.03, 0.05, 0.1, 0.3]
    assert [x["expected"] for x in d["strata"]] == [1, 1, 1, 3]
    # Too few inspectors for a team of 8: one sentence per stratum with draws expected.
    short = town.post(PREVIEW, dict(body, inspectors_per_target=8), town.city, 200)
    assert [x["grade"] for x in short["shortfall"]] == ["A", "B", "C", "D"]
    d_short = short["shortfall"][3]["message"]
    assert "D 级预计抽取 5 户" in d_short and "每户需 8 名" in d_short and f"缺 {8 - pool} 名" \
        in d_short
    # A joint task with a department that has no inspector in the pool.
    joint = town.post(PREVIEW, dict(body, departments=[10, 7]), town.city, 200)
    assert [x.get("department") for x in joint["shortfall"]] == [7]
    assert "没有检查人员" in joint["shortfall"][0]["message"]
    # By trade: GB/T 4754 codes or their prefixes.
    town.s.sql("UPDATE entities SET industry = 'H6210' WHERE uscc IN (?, ?)",
               tuple(sorted(town.codes)[i][0] for i in (0, 1)))
    town.s.sql("UPDATE entities SET industry = 'H6291' WHERE uscc = ?", (sorted(town.codes)[2][0],))
    trade = town.post(PREVIEW, dict(BODY_2025, scope={"regions": ["371502"],
                                                      "industries": ["H621", "H6291"]}),
                      town.city, 200)
    assert trade["population"] == 3
    for bad in (["h62"], ["H62%"], "H62", [62]):
        assert_refused(town.s.req("POST", PREVIEW, dict(BODY_2025, scope={"industries": bad}),
                                  token=town.city), 422, field="scope")
    # Nothing stored, whatever was previewed.
    assert town.s.scalar("SELECT count(*) FROM inspection_tasks") == before
    # Who may, and bad input.
    assert_refused(town.s.req("POST", PREVIEW, dict(BODY_2025, scope={"regions": ["371521"]}),
                              token=town.county), 403)
    assert_refused(town.s.req("POST", PREVIEW, dict(BODY_2025, ratios={"A": 2}),
                              token=town.city), 422, field="ratios")
    assert_refused(town.s.req("POST", PREVIEW, BODY_2025, token=town.s.tokens["inspector"]), 403)
    assert_refused(town.s.req("POST", PREVIEW, BODY_2025), 401)
    r = town.s.req("POST", PREVIEW, raw=b'{"title": [', token=town.city,
                   headers={"Content-Type": "application/json"})
    assert_refused(r, 400, "malformed_json")
    assert_refused(town.s.req("POST", PREVIEW, dict(BODY_2025, title=7), token=town.city), 422,
                   field="title")


def test_conflicts_leaving_a_member_without_a_team_stop_the_commit(town):
    # A D-grade entity with conflicts of interest with both department-9 inspectors: a joint
    # 10 + 9 task cannot give it a team.
    code = valid_uscc("KX000001")
    town.post("/api/v1/entities", {"uscc": code, "name": "回避测试企业有限公司",
                                   "kind": "enterprise", "region": "371502", "credit": "D"})
    for i in town.inspectors[4:]:
        town.post("/api/v1/inspection-conflicts", {"inspector": i, "uscc": code,
                                                   "reason": "曾在该企业任职"})
    body = dict(BODY_2025, departments=[10, 9])
    p = town.post(PREVIEW, body, town.city, 200)
    assert p["shortfall"] == [{"grade": "D", "message": "D 级有 1 户因回避可派检查人员不足 2 名"}]
    t = town.task(departments=[10, 9], period=BODY_2025["period"])
    err = assert_refused(town.s.req("POST", f"{TASKS}/{t['id']}/commit", token=town.city), 422,
                         "cannot_commit")
    assert "D 级有 1 户因回避" in err["message"]
    got = town.s.req("GET", f"{TASKS}/{t['id']}", token=town.city).body
    assert got["status"] == "draft" and got["seed_hash"] is None
    town.s.sql("DELETE FROM inspection_conflicts WHERE uscc = ?", (code,))
    town.s.sql("UPDATE entities SET status = 'deregistered' WHERE uscc = ?", (code,))


# -- publication deadline, public verify, open data, assignments --------------------------------

def _run_task(town, **extra):
    """A task of the town committed, drawn, with every target's result recorded by the bureau
    (rectify for the first, case for the second, pass for the rest), and completed."""
    t = town.task(period={"from": "2024-01-01", "to": "2024-12-31"}, **extra)
    town.post(f"{TASKS}/{t['id']}/commit", None, town.city, 200)
    d = town.post(f"{TASKS}/{t['id']}/draw", None, town.city, 200)
    for n, x in enumerate(d["targets"]):
        body = [{"outcome": "rectify", "rectify_by": "2024-06-30", "note": "台账不全"},
                {"outcome": "case", "note": "销售过期食品"}][n] if n < 2 else {"outcome": "pass"}
        town.post(f"{TASKS}/{t['id']}/targets/{x['uscc']}/result",
                  dict(body, inspected_on="2024-05-0%d" % (n % 9 + 1)), town.city, 200)
    c = town.post(f"{TASKS}/{t['id']}/complete", None, town.city, 200)
    return t["id"], d, c


def test_publication_due_in_20_working_days_and_late_marks(town):
    tid, _, c = _run_task(town, ratios={"A": 0.1, "B": 0.1, "C": 0.1, "D": 0.1})
    import datetime
    china = datetime.timezone(datetime.timedelta(hours=8))
    today = datetime.datetime.now(china).date().isoformat()
    assert c["publish_due"] > today and c["late"] is False
    # 20 working days are at least 4 calendar weeks.
    due = datetime.date.fromisoformat(c["publish_due"])
    assert (due - datetime.date.fromisoformat(today)).days >= 28
    late = lambda: {x["id"] for x in town.s.req("GET", f"{TASKS}?late=1&page_size=200",  # noqa
                                                token=town.city).body["items"]}
    assert tid not in late()
    town.s.sql("UPDATE inspection_tasks SET publish_due = '2024-01-31' WHERE id = ?", (tid,))
    assert tid in late()
    assert town.s.req("GET", f"{TASKS}/{tid}", token=town.city).body["late"] is True
    p = town.post(f"{TASKS}/{tid}/publish", None, town.city, 200)
    assert p["late"] is True and p["published_late"] is True and tid in late()
    on_time, _, _ = _run_task(town, ratios={"A": 0.1, "B": 0.1, "C": 0.1, "D": 0.1})
    p = town.post(f"{TASKS}/{on_time}/publish", None, town.city, 200)
    assert p["late"] is False and on_time not in late()
    assert_refused(town.s.req("GET", f"{TASKS}?late=maybe", token=town.city), 422, field="late")


def test_anyone_verifies_a_published_draw(town):
    tid, d, _ = _run_task(town, ratios={"A": 0.1, "B": 0.1, "C": 0.1, "D": 0.1})
    path = f"/api/v1/public/inspection-tasks/{tid}/verify"
    assert_refused(town.s.req("GET", path), 404)  # not published yet
    town.post(f"{TASKS}/{tid}/publish", None, town.city, 200)
    v = town.s.req("GET", path).body
    assert v["match"] is v["seed_hash_match"] is v["population_hash_match"] is v["draw_match"] \
        is True
    assert v["seed"] == d["seed"] and v["drawn_count"] == len(d["targets"])
    pasted = town.s.req("GET", f"{path}?seed={d['seed']}").body
    assert pasted["match"] is True
    other = "ab" * 32
    w = town.s.req("GET", f"{path}?seed={other}").body
    assert w["match"] is False and w["seed_hash_match"] is False and w["seed"] == other
    assert w["population_hash_match"] is True
    assert_refused(town.s.req("GET", f"{path}?seed=xyz"), 422, field="seed")
    # A mistyped name is refused, not ignored (which would verify the published seed instead).
    r = town.s.req("GET", f"{path}?sead={other}")
    assert_refused(r, 422, "unknown_parameter", "sead")
    assert "seed" in r.body["error"]["message"]
    assert town.s.req("GET", f"{path}?SEED={other}").body["seed"] == other
    # A population changed after the commitment shows in its hash.
    town.s.sql("UPDATE inspection_population SET credit = 'A' WHERE task = ? AND credit = 'D'",
               (tid,))
    x = town.s.req("GET", path).body
    assert x["match"] is False and x["population_hash_match"] is False
    assert_refused(town.s.req("GET", "/api/v1/public/inspection-tasks/999999/verify"), 404)


def _csv(town, name):
    import csv
    import io
    r = town.s.req("GET", f"/api/v1/public/open-data/{name}.csv")
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/csv"), r.raw[:200]
    return list(csv.reader(io.StringIO(r.raw.decode("utf-8-sig"))))


def test_open_data_in_the_lives_layout(town):
    tid, d, _ = _run_task(town, ratios={"A": 0.1, "B": 0.1, "C": 0.1, "D": 0.1})
    hidden, dh, _ = _run_task(town, ratios={"A": 0.1, "B": 0.1, "C": 0.1, "D": 0.1})
    town.post(f"{TASKS}/{tid}/publish", None, town.city, 200)
    biz = _csv(town, "businesses")
    assert biz[0] == ["business_id", "name", "address", "city", "state", "postal_code",
                      "latitude", "longitude", "phone_number"]
    ids = {row[0] for row in biz[1:]}
    assert {x["uscc"] for x in d["targets"]} <= ids
    assert all(row[3] == "聊城市" and row[4] == "山东省" for row in biz[1:])
    published = {r[0] for r in town.s.sql(
        "SELECT t.uscc FROM inspection_targets t JOIN inspection_tasks k ON k.id = t.task"
        " WHERE k.status = 'published' AND t.outcome IS NOT NULL")}
    assert ids == published  # nothing of an unpublished task
    ins = _csv(town, "inspections")
    assert ins[0] == ["business_id", "score", "date", "description", "type"]
    dated = {(row[0], row[2]) for row in ins[1:]}
    for n, x in enumerate(d["targets"]):
        assert (x["uscc"], "2024050%d" % (n % 9 + 1)) in dated, x
    assert all(len(row[2]) == 8 and row[4] == "routine" for row in ins[1:])
    vio = _csv(town, "violations")
    assert vio[0] == ["business_id", "date", "code", "description"]
    first, second = d["targets"][0]["uscc"], d["targets"][1]["uscc"]
    codes = {(row[0], row[2]) for row in vio[1:]}
    assert (first, "rectify") in codes and (second, "case") in codes
    assert any(row[0] == first and row[3] == "责令整改：台账不全" for row in vio[1:])
    assert all(row[2] in ("rectify", "interview", "case") for row in vio[1:])
    only_hidden = {x["uscc"] for x in dh["targets"]} - published
    assert only_hidden and not only_hidden & {row[0] for row in biz[1:] + ins[1:] + vio[1:]}


def test_my_assignments(town):
    tid, d, _ = _run_task(town, ratios={"A": 0.2, "B": 0.2, "C": 0.2, "D": 0.2})
    me = d["targets"][0]["inspectors"][0]
    mine = {x["uscc"] for x in d["targets"] if me in x["inspectors"]}
    b = town.s.req("GET", f"/api/v1/inspection-assignments?task={tid}&page_size=200",
                   token=town.tok[me]).body
    assert {i["uscc"] for i in b["items"]} == mine and b["total"] == len(mine)
    for i in b["items"]:
        assert i["inspector"] == me and me in i["inspectors"] and i["task"] == tid
        assert i["title"] and i["name"] and i["outcome"] in ("pass", "rectify", "case")
    # An inspector sees their own, whoever they ask for.
    other = next(i for i in town.inspectors if i != me)
    b = town.s.req("GET", f"/api/v1/inspection-assignments?inspector={other}&page_size=200",
                   token=town.tok[me]).body
    assert all(i["inspector"] == me for i in b["items"])
    # Pending: a drawn task without results.
    t = town.task(period={"from": "2023-01-01", "to": "2023-12-31"},
                  ratios={"A": 0.2, "B": 0.2, "C": 0.2, "D": 0.2})
    town.post(f"{TASKS}/{t['id']}/commit", None, town.city, 200)
    d2 = town.post(f"{TASKS}/{t['id']}/draw", None, town.city, 200)
    who = d2["targets"][0]["inspectors"][0]
    p = town.s.req("GET", "/api/v1/inspection-assignments?pending=1&page_size=200",
                   token=town.tok[who]).body
    assert p["items"] and all(i["outcome"] is None and i["inspector"] == who for i in p["items"])
    assert t["id"] in {i["task"] for i in p["items"]}
    # The bureau sees everyone's; nobody else does.
    b = town.s.req("GET", f"/api/v1/inspection-assignments?task={tid}&page_size=200",
                   token=town.city).body
    assert b["total"] == sum(len(x["inspectors"]) for x in d["targets"])
    assert_refused(town.s.req("GET", "/api/v1/inspection-assignments"), 401)
    assert_refused(town.s.req("GET", "/api/v1/inspection-assignments?pending=2",
                              token=town.city), 422, field="pending")


def test_results_are_the_entities_inspection_records(town):
    """M5 keeps every inspection: a target's result is its record of kind random, a case
    result opens a case, and a result whose case was decided can no longer change."""
    tid, d, _ = _run_task(town, ratios={"A": 0.1, "B": 0.1, "C": 0.1, "D": 0.1})
    got = town.s.req("GET", f"/api/v1/inspections?task={tid}&page_size=200", token=town.city)
    assert got.status == 200, got.raw[:300]
    records = {i["uscc"]: i for i in got.body["items"]}
    assert set(records) == {x["uscc"] for x in d["targets"]}
    assert all(i["kind"] == "random" and i["task"] == tid and i["department"] == 10
               for i in records.values())
    first, second = d["targets"][0]["uscc"], d["targets"][1]["uscc"]
    assert records[first]["outcome"] == "rectify" and records[first]["rectify_by"] == "2024-06-30"
    assert records[second]["outcome"] == "case" and records[second]["case_id"]
    case = town.s.req("GET", f"/api/v1/cases/{records[second]['case_id']}", token=town.city).body
    assert case["uscc"] == second and case["status"] == "open"
    # Recorded again (the task reopened for it): one record still, the case withdrawn.
    town.s.sql("UPDATE inspection_tasks SET status = 'in_progress' WHERE id = ?", (tid,))
    path = f"{TASKS}/{tid}/targets/{second}/result"
    town.post(path, {"outcome": "pass", "inspected_on": "2024-05-02"}, town.city, 200)
    again = town.s.req("GET", f"/api/v1/inspections?task={tid}&uscc={second}",
                       token=town.city).body["items"]
    assert len(again) == 1 and again[0]["outcome"] == "pass" and again[0]["case_id"] is None
    assert_refused(town.s.req("GET", f"/api/v1/cases/{case['id']}", token=town.city), 404)
    # A case decided: the result that opened it stands.
    town.post(path, {"outcome": "case", "note": "无证经营", "inspected_on": "2024-05-02"},
              town.city, 200)
    cid = town.s.req("GET", f"/api/v1/inspections?task={tid}&uscc={second}",
                     token=town.city).body["items"][0]["case_id"]
    r = town.s.req("POST", f"/api/v1/cases/{cid}/decision",
                   {"decision": "penalty", "fine": 500000, "decided_on": "2024-06-01"},
                   token=town.city)
    assert r.status == 200, r.raw[:300]
    before = town.s.scalar("SELECT outcome FROM inspection_targets WHERE task = ? AND uscc = ?",
                           (tid, second))
    assert_refused(town.s.req("POST", path, {"outcome": "pass"}, token=town.city), 409,
                   "case_decided")
    assert town.s.scalar("SELECT outcome FROM inspection_targets WHERE task = ? AND uscc = ?",
                         (tid, second)) == before == "case"


def test_county_inspectors_drawn_for_a_city_task_work_on_it(town):
    """The pool of a city task may take county inspectors: they read the task and record their
    targets' results; a county inspector outside the pool still may not read it."""
    ids, tok = [], {}
    for n in range(3):
        r = town.post("/api/v1/users", {"username": f"county-insp{n}", "password": PASSWORD,
                                        "role": "inspector", "department": 10,
                                        "region": "371521"})
        ids.append(r["id"])
        tok[r["id"]] = town.s.login(f"county-insp{n}")
        town.certify(r["id"], f"3715C{n:05d}")
    town.s.sql("UPDATE users SET disabled = 1 WHERE id = ?", (ids[2],))  # not in the pool
    t = town.task(period={"from": "2022-01-01", "to": "2022-12-31"},
                  inspector_pool={"departments": [10], "regions": ["371521"]},
                  ratios={"A": 0.1, "B": 0.1, "C": 0.1, "D": 0.1})
    assert t["region"] == "371500"
    town.post(f"{TASKS}/{t['id']}/commit", None, town.city, 200)
    d = town.post(f"{TASKS}/{t['id']}/draw", None, town.city, 200)
    town.s.sql("UPDATE users SET disabled = 0 WHERE id = ?", (ids[2],))
    assert all(sorted(x["inspectors"]) == sorted(ids[:2]) for x in d["targets"])
    x = d["targets"][0]
    assert town.s.req("GET", f"{TASKS}/{t['id']}", token=tok[ids[0]]).status == 200
    r = town.s.req("POST", f"{TASKS}/{t['id']}/targets/{x['uscc']}/result",
                   {"outcome": "pass", "inspected_on": "2022-05-01"}, token=tok[ids[0]])
    assert r.status == 200, r.raw[:300]
    assert town.s.scalar("SELECT outcome FROM inspection_targets WHERE task = ? AND uscc = ?",
                         (t["id"], x["uscc"])) == "pass"
    assert_refused(town.s.req("GET", f"{TASKS}/{t['id']}", token=tok[ids[2]]), 403)
    assert_refused(town.s.req("POST", f"{TASKS}/{t['id']}/targets/{x['uscc']}/result",
                              {"outcome": "pass"}, token=tok[ids[2]]), 403)


INSPECTORS = "/api/v1/inspectors"


def test_only_certified_inspectors_are_drawn(town):
    """行政执法证: the pool takes the inspectors whose certificate is valid on the day of the
    commit (and of one of its fields, when it names some)."""
    uid = town.post("/api/v1/users", {"username": "uncertified", "password": PASSWORD,
                                      "role": "inspector", "department": 10})["id"]
    body = dict(BODY_2025, inspector_pool={"departments": [10], "regions": ["371500"]})
    before = town.post(PREVIEW, body, town.city, 200)["inspectors"]["pool"]
    c = town.certify(uid, "3715X00001", expires="2020-01-01")  # lapsed
    assert c["inspector"] == uid and c["cert_no"] == "3715X00001" and c["username"] == "uncertified"
    assert town.post(PREVIEW, body, town.city, 200)["inspectors"]["pool"] == before
    town.certify(uid, "3715X00001", expires="2099-01-01")  # renewed
    assert town.post(PREVIEW, body, town.city, 200)["inspectors"]["pool"] == before + 1
    fields = dict(body, inspector_pool=dict(body["inspector_pool"], fields=["生态环境保护综合执法"]))
    assert town.post(PREVIEW, fields, town.city, 200)["inspectors"]["pool"] == 0
    # The list, with its filters; the bureau and inspectors read it.
    got = town.s.req("GET", f"{INSPECTORS}?page_size=200", token=town.city).body
    mine = [i for i in got["items"] if i["inspector"] == uid]
    assert len(mine) == 1 and mine[0]["expires"] == "2099-01-01" and mine[0]["department"] == 10
    assert mine[0]["field"] == "市场监管综合执法" and mine[0]["department_name"]
    # Inspectors without a certificate are listed too (their page gives them one), as not valid.
    today = datetime.date.today().isoformat()
    lapsed = town.s.req("GET", f"{INSPECTORS}?valid=0&page_size=200",
                        token=town.s.tokens["inspector"]).body
    assert all(i["expires"] is None or i["expires"] < today for i in lapsed["items"])
    bare = town.post("/api/v1/users", {"username": "bare", "password": PASSWORD,
                                       "role": "inspector", "department": 9})["id"]
    got = town.s.req("GET", f"{INSPECTORS}?valid=0&department=9&page_size=200",
                     token=town.city).body
    assert [i for i in got["items"] if i["inspector"] == bare] == [dict(
        inspector=bare, username="bare", display_name="bare", department=9,
        department_name=got["items"][-1]["department_name"], region="371500",
        region_name="聊城市", disabled=False, cert_no=None, field=None, expires=None)]
    valid = town.s.req("GET", f"{INSPECTORS}?valid=1&page_size=200", token=town.city).body
    assert valid["total"] > 0 and all(i["expires"] >= today for i in valid["items"])
    assert all(i["inspector"] != bare for i in valid["items"])
    # Refusals: not an inspector, a number taken, bad input, who may.
    assert_refused(town.s.req("PUT", f"{INSPECTORS}/{town.s.ids['city']}/credential",
                              {"cert_no": "3715Y00001", "field": "x", "expires": "2099-01-01"},
                              token=town.admin), 404)
    assert_refused(town.s.req("PUT", f"{INSPECTORS}/{uid}/credential",
                              {"cert_no": "3715000000", "field": "x", "expires": "2099-01-01"},
                              token=town.admin), 409, "duplicate", "cert_no")
    for bad, field in [({"cert_no": 5}, "cert_no"), ({"cert_no": "371"}, "cert_no"),
                       ({"expires": "2099-02-30"}, "expires"),
                       ({"field": ""}, "field")]:
        b = dict({"cert_no": "3715Z00001", "field": "市场监管综合执法", "expires": "2099-01-01"},
                 **bad)
        assert_refused(town.s.req("PUT", f"{INSPECTORS}/{uid}/credential", b,
                                  token=town.admin), 422, field=field)
    assert_refused(town.s.req("PUT", f"{INSPECTORS}/{uid}/credential",
                              {"cert_no": "3715Z00001", "field": "x", "expires": "2099-01-01"},
                              token=town.tok[town.inspectors[0]]), 403)
    assert_refused(town.s.req("GET", INSPECTORS), 401)
    # A county keeps its own inspectors' papers: the city's inspector is not found for it; the
    # field filter finds the certificate's field.
    assert_refused(town.s.req("PUT", f"{INSPECTORS}/{uid}/credential",
                              {"cert_no": "3715Z00002", "field": "x", "expires": "2099-01-01"},
                              token=town.county), 404, "not_found")
    assert town.s.req("GET", f"{INSPECTORS}/{uid}", token=town.city).status in (404, 405)
    env = town.s.req("GET", f"{INSPECTORS}?field={quote('生态环境保护综合执法')}", token=town.city).body
    assert env["total"] == 0
    market = town.s.req("GET", f"{INSPECTORS}?field={quote('市场监管综合执法')}&page_size=100",
                        token=town.city).body
    assert market["total"] >= 7 and uid in {i["inspector"] for i in market["items"]}
    assert {i["field"] for i in market["items"]} == {"市场监管综合执法"}
    # Search by name, and the sort by expiry (those without a certificate first).
    found = town.s.req("GET", f"{INSPECTORS}?q=uncert", token=town.city).body
    assert [i["inspector"] for i in found["items"]] == [uid]
    by_expiry = town.s.req("GET", f"{INSPECTORS}?sort=expires&page_size=100",
                           token=town.city).body["items"]
    keys = [i["expires"] or "" for i in by_expiry]
    assert keys == sorted(keys) and keys[0] == ""
    assert town.s.scalar("SELECT cert_no FROM inspector_credentials WHERE inspector = ?",
                         (uid,)) == "3715X00001"
