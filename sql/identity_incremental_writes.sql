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
