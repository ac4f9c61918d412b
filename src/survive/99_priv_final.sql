-- The last part of the install script of the capabilities that shipped in
-- 0.1.0 (its upgrade twin: upgrade/0.1.0--0.2.0/99_priv_final.sql).  Every
-- SQL and PL/pgSQL function of the extension runs with search_path =
-- pg_catalog, pg_temp (doc/security.md, "Search path"), and none is
-- executable by PUBLIC (doc/security.md, "The role model"), whichever part
-- created it.  A capability added later ends its own roles part with the
-- REVOKE and writes the SET clause; test/pgtap/search_path.sql and
-- test/pgtap/privileges.sql fail on a function that lacks either.
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
        WHERE NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)
        ORDER BY 1
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = pg_catalog, pg_temp', f);
    END LOOP;
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ci FROM PUBLIC;
