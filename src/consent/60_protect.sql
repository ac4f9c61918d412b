-- Protecting a table: one call puts the consent row filter on it.
--
-- ci.protect(table, customer column, purpose, …) enables and forces
-- row-level security on the table and creates two policies:
--   ci_consent         FOR ALL TO PUBLIC: rows are visible (and can be
--                      updated or deleted) only when ci.consent_check()
--                      passes; inserts are not filtered;
--   ci_consent_exempt  FOR ALL TO the roles of ci.consent_exempt_role
--                      (only when there are some): everything.
-- FORCE applies the filter to the table's owner too; superusers and roles
-- with BYPASSRLS are never filtered (PostgreSQL's rule).  Exemptions are
-- thus explicit: the exempt role list, BYPASSRLS, superuser.

CREATE TABLE ci.consent_protected (
    table_name      regclass PRIMARY KEY,
    customer_column name NOT NULL,
    purposes        text[] NOT NULL CHECK (cardinality(purposes) > 0),
    protected_by    name NOT NULL DEFAULT current_user,
    protected_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ci.consent_protected IS 'Tables under the consent row filter (ci.protect), their customer column and the purposes they may be read for';
SELECT pg_catalog.pg_extension_config_dump('ci.consent_protected', '');

-- (Re)creates the exempt policy of one protected table from ci.consent_exempt_role.
CREATE FUNCTION ci.consent_exempt_policy(p_table regclass)
RETURNS void LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_roles text;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_policy WHERE polrelid = p_table AND polname = 'ci_consent_exempt') THEN
        EXECUTE format('DROP POLICY ci_consent_exempt ON %s', p_table);
    END IF;
    SELECT string_agg(quote_ident(e.role_name), ', ' ORDER BY e.role_name) INTO v_roles
      FROM ci.consent_exempt_role e JOIN pg_catalog.pg_roles r ON r.rolname = e.role_name;
    IF v_roles IS NOT NULL THEN
        EXECUTE format('CREATE POLICY ci_consent_exempt ON %s AS PERMISSIVE FOR ALL TO %s USING (true) WITH CHECK (true)',
                       p_table, v_roles);
    END IF;
END;
$$;
COMMENT ON FUNCTION ci.consent_exempt_policy(regclass) IS 'internal: recreates the exempt policy of a protected table from ci.consent_exempt_role';

-- A Citus distributed or reference table is filtered on the workers, inside
-- the shard queries (Citus puts the table's policies on every shard): they
-- read the consent copies that ci.distribute() makes reference tables
-- (80_node.sql).  Refused before that, and away from the coordinator,
-- which alone writes the consent state.  A no-op without Citus; a Citus
-- local table is filtered in the coordinator's backend, as on one node.
CREATE FUNCTION ci.consent_protect_citus_check(p_table regclass)
RETURNS void LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_kind text;
    v_coordinator boolean;
BEGIN
    v_kind := ci.citus_table_kind(p_table);
    IF v_kind IS NULL OR v_kind = 'local' THEN
        RETURN;
    END IF;
    EXECUTE 'SELECT pg_catalog.citus_is_coordinator()' INTO v_coordinator;
    IF NOT v_coordinator THEN
        RAISE EXCEPTION 'ci.protect must run on the Citus coordinator'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = pg_catalog.format('%s is a Citus %s table; its policy and the consent state are the coordinator''s to write.', p_table, v_kind),
                  HINT = 'Connect to the coordinator and call ci.protect there.';
    END IF;
    IF NOT ci.consent_node_active() THEN
        RAISE EXCEPTION 'ci.protect cannot filter %, a Citus % table, before ci.distribute()', p_table, v_kind
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Its rows are filtered on the workers, which read the consent state from the reference tables ci.distribute() makes (ci.consent_node_*).',
                  HINT = 'Run SELECT ci.distribute(); on the coordinator first (doc/scaling.md).';
    END IF;
END
$$;
COMMENT ON FUNCTION ci.consent_protect_citus_check(regclass) IS 'internal: refuses to protect a Citus distributed or reference table away from the coordinator or before ci.distribute() made the consent copies the workers read; nothing without Citus';

CREATE FUNCTION ci.protect(p_table regclass, p_customer_column name, VARIADIC p_purposes text[])
RETURNS void LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_type    regtype;
    v_kind    "char";
    v_unknown text;
    v_purposes text[];
BEGIN
    SELECT c.relkind INTO v_kind FROM pg_catalog.pg_class c WHERE c.oid = p_table;
    IF v_kind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION '"%" is not a table', p_table
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'Protect the table a view reads; a view then shows what its owner (or, with security_invoker, its caller) may see.';
    END IF;
    PERFORM ci.consent_protect_citus_check(p_table);
    SELECT a.atttypid::regtype INTO v_type
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = p_table AND a.attname = p_customer_column AND a.attnum > 0 AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'column "%" of "%" does not exist', p_customer_column, p_table
            USING ERRCODE = 'undefined_column';
    END IF;
    IF v_type NOT IN ('bigint'::regtype, 'integer'::regtype) THEN
        RAISE EXCEPTION 'column "%" of "%" is not a customer key', p_customer_column, p_table
            USING ERRCODE = 'datatype_mismatch',
                  DETAIL = format('It is of type %s.', v_type),
                  HINT = 'The customer column holds identity ids of ci.identity (bigint).';
    END IF;
    SELECT array_agg(DISTINCT p ORDER BY p) INTO v_purposes FROM unnest(p_purposes) p;
    IF v_purposes IS NULL OR array_position(v_purposes, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'a protected table needs at least one purpose'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Name the purposes the table may be read for, e.g. ci.protect(''t'', ''customer_id'', ''analytics'').';
    END IF;
    SELECT string_agg(p, ', ') INTO v_unknown FROM unnest(v_purposes) p
     WHERE NOT EXISTS (SELECT 1 FROM ci.consent_purpose cp WHERE cp.purpose = p);
    IF v_unknown IS NOT NULL THEN
        PERFORM ci.consent_validate(split_part(v_unknown, ', ', 1), 'all');
    END IF;

    IF EXISTS (SELECT 1 FROM pg_catalog.pg_policy WHERE polrelid = p_table AND polname = 'ci_consent') THEN
        EXECUTE format('DROP POLICY ci_consent ON %s', p_table);
    END IF;
    EXECUTE format('CREATE POLICY ci_consent ON %s AS PERMISSIVE FOR ALL TO PUBLIC'
                   ' USING (ci.consent_check(%I::bigint, %L::text[])) WITH CHECK (true)',
                   p_table, p_customer_column, v_purposes);
    PERFORM ci.consent_exempt_policy(p_table);
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', p_table);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', p_table);
    INSERT INTO ci.consent_protected (table_name, customer_column, purposes)
    VALUES (p_table, p_customer_column, v_purposes)
    ON CONFLICT (table_name) DO UPDATE
       SET customer_column = EXCLUDED.customer_column, purposes = EXCLUDED.purposes,
           protected_by = current_user, protected_at = now();
END;
$$;
COMMENT ON FUNCTION ci.protect(regclass, name, text[]) IS
'puts the consent row filter on a table: its rows are visible only to sessions whose ci.purpose is one of the purposes and whose customer allows it (run by the table''s owner)';

CREATE FUNCTION ci.unprotect(p_table regclass)
RETURNS boolean LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM ci.consent_protected WHERE table_name = p_table) THEN
        RETURN false;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_policy WHERE polrelid = p_table AND polname = 'ci_consent') THEN
        EXECUTE format('DROP POLICY ci_consent ON %s', p_table);
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_policy WHERE polrelid = p_table AND polname = 'ci_consent_exempt') THEN
        EXECUTE format('DROP POLICY ci_consent_exempt ON %s', p_table);
    END IF;
    -- row-level security stays on only when the table has other policies
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_policy WHERE polrelid = p_table) THEN
        EXECUTE format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', p_table);
        EXECUTE format('ALTER TABLE %s DISABLE ROW LEVEL SECURITY', p_table);
    END IF;
    DELETE FROM ci.consent_protected WHERE table_name = p_table;
    RETURN true;
END;
$$;
COMMENT ON FUNCTION ci.unprotect(regclass) IS 'removes the consent row filter ci.protect put on a table; returns false when it had none';

CREATE FUNCTION ci.exempt_role(p_role name, p_reason text)
RETURNS void LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t regclass;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = p_role) THEN
        RAISE EXCEPTION 'role "%" does not exist', p_role USING ERRCODE = 'undefined_object';
    END IF;
    IF p_reason IS NULL OR btrim(p_reason) = '' THEN
        RAISE EXCEPTION 'an exemption needs a reason'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Say why the role may see every customer''s rows (e.g. data protection officer).';
    END IF;
    INSERT INTO ci.consent_exempt_role (role_name, reason) VALUES (p_role, p_reason)
    ON CONFLICT (role_name) DO UPDATE SET reason = EXCLUDED.reason, granted_by = current_user, granted_at = now();
    FOR t IN SELECT table_name FROM ci.consent_protected ORDER BY 1::text LOOP
        PERFORM ci.consent_exempt_policy(t);
    END LOOP;
END;
$$;
COMMENT ON FUNCTION ci.exempt_role(name, text) IS 'exempts a role (and its members) from the consent filter on every protected table, recording why';

CREATE FUNCTION ci.unexempt_role(p_role name)
RETURNS boolean LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t regclass;
BEGIN
    DELETE FROM ci.consent_exempt_role WHERE role_name = p_role;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    FOR t IN SELECT table_name FROM ci.consent_protected ORDER BY 1::text LOOP
        PERFORM ci.consent_exempt_policy(t);
    END LOOP;
    RETURN true;
END;
$$;
COMMENT ON FUNCTION ci.unexempt_role(name) IS 'ends a role''s exemption from the consent filter';

CREATE FUNCTION ci.bind_purpose(p_role name, VARIADIC p_purposes text[])
RETURNS void LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = p_role) THEN
        RAISE EXCEPTION 'role "%" does not exist', p_role USING ERRCODE = 'undefined_object';
    END IF;
    FOREACH p IN ARRAY p_purposes LOOP
        PERFORM ci.consent_validate(p, 'all');
        INSERT INTO ci.consent_purpose_binding (role_name, purpose) VALUES (p_role, p) ON CONFLICT DO NOTHING;
    END LOOP;
END;
$$;
COMMENT ON FUNCTION ci.bind_purpose(name, text[]) IS 'binds a role (and its members) to purposes: from then on it may declare only bound purposes';

CREATE FUNCTION ci.unbind_purpose(p_role name, VARIADIC p_purposes text[])
RETURNS bigint LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH d AS (DELETE FROM ci.consent_purpose_binding WHERE role_name = p_role AND purpose = ANY (p_purposes) RETURNING 1)
    SELECT count(*) FROM d
$$;
COMMENT ON FUNCTION ci.unbind_purpose(name, text[]) IS 'removes purpose bindings of a role; a role left without bindings may declare any purpose';
