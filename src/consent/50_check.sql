-- The check: may this customer's data be used for purpose P on channel C now?
--
-- ci.consent_allowed_ids() is the rule, in SQL; the C functions below keep
-- its answers for the current snapshot in a hash table (src/consent/
-- consent_cache.c), so that a row filter over millions of rows costs one
-- hash probe per row.  Rule, per identity:
--   blocked (legal, erased)                          -> no
--   purpose contacts and channel (or all) suppressed -> no
--   winning decision covering (P, C) and (P, all) in force -> granted?
--   else the jurisdiction's default for P ('notice' counts as allowed)

CREATE FUNCTION ci.consent_default_allows(p_jurisdiction text, p_purpose text)
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce((SELECT d.absent <> 'denied' FROM ci.consent_default d
                      WHERE d.jurisdiction = p_jurisdiction AND d.purpose = p_purpose),
                    (SELECT d.absent <> 'denied' FROM ci.consent_default d
                      WHERE d.jurisdiction = 'DEFAULT' AND d.purpose = p_purpose),
                    false)
$$;
COMMENT ON FUNCTION ci.consent_default_allows(text, text) IS 'whether the absence of a decision allows a purpose in a jurisdiction (its row, else DEFAULT''s, else no)';

CREATE FUNCTION ci.consent_allowed_ids(p_purpose text, p_channel text DEFAULT 'all', p_ids bigint[] DEFAULT NULL)
RETURNS TABLE (identity_id bigint, allowed boolean)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    WITH p AS (SELECT contacts FROM ci.consent_purpose WHERE purpose = p_purpose),
    dflt AS (SELECT j.jurisdiction, ci.consent_default_allows(j.jurisdiction, p_purpose) AS allows
               FROM ci.consent_jurisdiction j),
    d AS (SELECT DISTINCT ON (st.identity_id) st.identity_id, st.decision = 'granted' AS granted,
                 (st.valid_from IS NULL OR st.valid_from <= now()) AND (st.valid_until IS NULL OR st.valid_until > now()) AS in_force
            FROM ci.consent_state st
           WHERE st.purpose = p_purpose AND st.channel IN (p_channel, 'all')
             AND (p_ids IS NULL OR st.identity_id = ANY (p_ids))
           ORDER BY st.identity_id, st.decided_at DESC, (st.decision = 'granted'), (st.channel = 'all')),
    s AS (SELECT * FROM ci.consent_subject s WHERE p_ids IS NULL OR s.identity_id = ANY (p_ids))
    SELECT coalesce(s.identity_id, d.identity_id),
           CASE WHEN s.blocked_reason IS NOT NULL THEN false
                WHEN (SELECT contacts FROM p) AND s.suppressed_channels && ARRAY['all', p_channel] THEN false
                WHEN d.in_force THEN d.granted
                ELSE coalesce((SELECT allows FROM dflt WHERE dflt.jurisdiction = coalesce(s.jurisdiction, 'DEFAULT')), false)
           END
      FROM s FULL JOIN d ON d.identity_id = s.identity_id
$$;
COMMENT ON FUNCTION ci.consent_allowed_ids(text, text, bigint[]) IS 'the consent rule in SQL: per identity (all with state, or p_ids), whether purpose and channel are allowed now; identities absent are decided by the DEFAULT jurisdiction';

-- Session settings, checked when set and again by every statement that
-- reads a protected table: ci.purpose (a purpose of ci.consent_purpose the
-- role is bound to) and ci.channel (all, email, sms, push, phone, post).
CREATE FUNCTION ci.consent_purpose_allowed(p_role oid, p_purpose text)
RETURNS boolean LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
    SELECT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE oid = p_role)   -- a superuser is a member of every role
        OR NOT EXISTS (SELECT 1 FROM ci.consent_purpose_binding b JOIN pg_catalog.pg_roles r ON r.rolname = b.role_name
                        WHERE pg_catalog.pg_has_role(p_role, r.oid, 'MEMBER'))
        OR EXISTS (SELECT 1 FROM ci.consent_purpose_binding b JOIN pg_catalog.pg_roles r ON r.rolname = b.role_name
                    WHERE pg_catalog.pg_has_role(p_role, r.oid, 'MEMBER') AND b.purpose = p_purpose)
$$;
COMMENT ON FUNCTION ci.consent_purpose_allowed(oid, text) IS 'whether a role may declare a purpose: a superuser, or no binding applies to it (directly or through membership), or one of those that apply names the purpose';

-- The row filter of ci.protect: true when the session's purpose is among
-- the table's purposes and the customer allows it on the session's channel.
CREATE FUNCTION ci.consent_check(customer bigint, table_purposes text[])
RETURNS boolean
AS 'MODULE_PATHNAME', 'consent_check'
LANGUAGE C STABLE PARALLEL SAFE COST 1;
COMMENT ON FUNCTION ci.consent_check(bigint, text[]) IS 'row filter of protected tables: the session''s purpose (ci.purpose) is one of table_purposes and the customer allows it on ci.channel now; false with no purpose or a NULL customer';

CREATE FUNCTION ci.consent_allows(customer bigint, purpose text, channel text DEFAULT 'all')
RETURNS boolean
AS 'MODULE_PATHNAME', 'consent_allows'
LANGUAGE C STABLE STRICT PARALLEL SAFE COST 1;
COMMENT ON FUNCTION ci.consent_allows(bigint, text, text) IS 'may this customer''s data be used for this purpose on this channel now? (the same answer the row filter gives; NULL for a NULL argument)';

CREATE FUNCTION ci.hmac_sha256(data bytea, key bytea)
RETURNS bytea
AS 'MODULE_PATHNAME', 'consent_hmac_sha256'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ci.hmac_sha256(bytea, bytea) IS 'HMAC-SHA-256 (RFC 2104) of data under key, with PostgreSQL''s own implementation';
