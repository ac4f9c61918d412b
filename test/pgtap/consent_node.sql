-- The Citus parts of consent on one node: the copies the workers' row
-- filters read (ci.consent_node_*) stay empty and unused, their set-up
-- refuses without Citus, ci.protect needs no Citus, and the trigger that
-- follows a full run on Citus (ci.consent_follow_run on ci.match_run)
-- leaves one node's consent as its follow triggers made it.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(9);

TRUNCATE ci.source_record, ci.identity, ci.identity_link, ci.identity_event RESTART IDENTITY CASCADE;
INSERT INTO ci.source_record (record_id, source, source_key, given_name, email, country) OVERRIDING SYSTEM VALUE
VALUES (1, 'crm', 'n1', 'Ada', 'ada@example.com', 'GB'), (2, 'crm', 'n2', 'Bob', 'bob@example.com', 'US');
INSERT INTO ci.identity (identity_id) OVERRIDING SYSTEM VALUE VALUES (1), (2);
INSERT INTO ci.identity_link (record_id, identity_id, rule) VALUES (1, 1, 'seed'), (2, 2, 'seed');
SELECT ci.refresh_consent() AS refreshed \gset
SELECT ci.record_consent('marketing', 'granted', identity_id => 1, decided_at => now() - interval '1 day') AS e1 \gset

SELECT ok(NOT ci.consent_node_active(), 'without Citus the copies are not reference tables');
SELECT is((SELECT count(*)::int FROM ci.consent_node_state) + (SELECT count(*)::int FROM ci.consent_node_subject)
          + (SELECT count(*)::int FROM ci.consent_node_change), 0,
          'and they stay empty: recomputing consent writes only the coordinator''s tables');
SELECT is((SELECT count(*)::int FROM ci.consent_state), 1, 'while the state is written');
SELECT throws_ok('SELECT ci.consent_node_setup()', '55000', 'the consent copies are not reference tables',
                 'setting the copies up is refused without Citus');
SELECT lives_ok('SELECT ci.consent_node_copy(NULL)', 'copying is a no-op without Citus');
SELECT has_trigger('ci', 'match_run', 'consent_follow_run', 'a full run is followed by a trigger on ci.match_run');
SELECT is(ci.consent_allows(1, 'marketing'), true, 'the grant answers');
-- a full run on one node: the follow triggers did the work, the run's
-- trigger recomputes nothing (a recomputation would note a change)
SELECT coalesce(sum(bumps), 0) AS bumps0 FROM ci.consent_change \gset
INSERT INTO ci.match_run (model, started_at, summary) VALUES ('default', now(), '{}');
SELECT is((SELECT coalesce(sum(bumps), 0) FROM ci.consent_change), :bumps0::bigint,
          'a logged run recomputes nothing on one node (its follow triggers did)');
SELECT lives_ok($$SELECT ci.protect('ci.identity_event', 'identity_id', 'analytics')$$,
                'ci.protect needs no Citus: a plain table is protected as before');

SELECT * FROM finish();
ROLLBACK;
