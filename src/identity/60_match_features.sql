-- Normalised match features of ci.source_record.  They are STORED
-- GENERATED columns: computed once when a row is written, visible to BI
-- tools as plain columns, and indexable, so that incremental resolution
-- finds candidates through ordinary B-tree indexes.  The match model's
-- comparisons and blocking rules name these columns.
--
-- The text keys use the C collation: they are only ever compared for
-- equality (blocking, the candidate search) or by the engine's own C code,
-- never sorted for a reader, and byte order makes every B-tree insertion and
-- every index build's sort a memcmp (with abbreviated keys) instead of a
-- strcoll.  Equality is the same under every deterministic collation.  A
-- default-collation value compared with them (a parameter, another table's
-- column) takes their collation, so such queries still use the indexes.

ALTER TABLE ci.source_record
    ADD COLUMN given_name_norm  text COLLATE "C" GENERATED ALWAYS AS (ci.normalize_name(given_name)) STORED,
    ADD COLUMN family_name_norm text COLLATE "C" GENERATED ALWAYS AS (ci.normalize_name(family_name)) STORED,
    ADD COLUMN email_norm       text COLLATE "C" GENERATED ALWAYS AS (ci.normalize_email(email)) STORED,
    ADD COLUMN phone_e164       text COLLATE "C" GENERATED ALWAYS AS (ci.normalize_phone(phone, ci.phone_region(country))) STORED,
    ADD COLUMN national_id_norm text COLLATE "C" GENERATED ALWAYS AS (ci.normalize_national_id(national_id)) STORED,
    ADD COLUMN street_norm      text COLLATE "C" GENERATED ALWAYS AS (ci.normalize_name(street)) STORED,
    ADD COLUMN city_norm        text COLLATE "C" GENERATED ALWAYS AS (ci.normalize_name(city)) STORED,
    ADD COLUMN postcode_norm    text COLLATE "C" GENERATED ALWAYS AS (ci.normalize_postcode(postcode)) STORED,
    ADD COLUMN birth_year       integer GENERATED ALWAYS AS (extract(year FROM birth_date)::integer) STORED;

COMMENT ON COLUMN ci.source_record.given_name_norm IS 'given_name normalised for matching (ci.normalize_name)';
COMMENT ON COLUMN ci.source_record.family_name_norm IS 'family_name normalised for matching (ci.normalize_name)';
COMMENT ON COLUMN ci.source_record.email_norm IS 'email in canonical form (ci.normalize_email)';
COMMENT ON COLUMN ci.source_record.phone_e164 IS 'phone in E.164, its default region the record''s country (ci.normalize_phone); NULL when not a valid number; a country libphonenumber does not know reads only +international numbers';
COMMENT ON COLUMN ci.source_record.national_id_norm IS 'national_id with everything but letters and digits removed, upper case';
COMMENT ON COLUMN ci.source_record.street_norm IS 'street normalised for matching (ci.normalize_name)';
COMMENT ON COLUMN ci.source_record.city_norm IS 'city normalised for matching (ci.normalize_name)';
COMMENT ON COLUMN ci.source_record.postcode_norm IS 'postcode without white space, upper case';
COMMENT ON COLUMN ci.source_record.birth_year IS 'year of birth_date (blocking)';

-- Birth dates as written when they are not whole valid dates.  Added after
-- the generated columns, where ALTER EXTENSION UPDATE adds it to a 0.1.0
-- table, so that both have one column order (dumps compare whole rows).
ALTER TABLE ci.source_record ADD COLUMN birth_date_raw text;
COMMENT ON COLUMN ci.source_record.birth_date_raw IS 'birth date as the source wrote it, year first, when it is not a whole valid date (1980, 1980-05, 1980-02-31, 1980-00-00): kept, and compared by its usable parts when birth_date is NULL';

-- Swap-invariant name keys: both names (or their Double Metaphone codes) in
-- sorted order, NULL unless the record has both, so that a record with one
-- name does not get the key of a person named twice ('hans hans'); nor a
-- name without a phonetic code (an initial, 'H') a phonetic key.  One C call
-- per column (src/identity/match_name_pair.c): PostgreSQL 15 reads and
-- plans every generation expression again at each executor start, and the
-- same keys written as CASE expressions over ci.normalize_name and
-- ci.dmetaphone were most of that work on a single-row INSERT.
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

-- Added last, where ALTER EXTENSION UPDATE re-adds them to a 0.1.0 table
-- (PostgreSQL 15 cannot change a generation expression), for one column
-- order.
ALTER TABLE ci.source_record
    ADD COLUMN name_pair_norm   text COLLATE "C" GENERATED ALWAYS AS (ci.name_pair(given_name, family_name)) STORED,
    ADD COLUMN name_pair_dm     text COLLATE "C" GENERATED ALWAYS AS (ci.name_pair_dmetaphone(given_name, family_name)) STORED;
COMMENT ON COLUMN ci.source_record.name_pair_norm IS 'both normalised names in sorted order, so that a record with given and family name swapped has the same key (blocking); NULL unless the record has both';
COMMENT ON COLUMN ci.source_record.name_pair_dm IS 'Double Metaphone codes of both names in sorted order: a key that survives typos and swapped names (blocking); NULL unless the record has both';
