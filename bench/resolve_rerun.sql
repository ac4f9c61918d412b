-- One full run of the default model on what is loaded (bench/generate_customers.sql),
-- rolled back afterwards so it can be repeated on the same data: backend CPU,
-- phase times, compared-and-scored pairs/s, and md5s of the links (identity ids
-- relative to the run's first), review pairs, events and trained parameters, to
-- compare two builds' results.  Used for h-pairs6's figures (bench/README.md):
--   psql -X -d DB -f bench/resolve_rerun.sql
-- with the two builds' customer_intel.so swapped between runs (a new session
-- loads the library again), optionally under `perf record -g -p <backend pid>`.
\set QUIET on
SET client_min_messages = warning;
SET maintenance_work_mem = '2GB';
CREATE FUNCTION pg_temp.cpu_s() RETURNS numeric LANGUAGE sql AS $$
  SELECT (split_part(s, ' ', 12)::bigint + split_part(s, ' ', 13)::bigint) / 100.0
    FROM (SELECT split_part(pg_read_file('/proc/self/stat'), ') ', 2) AS s) x $$;
BEGIN;
CREATE TEMP TABLE cpu0 AS SELECT pg_temp.cpu_s() AS s;
CREATE TEMP TABLE run AS SELECT * FROM ci.resolve_identities('default', retrain => true);
\set QUIET off
\pset footer off
SELECT round(pg_temp.cpu_s() - s, 2) AS cpu_s, candidate_pairs AS pairs, links, round(load_ms) AS load, round(block_ms) AS block, round(train_ms) AS train, round(score_ms) AS score, round(cluster_ms) AS clus, round(total_ms) AS total,
  round(candidate_pairs / ((block_ms + score_ms) / 1000)) AS pairs_s FROM run, cpu0;
SELECT min(identity_id) AS i0 FROM ci.identity \gset
SELECT (SELECT md5(string_agg(format('%s %s %s %s', record_id, identity_id - :i0, match_probability, rule), ',' ORDER BY record_id)) FROM ci.identity_link) AS links_md5,
       (SELECT md5(string_agg(format('%s %s %s %s', record_a, record_b, match_probability, match_weight), ',' ORDER BY record_a, record_b)) FROM ci.match_review) AS review_md5,
       (SELECT md5(string_agg(format('%s %s %s %s %s', event, identity_id - :i0, other_id - :i0, record_ids, detail), ',' ORDER BY event_id)) FROM ci.identity_event) AS events_md5,
       (SELECT md5(m.training::text) FROM ci.match_model m WHERE model = 'default') AS training_md5,
       -- what the next ci.refresh_golden_profiles() rebuilds: every linked identity
       -- when ci.golden_stale has a row, else the queued ones
       (SELECT md5(string_agg((id - :i0)::text, ',' ORDER BY id)) FROM (
          SELECT DISTINCT l.identity_id AS id FROM ci.identity_link l WHERE EXISTS (SELECT 1 FROM ci.golden_stale)
          UNION SELECT d.identity_id FROM ci.golden_dirty d WHERE NOT EXISTS (SELECT 1 FROM ci.golden_stale)) g) AS golden_md5;
ROLLBACK;
