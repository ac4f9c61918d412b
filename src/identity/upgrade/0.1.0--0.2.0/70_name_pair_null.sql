-- 0.1.0 -> 0.2.0 (issue 13): the swap-invariant name keys are NULL unless
-- the record has both names (least/greatest skip a NULL, so a record with
-- only 'hans' had the key 'hans hans' and met every Hans Hans), and each is
-- one C call (src/identity/60_match_features.sql says why).  PostgreSQL 15
-- cannot change a generation expression: the columns are dropped and added
-- again, last, as src/identity/60_match_features.sql adds them (one rewrite
-- of ci.source_record), with the two indexes that go with them
-- (80_match_default.sql).  After 60_lean_indexes.sql, which drops other
-- indexes on name_pair_dm by name.
CREATE FUNCTION ci.name_pair(given_name text, family_name text) RETURNS text
    AS 'MODULE_PATHNAME', 'match_name_pair_norm'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 20;
COMMENT ON FUNCTION ci.name_pair(text, text) IS
'ci.normalize_name of both names in sorted order (the collation''s), joined by a space; NULL unless both names normalise to something';
CREATE FUNCTION ci.name_pair_dmetaphone(given_name text, family_name text) RETURNS text
    AS 'MODULE_PATHNAME', 'match_name_pair_dm'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 20;
COMMENT ON FUNCTION ci.name_pair_dmetaphone(text, text) IS
'ci.dmetaphone(ci.normalize_name(...)) of both names in sorted order (the collation''s), joined by a space; NULL unless both names have a phonetic code';

ALTER TABLE ci.source_record DROP COLUMN name_pair_norm, DROP COLUMN name_pair_dm;
ALTER TABLE ci.source_record
    ADD COLUMN name_pair_norm   text GENERATED ALWAYS AS (ci.name_pair(given_name, family_name)) STORED,
    ADD COLUMN name_pair_dm     text GENERATED ALWAYS AS (ci.name_pair_dmetaphone(given_name, family_name)) STORED;
COMMENT ON COLUMN ci.source_record.name_pair_norm IS 'both normalised names in sorted order, so that a record with given and family name swapped has the same key (blocking); NULL unless the record has both';
COMMENT ON COLUMN ci.source_record.name_pair_dm IS 'Double Metaphone codes of both names in sorted order: a key that survives typos and swapped names (blocking); NULL unless the record has both';
CREATE INDEX source_record_names_idx ON ci.source_record (name_pair_norm, birth_year);
CREATE INDEX source_record_names_dm_idx ON ci.source_record (name_pair_dm, birth_year);
