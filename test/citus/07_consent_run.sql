-- Consent follows a full resolution run on Citus.  On one node the follow
-- triggers on links and identities recompute consent inside the run; on
-- Citus they are dropped, and the run's log row (ci.match_run, a
-- coordinator table) fires ci.consent_follow_run instead.  Here a full run
-- merges two identities that both carry consent (a record-level grant on
-- one, an identity-level withdrawal on the other): the survivor answers
-- with both, and the state is what a recomputation from scratch gives, on
-- the coordinator and in the copies the workers read.
\set QUIET 1
SET client_min_messages = error;
BEGIN;
-- two full runs and consent work in one transaction: one connection per
-- node (doc/scaling.md, "Full resolution in a transaction")
SET LOCAL citus.multi_shard_modify_mode = sequential;
SELECT identities FROM ci.resolve_identities('default', true) \gset
SELECT ci.refresh_consent() AS refreshed \gset
SELECT plan(9);
-- two single-record GDPR identities
SELECT s.identity_id AS ida, min(l.record_id) AS rec_a FROM ci.consent_subject s JOIN ci.identity_link l USING (identity_id)
 WHERE s.jurisdiction = 'GDPR' GROUP BY s.identity_id HAVING count(*) = 1 ORDER BY s.identity_id LIMIT 1 \gset
SELECT s.identity_id AS idb, min(l.record_id) AS rec_b FROM ci.consent_subject s JOIN ci.identity_link l USING (identity_id)
 WHERE s.jurisdiction = 'GDPR' AND s.identity_id > :ida GROUP BY s.identity_id HAVING count(*) = 1
 ORDER BY s.identity_id LIMIT 1 \gset
SELECT ci.record_consent('third_party_sharing', 'granted', record_id => :rec_b, decided_at => '2026-01-01 10:00+00') AS c1 \gset
SELECT ci.record_consent('analytics', 'withdrawn', identity_id => :ida, decided_at => '2026-01-01 10:00+00') AS c2 \gset
SELECT ok(NOT ci.consent_allows(:ida, 'third_party_sharing') AND ci.consent_allows(:idb, 'third_party_sharing')
          AND NOT ci.consent_allows(:ida, 'analytics') AND ci.consent_allows(:idb, 'analytics'),
          'before the run: the grant answers for one identity, the withdrawal for the other');
SELECT ci.decide_match(:rec_a, :rec_b, 'link', 'same person') AS decided \gset
SELECT identities AS identities2 FROM ci.resolve_identities('default', true) \gset
SELECT identity_id AS survivor FROM ci.identity_link WHERE record_id = :rec_a \gset
SELECT identity_id AS survivor_b FROM ci.identity_link WHERE record_id = :rec_b \gset
SELECT is(:survivor_b::bigint, :survivor::bigint, 'the full run merged the two records');
SELECT ok(ci.consent_allows(:survivor, 'third_party_sharing'), 'the record''s grant followed it into the survivor');
SELECT ok(NOT ci.consent_allows(:survivor, 'analytics'), 'the identity''s withdrawal followed the merge');
SELECT is_empty(format('SELECT 1 FROM ci.consent_subject WHERE identity_id IN (%s, %s) AND identity_id <> %s',
                       :ida, :idb, :survivor),
                'the retired identity keeps no consent state');

-- the state the run left is what a recomputation from scratch gives
CREATE TEMP TABLE cr_state AS SELECT * FROM ci.consent_state;
CREATE TEMP TABLE cr_subject AS SELECT identity_id, jurisdiction, countries, suppressed_channels, blocked_reason
  FROM ci.consent_subject;
SELECT set_eq('SELECT * FROM ci.consent_node_state', 'SELECT * FROM ci.consent_state',
              'the workers'' copy of the state follows the run');
SELECT ci.consent_recompute(NULL) AS recomputed \gset
SELECT set_eq('SELECT * FROM cr_state', 'SELECT * FROM ci.consent_state',
              'the decisions after the run are those of a full recomputation');
SELECT set_eq('SELECT * FROM cr_subject',
              'SELECT identity_id, jurisdiction, countries, suppressed_channels, blocked_reason FROM ci.consent_subject
                WHERE identity_id IN (SELECT identity_id FROM cr_subject)',
              'and so are the subjects (jurisdictions, suppressions) of the identities it computed');
SELECT is_empty('SELECT identity_id FROM cr_subject EXCEPT SELECT identity_id FROM ci.consent_subject',
                'none of them is one a recomputation drops (retired)');
SELECT * FROM finish();
ROLLBACK;
