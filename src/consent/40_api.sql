-- The consent API: the only way into the ledger and the suppression lists.
-- SECURITY DEFINER (the tables grant no INSERT to anyone); not executable
-- by PUBLIC: ci.grant_role gives them to application roles and above.

CREATE FUNCTION ci.consent_validate(p_purpose text, p_channel text, p_jurisdiction text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_purpose IS NULL OR NOT EXISTS (SELECT 1 FROM ci.consent_purpose WHERE purpose = p_purpose) THEN
        RAISE EXCEPTION 'unknown consent purpose "%"', p_purpose
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Known purposes: ' || (SELECT string_agg(purpose, ', ' ORDER BY purpose) FROM ci.consent_purpose)
                         || '. Add one to ci.consent_purpose.';
    END IF;
    IF p_channel IS NULL OR NOT p_channel = ANY (ci.consent_channels()) THEN
        RAISE EXCEPTION 'unknown consent channel "%"', p_channel
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use one of ' || array_to_string(ci.consent_channels(), ', ') || '.';
    END IF;
    IF p_jurisdiction IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ci.consent_jurisdiction WHERE jurisdiction = p_jurisdiction) THEN
        RAISE EXCEPTION 'unknown jurisdiction "%"', p_jurisdiction
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Known jurisdictions: ' || (SELECT string_agg(jurisdiction, ', ' ORDER BY jurisdiction) FROM ci.consent_jurisdiction)
                         || '. Add one to ci.consent_jurisdiction.';
    END IF;
END;
$$;
COMMENT ON FUNCTION ci.consent_validate(text, text, text) IS 'raises 22023 with a hint for an unknown purpose, channel or jurisdiction';

-- The live identity a consent subject names: exactly one of identity and
-- record.  It locks what it read (the record's link, the identity rows of
-- the merge chain) FOR SHARE until the caller commits, so a concurrent
-- merge, unmerge or record move either finishes first (and this sees its
-- result) or waits, and then its own recomputation sees this event:
-- consent recorded while identities change is never lost.
CREATE FUNCTION ci.consent_subject_identity(p_identity_id bigint, p_record_id bigint)
RETURNS bigint LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v     bigint;
    v_nxt bigint;
    v_dist constant boolean := ci.consent_distributed();
BEGIN
    IF num_nonnulls(p_identity_id, p_record_id) <> 1 THEN
        RAISE EXCEPTION 'give exactly one of identity_id and record_id'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Consent belongs to an identity, or to a source record that resolves to one.';
    END IF;
    IF p_record_id IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM ci.source_record WHERE record_id = p_record_id) THEN
            RAISE EXCEPTION 'source record % does not exist', p_record_id USING ERRCODE = 'no_data_found';
        END IF;
        SELECT identity_id INTO v FROM ci.identity_link WHERE record_id = p_record_id FOR SHARE;
        RETURN v;   -- NULL until the record is resolved; its consent applies from then on
    END IF;
    v := p_identity_id;
    FOR depth IN 1 .. 1000 LOOP
        -- links first, then the identity: the order a merge takes them in
        -- (on Citus the links are spread over the record side's shards,
        -- where Citus locks rows only by writing: the identity row only)
        IF NOT v_dist THEN
            PERFORM 1 FROM ci.identity_link WHERE identity_id = v FOR SHARE;
        END IF;
        SELECT merged_into INTO v_nxt FROM ci.identity WHERE identity_id = v FOR SHARE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'identity % does not exist', v USING ERRCODE = 'no_data_found';
        END IF;
        EXIT WHEN v_nxt IS NULL;
        v := v_nxt;
    END LOOP;
    RETURN v;
END;
$$;
COMMENT ON FUNCTION ci.consent_subject_identity(bigint, bigint) IS 'internal: the live identity an identity id or a source record id names now (NULL for an unresolved record), locked FOR SHARE against concurrent merges and moves';

CREATE FUNCTION ci.record_consent(
    purpose        text,
    decision       text,
    identity_id    bigint DEFAULT NULL,
    record_id      bigint DEFAULT NULL,
    channel        text DEFAULT 'all',
    jurisdiction   text DEFAULT NULL,
    legal_basis    text DEFAULT 'consent',
    source         text DEFAULT NULL,
    notice_version text DEFAULT NULL,
    mechanism      text DEFAULT 'other',
    proof_ref      text DEFAULT NULL,
    decided_at     timestamptz DEFAULT now(),
    valid_from     timestamptz DEFAULT NULL,
    valid_until    timestamptz DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_live  bigint;
    v_event bigint;
BEGIN
    PERFORM ci.consent_validate(record_consent.purpose, record_consent.channel, record_consent.jurisdiction);
    IF record_consent.decision IS NULL OR record_consent.decision NOT IN ('granted', 'denied', 'withdrawn') THEN
        RAISE EXCEPTION 'unknown consent decision "%"', record_consent.decision
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use granted, denied or withdrawn.';
    END IF;
    IF record_consent.decided_at IS NULL OR record_consent.decided_at > now() + interval '5 minutes' THEN
        RAISE EXCEPTION 'a decision needs the time it was made, not in the future'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('decided_at was %s.', coalesce(record_consent.decided_at::text, 'NULL')),
                  HINT = 'To make a decision take effect later, set valid_from.';
    END IF;
    IF record_consent.valid_until IS NOT NULL AND record_consent.decision <> 'granted' THEN
        RAISE EXCEPTION 'only a grant can expire'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Leave valid_until NULL for denials and withdrawals.';
    END IF;
    v_live := ci.consent_subject_identity(record_consent.identity_id, record_consent.record_id);
    INSERT INTO ci.consent_event (identity_id, record_id, purpose, channel, jurisdiction, legal_basis, decision,
                                  source, notice_version, mechanism, proof_ref, decided_at, valid_from, valid_until)
    VALUES (record_consent.identity_id, record_consent.record_id, record_consent.purpose, record_consent.channel,
            record_consent.jurisdiction, record_consent.legal_basis, record_consent.decision, record_consent.source,
            record_consent.notice_version, record_consent.mechanism, record_consent.proof_ref,
            record_consent.decided_at, record_consent.valid_from, record_consent.valid_until)
    RETURNING event_id INTO v_event;
    IF v_live IS NOT NULL THEN
        PERFORM ci.consent_recompute(ARRAY[v_live]);
    END IF;
    RETURN v_event;
END;
$$;
COMMENT ON FUNCTION ci.record_consent(text, text, bigint, bigint, text, text, text, text, text, text, text, timestamptz, timestamptz, timestamptz) IS
'appends a consent decision (granted, denied, withdrawn) for an identity or a source record to the ledger and updates the state at once; returns the event id';

CREATE FUNCTION ci.suppress(
    reason      text,
    identity_id bigint DEFAULT NULL,
    email       text DEFAULT NULL,
    phone       text DEFAULT NULL,
    region      text DEFAULT NULL,
    channel     text DEFAULT NULL,
    note        text DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_norm    text;
    v_kind    text;
    v_hash    bytea;
    v_channel text;
    v_id      bigint;
    v_ids     bigint[];
BEGIN
    IF reason IS NULL OR reason NOT IN ('do_not_contact', 'hard_bounce', 'spam_complaint', 'sms_stop', 'legal', 'erased') THEN
        RAISE EXCEPTION 'unknown suppression reason "%"', reason
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use do_not_contact, hard_bounce, spam_complaint, sms_stop, legal or erased.';
    END IF;
    IF num_nonnulls(suppress.identity_id, email, phone) <> 1 THEN
        RAISE EXCEPTION 'give exactly one of identity_id, email and phone'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_channel := coalesce(suppress.channel, CASE
        WHEN reason IN ('hard_bounce', 'spam_complaint') THEN 'email'
        WHEN reason = 'sms_stop' THEN 'sms'
        WHEN email IS NOT NULL THEN 'email'
        ELSE 'all' END);
    IF NOT v_channel = ANY (ci.consent_channels()) THEN
        RAISE EXCEPTION 'unknown consent channel "%"', v_channel
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use one of ' || array_to_string(ci.consent_channels(), ', ') || '.';
    END IF;
    IF suppress.identity_id IS NOT NULL THEN
        PERFORM ci.consent_subject_identity(suppress.identity_id, NULL);
        INSERT INTO ci.suppression (identity_id, reason, channel, note)
        VALUES (suppress.identity_id, reason, v_channel, note)
        RETURNING suppression_id INTO v_id;
        PERFORM ci.consent_recompute(ARRAY[ci.consent_live_identity(suppress.identity_id)]);
        RETURN v_id;
    END IF;
    IF email IS NOT NULL THEN
        v_kind := 'email'; v_norm := ci.normalize_email(email);
    ELSE
        v_kind := 'phone'; v_norm := ci.normalize_phone(phone, region);
    END IF;
    IF v_norm IS NULL OR v_norm = '' THEN
        RAISE EXCEPTION 'cannot suppress "%": not a valid %', coalesce(email, phone), v_kind
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = CASE WHEN v_kind = 'phone' THEN 'Give the number in E.164 (+...) or its region.' ELSE 'Give an e-mail address.' END;
    END IF;
    INSERT INTO ci.consent_secret (key)
    SELECT pg_catalog.decode(pg_catalog.md5(pg_catalog.gen_random_uuid()::text) || pg_catalog.md5(pg_catalog.gen_random_uuid()::text)
                             || pg_catalog.md5(pg_catalog.gen_random_uuid()::text) || pg_catalog.md5(pg_catalog.gen_random_uuid()::text), 'hex')
    ON CONFLICT DO NOTHING;
    v_hash := ci.contact_hash(v_kind, v_norm);
    -- wait for link writers in flight and hold new ones off until commit, so
    -- that every identity with this contact point is recomputed, here or by
    -- the writer's own trigger after this commits
    LOCK TABLE ci.identity_link IN SHARE MODE;
    INSERT INTO ci.suppression (contact_kind, contact_hash, reason, channel, note)
    VALUES (v_kind, v_hash, reason, v_channel, note)
    RETURNING suppression_id INTO v_id;
    -- every identity that has a record with this contact point now
    SELECT array_agg(DISTINCT l.identity_id) INTO v_ids
      FROM ci.source_record r JOIN ci.identity_link l ON l.record_id = r.record_id
     WHERE (v_kind = 'email' AND r.email_norm = v_norm) OR (v_kind = 'phone' AND r.phone_e164 = v_norm);
    -- none (an erasure suppresses after deleting the records): nothing to
    -- recompute, and NULL would mean "all" to ci.consent_recompute
    IF v_ids IS NOT NULL THEN
        PERFORM ci.consent_recompute(v_ids);
    END IF;
    RETURN v_id;
END;
$$;
COMMENT ON FUNCTION ci.suppress(text, bigint, text, text, text, text, text) IS
'adds an identity, an e-mail address or a phone number (kept only as an HMAC of its normalised form) to a suppression list; returns the suppression id';

CREATE FUNCTION ci.lift_suppression(p_suppression_id bigint, p_reason text)
RETURNS boolean LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s ci.suppression;
    v_ids bigint[];
BEGIN
    IF p_reason IS NULL OR btrim(p_reason) = '' THEN
        RAISE EXCEPTION 'lifting a suppression needs a reason' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    UPDATE ci.suppression SET lifted_at = now(), lifted_by = session_user, lift_reason = p_reason
     WHERE suppression_id = p_suppression_id AND lifted_at IS NULL AND reason <> 'erased'
    RETURNING * INTO s;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF s.identity_id IS NOT NULL THEN
        v_ids := ARRAY[ci.consent_live_identity(s.identity_id)];
    ELSIF ci.consent_distributed() THEN
        -- the records' contact points would be hashed on the workers, which
        -- have no key: every identity this suppression can have blocked
        -- (its channel or reason in its subject) is recomputed instead
        SELECT array_agg(c.identity_id) INTO v_ids
          FROM ci.consent_subject c
         WHERE CASE WHEN s.reason IN ('legal', 'erased') THEN c.blocked_reason IS NOT NULL
                    ELSE s.channel = ANY (c.suppressed_channels) END;
    ELSE
        SELECT array_agg(DISTINCT l.identity_id) INTO v_ids
          FROM ci.source_record r JOIN ci.identity_link l ON l.record_id = r.record_id
         WHERE (s.contact_kind = 'email' AND r.email_norm IS NOT NULL AND ci.contact_hash('email', r.email_norm) = s.contact_hash)
            OR (s.contact_kind = 'phone' AND r.phone_e164 IS NOT NULL AND ci.contact_hash('phone', r.phone_e164) = s.contact_hash);
    END IF;
    IF v_ids IS NOT NULL THEN   -- NULL would mean "all"
        PERFORM ci.consent_recompute(v_ids);
    END IF;
    RETURN true;
END;
$$;
COMMENT ON FUNCTION ci.lift_suppression(bigint, text) IS 'lifts an active suppression (not an erasure), recording who and why; returns false when there was none to lift';

CREATE FUNCTION ci.set_consent_jurisdiction(p_identity_id bigint, p_jurisdiction text, p_reason text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM ci.consent_subject_identity(p_identity_id, NULL);
    IF p_jurisdiction IS NULL THEN
        DELETE FROM ci.consent_jurisdiction_override WHERE identity_id = p_identity_id;
    ELSE
        PERFORM ci.consent_validate('marketing', 'all', p_jurisdiction);
        INSERT INTO ci.consent_jurisdiction_override AS o (identity_id, jurisdiction, reason)
        VALUES (p_identity_id, p_jurisdiction, p_reason)
        ON CONFLICT (identity_id) DO UPDATE SET jurisdiction = EXCLUDED.jurisdiction, reason = EXCLUDED.reason,
                                                set_by = session_user, set_at = now();
    END IF;
    PERFORM ci.consent_recompute(ARRAY[ci.consent_live_identity(p_identity_id)]);
END;
$$;
COMMENT ON FUNCTION ci.set_consent_jurisdiction(bigint, text, text) IS 'overrides the jurisdiction of an identity (NULL: back to its records'' countries)';

REVOKE ALL ON FUNCTION ci.record_consent(text, text, bigint, bigint, text, text, text, text, text, text, text, timestamptz, timestamptz, timestamptz),
                       ci.suppress(text, bigint, text, text, text, text, text),
                       ci.lift_suppression(bigint, text),
                       ci.set_consent_jurisdiction(bigint, text, text),
                       ci.contact_hash(text, text)
    FROM PUBLIC;

-- The decisions in force as of a past time: what the ledger knew then
-- (recorded_at <= p_at) and what had been decided by then, with the same
-- conflict rule, mapped to today's identities.
CREATE FUNCTION ci.consent_state_at(p_at timestamptz, p_identity_id bigint DEFAULT NULL)
RETURNS TABLE (identity_id bigint, purpose text, channel text, decision text, decided_at timestamptz,
               in_force boolean, event_id bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    -- (PL/pgSQL, not SQL: Citus plans its parameters; the live identity once)
    v_live constant bigint := ci.consent_live_identity(p_identity_id);
BEGIN
    RETURN QUERY
    SELECT DISTINCT ON (e.live_identity_id, e.purpose, e.channel)
           e.live_identity_id, e.purpose, e.channel, e.decision, e.decided_at,
           (e.valid_from IS NULL OR e.valid_from <= p_at) AND (e.valid_until IS NULL OR e.valid_until > p_at),
           e.event_id
      FROM ci.consent_event_resolved e
     WHERE e.recorded_at <= p_at AND e.decided_at <= p_at AND e.live_identity_id IS NOT NULL
       AND (p_identity_id IS NULL OR e.live_identity_id = v_live)
     ORDER BY e.live_identity_id, e.purpose, e.channel, e.decided_at DESC, (e.decision = 'granted'), e.event_id DESC;
END
$$;
COMMENT ON FUNCTION ci.consent_state_at(timestamptz, bigint) IS 'the winning decision per identity, purpose and channel as the ledger stood at a past time (identities as resolved today)';
