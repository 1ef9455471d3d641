-- M3 service catalogue (服务归集“一清单”): the service items of the departments, in the four
-- lists of service-oriented supervision (合规指导, 政策集成, 服务发展, 轻微免罚), one model.

CREATE TABLE service_items (
    id          INTEGER PRIMARY KEY,
    list        TEXT NOT NULL CHECK (list IN ('guidance', 'policy', 'service', 'lenient')),
    title       TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
    department  INTEGER NOT NULL REFERENCES departments(id),
    category    TEXT NOT NULL DEFAULT 'other' CHECK (category IN ('funding', 'land', 'energy',
                    'finance', 'talent', 'approval', 'environment', 'policy', 'other')),
    content     TEXT NOT NULL,
    process     TEXT NOT NULL DEFAULT '',
    channel     TEXT NOT NULL DEFAULT '',
    materials   TEXT NOT NULL DEFAULT '',
    time_limit  TEXT NOT NULL DEFAULT '',
    legal_basis TEXT NOT NULL DEFAULT '',
    fee         TEXT NOT NULL DEFAULT '',
    contact     TEXT NOT NULL DEFAULT '',
    updated     TEXT NOT NULL CHECK (length(updated) = 10),             -- YYYY-MM-DD
    status      TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'draft')),
    updated_at  INTEGER NOT NULL
) STRICT;
-- Each list filter has an index that starts with its column. Search (a title or content
-- fragment) scans with instr(): a catalogue holds hundreds of items, not millions.
CREATE INDEX service_items_list ON service_items(list, id);
CREATE INDEX service_items_department ON service_items(department, id);
CREATE INDEX service_items_category ON service_items(category, id);
CREATE INDEX service_items_status ON service_items(status, id);
