-- One FEBRL accuracy run, after bench/febrl_load.sql loaded the data:
-- the DEFAULT model is trained unsupervised on the data itself during the
-- run (retrain => true) and links at its fixed threshold.  psql variables:
-- sources (comma-separated), linkage (true: only pairs across sources).
\set QUIET on
SET client_min_messages = warning;
-- a full run is maintenance: its memory limit is maintenance_work_mem (doc/identity.md)
SET maintenance_work_mem = '1GB';
UPDATE ci.match_model SET link_within_source = NOT :linkage WHERE model = 'default';
\set QUIET off
SELECT records, candidate_pairs, links, identities,
       round(train_ms::numeric) AS train_ms, round(total_ms::numeric) AS run_ms_training_included
FROM ci.resolve_identities('default', retrain => true);
\set QUIET on
CREATE TEMP TABLE febrl_candidates AS SELECT record_a, record_b FROM ci.candidate_pairs('default');
\set QUIET off
\ir febrl_eval.sql
