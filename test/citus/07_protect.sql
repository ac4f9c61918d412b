-- ci.protect on Citus tables: the consent row filter of a protected
-- distributed table (and of a reference table) runs on the workers, inside
-- the shard queries, reading the copies of the consent state that
-- ci.distribute() made reference tables (ci.consent_node_*).  The same
-- queries by a filtered role give the rows of a protected table of the
-- coordinator (filtered as on one node) with the same rows, for several
-- purposes and channels, after consent changes committed between them
-- (the workers' caches drop their answers), after a merge and an unmerge;
-- EXPLAIN shows the filter in the shards' plans.  The purpose declared for
-- the session (SET, RESET, SET LOCAL, changed between statements and inside
-- transactions) reaches the workers, and ci.grant_role and ci.revoke_role
-- change the grants on every node.  Runs after 05_pipeline.sql
-- left the cluster distributed; its steps commit (the workers' shard
-- queries see committed consent, as other sessions do), and it puts the
-- identity side and consent back as it found them (empty).
\set QUIET 1
SET client_min_messages = error;
SELECT plan(105);

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
-- Citus does not propagate grants on an extension's objects; ci.grant_role
-- makes the schema and function grants on every worker too
SELECT ok(NOT bool_or(result = 'true'), 'before ci.grant_role no worker lets the role run the filter')
  FROM run_command_on_workers($$SELECT has_function_privilege('cp_reader', 'ci.consent_check(bigint,text[])', 'EXECUTE')$$);
SELECT count(*) AS grants FROM ci.grant_role('cp_reader', 'reader') \gset
SELECT is(string_agg(result, ',' ORDER BY nodeport), 'true true true,true true true',
          'ci.grant_role on the coordinator: on every worker the role may use schema ci, run the filter and read the consent answers')
  FROM run_command_on_workers($$SELECT has_schema_privilege('cp_reader', 'ci', 'USAGE')::text
                                    || ' ' || has_function_privilege('cp_reader', 'ci.consent_check(bigint,text[])', 'EXECUTE')::text
                                    || ' ' || has_function_privilege('cp_reader', 'ci.consent_allows(bigint,text,text)', 'EXECUTE')::text$$);
SELECT is((SELECT count(*)::int FROM pg_proc p WHERE p.pronamespace = 'ci'::regnamespace
             AND has_function_privilege('cp_reader', p.oid, 'EXECUTE')),
          (SELECT min(result::int) FROM run_command_on_workers($$SELECT count(*) FROM pg_proc p WHERE p.pronamespace = 'ci'::regnamespace
                                                                 AND has_function_privilege('cp_reader', p.oid, 'EXECUTE')$$)),
          'the workers grant the role the same functions as the coordinator');

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
SET LOCAL ROLE cp_reader;
SET LOCAL ci.purpose = 'marketing';
SELECT public.plan_of('SELECT sum(amount) FROM public.cp_dist') AS plan_all \gset
SELECT public.plan_of(format('SELECT sum(amount) FROM public.cp_dist WHERE customer_id = %s', :g2)) AS plan_one \gset
COMMIT;
SELECT alike(:'plan_all'::text, '%Task Count: 8%Query: %WHERE ci.consent_declared(customer_id, ''marketing''::text, ''all''::text)%Filter: ci.consent_check(cp_dist.customer_id, ''{=marketing:all,analytics,marketing,profiling}''::text[])%',
            'EXPLAIN: a scan runs on every shard; the shard query carries the declared purpose, which the shard''s filter uses');
SELECT doesnt_match(:'plan_all'::text, 'Query:[^\n]*consent_check', 'and the filter is not in the query text: the shard''s policy applies it');
SELECT alike(:'plan_one'::text, '%Task Count: 1%Filter: (ci.consent_check(cp_dist.customer_id, ''{=marketing:all,%',
            'EXPLAIN: one customer''s rows are read on one shard, filtered there');

-- The purpose declared for the session, as applications do (doc/consent.md):
-- plain SET and RESET, changed between statements that reuse the same
-- worker connections, SET LOCAL, a SET inside a transaction and a rolled
-- back savepoint, a prepared statement's generic plan and a PL/pgSQL
-- function's cached plan, and an UPDATE.  Each must show the rows of the
-- purpose in force at that statement, on the workers.
CREATE FUNCTION public.cp_dist_rows() RETURNS text LANGUAGE plpgsql STABLE AS
  $f$BEGIN RETURN (SELECT coalesce(string_agg(order_id::text, ',' ORDER BY order_id), '') FROM public.cp_dist); END$f$;
CREATE FUNCTION public.cp_ref_rows() RETURNS text LANGUAGE plpgsql STABLE AS
  $f$BEGIN RETURN (SELECT coalesce(string_agg(order_id::text, ',' ORDER BY order_id), '') FROM public.cp_ref); END$f$;
CREATE FUNCTION public.cp_allowed(p text, c text) RETURNS text LANGUAGE sql STABLE AS
  $f$SELECT coalesce(string_agg(order_id::text, ',' ORDER BY order_id), '') FROM public.cp_local
      WHERE p IN ('marketing', 'analytics', 'profiling') AND ci.consent_allows(customer_id, p, c)$f$;
-- runs a statement as the caller: 'ok' or its SQLSTATE
CREATE FUNCTION public.cp_try(stmt text) RETURNS text LANGUAGE plpgsql AS
  $f$BEGIN EXECUTE stmt; RETURN 'ok'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END$f$;
GRANT EXECUTE ON FUNCTION public.cp_dist_rows(), public.cp_ref_rows(), public.cp_try(text) TO cp_reader;
GRANT INSERT, UPDATE ON public.cp_dist TO cp_reader;
CREATE UNIQUE INDEX cp_dist_key ON public.cp_dist (customer_id, order_id);
SELECT min(order_id) AS g2_order FROM public.cp_local WHERE customer_id = :g2 \gset
SELECT public.cp_allowed('marketing', 'all') AS ok_mk, public.cp_allowed('analytics', 'all') AS ok_an,
       public.cp_allowed('marketing', 'email') AS ok_mk_email, public.cp_allowed('profiling', 'sms') AS ok_pr_sms \gset
SELECT ok(:'ok_mk' <> :'ok_an' AND :'ok_mk' <> :'ok_mk_email' AND :'ok_pr_sms' NOT IN (:'ok_mk', :'ok_an') AND :'ok_mk' <> '',
          'the purposes and channels compared below allow different orders');
-- one connection per worker, reused by every statement below
SET citus.max_adaptive_executor_pool_size = 1;
SET ROLE cp_reader;
SET ci.purpose = 'marketing';
SELECT public.cp_dist_rows() AS s_mk_d, public.cp_ref_rows() AS s_mk_r \gset
-- other query shapes Citus plans differently: a join with a reference and
-- with a coordinator table, a subquery, an outer join, a materialised CTE
-- (an intermediate result), a repartition join
SELECT (SELECT count(*) FROM public.cp_dist d JOIN public.cp_ref r USING (order_id)) AS sh_ref \gset
SELECT (SELECT count(*) FROM public.cp_local l JOIN public.cp_dist d USING (order_id)) AS sh_local \gset
SELECT count(*) AS sh_in FROM public.cp_local WHERE order_id IN (SELECT order_id FROM public.cp_dist) \gset
SELECT count(*) AS sh_outer FROM public.cp_ref r LEFT JOIN public.cp_dist d USING (order_id) WHERE d.order_id IS NOT NULL \gset
WITH x AS MATERIALIZED (SELECT * FROM public.cp_dist) SELECT count(*) AS sh_cte FROM x \gset
SET citus.enable_repartition_joins = on;
SELECT count(*) AS sh_repart FROM public.cp_dist a JOIN public.cp_dist b ON a.order_id = b.order_id \gset
RESET citus.enable_repartition_joins;
-- an upsert checks the filter on the new and the existing row
SELECT public.cp_try(format('INSERT INTO public.cp_dist VALUES (%s, %s, 42) ON CONFLICT (customer_id, order_id) DO UPDATE SET amount = excluded.amount',
                            :g2_order, :g2)) AS upsert_mk \gset
SET ci.purpose = 'analytics';
SELECT public.cp_dist_rows() AS s_an_d, public.cp_ref_rows() AS s_an_r \gset
SET ci.purpose = 'marketing';
SET ci.channel = 'email';
SELECT public.cp_dist_rows() AS s_mk_email \gset
RESET ci.channel;
PREPARE cp_q AS SELECT coalesce(string_agg(order_id::text, ',' ORDER BY order_id), '') FROM public.cp_dist;
EXECUTE cp_q \g /dev/null
EXECUTE cp_q \g /dev/null
EXECUTE cp_q \g /dev/null
EXECUTE cp_q \g /dev/null
EXECUTE cp_q \g /dev/null
EXECUTE cp_q \gset prep_mk_
SET ci.purpose = 'analytics';
EXECUTE cp_q \gset prep_an_
UPDATE public.cp_dist SET amount = amount;
\set updated_an :ROW_COUNT
RESET ci.purpose;
SELECT public.cp_dist_rows() AS s_none, (SELECT count(*) FROM public.cp_ref) AS s_none_ref \gset
SELECT public.cp_try(format('INSERT INTO public.cp_dist VALUES (%s, %s, 43) ON CONFLICT (customer_id, order_id) DO UPDATE SET amount = excluded.amount',
                            :g2_order, :g2)) AS upsert_none \gset
SET ci.purpose = 'marketing';
BEGIN;
SET LOCAL ci.purpose = 'analytics';
SELECT public.cp_dist_rows() AS t_local \gset
SET ci.purpose = 'profiling';
SET ci.channel = 'sms';
SELECT public.cp_dist_rows() AS t_set \gset
SAVEPOINT sp;
SET ci.purpose = 'marketing';
SET ci.channel = 'all';
SELECT public.cp_dist_rows() AS t_sp \gset
ROLLBACK TO SAVEPOINT sp;
SELECT public.cp_dist_rows() AS t_back \gset
COMMIT;
SELECT public.cp_dist_rows() AS t_after \gset
RESET ci.purpose;
RESET ci.channel;
RESET ROLE;
RESET citus.max_adaptive_executor_pool_size;
DEALLOCATE cp_q;
SELECT is(:'s_mk_d'::text, :'ok_mk'::text, 'SET ci.purpose for the session: the distributed table shows the orders marketing allows');
SELECT is(:'s_mk_r'::text, :'ok_mk'::text, 'and the reference table');
SELECT is(ARRAY[:sh_ref, :sh_local, :sh_in, :sh_outer, :sh_cte, :sh_repart]::bigint[],
          array_fill(array_length(string_to_array(:'ok_mk', ','), 1)::bigint, ARRAY[6]),
          'joins with reference and coordinator tables, a subquery, an outer join, a materialised CTE and a repartition join: marketing''s orders');
SELECT is(:'s_an_d'::text, :'ok_an'::text, 'the purpose changed between statements on the same worker connections: analytics''s orders');
SELECT is(:'s_an_r'::text, :'ok_an'::text, 'and on the reference table');
SELECT is(:'s_mk_email'::text, :'ok_mk_email'::text, 'SET ci.channel reaches the workers too');
SELECT is(:'prep_mk_coalesce'::text, :'ok_mk'::text, 'a prepared statement''s generic plan under marketing');
SELECT is(:'prep_an_coalesce'::text, :'ok_an'::text, 'the same plan after the purpose changed: planned again, analytics''s orders');
SELECT is(:updated_an, array_length(string_to_array(:'ok_an', ','), 1), 'an UPDATE changes the rows the purpose allows');
SELECT ok(:'s_none' = '' AND :s_none_ref = 0, 'RESET ci.purpose: no rows, on the workers as on one node');
SELECT is(:'upsert_mk'::text, 'ok', 'an upsert of an allowed customer''s order, checked on the worker for marketing');
SELECT is(:'upsert_none'::text, '42501', 'without a purpose the same upsert is refused, as on one node');
SELECT amount AS upserted FROM public.cp_dist WHERE customer_id = :g2 AND order_id = :g2_order \gset
SELECT is(:upserted::numeric, 42::numeric, 'the allowed upsert updated the row');
SELECT is(:'t_local'::text, :'ok_an'::text, 'SET LOCAL in a transaction, without citus.propagate_set_commands');
SELECT is(:'t_set'::text, :'ok_pr_sms'::text, 'a SET inside the transaction, after the workers'' transactions began');
SELECT is(:'t_sp'::text, :'ok_mk'::text, 'a SET after a savepoint');
SELECT is(:'t_back'::text, :'ok_pr_sms'::text, 'rolled back to the savepoint: the purpose before it');
SELECT is(:'t_after'::text, :'ok_pr_sms'::text, 'after COMMIT: the session''s purpose as set in the transaction');

-- fail closed: a shard query that does not carry the purpose its
-- coordinator session declared (the library not preloaded there) is
-- refused, not answered from the worker session's own ci.purpose
SELECT ok(bool_and(result LIKE '%consent purpose did not reach this Citus node%'),
          'a shard query without the declared purpose is refused on the worker, whatever its own ci.purpose')
  FROM run_command_on_shards('public.cp_dist',
         $$DO $d$ BEGIN
             PERFORM set_config('application_name', 'citus_internal gpid=10000000001', true);
             PERFORM set_config('role', 'cp_reader', true);
             PERFORM set_config('ci.purpose', 'marketing', true);
             PERFORM count(*) FROM %s;
           END $d$ $$);
-- and a declaration the worker cannot accept: an unknown purpose
SELECT ok(bool_and(result LIKE '%unknown consent purpose "nosuchpurpose"%'),
          'a declared purpose is checked on the worker like ci.purpose')
  FROM run_command_on_shards('public.cp_dist',
         $$DO $d$ BEGIN
             PERFORM set_config('application_name', 'citus_internal gpid=10000000001', true);
             PERFORM set_config('role', 'cp_reader', true);
             PERFORM count(*) FROM %s WHERE ci.consent_declared(customer_id, 'nosuchpurpose', 'all');
           END $d$ $$);

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

SELECT ci.revoke_role('cp_reader') \gset
SELECT is(string_agg(result, ',' ORDER BY nodeport), 'false false,false false',
          'ci.revoke_role on the coordinator takes the schema and function grants back on every worker')
  FROM run_command_on_workers($$SELECT has_schema_privilege('cp_reader', 'ci', 'USAGE')::text
                                    || ' ' || has_function_privilege('cp_reader', 'ci.consent_check(bigint,text[])', 'EXECUTE')::text$$);

SELECT * FROM finish();

-- back as 05_pipeline.sql left it: no identities, no consent
DROP TABLE public.cp_local, public.cp_dist, public.cp_ref;
DROP FUNCTION public.cp_dist_rows(), public.cp_ref_rows(), public.cp_allowed(text, text), public.cp_try(text);
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
