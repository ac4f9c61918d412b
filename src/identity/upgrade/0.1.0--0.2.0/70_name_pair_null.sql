-- 0.1.0 -> 0.2.0 (issue 13): the swap-invariant name keys are NULL unless
-- the record has both names (least/greatest skip a NULL, so a record with
-- only 'hans' had the key 'hans hans' and met every Hans Hans).  PostgreSQL
-- 15 cannot change a generation expression: the columns are dropped and
-- added again, last, as src/identity/60_match_features.sql adds them, with
-- the two indexes that go with them (80_match_default.sql).  After
-- 60_lean_indexes.sql, which drops other indexes on name_pair_dm by name.
ALTER TABLE ci.source_record DROP COLUMN name_pair_norm, DROP COLUMN name_pair_dm;
ALTER TABLE ci.source_record
    ADD COLUMN name_pair_norm   text GENERATED ALWAYS AS (
        CASE WHEN ci.normalize_name(given_name) < ci.normalize_name(family_name)
             THEN ci.normalize_name(given_name) || ' ' || ci.normalize_name(family_name)
             ELSE ci.normalize_name(family_name) || ' ' || ci.normalize_name(given_name) END) STORED,
    ADD COLUMN name_pair_dm     text GENERATED ALWAYS AS (
        CASE WHEN nullif(ci.dmetaphone(ci.normalize_name(given_name)), '') < nullif(ci.dmetaphone(ci.normalize_name(family_name)), '')
             THEN ci.dmetaphone(ci.normalize_name(given_name)) || ' ' || ci.dmetaphone(ci.normalize_name(family_name))
             ELSE nullif(ci.dmetaphone(ci.normalize_name(family_name)), '') || ' ' || nullif(ci.dmetaphone(ci.normalize_name(given_name)), '') END) STORED;
COMMENT ON COLUMN ci.source_record.name_pair_norm IS 'both normalised names in sorted order, so that a record with given and family name swapped has the same key (blocking); NULL unless the record has both';
COMMENT ON COLUMN ci.source_record.name_pair_dm IS 'Double Metaphone codes of both names in sorted order: a key that survives typos and swapped names (blocking); NULL unless the record has both';
CREATE INDEX source_record_names_idx ON ci.source_record (name_pair_norm, birth_year);
CREATE INDEX source_record_names_dm_idx ON ci.source_record (name_pair_dm, birth_year);
