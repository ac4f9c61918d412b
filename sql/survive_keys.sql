-- Survivorship aggregates with a comparison key: ci.survive(value, key, ...)
-- and ci.survive_lineage(value, key, ...) compare values by the key the
-- caller passes.  most_frequent counts keys; every value shows its key
-- group's representative spelling (the most frequent value within the key,
-- then the most recent, then the smallest source, value in the C collation,
-- record id).  Without a key, values are compared as they are.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
CREATE TABLE mails (
    cust  int,
    rid   bigint,
    src   text,
    seen  timestamptz,
    email text
);
INSERT INTO mails VALUES
    (1, 11, 'crm', '2024-01-01', 'Ann@Example.com'),
    (1, 12, 'web', '2024-03-01', 'ann@example.com'),
    (1, 13, 'pos', '2024-02-01', 'ann@example.com'),
    (1, 14, 'web', '2024-05-01', 'bob@example.com'),
    (1, 15, 'pos', '2024-06-01', 'bob@example.com'),
    (2, 21, 'crm', '2024-01-01', 'Zoë@mail.de'),
    (2, 22, 'web', '2024-02-01', 'ZOË@MAIL.DE'),
    (2, 23, 'pos', '2023-01-01', 'x@mail.de'),
    (2, 24, 'web', NULL,         NULL);

-- Without a key, the three spellings of Ann's address are three values, and
-- bob@ (seen twice) is the most frequent.  With the normalised address
-- (ci.normalize_email: case-folded; lower(email) works too) as the key, Ann's
-- address is seen three times and wins, shown in its most frequent spelling
-- 'ann@example.com'.  Customer 2: 'Zoë@mail.de' and 'ZOË@MAIL.DE' are one
-- key seen twice; both spellings once each, so the more recent one shows.
SELECT cust,
       ci.survive(email, src, seen, 'most_frequent') AS as_is,
       ci.survive(email, ci.normalize_email(email), src, seen, 'most_frequent') AS by_key,
       ci.survive(email, ci.normalize_email(email), src, seen, '{"kind": "most_frequent"}'::jsonb) AS jsonb_rule
  FROM mails GROUP BY cust ORDER BY cust;

-- A key also makes other rules show the representative spelling: the most
-- recent record of customer 2 is 'ZOË@MAIL.DE' (2024-02-01); with the key it
-- shows its group's representative, the same value here.  source_priority
-- picks the crm record, whose key group shows its most recent spelling.
SELECT cust,
       ci.survive(email, src, seen, 'source_priority:crm') AS crm_as_is,
       ci.survive(email, ci.normalize_email(email), src, seen, 'source_priority:crm') AS crm_by_key,
       ci.survive(email, ci.normalize_email(email), src, seen, 'most_recent') AS newest_by_key
  FROM mails GROUP BY cust ORDER BY cust;

-- The representative: the most frequent spelling first, then the most
-- recent, then the smaller source, then the smaller value by bytes (C
-- collation: 'B' before 'b').  The key here is ci.normalize_name(v).
CREATE TABLE spellings (grp int, v text, s text, t timestamptz);
INSERT INTO spellings VALUES
    (1, 'MÜLLER', 'web', '2024-01-01'), (1, 'Müller', 'crm', '2023-01-01'), (1, 'Müller', 'pos', '2022-01-01'),
    (2, 'MÜLLER', 'web', '2024-01-01'), (2, 'Müller', 'crm', '2023-01-01'),
    (3, 'MÜLLER', 'web', '2024-01-01'), (3, 'Müller', 'crm', '2024-01-01'),
    (4, 'müller', 'crm', '2024-01-01'), (4, 'Müller', 'crm', '2024-01-01'),
    (5, 'b', 'crm', NULL), (5, 'B', 'crm', NULL);
SELECT grp, ci.survive(v, ci.normalize_name(v), s, t, 'most_frequent') AS shown
  FROM spellings GROUP BY grp ORDER BY grp;

-- A NULL key: the row is compared by its value, with the other rows
-- without a key.  Here 'ann@example.com' without a key is not in the group
-- of the keyed 'ann@example.com' rows, so two keyed rows (bob) beat it.
SELECT ci.survive(email, CASE WHEN rid = 12 THEN NULL ELSE ci.normalize_email(email) END, src, seen, 'most_frequent') AS null_key,
       ci.survive(email, NULL::text, src, seen, 'most_frequent') AS all_keys_null,
       ci.survive(email, '', src, seen, 'most_frequent') AS one_empty_key_for_all
  FROM mails WHERE cust = 1 AND rid <> 11;

-- Lineage with a key: "value" is the representative spelling, record_id and
-- source name the record that won by the rule (here the tie-break chain: the
-- most recent of Ann's records), "support" counts the key's rows, "beaten"
-- lists the other keys' rows with the values they hold.
SELECT jsonb_pretty(ci.survive_lineage(email, ci.normalize_email(email), rid, src, seen, '{"kind": "most_frequent"}'))
  FROM mails WHERE cust = 1;
-- with a rule chain and scopes (bit 1: verified crm rows only, none here)
SELECT ci.survive_lineage(email, ci.normalize_email(email), rid, src, seen,
                          '[{"kind": "source_priority", "sources": ["crm"]}, {"kind": "most_frequent"}]',
                          CASE WHEN src = 'crm' AND false THEN 3 ELSE 2 END) ->> 'value' AS chain_value
  FROM mails WHERE cust = 2;
-- every value NULL, or no rows: NULL
SELECT ci.survive(email, ci.normalize_email(email), src, seen, 'most_frequent') IS NULL AS all_null,
       ci.survive_lineage(email, ci.normalize_email(email), rid, src, seen, '{"kind": "most_recent"}') IS NULL AS lineage_all_null
  FROM mails WHERE email IS NULL;

-- Keys of any size and script: a 1.1 MB key, multibyte keys, a key with a
-- NUL-free control character; keys are compared by their bytes.
CREATE TABLE bigkeys (v text, k text, s text, t timestamptz);
INSERT INTO bigkeys VALUES
    ('long-a', repeat('k', 1100000), 'crm', '2024-01-01'),
    ('long-b', repeat('k', 1100000), 'web', '2024-01-02'),
    ('short',  repeat('k', 1099999), 'pos', '2024-01-03'),
    ('日本',   '日本語', 'crm', '2023-01-01'),
    ('ctrl',   E'\x01', 'crm', '2022-01-01');
SELECT ci.survive(v, k, s, t, 'most_frequent') AS two_huge_keys_win,
       ci.survive(k, k, s, t, 'most_recent') = repeat('k', 1099999) AS huge_value_intact,
       ci.survive(v, k, s, t, 'most_frequent') FILTER (WHERE k NOT LIKE 'k%') AS multibyte_or_control
  FROM bigkeys;

-- Keys on non-text values: a date compared by its year.
SELECT ci.survive(d, extract(year FROM d)::text, 'x', NULL, 'most_frequent') AS year_wins
  FROM (VALUES (date '2020-01-01'), (date '2020-06-30'), (date '2021-01-01')) v(d);

-- Parallel aggregation with keys: partial states (keys included) are
-- serialised and combined, and give the serial answer.
CREATE TABLE many_keyed AS
SELECT i % 50 AS g, (ARRAY['crm', 'web', 'pos'])[1 + i % 3] AS s,
       timestamptz '2024-01-01' + (i * 7 % 1000) * interval '1 hour' AS t,
       CASE i % 4 WHEN 0 THEN upper('name' || (i % 7)) WHEN 1 THEN 'Name' || (i % 7) ELSE 'name' || (i % 7) END AS v,
       CASE WHEN i % 13 = 0 THEN NULL ELSE 'name' || (i % 7) END AS k,
       i AS rid
  FROM generate_series(1, 30000) i;
ANALYZE many_keyed;
CREATE TEMP TABLE keyed_serial AS
SELECT g, ci.survive(v, k, s, t, 'most_frequent:longest') AS a,
       ci.survive_lineage(v, k, rid, s, t, '{"kind": "most_frequent", "tie_break": "most_recent"}') AS b
  FROM many_keyed GROUP BY g;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off; SET enable_hashagg = off;
EXPLAIN (COSTS OFF)
SELECT g, ci.survive(v, k, s, t, 'most_frequent:longest') FROM many_keyed GROUP BY g;
SELECT count(*) AS differences FROM (
    (SELECT g, ci.survive(v, k, s, t, 'most_frequent:longest') AS a,
            ci.survive_lineage(v, k, rid, s, t, '{"kind": "most_frequent", "tie_break": "most_recent"}') AS b
       FROM many_keyed GROUP BY g)
    EXCEPT SELECT * FROM keyed_serial) x;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET parallel_leader_participation; RESET enable_hashagg;
-- the keyed answer is the winning key's representative spelling, support its rows
SELECT a, b ->> 'support' AS support FROM keyed_serial WHERE g = 0;

-- Bad input keeps its clear errors with a key.
\set VERBOSITY terse
SELECT ci.survive(email, ci.normalize_email(email), src, seen, 'newest') FROM mails;
SELECT ci.survive(email, ci.normalize_email(email), src, seen, NULL::text) FROM mails;
SELECT ci.survive(email, ci.normalize_email(email), src, seen, 'first_non_null:record_id') FROM mails;
\set VERBOSITY default

DROP TABLE mails, spellings, bigkeys, many_keyed;
