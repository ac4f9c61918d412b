-- 0.1.0 -> 0.2.0 (integ): ci.erase_consent is for admins only, like
-- ci.grant_role and ci.revoke_role (src/common/90_roles.sql).  After
-- 20_priv_roles.sql: this is the final ci.grant_role.
CREATE OR REPLACE FUNCTION ci.grant_role(role_name name, role_kind text)
RETURNS SETOF text
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    kinds constant text[] := ARRAY['reader', 'application', 'steward', 'admin'];
    upto int := array_position(kinds, role_kind);
    r record;
    stmt text;
BEGIN
    IF upto IS NULL THEN
        RAISE EXCEPTION 'unknown role kind "%"', role_kind
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use one of reader, application, steward, admin.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
        RAISE EXCEPTION 'role "%" does not exist', role_name
            USING ERRCODE = 'undefined_object', HINT = 'Create it first with CREATE ROLE.';
    END IF;

    stmt := format('GRANT USAGE ON SCHEMA ci TO %I', role_name);
    EXECUTE stmt; RETURN NEXT stmt;

    -- Readers may call every function that does not write (IMMUTABLE or
    -- STABLE); writers get every function, which still runs with their own
    -- table privileges unless it is SECURITY DEFINER; only admins get
    -- ci.grant_role, ci.revoke_role and ci.erase_consent (named as text:
    -- consent's parts come after this one).
    FOR r IN
        SELECT p.oid::regprocedure AS fn, CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END AS kind
        FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
        JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'customer_intel'
        WHERE (upto > 1 OR p.provolatile <> 'v') AND p.prokind IN ('f', 'a', 'p')
          AND (upto = 4 OR p.oid::regprocedure::text NOT IN ('ci.grant_role(name,text)', 'ci.revoke_role(name)',
                                                             'ci.erase_consent(bigint[],bigint[],text)'))
        ORDER BY 1::text
    LOOP
        stmt := format('GRANT EXECUTE ON %s %s TO %I', r.kind, r.fn, role_name);
        EXECUTE stmt; RETURN NEXT stmt;
    END LOOP;

    FOR r IN
        SELECT rp.object_kind, c.oid::regclass AS obj, string_agg(rp.privileges, ', ' ORDER BY rp.privileges) AS privs
        FROM ci.role_privilege rp
        JOIN pg_class c ON c.oid = to_regclass(rp.object_name)
        JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
        JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'customer_intel'
        WHERE array_position(kinds, rp.role_kind) <= upto
        GROUP BY rp.object_kind, c.oid ORDER BY c.oid::regclass::text
    LOOP
        stmt := format('GRANT %s ON %s %s TO %I', r.privs, r.object_kind, r.obj, role_name);
        EXECUTE stmt; RETURN NEXT stmt;
    END LOOP;
END
$$;
COMMENT ON FUNCTION ci.grant_role(name, text) IS
    'Grants a role what a reader, application, steward or admin needs on schema ci; returns the GRANT statements run (runs as the extension owner; admins may call it)';
