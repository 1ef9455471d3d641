-- M1 market-entity registry (市场主体库).

CREATE TABLE entities (
    id                 INTEGER PRIMARY KEY,
    uscc               TEXT NOT NULL UNIQUE CHECK (length(uscc) = 18),
    name               TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    kind               TEXT NOT NULL CHECK (kind IN ('enterprise', 'individual', 'cooperative',
                                                     'other')),
    region             TEXT NOT NULL REFERENCES regions(code),
    legal_rep          TEXT NOT NULL DEFAULT '',
    address            TEXT NOT NULL DEFAULT '',
    industry           TEXT NOT NULL DEFAULT '',
    chain              INTEGER REFERENCES chains(id),
    tier               TEXT NOT NULL DEFAULT 'none' CHECK (tier IN ('none', 'above_scale',
                           'specialized', 'little_giant', 'champion', 'unicorn')),
    credit             TEXT NOT NULL DEFAULT 'B' CHECK (credit IN ('A', 'B', 'C', 'D')),
    status             TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deregistered',
                                                                        'revoked')),
    established        TEXT CHECK (established IS NULL OR length(established) = 10),
    annual_report_year INTEGER,
    officer            INTEGER REFERENCES users(id),
    key                INTEGER NOT NULL DEFAULT 0 CHECK (key IN (0, 1)),
    uscc_flagged       INTEGER NOT NULL DEFAULT 0 CHECK (uscc_flagged IN (0, 1)),
    updated_at         INTEGER NOT NULL
) STRICT;
CREATE INDEX entities_region ON entities(region, id);
CREATE INDEX entities_chain ON entities(chain, id);
CREATE INDEX entities_credit ON entities(credit, id);
CREATE INDEX entities_tier ON entities(tier, id) WHERE tier <> 'none';
CREATE INDEX entities_officer ON entities(officer) WHERE officer IS NOT NULL;

-- Chinese name search: trigrams find fragments of three or more characters; shorter
-- fragments are matched with instr() on entities (see src/registry/registry_search.c).
-- SQLite keeps the trigrams in an FTS5 table; PostgreSQL in a pg_trgm GIN index.
-- @sqlite
CREATE VIRTUAL TABLE entities_fts USING fts5(name, content = 'entities', content_rowid = 'id',
                                             tokenize = 'trigram');
CREATE TRIGGER entities_fts_insert AFTER INSERT ON entities BEGIN
    INSERT INTO entities_fts(rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER entities_fts_delete AFTER DELETE ON entities BEGIN
    INSERT INTO entities_fts(entities_fts, rowid, name) VALUES ('delete', old.id, old.name);
END;
CREATE TRIGGER entities_fts_update AFTER UPDATE OF name ON entities BEGIN
    INSERT INTO entities_fts(entities_fts, rowid, name) VALUES ('delete', old.id, old.name);
    INSERT INTO entities_fts(rowid, name) VALUES (new.id, new.name);
END;
-- @end
-- @postgresql
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX entities_name_trgm ON entities USING gin (name gin_trgm_ops);
-- @end
