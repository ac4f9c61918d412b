-- Consent and erasure on the identities the demo pipeline left, included
-- twice by 05_pipeline.sql after include/pipeline.sql (once on one node,
-- once on the distributed layout): every identity computed, decisions on a
-- record, on a live and on a merged identity, a withdrawal, a contact
-- suppression, an identity suppression lifted, a jurisdiction override, a
-- merge and an unmerge after them, an erasure.  Fixed decision times, so that both runs write the same rows.
-- :run names the copies of the results it leaves behind.
SELECT ci.refresh_consent() AS consent_refreshed \gset
SELECT min(identity_id) AS merged_identity FROM ci.identity WHERE merged_into IS NOT NULL \gset
SELECT ci.record_consent('marketing', 'granted', record_id => 20, channel => 'email',
                         decided_at => '2026-01-01 10:00+00') AS c1 \gset
SELECT ci.record_consent('marketing', 'granted', identity_id => :pin_identity, decided_at => '2026-01-02 10:00+00') AS c2 \gset
SELECT ci.record_consent('marketing', 'withdrawn', identity_id => :pin_identity, decided_at => '2026-02-01 10:00+00') AS c3 \gset
SELECT ci.record_consent('profiling', 'granted', identity_id => :merged_identity, decided_at => '2026-01-03 10:00+00',
                         valid_until => '2099-01-01 00:00+00') AS c4 \gset
SELECT ci.record_consent('analytics', 'denied', record_id => :unmerged_record, decided_at => '2026-01-04 10:00+00') AS c5 \gset
SELECT email AS supp_email FROM ci.source_record WHERE record_id = 30 \gset
SELECT ci.suppress('hard_bounce', email => :'supp_email') AS s1 \gset
SELECT ci.suppress('do_not_contact', identity_id => :big_identity) AS s2 \gset
SELECT ci.lift_suppression(:s2, 'asked again') AS lifted \gset
SELECT ci.suppress('sms_stop', identity_id => :merged_identity) AS s3 \gset
SELECT ci.set_consent_jurisdiction(:pin_identity, 'GDPR', 'lives in Berlin') AS j1 \gset
-- resolution after consent: a steward merge of record 30's identity (its
-- contact suppressed) into record 20's (a record-level grant), then record
-- 20 unmerged into an identity of its own (its grant goes with it); one
-- node follows by triggers, Citus by the member-copy writer
SELECT ci.decide_match(20, 30, 'link', 'same person') AS m1 \gset
SELECT ci.resolve_record(30) AS merged30 \gset
SELECT ci.unmerge_records(ARRAY[20::bigint], NULL, 'not the same person') AS unmerged20 \gset
-- an erasure of the customer of record 40 (in its own pass: it deletes the
-- records, links and identities on both sides)
SELECT identity_id AS erased_identity FROM ci.identity_link WHERE record_id = 40 \gset
SELECT ci.record_consent('marketing', 'granted', record_id => 40, decided_at => '2026-01-05 10:00+00') AS c6 \gset
SELECT ci.process_erasure(ci.request_erasure(:erased_identity, 'GDPR')) AS erasure_status \gset

\set t_consent_state public.ct_ :run _consent_state
CREATE TABLE :t_consent_state AS SELECT identity_id, purpose, channel, decision, decided_at, valid_from, valid_until, event_id
  FROM ci.consent_state;
\set t_consent_subject public.ct_ :run _consent_subject
CREATE TABLE :t_consent_subject AS SELECT identity_id, jurisdiction, countries, suppressed_channels, blocked_reason
  FROM ci.consent_subject;
\set t_consent_effective public.ct_ :run _consent_effective
CREATE TABLE :t_consent_effective AS SELECT * FROM ci.consent_effective;
\set t_consent_at public.ct_ :run _consent_at
CREATE TABLE :t_consent_at AS SELECT * FROM ci.consent_state_at('2026-06-01 00:00+00');
\set t_consent_ledger public.ct_ :run _consent_ledger
CREATE TABLE :t_consent_ledger AS SELECT event_id, identity_id, record_id, purpose, decision, erasure_ref FROM ci.consent_event;
\set t_erasure public.ct_ :run _erasure
CREATE TABLE :t_erasure AS
    SELECT status, erased_identity_ids, erased_record_ids, cardinality(contact_hashes) AS contacts FROM ci.erasure_request;
