-- Integrity of ci.identity_link: record_id is a foreign key to
-- ci.source_record (ON DELETE CASCADE: erasing a record removes its link);
-- identity_id -> ci.identity is enforced per statement by triggers (see
-- doc/identity.md, "Integrity of links"), with the foreign key's outcomes.
\set VERBOSITY default
SET client_min_messages = warning;

INSERT INTO ci.source_record (source, source_key, given_name, family_name)
VALUES ('crm', 'li-1', 'Ann', 'Lee'), ('crm', 'li-2', 'Bo', 'Lee'), ('crm', 'li-3', 'Cy', 'Lee');
INSERT INTO ci.identity (identity_id) VALUES (9001), (9002), (9003);
CREATE TEMP TABLE r AS SELECT record_id, source_key FROM ci.source_record WHERE source_key LIKE 'li-%';

-- Links to existing identities, several rows in one statement: accepted.
INSERT INTO ci.identity_link (record_id, identity_id, rule)
SELECT record_id, CASE source_key WHEN 'li-3' THEN 9002 ELSE 9001 END, 'steward' FROM r;
SELECT r.source_key, l.identity_id FROM ci.identity_link l JOIN r USING (record_id) ORDER BY 1;

-- A link to an identity that does not exist: 23503, nothing written, even
-- when the other rows of the statement are fine.
INSERT INTO ci.identity_link (record_id, identity_id, rule)
SELECT record_id, 9999, 'steward' FROM ci.source_record WHERE source_key = 'li-x';   -- no row: nothing to check
DELETE FROM ci.identity_link WHERE record_id IN (SELECT record_id FROM r WHERE source_key = 'li-3');
INSERT INTO ci.identity_link (record_id, identity_id, rule)
SELECT record_id, 9999, 'steward' FROM r WHERE source_key = 'li-3';
-- An UPDATE moving a link to a missing identity, and one through
-- INSERT ... ON CONFLICT DO UPDATE: 23503 as well.
UPDATE ci.identity_link SET identity_id = 9998 WHERE record_id IN (SELECT record_id FROM r WHERE source_key = 'li-2');
INSERT INTO ci.identity_link (record_id, identity_id, rule)
SELECT record_id, 9997, 'steward' FROM r WHERE source_key = 'li-1'
ON CONFLICT (record_id) DO UPDATE SET identity_id = excluded.identity_id;
SELECT r.source_key, l.identity_id FROM ci.identity_link l JOIN r USING (record_id) ORDER BY 1;

-- An identity created in the same statement (a data-modifying CTE) is seen.
WITH i AS (INSERT INTO ci.identity (identity_id) VALUES (9004) RETURNING identity_id)
INSERT INTO ci.identity_link (record_id, identity_id, rule)
SELECT r.record_id, i.identity_id, 'steward' FROM r, i WHERE r.source_key = 'li-3';
SELECT r.source_key, l.identity_id FROM ci.identity_link l JOIN r USING (record_id) ORDER BY 1;

-- Deleting an identity that still has links: 23503 (like NO ACTION); an
-- identity without links can be deleted.
DELETE FROM ci.identity WHERE identity_id = 9001;
WITH d AS (DELETE FROM ci.identity WHERE identity_id IN (9002, 9003) RETURNING identity_id)
SELECT identity_id FROM d ORDER BY 1;
SELECT identity_id FROM ci.identity WHERE identity_id > 9000 ORDER BY 1;

-- An identity's id never changes; other columns can.
UPDATE ci.identity SET identity_id = 9101 WHERE identity_id = 9004;
UPDATE ci.identity SET identity_id = 9004, updated_at = updated_at WHERE identity_id = 9004;
UPDATE ci.identity SET retired_at = now() WHERE identity_id = 9004 AND false;

-- TRUNCATE of ci.identity alone while links exist: refused (CASCADE does
-- not reach ci.identity_link, which has no foreign key to it).
BEGIN;
TRUNCATE ci.identity CASCADE;
ROLLBACK;
-- Truncating both in one command works.
BEGIN;
TRUNCATE ci.identity, ci.identity_link CASCADE;
SELECT (SELECT count(*) FROM ci.identity) AS identities, (SELECT count(*) FROM ci.identity_link) AS links;
ROLLBACK;

-- Erasing a source record still removes its link (the record_id foreign
-- key's ON DELETE CASCADE); the identity stays, and with no link left it
-- can then be deleted.
DELETE FROM ci.source_record WHERE source_key = 'li-3';
SELECT r.source_key, l.identity_id FROM ci.identity_link l JOIN r USING (record_id) ORDER BY 1;
DELETE FROM ci.identity WHERE identity_id = 9004 RETURNING identity_id;
-- A link for a record that does not exist: the foreign key's 23503.
INSERT INTO ci.identity_link (record_id, identity_id, rule) VALUES (-1, 9001, 'steward');

-- A full run writes its links without the per-statement check (it holds
-- ci.identity_link in SHARE ROW EXCLUSIVE mode and links only to identities
-- it created or found linked); the same session's next statement is checked.
SELECT records, identities, new_identities, split_records FROM ci.resolve_identities('default', retrain => false);
UPDATE ci.identity_link SET identity_id = 9996 WHERE record_id IN (SELECT record_id FROM r);
SELECT count(*) AS dangling FROM ci.identity_link l WHERE NOT EXISTS (SELECT FROM ci.identity i WHERE i.identity_id = l.identity_id);

-- The trigger functions cannot be called directly.
SELECT ci.identity_link_check();
SELECT ci.identity_guard();
-- Nor attached to another event: the check refuses a row-level firing.
CREATE TABLE other (identity_id bigint);
CREATE TRIGGER t AFTER INSERT ON other FOR EACH ROW EXECUTE FUNCTION ci.identity_link_check();
INSERT INTO other VALUES (1);
DROP TABLE other;

-- Clean up (the run above created an identity and logged events).
CREATE TEMP TABLE ids AS
SELECT identity_id FROM ci.identity_link WHERE record_id IN (SELECT record_id FROM r)
UNION SELECT identity_id FROM ci.identity WHERE identity_id > 9000;
DELETE FROM ci.identity_link WHERE record_id IN (SELECT record_id FROM r);
DELETE FROM ci.source_record WHERE source_key LIKE 'li-%';
DELETE FROM ci.identity_event WHERE identity_id IN (SELECT identity_id FROM ids) OR other_id IN (SELECT identity_id FROM ids);
DELETE FROM ci.identity WHERE identity_id IN (SELECT identity_id FROM ids);
SELECT count(*) AS left_over FROM ci.identity WHERE identity_id IN (SELECT identity_id FROM ids);
