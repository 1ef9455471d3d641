-- Every entity UPDATE names the name column (the record's partial update sets each column to
-- itself when not given), so AFTER UPDATE OF name fired on a credit change too and rewrote
-- the name's FTS row and character pairs. Only a changed name touches the indexes now.
-- (PostgreSQL's trigger, made in 007, already acts on a changed name only.)
-- @sqlite
DROP TRIGGER entities_fts_update;
CREATE TRIGGER entities_fts_update AFTER UPDATE OF name ON entities
WHEN old.name IS NOT new.name BEGIN
    INSERT INTO entities_fts(entities_fts, rowid, name) VALUES ('delete', old.id, old.name);
    INSERT INTO entities_fts(rowid, name) VALUES (new.id, new.name);
END;
DROP TRIGGER entity_bigrams_update;
CREATE TRIGGER entity_bigrams_update AFTER UPDATE OF name ON entities
WHEN old.name IS NOT new.name BEGIN
    DELETE FROM entity_bigrams WHERE id = old.id AND gram IN
        (SELECT substr(old.name, n, 2) FROM name_positions WHERE n < length(old.name));
    INSERT OR IGNORE INTO entity_bigrams(gram, id)
        SELECT substr(new.name, n, 2), new.id FROM name_positions WHERE n < length(new.name);
END;
-- @end
