-- The survivorship API contract: signatures, volatility, strictness,
-- parallel safety, and the SQLSTATEs of its errors.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(81);

-- aggregates
SELECT has_function('ci', 'survive', ARRAY['anyelement', 'text', 'timestamp with time zone', 'text'], 'ci.survive with a text rule');
SELECT has_function('ci', 'survive', ARRAY['anyelement', 'text', 'timestamp with time zone', 'jsonb'], 'ci.survive with a jsonb rule');
SELECT has_function('ci', 'survive_lineage', ARRAY['anyelement', 'bigint', 'text', 'timestamp with time zone', 'jsonb'], 'ci.survive_lineage');
SELECT has_function('ci', 'survive_lineage', ARRAY['anyelement', 'bigint', 'text', 'timestamp with time zone', 'jsonb', 'integer'], 'ci.survive_lineage with scope');
SELECT has_function('ci', 'survive', ARRAY['anyelement', 'text', 'text', 'timestamp with time zone', 'text'], 'ci.survive with a key and a text rule');
SELECT has_function('ci', 'survive', ARRAY['anyelement', 'text', 'text', 'timestamp with time zone', 'jsonb'], 'ci.survive with a key and a jsonb rule');
SELECT has_function('ci', 'survive_lineage', ARRAY['anyelement', 'text', 'bigint', 'text', 'timestamp with time zone', 'jsonb'], 'ci.survive_lineage with a key');
SELECT has_function('ci', 'survive_lineage', ARRAY['anyelement', 'text', 'bigint', 'text', 'timestamp with time zone', 'jsonb', 'integer'], 'ci.survive_lineage with a key and scope');
SELECT is((SELECT count(*)::int FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
            WHERE p.pronamespace = 'ci'::regnamespace AND p.proname IN ('survive', 'survive_lineage')), 8, 'eight survivorship aggregates (four with a key)');
SELECT is((SELECT count(*)::int FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
            WHERE p.pronamespace = 'ci'::regnamespace AND p.proname IN ('survive', 'survive_lineage')
              AND a.aggcombinefn <> 0 AND a.aggserialfn <> 0 AND a.aggdeserialfn <> 0), 8,
          'every survivorship aggregate has combine, serial and deserial functions');
SELECT is((SELECT count(*)::int FROM pg_proc WHERE pronamespace = 'ci'::regnamespace
            AND proname IN ('survive', 'survive_lineage') AND proparallel = 's'), 8, 'the aggregates are PARALLEL SAFE');
SELECT function_returns('ci', 'survive', ARRAY['anyelement', 'text', 'text', 'timestamp with time zone', 'text'], 'anyelement', 'keyed ci.survive returns the value''s type');
SELECT function_returns('ci', 'survive', ARRAY['anyelement', 'text', 'timestamp with time zone', 'text'], 'anyelement', 'ci.survive returns the value''s type');
SELECT function_returns('ci', 'survive_lineage', ARRAY['anyelement', 'bigint', 'text', 'timestamp with time zone', 'jsonb'], 'jsonb', 'ci.survive_lineage returns jsonb');

-- support functions: STABLE (trust may be read from ci.source), not strict (internal state), parallel safe
SELECT is((SELECT string_agg(DISTINCT provolatile::text || proisstrict::text || proparallel::text, ',') FROM pg_proc
            WHERE pronamespace = 'ci'::regnamespace AND proname ~ '^survive_(transfn|finalfn|lineage_transfn|lineage_key_transfn|lineage_finalfn|combinefn)'),
          'sfalses', 'transition, final and combine functions are STABLE, not STRICT, PARALLEL SAFE');
SELECT volatility_is('ci', 'survive_serialize', ARRAY['internal'], 'immutable', 'serialize is IMMUTABLE');
SELECT is_strict('ci', 'survive_serialize', ARRAY['internal'], 'serialize is STRICT');
SELECT volatility_is('ci', 'survive_deserialize', ARRAY['bytea', 'internal'], 'immutable', 'deserialize is IMMUTABLE');

-- SQL API
SELECT volatility_is('ci', 'build_golden_profiles', ARRAY[]::text[], 'volatile', 'build is VOLATILE');
SELECT function_returns('ci', 'build_golden_profiles', ARRAY[]::text[], 'bigint', 'build returns a count');
SELECT volatility_is('ci', 'refresh_golden_profiles', ARRAY['integer'], 'volatile', 'refresh is VOLATILE');
SELECT volatility_is('ci', 'refresh_golden_profiles_for', ARRAY['bigint[]'], 'volatile', 'refresh_for is VOLATILE');
SELECT volatility_is('ci', 'pin_golden_value', ARRAY['bigint', 'text', 'text', 'text'], 'volatile', 'pin is VOLATILE');
SELECT volatility_is('ci', 'unpin_golden_value', ARRAY['bigint', 'text'], 'volatile', 'unpin is VOLATILE');
SELECT volatility_is('ci', 'unmerge_records', ARRAY['bigint[]', 'bigint', 'text'], 'volatile', 'unmerge is VOLATILE');
SELECT function_returns('ci', 'unmerge_records', ARRAY['bigint[]', 'bigint', 'text'], 'bigint', 'unmerge returns the identity');
SELECT volatility_is('ci', 'golden_lineage', ARRAY['bigint'], 'stable', 'golden_lineage is STABLE');
SELECT volatility_is('ci', 'golden_profile_json', ARRAY['bigint'], 'stable', 'golden_profile_json is STABLE');
SELECT volatility_is('ci', 'survivorship_rules', ARRAY['text'], 'stable', 'survivorship_rules is STABLE');
SELECT volatility_is('ci', 'golden_profile_sql', ARRAY['boolean'], 'stable', 'golden_profile_sql is STABLE');
SELECT volatility_is('ci', 'golden_compare_key', ARRAY['text'], 'immutable', 'golden_compare_key is IMMUTABLE');
SELECT volatility_is('ci', 'golden_value_column', ARRAY['text'], 'immutable', 'golden_value_column is IMMUTABLE');
SELECT volatility_is('ci', 'golden_value_sql', ARRAY['text', 'boolean', 'text'], 'immutable', 'golden_value_sql is IMMUTABLE');
SELECT is((SELECT count(*)::int FROM pg_proc WHERE pronamespace = 'ci'::regnamespace AND proname ~ '^survive_.*_key(_transfn)?$'
             AND provolatile = 's' AND NOT proisstrict AND proparallel = 's'), 6,
          'the keyed transition and final functions are STABLE, not STRICT, PARALLEL SAFE');
SELECT volatility_is('ci', 'survive_group_member', ARRAY['jsonb', 'anyelement', 'text', 'text'], 'stable', 'survive_group_member is STABLE');
SELECT ok((SELECT NOT proisstrict AND proparallel = 's' FROM pg_proc WHERE oid = 'ci.survive_group_member(jsonb, anyelement, text, text)'::regprocedure),
          'survive_group_member is not STRICT (a NULL value is a value), PARALLEL SAFE');
SELECT is(ci.survive_group_member('{"record_id": 7, "source": "crm", "updated_at": null, "beaten": []}', 'York'::text, 'address', 'street'),
          '{"lead": "street", "rule": "group", "group": "address", "value": "York", "source": "crm", "record_id": 7, "updated_at": null}'::jsonb,
          'a group member takes the lead''s record, source and time');
SELECT is(ci.survive_group_member(NULL, 'York'::text, 'address', 'street'), NULL, 'no lead winner: NULL');
SELECT throws_ok($$SELECT ci.survive_group_member('[1]', 'York'::text, 'address', 'street')$$, '22023', NULL, 'a lead that is not an object: 22023');
SELECT ok((SELECT NOT prosecdef AND proconfig @> ARRAY['search_path=pg_catalog, pg_temp'] FROM pg_proc
            WHERE oid = 'ci.golden_flag_stale()'::regprocedure), 'the stale-flag trigger runs as the role that made the change, with a safe search_path');
SELECT results_eq($$SELECT a.attribute FROM ci.golden_attribute a WHERE ci.golden_compare_key(a.attribute) IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = 'ci.source_record'::regclass AND t.attname = ci.golden_compare_key(a.attribute) AND NOT t.attisdropped)$$, ARRAY[]::text[], 'every golden comparison key is a ci.source_record column');
SELECT is((SELECT count(*)::int FROM pg_proc WHERE pronamespace = 'ci'::regnamespace
            AND proname IN ('build_golden_profiles', 'refresh_golden_profiles', 'refresh_golden_profiles_for', 'golden_upsert',
                            'pin_golden_value', 'unpin_golden_value', 'unmerge_records') AND proparallel = 'u'), 7,
          'functions that write are PARALLEL UNSAFE');
SELECT is((SELECT count(*)::int FROM pg_proc p WHERE pronamespace = 'ci'::regnamespace
            AND (proname LIKE 'survive%' OR proname LIKE '%golden%' OR proname LIKE 'survivorship%' OR proname = 'unmerge_records')
            AND obj_description(p.oid, 'pg_proc') IS NULL), 0, 'every survivorship function has a comment');

-- tables and views
SELECT has_table('ci', 'survivorship_rule', 'rule table');
SELECT has_table('ci', 'golden_profile', 'golden profile table');
SELECT has_table('ci', 'golden_override', 'override table');
SELECT has_table('ci', 'golden_dirty', 'dirty-identity queue');
SELECT has_table('ci', 'golden_stale', 'stale flag for full rebuilds');
SELECT has_column('ci', 'golden_attribute', 'survive_group', 'attributes have a survive group');
SELECT results_eq($$SELECT attribute FROM ci.golden_attribute WHERE survive_group = 'address' ORDER BY position$$,
                  ARRAY['street', 'city', 'postcode', 'country'], 'the default address group, led by street');
SELECT trigger_is('ci', 'survivorship_rule', 'golden_stale_rule', 'ci', 'golden_flag_stale', 'rule changes flag profiles stale');
SELECT trigger_is('ci', 'golden_attribute', 'golden_stale_attribute', 'ci', 'golden_flag_stale', 'attribute changes flag profiles stale');
SELECT trigger_is('ci', 'source', 'golden_stale_source_trust', 'ci', 'golden_flag_stale', 'trust changes flag profiles stale');
SELECT has_table('ci', 'match_decision', 'steward match decisions (owned by identity resolution)');
SELECT has_view('ci', 'golden_conflict', 'conflict view');
SELECT col_is_pk('ci', 'golden_profile', 'identity_id', 'one golden row per identity');
SELECT is((SELECT count(*)::int FROM ci.survivorship_rule WHERE builtin), 11, 'a default rule set ships');
SELECT is((SELECT count(DISTINCT attribute)::int FROM ci.survivorship_rule), 10, 'every attribute has a default rule');

-- error SQLSTATEs of the aggregates
CREATE TEMP TABLE t (v text, d date, s text, ts timestamptz);
INSERT INTO t VALUES ('a', '2000-01-01', 'crm', now());
SELECT throws_ok($$SELECT ci.survive(v, s, ts, 'newest') FROM t$$, '22023', NULL, 'unknown kind: 22023');
SELECT throws_ok($$SELECT ci.survive(v, s, ts, 'source_priority') FROM t$$, '22023', NULL, 'missing sources: 22023');
SELECT throws_ok($$SELECT ci.survive(d, s, ts, 'longest') FROM t$$, '42804', NULL, 'longest on a date: 42804');
SELECT throws_ok($$SELECT ci.survive(point(1,1), s, ts, 'min') FROM t$$, '42883', NULL, 'min without ordering: 42883');
SELECT throws_ok($$SELECT ci.survive(v, s, ts, NULL::text) FROM t$$, '22004', NULL, 'NULL rule: 22004');
SELECT throws_ok($$SELECT ci.survive(v, s || 'x', ts, '{"kind": "trust_recency"}') FROM t$$, '42704', NULL, 'source without trust: 42704');
SELECT throws_ok($$SELECT ci.survive(v, s, ts, repeat('x', 1100000)) FROM t$$, '54000', NULL, 'huge rule: 54000');
SELECT throws_ok($$SELECT ci.survive_transfn_text(NULL::internal, 'a'::text, 'crm'::text, now(), 'min'::text)$$, '42846', NULL, 'transition functions cannot be called from SQL (internal argument): 42846');
SELECT throws_ok($$SELECT ci.survive(v, lower(v), s, ts, 'newest') FROM t$$, '22023', NULL, 'keyed, unknown kind: 22023');
SELECT throws_ok($$SELECT ci.survive(v, lower(v), s, ts, NULL::jsonb) FROM t$$, '22004', NULL, 'keyed, NULL rule: 22004');
SELECT is((SELECT ci.survive(v, k, s, ts, 'most_frequent') FROM (VALUES ('Ab', 'ab', 'crm', now()), ('AB', 'ab', 'web', now() - interval '1 day'), ('cd', 'cd', 'pos', now())) x(v, k, s, ts)),
          'Ab', 'keyed most_frequent counts keys and shows the most recent of equally frequent spellings');

-- stale flag: a rule change appends a row and no identity; refresh rebuilds and clears it
DELETE FROM ci.golden_stale;
UPDATE ci.survivorship_rule SET half_life = '200 days' WHERE attribute = 'street';
SELECT is((SELECT count(*)::int FROM ci.golden_stale), 1, 'a rule update flags profiles stale (one row per statement)');
SELECT is((SELECT count(*)::int FROM ci.golden_dirty), 0, 'and queues no identity');
SELECT lives_ok($$SELECT ci.refresh_golden_profiles()$$, 'a refresh with the flag set rebuilds');
SELECT is((SELECT count(*)::int FROM ci.golden_stale), 0, 'the rebuild clears the flag');

-- error SQLSTATEs of rules and steward functions
SELECT throws_ok($$INSERT INTO ci.survivorship_rule (attribute, priority, kind) VALUES ('shoe_size', 9, 'min')$$, '42703', NULL, 'unknown attribute: 42703');
SELECT throws_ok($$INSERT INTO ci.survivorship_rule (attribute, priority, kind, sources) VALUES ('email', 9, 'source_priority', '{erp}')$$, '42704', NULL, 'unknown source: 42704');
SELECT throws_ok($$INSERT INTO ci.survivorship_rule (attribute, priority, kind) VALUES ('birth_date', 9, 'longest')$$, '42804', NULL, 'rule does not fit the type: 42804');
SELECT throws_ok($$INSERT INTO ci.survivorship_rule (attribute, priority, kind) VALUES ('email', 9, 'source_priority')$$, '23514', NULL, 'source_priority without sources: 23514');
SELECT throws_ok($$SELECT ci.pin_golden_value(1, 'email', 'x', NULL)$$, '22004', NULL, 'pin without reason: 22004');
SELECT throws_ok($$SELECT ci.pin_golden_value(-1, 'email', 'x', 'why')$$, 'P0002', NULL, 'pin on unknown identity: P0002');
SELECT throws_ok($$SELECT ci.unmerge_records('{}', NULL, 'x')$$, '22023', NULL, 'empty unmerge: 22023');
SELECT throws_ok($$SELECT ci.refresh_golden_profiles(0)$$, '22023', NULL, 'bad batch size: 22023');

SELECT * FROM finish();
ROLLBACK;
