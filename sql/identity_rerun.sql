-- Several full runs in one session (issue 8): the run's summary row must be
-- built outside SPI's memory, which SPI_finish frees.  Before the fix the
-- third run of doc/identity.md's worked example, in the session that
-- created the extension, crashed the server.  The example runs as printed,
-- in a database of its own.
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS ci_regress_rerun;
CREATE DATABASE ci_regress_rerun;
\c ci_regress_rerun
SET client_min_messages = warning;
CREATE EXTENSION customer_intel;
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country) VALUES
    ('crm',     'ann-1', 'Ann',    'Müller',  'ann.mueller@example.com', '+49 30 1234567', '1985-03-12', NULL, 'Hauptstraße 5', 'Berlin', '10115', 'DE'),
    ('web',     'ann-2', 'Ann',    'Mueller', 'Ann.Mueller@Example.COM', NULL, NULL, NULL, NULL, NULL, NULL, 'DE'),
    ('crm',     'bob-1', 'Robert', 'Smith', NULL, NULL, '1970-01-01', '123-45-6789', '1 Main Street', 'Springfield', '12345', 'US'),
    ('support', 'bob-2', 'Robert', 'Smyth', NULL, NULL, '1970-01-01', '123456789',   '1 Main Street', 'Springfield', '12345', 'US'),
    ('crm',     'dave-1','David',  'Brown', NULL, NULL, '1965-07-07', NULL, '12 Elm Avenue', 'Boston', '02108', 'US');
SELECT records FROM ci.resolve_identities('default', retrain => false);
SELECT records FROM ci.resolve_identities('default', retrain => false);
SELECT records FROM ci.resolve_identities(retrain => true);
SELECT model, records, candidate_pairs, links, identities, trained FROM ci.resolve_identities(retrain => true);
SELECT model, records, trained FROM ci.resolve_identities('default', retrain => NULL);
-- the training report of ci.train_model is built the same way
SELECT jsonb_typeof(r) AS report, r ? 'tf_floor' AS has_tf_floor, (r->>'records')::int AS records
  FROM ci.train_model('default') r;
SELECT jsonb_typeof(r) AS report, (r->>'records')::int AS records FROM ci.train_model('default') r;
-- every run left its summary
SELECT count(*) AS runs, bool_and(summary->>'model' = 'default') AS all_default FROM ci.match_run;
\c :regress_db
SET client_min_messages = warning;
DROP DATABASE ci_regress_rerun;
