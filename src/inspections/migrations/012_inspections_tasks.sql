-- M4 双随机、一公开: inspection items, conflicts of interest, tasks with their fixed population,
-- the draw (targets and their inspectors) and the results.

-- 事项清单: what may be inspected, on what legal basis, by whom and how often.
CREATE TABLE inspection_items (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    basis       TEXT NOT NULL DEFAULT '',
    department  INTEGER NOT NULL REFERENCES departments(id),
    target_kind TEXT NOT NULL DEFAULT '',
    ratio       REAL NOT NULL DEFAULT 0.05 CHECK (ratio >= 0 AND ratio <= 1),
    frequency   TEXT NOT NULL DEFAULT '',
    method      TEXT NOT NULL DEFAULT '',
    updated_at  INTEGER NOT NULL
) STRICT;

-- 回避: an inspector who must not inspect an entity.
CREATE TABLE inspection_conflicts (
    inspector INTEGER NOT NULL REFERENCES users(id),
    uscc      TEXT NOT NULL CHECK (length(uscc) = 18),
    reason    TEXT NOT NULL,
    PRIMARY KEY (inspector, uscc)
) STRICT;

CREATE TABLE inspection_tasks (
    id                INTEGER PRIMARY KEY,
    title             TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
    region            TEXT NOT NULL REFERENCES regions(code), -- the creator's scope
    status            TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'committed',
                          'drawn', 'in_progress', 'completed', 'published')),
    departments       TEXT NOT NULL,     -- JSON array of department ids
    items             TEXT NOT NULL,     -- JSON array of inspection item ids
    scope             TEXT NOT NULL,     -- JSON {regions, chains, kinds, tiers}
    ratios            TEXT NOT NULL,     -- JSON {A, B, C, D}
    inspectors_per_target INTEGER NOT NULL CHECK (inspectors_per_target BETWEEN 2 AND 8),
    inspector_pool    TEXT NOT NULL,     -- JSON {departments, regions}
    period            TEXT NOT NULL,     -- JSON {from, to}
    exclude_inspected INTEGER NOT NULL DEFAULT 1 CHECK (exclude_inspected IN (0, 1)),
    seed              TEXT,              -- hex; secret until the draw
    seed_hash         TEXT,
    population_hash   TEXT,
    population_size   INTEGER,
    drawn_count       INTEGER,
    created_by        INTEGER REFERENCES users(id),
    created_at        INTEGER NOT NULL,
    committed_at      INTEGER,
    drawn_at          INTEGER,
    completed_at      INTEGER,
    published_at      INTEGER,
    updated_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX inspection_tasks_status ON inspection_tasks(status, id);
CREATE INDEX inspection_tasks_region ON inspection_tasks(region, id);

-- The population a committed task fixed, in code order (pos), with each member's stratum
-- (its credit grade) and whether it was left out (inspected already in the period).
CREATE TABLE inspection_population (
    task     INTEGER NOT NULL REFERENCES inspection_tasks(id),
    pos      INTEGER NOT NULL,
    uscc     TEXT NOT NULL,
    credit   TEXT NOT NULL,
    region   TEXT NOT NULL,
    excluded INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (task, pos)
) STRICT;

-- The pool a committed task fixed, by inspector id, with each one's department.
CREATE TABLE inspection_pool (
    task       INTEGER NOT NULL REFERENCES inspection_tasks(id),
    pos        INTEGER NOT NULL,
    inspector  INTEGER NOT NULL REFERENCES users(id),
    department INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (task, pos)
) STRICT;

-- The draw: each target, its team, and then its result.
CREATE TABLE inspection_targets (
    task       INTEGER NOT NULL REFERENCES inspection_tasks(id),
    uscc       TEXT NOT NULL,
    credit     TEXT NOT NULL,
    region     TEXT NOT NULL,
    team       TEXT NOT NULL,            -- JSON array of inspector ids, seat order
    outcome    TEXT CHECK (outcome IS NULL OR outcome IN ('pass', 'rectify', 'interview', 'case')),
    note       TEXT,
    rectify_by TEXT,
    inspected_on TEXT,
    recorded_by INTEGER REFERENCES users(id),
    PRIMARY KEY (task, uscc)
) STRICT;
CREATE INDEX inspection_targets_uscc ON inspection_targets(uscc, task);

-- Which inspector is on which team, for "my assignments" and the previous-team rule.
CREATE TABLE inspection_assignments (
    task      INTEGER NOT NULL REFERENCES inspection_tasks(id),
    uscc      TEXT NOT NULL,
    inspector INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (task, uscc, inspector)
) STRICT;
CREATE INDEX inspection_assignments_inspector ON inspection_assignments(inspector, task);
CREATE INDEX inspection_assignments_uscc ON inspection_assignments(uscc, task);

-- The relations a committed task fixed between its pool and its population: 2, a conflict of
-- interest (never drawn together); 1, the entity's team in its previous task (avoided).
CREATE TABLE inspection_relations (
    task      INTEGER NOT NULL REFERENCES inspection_tasks(id),
    pos       INTEGER NOT NULL,          -- the member's position in the population
    pool_pos  INTEGER NOT NULL,          -- the inspector's position in the pool
    kind      INTEGER NOT NULL CHECK (kind IN (1, 2)),
    PRIMARY KEY (task, pos, pool_pos)
) STRICT;
