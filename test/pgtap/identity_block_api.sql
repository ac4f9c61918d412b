-- API of sparse-record blocking, duplicate-free sources and threshold
-- guidance: signatures, markings, columns, options and the SQLSTATE of
-- every refusal.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(34);

SELECT has_function('ci', 'blocking_coverage', ARRAY['text']);
SELECT has_function('ci', 'match_weight_histogram', ARRAY['text', 'double precision']);
SELECT has_function('ci', 'suggest_threshold', ARRAY['text', 'double precision']);
SELECT is(
    (SELECT string_agg(format('%s:%s%s%s', p.oid::regprocedure, p.provolatile, CASE WHEN p.proisstrict THEN 's' ELSE '-' END, p.proparallel), ' ' ORDER BY p.oid::regprocedure::text)
     FROM pg_proc p WHERE p.oid IN ('ci.blocking_coverage(text)'::regprocedure,
                                    'ci.match_weight_histogram(text,double precision)'::regprocedure,
                                    'ci.suggest_threshold(text,double precision)'::regprocedure)),
    'ci.blocking_coverage(text):ssr ci.match_weight_histogram(text,double precision):ssr ci.suggest_threshold(text,double precision):ssr',
    'readers are STABLE STRICT PARALLEL RESTRICTED');
SELECT is((SELECT count(*)::int FROM pg_proc p
           WHERE p.oid IN ('ci.blocking_coverage(text)'::regprocedure,
                           'ci.match_weight_histogram(text,double precision)'::regprocedure,
                           'ci.suggest_threshold(text,double precision)'::regprocedure)
             AND (obj_description(p.oid, 'pg_proc') IS NULL OR has_function_privilege('public', p.oid, 'EXECUTE'))),
          0, 'commented, and not PUBLIC''s to run');
SELECT is((SELECT array_agg(a ORDER BY n) FROM unnest((SELECT proargnames FROM pg_proc WHERE oid = 'ci.estimate_blocking(text)'::regprocedure)) WITH ORDINALITY AS x(a, n)),
          ARRAY['model', 'rule', 'keys', 'deterministic', 'candidate_pairs', 'largest_block', 'cumulative_pairs', 'skipped_blocks', 'skipped_pairs'],
          'estimate_blocking reports skipped blocks');
SELECT is((SELECT array_agg(a ORDER BY n) FROM unnest((SELECT proargnames FROM pg_proc WHERE oid = 'ci.blocking_coverage(text)'::regprocedure)) WITH ORDINALITY AS x(a, n)),
          ARRAY['model', 'fields', 'records', 'with_keys', 'met', 'met_share'], 'blocking_coverage columns');
SELECT is((SELECT array_agg(a ORDER BY n) FROM unnest((SELECT proargnames FROM pg_proc WHERE oid = 'ci.suggest_threshold(text,double precision)'::regprocedure)) WITH ORDINALITY AS x(a, n)),
          ARRAY['model', 'bin_width', 'method', 'match_weight', 'match_probability', 'pairs_at_or_above'], 'suggest_threshold columns');

-- options of ci.match_model
SELECT has_column('ci', 'match_model', 'max_block_size', 'max_block_size option');
SELECT col_type_is('ci', 'match_model', 'max_block_size', 'integer', 'max_block_size is an integer');
SELECT col_default_is('ci', 'match_model', 'max_block_size', '1000'::text, 'max_block_size defaults to 1000');
SELECT has_column('ci', 'match_model', 'duplicate_free_sources', 'duplicate_free_sources option');
SELECT col_type_is('ci', 'match_model', 'duplicate_free_sources', 'text[]', 'duplicate_free_sources is text[]');
SELECT col_not_null('ci', 'match_model', 'duplicate_free_sources', 'duplicate_free_sources is NOT NULL');
SELECT has_column('ci', 'match_model', 'detect_duplicate_free', 'detect_duplicate_free option');
SELECT col_type_is('ci', 'match_model', 'detect_duplicate_free', 'boolean', 'detect_duplicate_free is boolean');
SELECT col_not_null('ci', 'match_model', 'detect_duplicate_free', 'detect_duplicate_free is NOT NULL');
SELECT col_default_is('ci', 'match_model', 'detect_duplicate_free', 'true'::text, 'detect_duplicate_free defaults to true');
SELECT throws_ok($$UPDATE ci.match_model SET max_block_size = 1 WHERE model = 'default'$$, '23514', NULL, 'max_block_size below 2: check_violation');
SELECT throws_ok($$UPDATE ci.match_model SET duplicate_free_sources = '{crm,NULL}' WHERE model = 'default'$$, '23514', NULL, 'a NULL duplicate-free source: check_violation');
SELECT lives_ok($$UPDATE ci.match_model SET max_block_size = NULL WHERE model = 'default'$$, 'max_block_size NULL: no limit');
SELECT has_column('ci', 'match_blocking_rule', 'max_block_size', 'a rule''s own max_block_size');
SELECT throws_ok($$UPDATE ci.match_blocking_rule SET max_block_size = 0 WHERE model = 'default'$$, '23514', NULL, 'a rule''s max_block_size below 2: check_violation');
SELECT results_eq($$SELECT rule, max_block_size FROM ci.match_blocking_rule WHERE model = 'default' AND max_block_size IS NOT NULL ORDER BY rule$$,
                  $$VALUES ('name_tokens'::text, 10), ('phonetic_family_initial', 10), ('phonetic_names', 10)$$, 'the names-only rules stop at 10 records per block');

-- the default model's sparse rules and the index that serves tokens keys
SELECT bag_has($$SELECT rule FROM ci.match_blocking_rule WHERE model = 'default'$$,
               $$VALUES ('name_tokens'), ('phonetic_family_initial_birth_date'), ('phonetic_family_initial_city')$$,
               'the default model blocks sparse records');
SELECT has_index('ci', 'source_record', 'source_record_family_token_key_idx', 'GIN index for tokens(family_name_norm)');
SELECT ok(pg_catalog.pg_get_indexdef('ci.source_record_family_token_key_idx'::regclass) LIKE '%USING gin%', 'it is a GIN index');
SELECT is((SELECT c.reloptions FROM pg_catalog.pg_class c WHERE c.oid = 'ci.source_record_family_token_key_idx'::regclass),
          ARRAY['fastupdate=off'], 'without a pending list, which every incremental search would scan');

-- refusals
INSERT INTO ci.match_model (model) VALUES ('bad');
INSERT INTO ci.match_comparison (model, comparison, ordinal, field, similarity) VALUES ('bad', 'g', 1, 'given_name_norm', 'exact');
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys) VALUES ('bad', 'r', 1, '{"tokens(given_name_norm, 1)"}');
SELECT throws_ok($$SELECT * FROM ci.blocking_coverage('bad')$$, '42P17', NULL, 'malformed tokens key: invalid_object_definition');
UPDATE ci.match_blocking_rule SET keys = '{"tokens(nosuch)"}' WHERE model = 'bad';
SELECT throws_ok($$SELECT * FROM ci.estimate_blocking('bad')$$, '42703', NULL, 'tokens of a missing column: undefined_column');
SELECT throws_ok($$SELECT * FROM ci.blocking_coverage('nosuch')$$, '42704', NULL, 'unknown model: undefined_object');
SELECT throws_ok($$SELECT * FROM ci.suggest_threshold('nosuch')$$, '42704', NULL, 'unknown model: undefined_object');
SELECT throws_ok($$SELECT * FROM ci.match_weight_histogram('default', 0)$$, '22023', NULL, 'bin_width 0: invalid_parameter_value');
SELECT throws_ok($$SELECT * FROM ci.match_weight_histogram('default', 'NaN')$$, '22023', NULL, 'bin_width NaN: invalid_parameter_value');

SELECT * FROM finish();
ROLLBACK;
