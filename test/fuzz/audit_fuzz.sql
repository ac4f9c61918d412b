-- test/fuzz/audit_fuzz.sql — the audit capability's C entry points, the
-- volatile ones included (entry_points.sql covers only non-volatile ones),
-- with NULL, empty, huge (>= 1 MB), multibyte and malformed arguments, and
-- the trigger itself with rows of every shape.  Each call must return a
-- value or raise a clear error; none may raise an internal error (XX...)
-- or crash the backend.
--
--   pg_prove -d DB test/fuzz/audit_fuzz.sql
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

CREATE TEMP TABLE audit_fuzz_result (call text, sqlstate text, message text);
CREATE FUNCTION pg_temp.audit_try(c text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE st text; msg text;
BEGIN
  BEGIN
    EXECUTE c;
    st := '00000';
  EXCEPTION WHEN OTHERS OR query_canceled THEN  -- OTHERS alone misses the timeout
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
  END;
  INSERT INTO audit_fuzz_result VALUES (left(c, 160), st, left(msg, 200));
END $$;

CREATE SCHEMA audit_fz;
CREATE TABLE audit_fz."ta ble ü" ("ke y" text PRIMARY KEY, j jsonb, a int[], t text, b bytea, n numeric, f float8,
                                  d date, ts timestamptz, g int GENERATED ALWAYS AS (length(t)) STORED);
SELECT ci.audit('audit_fz."ta ble ü"', pii_columns => ARRAY['t', 'b', 'f', 'ts', 'j']);

CREATE TEMP TABLE vals (v text);
INSERT INTO vals VALUES ('NULL'), (''''''), ('''ü😀 Łódź 東京'''), ('repeat(''x'', 1100000)'),
    ('repeat(''ü'', 600000)'), ('''\x00ff''::text'), ('''not-a-uuid'''), ('''{"a":'''), ('''-1'''),
    ('''9223372036854775807'''), ('''NaN''');

DO $$
DECLARE v text; w text;
BEGIN
  FOR v IN SELECT vals.v FROM vals LOOP
    PERFORM pg_temp.audit_try(format('SELECT ci.audit_record_key(%L, %s)', 'audit_fz."ta ble ü"', v));
    PERFORM pg_temp.audit_try(format('SELECT ci.audit_record_key(%L, VARIADIC ARRAY[%s, %s])', 'audit_fz."ta ble ü"', v, v));
    PERFORM pg_temp.audit_try(format('SELECT ci.audit_mask(%L, %L, %s)', 'audit_fz."ta ble ü"', 't', v));
    PERFORM pg_temp.audit_try(format('SELECT ci.audit_mask(%L, %s, %s)', 'audit_fz."ta ble ü"', v, v));
    PERFORM pg_temp.audit_try(format('SELECT ci.audit_mask(%L, %L, %s)', 'audit_fz."ta ble ü"', 'ts', v));
    PERFORM pg_temp.audit_try(format('SELECT ci.audit_link(%s::bytea, %s, %s::bytea)', v, v, v));
    PERFORM pg_temp.audit_try(format('SELECT ci.audit_payload_hash(%s::jsonb, %s::jsonb)', v, v));
    PERFORM pg_temp.audit_try(format('SELECT * FROM ci.audit_verify(%s::bytea)', v));
    PERFORM pg_temp.audit_try(format('SELECT ci.audit_redact(%L, %s, %s)', 'audit_fz."ta ble ü"', v, v));
    PERFORM pg_temp.audit_try(format('SELECT ci.audit_redact_rows(%L, %s::uuid, %s)', 'audit_fz."ta ble ü"', v, v));
    PERFORM pg_temp.audit_try(format('SELECT ci.audit_event(%s, %s::jsonb)', v, v));
    PERFORM pg_temp.audit_try(format('SELECT ci.audit_event(''fuzz'', jsonb_build_object(''v'', %s::text))', v));
    PERFORM pg_temp.audit_try(format('SELECT ci.audit_event(%s, ''{}'')', v));
    PERFORM pg_temp.audit_try(format('SELECT ci.audit_prune(%s::timestamptz)', v));
    PERFORM pg_temp.audit_try(format('SELECT ci.audit_seal(%s::bigint)', v));
    PERFORM pg_temp.audit_try(format('SELECT ci.audit_random_bytes(%s::int)', v));
    PERFORM pg_temp.audit_try(format('SELECT ci.audit(%s::regclass)', v));
    PERFORM pg_temp.audit_try(format('SELECT * FROM ci.audit_columns(%s::regclass)', v));
    PERFORM pg_temp.audit_try(format('SELECT ci.audit_ops(%s::regclass)', v));
    PERFORM pg_temp.audit_try(format('SELECT * FROM ci.audit_history(%L, %s)', 'audit_fz."ta ble ü"', v));
    PERFORM pg_temp.audit_try(format('SELECT ci.audit_as_of(%L, now(), %s)', 'audit_fz."ta ble ü"', v));
    PERFORM pg_temp.audit_try(format('SELECT * FROM ci.audit_activity(%s, now() - interval ''1 day'')', v));
    -- the trigger with every value in every column
    PERFORM pg_temp.audit_try(format(
      'INSERT INTO audit_fz."ta ble ü" ("ke y", j, a, t, b, n, f, d, ts) VALUES ('
      '%1$s || random()::text, to_jsonb(%1$s::text), ARRAY[length(%1$s)], %1$s, convert_to(%1$s, ''UTF8''), '
      'length(%1$s), length(%1$s) / 0.7, ''2024-02-29'', now())', v));
    PERFORM pg_temp.audit_try(format('UPDATE audit_fz."ta ble ü" SET t = %s, f = ''Infinity'', n = ''NaN''', v));
  END LOOP;
  FOR v IN VALUES ('0'), ('-1'), ('1025'), ('2147483647'), ('1'), ('32') LOOP
    PERFORM pg_temp.audit_try(format('SELECT ci.audit_random_bytes(%s)', v));
  END LOOP;
  PERFORM pg_temp.audit_try('SELECT ci.audit_random_bytes(NULL)');
  PERFORM pg_temp.audit_try('SELECT ci.audit_seal(-9223372036854775808)');
  PERFORM pg_temp.audit_try('SELECT ci.audit_prune(''infinity'')');
  PERFORM pg_temp.audit_try('SELECT ci.audit_prune(''-infinity'')');
  PERFORM pg_temp.audit_try('SELECT ci.audit_trigger()');
  PERFORM pg_temp.audit_try('SELECT ci.audit_guard()');
  PERFORM pg_temp.audit_try('SELECT ci.audit_redact_rows(0, gen_random_uuid(), ''x'')');
  PERFORM pg_temp.audit_try('SELECT * FROM ci.audit_columns(0)');
  PERFORM pg_temp.audit_try('SELECT ci.audit_record_key(0, ''1'')');
  PERFORM pg_temp.audit_try('SELECT ci.audit_record_key(''audit_fz."ta ble ü"'', VARIADIC ''{}''::text[])');
  PERFORM pg_temp.audit_try('SELECT ci.audit_record_key(''audit_fz."ta ble ü"'', VARIADIC ''{{a},{b}}''::text[])');
  PERFORM pg_temp.audit_try('DELETE FROM audit_fz."ta ble ü"');
  PERFORM pg_temp.audit_try('TRUNCATE audit_fz."ta ble ü"');
END $$;

SELECT is((SELECT count(*)::int FROM audit_fuzz_result WHERE sqlstate LIKE 'XX%'), 0,
          'no audit entry point raises an internal error');
SELECT is((SELECT count(*)::int FROM audit_fuzz_result WHERE sqlstate = '57014'), 0,
          'no audit entry point runs past the timeout');
SELECT cmp_ok((SELECT count(*)::int FROM audit_fuzz_result), '>=', 250, 'every call was tried');
SELECT cmp_ok((SELECT count(*)::int FROM ci.audit_log WHERE relid = 'audit_fz."ta ble ü"'::regclass AND operation = 'INSERT'),
              '>=', 8, 'rows of every shape were audited');
SELECT is((SELECT count(*)::int FROM ci.audit_log WHERE relid = 'audit_fz."ta ble ü"'::regclass
           AND (new->>'t' !~ '^hmac-sha256:' OR new->>'ts' !~ '^hmac-sha256:' OR new->>'j' !~ '^hmac-sha256:')
           AND operation = 'INSERT' AND new->>'t' IS NOT NULL), 0,
          'PII values of every shape are masked');
SELECT * FROM audit_fuzz_result WHERE sqlstate LIKE 'XX%' OR sqlstate = '57014';

SELECT * FROM finish();
ROLLBACK;
