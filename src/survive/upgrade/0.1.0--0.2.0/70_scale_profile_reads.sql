-- 0.2.0: the golden-profile readers in PL/pgSQL, so that they work on a
-- distributed layout (Citus cannot route an SQL function's parameterised
-- query); same results on one node.  See src/survive/50_steward.sql.
CREATE OR REPLACE FUNCTION ci.golden_lineage(p_identity_id bigint)
RETURNS TABLE (attribute text, value text, pinned boolean, record_id bigint, source text, rule text,
               rule_id bigint, updated_at timestamptz, support integer, beaten jsonb, pinned_by text, pin_reason text)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
    -- PL/pgSQL, not SQL: on Citus the query is routed to the identity's
    -- shard with the id bound, which an SQL function's plan cannot give
    RETURN QUERY
    SELECT a.attribute,
           CASE WHEN f ? 'pinned' THEN f -> 'pinned' ->> 'value' ELSE f ->> 'value' END,
           coalesce(f ? 'pinned', false),
           (f ->> 'record_id')::bigint,
           f ->> 'source',
           f ->> 'rule',
           (f ->> 'rule_id')::bigint,
           (f ->> 'updated_at')::timestamptz,
           (f ->> 'support')::integer,
           f -> 'beaten',
           f -> 'pinned' ->> 'actor',
           f -> 'pinned' ->> 'reason'
      FROM ci.golden_profile g
     CROSS JOIN ci.golden_attribute a
     CROSS JOIN LATERAL (SELECT g.lineage -> a.attribute AS f) l
     WHERE g.identity_id = p_identity_id
     ORDER BY a.position;
END
$$;

CREATE OR REPLACE FUNCTION ci.golden_profile_json(p_identity_id bigint)
RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    g ci.golden_profile;
BEGIN
    -- the row first, then its lineage: on Citus each is one routed query
    -- (a lineage call inside the profile's query would run on the shard)
    SELECT p.* INTO g FROM ci.golden_profile p WHERE p.identity_id = p_identity_id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    RETURN jsonb_build_object(
               'identity_id', g.identity_id,
               'record_count', g.record_count,
               'sources', to_jsonb(g.sources),
               'changed_at', g.changed_at,
               'profile', (SELECT jsonb_object_agg(l.attribute, l.value) FROM ci.golden_lineage(g.identity_id) l),
               'lineage', g.lineage);
END
$$;
