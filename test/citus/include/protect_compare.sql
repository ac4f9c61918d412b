-- One comparison of 07_protect.sql: the rows cp_reader sees in the
-- protected distributed, reference and coordinator tables (the same rows)
-- for :purpose on :channel, declared with SET LOCAL (the shard queries
-- carry it to the workers), and the rows ci.consent_allows allows on the
-- coordinator.  :label names the step.
BEGIN;
-- one connection per worker, which the session keeps between the steps:
-- a later step reads through the worker backends that cached answers
SET LOCAL citus.max_adaptive_executor_pool_size = 1;
SET LOCAL ROLE cp_reader;
SET LOCAL ci.purpose = :'purpose';
SET LOCAL ci.channel = :'channel';
SELECT coalesce(string_agg(order_id::text, ',' ORDER BY order_id), '') AS cp_dist FROM public.cp_dist \gset
SELECT coalesce(string_agg(order_id::text, ',' ORDER BY order_id), '') AS cp_ref FROM public.cp_ref \gset
SELECT coalesce(string_agg(order_id::text, ',' ORDER BY order_id), '') AS cp_local FROM public.cp_local \gset
COMMIT;
SELECT coalesce(string_agg(order_id::text, ',' ORDER BY order_id), '') AS cp_oracle FROM public.cp_local
 WHERE :'purpose' IN ('marketing', 'analytics', 'profiling')
   AND ci.consent_allows(customer_id, :'purpose', :'channel') \gset
SELECT is(:'cp_local'::text, :'cp_oracle'::text,
          format('%s, %s on %s: the coordinator table shows the customers ci.consent_allows allows', :'label', :'purpose', :'channel'));
SELECT is(:'cp_dist'::text, :'cp_local'::text,
          format('%s, %s on %s: the distributed table shows the same rows, filtered on the workers', :'label', :'purpose', :'channel'));
SELECT is(:'cp_ref'::text, :'cp_local'::text,
          format('%s, %s on %s: the reference table too', :'label', :'purpose', :'channel'));
