-- 0.1.0 -> 0.2.0 (issue 13, loading): the normalised key columns of
-- ci.source_record take the C collation, and national_id_norm and
-- postcode_norm become one C call each, with the same values (see
-- src/identity/60_match_features.sql and src/normalize/normalize_code.c).
--
-- The first four keys change collation in place (their indexes are
-- rebuilt).  PostgreSQL 15 cannot change a generation expression, so from
-- national_id_norm on every column is dropped and added again in a fresh
-- install's order, the name-pair keys of 70_name_pair_null.sql with them
-- (one rewrite of the table): the generated ones are recomputed;
-- birth_date_raw (new in 0.2.0, empty when coming from 0.1.0) keeps its
-- values.  Every index on a dropped column, the DBA's own too, is built
-- again from its definition.  Runs before the survive part, whose
-- ci.golden_conflict reads email_norm.
ALTER TABLE ci.source_record
    ALTER COLUMN given_name_norm  TYPE text COLLATE "C",
    ALTER COLUMN family_name_norm TYPE text COLLATE "C",
    ALTER COLUMN email_norm       TYPE text COLLATE "C",
    ALTER COLUMN phone_e164       TYPE text COLLATE "C";

DO $$
DECLARE
    moved constant text[] := '{national_id_norm,street_norm,city_norm,postcode_norm,birth_year,birth_date_raw,name_pair_norm,name_pair_dm}';
    defs text[];
    raw_ids bigint[];
    raw_values text[];
BEGIN
    SELECT pg_catalog.array_agg(pg_catalog.pg_get_indexdef(i.indexrelid) ORDER BY c.relname)
      INTO defs
      FROM pg_catalog.pg_index i
      JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
     WHERE i.indrelid = 'ci.source_record'::regclass
       AND EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                     JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                    WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = i.indexrelid
                      AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = i.indrelid
                      AND a.attname = ANY (moved));
    SELECT pg_catalog.array_agg(r.record_id), pg_catalog.array_agg(r.birth_date_raw)
      INTO raw_ids, raw_values
      FROM ci.source_record r WHERE r.birth_date_raw IS NOT NULL;

    ALTER TABLE ci.source_record
        DROP COLUMN name_pair_dm, DROP COLUMN name_pair_norm, DROP COLUMN birth_date_raw,
        DROP COLUMN birth_year, DROP COLUMN postcode_norm, DROP COLUMN city_norm,
        DROP COLUMN street_norm, DROP COLUMN national_id_norm;
    ALTER TABLE ci.source_record
        ADD COLUMN national_id_norm text COLLATE "C" GENERATED ALWAYS AS (ci.normalize_national_id(national_id)) STORED,
        ADD COLUMN street_norm      text COLLATE "C" GENERATED ALWAYS AS (ci.normalize_name(street)) STORED,
        ADD COLUMN city_norm        text COLLATE "C" GENERATED ALWAYS AS (ci.normalize_name(city)) STORED,
        ADD COLUMN postcode_norm    text COLLATE "C" GENERATED ALWAYS AS (ci.normalize_postcode(postcode)) STORED,
        ADD COLUMN birth_year       integer GENERATED ALWAYS AS (extract(year FROM birth_date)::integer) STORED,
        ADD COLUMN birth_date_raw   text,
        ADD COLUMN name_pair_norm   text COLLATE "C" GENERATED ALWAYS AS (ci.name_pair(given_name, family_name)) STORED,
        ADD COLUMN name_pair_dm     text COLLATE "C" GENERATED ALWAYS AS (ci.name_pair_dmetaphone(given_name, family_name)) STORED;

    IF raw_ids IS NOT NULL THEN
        UPDATE ci.source_record r SET birth_date_raw = x.v
          FROM pg_catalog.unnest(raw_ids, raw_values) AS x(id, v) WHERE r.record_id = x.id;
    END IF;
    FOR i IN 1 .. coalesce(pg_catalog.array_length(defs, 1), 0) LOOP
        EXECUTE defs[i];
    END LOOP;
END
$$;

COMMENT ON COLUMN ci.source_record.national_id_norm IS 'national_id with everything but letters and digits removed, upper case';
COMMENT ON COLUMN ci.source_record.street_norm IS 'street normalised for matching (ci.normalize_name)';
COMMENT ON COLUMN ci.source_record.city_norm IS 'city normalised for matching (ci.normalize_name)';
COMMENT ON COLUMN ci.source_record.postcode_norm IS 'postcode without white space, upper case';
COMMENT ON COLUMN ci.source_record.birth_year IS 'year of birth_date (blocking)';
COMMENT ON COLUMN ci.source_record.birth_date_raw IS 'birth date as the source wrote it, year first, when it is not a whole valid date (1980, 1980-05, 1980-02-31, 1980-00-00): kept, and compared by its usable parts when birth_date is NULL';
COMMENT ON COLUMN ci.source_record.name_pair_norm IS 'both normalised names in sorted order, so that a record with given and family name swapped has the same key (blocking); NULL unless the record has both';
COMMENT ON COLUMN ci.source_record.name_pair_dm IS 'Double Metaphone codes of both names in sorted order: a key that survives typos and swapped names (blocking); NULL unless the record has both';
