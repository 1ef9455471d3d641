-- Two-character name search without a table scan (src/registry/registry_list.c): a fragment
-- occurs either at the start of one of the name's trigrams, found through the FTS index's
-- vocabulary, or at the very end of the name, found through this index.
-- @sqlite
CREATE VIRTUAL TABLE entities_fts_vocab USING fts5vocab(entities_fts, row);
CREATE INDEX entities_name_tail ON entities(substr(name, -2));
-- @end
