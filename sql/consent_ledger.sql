-- Consent: the ledger, the state kept from it, the conflict rule, identity
-- resolution (merge, record move, unmerge), suppression, jurisdictions and
-- the state as of a past time.
SET TimeZone = 'UTC';
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
-- Tests share one database: start from empty canonical tables (the ledger
-- is append-only even for its owner; a test resets it with the guard off).
TRUNCATE ci.source_record, ci.identity, ci.identity_link, ci.identity_event RESTART IDENTITY CASCADE;
ALTER TABLE ci.consent_event DISABLE TRIGGER consent_event_no_truncate;
ALTER TABLE ci.suppression DISABLE TRIGGER suppression_no_truncate;
TRUNCATE ci.consent_event, ci.suppression, ci.consent_jurisdiction_override RESTART IDENTITY;
TRUNCATE ci.consent_state, ci.consent_subject;   -- derived from the above
ALTER TABLE ci.consent_event ENABLE TRIGGER consent_event_no_truncate;
ALTER TABLE ci.suppression ENABLE TRIGGER suppression_no_truncate;

-- Four people: Ann (US, two records not yet merged), Bea (DE), Cy (BR).
INSERT INTO ci.source_record (record_id, source, source_key, given_name, email, phone, country) VALUES
  (1, 'crm', 'c1', 'Ann', 'Ann@Example.com', '+1 415 555 2671', 'US'),
  (2, 'web', 'w1', 'Ann', 'ann.other@example.com', NULL, 'US'),
  (3, 'crm', 'c2', 'Bea', 'bea@example.de', NULL, 'DE'),
  (4, 'pos', 'p1', 'Cy', NULL, '+55 11 91234 5678', 'BR');
INSERT INTO ci.identity (identity_id) SELECT generate_series(1, 4);
INSERT INTO ci.identity_link (record_id, identity_id, rule) VALUES (1, 1, 't'), (2, 2, 't'), (3, 3, 't'), (4, 4, 't');
-- New identities without any consent fact are computed by ci.refresh_consent()
-- (a first resolution run leaves them to it); until then the strictest
-- jurisdiction, DEFAULT, answers for them.
SELECT identity_id FROM ci.consent_subject;
SELECT ci.consent_allows(1, 'marketing') AS before_refresh;
SELECT ci.refresh_consent() AS computed;
SELECT ci.refresh_consent() AS computed_again;

-- Linking records gives every identity a jurisdiction from its countries.
SELECT identity_id, jurisdiction, countries FROM ci.consent_subject ORDER BY 1;

-- With no decision, the jurisdiction default decides: marketing is opt-out
-- in the US (CCPA), opt-in under GDPR and LGPD; analytics needs a notice.
SELECT i AS identity_id, ci.consent_allows(i, 'marketing') AS marketing, ci.consent_allows(i, 'analytics') AS analytics
  FROM generate_series(1, 4) i;

-- Recording decisions: by identity or by source record.
SELECT ci.record_consent('marketing', 'granted', record_id => 3, mechanism => 'double_opt_in',
                         source => 'web', notice_version => 'privacy-2024-03', proof_ref => 'doi:abc',
                         decided_at => '2024-03-01') AS event;
SELECT ci.record_consent('marketing', 'withdrawn', identity_id => 1, mechanism => 'gpc',
                         decided_at => '2024-05-01') AS event;
SELECT identity_id, purpose, channel, decision, decided_at, event_id FROM ci.consent_state ORDER BY 1, 2, 3;
SELECT ci.consent_allows(1, 'marketing') AS ann, ci.consent_allows(3, 'marketing') AS bea;

-- The ledger is append-only, even for its owner.
UPDATE ci.consent_event SET decision = 'granted' WHERE event_id = 2;
DELETE FROM ci.consent_event;
TRUNCATE ci.consent_event;

-- Merge: Ann's second identity granted marketing earlier; the later
-- withdrawal wins ("latest decision per purpose and channel wins").
SELECT ci.record_consent('marketing', 'granted', record_id => 2, mechanism => 'checkbox', decided_at => '2024-01-15') AS event;
SELECT ci.consent_allows(2, 'marketing') AS ann_second_before_merge;
UPDATE ci.identity_link SET identity_id = 1 WHERE identity_id = 2;
UPDATE ci.identity SET retired_at = now(), merged_into = 1 WHERE identity_id = 2;
SELECT identity_id, purpose, decision, decided_at FROM ci.consent_state WHERE identity_id IN (1, 2) ORDER BY 1;
SELECT ci.consent_allows(1, 'marketing') AS ann_after_merge;

-- A tie in time: a withdrawal beats a grant given at the same moment.
SELECT ci.record_consent('profiling', 'granted', identity_id => 4, decided_at => '2024-06-01 12:00') AS event;
SELECT ci.record_consent('profiling', 'withdrawn', identity_id => 4, decided_at => '2024-06-01 12:00') AS event;
SELECT ci.record_consent('profiling', 'granted', identity_id => 4, decided_at => '2024-06-01 12:00') AS event;
SELECT decision FROM ci.consent_state WHERE identity_id = 4 AND purpose = 'profiling';

-- Identity-level events follow merges: an event recorded for the retired id 2 lands on 1.
SELECT ci.record_consent('personalization', 'granted', identity_id => 2, decided_at => '2024-07-01') AS event;
SELECT identity_id, purpose, decision FROM ci.consent_state WHERE purpose = 'personalization';

-- A record moves (unmerge): record 2's own consent leaves with it.
INSERT INTO ci.identity (identity_id) VALUES (5);
UPDATE ci.identity_link SET identity_id = 5 WHERE record_id = 2;
SELECT identity_id, purpose, decision, decided_at FROM ci.consent_state WHERE identity_id IN (1, 5) AND purpose = 'marketing' ORDER BY 1;

-- Channels: a channel decision applies when that channel is asked for; a
-- later decision for all channels overrides older channel decisions.
SELECT ci.record_consent('marketing', 'granted', identity_id => 3, channel => 'sms', decided_at => '2024-04-01') AS event;
SELECT ci.consent_allows(3, 'marketing', 'sms') AS sms, ci.consent_allows(3, 'marketing', 'email') AS email;
SELECT ci.record_consent('marketing', 'withdrawn', identity_id => 3, channel => 'email', decided_at => '2024-04-02') AS event;
SELECT ci.consent_allows(3, 'marketing', 'sms') AS sms, ci.consent_allows(3, 'marketing', 'email') AS email,
       ci.consent_allows(3, 'marketing', 'all') AS any_channel;
SELECT ci.record_consent('marketing', 'withdrawn', identity_id => 3, decided_at => '2024-04-03') AS event;
SELECT ci.consent_allows(3, 'marketing', 'sms') AS sms;

-- An expiring grant lapses by itself: the default applies again, not an older decision.
SELECT ci.record_consent('analytics', 'granted', identity_id => 3, decided_at => '2024-01-01',
                         valid_until => '2024-02-01') AS event;
SELECT ci.consent_allows(3, 'analytics') AS lapsed_to_notice_default;
SELECT ci.record_consent('third_party_sharing', 'granted', identity_id => 3, decided_at => '2024-01-01',
                         valid_until => now() + interval '1 year') AS event;
SELECT ci.consent_allows(3, 'third_party_sharing') AS in_force;

-- Suppression by contact point: kept only as an HMAC; a new record with the
-- same address (written differently) on a new identity is suppressed too.
SELECT ci.suppress('hard_bounce', email => 'ANN@example.com') > 0 AS suppressed;
SELECT contact_kind, length(contact_hash) AS hash_bytes, reason, channel FROM ci.suppression;
SELECT identity_id, suppressed_channels FROM ci.consent_subject WHERE suppressed_channels <> '{}' ORDER BY 1;
SELECT ci.consent_allows(1, 'marketing', 'email') AS email, ci.consent_allows(1, 'analytics', 'email') AS analytics_not_contact;
INSERT INTO ci.source_record (record_id, source, source_key, given_name, email, country) VALUES (6, 'support', 's1', 'Ann', 'ann@EXAMPLE.com', 'US');
INSERT INTO ci.identity (identity_id) VALUES (6);
INSERT INTO ci.identity_link (record_id, identity_id, rule) VALUES (6, 6, 't');
SELECT identity_id, suppressed_channels FROM ci.consent_subject WHERE identity_id = 6;
SELECT ci.consent_allows(6, 'marketing', 'email') AS new_identity_email, ci.consent_allows(6, 'marketing', 'sms') AS new_identity_sms;

-- SMS STOP by phone (E.164 from the record's country), erasure by identity.
SELECT ci.suppress('sms_stop', phone => '+55 11 91234-5678') > 0 AS suppressed;
SELECT ci.consent_allows(4, 'marketing', 'sms') AS cy_sms;
SELECT ci.suppress('erased', identity_id => 5) > 0 AS erased;
SELECT identity_id, blocked_reason FROM ci.consent_subject WHERE blocked_reason IS NOT NULL;
SELECT ci.consent_allows(5, 'analytics') AS erased_analytics;

-- Lifting: recorded, and the state follows; an erasure cannot be lifted.
SELECT ci.lift_suppression(1, 'address fixed by the customer') AS lifted;
SELECT ci.lift_suppression(1, 'again') AS lifted_twice;
SELECT ci.lift_suppression((SELECT suppression_id FROM ci.suppression WHERE reason = 'erased'), 'no') AS erased_lifted;
SELECT identity_id, suppressed_channels FROM ci.consent_subject WHERE identity_id IN (1, 6) ORDER BY 1;

-- Jurisdiction: the strictest of the records' countries, or an override.
UPDATE ci.source_record SET country = 'FR' WHERE record_id = 6;
SELECT identity_id, jurisdiction, countries FROM ci.consent_subject WHERE identity_id = 6;
SELECT ci.set_consent_jurisdiction(6, 'CCPA', 'customer lives in California');
SELECT identity_id, jurisdiction FROM ci.consent_subject WHERE identity_id = 6;
SELECT ci.set_consent_jurisdiction(6, NULL);
SELECT identity_id, jurisdiction FROM ci.consent_subject WHERE identity_id = 6;
-- A new default row changes the answer at once (read at every statement).
UPDATE ci.consent_default SET absent = 'allowed' WHERE jurisdiction = 'GDPR' AND purpose = 'personalization';
SELECT ci.consent_allows(6, 'personalization') AS after_default_change;
UPDATE ci.consent_default SET absent = 'denied' WHERE jurisdiction = 'GDPR' AND purpose = 'personalization';

-- The state as of a past time: what the ledger said then.
-- As the ledger stood when event 9 was recorded: the sms grant and the
-- e-mail withdrawal, not yet the withdrawal for all channels (event 10).
SELECT identity_id, purpose, channel, decision, in_force, event_id
  FROM ci.consent_state_at((SELECT recorded_at FROM ci.consent_event WHERE event_id = 9), 3) ORDER BY 2, 3;
SELECT identity_id, purpose, channel, decision, event_id
  FROM ci.consent_state_at(now(), 3) WHERE purpose = 'marketing' ORDER BY 2, 3;

-- Bad input: clear errors with SQLSTATEs.
\set VERBOSITY default
SELECT ci.record_consent('spam', 'granted', identity_id => 1);
SELECT ci.record_consent('marketing', 'granted', identity_id => 1, channel => 'fax');
SELECT ci.record_consent('marketing', 'granted', identity_id => 1, jurisdiction => 'MARS');
SELECT ci.record_consent('marketing', 'maybe', identity_id => 1);
SELECT ci.record_consent('marketing', 'granted');
SELECT ci.record_consent('marketing', 'granted', identity_id => 999);
SELECT ci.record_consent('marketing', 'withdrawn', identity_id => 1, valid_until => '2030-01-01');
\set VERBOSITY terse
SELECT ci.record_consent('marketing', 'granted', identity_id => 1, decided_at => now() + interval '1 day');
\set VERBOSITY default
SELECT ci.suppress('bored', identity_id => 1);
SELECT ci.suppress('hard_bounce', email => 'not an address');
SELECT ci.consent_allows(1, 'spam');
SELECT ci.consent_allows(1, 'marketing', 'fax');
\set VERBOSITY terse
