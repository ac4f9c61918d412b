-- Rules that differ from group to group at one call site (issue 8).  The
-- call site caches a few parsed rules; the others must live as long as the
-- aggregate state that points at them, under hash, sort, window, grouping
-- sets and parallel (serialised, combined) aggregation.  Before the fix they
-- lived in per-row memory: wrong answers, or a crashed server.
SET TimeZone = 'UTC';
SET client_min_messages = warning;

-- The issue's two reproductions.
SELECT count(*) AS groups, count(*) FILTER (WHERE s = 'v') AS right_value FROM (
    SELECT g, ci.survive('v'::text, repeat('a', 300), now(), 'source_priority:' || g) AS s
      FROM generate_series(1, 10) g, generate_series(1, 3) GROUP BY g) x;
SELECT count(*) AS groups, count(*) FILTER (WHERE s = 's' || g || '-1') AS right_value FROM (
    SELECT g, ci.survive(v, src, now(), 'source_priority:s' || g || ',crm') AS s
      FROM (SELECT g, src, src || '-' || i AS v FROM generate_series(1, 60) g, generate_series(1, 40) i,
            LATERAL (VALUES ('crm'), ('s' || g)) x(src)) t GROUP BY g) x;

-- 60 groups of 80 rows, each group with its own rule.  Rows of source
-- s<g> come first by the rule, the latest of them (hour 40) wins.
CREATE TABLE rule_rows AS
SELECT g, i, src, src || '-' || i AS v, upper(src || '-' || i) AS k,
       timestamptz '2024-01-01' + i * interval '1 hour' AS seen
  FROM generate_series(1, 60) g, generate_series(1, 40) i, LATERAL (VALUES ('crm'), ('s' || g)) x(src);
ANALYZE rule_rows;

CREATE VIEW rule_check AS
SELECT count(*) AS groups,
       count(*) FILTER (WHERE a = 's' || g || '-40') AS text_rule,
       count(*) FILTER (WHERE b = 's' || g || '-40') AS jsonb_rule,
       count(*) FILTER (WHERE c = 's' || g || '-40') AS keyed_text,
       count(*) FILTER (WHERE d = 's' || g || '-40') AS keyed_jsonb,
       count(*) FILTER (WHERE e->>'value' = 's' || g || '-40' AND (e->>'rule_id')::int = g) AS lineage,
       count(*) FILTER (WHERE f->>'value' = 's' || g || '-40' AND (f->>'rule_index')::int = 2) AS lineage_scoped,
       count(*) FILTER (WHERE t IS NOT NULL) AS trust_recency
  FROM (SELECT g,
               ci.survive(v, src, seen, 'source_priority:s' || g || ',crm') AS a,
               ci.survive(v, src, seen, jsonb_build_object('kind', 'source_priority', 'sources', jsonb_build_array('s' || g))) AS b,
               ci.survive(v, k, src, seen, 'source_priority: s' || g) AS c,
               ci.survive(v, k, src, seen, jsonb_build_object('kind', 'source_priority', 'sources', jsonb_build_array('s' || g, 'crm'))) AS d,
               ci.survive_lineage(v, i, src, seen, jsonb_build_array(
                   jsonb_build_object('kind', 'source_priority', 'sources', jsonb_build_array('s' || g), 'rule_id', g),
                   '{"kind": "most_recent"}'::jsonb)) AS e,
               ci.survive_lineage(v, k, i, src, seen, jsonb_build_array(
                   '{"kind": "min"}'::jsonb, jsonb_build_object('kind', 'source_priority', 'sources', jsonb_build_array('s' || g))),
                   2) AS f,
               ci.survive(v, src, seen, jsonb_build_object('kind', 'trust_recency', 'half_life', g || ' days',
                                                           'default_trust', 0.5)) AS t
          FROM rule_rows GROUP BY g) x;

SET enable_sort = off;
SELECT * FROM rule_check;                       -- hash aggregation
RESET enable_sort;
SET enable_hashagg = off;
SELECT * FROM rule_check;                       -- sort aggregation
RESET enable_hashagg;

-- Window form: every row of a partition sees its partition's winner; with
-- a growing frame the state grows after the final function ran.
SELECT count(*) AS rows_, count(*) FILTER (WHERE w = 's' || g || '-40') AS right_value FROM (
    SELECT g, ci.survive(v, src, seen, 'source_priority:s' || g || ',crm') OVER (PARTITION BY g) AS w
      FROM rule_rows) x;
SELECT count(*) FILTER (WHERE i = 40) AS last_rows,
       count(*) FILTER (WHERE i = 40 AND w->>'value' = 's' || g || '-40') AS right_value,
       count(*) FILTER (WHERE w->>'value' = 's' || g || '-' || i) AS right_so_far FROM (
    SELECT g, i, ci.survive_lineage(v, i, src, seen, jsonb_build_object('kind', 'source_priority', 'sources', jsonb_build_array('s' || g)))
               OVER (PARTITION BY g ORDER BY i) AS w
      FROM rule_rows) x;

-- Grouping sets: the (g, src) groups of crm only see crm candidates.
SELECT count(*) FILTER (WHERE src IS NULL) AS per_g,
       count(*) FILTER (WHERE src IS NULL AND s = 's' || g || '-40') AS per_g_right,
       count(*) FILTER (WHERE src = 'crm' AND s = 'crm-40') AS crm_right,
       count(*) FILTER (WHERE src <> 'crm' AND s = src || '-40') AS own_source_right
  FROM (SELECT g, src, ci.survive(v, src, seen, 'source_priority:s' || g || ',crm') AS s
          FROM rule_rows GROUP BY GROUPING SETS ((g), (g, src))) x;

-- Parallel aggregation: partial states are serialised, deserialised (their
-- rules parsed again) and combined into states whose rules must outlive them.
CREATE TEMP TABLE serial_check AS SELECT * FROM rule_check;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT g, ci.survive(v, src, seen, 'source_priority:s' || g || ',crm') FROM rule_rows GROUP BY g;
SET enable_sort = off;
SELECT * FROM rule_check EXCEPT SELECT * FROM serial_check;        -- none: the same answers
RESET enable_sort;
SET enable_hashagg = off;
SELECT * FROM rule_check EXCEPT SELECT * FROM serial_check;
RESET enable_hashagg;
-- a worker runs the whole aggregate (the crash was in a parallel worker too)
SET force_parallel_mode = on;
SELECT count(*) AS groups, count(*) FILTER (WHERE s = 'v') AS right_value FROM (
    SELECT g, ci.survive('v'::text, repeat('a', 300), now(), 'source_priority:' || g) AS s
      FROM generate_series(1, 10) g, generate_series(1, 3) GROUP BY g) x;
SELECT * FROM rule_check EXCEPT SELECT * FROM serial_check;
RESET force_parallel_mode;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET parallel_leader_participation;

-- A rule that changes inside a group is still refused, past the cache too;
-- rule_id is an integer that fits a bigint (its cast was undefined
-- behaviour).  Each case: its SQLSTATE and message.
CREATE FUNCTION pg_temp.outcome(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT pg_temp.outcome(q) FROM (VALUES
    ($$SELECT g, ci.survive(v, src, seen, 'source_priority:s' || g || ',crm' || (i % 2)) FROM rule_rows GROUP BY g$$),
    ($$SELECT ci.survive_lineage(1, 1, 'a', now(), '{"kind": "most_recent", "rule_id": 1e300}')$$),
    ($$SELECT ci.survive_lineage(1, 1, 'a', now(), '{"kind": "most_recent", "rule_id": -1e19}')$$),
    ($$SELECT ci.survive_lineage(1, 1, 'a', now(), '{"kind": "most_recent", "rule_id": 9223372036854775808}')$$),
    ($$SELECT ci.survive_lineage(1, 1, 'a', now(), '{"kind": "most_recent", "rule_id": 1.5}')$$),
    ($$SELECT ci.survive_lineage(1, 1, 'a', now(), '{"kind": "most_recent", "rule_id": "7"}')$$)) v(q);
\set VERBOSITY default
SELECT ci.survive_lineage(1, 1, 'a', now(), '{"kind": "most_recent", "rule_id": 1e300}');
SELECT ci.survive_lineage(1, 1, 'a', now(), '{"kind": "most_recent", "rule_id": 9223372036854775807}')->'rule_id' AS max_id,
       ci.survive_lineage(1, 1, 'a', now(), '{"kind": "most_recent", "rule_id": -9223372036854775808}')->'rule_id' AS min_id,
       ci.survive_lineage(1, 1, 'a', now(), '{"kind": "most_recent", "rule_id": 2.000}')->'rule_id' AS two;

DROP VIEW rule_check;
DROP TABLE rule_rows;
