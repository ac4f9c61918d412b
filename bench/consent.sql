-- Consent row filter benchmark (bench/consent.sh runs it).
--   psql -v customers=100000 -v events=2000000 -v rounds=9 -f bench/consent.sql
-- One table of :events rows over :customers customers, read by a role
-- under three regimes, interleaved round by round (pg_temp.bench_rounds):
--   plain    the same table, the role exempt (ci.exempt_role: no filter)
--   consent  ci.protect's policy, ci.consent_check()
--   naive    a copy of the table whose policy is an EXISTS sub-query on a
--            table of allowed (customer, purpose) pairs with its primary key
-- The consent cache keeps its answers across statements while no consent
-- changes; "consent, after a change" records a decision (committed, not
-- timed) before each run, so every timed run reloads all answers.
-- Prints median milliseconds and the per-round ratios to plain (median,
-- min, max): on a shared machine, quote the median with its spread.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS customer_intel CASCADE;
DROP TABLE IF EXISTS bench_events, bench_events_naive, bench_allowed;
DROP FUNCTION IF EXISTS public.bench_cpu_ns();
DROP ROLE IF EXISTS bench_plain;
DROP ROLE IF EXISTS bench_bi;
CREATE EXTENSION customer_intel;
\timing on
\echo '-- customers: records, identities; links of the first half without, of the second half with the consent triggers'
INSERT INTO ci.source_record (record_id, source, source_key, given_name, email, country)
SELECT g, 'crm', 'k' || g, 'n' || g, 'c' || g || '@example.com',
       (ARRAY['US', 'DE', 'FR', 'BR', 'CA', 'GB', 'US', 'US'])[1 + g % 8]
  FROM generate_series(1, :customers) g;
INSERT INTO ci.identity (identity_id) SELECT g FROM generate_series(1, :customers) g;
ALTER TABLE ci.identity_link DISABLE TRIGGER consent_follow_link_insert;
INSERT INTO ci.identity_link (record_id, identity_id, rule) SELECT g, g, 'bench' FROM generate_series(1, :customers / 2) g;
ALTER TABLE ci.identity_link ENABLE TRIGGER consent_follow_link_insert;
INSERT INTO ci.identity_link (record_id, identity_id, rule) SELECT g, g, 'bench' FROM generate_series(:customers / 2 + 1, :customers) g;
\echo '-- ledger: marketing grants (20%), withdrawals (10%), analytics denials (5%); then a full recompute'
INSERT INTO ci.consent_event (record_id, purpose, decision, mechanism, decided_at)
SELECT g, 'marketing', CASE WHEN g % 10 < 2 THEN 'granted' ELSE 'withdrawn' END, 'import', now() - interval '1 day'
  FROM generate_series(1, :customers) g WHERE g % 10 < 3;
INSERT INTO ci.consent_event (record_id, purpose, decision, mechanism, decided_at)
SELECT g, 'analytics', 'denied', 'import', now() - interval '1 day'
  FROM generate_series(1, :customers) g WHERE g % 20 = 7;
SELECT ci.consent_recompute(NULL) AS identities_recomputed;
\timing off

CREATE TABLE bench_events (event_id bigint, customer_id bigint NOT NULL, amount integer, kind smallint);
INSERT INTO bench_events
SELECT g, 1 + (g::bigint * 7919) % :customers, (g % 1000), (g % 7) FROM generate_series(1, :events) g;
CREATE INDEX ON bench_events (customer_id);
CREATE TABLE bench_events_naive AS SELECT * FROM bench_events;
CREATE INDEX ON bench_events_naive (customer_id);
CREATE TABLE bench_allowed (customer_id bigint, purpose text, PRIMARY KEY (customer_id, purpose));
INSERT INTO bench_allowed SELECT identity_id, 'marketing' FROM ci.consent_allowed_ids('marketing') WHERE allowed;
VACUUM ANALYZE bench_events, bench_events_naive, bench_allowed;

CREATE ROLE bench_bi;
CREATE ROLE bench_plain;
GRANT SELECT ON bench_events, bench_events_naive TO bench_bi, bench_plain;
GRANT SELECT ON bench_allowed TO bench_bi;
GRANT EXECUTE ON FUNCTION ci.consent_check(bigint, text[]) TO bench_bi, bench_plain;
GRANT USAGE ON SCHEMA ci TO bench_bi;
GRANT EXECUTE ON FUNCTION ci.record_consent(text, text, bigint, bigint, text, text, text, text, text, text, text, timestamptz, timestamptz, timestamptz) TO bench_bi;
SELECT ci.protect('bench_events', 'customer_id', 'marketing', 'analytics');
SELECT ci.exempt_role('bench_plain', 'benchmark baseline: no filter');
ALTER TABLE bench_events_naive ENABLE ROW LEVEL SECURITY;
CREATE POLICY naive ON bench_events_naive FOR SELECT USING (
    EXISTS (SELECT 1 FROM bench_allowed a
             WHERE a.customer_id = bench_events_naive.customer_id
               AND a.purpose = current_setting('ci.purpose', true)));

CREATE TEMP TABLE bench_result (grp text, round int, label text, ms float8, cpu_ms float8);
GRANT ALL ON bench_result TO PUBLIC;
-- The backend's own CPU time (Linux /proc/self/schedstat, ns), NULL where
-- unreadable: on a shared machine it is steadier than the elapsed time.  It
-- leaves out parallel workers, so it is shown for serial groups only.
CREATE FUNCTION public.bench_cpu_ns() RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint;
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END $$;
GRANT EXECUTE ON FUNCTION public.bench_cpu_ns() TO PUBLIC;
-- Interleaved: each round runs every regime of a group once, in an order
-- rotated from round to round, each query in its own transaction (so the
-- consent cache is checked again every time, as for every statement in
-- READ COMMITTED); the ratio to the group's first regime is taken within
-- each round, so a shared machine's drifting load cancels out.
-- p_items: {label, role, query} triples; p_before runs (and commits) before
-- each query of the regimes whose label starts with p_before_for.
CREATE PROCEDURE pg_temp.bench_rounds(p_grp text, p_rounds int, p_items text[], p_before text DEFAULT NULL,
                                      p_before_for text DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
    n int := array_length(p_items, 1) / 3;
    k int;
    t0 timestamptz;
    c0 bigint;
BEGIN
    FOR r IN 0 .. p_rounds LOOP     -- round 0 warms up and is not kept
        FOR j IN 0 .. n - 1 LOOP
            k := (j + r) % n;
            IF p_before IS NOT NULL AND p_items[3 * k + 1] LIKE p_before_for || '%' THEN
                RESET ROLE;
                EXECUTE p_before;
                COMMIT;
            END IF;
            EXECUTE format('SET ROLE %I', p_items[3 * k + 2]);
            c0 := public.bench_cpu_ns();
            t0 := clock_timestamp();
            EXECUTE p_items[3 * k + 3];
            IF r > 0 THEN
                INSERT INTO bench_result VALUES (p_grp, r, p_items[3 * k + 1],
                                                 extract(epoch FROM clock_timestamp() - t0)::float8 * 1000,
                                                 (public.bench_cpu_ns() - c0) / 1e6);
            END IF;
            RESET ROLE;
            COMMIT;
        END LOOP;
    END LOOP;
END $$;

SET ci.purpose = 'marketing';
SET max_parallel_workers_per_gather = 0;
-- what each role sees
SET ROLE bench_plain;
SELECT 'plain' AS regime, count(*), sum(amount) FROM bench_events;
SET ROLE bench_bi;
SELECT 'consent' AS regime, count(*), sum(amount) FROM bench_events;
SELECT 'naive' AS regime, count(*), sum(amount) FROM bench_events_naive;
RESET ROLE;

\set scan 'SELECT count(*), sum(amount) FROM bench_events'
\set scan_naive 'SELECT count(*), sum(amount) FROM bench_events_naive'
\set one 'SELECT sum(amount) FROM bench_events WHERE customer_id = 12345'
\set one_naive 'SELECT sum(amount) FROM bench_events_naive WHERE customer_id = 12345'
\echo '-- full aggregate scan, no parallel workers, plain and consent interleaved (:rounds rounds)'
CALL pg_temp.bench_rounds('serial', :rounds, ARRAY['plain', 'bench_plain', :'scan', 'consent', 'bench_bi', :'scan']);
\echo '-- the same with 2 parallel workers'
SET max_parallel_workers_per_gather = 2;
CALL pg_temp.bench_rounds('2 workers', :rounds, ARRAY['plain', 'bench_plain', :'scan', 'consent', 'bench_bi', :'scan']);
SET max_parallel_workers_per_gather = 0;
\echo '-- naive EXISTS policy, and consent after a committed change (every run reloads every answer)'
CALL pg_temp.bench_rounds('others', greatest(:rounds / 3, 2),
    ARRAY['plain', 'bench_plain', :'scan', 'naive', 'bench_bi', :'scan_naive',
          'consent, after a change', 'bench_bi', :'scan'],
    $$SELECT ci.record_consent('marketing', 'granted', identity_id => 1 + (random() * 99999)::int)$$, 'consent, after');
SET max_parallel_workers_per_gather = 2;
CALL pg_temp.bench_rounds('others, 2 workers', greatest(:rounds / 3, 2),
    ARRAY['plain', 'bench_plain', :'scan', 'naive', 'bench_bi', :'scan_naive']);
SET max_parallel_workers_per_gather = 0;

\echo '-- single-customer lookup under the policy keeps its index scan'
SET ROLE bench_bi;
EXPLAIN (COSTS OFF) SELECT sum(amount) FROM bench_events WHERE customer_id = 42;
RESET ROLE;
CALL pg_temp.bench_rounds('one customer', :rounds * 20,
    ARRAY['plain', 'bench_plain', :'one', 'consent', 'bench_bi', :'one', 'naive', 'bench_bi', :'one_naive']);

-- Per group: median ms per regime, and the per-round ratio to plain
-- (median, min, max over the rounds); the same for the backend's CPU time.
SELECT r.grp, r.label, count(*) AS rounds,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY r.ms)::numeric, 2) AS median_ms,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY r.ms / p.ms)::numeric, 2) AS ratio_median,
       round(min(r.ms / p.ms)::numeric, 2) AS ratio_min,
       round(max(r.ms / p.ms)::numeric, 2) AS ratio_max,
       CASE WHEN r.grp NOT LIKE '%workers' AND r.grp <> 'one customer' THEN
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY r.cpu_ms / nullif(p.cpu_ms, 0))::numeric, 2) END AS cpu_ratio_median,
       CASE WHEN r.grp NOT LIKE '%workers' AND r.grp <> 'one customer' THEN
       round(min(r.cpu_ms / nullif(p.cpu_ms, 0))::numeric, 2) || '–' || round(max(r.cpu_ms / nullif(p.cpu_ms, 0))::numeric, 2) END AS cpu_ratio_range
  FROM bench_result r
  JOIN bench_result p ON p.grp = r.grp AND p.round = r.round AND p.label = 'plain'
 GROUP BY r.grp, r.label
 ORDER BY r.grp, r.label <> 'plain', r.label;
