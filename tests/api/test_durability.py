"""Durability of acknowledged writes under group commit (issue 8): a write that got a 2xx
survives SIGKILL; one failing request of a batch fails alone; a failing disk answers 503 to
writes while reads go on; slow requests wait on their own pool and refuse with 503 when it is
full."""

import os
import random
import resource
import signal
import threading
import time

import pytest

import dbkit
from conftest import Server, run_cli, valid_uscc

ENT = "/api/v1/entities"


def entity(code, n):
    return {"uscc": code, "name": f"持久性测试企业{n:05d}有限公司", "kind": "enterprise",
            "region": "371502"}


def codes(prefix, n):
    """n distinct valid codes; prefix is two letters (the organisation code's first two)."""
    return [valid_uscc(f"{prefix}{i:06d}") for i in range(n)]


def db_codes(db):
    return {u for (u,) in dbkit.query(db, "SELECT uscc FROM entities")}


def integrity(db):
    return dbkit.integrity(db)


def writers(s, token, todo, acked, stop, errors):
    """One client creating entities from todo until it is empty or stop is set; 201s go to
    acked. A dropped connection (the server was killed) ends the client."""
    while not stop.is_set():
        try:
            code, n = todo.pop()
        except IndexError:
            return
        try:
            r = s.req("POST", ENT, entity(code, n), token=token, timeout=10)
        except OSError:
            return
        if r.status == 201:
            acked.add(code)
        elif r.status not in (503,):
            errors.append((r.status, r.raw[:200]))


def test_sigkill_keeps_every_acknowledged_write(template):
    """16 clients create entities; SIGKILL at a random moment, three times; after each restart
    every acknowledged entity is there, the database is sound and the audit chain verifies."""
    s = Server(template)
    rng = random.Random(8)
    acked, errors = set(), []
    todo = [(c, i) for i, c in enumerate(codes("DK", 6000))]
    try:
        for round_ in range(3):
            stop = threading.Event()
            threads = [threading.Thread(target=writers,
                                        args=(s, s.tokens["admin"], todo, acked, stop, errors))
                       for _ in range(16)]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.8, 2.0))
            s.proc.send_signal(signal.SIGKILL)
            s.proc.wait(timeout=10)
            stop.set()
            for t in threads:
                t.join(timeout=30)
            s.log.close()
            s.proc = None
            assert not errors, errors[:5]
            present = db_codes(s.db)
            assert acked, f"round {round_}: no write was acknowledged"
            missing = acked - present
            assert not missing, f"round {round_}: {len(missing)} acknowledged writes lost"
            assert integrity(s.db) == "ok"
            r = run_cli("verify", "audit", "--db", s.db)
            assert r.returncode == 0, r.stdout + r.stderr
            audited = {o for (o,) in dbkit.query(
                s.db, "SELECT object FROM audit_log WHERE action = 'entity.create'")}
            assert {f"entity:{u}" for u in acked} <= audited
            s.start()
    finally:
        if s.proc is not None:
            s.stop()
        s.cleanup()


def test_one_failure_in_a_batch_fails_alone(fresh_server):
    """32 clients create entities at once; two of them repeat a code already taken. Those two
    get 409, every other one 201 and its row."""
    s = fresh_server
    admin = s.tokens["admin"]
    taken = valid_uscc("BF999999")
    assert s.req("POST", ENT, entity(taken, 0), token=admin).status == 201
    todo = codes("BF", 30) + [taken, taken]
    random.Random(1).shuffle(todo)
    results = {}
    barrier = threading.Barrier(len(todo))

    def one(i, code):
        barrier.wait()
        results[i] = (code, s.req("POST", ENT, entity(code, i + 1), token=admin))

    threads = [threading.Thread(target=one, args=(i, c)) for i, c in enumerate(todo)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    present = db_codes(s.db)
    for code, r in results.values():
        if code == taken:
            assert r.status == 409, (r.status, r.raw[:200])
        else:
            assert r.status == 201, (r.status, r.raw[:200])
            assert code in present
    n = s.scalar("SELECT count(*) FROM entities WHERE uscc = ?", (taken,))
    assert n == 1
    # The group commit did batch: fewer commits than writes.
    m = s.req("GET", "/metrics", token=s.tokens["admin"]).body
    sizes = dict(line.rsplit(" ", 1) for line in m.splitlines()
                 if line.startswith("jianguan_commit_batch_size_"))
    assert int(sizes["jianguan_commit_batch_size_count"]) <= int(
        sizes["jianguan_commit_batch_size_sum"])
    # Every write took a turn on the connection (the two refused ones too), and the turns'
    # time is counted.
    writer = dict(line.rsplit(" ", 1) for line in m.splitlines()
                  if line.startswith("jianguan_writer_"))
    assert int(writer["jianguan_writer_turns_total"]) >= len(todo) + 1
    assert 0 < float(writer["jianguan_writer_busy_seconds_total"]) < 60
    assert run_cli("verify", "audit", "--db", s.db).returncode == 0


def file_size_limit(limit):
    """A preexec_fn: the server's files may not grow past limit bytes (RLIMIT_FSIZE), as on a
    full disk."""
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_full_disk_answers_503_and_reads_go_on(template):
    if dbkit.IS_PG:
        pytest.skip("SQLite only: RLIMIT_FSIZE fills the disk under the server's own database "
                    "file; PostgreSQL's files are written by the database server")
    size = os.path.getsize(template.db)
    s = Server(template, preexec_fn=file_size_limit(size + 96 * 1024))
    try:
        admin = s.tokens["admin"]
        statuses, created = [], []
        for i, code in enumerate(codes("DF", 400)):
            r = s.req("POST", ENT, entity(code, i), token=admin)
            statuses.append(r.status)
            if r.status == 201:
                created.append(code)
            else:
                assert r.status == 503, (r.status, r.raw[:300])
                assert r.error()["code"] == "unavailable", r.raw[:300]
            if statuses.count(503) >= 3:
                break
        assert 503 in statuses, "the file-size limit was never reached"
        assert created, "no write succeeded before the disk filled"
        # Reads go on: health, the list, an entity written before.
        assert s.req("GET", "/healthz").status == 200
        r = s.req("GET", f"{ENT}/{created[0]}", token=admin)
        assert r.status == 200 and r.body["uscc"] == created[0]
        assert s.req("GET", ENT + "?page_size=5", token=admin).status == 200
        assert s.alive()
    finally:
        s.stop()
    # Every acknowledged write is there once the disk has room again; nothing else broke.
    present = db_codes(s.db)
    assert set(created) <= present
    assert integrity(s.db) == "ok"
    assert run_cli("verify", "audit", "--db", s.db).returncode == 0
    s.cleanup()


def test_slow_pool_full_answers_503(server_factory):
    """With one slow worker and its queue full of logins (argon2id), a further slow request is
    refused at once with 503 overloaded and Retry-After, while reads are answered."""
    s = server_factory("--workers", "1", "--max-queue", "4", "--login-rate", "0")
    results = []

    def login(i):
        r = s.req("POST", "/api/v1/auth/login",
                  {"username": f"nobody{i}", "password": "wrong-password"}, timeout=120)
        results.append((r.status, r.headers.get("Retry-After"),
                        r.body["error"]["code"] if isinstance(r.body, dict) else None))

    threads = [threading.Thread(target=login, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    t0 = time.monotonic()
    assert s.req("GET", "/healthz").status == 200
    assert time.monotonic() - t0 < 1.0, "a read waited behind the slow pool"
    for t in threads:
        t.join()
    refused = [x for x in results if x[0] == 503]
    assert refused, "the slow queue never filled"
    assert all(code == "overloaded" and ra == "1" for _, ra, code in refused), refused[:3]
    assert all(st in (401, 503) for st, _, _ in results), {st for st, _, _ in results}
    m = s.req("GET", "/metrics", token=s.tokens["admin"]).body
    line = next(ln for ln in m.splitlines() if ln.startswith('jianguan_pool_refused_total{pool="slow"}'))
    assert int(line.rsplit(" ", 1)[1]) == len(refused)
