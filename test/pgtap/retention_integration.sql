-- Erasure across capabilities: the consent suppression list, the consent
-- ledger and the audit trail.  Each group runs when its capability's API is
-- installed and is SKIPPED otherwise (retention calls them through
-- ci.erasure_suppress_contacts, ci.erasure_consent_history and
-- ci.erasure_redact_audit, which report 'not installed' in the
-- certificate until then).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(8);

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

-- runs a pgTAP test when a function of the other capability exists, else skips it
-- (the test is text: it may name tables that do not exist without it)
CREATE FUNCTION pg_temp.when_installed(fn text, test text, why text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    r text;
BEGIN
    IF to_regprocedure(fn) IS NULL THEN
        RETURN skip(why, 1);
    END IF;
    EXECUTE 'SELECT ' || test INTO r;
    RETURN r;
END $$;

-- audit: the order table is audited before the erasure
SELECT pg_temp.when_installed('ci.audit(regclass,text[],name[],name[],name[],name,name[],boolean)', $t$lives_ok($q$SELECT ci.audit('shop_order', customer_column => 'identity_id')$q$, 'shop_order audited')$t$,
       'audit capability not installed');
UPDATE shop_order SET address = '2 Analytical St' WHERE order_id = 7;

SELECT is(ci.process_erasure(ci.request_erasure(1, 'GDPR')), 'completed', 'the erasure completes');
SELECT is((SELECT count(*)::int FROM shop_order), 0, 'the order is gone');

-- consent: the contact points are on the suppression list, as hashes
SELECT pg_temp.when_installed('ci.suppress(text,bigint,text,text,text,text,text)', $t$is((SELECT certificate -> 'suppression' ->> 'status' FROM ci.erasure_certificate), 'done',
                    'the certificate records the suppression')$t$,
       'consent capability not installed');
SELECT pg_temp.when_installed('ci.suppress(text,bigint,text,text,text,text,text)', $t$ok((SELECT count(*) FROM ci.suppression WHERE reason = 'erased' AND contact_hash IS NOT NULL) = 2,
                    'e-mail and phone are suppressed by hash')$t$,
       'consent capability not installed');
-- consent: the ledger keeps only the legal proof
SELECT pg_temp.when_installed('ci.erase_consent(bigint[],bigint[],text)', $t$is((SELECT certificate -> 'consent' ->> 'status' FROM ci.erasure_certificate), 'done',
                    'the consent history was erased through consent''s API')$t$,
       'consent has no erasure API (ci.erase_consent) yet');
-- audit: the payloads are redacted and the chain still verifies
SELECT pg_temp.when_installed('ci.audit_redact_rows(regclass,uuid,text)', $t$ok((SELECT (certificate -> 'audit' ->> 'rows_redacted')::int > 0 FROM ci.erasure_certificate),
                    'the audit rows of the order were redacted')$t$,
       'audit capability not installed');
SELECT pg_temp.when_installed('ci.audit_redact_rows(regclass,uuid,text)', $t$ok(NOT EXISTS (SELECT 1 FROM ci.audit_log WHERE table_name LIKE '%shop_order' AND operation <> 'REDACT'
                                   AND coalesce(old::text, '') || coalesce(new::text, '') LIKE '%Analytical%'),
                    'no audit payload still holds the address')$t$,
       'audit capability not installed');

SELECT * FROM finish();
ROLLBACK;
