-- ci.protect on Citus tables: the consent row filter of a protected
-- distributed table (and of a reference table) runs on the workers, inside
-- the shard queries, reading the copies of the consent state that
-- ci.distribute() made reference tables (ci.consent_node_*).  The same
-- queries by a filtered role give the rows of a protected table of the
-- coordinator (filtered as on one node) with the same rows, for several
-- purposes and channels, after consent changes committed between them
-- (the workers' caches drop their answers), after a merge and an unmerge;
-- EXPLAIN shows the filter in the shards' plans.  Runs after 05_pipeline.sql
-- left the cluster distributed; its steps commit (the workers' shard
-- queries see committed consent, as other sessions do), and it puts the
-- identity side and consent back as it found them (empty).
\set QUIET 1
SET client_min_messages = error;
SELECT plan(82);

-- identities, computed consent, and facts that make the purposes differ
BEGIN;
SELECT identities FROM ci.resolve_identities('default', true) \gset
SELECT ci.refresh_consent() > 0 AS refreshed \gset
COMMIT;
SELECT array_agg(identity_id ORDER BY identity_id) AS gdpr FROM
  (SELECT identity_id FROM ci.consent_subject WHERE jurisdiction = 'GDPR' ORDER BY identity_id LIMIT 6) s \gset
SELECT array_agg(identity_id ORDER BY identity_id) AS ccpa FROM
  (SELECT identity_id FROM ci.consent_subject WHERE jurisdiction = 'CCPA' ORDER BY identity_id LIMIT 6) s \gset
SELECT (:'gdpr'::bigint[])[1] AS g1, (:'gdpr'::bigint[])[2] AS g2, (:'gdpr'::bigint[])[3] AS g3,
       (:'gdpr'::bigint[])[4] AS g4, (:'gdpr'::bigint[])[5] AS g5, (:'gdpr'::bigint[])[6] AS g6,
       (:'ccpa'::bigint[])[1] AS u1, (:'ccpa'::bigint[])[2] AS u2, (:'ccpa'::bigint[])[3] AS u3 \gset
SELECT min(r.email) AS u3_email FROM ci.identity_link l JOIN ci.source_record r USING (record_id)
 WHERE l.identity_id = :u3 AND r.email IS NOT NULL \gset
BEGIN;
SELECT count(ci.record_consent('marketing', 'granted', identity_id => i, decided_at => '2026-01-01 10:00+00')) AS x
  FROM unnest(ARRAY[:g1, :g2, :g3]::bigint[]) i \gset
SELECT ci.record_consent('marketing', 'withdrawn', identity_id => :u1, decided_at => '2026-01-01 10:00+00') AS x \gset
SELECT ci.record_consent('profiling', 'granted', identity_id => :g4, channel => 'sms', decided_at => '2026-01-01 10:00+00') AS x \gset
SELECT ci.record_consent('analytics', 'denied', identity_id => :g5, decided_at => '2026-01-01 10:00+00') AS x \gset
SELECT ci.suppress('hard_bounce', email => :'u3_email') AS x \gset
COMMIT;

-- the same orders in a distributed, a reference and a coordinator table:
-- two per identity (live or retired), and customers without consent state
CREATE TABLE public.cp_local (order_id bigint NOT NULL, customer_id bigint, amount numeric);
INSERT INTO public.cp_local
SELECT row_number() OVER (ORDER BY c, g), c, g
  FROM (SELECT identity_id AS c FROM ci.identity UNION ALL SELECT max(identity_id) + k FROM ci.identity, generate_series(1000, 1003) k
        GROUP BY k) x, generate_series(1, 2) g;
CREATE TABLE public.cp_dist (LIKE public.cp_local);
SELECT create_distributed_table('public.cp_dist', 'customer_id') \gset
CREATE TABLE public.cp_ref (LIKE public.cp_local);
SELECT create_reference_table('public.cp_ref') \gset
INSERT INTO public.cp_dist SELECT * FROM public.cp_local;
INSERT INTO public.cp_ref SELECT * FROM public.cp_local;
SELECT ci.protect('public.cp_local', 'customer_id', 'marketing', 'analytics', 'profiling') \gset
SELECT lives_ok($$SELECT ci.protect('public.cp_dist', 'customer_id', 'marketing', 'analytics', 'profiling')$$,
                'ci.protect puts the filter on a distributed table');
SELECT lives_ok($$SELECT ci.protect('public.cp_ref', 'customer_id', 'marketing', 'analytics', 'profiling')$$,
                'and on a reference table');
SELECT is((SELECT count(*)::int FROM run_command_on_shards('public.cp_dist',
              $$SELECT count(*) FROM pg_policy WHERE polrelid = '%s'::regclass AND polname = 'ci_consent'$$)
           WHERE result = '1'), 8, 'Citus put the policy on every shard');
CREATE ROLE cp_reader LOGIN;
GRANT SELECT ON public.cp_local, public.cp_dist, public.cp_ref TO cp_reader;
GRANT EXECUTE ON FUNCTION ci.consent_check(bigint, text[]) TO cp_reader;
-- grants on the extension's functions are not propagated: every node's own
SELECT bool_and(success) AS granted FROM run_command_on_workers(
    $$GRANT EXECUTE ON FUNCTION ci.consent_check(bigint, text[]) TO cp_reader$$) \gset
SELECT ok(:'granted', 'the filtered role may run the filter on the workers');

\set label initial
\ir include/protect_round.sql
\set purpose marketing
\set channel all
\ir include/protect_compare.sql
\set mk_initial :cp_dist
SELECT ok(:'cp_local' <> '' AND :'cp_local' <> (SELECT string_agg(order_id::text, ',' ORDER BY order_id) FROM public.cp_local),
          'marketing shows some orders, not all');

-- consent changed in other transactions: the workers' answers, cached by
-- their backends from the statements above, are dropped
BEGIN;
SELECT ci.record_consent('marketing', 'withdrawn', identity_id => :g1, decided_at => '2026-02-01 10:00+00') AS x \gset
SELECT ci.record_consent('marketing', 'granted', identity_id => :g6, decided_at => '2026-02-01 10:00+00') AS x \gset
SELECT ci.suppress('legal', identity_id => :u2) AS x \gset
COMMIT;
\set label 'after a withdrawal'
\ir include/protect_round.sql
\set purpose marketing
\set channel all
\ir include/protect_compare.sql
SELECT isnt(:'cp_dist'::text, :'mk_initial'::text, 'the distributed table''s rows changed with the consent');
SELECT ok(NOT (string_to_array(:'cp_dist', ',') && ARRAY(SELECT order_id::text FROM public.cp_local WHERE customer_id IN (:g1, :u2)))
          AND string_to_array(:'cp_dist', ',') @> ARRAY(SELECT order_id::text FROM public.cp_local WHERE customer_id = :g6),
          'the withdrawn and the suppressed customers are gone on the workers, the new grant shows');

-- a merge (a steward link resolved incrementally) with facts on both sides:
-- a record-level grant and an identity-level withdrawal follow the merge
SELECT min(record_id) AS rec_a FROM ci.identity_link WHERE identity_id = :g3 \gset
SELECT min(record_id) AS rec_b FROM ci.identity_link WHERE identity_id = :u3 \gset
BEGIN;
SELECT ci.record_consent('profiling', 'granted', record_id => :rec_b, channel => 'all', decided_at => '2026-03-01 10:00+00') AS x \gset
SELECT ci.record_consent('analytics', 'withdrawn', identity_id => :g3, decided_at => '2026-03-01 10:00+00') AS x \gset
SELECT ci.decide_match(:rec_a, :rec_b, 'link', 'same person') AS x \gset
SELECT ci.resolve_record(:rec_b) \gset
COMMIT;
SELECT is((SELECT count(DISTINCT identity_id)::int FROM ci.identity_link WHERE record_id IN (:rec_a, :rec_b)), 1,
          'the two records are merged');
\set label 'after a merge'
\ir include/protect_round.sql
SELECT unmerge_records AS unmerged FROM ci.unmerge_records(ARRAY[:rec_b::bigint], NULL, 'not the same person') \gset
\set label 'after an unmerge'
\ir include/protect_round.sql

-- the filter is in the shards' plans: every shard for a scan, one for a customer
BEGIN;
SET LOCAL citus.propagate_set_commands = 'local';
SET LOCAL ROLE cp_reader;
SET LOCAL ci.purpose = 'marketing';
SELECT public.plan_of('SELECT sum(amount) FROM public.cp_dist') AS plan_all \gset
SELECT public.plan_of(format('SELECT sum(amount) FROM public.cp_dist WHERE customer_id = %s', :g2)) AS plan_one \gset
COMMIT;
SELECT alike(:'plan_all'::text, '%Task Count: 8%Filter: ci.consent_check(cp_dist.customer_id, ''{analytics,marketing,profiling}''::text[])%',
            'EXPLAIN: a scan runs on every shard, with the consent filter in the shard''s plan');
SELECT doesnt_match(:'plan_all'::text, 'Query:[^\n]*consent_check', 'and the filter is not in the query text: the shard''s policy applies it');
SELECT alike(:'plan_one'::text, '%Task Count: 1%Filter: (ci.consent_check(cp_dist.customer_id, %',
            'EXPLAIN: one customer''s rows are read on one shard, filtered there');

-- what does not reach the workers: a purpose SET for the session on the
-- coordinator (Citus propagates SET LOCAL only); the workers then see no
-- purpose and show nothing (fail closed)
SET ROLE cp_reader;
SET ci.purpose = 'analytics';
SELECT count(*) AS dist_session FROM public.cp_dist \gset
SELECT count(*) AS local_session FROM public.cp_local \gset
RESET ci.purpose;
RESET ROLE;
SELECT ok(:dist_session = 0 AND :local_session > 0,
          'a session-level purpose is not propagated: the distributed table shows nothing (doc/scaling.md)');

-- what ci.protect refuses
SELECT throws_ok($$SELECT ci.protect('public.cp_dist', 'amount', 'marketing')$$, '42804', NULL,
                 'a customer column that is not an identity id is refused on a distributed table too');
SELECT ok(bool_and(result LIKE '%must run on the Citus coordinator%'),
          'ci.protect on a worker is refused: the coordinator writes the policy and the consent state')
  FROM run_command_on_workers($$SELECT ci.protect('public.cp_dist', 'customer_id', 'marketing')$$);
SELECT ok(ci.unprotect('public.cp_dist') AND ci.unprotect('public.cp_ref'), 'ci.unprotect removes the filter');
SELECT is((SELECT count(*)::int FROM run_command_on_shards('public.cp_dist',
              $$SELECT count(*) FROM pg_policy WHERE polrelid = '%s'::regclass$$) WHERE result = '0'), 8,
          'from every shard');

SELECT * FROM finish();

-- back as 05_pipeline.sql left it: no identities, no consent
DROP TABLE public.cp_local, public.cp_dist, public.cp_ref;
SELECT bool_and(success) AS revoked FROM run_command_on_workers($$REVOKE EXECUTE ON FUNCTION ci.consent_check(bigint, text[]) FROM cp_reader$$) \gset
REVOKE EXECUTE ON FUNCTION ci.consent_check(bigint, text[]) FROM cp_reader;
DROP ROLE cp_reader;
BEGIN;
DELETE FROM ci.golden_override; DELETE FROM ci.golden_profile; DELETE FROM ci.golden_dirty; DELETE FROM ci.golden_stale;
DELETE FROM ci.identity_member; DELETE FROM ci.match_review; DELETE FROM ci.match_decision; DELETE FROM ci.identity_link;
DELETE FROM ci.identity_event; DELETE FROM ci.identity; DELETE FROM ci.match_run;
SET LOCAL session_replication_role = replica;
DELETE FROM ci.consent_event; DELETE FROM ci.suppression; DELETE FROM ci.consent_jurisdiction_override;
RESET session_replication_role;
SELECT ci.consent_recompute(NULL) \gset
COMMIT;
