-- Consent follows a full resolution run on Citus.
--
-- On one node the follow triggers on links, identities and records
-- (30_state.sql) recompute consent inside the run's own statements.  On
-- Citus ci.distribute() drops them (they would fire on the shards), and a
-- full run (ci.resolve_identities) rewrites links in bulk without the
-- member-copy writer that calls ci.consent_follow.  Its last statement
-- logs the run in ci.match_run, a coordinator table whose triggers stay:
-- this trigger then recomputes, in the run's transaction, what the
-- triggers would have: every identity already computed (a subject row)
-- and the identity each was merged into, the identities identity-level
-- facts now belong to, and those now linked to records that carry consent
-- events.  Identities with none of these are left to ci.refresh_consent()
-- and answered by the DEFAULT jurisdiction until then (fail closed), as on
-- one node.  Nothing happens on one node.
CREATE FUNCTION ci.consent_follow_run()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_ids   bigint[];
    v_front bigint[];
    v_more  bigint[];
    v_recs  bigint[];
BEGIN
    IF NOT ci.consent_distributed() THEN
        RETURN NULL;
    END IF;
    SELECT array_agg(s.identity_id) INTO v_ids FROM ci.consent_subject s;
    SELECT array_agg(DISTINCT f.live_identity_id) INTO v_more FROM ci.consent_identity_fact f;
    SELECT array_agg(DISTINCT e.record_id) INTO v_recs FROM ci.consent_event e WHERE e.record_id IS NOT NULL;
    IF v_ids IS NULL AND v_more IS NULL AND v_recs IS NULL THEN
        RETURN NULL;   -- nothing computed, no consent fact: a first run
    END IF;
    -- the identities computed identities were merged into, round by round
    -- (a lookup by the distribution column per round, pushed to the shards)
    v_front := v_ids;
    FOR depth IN 1 .. 1000 LOOP
        SELECT array_agg(DISTINCT i.merged_into) INTO v_front
          FROM ci.identity i WHERE i.identity_id = ANY (v_front) AND i.merged_into IS NOT NULL;
        EXIT WHEN v_front IS NULL;
        v_ids := v_ids || v_front;
    END LOOP;
    v_ids := v_ids || v_more;
    IF v_recs IS NOT NULL THEN
        SELECT array_agg(DISTINCT l.identity_id) INTO v_more FROM ci.identity_link l WHERE l.record_id = ANY (v_recs);
        v_ids := v_ids || v_more;
    END IF;
    SELECT array_agg(DISTINCT i) INTO v_ids FROM unnest(v_ids) i WHERE i IS NOT NULL;
    IF v_ids IS NOT NULL THEN   -- (NULL would mean "all" to ci.consent_recompute)
        PERFORM ci.consent_recompute(v_ids);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION ci.consent_follow_run() IS 'trigger on ci.match_run: on Citus, recomputes after a full resolution run the consent the follow triggers would have (computed identities and their survivors, identities with consent facts); nothing on one node';

CREATE TRIGGER consent_follow_run AFTER INSERT ON ci.match_run
    FOR EACH STATEMENT EXECUTE FUNCTION ci.consent_follow_run();
