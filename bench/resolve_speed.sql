-- Speed of identity resolution on generated messy customer records
-- (bench/generate_customers.sql must have filled ci.source_record and
-- ci_bench.truth).  psql variable: k (incremental records to resolve).
\set QUIET on
SET client_min_messages = notice;
SET ci.match_progress_interval = '20s';
-- a full run is maintenance: its memory limit is maintenance_work_mem (doc/identity.md)
SET maintenance_work_mem = '2GB';
-- backend CPU seconds (user + system, from /proc; superusers only): on a
-- shared machine wall time follows the load, CPU time follows the code
CREATE FUNCTION pg_temp.cpu_s() RETURNS numeric LANGUAGE sql AS $$
  SELECT (split_part(s, ' ', 12)::bigint + split_part(s, ' ', 13)::bigint) / 100.0   -- utime, stime (fields 14, 15)
    FROM (SELECT split_part(pg_read_file('/proc/self/stat'), ') ', 2) AS s) x $$;
CREATE TEMP TABLE cpu0 AS SELECT pg_temp.cpu_s() AS s;
\set QUIET off
\echo == full run (training included)
CREATE TEMP TABLE run AS SELECT * FROM ci.resolve_identities('default', retrain => true);
SELECT round(pg_temp.cpu_s() - s, 1) AS backend_cpu_s, (SELECT round((total_ms / 1000)::numeric, 1) FROM run) AS wall_s FROM cpu0;
SELECT records, candidate_pairs, links, review_pairs, identities,
       round(load_ms) AS load_ms, round(block_ms) AS block_compare_ms, round(train_ms) AS train_ms,
       round(score_ms) AS score_ms, round(cluster_ms) AS cluster_write_ms, round(total_ms) AS total_ms,
       round(candidate_pairs / ((block_ms + score_ms) / 1000)) AS compared_scored_pairs_per_s
FROM run;
\echo == event log check: one create event per new identity, every record in one
SELECT count(*) AS create_events, count(DISTINCT identity_id) AS identities_created,
       sum(cardinality(record_ids)) AS records_in_create_events
FROM ci.identity_event WHERE event = 'create';
\echo == pairwise accuracy against the truth of the generator (for information)
WITH t AS (SELECT l.identity_id, b.person_id FROM ci.identity_link l JOIN ci_bench.truth b USING (record_id)),
c AS (SELECT (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*)::numeric AS n FROM t GROUP BY identity_id) x) AS predicted,
             (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*)::numeric AS n FROM t GROUP BY person_id) x) AS truth,
             (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*)::numeric AS n FROM t GROUP BY identity_id, person_id) x) AS tp)
SELECT round(tp / predicted, 4) AS precision, round(tp / truth, 4) AS recall, round(2 * tp / (predicted + truth), 4) AS f1 FROM c;

\echo == incremental: :k new records (copies of stored ones with a typo), each resolved alone
\set QUIET on
CREATE TEMP TABLE inc_src AS
SELECT r.* FROM ci.source_record r ORDER BY hashint8(r.record_id) LIMIT :k;
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country)
SELECT source, 'inc-' || record_id, given_name, overlay(family_name placing 'x' from 2 for 1), email, phone, birth_date, national_id, street, city, postcode, country
FROM inc_src;
ANALYZE ci.source_record;
CREATE FUNCTION pg_temp.resolve_each() RETURNS TABLE (ms double precision) LANGUAGE plpgsql AS $$
DECLARE r bigint; t0 timestamptz;
BEGIN
    FOR r IN SELECT record_id FROM ci.source_record WHERE source_key LIKE 'inc-%' ORDER BY record_id LOOP
        t0 := clock_timestamp();
        PERFORM ci.resolve_record(r);
        ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
        RETURN NEXT;
    END LOOP;
END $$;
\set QUIET off
SELECT count(*) AS resolved, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2) AS p50_ms,
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2) AS p99_ms, round(max(ms)::numeric, 2) AS max_ms,
       round(count(*) / (sum(ms) / 1000))::int AS records_per_s
FROM pg_temp.resolve_each();
SELECT count(*) FILTER (WHERE l.identity_id = o.identity_id) AS joined_original_identity, count(*) AS copies
FROM ci.source_record n JOIN ci.identity_link l USING (record_id)
JOIN ci.identity_link o ON o.record_id = substring(n.source_key FROM 5)::bigint
WHERE n.source_key LIKE 'inc-%';
