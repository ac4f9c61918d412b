-- The demo pipeline, included twice by 05_pipeline.sql (once on the
-- coordinator's plain tables, once on the distributed layout): full
-- resolution, golden profiles, new records resolved incrementally and
-- refreshed, a pin, an unmerge and a steward merge.  :run names the copies
-- of the results it leaves behind.
SELECT records, links, identities FROM ci.resolve_identities('default', true) \gset
SELECT ci.build_golden_profiles() AS built \gset
-- three new records: a changed copy of three people's records
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, phone, birth_date, street, city, postcode,
                              country, updated_at)
SELECT 'web', 'ct-new-' || r.record_id, r.given_name, r.family_name, lower(r.email), r.phone, r.birth_date,
       r.street, r.city, r.postcode, r.country, r.updated_at + interval '1 day'
  FROM ci.source_record r WHERE r.record_id IN (3, 30, 300) ORDER BY r.record_id;
SELECT ci.register_source_keys() AS keys_registered \gset
-- one call per record, with a value (a call inside a query over a
-- distributed table would be pushed to the shards, which Citus refuses)
DO $$
DECLARE x bigint;
BEGIN
    FOR x IN SELECT record_id FROM ci.source_record WHERE source_key LIKE 'ct-new-%' ORDER BY record_id LOOP
        PERFORM ci.resolve_record(x);
    END LOOP;
END
$$;
SELECT ci.refresh_golden_profiles() AS refreshed \gset
-- a steward pin on the identity of record 10
SELECT identity_id AS pin_identity FROM ci.identity_link WHERE record_id = 10 \gset
SELECT ci.pin_golden_value(:pin_identity, 'birth_date', '1970-01-01', 'passport seen') AS pinned \gset
-- an unmerge: the highest record of the largest identity (lowest id on ties)
SELECT identity_id AS big_identity FROM ci.identity_link GROUP BY identity_id ORDER BY count(*) DESC, identity_id LIMIT 1 \gset
SELECT max(record_id) AS unmerged_record FROM ci.identity_link WHERE identity_id = :big_identity \gset
SELECT ci.unmerge_records(ARRAY[:unmerged_record::bigint], NULL, 'not the same person') AS unmerged_into \gset
-- a steward merge: records 20 and 21 linked, then resolved again
SELECT ci.decide_match(20, 21, 'link', 'same person');
SELECT ci.resolve_record(21) AS merged_into \gset
SELECT ci.refresh_golden_profiles() AS refreshed2 \gset
-- records changed and one deleted by direct DML, then reported (on one
-- node the triggers have queued them already): two records of the pinned
-- identity, and the lowest record of an identity of three or more
SELECT array_agg(record_id ORDER BY record_id) AS changed_records
  FROM (SELECT record_id FROM ci.identity_link WHERE identity_id = :pin_identity ORDER BY record_id LIMIT 2) s \gset
SELECT min(l.record_id) AS deleted_record FROM ci.identity_link l
 WHERE l.identity_id = (SELECT k.identity_id FROM ci.identity_link k GROUP BY k.identity_id HAVING count(*) >= 3
                         ORDER BY k.identity_id DESC LIMIT 1) \gset
UPDATE ci.source_record SET email = 'changed.' || coalesce(email, 'none@example.org'), city = upper(city),
       updated_at = '2030-06-01 00:00+00'
 WHERE record_id = ANY (:'changed_records'::bigint[]);
DELETE FROM ci.source_record WHERE record_id = :deleted_record;
SELECT ci.source_records_changed(:'changed_records'::bigint[] || :deleted_record::bigint) AS changed_queued \gset
SELECT ci.refresh_golden_profiles() AS refreshed3 \gset

\set t_links public.ct_ :run _links
CREATE TABLE :t_links AS
    SELECT record_id, identity_id, rule, round(match_probability::numeric, 9) AS p FROM ci.identity_link;
\set t_identities public.ct_ :run _identities
CREATE TABLE :t_identities AS
    SELECT identity_id, retired_at IS NULL AS live, merged_into FROM ci.identity;
\set t_golden public.ct_ :run _golden
CREATE TABLE :t_golden AS
    SELECT identity_id, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode,
           country, record_count, sources, lineage #- '{birth_date,pinned,at}' AS lineage
      FROM ci.golden_profile;
\set t_events public.ct_ :run _events
CREATE TABLE :t_events AS
    SELECT event, identity_id, other_id, record_ids FROM ci.identity_event;
