-- Similarity benchmark: ci.jaro_winkler and ci.levenshtein against their
-- peers (pg_similarity's jarowinkler, contrib fuzzystrmatch's levenshtein)
-- and against the floor length(a) + length(b), over the same table of name
-- pairs, in one session.  Run by bench/similarity.sh; standalone:
--   psql -X -v pairs=1000000 -v runs=5 -f bench/similarity.sql
-- Needs customer_intel, pg_similarity and fuzzystrmatch available on the
-- server; creates them (peers in their own schemas) and a table
-- ci_bench.pair, dropped at the end.
\set ON_ERROR_STOP on
\if :{?pairs}
\else
  \set pairs 1000000
\endif
\if :{?runs}
\else
  \set runs 5
\endif
SET client_min_messages = warning;
-- Same plan shape for everyone: pg_similarity's functions are not marked
-- PARALLEL SAFE and ours are, so parallel query would favour ours; no JIT.
SET max_parallel_workers_per_gather = 0;
SET jit = off;
SET extra_float_digits = 0;
SET ci_bench.runs = :'runs';

CREATE EXTENSION IF NOT EXISTS customer_intel;
DROP SCHEMA IF EXISTS ci_bench CASCADE;
CREATE SCHEMA ci_bench;
CREATE EXTENSION IF NOT EXISTS pg_similarity SCHEMA ci_bench;
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch SCHEMA ci_bench;
-- (when a peer was already installed elsewhere, find it there)
SELECT format('%I', extnamespace::regnamespace) AS pgs_schema
FROM pg_extension WHERE extname = 'pg_similarity' \gset
SELECT format('%I', extnamespace::regnamespace) AS fsm_schema
FROM pg_extension WHERE extname = 'fuzzystrmatch' \gset

-- Realistic pairs: "given family" names, the second a copy with 0-2
-- keyboard slips (substitution, deletion, insertion, transposition) or,
-- in 10% of pairs, another person.  A few names carry diacritics.
-- Deterministic: fixed seed, one backend, no parallelism.
CREATE FUNCTION ci_bench.typo(s text, kind int, pos float8, ch text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE kind
           WHEN 0 THEN overlay(s placing ch from p for 1)                               -- substitution
           WHEN 1 THEN overlay(s placing '' from p for 1)                               -- deletion
           WHEN 2 THEN overlay(s placing ch from p for 0)                               -- insertion
           ELSE overlay(s placing substr(s, p + 1, 1) || substr(s, p, 1) from p for 2)  -- transposition
         END
  FROM (SELECT 1 + floor(pos * greatest(length(s) - 1, 1))::int AS p) x $$;

CREATE TABLE ci_bench.given (i int, name text);
INSERT INTO ci_bench.given SELECT row_number() OVER () - 1, n FROM unnest(string_to_array(
  'james mary john patricia robert jennifer michael linda william elizabeth david barbara richard susan '
  'joseph jessica thomas sarah charles karen christopher nancy daniel lisa matthew betty anthony margaret '
  'mark sandra donald ashley steven kimberly paul emily andrew donna joshua michelle kenneth dorothy kevin '
  'carol brian amanda george melissa edward deborah ronald stephanie timothy rebecca jason sharon jeffrey '
  'laura ryan cynthia jacob kathleen gary amy nicholas shirley eric angela jonathan helen stephen anna '
  'larry brenda justin pamela scott nicole brandon emma benjamin samantha samuel katherine gregory christine '
  'mohammed aleksandr sophie lukas chloé josé zoë søren françois', ' ')) n;
CREATE TABLE ci_bench.family (i int, name text);
INSERT INTO ci_bench.family SELECT row_number() OVER () - 1, n FROM unnest(string_to_array(
  'smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez wilson '
  'anderson thomas taylor moore jackson martin lee perez thompson white harris sanchez clark ramirez lewis '
  'robinson walker young allen king wright scott torres nguyen hill flores green adams nelson baker hall '
  'rivera campbell mitchell carter roberts gomez phillips evans turner diaz parker cruz edwards collins '
  'reyes stewart morris morales murphy cook rogers gutierrez ortiz morgan cooper peterson bailey reed kelly '
  'howard ramos kim cox ward richardson watson brooks chavez wood james bennett gray mendoza ruiz hughes '
  'price alvarez castillo sanders patel myers long ross foster jimenez powell jenkins perry russell sullivan '
  'bell coleman butler henderson barnes gonzales fisher vasquez simmons romero jordan patterson alexander '
  'hamilton graham reynolds griffin wallace moreno west cole hayes bryant herrera gibson ellis tran medina '
  'aguilar stevens murray ford castro marshall owens harrison fernandez mcdonald woods washington kennedy '
  'wells vargas henry chen freeman webb tucker guzman burns crawford olson simpson porter hunter gordon '
  'mendez silva shaw snyder mason dixon muñoz hunt hicks holmes palmer wagner black robertson boyd rose '
  'stone salazar fox warren mills meyer rice schmidt garza daniels ferguson nichols stephens soto weaver '
  'ryan gardner payne grant dunn kelley spencer hawkins arnold pierce vazquez hansen peters santos hart '
  'bradley knight elliott cunningham duncan armstrong hudson carroll lane riley andrews alvarado ray '
  'delgado berry perkins hoffman johnston matthews peña richards willis carpenter lawrence sandoval '
  'müller größer østergaard dvořák', ' ')) n;

SELECT count(*) AS ngiven FROM ci_bench.given \gset
SELECT count(*) AS nfamily FROM ci_bench.family \gset
SELECT setseed(0.2024);
CREATE UNLOGGED TABLE ci_bench.pair AS
WITH draw AS (                  -- volatile, so materialised once, in order
  SELECT g, floor(random() * :ngiven)::int AS g1, floor(random() * :nfamily)::int AS f1,
         random() AS r, floor(random() * 4)::int AS k1, random() AS p1, floor(random() * 4)::int AS k2,
         random() AS p2, chr(97 + floor(random() * 26)::int) AS ch,
         floor(random() * :ngiven)::int AS g2, floor(random() * :nfamily)::int AS f2
  FROM generate_series(1, :pairs) g
), person AS (
  SELECT d.*, gv.name || ' ' || fm.name AS a, gv2.name || ' ' || fm2.name AS other
  FROM draw d
  JOIN ci_bench.given gv ON gv.i = d.g1 JOIN ci_bench.family fm ON fm.i = d.f1
  JOIN ci_bench.given gv2 ON gv2.i = d.g2 JOIN ci_bench.family fm2 ON fm2.i = d.f2
)
SELECT a,
       CASE WHEN r < 0.25 THEN a
            WHEN r < 0.70 THEN ci_bench.typo(a, k1, p1, ch)
            WHEN r < 0.90 THEN ci_bench.typo(ci_bench.typo(a, k1, p1, ch), k2, p2, ch)
            ELSE other
       END AS b
FROM person ORDER BY g;
VACUUM ANALYZE ci_bench.pair;
SELECT count(*) AS pairs, round(avg(length(a)), 1) AS avg_chars,
       round(100.0 * count(*) FILTER (WHERE a ~ '[^[:ascii:]]' OR b ~ '[^[:ascii:]]') / count(*), 1) AS pct_multibyte,
       round(100.0 * count(*) FILTER (WHERE a = b) / count(*), 1) AS pct_identical
FROM ci_bench.pair;

-- Each expression is timed as one aggregate over the table; the runs are
-- interleaved (every expression once per round, :runs rounds after a
-- warm-up round) and the best time of each kept, so that a burst of load on
-- a shared machine does not fall on one contender only.
CREATE TABLE ci_bench.result (ord int, name text, expr text, ms float8 DEFAULT 'Infinity');
INSERT INTO ci_bench.result (ord, name, expr) VALUES
  (1, 'scan (no function)',              '(a IS NULL)::int + (b IS NULL)::int'),
  (2, 'floor: length(a)+length(b)',      'length(a) + length(b)'),
  (3, 'ci.jaro_winkler',                 'ci.jaro_winkler(a, b)'),
  (4, 'pg_similarity jarowinkler',       :'pgs_schema' || '.jarowinkler(a, b)'),
  (5, 'ci.levenshtein',                  'ci.levenshtein(a, b)'),
  (6, 'fuzzystrmatch levenshtein',       :'fsm_schema' || '.levenshtein(a, b)'),
  (7, 'ci.levenshtein bounded (k=2)',    'ci.levenshtein(a, b, 2)'),
  (8, 'fuzzystrmatch levenshtein_less_equal (k=2)', :'fsm_schema' || '.levenshtein_less_equal(a, b, 2)'),
  (9, 'ci.jaro',                         'ci.jaro(a, b)'),
  (10, 'ci.damerau_levenshtein',         'ci.damerau_levenshtein(a, b)'),
  (11, 'ci.token_set_similarity',        'ci.token_set_similarity(a, b)'),
  (12, 'ci.dmetaphone',                  'length(ci.dmetaphone(a))'),
  (13, 'fuzzystrmatch dmetaphone',       'length(' || :'fsm_schema' || '.dmetaphone(a))');

DO $$
DECLARE r record; round int; t0 timestamptz; elapsed float8;
BEGIN
  FOR round IN 0 .. current_setting('ci_bench.runs')::int LOOP
    FOR r IN SELECT ord, expr FROM ci_bench.result ORDER BY ord LOOP
      t0 := clock_timestamp();
      EXECUTE format('SELECT sum(%s) FROM ci_bench.pair', r.expr);
      elapsed := extract(epoch FROM clock_timestamp() - t0) * 1000;
      IF round > 0 THEN             -- round 0 warms caches and function lookups
        UPDATE ci_bench.result SET ms = least(ms, elapsed) WHERE ord = r.ord;
      END IF;
    END LOOP;
  END LOOP;
END $$;

-- Ratios: total time / floor's total time, and net of the scan (the time
-- spent in the functions themselves) / the floor's net time.
\pset footer off
SELECT r.name, round(r.ms::numeric, 1) AS ms,
       round((r.ms / f.ms)::numeric, 2) AS x_floor,
       round((r.ms - s.ms)::numeric, 1) AS net_ms,
       round(((r.ms - s.ms) / nullif(f.ms - s.ms, 0))::numeric, 2) AS net_x_floor
FROM ci_bench.result r, ci_bench.result f, ci_bench.result s
WHERE f.ord = 2 AND s.ord = 1
ORDER BY r.ord;

-- The targets: ci.jaro_winkler at least 2x faster than pg_similarity's
-- jarowinkler, ci.levenshtein no slower than fuzzystrmatch's, both within
-- 3x the floor.  Speed-ups are on net time (total time includes the same
-- scan for all).
WITH t AS (SELECT max(ms) FILTER (WHERE ord = 1) AS scan, max(ms) FILTER (WHERE ord = 2) AS floor,
                  max(ms) FILTER (WHERE ord = 3) AS jw, max(ms) FILTER (WHERE ord = 4) AS pgs,
                  max(ms) FILTER (WHERE ord = 5) AS lev, max(ms) FILTER (WHERE ord = 6) AS fsm
           FROM ci_bench.result)
SELECT target, round(value::numeric, 2) AS value, CASE WHEN ok THEN 'met' ELSE 'MISSED' END AS verdict
FROM t, LATERAL (VALUES
  ('jaro_winkler speed-up over pg_similarity (net, >= 2)', (pgs - scan) / (jw - scan), (pgs - scan) / (jw - scan) >= 2),
  ('levenshtein speed-up over fuzzystrmatch (net, >= 1)',  (fsm - scan) / (lev - scan), (fsm - scan) / (lev - scan) >= 1),
  ('jaro_winkler / floor (total, <= 3)',                   jw / floor, jw / floor <= 3),
  ('levenshtein / floor (total, <= 3)',                    lev / floor, lev / floor <= 3),
  ('jaro_winkler / floor (net, <= 3)',                     (jw - scan) / (floor - scan), (jw - scan) / (floor - scan) <= 3),
  ('levenshtein / floor (net, <= 3)',                      (lev - scan) / (floor - scan), (lev - scan) / (floor - scan) <= 3)
) v(target, value, ok);

SELECT version() AS server, :pairs AS pairs, :runs AS runs_best_of;
RESET client_min_messages;
SET client_min_messages = warning;
DROP SCHEMA ci_bench CASCADE;
