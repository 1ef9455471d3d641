"""The command line: help, usage errors, user add/list, JIANGUAN_DB."""

import os
import re
import subprocess

import pytest

import dbkit
from conftest import BIN, PASSWORD, assert_no_sanitizer_report, copy_db, has_chinese, run_cli


@pytest.fixture
def db(template, tmp_path):
    return copy_db(template.db, str(tmp_path / "cli.db"))


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["help"], ["serve", "--help"],
                                  ["user", "--help"], ["init", "--help"],
                                  ["verify", "--help"], ["user", "add", "--help"],
                                  ["backup", "--help"], ["demo", "--help"]])
def test_help(args, tmp_path):
    r = run_cli(*args)
    assert r.returncode == 0, r.stderr
    assert "用法" in r.stdout and has_chinese(r.stdout)
    assert_no_sanitizer_report(r.stderr, "help")


def test_help_content():
    top = run_cli("--help").stdout
    for cmd in ("serve", "init", "user", "verify", "version"):
        assert re.search(rf"^\s+{cmd}\s", top, re.M), cmd
    serve = run_cli("serve", "--help").stdout
    for opt in ("--db", "--listen", "--max-body", "--web-root", "JIANGUAN_DB"):
        assert opt in serve
    user = run_cli("user", "--help").stdout
    for word in ("add", "passwd", "list", "token", "--username", "--role"):
        assert word in user


def test_version():
    r = run_cli("version")
    assert r.returncode == 0 and re.fullmatch(r"jianguan \d+\.\d+\.\d+\n", r.stdout)


@pytest.mark.parametrize("args", [[], ["serve", "--bogus"], ["user", "list", "--nope", "x"],
                                  ["init", "--db"], ["no-such-command"], ["user"],
                                  ["user", "frobnicate"], ["verify"], ["verify", "nothing"],
                                  ["serve", "--threads", "x"], ["serve", "extra"]])
def test_usage_errors_exit_2(args):
    r = run_cli(*args)
    assert r.returncode == 2, (args, r.returncode, r.stdout, r.stderr)
    assert has_chinese(r.stderr + r.stdout)
    assert_no_sanitizer_report(r.stderr, "usage error")


def test_user_add_existing_fails(db):
    before = run_cli("user", "list", "--db", db).stdout
    r = run_cli("user", "add", "--db", db, "--username", "county", "--role", "bureau",
                input=PASSWORD + "\n")
    assert r.returncode == 1
    assert "county" in r.stderr and has_chinese(r.stderr)
    assert r.stdout == ""
    assert run_cli("user", "list", "--db", db).stdout == before


def test_user_add_validation(db):
    cases = [(["--username", "ok-user", "--role", "king"], "角色"),
             (["--username", "ok-user", "--role", "bureau", "--region", "123456"], "行政区划"),
             (["--username", "UPPER", "--role", "bureau"], "用户名")]
    for args, word in cases:
        r = run_cli("user", "add", "--db", db, *args, input=PASSWORD + "\n")
        assert r.returncode == 1, args
        assert word in r.stderr, r.stderr
    r = run_cli("user", "add", "--db", db, "--username", "ok-user", "--role", "bureau",
                input="short\n")
    assert r.returncode == 1 and "密码" in r.stderr
    r = run_cli("user", "add", "--db", db, "--username", "ok-user", input=PASSWORD + "\n")
    assert r.returncode == 2  # --role missing
    assert "ok-user" not in run_cli("user", "list", "--db", db).stdout


def test_user_add_prints_id(db):
    r = run_cli("user", "add", "--db", db, "--username", "cli-made", "--role", "officer",
                "--region", "371581", "--display-name", "李四", input=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    assert re.fullmatch(r"\d+\n", r.stdout)
    new_id = int(r.stdout)
    listing = run_cli("user", "list", "--db", db).stdout
    line = next(l for l in listing.splitlines() if "cli-made" in l)
    assert line.split()[:4] == [str(new_id), "cli-made", "officer", "371581"]
    assert line.endswith("李四")


def test_jianguan_db_env(db, tmp_path):
    # In an empty directory the default data/jianguan.db does not exist...
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "JIANGUAN_DB"}
    r = subprocess.run([BIN, "user", "list"], cwd=cwd, env=env,
                                     capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and has_chinese(r.stderr)
    assert not (cwd / "data").exists()
    # ... and JIANGUAN_DB stands in for --db.
    r = subprocess.run([BIN, "user", "list"], cwd=cwd,
                                     env={**env, "JIANGUAN_DB": db},
                                     capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    names = [l.split()[1] for l in r.stdout.splitlines()[1:]]
    assert names[:4] == ["admin", "county", "city", "inspector"]
    # --db wins over the environment.
    r = run_cli("user", "list", "--db", db, env={"JIANGUAN_DB": str(cwd / "missing.db")})
    assert r.returncode == 0 and "county" in r.stdout


def test_user_token_unknown_user(db):
    r = run_cli("user", "token", "--db", db, "--username", "ghost")
    assert r.returncode == 1 and r.stdout == ""
    assert has_chinese(r.stderr)


def test_verify_audit_fresh(db):
    r = run_cli("verify", "audit", "--db", db)
    assert r.returncode == 0
    assert "intact" in r.stdout


def test_serve_bad_listen_address(db):
    r = run_cli("serve", "--db", db, "--listen", "not-an-address", "--web-root", "", timeout=30)
    assert r.returncode == 1
    assert_no_sanitizer_report(r.stderr, "serve")


def test_backup_while_serving(fresh_server, tmp_path):
    s = fresh_server
    if dbkit.IS_PG:
        r = run_cli("backup", "--db", s.db, "--to", str(tmp_path / "copy.db"))
        assert r.returncode == 1 and "pg_dump" in r.stderr, r.stderr
        assert not os.path.exists(tmp_path / "copy.db")
        pytest.skip("SQLite only: jianguan backup copies a database file; on PostgreSQL it "
                    "refuses and names pg_dump (checked)")
    token = s.login("admin")
    r = s.req("PUT", "/api/v1/calendar/2026-12-24", {"kind": "holiday", "name": "备份测试"},
              token=token)
    assert r.status == 200
    dest = str(tmp_path / "copy.db")
    r = run_cli("backup", "--db", s.db, "--to", dest)
    assert r.returncode == 0, r.stderr
    assert_no_sanitizer_report(r.stderr, "backup")
    assert os.path.exists(dest + ".audit-key")
    assert oct(os.stat(dest + ".audit-key").st_mode & 0o777) == "0o600"
    # The copy holds the same rows and its chain verifies with the copied key.
    for table in ("users", "audit_log", "calendar_days", "sessions"):
        q = f"SELECT count(*) FROM {table}"
        assert dbkit.query(dest, q)[0][0] == s.scalar(q)
    v = run_cli("verify", "audit", "--db", dest)
    assert v.returncode == 0 and "intact" in v.stdout, v.stdout + v.stderr
    # An existing file is never overwritten.
    r = run_cli("backup", "--db", s.db, "--to", dest)
    assert r.returncode == 1 and "已存在" in r.stderr
    assert s.req("GET", "/healthz").status == 200
