"""Fault injection (issue 9, in the spirit of SQLite's I/O-error tests): the server runs with
build/faultfs.so preloaded (tests/fault/faultfs.c), which fails the writes, truncations and
syncs of the database's files (t.db, t.db-wal, t.db-shm) with ENOSPC or EIO on demand. While
the disk fails, every write is refused with 503 and the error shape, never a 2xx, a 500 or a
hang, and reads go on; nothing a refused write did survives it; once the disk works again,
writes succeed and stay written across a restart, and the audit chain verifies throughout.

The shim is preloaded, so these tests cannot run under the sanitizers (ASan must be the first
library loaded): they skip there, saying so."""

import os
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

import dbkit
from conftest import (BIN, REPO, Server, assert_refused, demo_city, get, ok, run_cli,
                      valid_uscc)

ENT = "/api/v1/entities"
SHIM = Path(BIN).resolve().parent / "faultfs.so"
TIMEOUT = 15  # seconds: a request that takes longer is a hang


def sanitized_binary():
    with open(BIN, "rb") as f:
        return b"__asan_init" in f.read()


pytestmark = [
    pytest.mark.skipif(
        os.path.exists(BIN) and sanitized_binary(),
        reason="faultfs.so is an LD_PRELOAD shim, which AddressSanitizer does not allow (it "
               "must be loaded first): the fault-injection tests run in make test only"),
    pytest.mark.skipif(
        dbkit.IS_PG,
        reason="SQLite only: faultfs.so fails the server's own writes to its database files; "
               "PostgreSQL's files are written by the database server"),
]


@pytest.fixture(scope="module")
def shim():
    """The shim, built by make (api's prerequisite) or here when the test runs alone."""
    if not SHIM.exists():
        r = subprocess.run(["make", "-s", "-C", str(REPO),
                            f"B={SHIM.parent.relative_to(REPO)}", f"{SHIM.relative_to(REPO)}"],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    return str(SHIM)


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    return demo_city(tmp_path_factory, "faults", seed=3)


class FaultServer(Server):
    """A server whose database files sit on a disk the test can fail: disk("enospc 0") fails
    every write from now on, disk("eio 3") after three more, disk("off") heals it."""

    def __init__(self, template, shim):
        self._deferred = True
        super().__init__(template)  # copies the database; start() waits for the env below
        self._deferred = False
        self.control = os.path.join(self.tmp, "faultfs.control")
        self.disk("off")
        self.env.update(LD_PRELOAD=shim, FAULTFS_PREFIX=os.path.realpath(self.db),
                        FAULTFS_CONTROL=self.control)
        self.start()

    def start(self):
        if not self._deferred:
            super().start()

    def disk(self, mode):
        """Tells the shim what to do; it reads the file at its next call."""
        tmp = self.control + ".new"
        with open(tmp, "w") as f:
            f.write(mode)
        os.replace(tmp, self.control)

    def stop(self):
        self.disk("off")
        super().stop()


@pytest.fixture
def faulty(city, shim):
    s = FaultServer(city, shim)
    try:
        yield s
    finally:
        try:
            s.stop()
        finally:
            s.cleanup()


def some_entities(db, n):
    with sqlite3.connect(db) as c:
        rows = c.execute("SELECT uscc, name FROM entities WHERE region = '371502'"
                         " AND kind = 'enterprise' ORDER BY id LIMIT ?", (n,)).fetchall()
    c.close()
    return rows


def patch(s, uscc, name):
    return s.req("PATCH", f"{ENT}/{uscc}", {"name": name}, token=s.tokens["admin"],
                 timeout=TIMEOUT)


def create(s, code, n):
    body = {"uscc": code, "name": f"故障注入新建企业{n:03d}有限公司", "kind": "enterprise",
            "region": "371502"}
    return s.req("POST", ENT, body, token=s.tokens["admin"], timeout=TIMEOUT)


def name_of(s, uscc):
    r = s.req("GET", f"{ENT}/{uscc}", token=s.tokens["admin"], timeout=TIMEOUT)
    return ok(r)["name"]


def updates_audited(s, uscc):
    return s.scalar("SELECT count(*) FROM audit_log WHERE action = 'entity.update'"
                    " AND object = ?", (f"entity:{uscc}",))


def assert_chain_intact(s):
    r = s.req("GET", "/api/v1/audit/verify", token=s.tokens["admin"], timeout=60)
    assert ok(r)["intact"] is True, r.body


def assert_reads_go_on(s, uscc, name):
    assert s.req("GET", "/healthz", timeout=TIMEOUT).status == 200
    assert name_of(s, uscc) == name
    assert ok(get(s, ENT, page_size=5, timeout=TIMEOUT))["items"]


@pytest.mark.parametrize("mode", ["enospc", "eio"])
def test_failing_disk_refuses_writes_reads_go_on_and_it_recovers(faulty, mode):
    s = faulty
    (a, a_name), (b, b_name) = some_entities(s.db, 2)
    assert ok(patch(s, a, "故障前改名有限公司"))["name"] == "故障前改名有限公司"
    a_name = "故障前改名有限公司"
    audited = updates_audited(s, a)

    # The disk fails at once: every write is refused, reads are answered.
    s.disk(f"{mode} 0")
    for i in range(3):
        refused_by_disk(patch(s, a, f"坏盘改名{i}有限公司"))
        refused_by_disk(patch(s, b, f"坏盘改名{i}有限公司"))
        refused_by_disk(create(s, valid_uscc(f"FK{i:06d}"), i))
        assert_reads_go_on(s, a, a_name)
    assert name_of(s, b) == b_name
    assert s.alive()

    # The disk fails part-way through a write, at each of its calls in turn (as SQLite's
    # tests fail each I/O in turn): after n more calls, for n = 1, 2, ... until the write
    # needs no more than n. Each is refused whole, and a read shows the name it had.
    n = 0
    while True:
        n += 1
        assert n < 1000, "a write that never ends"
        s.disk(f"{mode} {n}")
        want = f"中途故障{n}改名有限公司"
        r = patch(s, a, want)
        if r.status == 200:
            assert r.body["name"] == want
            a_name = want
            audited += 1
            break
        refused_by_disk(r)
        assert_reads_go_on(s, a, a_name)
        s.disk("off")
        assert name_of(s, a) == a_name
    assert n > 2, "the write succeeded before the disk failed: the shim did nothing"
    # The refused writes left no audit row, and the chain is whole.
    assert updates_audited(s, a) == audited
    assert_chain_intact(s)

    # The disk works again: so do writes.
    s.disk("off")
    healed = f"恢复后改名{mode}有限公司"
    assert ok(patch(s, a, healed))["name"] == healed
    code = valid_uscc("FK999999")
    assert create(s, code, 999).status == 201
    assert name_of(s, a) == healed and name_of(s, b) == b_name
    assert updates_audited(s, a) == audited + 1
    assert_chain_intact(s)

    # And they are durable: a restart reads them back.
    s.stop()
    with sqlite3.connect(s.db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    c.close()
    r = run_cli("verify", "audit", "--db", s.db)
    assert r.returncode == 0, r.stdout + r.stderr
    s.start()
    assert name_of(s, a) == healed
    assert name_of(s, b) == b_name
    assert ok(s.req("GET", f"{ENT}/{code}", token=s.tokens["admin"]))["uscc"] == code
    for i in range(3):
        assert s.req("GET", f"{ENT}/{valid_uscc(f'FK{i:06d}')}",
                     token=s.tokens["admin"]).status == 404


def test_writes_while_the_disk_fails_are_answered_in_time(faulty):
    """Eight clients write at once on a failing disk: each gets 503 (never a 2xx nor a 5xx
    other than 503) within the timeout; then all succeed once it heals."""
    s = faulty
    rows = some_entities(s.db, 8)
    s.disk("eio 0")
    results = []

    def one(uscc, i):
        t0 = time.monotonic()
        r = patch(s, uscc, f"并发坏盘{i}有限公司")
        results.append((r, time.monotonic() - t0))

    threads = [threading.Thread(target=one, args=(u, i)) for i, (u, _) in enumerate(rows)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r, took in results:
        refused_by_disk(r)
        assert took < TIMEOUT
    for uscc, name in rows:
        assert name_of(s, uscc) == name
    s.disk("off")
    for i, (uscc, _) in enumerate(rows):
        assert ok(patch(s, uscc, f"并发恢复{i}有限公司"))["name"] == f"并发恢复{i}有限公司"
    assert_chain_intact(s)


def refused_by_disk(r):
    """A write the failing disk stopped: 503 `unavailable` (surely not saved) or, when the
    disk failed while the commit was being made durable, `commit_in_doubt`. Either way the
    running server does not show it (its transaction was rolled back in memory)."""
    err = assert_refused(r, 503)
    assert err["code"] in ("unavailable", "commit_in_doubt"), err
    return err


def kill_and_restart(s):
    """SIGKILL (no checkpoint, no clean close), heal the disk, start again."""
    s.proc.send_signal(signal.SIGKILL)
    s.proc.wait(timeout=10)
    s.log.close()
    s.proc = None
    s.disk("off")
    s.start()


def test_a_refused_write_stays_refused_after_a_crash(faulty):
    """The server is killed right after a write the disk failed, at each of the write's calls
    in turn (the same write each time, so each attempt makes the same calls). A write refused
    503 `unavailable` is not there after the restart. When the disk failed while the commit
    was being made durable (the WAL's frames written, its sync failed) and kept failing, the
    write may come back after a crash: the server says so, 503 `commit_in_doubt`, and after
    the restart the write is there whole (name and audit row) or not at all."""
    s = faulty
    [(a, a_name)] = some_entities(s.db, 1)
    audited = updates_audited(s, a)
    want = "崩溃前被拒的改名有限公司"
    n, doubts = 0, 0
    while True:
        n += 1
        assert n < 1000, "a write that never ends"
        s.disk(f"eio {n}")
        r = patch(s, a, want)
        if r.status == 200:
            break
        err = assert_refused(r, 503)
        assert err["code"] in ("unavailable", "commit_in_doubt"), err
        kill_and_restart(s)
        after = (name_of(s, a), updates_audited(s, a))
        if err["code"] == "unavailable":
            assert after == (a_name, audited), \
                f"the write refused when the disk failed after {n} calls came back after a crash"
            continue
        doubts += 1
        assert after in ((a_name, audited), (want, audited + 1)), after
        assert_chain_intact(s)
        if after[0] == want:  # it was saved after all: put the old name back for the next n
            r = patch(s, a, a_name)
            assert r.status == 200, r.raw[:300]
            audited += 2
    assert n > 2, "the write succeeded before the disk failed: the shim did nothing"
    assert doubts >= 1, "no failure fell on the commit's sync: the test missed its case"
    kill_and_restart(s)
    assert name_of(s, a) == want and updates_audited(s, a) == audited + 1
    assert_chain_intact(s)
