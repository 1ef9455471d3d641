-- 行政执法证: an inspector's law-enforcement certificate, its number and field (执法领域) and
-- the day it expires. Only inspectors whose certificate is valid on the day of a task's commit
-- enter its pool.
CREATE TABLE inspector_credentials (
    inspector  INTEGER PRIMARY KEY REFERENCES users(id),
    cert_no    TEXT NOT NULL UNIQUE CHECK (length(cert_no) BETWEEN 4 AND 32),
    field      TEXT NOT NULL CHECK (length(field) BETWEEN 1 AND 50),
    expires    TEXT NOT NULL CHECK (length(expires) = 10),
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX inspector_credentials_expires ON inspector_credentials(expires);
