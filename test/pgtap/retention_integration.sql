-- Erasure across capabilities: the consent suppression list, the consent
-- ledger (ci.erase_consent) and the audit trail (redaction, and the
-- certificate as an audit event through ci.audit_event).  All three
-- capabilities ship in the extension, so every check runs.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(24);

TRUNCATE ci.source_record, ci.identity, ci.identity_link, ci.identity_event, ci.golden_profile,
         ci.legal_hold, ci.erasure_certificate, ci.erasure_request, ci.retention_policy RESTART IDENTITY CASCADE;
DELETE FROM ci.retention_table WHERE NOT shipped;

INSERT INTO ci.source_record (record_id, source, source_key, given_name, email, phone, country) OVERRIDING SYSTEM VALUE
VALUES (1, 'crm', 'k1', 'Ada', 'ada@example.com', '+44 20 7946 0001', 'GB');
INSERT INTO ci.identity (identity_id) OVERRIDING SYSTEM VALUE VALUES (1);
INSERT INTO ci.identity_link (record_id, identity_id, rule) VALUES (1, 1, 'seed');
CREATE TABLE shop_order (order_id bigint PRIMARY KEY, identity_id bigint, address text);
SELECT ci.register_table('shop_order', 'identity_id');
INSERT INTO shop_order VALUES (7, 1, '1 Analytical St');

-- consent: a decision on the identity and one on the record, with proof references
SELECT ci.record_consent('marketing', 'granted', identity_id => 1, proof_ref => 'form 1234 from 192.0.2.7',
                         decided_at => now() - interval '2 days') AS granted_id \gset
SELECT ci.record_consent('marketing', 'withdrawn', record_id => 1, channel => 'email', proof_ref => 'unsubscribe ada@example.com',
                         decided_at => now() - interval '1 day') AS withdrawn_id \gset
SELECT is((SELECT count(*)::int FROM ci.consent_state WHERE identity_id = 1), 2, 'before: the identity has consent state');

-- audit: the order table is audited before the erasure
SELECT lives_ok($q$SELECT ci.audit('shop_order', customer_column => 'identity_id')$q$, 'shop_order audited');
UPDATE shop_order SET address = '2 Analytical St' WHERE order_id = 7;

SELECT is(ci.process_erasure(ci.request_erasure(1, 'GDPR')), 'completed', 'the erasure completes');
SELECT is((SELECT count(*)::int FROM shop_order), 0, 'the order is gone');

-- consent: the contact points are on the suppression list, as hashes
SELECT is((SELECT certificate -> 'suppression' ->> 'status' FROM ci.erasure_certificate), 'done',
          'the certificate records the suppression');
SELECT ok((SELECT count(*) FROM ci.suppression WHERE reason = 'erased' AND contact_hash IS NOT NULL) = 2,
          'e-mail and phone are suppressed by hash');

-- consent: the ledger keeps only the legal proof
SELECT is((SELECT certificate -> 'consent' FROM ci.erasure_certificate), '{"status": "done", "rows": 2}'::jsonb,
          'the consent history was erased through ci.erase_consent: both events');
SELECT is((SELECT array_agg(ROW(purpose, channel, decision, legal_basis, erasure_ref)::text ORDER BY event_id)
             FROM ci.consent_event WHERE event_id IN (:granted_id, :withdrawn_id)),
          ARRAY['(marketing,all,granted,consent,"erasure request 1")', '(marketing,email,withdrawn,consent,"erasure request 1")'],
          'each event keeps its proof and the erasure request it answered');
SELECT is((SELECT count(*)::int FROM ci.consent_event
            WHERE event_id IN (:granted_id, :withdrawn_id)
              AND identity_id IS NULL AND record_id IS NULL AND proof_ref IS NULL AND erased_at IS NOT NULL), 2,
          'no event points at the person or keeps a proof reference any more');
SELECT is_empty($$SELECT 1 FROM ci.consent_state WHERE identity_id = 1$$, 'the consent state of the identity is gone');

-- audit: the payloads are redacted and the chain still verifies
SELECT ok((SELECT (certificate -> 'audit' ->> 'rows_redacted')::int > 0 FROM ci.erasure_certificate),
          'the audit rows of the order were redacted');
SELECT ok(NOT EXISTS (SELECT 1 FROM ci.audit_log WHERE table_name LIKE '%shop_order' AND operation <> 'REDACT'
                         AND coalesce(old::text, '') || coalesce(new::text, '') LIKE '%Analytical%'),
          'no audit payload still holds the address');

-- audit: the certificate is on the trail as an EVENT row (ci.audit_event)
SELECT is((SELECT count(*)::int FROM ci.audit_log WHERE operation = 'EVENT' AND new ->> 'event' = 'erasure'
              AND new -> 'details' = (SELECT certificate FROM ci.erasure_certificate)), 1,
          'the erasure certificate is logged as an audit event');
SELECT ok(NOT EXISTS (SELECT 1 FROM ci.audit_log WHERE operation = 'EVENT'
                         AND new::text ~ '(Ada|ada@example|7946|Analytical)'),
          'the audit event holds no personal data');
SELECT is(ci.retention_audit_hook('retention_run', '{"run_id": 0, "steps": []}'), true,
          'a retention run summary goes to the audit trail too');
SELECT is((SELECT new FROM ci.audit_log WHERE operation = 'EVENT' AND new ->> 'event' = 'retention_run'),
          '{"event": "retention_run", "details": {"run_id": 0, "steps": []}}'::jsonb, 'as an EVENT row');

-- a customer whose record a legal hold keeps: every contact point is
-- suppressed at once, the consent history stays (it is the proof for the
-- held data) until the pass that completes the request erases it
INSERT INTO ci.source_record (record_id, source, source_key, given_name, email, country) OVERRIDING SYSTEM VALUE
VALUES (2, 'crm', 'k2', 'Bob', 'bob@example.com', 'GB'), (3, 'web', 'w3', 'Bob', 'bobby@example.org', 'GB');
INSERT INTO ci.identity (identity_id) OVERRIDING SYSTEM VALUE VALUES (2);
INSERT INTO ci.identity_link (record_id, identity_id, rule) VALUES (2, 2, 'seed'), (3, 2, 'seed');
SELECT ci.record_consent('marketing', 'granted', identity_id => 2, proof_ref => 'form 99') AS bob_granted \gset
SELECT ci.place_legal_hold('chargeback dispute', record_id => 2) AS bob_hold \gset
SELECT ci.request_erasure(2, 'GDPR') AS bob_request \gset
SELECT is(ci.process_erasure(:bob_request), 'held', 'the held customer''s erasure is held');
SELECT is((SELECT certificate -> 'consent' FROM ci.erasure_certificate WHERE request_id = :bob_request),
          '{"status": "kept while held"}'::jsonb, 'the certificate says the consent history was kept while held');
SELECT is((SELECT identity_id FROM ci.consent_event WHERE event_id = :bob_granted), 2::bigint,
          'the consent event still names the customer while the hold lasts');
SELECT is((SELECT count(*)::int FROM ci.suppression
            WHERE reason = 'erased' AND note = format('erasure request %s', :bob_request)), 2,
          'both e-mail addresses are suppressed although their records are held');
SELECT is((SELECT count(*)::int FROM ci.source_record WHERE record_id IN (2, 3)), 2,
          'a hold on one record keeps the whole customer: both records stay');
SELECT ok(ci.release_legal_hold(:bob_hold, 'settled'), 'the hold is released');
SELECT is(ci.process_erasure(:bob_request), 'completed', 'the next pass completes the request');

SELECT is((SELECT certificate -> 'consent' ->> 'status' FROM ci.erasure_certificate WHERE request_id = :bob_request AND pass = 2),
          'done', 'and erases the consent history');
SELECT * FROM finish();
ROLLBACK;
