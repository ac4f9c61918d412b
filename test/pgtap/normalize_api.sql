-- The API contract of the normalisation functions: signatures, return
-- types, defaults, volatility, strictness, parallel safety, comments, and
-- the SQLSTATEs of their errors.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(70);

-- Signatures and return types.
SELECT has_function('ci', 'normalize_name', ARRAY['text']);
SELECT function_returns('ci', 'normalize_name', ARRAY['text'], 'text');
SELECT has_function('ci', 'name_tokens', ARRAY['text']);
SELECT function_returns('ci', 'name_tokens', ARRAY['text'], 'text[]');
SELECT has_function('ci', 'normalize_email', ARRAY['text', 'boolean', 'text[]']);
SELECT function_returns('ci', 'normalize_email', ARRAY['text', 'boolean', 'text[]'], 'text');
SELECT has_function('ci', 'email_is_valid', ARRAY['text']);
SELECT function_returns('ci', 'email_is_valid', ARRAY['text'], 'boolean');
SELECT has_function('ci', 'email_providers', ARRAY[]::text[]);
SELECT function_returns('ci', 'email_providers', ARRAY[]::text[], 'setof record');
SELECT has_function('ci', 'normalize_phone', ARRAY['text', 'text']);
SELECT function_returns('ci', 'normalize_phone', ARRAY['text', 'text'], 'text');
SELECT has_function('ci', 'phone_is_valid', ARRAY['text', 'text']);
SELECT function_returns('ci', 'phone_is_valid', ARRAY['text', 'text'], 'boolean');
SELECT has_function('ci', 'phone_info', ARRAY['text', 'text']);
SELECT function_returns('ci', 'phone_info', ARRAY['text', 'text'], 'record');

-- Argument names and defaults, as callers will write them.
SELECT is(pg_get_function_arguments('ci.normalize_email(text, boolean, text[])'::regprocedure),
          'email text, fold_provider boolean DEFAULT true, subaddress_domains text[] DEFAULT ''{}''::text[]',
          'normalize_email: arguments and defaults');
SELECT is(pg_get_function_arguments('ci.normalize_phone(text, text)'::regprocedure),
          'phone text, default_region text DEFAULT NULL::text',
          'normalize_phone: arguments and defaults');
SELECT is(pg_get_function_result('ci.phone_info(text, text)'::regprocedure),
          'record', 'phone_info returns a record');
SELECT is(pg_get_function_arguments('ci.phone_info(text, text)'::regprocedure),
          'phone text, default_region text DEFAULT NULL::text, OUT e164 text, OUT valid boolean, OUT possible boolean, OUT region text, OUT number_type text, OUT extension text, OUT parse_error text',
          'phone_info: arguments and columns');

-- Volatility: IMMUTABLE (usable in generated columns and index expressions).
SELECT volatility_is('ci', 'normalize_name', ARRAY['text'], 'immutable');
SELECT volatility_is('ci', 'name_tokens', ARRAY['text'], 'immutable');
SELECT volatility_is('ci', 'normalize_email', ARRAY['text', 'boolean', 'text[]'], 'immutable');
SELECT volatility_is('ci', 'email_is_valid', ARRAY['text'], 'immutable');
SELECT volatility_is('ci', 'email_providers', ARRAY[]::text[], 'immutable');
SELECT volatility_is('ci', 'normalize_phone', ARRAY['text', 'text'], 'immutable');
SELECT volatility_is('ci', 'phone_is_valid', ARRAY['text', 'text'], 'immutable');
SELECT volatility_is('ci', 'phone_info', ARRAY['text', 'text'], 'immutable');
SELECT volatility_is('ci', 'phone_region', ARRAY['text'], 'immutable');

-- Strictness: names and e-mails are STRICT; the phone functions are not,
-- because a NULL default_region means "international format only".
SELECT is_strict('ci', 'normalize_name', ARRAY['text']);
SELECT is_strict('ci', 'name_tokens', ARRAY['text']);
SELECT is_strict('ci', 'normalize_email', ARRAY['text', 'boolean', 'text[]']);
SELECT is_strict('ci', 'email_is_valid', ARRAY['text']);
SELECT isnt_strict('ci', 'normalize_phone', ARRAY['text', 'text']);
SELECT isnt_strict('ci', 'phone_is_valid', ARRAY['text', 'text']);
SELECT isnt_strict('ci', 'phone_info', ARRAY['text', 'text']);
SELECT is_strict('ci', 'phone_region', ARRAY['text']);

-- Parallel safety: all PARALLEL SAFE (no shared state, no GUC writes).
SELECT is(array_agg(p.oid::regprocedure::text ORDER BY 1), NULL,
          'every normalisation function is PARALLEL SAFE')
FROM pg_proc p
WHERE p.pronamespace = 'ci'::regnamespace
  AND p.proname IN ('normalize_name', 'name_tokens', 'normalize_email', 'email_is_valid',
                    'email_providers', 'normalize_phone', 'phone_is_valid', 'phone_info', 'phone_region')
  AND p.proparallel <> 's';

-- Every function is documented with COMMENT ON FUNCTION.
SELECT is(count(*), 9::bigint, 'nine normalisation functions, each with a comment')
FROM pg_proc p
WHERE p.pronamespace = 'ci'::regnamespace
  AND p.proname IN ('normalize_name', 'name_tokens', 'normalize_email', 'email_is_valid',
                    'email_providers', 'normalize_phone', 'phone_is_valid', 'phone_info', 'phone_region')
  AND obj_description(p.oid, 'pg_proc') IS NOT NULL;

-- Defaults make the one-argument calls work.
SELECT is(ci.normalize_email('J.Doe+x@GoogleMail.com'), 'jdoe@gmail.com', 'normalize_email folds providers by default');
SELECT is(ci.normalize_phone('+61 412 345 678'), '+61412345678', 'normalize_phone: international input needs no region');
SELECT is(ci.normalize_phone('0412 345 678'), NULL, 'normalize_phone: national input without region is NULL');

-- NULL handling.
SELECT is(ci.normalize_name(NULL), NULL, 'normalize_name(NULL) is NULL');
SELECT is(ci.normalize_name('  '), NULL, 'a blank name is NULL');
SELECT is(ci.name_tokens('  '), '{}'::text[], 'a blank name has no tokens');
SELECT is(ci.phone_is_valid(NULL, 'AU'), NULL, 'phone_is_valid(NULL) is NULL');
SELECT ok(ci.phone_info(NULL) IS NULL, 'phone_info(NULL) is NULL');

-- A few results (the regression tests have the rest).
SELECT is(ci.normalize_name('ŁUKASZ Müller-Ærø'), 'lukasz muller-aero', 'normalize_name transliterates to ASCII');
SELECT is(ci.normalize_name('Prof. Dr. Ｊöhn Smith, Jr.'), 'john smith', 'normalize_name drops leading titles and trailing suffixes');
SELECT is(ci.normalize_name('Mrs.'), NULL, 'a lone honorific is no name');
SELECT is(ci.normalize_name('12 Oak Dr'), '12 oak dr', 'a trailing Dr (Drive) stays');
SELECT is(ci.name_tokens('Jean-Luc O''Brien'), ARRAY['jean', 'luc', 'obrien'], 'name_tokens splits at spaces and hyphens');
SELECT is(ci.normalize_email('a@bücher.de'), 'a@xn--bcher-kva.de', 'normalize_email: IDN domain to punycode');
SELECT is(ci.email_is_valid('a@b'), false, 'email_is_valid: a one-label domain is refused');
SELECT is((ci.phone_info('0412 345 678', 'AU')).number_type, 'mobile', 'phone_info: number type');

-- ci.phone_region: a known region upper-cased, anything else NULL, so a
-- dirty country column cannot fail an INSERT through phone_e164.
SELECT is(ci.phone_region('au'), 'AU', 'phone_region upper-cases a known region');
SELECT is(ci.phone_region('XX'), NULL, 'phone_region: unknown code is NULL');
SELECT is(ci.phone_region(''), NULL, 'phone_region: empty is NULL');
SELECT is(ci.phone_region('Ä1'), NULL, 'phone_region: multibyte is NULL');
SELECT is(ci.phone_region(repeat('A', 1100000)), NULL, 'phone_region: huge input is NULL');
SELECT is(ci.normalize_phone('+61 412 345 678', ci.phone_region('XX')), '+61412345678',
          'unknown country still reads an international number');

-- Errors and their SQLSTATEs.
SELECT throws_ok($$SELECT ci.normalize_phone('0412 345 678', 'XX')$$, '22023',
                 'unknown phone region "XX"', 'unknown region: 22023');
SELECT throws_ok($$SELECT ci.normalize_phone(NULL, 'usa')$$, '22023', NULL,
                 'unknown region with a NULL phone: still 22023');
SELECT throws_ok($$SELECT ci.phone_is_valid('1', '')$$, '22023', NULL, 'empty region: 22023');
SELECT throws_ok($$SELECT ci.phone_info('1', 'ZZ')$$, '22023', NULL, 'ZZ is not a region: 22023');
SELECT throws_ok($$SELECT ci.normalize_email('a@b.com', true, ARRAY['not a domain'])$$, '22023', NULL,
                 'invalid subaddress domain: 22023');
SELECT throws_ok($$SELECT ci.normalize_email('a@b.com', true, ARRAY[NULL::text])$$, '22004', NULL,
                 'NULL subaddress domain: 22004');

-- Huge input: a value or a clear answer, never a crash.
SELECT is(length(ci.normalize_name(repeat('Ö', 1100000))), 1100000, 'normalize_name: 1.1M multibyte characters');
SELECT is(ci.normalize_email(repeat('x', 1100000) || '@example.com'), NULL, 'normalize_email: huge input is not an address');
SELECT is(ci.normalize_phone(repeat('4', 1100000), 'AU'), NULL, 'normalize_phone: huge input is not a number');

SELECT * FROM finish();
ROLLBACK;
