-- M5 inspections and enforcement (检查执法): campaigns (专项行动), inspection records with
-- their inspectors and the re-checks of rectification orders, cases (立案) with their decision
-- and revisits (案件回访). Every table carries a region or a path to one.

CREATE TABLE enforcement_campaigns (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    department  INTEGER NOT NULL REFERENCES departments(id),
    region      TEXT NOT NULL REFERENCES regions(code),      -- the creator's
    sector      TEXT NOT NULL,
    period_from TEXT NOT NULL CHECK (length(period_from) = 10),
    period_to   TEXT NOT NULL CHECK (length(period_to) = 10),
    in_scope    INTEGER NOT NULL DEFAULT 0 CHECK (in_scope >= 0), -- units the bureau declares
    status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
    note        TEXT NOT NULL DEFAULT '',
    created_by  INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    CHECK (period_to >= period_from)
) STRICT;
CREATE INDEX enforcement_campaigns_region ON enforcement_campaigns(region, id);
CREATE INDEX enforcement_campaigns_status ON enforcement_campaigns(status, id);
CREATE INDEX enforcement_campaigns_department ON enforcement_campaigns(department, id);
CREATE INDEX enforcement_campaigns_sector ON enforcement_campaigns(sector, id);

-- One inspection of one entity. region and industry are the entity's when inspected, so
-- coverage counts and county scoping read this table alone. A random-task record (kind
-- random) is written by M4 through enforcement_record_random, one per task and entity.
CREATE TABLE enforcement_inspections (
    id             INTEGER PRIMARY KEY,
    uscc           TEXT NOT NULL CHECK (length(uscc) = 18),
    region         TEXT NOT NULL REFERENCES regions(code),
    industry       TEXT NOT NULL DEFAULT '',
    kind           TEXT NOT NULL CHECK (kind IN ('routine', 'campaign', 'random')),
    campaign       INTEGER REFERENCES enforcement_campaigns(id),
    task           INTEGER REFERENCES inspection_tasks(id),
    department     INTEGER NOT NULL REFERENCES departments(id),
    inspected_on   TEXT NOT NULL CHECK (length(inspected_on) = 10),
    inspectors     TEXT NOT NULL DEFAULT '[]',               -- JSON array of user ids
    outcome        TEXT NOT NULL CHECK (outcome IN ('pass', 'rectify', 'interview', 'case')),
    note           TEXT NOT NULL DEFAULT '',
    rectify_by     TEXT CHECK (rectify_by IS NULL OR length(rectify_by) = 10),
    rectification  TEXT CHECK (rectification IS NULL OR rectification IN ('open', 'done')),
    rectified_on   TEXT CHECK (rectified_on IS NULL OR length(rectified_on) = 10),
    rechecks       INTEGER NOT NULL DEFAULT 0,               -- failed re-checks so far
    recorded_by    INTEGER REFERENCES users(id),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    CHECK ((kind = 'campaign') = (campaign IS NOT NULL)),
    CHECK ((kind = 'random') = (task IS NOT NULL)),
    CHECK ((outcome = 'rectify') = (rectify_by IS NOT NULL)),
    CHECK ((outcome = 'rectify') = (rectification IS NOT NULL))
) STRICT;
CREATE INDEX enforcement_inspections_region ON enforcement_inspections(region, id);
CREATE INDEX enforcement_inspections_uscc ON enforcement_inspections(uscc, id);
CREATE INDEX enforcement_inspections_kind ON enforcement_inspections(kind, id);
-- The campaign counters: covering (campaign, outcome, uscc).
CREATE INDEX enforcement_inspections_campaign ON enforcement_inspections(campaign, outcome, uscc);
CREATE UNIQUE INDEX enforcement_inspections_task ON enforcement_inspections(task, uscc);
CREATE INDEX enforcement_inspections_department ON enforcement_inspections(department, id);
CREATE INDEX enforcement_inspections_outcome ON enforcement_inspections(outcome, id);
CREATE INDEX enforcement_inspections_on ON enforcement_inspections(inspected_on, uscc);
CREATE INDEX enforcement_inspections_rectification
    ON enforcement_inspections(rectification, rectify_by) WHERE rectification IS NOT NULL;
CREATE INDEX enforcement_inspections_industry ON enforcement_inspections(industry, inspected_on);

-- Who took part in which inspection (an inspector's own records, the inspector filter).
CREATE TABLE enforcement_inspectors (
    inspection INTEGER NOT NULL REFERENCES enforcement_inspections(id),
    inspector  INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (inspection, inspector)
) STRICT;
CREATE INDEX enforcement_inspectors_inspector ON enforcement_inspectors(inspector, inspection);

-- The re-checks of a rectification order: a failed one keeps the order open, a passed one
-- closes it.
CREATE TABLE enforcement_rechecks (
    id          INTEGER PRIMARY KEY,
    inspection  INTEGER NOT NULL REFERENCES enforcement_inspections(id),
    checked_on  TEXT NOT NULL CHECK (length(checked_on) = 10),
    passed      INTEGER NOT NULL CHECK (passed IN (0, 1)),
    note        TEXT NOT NULL DEFAULT '',
    recorded_by INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX enforcement_rechecks_inspection ON enforcement_rechecks(inspection, id);

-- 立案: a case against an entity, from an inspection or not, its decision and closing.
-- fine is in fen (the platform's money unit).
CREATE TABLE enforcement_cases (
    id                INTEGER PRIMARY KEY,
    uscc              TEXT NOT NULL CHECK (length(uscc) = 18),
    region            TEXT NOT NULL REFERENCES regions(code),
    inspection        INTEGER REFERENCES enforcement_inspections(id),
    department        INTEGER NOT NULL REFERENCES departments(id),
    opened_on         TEXT NOT NULL CHECK (length(opened_on) = 10),
    violation         TEXT NOT NULL,
    basis             TEXT NOT NULL DEFAULT '',
    harm              TEXT NOT NULL CHECK (harm IN ('slight', 'ordinary', 'serious')),
    corrected_in_time INTEGER CHECK (corrected_in_time IS NULL OR corrected_in_time IN (0, 1)),
    status            TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'decided', 'closed')),
    decision          TEXT CHECK (decision IS NULL OR decision IN ('no_penalty', 'lighter',
                                                                   'penalty', 'dismissed')),
    fine              INTEGER CHECK (fine IS NULL OR fine >= 0),
    decided_on        TEXT CHECK (decided_on IS NULL OR length(decided_on) = 10),
    decision_note     TEXT,
    closed_on         TEXT CHECK (closed_on IS NULL OR length(closed_on) = 10),
    opened_by         INTEGER REFERENCES users(id),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    CHECK ((status = 'open') = (decision IS NULL))
) STRICT;
CREATE INDEX enforcement_cases_uscc ON enforcement_cases(uscc, opened_on);
CREATE INDEX enforcement_cases_region ON enforcement_cases(region, id);
CREATE UNIQUE INDEX enforcement_cases_inspection ON enforcement_cases(inspection);
CREATE INDEX enforcement_cases_department ON enforcement_cases(department, id);
CREATE INDEX enforcement_cases_status ON enforcement_cases(status, id);
CREATE INDEX enforcement_cases_decision ON enforcement_cases(decision, id);
CREATE INDEX enforcement_cases_harm ON enforcement_cases(harm, id);
CREATE INDEX enforcement_cases_opened ON enforcement_cases(opened_on, id);

-- 案件回访: visits after the decision; the first one closes a decided case.
CREATE TABLE enforcement_revisits (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES enforcement_cases(id),
    visited_on  TEXT NOT NULL CHECK (length(visited_on) = 10),
    satisfied   INTEGER NOT NULL CHECK (satisfied IN (0, 1)),
    note        TEXT NOT NULL DEFAULT '',
    recorded_by INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX enforcement_revisits_case ON enforcement_revisits(case_id, id);
