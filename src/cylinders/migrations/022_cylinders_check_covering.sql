-- The filling check reads a cylinder by its code (cylinders_facts_read_as). Through
-- cylinders_code that is the index and then the table row: two descents, and the pages of the
-- whole table in the working set, which a reader's page cache loses at every commit (SQLite
-- drops it when the write-ahead log has changed). This index holds every column the check
-- reads, so that it reads one entry and the hot pages are a tenth as many (at city scale: a
-- check read 0.10 pages from the file against 0.25). SQLite's planner chooses it given
-- statistics (analysed here, by the demo and bulk imports, and at every server start:
-- db_refresh_stats), the unique index without. PostgreSQL would still visit the heap for rows
-- updated since the last vacuum (each filling updates one), so it keeps cylinders_code alone.
-- @sqlite
CREATE INDEX cylinders_check
    ON cylinders(code, type, station, status, manufactured, last_inspection, last_filled_at);
ANALYZE cylinders;
-- @end
