"""特种设备 (M6, 应检尽检): the demo register (760 units at the small scale, a 定检率 above 99%
recomputed here from the rows by the definition of src/equipment/equipment.h), registration,
changes and inspections with the database checked after each, the due / overdue filters on
hand-made units, the rate of a hand-made period, reminders, county and enterprise scoping, and
every refusal changing nothing. Runs on the small demo city (`demo --scale small --seed 5`), on
SQLite and PostgreSQL."""
import datetime
import itertools
import re

import pytest

from conftest import assert_refused, demo_city, get, has_chinese, ok, serving

EQ = "/api/v1/equipment"
RATE = "/api/v1/equipment/inspection-rate"
REMIND = "/api/v1/equipment/reminders"
CATS = "/api/v1/equipment/categories"
STAFF = {"admin": "admin", "city": "bureau", "county": "bureau_dcf", "inspector": "inspector"}
OWN = "371502"
OTHER = "371503"
CATEGORIES = ["boiler", "pressure_vessel", "elevator", "lifting", "vehicle", "ropeway",
              "amusement", "piping", "cylinder"]
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
REG = re.compile(r"^[锅容梯起车索游管瓶]\d\d[" + PROVINCES + r"][A-Z]\d{5}\(\d\d\)$")
_serial = itertools.count(90000)


def today():
    """Today in China, as the server judges due dates."""
    return datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()


def iso(d):
    return d.isoformat()


def add_months(d, months):
    """As equipment_add_months: calendar months, the day clamped to the month's end."""
    total = d.year * 12 + d.month - 1 + months
    y, m = divmod(total, 12)
    m += 1
    last = (datetime.date(y + (m == 12), m % 12 + 1, 1) - datetime.timedelta(days=1)).day
    return datetime.date(y, m, min(d.day, last))


@pytest.fixture(scope="module")
def eq_template(tmp_path_factory):
    return demo_city(tmp_path_factory, "eq", staff=STAFF)


@pytest.fixture(scope="module")
def s(eq_template):
    with serving(eq_template) as srv:
        srv.cred = eq_template.cred
        srv.tokens["enterprise"] = srv.login("enterprise", srv.cred["enterprise"])
        srv.entity = srv.scalar("SELECT entity FROM users WHERE username = 'enterprise'")
        yield srv


def reg(char="梯", variety="31", year="09"):
    return f"{char}{variety}鲁P{next(_serial):05d}({year})"


def free_entity(s, region=OWN, offset=0):
    """An active entity of region owning and using no unit (not a demo key one)."""
    return s.scalar("SELECT uscc FROM entities e WHERE region = ? AND status = 'active'"
                    " AND key = 0 AND NOT EXISTS (SELECT 1 FROM equipment q WHERE q.owner ="
                    " e.uscc OR q.user_uscc = e.uscc) ORDER BY id DESC LIMIT 1 OFFSET ?",
                    (region, offset))


def body(owner, **extra):
    b = {"registration_no": reg(), "category": "elevator", "owner": owner,
         "model": "TKJ1000/1.75", "address": "东昌府区花园路1号", "installed_on": "2019-05-01",
         "last_inspected": "2026-03-10", "last_conclusion": "qualified"}
    b.update(extra)
    return {k: v for k, v in b.items() if v is not ...}


def create(s, b, who="city", status=201):
    r = s.req("POST", EQ, b, token=s.tokens[who])
    assert r.status == status, (r.status, r.raw[:400])
    return r.body


def counts(s):
    return tuple(s.scalar(f"SELECT count(*) FROM {t}")
                 for t in ("equipment", "equipment_inspections", "audit_log"))


def row(s, uid):
    cols = ["registration_no", "category", "owner", "user_uscc", "region", "installed_on",
            "interval_months", "last_inspected", "last_conclusion", "next_due", "status"]
    r = s.sql(f"SELECT {', '.join(cols)} FROM equipment WHERE id = ?", (uid,))[0]
    return dict(zip(cols, r))


# -- the demo register --------------------------------------------------------------------------

def test_demo_register(s):
    assert s.scalar("SELECT count(*) FROM equipment") == 760
    by_cat = dict(s.sql("SELECT category, count(*) FROM equipment GROUP BY category"))
    assert set(by_cat) <= set(CATEGORIES)
    assert by_cat["elevator"] > by_cat["pressure_vessel"] > by_cat["lifting"] > by_cat["boiler"]
    assert 0.35 < by_cat["elevator"] / 760 < 0.45
    # Every unit's region is its owner's; owners are active entities; numbers are well-formed.
    assert s.scalar("SELECT count(*) FROM equipment q JOIN entities e ON e.uscc = q.owner"
                    " WHERE e.region <> q.region OR e.status <> 'active'") == 0
    nos = [r[0] for r in s.sql("SELECT registration_no FROM equipment")]
    assert len(set(nos)) == 760 and all(REG.match(n) for n in nos), nos[:3]
    statuses = dict(s.sql("SELECT status, count(*) FROM equipment GROUP BY status"))
    assert statuses["in_use"] > 700 and statuses["idle"] > 0
    # A few overdue, the enterprise login's among them; history for the last period.
    t = iso(today())
    overdue = s.scalar("SELECT count(*) FROM equipment WHERE status = 'in_use' AND next_due < ?",
                       (t,))
    assert 1 <= overdue <= 12
    assert s.scalar("SELECT count(*) FROM equipment_inspections") > 700
    mine = s.sql("SELECT next_due FROM equipment WHERE owner = ?", (s.entity,))
    assert len(mine) >= 6 and sum(1 for (d,) in mine if d < t) >= 1


def hand_rate(s, frm, to, key="region"):
    """The 定检率 of [frm, to] recomputed from the rows, as equipment.h defines it."""
    t = today()
    dues = {}
    for unit, due, first in s.sql("SELECT unit, due_on, min(inspected_on) FROM"
                                  " equipment_inspections WHERE due_on >= ? AND due_on <= ?"
                                  " GROUP BY unit, due_on", (frm, to)):
        dues[(unit, due)] = first
    for unit, due in s.sql("SELECT id, next_due FROM equipment WHERE status = 'in_use' AND"
                           " next_due >= ? AND next_due <= ?", (frm, to)):
        dues.setdefault((unit, due), None)
    group = dict(s.sql(f"SELECT id, {key} FROM equipment"))
    out = {}
    for (unit, due), first in dues.items():
        d = datetime.date.fromisoformat(due)
        if first is None:
            state = "missed" if d < t else "pending"
        else:
            f = datetime.date.fromisoformat(first)
            state = "late" if f > d else "on_time" if f >= add_months(d, -3) else "early"
        for k in ("total", group[unit]):
            c = out.setdefault(k, dict.fromkeys(
                ("due", "on_time", "early", "late", "missed", "pending"), 0))
            c["due"] += 1
            c[state] += 1
    return out


def check_figures(got, want):
    for k in ("due", "on_time", "early", "late", "missed", "pending"):
        assert got[k] == want[k], (k, got, want)
    counted = want["due"] - want["pending"]
    if counted:
        assert got["rate"] == round((want["on_time"] + want["early"]) / counted, 4)
    else:
        assert got["rate"] is None


def test_demo_rate_first_in_the_province(s):
    b = ok(get(s, RATE, "city"))
    t = today()
    assert b["from"] == f"{t.year}-01-01" and b["to"] == iso(t) and b["as_of"] == iso(t)
    assert b["by"] == "region" and b["window_months"] == 3
    assert b["total"]["rate"] >= 0.99, b["total"]
    want = hand_rate(s, b["from"], b["to"])
    check_figures(b["total"], want["total"])
    assert [g["key"] for g in b["groups"]] == [
        "371502", "371503", "371521", "371522", "371524", "371525", "371526", "371581",
        "371571", "371572", "371573"]
    for g in b["groups"]:
        assert has_chinese(g["label"])
        check_figures(g, want.get(g["key"], dict.fromkeys(
            ("due", "on_time", "early", "late", "missed", "pending"), 0)))
    b = ok(get(s, RATE, "inspector", by="category", **{"from": "2025-06-01", "to": iso(t)}))
    want = hand_rate(s, "2025-06-01", iso(t), "category")
    assert [g["key"] for g in b["groups"]] == CATEGORIES
    check_figures(b["total"], want["total"])
    for g in b["groups"]:
        if g["key"] in want:
            check_figures(g, want[g["key"]])
        else:
            assert g["due"] == 0 and g["rate"] is None


def test_categories(s):
    for who in ("city", "inspector", "enterprise", "admin"):
        items = ok(get(s, CATS, who))["items"]
        assert [c["code"] for c in items] == CATEGORIES
    by = {c["code"]: c for c in items}
    assert by["elevator"]["interval_months"] == 12 and by["elevator"]["reg_char"] == "梯"
    assert by["pressure_vessel"]["interval_months"] == 36
    assert by["lifting"]["interval_months"] == 24 and "TSG Q7015" in by["lifting"]["basis"]
    assert all(has_chinese(c["name"]) and "TSG" in c["basis"] for c in items)
    assert_refused(s.req("GET", CATS), 401, "unauthorized")


# -- registration ------------------------------------------------------------------------------

def test_create(s):
    owner = free_entity(s)
    before = counts(s)
    u = create(s, body(owner))
    assert u["region"] == OWN and u["owner"] == owner and u["user_uscc"] == owner
    assert u["owner_name"] == u["user_name"] and has_chinese(u["owner_name"])
    assert u["category_name"] == "电梯" and u["cycle_months"] == 12
    assert u["next_due"] == "2027-03-10" and u["status"] == "in_use"
    assert u["overdue"] is False and u["days_left"] == (datetime.date(2027, 3, 10) - today()).days
    r = row(s, u["id"])
    assert r["next_due"] == "2027-03-10" and r["region"] == OWN and r["user_uscc"] == owner
    assert r["interval_months"] is None and r["last_conclusion"] == "qualified"
    assert counts(s) == (before[0] + 1, before[1], before[2] + 1)
    assert s.scalar("SELECT action FROM audit_log WHERE object = ? ORDER BY id DESC LIMIT 1",
                    (f"equipment:{u['id']}",)) == "equipment.create"
    assert ok(get(s, f"{EQ}/{u['id']}", "city")) == u
    # Its own interval, a user other than the owner, a lower-case code, from the installation.
    user = free_entity(s, offset=1)
    u = create(s, body(owner.lower(), category="pressure_vessel",
                       registration_no=reg("容", "21"), interval_months=72,
                       user_uscc=user.lower(), last_inspected=..., last_conclusion=...,
                       installed_on="2024-02-29"))
    assert u["owner"] == owner and u["user_uscc"] == user and u["user_name"] != u["owner_name"]
    assert u["next_due"] == "2030-02-28" and u["cycle_months"] == 72
    assert u["last_inspected"] is None
    # A due date given; idle.
    u = create(s, body(owner, next_due="2027-01-31", status="idle"), "county")
    assert u["next_due"] == "2027-01-31" and u["status"] == "idle" and u["days_left"] is None


def test_create_refusals_change_nothing(s):
    owner = free_entity(s)
    city = s.tokens["city"]
    before = counts(s)
    taken = s.scalar("SELECT registration_no FROM equipment ORDER BY id LIMIT 1")
    cases = [
        (body(owner, registration_no="容21鲁P00001(09)"), "validation_failed", "registration_no"),
        (body(owner, registration_no="梯31鲁P001(09)"), "validation_failed", "registration_no"),
        (body(owner, category="spaceship"), "unknown_category", "category"),
        (body("91371502MA3C99999X"), "unknown_entity", "owner"),
        (body(owner, user_uscc="91371502MA3C99999X"), "unknown_entity", "user_uscc"),
        (body(owner, interval_months="12"), "validation_failed", "interval_months"),
        (body(owner, interval_months=0), "validation_failed", "interval_months"),
        (body(owner, interval_months=121), "validation_failed", "interval_months"),
        (body(owner, installed_on="2019-02-30"), "validation_failed", "installed_on"),
        (body(owner, installed_on="2999-01-01"), "validation_failed", "installed_on"),
        (body(owner, last_inspected="2018-01-01"), "validation_failed", "last_inspected"),
        (body(owner, last_conclusion=...), "validation_failed", "last_conclusion"),
        (body(owner, last_conclusion="passed"), "validation_failed", "last_conclusion"),
        (body(owner, last_inspected=..., last_conclusion=..., installed_on=...),
         "validation_failed", "next_due"),
        (body(owner, next_due="2026-03-10"), "validation_failed", "next_due"),
        (body(owner, status="scrapped"), "validation_failed", "status"),
        (body(owner, status="broken"), "validation_failed", "status"),
        (body(owner, registration_no=...), "validation_failed", None),
        (body(...), "validation_failed", None),
        (body(owner, model=123), "validation_failed", "model"),
        (body(owner, registration_no=["梯"]), "validation_failed", "registration_no"),
    ]
    for b, code, field in cases:
        r = s.req("POST", EQ, b, token=city)
        assert_refused(r, 422, code, field)
    inactive = s.scalar("SELECT uscc FROM entities WHERE status <> 'active' LIMIT 1")
    assert_refused(s.req("POST", EQ, body(inactive), token=city), 422, "entity_inactive", "owner")
    assert_refused(s.req("POST", EQ, body(owner, registration_no=taken), token=city), 409,
                   "duplicate", "registration_no")
    r = s.req("POST", EQ, raw=b'{"registration_no":', token=city,
              headers={"Content-Type": "application/json"})
    assert_refused(r, 400, "malformed_json")
    r = s.req("POST", EQ, raw=b'[]', token=city, headers={"Content-Type": "application/json"})
    assert_refused(r, 400, "malformed_json")
    r = s.req("POST", EQ, raw=b'{"x": 1}', token=city, headers={"Content-Type": "text/plain"})
    assert r.status == 415
    assert s.req("POST", EQ, body(owner, address="长" * 20000), token=city).status == 413
    assert_refused(s.req("POST", EQ, body(owner)), 401, "unauthorized")
    for who in ("inspector", "enterprise"):
        assert_refused(s.req("POST", EQ, body(owner), token=s.tokens[who]), 403, "forbidden")
    # County staff register their county's owners only.
    assert_refused(s.req("POST", EQ, body(free_entity(s, OTHER)), token=s.tokens["county"]), 403,
                   "forbidden", "owner")
    assert counts(s) == before


# -- reading and scoping -----------------------------------------------------------------------

def test_get_and_scope(s):
    mine = s.scalar("SELECT id FROM equipment WHERE region = ? ORDER BY id LIMIT 1", (OWN,))
    other = s.scalar("SELECT id FROM equipment WHERE region = ? AND owner <> ? ORDER BY id"
                     " LIMIT 1", (OTHER, s.entity))
    assert ok(get(s, f"{EQ}/{mine}", "county"))["region"] == OWN
    assert_refused(get(s, f"{EQ}/{other}", "county"), 403, "forbidden")
    assert ok(get(s, f"{EQ}/{other}", "inspector"))["id"] == other
    # The enterprise sees its own units; others' look absent.
    own = s.scalar("SELECT min(id) FROM equipment WHERE owner = ?", (s.entity,))
    assert ok(get(s, f"{EQ}/{own}", "enterprise"))["owner"] == s.entity
    assert_refused(get(s, f"{EQ}/{other}", "enterprise"), 404, "not_found")
    assert_refused(get(s, f"{EQ}/{other}/inspections", "enterprise"), 404, "not_found")
    assert ok(get(s, f"{EQ}/{own}/inspections", "enterprise"))["items"]
    for bad in ("999999", "abc", "0", "-1"):
        assert_refused(get(s, f"{EQ}/{bad}", "city"), 404)
    assert_refused(s.req("GET", f"{EQ}/{mine}"), 401, "unauthorized")
    assert s.req("DELETE", f"{EQ}/{mine}", token=s.tokens["city"]).status == 405


def test_list_scoping(s):
    b = ok(get(s, EQ, "county", page_size=200))
    assert b["total"] == s.scalar("SELECT count(*) FROM equipment WHERE region = ?", (OWN,))
    assert {i["region"] for i in b["items"]} == {OWN}
    # Another county asked for: still their own.
    assert ok(get(s, EQ, "county", region=OTHER, page_size=1))["total"] == b["total"]
    assert ok(get(s, EQ, "city", region=OTHER, page_size=1))["total"] == \
        s.scalar("SELECT count(*) FROM equipment WHERE region = ?", (OTHER,))
    # The city's own code is the whole city.
    assert ok(get(s, EQ, "city", region="371500", page_size=1))["total"] == \
        s.scalar("SELECT count(*) FROM equipment")
    e = ok(get(s, EQ, "enterprise", page_size=200, region=OTHER))
    assert e["total"] == s.scalar("SELECT count(*) FROM equipment WHERE owner = ? OR"
                                  " user_uscc = ?", (s.entity, s.entity)) >= 6
    assert all(s.entity in (i["owner"], i["user_uscc"]) for i in e["items"])
    # Most urgent first.
    dues = [i["next_due"] for i in ok(get(s, EQ, "city", page_size=200))["items"]]
    assert dues == sorted(dues)
    assert ok(get(s, EQ, "city", q="梯", page_size=1))["total"] == \
        s.scalar("SELECT count(*) FROM equipment WHERE category = 'elevator'")
    first = s.scalar("SELECT registration_no FROM equipment ORDER BY id LIMIT 1")
    got = ok(get(s, EQ, "city", q=first[:9], page_size=200))["items"]
    assert got and all(i["registration_no"].startswith(first[:9]) for i in got)
    # Exports come with the list.
    r = get(s, EQ, "county", format="csv")
    assert r.status == 200 and r.raw.decode("utf-8").lstrip("\ufeff").startswith("id,")
    assert_refused(get(s, EQ, "city", sort="bogus"), 422, "validation_failed", "sort")


# -- changes ------------------------------------------------------------------------------------

def patch(s, uid, b, who="city", status=200):
    r = s.req("PATCH", f"{EQ}/{uid}", b, token=s.tokens[who])
    assert r.status == status, (r.status, r.raw[:400])
    return r.body


def test_patch(s):
    owner = free_entity(s, offset=2)
    u = create(s, body(owner))
    uid = u["id"]
    # Its own interval: the due date follows.
    v = patch(s, uid, {"interval_months": 6})
    assert v["next_due"] == "2026-09-10" and row(s, uid)["next_due"] == "2026-09-10"
    assert v["overdue"] is True
    v = patch(s, uid, {"interval_months": None})
    assert v["next_due"] == "2027-03-10"
    # Given, then asked to compute again.
    assert patch(s, uid, {"next_due": "2027-01-15"})["next_due"] == "2027-01-15"
    assert patch(s, uid, {"model": "新型号"})["next_due"] == "2027-01-15"
    assert patch(s, uid, {"next_due": None})["next_due"] == "2027-03-10"
    assert_refused(s.req("PATCH", f"{EQ}/{uid}", {"next_due": "2026-03-10"},
                         token=s.tokens["city"]), 422, "validation_failed", "next_due")
    # The last inspection moves through inspections only.
    assert_refused(s.req("PATCH", f"{EQ}/{uid}", {"last_inspected": "2026-04-01"},
                         token=s.tokens["city"]), 422, "validation_failed", "last_inspected")
    # A new owner in another county: its region; the user follows the owner.
    other = free_entity(s, OTHER)
    v = patch(s, uid, {"owner": other})
    assert (v["owner"], v["user_uscc"], v["region"]) == (other, other, OTHER)
    assert row(s, uid)["region"] == OTHER
    assert_refused(s.req("PATCH", f"{EQ}/{uid}", {"owner": owner}, token=s.tokens["county"]),
                   403, "forbidden")
    v = patch(s, uid, {"owner": owner, "user_uscc": other})
    assert (v["owner"], v["user_uscc"], v["region"]) == (owner, other, OWN)
    assert patch(s, uid, {"user_uscc": None})["user_uscc"] == owner
    # Statuses: idle and back, then scrapped for good.
    assert patch(s, uid, {"status": "idle"}, "county")["status"] == "idle"
    assert patch(s, uid, {"status": "in_use"})["status"] == "in_use"
    assert patch(s, uid, {"status": "scrapped"})["status"] == "scrapped"
    before = counts(s)
    for b in ({"status": "in_use"}, {"model": "x"}):
        assert_refused(s.req("PATCH", f"{EQ}/{uid}", b, token=s.tokens["city"]), 409,
                       "invalid_state")
    assert counts(s) == before
    diff = s.scalar("SELECT detail FROM audit_log WHERE object = ? AND action ="
                    " 'equipment.update' ORDER BY id DESC LIMIT 1", (f"equipment:{uid}",))
    assert '"status"' in diff and '"scrapped"' in diff


def test_patch_refusals(s):
    owner = free_entity(s, offset=3)
    u = create(s, body(owner))
    uid = u["id"]
    taken = s.scalar("SELECT registration_no FROM equipment WHERE id <> ? ORDER BY id LIMIT 1",
                     (uid,))
    before = counts(s)
    city = s.tokens["city"]
    for b, status, code, field in [
        ({}, 422, "validation_failed", None),
        ({"registration_no": taken}, 409, "duplicate", "registration_no"),
        ({"category": "boiler"}, 422, "validation_failed", "registration_no"),
        ({"category": "nope"}, 422, "unknown_category", "category"),
        ({"owner": "91371502MA3C99999X"}, 422, "unknown_entity", "owner"),
        ({"status": "lost"}, 422, "validation_failed", "status"),
        ({"interval_months": 1.5}, 422, "validation_failed", "interval_months"),
        ({"installed_on": "2026-13-01"}, 422, "validation_failed", "installed_on"),
        ({"installed_on": "2026-04-01"}, 422, "validation_failed", "last_inspected"),
    ]:
        assert_refused(s.req("PATCH", f"{EQ}/{uid}", b, token=city), status, code, field)
    r = s.req("PATCH", f"{EQ}/{uid}", raw=b"{", token=city,
              headers={"Content-Type": "application/json"})
    assert_refused(r, 400, "malformed_json")
    assert s.req("PATCH", f"{EQ}/{uid}", {"address": "长" * 20000}, token=city).status == 413
    for who in ("inspector", "enterprise"):
        assert_refused(s.req("PATCH", f"{EQ}/{uid}", {"model": "x"}, token=s.tokens[who]), 403)
    assert_refused(s.req("PATCH", f"{EQ}/999999", {"model": "x"}, token=city), 404, "not_found")
    other = s.scalar("SELECT id FROM equipment WHERE region = ? AND status <> 'scrapped'"
                     " ORDER BY id LIMIT 1", (OTHER,))
    assert_refused(s.req("PATCH", f"{EQ}/{other}", {"model": "x"}, token=s.tokens["county"]),
                   403, "forbidden")
    assert counts(s) == before


# -- inspections --------------------------------------------------------------------------------

def inspect(s, uid, b, who="city", status=201):
    r = s.req("POST", f"{EQ}/{uid}/inspections", b, token=s.tokens[who])
    assert r.status == status, (r.status, r.raw[:400])
    return r.body


def test_inspections(s):
    owner = free_entity(s, offset=4)
    u = create(s, body(owner, next_due="2026-06-30"))
    uid = u["id"]
    assert u["overdue"] is True
    before = counts(s)
    b = inspect(s, uid, {"inspected_on": "2026-07-20", "conclusion": "unqualified",
                         "inspector_org": "聊城市特种设备检验研究院", "report_no": "TS-1"})
    h = b["inspection"]
    assert (h["unit"], h["due_on"], h["next_due"], h["timeliness"]) == \
        (uid, "2026-06-30", "2026-06-30", "late")
    assert b["unit"]["last_conclusion"] == "unqualified" and b["unit"]["overdue"] is True
    b = inspect(s, uid, {"inspected_on": "2026-08-01", "conclusion": "qualified",
                         "inspector_org": "聊城市特种设备检验研究院"})
    assert b["unit"]["next_due"] == "2027-08-01" and b["unit"]["overdue"] is False
    assert b["inspection"]["report_no"] == "" and b["inspection"]["recorded_by"] > 0
    r = row(s, uid)
    assert (r["last_inspected"], r["last_conclusion"], r["next_due"]) == \
        ("2026-08-01", "qualified", "2027-08-01")
    assert counts(s) == (before[0], before[1] + 2, before[2] + 2)
    # The report's own due date.
    b = inspect(s, uid, {"inspected_on": "2026-08-01", "conclusion": "basically_qualified",
                         "inspector_org": "检验机构", "next_due": "2027-06-30"}, "admin")
    assert b["unit"]["next_due"] == "2027-06-30"
    hist = ok(get(s, f"{EQ}/{uid}/inspections", "inspector"))["items"]
    assert [h["conclusion"] for h in hist] == ["basically_qualified", "qualified", "unqualified"]
    assert [h["due_on"] for h in hist] == ["2027-08-01", "2026-06-30", "2026-06-30"]
    assert hist[0]["timeliness"] == "early"
    # Refusals change nothing.
    before = counts(s)
    t = today()
    for bad, code, field in [
        ({"inspected_on": iso(t + datetime.timedelta(days=1)), "conclusion": "qualified",
          "inspector_org": "x"}, "validation_failed", "inspected_on"),
        ({"inspected_on": "2026-07-31", "conclusion": "qualified", "inspector_org": "x"},
         "validation_failed", "inspected_on"),
        ({"inspected_on": "2026-08-02", "conclusion": "qualified", "inspector_org": "x",
          "next_due": "2026-08-02"}, "validation_failed", "next_due"),
        ({"inspected_on": "2026-08-02", "conclusion": "good", "inspector_org": "x"},
         "validation_failed", "conclusion"),
        ({"inspected_on": "2026-08-02", "conclusion": "qualified"}, "validation_failed", None),
        ({"inspected_on": 20260802, "conclusion": "qualified", "inspector_org": "x"},
         "validation_failed", "inspected_on"),
    ]:
        assert_refused(s.req("POST", f"{EQ}/{uid}/inspections", bad, token=s.tokens["city"]),
                       422, code, field)
    ok_body = {"inspected_on": "2026-08-02", "conclusion": "qualified", "inspector_org": "x"}
    for who in ("inspector", "enterprise"):
        assert_refused(s.req("POST", f"{EQ}/{uid}/inspections", ok_body, token=s.tokens[who]),
                       403, "forbidden")
    assert_refused(s.req("POST", f"{EQ}/{uid}/inspections", ok_body), 401, "unauthorized")
    assert_refused(s.req("POST", f"{EQ}/999999/inspections", ok_body, token=s.tokens["city"]),
                   404, "not_found")
    r = s.req("POST", f"{EQ}/{uid}/inspections", raw=b'{"conclusion"', token=s.tokens["city"],
              headers={"Content-Type": "application/json"})
    assert_refused(r, 400, "malformed_json")
    big = dict(ok_body, inspector_org="长" * 5000)
    assert s.req("POST", f"{EQ}/{uid}/inspections", big, token=s.tokens["city"]).status == 413
    other = s.scalar("SELECT id FROM equipment WHERE region = ? ORDER BY id LIMIT 1", (OTHER,))
    assert_refused(s.req("POST", f"{EQ}/{other}/inspections", ok_body, token=s.tokens["county"]),
                   403, "forbidden")
    patch(s, uid, {"status": "scrapped"})
    before = counts(s)
    assert_refused(s.req("POST", f"{EQ}/{uid}/inspections", ok_body, token=s.tokens["city"]),
                   409, "invalid_state")
    assert counts(s) == before


# -- due and overdue filters on hand-made units -------------------------------------------------

def test_due_and_overdue_filters(s):
    owner = free_entity(s, offset=5)
    t = today()
    made = {}
    for name, days, status in [("overdue", -5, "in_use"), ("today", 0, "in_use"),
                               ("d30", 30, "in_use"), ("d31", 31, "in_use"),
                               ("idle", -40, "idle"), ("scrap", -60, "in_use")]:
        b = body(owner, last_inspected=..., last_conclusion=..., installed_on="2015-01-01",
                 next_due=iso(t + datetime.timedelta(days=days)), status=status)
        made[name] = create(s, b)["id"]
    patch(s, made["scrap"], {"status": "scrapped"})

    def ids(**q):
        b = ok(get(s, EQ, "city", owner=owner, page_size=200, **q))
        assert b["total"] == len(b["items"])
        return {k for k, v in made.items() if v in {i["id"] for i in b["items"]}}

    assert ids() == set(made)
    assert ids(overdue=1) == {"overdue"}
    assert ids(overdue="true") == {"overdue"}
    assert ids(overdue=0) == {"today", "d30", "d31", "idle", "scrap"}
    assert ids(due_within=30) == {"today", "d30"}
    assert ids(due_within=31) == {"today", "d30", "d31"}
    assert ids(due_within=0) == {"today"}
    assert ids(due_within=30, overdue=0) == {"today", "d30"}
    assert ids(due_within=30, overdue=1) == set()
    assert ids(status="idle") == {"idle"}
    assert ids(category="elevator", status="in_use") == {"overdue", "today", "d30", "d31"}
    item = ok(get(s, EQ, "city", owner=owner, overdue=1))["items"][0]
    assert item["overdue"] is True and item["days_left"] == -5
    # The city's whole overdue list agrees with the rows.
    n = s.scalar("SELECT count(*) FROM equipment WHERE status = 'in_use' AND next_due < ?",
                 (iso(t),))
    assert ok(get(s, EQ, "city", overdue=1, page_size=1))["total"] == n
    n = s.scalar("SELECT count(*) FROM equipment WHERE status = 'in_use' AND next_due >= ? AND"
                 " next_due <= ?", (iso(t), iso(t + datetime.timedelta(days=30))))
    assert ok(get(s, EQ, "city", due_within=30, page_size=1))["total"] == n
    for name, value in [("due_within", "-1"), ("due_within", "3651"), ("due_within", "abc"),
                        ("due_within", "1.5"), ("overdue", "maybe"), ("status", "lost"),
                        ("region", "999999"), ("q", "x" * 30)]:
        assert_refused(get(s, EQ, "city", **{name: value}), 422, "validation_failed", name)


# -- the rate of a hand-made period -------------------------------------------------------------

def test_rate_of_a_hand_made_period(s):
    owner = free_entity(s, offset=6)
    units = {}
    for name, due, cat, status in [("on_time", "2010-03-01", "elevator", "in_use"),
                                   ("late", "2010-03-01", "elevator", "in_use"),
                                   ("early", "2010-05-31", "boiler", "in_use"),
                                   ("edge", "2010-05-31", "boiler", "in_use"),
                                   ("missed", "2010-06-30", "elevator", "in_use"),
                                   ("idle", "2010-06-30", "elevator", "idle")]:
        char, var = ("梯", "31") if cat == "elevator" else ("锅", "11")
        b = body(owner, category=cat, registration_no=reg(char, var, "09"), last_inspected=...,
                 last_conclusion=..., installed_on="2009-01-01", next_due=due, status=status)
        units[name] = create(s, b)["id"]
    org = "聊城市特种设备检验研究院"
    for name, on in [("on_time", "2010-02-15"), ("late", "2010-04-01"), ("early", "2010-02-27"),
                     ("edge", "2010-02-28")]:
        inspect(s, units[name], {"inspected_on": on, "conclusion": "qualified",
                                 "inspector_org": org})
    q = {"from": "2010-01-01", "to": "2010-12-31"}
    b = ok(get(s, RATE, "city", **q))
    want = {"due": 5, "on_time": 2, "early": 1, "late": 1, "missed": 1, "pending": 0}
    check_figures(b["total"], want)
    assert b["total"]["rate"] == 0.6
    g = {x["key"]: x for x in b["groups"]}
    check_figures(g[OWN], want)
    assert g[OTHER]["due"] == 0 and g[OTHER]["rate"] is None
    b = ok(get(s, RATE, "county", by="category", **q))
    assert b["region"] == OWN and len(b["groups"]) == 9
    g = {x["key"]: x for x in b["groups"]}
    check_figures(g["elevator"], {"due": 3, "on_time": 1, "early": 0, "late": 1, "missed": 1,
                                  "pending": 0})
    check_figures(g["boiler"], {"due": 2, "on_time": 1, "early": 1, "late": 0, "missed": 0,
                                "pending": 0})
    b = ok(get(s, RATE, "city", category="boiler", region=OWN, **q))
    assert b["total"]["due"] == 2 and b["total"]["rate"] == 1.0 and len(b["groups"]) == 1
    # The bounds are days, both included.
    assert ok(get(s, RATE, "city", **{"from": "2010-03-01", "to": "2010-03-01"}))["total"]["due"] == 2
    assert ok(get(s, RATE, "city", **{"from": "2010-03-02", "to": "2010-05-30"}))["total"]["due"] == 0
    # Refusals.
    for params, field in [({"from": "2010-02-30"}, "from"), ({"to": "x"}, "to"),
                          ({"from": "2011-01-01", "to": "2010-01-01"}, "to"),
                          ({"from": "1990-01-01", "to": "2010-01-01"}, "to"),
                          ({"by": "owner"}, "by"), ({"region": "999999"}, "region"),
                          ({"category": "nope"}, "category")]:
        assert_refused(get(s, RATE, "city", **params), 422, "validation_failed", field)
    assert_refused(get(s, RATE, "county", region=OTHER), 403, "forbidden", "region")
    assert ok(get(s, RATE, "county", region=OWN, **q))["total"]["due"] == 5
    assert_refused(get(s, RATE, "enterprise"), 403, "forbidden")
    assert_refused(s.req("GET", RATE), 401, "unauthorized")


# -- the rate and list counts are cached until the next write ------------------------------------

def test_cached_answers_follow_writes(s):
    """The 定检率 and list totals come from one cache (src/http/cache.h), kept until the next
    write: an inspection recorded shows in the very next answer, and no two questions (period,
    grouping, county, category) ever get each other's answer."""
    owner = free_entity(s, offset=7)
    units = []
    for due in ("2005-03-01", "2005-03-01", "2005-09-30"):
        b = body(owner, registration_no=reg("梯", "31", "03"), last_inspected=...,
                 last_conclusion=..., installed_on="2003-01-01", next_due=due)
        units.append(create(s, b)["id"])
    year = {"from": "2005-01-01", "to": "2005-12-31"}
    first = ok(get(s, RATE, "city", **year))
    assert ok(get(s, RATE, "city", **year)) == first  # the second from the cache
    check_figures(first["total"], {"due": 3, "on_time": 0, "early": 0, "late": 0, "missed": 3,
                                   "pending": 0})
    # A write: the next answer is computed afresh.
    inspect(s, units[0], {"inspected_on": "2005-02-20", "conclusion": "qualified",
                          "inspector_org": "聊城市特种设备检验研究院"})
    after = ok(get(s, RATE, "city", **year))
    check_figures(after["total"], {"due": 3, "on_time": 1, "early": 0, "late": 0, "missed": 2,
                                   "pending": 0})
    assert after["total"]["rate"] == round(1 / 3, 4)
    # Different questions, each asked twice and interleaved, keep their own answers.
    questions = [
        ("city", dict(year)),
        ("city", dict(year, by="category")),
        ("city", {"from": "2005-03-01", "to": "2005-03-01"}),
        ("city", {"from": "2005-09-01", "to": "2005-12-31"}),
        ("city", dict(year, region=OWN)),
        ("city", dict(year, region=OTHER)),
        ("city", dict(year, category="elevator")),
        ("city", dict(year, category="boiler")),
        ("county", dict(year)),
        ("county", dict(year, by="category")),
    ]
    answers = [ok(get(s, RATE, who, **q)) for who, q in questions]
    for (who, q), a in zip(questions * 2, answers * 2):
        b = ok(get(s, RATE, who, **q))
        assert b == a, (who, q)
        assert (b["from"], b["to"]) == (q["from"], q["to"])
        assert b["by"] == q.get("by", "region")
        assert b["region"] == (OWN if who == "county" else q.get("region"))
        assert b["category"] == q.get("category")
    due = [a["total"]["due"] for a in answers]
    assert due[0] == 3 and due[2] == 2 and due[3] == 1 and due[4] == 3 and due[5] == 0
    assert due[6] == 3 and due[7] == 0 and due[8] == 3
    assert len(answers[1]["groups"]) == 9 and len(answers[9]["groups"]) == 9
    # List totals: the same cache, the same rule.
    n = ok(get(s, EQ, "city", owner=owner, page_size=1))["total"]
    assert n == 3 and ok(get(s, EQ, "city", owner=owner, page_size=1))["total"] == 3
    assert ok(get(s, EQ, "city", owner=owner, overdue=1, page_size=1))["total"] == 3
    assert ok(get(s, EQ, "city", owner=owner, overdue=0, page_size=1))["total"] == 0
    create(s, body(owner, registration_no=reg("梯", "31", "03"), last_inspected=...,
                   last_conclusion=..., installed_on="2003-01-01",
                   next_due=iso(today() + datetime.timedelta(days=60))))
    assert ok(get(s, EQ, "city", owner=owner, page_size=1))["total"] == 4
    assert ok(get(s, EQ, "city", owner=owner, overdue=1, page_size=1))["total"] == 3
    assert ok(get(s, EQ, "city", owner=owner, overdue=0, page_size=1))["total"] == 1
    patch(s, units[2], {"status": "idle"})
    assert ok(get(s, EQ, "city", owner=owner, overdue=1, page_size=1))["total"] == 2
    assert ok(get(s, RATE, "city", **year))["total"]["due"] == 2  # an idle unit owes nothing


# -- reminders ----------------------------------------------------------------------------------

def test_reminders(s):
    t = today()
    horizon = iso(t + datetime.timedelta(days=30))

    def sql_counts(where="", params=()):
        rows = s.sql("SELECT region, sum(CASE WHEN next_due < ? THEN 1 ELSE 0 END), count(*)"
                     " FROM equipment WHERE status = 'in_use' AND next_due <= ?" + where +
                     " GROUP BY region ORDER BY region", (iso(t), horizon) + params)
        return [(r, int(o), int(n) - int(o)) for r, o, n in rows]

    b = ok(get(s, REMIND, "city"))
    assert b["scope"] == "city" and b["days"] == 30 and b["as_of"] == iso(t)
    want = sql_counts()
    assert [(g["region"], g["overdue"], g["due_soon"]) for g in b["regions"]] == want
    assert b["overdue"] == sum(w[1] for w in want) and b["due_soon"] == sum(w[2] for w in want)
    assert len(b["items"]) == min(100, b["overdue"] + b["due_soon"])
    assert b["more"] is (b["overdue"] + b["due_soon"] > 100)
    dues = [i["next_due"] for i in b["items"]]
    assert dues == sorted(dues) and all(d <= horizon for d in dues)
    assert all(i["status"] == "in_use" for i in b["items"])
    b = ok(get(s, REMIND, "county", limit=3))
    assert b["scope"] == "region" and b["region"] == OWN
    assert [(g["region"], g["overdue"], g["due_soon"]) for g in b["regions"]] == \
        sql_counts(" AND region = ?", (OWN,))
    assert len(b["items"]) <= 3 and all(i["region"] == OWN for i in b["items"])
    b = ok(get(s, REMIND, "enterprise"))
    assert b["scope"] == "entity" and b["uscc"] == s.entity
    mine = sql_counts(" AND (owner = ? OR user_uscc = ?)", (s.entity, s.entity))
    assert b["overdue"] == sum(w[1] for w in mine) >= 1
    assert b["due_soon"] == sum(w[2] for w in mine) >= 2
    assert all(s.entity in (i["owner"], i["user_uscc"]) for i in b["items"])
    assert any(i["overdue"] for i in b["items"])
    assert ok(get(s, REMIND, "inspector"))["scope"] == "city"
    assert_refused(get(s, REMIND, "city", limit=0), 422, "validation_failed", "limit")
    assert_refused(get(s, REMIND, "city", limit=201), 422, "validation_failed", "limit")
    assert_refused(s.req("GET", REMIND), 401, "unauthorized")
