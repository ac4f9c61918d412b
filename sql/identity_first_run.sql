-- A first resolution run writes into empty identity tables (issue 13,
-- h-write7).  Links, identities and events go in without index entries,
-- and each index is then built anew by sort, as REINDEX builds it
-- (src/common/bulk_insert.c, ci_bulk_sort_indexes), under ACCESS EXCLUSIVE
-- locks the run takes only when no one else has the tables open; the
-- golden queue trigger flags every profile stale with one row instead of
-- queueing each identity.  A later run that writes a few rows inserts
-- their entries one by one and queues its identities.  In a database of
-- its own, so that the tables start empty.
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS ci_regress_first_run;
CREATE DATABASE ci_regress_first_run;
\c ci_regress_first_run
SET client_min_messages = warning;
CREATE EXTENSION customer_intel;
CREATE EXTENSION amcheck;
-- 1,200 people with unrelated names (letters of a hash); the first 300
-- have a second record in another source
CREATE FUNCTION pg_temp.word(seed text) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT initcap(translate(left(md5(seed), 9), '0123456789', 'ghijklmnop')) $$;
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, birth_date)
SELECT 'crm', 'fr-' || i, pg_temp.word('g' || i), pg_temp.word('f' || i), md5('e' || i) || '@example.com', date '1950-01-01' + i
  FROM generate_series(1, 1200) i;
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, birth_date)
SELECT 'web', 'fr-w' || i, pg_temp.word('g' || i), pg_temp.word('f' || i), md5('e' || i) || '@example.com', date '1950-01-01' + i
  FROM generate_series(1, 300) i;
CREATE TEMP TABLE files AS
SELECT c.oid::regclass AS index, pg_relation_filenode(c.oid) AS before
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
 WHERE i.indrelid IN ('ci.identity_link'::regclass, 'ci.identity'::regclass, 'ci.identity_event'::regclass);

BEGIN;
SELECT records, links, identities, new_identities FROM ci.resolve_identities('default', retrain => false);
-- held to the end of the transaction: readers of these tables wait for it
SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
 WHERE l.pid = pg_backend_pid() AND l.mode = 'AccessExclusiveLock'
   AND c.relname IN ('identity_link', 'identity', 'identity_event') ORDER BY 1;
COMMIT;

-- every index but the partial one (entries row by row) has a new file,
-- and each holds exactly the table's rows
SELECT index, pg_relation_filenode(index) <> before AS rebuilt,
       bt_index_parent_check(index, true) IS NOT NULL AS checked
  FROM files ORDER BY index::text;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT count(*) AS linked_by_index FROM ci.identity_link WHERE identity_id > 0;
SELECT count(*) AS identities_by_index FROM ci.identity WHERE identity_id > 0;
RESET enable_seqscan;
RESET enable_bitmapscan;
SELECT count(*) AS links, count(DISTINCT identity_id) AS identities FROM ci.identity_link;

-- the golden queue: one stale flag, no row per identity
SELECT reason FROM ci.golden_stale;
SELECT count(*) AS queued FROM ci.golden_dirty;
-- the refresh rebuilds every linked identity, as the queue would have
SELECT ci.refresh_golden_profiles() AS refreshed;
SELECT count(*) AS profiles FROM ci.golden_profile;
CREATE TEMP TABLE stale_built AS
SELECT identity_id, given_name, family_name, email, birth_date, record_count, sources, lineage FROM ci.golden_profile;
-- the same profiles from a queue row per linked identity
BEGIN;
DELETE FROM ci.golden_profile;
INSERT INTO ci.golden_dirty (identity_id) SELECT DISTINCT identity_id FROM ci.identity_link ORDER BY 1;
SELECT ci.refresh_golden_profiles() AS refreshed;
SELECT count(*) AS differ FROM (
    (SELECT identity_id, given_name, family_name, email, birth_date, record_count, sources, lineage FROM ci.golden_profile
     EXCEPT ALL SELECT * FROM stale_built)
    UNION ALL
    (SELECT * FROM stale_built
     EXCEPT ALL SELECT identity_id, given_name, family_name, email, birth_date, record_count, sources, lineage FROM ci.golden_profile)) d;
ROLLBACK;

-- A later run writing 1,100 new links into 1,500: more than a quarter, so
-- built by sort again, but they are not every link: each identity queued.
UPDATE files SET before = pg_relation_filenode(index);
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, birth_date)
SELECT 'pos', 'fr-p' || i, pg_temp.word('pg' || i), pg_temp.word('pf' || i), md5('pe' || i) || '@example.com', date '1940-01-01' + i
  FROM generate_series(1, 1100) i;
BEGIN;
SELECT records, links, identities, new_identities FROM ci.resolve_identities('default', retrain => false);
SELECT count(*) AS stale_flags FROM ci.golden_stale;
SELECT count(*) = 1100 AS queued_each FROM ci.golden_dirty;
COMMIT;
SELECT index, pg_relation_filenode(index) <> before AS rebuilt,
       bt_index_parent_check(index, true) IS NOT NULL AS checked
  FROM files WHERE index::text LIKE '%link%' ORDER BY index::text;

-- A run writing ten links into 2,600: entries one by one, no lock taken
UPDATE files SET before = pg_relation_filenode(index);
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, birth_date)
SELECT 'pos', 'fr-q' || i, pg_temp.word('qg' || i), pg_temp.word('qf' || i), md5('qe' || i) || '@example.com', date '1930-01-01' + i
  FROM generate_series(1, 10) i;
BEGIN;
SELECT records, links, identities, new_identities FROM ci.resolve_identities('default', retrain => false);
SELECT count(*) AS exclusive_locks FROM pg_locks l
 WHERE l.pid = pg_backend_pid() AND l.mode = 'AccessExclusiveLock'
   AND l.relation IN ('ci.identity_link'::regclass, 'ci.identity'::regclass, 'ci.identity_event'::regclass);
COMMIT;
SELECT index, pg_relation_filenode(index) <> before AS rebuilt,
       bt_index_parent_check(index, true) IS NOT NULL AS checked
  FROM files ORDER BY index::text;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT count(*) AS third_linked_by_index FROM ci.identity_link l
 WHERE l.record_id IN (SELECT record_id FROM ci.source_record WHERE source_key LIKE 'fr-q%');
RESET enable_seqscan;
RESET enable_bitmapscan;

\c :regress_db
SET client_min_messages = warning;
DROP DATABASE ci_regress_first_run;
