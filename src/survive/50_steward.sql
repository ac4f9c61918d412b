-- Data stewards: pinned values, unmerge, the conflict queue, and reading a
-- profile with its lineage.

CREATE FUNCTION ci.pin_golden_value(p_identity_id bigint, p_attribute text, p_value text, p_reason text)
RETURNS void LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_reason IS NULL OR btrim(p_reason) = '' THEN
        RAISE EXCEPTION 'a pinned value needs a reason'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Say why the steward overrides the survivor.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM ci.identity WHERE identity_id = p_identity_id AND retired_at IS NULL) THEN
        RAISE EXCEPTION 'identity % does not exist or is retired', p_identity_id
            USING ERRCODE = 'no_data_found';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM ci.golden_attribute WHERE attribute = p_attribute) THEN
        RAISE EXCEPTION 'unknown golden attribute "%"', p_attribute
            USING ERRCODE = 'undefined_column',
                  HINT = 'Known attributes: ' || (SELECT string_agg(attribute, ', ' ORDER BY position) FROM ci.golden_attribute) || '.';
    END IF;
    -- actor and time as values (Citus evaluates nothing in DO UPDATE SET)
    INSERT INTO ci.golden_override AS o (identity_id, attribute, value, reason, actor, at)
    VALUES (p_identity_id, p_attribute, p_value, p_reason, current_user, now())
    ON CONFLICT (identity_id, attribute) DO UPDATE
       SET value = EXCLUDED.value, reason = EXCLUDED.reason, actor = EXCLUDED.actor, at = EXCLUDED.at;
    PERFORM ci.refresh_golden_profiles_for(ARRAY[p_identity_id]);
END;
$$;
COMMENT ON FUNCTION ci.pin_golden_value(bigint, text, text, text) IS 'steward override: pins a value (NULL pins "no value") for one field of a golden profile, recording who and why; survives refreshes';

CREATE FUNCTION ci.unpin_golden_value(p_identity_id bigint, p_attribute text)
RETURNS boolean LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_found boolean;
BEGIN
    DELETE FROM ci.golden_override WHERE identity_id = p_identity_id AND attribute = p_attribute;
    v_found := FOUND;
    IF v_found THEN
        PERFORM ci.refresh_golden_profiles_for(ARRAY[p_identity_id]);
    END IF;
    RETURN v_found;
END;
$$;
COMMENT ON FUNCTION ci.unpin_golden_value(bigint, text) IS 'removes a steward override, so the survivor shows again; false when nothing was pinned';

CREATE FUNCTION ci.unmerge_records(p_record_ids bigint[], p_into_identity bigint DEFAULT NULL, p_reason text DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_ids      bigint[];
    v_from     bigint;
    v_nfrom    integer;
    v_target   bigint := p_into_identity;
    v_created  boolean := false;
BEGIN
    SELECT array_agg(DISTINCT r ORDER BY r) INTO v_ids FROM unnest(p_record_ids) r;
    IF v_ids IS NULL OR array_position(v_ids, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'unmerge needs a non-empty list of record ids without NULLs'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- lock the links of every identity involved, in record order (on Citus,
    -- where multi-shard row locks are taken by writing, by a no-op update)
    IF ci.scale_distributed() THEN
        UPDATE ci.identity_link l SET linked_at = l.linked_at
         WHERE l.identity_id IN (SELECT k.identity_id FROM ci.identity_link k WHERE k.record_id = ANY(v_ids));
    ELSE
        PERFORM 1 FROM ci.identity_link l
         WHERE l.identity_id IN (SELECT identity_id FROM ci.identity_link WHERE record_id = ANY(v_ids))
         ORDER BY l.record_id FOR UPDATE;
    END IF;
    IF (SELECT count(*) FROM ci.identity_link WHERE record_id = ANY(v_ids)) <> cardinality(v_ids) THEN
        RAISE EXCEPTION 'record % is not linked to any identity',
              (SELECT min(r) FROM unnest(v_ids) r WHERE NOT EXISTS (SELECT 1 FROM ci.identity_link l WHERE l.record_id = r))
            USING ERRCODE = 'no_data_found';
    END IF;
    IF (SELECT count(DISTINCT identity_id) FROM ci.identity_link WHERE record_id = ANY(v_ids)) > 1 THEN
        RAISE EXCEPTION 'records to unmerge belong to more than one identity'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = (SELECT format('The records belong to identities %s.', array_agg(DISTINCT identity_id))
                              FROM ci.identity_link WHERE record_id = ANY(v_ids));
    END IF;
    SELECT identity_id INTO v_from FROM ci.identity_link WHERE record_id = v_ids[1];
    SELECT count(*) INTO v_nfrom FROM ci.identity_link WHERE identity_id = v_from;
    IF v_nfrom = cardinality(v_ids) THEN
        RAISE EXCEPTION 'cannot unmerge every record of identity %', v_from
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Leave at least one record behind; to move them all, relink them.';
    END IF;
    IF v_target IS NULL THEN
        INSERT INTO ci.identity DEFAULT VALUES RETURNING identity_id INTO v_target;
        v_created := true;
        INSERT INTO ci.identity_event (event, identity_id, other_id, record_ids, detail)
        VALUES ('create', v_target, v_from, v_ids, jsonb_build_object('reason', p_reason, 'by', 'unmerge'));
    ELSIF v_target = v_from THEN
        RAISE EXCEPTION 'records already belong to identity %', v_target USING ERRCODE = 'invalid_parameter_value';
    -- NO KEY UPDATE: keeps the identity from being retired meanwhile, without
    -- blocking the KEY SHARE locks of foreign-key checks (a refresher's)
    ELSIF NOT EXISTS (SELECT 1 FROM ci.identity WHERE identity_id = v_target AND retired_at IS NULL FOR NO KEY UPDATE) THEN
        RAISE EXCEPTION 'identity % does not exist or is retired', v_target USING ERRCODE = 'no_data_found';
    END IF;

    UPDATE ci.identity_link
       SET identity_id = v_target, rule = 'steward_unmerge', match_probability = NULL, linked_at = now()
     WHERE record_id = ANY(v_ids);
    UPDATE ci.identity SET updated_at = now() WHERE identity_id IN (v_from, v_target);

    -- remembered for identity resolution: these records stay apart from those left behind
    INSERT INTO ci.match_decision AS d (record_a, record_b, decision, note, actor, decided_at)
    SELECT least(m.r, k.record_id), greatest(m.r, k.record_id), 'no_link', coalesce(p_reason, 'steward unmerge'),
           current_user, now()
      FROM unnest(v_ids) m(r)
      JOIN ci.identity_link k ON k.identity_id = v_from
    ON CONFLICT (record_a, record_b) DO UPDATE
       SET decision = 'no_link', note = EXCLUDED.note, actor = EXCLUDED.actor, decided_at = EXCLUDED.decided_at;

    INSERT INTO ci.identity_event (event, identity_id, other_id, record_ids, detail)
    VALUES ('unmerge', v_from, v_target, v_ids,
            jsonb_build_object('reason', p_reason, 'new_identity', v_created));

    -- on Citus the records' member copies move with them (nothing on one node)
    PERFORM ci.scale_members_sync_records(v_ids);
    PERFORM ci.refresh_golden_profiles_for(ARRAY[v_from, v_target]);
    RETURN v_target;
END;
$$;
COMMENT ON FUNCTION ci.unmerge_records(bigint[], bigint, text) IS 'steward unmerge: moves records out of their identity into a new (or the given) identity, logs it, records no_link decisions against the records left behind, and recomputes both golden profiles; returns the identity the records now belong to';

-- Fields where an identity's sources disagree strongly: a steward's queue.
CREATE VIEW ci.golden_conflict AS
WITH v AS (
    SELECT l.identity_id, a.attribute, a.reason, a.value, a.norm, r.record_id, r.source
      FROM ci.identity_link l
      JOIN ci.source_record r ON r.record_id = l.record_id
     CROSS JOIN LATERAL (VALUES
        ('birth_date', 'different birth dates', to_char(r.birth_date, 'YYYY-MM-DD'), to_char(r.birth_date, 'YYYY-MM-DD')),
        ('national_id', 'different national ids', r.national_id,
             upper(regexp_replace(r.national_id, '[^[:alnum:]]', '', 'g'))),
        -- the domain of the normalised address (googlemail.com is gmail.com,
        -- Unicode domains are punycode), else of the address as received
        ('email', 'emails in different domains', r.email,
             coalesce(substring(r.email_norm FROM '@([^@]*)$'), lower(substring(r.email FROM '@([^@]*)$'))))
     ) AS a(attribute, reason, value, norm)
     WHERE a.norm IS NOT NULL AND a.norm <> ''
)
SELECT v.identity_id,
       v.attribute,
       min(v.reason) AS reason,
       count(DISTINCT v.norm) AS distinct_values,
       jsonb_agg(jsonb_build_object('value', v.value, 'record_id', v.record_id, 'source', v.source)
                 ORDER BY v.record_id) AS candidates,
       min(g.lineage -> v.attribute ->> 'value') AS survivor,
       bool_or(o.identity_id IS NOT NULL) AS pinned
  FROM v
  LEFT JOIN ci.golden_profile g ON g.identity_id = v.identity_id
  LEFT JOIN ci.golden_override o ON o.identity_id = v.identity_id AND o.attribute = v.attribute
 GROUP BY v.identity_id, v.attribute
HAVING count(DISTINCT v.norm) > 1;
COMMENT ON VIEW ci.golden_conflict IS 'steward queue: identities whose records disagree on birth date, national id (ignoring punctuation and case) or e-mail domain (of the address normalised by ci.normalize_email); pinned says a steward already decided';

-- One profile with its lineage, a row per field.
CREATE FUNCTION ci.golden_lineage(p_identity_id bigint)
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
COMMENT ON FUNCTION ci.golden_lineage(bigint) IS 'a golden profile field by field: value, whether pinned, the winning record, source and rule, how many records agree, and the candidates it beat';

CREATE FUNCTION ci.golden_profile_json(p_identity_id bigint)
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
COMMENT ON FUNCTION ci.golden_profile_json(bigint) IS 'a golden profile with its lineage as one jsonb document (NULL when the identity has no profile)';
