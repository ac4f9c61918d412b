-- One run of bench/citus_api.sql (:run names it): resolution, a full build,
-- then 1,000 identities' records changed and their profiles refreshed.
-- The refresh claims the queue (ci.refresh_golden_profiles), as an application would.
CHECKPOINT;
SELECT clock_timestamp() AS t0 \gset
SELECT identities FROM ci.resolve_identities('default', true);
INSERT INTO public.bench_api_times SELECT :'run', 'full resolution', round(extract(epoch FROM clock_timestamp() - :'t0') * 1000);
CHECKPOINT;
SELECT clock_timestamp() AS t0 \gset
SELECT ci.build_golden_profiles() AS profiles;
INSERT INTO public.bench_api_times SELECT :'run', 'golden build', round(extract(epoch FROM clock_timestamp() - :'t0') * 1000);
SELECT count(*) / 4 AS quarter FROM ci.golden_profile \gset
SELECT array_agg(identity_id) AS ids FROM (SELECT identity_id FROM ci.golden_profile ORDER BY identity_id
                                           LIMIT 1000 OFFSET :quarter) s \gset
CREATE TABLE IF NOT EXISTS public.bench_api_orig AS
    SELECT r.record_id, r.updated_at FROM ci.source_record r
     WHERE r.record_id = ANY (ARRAY(SELECT l.record_id FROM ci.identity_link l WHERE l.identity_id = ANY (:'ids'::bigint[])))
       AND r.email IS NOT NULL;
SELECT array_agg(l.record_id) AS changed FROM ci.identity_link l WHERE l.identity_id = ANY (:'ids'::bigint[]) \gset
CHECKPOINT;
-- the change itself: on one node the triggers queue the identities; on
-- Citus ci.source_records_changed() rewrites the member copies and queues
SELECT clock_timestamp() AS t0 \gset
BEGIN;
UPDATE ci.source_record r SET email = 'changed.' || r.email, updated_at = '2030-01-01'
 WHERE r.record_id = ANY (:'changed'::bigint[]) AND r.email IS NOT NULL;
SELECT ci.source_records_changed(:'changed'::bigint[]) AS queued;
COMMIT;
INSERT INTO public.bench_api_times SELECT :'run', 'change of those identities'' records (UPDATE + ci.source_records_changed)', round(extract(epoch FROM clock_timestamp() - :'t0') * 1000);
CHECKPOINT;
SELECT clock_timestamp() AS t0 \gset
SELECT ci.refresh_golden_profiles() AS refreshed;
INSERT INTO public.bench_api_times SELECT :'run', 'refresh of 1,000 identities (ci.refresh_golden_profiles, from the queue)', round(extract(epoch FROM clock_timestamp() - :'t0') * 1000);
