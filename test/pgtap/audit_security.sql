-- The audit trail's security contract: who may read, write, seal, redact;
-- the append-only guard; PII never in clear; tampering detected; a
-- rolled-back change leaves no row; the API's errors and their SQLSTATEs.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(40);

CREATE ROLE tap_audit_owner;
CREATE ROLE tap_audit_reader;
CREATE ROLE tap_audit_steward;
CREATE ROLE tap_audit_admin;
SELECT count(*) FROM ci.grant_role('tap_audit_owner', 'application');  -- ci.audit is for writers
SELECT count(*) FROM ci.grant_role('tap_audit_reader', 'reader');
SELECT count(*) FROM ci.grant_role('tap_audit_steward', 'steward');
SELECT count(*) FROM ci.grant_role('tap_audit_admin', 'admin');
GRANT USAGE ON SCHEMA ci TO tap_audit_owner;
CREATE SCHEMA tap_audit AUTHORIZATION tap_audit_owner;

-- An ordinary role audits its own table; its rows are logged although it has
-- no privilege on the log.
SET ROLE tap_audit_owner;
CREATE TABLE tap_audit.person (id int PRIMARY KEY, name text, email text, ssn text);
GRANT USAGE ON SCHEMA tap_audit TO PUBLIC;
SELECT lives_ok($$SELECT ci.audit('tap_audit.person', pii_columns => ARRAY['email', 'ssn'])$$,
                'a table owner may audit its table');
INSERT INTO tap_audit.person VALUES (1, 'Ann', 'ann@example.org', '078-05-1120'),
                                    (2, 'Bob', 'bob@example.org', '219-09-9999');
UPDATE tap_audit.person SET email = 'ann@example.net' WHERE id = 1;
DELETE FROM tap_audit.person WHERE id = 2;
SELECT throws_ok($$SELECT count(*) FROM ci.audit_log$$, '42501', NULL, 'the table owner cannot read the log');
SELECT throws_ok($$UPDATE ci.audit_log SET actor = 'x'$$, '42501', NULL, 'the table owner cannot update the log');
SELECT throws_ok($$DELETE FROM ci.audit_log$$, '42501', NULL, 'the table owner cannot delete from the log');
SELECT throws_ok($$TRUNCATE ci.audit_log$$, '42501', NULL, 'the table owner cannot truncate the log');
SELECT throws_ok($$INSERT INTO ci.audit_log (txid, stmt_time, operation, actor, session_actor)
                   VALUES ('1', now(), 'INSERT', 'x', 'x')$$, '42501', NULL, 'the table owner cannot forge a row');
SELECT throws_ok($$SELECT ci.audit_seal()$$, '42501', NULL, 'the table owner cannot seal');
SELECT throws_ok($$SELECT * FROM ci.audit_key$$, '42501', NULL, 'the table owner cannot read the HMAC key');
SELECT throws_ok($$SELECT ci.audit_mask('tap_audit.person', 'email', 'ann@example.org')$$, '42501', NULL,
                 'the table owner cannot test guesses against masked values');
-- A rolled-back change leaves no audit row; a committed one always does.
SAVEPOINT before_change;
INSERT INTO tap_audit.person VALUES (3, 'Cat', NULL, NULL);
ROLLBACK TO SAVEPOINT before_change;
SELECT throws_ok($$INSERT INTO tap_audit.person VALUES (1, 'dup', NULL, NULL)$$, '23505', NULL,
                 'a failing statement ...');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM ci.audit_log WHERE relid = 'tap_audit.person'::regclass), 4,
          '... and a rolled-back savepoint leave no row; the four changes that happened are logged');
SELECT is((SELECT array_agg(operation ORDER BY id) FROM ci.audit_log WHERE relid = 'tap_audit.person'::regclass),
          ARRAY['INSERT', 'INSERT', 'UPDATE', 'DELETE'], 'in order');
SELECT is((SELECT count(DISTINCT actor)::int FROM ci.audit_log WHERE relid = 'tap_audit.person'::regclass
           AND actor = 'tap_audit_owner'), 1, 'the actor is the role that made the change');

-- Readers (BI) do not see the log; stewards do, with PII only as HMACs.
SET ROLE tap_audit_reader;
SELECT throws_ok($$SELECT count(*) FROM ci.audit_log$$, '42501', NULL, 'a reader cannot read the log');
SELECT throws_ok($$SELECT * FROM ci.audit_history('tap_audit.person', '1')$$, '42501', NULL,
                 'nor through the reviewer functions');
RESET ROLE;
SET ROLE tap_audit_steward;
SELECT is((SELECT count(*)::int FROM ci.audit_log WHERE relid = 'tap_audit.person'::regclass), 4,
          'a steward reads the log');
SELECT is((SELECT count(*)::int FROM ci.audit_log
           WHERE relid = 'tap_audit.person'::regclass
             AND (coalesce(old::text, '') || coalesce(new::text, '')) ~ '(example\.(org|net)|078-05|219-09)'),
          0, 'no PII value appears in clear');
SELECT is((SELECT count(*)::int FROM ci.audit_log
           WHERE relid = 'tap_audit.person'::regclass AND new->>'email' ~ '^hmac-sha256:[0-9a-f]{64}$'), 3,
          'PII columns hold HMAC-SHA-256 values');
SELECT isnt((SELECT old->>'email' FROM ci.audit_log WHERE relid = 'tap_audit.person'::regclass AND operation = 'UPDATE'),
            (SELECT new->>'email' FROM ci.audit_log WHERE relid = 'tap_audit.person'::regclass AND operation = 'UPDATE'),
            '"did it change" is answerable from the masks');
SELECT is((SELECT new->>'name' FROM ci.audit_log WHERE relid = 'tap_audit.person'::regclass AND operation = 'INSERT'
           AND record_pk = '{"id": 2}'), 'Bob', 'other columns are in clear');
SELECT throws_ok($$SELECT * FROM ci.audit_key$$, '42501', NULL, 'a steward cannot read the HMAC key');
SELECT throws_ok($$UPDATE ci.audit_log SET actor = 'x'$$, '42501', NULL, 'a steward cannot update the log');
SELECT throws_ok($$SELECT ci.audit_seal()$$, '42501', NULL, 'a steward cannot seal');
SELECT throws_ok($$SELECT ci.audit_redact('tap_audit.person', 'x', '1')$$, '42501', NULL, 'a steward cannot redact');
SELECT is((SELECT count(*)::int FROM ci.audit_history('tap_audit.person', '1')), 2,
          'the history of one record');
RESET ROLE;

-- Admins run the maintenance, but even they cannot change rows by hand.
SET ROLE tap_audit_admin;
SELECT throws_ok($$UPDATE ci.audit_log SET actor = 'x'$$, '42501', 'ci.audit_log is append-only',
                 'an admin cannot update the log directly');
SELECT throws_ok($$DELETE FROM ci.audit_log$$, '42501', 'ci.audit_log is append-only',
                 'an admin cannot delete from the log directly');
SELECT throws_ok($$DELETE FROM ci.audit_seal$$, '42501', 'ci.audit_seal is append-only',
                 'an admin cannot delete seals directly');
SELECT throws_ok($$UPDATE ci.audit_chain SET head_id = 0$$, '42501', 'ci.audit_chain is append-only',
                 'an admin cannot move the chain head');
SELECT is(ci.audit_seal(), 0::bigint,
          'an admin may seal, but rows of a transaction still running are never sealed');
SELECT is(ci.audit_redact('tap_audit.person', 'erasure request', '1'), 2::bigint, 'an admin redacts one record');
SELECT is((SELECT count(*)::int FROM ci.audit_log WHERE relid = 'tap_audit.person'::regclass
           AND record_pk = '{"id": 1}' AND operation <> 'REDACT' AND redacted_hash IS NULL), 0,
          'every change row of the record is redacted');
SELECT is((SELECT new FROM ci.audit_log WHERE relid = 'tap_audit.person'::regclass AND operation = 'REDACT'),
          '{"reason": "erasure request"}'::jsonb, 'the redaction is itself logged');
RESET ROLE;

-- The superuser is bound by the guard too; disabling it is caught by verification.
SELECT throws_ok($$TRUNCATE ci.audit_log$$, '42501', 'ci.audit_log is append-only', 'a superuser cannot truncate the log');
SELECT throws_ok($$UPDATE ci.audit_log SET actor = 'x'$$, '42501', 'ci.audit_log is append-only', 'nor update it');
SELECT throws_ok($$DELETE FROM ci.audit_seal$$, '42501', 'ci.audit_seal is append-only', 'nor delete seals');

-- Errors.
SELECT throws_ok($$SELECT ci.audit_guard()$$, '39P01', NULL, 'the guard is a trigger');
SELECT throws_ok($$SELECT ci.audit('pg_class')$$, '42501', NULL, 'only a table''s owner may audit it');
CREATE TABLE tap_audit.nopk (a int);
SELECT throws_ok($$SELECT ci.audit('tap_audit.nopk')$$, '55000', NULL, 'a table without a primary key needs key_columns');
SELECT throws_ok($$SELECT ci.audit('tap_audit.nopk', pii_columns => ARRAY['b'])$$, '42703', NULL, 'unknown column');

SELECT * FROM finish();
ROLLBACK;
