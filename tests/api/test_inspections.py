"""双随机、一公开 (M4): tasks committed, drawn and verified; refusals before anything is
committed; results by the team; publication with nothing unpublished public. Both engines."""
import hashlib
import itertools

import pytest

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
    t = town.task(token=town.county, scope={}, ratios={"A": 0.05, "B": 0.05, "C": 0.1, "D": 0.2})
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
    mine = next(g for g in got["targets"] if g["uscc"] == x["uscc"])
    assert mine["outcome"] == "rectify" and mine["rectify_by"] == "2026-12-31"
    public = town.s.req("GET", "/api/v1/public/inspection-tasks").body
    assert t["id"] in [p["id"] for p in public["items"]]
    # 无事不扰: an entity inspected in the period is left out of the next task's population.
    n = town.task(scope={"regions": ["371502"]})
    c = town.post(f"{TASKS}/{n['id']}/commit", None, town.city, 200)
    assert c["population_size"] == 59
