-- Input fuzzing of every C entry point of the extension.
--
-- Every IMMUTABLE or STABLE C-language function in schema ci is called with
-- hostile arguments: NULL, empty, whitespace, huge (>= 1 MB) ASCII and
-- multibyte strings, combining marks, emoji, control characters, extreme
-- numbers, infinite dates, and random mixes of them.  Each call must return
-- a value or raise an ERROR with a specific SQLSTATE — never crash the
-- backend (the suite would die), never an internal error (class XX), never
-- run for more than a few seconds.  VOLATILE entry points change data and
-- are exercised by their own suites.
--
-- Run with: pg_prove -d DB test/fuzz/entry_points.sql
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;

SELECT plan(5);

-- Hang guard: PostgreSQL arms statement_timeout once per top-level
-- statement, not per call inside a DO block, so a per-call limit is not
-- possible here; every statement of this file (a whole fuzz loop) gets
-- 10 min, or ci_test.fuzz_timeout (the sanitizer build is slower).  A call
-- cancelled by it is recorded with 57014 and fails the file.
DO $g$ BEGIN PERFORM set_config('statement_timeout', coalesce(nullif(current_setting('ci_test.fuzz_timeout', true), ''), '10min'), true); END $g$;

CREATE TEMP TABLE fuzz_value (typ regtype, expr text);
INSERT INTO fuzz_value VALUES
  ('text', 'NULL'), ('text', $$''$$), ('text', $$'   '$$), ('text', $$'x'$$),
  ('text', $$'Müller'$$), ('text', $$'ŁUKASZ Żółć'$$), ('text', $$'Дмитрий Иванов'$$),
  ('text', $$'Γιώργος'$$), ('text', $$'山田 太郎'$$), ('text', $$'e' || chr(769) || chr(769) || chr(769)$$),
  ('text', $$'👩‍👩‍👧 🎉'$$), ('text', $$E'\t\n\r\x01\x7f'$$), ('text', $$'@@@'$$),
  ('text', $$'a.b+tag@GoogleMail.COM'$$), ('text', $$'user@xn--bcher-kva.example'$$),
  ('text', $$'+1 (415) 555-2671'$$), ('text', $$'00 44 20 7946 0958 ext. 12'$$),
  ('text', $$'AU'$$), ('text', $$'zz'$$), ('text', $$'jaro_winkler'$$), ('text', $$'-'$$),
  ('text', $$repeat('x', 1100000)$$), ('text', $$repeat('é', 600000)$$),
  ('text', $$repeat('ab cd-', 200000)$$), ('text', $$repeat('@', 1100000)$$),
  ('text', $$repeat('9', 1100000)$$), ('text', $$repeat('👩', 300000)$$),
  ('int4', 'NULL'), ('int4', '0'), ('int4', '1'), ('int4', '-1'), ('int4', '2147483647'), ('int4', '(-2147483648)'),
  ('int8', 'NULL'), ('int8', '0'), ('int8', '-1'), ('int8', '9223372036854775807'),
  ('float8', 'NULL'), ('float8', '0'), ('float8', '0.1'), ('float8', '-1'), ('float8', $$'NaN'$$),
  ('float8', $$'Infinity'$$), ('float8', $$'-Infinity'$$), ('float8', '1e308'),
  ('bool', 'NULL'), ('bool', 'true'), ('bool', 'false'),
  ('date', 'NULL'), ('date', $$'2000-02-29'$$), ('date', $$'1985-03-12'$$), ('date', $$'1985-12-03'$$),
  ('date', $$'infinity'$$), ('date', $$'-infinity'$$), ('date', $$'4713-01-01 BC'$$), ('date', $$'5874897-12-31'$$),
  ('timestamptz', 'NULL'), ('timestamptz', 'now()'), ('timestamptz', $$'infinity'$$), ('timestamptz', $$'-infinity'$$),
  ('jsonb', 'NULL'), ('jsonb', $$'{}'$$), ('jsonb', $$'[]'$$), ('jsonb', $$'null'$$), ('jsonb', $$'{"a": [1, "x", null]}'$$),
  ('jsonb', $$jsonb_build_object('k', repeat('x', 1100000))$$),
  ('text[]', 'NULL'), ('text[]', $$'{}'$$), ('text[]', $$'{NULL}'$$), ('text[]', $$'{"a","Müller",""}'$$),
  ('bytea', 'NULL'), ('bytea', $$''$$), ('bytea', $$'\x00'$$), ('bytea', $$decode(repeat('ff', 1100000), 'hex')$$);

-- The entry points under test: C functions of the extension, not volatile,
-- whose every argument type has fuzz values.
CREATE TEMP TABLE fuzz_target AS
SELECT p.oid::regprocedure AS fn, p.proname,
       ARRAY(SELECT unnest(p.proargtypes::regtype[])) AS args  -- oidvector is 0-based: renumber from 1
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'customer_intel'
WHERE p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')
  AND p.prokind = 'f' AND p.provolatile <> 'v'
  AND NOT EXISTS (SELECT 1 FROM unnest(p.proargtypes::regtype[]) t
                  WHERE t NOT IN (SELECT typ FROM fuzz_value));

CREATE TEMP TABLE fuzz_result (fn regprocedure, call text, sqlstate text, message text, ms float8);

-- Each function gets: every value in each argument position (others at a
-- benign value), then 150 seeded random combinations.
-- One fuzz call: run it and record its SQLSTATE.
CREATE FUNCTION pg_temp.fuzz_try(f regprocedure, c text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  st text; msg text; t0 timestamptz := clock_timestamp();
BEGIN
  BEGIN
    EXECUTE 'SELECT ' || c || ' IS NULL';
    st := '00000'; msg := NULL;
  EXCEPTION WHEN OTHERS OR query_canceled THEN  -- OTHERS alone misses the timeout
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
  END;
  INSERT INTO fuzz_result VALUES (f, left(c, 200), st, left(msg, 200),
    extract(epoch FROM clock_timestamp() - t0) * 1000);
END $$;

CREATE FUNCTION pg_temp.fuzz_calls(f regprocedure, args regtype[])
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  i int; k int; benign text[]; v text; parts text[];
BEGIN
  IF coalesce(array_length(args, 1), 0) = 0 THEN
    RETURN NEXT format('%s()', f::oid::regproc); RETURN;
  END IF;
  benign := ARRAY(SELECT (SELECT expr FROM fuzz_value WHERE typ = a AND expr <> 'NULL' ORDER BY expr LIMIT 1)
                  FROM unnest(args) a);
  FOR i IN 1 .. array_length(args, 1) LOOP
    FOR v IN SELECT expr FROM fuzz_value WHERE typ = args[i] LOOP
      parts := benign; parts[i] := v;
      RETURN NEXT format('%s(%s)', f::oid::regproc,
        (SELECT string_agg(format('(%s)::%s', parts[j], args[j]), ', ') FROM generate_subscripts(args, 1) j));
    END LOOP;
  END LOOP;
  FOR k IN 1 .. 150 LOOP
    RETURN NEXT format('%s(%s)', f::oid::regproc,
      (SELECT string_agg(format('(%s)::%s',
          (SELECT expr FROM fuzz_value WHERE typ = args[j] ORDER BY random() LIMIT 1), args[j]), ', ')
       FROM generate_subscripts(args, 1) j));
  END LOOP;
END $$;

DO $$
DECLARE
  t record; c text;
BEGIN
  PERFORM setseed(0.31);
  FOR t IN SELECT * FROM fuzz_target ORDER BY fn::text LOOP
    FOR c IN SELECT DISTINCT x FROM pg_temp.fuzz_calls(t.fn, t.args) x LOOP
      PERFORM pg_temp.fuzz_try(t.fn, c);
    END LOOP;
  END LOOP;
END $$;

-- The keyed survivorship aggregates (aggregates are not prokind 'f', so
-- they get their own calls): every text fuzz value as the key (NULL, empty,
-- >= 1 MB, multibyte, control characters), each with a plain, a NULL, a
-- 1.1 MB and a multibyte value, under rules that count, rank and measure.
DO $$
DECLARE
  k text; v text; r text; c text; fn regprocedure;
BEGIN
  FOR k IN SELECT expr FROM fuzz_value WHERE typ = 'text'::regtype LOOP
    FOR v IN SELECT x FROM (VALUES ($q$'Müller'$q$), ('NULL'), ($q$repeat('x', 1100000)$q$), ($q$repeat('👩', 300000)$q$)) vv(x) LOOP
      FOREACH r IN ARRAY ARRAY['most_frequent:longest', 'most_recent', 'min', 'longest'] LOOP
        FOR fn, c IN VALUES
          ('ci.survive(anyelement, text, text, timestamptz, text)'::regprocedure,
           format($f$(SELECT ci.survive(x.v, x.k, x.s, x.t, %L) FROM (VALUES ((%s)::text, (%s)::text, 'crm', now()), ('müller', 'müller', 'web', now()), ((%2$s)::text, NULL, NULL, NULL)) x(v, k, s, t))$f$, r, v, k)),
          ('ci.survive_lineage(anyelement, text, bigint, text, timestamptz, jsonb)'::regprocedure,
           format($f$(SELECT ci.survive_lineage(x.v, x.k, x.i, x.s, x.t, %L::jsonb) FROM (VALUES ((%s)::text, (%s)::text, 1, 'crm', now()), ('müller', 'müller', 2, 'web', now()), ((%2$s)::text, NULL, 3, NULL, NULL)) x(v, k, i, s, t))$f$,
                  CASE r WHEN 'most_frequent:longest' THEN '{"kind": "most_frequent", "tie_break": "longest"}'
                         ELSE format('{"kind": "%s"}', r) END, v, k))
        LOOP
          PERFORM pg_temp.fuzz_try(fn, c);
        END LOOP;
      END LOOP;
    END LOOP;
  END LOOP;
END $$;

-- ci.survive_group_member (its value is anyelement, so not found above):
-- every jsonb fuzz value as the lead, every text fuzz value as the value and
-- as the group name.
DO $$
DECLARE
  l text; v text; c text;
BEGIN
  FOR l IN SELECT expr FROM fuzz_value WHERE typ = 'jsonb'::regtype
           UNION ALL VALUES ($q$'{"record_id": 1, "source": "crm", "updated_at": "2024-01-01"}'$q$),
                            ($q$jsonb_build_object('source', repeat('é', 600000), 'record_id', 'x')$q$) LOOP
    FOR v IN SELECT expr FROM fuzz_value WHERE typ = 'text'::regtype LOOP
      FOREACH c IN ARRAY ARRAY[
          format('ci.survive_group_member((%s)::jsonb, (%s)::text, %L, %L)', l, v, 'address', 'street'),
          format('ci.survive_group_member((%s)::jsonb, (%s)::date, (%s)::text, (%2$s)::text)', l, 'NULL', v),
          format($f$ci.survive_group_member((%s)::jsonb, %s::int8, 'address', NULL)$f$, l, '9223372036854775807')] LOOP
        PERFORM pg_temp.fuzz_try('ci.survive_group_member(jsonb, anyelement, text, text)'::regprocedure, c);
      END LOOP;
    END LOOP;
  END LOOP;
END $$;

SELECT cmp_ok((SELECT count(*) FROM fuzz_result WHERE fn::text LIKE 'ci.survive%' AND sqlstate = '00000')::int, '>', 0,
              'the keyed survivorship aggregates and ci.survive_group_member were fuzzed and answered');
SELECT cmp_ok((SELECT count(DISTINCT fn) FROM fuzz_result)::int, '>', 0,
              'C entry points were found and fuzzed');
SELECT is_empty($$SELECT fn, call, sqlstate, message FROM fuzz_result WHERE sqlstate LIKE 'XX%'$$,
                'no entry point raises an internal error (class XX)');
SELECT is_empty($$SELECT fn, call, message FROM fuzz_result WHERE sqlstate = '57014'$$,
                'no entry point runs past the hang guard');
SELECT is_empty($$SELECT fn, call, sqlstate, message FROM fuzz_result
                  WHERE sqlstate NOT LIKE '22%' AND sqlstate NOT IN ('00000', '54000', '0A000', '42704')$$,
                'every error is a data exception, a program limit, an unsupported feature or an unknown named object');

SELECT diag(format('%s: %s calls, %s errors (%s), slowest %s ms', fn, count(*),
                   count(*) FILTER (WHERE sqlstate <> '00000'),
                   coalesce(string_agg(DISTINCT sqlstate, ',') FILTER (WHERE sqlstate <> '00000'), '-'),
                   round(max(ms)::numeric, 1)))
FROM fuzz_result GROUP BY fn ORDER BY fn::text;

SELECT * FROM finish();
ROLLBACK;
