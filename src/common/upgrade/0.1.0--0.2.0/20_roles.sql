-- 0.1.0 -> 0.2.0: ci.grant_role and ci.revoke_role, as src/common/90_roles.sql
-- has them.  Since 0.1.0 they (priv) run as the extension owner, so that
-- admins may call them (in 0.1.0 an admin's GRANTs only warned); (integ)
-- ci.grant_role treats ci.erase_consent as for admins only; (citus6) on a
-- Citus coordinator both also change the schema and function privileges on
-- every worker (ci.citus_grant_on_workers).
-- Runs GRANT or REVOKE statements on every worker of a Citus coordinator
-- (nothing elsewhere: no Citus, no workers, or a worker itself), all in one
-- command per worker.  run_command_on_workers commits on each worker on its
-- own: a caller that rolls back leaves the workers' grants, which the next
-- ci.grant_role or ci.revoke_role for the role puts right.  Called by
-- ci.grant_role and ci.revoke_role, which run as the extension's owner and
-- build the statements; nobody else may execute it.
CREATE FUNCTION ci.citus_grant_on_workers(statements text[], role_name name)
RETURNS integer
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    coordinator boolean;
    failed text;
    workers integer;
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_local_group') IS NULL
       OR pg_catalog.cardinality(statements) = 0 THEN
        RETURN 0;
    END IF;
    EXECUTE 'SELECT groupid = 0 FROM pg_catalog.pg_dist_local_group' INTO coordinator;
    IF NOT coalesce(coordinator, false) THEN
        RETURN 0;
    END IF;
    EXECUTE $q$SELECT pg_catalog.count(*)::integer,
                      pg_catalog.string_agg(w.nodename || ':' || w.nodeport || ': ' || w.result, '; ' ORDER BY w.nodeport)
                          FILTER (WHERE NOT w.success)
               FROM pg_catalog.run_command_on_workers($1) w$q$
        INTO workers, failed USING pg_catalog.array_to_string(statements, '; ');
    IF failed IS NOT NULL THEN
        RAISE EXCEPTION 'could not change the privileges of role "%" on every Citus worker', role_name
            USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = failed,
                  HINT = 'The role must exist on every node (Citus propagates CREATE ROLE when citus.enable_create_role_propagation is on) and every worker must be reachable; then call the function again.';
    END IF;
    RETURN workers;
END
$$;
COMMENT ON FUNCTION ci.citus_grant_on_workers(text[], name) IS
    'internal: runs ci.grant_role''s and ci.revoke_role''s schema and function statements on every Citus worker (on a Citus coordinator; 0 elsewhere); returns the number of workers';

-- ci.grant_role and ci.revoke_role run as the extension's owner (SECURITY
-- DEFINER), so that an admin, who may call them, can hand out and take
-- back privileges on the extension's objects, which the owner holds; they
-- touch only objects that are members of the extension, whatever rows
-- ci.role_privilege holds.  GRANTs are recorded as made by the owner, so
-- ci.revoke_role can take back what ci.grant_role or a superuser granted.
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
    on_workers text[] := '{}';
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
    on_workers := on_workers || stmt;

    -- Readers may call every function that does not write (IMMUTABLE or
    -- STABLE); writers get every function, which still runs with their own
    -- table privileges unless it is SECURITY DEFINER; only admins get
    -- ci.grant_role, ci.revoke_role and ci.erase_consent (named as text:
    -- consent's parts come after this one); nobody gets their helper.
    FOR r IN
        SELECT p.oid::regprocedure AS fn, CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END AS kind
        FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
        JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'customer_intel'
        WHERE (upto > 1 OR p.provolatile <> 'v') AND p.prokind IN ('f', 'a', 'p')
          AND (upto = 4 OR p.oid::regprocedure::text NOT IN ('ci.grant_role(name,text)', 'ci.revoke_role(name)',
                                                             'ci.erase_consent(bigint[],bigint[],text)'))
          AND p.oid::regprocedure::text <> 'ci.citus_grant_on_workers(text[],name)'  -- theirs alone
        ORDER BY 1::text
    LOOP
        stmt := format('GRANT EXECUTE ON %s %s TO %I', r.kind, r.fn, role_name);
        EXECUTE stmt; RETURN NEXT stmt;
        on_workers := on_workers || stmt;
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

    -- On a Citus coordinator the schema and function grants are made on
    -- every worker too: Citus does not propagate grants on an extension's
    -- objects, and shard queries run the extension's functions (the
    -- consent filter of ci.protect among them) on the workers, as the
    -- querying role.  Table grants are Citus's own business (it
    -- propagates them on Citus tables; the others are read here only).
    PERFORM ci.citus_grant_on_workers(on_workers, role_name);
END
$$;
COMMENT ON FUNCTION ci.grant_role(name, text) IS
    'Grants a role what a reader, application, steward or admin needs on schema ci, on every node of a Citus cluster; returns the GRANT statements run (runs as the extension owner; admins may call it)';

CREATE OR REPLACE FUNCTION ci.revoke_role(role_name name)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
    stmt text;
    on_workers text[] := '{}';
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
        RAISE EXCEPTION 'role "%" does not exist', role_name
            USING ERRCODE = 'undefined_object';
    END IF;
    IF role_name = (SELECT o.rolname FROM pg_extension e JOIN pg_roles o ON o.oid = e.extowner
                     WHERE e.extname = 'customer_intel') THEN
        RAISE EXCEPTION 'role "%" owns the extension customer_intel: its privileges cannot be revoked', role_name
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- every object of the extension, whichever capability made it
    FOR r IN
        SELECT CASE WHEN c.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind, c.oid::regclass AS obj
        FROM pg_class c JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
        JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'customer_intel'
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
    LOOP
        EXECUTE format('REVOKE ALL ON %s %s FROM %I', r.kind, r.obj, role_name);
    END LOOP;
    FOR r IN
        SELECT p.oid::regprocedure AS fn
        FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
        JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'customer_intel'
    LOOP
        stmt := format('REVOKE ALL ON ROUTINE %s FROM %I', r.fn, role_name);  -- ROUTINE: functions and procedures
        EXECUTE stmt;
        on_workers := on_workers || stmt;
    END LOOP;
    stmt := format('REVOKE ALL ON SCHEMA ci FROM %I', role_name);
    EXECUTE stmt;
    on_workers := on_workers || stmt;
    -- the workers' grants too (see ci.grant_role)
    PERFORM ci.citus_grant_on_workers(on_workers, role_name);
END
$$;
COMMENT ON FUNCTION ci.revoke_role(name) IS 'Revokes every privilege a role holds on schema ci and the extension''s objects, on every node of a Citus cluster (runs as the extension owner; admins may call it)';
