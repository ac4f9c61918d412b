-- test/fuzz/aggregate_fuzz.sql — the survivorship aggregates fuzzed as
-- aggregates (issue 8), not only as single calls: every overload of
-- ci.survive and ci.survive_lineage, with a different rule in each of 60
-- groups (far more distinct rules per call site than the call site caches),
-- malformed rules mixed in, NULL, multibyte, toasted and 1.1 MB values, under
-- hash and sort aggregation, parallel aggregation (states serialised and
-- combined), grouping sets, window frames that grow, slide and restart,
-- ordered and filtered aggregates.
--
-- Every query must return, or raise a clean error with a specific SQLSTATE:
-- never crash (the suite would die), never an internal error (XX000), never
-- hang.  Plans that must agree (hash, sort, parallel, a worker running the
-- whole query) must return the same answers.
--
--   pg_prove -d DB test/fuzz/aggregate_fuzz.sql
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(8);

-- Hang guard: PostgreSQL arms statement_timeout once per top-level
-- statement, not per call inside a DO block, so a per-call limit is not
-- possible here; every statement of this file (a whole fuzz loop) gets
-- 10 min, or ci_test.fuzz_timeout (the sanitizer build is slower).  A call
-- cancelled by it is recorded with 57014 and fails the file.
DO $g$ BEGIN PERFORM set_config('statement_timeout', coalesce(nullif(current_setting('ci_test.fuzz_timeout', true), ''), '10min'), true); END $g$;

-- 60 groups of 20 rows.  A regular table, so that workers can scan it.
CREATE TABLE agg_fuzz_rows AS
SELECT g, i, g * 1000 + i AS rid,
       CASE WHEN i % 11 = 0 THEN NULL
            WHEN i = 20 AND g = 40 THEN repeat('x', 1100000)
            WHEN i % 7 = 0 THEN repeat('é', 2000 + g)
            WHEN i % 5 = 0 THEN 'Müller ' || (i % 3)
            WHEN i % 13 = 0 THEN ''
            ELSE 'v' || (i % 4) END AS v,
       CASE WHEN i % 6 = 0 THEN NULL ELSE 'k' || (i % 3) END AS k,
       CASE WHEN i % 9 = 0 THEN NULL WHEN i % 2 = 0 THEN 'crm' WHEN i % 3 = 0 THEN 'web'
            ELSE 's' || g END AS src,
       CASE WHEN i % 8 = 0 THEN NULL
            ELSE timestamptz '2024-01-01 00:00+00' + ((i * 37 + g) % 50) * interval '1 day' END AS t,
       CASE WHEN i % 10 = 0 THEN NULL ELSE (i * 7 % 13)::numeric END AS n,
       (i % 4)::int AS scope
  FROM generate_series(1, 60) g, generate_series(1, 20) i;
ANALYZE agg_fuzz_rows;

-- Rules, as SQL expressions of the group (g) or the row (i).  det: the
-- answer does not depend on input order (so every plan must agree).
CREATE TEMP TABLE agg_rule (family text, kind text, expr text, det bool);
INSERT INTO agg_rule VALUES
  ('priority',      'text',  $$'source_priority:s' || g || ',crm'$$, true),
  ('priority_long', 'text',  $$'source_priority:' || repeat('x,', g) || 'web, crm'$$, true),
  ('spaces',        'text',  $$'longest' || repeat(' ', g % 9)$$, true),
  ('frequent',      'text',  $$'most_frequent:' || (ARRAY['longest', 'most_recent', 'min', 'max'])[1 + g % 4]$$, true),
  ('first_non_null','text',  $$'first_non_null:updated_at ' || (ARRAY['asc', 'desc'])[1 + g % 2]$$, true),
  ('json_as_text',  'text',  $$'{"kind": "source_priority", "sources": ["web", "s' || g || '"]}'$$, true),
  ('bad_some',      'text',  $$CASE WHEN g % 37 = 0 THEN 'no_such_rule:' || g ELSE 'most_recent' || repeat(' ', g % 5) END$$, true),
  ('bad_tie',       'text',  $$'most_frequent:' || (ARRAY['longest', 'source_priority'])[1 + g % 2]$$, true),
  ('trust_catalog', 'text',  $$'trust_recency:' || (1 + g % 12) || ' days'$$, true),
  ('per_row',       'text',  $$'source_priority:crm,s' || (g + i % 2)$$, true),
  ('input_order',   'text',  $$'first_non_null:input' || CASE WHEN g % 2 = 0 THEN ' desc' ELSE '' END$$, false),
  ('j_priority',    'jsonb', $$jsonb_build_object('kind', 'source_priority', 'sources', jsonb_build_array('s' || g, 'crm'), 'rule_id', g)$$, true),
  ('j_chain',       'jsonb', $$jsonb_build_array(jsonb_build_object('kind', 'most_frequent', 'tie_break', 'longest', 'rule_id', g), '{"kind": "most_recent"}'::jsonb, jsonb_build_object('kind', 'source_priority', 'sources', jsonb_build_array('s' || g)))$$, true),
  ('j_trust',       'jsonb', $$jsonb_build_object('kind', 'trust_recency', 'half_life', g || ' hours', 'trust', jsonb_build_object('s' || g, 0.9, 'web', 0.2), 'default_trust', 0.4)$$, true),
  -- trust from ci.source: read by each parsed rule, so 12 distinct rules, not 60
  ('j_trust_catalog','jsonb',$$jsonb_build_object('kind', 'trust_recency', 'half_life', (1 + g % 12) || ' days', 'default_trust', 0.5)$$, true),
  ('j_record_id',   'jsonb', $$jsonb_build_object('kind', 'first_non_null', 'order_by', 'record_id', 'descending', g % 2 = 0)$$, true),
  ('j_rule_id_big', 'jsonb', $$jsonb_build_object('kind', 'max', 'rule_id', g * 2e17)$$, true),
  ('j_bad_some',    'jsonb', $$CASE WHEN g % 29 = 0 THEN jsonb_build_object('kind', 'longest', 'half_life', 'soon') ELSE jsonb_build_object('kind', 'longest', 'rule_id', -g) END$$, true),
  ('j_malformed',   'jsonb', $$(ARRAY['[]', '{}', '[1]', '{"kind": 3}', '{"kind": "min", "x": 1}', '[{"kind": "min"}, 2]'])[1 + g % 6]::jsonb$$, true),
  ('j_chain_long',  'jsonb', $$(SELECT jsonb_agg(jsonb_build_object('kind', 'source_priority', 'sources', jsonb_build_array('s' || (g + c)))) FROM generate_series(1, 1 + g % 31) c)$$, true);

-- Every overload; %1$s is the rule, %2$s an ORDER BY inside the call.
CREATE TEMP TABLE agg_form (form text, kind text, call text);
INSERT INTO agg_form VALUES
  ('survive/text',          'text',  $$ci.survive(v, src, t, %1$s%2$s)$$),
  ('survive/jsonb',         'jsonb', $$ci.survive(v, src, t, %1$s%2$s)$$),
  ('survive/numeric',       'text',  $$ci.survive(n, src, t, %1$s%2$s)$$),
  ('survive/key/text',      'text',  $$ci.survive(v, k, src, t, %1$s%2$s)$$),
  ('survive/key/jsonb',     'jsonb', $$ci.survive(v, k, src, t, %1$s%2$s)$$),
  ('lineage',               'jsonb', $$ci.survive_lineage(v, rid, src, t, %1$s%2$s)$$),
  ('lineage/scope',         'jsonb', $$ci.survive_lineage(v, rid, src, t, %1$s, scope%2$s)$$),
  ('lineage/key',           'jsonb', $$ci.survive_lineage(v, k, rid, src, t, %1$s%2$s)$$),
  ('lineage/key/scope',     'jsonb', $$ci.survive_lineage(n, k, rid, src, t, %1$s, scope%2$s)$$);

-- Query shapes; %1$s is the aggregate call.  Each returns one md5 of its
-- whole answer.  GUCs are set for the one query.
CREATE TEMP TABLE agg_shape (shape text, agree bool, order_by text, gucs text[], query text);
INSERT INTO agg_shape VALUES
  ('hash', true, '', '{enable_sort=off}',
   $$SELECT md5(string_agg(g || '=' || coalesce(r::text, '~'), ',' ORDER BY g)) FROM (SELECT g, %1$s AS r FROM agg_fuzz_rows GROUP BY g) x$$),
  ('sort', true, '', '{enable_hashagg=off}',
   $$SELECT md5(string_agg(g || '=' || coalesce(r::text, '~'), ',' ORDER BY g)) FROM (SELECT g, %1$s AS r FROM agg_fuzz_rows GROUP BY g) x$$),
  ('parallel_hash', true, '', '{parallel_setup_cost=0,parallel_tuple_cost=0,min_parallel_table_scan_size=0,max_parallel_workers_per_gather=2,enable_sort=off}',
   $$SELECT md5(string_agg(g || '=' || coalesce(r::text, '~'), ',' ORDER BY g)) FROM (SELECT g, %1$s AS r FROM agg_fuzz_rows GROUP BY g) x$$),
  ('parallel_sort', true, '', '{parallel_setup_cost=0,parallel_tuple_cost=0,min_parallel_table_scan_size=0,max_parallel_workers_per_gather=2,parallel_leader_participation=off,enable_hashagg=off}',
   $$SELECT md5(string_agg(g || '=' || coalesce(r::text, '~'), ',' ORDER BY g)) FROM (SELECT g, %1$s AS r FROM agg_fuzz_rows GROUP BY g) x$$),
  ('worker', true, '', '{force_parallel_mode=on,parallel_setup_cost=0,parallel_tuple_cost=0}',
   $$SELECT md5(string_agg(g || '=' || coalesce(r::text, '~'), ',' ORDER BY g)) FROM (SELECT g, %1$s AS r FROM agg_fuzz_rows GROUP BY g) x$$),
  ('grouping_sets', false, '', '{}',
   $$SELECT md5(string_agg(g || '/' || coalesce(src, '~') || '=' || coalesce(r::text, '~'), ',' ORDER BY g, src)) FROM (SELECT g, src, %1$s AS r FROM agg_fuzz_rows GROUP BY GROUPING SETS ((g), (g, src))) x$$),
  ('ordered', false, ' ORDER BY i DESC', '{}',
   $$SELECT md5(string_agg(g || '=' || coalesce(r::text, '~'), ',' ORDER BY g)) FROM (SELECT g, %1$s AS r FROM agg_fuzz_rows GROUP BY g) x$$),
  ('filtered', false, '', '{enable_sort=off}',
   $$SELECT md5(string_agg(g || '=' || coalesce(r::text, '~'), ',' ORDER BY g)) FROM (SELECT g, %1$s FILTER (WHERE i %% 3 <> 0) AS r FROM agg_fuzz_rows GROUP BY g) x$$),
  ('window_partition', false, '', '{}',
   $$SELECT md5(string_agg(rid || '=' || coalesce(r::text, '~'), ',' ORDER BY rid)) FROM (SELECT rid, %1$s OVER (PARTITION BY g) AS r FROM agg_fuzz_rows) x$$),
  ('window_growing', false, '', '{}',
   $$SELECT md5(string_agg(rid || '=' || coalesce(r::text, '~'), ',' ORDER BY rid)) FROM (SELECT rid, %1$s OVER (PARTITION BY g ORDER BY i) AS r FROM agg_fuzz_rows) x$$),
  ('window_sliding', false, '', '{}',
   $$SELECT md5(string_agg(rid || '=' || coalesce(r::text, '~'), ',' ORDER BY rid)) FROM (SELECT rid, %1$s OVER (PARTITION BY g ORDER BY i ROWS BETWEEN 3 PRECEDING AND CURRENT ROW) AS r FROM agg_fuzz_rows) x$$);

CREATE TEMP TABLE agg_result (form text, family text, shape text, sqlstate text, message text, answer text, ms float8);

-- One query: its GUCs for this query only, and its outcome.
CREATE FUNCTION pg_temp.agg_try(p_form text, p_family text, p_shape text, gucs text[], q text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  st text := '00000'; msg text; ans text; t0 timestamptz := clock_timestamp();
  kv text; saved text[] := '{}';
BEGIN
  BEGIN
    FOREACH kv IN ARRAY gucs LOOP
      saved := saved || (split_part(kv, '=', 1) || '=' || current_setting(split_part(kv, '=', 1)));
      PERFORM set_config(split_part(kv, '=', 1), split_part(kv, '=', 2), true);
    END LOOP;
    EXECUTE q INTO ans;
    FOREACH kv IN ARRAY saved LOOP
      PERFORM set_config(split_part(kv, '=', 1), split_part(kv, '=', 2), true);
    END LOOP;
  EXCEPTION WHEN OTHERS OR query_canceled THEN  -- the subtransaction's rollback restores the GUCs
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
  END;
  INSERT INTO agg_result VALUES (p_form, p_family, p_shape, st, left(msg, 200), ans,
    extract(epoch FROM clock_timestamp() - t0) * 1000);
END $$;

-- force_parallel_mode was renamed debug_parallel_query in PostgreSQL 16.
UPDATE agg_shape SET gucs = array_replace(gucs, 'force_parallel_mode=on', 'debug_parallel_query=on')
 WHERE current_setting('server_version_num')::int >= 160000;

DO $$
DECLARE
  f record; r record; s record;
BEGIN
  FOR f IN SELECT * FROM agg_form ORDER BY form LOOP
    FOR r IN SELECT * FROM agg_rule WHERE kind = f.kind ORDER BY family LOOP
      FOR s IN SELECT * FROM agg_shape ORDER BY shape LOOP
        PERFORM pg_temp.agg_try(f.form, r.family, s.shape, s.gucs,
                                format(s.query, format(f.call, r.expr, s.order_by)));
      END LOOP;
    END LOOP;
  END LOOP;
END $$;

SELECT cmp_ok((SELECT count(*) FROM agg_result)::int, '>=', 900,
              'every overload, rule family and query shape was run');
SELECT cmp_ok((SELECT count(DISTINCT shape) FROM agg_result WHERE sqlstate = '00000')::int, '=',
              (SELECT count(*) FROM agg_shape)::int,
              'every query shape answered for some rules');
SELECT cmp_ok((SELECT count(*) FROM agg_result WHERE sqlstate = '00000')::int, '>=', 500,
              'most queries with well-formed rules answered');
SELECT is_empty($$SELECT form, family, shape, sqlstate, message FROM agg_result WHERE sqlstate LIKE 'XX%'$$,
                'no aggregate query raises an internal error (class XX)');
SELECT is_empty($$SELECT form, family, shape, message FROM agg_result WHERE sqlstate = '57014'$$,
                'no aggregate query runs past the hang guard');
SELECT is_empty($$SELECT form, family, shape, sqlstate, message FROM agg_result
                  WHERE sqlstate <> '00000' AND sqlstate NOT LIKE '22%'
                    AND sqlstate NOT IN ('42704', '42804', '42883', '54000')$$,
                'every error is a data exception, an unknown source, a type mismatch or a program limit');
SELECT is_empty($$SELECT family FROM agg_result WHERE family IN ('bad_some', 'bad_tie', 'per_row', 'j_malformed', 'j_rule_id_big', 'j_bad_some')
                  GROUP BY family HAVING bool_or(sqlstate = '00000')$$,
                'a malformed rule in any group fails its query');
-- hash, sort, parallel and a worker agree, answer for answer (rules whose
-- winner does not depend on input order)
SELECT is_empty($$SELECT a.form, a.family, string_agg(a.shape || ':' || coalesce(a.answer, a.sqlstate), ' ' ORDER BY a.shape)
                    FROM agg_result a JOIN agg_shape s USING (shape) JOIN agg_rule r USING (family)
                   WHERE s.agree AND r.det
                   GROUP BY a.form, a.family
                  HAVING bool_or(a.sqlstate = '00000')
                     AND (count(DISTINCT a.answer) <> 1 OR bool_or(a.sqlstate <> '00000'))$$,
                'hash, sort and parallel plans give the same answers');

SELECT diag(format('%s: %s queries, %s answered, %s errors (%s), slowest %s ms', shape, count(*),
                   count(*) FILTER (WHERE sqlstate = '00000'), count(*) FILTER (WHERE sqlstate <> '00000'),
                   coalesce(string_agg(DISTINCT sqlstate, ',') FILTER (WHERE sqlstate <> '00000'), '-'),
                   round(max(ms)::numeric, 1)))
FROM agg_result GROUP BY shape ORDER BY shape;

SELECT * FROM finish();
ROLLBACK;
