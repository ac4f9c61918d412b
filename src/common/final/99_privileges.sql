-- The last part of the install script and of every upgrade script, after
-- every capability (Makefile: FINAL_PARTS).  Every SQL and PL/pgSQL
-- function of the extension runs with search_path = pg_catalog, pg_temp
-- (doc/security.md, "Search path"), whichever capability created or
-- replaced it; test/pgtap/search_path.sql checks the result.  Then no
-- routine of the extension is left executable by PUBLIC (the roles parts
-- grant nothing to PUBLIC; ci.grant_role hands out EXECUTE per kind).
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure
        FROM pg_catalog.pg_proc p
        JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype = 'e'
        JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'customer_intel'
        JOIN pg_catalog.pg_language l ON l.oid = p.prolang AND l.lanname IN ('sql', 'plpgsql')
        -- Procedures are left out: one that commits (ci.run_retention) may
        -- not carry a SET clause, so it fixes its own search_path.
        WHERE p.prokind = 'f' AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)
        ORDER BY 1
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = pg_catalog, pg_temp', f);
    END LOOP;
END
$$;

-- Nothing of the extension is PUBLIC's, whichever capability created the
-- function: a role gets what ci.grant_role gives its kind (doc/security.md).
REVOKE EXECUTE ON ALL ROUTINES IN SCHEMA ci FROM PUBLIC;  -- procedures too (ci.run_retention)
