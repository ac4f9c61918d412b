-- Erasure of a person's consent history (right to erasure; ci.process_erasure
-- calls it for every request).  The ledger keeps, per event, the minimum that
-- proves what was decided and on which basis: purpose, channel, decision,
-- decided_at, validity, jurisdiction, legal basis, mechanism, notice version,
-- capturing system, when and by whom it was recorded, and the erasure request
-- it answered (erasure_ref).  It clears what points at the person: the
-- identity and the source record the event names and the proof reference
-- (a form id, an IP log line, an e-mail).  doc/consent.md, "Erasure".
--
-- The ledger stays append-only: the guard lets an UPDATE through only when
-- it has exactly this shape and this function announced its reference in
-- ci_consent.erasure; nobody is granted UPDATE on the ledger.

CREATE FUNCTION ci.erase_consent(identity_ids bigint[], record_ids bigint[], reference text)
RETURNS bigint LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_ids    bigint[] := coalesce(erase_consent.identity_ids, '{}');
    v_recs   bigint[] := coalesce(erase_consent.record_ids, '{}');
    v_live   bigint[];
    v_n      bigint;
BEGIN
    IF reference IS NULL OR btrim(reference) = '' THEN
        RAISE EXCEPTION 'erasing consent history needs a reference to the erasure request'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the request it answers, e.g. ''erasure request 42''; it stays on the events as proof.';
    END IF;
    IF cardinality(v_ids) = 0 AND cardinality(v_recs) = 0 THEN
        RETURN 0;
    END IF;
    -- the identities whose state the events fed: the live identity each
    -- named identity was merged into, and what the records are linked to now
    -- (the links first, on their own: on Citus they are distributed)
    SELECT array_agg(l.identity_id) INTO v_live FROM ci.identity_link l WHERE l.record_id = ANY (v_recs);
    SELECT array_agg(DISTINCT x) INTO v_live FROM (
        SELECT ci.consent_live_identity(u) FROM unnest(v_ids) u
        UNION ALL
        SELECT unnest(v_live)
        UNION ALL
        SELECT u FROM unnest(v_ids) u) s(x)
     WHERE x IS NOT NULL;

    PERFORM pg_catalog.set_config('ci_consent.erasure', reference, true);
    UPDATE ci.consent_event e
       SET identity_id = NULL, record_id = NULL, proof_ref = NULL,
           erased_at = pg_catalog.now(), erasure_ref = reference
     WHERE (e.identity_id = ANY (v_ids) OR e.record_id = ANY (v_recs))
       AND e.erased_at IS NULL;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    PERFORM pg_catalog.set_config('ci_consent.erasure', '', true);

    -- a per-person override says where they live: it goes too
    DELETE FROM ci.consent_jurisdiction_override o WHERE o.identity_id = ANY (v_ids);

    IF v_live IS NOT NULL THEN
        PERFORM ci.consent_recompute(v_live);
    END IF;
    RETURN v_n;
END;
$$;
COMMENT ON FUNCTION ci.erase_consent(bigint[], bigint[], text) IS
'erases the consent history of identities and source records but the legal proof (purpose, channel, decision, time, basis), recording the erasure request; recomputes their consent; returns the events erased (0 when run again); admins only';
