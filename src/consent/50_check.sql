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

-- The rule for one identity, from its subject row, its winning decision and
-- its jurisdiction's default (inlined into the queries below).
CREATE FUNCTION ci.consent_decide(p_blocked text, p_suppressed text[], p_contacts boolean, p_channel text,
                                  p_in_force boolean, p_granted boolean, p_default boolean)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN p_blocked IS NOT NULL THEN false
                WHEN p_contacts AND p_suppressed && ARRAY['all', p_channel] THEN false
                WHEN p_in_force THEN p_granted
                ELSE coalesce(p_default, false) END
$$;
COMMENT ON FUNCTION ci.consent_decide(text, text[], boolean, text, boolean, boolean, boolean) IS
'the consent rule: blocked, then a contact suppression on the channel, then the winning decision in force, then the default';

-- The winning decision covering (purpose, channel) per identity.
CREATE FUNCTION ci.consent_winner(p_purpose text, p_channel text)
RETURNS TABLE (identity_id bigint, granted boolean, in_force boolean)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT DISTINCT ON (st.identity_id) st.identity_id, st.decision = 'granted',
           (st.valid_from IS NULL OR st.valid_from <= now()) AND (st.valid_until IS NULL OR st.valid_until > now())
      FROM ci.consent_state st
     WHERE st.purpose = p_purpose AND st.channel IN (p_channel, 'all')
     ORDER BY st.identity_id, st.decided_at DESC, (st.decision = 'granted'), (st.channel = 'all')
$$;
COMMENT ON FUNCTION ci.consent_winner(text, text) IS 'per identity with a decision: the winning decision covering the purpose on the channel, and whether it is in force now';

-- Every identity with state, and whether the purpose is allowed on the channel.
CREATE FUNCTION ci.consent_allowed_ids(p_purpose text, p_channel text DEFAULT 'all')
RETURNS TABLE (identity_id bigint, allowed boolean)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce(s.identity_id, d.identity_id),
           ci.consent_decide(s.blocked_reason, s.suppressed_channels, p.contacts, p_channel, d.in_force, d.granted,
                             coalesce(jd.absent, dd.absent) <> 'denied')
      FROM ci.consent_subject s
      FULL JOIN ci.consent_winner(p_purpose, p_channel) d ON d.identity_id = s.identity_id
     CROSS JOIN (SELECT contacts FROM ci.consent_purpose WHERE purpose = p_purpose) p
      LEFT JOIN ci.consent_default jd ON jd.jurisdiction = coalesce(s.jurisdiction, 'DEFAULT') AND jd.purpose = p_purpose
      LEFT JOIN ci.consent_default dd ON dd.jurisdiction = 'DEFAULT' AND dd.purpose = p_purpose
$$;
COMMENT ON FUNCTION ci.consent_allowed_ids(text, text) IS 'the consent rule for every identity with state: whether the purpose is allowed on the channel now (identities absent are decided by the DEFAULT jurisdiction)';

-- The same for one identity: one row, or none when it has no state (the
-- DEFAULT jurisdiction decides).  A set-returning SQL function, so that it
-- is inlined into the caller's plan, which the row filter keeps.
CREATE FUNCTION ci.consent_allowed_one(p_identity_id bigint, p_purpose text, p_channel text DEFAULT 'all')
RETURNS TABLE (allowed boolean)
LANGUAGE sql STABLE PARALLEL SAFE ROWS 1
AS $$
    SELECT ci.consent_decide(s.blocked_reason, s.suppressed_channels, p.contacts, p_channel, d.in_force, d.granted,
                             coalesce(jd.absent, dd.absent) <> 'denied')
      FROM (SELECT p_identity_id AS id) k
      LEFT JOIN ci.consent_subject s ON s.identity_id = k.id
      LEFT JOIN LATERAL (
            SELECT st.decision = 'granted' AS granted,
                   (st.valid_from IS NULL OR st.valid_from <= now()) AND (st.valid_until IS NULL OR st.valid_until > now()) AS in_force
              FROM ci.consent_state st
             WHERE st.identity_id = k.id AND st.purpose = p_purpose AND st.channel IN (p_channel, 'all')
             ORDER BY st.decided_at DESC, (st.decision = 'granted'), (st.channel = 'all')
             LIMIT 1) d ON true
     CROSS JOIN (SELECT contacts FROM ci.consent_purpose WHERE purpose = p_purpose) p
      LEFT JOIN ci.consent_default jd ON jd.jurisdiction = coalesce(s.jurisdiction, 'DEFAULT') AND jd.purpose = p_purpose
      LEFT JOIN ci.consent_default dd ON dd.jurisdiction = 'DEFAULT' AND dd.purpose = p_purpose
     WHERE s.identity_id IS NOT NULL OR d.granted IS NOT NULL
$$;
COMMENT ON FUNCTION ci.consent_allowed_one(bigint, text, text) IS 'the consent rule for one identity: one row, none when it has no consent state';

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

-- On Citus: the condition the planner adds to a query over a protected
-- Citus table, carrying the session's purpose and channel into the shard
-- queries, where the workers' planners write them into the filter
-- (src/consent/consent_citus.c).  Always true; not STRICT (a NULL customer
-- must not drop the row).
CREATE FUNCTION ci.consent_declared(customer bigint, purpose text, channel text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'consent_declared'
LANGUAGE C IMMUTABLE PARALLEL SAFE COST 1;
COMMENT ON FUNCTION ci.consent_declared(bigint, text, text) IS 'internal, always true: carries a statement''s declared consent purpose and channel to the Citus workers (written by the planner, doc/scaling.md)';

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
