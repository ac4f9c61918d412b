-- Survivorship benchmark (bench/survive.sh runs it): full build of golden
-- profiles, the same result in plain SQL, and an incremental refresh after
-- 1,000 changed records; checks that C and plain SQL agree.
\set ON_ERROR_STOP on
\pset footer off
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS customer_intel CASCADE;
CREATE EXTENSION customer_intel;
\ir survive_data.sql
SET jit = off;
SET work_mem = '256MB';
SELECT count(*) AS source_records, count(DISTINCT identity_id) AS identities FROM ci.identity_link;
CHECKPOINT;

-- 1. full build, C aggregates
SELECT clock_timestamp() AS t0 \gset
SELECT ci.build_golden_profiles() AS profiles_written;
SELECT round(extract(epoch FROM clock_timestamp() - :'t0') * 1000) AS build_ms \gset

-- 2. the same in plain SQL (values only, no lineage, into a temp table)
\set plain_where true
SELECT clock_timestamp() AS t0 \gset
\ir survive_plain.sql
SELECT round(extract(epoch FROM clock_timestamp() - :'t0') * 1000) AS plain_ms \gset

CREATE TEMP VIEW golden_diff AS
SELECT count(*) AS disagreements
  FROM ci.golden_profile g
  FULL JOIN plain_golden p ON p.identity_id = g.identity_id
 WHERE (g.given_name, g.family_name, g.email, g.phone, g.birth_date, g.national_id, g.street, g.city, g.postcode, g.country)
       IS DISTINCT FROM
       (p.given_name, p.family_name, p.email, p.phone, p.birth_date, p.national_id, p.street, p.city, p.postcode, p.country);
SELECT disagreements AS full_build_disagreements FROM golden_diff \gset

-- 3. incremental: 1,000 records change in one statement, then a refresh
SELECT clock_timestamp() AS t0 \gset
UPDATE ci.source_record
   SET phone = '+4940' || record_id, email = 'new' || record_id || '@example.org', updated_at = now()
 WHERE record_id IN (SELECT 1 + (k::bigint * 999331) % :records FROM generate_series(1, 1000) k);
SELECT round(extract(epoch FROM clock_timestamp() - :'t0') * 1000) AS update_ms \gset
SELECT count(DISTINCT identity_id) AS queued_identities FROM ci.golden_dirty \gset
SELECT clock_timestamp() AS t0 \gset
SELECT ci.refresh_golden_profiles() AS refreshed \gset
SELECT round(extract(epoch FROM clock_timestamp() - :'t0') * 1000) AS refresh_ms \gset

DROP VIEW golden_diff;
DROP TABLE plain_golden;
\set plain_where 'l.identity_id IN (SELECT l2.identity_id FROM ci.identity_link l2 WHERE l2.record_id IN (SELECT 1 + (k::bigint * 999331) % ' :records ' FROM generate_series(1, 1000) k))'
SELECT clock_timestamp() AS t0 \gset
\ir survive_plain.sql
SELECT round(extract(epoch FROM clock_timestamp() - :'t0') * 1000) AS plain_incr_ms \gset
SELECT count(*) AS incremental_disagreements
  FROM plain_golden p
  LEFT JOIN ci.golden_profile g ON g.identity_id = p.identity_id
 WHERE (g.given_name, g.family_name, g.email, g.phone, g.birth_date, g.national_id, g.street, g.city, g.postcode, g.country)
       IS DISTINCT FROM
       (p.given_name, p.family_name, p.email, p.phone, p.birth_date, p.national_id, p.street, p.city, p.postcode, p.country) \gset

\pset tuples_only on
\pset format unaligned
SELECT format(E'\nSurvivorship benchmark: %s source records, %s identities, 10 attributes', :records, :identities);
SELECT format('  full build, C aggregates (values + lineage, written):  %s ms', :build_ms);
SELECT format('  same values in plain SQL (DISTINCT ON, temp table):    %s ms   ratio plain/C %s',
              :plain_ms, round(:plain_ms::numeric / greatest(:build_ms, 1), 2));
SELECT format('  C and plain SQL disagree on %s identities', :full_build_disagreements);
SELECT format('  1,000 records updated in one statement (queue triggers included): %s ms, %s identities queued',
              :update_ms, :queued_identities);
SELECT format('  incremental refresh: %s ms for %s identities', :refresh_ms, :refreshed);
SELECT format('  plain SQL for the same identities: %s ms   ratio plain/C %s',
              :plain_incr_ms, round(:plain_incr_ms::numeric / greatest(:refresh_ms, 1), 2));
SELECT format('  after the refresh, C and plain SQL disagree on %s identities', :incremental_disagreements);
SELECT CASE WHEN :full_build_disagreements = 0 AND :incremental_disagreements = 0 THEN 'RESULT: agree'
            ELSE 'RESULT: DISAGREE' END;
