-- Retention purge on Citus against one node (run by bench/citus.sh:
--   BENCH_FILES=bench/citus_retention.sql RECORDS=300000 bench/citus.sh).
-- The same rows in a coordinator table and in its twin distributed by
-- customer (8 shards on the workers); half of them past a 1-year window,
-- a few customers held.  Each round reloads both and times CALL
-- ci.run_retention() on each in turn (the other one under a table hold),
-- alternating which goes first.  Prints the seconds of each run and the
-- ratio (speedup = coordinator table / distributed table).
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS customer_intel;
CREATE TABLE bench_rt_local (id bigint NOT NULL, identity_id bigint NOT NULL, region text, at timestamptz NOT NULL,
                             payload text, PRIMARY KEY (identity_id, id));
CREATE TABLE bench_rt_dist (LIKE bench_rt_local INCLUDING ALL);
SELECT create_distributed_table('bench_rt_dist', 'identity_id') AS d \gset
SELECT count(ci.register_table(t, 'identity_id', time_column => 'at', jurisdiction_column => 'region')) AS r
  FROM unnest(ARRAY['bench_rt_local', 'bench_rt_dist']::regclass[]) t \gset
SELECT count(ci.create_retention_policy('1 year', table_name => t)) AS p
  FROM unnest(ARRAY['bench_rt_local', 'bench_rt_dist']::regclass[]) t \gset
INSERT INTO ci.identity (identity_id) OVERRIDING SYSTEM VALUE SELECT g FROM generate_series(1, 5) g ON CONFLICT DO NOTHING;
SELECT ci.place_legal_hold('bench', identity_id => 5) AS h \gset
CREATE TABLE bench_rt_time (round int, kind text, seconds double precision, rows_deleted bigint);

\set round 1
\ir citus_retention_round.sql
\set round 2
\ir citus_retention_round.sql
\set round 3
\ir citus_retention_round.sql

\unset QUIET
SELECT round, kind, round(seconds::numeric, 2) AS seconds, rows_deleted FROM bench_rt_time ORDER BY round, kind;
SELECT round(min(l.seconds / d.seconds)::numeric, 2) AS min_speedup,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY l.seconds / d.seconds))::numeric, 2) AS median_speedup,
       round(max(l.seconds / d.seconds)::numeric, 2) AS max_speedup
  FROM bench_rt_time l JOIN bench_rt_time d USING (round) WHERE l.kind = 'local' AND d.kind = 'distributed';
