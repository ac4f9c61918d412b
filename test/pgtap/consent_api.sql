-- The consent API contract: signatures, volatility, strictness, parallel
-- safety, definer rights, privileges and the shipped configuration.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(27);

SELECT has_function('ci', 'consent_check', ARRAY['bigint', 'text[]'], 'ci.consent_check(bigint, text[])');
SELECT has_function('ci', 'consent_allows', ARRAY['bigint', 'text', 'text'], 'ci.consent_allows(bigint, text, text)');
SELECT has_function('ci', 'protect', ARRAY['regclass', 'name', 'text[]'], 'ci.protect(regclass, name, VARIADIC text[])');
SELECT has_function('ci', 'unprotect', ARRAY['regclass'], 'ci.unprotect(regclass)');
SELECT has_function('ci', 'hmac_sha256', ARRAY['bytea', 'bytea'], 'ci.hmac_sha256(bytea, bytea)');
SELECT volatility_is('ci', 'consent_check', ARRAY['bigint', 'text[]'], 'stable', 'the row filter is STABLE: it reads tables');
SELECT volatility_is('ci', 'consent_allows', ARRAY['bigint', 'text', 'text'], 'stable', 'ci.consent_allows is STABLE');
SELECT is((SELECT proparallel FROM pg_proc WHERE oid = 'ci.consent_check(bigint, text[])'::regprocedure), 's',
          'the row filter is PARALLEL SAFE (each worker builds its own cache)');
SELECT is((SELECT proleakproof FROM pg_proc WHERE oid = 'ci.consent_check(bigint, text[])'::regprocedure), false,
          'the row filter is not LEAKPROOF (it raises errors)');
SELECT is((SELECT proisstrict FROM pg_proc WHERE oid = 'ci.consent_check(bigint, text[])'::regprocedure), false,
          'the row filter is not STRICT: a NULL customer is refused (false), not NULL');
SELECT volatility_is('ci', 'hmac_sha256', ARRAY['bytea', 'bytea'], 'immutable', 'ci.hmac_sha256 is IMMUTABLE');
SELECT is((SELECT array_agg(proname::text ORDER BY proname) FROM pg_proc
            WHERE pronamespace = 'ci'::regnamespace AND prosecdef
              AND proname IN ('record_consent', 'suppress', 'lift_suppression', 'set_consent_jurisdiction', 'contact_hash', 'consent_recompute')),
          ARRAY['consent_recompute', 'contact_hash', 'lift_suppression', 'record_consent', 'set_consent_jurisdiction', 'suppress'],
          'the ledger and suppression API are SECURITY DEFINER');
SELECT ok(NOT has_function_privilege('public', 'ci.record_consent(text, text, bigint, bigint, text, text, text, text, text, text, text, timestamptz, timestamptz, timestamptz)', 'EXECUTE'),
          'PUBLIC cannot record consent');
SELECT ok(NOT has_function_privilege('public', 'ci.contact_hash(text, text)', 'EXECUTE'), 'PUBLIC cannot compute contact hashes');
SELECT ok(has_function_privilege('public', 'ci.consent_check(bigint, text[])', 'EXECUTE') IS FALSE,
          'PUBLIC may not execute the row filter either: roles reading a protected table need it (ci.grant_role reader)');
SELECT is((SELECT count(*)::int FROM ci.role_privilege WHERE object_name IN ('ci.consent_event', 'ci.suppression', 'ci.consent_state', 'ci.consent_subject')
            AND privileges ~ 'INSERT|UPDATE|DELETE'), 0, 'no role kind writes the ledger, suppressions or state directly');
SELECT is((SELECT count(*)::int FROM ci.role_privilege WHERE object_name = 'ci.consent_secret'), 0, 'no role kind reads the HMAC key');
SELECT is((SELECT setting FROM pg_settings WHERE name = 'ci.purpose'), '', 'ci.purpose is empty by default');
SELECT is((SELECT enumvals FROM pg_settings WHERE name = 'ci.channel'), '{all,email,sms,push,phone,post}'::text[], 'ci.channel values');
SELECT is((SELECT count(*)::int FROM ci.consent_purpose p CROSS JOIN ci.consent_jurisdiction j
            WHERE NOT EXISTS (SELECT 1 FROM ci.consent_default d WHERE d.jurisdiction = j.jurisdiction AND d.purpose = p.purpose)),
          0, 'every shipped purpose has a default in every shipped jurisdiction');
SELECT is((SELECT absent FROM ci.consent_default WHERE jurisdiction = 'DEFAULT' AND purpose = 'marketing'), 'denied',
          'an unknown jurisdiction is opt-in for marketing');
SELECT is((SELECT array_agg(tgname::text ORDER BY tgname) FROM pg_trigger WHERE tgrelid = 'ci.consent_event'::regclass AND NOT tgisinternal),
          ARRAY['consent_event_append_only', 'consent_event_no_truncate'], 'the ledger has its append-only guards');

-- pg_dump and restore: every configuration row is dumped; a changed shipped row is the DBA's
UPDATE ci.consent_default SET absent = 'denied' WHERE jurisdiction = 'CCPA' AND purpose = 'profiling';
SELECT is((SELECT shipped FROM ci.consent_default WHERE jurisdiction = 'CCPA' AND purpose = 'profiling'), false,
          'a changed shipped row is no longer shipped (so its dumped copy wins on restore)');
INSERT INTO ci.consent_default (jurisdiction, purpose, absent, shipped) VALUES ('GDPR', 'analytics', 'denied', false);
SELECT is((SELECT absent || '/' || shipped FROM ci.consent_default WHERE jurisdiction = 'GDPR' AND purpose = 'analytics'), 'denied/false',
          'an INSERT of a still-shipped key (a restore after CREATE EXTENSION) overwrites it');
SELECT throws_ok($$INSERT INTO ci.consent_default (jurisdiction, purpose, absent) VALUES ('CCPA', 'profiling', 'allowed')$$,
                 '23505', NULL, 'an INSERT of a key the DBA changed is a duplicate');

-- suppressing or lifting a contact point no record has recomputes no one
-- (NULL ids would mean "everyone" to ci.consent_recompute: an erasure
-- suppresses after deleting the records, and took seconds per customer)
INSERT INTO ci.source_record (record_id, source, source_key, email, country) OVERRIDING SYSTEM VALUE
VALUES (90001, 'crm', 'api-1', 'kept@example.com', 'GB');
INSERT INTO ci.identity (identity_id) OVERRIDING SYSTEM VALUE VALUES (90001);
INSERT INTO ci.identity_link (record_id, identity_id, rule) VALUES (90001, 90001, 'seed');
SELECT ci.consent_recompute(ARRAY[90001::bigint]);
CREATE TEMP TABLE subject_before AS SELECT ctid::text AS x FROM ci.consent_subject WHERE identity_id = 90001;
SELECT ci.suppress(reason => 'spam_complaint', email => 'nobody@example.com') AS nobody \gset
SELECT ci.lift_suppression(:nobody, 'test');
SELECT is((SELECT ctid::text FROM ci.consent_subject WHERE identity_id = 90001), (SELECT x FROM subject_before),
          'suppressing and lifting an address no record has leaves other customers'' consent untouched');
SELECT isnt((SELECT x FROM subject_before), NULL, 'the customer had a computed consent subject');

SELECT * FROM finish();
ROLLBACK;
