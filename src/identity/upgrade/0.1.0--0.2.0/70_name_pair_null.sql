-- 0.1.0 -> 0.2.0 (issue 13): the swap-invariant name keys are NULL unless
-- the record has both names (least/greatest skip a NULL, so a record with
-- only 'hans' had the key 'hans hans' and met every Hans Hans), and each is
-- one C call (src/identity/60_match_features.sql says why).  PostgreSQL 15
-- cannot change a generation expression: the columns are dropped and added
-- again, last, as src/identity/60_match_features.sql adds them, with the
-- indexes that go with them (80_match_default.sql).
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

-- The columns themselves are dropped and added again by
-- 82_load5_keys.sql, with every key column from national_id_norm on, in one
-- rewrite of ci.source_record.
