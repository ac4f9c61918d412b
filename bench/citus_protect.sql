-- Consent row filter on a protected distributed table (Citus): the filter
-- runs on the workers, in the shard queries, from the reference-table
-- copies of the consent state (doc/scaling.md).  Run by bench/citus.sh on
-- a fresh cluster:
--   BENCH_FILES=bench/citus_protect.sql RECORDS=1000000 bench/citus.sh
-- :n_records rows over :n_records / 100 customers, 30 % of them with a
-- marketing decision (two thirds grants); read by an exempt role (no
-- filter) and by a filtered role declaring marketing, interleaved round by
-- round, each read in a transaction of its own with SET LOCAL ci.purpose
-- (each shard query carries it to the workers).  Prints the median milliseconds and the
-- per-round ratios to the unfiltered read (median, min, max), for a scan
-- of every shard and for one customer's rows.  Elapsed time: the work
-- happens on the workers' backends.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
\if :{?rounds}
\else
\set rounds 7
\endif
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT count(*) AS distributed FROM ci.distribute() \gset
SELECT (:n_records / 100)::int AS customers \gset
\timing on
\echo '-- customers, consent decisions, the state and its copies'
BEGIN;
INSERT INTO ci.identity (identity_id) SELECT g FROM generate_series(1, :customers) g;
INSERT INTO ci.consent_event (identity_id, purpose, decision, mechanism, decided_at)
SELECT g, 'marketing', CASE WHEN g % 10 < 2 THEN 'granted' ELSE 'withdrawn' END, 'import', now() - interval '1 day'
  FROM generate_series(1, :customers) g WHERE g % 10 < 3;
SELECT ci.consent_recompute(NULL) AS recomputed;
COMMIT;
CREATE TABLE bench_cp (event_id bigint, customer_id bigint NOT NULL, amount integer);
SELECT create_distributed_table('bench_cp', 'customer_id') \gset
INSERT INTO bench_cp SELECT g, 1 + (g::bigint * 7919) % :customers, g % 1000 FROM generate_series(1, :n_records) g;
CREATE INDEX ON bench_cp (customer_id);
VACUUM ANALYZE bench_cp;
\timing off
CREATE ROLE bench_cp_bi LOGIN;
CREATE ROLE bench_cp_plain LOGIN;
GRANT SELECT ON bench_cp TO bench_cp_bi, bench_cp_plain;
-- on every node: USAGE on ci and EXECUTE on the filter (doc/scaling.md)
SELECT count(*) AS granted FROM ci.grant_role('bench_cp_bi', 'reader') \gset
SELECT count(*) AS granted FROM ci.grant_role('bench_cp_plain', 'reader') \gset
SELECT ci.protect('bench_cp', 'customer_id', 'marketing') \gset
SELECT ci.exempt_role('bench_cp_plain', 'benchmark: the unfiltered read') \gset

CREATE TEMP TABLE bench_cp_times (grp text, regime text, round int, ms float8);
GRANT INSERT, SELECT ON bench_cp_times TO PUBLIC;
-- one timed read as a role, in a transaction of its own (the purpose is
-- propagated with SET LOCAL)
CREATE PROCEDURE pg_temp.bench_cp_run(p_grp text, p_role text, p_query text, p_round int)
LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; r record;
BEGIN
    SET LOCAL citus.propagate_set_commands = 'local';
    SET LOCAL ci.purpose = 'marketing';
    EXECUTE format('SET LOCAL ROLE %I', p_role);
    t0 := clock_timestamp();
    EXECUTE p_query INTO r;
    INSERT INTO bench_cp_times VALUES (p_grp, p_role, p_round, 1000 * extract(epoch FROM clock_timestamp() - t0));
    COMMIT;
END
$$;
\echo '-- a warm-up read per role (the workers load their answers), then :rounds interleaved rounds'
CALL pg_temp.bench_cp_run('warm-up', 'bench_cp_bi', 'SELECT count(*), sum(amount) FROM bench_cp', 0);
CALL pg_temp.bench_cp_run('warm-up', 'bench_cp_plain', 'SELECT count(*), sum(amount) FROM bench_cp', 0);
SELECT format('CALL pg_temp.bench_cp_run(%L, %L, %L, %s)', g, r, q, n)
  FROM generate_series(1, :rounds) n,
       (VALUES ('scan', 'SELECT count(*), sum(amount) FROM bench_cp'),
               ('one customer', 'SELECT count(*), sum(amount) FROM bench_cp WHERE customer_id = 4242')) x(g, q),
       (VALUES ('bench_cp_plain'), ('bench_cp_bi')) y(r)
 ORDER BY n, g, r \gexec

SET ROLE bench_cp_bi;
BEGIN;
SET LOCAL citus.propagate_set_commands = 'local';
SET LOCAL ci.purpose = 'marketing';
SELECT 'rows the filtered role sees' AS what, count(*) FROM bench_cp;
COMMIT;
RESET ROLE;
WITH t AS (SELECT grp, regime, round, ms, ms / max(ms) FILTER (WHERE regime = 'bench_cp_plain') OVER (PARTITION BY grp, round) AS ratio
             FROM bench_cp_times WHERE round > 0)
SELECT grp, CASE regime WHEN 'bench_cp_plain' THEN 'no filter (exempt)' ELSE 'consent filter' END AS regime,
       count(*) AS rounds, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2) AS median_ms,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ratio)::numeric, 2) AS ratio_median,
       round(min(ratio)::numeric, 2) AS ratio_min, round(max(ratio)::numeric, 2) AS ratio_max
  FROM t GROUP BY grp, regime ORDER BY grp, regime DESC;
