-- The extension-wide contract: rules every object of customer_intel keeps,
-- whichever capability it belongs to.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(7);

CREATE TEMP VIEW ci_member AS
SELECT d.classid, d.objid, pg_describe_object(d.classid, d.objid, 0) AS what
FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
WHERE d.deptype = 'e' AND e.extname = 'customer_intel';

CREATE TEMP VIEW ci_function AS
SELECT p.* FROM pg_proc p JOIN ci_member m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid;

SELECT is((SELECT extrelocatable FROM pg_extension WHERE extname = 'customer_intel'), false,
          'the extension is not relocatable: its objects live in schema ci');

SELECT is_empty($$SELECT p.oid::regprocedure FROM ci_function p JOIN pg_namespace n ON n.oid = p.pronamespace
                  WHERE n.nspname <> 'ci'$$,
                'every function of the extension is in schema ci');

SELECT is_empty($$SELECT oid::regprocedure FROM ci_function WHERE obj_description(oid, 'pg_proc') IS NULL
                  AND prorettype <> 'trigger'::regtype AND proname NOT LIKE '%\_transfn' AND proname NOT LIKE '%\_finalfn'
                  AND proname NOT LIKE '%\_combinefn' AND proname NOT LIKE '%\_serialfn' AND proname NOT LIKE '%\_deserialfn'$$,
                'every SQL-callable function has a COMMENT (\df+ documents itself)');

SELECT is_empty($$SELECT oid::regprocedure FROM ci_function
                  WHERE prosecdef AND NOT coalesce(proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)$$,
                'every SECURITY DEFINER function pins search_path = pg_catalog, pg_temp');

SELECT is_empty($$SELECT oid::regprocedure FROM ci_function
                  WHERE provolatile = 'i' AND prolang = (SELECT oid FROM pg_language WHERE lanname = 'plpgsql')$$,
                'no PL/pgSQL function claims to be IMMUTABLE');

SELECT is_empty($$SELECT c.oid::regclass FROM pg_class c JOIN ci_member m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid
                  WHERE c.relkind = 'r' AND obj_description(c.oid, 'pg_class') IS NULL$$,
                'every table has a COMMENT');

SELECT is_empty($$SELECT c.oid::regclass FROM pg_class c JOIN ci_member m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid
                  JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE c.relkind IN ('r', 'v', 'm', 'S', 'i') AND n.nspname <> 'ci'$$,
                'every relation of the extension is in schema ci');

SELECT * FROM finish();
ROLLBACK;
