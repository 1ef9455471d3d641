"""M7 gas-cylinder filling control (扫码限充、阳光充装): stations, fillers and cylinders with
their database state; the check with every refusal reason alone and together; fillings, refused
ones recording nothing; two simultaneous fillings of one cylinder (exactly one succeeds); the
offline batch with per-item answers; the public look-up; lists and data scope; bad input; and
SIGKILL during a filling load (every 201 survives)."""

import datetime
import random
import signal
import threading
import time

import pytest

import dbkit
from conftest import PASSWORD, Server, assert_refused, has_chinese, serving, valid_uscc

TYPES = "/api/v1/cylinder-types"
STATIONS = "/api/v1/stations"
FILLERS = "/api/v1/fillers"
CYL = "/api/v1/cylinders"
CHECK = "/api/v1/fillings/check"
FILL = "/api/v1/fillings"
BATCH = "/api/v1/fillings/batch"
CHECKS = "/api/v1/filling-checks"
PUBLIC = "/api/v1/public/cylinders"


def today():
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8)).date()


def day(offset=0, years=0):
    d = today() + datetime.timedelta(days=offset)
    if years:
        try:
            d = d.replace(year=d.year + years)
        except ValueError:  # 29 February
            d = d.replace(year=d.year + years, day=28)
    return d.isoformat()


def instant(seconds_from_now=0):
    t = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8)))
    t += datetime.timedelta(seconds=seconds_from_now)
    return t.replace(microsecond=0).isoformat()


class World:
    """Two stations (A in 371502, B in 371503) with their fillers and scanner tokens."""

    def __init__(self, s, tag):
        self.s = s
        admin = s.tokens["admin"]
        self.a, self.b = valid_uscc(f"{tag}A00001"), valid_uscc(f"{tag}B00001", "371503")
        for code, region in ((self.a, "371502"), (self.b, "371503")):
            r = s.req("POST", "/api/v1/entities", {"uscc": code, "name": f"聊城{tag}液化气有限公司{region}",
                                                   "kind": "enterprise", "region": region},
                      token=admin)
            assert r.status == 201, r.raw
            r = s.req("POST", STATIONS, {"uscc": code, "licence_no": f"TS{tag}{region}",
                                         "licence_expires": day(365), "media": ["LPG"]},
                      token=admin)
            assert r.status == 201, r.raw
        self.fa = self.filler(self.a, f"{tag}FA", day(365))
        self.fb = self.filler(self.b, f"{tag}FB", day(365))
        self.ta = self.scanner(self.a, f"scan{tag.lower()}a")
        self.tb = self.scanner(self.b, f"scan{tag.lower()}b")
        self.n = 0
        self.tag = tag

    def filler(self, station, cert, expires):
        r = self.s.req("POST", FILLERS, {"station": station, "name": "张充装", "cert_no": cert,
                                         "cert_expires": expires}, token=self.s.tokens["admin"])
        assert r.status == 201, r.raw
        return r.body["id"]

    def scanner(self, station, username):
        r = self.s.req("POST", "/api/v1/users", {"username": username, "password": PASSWORD,
                                                 "role": "station", "entity": station},
                       token=self.s.tokens["admin"])
        assert r.status == 201, r.raw
        r = self.s.cli("user", "token", "--db", self.s.db, "--username", username)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    def cylinder(self, station=None, **kw):
        self.n += 1
        body = {"code": f"T{self.tag}{self.n:06d}", "type": "YSP", "station": station or self.a,
                "manufactured": day(-400), "last_inspection": None, "status": "in_service"}
        body.update(kw)
        r = self.s.req("POST", CYL, body, token=self.s.tokens["admin"])
        assert r.status == 201, r.raw
        return body["code"]

    def check(self, code, filler=None, medium="LPG", token=None):
        r = self.s.req("POST", CHECK, {"cylinder": code, "filler": filler or self.fa,
                                       "medium": medium}, token=token or self.ta)
        assert r.status == 200, r.raw
        return r.body

    def fill(self, code, filler=None, before=17.0, after=31.5, token=None, **kw):
        body = {"cylinder": code, "filler": filler or self.fa, "medium": "LPG",
                "weight_before": before, "weight_after": after}
        body.update(kw)
        return self.s.req("POST", FILL, body, token=token or self.ta)


def codes_of(answer):
    return [x["code"] for x in answer.get("reasons", [])]


@pytest.fixture(scope="module")
def srv(template):
    with serving(template) as s:
        yield s


@pytest.fixture(scope="module")
def w(srv):
    return World(srv, "CY")


# -- types, stations, fillers, cylinders --------------------------------------------------------

def test_cylinder_types(srv):
    r = srv.req("GET", TYPES + "?page_size=200", token=srv.tokens["inspector"])
    assert r.status == 200, r.raw
    types = {t["code"]: t for t in r.body["items"]}
    ysp = types["YSP"]
    assert ysp["medium"] == "LPG" and ysp["inspection_years"] == 4
    assert ysp["design_years"] == 8 and ysp["extended_years"] == 12
    assert "GB 5842" in ysp["standard"] and "GB/T 8334" in ysp["inspection_standard"]
    assert types["WSP-O2"]["inspection_years"] == 3 and "GB/T 5099" in types["WSP-O2"]["standard"]
    assert types["RDP"]["medium"] == "C2H2" and "GB/T 11638" in types["RDP"]["standard"]
    assert types["CNG-1"]["inspection_years"] == 3
    assert srv.req("GET", TYPES).status == 401


def test_station_registration(srv, w):
    admin = srv.tokens["admin"]
    row = srv.sql("SELECT region, licence_no, media FROM cylinder_stations WHERE uscc = ?", (w.a,))
    assert row == [("371502", "TSCY371502", '["LPG"]')]
    r = srv.req("GET", f"{STATIONS}/{w.a}", token=admin)
    assert r.status == 200 and r.body["name"].startswith("聊城CY") and r.body["licence_expired"] is False
    assert r.body["fillers"] == 1
    # Twice, an unknown entity, bad media, a county user for another county, the wrong role.
    assert_refused(srv.req("POST", STATIONS, {"uscc": w.a, "licence_no": "X1", "licence_expires":
                                              day(10), "media": ["LPG"]}, token=admin), 409,
                   "duplicate")
    assert_refused(srv.req("POST", STATIONS, {"uscc": valid_uscc("CYX00009"), "licence_no": "X2",
                                              "licence_expires": day(10), "media": ["LPG"]},
                           token=admin), 422, "unknown_entity", "uscc")
    for media in ([], ["LPG", "LPG"], ["H2O"], "LPG"):
        r = srv.req("POST", STATIONS, {"uscc": w.a, "licence_no": "X3", "licence_expires": day(1),
                                       "media": media}, token=admin)
        assert_refused(r, 422, field="media")
    assert_refused(srv.req("POST", STATIONS, {"uscc": w.b, "licence_no": "X4", "licence_expires":
                                              day(1), "media": ["LPG"]},
                           token=srv.tokens["county"]), 403)
    assert_refused(srv.req("POST", STATIONS, {"uscc": w.b}, token=srv.tokens["inspector"]), 403)
    assert_refused(srv.req("POST", STATIONS, {"uscc": w.b}), 401)
    assert srv.scalar("SELECT count(*) FROM cylinder_stations WHERE licence_no LIKE 'X%'") == 0
    # Renewal.
    r = srv.req("PATCH", f"{STATIONS}/{w.b}", {"licence_expires": day(700)}, token=admin)
    assert r.status == 200 and r.body["licence_expires"] == day(700)
    # A station's scanner sees its own station only.
    assert srv.req("GET", f"{STATIONS}/{w.a}", token=w.ta).status == 200
    assert_refused(srv.req("GET", f"{STATIONS}/{w.b}", token=w.ta), 404)
    r = srv.req("GET", STATIONS, token=w.ta)
    assert r.status == 200 and [i["uscc"] for i in r.body["items"]] == [w.a]


def test_filler_registration(srv, w):
    admin = srv.tokens["admin"]
    assert srv.scalar("SELECT station FROM cylinder_fillers WHERE id = ?", (w.fa,)) == w.a
    assert_refused(srv.req("POST", FILLERS, {"station": w.a, "name": "李", "cert_no": "CYFA",
                                             "cert_expires": day(5)}, token=admin), 409, "duplicate")
    assert_refused(srv.req("POST", FILLERS, {"station": valid_uscc("CYX00008"), "name": "李",
                                             "cert_no": "CYNEW", "cert_expires": day(5)},
                           token=admin), 422, "unknown_station")
    assert_refused(srv.req("POST", FILLERS, {"station": w.a, "name": "李", "cert_no": "CYX",
                                             "cert_expires": "2026-02-30"}, token=admin), 422,
                   field="cert_expires")
    r = srv.req("GET", f"{FILLERS}/{w.fa}", token=w.ta)
    assert r.status == 200 and r.body["cert_expired"] is False
    assert_refused(srv.req("GET", f"{FILLERS}/{w.fb}", token=w.ta), 404)
    assert_refused(srv.req("GET", f"{FILLERS}/abc", token=admin), 404)


def test_cylinder_registration(srv, w):
    admin = srv.tokens["admin"]
    code = w.cylinder(manufactured="2020-03-10", last_inspection="2024-03-01")
    r = srv.req("GET", f"{CYL}/{code.lower()}", token=admin)
    assert r.status == 200, r.raw
    assert r.body["next_inspection"] == "2028-03-01" and r.body["life_ends"] == "2028-03-10"
    assert r.body["medium"] == "LPG" and r.body["ownership"] == "owned"
    assert srv.sql("SELECT station, region, status FROM cylinders WHERE code = ?", (code,)) == [
        (w.a, "371502", "in_service")]
    # The owning station registers its own, the code upper-cased; not another station's.
    r = srv.req("POST", CYL, {"code": "tcy-own-0001", "type": "YSP", "manufactured": day(-30),
                              "ownership": "custody"}, token=w.ta)
    assert r.status == 201 and r.body["code"] == "TCY-OWN-0001" and r.body["station"] == w.a
    assert_refused(srv.req("POST", CYL, {"code": "TCY-OWN-0002", "type": "YSP", "station": w.b,
                                         "manufactured": day(-30)}, token=w.ta), 403)
    bad = [({"code": "A B"}, 422, "invalid_code"), ({"code": "TCY"}, 422, "invalid_code"),
           ({"type": "ZZZ"}, 422, "unknown_type"), ({"code": code}, 409, "duplicate"),
           ({"manufactured": day(3)}, 422, None), ({"last_inspection": day(-500)}, 422, None),
           ({"status": "lost"}, 422, None), ({"station": valid_uscc("CYX00007")}, 422,
                                                "unknown_station")]
    for change, status, err in bad:
        body = {"code": "TCY-BAD-0001", "type": "YSP", "station": w.a, "manufactured": day(-400)}
        body.update(change)
        assert_refused(srv.req("POST", CYL, body, token=admin), status, err)
    assert srv.scalar("SELECT count(*) FROM cylinders WHERE code = 'TCY-BAD-0001'") == 0
    # After an inspection the dates follow.
    r = srv.req("PATCH", f"{CYL}/{code}", {"last_inspection": day(-1)}, token=w.ta)
    assert r.status == 200 and r.body["next_inspection"] == day(-1, years=4)
    # Another station's scanner learns nothing of it.
    assert_refused(srv.req("GET", f"{CYL}/{code}", token=w.tb), 404)
    assert_refused(srv.req("PATCH", f"{CYL}/{code}", {"status": "scrapped"}, token=w.tb), 404)
    r = srv.req("GET", f"{CYL}/{code}/qr.svg", token=admin)
    assert r.status == 200 and r.headers["Content-Type"] == "image/svg+xml"


def test_bad_bodies(srv, w):
    admin = srv.tokens["admin"]
    for path, token in ((CYL, admin), (CHECK, w.ta), (FILL, w.ta), (BATCH, w.ta)):
        r = srv.req("POST", path, raw=b"{not json", headers={"Content-Type": "application/json"},
                    token=token)
        assert_refused(r, 400, "malformed_json")
        r = srv.req("POST", path, raw=b"[]", headers={"Content-Type": "application/json"},
                    token=token)
        assert_refused(r, 400)
        r = srv.req("POST", path, raw=b"x=1", headers={"Content-Type": "text/plain"}, token=token)
        assert r.status == 415
    assert_refused(srv.req("POST", CHECK, {"cylinder": 5, "filler": w.fa, "medium": "LPG"},
                           token=w.ta), 422, field="cylinder")
    assert_refused(srv.req("POST", CHECK, {"cylinder": "TCY000001", "filler": "1",
                                           "medium": "LPG"}, token=w.ta), 422, field="filler")
    assert_refused(srv.req("POST", CHECK, {"cylinder": "TCY000001", "filler": w.fa,
                                           "medium": "H2O"}, token=w.ta), 422, field="medium")
    big = {"cylinder": "X" * 10000, "filler": 1, "medium": "LPG"}
    assert srv.req("POST", CHECK, big, token=w.ta).status == 413
    big = {"fillings": [{"cylinder": "TCY000001"}] * 40000}
    assert srv.req("POST", BATCH, big, token=w.ta).status == 413
    # Only a station's scanner checks and fills.
    for who in ("admin", "city"):
        r = srv.req("POST", CHECK, {"cylinder": "TCY000001", "filler": w.fa, "medium": "LPG"},
                    token=srv.tokens[who])
        assert r.status == 403, (who, r.raw)
    assert srv.req("POST", CHECK, {"cylinder": "TCY000001", "filler": 1, "medium": "LPG"}
                   ).status == 401


# -- the check ----------------------------------------------------------------------------------

def test_check_every_reason(srv, w):
    ok = w.cylinder()
    assert w.check(ok) == {"allowed": True}
    cases = {
        "unknown_cylinder": dict(code="TCY-NONE-0001"),
        "scrapped": dict(code=w.cylinder(status="scrapped")),
        "service_life_exceeded": dict(code=w.cylinder(manufactured=day(-1, years=-8),
                                                      last_inspection=day(-2))),
        "inspection_overdue": dict(code=w.cylinder(manufactured=day(-1, years=-4))),
        "not_station_cylinder": dict(code=w.cylinder(station=w.b)),
        "wrong_medium": dict(code=w.cylinder(type="WSP-O2")),
    }
    for reason, c in cases.items():
        a = w.check(c["code"])
        assert a["allowed"] is False and codes_of(a) == [reason], (reason, a)
        assert all(has_chinese(x["message"]) for x in a["reasons"])
    # Boundaries by the day: due today is fine, yesterday overdue.
    assert w.check(w.cylinder(manufactured=day(0, years=-4))) == {"allowed": True}
    # The design life ends today and the inspection is due today: still fine.
    assert codes_of(w.check(w.cylinder(manufactured=day(0, years=-8),
                                       last_inspection=day(0, years=-4)))) == []
    # Inspected at the end of its design life: extended to 12 years.
    assert w.check(w.cylinder(manufactured=day(-10, years=-8),
                              last_inspection=day(-10))) == {"allowed": True}
    # Filler: another station's, lapsed, off duty.
    assert codes_of(w.check(ok, filler=w.fb)) == ["filler_not_certified"]
    lapsed = w.filler(w.a, "CYLAPSED", day(-1))
    assert codes_of(w.check(ok, filler=lapsed)) == ["filler_not_certified"]
    today_ok = w.filler(w.a, "CYTODAY", day(0))
    assert w.check(ok, filler=today_ok) == {"allowed": True}
    assert srv.req("PATCH", f"{FILLERS}/{today_ok}", {"active": False},
                   token=srv.tokens["admin"]).status == 200
    assert codes_of(w.check(ok, filler=today_ok)) == ["filler_not_certified"]
    # Medium: not permitted and not this cylinder's.
    assert codes_of(w.check(ok, medium="O2")) == ["medium_not_permitted", "wrong_medium"]
    # Licence: last day fine, expired the day after.
    admin = srv.tokens["admin"]
    assert srv.req("PATCH", f"{STATIONS}/{w.a}", {"licence_expires": day(0)}, token=admin).status == 200
    assert w.check(ok) == {"allowed": True}
    assert srv.req("PATCH", f"{STATIONS}/{w.a}", {"licence_expires": day(-1)}, token=admin).status == 200
    assert codes_of(w.check(ok)) == ["licence_expired"]
    # Everything at once, in the fixed order.
    a = w.check(cases["not_station_cylinder"]["code"], filler=lapsed, medium="O2")
    assert codes_of(a) == ["not_station_cylinder", "licence_expired", "medium_not_permitted",
                           "filler_not_certified", "wrong_medium"]
    a = w.check("TCY-NONE-0002", filler=lapsed, medium="O2")
    assert codes_of(a) == ["unknown_cylinder", "licence_expired", "medium_not_permitted",
                           "filler_not_certified"]
    assert srv.req("PATCH", f"{STATIONS}/{w.a}", {"licence_expires": day(365)},
                   token=admin).status == 200
    # A malformed code is not a question: 422, not logged.
    assert_refused(srv.req("POST", CHECK, {"cylinder": "坏码", "filler": w.fa, "medium": "LPG"},
                           token=w.ta), 422, "invalid_code", "cylinder")


def wait_for(fn, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(0.1)


def test_every_check_is_kept(srv, w):
    code = w.cylinder()
    before = srv.scalar("SELECT count(*) FROM cylinder_checks WHERE cylinder = ?", (code,))
    assert before == 0
    w.check(code)
    w.check(code, medium="O2")
    got = wait_for(lambda: srv.scalar("SELECT count(*) FROM cylinder_checks WHERE cylinder = ?",
                                      (code,)) == 2)
    assert got, "the checks were not written within 5 s"
    rows = srv.sql("SELECT allowed, reasons, source, station, region FROM cylinder_checks"
                   " WHERE cylinder = ? ORDER BY id", (code,))
    assert rows == [(1, "[]", "check", w.a, "371502"),
                    (0, '["medium_not_permitted","wrong_medium"]', "check", w.a, "371502")]
    r = srv.req("GET", CHECKS + f"?cylinder={code}&allowed=false", token=w.ta)
    assert r.status == 200 and r.body["total"] == 1
    assert r.body["items"][0]["reasons"] == ["medium_not_permitted", "wrong_medium"]
    r = srv.req("GET", CHECKS + "?reason=wrong_medium", token=srv.tokens["admin"])
    assert r.status == 200 and all("wrong_medium" in i["reasons"] for i in r.body["items"])


# -- fillings -----------------------------------------------------------------------------------

def test_filling_recorded_and_refused(srv, w):
    code = w.cylinder()
    r = w.fill(code, before=17.0, after=31.9)
    assert r.status == 201, r.raw
    f = r.body
    assert f["cylinder"] == code and f["station"] == w.a and f["filler"] == w.fa
    assert f["net_weight"] == 14.9 and f["overfill"] is False and f["source"] == "online"
    assert srv.sql("SELECT cylinder, net_weight, overfill FROM cylinder_fillings WHERE id = ?",
                   (f["id"],)) == [(code, 14.9, 0)]
    assert srv.scalar("SELECT fillings FROM cylinders WHERE code = ?", (code,)) == 1
    # Again at once: too soon, nothing recorded; the refusal is kept as a check.
    r = w.fill(code)
    assert r.status == 409, r.raw
    assert r.body["allowed"] is False and codes_of(r.body) == ["filled_too_recently"]
    assert r.body["error"]["code"] == "filling_refused" and has_chinese(r.body["error"]["message"])
    assert srv.scalar("SELECT count(*) FROM cylinder_fillings WHERE cylinder = ?", (code,)) == 1
    assert wait_for(lambda: srv.scalar("SELECT count(*) FROM cylinder_checks WHERE cylinder = ?"
                                       " AND source = 'filling'", (code,)) == 1)
    assert w.check(code)["reasons"][0]["code"] == "filled_too_recently"
    # Overfill is flagged, not refused.
    r = w.fill(w.cylinder(), before=16.8, after=32.0)
    assert r.status == 201 and r.body["overfill"] is True
    # Bad input: nothing recorded.
    other = w.cylinder()
    for kw, code_, field in ((dict(before=-1), "validation_failed", "weight_before"),
                             (dict(after=5000), "validation_failed", "weight_after"),
                             (dict(after=44.9, before=2), "implausible_weight", "weight_before"),
                             (dict(before=30, after=20), "implausible_weight", "weight_after"),
                             (dict(filled_at=instant(3600)), "future_time", "filled_at"),
                             (dict(filled_at=instant(-8 * 86400)), "too_old", "filled_at"),
                             (dict(filled_at="yesterday"), "validation_failed", "filled_at")):
        assert_refused(w.fill(other, **kw), 422, code_, field)
    assert_refused(w.fill("坏 码"), 422, "invalid_code", "cylinder")
    assert srv.scalar("SELECT count(*) FROM cylinder_fillings WHERE cylinder = ?", (other,)) == 0
    # Station B's token on station A's cylinder: refused with the reason, nothing recorded.
    r = w.fill(other, filler=w.fb, token=w.tb)
    assert r.status == 409 and codes_of(r.body) == ["not_station_cylinder"]
    assert srv.scalar("SELECT count(*) FROM cylinder_fillings WHERE cylinder = ?", (other,)) == 0
    # The same filling sent twice with its client reference is recorded once.
    r = w.fill(other, client_ref="scan-1")
    assert r.status == 201
    r2 = w.fill(other, client_ref="scan-1")
    assert r2.status == 200 and r2.body["id"] == r.body["id"]


def test_simultaneous_fillings_of_one_cylinder(srv, w):
    """Two fillings of the same cylinder at the same moment, 25 times: exactly one succeeds."""
    for _ in range(25):
        code = w.cylinder()
        barrier = threading.Barrier(2)
        got = []

        def one(fid):
            barrier.wait()
            got.append(w.fill(code, filler=fid).status)

        second = w.fa
        threads = [threading.Thread(target=one, args=(f,)) for f in (w.fa, second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(got) == [201, 409], got
        assert srv.scalar("SELECT count(*) FROM cylinder_fillings WHERE cylinder = ?",
                          (code,)) == 1


def test_batch(srv, w):
    c1, c2, c3 = w.cylinder(), w.cylinder(), w.cylinder()
    item = lambda code, at, **kw: dict({"cylinder": code, "filler": w.fa, "medium": "LPG",  # noqa: E731
                                        "weight_before": 17.0, "weight_after": 31.5,
                                        "filled_at": at}, **kw)
    body = {"fillings": [
        item(c1, instant(-3 * 3600), client_ref="b-1"),   # 0: fine
        item(c1, instant(-5 * 3600), client_ref="b-2"),   # 1: earlier, judged first: fine
        item(c2, instant(-86400 * 2)),                    # 2: fine
        item(c2, instant(-86400 * 2 + 600)),              # 3: 10 minutes after 2: too soon
        item(c3, instant(-86400 * 9)),                    # 4: too old
        item(c3, instant(7200)),                          # 5: in the future
        {"cylinder": c3},                                 # 6: incomplete
        item("TCY-NONE-0009", instant(-60)),              # 7: unknown
        7,                                                # 8: not an object
        item(c3, None),                                   # 9: no time
    ]}
    r = srv.req("POST", BATCH, body, token=w.ta)
    assert r.status == 200, r.raw
    res = r.body["results"]
    assert [x["index"] for x in res] == list(range(10))
    st = [x["status"] for x in res]
    # Of 0 and 1 (5 hours apart, less than 24), the earlier filling wins.
    assert st == [409, 201, 201, 409, 422, 422, 422, 409, 422, 422], res
    assert [x["code"] for x in res[0]["reasons"]] == ["filled_too_recently"]
    assert [x["code"] for x in res[7]["reasons"]] == ["unknown_cylinder"]
    assert res[4]["error"]["code"] == "too_old" and res[5]["error"]["code"] == "future_time"
    assert res[6]["error"]["field"] in ("filler", "medium", "weight_before", "weight_after")
    assert r.body["accepted"] == 2 and r.body["refused"] == 3 and r.body["invalid"] == 5
    rows = srv.sql("SELECT cylinder, source FROM cylinder_fillings WHERE id IN (?, ?)"
                   " ORDER BY cylinder", (res[1]["id"], res[2]["id"]))
    assert rows == [(c1, "offline"), (c2, "offline")]  # judged (and numbered) in time order
    assert srv.scalar("SELECT count(*) FROM cylinder_fillings WHERE cylinder = ?", (c3,)) == 0
    # Uploaded again (the answer was lost): nothing twice.
    r = srv.req("POST", BATCH, {"fillings": [body["fillings"][1]]}, token=w.ta)
    assert r.body["results"][0] == {"index": 0, "status": 200, "id": res[1]["id"],
                                    "duplicate": True}
    # An online filling 1 hour after an offline one uploaded later: refused.
    assert codes_of(w.fill(c2, filled_at=instant(-86400 * 2 + 3600)).body) == ["filled_too_recently"]
    assert_refused(srv.req("POST", BATCH, {"fillings": []}, token=w.ta), 422)
    assert_refused(srv.req("POST", BATCH, {"fillings": [item(c3, instant())] * 501}, token=w.ta),
                   422, "too_many")


# -- public look-up and lists -------------------------------------------------------------------

def test_public_lookup(srv, w):
    code = w.cylinder(manufactured="2020-03-10", last_inspection="2024-03-01")
    assert w.fill(code).status == 201
    r = srv.req("GET", f"{PUBLIC}/{code.lower()}")
    assert r.status == 200, r.raw
    b = r.body
    assert b["code"] == code and b["type"] == "YSP" and b["medium"] == "LPG"
    assert b["station"]["uscc"] == w.a and has_chinese(b["station"]["name"])
    assert b["last_inspection"] == "2024-03-01" and b["next_inspection"] == "2028-03-01"
    assert b["last_filling"]["station"] == w.a and b["last_filling"]["net_weight"] == 14.5
    assert b["may_use"] is (today().isoformat() <= "2028-03-01") and has_chinese(b["message"])
    old = w.cylinder(manufactured=day(-1, years=-4))
    b = srv.req("GET", f"{PUBLIC}/{old}").body
    assert b["may_use"] is False and [p["code"] for p in b["problems"]] == ["inspection_overdue"]
    assert b["last_filling"] is None
    assert_refused(srv.req("GET", f"{PUBLIC}/TCY-NONE-0001"), 404, "not_found")
    assert_refused(srv.req("GET", f"{PUBLIC}/%20bad"), 404)


# -- the token cache: a check never answers on a revoked or changed caller ---------------------
# The check admits a scanner's token from a per-thread cache and re-reads the session and user in
# its own statement (ROUTE_AUTH_RECHECKED): whatever changes them, in this process or another,
# counts from the next request, and every refusal of a changed caller is the one it would get
# without the cache.

def warm(w, code, token, n=8):
    """Asks n times, each on a new connection (so on every event thread): each thread's token
    cache then holds the token."""
    for _ in range(n):
        assert w.check(code, token=token) == {"allowed": True}


def user_id(srv, username):
    return srv.scalar("SELECT id FROM users WHERE username = ?", (username,))


def revoke(srv, how, name, token):
    admin, uid = srv.tokens["admin"], user_id(srv, name)
    if how == "logout":
        assert srv.req("POST", "/api/v1/auth/logout", token=token).status == 204
    elif how == "revoke":
        assert srv.req("POST", f"/api/v1/users/{uid}/revoke", token=admin).status == 200
    elif how == "disable":
        assert srv.req("POST", f"/api/v1/users/{uid}/disable", token=admin).status == 200
    elif how == "cli_passwd":  # another process: the server hears nothing of it
        r = srv.cli("user", "passwd", "--db", srv.db, "--username", name,
                    input="another-pass-1\n")
        assert r.returncode == 0, r.stderr
    elif how == "expired":  # the token runs out (written straight to the database)
        srv.sql("UPDATE sessions SET expires_at = ? WHERE user_id = ?", (int(time.time()) - 1, uid))


def refusals(w, code, token):
    """The same token sent with a check, a malformed body, a bad code, a wrong media type."""
    s = w.s
    body = {"cylinder": code, "filler": w.fa, "medium": "LPG"}
    return {
        "check": lambda: s.req("POST", CHECK, body, token=token),
        "malformed": lambda: s.req("POST", CHECK, raw=b'{"cylinder":', token=token,
                                   headers={"Content-Type": "application/json"}),
        "bad_code": lambda: s.req("POST", CHECK, dict(body, cylinder="坏码"), token=token),
        "media": lambda: s.req("POST", CHECK, raw=b"x", token=token,
                               headers={"Content-Type": "text/plain"}),
    }


@pytest.mark.parametrize("how,first", [
    ("logout", "check"), ("revoke", "check"), ("disable", "check"), ("cli_passwd", "check"),
    ("expired", "check"), ("revoke", "malformed"), ("revoke", "bad_code"), ("revoke", "media"),
])
def test_check_refused_at_once_when_the_token_goes(srv, w, how, first):
    name = f"scanc{how.replace('_', '')}{first.replace('_', '')}"
    token = w.scanner(w.a, name)
    code = w.cylinder()
    warm(w, code, token)
    revoke(srv, how, name, token)
    asks = refusals(w, code, token)
    order = [first] + [k for k in asks if k != first] + ["check"] * 6
    for kind in order:
        r = asks[kind]()
        assert r.status == 401 and r.body["error"]["code"] == "unauthorized", (how, kind, r.raw)


def test_check_follows_a_changed_account_at_once(srv, w):
    admin = srv.tokens["admin"]
    name = "scancachemove"
    token = w.scanner(w.a, name)
    uid = user_id(srv, name)
    mine, theirs = w.cylinder(), w.cylinder(station=w.b)
    warm(w, mine, token)
    # Rebound to station B: judged as B's scanner from the next check on, and logged as B's.
    r = srv.req("PATCH", f"/api/v1/users/{uid}", {"entity": w.b}, token=admin)
    assert r.status == 200, r.raw
    for _ in range(6):
        assert codes_of(w.check(mine, filler=w.fb, token=token)) == ["not_station_cylinder"]
        assert w.check(theirs, filler=w.fb, token=token) == {"allowed": True}
    assert wait_for(lambda: srv.scalar(
        "SELECT count(*) FROM cylinder_checks WHERE cylinder = ? AND actor = ? AND station = ?",
        (theirs, uid, w.b)) == 6)
    # No longer a station's account: refused as the router refuses a wrong role.
    r = srv.req("PATCH", f"/api/v1/users/{uid}", {"role": "enterprise"}, token=admin)
    assert r.status == 200, r.raw
    for kind, ask in refusals(w, theirs, token).items():
        r = ask()
        assert r.status == 403 and r.body["error"]["code"] == "forbidden", (kind, r.raw)


def test_lists_and_scope(srv, w):
    admin = srv.tokens["admin"]
    w.cylinder(station=w.b)
    mine = srv.req("GET", CYL + "?page_size=200", token=w.ta).body
    assert mine["items"] and {i["station"] for i in mine["items"]} == {w.a}
    assert srv.req("GET", CYL + f"?station={w.b}", token=w.ta).body["total"] == 0
    everything = srv.req("GET", CYL + "?page_size=1", token=admin).body["total"]
    assert everything > mine["total"]
    county = srv.req("GET", CYL + "?page_size=200", token=srv.tokens["county"])
    assert county.status == 200 and {i["region"] for i in county.body["items"]} == {"371502"}
    assert_refused(srv.req("GET", CYL + "?region=371503", token=srv.tokens["county"]), 403)
    r = srv.req("GET", CYL + "?due=1&page_size=200", token=admin)
    assert r.status == 200 and r.body["items"]
    assert all(i["inspection_overdue"] and i["status"] != "scrapped" for i in r.body["items"])
    # A scrapped cylinder past its inspection day is due nothing: not in due=1, in due=0.
    gone = w.cylinder(station=w.a, manufactured=day(-7 * 365), last_inspection=day(-5 * 365),
                      status="scrapped")
    assert gone not in {i["code"] for i in srv.req("GET", CYL + f"?due=1&station={w.a}&page_size=200",
                                                   token=admin).body["items"]}
    assert gone in {i["code"] for i in srv.req("GET", CYL + f"?due=0&station={w.a}&page_size=200",
                                               token=admin).body["items"]}
    r = srv.req("GET", FILL + "?page_size=200", token=w.tb)
    assert r.status == 200 and all(i["station"] == w.b for i in r.body["items"])
    r = srv.req("GET", FILL + f"?from={day(0)}&to={day(0)}", token=admin)
    assert r.status == 200 and r.body["total"] > 0
    # The demo's weights are a scale's, in 0.1 kg steps (not a float's 57.2999992370605).
    demo = srv.req("GET", FILL + "?page_size=100", token=admin).body["items"]
    weights = [i[k] for i in demo for k in ("weight_before", "weight_after", "net_weight")]
    assert weights and all(len(repr(float(x)).split(".")[1]) == 1 for x in weights), weights
    for path in (STATIONS, FILLERS, CYL, FILL, CHECKS):
        assert srv.req("GET", path, token=srv.tokens["inspector"]).status == 403
        r = srv.req("GET", path + "?format=csv", token=admin)
        assert r.status == 200 and r.raw.startswith(b"\xef\xbb\xbf"), path
    assert_refused(srv.req("GET", CHECKS + "?reason=bogus", token=admin), 422, field="reason")


# -- SIGKILL during a filling load ----------------------------------------------------------------

def test_sigkill_keeps_every_acknowledged_filling(template):
    s = Server(template)
    try:
        wld = World(s, "KL")
        n = 3000
        first = wld.n + 1
        s.sql("WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < ?)"
              " INSERT INTO cylinders(code, type, manufactured, station, region, status,"
              " next_inspection, life_ends, fillings, created_at, updated_at)"
              " SELECT 'TKL-' || CAST(n AS TEXT), 'YSP', ?, ?, '371502', 'in_service', ?, ?, 0, 0, 0"
              " FROM k", (n, day(-30), wld.a, day(-30, years=4), day(-30, years=8)))
        del first
        todo = [f"TKL-{i}" for i in range(1, n + 1)]
        random.Random(7).shuffle(todo)
        acked, errors, lock = set(), [], threading.Lock()

        def client():
            while True:
                with lock:
                    if not todo:
                        return
                    code = todo.pop()
                try:
                    r = wld.fill(code)
                except OSError:
                    return
                if r.status == 201:
                    with lock:
                        acked.add(r.body["id"])
                elif r.status != 503:
                    errors.append((r.status, r.raw[:200]))

        threads = [threading.Thread(target=client) for _ in range(8)]
        for t in threads:
            t.start()
        time.sleep(random.Random().uniform(1.0, 3.0))
        s.proc.send_signal(signal.SIGKILL)
        s.proc.wait(timeout=10)
        for t in threads:
            t.join(timeout=30)
        s.log.close()
        s.proc = None
        assert not errors, errors[:5]
        assert acked, "no filling was acknowledged before the kill"
        s.start()
        present = {i for (i,) in s.sql("SELECT id FROM cylinder_fillings")}
        missing = acked - present
        assert not missing, f"{len(missing)} acknowledged fillings lost"
        assert dbkit.integrity(s.db) == "ok"
        # Each recorded filling is counted on its cylinder.
        assert s.scalar("SELECT count(*) FROM cylinders c WHERE c.fillings <> (SELECT count(*)"
                        " FROM cylinder_fillings g WHERE g.cylinder = c.code)") == 0
    finally:
        if s.proc is not None:
            s.stop()
        s.cleanup()


STATS = "/api/v1/filling-checks/stats"


def test_check_stats(srv, w):
    """The overview's figures in one answer: checks, refusals by reason and by station, equal to
    the list's counts, in the caller's scope."""
    admin, county = srv.tokens["admin"], srv.tokens["county"]  # county: 371502, station A's
    before = srv.req("GET", STATS, token=admin).body
    assert before["to"] == day(0) and before["from"] <= day(0)
    assert [r["code"] for r in before["by_reason"]] == [
        "unknown_cylinder", "scrapped", "service_life_exceeded", "inspection_overdue",
        "not_station_cylinder", "licence_expired", "medium_not_permitted",
        "filler_not_certified", "wrong_medium", "filled_too_recently"]
    ok = w.cylinder(station=w.a)
    for n in range(3):
        assert w.check(f"ZZ{w.tag}{n:05d}")["allowed"] is False  # unknown at A
    assert w.check(ok)["allowed"] is True
    assert w.check(ok, token=w.tb)["allowed"] is False  # not B's cylinder

    def grown():  # the check log is written behind the answers (at most ~1 s)
        now = srv.req("GET", STATS, token=admin).body
        return now if now["checks"] >= before["checks"] + 5 else None
    deadline, now = time.monotonic() + 10, None
    while not now and time.monotonic() < deadline:
        now = grown() or time.sleep(0.2)
    assert now, "the checks never reached the statistics"
    reasons = {r["code"]: r["count"] for r in now["by_reason"]}
    old = {r["code"]: r["count"] for r in before["by_reason"]}
    assert now["refused"] == before["refused"] + 4
    assert reasons["unknown_cylinder"] == old["unknown_cylinder"] + 3
    assert reasons["not_station_cylinder"] == old["not_station_cylinder"] + 1
    # Each figure is the list's count of the same period.
    for code, count in reasons.items():
        listed = srv.req("GET", CHECKS + f"?allowed=false&reason={code}&from={now['from']}"
                         "&page_size=1", token=admin).body["total"]
        assert listed == count, code
    top = {s["station"]: s for s in now["by_station"]}
    assert len(now["by_station"]) <= 10 and top[w.a]["refused"] >= 3 and top[w.a]["name"]
    assert top[w.a]["refused"] == srv.req("GET", CHECKS + f"?allowed=false&station={w.a}"
                                          f"&from={now['from']}&page_size=1",
                                          token=admin).body["total"]
    # Scopes: a station counts its own; the county its county (station B is in 371503).
    mine = srv.req("GET", STATS, token=w.tb).body
    assert {s["station"] for s in mine["by_station"]} <= {w.b} and mine["refused"] >= 1
    theirs = srv.req("GET", STATS, token=county).body
    assert w.b not in {s["station"] for s in theirs["by_station"]}
    assert theirs["refused"] == srv.req("GET", CHECKS + f"?allowed=false&from={now['from']}"
                                        "&page_size=1", token=county).body["total"]
    assert srv.req("GET", STATS + "?region=371503", token=admin).body["by_station"][0][
        "station"] == w.b
    # A county's checks are its stations' (the list's region filter goes through them).
    county_b = srv.req("GET", CHECKS + f"?region=371503&from={now['from']}&page_size=100",
                       token=admin).body
    assert county_b["items"] and {i["region"] for i in county_b["items"]} == {"371503"}
    assert w.b in {i["station"] for i in county_b["items"]} and \
        w.a not in {i["station"] for i in county_b["items"]}
    # A period without checks counts nothing; refusals and bad input.
    empty = srv.req("GET", STATS + "?from=2001-01-01&to=2001-01-31", token=admin).body
    assert empty["checks"] == 0 and empty["by_station"] == [] and \
        all(r["count"] == 0 for r in empty["by_reason"])
    assert_refused(srv.req("GET", STATS), 401)
    assert_refused(srv.req("GET", STATS, token=srv.tokens["inspector"]), 403)
    assert_refused(srv.req("GET", STATS + "?region=371503", token=county), 403)
    for bad, field in [("from=2026-02-30", "from"), ("to=yesterday", "to"),
                       ("from=2026-03-02&to=2026-03-01", "to"), ("region=999999", "region")]:
        assert_refused(srv.req("GET", f"{STATS}?{bad}", token=admin), 422, field=field)
