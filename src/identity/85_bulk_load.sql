-- Bulk loading ci.source_record.  A row inserted one at a time pays for
-- every index of the table at once: a B-tree insertion per index, in key
-- order nowhere near the order of the rows.  A large load instead inserts
-- with only the primary key in place (its keys arrive in order, and
-- foreign keys of other tables reference it) and then builds the others,
-- the unique (source, source_key) too, in bulk, one sort each, as
-- pg_restore does.  The normalised columns are computed on the way in
-- (they are generated columns), so the table is ready for
-- ci.resolve_identities() and ci.resolve_record() when the call returns;
-- ci.load_source_rows computes them in a parallel query and writes the
-- rows in batches as COPY does (src/identity/load_rows.c); where it cannot,
-- an INSERT does, with the phone numbers parsed ahead by a parallel query
-- (ci.phone_prepass).
--
-- The same goes for the foreign key to ci.source: checked row by row, it
-- runs a query per inserted row (a fifth of the load's cost besides the
-- normalisation); added again after the load, it is checked by one join.
--
-- The caller COPYs into a staging table of its own (any table or view
-- whose columns are named like ci.source_record's input columns), then
-- calls this function; everything happens in the caller's transaction, so
-- an error leaves the table and its indexes as they were.

CREATE FUNCTION ci.phone_prepass(staging regclass) RETURNS bigint
    AS 'MODULE_PATHNAME', 'match_phone_prepass'
    LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ci.phone_prepass(regclass) IS
'for ci.load_source_records: computes ci.normalize_phone(phone, ci.phone_region(country)) of every row of a staging relation in one parallel query and keeps the answers, in this backend, for the rest of the transaction (at most maintenance_work_mem of them), so that inserting those rows into ci.source_record parses no phone again; returns how many numbers it keeps; NULL releases them';

CREATE FUNCTION ci.load_source_rows(staging regclass) RETURNS bigint
    AS 'MODULE_PATHNAME', 'match_load_source_rows'
    LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ci.load_source_rows(regclass) IS
'for ci.load_source_records: inserts every row of a staging relation (columns named and typed as ci.source_record''s input columns) into ci.source_record, its generated columns computed by a parallel query and the rows written in batches as COPY writes them; constraints, indexes in place and AFTER triggers are honoured as by INSERT; returns the row count, or NULL when the table cannot be written so (BEFORE ROW triggers, row-level security, Citus, other column types or names), for the caller to INSERT';

CREATE FUNCTION ci.load_source_records(staging regclass, rebuild_indexes boolean DEFAULT NULL)
RETURNS TABLE (records bigint, indexes_rebuilt integer, insert_ms double precision, index_ms double precision)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target constant regclass := 'ci.source_record'::regclass;
    cols text;
    unknown text;
    existing double precision;
    idx record;
    defs text[] := '{}';
    fks text[] := '{}';
    t0 timestamptz;
    seq regclass;
    top bigint;
    staging_has_ids boolean;
BEGIN
    IF staging IS NULL THEN
        RAISE EXCEPTION 'staging relation must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF staging = target THEN
        RAISE EXCEPTION 'cannot load ci.source_record from itself' USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- The staging columns must all be input columns of ci.source_record
    -- (generated columns are computed, never loaded); source and source_key are required.
    SELECT pg_catalog.string_agg(pg_catalog.quote_ident(s.attname), ', ' ORDER BY s.attnum)
           FILTER (WHERE t.attname IS NOT NULL),
           pg_catalog.string_agg(pg_catalog.quote_ident(s.attname), ', ' ORDER BY s.attnum)
           FILTER (WHERE t.attname IS NULL)
      INTO cols, unknown
      FROM pg_catalog.pg_attribute s
      LEFT JOIN pg_catalog.pg_attribute t
        ON t.attrelid = target AND t.attname = s.attname AND t.attnum > 0
       AND NOT t.attisdropped AND t.attgenerated = ''
     WHERE s.attrelid = staging AND s.attnum > 0 AND NOT s.attisdropped;
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'staging relation % has columns that ci.source_record does not take: %', staging, unknown
            USING ERRCODE = 'undefined_column',
                  HINT = 'Name the staging columns like the input columns of ci.source_record (record_id, source, source_key, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country, attributes, updated_at); normalised columns are computed.';
    END IF;
    IF cols IS NULL OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = staging AND a.attname = 'source' AND NOT a.attisdropped)
       OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = staging AND a.attname = 'source_key' AND NOT a.attisdropped) THEN
        RAISE EXCEPTION 'staging relation % needs the columns source and source_key', staging
            USING ERRCODE = 'undefined_column';
    END IF;

    staging_has_ids := EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                                WHERE a.attrelid = staging AND a.attname = 'record_id' AND NOT a.attisdropped);

    -- Writers wait for the load (and it for them); readers are blocked too
    -- when the indexes are rebuilt (DROP INDEX takes the table's strongest lock).
    t0 := pg_catalog.clock_timestamp();
    IF rebuild_indexes IS NULL THEN
        -- Rebuilding sorts the whole table: worth it when the load is more
        -- than a quarter of what is already there (a first load always).
        EXECUTE pg_catalog.format('SELECT pg_catalog.count(*) FROM %s', staging) INTO records;
        SELECT c.reltuples INTO existing FROM pg_catalog.pg_class c WHERE c.oid = target;
        IF existing < 0 THEN    -- never analysed: count it
            SELECT pg_catalog.count(*) INTO existing FROM ci.source_record;
        END IF;
        rebuild_indexes := records > 0 AND records * 4 > existing;
    END IF;

    IF rebuild_indexes THEN
        IF NOT pg_catalog.pg_has_role((SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = target), 'USAGE') THEN
            RAISE EXCEPTION 'rebuilding the indexes of ci.source_record needs its owner''s rights'
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'Ask the extension''s owner to run the load, or pass rebuild_indexes => false (the rows are then inserted with every index in place).';
        END IF;
        LOCK TABLE ci.source_record IN ACCESS EXCLUSIVE MODE;
        -- Every index that backs no constraint, the DBA's own too; the
        -- replica identity index stays.  Definitions as pg_dump writes them.
        FOR idx IN
            SELECT i.indexrelid::regclass AS name,
                   pg_catalog.pg_get_indexdef(i.indexrelid)
                   || CASE WHEN c.reltablespace <> 0
                           THEN ' TABLESPACE ' || pg_catalog.quote_ident(ts.spcname) ELSE '' END AS def,
                   i.indisclustered AS clustered
              FROM pg_catalog.pg_index i
              JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
              LEFT JOIN pg_catalog.pg_tablespace ts ON ts.oid = c.reltablespace
             WHERE i.indrelid = target AND i.indisvalid AND NOT i.indisreplident
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = i.indexrelid)
             ORDER BY c.relname
        LOOP
            defs := defs || idx.def;
            IF idx.clustered THEN
                defs := defs || pg_catalog.format('ALTER TABLE ci.source_record CLUSTER ON %I', (SELECT c.relname FROM pg_catalog.pg_class c WHERE c.oid = idx.name));
            END IF;
            EXECUTE pg_catalog.format('DROP INDEX %s', idx.name);
        END LOOP;
        -- Unique constraints that no foreign key references ((source,
        -- source_key)): a random-order B-tree insertion per row, where a
        -- rebuild is one sort that checks uniqueness all the same (23505).
        FOR idx IN
            SELECT k.conname, pg_catalog.pg_get_constraintdef(k.oid) AS def
              FROM pg_catalog.pg_constraint k
              JOIN pg_catalog.pg_index i ON i.indexrelid = k.conindid
             WHERE k.conrelid = target AND k.contype = 'u' AND NOT i.indisreplident
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint f
                                WHERE f.contype = 'f' AND f.conindid = k.conindid)
             ORDER BY k.conname
        LOOP
            defs := pg_catalog.format('ALTER TABLE ci.source_record ADD CONSTRAINT %I %s', idx.conname, idx.def) || defs;
            EXECUTE pg_catalog.format('ALTER TABLE ci.source_record DROP CONSTRAINT %I', idx.conname);
        END LOOP;
        -- Foreign keys of the table's own (to ci.source, or a DBA's), as
        -- pg_dump writes them; they are checked again, in bulk, when added.
        FOR idx IN
            SELECT k.conname, pg_catalog.pg_get_constraintdef(k.oid) AS def
              FROM pg_catalog.pg_constraint k
             WHERE k.conrelid = target AND k.contype = 'f'
             ORDER BY k.conname
        LOOP
            fks := fks || pg_catalog.format('ALTER TABLE ci.source_record ADD CONSTRAINT %I %s', idx.conname, idx.def);
            EXECUTE pg_catalog.format('ALTER TABLE ci.source_record DROP CONSTRAINT %I', idx.conname);
        END LOOP;
    ELSE
        LOCK TABLE ci.source_record IN SHARE ROW EXCLUSIVE MODE;
    END IF;

    -- The generated columns computed by a parallel query and the rows
    -- written in batches (src/identity/load_rows.c); NULL when the table
    -- cannot be written so (a DBA's BEFORE ROW trigger, row-level security,
    -- Citus, staging columns of other types): then an INSERT, with the
    -- phone numbers parsed ahead in a parallel query (src/normalize/phone_prepass.c).
    records := ci.load_source_rows(staging);
    IF records IS NULL THEN
        IF rebuild_indexes THEN
            PERFORM ci.phone_prepass(staging);
        END IF;
        EXECUTE pg_catalog.format('INSERT INTO ci.source_record (%s) SELECT %s FROM %s', cols, cols, staging);
        GET DIAGNOSTICS records = ROW_COUNT;
        PERFORM ci.phone_prepass(NULL);     -- its memory back before the index builds
    END IF;
    -- Record ids given by the staging rows: the identity sequence moves
    -- past them, so that rows inserted later without one do not collide
    -- (as a restored dump's setval does).
    IF staging_has_ids THEN
        seq := pg_catalog.pg_get_serial_sequence('ci.source_record', 'record_id')::regclass;
        SELECT pg_catalog.max(r.record_id) INTO top FROM ci.source_record r;
        IF top > coalesce(pg_catalog.pg_sequence_last_value(seq), 0) THEN
            IF pg_catalog.has_sequence_privilege(seq, 'UPDATE') THEN
                PERFORM pg_catalog.setval(seq, top);
            ELSE
                RAISE WARNING 'the record ids loaded go up to %, past the sequence of ci.source_record.record_id', top
                    USING HINT = 'Rows inserted without a record_id will collide until the sequence''s owner runs setval on it.';
            END IF;
        END IF;
    END IF;
    insert_ms := 1000 * pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - t0);

    t0 := pg_catalog.clock_timestamp();
    FOR i IN 1 .. coalesce(pg_catalog.array_length(fks, 1), 0) LOOP
        EXECUTE fks[i];
    END LOOP;
    indexes_rebuilt := 0;
    FOR i IN 1 .. coalesce(pg_catalog.array_length(defs, 1), 0) LOOP
        EXECUTE defs[i];
        IF defs[i] LIKE 'CREATE %' OR defs[i] LIKE '% UNIQUE %' THEN
            indexes_rebuilt := indexes_rebuilt + 1;
        END IF;
    END LOOP;
    -- statistics for the planner of incremental resolution and the BI
    -- views; a small load leaves them to autovacuum
    IF rebuild_indexes THEN
        ANALYZE ci.source_record;
    END IF;
    index_ms := 1000 * pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - t0);
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION ci.load_source_records(regclass, boolean) IS
'bulk load: insert every row of a staging relation into ci.source_record and, when the load is large (or rebuild_indexes), drop the indexes that back no constraint and the foreign keys first, then build the indexes in bulk, add the foreign keys back (checked in one join) and ANALYZE';
