-- Sealing, verification, redaction and retention of the audit log.

CREATE FUNCTION ci.audit_meta(l ci.audit_log)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT pg_catalog.jsonb_build_array(
        l.id, l.txid::text, (pg_catalog.extract('epoch', l.stmt_time) * 1000000)::bigint,
        l.relid::bigint, l.table_name, l.operation, l.record_key::text, l.record_pk,
        l.customer_id, l.rows, l.actor::text, l.session_actor::text, l.application,
        l.client_addr::text, l.purpose)::text
$$;
COMMENT ON FUNCTION ci.audit_meta(ci.audit_log) IS
    'The metadata of an audit row that its chain link covers: canonical JSON text of every column but old and new';

CREATE FUNCTION ci.audit_payload_hash(old jsonb, new jsonb)
RETURNS bytea
AS 'MODULE_PATHNAME', 'audit_payload_hash'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ci.audit_payload_hash(jsonb, jsonb) IS
    'SHA-256 of an audit row''s payload: old''s and new''s JSON text (null for NULL) joined by a newline';

CREATE FUNCTION ci.audit_link(previous bytea, meta text, payload_hash bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'audit_link'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ci.audit_link(bytea, text, bytea) IS
    'One link of the audit chain: SHA-256(previous link || metadata || payload hash)';

CREATE FUNCTION ci.audit_seal(max_rows bigint DEFAULT 9223372036854775807)
RETURNS bigint
AS 'MODULE_PATHNAME', 'audit_seal'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION ci.audit_seal(bigint) IS
    'Seals unsealed audit rows of finished transactions into the hash chain, in order; returns the rows sealed';

CREATE FUNCTION ci.audit_verify(expected_head bytea DEFAULT NULL)
RETURNS TABLE (log_id bigint, status text, detail text)
AS 'MODULE_PATHNAME', 'audit_verify'
LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION ci.audit_verify(bytea) IS
    'Recomputes the audit chain: one row per redacted row, then "verified" or the first break (inserted, missing, altered, rewritten)';

CREATE FUNCTION ci.audit_chain_head()
RETURNS TABLE (txid bigint, log_id bigint, link bytea, sealed_rows bigint, sealed_at timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT c.head_txid, c.head_id, c.head_link, c.sealed_rows, c.sealed_at
    FROM ci.audit_chain c WHERE c.chain_id = 1
$$;
COMMENT ON FUNCTION ci.audit_chain_head() IS
    'The last sealed link: keep it outside the database and pass it to ci.audit_verify later';

CREATE FUNCTION ci.audit_redact_rows(tbl regclass, record_key uuid, reason text)
RETURNS bigint
AS 'MODULE_PATHNAME', 'audit_redact_rows'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION ci.audit_redact_rows(regclass, uuid, text) IS
    'Replaces the payload of every change row of a record key with a redaction marker, keeping its hash, and logs a REDACT row; needs UPDATE on ci.audit_log';

CREATE FUNCTION ci.audit_redact(tbl regclass, reason text, VARIADIC key_values text[])
RETURNS bigint
LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
AS $$
    SELECT ci.audit_redact_rows(tbl, ci.audit_record_key(tbl, VARIADIC key_values), reason)
$$;
COMMENT ON FUNCTION ci.audit_redact(regclass, text, text[]) IS
    'Erases the values of one record from the audit log (right to erasure); the chain still verifies and reports the rows as redacted';

-- Maintenance events that are not row changes (retention runs, erasure
-- certificates): one EVENT row each, sealed like every other row.
CREATE FUNCTION ci.audit_event(kind text, details jsonb DEFAULT '{}')
RETURNS void
AS 'MODULE_PATHNAME', 'audit_event'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ci.audit_event(text, jsonb) IS
    'Logs a maintenance event (kind, details without personal data) as an EVENT row of ci.audit_log, sealed into the chain like any row; needs UPDATE on ci.audit_log';

CREATE FUNCTION ci.audit_export(before timestamptz)
RETURNS TABLE (id bigint, txid bigint, stmt_time timestamptz, table_name text, operation text,
               record_key uuid, record_pk jsonb, customer_id bigint, old jsonb, new jsonb,
               "rows" bigint, actor text, session_actor text, application text, client_addr inet,
               purpose text, redacted_hash bytea, meta text, payload_hash bytea, link bytea)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT l.id, l.txid, l.stmt_time, l.table_name, l.operation, l.record_key, l.record_pk,
           l.customer_id, l.old, l.new, l.rows, l.actor, l.session_actor, l.application,
           l.client_addr, l.purpose, l.redacted_hash, ci.audit_meta(l), s.payload_hash, s.link
    FROM ci.audit_seal s JOIN ci.audit_log l ON l.txid = s.txid AND l.id = s.log_id
    WHERE (s.txid, s.log_id) <= (SELECT x.txid, x.log_id FROM ci.audit_seal x
                                 WHERE x.sealed_at < before
                                 ORDER BY x.txid DESC, x.log_id DESC LIMIT 1)
    ORDER BY s.txid, s.log_id
$$;
COMMENT ON FUNCTION ci.audit_export(timestamptz) IS
    'The sealed rows ci.audit_prune(before) would remove, with their links, in chain order: COPY them out first';

CREATE FUNCTION ci.audit_prune(before timestamptz)
RETURNS bigint
AS 'MODULE_PATHNAME', 'audit_prune'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION ci.audit_prune(timestamptz) IS
    'Removes audit rows sealed before a time and makes the last one the chain''s anchor; needs DELETE on the audit tables';
