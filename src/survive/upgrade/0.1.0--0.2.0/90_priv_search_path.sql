-- 0.1.0 -> 0.2.0 (priv), last of the parts of the capabilities that shipped
-- in 0.1.0: every SQL and PL/pgSQL function of the extension runs with
-- search_path = pg_catalog, pg_temp (doc/security.md, "Search path"), also
-- one that an earlier part replaced with CREATE OR REPLACE without the
-- clause (test/pgtap/search_path.sql checks a fresh install).
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
