-- The Citus suite's fixture, run once by scripts/citus_test.sh on the
-- coordinator of a fresh cluster before the test files: the extensions
-- (CREATE EXTENSION on the coordinator is propagated to the workers) and a
-- small generated customer base in ci.source_record, a plain table on the
-- coordinator.  Each test file copies what it distributes and rolls back.
\set ON_ERROR_STOP 1
CREATE EXTENSION customer_intel;
CREATE EXTENSION pgtap;
\set n_persons 300
\set seed 5
\i bench/generate_customers.sql
-- An explain helper for the test files: the plan of a query as one text.
CREATE FUNCTION public.plan_of(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE line text; result text := '';
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || query LOOP
        result := result || line || E'\n';
    END LOOP;
    RETURN result;
END
$$;
