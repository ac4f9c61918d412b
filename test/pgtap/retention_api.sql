-- The retention API contract: signatures, markings, and the SQLSTATEs of
-- bad input (unknown tables, columns, jurisdictions, overlapping policies,
-- holds, erasure of unknown or held customers).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(58);

TRUNCATE ci.source_record, ci.identity, ci.identity_link, ci.identity_event, ci.golden_profile,
         ci.retention_run, ci.retention_run_step, ci.legal_hold, ci.erasure_certificate, ci.erasure_request,
         ci.access_request, ci.retention_policy, ci.retention_policy_version RESTART IDENTITY CASCADE;
DELETE FROM ci.retention_table WHERE NOT shipped;

-- signatures and markings
SELECT has_function('ci', 'register_table', ARRAY['regclass', 'name', 'text', 'name', 'text', 'name', 'text', 'name[]', 'name[]', 'text', 'name[]', 'text', 'name[]', 'boolean'], 'ci.register_table');
SELECT has_function('ci', 'create_retention_policy', ARRAY['interval', 'text', 'regclass', 'text', 'text', 'name[]', 'text'], 'ci.create_retention_policy');
SELECT has_function('ci', 'alter_retention_policy', ARRAY['bigint', 'interval', 'text', 'name[]', 'text'], 'ci.alter_retention_policy');
SELECT has_function('ci', 'place_legal_hold', ARRAY['text', 'bigint', 'bigint', 'regclass', 'text', 'timestamp with time zone'], 'ci.place_legal_hold');
SELECT has_function('ci', 'request_erasure', ARRAY['bigint', 'text', 'timestamp with time zone', 'text'], 'ci.request_erasure');
SELECT has_function('ci', 'verify_erasure', ARRAY['bigint'], 'ci.verify_erasure');
SELECT has_function('ci', 'subject_access_export', ARRAY['bigint'], 'ci.subject_access_export');
SELECT is((SELECT prokind::text FROM pg_proc WHERE oid = 'ci.run_retention(integer, interval, boolean, interval)'::regprocedure), 'p',
          'ci.run_retention is a procedure (it commits between batches)');
SELECT is((SELECT proconfig FROM pg_proc WHERE oid = 'ci.run_retention(integer, interval, boolean, interval)'::regprocedure), NULL,
          'ci.run_retention has no SET clause (a procedure with one cannot COMMIT)');
SELECT volatility_is('ci', 'verify_erasure', ARRAY['bigint'], 'stable', 'verification only reads');
SELECT volatility_is('ci', 'retention_dry_run', ARRAY[]::text[], 'stable', 'a dry run only reads');

-- the extension registered its own tables
SELECT set_eq($$SELECT table_name::text FROM ci.retention_table WHERE shipped$$,
              ARRAY['ci.source_record', 'ci.identity', 'ci.identity_link', 'ci.identity_event', 'ci.golden_profile',
                    'ci.golden_override', 'ci.match_decision', 'ci.match_review'],
              'the extension''s own customer tables are registered');
SELECT throws_ok($$SELECT ci.register_table('ci.source_record', 'record_id', 'record')$$, '55000', NULL,
                 'a shipped registration cannot be changed');
SELECT throws_ok($$SELECT ci.unregister_table('ci.identity')$$, '55000', NULL, 'nor removed');

-- registration: bad input
CREATE TABLE t_ticket (id bigint PRIMARY KEY, cust bigint, region text, body text NOT NULL DEFAULT '', note text,
                       closed_at timestamptz, opened date);
CREATE VIEW v_ticket AS SELECT * FROM t_ticket;
SELECT throws_ok($$SELECT ci.register_table('no_such_table', 'cust')$$, '42P01', NULL, 'unknown table: 42P01');
SELECT throws_ok($$SELECT ci.register_table('v_ticket', 'cust')$$, '42809', NULL, 'a view: 42809');
SELECT throws_ok($$SELECT ci.register_table('t_ticket', 'nope')$$, '42703', NULL, 'unknown customer column: 42703');
SELECT throws_ok($$SELECT ci.register_table('t_ticket', 'region')$$, '42804', NULL, 'a text customer column: 42804');
SELECT throws_ok($$SELECT ci.register_table('t_ticket', 'cust', time_column => 'nope')$$, '42703', NULL, 'unknown time column');
SELECT throws_ok($$SELECT ci.register_table('t_ticket', 'cust', time_column => 'region')$$, '42804', NULL, 'a text time column');
SELECT throws_ok($$SELECT ci.register_table('t_ticket', 'cust', 'household')$$, '22023', NULL, 'unknown customer kind');
SELECT throws_ok($$SELECT ci.register_table('t_ticket', 'cust', category => 'Bad Category')$$, '22023', NULL, 'invalid category');
SELECT throws_ok($$SELECT ci.register_table('t_ticket', 'cust', erasure_action => 'anonymise')$$, '22023', NULL,
                 'anonymise without columns');
SELECT throws_ok($$SELECT ci.register_table('t_ticket', 'cust', erasure_action => 'anonymise', erasure_columns => '{body}')$$,
                 '22023', NULL, 'anonymising a NOT NULL column is refused');
SELECT throws_ok($$SELECT ci.register_table(NULL, 'cust')$$, '22004', NULL, 'NULL table');
SELECT lives_ok($$SELECT ci.register_table('t_ticket', 'cust', time_column => 'closed_at', category => 'support',
                                           jurisdiction_column => 'region')$$, 'a good registration');

-- policies: bad input and overlap
SELECT throws_ok($$SELECT ci.create_retention_policy('1 year', table_name => 'v_ticket')$$, '55000', NULL, 'unregistered table');
SELECT throws_ok($$SELECT ci.create_retention_policy('1 year', category => 'nothing_here')$$, '22023', NULL, 'unknown category');
SELECT throws_ok($$SELECT ci.create_retention_policy('1 year', table_name => 't_ticket', jurisdiction => 'ATLANTIS')$$, '22023', NULL,
                 'unknown jurisdiction');
SELECT throws_ok($$SELECT ci.create_retention_policy('-1 day', table_name => 't_ticket')$$, '22023', NULL, 'negative window');
SELECT throws_ok($$SELECT ci.create_retention_policy('1 year', 'shred', table_name => 't_ticket')$$, '22023', NULL, 'unknown action');
SELECT throws_ok($$SELECT ci.create_retention_policy('1 year', 'anonymise', table_name => 't_ticket', anonymise_columns => '{nope}')$$,
                 '42703', NULL, 'anonymising an unknown column');
SELECT throws_ok($$SELECT ci.create_retention_policy('1 year', table_name => 't_ticket', category => 'support')$$, '22023', NULL,
                 'both a table and a category');
SELECT throws_ok($$SELECT ci.create_retention_policy('1 year', table_name => 'ci.identity_link')$$, '55000', NULL,
                 'links follow their source record: no policy of their own');
SELECT lives_ok($$SELECT ci.create_retention_policy('3 years', table_name => 't_ticket', jurisdiction => 'GDPR')$$, 'EU policy');
SELECT throws_ok($$SELECT ci.create_retention_policy('2 years', table_name => 't_ticket', jurisdiction => 'GDPR')$$, '23505', NULL,
                 'a second policy for the same table and jurisdiction is refused');
SELECT lives_ok($$SELECT ci.create_retention_policy('5 years', category => 'support')$$, 'a category default');
SELECT throws_ok($$SELECT ci.create_retention_policy('6 years', category => 'support')$$, '23505', NULL,
                 'a second category default is refused');
SELECT is((SELECT keep_for FROM ci.retention_effective_policy WHERE table_name = 't_ticket'::regclass AND jurisdiction = 'GDPR'),
          '3 years'::interval, 'table and jurisdiction beat category');
SELECT is((SELECT keep_for FROM ci.retention_effective_policy WHERE table_name = 't_ticket'::regclass AND jurisdiction IS NULL),
          '5 years'::interval, 'the category default governs other jurisdictions');
SELECT throws_ok($$SELECT ci.alter_retention_policy(999, '1 year')$$, 'P0002', NULL, 'altering an unknown policy');
SELECT is(ci.drop_retention_policy(999), false, 'dropping an unknown policy: false');
SELECT throws_ok($$SELECT ci.unregister_table('t_ticket')$$, '2BP01', NULL, 'a table with policies cannot be unregistered');

-- holds
INSERT INTO ci.identity (identity_id) OVERRIDING SYSTEM VALUE VALUES (1), (2);
SELECT throws_ok($$SELECT ci.place_legal_hold('', identity_id => 1)$$, '22004', NULL, 'a hold needs a reason');
SELECT throws_ok($$SELECT ci.place_legal_hold('x', identity_id => 1, record_id => 1)$$, '22023', NULL, 'one scope per hold');
SELECT throws_ok($$SELECT ci.place_legal_hold('x', identity_id => 999)$$, 'P0002', NULL, 'unknown identity');
SELECT throws_ok($$SELECT ci.place_legal_hold('x', table_name => 't_ticket', predicate => 'nope = 1')$$, '42601', NULL,
                 'a predicate naming an unknown column');
SELECT throws_ok($$SELECT ci.place_legal_hold('x', table_name => 't_ticket', predicate => 'true; DROP TABLE t_ticket')$$, '42601', NULL,
                 'a predicate with a second statement');
SELECT throws_ok($$SELECT ci.place_legal_hold('x', identity_id => 1, held_until => now() - interval '1 day')$$, '22023', NULL,
                 'a hold ending in the past');
-- a policy shorter than a hold: allowed, the hold wins, and the DBA is told
SELECT ci.place_legal_hold('litigation', table_name => 't_ticket', held_until => now() + interval '10 years');
SELECT lives_ok($$SELECT ci.alter_retention_policy((SELECT policy_id FROM ci.retention_policy WHERE jurisdiction = 'GDPR'), '1 year')$$,
                'a policy shorter than an active hold is accepted (with a NOTICE): the hold wins');
SELECT is((SELECT held FROM ci.retention_dry_run() WHERE table_name = 't_ticket'::regclass AND jurisdiction = 'GDPR'), 0::bigint,
          'nothing expired yet, nothing held');
INSERT INTO t_ticket (id, cust, region, closed_at) VALUES (1, 1, 'GDPR', now() - interval '2 years');
SELECT is((SELECT held FROM ci.retention_dry_run() WHERE table_name = 't_ticket'::regclass AND jurisdiction = 'GDPR'), 1::bigint,
          'a row past a policy shorter than the hold is reported held');

-- erasure and access: bad input
SELECT throws_ok($$SELECT ci.request_erasure(999)$$, 'P0002', NULL, 'erasure of an unknown customer');
SELECT throws_ok($$SELECT ci.request_erasure(1, 'ATLANTIS')$$, '22023', NULL, 'erasure in an unknown jurisdiction');
SELECT throws_ok($$SELECT ci.process_erasure(999)$$, 'P0002', NULL, 'processing an unknown request');
SELECT throws_ok($$SELECT ci.reject_privacy_request('deletion', 1, 'x')$$, '22023', NULL, 'unknown request kind');
-- a customer under a hold: the request stays held, the rows stay
SELECT is(ci.process_erasure(ci.request_erasure(1, 'GDPR')), 'held', 'erasure of a customer whose rows a hold covers: held');
SELECT is((SELECT count(*)::int FROM t_ticket WHERE cust = 1), 1, 'the held row stays');

SELECT * FROM finish();
ROLLBACK;
