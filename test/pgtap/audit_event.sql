-- ci.audit_event: the contract (NULL, empty, malformed and huge input,
-- the row it writes, privileges).  Sealing of EVENT rows: sql/audit_event.sql.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(14);

SELECT throws_ok($$SELECT ci.audit_event(NULL, '{}')$$, '22004', NULL, 'a kind is required');
SELECT throws_ok($$SELECT ci.audit_event('', '{}')$$, '22023', NULL, 'an empty kind is refused');
SELECT throws_ok($$SELECT ci.audit_event('Run Summary', '{}')$$, '22023', NULL, 'a kind is lower-case letters, digits, _ and .');
SELECT throws_ok($$SELECT ci.audit_event('évènement', '{}')$$, '22023', NULL, 'a multibyte kind is refused');
SELECT throws_ok($$SELECT ci.audit_event(repeat('k', 64), '{}')$$, '22023', NULL, 'a kind is at most 63 characters');
SELECT throws_ok($$SELECT ci.audit_event('x', '[1, 2]')$$, '22023', NULL, 'details must be an object');
SELECT throws_ok($$SELECT ci.audit_event('x', '"text"')$$, '22023', NULL, 'a scalar is not details');
SELECT throws_ok($$SELECT ci.audit_event('x', jsonb_build_object('blob', repeat('a', 1100000)))$$, '54000', NULL,
                 'details over 1 MB are refused');

SELECT lives_ok($$SELECT ci.audit_event('retention.test', NULL)$$, 'NULL details: an empty object');
SELECT lives_ok($$SELECT ci.audit_event('retention.test', '{"run_id": 3, "n": [1, 2]}')$$, 'an event with details');
SELECT is((SELECT array_agg(new ORDER BY id) FROM ci.audit_log WHERE operation = 'EVENT' AND new ->> 'event' = 'retention.test'),
          ARRAY['{"event": "retention.test", "details": {}}', '{"event": "retention.test", "details": {"run_id": 3, "n": [1, 2]}}']::jsonb[],
          'each event is one EVENT row: kind and details in new');
SELECT is((SELECT count(*)::int FROM ci.audit_log WHERE operation = 'EVENT' AND new ->> 'event' = 'retention.test'
              AND relid IS NULL AND table_name IS NULL AND old IS NULL AND actor = current_user
              AND txid = pg_current_xact_id()::text::bigint), 2,
          'no table, the actor and the transaction are recorded like any row');

-- privileges: the log's maintenance (UPDATE on ci.audit_log: admins)
CREATE ROLE regress_ae_app;
CREATE ROLE regress_ae_admin;
SELECT ci.grant_role('regress_ae_app', 'steward') \g /dev/null
SELECT ci.grant_role('regress_ae_admin', 'admin') \g /dev/null
SET ROLE regress_ae_app;
SELECT throws_ok($$SELECT ci.audit_event('forged', '{}')$$, '42501', NULL, 'a steward cannot write the trail');
RESET ROLE;
SET ROLE regress_ae_admin;
SELECT lives_ok($$SELECT ci.audit_event('admin.note', '{}')$$, 'an admin can');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
