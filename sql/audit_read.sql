-- Read-access logging: with log_reads, each statement that reads a
-- registered table writes one SELECT row (who, table, rows, when).  The hook
-- lives in the library: here it is loaded by the session's first call into
-- the extension; servers preload it (doc/audit.md).
LOAD 'customer_intel';
CREATE SCHEMA audit_r;
CREATE TABLE audit_r.profile (id int PRIMARY KEY, customer bigint, name text);
INSERT INTO audit_r.profile SELECT g, g % 3, 'name ' || g FROM generate_series(1, 10) g;
-- reads only: changes are not logged
SELECT ci.audit('audit_r.profile', operations => '{}', log_reads => true);
SELECT operations FROM ci.audited_table WHERE table_name = 'audit_r.profile'::regclass;
CREATE VIEW audit_r.reads AS
SELECT operation, table_name, rows, actor = current_user AS by_me, old, new
FROM ci.audit_log WHERE relid = 'audit_r.profile'::regclass ORDER BY id;
\set SHOW_CONTEXT never

SELECT count(*) FROM audit_r.profile WHERE id <= 3;
SELECT name FROM audit_r.profile WHERE id = 7;
SELECT * FROM audit_r.reads;
-- through a view, a join, a CTE, INSERT ... SELECT: each statement is one row
CREATE VIEW audit_r.names AS SELECT name FROM audit_r.profile;
SELECT count(*) FROM audit_r.names;
CREATE TABLE audit_r.copy AS SELECT * FROM audit_r.profile WHERE id > 8;
WITH p AS (SELECT * FROM audit_r.profile) SELECT count(*) FROM p JOIN audit_r.copy USING (id);
-- EXPLAIN (without ANALYZE) reads nothing and logs nothing
EXPLAIN (COSTS OFF) SELECT * FROM audit_r.profile;
-- changes are not reads of the changed table
UPDATE audit_r.profile SET name = 'x' WHERE id = 1;
-- a statement that reads nothing registered writes nothing
SELECT count(*) FROM audit_r.copy;
SELECT * FROM audit_r.reads;
-- ci.audit_read_sync = off: an autocommit read commits its row without
-- waiting for the WAL flush; it is logged all the same
SET ci.audit_read_sync = off;
SELECT count(*) FROM audit_r.profile WHERE id > 5;
RESET ci.audit_read_sync;
-- a read-only transaction is logged too (not a SERIALIZABLE one)
BEGIN READ ONLY;
SELECT count(*) FROM audit_r.profile WHERE id = 2;
COMMIT;
BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY;
SELECT count(*) FROM audit_r.profile WHERE id = 3;
COMMIT;
-- a read in a rolled-back transaction is rolled back with it (the log is transactional)
BEGIN;
SELECT count(*) FROM audit_r.profile;
ROLLBACK;
SELECT count(*) AS read_rows FROM audit_r.reads;
-- changes and reads together
SELECT ci.audit('audit_r.profile', log_reads => true);
SELECT operations FROM ci.audited_table WHERE table_name = 'audit_r.profile'::regclass;
DELETE FROM audit_r.profile WHERE id = 10;
SELECT operation, rows, old->>'name' AS name FROM audit_r.reads WHERE operation = 'DELETE';
SELECT ci.unaudit('audit_r.profile');
SELECT count(*) FROM audit_r.profile;
SELECT count(*) AS read_rows_after_unaudit FROM audit_r.reads WHERE operation = 'SELECT';

-- Leave nothing that depends on the extension (install.sql drops it).
SET client_min_messages = warning;
DROP SCHEMA audit_r CASCADE;
RESET client_min_messages;
