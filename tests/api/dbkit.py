"""The database under test: SQLite files by default, PostgreSQL when JIANGUAN_TEST_PG holds a
cluster's address (tools/pg-cluster.sh start prints one; tests/run-pg.sh sets it).

A database is named by its address, as the binary takes it with --db: a file path for SQLite,
postgresql:///NAME?host=DIR&user=... for PostgreSQL. new_db() and copy_db() hand out
addresses; connect() opens either kind with one small interface (`?` placeholders, rows as
tuples, blobs as bytes) so a test's SQL reads the same on both engines. The few pieces of SQL
that differ have a helper here (columns, zpad, all_blobs, check_values, integrity), and
SQLite's instr() is translated for PostgreSQL.

On PostgreSQL every database made here is dropped at the end of the session (drop_all, called
by conftest), and the audit-chain key of every database is one file (JIANGUAN_AUDIT_KEY, set
here when the caller did not), since a server's default, data/<name>.audit-key, would land in
the current directory.
"""

import atexit
import itertools
import os
import re
import shutil
import sqlite3
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

PG = os.environ.get("JIANGUAN_TEST_PG") or None
ENGINE = "postgresql" if PG else "sqlite"
IS_PG = PG is not None

if IS_PG:
    import psycopg2

    if not os.environ.get("JIANGUAN_AUDIT_KEY"):
        _key_dir = tempfile.mkdtemp(prefix="jg-audit-key-")
        os.environ["JIANGUAN_AUDIT_KEY"] = os.path.join(_key_dir, "audit-key")
        atexit.register(shutil.rmtree, _key_dir, True)

_made = []  # names of the PostgreSQL databases made by this process
_serial = itertools.count(1)


def describe():
    """One line saying which engine this run tests (the pytest header shows it)."""
    if IS_PG:
        key = os.environ["JIANGUAN_AUDIT_KEY"]
        return f"database engine: PostgreSQL at {PG} (audit key {key})"
    return "database engine: SQLite (files in temporary directories)"


def is_server(db):
    return str(db).startswith(("postgresql://", "postgres://"))


# -- PostgreSQL databases ---------------------------------------------------------------------

def _address(name):
    """The cluster's address with its database name replaced by name."""
    u = urlsplit(PG)  # (urlunsplit would drop the empty host of postgresql:///name)
    return f"{u.scheme}://{u.netloc}/{name}" + (f"?{u.query}" if u.query else "")


def db_name(db):
    """The database name of a postgresql:// address."""
    return urlsplit(str(db)).path.lstrip("/")


def _maintenance():
    c = psycopg2.connect(PG)
    c.autocommit = True
    return c


def _fresh_name(hint):
    stem = re.sub(r"[^a-z0-9]+", "_", Path(str(hint)).stem.lower()).strip("_") or "db"
    return f"jg_{os.getpid()}_{next(_serial)}_{stem}"[:63]


def _create(name, template=None):
    sql = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
    c = _maintenance()
    try:
        # A copy needs its template without connections; one that just closed (a CLI that
        # exited, a server stopped) may take a moment to leave.
        for attempt in range(50):
            try:
                c.cursor().execute(sql)
                break
            except psycopg2.errors.ObjectInUse:
                if attempt == 49:
                    raise
                time.sleep(0.1)
    finally:
        c.close()
    _made.append(name)
    return _address(name)


def drop(db):
    """Removes a database made here (PostgreSQL; a SQLite file goes with its directory)."""
    if not IS_PG or not is_server(db):
        return
    name = db_name(db)
    c = _maintenance()
    try:
        c.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        c.close()
    if name in _made:
        _made.remove(name)


def drop_all():
    """Drops every database this process made (end of the session)."""
    for name in list(_made):
        try:
            drop(_address(name))
        except Exception:  # noqa: BLE001 - the cluster may be gone already
            pass


# -- addresses ----------------------------------------------------------------------------------

def new_db(path):
    """The address of a new, empty database (the binary's init or demo fills it). path is
    where a SQLite file goes (returned as is); on PostgreSQL its name only gives the new
    database's name a hint."""
    if not IS_PG:
        return str(path)
    return _create(_fresh_name(path))


def copy_db(src, dst):
    """A consistent copy of the database src; returns the copy's address. SQLite: the file dst
    made with the backup API (its WAL included), with the audit-chain key that lives beside it.
    PostgreSQL: a new database made from src as its template (src must have no connections:
    stop its server first); dst's name is a hint for the new name."""
    if is_server(src):
        return _create(_fresh_name(dst), template=db_name(src))
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()
    if os.path.exists(str(src) + ".audit-key"):
        shutil.copyfile(str(src) + ".audit-key", str(dst) + ".audit-key")
    return str(dst)


# -- connections --------------------------------------------------------------------------------

_QUOTED = re.compile(r"""('[^']*'|"[^"]*")""")


def _pg_text(query):
    """A query with `?` placeholders in psycopg2's words: `?` outside quotes becomes %s and
    every literal % is doubled. SQLite's instr(text, part) is PostgreSQL's strpos (the same
    arguments and answer), so tests may count matches as the server's one-character search
    does."""
    out = []
    for k, part in enumerate(_QUOTED.split(query)):
        part = part.replace("%", "%%")
        if k % 2 == 0:  # outside quotes
            part = re.sub(r"\binstr\(", "strpos(", part.replace("?", "%s"))
        out.append(part)
    return "".join(out)


def _value(v):
    """A PostgreSQL value as SQLite's module gives it: bytea as bytes, whole numerics as int,
    booleans as 0/1."""
    if isinstance(v, memoryview):
        return v.tobytes()
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


class Cursor:
    """The result of Conn.execute: fetchone, fetchall, iteration, rowcount."""

    def __init__(self, cur, pg):
        self._cur = cur
        self._pg = pg
        self.rowcount = cur.rowcount

    def _row(self, row):
        return None if row is None else tuple(_value(v) for v in row)

    def fetchone(self):
        row = self._cur.fetchone() if self._cur.description else None
        return self._row(row) if self._pg else row

    def fetchall(self):
        rows = self._cur.fetchall() if self._cur.description else []
        return [self._row(r) for r in rows] if self._pg else rows

    def __iter__(self):
        return iter(self.fetchall())


class Conn:
    """A connection to db (either engine): execute(query, params) with `?` placeholders,
    commit, close; as a context manager it commits (or rolls back on an exception) and
    closes."""

    def __init__(self, db, timeout=10):
        self.pg = is_server(db)
        if self.pg:
            self._c = psycopg2.connect(str(db))
        else:
            self._c = sqlite3.connect(str(db), timeout=timeout)

    def execute(self, query, params=()):
        if self.pg:
            cur = self._c.cursor()
            cur.execute(_pg_text(query), tuple(params))
            return Cursor(cur, True)
        return Cursor(self._c.execute(query, params), False)

    def commit(self):
        self._c.commit()

    def rollback(self):
        self._c.rollback()

    def close(self):
        if self._c is not None:
            self._c.close()
            self._c = None

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        try:
            if self._c is not None:
                if kind is None:
                    self._c.commit()
                else:
                    self._c.rollback()
        finally:
            self.close()
        return False


def connect(db, timeout=10):
    return Conn(db, timeout)


def query(db, sql, params=()):
    """Runs one statement on its own connection, commits, returns its rows (a list)."""
    with connect(db) as c:
        return c.execute(sql, params).fetchall()


# -- SQL that differs ---------------------------------------------------------------------------

def columns(c, table):
    """The column names of table, in order, on connection c."""
    if c.pg:
        rows = c.execute("SELECT column_name FROM information_schema.columns"
                         " WHERE table_schema = current_schema() AND table_name = ?"
                         " ORDER BY ordinal_position", (table,))
        return [r[0] for r in rows]
    return [r[1] for r in c.execute(f"PRAGMA table_info({table})")]


def zpad(c, expr, width):
    """SQL for the integer expr as text, zero-padded to width digits."""
    if c.pg:
        return f"lpad(CAST({expr} AS TEXT), {int(width)}, '0')"
    return f"printf('%0{int(width)}d', {expr})"


def all_blobs(db, table, column):
    """Whether every value of table.column is a blob (SQLite: each value's type; PostgreSQL:
    the column's, bytea)."""
    with connect(db) as c:
        if c.pg:
            return c.execute("SELECT data_type FROM information_schema.columns"
                             " WHERE table_schema = current_schema() AND table_name = ?"
                             " AND column_name = ?", (table, column)).fetchone() == ("bytea",)
        return c.execute(f"SELECT count(*) FROM {table} WHERE typeof({column}) <> 'blob'"
                         ).fetchone()[0] == 0


def check_values(db, table, column):
    """The values a CHECK (column IN (...)) constraint of table allows, in order."""
    with connect(db) as c:
        if c.pg:
            defs = [d for (d,) in c.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = CAST(? AS regclass) AND contype = 'c'", (table,))]
            # PostgreSQL keeps IN (...) as (column = ANY (ARRAY['a'::text, ...])).
            for d in defs:
                m = re.search(r"\(+" + column + r"\)? = ANY \(+ARRAY\[(.*?)\]", d, re.S)
                if m:
                    return re.findall(r"'([^']*)'", m.group(1))
            raise AssertionError(f"no CHECK on {table}.{column}: {defs}")
        sql = c.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                        (table,)).fetchone()[0]
    m = re.search(r"CHECK \(" + column + r" IN \((.*?)\)\)", sql, re.S)
    assert m, f"no CHECK on {table}.{column}"
    return re.findall(r"'([^']*)'", m.group(1))


def integrity(db):
    """"ok" when the database is sound. SQLite: PRAGMA integrity_check. PostgreSQL: amcheck's
    B-tree check of every index of the schema (the extension is added on first use) and a read
    of every table."""
    with connect(db) as c:
        if not c.pg:
            return c.execute("PRAGMA integrity_check").fetchone()[0]
        c.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
        c.commit()
        indexes = c.execute(
            "SELECT i.indexrelid::regclass::text FROM pg_index i"
            " JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace"
            " JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_am a ON a.oid = x.relam"
            " WHERE n.nspname = current_schema() AND a.amname = 'btree'").fetchall()
        for (index,) in indexes:
            c.execute("SELECT bt_index_check(CAST(? AS regclass), true)", (index,))
        tables = c.execute("SELECT tablename FROM pg_tables"
                           " WHERE schemaname = current_schema()").fetchall()
        for (table,) in tables:
            c.execute(f'SELECT count(*) FROM "{table}"').fetchone()
        return "ok"
