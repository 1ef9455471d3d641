"""Reference data (regions, chains, departments) and the working-day calendar."""

import pytest

from conftest import has_chinese


@pytest.mark.parametrize("path", ["/api/v1/regions", "/api/v1/chains", "/api/v1/departments",
                                  "/api/v1/calendar?year=2026",
                                  "/api/v1/workdays/add?from=2026-09-30&days=3"])
def test_reference_needs_login(server, path):
    r = server.req("GET", path)
    assert r.status == 401
    assert r.error()["code"] == "unauthorized"


def test_regions(server):
    r = server.req("GET", "/api/v1/regions", token=server.tokens["inspector"])
    assert r.status == 200
    items = r.body["items"]
    assert len(items) == 12
    by_code = {i["code"]: i for i in items}
    assert len(by_code) == 12
    assert by_code["371500"]["name"] == "聊城市" and by_code["371500"]["level"] == "city"
    assert by_code["371500"]["parent"] is None
    assert by_code["371502"]["name"] == "东昌府区" and by_code["371502"]["parent"] == "371500"
    zones = [i for i in items if i["level"] == "zone"]
    assert len(zones) == 3
    assert {z["code"] for z in zones} == {"371571", "371572", "371573"}
    assert items[0]["code"] == "371500"  # the city first
    # Served twice, the same bytes (cached).
    r2 = server.req("GET", "/api/v1/regions", token=server.tokens["county"])
    assert r2.raw == r.raw


def test_chains(server):
    r = server.req("GET", "/api/v1/chains", token=server.tokens["county"])
    assert r.status == 200
    items = r.body["items"]
    assert len(items) == 12
    assert [i["id"] for i in items] == list(range(1, 13))
    assert "新一代信息技术" in [i["name"] for i in items]
    assert all(has_chinese(i["name"]) for i in items)


def test_departments(server):
    r = server.req("GET", "/api/v1/departments", token=server.tokens["city"])
    assert r.status == 200
    items = r.body["items"]
    assert items
    for d in items:
        assert d["factor"] and has_chinese(d["factor_name"]), d
        assert has_chinese(d["name"])
    funding = [d for d in items if d["factor"] == "funding"]
    assert funding and all(d["factor_name"] == "资金" for d in funding)


def test_calendar_2026(server):
    r = server.req("GET", "/api/v1/calendar?year=2026", token=server.tokens["county"])
    assert r.status == 200
    assert r.body["year"] == 2026
    days = {d["date"]: d for d in r.body["items"]}
    assert days["2026-10-01"]["kind"] == "holiday"
    assert has_chinese(days["2026-10-01"]["name"])
    assert days["2026-10-10"]["kind"] == "workday"
    assert all(d.startswith("2026-") for d in days)
    dates = [d["date"] for d in r.body["items"]]
    assert dates == sorted(dates)


@pytest.mark.parametrize("query", ["year=abc", "year=1800", "year=3000", "year=2026x"])
def test_calendar_bad_year(server, query):
    r = server.req("GET", "/api/v1/calendar?" + query, token=server.tokens["county"])
    assert r.status == 422
    assert r.error()["field"] == "year"


def add(server, frm, days):
    r = server.req("GET", f"/api/v1/workdays/add?from={frm}&days={days}",
                   token=server.tokens["inspector"])
    assert r.status == 200, r.raw
    assert r.body["from"] == frm and r.body["days"] == days
    return r.body["date"]


def test_workdays_add(server):
    assert add(server, "2026-09-30", 3) == "2026-10-10"
    assert add(server, "2026-11-20", 1) == "2026-11-23"  # Friday -> Monday
    assert add(server, "2026-11-23", -1) == "2026-11-20"
    assert add(server, "2026-11-20", 0) == "2026-11-20"


@pytest.mark.parametrize("query,field", [
    ("from=2026-13-01&days=1", "from"),
    ("from=2026-02-30&days=1", "from"),
    ("from=20261120&days=1", "from"),
    ("days=1", "from"),
    ("from=2026-11-20&days=x", "days"),
    ("from=2026-11-20&days=3651", "days"),
])
def test_workdays_add_bad_input(server, query, field):
    r = server.req("GET", "/api/v1/workdays/add?" + query, token=server.tokens["inspector"])
    assert r.status == 422
    assert r.error()["code"] == "validation_failed"
    assert r.error()["field"] == field


def test_calendar_put_and_delete(server):
    admin = server.tokens["admin"]
    path = "/api/v1/calendar/2026-11-23"
    audit_before = server.scalar("SELECT count(*) FROM audit_log")
    r = server.req("PUT", path, {"kind": "holiday", "name": "测试"}, token=admin)
    try:
        assert r.status == 200, r.raw
        assert r.body == {"date": "2026-11-23", "kind": "holiday", "name": "测试"}
        assert server.sql("SELECT kind, name FROM calendar_days WHERE day = '2026-11-23'") == \
            [("holiday", "测试")]
        assert add(server, "2026-11-20", 1) == "2026-11-24"
        cal = server.req("GET", "/api/v1/calendar?year=2026", token=admin).body["items"]
        assert {"date": "2026-11-23", "kind": "holiday", "name": "测试"} in cal
        # Setting it again updates in place.
        r = server.req("PUT", path, {"kind": "holiday", "name": "测试二"}, token=admin)
        assert r.status == 200
        assert server.scalar("SELECT count(*) FROM calendar_days WHERE day = '2026-11-23'") == 1
    finally:
        r = server.req("DELETE", path, token=admin)
    assert r.status == 204
    assert r.raw == b""
    assert add(server, "2026-11-20", 1) == "2026-11-23"
    assert server.scalar("SELECT count(*) FROM calendar_days WHERE day = '2026-11-23'") == 0
    actions = [a for (a,) in server.sql(
        "SELECT action FROM audit_log WHERE object = 'calendar:2026-11-23' ORDER BY id")]
    assert actions == ["calendar.set", "calendar.set", "calendar.delete"]
    assert server.scalar("SELECT count(*) FROM audit_log") == audit_before + 3

    r = server.req("DELETE", path, token=admin)
    assert r.status == 404
    assert r.error()["code"] == "not_found"
    assert server.scalar("SELECT count(*) FROM audit_log") == audit_before + 3


@pytest.mark.parametrize("path,body,field", [
    ("/api/v1/calendar/2026-11-23", {"kind": "x"}, "kind"),
    ("/api/v1/calendar/2026-11-23", {"name": "无类型"}, "kind"),
    ("/api/v1/calendar/2026-11-23", {"kind": "holiday", "name": "长" * 33}, "name"),
    ("/api/v1/calendar/2026-02-30", {"kind": "holiday"}, "date"),
    ("/api/v1/calendar/2026-1-1", {"kind": "holiday"}, "date"),
    ("/api/v1/calendar/abcdefghij", {"kind": "holiday"}, "date"),
])
def test_calendar_put_invalid(server, path, body, field):
    before = server.sql("SELECT * FROM calendar_days ORDER BY day")
    audit = server.scalar("SELECT count(*) FROM audit_log")
    r = server.req("PUT", path, body, token=server.tokens["admin"])
    assert r.status == 422, r.raw
    assert r.error()["field"] == field
    assert has_chinese(r.error()["message"])
    assert server.sql("SELECT * FROM calendar_days ORDER BY day") == before
    assert server.scalar("SELECT count(*) FROM audit_log") == audit


def test_calendar_write_forbidden(server):
    before = server.sql("SELECT * FROM calendar_days ORDER BY day")
    for name in ("county", "city", "inspector"):
        r = server.req("PUT", "/api/v1/calendar/2026-11-23", {"kind": "holiday"},
                       token=server.tokens[name])
        assert r.status == 403 and r.error()["code"] == "forbidden"
        r = server.req("DELETE", "/api/v1/calendar/2026-10-01", token=server.tokens[name])
        assert r.status == 403
    r = server.req("PUT", "/api/v1/calendar/2026-11-23", {"kind": "holiday"})
    assert r.status == 401
    assert server.sql("SELECT * FROM calendar_days ORDER BY day") == before
    assert add(server, "2026-11-20", 1) == "2026-11-23"
