#!/usr/bin/env python3
"""The filling check (POST /api/v1/fillings/check) written as a small Flask service over the same
SQLite file as jianguan, for bench/cylinders.sh: the same bearer-token look-up (BLAKE2b-256 of the
token in `sessions`, the user's bound station), the same one query per check on a read-only
connection per worker, the same rules and the same answer, and every answer kept in
cylinder_checks the way jianguan keeps it (阳光充装): queued in memory and inserted by a writer
thread of the worker, one transaction a second. JG_LOG=0 leaves the log out (a check that does
not keep its answers: not the check the platform must give, measured to show what the log costs).

Run: JG_DB=path/to.db gunicorn -w N -b 127.0.0.1:PORT flask_check:app   (from bench/), or
     JG_DB=path/to.db python3 bench/flask_check.py PORT                   (Flask's own server)
"""

import atexit
import datetime
import hashlib
import json
import os
import re
import sqlite3
import sys
import threading
import time

from flask import Flask, Response, request

app = Flask(__name__)
DB = os.environ.get("JG_DB", "data/jianguan.db")
_local = threading.local()

REASONS = ["unknown_cylinder", "scrapped", "service_life_exceeded", "inspection_overdue",
           "not_station_cylinder", "licence_expired", "medium_not_permitted",
           "filler_not_certified", "wrong_medium", "filled_too_recently"]
MESSAGES = {
    "unknown_cylinder": "未登记的气瓶编码，不得充装",
    "scrapped": "该气瓶已报废，不得充装",
    "service_life_exceeded": "该气瓶已超过使用年限（至 {life}），不得充装",
    "inspection_overdue": "该气瓶定期检验已超期（应于 {due} 前检验），不得充装",
    "not_station_cylinder": "该气瓶不是本充装单位的自有产权或托管气瓶，不得充装",
    "licence_expired": "本单位气瓶充装许可证已过期（有效期至 {licence}），不得充装",
    "medium_not_permitted": "本单位未获准充装该介质",
    "filler_not_certified": "充装人员不是本单位登记的持证人员，或证书已过期",
    "wrong_medium": "该气瓶不能充装该介质",
    "filled_too_recently": "该气瓶距上次充装不足最短间隔，不得重复充装",
}
MEDIA = {"LPG", "O2", "N2", "Ar", "CO2", "CNG", "C2H2"}
CODE = re.compile(r"[A-Z0-9-]{4,32}")
CST = datetime.timezone(datetime.timedelta(hours=8))

SQL = ("SELECT s.region, s.licence_expires, s.media, f.id, f.active, f.cert_expires, c.station,"
       " c.status, c.manufactured, c.last_inspection, c.last_filled_at, t.medium,"
       " t.inspection_years, t.design_years, t.extended_years, t.refill_minutes"
       " FROM cylinder_stations s"
       " LEFT JOIN cylinder_fillers f ON f.id = ? AND f.station = s.uscc"
       " LEFT JOIN cylinders c ON c.code = ?"
       " LEFT JOIN cylinder_types t ON t.code = c.type"
       " WHERE s.uscc = ?")
AUTH = ("SELECT u.role, u.entity, s.expires_at, u.disabled, u.id FROM sessions s"
        " JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?")
LOG_SQL = ("INSERT INTO cylinder_checks(at, station, region, cylinder, filler, medium, allowed,"
           " reasons, source, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'check', ?)")
LOG = os.environ.get("JG_LOG", "1") != "0"


def db():
    c = getattr(_local, "db", None)
    if c is None:
        c = sqlite3.connect(f"file:{DB}?mode=ro", uri=True, check_same_thread=False)
        _local.db = c
    return c


class CheckLog:
    """The worker's queue of answers and the thread that writes it, one transaction a second
    (synchronous=FULL, as jianguan's writer). Started in the worker at its first check: gunicorn
    forks its workers after importing this file, and a thread does not survive a fork."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rows = []
        self.pid = None

    def add(self, row):
        with self.lock:
            self.rows.append(row)
            if self.pid != os.getpid():
                self.pid = os.getpid()
                threading.Thread(target=self.loop, daemon=True).start()
                atexit.register(self.flush)

    def flush(self):
        with self.lock:
            rows, self.rows = self.rows, []
        if rows:
            c = getattr(self, "conn", None)
            if c is None:
                c = self.conn = sqlite3.connect(DB, isolation_level=None, timeout=10,
                                                check_same_thread=False)
                c.execute("PRAGMA synchronous=FULL")
            c.execute("BEGIN IMMEDIATE")
            try:
                c.executemany(LOG_SQL, rows)
                c.execute("COMMIT")
            except sqlite3.Error:
                c.execute("ROLLBACK")
                raise

    def loop(self):
        while True:
            time.sleep(1)
            try:
                self.flush()
            except sqlite3.Error as e:  # the batch is lost; say so, and keep logging
                print(f"flask_check: check log: {e}", file=sys.stderr)


check_log = CheckLog()


def add_years(d, n):
    try:
        return d.replace(year=d.year + n)
    except ValueError:  # 29 February
        return d.replace(year=d.year + n, day=28)


def error(status, code, message, field=None):
    body = {"error": {"code": code, "message": message, "field": field}}
    return Response(json.dumps(body, ensure_ascii=False), status, mimetype="application/json")


@app.post("/api/v1/fillings/check")
def check():
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Bearer "):
        return error(401, "unauthorized", "请先登录")
    token = auth[7:].encode()
    row = db().execute(AUTH, (hashlib.blake2b(token, digest_size=32).digest(),)).fetchone()
    if not row or row[2] <= time.time() or row[3]:
        return error(401, "unauthorized", "登录已失效或凭证无效，请重新登录")
    if row[0] not in ("station", "admin") or not row[1]:
        return error(403, "not_a_station", "只有绑定充装单位的充装站账号可以查验")
    station = row[1]
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error(400, "malformed_json", "请求体不是有效的 JSON")
    code, filler, medium = body.get("cylinder"), body.get("filler"), body.get("medium")
    if not isinstance(code, str) or not CODE.fullmatch(code.upper()):
        return error(422, "invalid_code", "气瓶编码须为 4 到 32 位字母、数字或连字符", "cylinder")
    if not isinstance(filler, int) or isinstance(filler, bool) or filler < 1:
        return error(422, "validation_failed", "充装人员编号须为正整数", "filler")
    if medium not in MEDIA:
        return error(422, "validation_failed", "未知的充装介质", "medium")
    code = code.upper()
    r = db().execute(SQL, (filler, code, station)).fetchone()
    if r is None:
        return error(403, "not_a_station", "该账号绑定的单位不是已登记的充装单位")
    now = time.time()
    today = datetime.datetime.now(CST).date()
    (region, licence, media, fid, active, cert, c_station, status, made, last, last_filled,
     t_medium, insp, design, extended, refill) = r
    found, info = set(), {"licence": licence}
    if c_station is None:
        found.add("unknown_cylinder")
    else:
        made_d = datetime.date.fromisoformat(made)
        last_d = datetime.date.fromisoformat(last) if last else None
        design_end = add_years(made_d, design)
        life = (add_years(made_d, extended) if extended and extended > design and last_d
                and last_d >= design_end else design_end)
        due = add_years(last_d or made_d, insp)
        info.update(life=life.isoformat(), due=due.isoformat())
        if status == "scrapped":
            found.add("scrapped")
        if today > life:
            found.add("service_life_exceeded")
        if today > due:
            found.add("inspection_overdue")
        if c_station != station:
            found.add("not_station_cylinder")
        if medium != t_medium:
            found.add("wrong_medium")
        if last_filled and now - last_filled < refill * 60:
            found.add("filled_too_recently")
    if today > datetime.date.fromisoformat(licence):
        found.add("licence_expired")
    if medium not in json.loads(media):
        found.add("medium_not_permitted")
    if fid is None or not active or today > datetime.date.fromisoformat(cert):
        found.add("filler_not_certified")
    codes = [c for c in REASONS if c in found]
    if LOG:
        check_log.add((int(now), station, region, code, filler, medium, int(not codes),
                       json.dumps(codes, separators=(",", ":")), row[4]))
    if not codes:
        answer = {"allowed": True}
    else:
        answer = {"allowed": False, "reasons": [
            {"code": c, "message": MESSAGES[c].format(**info)} for c in codes]}
    return Response(json.dumps(answer, ensure_ascii=False, separators=(",", ":")), 200,
                    mimetype="application/json")


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[1]) if len(sys.argv) > 1 else 5000,
            threaded=True)
