-- Bulk load (ci.load_source_records): rows of a staging table go into
-- ci.source_record with their normalised columns computed as a plain
-- INSERT computes them; the indexes that back no constraint are dropped
-- and built again (the DBA's own too), the constraint indexes stay; an
-- error leaves the table and its indexes as they were; the table is ready
-- for a full run and for incremental resolution afterwards.
SET client_min_messages = warning;
\set SHOW_CONTEXT never
BEGIN;
DELETE FROM ci.identity_link;
DELETE FROM ci.match_decision;
DELETE FROM ci.match_review;
DELETE FROM ci.source_record;
CREATE TEMP VIEW idx AS
SELECT c.relname, pg_get_indexdef(i.indexrelid) AS def, i.indisclustered
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
 WHERE i.indrelid = 'ci.source_record'::regclass;
-- a DBA's own index (clustered on) must come back as it was
CREATE INDEX my_city_idx ON ci.source_record (city_norm) WITH (fillfactor = 80);
ALTER TABLE ci.source_record CLUSTER ON my_city_idx;
CREATE TEMP TABLE idx_before AS SELECT * FROM idx;
SELECT count(*) AS indexes_before FROM idx_before;

CREATE TEMP TABLE stage (source text, source_key text, given_name text, family_name text, email text,
                         phone text, birth_date date, national_id text, street text, city text, postcode text, country text);
INSERT INTO stage VALUES
    ('crm', 'ann-1', 'Ann', 'Lee', 'Ann.Lee@Example.com', '0412 345 678', '1980-01-02', '123 456 789', '12 Oak Street', 'Sydney', '2000', 'AU'),
    ('web', 'ann-2', 'ANN', 'LEE', 'ann.lee@example.com', '+61 412 345 678', '1980-01-02', NULL, '12 Oak St', 'Sydney', '2000', 'AU'),
    ('crm', 'jür-1', 'Jürgen', 'Groß', 'jg@example.de', '0151 2345 6789', '1975-06-07', NULL, 'Hauptstraße 5', 'München', '80331', 'DE'),
    ('pos', 'ser-1', 'Сергей', 'Иванов', NULL, 'not a phone', '1990-05-06', NULL, NULL, 'Москва', NULL, 'RU');
SELECT records, indexes_rebuilt FROM ci.load_source_records('stage');

-- the same rows inserted one by one give the same normalised columns
CREATE TEMP TABLE by_load AS SELECT * FROM ci.source_record;
DELETE FROM ci.source_record;
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country)
SELECT * FROM stage;
SELECT count(*) AS rows_differing
  FROM (SELECT source_key, given_name_norm, family_name_norm, email_norm, phone_e164, national_id_norm, street_norm,
               city_norm, postcode_norm, birth_year, name_pair_norm, name_pair_dm FROM by_load
        EXCEPT
        SELECT source_key, given_name_norm, family_name_norm, email_norm, phone_e164, national_id_norm, street_norm,
               city_norm, postcode_norm, birth_year, name_pair_norm, name_pair_dm FROM ci.source_record) d;
SELECT source_key, given_name_norm, family_name_norm, email_norm, phone_e164, name_pair_dm
  FROM ci.source_record ORDER BY source_key;

-- every index is back, with its definition, options and CLUSTER mark
SELECT (SELECT count(*) FROM idx) AS indexes_after,
       (SELECT count(*) FROM (SELECT * FROM idx EXCEPT SELECT * FROM idx_before) x) AS differing;
SELECT relname, indisclustered FROM idx WHERE relname = 'my_city_idx';
-- the foreign key to ci.source, dropped for the load, is back as it was
SELECT conname, pg_get_constraintdef(oid) AS def, convalidated
  FROM pg_constraint WHERE conrelid = 'ci.source_record'::regclass AND contype = 'f';
-- and the planner has statistics
SELECT reltuples > 0 AS analysed FROM pg_class WHERE oid = 'ci.source_record'::regclass;

-- rebuild_indexes => false: inserted with the indexes in place (none dropped)
DELETE FROM ci.source_record;
SELECT records, indexes_rebuilt FROM ci.load_source_records('stage', rebuild_indexes => false);
-- automatic: a load small against the table inserts in place too
CREATE TEMP TABLE stage_one AS SELECT source, 'x-' || source_key AS source_key, given_name FROM stage LIMIT 1;
SELECT records, indexes_rebuilt FROM ci.load_source_records('stage_one');
SELECT count(*) AS records FROM ci.source_record;

-- a full run and an incremental resolution on loaded records
SELECT records, identities FROM ci.resolve_identities(retrain => false);
DELETE FROM stage_one;
INSERT INTO stage_one VALUES ('pos', 'ann-3', 'Ann');
SELECT records, indexes_rebuilt FROM ci.load_source_records('stage_one', false);
SELECT ci.resolve_record(record_id) IS NOT NULL AS resolved FROM ci.source_record WHERE source_key = 'ann-3';

-- errors: nothing loaded, indexes intact
SAVEPOINT s;
SELECT * FROM ci.load_source_records('stage');   -- duplicate (source, source_key)
ROLLBACK TO s;
SELECT count(*) AS indexes_after_error, count(*) FILTER (WHERE relname = 'my_city_idx') AS mine FROM idx;
-- a source ci.source does not know: refused (23503) by the foreign key
-- added back after the load, as a row-by-row check refuses it
SAVEPOINT s;
CREATE TEMP TABLE stage_fk AS SELECT 'nowhere'::text AS source, 'fk-1'::text AS source_key, 'Ann'::text AS given_name;
SELECT * FROM ci.load_source_records('stage_fk', rebuild_indexes => true);
ROLLBACK TO s;
SELECT count(*) AS foreign_keys_after_error FROM pg_constraint WHERE conrelid = 'ci.source_record'::regclass AND contype = 'f';
SAVEPOINT s;
SELECT * FROM ci.load_source_records(NULL);
ROLLBACK TO s;
SAVEPOINT s;
SELECT * FROM ci.load_source_records('ci.source_record');
ROLLBACK TO s;
CREATE TEMP TABLE stage_bad (source text, source_key text, email_norm text, nickname text);
SAVEPOINT s;
SELECT * FROM ci.load_source_records('stage_bad');
ROLLBACK TO s;
CREATE TEMP TABLE stage_nokey (source text, given_name text);
SAVEPOINT s;
SELECT * FROM ci.load_source_records('stage_nokey');
ROLLBACK TO s;
-- a role that may insert but does not own the table: no rebuild, a plain insert is allowed
CREATE ROLE regress_bulk_app;
SELECT count(*) > 0 AS granted FROM ci.grant_role('regress_bulk_app', 'application');
GRANT SELECT ON stage TO regress_bulk_app;
DELETE FROM ci.identity_link;
DELETE FROM ci.source_record;
SET ROLE regress_bulk_app;
SAVEPOINT s;
SELECT * FROM ci.load_source_records('stage', true);
ROLLBACK TO s;
SELECT records, indexes_rebuilt FROM ci.load_source_records('stage', false);
RESET ROLE;
SELECT count(*) AS indexes_kept FROM idx;
-- phones parsed ahead (ci.phone_prepass): the parser's own answers, taken
-- by the generated column; NULL releases them; no phone column, nothing
SELECT ci.phone_prepass(NULL) AS released;
SELECT ci.phone_prepass('stage') AS kept;
SELECT phone, country, ci.normalize_phone(phone, ci.phone_region(country)) AS from_prepass,
       (SELECT CASE WHEN i.valid THEN i.e164 END FROM ci.phone_info(phone, ci.phone_region(country)) i) AS parsed
  FROM stage ORDER BY source_key;
CREATE TEMP TABLE stage_nophone AS SELECT source, source_key FROM stage;
CREATE TEMP TABLE stage_nocountry AS SELECT source, source_key, phone FROM stage;
SELECT ci.phone_prepass('stage_nophone') AS no_phone, ci.phone_prepass('stage_nocountry') AS no_country;
SELECT ci.normalize_phone('+61 412 345 678', NULL) AS international, ci.normalize_phone('0412 345 678', NULL) AS national;
SAVEPOINT s;
SELECT ci.phone_prepass(2147483647::oid::regclass);
ROLLBACK TO s;
SELECT ci.phone_prepass(NULL) AS released;

-- record ids given by the staging rows move the identity sequence past
-- them: a row inserted afterwards without one does not collide
DELETE FROM ci.identity_link;
DELETE FROM ci.source_record;
CREATE TEMP TABLE stage_ids AS SELECT 900000 + row_number() OVER (ORDER BY source_key) AS record_id, * FROM stage;
SELECT records FROM ci.load_source_records('stage_ids', true);
INSERT INTO ci.source_record (source, source_key) VALUES ('crm', 'after-load') RETURNING record_id > 900004 AS past_loaded_ids;
ROLLBACK;
