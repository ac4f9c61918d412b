-- Consent, audit and retention on the distributed layout (after
-- 05_pipeline.sql left the cluster distributed).  Their tables stay plain
-- tables on the coordinator (doc/scaling.md, "Consent, audit and retention
-- on Citus"): this file checks that an audited table and a retention purge
-- of coordinator tables work once the canonical tables are distributed,
-- that consent and erasure work there, and that what cannot work
-- (auditing a distributed table) fails with an error, not silently wrong.
-- (The copies of consent's state that the workers' row filters read,
-- ci.consent_node_*, are reference tables: 07_protect.sql.)
\set QUIET 1
SET client_min_messages = error;
-- a retention purge commits per batch: it runs before the checks, on a
-- table of the coordinator registered for it
CREATE TABLE public.ct_visit (visit_id bigint PRIMARY KEY, identity_id bigint, seen_at timestamptz NOT NULL);
SELECT ci.register_table('public.ct_visit', 'identity_id', time_column => 'seen_at', category => 'web') AS registered \gset
SELECT ci.create_retention_policy('30 days', table_name => 'public.ct_visit') AS policy \gset
INSERT INTO public.ct_visit SELECT g, g % 50 + 1, now() - make_interval(days => g % 60) FROM generate_series(1, 600) g;
CALL ci.run_retention();

BEGIN;
-- identities first (05_pipeline.sql rolled its own back); full resolution
-- comes first in a transaction (doc/scaling.md)
SELECT identities FROM ci.resolve_identities('default', true) \gset
SELECT ci.build_golden_profiles() AS built \gset
SELECT plan(16);
SELECT ok(ci.scale_distributed(), 'the canonical tables are distributed (05_pipeline.sql ran)');
SELECT set_eq($$SELECT l.relation::text FROM ci.distribution_layout() l WHERE l.placement = 'coordinator'$$,
              $$SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'ci' AND c.relkind IN ('r', 'p')
                   AND c.relname ~ '^(consent|suppression|audit|retention|legal_hold|erasure|access|match_run|golden_stale)'
                   AND c.relname !~ '^consent_node_'$$,
              'every consent, audit and retention table is in the layout, placed on the coordinator');
SELECT is((SELECT count(*)::int FROM ci.distribution_plan() WHERE placement = 'coordinator' AND status <> 'local'), 0,
          'and ci.distribute() left them local');
SELECT is((SELECT count(*)::int FROM public.ct_visit WHERE seen_at < now() - interval '30 days'), 0,
          'a retention purge after ci.distribute() deleted the expired rows of a registered coordinator table');
SELECT is((SELECT count(*)::int FROM public.ct_visit), 300, 'and kept the others');

-- consent on Citus: its tables stay on the coordinator, its recomputation
-- reads the distributed identity tables apart (05_pipeline.sql compares
-- the state with one node); here, after a full run in the same transaction
SELECT min(identity_id) AS a FROM ci.identity_link \gset
SELECT lives_ok(format($q$SELECT ci.record_consent('marketing', 'granted', identity_id => %s)$q$, :a),
                'recording consent on the distributed layout works');
SELECT ok(ci.consent_allows(:a, 'marketing'), 'and the grant answers at once');
-- a record changed by direct DML and reported: its identity's consent follows
SELECT min(record_id) AS ra FROM ci.identity_link WHERE identity_id = :a \gset
UPDATE ci.source_record SET country = 'DE' WHERE record_id = :ra;
SELECT ci.source_records_changed(ARRAY[:ra]::bigint[]) AS reported \gset
SELECT ok((SELECT 'DE' = ANY (countries) AND jurisdiction = 'GDPR' FROM ci.consent_subject WHERE identity_id = :a),
          'ci.source_records_changed() recomputes the consent of the changed records'' identities (country, jurisdiction)');
CREATE TABLE public.ct_order (order_id int PRIMARY KEY, identity_id bigint NOT NULL, amount numeric);
INSERT INTO public.ct_order VALUES (1, :a, 10), (2, :a, 20), (3, :a + 1, 30);
-- audit of the coordinator table
SELECT lives_ok($q$SELECT ci.audit('public.ct_order', customer_column => 'identity_id')$q$, 'a coordinator table is audited');
UPDATE public.ct_order SET amount = amount + 1 WHERE order_id = 3;
SELECT is((SELECT count(*)::int FROM ci.audit_log WHERE table_name = 'public.ct_order' AND operation = 'UPDATE'), 1,
          'its change is recorded in the coordinator''s audit log');
SELECT throws_ok($q$SELECT ci.audit('ci.golden_profile')$q$, '0A000', NULL,
                 'auditing a distributed table is refused (its shards would write the workers'' logs)');
-- a Citus local table's changes happen in its shard (the coordinator's),
-- whose trigger would log them under the shard's name
CREATE TABLE public.ct_local (order_id bigint PRIMARY KEY, amount numeric);
SELECT citus_add_local_table_to_metadata('public.ct_local') \gset
SELECT throws_ok($q$SELECT ci.audit('public.ct_local')$q$, '0A000', NULL,
                 'auditing a Citus local table is refused (its shard would be logged, not the table)');
SELECT lives_ok($q$SELECT ci.protect('ci.golden_profile', 'identity_id', 'marketing')$q$,
                'protecting a distributed table works (its shards read the consent copies: 07_protect.sql)');

SELECT is(ci.process_erasure(ci.request_erasure(:a, 'GDPR')), 'completed',
          'an erasure on the distributed layout (records, identities, member copy, consent) completes');
SELECT is_empty(format('SELECT 1 FROM ci.identity_link WHERE identity_id = %s', :a), 'the customer''s records are gone');
SELECT ok(NOT ci.consent_allows(:a, 'marketing'), 'and the erased customer may not be contacted');

SELECT * FROM finish();
ROLLBACK;
