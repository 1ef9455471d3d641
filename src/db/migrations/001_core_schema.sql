-- Platform core: reference data, accounts, sessions and the audit chain. Each table names the
-- module that owns (alone writes) it; tools/check-layers.py checks that.

-- @postgresql
-- SQLite's functions that portable statements use, on PostgreSQL: inlined SQL functions.
-- substr takes 64-bit positions (INTEGER columns are BIGINT there); positions are 1 or more.
CREATE FUNCTION instr(text, text) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS 'SELECT strpos($1, $2)';
CREATE FUNCTION substr(text, bigint, bigint) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS 'SELECT substr($1, $2::integer, $3::integer)';
-- @end

-- owner: refdata
CREATE TABLE regions (
    code   TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    level  TEXT NOT NULL CHECK (level IN ('city', 'county', 'zone')),
    parent TEXT REFERENCES regions(code),
    sort   INTEGER NOT NULL
) STRICT;

CREATE TABLE chains (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE departments (
    id     INTEGER PRIMARY KEY,
    name   TEXT NOT NULL UNIQUE,
    factor TEXT NOT NULL CHECK (factor IN ('funding', 'land', 'energy', 'finance', 'talent',
                                           'approval', 'environment', 'policy', 'other')),
    region TEXT NOT NULL REFERENCES regions(code)
) STRICT;

-- Overrides of the Monday-to-Friday rule: official holidays and make-up workdays (调休).
CREATE TABLE calendar_days (
    day  TEXT PRIMARY KEY CHECK (length(day) = 10),
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name TEXT NOT NULL DEFAULT ''
) STRICT;

-- owner: accounts
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'bureau', 'inspector', 'officer',
                        'chain_office', 'department', 'city_office', 'enterprise', 'station',
                        'slaughterhouse')),
    region        TEXT NOT NULL REFERENCES regions(code),
    department    INTEGER REFERENCES departments(id),
    entity        TEXT,
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX users_region ON users(region, role);

-- Bearer tokens are stored as BLAKE2b hashes: a copy of the file does not log anyone in.
-- owner: authz
CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('session', 'api')),
    csrf       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions(user_id);

-- owner: accounts
CREATE TABLE login_failures (
    id       INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    at       INTEGER NOT NULL,
    ip       TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX login_failures_user ON login_failures(username, at);

-- The hash chain: hash = BLAKE2b-256(prev_hash || fields), see src/audit/audit.c.
-- owner: audit
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor     INTEGER,
    ip        TEXT NOT NULL DEFAULT '',
    action    TEXT NOT NULL,
    object    TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT '{}',
    prev_hash BLOB NOT NULL,
    hash      BLOB NOT NULL
) STRICT;
CREATE INDEX audit_object ON audit_log(object, id);

-- The chain's head, so that deleting the newest rows is detected too.
CREATE TABLE audit_head (
    one       INTEGER PRIMARY KEY CHECK (one = 1),
    last_id   INTEGER NOT NULL,
    last_hash BLOB NOT NULL
) STRICT;
