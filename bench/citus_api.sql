-- Citus benchmark on the canonical tables (bench/citus.sh runs it after
-- bench/citus.sql): the API itself — ci.resolve_identities,
-- ci.build_golden_profiles and ci.refresh_golden_profiles_for on 1,000
-- identities whose records changed — first on the coordinator's plain
-- tables (one PostgreSQL node), then, with the identity tables emptied,
-- after ci.distribute() (coordinator + workers).  Prints both times, the
-- ratios (speedup = single-node time / Citus time) and whether the results
-- are identical.
\set ON_ERROR_STOP on
\pset footer off
SET client_min_messages = warning;
SET jit = off;
SET maintenance_work_mem = '1GB';
DROP EXTENSION IF EXISTS customer_intel CASCADE;
DROP TABLE IF EXISTS public.bench_api_times, public.bench_api_single_links, public.bench_api_single_golden, public.bench_api_orig;
CREATE EXTENSION customer_intel;
\set seed 1
\ir generate_customers.sql
SELECT count(*) AS records FROM ci.source_record;
CREATE TABLE public.bench_api_times (run text, work text, ms numeric);
ANALYZE ci.source_record;
SELECT last_value AS iseq, is_called AS icalled FROM ci.identity_identity_id_seq \gset
SELECT last_value AS eseq, is_called AS ecalled FROM ci.identity_event_event_id_seq \gset

\set run single
\ir citus_api_run.sql
CREATE TABLE public.bench_api_single_links AS SELECT record_id, identity_id FROM ci.identity_link;
CREATE TABLE public.bench_api_single_golden AS SELECT * FROM ci.golden_profile;
-- back to no identities, the records as generated
TRUNCATE ci.golden_override, ci.golden_profile, ci.golden_dirty, ci.golden_stale, ci.match_review, ci.match_run;
TRUNCATE ci.identity_link;
TRUNCATE ci.identity CASCADE;
TRUNCATE ci.identity_event;
UPDATE ci.source_record r SET email = substr(r.email, 9), updated_at = o.updated_at
  FROM public.bench_api_orig o WHERE o.record_id = r.record_id;
SELECT setval('ci.identity_identity_id_seq', :iseq, :'icalled'), setval('ci.identity_event_event_id_seq', :eseq, :'ecalled') \gset
SELECT clock_timestamp() AS t0 \gset
SELECT count(*) AS distributed FROM ci.distribute() WHERE status = 'done';
SELECT round(extract(epoch FROM clock_timestamp() - :'t0') * 1000) AS distribute_ms;
\c
\set ON_ERROR_STOP on
\pset footer off
SET client_min_messages = warning;
SET jit = off;
SET maintenance_work_mem = '1GB';
\set run citus
\ir citus_api_run.sql

SELECT s.work, s.ms AS single_ms, c.ms AS citus_ms, round(s.ms / nullif(c.ms, 0), 2) AS speedup
  FROM public.bench_api_times s JOIN public.bench_api_times c ON c.work = s.work AND c.run = 'citus'
 WHERE s.run = 'single' ORDER BY s.ctid;
SELECT (SELECT count(*) FROM ((SELECT * FROM public.bench_api_single_links EXCEPT SELECT record_id, identity_id FROM ci.identity_link)
                              UNION ALL (SELECT record_id, identity_id FROM ci.identity_link EXCEPT SELECT * FROM public.bench_api_single_links)) d)
           AS links_differing,
       (SELECT count(*) FROM ((SELECT identity_id, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country, record_count, sources, lineage FROM public.bench_api_single_golden
                               EXCEPT SELECT identity_id, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country, record_count, sources, lineage FROM ci.golden_profile)
                              UNION ALL
                              (SELECT identity_id, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country, record_count, sources, lineage FROM ci.golden_profile
                               EXCEPT SELECT identity_id, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country, record_count, sources, lineage FROM public.bench_api_single_golden)) d)
           AS golden_rows_differing;
