-- Two-character name search (聊城, 副食, 技术: short fragments are common in Chinese) through
-- an index of every name's character pairs, replacing the trigram vocabulary and name-tail
-- index of 005, which had to scan the table for common pairs. A name of n characters has
-- n - 1 pairs (names are at most 100 characters: name_positions holds 1..100). Triggers keep
-- the index; while registry_bulk holds its row (the demo's bulk load) the insert trigger is
-- off and the loader rebuilds the index at the end, in key order (registry_search_bulk).
CREATE TABLE name_positions (n INTEGER PRIMARY KEY) STRICT;
INSERT INTO name_positions(n)
    WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 100) SELECT i FROM k;

CREATE TABLE registry_bulk (one INTEGER PRIMARY KEY CHECK (one = 1)) STRICT;

CREATE TABLE entity_bigrams (
    gram TEXT NOT NULL,
    id   INTEGER NOT NULL,
    PRIMARY KEY (gram, id)
) STRICT, WITHOUT ROWID;

-- @sqlite
CREATE TRIGGER entity_bigrams_insert AFTER INSERT ON entities
WHEN NOT EXISTS (SELECT 1 FROM registry_bulk) BEGIN
    INSERT OR IGNORE INTO entity_bigrams(gram, id)
        SELECT substr(new.name, n, 2), new.id FROM name_positions WHERE n < length(new.name);
END;
CREATE TRIGGER entity_bigrams_delete AFTER DELETE ON entities BEGIN
    DELETE FROM entity_bigrams WHERE id = old.id AND gram IN
        (SELECT substr(old.name, n, 2) FROM name_positions WHERE n < length(old.name));
END;
CREATE TRIGGER entity_bigrams_update AFTER UPDATE OF name ON entities BEGIN
    DELETE FROM entity_bigrams WHERE id = old.id AND gram IN
        (SELECT substr(old.name, n, 2) FROM name_positions WHERE n < length(old.name));
    INSERT OR IGNORE INTO entity_bigrams(gram, id)
        SELECT substr(new.name, n, 2), new.id FROM name_positions WHERE n < length(new.name);
END;

INSERT OR IGNORE INTO entity_bigrams(gram, id)
    SELECT substr(e.name, p.n, 2), e.id FROM entities e JOIN name_positions p
        ON p.n < length(e.name) ORDER BY 1, 2;

DROP INDEX entities_name_tail;
DROP TABLE entities_fts_vocab;
-- @end
-- @postgresql
CREATE FUNCTION entity_bigrams_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM registry_bulk) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        IF TG_OP = 'UPDATE' AND OLD.name IS NOT DISTINCT FROM NEW.name THEN
            RETURN NULL;
        END IF;
        DELETE FROM entity_bigrams WHERE id = OLD.id AND gram IN
            (SELECT substr(OLD.name, n, 2) FROM name_positions WHERE n < length(OLD.name));
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO entity_bigrams(gram, id)
            SELECT DISTINCT substr(NEW.name, n, 2), NEW.id FROM name_positions
            WHERE n < length(NEW.name) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER entity_bigrams_keep AFTER INSERT OR UPDATE OF name OR DELETE ON entities
    FOR EACH ROW EXECUTE FUNCTION entity_bigrams_keep();
-- @end
