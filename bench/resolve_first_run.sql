-- One first resolution run on what is loaded (bench/generate_customers.sql),
-- with or without the default model's names-only rule phonetic_family_initial
-- (-v rule=true|false): the run's results are truncated first (committed:
-- use a bench database), then ci.resolve_identities writes into empty
-- tables as a first run does, and everything after the truncation is
-- rolled back.  Prints backend CPU, phases and compared pairs/s.  Used for
-- "1M after the eighth session's merges" in bench/README.md:
--   KEEP=1 N=1000000 CI_BENCH_NO_BUILD=1 bench/resolve_speed.sh
--   psql -X -d ci_speed -v rule=false -f bench/resolve_first_run.sql
\set QUIET on
SET client_min_messages = warning;
SET maintenance_work_mem = '2GB';
CREATE FUNCTION pg_temp.cpu_s() RETURNS numeric LANGUAGE sql AS $$
  SELECT (split_part(s, ' ', 12)::bigint + split_part(s, ' ', 13)::bigint) / 100.0
    FROM (SELECT split_part(pg_read_file('/proc/self/stat'), ') ', 2) AS s) x $$;
TRUNCATE ci.identity_link, ci.identity, ci.identity_event, ci.match_review CASCADE;
CHECKPOINT;
BEGIN;
DELETE FROM ci.match_blocking_rule WHERE model = 'default' AND rule = 'phonetic_family_initial' AND NOT :rule;
CREATE TEMP TABLE cpu0 AS SELECT pg_temp.cpu_s() AS s;
CREATE TEMP TABLE run AS SELECT * FROM ci.resolve_identities('default', retrain => true);
\set QUIET off
\pset footer off
SELECT :rule AS rule, round(pg_temp.cpu_s() - s, 2) AS cpu_s, candidate_pairs AS pairs, links, round(load_ms) AS load,
       round(block_ms) AS block, round(train_ms) AS train, round(score_ms) AS score, round(cluster_ms) AS clus,
       round(total_ms) AS total, round(candidate_pairs / ((block_ms + score_ms) / 1000)) AS pairs_s
  FROM run, cpu0;
ROLLBACK;
