-- What ci.resolve_record writes, statement by statement: a record without a
-- link gets one by INSERT, a record whose identity changes gets it by
-- UPDATE, and an unchanged record writes nothing.  The statement triggers
-- of ci.identity_link (consent, golden queue, identity check) fire for the
-- statement that ran, not for both INSERT and UPDATE as an
-- INSERT ... ON CONFLICT DO UPDATE would make them; an identity the call
-- creates is not updated again.  The counting triggers below record which
-- statement kinds ran.
SET client_min_messages = warning;
BEGIN;
DELETE FROM ci.identity_link;
DELETE FROM ci.match_decision;
DELETE FROM ci.match_review;
DELETE FROM ci.source_record;
CREATE TEMP TABLE fired (tbl text, op text, n_rows bigint);
CREATE FUNCTION pg_temp.count_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO fired SELECT TG_TABLE_NAME, TG_OP, (SELECT count(*) FROM new_rows);
    RETURN NULL;
END $$;
CREATE TRIGGER count_link_insert AFTER INSERT ON ci.identity_link
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.count_new();
CREATE TRIGGER count_link_update AFTER UPDATE ON ci.identity_link
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.count_new();
CREATE TRIGGER count_identity_update AFTER UPDATE ON ci.identity
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.count_new();
CREATE TEMP VIEW fired_since AS
SELECT tbl, op, count(*) AS statements, sum(n_rows) AS n_rows FROM fired GROUP BY 1, 2 ORDER BY 1, 2;

-- a new record that matches nobody: one INSERT of its link, no UPDATE of
-- the identity it was just given
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, birth_date)
VALUES ('crm', 'ann-1', 'Ann', 'Lee', 'ann.lee@example.com', '1980-01-02');
SELECT ci.resolve_record(record_id) IS NOT NULL AS resolved FROM ci.source_record WHERE source_key = 'ann-1';
SELECT * FROM fired_since;
TRUNCATE fired;

-- a new record that joins her identity: one INSERT of its link, and her
-- identity's updated_at is touched
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, birth_date)
VALUES ('web', 'ann-2', 'Ann', 'Lee', 'ann.lee@example.com', '1980-01-02');
SELECT ci.resolve_record(r2.record_id) = l1.identity_id AS joined
  FROM ci.source_record r2, ci.source_record r1 JOIN ci.identity_link l1 USING (record_id)
 WHERE r2.source_key = 'ann-2' AND r1.source_key = 'ann-1';
SELECT * FROM fired_since;
TRUNCATE fired;

-- resolved again, unchanged: no row of ci.identity_link changes
SELECT ci.resolve_record(record_id) IS NOT NULL AS resolved FROM ci.source_record WHERE source_key = 'ann-2';
SELECT sum(n_rows) FILTER (WHERE tbl = 'identity_link') AS link_rows_written FROM fired;
TRUNCATE fired;

-- a link that no longer says what resolution would: put right by UPDATE
UPDATE ci.identity_link SET rule = 'manual', match_probability = 0.5
 WHERE record_id = (SELECT record_id FROM ci.source_record WHERE source_key = 'ann-2');
TRUNCATE fired;
SELECT ci.resolve_record(record_id) IS NOT NULL AS resolved FROM ci.source_record WHERE source_key = 'ann-2';
SELECT * FROM fired_since;
SELECT l.rule, l.match_probability FROM ci.identity_link l JOIN ci.source_record r USING (record_id) WHERE r.source_key = 'ann-2';
TRUNCATE fired;

-- a record that lost its link is linked again by INSERT
DELETE FROM ci.identity_link WHERE record_id = (SELECT record_id FROM ci.source_record WHERE source_key = 'ann-2');
TRUNCATE fired;
SELECT ci.resolve_record(r2.record_id) = l1.identity_id AS joined_again
  FROM ci.source_record r2, ci.source_record r1 JOIN ci.identity_link l1 USING (record_id)
 WHERE r2.source_key = 'ann-2' AND r1.source_key = 'ann-1';
SELECT * FROM fired_since;
ROLLBACK;

-- One transaction resolving many records (a batch load with a trigger)
-- holds a bounded number of key locks: the blocking keys are hashed into
-- 2,048 advisory locks.  Unbounded, 400 records with a dozen keys each
-- took about 5,000, and a thousand filled the shared lock table ("out of
-- shared memory" under the default max_locks_per_transaction).
BEGIN;
DELETE FROM ci.identity_link;
DELETE FROM ci.match_decision;
DELETE FROM ci.match_review;
DELETE FROM ci.source_record;
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, phone, birth_date, national_id,
                              street, city, postcode, country)
SELECT 'crm', 'lk' || i, 'given' || chr(97 + i % 26) || chr(97 + i / 26 % 26), 'family' || chr(97 + i % 23) || chr(97 + i / 23 % 26),
       'p' || i || '@example.org', '+44 20 7946 ' || lpad(i::text, 4, '0'), DATE '1950-01-01' + i, 'N' || i,
       i || ' high street', 'city' || i % 50, 'P' || i % 90, 'GB'
  FROM generate_series(1, 400) i;
SELECT count(ci.resolve_record(record_id)) AS resolved FROM ci.source_record WHERE source_key LIKE 'lk%';
SELECT count(*) BETWEEN 1000 AND 2048 AS bounded_key_locks
  FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND pid = pg_catalog.pg_backend_pid();
ROLLBACK;
