-- Search-path hijack (the CVE-2018-1058 pattern): functions that another
-- role put in a schema on the caller's search_path, with the names of the
-- built-ins the extension calls and argument types that match better than
-- the built-ins' polymorphic ones, never run through the extension: not
-- through its C entry points' statements and kept plans, nor through its
-- PL/pgSQL functions and the golden profile statement they generate.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(13);

CREATE ROLE regress_sp_attacker;
CREATE SCHEMA regress_sp_hostile AUTHORIZATION regress_sp_attacker;
GRANT USAGE ON SCHEMA regress_sp_hostile TO PUBLIC;
SET ROLE regress_sp_attacker;
CREATE FUNCTION regress_sp_hostile.hijacked(what text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'hijacked: % ran as %', what, current_user USING ERRCODE = 'P0099';
END $$;
CREATE FUNCTION regress_sp_hostile.unnest(bigint[]) RETURNS SETOF bigint LANGUAGE plpgsql AS $$
BEGIN PERFORM regress_sp_hostile.hijacked('unnest(bigint[])'); END $$;
CREATE FUNCTION regress_sp_hostile.unnest(text[]) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN PERFORM regress_sp_hostile.hijacked('unnest(text[])'); END $$;
CREATE FUNCTION regress_sp_hostile.unnest(double precision[]) RETURNS SETOF double precision LANGUAGE plpgsql AS $$
BEGIN PERFORM regress_sp_hostile.hijacked('unnest(float8[])'); END $$;
CREATE FUNCTION regress_sp_hostile.sfunc(bigint, bigint) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN PERFORM regress_sp_hostile.hijacked('an aggregate'); RETURN 0; END $$;
CREATE FUNCTION regress_sp_hostile.sfunc_t(text, text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM regress_sp_hostile.hijacked('an aggregate'); RETURN ''; END $$;
CREATE AGGREGATE regress_sp_hostile.array_agg(bigint) (sfunc = regress_sp_hostile.sfunc, stype = bigint);
CREATE AGGREGATE regress_sp_hostile.array_agg(text) (sfunc = regress_sp_hostile.sfunc_t, stype = text);
CREATE AGGREGATE regress_sp_hostile.count(bigint) (sfunc = regress_sp_hostile.sfunc, stype = bigint);
CREATE AGGREGATE regress_sp_hostile.max(bigint) (sfunc = regress_sp_hostile.sfunc, stype = bigint);
CREATE FUNCTION regress_sp_hostile.format(text, text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN PERFORM regress_sp_hostile.hijacked('format'); RETURN NULL; END $$;
CREATE FUNCTION regress_sp_hostile.jsonb_build_object(text, jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN PERFORM regress_sp_hostile.hijacked('jsonb_build_object'); RETURN NULL; END $$;
CREATE FUNCTION regress_sp_hostile.least(bigint, bigint) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN PERFORM regress_sp_hostile.hijacked('least'); RETURN NULL; END $$;
RESET ROLE;
-- (the attacker may not use schema ci; its owner writes this one)
CREATE FUNCTION regress_sp_hostile.to_jsonb(ci.resolution_summary) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN PERFORM regress_sp_hostile.hijacked('to_jsonb'); RETURN NULL; END $$;


INSERT INTO ci.source (source) VALUES ('sp_src') ON CONFLICT DO NOTHING;
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, birth_date)
VALUES ('sp_src', 'sp1', 'Cara', 'Doyle', 'cara.doyle@example.org', '1985-03-04'),
       ('sp_src', 'sp2', 'Cara', 'Doyle', 'cara.doyle@example.org', '1985-03-04'),
       ('sp_src', 'sp3', 'Dan', 'Eames', 'dan.eames@example.org', '1990-07-08');

-- kept plans first made under a clean search_path, then used under the hostile one
SELECT lives_ok($$SELECT ci.resolve_record(record_id) FROM ci.source_record WHERE source_key = 'sp1'$$,
                'ci.resolve_record under a clean search_path');
SET search_path = regress_sp_hostile, public, ci;
SELECT throws_ok($$SELECT count(*) FROM unnest(ARRAY[1::bigint])$$, 'P0099', NULL,
                 'the hostile functions are chosen by name resolution where the caller''s search_path leads');
SELECT lives_ok($$SELECT ci.resolve_record(record_id) FROM ci.source_record WHERE source_key IN ('sp2', 'sp3')$$,
                'ci.resolve_record (kept plans) runs none of them');
SELECT lives_ok($$SELECT ci.resolve_identities(retrain => false)$$, 'ci.resolve_identities runs none of them');
SELECT lives_ok($$SELECT ci.train_model()$$, 'ci.train_model runs none of them');
SELECT lives_ok($$SELECT count(*) FROM ci.candidate_pairs()$$, 'ci.candidate_pairs runs none of them');
SELECT lives_ok($$SELECT count(*) FROM ci.estimate_blocking()$$, 'ci.estimate_blocking runs none of them');
SELECT lives_ok($$SELECT count(*) FROM ci.explain_match((SELECT min(record_id) FROM ci.source_record WHERE source_key LIKE 'sp%'),
                                                     (SELECT max(record_id) FROM ci.source_record WHERE source_key LIKE 'sp%'))$$,
                'ci.explain_match runs none of them');
SELECT lives_ok($$SELECT ci.build_golden_profiles()$$, 'ci.build_golden_profiles runs none of them');
UPDATE ci.source_record SET given_name = 'Carla' WHERE source_key = 'sp1';
SELECT lives_ok($$SELECT ci.refresh_golden_profiles()$$, 'ci.refresh_golden_profiles runs none of them');
SELECT lives_ok($$SELECT ci.decide_match((SELECT min(record_id) FROM ci.source_record WHERE source_key LIKE 'sp%'),
                                          (SELECT max(record_id) FROM ci.source_record WHERE source_key LIKE 'sp%'), 'no_link')$$, 'ci.decide_match runs none of them');
RESET search_path;

SELECT unalike(ci.golden_profile_sql(), '%[^._a-z](count|array_agg|jsonb_build_object|jsonb_object_agg)\(%',
               'the golden statement names the built-in aggregates and functions with pg_catalog');
SELECT is_empty($$SELECT p.oid::regprocedure FROM pg_proc p
                  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
                  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'customer_intel'
                  JOIN pg_language l ON l.oid = p.prolang AND l.lanname IN ('sql', 'plpgsql')
                  WHERE NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)$$,
                'every SQL and PL/pgSQL function of the extension runs with search_path = pg_catalog, pg_temp');

SELECT * FROM finish();
ROLLBACK;
