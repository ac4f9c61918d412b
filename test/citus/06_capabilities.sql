-- Consent, audit and retention on the distributed layout (after
-- 05_pipeline.sql left the cluster distributed).  Their tables stay plain
-- tables on the coordinator (doc/scaling.md, "Consent, audit and retention
-- on Citus"): this file checks that the row filter, an audited table, an
-- erasure and a retention purge work there once the canonical tables are
-- distributed, and that what cannot work is refused, not silently wrong.
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
SELECT plan(17);
SELECT ok(ci.scale_distributed(), 'the canonical tables are distributed (05_pipeline.sql ran)');
SELECT set_eq($$SELECT l.relation::text FROM ci.distribution_layout() l WHERE l.placement = 'coordinator'$$,
              $$SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'ci' AND c.relkind IN ('r', 'p')
                   AND c.relname ~ '^(consent|suppression|audit|retention|legal_hold|erasure|access|match_run|golden_stale)'$$,
              'every consent, audit and retention table is in the layout, placed on the coordinator');
SELECT is((SELECT count(*)::int FROM ci.distribution_plan() WHERE placement = 'coordinator' AND status <> 'local'), 0,
          'and ci.distribute() left them local');
SELECT is((SELECT count(*)::int FROM public.ct_visit WHERE seen_at < now() - interval '30 days'), 0,
          'a retention purge after ci.distribute() deleted the expired rows of a registered coordinator table');
SELECT is((SELECT count(*)::int FROM public.ct_visit), 300, 'and kept the others');

-- three customers of the distributed identities: A granted marketing,
-- B withdrew it (by one of its records), C never answered
SELECT min(identity_id) AS a FROM ci.identity_link WHERE identity_id IN
       (SELECT identity_id FROM ci.identity_link GROUP BY identity_id HAVING count(*) >= 2) \gset
SELECT min(identity_id) AS b FROM ci.identity_link WHERE identity_id > :a \gset
SELECT min(identity_id) AS c FROM ci.identity_link WHERE identity_id > :b \gset
SELECT min(record_id) AS b_record FROM ci.identity_link WHERE identity_id = :b \gset
SELECT ci.record_consent('marketing', 'granted', identity_id => :a, proof_ref => 'form 1') AS ev_a \gset
SELECT ci.record_consent('marketing', 'granted', identity_id => :b, decided_at => now() - interval '2 days') AS ev_b1 \gset
SELECT ci.record_consent('marketing', 'withdrawn', record_id => :b_record, decided_at => now() - interval '1 day') AS ev_b2 \gset
SELECT is((SELECT identity_id FROM ci.consent_event WHERE event_id = :ev_b2), :b::bigint,
          'a decision given by record is resolved to its identity through the distributed links');
SELECT is(ARRAY[ci.consent_allows(:a, 'marketing'), ci.consent_allows(:b, 'marketing'), ci.consent_allows(:c, 'marketing')],
          ARRAY[true, false, false], 'consent answers: A granted, B withdrew, C never answered');

-- the row filter on a coordinator table of orders
CREATE TABLE public.ct_order (order_id int PRIMARY KEY, identity_id bigint NOT NULL, amount numeric);
INSERT INTO public.ct_order VALUES (1, :a, 10), (2, :a, 20), (3, :b, 30), (4, :c, 40);
SELECT ci.protect('public.ct_order', 'identity_id', 'marketing');
CREATE ROLE ct_bi;
GRANT USAGE ON SCHEMA public TO ct_bi;
GRANT SELECT ON public.ct_order TO ct_bi;
SELECT count(*) FROM ci.grant_role('ct_bi', 'reader') \gset
SET LOCAL ROLE ct_bi;
SET LOCAL ci.purpose = 'marketing';
SELECT set_eq('SELECT order_id FROM public.ct_order', ARRAY[1, 2],
              'the row filter shows the rows of customers who consent (the answers of ci.consent_allows), as on one node');
RESET ci.purpose;
SELECT is_empty('SELECT 1 FROM public.ct_order', 'without a purpose the filter shows nothing');
RESET ROLE;

-- audit of the coordinator table
SELECT lives_ok($q$SELECT ci.audit('public.ct_order', customer_column => 'identity_id')$q$, 'a coordinator table is audited');
UPDATE public.ct_order SET amount = amount + 1 WHERE order_id = 3;
SELECT is((SELECT count(*)::int FROM ci.audit_log WHERE table_name = 'public.ct_order' AND operation = 'UPDATE'), 1,
          'its change is recorded in the coordinator''s audit log');
SELECT throws_ok($q$SELECT ci.audit('ci.golden_profile')$q$, '0A000', NULL,
                 'auditing a distributed table is refused (its shards would write the workers'' logs)');
SELECT throws_ok($q$SELECT ci.protect('ci.golden_profile', 'identity_id', 'marketing')$q$, '0A000', NULL,
                 'protecting a distributed table is refused (its shards cannot read the coordinator''s consent state)');

-- erasure of customer B: its distributed records, links and member copy,
-- its orders and its consent state
SELECT array_agg(record_id) AS b_records FROM ci.identity_link WHERE identity_id = :b \gset
SELECT is(ci.process_erasure(ci.request_erasure(:b, 'GDPR')), 'completed', 'an erasure after ci.distribute() completes');
SELECT is((SELECT count(*)::int FROM ci.source_record WHERE record_id = ANY (:'b_records'::bigint[]))
          + (SELECT count(*)::int FROM ci.identity_link WHERE record_id = ANY (:'b_records'::bigint[]))
          + (SELECT count(*)::int FROM ci.identity_member WHERE record_id = ANY (:'b_records'::bigint[]))
          + (SELECT count(*)::int FROM ci.source_record_key WHERE record_id = ANY (:'b_records'::bigint[])), 0,
          'the customer''s records, links, member copies and source keys are gone from the shards');
SELECT is((SELECT count(*)::int FROM public.ct_order WHERE identity_id = :b)
          + (SELECT count(*)::int FROM ci.consent_state WHERE identity_id = :b), 0,
          'its orders and consent state are gone');

SELECT * FROM finish();
ROLLBACK;
