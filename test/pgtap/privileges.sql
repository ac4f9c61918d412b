-- Privileges: what each kind of role may do on schema ci, exactly as
-- doc/security.md's role table says, for every function, table, view and
-- sequence of the extension (enumerated from the catalog, so objects that
-- later capabilities add are covered without editing this file), and
-- definer rights: a model, rule or view made by a lesser role never runs
-- with a greater role's rights.
--
-- The expected privileges follow the documented rule, not a list:
--   schema ci        USAGE for every kind;
--   functions        reader: EXECUTE on IMMUTABLE and STABLE functions and
--                    aggregates; application and steward: every function
--                    but ci.grant_role / ci.revoke_role / ci.erase_consent;
--                    admin: all of them; nobody: ci.citus_grant_on_workers
--                    (ci.grant_role's helper);
--   tables, views,   the privileges of the ci.role_privilege rows of the
--   sequences        role's kind and the kinds before it;
--   a role without a kind, and PUBLIC: nothing.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(42);

CREATE ROLE regress_pv_reader;
CREATE ROLE regress_pv_app;
CREATE ROLE regress_pv_steward;
CREATE ROLE regress_pv_admin;
CREATE ROLE regress_pv_none;
CREATE ROLE regress_pv_by_admin;
DO $$
BEGIN
    PERFORM ci.grant_role('regress_pv_reader', 'reader');
    PERFORM ci.grant_role('regress_pv_app', 'application');
    PERFORM ci.grant_role('regress_pv_steward', 'steward');
    PERFORM ci.grant_role('regress_pv_admin', 'admin');
END
$$;

CREATE TEMP TABLE pv_role (role name, kind text, rank int);
INSERT INTO pv_role VALUES ('regress_pv_reader', 'reader', 1), ('regress_pv_app', 'application', 2),
    ('regress_pv_steward', 'steward', 3), ('regress_pv_admin', 'admin', 4), ('regress_pv_none', NULL, 0);
GRANT SELECT ON pv_role TO PUBLIC;

CREATE TEMP VIEW pv_function AS
SELECT p.oid::regprocedure AS fn, p.provolatile, p.prokind
FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'customer_intel';

CREATE TEMP VIEW pv_relation AS
SELECT c.oid::regclass AS rel, c.relkind
FROM pg_class c JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'customer_intel'
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f');

-- the documented rule
CREATE TEMP VIEW pv_expected_function AS
SELECT r.role, f.fn,
       r.rank >= 1 AND f.prokind IN ('f', 'a', 'p')
       AND (f.provolatile <> 'v' OR r.rank >= 2)
       AND (r.rank = 4 OR f.fn NOT IN ('ci.grant_role(name, text)'::regprocedure, 'ci.revoke_role(name)'::regprocedure,
                                       'ci.erase_consent(bigint[], bigint[], text)'::regprocedure))
       AND f.fn <> 'ci.citus_grant_on_workers(text[], name)'::regprocedure AS allowed
FROM pv_role r CROSS JOIN pv_function f;

CREATE TEMP VIEW pv_expected_relation AS
SELECT r.role, x.rel, p.priv,
       EXISTS (SELECT 1 FROM ci.role_privilege rp
               WHERE to_regclass(rp.object_name) = x.rel
                 AND array_position(ARRAY['reader', 'application', 'steward', 'admin'], rp.role_kind) <= r.rank
                 AND p.priv = ANY (regexp_split_to_array(rp.privileges, ',\s*'))) AS allowed
FROM pv_role r CROSS JOIN pv_relation x
CROSS JOIN LATERAL unnest(CASE WHEN x.relkind = 'S' THEN ARRAY['USAGE', 'SELECT', 'UPDATE']
                               ELSE ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'] END) AS p(priv);

SELECT cmp_ok((SELECT count(*) FROM pv_function), '>', 50::bigint, 'the functions of the extension are enumerated');
SELECT cmp_ok((SELECT count(*) FROM pv_relation), '>', 20::bigint, 'the tables, views and sequences of the extension are enumerated');

-- 1. the role table, exactly
SELECT is_empty($$SELECT fn::text FROM pv_function p
                  JOIN pg_proc x ON x.oid = p.fn
                  WHERE EXISTS (SELECT 1 FROM aclexplode(coalesce(x.proacl, acldefault('f', x.proowner))) a
                                WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE')$$,
                'PUBLIC may execute no function of the extension');
SELECT is_empty(format($$SELECT fn::text, allowed FROM pv_expected_function
                         WHERE role = %L AND has_function_privilege(role, fn, 'EXECUTE') IS DISTINCT FROM allowed$$, r.role),
                format('%s (%s): EXECUTE on every function as doc/security.md says', r.role, coalesce(r.kind, 'no grants')))
FROM pv_role r ORDER BY r.rank;
SELECT is_empty(format($$SELECT rel::text, priv, allowed FROM pv_expected_relation
                         WHERE role = %L AND has_table_privilege(role, rel, priv) IS DISTINCT FROM allowed
                           AND priv <> 'USAGE'
                         UNION ALL
                         SELECT rel::text, priv, allowed FROM pv_expected_relation
                         WHERE role = %1$L AND priv = 'USAGE' AND has_sequence_privilege(role, rel, priv) IS DISTINCT FROM allowed$$, r.role),
                format('%s (%s): privileges on every table, view and sequence as ci.role_privilege says', r.role, coalesce(r.kind, 'no grants')))
FROM pv_role r ORDER BY r.rank;
SELECT is(array_agg(has_schema_privilege(role, 'ci', 'USAGE') ORDER BY rank), ARRAY[false, true, true, true, true],
          'USAGE on schema ci for every kind, not for a role without one') FROM pv_role;

-- 2. an admin hands out and takes back privileges (ci.grant_role runs as the owner)
SET ROLE regress_pv_admin;
SELECT cmp_ok((SELECT count(*) FROM ci.grant_role('regress_pv_by_admin', 'steward')), '>', 50::bigint,
              'an admin may call ci.grant_role');
RESET ROLE;
SELECT ok(has_table_privilege('regress_pv_by_admin', 'ci.match_decision', 'INSERT')
          AND has_function_privilege('regress_pv_by_admin', 'ci.resolve_record(bigint, text)', 'EXECUTE'),
          'what an admin granted is granted');
SET ROLE regress_pv_admin;
SELECT lives_ok($$SELECT ci.revoke_role('regress_pv_by_admin')$$, 'an admin may call ci.revoke_role');
RESET ROLE;
SELECT is_empty($$SELECT rel::text FROM pv_relation WHERE has_table_privilege('regress_pv_by_admin', rel, 'SELECT')
                  UNION ALL SELECT fn::text FROM pv_function WHERE has_function_privilege('regress_pv_by_admin', fn, 'EXECUTE')
                  UNION ALL SELECT 'schema ci' WHERE has_schema_privilege('regress_pv_by_admin', 'ci', 'USAGE')$$,
                'ci.revoke_role takes back every privilege, functions included');
SET ROLE regress_pv_admin;
SELECT throws_ok($$SELECT ci.revoke_role((SELECT r.rolname FROM pg_extension e JOIN pg_roles r ON r.oid = e.extowner WHERE e.extname = 'customer_intel'))$$,
                 '42501', NULL, 'nobody revokes the extension owner''s privileges');
RESET ROLE;
SET ROLE regress_pv_steward;
SELECT throws_ok($$SELECT ci.grant_role('regress_pv_none', 'admin')$$, '42501', NULL, 'a steward may not call ci.grant_role');
RESET ROLE;

-- 3. a model made by a lesser role never runs with a greater role's rights
INSERT INTO ci.source (source, trust) VALUES ('pv_src', 0.5) ON CONFLICT DO NOTHING;
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, birth_date)
VALUES ('pv_src', 'pv1', 'Ann', 'Pike', 'ann.pike@example.org', '1980-01-02'),
       ('pv_src', 'pv2', 'Ann', 'Pike', 'ann.pike@example.org', '1980-01-02'),
       ('pv_src', 'pv3', 'Bob', 'Rowe', 'bob.rowe@example.org', '1971-05-06');
CREATE SCHEMA regress_pv_evil AUTHORIZATION regress_pv_admin;
SET ROLE regress_pv_admin;
CREATE TABLE regress_pv_evil.seen (who name, sess name);
CREATE FUNCTION regress_pv_evil.escalate() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    INSERT INTO regress_pv_evil.seen VALUES (current_user, session_user);
    ALTER ROLE regress_pv_admin SUPERUSER;
    RETURN true;
END $$;
CREATE FUNCTION regress_pv_evil.spy() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    INSERT INTO regress_pv_evil.seen VALUES (current_user, session_user);
    RETURN true;
END $$;
CREATE VIEW regress_pv_evil.people AS SELECT * FROM ci.source_record WHERE regress_pv_evil.escalate();
CREATE VIEW regress_pv_evil.quiet AS SELECT * FROM ci.source_record WHERE regress_pv_evil.spy();
SELECT throws_ok($$UPDATE ci.match_model SET relation = 'regress_pv_evil.people' WHERE model = 'default'$$,
                 '42501', NULL, 'an admin may not point a model another role owns at its own view');
SELECT throws_ok($$INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys) VALUES ('default', 'pv', 99, '{email_norm}')$$,
                 '42501', NULL, 'an admin may not change what another role''s model reads');
SELECT throws_ok($$INSERT INTO ci.match_model (model, relation, owner) VALUES ('pv_other', 'ci.source_record', 'regress_pv_steward')$$,
                 '42501', NULL, 'a model cannot be given to a role its creator is not a member of');
SELECT lives_ok($$UPDATE ci.match_model SET link_threshold = link_threshold WHERE model = 'default'$$,
                'an admin may still tune another role''s model (thresholds and parameters)');
INSERT INTO ci.match_model (model, relation) VALUES ('pv_evil', 'regress_pv_evil.people'), ('pv_spy', 'regress_pv_evil.quiet');
INSERT INTO ci.match_comparison (model, comparison, ordinal, field, similarity)
SELECT m, 'email', 1, 'email_norm', 'exact' FROM unnest(ARRAY['pv_evil', 'pv_spy']) m;
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys)
SELECT m, 'email', 1, '{email_norm}' FROM unnest(ARRAY['pv_evil', 'pv_spy']) m;
SELECT is((SELECT to_jsonb(m) ->> 'owner' FROM ci.match_model m WHERE model = 'pv_evil'), 'regress_pv_admin', 'a model belongs to the role that made it');
RESET ROLE;

SELECT throws_ok($$SELECT ci.resolve_identities('pv_evil')$$, '42501', NULL,
                 'a superuser running an admin''s model: the view''s function cannot make its author superuser');
SELECT is((SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_pv_admin'), false, 'the admin is still not superuser');
SELECT lives_ok($$SELECT ci.candidate_pairs('pv_spy')$$, 'a superuser runs an admin''s model');
SELECT lives_ok($$SELECT ci.estimate_blocking('pv_spy')$$, 'a superuser estimates an admin''s model');
SELECT set_eq($$SELECT DISTINCT who::text FROM regress_pv_evil.seen$$, ARRAY['regress_pv_admin'],
              'the view''s function ran as its author, never as the superuser');
SET ROLE regress_pv_app;
SELECT lives_ok($$SELECT ci.resolve_record((SELECT record_id FROM ci.source_record WHERE source_key = 'pv1'), 'pv_spy')$$,
                'an application resolves a record with an admin''s model');
RESET ROLE;
SELECT set_eq($$SELECT DISTINCT who::text FROM regress_pv_evil.seen$$, ARRAY['regress_pv_admin'],
              'incremental resolution reads the relation as the model''s owner too');

-- ci.explain_match shows values: its caller must be able to read them too
SET ROLE regress_pv_admin;
CREATE TABLE regress_pv_evil.private (record_id bigint PRIMARY KEY, email_norm text);
INSERT INTO regress_pv_evil.private VALUES (1, 'x@example.org'), (2, 'x@example.org');
INSERT INTO ci.match_model (model, relation, source_column) VALUES ('pv_private', 'regress_pv_evil.private', NULL);
INSERT INTO ci.match_comparison (model, comparison, ordinal, field, similarity) VALUES ('pv_private', 'email', 1, 'email_norm', 'exact');
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys) VALUES ('pv_private', 'email', 1, '{email_norm}');
SELECT is((SELECT value_a FROM ci.explain_match(1, 2, 'pv_private') WHERE comparison = 'email'), 'x@example.org',
          'the owner of a model explains its pairs');
SET ROLE regress_pv_reader;
SELECT throws_ok($$SELECT * FROM ci.explain_match(1, 2, 'pv_private')$$, '42501', NULL,
                 'a reader may not see through ci.explain_match the values of a relation it may not read');
SELECT lives_ok($$SELECT * FROM ci.estimate_blocking('pv_private')$$,
                'a reader may estimate the blocking of a model over a relation it may not read (counts only)');
RESET ROLE;

-- a model cannot read what its owner may not: pg_authid's password hashes
CREATE ROLE regress_pv_secret PASSWORD 'pv-secret';
SET ROLE regress_pv_admin;
INSERT INTO ci.match_model (model, relation, id_column, source_column) VALUES ('pv_pw', 'pg_authid', 'oid', NULL);
INSERT INTO ci.match_comparison (model, comparison, ordinal, field, similarity, tf_adjust)
VALUES ('pv_pw', 'pw', 1, 'rolpassword', 'exact', true), ('pv_pw', 'name', 2, 'rolname', 'jaro_winkler', false);
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys) VALUES ('pv_pw', 'any', 1, '{rolcanlogin}');
RESET ROLE;
SELECT throws_ok($$SELECT ci.train_model('pv_pw')$$, '42501', NULL,
                 'a superuser training an admin''s model on pg_authid: refused, the owner may not read it');
SELECT is((SELECT count(*) FROM ci.match_term_frequency WHERE model = 'pv_pw'), 0::bigint,
          'no password hash reaches ci.match_term_frequency');

-- 4. memory: full runs follow maintenance_work_mem unless a superuser says otherwise
SELECT is(current_setting('ci.match_work_mem'), '-1', 'ci.match_work_mem defaults to -1: maintenance_work_mem');
SET ROLE regress_pv_admin;
SELECT throws_ok($$SET ci.match_work_mem = '64GB'$$, '42501', NULL, 'only a superuser may set ci.match_work_mem');
RESET ROLE;
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email)
SELECT 'pv_src', 'pvm' || i, 'G' || i % 97, 'F' || i % 1013, 'e' || i || '@example.org' FROM generate_series(1, 2000) i;
SET LOCAL maintenance_work_mem = '1MB';
SELECT throws_like($$SELECT ci.resolve_identities(retrain => false)$$,
                   'identity resolution needs more than maintenance_work_mem (1024 kB)%',
                   'a full run is refused past maintenance_work_mem, before it writes');
SET LOCAL ci.match_work_mem = '64MB';
SELECT lives_ok($$SELECT ci.resolve_identities(retrain => false)$$,
                'a limit a superuser set replaces maintenance_work_mem');
RESET maintenance_work_mem;
RESET ci.match_work_mem;

-- 5. a change is recorded as made by the role that made it
SET ROLE regress_pv_admin;
UPDATE ci.source SET trust = 0.6 WHERE source = 'pv_src';
RESET ROLE;
SELECT is((SELECT flagged_by FROM ci.golden_stale ORDER BY seq DESC LIMIT 1), 'regress_pv_admin',
          'ci.golden_stale.flagged_by names the admin who changed source trust, not the extension owner');

SELECT * FROM finish();
ROLLBACK;
