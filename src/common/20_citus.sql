-- Where Citus keeps a table, for the capabilities that work differently
-- on a distributed layout.  Dynamic SQL: pg_dist_partition exists only
-- when Citus is installed; without it every table is NULL.
CREATE FUNCTION ci.citus_table_kind(p_table regclass)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v text;
BEGIN
    IF p_table IS NULL OR pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE 'SELECT CASE WHEN p.partmethod = ''n'' AND p.repmodel = ''t'' THEN ''reference'''
            '            WHEN p.partmethod = ''n'' THEN ''local'' ELSE ''distributed'' END'
            '  FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid = $1'
        INTO v USING p_table;
    RETURN v;
END
$$;
COMMENT ON FUNCTION ci.citus_table_kind(regclass) IS
'internal: distributed, reference or local (a Citus-managed table of the coordinator) for a table Citus manages; NULL for any other table, and always without Citus';
