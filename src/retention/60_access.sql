-- Subject-access requests: a register with the legal deadline, and one call
-- that gathers everything registered about a customer.

CREATE TABLE ci.access_request (
    request_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    identity_id   bigint NOT NULL,
    jurisdiction  text NOT NULL REFERENCES ci.retention_jurisdiction ON UPDATE CASCADE,
    received_at   timestamptz NOT NULL,
    deadline      timestamptz NOT NULL,
    requested_by  text NOT NULL DEFAULT session_user,
    note          text,
    status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed', 'rejected')),
    completed_at  timestamptz,
    export_digest bytea,
    export_bytes  integer,
    CHECK (deadline >= received_at),
    CHECK ((status = 'completed') = (completed_at IS NOT NULL))
);
CREATE INDEX access_request_open_idx ON ci.access_request (deadline) WHERE status = 'open';
COMMENT ON TABLE ci.access_request IS 'Subject-access requests with their legal deadline; a completed one keeps the SHA-256 and size of the export handed over, not the export';
SELECT pg_catalog.pg_extension_config_dump('ci.access_request', '');
SELECT pg_catalog.pg_extension_config_dump('ci.access_request_request_id_seq', '');

CREATE FUNCTION ci.request_access(identity_id bigint, jurisdiction text DEFAULT 'DEFAULT',
                                  received_at timestamptz DEFAULT now(), note text DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v bigint;
BEGIN
    PERFORM ci.retention_check_subject(request_access.identity_id, request_access.jurisdiction, request_access.received_at);
    INSERT INTO ci.access_request (identity_id, jurisdiction, received_at, deadline, note)
    SELECT request_access.identity_id, j.jurisdiction, request_access.received_at,
           request_access.received_at + j.access_deadline, request_access.note
      FROM ci.retention_jurisdiction j WHERE j.jurisdiction = request_access.jurisdiction
    RETURNING request_id INTO v;
    RETURN v;
END;
$$;
COMMENT ON FUNCTION ci.request_access(bigint, text, timestamptz, text) IS 'registers a subject-access request for a customer (identity) with its legal deadline; returns its id';

CREATE FUNCTION ci.subject_access_export(identity_id bigint)
RETURNS jsonb LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_family bigint[];
    v_records bigint[];
    t ci.retention_table;
    v_tables jsonb := '{}';
    v_rows jsonb;
    v_consent jsonb;
    v_live bigint;
BEGIN
    IF subject_access_export.identity_id IS NULL
       OR NOT EXISTS (SELECT 1 FROM ci.identity i WHERE i.identity_id = subject_access_export.identity_id) THEN
        RAISE EXCEPTION 'identity % does not exist', subject_access_export.identity_id USING ERRCODE = 'no_data_found';
    END IF;
    v_family := ci.identity_family(ARRAY[subject_access_export.identity_id]);
    v_records := ARRAY(SELECT l.record_id FROM ci.identity_link l WHERE l.identity_id = ANY (v_family) ORDER BY 1);
    SELECT i.identity_id INTO v_live FROM ci.identity i
     WHERE i.identity_id = ANY (v_family) AND i.retired_at IS NULL ORDER BY i.identity_id LIMIT 1;
    FOR t IN SELECT * FROM ci.retention_table r
              WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = r.table_name)
                AND r.table_name <> 'ci.golden_profile'::regclass
              ORDER BY r.erase_order, r.table_name::text LOOP
        EXECUTE format('SELECT jsonb_agg(to_jsonb(t) ORDER BY to_jsonb(t)::text) FROM %s AS t WHERE %s',
                       t.table_name, ci.retention_customer_filter(t.table_name))
           INTO v_rows
          USING CASE t.customer_kind WHEN 'identity' THEN v_family ELSE v_records END;
        IF v_rows IS NOT NULL THEN
            v_tables := v_tables || jsonb_build_object(t.table_name::text, v_rows);
        END IF;
    END LOOP;
    IF to_regclass('ci.consent_event') IS NOT NULL THEN
        EXECUTE 'SELECT jsonb_agg(to_jsonb(e) ORDER BY e.decided_at, e.event_id) FROM ci.consent_event e
                  WHERE e.identity_id = ANY ($1) OR e.record_id = ANY ($2)'
           INTO v_consent USING v_family, v_records;
    END IF;
    RETURN jsonb_build_object(
        'identity_id', subject_access_export.identity_id,
        'identities', to_jsonb(v_family),
        'source_records', to_jsonb(v_records),
        'generated_at', now(),
        'golden_profile', CASE WHEN v_live IS NOT NULL THEN ci.golden_profile_json(v_live) END,
        'consent_history', CASE WHEN to_regclass('ci.consent_event') IS NULL THEN NULL ELSE coalesce(v_consent, '[]') END,
        'tables', v_tables);
END;
$$;
COMMENT ON FUNCTION ci.subject_access_export(bigint) IS
'everything registered about a customer as one jsonb document: their rows per registered table, their golden profile with its lineage, and their consent history';

CREATE FUNCTION ci.complete_access_request(request_id bigint)
RETURNS jsonb LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    q ci.access_request;
    v jsonb;
BEGIN
    SELECT * INTO q FROM ci.access_request r WHERE r.request_id = complete_access_request.request_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'access request % does not exist', complete_access_request.request_id USING ERRCODE = 'no_data_found';
    END IF;
    IF q.status <> 'open' THEN
        RAISE EXCEPTION 'access request % is %', q.request_id, q.status USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    v := ci.subject_access_export(q.identity_id) || jsonb_build_object('access_request', q.request_id);
    UPDATE ci.access_request r
       SET status = 'completed', completed_at = now(),
           export_digest = sha256(convert_to(v::text, 'UTF8')), export_bytes = octet_length(v::text)
     WHERE r.request_id = q.request_id;
    RETURN v;
END;
$$;
COMMENT ON FUNCTION ci.complete_access_request(bigint) IS 'answers an open access request: returns the export and records its digest and size (not its content)';

CREATE FUNCTION ci.reject_privacy_request(kind text, request_id bigint, reason text)
RETURNS boolean LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF reason IS NULL OR btrim(reason) = '' THEN
        RAISE EXCEPTION 'rejecting a request needs a reason' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF kind = 'erasure' THEN
        UPDATE ci.erasure_request r SET status = 'rejected', note = concat_ws(E'\n', r.note, 'rejected: ' || reason)
         WHERE r.request_id = reject_privacy_request.request_id AND r.status IN ('pending', 'held');
    ELSIF kind = 'access' THEN
        UPDATE ci.access_request r SET status = 'rejected', note = concat_ws(E'\n', r.note, 'rejected: ' || reason)
         WHERE r.request_id = reject_privacy_request.request_id AND r.status = 'open';
    ELSE
        RAISE EXCEPTION 'unknown request kind "%"', kind USING ERRCODE = 'invalid_parameter_value', HINT = 'Use erasure or access.';
    END IF;
    RETURN FOUND;
END;
$$;
COMMENT ON FUNCTION ci.reject_privacy_request(text, bigint, text) IS 'rejects an open erasure or access request (for example, identity not verified), recording why';
