-- ci.erase_consent: the contract (NULL and empty arrays, unknown ids,
-- idempotence, what stays and what goes, the state, the guard, privileges).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(20);

TRUNCATE ci.source_record, ci.identity, ci.identity_link, ci.identity_event RESTART IDENTITY CASCADE;
INSERT INTO ci.source_record (record_id, source, source_key, given_name, email, country) OVERRIDING SYSTEM VALUE
VALUES (1, 'crm', 'e1', 'Ada', 'ada@example.com', 'GB'), (2, 'crm', 'e2', 'Bob', 'bob@example.com', 'GB');
INSERT INTO ci.identity (identity_id) OVERRIDING SYSTEM VALUE VALUES (1), (2);
INSERT INTO ci.identity_link (record_id, identity_id, rule) VALUES (1, 1, 'seed'), (2, 2, 'seed');
SELECT ci.record_consent('marketing', 'granted', identity_id => 1, proof_ref => 'form 1', source => 'web',
                         notice_version => 'v3', mechanism => 'checkbox', decided_at => now() - interval '3 days') AS e1 \gset
SELECT ci.record_consent('marketing', 'withdrawn', record_id => 1, channel => 'email', proof_ref => 'mail from ada',
                         decided_at => now() - interval '1 day') AS e2 \gset
SELECT ci.record_consent('marketing', 'granted', identity_id => 2, proof_ref => 'form 2',
                         decided_at => now() - interval '1 day') AS e3 \gset
SELECT ci.set_consent_jurisdiction(1, 'GDPR', 'lives in Paris');

-- arguments
SELECT throws_ok($$SELECT ci.erase_consent(ARRAY[1]::bigint[], NULL, NULL)$$, '22004', NULL, 'a reference is required');
SELECT throws_ok($$SELECT ci.erase_consent(ARRAY[1]::bigint[], NULL, '  ')$$, '22004', NULL, 'a blank reference is refused');
SELECT is(ci.erase_consent(NULL, NULL, 'req 0'), 0::bigint, 'NULL arrays: nothing to erase');
SELECT is(ci.erase_consent('{}', '{}', 'req 0'), 0::bigint, 'empty arrays: nothing to erase');
SELECT is(ci.erase_consent(ARRAY[999]::bigint[], ARRAY[999]::bigint[], 'req 0'), 0::bigint, 'unknown ids: nothing to erase');
SELECT is((SELECT count(*)::int FROM ci.consent_event WHERE erased_at IS NULL), 3, 'nothing was erased so far');

-- the erasure
SELECT is(ci.erase_consent(ARRAY[1]::bigint[], ARRAY[1]::bigint[], 'erasure request 5'), 2::bigint,
          'both events of the person are erased');
SELECT is((SELECT ROW(identity_id, record_id, proof_ref, purpose, channel, decision, legal_basis, source,
                      notice_version, mechanism, erasure_ref)::text
             FROM ci.consent_event WHERE event_id = :e1),
          '(,,,marketing,all,granted,consent,web,v3,checkbox,"erasure request 5")',
          'the proof stays, the pointers to the person and the proof reference go');
SELECT ok((SELECT erased_at IS NOT NULL AND decided_at < now() FROM ci.consent_event WHERE event_id = :e2),
          'the withdrawal keeps its time and is marked erased');
SELECT is_empty($$SELECT 1 FROM ci.consent_state WHERE identity_id = 1$$, 'the person''s consent state is recomputed: nothing left');
SELECT is((SELECT jurisdiction FROM ci.consent_subject WHERE identity_id = 1), 'GDPR',
          'the subject falls back to the records'' countries');
SELECT is_empty($$SELECT 1 FROM ci.consent_jurisdiction_override WHERE identity_id = 1$$, 'the override (and its reason) is gone');
SELECT is((SELECT ROW(identity_id, proof_ref, erased_at)::text FROM ci.consent_event WHERE event_id = :e3), '(2,"form 2",)',
          'another person''s event is untouched');
SELECT is((SELECT decision FROM ci.consent_state WHERE identity_id = 2 AND purpose = 'marketing'), 'granted',
          'and so is their state');
SELECT is(ci.erase_consent(ARRAY[1]::bigint[], ARRAY[1]::bigint[], 'erasure request 5'), 0::bigint, 'idempotent: 0 the second time');
SELECT is((SELECT erasure_ref FROM ci.consent_event WHERE event_id = :e1), 'erasure request 5', 'and the first reference stays');

-- the ledger stays append-only outside ci.erase_consent
SELECT throws_ok(format($$UPDATE ci.consent_event SET identity_id = NULL, proof_ref = NULL, erased_at = now(),
                          erasure_ref = 'x' WHERE event_id = %s$$, :e3), '42501', NULL,
                 'an erasure-shaped UPDATE without the function is refused, even to the owner');
SELECT set_config('ci_consent.erasure', 'x', true);
SELECT throws_ok(format($$UPDATE ci.consent_event SET identity_id = NULL, proof_ref = NULL, erased_at = now(), decision = 'denied',
                          erasure_ref = 'x' WHERE event_id = %s$$, :e3), '42501', NULL,
                 'an erasure may not change the decision');
SELECT set_config('ci_consent.erasure', '', true);

-- privileges: admins only
CREATE ROLE regress_ce_app;
CREATE ROLE regress_ce_admin;
SELECT ci.grant_role('regress_ce_app', 'steward') \g /dev/null
SELECT ci.grant_role('regress_ce_admin', 'admin') \g /dev/null
SELECT ok(NOT has_function_privilege('regress_ce_app', 'ci.erase_consent(bigint[], bigint[], text)', 'EXECUTE')
          AND NOT has_function_privilege('public', 'ci.erase_consent(bigint[], bigint[], text)', 'EXECUTE'),
          'stewards, applications and PUBLIC may not erase consent');
SET ROLE regress_ce_admin;
SELECT is(ci.erase_consent(ARRAY[2]::bigint[], NULL, 'erasure request 6'), 1::bigint, 'an admin may (it runs as the owner)');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
