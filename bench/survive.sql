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

-- 2b. the same values with ci.survive in one GROUP BY (no lineage, temp
-- table): like for like with plain SQL.  Names pass their normalised key,
-- so most_frequent counts keys inside the aggregate.
CREATE TYPE pg_temp.bench_street AS (street text, record_id bigint);
SELECT clock_timestamp() AS t0 \gset
CREATE TEMP TABLE c_golden AS
WITH r AS (
    -- values prepared as ci.golden_profile_sql does: trimmed (blank = NULL),
    -- phone in E.164 when it has that form, names compared by their key
    SELECT l.identity_id, r.record_id, r.source, r.updated_at, r.attributes, r.birth_date,
           nullif(btrim(r.given_name, E' \t\n\r\f\v'), '') AS given_name,
           nullif(r.given_name_norm, '') AS given_key,
           nullif(btrim(r.family_name, E' \t\n\r\f\v'), '') AS family_name,
           nullif(r.family_name_norm, '') AS family_key,
           nullif(btrim(r.email, E' \t\n\r\f\v'), '') AS email,
           coalesce(nullif(r.phone_e164, ''), nullif(btrim(r.phone, E' \t\n\r\f\v'), '')) AS phone,
           nullif(btrim(r.national_id, E' \t\n\r\f\v'), '') AS national_id,
           nullif(btrim(r.street, E' \t\n\r\f\v'), '') AS street
      FROM ci.identity_link l JOIN ci.source_record r ON r.record_id = l.record_id),
v AS (
    SELECT r.identity_id,
           ci.survive(r.given_name, coalesce(r.given_key, r.given_name), r.source, r.updated_at, 'most_frequent:longest') AS given_name,
           ci.survive(r.family_name, coalesce(r.family_key, r.family_name), r.source, r.updated_at, 'most_frequent:longest') AS family_name,
           coalesce(ci.survive(r.email, r.source, r.updated_at, 'source_priority:crm')
                        FILTER (WHERE r.attributes @> '{"email_verified": true}'),
                    ci.survive(r.email, r.source, r.updated_at, 'trust_recency:180 days')) AS email,
           ci.survive(r.phone, r.source, r.updated_at, 'most_recent') AS phone,
           ci.survive(r.birth_date, r.source, r.updated_at,
                      '{"kind": "most_frequent", "tie_break": "source_priority", "sources": ["crm", "pos", "support", "web"]}') AS birth_date,
           ci.survive(r.national_id, r.source, r.updated_at, 'source_priority:crm,pos,support,web') AS national_id,
           -- the address group: the street's rule picks the record (street, then record id, break ties)
           ci.survive(ROW(r.street, r.record_id)::pg_temp.bench_street, r.source, r.updated_at, 'trust_recency:365 days')
               FILTER (WHERE r.street IS NOT NULL) AS address
      FROM r
     GROUP BY r.identity_id)
SELECT v.identity_id, v.given_name, v.family_name, v.email, v.phone, v.birth_date, v.national_id,
       (v.address).street AS street,
       CASE WHEN v.address IS NOT NULL THEN nullif(btrim(w.city, E' \t\n\r\f\v'), '')
            ELSE (SELECT ci.survive(nullif(btrim(o.city, E' \t\n\r\f\v'), ''), o.source, o.updated_at, 'trust_recency:365 days')
                    FROM ci.identity_link l JOIN ci.source_record o ON o.record_id = l.record_id
                   WHERE l.identity_id = v.identity_id) END AS city,
       CASE WHEN v.address IS NOT NULL THEN nullif(btrim(w.postcode, E' \t\n\r\f\v'), '')
            ELSE (SELECT ci.survive(nullif(btrim(o.postcode, E' \t\n\r\f\v'), ''), o.source, o.updated_at, 'trust_recency:365 days')
                    FROM ci.identity_link l JOIN ci.source_record o ON o.record_id = l.record_id
                   WHERE l.identity_id = v.identity_id) END AS postcode,
       CASE WHEN v.address IS NOT NULL THEN nullif(btrim(w.country, E' \t\n\r\f\v'), '')
            ELSE (SELECT ci.survive(nullif(btrim(o.country, E' \t\n\r\f\v'), ''), o.source, o.updated_at, 'most_frequent:most_recent')
                    FROM ci.identity_link l JOIN ci.source_record o ON o.record_id = l.record_id
                   WHERE l.identity_id = v.identity_id) END AS country
  FROM v LEFT JOIN ci.source_record w ON w.record_id = (v.address).record_id;
SELECT round(extract(epoch FROM clock_timestamp() - :'t0') * 1000) AS values_ms \gset
SELECT count(*) AS values_disagreements
  FROM c_golden c FULL JOIN plain_golden p ON p.identity_id = c.identity_id
 WHERE (c.given_name, c.family_name, c.email, c.phone, c.birth_date, c.national_id, c.street, c.city, c.postcode, c.country)
       IS DISTINCT FROM
       (p.given_name, p.family_name, p.email, p.phone, p.birth_date, p.national_id, p.street, p.city, p.postcode, p.country) \gset

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
SELECT format('  same values with ci.survive (no lineage, temp table):  %s ms   ratio plain/C %s',
              :values_ms, round(:plain_ms::numeric / greatest(:values_ms, 1), 2));
SELECT format('  C and plain SQL disagree on %s identities (golden build), %s (ci.survive values)',
              :full_build_disagreements, :values_disagreements);
SELECT format('  1,000 records updated in one statement (queue triggers included): %s ms, %s identities queued',
              :update_ms, :queued_identities);
SELECT format('  incremental refresh: %s ms for %s identities', :refresh_ms, :refreshed);
SELECT format('  plain SQL for the same identities: %s ms   ratio plain/C %s',
              :plain_incr_ms, round(:plain_incr_ms::numeric / greatest(:refresh_ms, 1), 2));
SELECT format('  after the refresh, C and plain SQL disagree on %s identities', :incremental_disagreements);
SELECT CASE WHEN :full_build_disagreements = 0 AND :values_disagreements = 0 AND :incremental_disagreements = 0 THEN 'RESULT: agree'
            ELSE 'RESULT: DISAGREE' END;
