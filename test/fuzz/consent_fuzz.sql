-- Fuzzing the consent entry points that test/fuzz/entry_points.sql does
-- not reach: ci.hmac_sha256 (bytea arguments), the ci.purpose and
-- ci.channel settings, ci.protect's identifiers, and the volatile API.
-- Every call returns a value or raises an error with a specific SQLSTATE
-- (never XX000, never a crash).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(16);

-- RFC 4231 test case 2 and 1, and the empty/huge corners
SELECT is(encode(ci.hmac_sha256(convert_to('what do ya want for nothing?', 'UTF8'), convert_to('Jefe', 'UTF8')), 'hex'),
          '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843', 'RFC 4231 case 2');
SELECT is(encode(ci.hmac_sha256(convert_to('Hi There', 'UTF8'), decode(repeat('0b', 20), 'hex')), 'hex'),
          'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7', 'RFC 4231 case 1');
SELECT is(length(ci.hmac_sha256('', '')), 32, 'empty data and key: 32 bytes');
SELECT is(ci.hmac_sha256(NULL, 'k'), NULL, 'NULL data: NULL (STRICT)');
SELECT is(length(ci.hmac_sha256(convert_to(repeat('é', 600000), 'UTF8'), convert_to(repeat('k', 1100000), 'UTF8'))), 32,
          'over 1 MB of multibyte data and a 1 MB key (hashed first, RFC 2104)');

-- settings: hostile values are refused with 22023, never accepted
CREATE TEMP TABLE fuzz_setting (v text);
INSERT INTO fuzz_setting VALUES (repeat('a', 1100000)), ('Marketing'), ('marketing; DROP TABLE x'), (E'mark\tting'),
  ('👩'), ('ŁUKASZ'), (repeat('a', 64)), ('_x'), ('1x'), ('x' || chr(769));
CREATE FUNCTION pg_temp.fuzz_set(p_name text, p_value text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config(p_name, p_value, true);
  RETURN '00000';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE;
END $$;
SELECT is((SELECT array_agg(DISTINCT pg_temp.fuzz_set('ci.purpose', v)) FROM fuzz_setting), '{22023}'::text[],
          'every hostile ci.purpose is refused with 22023');
SELECT is((SELECT array_agg(DISTINCT pg_temp.fuzz_set('ci.channel', v)) FROM fuzz_setting), '{22023}'::text[],
          'every hostile ci.channel is refused with 22023');
SELECT is(current_setting('ci.purpose'), '', 'and ci.purpose kept its value');

-- ci.consent_allows with hostile purposes and channels
SELECT throws_ok($$SELECT ci.consent_allows(1, repeat('p', 1100000))$$, '22023', NULL, 'a 1 MB purpose: 22023');
SELECT throws_ok($$SELECT ci.consent_allows(1, 'marketing', repeat('👩', 300000))$$, '22023', NULL, 'a huge multibyte channel: 22023');
SELECT throws_ok($$SELECT ci.consent_allows(1, E'market\\000ing')$$, '22023', NULL, 'an escaped control sequence: 22023');
SELECT is(ci.consent_allows(-9223372036854775808, 'marketing'), false, 'the smallest bigint: an unknown customer, refused by default');

-- ci.protect: identifiers are quoted, never executed
CREATE TABLE "fuzz ""odd"" table" ("cust; DROP TABLE x" bigint, "Ünï" integer);
SELECT lives_ok($$SELECT ci.protect('"fuzz ""odd"" table"', 'cust; DROP TABLE x', 'analytics')$$, 'odd identifiers are quoted');
SELECT is((SELECT count(*) FROM pg_policies WHERE tablename = 'fuzz "odd" table' AND policyname = 'ci_consent'), 1::bigint,
          'the policy exists on the odd table');
SELECT throws_ok($$SELECT ci.protect('"fuzz ""odd"" table"', repeat('c', 100000), 'analytics')$$, '42703', NULL,
                 'a huge column name: no such column');
SELECT throws_ok($$SELECT ci.record_consent(repeat('p', 1100000), 'granted', identity_id => 1)$$, '22023', NULL,
                 'ci.record_consent with a 1 MB purpose: 22023');

SELECT * FROM finish();
ROLLBACK;
