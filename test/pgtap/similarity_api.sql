-- The API contract of the similarity and phonetic primitives: signatures,
-- return types, volatility, strictness, parallel safety, defaults, and the
-- SQLSTATE of every refusal.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(86);

CREATE TEMP TABLE api (fn text, args text[], ret text);
INSERT INTO api VALUES
  ('jaro',                 '{text,text}',                                     'double precision'),
  ('jaro_winkler',         '{text,text,double precision,double precision}',   'double precision'),
  ('levenshtein',          '{text,text}',                                     'integer'),
  ('levenshtein',          '{text,text,integer}',                             'integer'),
  ('damerau_levenshtein',  '{text,text}',                                     'integer'),
  ('damerau_levenshtein',  '{text,text,integer}',                             'integer'),
  ('token_set_similarity', '{text,text}',                                     'double precision'),
  ('birthdate_similarity', '{date,date}',                                     'double precision'),
  ('double_metaphone',     '{text}',                                          'text[]'),
  ('dmetaphone',           '{text}',                                          'text'),
  ('dmetaphone_alt',       '{text}',                                          'text');

-- 11 functions x 6 assertions = 66
SELECT has_function('ci', fn, args, format('ci.%s(%s) exists', fn, array_to_string(args, ', '))) FROM api;
SELECT function_returns('ci', fn, args, ret) FROM api;
SELECT volatility_is('ci', fn, args, 'immutable') FROM api;
SELECT is_strict('ci', fn, args) FROM api;
SELECT is((SELECT p.proparallel FROM pg_proc p
           WHERE p.oid = format('ci.%s(%s)', fn, array_to_string(args, ','))::regprocedure),
          's', format('ci.%s(%s) is PARALLEL SAFE', fn, array_to_string(args, ', '))) FROM api;
SELECT isnt(obj_description(format('ci.%s(%s)', fn, array_to_string(args, ','))::regprocedure, 'pg_proc'),
            NULL, format('ci.%s(%s) has a comment', fn, array_to_string(args, ', '))) FROM api;

-- Defaults of ci.jaro_winkler: prefix_scale 0.1, boost_threshold 0.7.
SELECT is(pg_get_function_arguments('ci.jaro_winkler(text,text,float8,float8)'::regprocedure),
          'a text, b text, prefix_scale double precision DEFAULT 0.1, boost_threshold double precision DEFAULT 0.7',
          'jaro_winkler names its options and defaults them to 0.1 and 0.7');
SELECT is(ci.jaro_winkler('martha', 'marhta'), ci.jaro_winkler('martha', 'marhta', 0.1, 0.7),
          'the defaults are applied');

-- Refusals and their SQLSTATEs.
SELECT throws_ok($$SELECT ci.jaro_winkler('a', 'b', 0.26)$$, '22023', NULL, 'prefix_scale above 0.25: 22023');
SELECT throws_ok($$SELECT ci.jaro_winkler('a', 'b', -0.1)$$, '22023', NULL, 'negative prefix_scale: 22023');
SELECT throws_ok($$SELECT ci.jaro_winkler('a', 'b', 'NaN')$$, '22023', NULL, 'NaN prefix_scale: 22023');
SELECT throws_ok($$SELECT ci.jaro_winkler('a', 'b', 0.1, 1.5)$$, '22023', NULL, 'boost_threshold above 1: 22023');
SELECT throws_ok($$SELECT ci.jaro_winkler('a', 'b', 0.1, 'NaN')$$, '22023', NULL, 'NaN boost_threshold: 22023');
SELECT throws_ok($$SELECT ci.levenshtein('a', 'b', -1)$$, '22023',
                 'levenshtein max_distance must not be negative', 'negative max_distance: 22023');
SELECT throws_ok($$SELECT ci.damerau_levenshtein('a', 'b', -1)$$, '22023', NULL,
                 'negative max_distance (OSA): 22023');
SELECT throws_ok($$SELECT ci.jaro(repeat('x', 1100000), 'x')$$, '54000',
                 'jaro argument exceeds maximum length of 65535 characters', 'jaro: 1 MB argument: 54000');
SELECT throws_ok($$SELECT ci.jaro_winkler('x', repeat('é', 65536))$$, '54000', NULL,
                 'jaro_winkler: 65536 multibyte characters: 54000');
SELECT throws_ok($$SELECT ci.levenshtein(repeat('x', 65536), 'x')$$, '54000', NULL, 'levenshtein: 65536 characters: 54000');
SELECT throws_ok($$SELECT ci.levenshtein('x', repeat('x', 1100000), 3)$$, '54000', NULL, 'bounded levenshtein: 1 MB: 54000');
SELECT throws_ok($$SELECT ci.damerau_levenshtein(repeat('😀', 70000), 'x')$$, '54000', NULL, 'damerau_levenshtein: 54000');
SELECT throws_ok($$SELECT ci.damerau_levenshtein(repeat('x', 70000), 'x', 1)$$, '54000', NULL, 'bounded damerau_levenshtein: 54000');
SELECT throws_ok($$SELECT ci.token_set_similarity(repeat('x ', 40000), 'x')$$, '54000', NULL, 'token_set_similarity: 80000 characters: 54000');
SELECT throws_ok($$SELECT ci.token_set_similarity((SELECT string_agg(g::text, ' ') FROM generate_series(1, 300) g), 'x')$$,
                 '54000', 'token_set_similarity argument exceeds maximum of 256 distinct tokens', '300 distinct tokens: 54000');

-- Accepted at the limits.
SELECT lives_ok($$SELECT ci.levenshtein(repeat('é', 65535), repeat('é', 65535))$$, '65535 characters are accepted');
SELECT is(ci.double_metaphone(repeat('x', 1100000)), '{SKSK,SKSK}', 'double_metaphone takes any length');
SELECT is(ci.birthdate_similarity('infinity', 'infinity'), 0::float8, 'infinite birth dates never match');

SELECT * FROM finish();
ROLLBACK;
