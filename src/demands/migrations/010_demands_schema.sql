-- M2 enterprise demands (诉求通): the demand, its event history, the departments assisting a
-- large one, and the deadline of each tier in working days.

CREATE TABLE demands (
    id            INTEGER PRIMARY KEY,
    uscc          TEXT NOT NULL CHECK (length(uscc) = 18),
    region        TEXT NOT NULL REFERENCES regions(code),   -- the entity's, when filed
    chain         INTEGER REFERENCES chains(id),            -- the entity's, when filed
    officer       INTEGER REFERENCES users(id),             -- the entity's officer, when filed
    title         TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
    body          TEXT NOT NULL,
    category      TEXT NOT NULL CHECK (category IN ('funding', 'land', 'energy', 'finance',
                                                    'talent', 'approval', 'policy', 'other')),
    channel       TEXT NOT NULL CHECK (channel IN ('qr', 'web', 'phone', 'visit', 'officer')),
    tier          TEXT CHECK (tier IS NULL OR tier IN ('small', 'medium', 'large')),
    status        TEXT NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'triaged',
                      'assigned', 'in_progress', 'returned', 'resolved', 'closed', 'merged')),
    returned_from TEXT,                                      -- the state `supply` goes back to
    office_region TEXT REFERENCES regions(code),            -- the chain office that routes it
    assignee      INTEGER REFERENCES users(id),             -- the officer of a small demand
    department    INTEGER REFERENCES departments(id),       -- the (lead) department
    merged_into   INTEGER REFERENCES demands(id),
    filed_by      INTEGER REFERENCES users(id),
    filed_at      INTEGER NOT NULL,
    due           TEXT CHECK (due IS NULL OR length(due) = 10),
    late          INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1)), -- resolved after its due day
    resolution    TEXT,
    resolved_at   INTEGER,
    closed_at     INTEGER,
    days_to_close INTEGER,                                  -- working days, filing to closing
    rating        INTEGER CHECK (rating IS NULL OR rating BETWEEN 1 AND 5),
    comment       TEXT,
    updated_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX demands_uscc ON demands(uscc, id);
CREATE INDEX demands_officer ON demands(officer, id);
CREATE INDEX demands_office ON demands(office_region, id);
CREATE INDEX demands_department ON demands(department, id);
CREATE INDEX demands_status ON demands(status, id);
CREATE INDEX demands_region ON demands(region, id);
CREATE INDEX demands_filed ON demands(filed_at);

-- Who did what, when and why: one row per transition, written with the demand's own change.
CREATE TABLE demand_events (
    id          INTEGER PRIMARY KEY,
    demand      INTEGER NOT NULL REFERENCES demands(id),
    at          INTEGER NOT NULL,
    actor       INTEGER REFERENCES users(id),
    action      TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX demand_events_demand ON demand_events(demand, id);

-- The departments assisting the lead of a large demand.
CREATE TABLE demand_assists (
    demand     INTEGER NOT NULL REFERENCES demands(id),
    department INTEGER NOT NULL REFERENCES departments(id),
    PRIMARY KEY (demand, department)
) STRICT;
CREATE INDEX demand_assists_department ON demand_assists(department, demand);

CREATE TABLE demand_deadlines (
    tier TEXT PRIMARY KEY CHECK (tier IN ('small', 'medium', 'large')),
    days INTEGER NOT NULL CHECK (days BETWEEN 1 AND 365)
) STRICT;
INSERT INTO demand_deadlines(tier, days) VALUES ('small', 3), ('medium', 10), ('large', 30);
