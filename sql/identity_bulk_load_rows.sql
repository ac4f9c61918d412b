-- The insert of a bulk load (ci.load_source_rows, used by
-- ci.load_source_records): generated columns computed by a parallel query,
-- rows written in batches.  Stored values must equal a plain INSERT's;
-- constraints, indexes in place, foreign keys and a DBA's triggers act as
-- on an INSERT; a table it cannot write so gives NULL (the caller then
-- INSERTs); errors leave nothing behind.
SET client_min_messages = warning;
\set SHOW_CONTEXT never
BEGIN;
DELETE FROM ci.identity_link;
DELETE FROM ci.match_decision;
DELETE FROM ci.match_review;
DELETE FROM ci.source_record;
-- parallel plans even for a few rows (parallel workers cannot read a
-- temporary table, so the staging tables are ordinary ones)
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;

CREATE TABLE regress_rows_stage (record_id bigint, source text, source_key text, given_name text, family_name text,
                                 email text, phone text, birth_date date, national_id text, street text, city text,
                                 postcode text, country text, attributes jsonb);
INSERT INTO regress_rows_stage
SELECT 5000 + g, (ARRAY['crm', 'web', 'pos'])[1 + g % 3], 'k-' || g,
       (ARRAY['Ann', 'ANN', 'Jürgen', 'Сергей', NULL, '', 'Ann-Marie'])[1 + g % 7],
       (ARRAY['Lee', 'Groß', 'Иванов', 'O''Brien', NULL, 'van der Berg'])[1 + g % 6],
       CASE WHEN g % 4 > 0 THEN 'User.' || g || '@Example.COM' END,
       (ARRAY['0412 345 678', '+61 412 345 678', '0151 2345 6789', 'not a phone', NULL, '020 7946 0958'])[1 + g % 6],
       CASE WHEN g % 5 > 0 THEN date '1950-01-01' + g * 7 END,
       CASE WHEN g % 3 = 0 THEN '123-45-' || lpad(g::text, 4, '0') END,
       CASE WHEN g % 2 = 0 THEN g || ' Oak Street' END,
       (ARRAY['Sydney', 'München', 'Москва', NULL])[1 + g % 4],
       CASE WHEN g % 2 = 1 THEN 'SW1A ' || g % 10 || 'AA' END,
       (ARRAY['AU', 'DE', 'RU', 'GB', NULL])[1 + g % 5],
       jsonb_build_object('n', g)
  FROM generate_series(1, 600) g;
-- one attribute value over 1 MB: stored out of line while the query runs
UPDATE regress_rows_stage SET attributes = jsonb_build_object('big', repeat('é', 600000)) WHERE record_id = 5007;
ANALYZE regress_rows_stage;
SELECT (SELECT count(*) FROM regress_rows_stage) AS staged;

-- what a plain INSERT stores
INSERT INTO ci.source_record (record_id, source, source_key, given_name, family_name, email, phone, birth_date,
                              national_id, street, city, postcode, country, attributes)
SELECT * FROM regress_rows_stage;
CREATE TEMP TABLE by_insert AS SELECT * FROM ci.source_record;
DELETE FROM ci.source_record;
SELECT ci.load_source_rows('regress_rows_stage') AS loaded;
-- every column of every row the same (updated_at: the transaction's now() both times)
SELECT (SELECT count(*) FROM (SELECT * FROM by_insert EXCEPT SELECT * FROM ci.source_record) d) AS missing,
       (SELECT count(*) FROM (SELECT * FROM ci.source_record EXCEPT SELECT * FROM by_insert) d) AS extra,
       (SELECT length(attributes ->> 'big') FROM ci.source_record WHERE record_id = 5007) AS big_value_chars;
SELECT record_id, given_name_norm, family_name_norm, email_norm, phone_e164, name_pair_dm
  FROM ci.source_record WHERE record_id BETWEEN 5001 AND 5006 ORDER BY record_id;
-- the indexes in place took every row
SET LOCAL enable_seqscan = off;
SELECT count(*) AS found_by_index FROM ci.source_record WHERE (source, source_key) IN (SELECT source, source_key FROM regress_rows_stage);
RESET enable_seqscan;

-- no record_id in the staging rows: the identity's nextval runs in the
-- leader, so the query is serial, and ids follow the staging order
DELETE FROM ci.source_record;
CREATE TABLE regress_rows_noid AS SELECT source, source_key, given_name FROM regress_rows_stage ORDER BY record_id;
SELECT ci.load_source_rows('regress_rows_noid') AS loaded;
SELECT count(*) AS out_of_order
  FROM (SELECT source_key, record_id, lag(record_id) OVER (ORDER BY substr(source_key, 3)::int) AS prev FROM ci.source_record) x
 WHERE record_id <> prev + 1;

-- a DBA's CHECK constraint calling a PARALLEL UNSAFE function (here it
-- draws from a sequence, which no process may do during a parallel
-- query): the query runs serially, and the check runs for every row
DELETE FROM ci.source_record;
CREATE SEQUENCE regress_rows_seq;
CREATE FUNCTION regress_rows_check(text) RETURNS boolean LANGUAGE plpgsql PARALLEL UNSAFE AS
$$BEGIN PERFORM nextval('regress_rows_seq'); RETURN $1 IS NOT NULL; END$$;
ALTER TABLE ci.source_record ADD CONSTRAINT regress_rows_check CHECK (regress_rows_check(source_key));
SELECT ci.load_source_rows('regress_rows_stage') AS loaded;
SELECT last_value AS checks_run FROM regress_rows_seq;
ALTER TABLE ci.source_record DROP CONSTRAINT regress_rows_check;

-- a DBA's AFTER triggers fire as on an INSERT: row triggers for each row,
-- statement triggers once, with the transition table
DELETE FROM ci.source_record;
CREATE TABLE regress_rows_log (what text, n bigint);
CREATE FUNCTION regress_rows_row() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN
    INSERT INTO regress_rows_log VALUES (CASE WHEN NEW.email_norm IS NULL THEN 'row without e-mail' ELSE 'row with e-mail' END, 1);
    RETURN NULL;
END$$;
CREATE FUNCTION regress_rows_stmt() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN INSERT INTO regress_rows_log SELECT 'statement', count(*) FROM new_rows; RETURN NULL; END$$;
CREATE TRIGGER regress_rows_row AFTER INSERT ON ci.source_record FOR EACH ROW EXECUTE FUNCTION regress_rows_row();
CREATE TRIGGER regress_rows_stmt AFTER INSERT ON ci.source_record REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION regress_rows_stmt();
SELECT ci.load_source_rows('regress_rows_stage') AS loaded;
SELECT what, count(*), sum(n) FROM regress_rows_log GROUP BY what ORDER BY what;
-- a BEFORE ROW trigger may change or skip rows: not taken (NULL), and the
-- load inserts with SQL, the trigger applied
DELETE FROM ci.source_record;
DROP TRIGGER regress_rows_row ON ci.source_record;
DROP TRIGGER regress_rows_stmt ON ci.source_record;
CREATE FUNCTION regress_rows_before() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN IF NEW.source = 'pos' THEN RETURN NULL; END IF; NEW.given_name := upper(NEW.given_name); RETURN NEW; END$$;
CREATE TRIGGER regress_rows_before BEFORE INSERT ON ci.source_record FOR EACH ROW EXECUTE FUNCTION regress_rows_before();
SELECT ci.load_source_rows('regress_rows_stage') IS NULL AS not_taken;
SELECT records FROM ci.load_source_records('regress_rows_stage');
SELECT count(*) AS records, count(*) FILTER (WHERE given_name <> upper(given_name)) AS not_upper,
       count(*) FILTER (WHERE source = 'pos') AS pos FROM ci.source_record;
DROP TRIGGER regress_rows_before ON ci.source_record;
DELETE FROM ci.source_record;

-- other staging shapes: NULL, for ci.load_source_records to report or coerce
CREATE TABLE regress_rows_varchar (source text, source_key text, given_name varchar(20));
CREATE TABLE regress_rows_extra (source text, source_key text, nickname text);
CREATE TABLE regress_rows_generated (source text, source_key text, email_norm text);
INSERT INTO regress_rows_varchar VALUES ('crm', 'v-1', 'Zoë');
SELECT ci.load_source_rows('regress_rows_varchar') IS NULL AS other_type,
       ci.load_source_rows('regress_rows_extra') IS NULL AS unknown_column,
       ci.load_source_rows('regress_rows_generated') IS NULL AS generated_column;
SELECT records FROM ci.load_source_records('regress_rows_varchar');
SELECT given_name_norm FROM ci.source_record WHERE source_key = 'v-1';
-- an empty staging table
TRUNCATE regress_rows_noid;
SELECT ci.load_source_rows('regress_rows_noid') AS empty;

-- errors: the constraint's own SQLSTATE, nothing written
\set VERBOSITY terse
SAVEPOINT s;
INSERT INTO regress_rows_stage (record_id, source, source_key, country, attributes) VALUES (9001, 'crm', 'bad-country', 'usa', '{}');
SELECT ci.load_source_rows('regress_rows_stage');   -- CHECK (country): 23514
ROLLBACK TO s;
SAVEPOINT s;
INSERT INTO regress_rows_stage (record_id, source, source_key, attributes) VALUES (9002, 'crm', NULL, '{}');
SELECT ci.load_source_rows('regress_rows_stage');   -- NOT NULL source_key: 23502
ROLLBACK TO s;
SAVEPOINT s;
INSERT INTO regress_rows_stage (record_id, source, source_key, attributes) VALUES (5001, 'crm', 'same-id', '{}');
SELECT ci.load_source_rows('regress_rows_stage');   -- primary key: 23505
ROLLBACK TO s;
SAVEPOINT s;
INSERT INTO regress_rows_stage (record_id, source, source_key, attributes) VALUES (9003, 'nowhere', 'bad-source', '{}');
SELECT ci.load_source_rows('regress_rows_stage');   -- foreign key to ci.source, checked at the end: 23503
ROLLBACK TO s;
SELECT count(*) AS after_errors FROM ci.source_record WHERE source_key <> 'v-1';
SAVEPOINT s;
SELECT ci.load_source_rows(NULL);
ROLLBACK TO s;
SAVEPOINT s;
SELECT ci.load_source_rows('ci.source_record');
ROLLBACK TO s;
SAVEPOINT s;
SELECT ci.load_source_rows(2147483647::oid::regclass);
ROLLBACK TO s;
SAVEPOINT s;
SELECT ci.load_source_rows('ci.source_record_pkey');   -- an index: 42809
ROLLBACK TO s;
SAVEPOINT s;
SELECT ci.load_source_rows('ci.source_record_record_id_seq');
ROLLBACK TO s;
-- a read-only transaction: refused (25006) as an INSERT is
SAVEPOINT s;
SET LOCAL transaction_read_only = on;
SELECT ci.load_source_rows('regress_rows_stage');
ROLLBACK TO s;
-- row-level security on the table: NULL (an INSERT applies the policies)
ALTER TABLE ci.source_record ENABLE ROW LEVEL SECURITY;
CREATE ROLE regress_rows_app;
SELECT count(*) > 0 AS granted FROM ci.grant_role('regress_rows_app', 'application');
GRANT SELECT ON regress_rows_stage TO regress_rows_app;
SET ROLE regress_rows_app;
SELECT ci.load_source_rows('regress_rows_stage') IS NULL AS with_row_security;
RESET ROLE;
ALTER TABLE ci.source_record DISABLE ROW LEVEL SECURITY;
-- a role without INSERT on the table: NULL, and the INSERT then says why
CREATE ROLE regress_rows_reader;
GRANT USAGE ON SCHEMA ci TO regress_rows_reader;
GRANT EXECUTE ON FUNCTION ci.load_source_rows(regclass) TO regress_rows_reader;
GRANT SELECT ON regress_rows_stage TO regress_rows_reader;
SET ROLE regress_rows_reader;
SELECT ci.load_source_rows('regress_rows_stage') IS NULL AS without_insert;
RESET ROLE;
ROLLBACK;
