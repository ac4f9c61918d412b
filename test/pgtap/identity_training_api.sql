-- The settings of issue 13's training and household-aware scoring: their
-- defaults, their constraints (SQLSTATE 23514) and the comparison roles.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(15);
SELECT has_column('ci', 'match_model', 'household_weight_cap', 'household_weight_cap exists');
SELECT has_column('ci', 'match_comparison', 'role', 'match_comparison.role exists');
SELECT results_eq($$SELECT guard_weight, guard_against, guard_max_pairs, m_prior_pairs, train_on_decisions
                     FROM ci.match_model WHERE model = 'default'$$,
                  $$VALUES (-14::float8, -6::float8, 10000, 20::float8, true)$$, 'guard and training defaults');
SELECT results_eq($$SELECT comparison::text, role FROM ci.match_comparison WHERE model = 'default' AND role IS NOT NULL ORDER BY ordinal$$,
                  $$VALUES ('given_name', 'personal'), ('family_name', 'household'), ('birth_date', 'personal'),
                           ('phone', 'household'), ('street', 'household'), ('place', 'household')$$,
                  'the default model''s roles');
SELECT throws_ok($$UPDATE ci.match_model SET household_weight_cap = -1 WHERE model = 'default'$$, '23514', NULL, 'negative cap refused');
SELECT throws_ok($$UPDATE ci.match_model SET guard_weight = 1 WHERE model = 'default'$$, '23514', NULL, 'positive guard_weight refused');
SELECT throws_ok($$UPDATE ci.match_model SET guard_max_pairs = -1 WHERE model = 'default'$$, '23514', NULL, 'negative guard_max_pairs refused');
SELECT throws_ok($$UPDATE ci.match_model SET m_prior_pairs = -1 WHERE model = 'default'$$, '23514', NULL, 'negative m_prior_pairs refused');
SELECT throws_ok($$UPDATE ci.match_comparison SET role = 'family' WHERE model = 'default' AND comparison = 'email'$$, '23514', NULL, 'unknown role refused');
SELECT lives_ok($$UPDATE ci.match_model SET household_weight_cap = 0, guard_max_pairs = 0, m_prior_pairs = 0 WHERE model = 'default'$$, 'cap 0, guard off, no smoothing accepted');
SELECT throws_ok($$UPDATE ci.match_model SET train_on_decisions = NULL WHERE model = 'default'$$, '23502', NULL, 'train_on_decisions NOT NULL');
-- the training report names the placeholder dates of each date comparison;
-- a report edited by hand into other shapes is read without error
INSERT INTO ci.source_record (source, source_key, given_name, family_name, birth_date)
SELECT 'crm', 'tap-' || i, 'G' || i, 'Fam', '1970-06-15' FROM generate_series(1, 30) i;
SELECT is(ci.train_model('default')->'placeholder_dates', '{"birth_date": ["1970-06-15"]}'::jsonb,
          'training reports the placeholder dates it found by frequency');
SELECT is((SELECT level FROM ci.explain_match((SELECT record_id FROM ci.source_record WHERE source_key = 'tap-1'),
                                              (SELECT record_id FROM ci.source_record WHERE source_key = 'tap-2'))
            WHERE comparison = 'birth_date'), 'null', 'explain_match treats a reported placeholder as missing');
UPDATE ci.match_model SET training = training || '{"placeholder_dates": {"birth_date": "1970-06-15"}}' WHERE model = 'default';
SELECT lives_ok($$SELECT * FROM ci.explain_match((SELECT record_id FROM ci.source_record WHERE source_key = 'tap-1'),
                                                 (SELECT record_id FROM ci.source_record WHERE source_key = 'tap-2'))$$,
                'placeholder_dates not an array: ignored');
UPDATE ci.match_model SET training = training || '{"placeholder_dates": {"birth_date": ["junk", null, 7, "1970-13-45", ""]}}' WHERE model = 'default';
SELECT lives_ok($$SELECT ci.resolve_record((SELECT record_id FROM ci.source_record WHERE source_key = 'tap-3'))$$,
                'malformed placeholder dates: skipped');
SELECT * FROM finish();
ROLLBACK;
