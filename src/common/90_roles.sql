-- The role model.  Roles are cluster-wide, so the extension creates none;
-- instead each capability records here which privileges each kind of role
-- needs on its objects, and ci.grant_role() grants them to a role the DBA
-- made.  Kinds, from least to most:
--   reader       BI and analysts: read views and tables, call pure functions
--   application  backends: write source records, run incremental resolution
--   steward      data stewards: application plus decisions and overrides
--   admin        runs models, full resolutions, rule changes
-- Each kind includes the privileges of the kinds before it.

CREATE TABLE ci.role_privilege (
    role_kind   text NOT NULL CHECK (role_kind IN ('reader', 'application', 'steward', 'admin')),
    object_kind text NOT NULL CHECK (object_kind IN ('TABLE', 'SEQUENCE')),
    object_name text NOT NULL,
    privileges  text NOT NULL CHECK (privileges ~ '^[A-Z, ]+$'),
    PRIMARY KEY (role_kind, object_kind, object_name)
);
COMMENT ON TABLE ci.role_privilege IS 'Which privileges each kind of role gets on each object; read by ci.grant_role';

CREATE FUNCTION ci.grant_role(role_name name, role_kind text)
RETURNS SETOF text
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
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
    -- table privileges unless it is SECURITY DEFINER.
    FOR r IN
        SELECT p.oid::regprocedure AS fn
        FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
        JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'customer_intel'
        WHERE (upto > 1 OR p.provolatile <> 'v') AND p.prokind IN ('f', 'a')
          AND (upto = 4 OR p.proname NOT IN ('grant_role', 'revoke_role'))
        ORDER BY 1::text
    LOOP
        stmt := format('GRANT EXECUTE ON FUNCTION %s TO %I', r.fn, role_name);
        EXECUTE stmt; RETURN NEXT stmt;
    END LOOP;

    FOR r IN
        SELECT object_kind, object_name, string_agg(privileges, ', ' ORDER BY privileges) AS privs
        FROM ci.role_privilege
        WHERE array_position(kinds, role_privilege.role_kind) <= upto
        GROUP BY object_kind, object_name ORDER BY object_name
    LOOP
        stmt := format('GRANT %s ON %s %s TO %I', r.privs, r.object_kind,
                       r.object_name::regclass, role_name);
        EXECUTE stmt; RETURN NEXT stmt;
    END LOOP;
END
$$;
COMMENT ON FUNCTION ci.grant_role(name, text) IS
    'Grants a role what a reader, application, steward or admin needs on schema ci; returns the GRANT statements run';

CREATE FUNCTION ci.revoke_role(role_name name)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA ci FROM %I', role_name);
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA ci FROM %I', role_name);
    EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ci FROM %I', role_name);
    EXECUTE format('REVOKE ALL ON SCHEMA ci FROM %I', role_name);
END
$$;
COMMENT ON FUNCTION ci.revoke_role(name) IS 'Revokes every privilege a role holds on schema ci and its objects';

-- Only administrators hand out privileges.
REVOKE ALL ON FUNCTION ci.grant_role(name, text), ci.revoke_role(name) FROM PUBLIC;

-- The tables every capability so far reads and writes.
INSERT INTO ci.role_privilege VALUES
    ('reader',      'TABLE',    'ci.source',          'SELECT'),
    ('reader',      'TABLE',    'ci.source_record',   'SELECT'),
    ('reader',      'TABLE',    'ci.identity',        'SELECT'),
    ('reader',      'TABLE',    'ci.identity_link',   'SELECT'),
    ('reader',      'TABLE',    'ci.identity_event',  'SELECT'),
    ('application', 'TABLE',    'ci.source_record',   'INSERT, UPDATE, DELETE'),
    ('application', 'SEQUENCE', 'ci.source_record_record_id_seq', 'USAGE'),
    ('admin',       'TABLE',    'ci.source',          'INSERT, UPDATE, DELETE'),
    ('admin',       'TABLE',    'ci.identity',        'INSERT, UPDATE, DELETE'),
    ('admin',       'TABLE',    'ci.identity_link',   'INSERT, UPDATE, DELETE'),
    ('admin',       'TABLE',    'ci.identity_event',  'INSERT'),
    ('admin',       'TABLE',    'ci.role_privilege',  'SELECT');
