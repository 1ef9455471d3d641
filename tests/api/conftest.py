"""Black-box harness for the jianguan HTTP API.

Starts the real binary (`$JIANGUAN_BIN`, default <repo>/build/jianguan) on a free loopback
port against a database in a temporary directory, and talks to it with http.client and raw
sockets only (stdlib). A template database (init + four users + API tokens) is built once per
test session and copied for every server, so a fresh server costs no password hashing.

The database is a SQLite file, or a PostgreSQL database when JIANGUAN_TEST_PG names a cluster
(tests/run-pg.sh): dbkit.py makes, copies, opens and drops them.
"""

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

import dbkit

REPO = Path(__file__).resolve().parents[2]
BIN = os.environ.get("JIANGUAN_BIN") or str(REPO / "build" / "jianguan")
PASSWORD = "password-1"

# name -> (role, region or None for the default 371500)
USERS = {
    "admin": ("admin", None),
    "county": ("bureau", "371502"),
    "city": ("bureau", None),
    "inspector": ("inspector", None),
}

SANITIZER_MARKERS = ("runtime error", "AddressSanitizer", "LeakSanitizer")

CJK = re.compile(r"[\u4e00-\u9fff]")


def has_chinese(s):
    return isinstance(s, str) and bool(CJK.search(s))


USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def valid_uscc(org8, division="371502"):
    """A USCC whose two check characters are right (GB 32100, GB 11714)."""
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    c = 11 - sum((int(ch) if ch.isdigit() else ord(ch) - 55) * w
                 for ch, w in zip(org8, weights)) % 11
    body = "91" + division + org8 + ("X" if c == 10 else "0" if c == 11 else str(c))
    total = sum(USCC_CHARSET.index(ch) * pow(3, i, 31) for i, ch in enumerate(body))
    return body + USCC_CHARSET[(31 - total % 31) % 31]


def demo_city(tmp_path_factory, name, seed=5, staff=None):
    """A template on the small demo city (`demo --scale small --seed N`, 7 100 entities) plus an
    administrator `admin`. staff maps logical names to usernames (default: admin only); their
    ids and API tokens come back in ids and tokens, the demo logins' passwords in cred."""
    from types import SimpleNamespace
    d = tmp_path_factory.mktemp(name)
    db = dbkit.new_db(d / f"{name}.db")
    r = run_cli("demo", "--db", db, "--scale", "small", "--seed", str(seed),
                "--credentials", str(d / "credentials.txt"))
    assert r.returncode == 0, r.stderr
    assert_no_sanitizer_report(r.stderr, "demo")
    r = run_cli("user", "add", "--db", db, "--username", "admin", "--role", "admin",
                input=PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    staff = staff or {"admin": "admin"}
    ids, tokens = {}, {}
    with dbkit.connect(db) as c:
        for key, user in staff.items():
            ids[key] = c.execute("SELECT id FROM users WHERE username = ?", (user,)).fetchone()[0]
    for key, user in staff.items():
        r = run_cli("user", "token", "--db", db, "--username", user)
        assert r.returncode == 0, r.stderr
        tokens[key] = r.stdout.strip()
    cred = {}
    for line in (d / "credentials.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            user, password = line.split("\t")[:2]
            cred[user] = password
    return SimpleNamespace(db=db, dir=d, ids=ids, tokens=tokens, cred=cred)


def grow_entities(db, total, tag):
    """Copies existing entity rows, with new 18-character codes starting with tag, until there
    are total. The two-character index's insert trigger is held off (registry_bulk) as the
    demo loader does: full-text search sees the copies, two-character search does not."""
    with dbkit.connect(db) as c:
        have = c.execute("SELECT count(*) FROM entities").fetchone()[0]
        need = total - have
        if need > 0:
            cols = ", ".join(n for n in dbkit.columns(c, "entities") if n not in ("id", "uscc"))
            c.execute("INSERT INTO registry_bulk(one) VALUES (1) ON CONFLICT DO NOTHING")
            c.execute(
                f"WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k"
                f" WHERE n < ? / ? + 1)"
                f" INSERT INTO entities (uscc, {cols})"
                f" SELECT ? || {dbkit.zpad(c, 'k.n * 10000000 + e.id', 16)}, {cols}"
                f" FROM k, (SELECT * FROM entities ORDER BY id LIMIT ?) e"
                f" ORDER BY k.n, e.id LIMIT ?",
                (need, have, tag, have, need))
            c.execute("DELETE FROM registry_bulk")
        c.commit()
        assert c.execute("SELECT count(*) FROM entities").fetchone()[0] == total


def get(s, path, who="admin", timeout=30, **params):
    """GET path?params as who (a key of s.tokens)."""
    from urllib.parse import urlencode
    return s.req("GET", path + ("?" + urlencode(params) if params else ""), token=s.tokens[who],
                 timeout=timeout)


def ok(r):
    assert r.status == 200, (r.status, r.raw[:300])
    return r.body


def assert_refused(r, status, code=None, field=None):
    """r is an error answer of status with a Chinese message (and code, field when given)."""
    assert r.status == status, (r.status, r.raw[:300])
    err = r.error()
    assert has_chinese(err["message"]), err
    if code is not None:
        assert err["code"] == code, err
    if field is not None:
        assert err.get("field") == field, err
    return err


def china_today():
    """Today's date in China (UTC+8), as export file names carry it: "20261202"."""
    return time.strftime("%Y%m%d", time.gmtime(time.time() + 8 * 3600))


def attachment_name(headers):
    """The UTF-8 file name of a Content-Disposition with an ASCII fallback and filename*
    (RFC 6266 / 5987); asserts that shape."""
    from urllib.parse import unquote
    d = headers["Content-Disposition"]
    m = re.fullmatch(r'attachment; filename="export\.(csv|xlsx)"; filename\*=UTF-8\'\'([^\s"]+)', d)
    assert m, d
    name = unquote(m.group(2), encoding="utf-8", errors="strict")
    assert name.endswith("." + m.group(1)), d
    return name


def export_name(title, ext):
    """The name an export of the list called title gets today."""
    return f"{title}_{china_today()}.{ext}"


def run_cli(*args, input=None, env=None, timeout=60):
    """Runs the binary; returns CompletedProcess with text stdout/stderr."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run(
        [BIN, *args],
        input=input,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )


def assert_no_sanitizer_report(text, what):
    for marker in SANITIZER_MARKERS:
        assert marker not in text, f"{what} reported {marker!r}:\n{text[-4000:]}"


def open_files(pid):
    """What the process's descriptors point at now. A descriptor closed while we read the
    folder is skipped: the server's other threads keep working while a test looks."""
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            found.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            continue
    return found


class PortTaken(Exception):
    """The server could not bind its port: another process has it."""


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def copy_db(src, dst):
    """A consistent copy of the database src (the file dst for SQLite, with its audit-chain
    key; a new database for PostgreSQL, src without connections); returns its address."""
    return dbkit.copy_db(src, dst)


class Template:
    """The database every server starts from: init, the four users, one API token each."""

    def __init__(self, root):
        self.dir = Path(root)
        self.db = dbkit.new_db(self.dir / "template.db")
        r = run_cli("init", "--db", self.db)
        assert r.returncode == 0, r.stderr
        assert_no_sanitizer_report(r.stderr, "init")
        self.ids = {}
        for name, (role, region) in USERS.items():
            args = ["user", "add", "--db", self.db, "--username", name, "--role", role]
            if region:
                args += ["--region", region]
            r = run_cli(*args, input=PASSWORD + "\n")
            assert r.returncode == 0, r.stderr
            assert_no_sanitizer_report(r.stderr, "user add")
            lines = r.stdout.splitlines()
            assert len(lines) == 1 and lines[0].isdigit(), r.stdout
            self.ids[name] = int(lines[0])
        self.tokens = {}
        for name in USERS:
            r = run_cli("user", "token", "--db", self.db, "--username", name)
            assert r.returncode == 0, r.stderr
            token = r.stdout.strip()
            assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token), r.stdout
            self.tokens[name] = token


class Response:
    def __init__(self, status, headers, body, raw):
        self.status = status
        self.headers = headers
        self.body = body
        self.raw = raw

    # (status, headers, body) unpacking
    def __iter__(self):
        return iter((self.status, self.headers, self.body))

    def error(self):
        assert isinstance(self.body, dict) and "error" in self.body, self.raw[:500]
        return self.body["error"]


class Server:
    """jianguan serve on a copy of template's database. env: variables added to the server's
    environment (TMPDIR for its export files); preexec_fn: run in the child before exec (a
    resource limit)."""

    def __init__(self, template, extra_args=(), env=None, preexec_fn=None):
        self.template = template
        self.env = dict(os.environ, **(env or {}))
        self.preexec_fn = preexec_fn
        self.tmp = tempfile.mkdtemp(prefix="jg-api-")
        self.db = copy_db(template.db, os.path.join(self.tmp, "t.db"))
        self.ids = dict(template.ids)
        self.tokens = dict(template.tokens)
        self.port = free_port()
        self.log_path = os.path.join(self.tmp, "server.log")
        self.extra_args = list(extra_args)
        self.proc = None
        self.start()

    # -- life cycle -------------------------------------------------------------------------
    def start(self):
        """Starts the server; when another process took its port meanwhile (test runs go side
        by side: free_port cannot reserve it), on a new port."""
        for attempt in range(5):
            try:
                return self._start()
            except PortTaken:
                self.port = free_port()
        raise AssertionError(f"no free port in 5 attempts:\n{self.log_text()}")

    def _start(self):
        self.log = open(self.log_path, "ab")
        start = self.log.tell()  # this start's log lines begin here
        self.proc = subprocess.Popen(
            [BIN, "serve", "--db", self.db, "--listen", f"127.0.0.1:{self.port}",
             "--web-root", "", *self.extra_args],
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            env=self.env,
            preexec_fn=self.preexec_fn,
        )
        deadline = time.monotonic() + 10
        while True:
            said = self.log_bytes()[start:]
            if self.proc.poll() is not None:
                self.log.close()
                if b"Address already in use" in said:
                    raise PortTaken()
                raise AssertionError(f"server exited {self.proc.returncode}:\n{self.log_text()}")
            try:  # healthy, and ours: its log says it serves (another's could answer /healthz)
                if self.req("GET", "/healthz").status == 200 and b'"msg":"serving"' in said:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.proc.kill()
                raise AssertionError("server did not answer /healthz within 10 s")
            time.sleep(0.05)

    def stop(self):
        """SIGTERM; the server must drain and exit 0 within 10 s, with a clean log."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError("server did not exit within 10 s of SIGTERM")
        finally:
            self.log.close()
        assert rc == 0, f"server exit status {rc}:\n{self.log_text()[-4000:]}"
        assert_no_sanitizer_report(self.log_text(), "server")

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)
        dbkit.drop(self.db)

    def log_bytes(self):
        with open(self.log_path, "rb") as f:
            return f.read()

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    # -- HTTP -------------------------------------------------------------------------------
    def req(self, method, path, body=None, token=None, headers=None, raw=None, timeout=30):
        """One request on a new connection. body: JSON-encoded with application/json;
        raw: bytes sent as is (set Content-Type in headers yourself)."""
        h = {}
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            h["Content-Type"] = "application/json"
        if raw is not None:
            data = raw
        if token:
            h["Authorization"] = f"Bearer {token}"
        if headers:
            h.update(headers)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            try:
                conn.request(method, path, body=data, headers=h)
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused from its head (401, 413...) and closed before the whole body
            r = conn.getresponse()
            payload = r.read()
            status, hdrs = r.status, r.headers
        finally:
            conn.close()
        ctype = hdrs.get("Content-Type", "")
        parsed = payload
        if ctype.startswith("application/json") and payload:
            parsed = json.loads(payload.decode("utf-8"))
        elif ctype.startswith("text/") or ctype.startswith("application/yaml"):
            parsed = payload.decode("utf-8")
        return Response(status, hdrs, parsed, payload)

    def login(self, username, password=PASSWORD):
        r = self.req("POST", "/api/v1/auth/login", {"username": username, "password": password})
        assert r.status == 200, (r.status, r.raw[:300])
        return r.body["token"]

    # -- database and CLI -------------------------------------------------------------------
    def sql(self, query, params=()):
        """Runs query (`?` placeholders) on the server's database and commits; returns the
        rows."""
        return dbkit.query(self.db, query, params)

    def scalar(self, query, params=()):
        return self.sql(query, params)[0][0]

    def cli(self, *args, **kw):
        return run_cli(*args, **kw)


def raw_exchange(port, data, timeout=15, chunk_sends=None):
    """Sends bytes on a new TCP connection and reads until the server closes it.
    Returns (bytes received, how it ended: "eof", "reset" or "timeout")."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    got = b""
    how = "eof"
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading everything
        while True:
            try:
                d = s.recv(65536)
            except ConnectionResetError:
                how = "reset"
                break
            except socket.timeout:
                how = "timeout"
                break
            if not d:
                break
            got += d
    finally:
        s.close()
    return got, how


def parse_raw_response(data):
    """Splits a raw HTTP/1.x answer into (status, {lower-name: value}, body)."""
    head, sep, body = data.partition(b"\r\n\r\n")
    assert sep, f"no end of headers in {data[:200]!r}"
    lines = head.decode("iso-8859-1").split("\r\n")
    m = re.fullmatch(r"HTTP/1\.[01] (\d{3})( .*)?", lines[0])
    assert m, f"bad status line {lines[0]!r}"
    headers = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        assert colon, f"bad header line {line!r}"
        headers[name.strip().lower()] = value.strip()
    return int(m.group(1)), headers, body


def pytest_report_header(config):
    return dbkit.describe()


@pytest.fixture(scope="session", autouse=True)
def databases():
    """Drops the PostgreSQL databases the session made, once it is over."""
    yield
    dbkit.drop_all()


@pytest.fixture(scope="session")
def template(tmp_path_factory):
    assert os.access(BIN, os.X_OK), f"no binary at {BIN}: run make -C {REPO} all"
    return Template(tmp_path_factory.mktemp("template"))


@contextlib.contextmanager
def serving(template):
    """A server on a copy of template's database; stopped (exit checked) and removed after."""
    s = Server(template)
    try:
        yield s
    finally:
        try:
            s.stop()
        finally:
            s.cleanup()


@pytest.fixture(scope="session")
def server(template):
    """A server shared by read-mostly tests. Tests that change state restore it."""
    with serving(template) as s:
        yield s


@pytest.fixture
def fresh_server(template):
    """A server of its own, for tests whose state matters (rate limits, audit, fuzz)."""
    with serving(template) as s:
        yield s


@pytest.fixture
def server_factory(template):
    """Starts servers with extra serve options; all are stopped and checked at teardown."""
    made = []

    def make(*extra):
        s = Server(template, extra)
        made.append(s)
        return s

    yield make
    errors = []
    for s in made:
        try:
            s.stop()
        except AssertionError as e:
            errors.append(str(e))
        finally:
            s.cleanup()
    assert not errors, errors
