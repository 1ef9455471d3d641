"""What only a database server has (issue 10, items 3 and 6), in the PostgreSQL pass:
- a read replica: `serve --db PRIMARY --db-read REPLICA` sends writes to the primary and reads
  to the replica (its own primary and a pg_basebackup -R replica; replay paused, a change is
  written but not yet read, then read once replay resumes);
- the database server restarting under a running jianguan;
- two jianguan processes writing one audit chain."""

import os
import subprocess
import tempfile
import time

import pytest

import dbkit
from conftest import REPO, PASSWORD, run_cli
from test_migrate_data import call, serve, stop

pytestmark = pytest.mark.skipif(
    not dbkit.IS_PG, reason="needs PostgreSQL: runs in the PostgreSQL pass (tests/run-pg.sh)")

CLUSTER = str(REPO / "tools" / "pg-cluster.sh")


def sh(*args):
    r = subprocess.run([CLUSTER, *args], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def on(address, db):
    """address (a cluster's, database postgres) with database db."""
    return address.replace("///postgres?", f"///{db}?")


@pytest.fixture
def primary_and_replica():
    root = tempfile.mkdtemp(prefix="jg-repl-")
    os.chmod(root, 0o755)
    p, r = os.path.join(root, "p"), os.path.join(root, "r")
    try:
        primary = sh("start", p)
        import psycopg2
        c = psycopg2.connect(primary)
        c.autocommit = True
        c.cursor().execute("CREATE DATABASE city")
        c.close()
        yield primary, p, r
    finally:
        if os.path.isdir(r):
            sh("stop", r)
        sh("stop", p)
        os.rmdir(root) if os.path.isdir(root) else None


def test_reads_from_the_replica_writes_to_the_primary(primary_and_replica):
    import psycopg2
    primary, pdir, rdir = primary_and_replica
    db = on(primary, "city")
    assert run_cli("init", "--db", db).returncode == 0
    r = run_cli("user", "add", "--db", db, "--username", "admin", "--role", "admin",
                input=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    token = run_cli("user", "token", "--db", db, "--username", "admin").stdout.strip()
    replica = sh("replica", pdir, rdir)
    rdb = on(replica, "city")

    proc, port = serve(db, "--db-read", rdb)
    try:
        body = {"name": "副本测试商贸有限公司",
                "kind": "enterprise", "region": "371502"}
        from conftest import valid_uscc
        body["uscc"] = valid_uscc("MA3C4XY8")
        status, e = call(port, "POST", "/api/v1/entities", token, body)
        assert status == 201, e
        path = f"/api/v1/entities/{body['uscc']}"
        for _ in range(100):  # the replica catches up within moments
            if call(port, "GET", path, token)[0] == 200:
                break
            time.sleep(0.05)
        assert call(port, "GET", path, token)[1]["legal_rep"] == ""

        rc = psycopg2.connect(rdb)
        rc.autocommit = True
        cur = rc.cursor()
        cur.execute("SELECT pg_is_in_recovery()")
        assert cur.fetchone()[0] is True
        cur.execute("SELECT pg_wal_replay_pause()")
        try:
            status, _ = call(port, "PATCH", path, token, {"legal_rep": "写到主库"})
            assert status == 200  # the write went to the primary
            assert dbkit.query(db, "SELECT legal_rep FROM entities WHERE uscc = ?",
                               (body["uscc"],)) == [("写到主库",)]
            status, seen = call(port, "GET", path, token)
            assert status == 200 and seen["legal_rep"] == ""  # read from the paused replica
            # A login's new token is not on the replica yet: the primary vouches for it.
            status, body = call(port, "POST", "/api/v1/auth/login",
                                body={"username": "admin", "password": PASSWORD})
            assert status == 200
            status, seen = call(port, "GET", path, body["token"])
            assert status == 200 and seen["legal_rep"] == ""
        finally:
            cur.execute("SELECT pg_wal_replay_resume()")
            rc.close()
        for _ in range(100):
            if call(port, "GET", path, token)[1]["legal_rep"] == "写到主库":
                break
            time.sleep(0.05)
        assert call(port, "GET", path, token)[1]["legal_rep"] == "写到主库"
    finally:
        stop(proc)


def test_the_server_outlives_a_database_restart(primary_and_replica):
    """The database server restarts under a running jianguan: the next reads and writes
    reconnect and succeed (no 500 for the request that found the connection gone)."""
    primary, pdir, _ = primary_and_replica
    db = on(primary, "city")
    assert run_cli("init", "--db", db).returncode == 0
    assert run_cli("user", "add", "--db", db, "--username", "admin", "--role", "admin",
                   input=PASSWORD + "\n").returncode == 0
    token = run_cli("user", "token", "--db", db, "--username", "admin").stdout.strip()
    proc, port = serve(db)
    try:
        from conftest import valid_uscc
        body = {"uscc": valid_uscc("RQ7T8W9X"), "name": "重启测试商贸有限公司",
                "kind": "enterprise", "region": "371502"}
        assert call(port, "POST", "/api/v1/entities", token, body)[0] == 201
        bin_dir = sorted(d for d in os.listdir("/usr/lib/postgresql"))[-1]
        ctl = [f"/usr/lib/postgresql/{bin_dir}/bin/pg_ctl", "-D", os.path.join(pdir, "data"),
               "-l", os.path.join(pdir, "server.log"), "-m", "fast", "-w", "restart"]
        if os.geteuid() == 0:
            ctl = ["runuser", "-u", "postgres", "--", *ctl]
        assert subprocess.run(ctl, capture_output=True, timeout=60).returncode == 0
        path = f"/api/v1/entities/{body['uscc']}"
        assert call(port, "GET", path, token)[0] == 200
        assert call(port, "PATCH", path, token, {"legal_rep": "重启之后"})[0] == 200
        assert call(port, "GET", path, token)[1]["legal_rep"] == "重启之后"
    finally:
        stop(proc)


def test_two_servers_write_one_audit_chain(tmp_path):
    """Two server processes on one PostgreSQL database, eight writers at once: every write
    lands, each with its audit row, and the chain is one verifiable line (the advisory lock
    of the write transaction orders the processes' batches)."""
    import threading
    from conftest import valid_uscc
    db = dbkit.new_db(tmp_path / "shared")
    try:
        assert run_cli("init", "--db", db).returncode == 0
        assert run_cli("user", "add", "--db", db, "--username", "admin", "--role", "admin",
                       input=PASSWORD + "\n").returncode == 0
        token = run_cli("user", "token", "--db", db, "--username", "admin").stdout.strip()
        servers = [serve(db), serve(db)]
        try:
            codes = [valid_uscc(f"TW{k:06d}") for k in range(8)]
            for k, code in enumerate(codes):
                body = {"uscc": code, "name": f"双进程测试{k}号商贸有限公司", "kind": "enterprise",
                        "region": "371502"}
                assert call(servers[k % 2][1], "POST", "/api/v1/entities", token, body)[0] == 201
            before = dbkit.query(db, "SELECT count(*) FROM audit_log")[0][0]
            failures = []

            def writer(k):
                port = servers[k % 2][1]
                for i in range(25):
                    status, _ = call(port, "PATCH", f"/api/v1/entities/{codes[k]}", token,
                                     {"legal_rep": f"写者{k}第{i}次"})
                    if status != 200:
                        failures.append(status)

            threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert failures == []
            assert dbkit.query(db, "SELECT count(*) FROM audit_log")[0][0] == before + 200
            ids = [r[0] for r in dbkit.query(db, "SELECT id FROM audit_log ORDER BY id")]
            assert ids == list(range(1, len(ids) + 1))
            for k, code in enumerate(codes):
                assert call(servers[0][1], "GET", f"/api/v1/entities/{code}", token)[1][
                    "legal_rep"] == f"写者{k}第24次"
        finally:
            for proc, _ in servers:
                stop(proc)
        r = run_cli("verify", "audit", "--db", db)
        assert r.returncode == 0 and "intact" in r.stdout, r.stdout
    finally:
        dbkit.drop(db)
