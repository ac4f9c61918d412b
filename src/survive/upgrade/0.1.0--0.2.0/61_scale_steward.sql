-- 0.1.0 -> 0.2.0, issue 9 (scale-out on Citus): steward actions that run on
-- distributed tables (values instead of functions in DO UPDATE SET, row
-- locks by a no-op update on Citus); same result on one node.

CREATE OR REPLACE FUNCTION ci.pin_golden_value(p_identity_id bigint, p_attribute text, p_value text, p_reason text)
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

CREATE OR REPLACE FUNCTION ci.unmerge_records(p_record_ids bigint[], p_into_identity bigint DEFAULT NULL, p_reason text DEFAULT NULL)
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

