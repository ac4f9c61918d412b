-- One run of bench/citus_api.sql (:run names it): resolution, a full build,
-- then 1,000 identities' records changed and their profiles refreshed.
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
UPDATE ci.source_record r SET email = 'changed.' || r.email, updated_at = '2030-01-01'
 WHERE r.record_id = ANY (ARRAY(SELECT l.record_id FROM ci.identity_link l WHERE l.identity_id = ANY (:'ids'::bigint[])))
   AND r.email IS NOT NULL;
CHECKPOINT;
SELECT clock_timestamp() AS t0 \gset
SELECT ci.refresh_golden_profiles_for(:'ids'::bigint[]) AS refreshed;
INSERT INTO public.bench_api_times SELECT :'run', 'refresh of 1,000 identities', round(extract(epoch FROM clock_timestamp() - :'t0') * 1000);
