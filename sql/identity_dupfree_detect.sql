-- Issue 13, duplicate-free sources found by the full run itself
-- (src/identity/match_dupfree.c): a source whose records link to records of
-- other sources but almost never to each other (at least 100 links across,
-- at most 2 % within) holds each person at most once, and clustering keeps
-- two of its records out of one identity.  A source with real duplicates
-- is not taken for one: its duplicates still link.  The finding is in
-- ci.match_run.summary; detect_duplicate_free = false turns it off and
-- duplicate_free_sources still lists sources by hand.  In one transaction,
-- rolled back: training changes the default model.
BEGIN;
\set ECHO none
\set generate false
\i bench/generate_customers.sql
\set ECHO all
SET client_min_messages = warning;
SELECT records FROM ci_bench.generate_customers(600, 3, replace_existing => true);
-- crm and web keep one record per person (the latest); pos and support keep
-- their duplicates
DELETE FROM ci.source_record r
 USING (SELECT s.record_id, row_number() OVER (PARTITION BY t.person_id, s.source ORDER BY s.updated_at DESC, s.record_id) AS k
          FROM ci_bench.truth t JOIN ci.source_record s USING (record_id) WHERE s.source IN ('crm', 'web')) d
 WHERE r.record_id = d.record_id AND d.k > 1;
SELECT source, count(*) AS records, count(*) - count(DISTINCT t.person_id) AS duplicates
  FROM ci.source_record JOIN ci_bench.truth t USING (record_id) GROUP BY 1 ORDER BY 1;

CREATE TEMP VIEW found AS
SELECT s->>'source' AS source, (s->>'links_within')::int AS within, (s->>'links_across')::int AS across,
       s->>'duplicate_free' AS duplicate_free
  FROM ci.match_run r, jsonb_array_elements(r.summary->'duplicate_free_sources'->'sources') s
 WHERE r.run_id = (SELECT max(run_id) FROM ci.match_run) ORDER BY 1;
-- identities holding two records of one source, by source
CREATE TEMP VIEW doubled AS
SELECT source, count(*) AS identities
  FROM (SELECT l.identity_id, r.source FROM ci.identity_link l JOIN ci.source_record r USING (record_id)
         GROUP BY 1, 2 HAVING count(*) > 1) d GROUP BY 1 ORDER BY 1;

-- 1. Without detection (as before 0.2.0): crm and web records meet in
-- identities through links of other sources or their own false links.
UPDATE ci.match_model SET detect_duplicate_free = false WHERE model = 'default';
SELECT records, links > 0 AS linked FROM ci.resolve_identities('default', retrain => true);
SELECT r.summary->'duplicate_free_sources'->'detect' AS detect FROM ci.match_run r ORDER BY run_id DESC LIMIT 1;
SELECT source, duplicate_free, within * 50 <= within + across AS under_2_percent FROM found;
SELECT * FROM doubled;

-- 2. With it (the default): crm and web are found, pos and support (real
-- duplicates, a tenth of their links within) are not; no identity holds two
-- crm or two web records; pos and support duplicates still link.
UPDATE ci.match_model SET detect_duplicate_free = true WHERE model = 'default';
SELECT records FROM ci.resolve_identities('default', retrain => false);
SELECT source, duplicate_free, across >= 100 AS enough_links, within * 50 <= within + across AS under_2_percent FROM found;
SELECT * FROM doubled;

-- 3. Listed by hand: "listed", whatever the links say (here a source with
-- duplicates, which it then splits); detection adds the others.
UPDATE ci.match_model SET duplicate_free_sources = '{pos}' WHERE model = 'default';
SELECT records FROM ci.resolve_identities('default', retrain => false);
SELECT source, duplicate_free FROM found;
SELECT * FROM doubled;

-- 4. A model that never compares records of one source cannot see it.
UPDATE ci.match_model SET duplicate_free_sources = '{}', link_within_source = false WHERE model = 'default';
SELECT records FROM ci.resolve_identities('default', retrain => false);
SELECT r.summary->'duplicate_free_sources'->'detect' AS detect FROM ci.match_run r ORDER BY run_id DESC LIMIT 1;
SELECT source, duplicate_free, within FROM found;

-- 5. One source: nothing to compare against.
UPDATE ci.match_model SET link_within_source = true WHERE model = 'default';
UPDATE ci.source_record SET source = 'crm' WHERE source <> 'crm';
SELECT records FROM ci.resolve_identities('default', retrain => false);
SELECT source, duplicate_free, across FROM found;

ROLLBACK;
