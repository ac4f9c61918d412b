-- The consent ledger and the suppression lists.  Both are append-only:
-- a correction is a new event (a lifted suppression records lifted_at and
-- by whom, nothing else changes).  Nobody is granted INSERT on them; the
-- API functions (ci.record_consent, ci.suppress, ci.lift_suppression) are
-- SECURITY DEFINER and the only way in.  The guard trigger refuses UPDATE,
-- DELETE and TRUNCATE even to the owner.

CREATE TABLE ci.consent_event (
    event_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    identity_id    bigint,                 -- the person, as resolved when recorded ...
    record_id      bigint,                 -- ... or the source record it was captured on (follows the record)
    purpose        text NOT NULL REFERENCES ci.consent_purpose ON UPDATE CASCADE,
    channel        text NOT NULL DEFAULT 'all' CHECK (channel = ANY (ci.consent_channels())),
    jurisdiction   text REFERENCES ci.consent_jurisdiction ON UPDATE CASCADE,
    legal_basis    text NOT NULL DEFAULT 'consent'
                   CHECK (legal_basis IN ('consent', 'contract', 'legal_obligation', 'vital_interests',
                                          'public_task', 'legitimate_interests')),
    decision       text NOT NULL CHECK (decision IN ('granted', 'denied', 'withdrawn')),
    source         text,                   -- capturing system
    notice_version text,                   -- notice or policy version shown
    mechanism      text NOT NULL DEFAULT 'other'
                   CHECK (mechanism IN ('checkbox', 'double_opt_in', 'banner', 'gpc', 'import', 'verbal',
                                        'written', 'preference_center', 'unsubscribe_link', 'sms_stop', 'other')),
    proof_ref      text,
    decided_at     timestamptz NOT NULL,   -- when the person decided (not when we learnt it)
    valid_from     timestamptz,
    valid_until    timestamptz,            -- a grant that expires lapses by itself
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    recorded_by    text NOT NULL DEFAULT session_user,
    erased_at      timestamptz,            -- set by ci.erase_consent: the person's data is gone,
    erasure_ref    text,                   -- the proof stays, with the erasure request it answered
    CHECK (num_nonnulls(identity_id, record_id) = 1 OR (erased_at IS NOT NULL AND num_nonnulls(identity_id, record_id) = 0)),
    CHECK ((erased_at IS NULL) = (erasure_ref IS NULL)),
    CHECK (valid_until IS NULL OR decision = 'granted'),
    CHECK (valid_until IS NULL OR valid_from IS NULL OR valid_until > valid_from)
);
CREATE INDEX consent_event_identity_idx ON ci.consent_event (identity_id) WHERE identity_id IS NOT NULL;
CREATE INDEX consent_event_record_idx ON ci.consent_event (record_id) WHERE record_id IS NOT NULL;
COMMENT ON TABLE ci.consent_event IS 'Append-only ledger of consent decisions; written only through ci.record_consent';

CREATE TABLE ci.suppression (
    suppression_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    identity_id    bigint,                 -- suppress a person (follows merges) ...
    contact_kind   text CHECK (contact_kind IN ('email', 'phone')),
    contact_hash   bytea,                  -- ... or a contact point: HMAC-SHA-256 of its normalised form
    reason         text NOT NULL CHECK (reason IN ('do_not_contact', 'hard_bounce', 'spam_complaint', 'sms_stop',
                                                   'legal', 'erased')),
    channel        text NOT NULL CHECK (channel = ANY (ci.consent_channels())),
    note           text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    created_by     text NOT NULL DEFAULT session_user,
    lifted_at      timestamptz,
    lifted_by      text,
    lift_reason    text,
    CHECK ((identity_id IS NOT NULL) <> (contact_hash IS NOT NULL)),
    CHECK ((contact_kind IS NULL) = (contact_hash IS NULL)),
    CHECK (contact_hash IS NULL OR length(contact_hash) = 32),
    CHECK ((lifted_at IS NULL) = (lifted_by IS NULL))
);
CREATE INDEX suppression_identity_idx ON ci.suppression (identity_id) WHERE identity_id IS NOT NULL;
CREATE INDEX suppression_contact_idx ON ci.suppression (contact_hash) WHERE contact_hash IS NOT NULL;
COMMENT ON TABLE ci.suppression IS 'Suppression lists by identity or hashed contact point; legal and erased block every purpose, the others block purposes that contact the customer on the channel';

CREATE FUNCTION ci.consent_ledger_guard()
RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- a suppression may be lifted once; nothing else ever changes
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'suppression' THEN
        IF OLD.lifted_at IS NULL AND NEW.lifted_at IS NOT NULL
           AND (NEW.suppression_id, NEW.identity_id, NEW.contact_kind, NEW.contact_hash, NEW.reason, NEW.channel,
                NEW.note, NEW.created_at, NEW.created_by)
               IS NOT DISTINCT FROM
               (OLD.suppression_id, OLD.identity_id, OLD.contact_kind, OLD.contact_hash, OLD.reason, OLD.channel,
                OLD.note, OLD.created_at, OLD.created_by) THEN
            RETURN NEW;
        END IF;
    END IF;
    -- an event may be erased once, by ci.erase_consent only (it sets
    -- ci_consent.erasure for its own statement; the ci prefix is reserved): the person's data goes,
    -- the proof stays
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'consent_event'
       AND pg_catalog.current_setting('ci_consent.erasure', true) IS NOT DISTINCT FROM NEW.erasure_ref
       AND OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL AND NEW.erasure_ref IS NOT NULL
       AND NEW.identity_id IS NULL AND NEW.record_id IS NULL AND NEW.proof_ref IS NULL
       AND (NEW.event_id, NEW.purpose, NEW.channel, NEW.jurisdiction, NEW.legal_basis, NEW.decision, NEW.source,
            NEW.notice_version, NEW.mechanism, NEW.decided_at, NEW.valid_from, NEW.valid_until,
            NEW.recorded_at, NEW.recorded_by)
           IS NOT DISTINCT FROM
           (OLD.event_id, OLD.purpose, OLD.channel, OLD.jurisdiction, OLD.legal_basis, OLD.decision, OLD.source,
            OLD.notice_version, OLD.mechanism, OLD.decided_at, OLD.valid_from, OLD.valid_until,
            OLD.recorded_at, OLD.recorded_by) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'ci.% is append-only', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = format('%s is not allowed on it.', TG_OP),
              HINT = 'Record a new event (ci.record_consent) or lift a suppression (ci.lift_suppression) instead.';
END;
$$;
COMMENT ON FUNCTION ci.consent_ledger_guard() IS 'trigger: keeps ci.consent_event and ci.suppression append-only';

CREATE TRIGGER consent_event_append_only BEFORE UPDATE OR DELETE ON ci.consent_event
    FOR EACH ROW EXECUTE FUNCTION ci.consent_ledger_guard();
CREATE TRIGGER consent_event_no_truncate BEFORE TRUNCATE ON ci.consent_event
    FOR EACH STATEMENT EXECUTE FUNCTION ci.consent_ledger_guard();
CREATE TRIGGER suppression_append_only BEFORE UPDATE OR DELETE ON ci.suppression
    FOR EACH ROW EXECUTE FUNCTION ci.consent_ledger_guard();
CREATE TRIGGER suppression_no_truncate BEFORE TRUNCATE ON ci.suppression
    FOR EACH STATEMENT EXECUTE FUNCTION ci.consent_ledger_guard();

-- Per-identity jurisdiction overrides (follow merges like identity-level events).
CREATE TABLE ci.consent_jurisdiction_override (
    identity_id  bigint PRIMARY KEY,
    jurisdiction text NOT NULL REFERENCES ci.consent_jurisdiction ON UPDATE CASCADE,
    reason       text,
    set_by       text NOT NULL DEFAULT session_user,
    set_at       timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ci.consent_jurisdiction_override IS 'Jurisdiction set for an identity regardless of its records'' countries (ci.set_consent_jurisdiction)';

SELECT pg_catalog.pg_extension_config_dump('ci.consent_event', '');
SELECT pg_catalog.pg_extension_config_dump('ci.consent_event_event_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ci.suppression', '');
SELECT pg_catalog.pg_extension_config_dump('ci.suppression_suppression_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ci.consent_jurisdiction_override', '');
