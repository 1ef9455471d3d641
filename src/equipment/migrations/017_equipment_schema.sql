-- M6 special equipment (特种设备, 应检尽检): the categories with their periodic-inspection
-- intervals, the registered units, and each unit's inspection history.

-- The categories of the Special Equipment Safety Law, with the class character of their
-- registration numbers (使用登记证编号) and the periodic-inspection interval the safety technical
-- regulation (TSG) sets; a unit may override the interval (interval_months).
CREATE TABLE equipment_categories (
    code            TEXT PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    reg_char        TEXT NOT NULL UNIQUE,   -- 使用登记证编号的类别代号 (one character)
    interval_months INTEGER NOT NULL CHECK (interval_months BETWEEN 1 AND 120),
    basis           TEXT NOT NULL,          -- the regulation that sets the interval
    pos             INTEGER NOT NULL
) STRICT;

INSERT INTO equipment_categories (code, name, reg_char, interval_months, basis, pos) VALUES
    ('boiler', '锅炉', '锅', 12,
     'TSG G7002-2015《锅炉定期检验规则》：外部检验每年一次，内部检验每两年一次（到期日按每年的外部检验计）', 1),
    ('pressure_vessel', '压力容器', '容', 36,
     'TSG 21-2016《固定式压力容器安全技术监察规程》：首次定期检验于投用后3年内，以后按安全状况等级3至6年（缺省3年，单台可另定）', 2),
    ('elevator', '电梯', '梯', 12,
     'TSG T7001《电梯监督检验和定期检验规则》：定期检验周期为1年', 3),
    ('lifting', '起重机械', '起', 24,
     'TSG Q7015-2016《起重机械定期检验规则》：桥式、门式起重机等每2年；塔式起重机、升降机、流动式起重机每年（单台另定12个月）', 4),
    ('vehicle', '场（厂）内专用机动车辆', '车', 12,
     'TSG N0001-2017《场（厂）内专用机动车辆安全技术规程》：定期检验周期为1年', 5),
    ('ropeway', '客运索道', '索', 12,
     'TSG S7001-2013《客运索道监督检验和定期检验规则》：定期检验每年一次', 6),
    ('amusement', '大型游乐设施', '游', 12,
     'TSG 71-2023《大型游乐设施安全技术规程》：定期检验每年一次', 7),
    ('piping', '压力管道', '管', 36,
     'TSG D7005-2018《压力管道定期检验规则—工业管道》：首次定期检验一般于投用后3年内，以后按安全状况等级（缺省3年）', 8),
    ('cylinder', '气瓶', '瓶', 36,
     'TSG 23-2021《气瓶安全技术规程》：盛装一般气体的气瓶每3年检验一次（使用单位登记的储气瓶组）', 9);

-- A registered unit. region is the owner's (产权单位), so county scoping is a WHERE on an
-- index; user_uscc is the using entity (使用单位), the owner unless given. next_due is the
-- periodic-inspection due date: the last inspection plus the interval, unless set explicitly.
CREATE TABLE equipment (
    id              INTEGER PRIMARY KEY,
    registration_no TEXT NOT NULL UNIQUE,
    category        TEXT NOT NULL REFERENCES equipment_categories(code),
    model           TEXT NOT NULL DEFAULT '',
    product_no      TEXT NOT NULL DEFAULT '',
    owner           TEXT NOT NULL REFERENCES entities(uscc),
    user_uscc       TEXT NOT NULL REFERENCES entities(uscc),
    region          TEXT NOT NULL REFERENCES regions(code),
    address         TEXT NOT NULL DEFAULT '',
    installed_on    TEXT CHECK (installed_on IS NULL OR length(installed_on) = 10),
    interval_months INTEGER CHECK (interval_months IS NULL OR interval_months BETWEEN 1 AND 120),
    last_inspected  TEXT CHECK (last_inspected IS NULL OR length(last_inspected) = 10),
    last_conclusion TEXT CHECK (last_conclusion IS NULL OR last_conclusion IN
                                ('qualified', 'basically_qualified', 'unqualified')),
    next_due        TEXT NOT NULL CHECK (length(next_due) = 10),
    status          TEXT NOT NULL DEFAULT 'in_use' CHECK (status IN ('in_use', 'idle', 'scrapped')),
    updated_at      INTEGER NOT NULL,
    CHECK ((last_conclusion IS NULL) = (last_inspected IS NULL))
) STRICT;
-- The default order (next due first), and the due / overdue filters with and without a county.
CREATE INDEX equipment_due ON equipment(next_due, id);
CREATE INDEX equipment_status_due ON equipment(status, next_due, id);
CREATE INDEX equipment_region_due ON equipment(region, next_due, id);
CREATE INDEX equipment_region_status_due ON equipment(region, status, next_due, id);
CREATE INDEX equipment_category_due ON equipment(category, next_due, id);
CREATE INDEX equipment_owner ON equipment(owner, next_due);
CREATE INDEX equipment_user ON equipment(user_uscc, next_due);

-- One inspection of a unit. due_on is the due date it answered (the unit's next_due when it
-- was recorded), next_due what it set; first_of_due marks the first inspection recorded against
-- that due date (inspections are recorded in date order), the one the 定检率 judges. region and
-- category are the unit's, kept in step with it, so the rate reads this table's index alone.
CREATE TABLE equipment_inspections (
    id            INTEGER PRIMARY KEY,
    unit          INTEGER NOT NULL REFERENCES equipment(id),
    region        TEXT NOT NULL REFERENCES regions(code),
    category      TEXT NOT NULL REFERENCES equipment_categories(code),
    inspected_on  TEXT NOT NULL CHECK (length(inspected_on) = 10),
    conclusion    TEXT NOT NULL CHECK (conclusion IN ('qualified', 'basically_qualified',
                                                      'unqualified')),
    inspector_org TEXT NOT NULL,
    report_no     TEXT NOT NULL DEFAULT '',
    due_on        TEXT NOT NULL CHECK (length(due_on) = 10),
    first_of_due  INTEGER NOT NULL DEFAULT 1 CHECK (first_of_due IN (0, 1)),
    next_due      TEXT NOT NULL CHECK (length(next_due) = 10),
    recorded_by   INTEGER REFERENCES users(id),
    created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX equipment_inspections_unit ON equipment_inspections(unit, due_on, inspected_on);
-- 定检率: the dues of a period, covering.
CREATE INDEX equipment_inspections_due ON equipment_inspections(due_on, first_of_due, region,
                                                                 category, inspected_on);
