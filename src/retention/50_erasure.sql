-- Right to erasure.  ci.request_erasure records a request with its legal
-- deadline; ci.process_erasure carries it out in ONE transaction (a cancel
-- or a crash leaves the customer as they were, never half-erased):
--   1. lock ci.identity_link against link writers (SHARE ROW EXCLUSIVE:
--      a concurrent resolution that would link a new record to the customer
--      waits, then finds the identity gone), and take the customer's ids:
--      every identity merged into or from theirs, every record linked;
--   2. in every registered table (erase_order), keep what an active legal
--      hold covers and delete or anonymise the rest, after noting the
--      contact points and audit keys of the rows that go;
--   3. put the contact points on the hashed suppression list, erase the
--      consent history but the legal proof, redact the audit payloads, each
--      through its capability's API when it is installed;
--   4. issue a certificate: counts per table, steps, holds, a digest — no
--      personal data.  The request keeps the customer's ids (pseudonymous,
--      pointing at nothing any more) and HMACs of the contact points so that
--      ci.verify_erasure can look again.
-- A customer under a hold: what the hold covers stays and the request stays
-- 'held'; every later run (or process_erasure) erases what has since been
-- released, and completes it when nothing is held.

CREATE TABLE ci.retention_secret (
    id   boolean PRIMARY KEY DEFAULT true CHECK (id),
    key  bytea NOT NULL CHECK (length(key) >= 32)
);
REVOKE ALL ON ci.retention_secret FROM PUBLIC;
COMMENT ON TABLE ci.retention_secret IS 'HMAC key of the contact-point hashes erasure keeps; owner only';
SELECT pg_catalog.pg_extension_config_dump('ci.retention_secret', '');


-- The key, made on first use.
CREATE FUNCTION ci.retention_key()
RETURNS bytea LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    k bytea;
BEGIN
    SELECT key INTO k FROM ci.retention_secret;
    IF k IS NULL THEN
        INSERT INTO ci.retention_secret (key)
        SELECT decode(md5(gen_random_uuid()::text) || md5(gen_random_uuid()::text), 'hex')
        ON CONFLICT DO NOTHING;
        SELECT key INTO k FROM ci.retention_secret;
    END IF;
    RETURN k;
END;
$$;
COMMENT ON FUNCTION ci.retention_key() IS 'internal: the contact-point HMAC key, created on first use';

CREATE TABLE ci.erasure_request (
    request_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    identity_id         bigint NOT NULL,
    jurisdiction        text NOT NULL REFERENCES ci.retention_jurisdiction ON UPDATE CASCADE,
    received_at         timestamptz NOT NULL,
    deadline            timestamptz NOT NULL,
    requested_by        text NOT NULL DEFAULT session_user,
    note                text,
    status              text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'held', 'completed', 'rejected')),
    passes              integer NOT NULL DEFAULT 0,
    processed_at        timestamptz,
    completed_at        timestamptz,
    erased_identity_ids bigint[] NOT NULL DEFAULT '{}',
    erased_record_ids   bigint[] NOT NULL DEFAULT '{}',
    contact_hashes      bytea[] NOT NULL DEFAULT '{}',
    holds               bigint[] NOT NULL DEFAULT '{}',
    CHECK (deadline >= received_at)
);
CREATE INDEX erasure_request_open_idx ON ci.erasure_request (deadline) WHERE status IN ('pending', 'held');
COMMENT ON TABLE ci.erasure_request IS 'Right-to-erasure requests, their legal deadline and status; after processing, only pseudonymous ids and HMACs of contact points remain, for verification';

CREATE TABLE ci.erasure_certificate (
    request_id  bigint NOT NULL REFERENCES ci.erasure_request,
    pass        integer NOT NULL,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    certificate jsonb NOT NULL,
    digest      bytea NOT NULL,
    PRIMARY KEY (request_id, pass)
);
COMMENT ON TABLE ci.erasure_certificate IS 'What each processing of an erasure request removed, where and when, with a SHA-256 digest; holds no personal data';

SELECT pg_catalog.pg_extension_config_dump('ci.erasure_request', '');
SELECT pg_catalog.pg_extension_config_dump('ci.erasure_request_request_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ci.erasure_certificate', '');

CREATE FUNCTION ci.retention_check_subject(p_identity_id bigint, p_jurisdiction text, p_received_at timestamptz)
RETURNS void LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_identity_id IS NULL THEN
        RAISE EXCEPTION 'identity_id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM ci.identity WHERE identity_id = p_identity_id) THEN
        RAISE EXCEPTION 'identity % does not exist', p_identity_id
            USING ERRCODE = 'no_data_found',
                  HINT = 'A request names a resolved customer (ci.identity); find it through ci.identity_link from a source record.';
    END IF;
    IF p_jurisdiction IS NULL OR NOT EXISTS (SELECT 1 FROM ci.retention_jurisdiction WHERE jurisdiction = p_jurisdiction) THEN
        RAISE EXCEPTION 'unknown jurisdiction "%"', p_jurisdiction
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Known jurisdictions: ' || (SELECT string_agg(jurisdiction, ', ' ORDER BY jurisdiction) FROM ci.retention_jurisdiction) || '.';
    END IF;
    IF p_received_at IS NULL OR p_received_at > now() + interval '5 minutes' THEN
        RAISE EXCEPTION 'received_at must be given and not in the future'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END;
$$;
COMMENT ON FUNCTION ci.retention_check_subject(bigint, text, timestamptz) IS 'internal: raises unless a request names an existing identity, a known jurisdiction and a past receipt time';

CREATE FUNCTION ci.request_erasure(identity_id bigint, jurisdiction text DEFAULT 'DEFAULT',
                                   received_at timestamptz DEFAULT now(), note text DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v bigint;
BEGIN
    PERFORM ci.retention_check_subject(request_erasure.identity_id, request_erasure.jurisdiction, request_erasure.received_at);
    SELECT q.request_id INTO v FROM ci.erasure_request q
     WHERE q.identity_id = request_erasure.identity_id AND q.status IN ('pending', 'held');
    IF FOUND THEN
        RAISE NOTICE 'erasure request % for identity % is already open', v, request_erasure.identity_id;
        RETURN v;
    END IF;
    INSERT INTO ci.erasure_request (identity_id, jurisdiction, received_at, deadline, note)
    SELECT request_erasure.identity_id, j.jurisdiction, request_erasure.received_at,
           request_erasure.received_at + j.erasure_deadline, request_erasure.note
      FROM ci.retention_jurisdiction j WHERE j.jurisdiction = request_erasure.jurisdiction
    RETURNING request_id INTO v;
    RETURN v;
END;
$$;
COMMENT ON FUNCTION ci.request_erasure(bigint, text, timestamptz, text) IS
'records a right-to-erasure request for a customer (identity) with its legal deadline in the jurisdiction; ci.run_retention or ci.process_erasure carries it out; returns the request id';

-- SQL over alias t: the row belongs to one of the ids in $1.
CREATE FUNCTION ci.retention_customer_filter(p_table regclass)
RETURNS text LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT '(' || string_agg(format('t.%I = ANY ($1)', c), ' OR ' ORDER BY o) || ')'
      FROM ci.retention_table r, unnest(r.customer_columns) WITH ORDINALITY u(c, o)
     WHERE r.table_name = p_table
$$;
COMMENT ON FUNCTION ci.retention_customer_filter(regclass) IS 'internal: SQL over alias t true for rows of the customer ids passed as $1';

-- SQL over alias t: one contact column, normalised and kind-tagged
-- ('email:…' / 'phone:…'), the text erasure hashes and verification compares.
CREATE FUNCTION ci.retention_contact_expr(r ci.retention_table, p_kind text, p_column name)
RETURNS text LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN r.contacts_normalised THEN format('%L || t.%I::text', p_kind || ':', p_column)
                WHEN p_kind = 'email' THEN format('''email:'' || ci.normalize_email(t.%I::text)', p_column)
                ELSE format('''phone:'' || ci.normalize_phone(t.%I::text)', p_column) END
$$;
COMMENT ON FUNCTION ci.retention_contact_expr(ci.retention_table, text, name) IS 'internal: SQL over alias t giving one contact column as email:… or phone:…, normalised';

-- SQL over alias t: the normalised contact points of the row, kind-tagged.
CREATE FUNCTION ci.retention_contact_sql(p_table regclass)
RETURNS text LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT 'ARRAY[' || string_agg(x, ', ') || ']::text[]'
      FROM (SELECT ci.retention_contact_expr(r, 'email', c) AS x
              FROM ci.retention_table r, unnest(r.email_columns) c WHERE r.table_name = p_table
            UNION ALL
            SELECT ci.retention_contact_expr(r, 'phone', c)
              FROM ci.retention_table r, unnest(r.phone_columns) c WHERE r.table_name = p_table) s
$$;
COMMENT ON FUNCTION ci.retention_contact_sql(regclass) IS 'internal: SQL over alias t giving the row''s normalised contact points as email:… / phone:… (NULL when the table lists none)';

-- ---- integration with the consent and audit capabilities ----------------
-- Each step calls the other capability's SQL API when it is installed and
-- reports 'not installed' otherwise; the certificate records which.

-- Contact points of an erased customer go on the suppression list
-- (reason 'erased', every channel), kept there only as HMACs by consent.
CREATE FUNCTION ci.erasure_suppress_contacts(p_request_id bigint, p_contacts text[])
RETURNS jsonb LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c text;
    n integer := 0;
BEGIN
    IF to_regprocedure('ci.suppress(text,bigint,text,text,text,text,text)') IS NULL THEN
        RETURN jsonb_build_object('status', 'not installed', 'contact_points', cardinality(p_contacts));
    END IF;
    FOREACH c IN ARRAY p_contacts LOOP
        IF c LIKE 'email:%' THEN
            EXECUTE 'SELECT ci.suppress(reason => $1, email => $2, channel => $3, note => $4)'
              USING 'erased', substr(c, 7), 'all', format('erasure request %s', p_request_id);
        ELSE
            EXECUTE 'SELECT ci.suppress(reason => $1, phone => $2, channel => $3, note => $4)'
              USING 'erased', substr(c, 7), 'all', format('erasure request %s', p_request_id);
        END IF;
        n := n + 1;
    END LOOP;
    RETURN jsonb_build_object('status', 'done', 'contact_points', n);
END;
$$;
COMMENT ON FUNCTION ci.erasure_suppress_contacts(bigint, text[]) IS 'erasure step: suppresses the customer''s contact points (hashed) through ci.suppress when consent is installed';

-- The consent ledger is append-only: its erasure (all but the minimum kept
-- as proof) is consent's to do.  Expected API: ci.erase_consent(identity_ids
-- bigint[], record_ids bigint[], reason text) returning the rows changed.
CREATE FUNCTION ci.erasure_consent_history(p_request_id bigint, p_identity_ids bigint[], p_record_ids bigint[])
RETURNS jsonb LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    IF to_regprocedure('ci.erase_consent(bigint[],bigint[],text)') IS NULL THEN
        RETURN jsonb_build_object('status', CASE WHEN to_regclass('ci.consent_event') IS NULL THEN 'not installed'
                                                 ELSE 'no erasure API in consent yet' END);
    END IF;
    EXECUTE 'SELECT ci.erase_consent($1, $2, $3)' INTO n
      USING p_identity_ids, p_record_ids, format('erasure request %s', p_request_id);
    RETURN jsonb_build_object('status', 'done', 'rows', n);
END;
$$;
COMMENT ON FUNCTION ci.erasure_consent_history(bigint, bigint[], bigint[]) IS 'erasure step: erases the customer''s consent history but the legal proof, through ci.erase_consent when consent offers it';

-- Audit keys of the rows about to be erased from an audited table (NULL
-- when audit is not installed or the table is not audited).
CREATE FUNCTION ci.erasure_audit_keys(p_table regclass, p_ids bigint[], p_hold_filter text)
RETURNS uuid[] LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    pk text;
    v uuid[];
    audited text;
BEGIN
    IF to_regprocedure('ci.audit_redact_rows(regclass,uuid,text)') IS NULL
       OR to_regprocedure('ci.audit_record_key(regclass,text[])') IS NULL
       OR to_regprocedure('ci.audit_ops(regclass)') IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE 'SELECT ci.audit_ops($1)' INTO audited USING p_table;
    IF audited IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT string_agg(format('t.%I::text', a.attname), ', ' ORDER BY k.o) INTO pk
      FROM pg_catalog.pg_index i
     CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, o)
      JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
     WHERE i.indrelid = p_table AND i.indisprimary;
    IF pk IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT array_agg(ci.audit_record_key(%L::regclass, VARIADIC ARRAY[%s])) FROM %s AS t WHERE %s AND %s',
                   p_table, pk, p_table, ci.retention_customer_filter(p_table), p_hold_filter)
       INTO v USING p_ids;
    RETURN coalesce(v, '{}');
END;
$$;
COMMENT ON FUNCTION ci.erasure_audit_keys(regclass, bigint[], text) IS 'erasure step: audit record keys of the customer''s rows in an audited table (NULL without audit)';

CREATE FUNCTION ci.erasure_redact_audit(p_request_id bigint, p_keys jsonb)
RETURNS jsonb LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    e record;
    k uuid;
    n bigint := 0;
    m bigint;
BEGIN
    IF to_regprocedure('ci.audit_redact_rows(regclass,uuid,text)') IS NULL THEN
        RETURN jsonb_build_object('status', 'not installed');
    END IF;
    FOR e IN SELECT key::regclass AS tbl, value FROM jsonb_each(p_keys) LOOP
        FOR k IN SELECT jsonb_array_elements_text(e.value)::uuid LOOP
            EXECUTE 'SELECT ci.audit_redact_rows($1, $2, $3)' INTO m USING e.tbl, k, format('erasure request %s', p_request_id);
            n := n + coalesce(m, 0);
        END LOOP;
    END LOOP;
    RETURN jsonb_build_object('status', 'done', 'rows_redacted', n);
END;
$$;
COMMENT ON FUNCTION ci.erasure_redact_audit(bigint, jsonb) IS 'erasure step: redacts the audit payloads of the erased rows through ci.audit_redact_rows (the chain still verifies)';

CREATE FUNCTION ci.process_erasure(request_id bigint)
RETURNS text LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    q ci.erasure_request;
    t ci.retention_table;
    v_ids bigint[];
    v_family bigint[];
    v_records bigint[];
    v_key bytea;
    hf text;
    cf text;
    csql text;
    extra text;
    v_contacts text[] := '{}';
    v_more text[];
    v_audit jsonb := '{}';
    v_akeys uuid[];
    v_tables jsonb := '[]';
    v_holds bigint[];
    n bigint;
    v_kept bigint;
    v_kept_total bigint := 0;
    v_status text;
    v_cert jsonb;
    v_suppress jsonb;
    v_consent jsonb;
    v_redact jsonb;
    v_linked bigint[];
BEGIN
    SELECT * INTO q FROM ci.erasure_request r WHERE r.request_id = process_erasure.request_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'erasure request % does not exist', process_erasure.request_id USING ERRCODE = 'no_data_found';
    END IF;
    IF q.status IN ('completed', 'rejected') THEN
        RETURN q.status;
    END IF;
    -- no link to this customer can be written until we commit
    LOCK TABLE ci.identity_link IN SHARE ROW EXCLUSIVE MODE;
    v_family := ARRAY(SELECT DISTINCT u FROM unnest(ci.identity_family(ARRAY[q.identity_id]) || q.erased_identity_ids) u ORDER BY 1);
    v_records := ARRAY(SELECT DISTINCT u FROM unnest(ARRAY(SELECT l.record_id FROM ci.identity_link l
                                                           WHERE l.identity_id = ANY (v_family)) || q.erased_record_ids) u ORDER BY 1);
    v_key := ci.retention_key();
    IF ci.retention_resolve_holds(NULL) THEN
        -- on Citus (src/retention/35_citus.sql)
        v_holds := ARRAY(SELECT h.hold_id FROM ci.retention_held() h
                          WHERE h.identity_ids && v_family OR h.record_ids && v_records ORDER BY 1);
    ELSE
        v_holds := ARRAY(SELECT DISTINCT h FROM (
                       SELECT hi.hold_id FROM ci.held_identity hi WHERE hi.identity_id = ANY (v_family)
                       UNION ALL SELECT hr.hold_id FROM ci.held_record hr WHERE hr.record_id = ANY (v_records)) x(h) ORDER BY 1);
    END IF;

    FOR t IN SELECT * FROM ci.retention_table r
              WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = r.table_name)
              ORDER BY r.erase_order, r.table_name::text LOOP
        v_ids := CASE t.customer_kind WHEN 'identity' THEN v_family ELSE v_records END;
        IF cardinality(v_ids) = 0 THEN
            CONTINUE;
        END IF;
        hf := ci.retention_hold_filter(t.table_name);
        cf := ci.retention_customer_filter(t.table_name);
        -- an identity goes only once no record is linked to it (read as a
        -- set first: on Citus links and identities are not co-located)
        v_linked := CASE WHEN t.table_name = 'ci.identity'::regclass
                         THEN ARRAY(SELECT DISTINCT l.identity_id FROM ci.identity_link l WHERE l.identity_id = ANY (v_ids))
                         ELSE '{}' END;
        extra := CASE WHEN t.table_name = 'ci.identity'::regclass
                      THEN ' AND NOT t.identity_id = ANY ($2)' ELSE '' END
                 || CASE WHEN t.erasure_action = 'anonymise'
                         THEN format(' AND NOT (%s)', ci.retention_all_null(t.erasure_columns)) ELSE '' END;
        v_kept := 0;
        IF hf <> 'true' THEN
            EXECUTE format('SELECT count(*) FROM %s AS t WHERE %s AND NOT (%s)', t.table_name, cf, hf) INTO v_kept USING v_ids;
        END IF;
        IF v_kept > 0 THEN
            v_holds := v_holds || ARRAY(SELECT h.hold_id FROM ci.legal_hold_active h WHERE h.table_name = t.table_name);
        END IF;
        -- every contact point is suppressed, held rows' too: a hold keeps
        -- data, it gives no leave to contact someone who asked to be erased
        csql := ci.retention_contact_sql(t.table_name);
        IF csql IS NOT NULL THEN
            EXECUTE format('SELECT array_agg(DISTINCT c) FROM %s AS t, unnest(%s) c WHERE %s AND c IS NOT NULL',
                           t.table_name, csql, cf) INTO v_more USING v_ids;
            v_contacts := v_contacts || coalesce(v_more, '{}');
        END IF;
        v_akeys := ci.erasure_audit_keys(t.table_name, v_ids, hf);
        IF cardinality(v_akeys) > 0 THEN
            v_audit := v_audit || jsonb_build_object(t.table_name::text, to_jsonb(v_akeys::text[]));
        END IF;
        IF t.erasure_action = 'delete' THEN
            EXECUTE format('DELETE FROM %s AS t WHERE %s AND %s%s', t.table_name, cf, hf, extra) USING v_ids, v_linked;
        ELSE
            EXECUTE format('UPDATE %s AS t SET %s WHERE %s AND %s%s', t.table_name,
                           (SELECT string_agg(format('%I = NULL', c), ', ') FROM unnest(t.erasure_columns) c),
                           cf, hf, extra) USING v_ids, v_linked;
        END IF;
        GET DIAGNOSTICS n = ROW_COUNT;
        v_kept_total := v_kept_total + v_kept;
        v_tables := v_tables || jsonb_build_object('table', t.table_name::text, 'action', t.erasure_action,
                                                   'rows', n, 'kept_by_hold', v_kept);
    END LOOP;

    v_contacts := ARRAY(SELECT DISTINCT c FROM unnest(v_contacts) c ORDER BY 1);
    v_suppress := ci.erasure_suppress_contacts(q.request_id, v_contacts);
    -- the consent history is the proof of what was allowed with the data a
    -- hold keeps: it goes with the pass that completes the request
    v_consent := CASE WHEN v_kept_total > 0 THEN jsonb_build_object('status', 'kept while held')
                      ELSE ci.erasure_consent_history(q.request_id, v_family, v_records) END;
    v_redact := ci.erasure_redact_audit(q.request_id, v_audit);
    -- identities that are gone need no golden refresh
    DELETE FROM ci.golden_dirty d WHERE d.identity_id = ANY (v_family)
       AND NOT EXISTS (SELECT 1 FROM ci.identity i WHERE i.identity_id = d.identity_id);

    v_holds := ARRAY(SELECT DISTINCT h FROM unnest(v_holds) h ORDER BY 1);
    v_status := CASE WHEN v_kept_total > 0 THEN 'held' ELSE 'completed' END;
    v_cert := jsonb_build_object(
        'request_id', q.request_id, 'pass', q.passes + 1, 'jurisdiction', q.jurisdiction,
        'received_at', q.received_at, 'deadline', q.deadline, 'processed_at', now(),
        'within_deadline', now() <= q.deadline, 'status', v_status,
        'tables', v_tables, 'contact_points', cardinality(v_contacts),
        'suppression', v_suppress, 'consent', v_consent, 'audit', v_redact,
        'kept_by_holds', v_holds);
    INSERT INTO ci.erasure_certificate (request_id, pass, certificate, digest)
    VALUES (q.request_id, q.passes + 1, v_cert, sha256(convert_to(v_cert::text, 'UTF8')));
    UPDATE ci.erasure_request r
       SET status = v_status, passes = r.passes + 1, processed_at = now(),
           completed_at = CASE WHEN v_status = 'completed' THEN now() END,
           erased_identity_ids = v_family, erased_record_ids = v_records, holds = v_holds,
           contact_hashes = ARRAY(SELECT DISTINCT h FROM unnest(r.contact_hashes || ARRAY(
                                SELECT ci.hmac_sha256(pg_catalog.textsend(c), v_key) FROM unnest(v_contacts) c)) h ORDER BY 1)
     WHERE r.request_id = q.request_id;
    PERFORM ci.retention_audit_hook('erasure', v_cert);
    RETURN v_status;
END;
$$;
COMMENT ON FUNCTION ci.process_erasure(bigint) IS
'carries out an erasure request in one transaction: deletes or anonymises the customer''s rows in every registered table except what legal holds keep, suppresses their contact points, erases consent history and redacts audit payloads where installed, and issues a certificate; returns completed or held';

CREATE FUNCTION ci.verify_erasure(request_id bigint)
RETURNS TABLE (table_name text, checked_by text, remaining bigint, kept_by_hold bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    q ci.erasure_request;
    t ci.retention_table;
    k bytea;
    v_ids bigint[];
    hf text;
    cond text;
    c name;
    kind text;
BEGIN
    SELECT * INTO q FROM ci.erasure_request r WHERE r.request_id = verify_erasure.request_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'erasure request % does not exist', verify_erasure.request_id USING ERRCODE = 'no_data_found';
    END IF;
    IF q.passes = 0 THEN
        RAISE EXCEPTION 'erasure request % has not been processed yet', q.request_id
            USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Run ci.process_erasure or CALL ci.run_retention() first.';
    END IF;
    SELECT s.key INTO k FROM ci.retention_secret s;
    FOR t IN SELECT * FROM ci.retention_table r
              WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_class pc WHERE pc.oid = r.table_name)
              ORDER BY r.erase_order, r.table_name::text LOOP
        hf := ci.retention_hold_filter(t.table_name);
        v_ids := CASE t.customer_kind WHEN 'identity' THEN q.erased_identity_ids ELSE q.erased_record_ids END;
        cond := ci.retention_customer_filter(t.table_name)
                || CASE WHEN t.erasure_action = 'anonymise'
                        THEN format(' AND NOT (%s)', ci.retention_all_null(t.erasure_columns)) ELSE '' END;
        table_name := t.table_name::text;
        checked_by := t.customer_kind;
        EXECUTE format('SELECT count(*), count(*) FILTER (WHERE NOT (%s)) FROM %s AS t WHERE %s', hf, t.table_name, cond)
           INTO remaining, kept_by_hold USING v_ids;
        RETURN NEXT;
        FOR kind, c IN SELECT 'email', e FROM unnest(t.email_columns) e UNION ALL SELECT 'phone', p FROM unnest(t.phone_columns) p LOOP
            checked_by := kind || ' ' || c;
            IF cardinality(q.contact_hashes) = 0 THEN
                remaining := 0; kept_by_hold := 0;
            ELSE
                EXECUTE format('SELECT count(*), count(*) FILTER (WHERE NOT (%s)) FROM %s AS t
                                 WHERE t.%I IS NOT NULL AND ci.hmac_sha256(pg_catalog.textsend(%s), $2) = ANY ($1)',
                               hf, t.table_name, c, ci.retention_contact_expr(t, kind, c))
                   INTO remaining, kept_by_hold USING q.contact_hashes, k;
            END IF;
            RETURN NEXT;
        END LOOP;
    END LOOP;
END;
$$;
COMMENT ON FUNCTION ci.verify_erasure(bigint) IS
'looks again, in every registered table, for rows of an erased customer: by identity or record id, and by normalised contact point (HMAC); remaining > kept_by_hold means something was left or came back';
