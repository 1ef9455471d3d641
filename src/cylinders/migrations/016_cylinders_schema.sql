-- M7 gas-cylinder filling control (扫码限充、阳光充装): cylinder types as data, filling
-- stations with their licence and permitted media, certified fillers, the cylinders with their
-- owning station, every filling, and every check a station's scanner asked for.

-- What a type of cylinder is, from its standards. The inspection interval, design life and
-- extended life are whole years; the minimum refill interval is this platform's policy per
-- type (basis says why), not a standard's; weights in kilograms bound what a scale may read.
CREATE TABLE cylinder_types (
    code                TEXT PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 16),
    name                TEXT NOT NULL,
    medium              TEXT NOT NULL CHECK (medium IN ('LPG', 'O2', 'N2', 'Ar', 'CO2', 'CNG',
                                                        'C2H2')),
    standard            TEXT NOT NULL,                       -- product standard
    inspection_standard TEXT NOT NULL,                       -- periodic inspection standard
    inspection_years    INTEGER NOT NULL CHECK (inspection_years BETWEEN 1 AND 10),
    design_years        INTEGER NOT NULL CHECK (design_years BETWEEN 1 AND 60),
    extended_years      INTEGER CHECK (extended_years IS NULL OR extended_years > design_years),
    refill_minutes      INTEGER NOT NULL CHECK (refill_minutes BETWEEN 0 AND 525600),
    capacity_kg         REAL NOT NULL CHECK (capacity_kg > 0),   -- rated fill mass
    tare_kg             REAL NOT NULL CHECK (tare_kg > 0),       -- nominal empty weight
    min_weight_kg       REAL NOT NULL CHECK (min_weight_kg > 0), -- a scale reading below: absurd
    max_weight_kg       REAL NOT NULL,                           -- a scale reading above: absurd
    basis               TEXT NOT NULL,
    CHECK (max_weight_kg > min_weight_kg)
) STRICT;

INSERT INTO cylinder_types(code, name, medium, standard, inspection_standard, inspection_years,
                           design_years, extended_years, refill_minutes, capacity_kg, tare_kg,
                           min_weight_kg, max_weight_kg, basis) VALUES
('YSP', '液化石油气钢瓶 YSP35.5（15 kg）', 'LPG',
 'GB 5842-2023《液化石油气钢瓶》；TSG 23-2021《气瓶安全技术规程》',
 'GB/T 8334-2011《液化石油气钢瓶定期检验与评定》', 4, 8, 12, 1440, 14.9, 16.9, 12.0, 45.0,
 '定期检验每 4 年；设计使用年限 8 年，达到设计使用年限后经检验合格可使用至 12 年；同一钢瓶两次充装至少间隔 24 小时（家用 15 kg 钢瓶正常用气周期远长于此，间隔过短提示标签复用或串瓶）'),
('YSP50', '液化石油气钢瓶 YSP118（50 kg）', 'LPG',
 'GB 5842-2023《液化石油气钢瓶》；TSG 23-2021《气瓶安全技术规程》',
 'GB/T 8334-2011《液化石油气钢瓶定期检验与评定》', 4, 8, 12, 720, 49.5, 47.0, 35.0, 150.0,
 '定期检验每 4 年；设计使用年限 8 年，经检验合格可使用至 12 年；商用 50 kg 钢瓶两次充装至少间隔 12 小时'),
('WSP-O2', '工业氧气钢质无缝气瓶（40 L，15 MPa）', 'O2',
 'GB/T 5099.1-2017《钢质无缝气瓶 第1部分》；TSG 23-2021《气瓶安全技术规程》',
 'GB/T 13004-2016《钢质无缝气瓶定期检验与评定》', 3, 30, NULL, 240, 8.6, 55.0, 40.0, 90.0,
 '盛装一般气体的钢质无缝气瓶每 3 年检验一次，设计使用年限 30 年；两次充装至少间隔 4 小时'),
('WSP-N2', '氮气钢质无缝气瓶（40 L，15 MPa）', 'N2',
 'GB/T 5099.1-2017《钢质无缝气瓶 第1部分》；TSG 23-2021《气瓶安全技术规程》',
 'GB/T 13004-2016《钢质无缝气瓶定期检验与评定》', 5, 30, NULL, 240, 7.5, 55.0, 40.0, 90.0,
 '盛装氮气、惰性气体的钢质无缝气瓶每 5 年检验一次，设计使用年限 30 年；两次充装至少间隔 4 小时'),
('CNG-1', '车用压缩天然气钢瓶（CNG-1 型，80 L，20 MPa）', 'CNG',
 'GB/T 17258-2011《汽车用压缩天然气钢瓶》；TSG 23-2021《气瓶安全技术规程》',
 'GB/T 19533-2004《汽车用压缩天然气钢质气瓶定期检验与评定》', 3, 15, NULL, 60, 14.0, 80.0, 60.0,
 130.0,
 '车用压缩天然气钢瓶每 3 年检验一次，设计使用年限 15 年；两次充装至少间隔 1 小时'),
('RDP', '溶解乙炔气瓶（40 L）', 'C2H2',
 'GB/T 11638-2020《乙炔气瓶》；TSG 23-2021《气瓶安全技术规程》',
 'GB/T 13076-2009《溶解乙炔气瓶定期检验与评定》', 3, 30, NULL, 1440, 7.0, 60.0, 45.0, 95.0,
 '溶解乙炔气瓶每 3 年检验一次，设计使用年限 30 年；充装后须静置，两次充装至少间隔 24 小时');

-- A filling station (充装单位): a market entity of the registry with its filling licence
-- (气瓶充装许可证) and the media it may fill (a JSON array of codes). region is the entity's.
CREATE TABLE cylinder_stations (
    uscc            TEXT PRIMARY KEY CHECK (length(uscc) = 18),
    region          TEXT NOT NULL REFERENCES regions(code),
    licence_no      TEXT NOT NULL CHECK (length(licence_no) BETWEEN 1 AND 64),
    licence_expires TEXT NOT NULL CHECK (length(licence_expires) = 10),
    media           TEXT NOT NULL DEFAULT '[]',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX cylinder_stations_licence ON cylinder_stations(licence_no);
CREATE INDEX cylinder_stations_region ON cylinder_stations(region, uscc);
CREATE INDEX cylinder_stations_expires ON cylinder_stations(licence_expires);

-- A certified filler (气瓶充装作业人员) of one station; certificate numbers are personal.
CREATE TABLE cylinder_fillers (
    id           INTEGER PRIMARY KEY,
    station      TEXT NOT NULL REFERENCES cylinder_stations(uscc),
    region       TEXT NOT NULL REFERENCES regions(code),
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    cert_no      TEXT NOT NULL CHECK (length(cert_no) BETWEEN 1 AND 64),
    cert_expires TEXT NOT NULL CHECK (length(cert_expires) = 10),
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX cylinder_fillers_cert ON cylinder_fillers(cert_no);
CREATE INDEX cylinder_fillers_station ON cylinder_fillers(station, id);
CREATE INDEX cylinder_fillers_region ON cylinder_fillers(region, id);
CREATE INDEX cylinder_fillers_expires ON cylinder_fillers(cert_expires);

-- A cylinder, by the code on its QR label. next_inspection and life_ends are derived from the
-- type, manufacture date and last inspection on every write (cylinders.h), so that the lists'
-- "due" filters run on an index; region is the owning station's.
CREATE TABLE cylinders (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL CHECK (length(code) BETWEEN 4 AND 32),
    type            TEXT NOT NULL REFERENCES cylinder_types(code),
    maker           TEXT NOT NULL DEFAULT '',
    serial          TEXT NOT NULL DEFAULT '',
    manufactured    TEXT NOT NULL CHECK (length(manufactured) = 10),
    station         TEXT NOT NULL REFERENCES cylinder_stations(uscc),
    region          TEXT NOT NULL REFERENCES regions(code),
    ownership       TEXT NOT NULL DEFAULT 'owned' CHECK (ownership IN ('owned', 'custody')),
    last_inspection TEXT CHECK (last_inspection IS NULL OR length(last_inspection) = 10),
    status          TEXT NOT NULL DEFAULT 'in_service'
                        CHECK (status IN ('in_service', 'due', 'scrapped')),
    next_inspection TEXT NOT NULL CHECK (length(next_inspection) = 10),
    life_ends       TEXT NOT NULL CHECK (length(life_ends) = 10),
    last_filled_at  INTEGER,
    fillings        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX cylinders_code ON cylinders(code);
CREATE INDEX cylinders_station ON cylinders(station, id);
CREATE INDEX cylinders_region ON cylinders(region, id);
CREATE INDEX cylinders_status ON cylinders(status, id);
CREATE INDEX cylinders_type ON cylinders(type, id);
CREATE INDEX cylinders_next ON cylinders(next_inspection);
CREATE INDEX cylinders_station_next ON cylinders(station, next_inspection);

-- Every filling (阳光充装): durable before it is acknowledged. filled_at is when it happened
-- (an offline scanner's own clock), recorded_at when the server took it; client_ref is the
-- scanner's own id of the filling, so that an upload sent twice records it once.
CREATE TABLE cylinder_fillings (
    id            INTEGER PRIMARY KEY,
    cylinder      TEXT NOT NULL,
    type          TEXT NOT NULL REFERENCES cylinder_types(code),
    station       TEXT NOT NULL REFERENCES cylinder_stations(uscc),
    region        TEXT NOT NULL REFERENCES regions(code),
    filler        INTEGER NOT NULL REFERENCES cylinder_fillers(id),
    medium        TEXT NOT NULL,
    weight_before REAL NOT NULL CHECK (weight_before >= 0),
    weight_after  REAL NOT NULL CHECK (weight_after >= weight_before),
    net_weight    REAL NOT NULL,
    overfill      INTEGER NOT NULL DEFAULT 0 CHECK (overfill IN (0, 1)),
    filled_at     INTEGER NOT NULL,
    recorded_at   INTEGER NOT NULL,
    source        TEXT NOT NULL DEFAULT 'online' CHECK (source IN ('online', 'offline')),
    client_ref    TEXT,
    recorded_by   INTEGER REFERENCES users(id)
) STRICT;
CREATE INDEX cylinder_fillings_cylinder ON cylinder_fillings(cylinder, filled_at);
CREATE INDEX cylinder_fillings_station ON cylinder_fillings(station, filled_at);
CREATE INDEX cylinder_fillings_region ON cylinder_fillings(region, filled_at);
CREATE INDEX cylinder_fillings_filled ON cylinder_fillings(filled_at);
CREATE UNIQUE INDEX cylinder_fillings_client ON cylinder_fillings(station, client_ref)
    WHERE client_ref IS NOT NULL;

-- Every answer a scanner was given (扫码限充), allowed or not, with the reason codes (a JSON
-- array). Written in batches by a background writer after the answer (cylinders.h: at most
-- about a second of them may be lost in a crash). cylinder is the code as scanned.
CREATE TABLE cylinder_checks (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    station  TEXT NOT NULL,
    region   TEXT NOT NULL,
    cylinder TEXT NOT NULL,
    filler   INTEGER,
    medium   TEXT NOT NULL,
    allowed  INTEGER NOT NULL CHECK (allowed IN (0, 1)),
    reasons  TEXT NOT NULL DEFAULT '[]',
    source   TEXT NOT NULL DEFAULT 'check' CHECK (source IN ('check', 'filling', 'batch')),
    actor    INTEGER
) STRICT;
CREATE INDEX cylinder_checks_station ON cylinder_checks(station, at);
CREATE INDEX cylinder_checks_region ON cylinder_checks(region, at);
CREATE INDEX cylinder_checks_at ON cylinder_checks(at);
CREATE INDEX cylinder_checks_cylinder ON cylinder_checks(cylinder, at);
CREATE INDEX cylinder_checks_allowed ON cylinder_checks(allowed, at);
