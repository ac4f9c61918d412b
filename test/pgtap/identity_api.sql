-- The identity-resolution API contract: signatures, volatility, strictness,
-- parallel safety, tables and error SQLSTATEs.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(49);

SELECT has_function('ci', 'resolve_identities', ARRAY['text', 'boolean']);
SELECT has_function('ci', 'train_model', ARRAY['text']);
SELECT has_function('ci', 'estimate_blocking', ARRAY['text']);
SELECT has_function('ci', 'candidate_pairs', ARRAY['text']);
SELECT has_function('ci', 'resolve_record', ARRAY['bigint', 'text']);
SELECT has_function('ci', 'resolve_record_trigger', ARRAY[]::text[]);
SELECT has_function('ci', 'explain_match', ARRAY['bigint', 'bigint', 'text']);
SELECT has_function('ci', 'decide_match', ARRAY['bigint', 'bigint', 'text', 'text']);

SELECT function_returns('ci', 'resolve_identities', ARRAY['text', 'boolean'], 'ci.resolution_summary');
SELECT function_returns('ci', 'train_model', ARRAY['text'], 'jsonb');
SELECT function_returns('ci', 'resolve_record', ARRAY['bigint', 'text'], 'bigint');
SELECT function_returns('ci', 'resolve_record_trigger', ARRAY[]::text[], 'trigger');

-- volatility, strictness, parallel safety, as declared and as true
SELECT is(
    (SELECT string_agg(format('%s:%s%s%s', p.oid::regprocedure, p.provolatile, CASE WHEN p.proisstrict THEN 's' ELSE '-' END, p.proparallel), ' ' ORDER BY p.oid::regprocedure::text)
     FROM pg_proc p WHERE p.oid IN ('ci.resolve_identities(text,boolean)'::regprocedure, 'ci.train_model(text)'::regprocedure,
                                    'ci.resolve_record(bigint,text)'::regprocedure, 'ci.decide_match(bigint,bigint,text,text)'::regprocedure)),
    'ci.decide_match(bigint,bigint,text,text):v-u ci.resolve_identities(text,boolean):v-u ci.resolve_record(bigint,text):vsu ci.train_model(text):vsu',
    'writers are VOLATILE and PARALLEL UNSAFE');
SELECT is(
    (SELECT string_agg(format('%s:%s%s%s', p.oid::regprocedure, p.provolatile, CASE WHEN p.proisstrict THEN 's' ELSE '-' END, p.proparallel), ' ' ORDER BY p.oid::regprocedure::text)
     FROM pg_proc p WHERE p.oid IN ('ci.estimate_blocking(text)'::regprocedure, 'ci.candidate_pairs(text)'::regprocedure,
                                    'ci.explain_match(bigint,bigint,text)'::regprocedure)),
    'ci.candidate_pairs(text):ssr ci.estimate_blocking(text):ssr ci.explain_match(bigint,bigint,text):ssr',
    'readers are STABLE STRICT PARALLEL RESTRICTED (they run queries through SPI)');
SELECT is((SELECT count(*)::int FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
           WHERE p.pronamespace = 'ci'::regnamespace
             AND p.proname IN ('resolve_identities', 'train_model', 'estimate_blocking', 'candidate_pairs', 'resolve_record',
                               'resolve_record_trigger', 'explain_match', 'decide_match')
             AND obj_description(p.oid, 'pg_proc') IS NULL), 0, 'every identity function has a comment');

-- tables and views
SELECT has_table('ci', 'match_model', 'match models');
SELECT has_table('ci', 'match_comparison', 'comparisons');
SELECT has_table('ci', 'match_blocking_rule', 'blocking rules');
SELECT has_table('ci', 'match_term_frequency', 'term frequencies');
SELECT has_table('ci', 'match_decision', 'steward decisions');
SELECT has_table('ci', 'match_review', 'review band');
SELECT has_table('ci', 'match_run', 'run log');
SELECT has_table('ci', 'name_alias', 'given-name nicknames');
SELECT ok((SELECT count(*) FROM ci.name_alias WHERE shipped) >= 300, 'nicknames are shipped');
SELECT is((SELECT similarity FROM ci.match_comparison WHERE model = 'default' AND comparison = 'given_name'), 'given_name',
          'the default model compares given names with nicknames and initials');
SELECT is(
    (SELECT format('%s:%s%s%s:%s', p.oid::regprocedure, p.provolatile, CASE WHEN p.proisstrict THEN 's' ELSE '-' END, p.proparallel,
                   p.prosecdef AND p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'])
     FROM pg_proc p WHERE p.oid = 'ci.name_alias_touch()'::regprocedure),
    'ci.name_alias_touch():v-u:t', 'ci.name_alias_touch is a VOLATILE SECURITY DEFINER trigger with a safe search_path');
SELECT isnt(obj_description('ci.name_alias_touch()'::regprocedure, 'pg_proc'), NULL, 'ci.name_alias_touch has a comment');
SELECT has_view('ci', 'match_parameters', 'parameters view');
SELECT has_view('ci', 'match_review_queue', 'review queue view');
SELECT columns_are('ci', 'identity_link', ARRAY['record_id', 'identity_id', 'match_probability', 'rule', 'linked_at']);
SELECT has_column('ci', 'source_record', 'email_norm', 'normalised e-mail column');
SELECT has_column('ci', 'source_record', 'phone_e164', 'E.164 phone column');
SELECT is((SELECT attgenerated::text FROM pg_attribute WHERE attrelid = 'ci.source_record'::regclass AND attname = 'family_name_norm'),
          's', 'normalised features are STORED generated columns');
SELECT ok(EXISTS (SELECT 1 FROM ci.match_model WHERE model = 'default'), 'the default model ships');
SELECT is((SELECT count(*)::int FROM ci.match_comparison WHERE model = 'default'), 8, 'default model: eight comparisons');
SELECT ok(current_setting('ci.match_work_mem') IS NOT NULL, 'ci.match_work_mem exists');
SELECT ok(current_setting('ci.match_progress_interval') IS NOT NULL, 'ci.match_progress_interval exists');

-- error SQLSTATEs
SELECT throws_ok($$SELECT ci.resolve_identities('nope')$$, '42704', NULL, 'unknown model: undefined_object');
SELECT throws_ok($$SELECT ci.resolve_identities(NULL)$$, '22004', NULL, 'NULL model: null_value_not_allowed');
SELECT throws_ok($$INSERT INTO ci.match_model (model, link_threshold) VALUES ('x', 0)$$, '23514', NULL, 'threshold out of range: check_violation');
SELECT throws_ok($$INSERT INTO ci.match_comparison (model, comparison, ordinal, field, similarity) VALUES ('default', 'x', 99, 'city_norm', 'cosine')$$,
                 '23514', NULL, 'unknown similarity: check_violation');
INSERT INTO ci.match_model (model) VALUES ('t');
INSERT INTO ci.match_comparison (model, comparison, ordinal, field, similarity) VALUES ('t', 'c', 1, 'no_column', 'exact');
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys) VALUES ('t', 'r', 1, '{city_norm}');
SELECT throws_ok($$SELECT ci.resolve_identities('t')$$, '42703', NULL, 'unknown field: undefined_column');
UPDATE ci.match_comparison SET field = 'city_norm' WHERE model = 't';
UPDATE ci.match_blocking_rule SET keys = '{"upper(city_norm)"}' WHERE model = 't';
SELECT throws_ok($$SELECT * FROM ci.estimate_blocking('t')$$, '42P17', NULL, 'malformed key: invalid_object_definition');
DELETE FROM ci.match_blocking_rule WHERE model = 't';
SELECT throws_ok($$SELECT ci.resolve_identities('t')$$, '42P17', NULL, 'no blocking rules: invalid_object_definition');
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys) VALUES ('t', 'r', 1, '{city_norm}');
UPDATE ci.match_model SET relation = 'pg_catalog.pg_class' WHERE model = 't';
SELECT throws_ok($$SELECT ci.resolve_identities('t')$$, '42703', NULL, 'relation without the id column: undefined_column');
DELETE FROM ci.identity_link; DELETE FROM ci.source_record;
UPDATE ci.match_model SET relation = 'ci.source_record' WHERE model = 't';
SELECT throws_ok($$SELECT ci.train_model('t')$$, '55000', NULL, 'training on an empty table: object_not_in_prerequisite_state');
INSERT INTO ci.source_record (source, source_key, city) SELECT 'crm', g::text, 'same' FROM generate_series(1, 20) g;
UPDATE ci.match_model SET max_candidate_pairs = 10 WHERE model = 't';
SELECT throws_ok($$SELECT ci.resolve_identities('t')$$, '54000', NULL, 'too many candidate pairs: program_limit_exceeded');
SELECT throws_ok($$SELECT * FROM ci.explain_match(-1, -2)$$, 'P0002', NULL, 'explaining missing records: no_data_found');
SELECT throws_ok($$SELECT ci.decide_match(1, 2, 'perhaps')$$, '22023', NULL, 'unknown decision: invalid_parameter_value');

SELECT * FROM finish();
ROLLBACK;
