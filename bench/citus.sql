-- Citus benchmark (bench/citus.sh runs it on the coordinator of a
-- three-node cluster): the same work on plain tables of the coordinator
-- (one PostgreSQL node) and on distributed tables, as ratios.
--   1. full identity resolution: the model's relation a plain table, then
--      the same rows distributed by record (resolution itself runs on the
--      coordinator either way);
--   2. a golden-profile build: one INSERT ... SELECT ... GROUP BY
--      identity_id ... ON CONFLICT from a table of each identity's member
--      records, plain vs distributed by identity with the profiles
--      co-located (the statement runs on the shards);
--   3. a refresh of the profiles of 1,000 identities whose records changed.
-- Each distributed result is compared with the single-node one.
\set ON_ERROR_STOP on
\pset footer off
SET client_min_messages = warning;
SET jit = off;
DROP EXTENSION IF EXISTS customer_intel CASCADE;
DROP TABLE IF EXISTS bench_rec, bench_member, bench_member_local, bench_golden, bench_golden_local;
CREATE EXTENSION customer_intel;
\set seed 1
\ir generate_customers.sql
SELECT count(*) AS records FROM ci.source_record;

-- 1. full resolution -------------------------------------------------------
CREATE TABLE bench_rec AS SELECT * FROM ci.source_record;
SELECT create_distributed_table('bench_rec', 'record_id');
SELECT truncate_local_data_after_distributing_table('bench_rec');
SELECT ci.copy_model('default', 'bench_dist', relation => 'bench_rec');
ANALYZE ci.source_record;
ANALYZE bench_rec;
CHECKPOINT;

SELECT clock_timestamp() AS t0 \gset
CREATE TEMP TABLE run_dist AS SELECT * FROM ci.resolve_identities('bench_dist', true);
SELECT round(extract(epoch FROM clock_timestamp() - :'t0') * 1000) AS resolve_dist_ms \gset
CREATE TEMP TABLE links_dist AS SELECT identity_id, record_id FROM ci.identity_link;
-- start the single-node run from empty identity tables, as the first did
TRUNCATE ci.identity_link;
TRUNCATE ci.identity CASCADE;
TRUNCATE ci.identity_event, ci.match_review;
CHECKPOINT;
SELECT clock_timestamp() AS t0 \gset
CREATE TEMP TABLE run_local AS SELECT * FROM ci.resolve_identities('default', true);
SELECT round(extract(epoch FROM clock_timestamp() - :'t0') * 1000) AS resolve_local_ms \gset

SELECT 'local' AS run, records, candidate_pairs, links, identities, round(load_ms) AS load_ms, round(block_ms) AS block_ms,
       round(train_ms) AS train_ms, round(cluster_ms) AS cluster_ms, round(total_ms) AS total_ms FROM run_local
UNION ALL
SELECT 'citus', records, candidate_pairs, links, identities, round(load_ms), round(block_ms),
       round(train_ms), round(cluster_ms), round(total_ms) FROM run_dist;
SELECT count(*) AS partitions_differing FROM (
    (SELECT array_agg(record_id ORDER BY record_id) FROM ci.identity_link GROUP BY identity_id
     EXCEPT SELECT array_agg(record_id ORDER BY record_id) FROM links_dist GROUP BY identity_id)
    UNION ALL
    (SELECT array_agg(record_id ORDER BY record_id) FROM links_dist GROUP BY identity_id
     EXCEPT SELECT array_agg(record_id ORDER BY record_id) FROM ci.identity_link GROUP BY identity_id)) d;

-- 2. golden-profile build --------------------------------------------------
-- The identity side's member table: each identity's records with the
-- attributes survivorship reads.
CREATE TABLE bench_member_local AS
SELECT l.identity_id, r.record_id, r.source, r.updated_at, r.given_name, r.given_name_norm, r.family_name,
       r.family_name_norm, r.email, r.phone_e164, r.birth_date, r.national_id, r.street, r.city, r.postcode, r.country
FROM ci.identity_link l JOIN ci.source_record r USING (record_id);
CREATE TABLE bench_member AS SELECT * FROM bench_member_local;
CREATE TABLE bench_golden_local (identity_id bigint PRIMARY KEY, given_name text, family_name text, email text, phone text,
    birth_date date, national_id text, street text, city text, postcode text, country text,
    record_count integer, sources text[], lineage jsonb);
CREATE TABLE bench_golden (LIKE bench_golden_local INCLUDING ALL);
SELECT create_distributed_table('bench_member', 'identity_id', colocate_with => 'none');
SELECT truncate_local_data_after_distributing_table('bench_member');
SELECT create_distributed_table('bench_golden', 'identity_id', colocate_with => 'bench_member');
CREATE INDEX ON bench_member_local (identity_id);
CREATE INDEX ON bench_member (identity_id);
ANALYZE bench_member_local;
ANALYZE bench_member;

\set golden_cols 'identity_id, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country, record_count, sources, lineage'
\set golden_select 'SELECT identity_id, ci.survive(given_name, given_name_norm, source, updated_at, ''most_frequent''), ci.survive(family_name, family_name_norm, source, updated_at, ''most_frequent''), ci.survive(email, source, updated_at, ''most_recent''), ci.survive(phone_e164, source, updated_at, ''source_priority:crm,pos,support,web''), ci.survive(birth_date, source, updated_at, ''most_frequent''), ci.survive(national_id, source, updated_at, ''source_priority:crm,pos,support,web''), ci.survive(street, source, updated_at, ''most_recent''), ci.survive(city, source, updated_at, ''most_recent''), ci.survive(postcode, source, updated_at, ''most_recent''), ci.survive(country, source, updated_at, ''most_recent''), count(*)::int, array_agg(DISTINCT source), jsonb_build_object(''email'', ci.survive_lineage(email, record_id, source, updated_at, ''[{"kind": "most_recent"}]''::jsonb), ''family_name'', ci.survive_lineage(family_name, family_name_norm, record_id, source, updated_at, ''[{"kind": "most_frequent"}]''::jsonb))'
\set golden_conflict 'ON CONFLICT (identity_id) DO UPDATE SET given_name = excluded.given_name, family_name = excluded.family_name, email = excluded.email, phone = excluded.phone, birth_date = excluded.birth_date, national_id = excluded.national_id, street = excluded.street, city = excluded.city, postcode = excluded.postcode, country = excluded.country, record_count = excluded.record_count, sources = excluded.sources, lineage = excluded.lineage'

CHECKPOINT;
SELECT clock_timestamp() AS t0 \gset
INSERT INTO bench_golden_local (:golden_cols) :golden_select FROM bench_member_local GROUP BY identity_id :golden_conflict;
SELECT round(extract(epoch FROM clock_timestamp() - :'t0') * 1000) AS build_local_ms \gset
CHECKPOINT;
SELECT clock_timestamp() AS t0 \gset
INSERT INTO bench_golden (:golden_cols) :golden_select FROM bench_member GROUP BY identity_id :golden_conflict;
SELECT round(extract(epoch FROM clock_timestamp() - :'t0') * 1000) AS build_dist_ms \gset

SET client_min_messages = error;  -- a temporary function stays on the coordinator
CREATE FUNCTION pg_temp.plan_of(query text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE line text; result text := '';
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || query LOOP result := result || line || E'\n'; END LOOP;
    RETURN result;
END $f$;
SET client_min_messages = warning;
\set build_q 'INSERT INTO bench_golden (' :golden_cols ') ' :golden_select ' FROM bench_member GROUP BY identity_id ' :golden_conflict
SELECT (regexp_match(pg_temp.plan_of(:'build_q'), 'Task Count: \d+'))[1] AS build_tasks,
       pg_temp.plan_of(:'build_q') !~ 'coordinator|[Rr]epartition' AS build_runs_on_the_shards;

-- 3. refresh of 1,000 identities ---------------------------------------------
SELECT array_agg(identity_id) AS ids FROM (SELECT DISTINCT identity_id FROM bench_member_local
                                           ORDER BY identity_id LIMIT 1000
                                           OFFSET (SELECT count(DISTINCT identity_id) / 4 FROM bench_member_local)) s \gset
UPDATE bench_member_local SET email = 'changed.' || record_id::text || '@example.com', updated_at = '2030-01-01'
 WHERE identity_id = ANY (:'ids'::bigint[]);
UPDATE bench_member SET email = 'changed.' || record_id::text || '@example.com', updated_at = '2030-01-01'
 WHERE identity_id = ANY (:'ids'::bigint[]);
SELECT clock_timestamp() AS t0 \gset
INSERT INTO bench_golden_local (:golden_cols) :golden_select FROM bench_member_local
 WHERE identity_id = ANY (:'ids'::bigint[]) GROUP BY identity_id :golden_conflict;
SELECT round(extract(epoch FROM clock_timestamp() - :'t0') * 1000) AS refresh_local_ms \gset
SELECT clock_timestamp() AS t0 \gset
INSERT INTO bench_golden (:golden_cols) :golden_select FROM bench_member
 WHERE identity_id = ANY (:'ids'::bigint[]) GROUP BY identity_id :golden_conflict;
SELECT round(extract(epoch FROM clock_timestamp() - :'t0') * 1000) AS refresh_dist_ms \gset

SELECT count(*) AS golden_rows_differing FROM (
    (TABLE bench_golden_local EXCEPT TABLE bench_golden) UNION ALL (TABLE bench_golden EXCEPT TABLE bench_golden_local)) d;

\set refresh_q 'INSERT INTO bench_golden (' :golden_cols ') ' :golden_select ' FROM bench_member WHERE identity_id = ANY (''' :ids '''::bigint[]) GROUP BY identity_id ' :golden_conflict
SELECT (regexp_match(pg_temp.plan_of(:'refresh_q'), 'Task Count: \d+'))[1] AS refresh_tasks,
       pg_temp.plan_of(:'refresh_q') !~ 'coordinator|[Rr]epartition' AS refresh_runs_on_the_shards;

SELECT 'full resolution' AS work, :resolve_local_ms AS single_node_ms, :resolve_dist_ms AS citus_ms,
       round(:resolve_local_ms::numeric / :resolve_dist_ms, 2) AS speedup
UNION ALL
SELECT 'golden-profile build', :build_local_ms, :build_dist_ms, round(:build_local_ms::numeric / :build_dist_ms, 2)
UNION ALL
SELECT 'refresh of 1,000 identities', :refresh_local_ms, :refresh_dist_ms, round(:refresh_local_ms::numeric / :refresh_dist_ms, 2);
