-- ci.copy_model: a whole copy of a model (every setting, comparison and
-- blocking rule), owned by the caller, with clear errors.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(10);

SELECT has_function('ci', 'copy_model', ARRAY['text', 'text', 'regclass', 'text']);
SELECT volatility_is('ci', 'copy_model', ARRAY['text', 'text', 'regclass', 'text'], 'volatile');

CREATE TABLE my_records AS SELECT * FROM ci.source_record;
UPDATE ci.match_model SET household_weight_cap = 1.5 WHERE model = 'default';
SELECT is(ci.copy_model('default', 'variant', relation => 'my_records', description => 'a try'), 'variant',
          'returns the new model''s name');
SELECT is((SELECT to_jsonb(m) - '{model,relation,description,owner}'::text[] FROM ci.match_model m WHERE model = 'variant'),
          (SELECT to_jsonb(m) - '{model,relation,description,owner}'::text[] FROM ci.match_model m WHERE model = 'default'),
          'every other setting of the model is copied (a changed one too)');
SELECT is((SELECT concat_ws(' | ', relation, description, owner) FROM ci.match_model WHERE model = 'variant'),
          concat_ws(' | ', 'my_records', 'a try', current_user),
          'relation and description as given; the caller owns the copy');
SELECT is((SELECT array_agg(to_jsonb(c) - 'model' ORDER BY ordinal) FROM ci.match_comparison c WHERE model = 'variant'),
          (SELECT array_agg(to_jsonb(c) - 'model' ORDER BY ordinal) FROM ci.match_comparison c WHERE model = 'default'),
          'every comparison is copied with all its columns');
SELECT is((SELECT array_agg(to_jsonb(b) - 'model' ORDER BY ordinal) FROM ci.match_blocking_rule b WHERE model = 'variant'),
          (SELECT array_agg(to_jsonb(b) - 'model' ORDER BY ordinal) FROM ci.match_blocking_rule b WHERE model = 'default'),
          'every blocking rule is copied with all its columns');

SELECT throws_ok($$SELECT ci.copy_model('default', 'variant')$$, '23505', NULL, 'an existing target is refused');
SELECT throws_ok($$SELECT ci.copy_model('no such model', 'x')$$, '42704', 'match model "no such model" does not exist',
                 'an unknown source is refused');
SELECT throws_ok($$SELECT ci.copy_model(NULL, 'x')$$, '22004', NULL, 'a NULL name is refused');

SELECT * FROM finish();
ROLLBACK;
