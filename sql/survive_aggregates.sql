-- Survivorship aggregates on an ordinary user table: ci.survive returns the
-- winning value, ci.survive_lineage the winner with its lineage.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
CREATE TABLE contacts (
    cust      int,
    src       text,
    seen      timestamptz,
    name      text,
    score     numeric,
    born      date,
    tags      text[],
    doc       jsonb,
    spot      point
);
INSERT INTO contacts VALUES
    (1, 'crm', '2024-01-01', 'Ann',     10, '1980-05-01', '{a}',     '{"x": 1}',         '(0,0)'),
    (1, 'web', '2024-06-01', 'Anna',    20, '1980-05-01', '{a,b,c}', '{"x": 1, "y": 2}', '(1,1)'),
    (1, 'pos', '2023-01-01', 'Ann',     15, '1980-01-05', '{a,b}',   NULL,               '(2,2)'),
    (1, 'web', NULL,         NULL,      99, NULL,         NULL,      '{}',               NULL),
    (2, 'crm', '2024-01-01', NULL,      NULL, NULL,       NULL,      NULL,               NULL),
    (2, 'web', NULL,         NULL,      NULL, NULL,       NULL,      NULL,               NULL),
    (3, 'web', '2024-01-01', 'Zoë',     1,  '2001-01-01', '{}',      '[]',               '(5,5)');

-- Every rule kind, by its text form, on text, numeric, date and arrays.
SELECT cust,
       ci.survive(name, src, seen, 'most_recent')              AS most_recent,
       ci.survive(name, src, seen, 'source_priority:pos,crm')  AS pos_first,
       ci.survive(name, src, seen, 'most_frequent')            AS most_frequent,
       ci.survive(name, src, seen, 'longest')                  AS longest,
       ci.survive(score, src, seen, 'min')                     AS min_score,
       ci.survive(score, src, seen, 'max')                     AS max_score,
       ci.survive(born, src, seen, 'first_non_null:updated_at') AS oldest_born,
       ci.survive(tags, src, seen, 'longest')                  AS most_tags
  FROM contacts GROUP BY cust ORDER BY cust;

-- Group 2 has only NULL values: the result is NULL.  A NULL updated_at is
-- the oldest: in group 1 the undated row (score 99) never wins most_recent,
-- but is first by "first_non_null:updated_at".
SELECT cust,
       ci.survive(score, src, seen, 'most_recent')               AS newest_score,
       ci.survive(score, src, seen, 'first_non_null:updated_at') AS oldest_score,
       ci.survive(score, src, seen, 'first_non_null:updated_at desc') AS newest_again
  FROM contacts GROUP BY cust ORDER BY cust;

-- jsonb rules; an untyped literal that looks like JSON is read as JSON.
SELECT cust,
       ci.survive(name, src, seen, '{"kind": "source_priority", "sources": ["pos", "crm"]}'::jsonb) AS jsonb_rule,
       ci.survive(name, src, seen, '{"kind": "most_frequent", "tie_break": "most_recent"}') AS json_as_text,
       ci.survive(doc, src, seen, '{"kind": "longest"}') AS fullest_doc
  FROM contacts GROUP BY cust ORDER BY cust;

-- trust_recency: trust of the source (here from the rule) halves every
-- half_life.  With a 30-day half-life recency dominates; with 100 years,
-- trust does.  Trust defaults to ci.source when the rule has no map.
SELECT cust,
       ci.survive(name, src, seen, '{"kind": "trust_recency", "half_life": "30 days", "trust": {"crm": 0.9, "web": 0.3, "pos": 0.5}}') AS recency_wins,
       ci.survive(name, src, seen, '{"kind": "trust_recency", "half_life": "100 years", "trust": {"crm": 0.9, "web": 0.3, "pos": 0.5}}') AS trust_wins,
       ci.survive(name, src, seen, 'trust_recency:3650 days') AS from_ci_source
  FROM contacts WHERE cust <> 2 GROUP BY cust ORDER BY cust;

-- Ties are broken deterministically, whatever the input order: the more
-- recent row, then the source name, then the smaller value.
CREATE TABLE ties (v text, s text, t timestamptz);
INSERT INTO ties VALUES ('b', 'web', '2024-01-01'), ('a', 'web', '2024-01-01'), ('c', 'crm', '2024-01-01'), ('d', 'zzz', '2023-01-01');
SELECT ci.survive(v, s, t, 'most_frequent') AS all_once_then_recent_then_source,
       ci.survive(v, s, t, 'most_recent' ORDER BY v DESC) FILTER (WHERE s = 'web') AS same_source_smaller_value
  FROM ties;
SELECT ci.survive(v, s, t, 'most_frequent' ORDER BY v) = ci.survive(v, s, t, 'most_frequent' ORDER BY v DESC) AS order_independent
  FROM ties;
-- first_non_null by input order follows the aggregate's ORDER BY.
SELECT ci.survive(v, s, t, 'first_non_null:input' ORDER BY v DESC) AS last_letter,
       ci.survive(v, s, t, 'first_non_null:input desc' ORDER BY v DESC) AS first_letter
  FROM ties;

-- Lineage: the winner, the rule that chose it and the candidates it beat.
SELECT jsonb_pretty(ci.survive_lineage(name, cust * 100 + score::bigint, src, seen, '{"kind": "most_frequent", "tie_break": "longest"}'))
  FROM contacts WHERE cust = 1;
-- A rule chain with scopes: bit 1 puts a row in the scope of the first
-- rule (here: only crm rows, by source priority), bit 2 in the second.
-- The first rule with a candidate decides.
SELECT cust,
       ci.survive_lineage(name, score::bigint, src, seen,
                          '[{"kind": "source_priority", "sources": ["crm"], "rule_id": 7}, {"kind": "most_recent", "rule_id": 8}]',
                          CASE WHEN src = 'crm' THEN 1 | 2 ELSE 2 END) ->> 'value' AS value,
       ci.survive_lineage(name, score::bigint, src, seen,
                          '[{"kind": "source_priority", "sources": ["crm"], "rule_id": 7}, {"kind": "most_recent", "rule_id": 8}]',
                          CASE WHEN src = 'crm' THEN 1 | 2 ELSE 2 END) ->> 'rule_id' AS decided_by
  FROM contacts GROUP BY cust ORDER BY cust;

-- Types without an ordering work with rules that need none.
SELECT ci.survive(spot, src, seen, 'most_recent')::text AS newest_spot,
       ci.survive(spot, src, seen, 'most_frequent')::text AS frequent_spot
  FROM contacts WHERE cust = 1;

-- Huge (1.1 MB) and multibyte values survive intact; longest counts characters, not bytes.
CREATE TABLE big (v text, s text, t timestamptz);
INSERT INTO big VALUES (repeat('x', 1100000), 'a', '2024-01-01'), (repeat('é', 600000), 'b', '2024-01-02'),
                       ('日本語テキスト', 'c', '2024-01-03');
SELECT length(ci.survive(v, s, t, 'longest')) AS longest_chars,
       left(ci.survive(v, s, t, 'longest'), 3) AS longest_starts,
       ci.survive(v, s, t, 'most_recent') AS newest,
       length(ci.survive_lineage(v, 1, s, t, '{"kind": "most_recent"}')::text) > 1700000 AS lineage_holds_beaten_values
  FROM big;

-- Parallel aggregation (partial states serialised and combined) gives the
-- same answers as a serial plan.
CREATE TABLE many AS
SELECT i % 100 AS g, (ARRAY['crm', 'web', 'pos'])[1 + i % 3] AS s, timestamptz '2024-01-01' + (i * 7 % 1000) * interval '1 hour' AS t,
       md5(i::text) AS v, (i * 31 % 997)::int AS n
  FROM generate_series(1, 30000) i;
ANALYZE many;
CREATE TEMP TABLE serial_result AS
SELECT g, ci.survive(v, s, t, 'most_recent') AS a, ci.survive(n, s, t, 'most_frequent') AS b,
       ci.survive(v, s, t, 'source_priority:pos') AS c, ci.survive_lineage(v, n, s, t, '{"kind": "max"}') AS d
  FROM many GROUP BY g;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off; SET enable_hashagg = off;
EXPLAIN (COSTS OFF)
SELECT g, ci.survive(v, s, t, 'most_recent') FROM many GROUP BY g;
SELECT count(*) AS differences FROM (
    (SELECT g, ci.survive(v, s, t, 'most_recent') AS a, ci.survive(n, s, t, 'most_frequent') AS b,
            ci.survive(v, s, t, 'source_priority:pos') AS c, ci.survive_lineage(v, n, s, t, '{"kind": "max"}') AS d
       FROM many GROUP BY g)
    EXCEPT SELECT * FROM serial_result) x;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET parallel_leader_participation; RESET enable_hashagg;

-- Bad rules: a clear error, never a guess.
\set VERBOSITY terse
SELECT ci.survive(name, src, seen, 'newest') FROM contacts;
SELECT ci.survive(name, src, seen, '') FROM contacts;
SELECT ci.survive(name, src, seen, '{}') FROM contacts;
SELECT ci.survive(name, src, seen, '{"kind": "min"') FROM contacts;
SELECT ci.survive(name, src, seen, '{"kind": 7}') FROM contacts;
SELECT ci.survive(name, src, seen, 'first_non_null:updated_at sideways') FROM contacts;
SELECT ci.survive(name, src, seen, 'source_priority') FROM contacts;
SELECT ci.survive(name, src, seen, 'most_recent:crm') FROM contacts;
SELECT ci.survive(name, src, seen, '{"kind": "most_recent", "tie_break": "longest"}') FROM contacts;
SELECT ci.survive(name, src, seen, '{"kind": "most_recent", "sourcs": ["crm"]}') FROM contacts;
SELECT ci.survive(name, src, seen, '{"kind": "trust_recency", "half_life": "-1 day"}') FROM contacts;
SELECT ci.survive(name, src, seen, '{"kind": "trust_recency", "trust": {"crm": 1.5}}') FROM contacts;
SELECT ci.survive(name, src, seen, '"most_recent"'::jsonb) FROM contacts;
SELECT ci.survive(name, src, seen, '[{"kind": "min"}, {"kind": "max"}]') FROM contacts;
SELECT ci.survive(name, src, seen, '{"kind": "most_frequent", "tie_break": "most_frequent"}') FROM contacts;
SELECT ci.survive(name, src, seen, 'first_non_null:record_id') FROM contacts;
-- trust comes from ci.source, which knows crm, pos and web but not web_x
SELECT ci.survive(name, src, seen, '{"kind": "trust_recency"}') FROM contacts;
SELECT ci.survive(name, src || '_x', seen, '{"kind": "trust_recency"}') FROM contacts;
SELECT ci.survive(name, NULL, seen, '{"kind": "trust_recency", "trust": {"crm": 0.5}}') FROM contacts;
SELECT ci.survive(born, src, seen, 'longest') FROM contacts;
SELECT ci.survive(spot, src, seen, 'max') FROM contacts;
SELECT ci.survive(name, src, seen, NULL::text) FROM contacts;
SELECT ci.survive(name, src, seen, CASE WHEN cust = 1 THEN 'most_recent' ELSE 'longest' END) FROM contacts;
SELECT ci.survive(name, src, seen, repeat('x', 1100000)) FROM contacts;
SELECT ci.survive_lineage(name, 1, src, seen, (SELECT jsonb_agg('{"kind": "min"}'::jsonb) FROM generate_series(1, 32)), 1) FROM contacts;
SELECT ci.survive(name, src, seen, 'most_recent') IS NULL AS empty_input_is_null FROM contacts WHERE false;
\set VERBOSITY default
