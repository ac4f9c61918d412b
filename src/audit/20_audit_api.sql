-- Starting and stopping the audit of a table; its settings.

CREATE FUNCTION ci.audit_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'audit_trigger'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ci.audit_trigger() IS
    'Statement-level AFTER trigger created by ci.audit(): writes the statement''s changed rows to ci.audit_log';

CREATE FUNCTION ci.audit_columns(tbl regclass)
RETURNS TABLE (setting text, attnum smallint, column_name name, stored_name name)
AS 'MODULE_PATHNAME', 'audit_columns'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ci.audit_columns(regclass) IS
    'Column settings (include, exclude, pii, key, customer) of an audited table, resolved against its columns now';

CREATE FUNCTION ci.audit_ops(tbl regclass)
RETURNS text
AS 'MODULE_PATHNAME', 'audit_ops'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ci.audit_ops(regclass) IS
    'Operations audited on a table as letters (I U D T, S for reads); NULL when it is not audited';

CREATE FUNCTION ci.audit_record_key(tbl regclass, VARIADIC key_values text[])
RETURNS uuid
AS 'MODULE_PATHNAME', 'audit_record_key_sql'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ci.audit_record_key(regclass, text[]) IS
    'The stable record key of the row with these key values (primary key order), as ci.audit_log.record_key holds it';

CREATE FUNCTION ci.audit_mask(tbl regclass, column_name name, value text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'audit_mask'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ci.audit_mask(regclass, name, text) IS
    'The value a PII column would be logged as (its HMAC); needs SELECT on ci.audit_key';
REVOKE ALL ON FUNCTION ci.audit_mask(regclass, name, text) FROM PUBLIC;

CREATE FUNCTION ci.audit(
    tbl             regclass,
    operations      text[]  DEFAULT ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'],
    include_columns name[]  DEFAULT NULL,
    exclude_columns name[]  DEFAULT NULL,
    pii_columns     name[]  DEFAULT NULL,
    customer_column name    DEFAULT NULL,
    key_columns     name[]  DEFAULT NULL,
    log_reads       boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ops       text := '';
    args      text := '';
    op        text;
    col       name;
    num       smallint;
    kind      char;
    cols      name[];
    relkind   "char";
    has_pk    boolean;
BEGIN
    IF tbl IS NULL THEN
        RAISE EXCEPTION 'the table to audit must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT c.relkind INTO relkind FROM pg_class c WHERE c.oid = tbl;
    IF relkind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION '"%" is not a table', tbl
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'ci.audit audits ordinary and partitioned tables.';
    END IF;
    IF tbl IN ('ci.audit_log'::regclass, 'ci.audit_seal'::regclass,
               'ci.audit_chain'::regclass, 'ci.audit_key'::regclass) THEN
        RAISE EXCEPTION 'the audit tables cannot audit themselves'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM ci.scale_refuse_citus_table(tbl, 'ci.audit');
    FOREACH op IN ARRAY coalesce(operations, '{}') LOOP
        CASE upper(op)
            WHEN 'INSERT' THEN ops := ops || 'I';
            WHEN 'UPDATE' THEN ops := ops || 'U';
            WHEN 'DELETE' THEN ops := ops || 'D';
            WHEN 'TRUNCATE' THEN ops := ops || 'T';
            WHEN 'SELECT' THEN ops := ops || 'S';
            ELSE RAISE EXCEPTION 'unknown operation "%"', op
                     USING ERRCODE = 'invalid_parameter_value',
                           HINT = 'Use INSERT, UPDATE, DELETE, TRUNCATE (and log_reads for reads).';
        END CASE;
    END LOOP;
    IF log_reads AND strpos(ops, 'S') = 0 THEN
        ops := ops || 'S';
    END IF;
    IF ops = '' THEN
        RAISE EXCEPTION 'nothing to audit on "%"', tbl
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Name at least one operation, or pass log_reads => true.';
    END IF;
    IF include_columns IS NOT NULL AND exclude_columns IS NOT NULL THEN
        RAISE EXCEPTION 'include_columns and exclude_columns cannot both be given'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- each column setting becomes a "kind attnum name" triple of trigger arguments
    FOR kind, cols IN VALUES ('i', include_columns), ('x', exclude_columns), ('p', pii_columns),
                             ('k', key_columns), ('c', CASE WHEN customer_column IS NOT NULL
                                                           THEN ARRAY[customer_column] END)
    LOOP
        FOREACH col IN ARRAY coalesce(cols, '{}') LOOP
            SELECT a.attnum INTO num FROM pg_attribute a
            WHERE a.attrelid = tbl AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'column "%" of relation "%" does not exist', col, tbl
                    USING ERRCODE = 'undefined_column';
            END IF;
            IF kind = 'c' AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = tbl
                    AND a.attnum = num AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)) THEN
                RAISE EXCEPTION 'customer column "%" must be an integer column (the identity id)', col
                    USING ERRCODE = 'datatype_mismatch';
            END IF;
            args := args || format(', %L, %L, %L', kind, num, col);
        END LOOP;
    END LOOP;

    SELECT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = tbl AND i.indisprimary) INTO has_pk;
    IF NOT has_pk AND key_columns IS NULL AND ops ~ '[IUD]' THEN
        RAISE EXCEPTION 'table "%" has no primary key', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'The audit files each row under a key derived from the table and its primary key.',
                  HINT = 'Add a primary key, or name the columns that identify a row: key_columns => ARRAY[...].';
    END IF;

    PERFORM ci.unaudit(tbl);
    args := format('%L', 'ops=' || ops) || args;
    IF strpos(ops, 'I') > 0 THEN
        EXECUTE format('CREATE TRIGGER ci_audit_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS ci_new '
                       'FOR EACH STATEMENT EXECUTE FUNCTION ci.audit_trigger(%s)', tbl, args);
    END IF;
    IF strpos(ops, 'U') > 0 THEN
        EXECUTE format('CREATE TRIGGER ci_audit_update AFTER UPDATE ON %s REFERENCING OLD TABLE AS ci_old '
                       'NEW TABLE AS ci_new FOR EACH STATEMENT EXECUTE FUNCTION ci.audit_trigger(%s)', tbl, args);
    END IF;
    IF strpos(ops, 'D') > 0 THEN
        EXECUTE format('CREATE TRIGGER ci_audit_delete AFTER DELETE ON %s REFERENCING OLD TABLE AS ci_old '
                       'FOR EACH STATEMENT EXECUTE FUNCTION ci.audit_trigger(%s)', tbl, args);
    END IF;
    -- The TRUNCATE trigger also carries the settings of a table audited for reads only.
    IF ops ~ '[TS]' THEN
        EXECUTE format('CREATE TRIGGER ci_audit_truncate AFTER TRUNCATE ON %s '
                       'FOR EACH STATEMENT EXECUTE FUNCTION ci.audit_trigger(%s)', tbl, args);
    END IF;
END
$$;
COMMENT ON FUNCTION ci.audit(regclass, text[], name[], name[], name[], name, name[], boolean) IS
    'Starts (or changes) the audit of a table: operations, columns to include or exclude, PII columns, customer column, key columns, read logging';

CREATE FUNCTION ci.unaudit(tbl regclass)
RETURNS boolean
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t name;
    found boolean := false;
BEGIN
    FOR t IN SELECT tg.tgname FROM pg_trigger tg
             WHERE tg.tgrelid = tbl AND tg.tgfoid = 'ci.audit_trigger()'::regprocedure
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', t, tbl);
        found := true;
    END LOOP;
    RETURN found;
END
$$;
COMMENT ON FUNCTION ci.unaudit(regclass) IS 'Stops the audit of a table; true if it was audited. Its log rows stay';

CREATE VIEW ci.audited_table AS
SELECT c.oid::regclass AS table_name,
       ci.audit_ops(c.oid) AS operations,
       (SELECT array_agg(a.column_name ORDER BY a.attnum) FROM ci.audit_columns(c.oid) a WHERE a.setting = 'pii') AS pii_columns,
       (SELECT array_agg(a.column_name ORDER BY a.attnum) FROM ci.audit_columns(c.oid) a WHERE a.setting = 'exclude') AS excluded_columns,
       (SELECT array_agg(a.column_name ORDER BY a.attnum) FROM ci.audit_columns(c.oid) a WHERE a.setting = 'include') AS included_columns,
       (SELECT a.column_name FROM ci.audit_columns(c.oid) a WHERE a.setting = 'customer') AS customer_column
FROM pg_catalog.pg_class c
WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
              WHERE t.tgrelid = c.oid AND t.tgfoid = 'ci.audit_trigger()'::regprocedure);
COMMENT ON VIEW ci.audited_table IS 'Tables under ci.audit, with their operations and column settings';

-- After ALTER TABLE on an audited table, write the columns' current names
-- back into the trigger arguments, so settings follow a RENAME COLUMN and
-- survive a dump and restore that renumbers columns.
CREATE FUNCTION ci.audit_ddl()
RETURNS event_trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
    ops text;
BEGIN
    FOR r IN SELECT DISTINCT d.objid AS relid FROM pg_event_trigger_ddl_commands() d
             WHERE d.classid = 'pg_class'::regclass
               AND EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = d.objid
                           AND t.tgfoid = 'ci.audit_trigger()'::regprocedure)
               AND EXISTS (SELECT 1 FROM ci.audit_columns(d.objid) a
                           WHERE a.column_name <> a.stored_name)
    LOOP
        ops := ci.audit_ops(r.relid);
        PERFORM ci.audit(r.relid::regclass,
            operations => array_remove(ARRAY[CASE WHEN strpos(ops, 'I') > 0 THEN 'INSERT' END,
                                             CASE WHEN strpos(ops, 'U') > 0 THEN 'UPDATE' END,
                                             CASE WHEN strpos(ops, 'D') > 0 THEN 'DELETE' END,
                                             CASE WHEN strpos(ops, 'T') > 0 THEN 'TRUNCATE' END], NULL),
            include_columns => (SELECT array_agg(a.column_name ORDER BY a.attnum) FROM ci.audit_columns(r.relid) a WHERE a.setting = 'include'),
            exclude_columns => (SELECT array_agg(a.column_name ORDER BY a.attnum) FROM ci.audit_columns(r.relid) a WHERE a.setting = 'exclude'),
            pii_columns => (SELECT array_agg(a.column_name ORDER BY a.attnum) FROM ci.audit_columns(r.relid) a WHERE a.setting = 'pii'),
            customer_column => (SELECT a.column_name FROM ci.audit_columns(r.relid) a WHERE a.setting = 'customer'),
            key_columns => (SELECT array_agg(a.column_name ORDER BY a.n) FROM ci.audit_columns(r.relid)
                            WITH ORDINALITY a(setting, attnum, column_name, stored_name, n) WHERE a.setting = 'key'),
            log_reads => strpos(ops, 'S') > 0);
    END LOOP;
END
$$;
COMMENT ON FUNCTION ci.audit_ddl() IS 'Event trigger: keeps audit settings in step with ALTER TABLE on audited tables';

CREATE EVENT TRIGGER ci_audit_ddl ON ddl_command_end
    WHEN TAG IN ('ALTER TABLE')
    EXECUTE FUNCTION ci.audit_ddl();
