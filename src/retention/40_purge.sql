-- Purging: ci.run_retention() applies every retention policy in bounded
-- batches, one short transaction each, and records what it did.
--
-- How a batch stays cheap for concurrent writers:
--   * it deletes or anonymises the expired rows of one range of heap blocks
--     of one table (or partition), read with a TID range scan, advances the
--     progress row and commits; only ROW EXCLUSIVE is taken on the table;
--   * under a 50 ms lock_timeout: when a writer holds one of the rows longer,
--     the range is done again FOR UPDATE SKIP LOCKED (the rows writers hold
--     are left for the next run), so neither side waits long for the other;
--   * the range widens or narrows so that a batch touches about
--     batch_rows rows;
--   * a partition whose rows are all expired and hold-free is detached (and
--     dropped) instead, under a 50 ms lock_timeout: when writers keep the
--     parent busy it is purged row by row like any other.
-- Progress is the next block of each step, written in the batch's own
-- transaction: a cancelled or crashed run resumes at the first batch that
-- did not commit, with the cutoffs it started with.

CREATE TABLE ci.retention_run (
    run_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    status        text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'paused', 'done')),
    pid           integer,
    resumed       integer NOT NULL DEFAULT 0,
    batch_rows    integer NOT NULL,
    writer_wait   interval NOT NULL DEFAULT '50ms' CHECK (writer_wait >= interval '0' AND writer_wait <= interval '10s'),
    run_by        text NOT NULL DEFAULT session_user,
    summary       jsonb
);
CREATE UNIQUE INDEX retention_run_one_open ON ci.retention_run ((true)) WHERE finished_at IS NULL;
COMMENT ON TABLE ci.retention_run IS 'Runs of ci.run_retention: at most one open (running or paused) at a time';

CREATE TABLE ci.retention_run_step (
    run_id             bigint NOT NULL REFERENCES ci.retention_run ON DELETE CASCADE,
    step               integer NOT NULL,
    kind               text NOT NULL CHECK (kind IN ('rows', 'partition')),
    table_name         regclass NOT NULL,
    leaf               oid NOT NULL,
    leaf_name          text NOT NULL,
    policy_id          bigint,
    policy_version     integer,
    jurisdiction       text,
    action             text,
    anonymise_columns  name[],
    cutoff             timestamptz,
    row_filter         text NOT NULL,
    next_block         bigint NOT NULL DEFAULT 0,
    end_block          bigint NOT NULL DEFAULT 0,
    window_blocks      integer NOT NULL DEFAULT 16,
    batches            integer NOT NULL DEFAULT 0,
    rows_deleted       bigint NOT NULL DEFAULT 0,
    rows_anonymised    bigint NOT NULL DEFAULT 0,
    partitions_removed integer NOT NULL DEFAULT 0,
    note               text,
    status             text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'skipped', 'failed')),
    finished_at        timestamptz,
    PRIMARY KEY (run_id, step)
);
COMMENT ON TABLE ci.retention_run_step IS 'The steps of a retention run (one per partition check and per table, partition and policy) with their progress and counts';
COMMENT ON COLUMN ci.retention_run_step.row_filter IS 'the expiry condition fixed when the run started (window, jurisdiction, not yet anonymised); holds are re-read by every batch';

SELECT pg_catalog.pg_extension_config_dump('ci.retention_run', '');
SELECT pg_catalog.pg_extension_config_dump('ci.retention_run_run_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ci.retention_run_step', '');

-- t.a IS NULL AND t.b IS NULL … for the columns a policy anonymises.
CREATE FUNCTION ci.retention_all_null(p_columns name[])
RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(string_agg(format('t.%I IS NULL', c), ' AND ' ORDER BY o), 'true')
      FROM unnest(p_columns) WITH ORDINALITY u(c, o)
$$;
COMMENT ON FUNCTION ci.retention_all_null(name[]) IS 'internal: SQL saying every listed column of t is NULL';

-- SQL selecting the rows of t whose jurisdiction is p_jurisdiction, or, for
-- NULL, whose jurisdiction has no effective policy of its own.
CREATE FUNCTION ci.retention_jurisdiction_filter(p_table regclass, p_jurisdiction text)
RETURNS text LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t ci.retention_table;
    j text[];
    codes text[];
BEGIN
    SELECT * INTO t FROM ci.retention_table WHERE table_name = p_table;
    IF t.jurisdiction_column IS NULL THEN
        RETURN CASE WHEN p_jurisdiction IS NULL THEN 'true' ELSE 'false' END;
    END IF;
    IF p_jurisdiction IS NOT NULL THEN
        j := ARRAY[p_jurisdiction];
    ELSE
        SELECT coalesce(array_agg(e.jurisdiction), '{}') INTO j
          FROM ci.retention_effective_policy e WHERE e.table_name = p_table AND e.jurisdiction IS NOT NULL;
    END IF;
    IF t.jurisdiction_kind = 'country' THEN
        SELECT coalesce(array_agg(c.country ORDER BY c.country), '{}') INTO codes
          FROM ci.retention_jurisdiction_country c WHERE c.jurisdiction = ANY (j);
    ELSE
        codes := j;
    END IF;
    IF p_jurisdiction IS NOT NULL THEN
        RETURN format('t.%I::text = ANY (%L::text[])', t.jurisdiction_column, codes);
    END IF;
    RETURN format('(t.%I IS NULL OR t.%I::text <> ALL (%L::text[]))', t.jurisdiction_column, t.jurisdiction_column, codes);
END;
$$;
COMMENT ON FUNCTION ci.retention_jurisdiction_filter(regclass, text) IS 'internal: SQL over alias t selecting the rows a jurisdiction''s policy governs';

-- SQL true for the rows of t no active hold covers ('false' when the whole
-- table is held).  Re-read for every batch: a hold placed mid-run counts.
CREATE FUNCTION ci.retention_hold_filter(p_table regclass)
RETURNS text LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t ci.retention_table;
    parts text[] := '{}';
    c name;
    pred text;
    ids bigint[];
BEGIN
    SELECT * INTO t FROM ci.retention_table WHERE table_name = p_table;
    IF EXISTS (SELECT 1 FROM ci.legal_hold_active h WHERE h.table_name = p_table AND h.predicate IS NULL) THEN
        RETURN 'false';
    END IF;
    IF ci.retention_resolve_holds(p_table) THEN
        -- on Citus: the held ids, listed (src/retention/35_citus.sql)
        ids := ci.retention_held_ids(t.customer_kind);
        IF cardinality(ids) > 0 THEN
            FOREACH c IN ARRAY t.customer_columns LOOP
                parts := parts || format('(t.%I IS NULL OR t.%I <> ALL (%L::bigint[]))', c, c, ids);
            END LOOP;
        END IF;
    ELSIF EXISTS (SELECT 1 FROM ci.legal_hold_active h WHERE h.identity_id IS NOT NULL OR h.record_id IS NOT NULL) THEN
        FOREACH c IN ARRAY t.customer_columns LOOP
            parts := parts || format('NOT EXISTS (SELECT 1 FROM ci.%s h WHERE h.%s = t.%I)',
                                     CASE t.customer_kind WHEN 'identity' THEN 'held_identity' ELSE 'held_record' END,
                                     CASE t.customer_kind WHEN 'identity' THEN 'identity_id' ELSE 'record_id' END, c);
        END LOOP;
    END IF;
    FOR pred IN SELECT h.predicate FROM ci.legal_hold_active h
                 WHERE h.table_name = p_table AND h.predicate IS NOT NULL ORDER BY h.hold_id LOOP
        parts := parts || format('((%s)) IS FALSE', pred);
    END LOOP;
    RETURN CASE WHEN cardinality(parts) = 0 THEN 'true' ELSE array_to_string(parts, ' AND ') END;
END;
$$;
COMMENT ON FUNCTION ci.retention_hold_filter(regclass) IS 'internal: SQL over alias t true for rows no active legal hold covers';

-- The expiry condition of one effective policy on one table.
CREATE FUNCTION ci.retention_row_filter(p_table regclass, p_jurisdiction text, p_cutoff timestamptz,
                                        p_action text, p_columns name[])
RETURNS text LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t ci.retention_table;
BEGIN
    SELECT * INTO t FROM ci.retention_table WHERE table_name = p_table;
    RETURN format('t.%I < %L::timestamptz AND %s', t.time_column, p_cutoff,
                  ci.retention_jurisdiction_filter(p_table, p_jurisdiction))
           || CASE WHEN p_action = 'anonymise' THEN format(' AND NOT (%s)', ci.retention_all_null(p_columns)) ELSE '' END;
END;
$$;
COMMENT ON FUNCTION ci.retention_row_filter(regclass, text, timestamptz, text, name[]) IS 'internal: SQL over alias t selecting rows past a policy''s window (and, to anonymise, not yet anonymised)';

-- Leaves of a registered table: itself, or its leaf partitions.
CREATE FUNCTION ci.retention_leaves(p_table regclass)
RETURNS TABLE (leaf regclass, parent regclass)
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT p.relid, p.parentrelid
      FROM pg_catalog.pg_partition_tree(p_table) p
     WHERE p.isleaf AND (SELECT relkind FROM pg_catalog.pg_class WHERE oid = p.relid) = 'r'
    UNION ALL   -- pg_partition_tree gives nothing for a plain table
    SELECT c.oid::regclass, NULL FROM pg_catalog.pg_class c WHERE c.oid = p_table AND c.relkind = 'r' AND NOT c.relispartition
     ORDER BY 1
$$;
COMMENT ON FUNCTION ci.retention_leaves(regclass) IS 'internal: the heap tables holding a registered table''s rows (itself, or its leaf partitions) with their parents';

CREATE FUNCTION ci.retention_dry_run()
RETURNS TABLE (table_name regclass, jurisdiction text, policy_id bigint, policy_version integer, action text,
               keep_for interval, cutoff timestamptz, expired bigint, held bigint, to_purge bigint, due_30_days bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    e record;
    t ci.retention_table;
    v_cutoff timestamptz;
    jf text;
    anon text;
BEGIN
    FOR e IN SELECT * FROM ci.retention_effective_policy ORDER BY 1::text, 2 NULLS LAST LOOP
        SELECT * INTO t FROM ci.retention_table r WHERE r.table_name = e.table_name;
        v_cutoff := now() - e.keep_for;
        jf := ci.retention_jurisdiction_filter(e.table_name, e.jurisdiction);
        anon := CASE WHEN e.action = 'anonymise' THEN format('NOT (%s)', ci.retention_all_null(e.anonymise_columns)) ELSE 'true' END;
        table_name := e.table_name; jurisdiction := e.jurisdiction; policy_id := e.policy_id;
        policy_version := e.version; action := e.action; keep_for := e.keep_for; cutoff := v_cutoff;
        EXECUTE format('SELECT count(*) FILTER (WHERE x), count(*) FILTER (WHERE x AND NOT (%4$s)),
                               count(*) FILTER (WHERE x AND (%4$s)),
                               count(*) FILTER (WHERE NOT x AND t.%2$I < %5$L::timestamptz + interval ''30 days'')
                          FROM %1$s AS t, LATERAL (SELECT t.%2$I < %5$L::timestamptz AND %6$s) s(x)
                         WHERE %3$s',
                       e.table_name, t.time_column, jf, ci.retention_hold_filter(e.table_name), v_cutoff, anon)
           INTO expired, held, to_purge, due_30_days;
        RETURN NEXT;
    END LOOP;
END;
$$;
COMMENT ON FUNCTION ci.retention_dry_run() IS 'what a retention run would do now, per table and effective policy: rows past the window, how many a hold keeps, how many would go, how many expire within 30 days';

-- Starts a run (planning every step with the cutoffs of now) or resumes the
-- open one.  NULL when another backend is running one.
CREATE FUNCTION ci.retention_start_run(p_batch_rows integer, p_writer_wait interval DEFAULT '50ms')
RETURNS bigint LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r ci.retention_run;
    e record;
    l record;
    n integer := 0;
    v_cutoff timestamptz;
    v_lo tid;
    v_hi tid;
    v_placement text;
    v_shards record;
BEGIN
    IF p_batch_rows IS NULL OR p_batch_rows < 1 OR p_batch_rows > 10000000 THEN
        RAISE EXCEPTION 'batch_rows must be between 1 and 10000000' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_writer_wait IS NULL OR p_writer_wait < interval '0' OR p_writer_wait > interval '10s' THEN
        RAISE EXCEPTION 'writer_wait must be between 0 and 10 seconds' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO r FROM ci.retention_run WHERE finished_at IS NULL FOR UPDATE;
    IF FOUND THEN
        -- a run whose backend is still executing it is left alone
        IF r.status = 'running' AND r.pid <> pg_backend_pid() AND EXISTS (
               SELECT 1 FROM pg_catalog.pg_stat_activity a
                WHERE a.pid = r.pid AND a.state = 'active' AND a.query ~* 'run_retention') THEN
            RAISE NOTICE 'retention run % is in progress in backend %', r.run_id, r.pid;
            RETURN NULL;
        END IF;
        UPDATE ci.retention_run SET status = 'running', pid = pg_backend_pid(), resumed = resumed + 1,
                                    batch_rows = p_batch_rows, writer_wait = p_writer_wait
         WHERE run_id = r.run_id;
        RAISE NOTICE 'resuming retention run % from its last committed batch', r.run_id;
        RETURN r.run_id;
    END IF;
    BEGIN
        INSERT INTO ci.retention_run (pid, batch_rows, writer_wait) VALUES (pg_backend_pid(), p_batch_rows, p_writer_wait) RETURNING * INTO r;
    EXCEPTION WHEN unique_violation THEN
        RAISE NOTICE 'another retention run has just started';
        RETURN NULL;
    END;
    FOR e IN SELECT p.*, t.partition_action, t.time_column FROM ci.retention_effective_policy p
               JOIN ci.retention_table t USING (table_name)
              ORDER BY p.table_name::text, p.jurisdiction NULLS LAST LOOP
        v_cutoff := now() - e.keep_for;
        FOR l IN SELECT * FROM ci.retention_leaves(e.table_name) LOOP
            n := n + 1;
            INSERT INTO ci.retention_run_step (run_id, step, kind, table_name, leaf, leaf_name, policy_id, policy_version,
                                               jurisdiction, action, anonymise_columns, cutoff, row_filter, end_block,
                                               window_blocks)
            VALUES (r.run_id, n, 'rows', e.table_name, l.leaf, l.leaf::text, e.policy_id, e.version, e.jurisdiction,
                    e.action, e.anonymise_columns, v_cutoff,
                    ci.retention_row_filter(e.table_name, e.jurisdiction, v_cutoff, e.action, e.anonymise_columns),
                    pg_catalog.pg_relation_size(l.leaf) / current_setting('block_size')::bigint,
                    -- the first range: batch_rows rows if every row in it were expired
                    -- (never analysed: as if 200 rows fitted in a block)
                    (SELECT least(16384, greatest(1, p_batch_rows / CASE WHEN c.reltuples < 0 OR c.relpages = 0 THEN 200.0
                                                                          ELSE greatest(1.0, c.reltuples / c.relpages) END))::integer
                       FROM pg_catalog.pg_class c WHERE c.oid = l.leaf));
            -- on Citus the coordinator holds an empty shell: the ranges follow the shards
            v_placement := ci.retention_citus_placement(l.leaf);
            IF v_placement = 'sharded' THEN
                SELECT * INTO v_shards FROM ci.retention_citus_shards(l.leaf);
                UPDATE ci.retention_run_step
                   SET end_block = v_shards.max_blocks,
                       window_blocks = least(16384, greatest(1, p_batch_rows / greatest(1, v_shards.shards)
                                           / CASE WHEN v_shards.pages = 0 THEN 200.0
                                                  ELSE greatest(1.0, v_shards.tuples / v_shards.pages) END))::integer
                 WHERE run_id = r.run_id AND step = n;
            ELSIF v_placement = 'replicated' THEN
                -- each copy has its own TIDs: one statement by the row condition alone
                UPDATE ci.retention_run_step SET end_block = 1, window_blocks = 1
                 WHERE run_id = r.run_id AND step = n;
                CONTINUE;
            END IF;
            -- with an index led by the time column, batches cover only the blocks
            -- that hold expired rows (old rows usually sit together)
            IF EXISTS (SELECT 1 FROM pg_catalog.pg_index i JOIN pg_catalog.pg_attribute a
                                   ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                        WHERE i.indrelid = l.leaf AND a.attname = e.time_column AND i.indisvalid AND i.indpred IS NULL) THEN
                EXECUTE format('SELECT min(t.ctid), max(t.ctid) FROM %s AS t WHERE t.%I < $1', l.leaf, e.time_column)
                   INTO v_lo, v_hi USING v_cutoff;
                UPDATE ci.retention_run_step
                   SET next_block = coalesce(((v_lo::text::point)[0])::bigint, 0),
                       end_block = coalesce(((v_hi::text::point)[0])::bigint + 1, 0)
                 WHERE run_id = r.run_id AND step = n;
            END IF;
        END LOOP;
    END LOOP;
    -- partition checks go before the row steps of their leaf: one per leaf
    -- of a partitioned table, whose condition is any delete step's filter
    INSERT INTO ci.retention_run_step (run_id, step, kind, table_name, leaf, leaf_name, row_filter)
    SELECT r.run_id, -row_number() OVER (ORDER BY s.leaf_name), 'partition', s.table_name, s.leaf, s.leaf_name,
           string_agg(format('(%s)', s.row_filter), ' OR ' ORDER BY s.step) FILTER (WHERE s.action = 'delete')
      FROM ci.retention_run_step s
      JOIN pg_catalog.pg_class c ON c.oid = s.table_name AND c.relkind = 'p'
     WHERE s.run_id = r.run_id
     GROUP BY s.table_name, s.leaf, s.leaf_name
    HAVING count(*) FILTER (WHERE s.action = 'delete') > 0;
    RETURN r.run_id;
END;
$$;
COMMENT ON FUNCTION ci.retention_start_run(integer, interval) IS 'internal: opens a retention run and plans its steps, or resumes the open one; NULL when another backend runs it';

-- The statement of a batch of a rows step: the rows of the TID range $1 to
-- $2 that the step's condition selects and no hold keeps, deleted or
-- anonymised.  (A replicated Citus table: its copies' TIDs differ, the row
-- condition alone.)
CREATE FUNCTION ci.retention_change_sql(s ci.retention_run_step)
RETURNS text LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN s.action = 'delete' THEN format('DELETE FROM %s AS t', s.leaf_name)
                ELSE format('UPDATE %s AS t SET %s', s.leaf_name,
                            (SELECT string_agg(format('%I = NULL', c), ', ') FROM unnest(s.anonymise_columns) c)) END
$$;
COMMENT ON FUNCTION ci.retention_change_sql(ci.retention_run_step) IS 'internal: DELETE FROM or UPDATE … SET (the anonymised columns to NULL) of a rows step''s leaf, as t';

CREATE FUNCTION ci.retention_batch_sql(s ci.retention_run_step, hf text, p_placement text DEFAULT NULL)
RETURNS text LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT format('%s WHERE %s AND %s AND %s', ci.retention_change_sql(s),
                  CASE WHEN p_placement = 'replicated' THEN '$1 <= $2' ELSE 't.ctid >= $1 AND t.ctid < $2' END,
                  s.row_filter, hf)
$$;
COMMENT ON FUNCTION ci.retention_batch_sql(ci.retention_run_step, text, text) IS 'internal: the DELETE or UPDATE of one batch of a rows step, over TID bounds $1 and $2';

-- One batch of one step; true when the step is finished.
CREATE FUNCTION ci.retention_step_batch(p_run_id bigint, p_step integer)
RETURNS boolean LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s ci.retention_run_step;
    r ci.retention_run;
    t ci.retention_table;
    hf text;
    stmt text;
    n bigint := 0;
    v_to bigint;
    v_window integer;
    v_change text;
    v_skip text;
    v_lo tid;
    v_hi tid;
    v_placement text;
    v_note text;
BEGIN
    SELECT * INTO s FROM ci.retention_run_step WHERE run_id = p_run_id AND step = p_step;
    SELECT * INTO r FROM ci.retention_run WHERE run_id = p_run_id;
    SELECT * INTO t FROM ci.retention_table WHERE table_name = s.table_name;
    IF s.status <> 'pending' THEN
        RETURN true;
    END IF;
    IF t.table_name IS NULL OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE oid = s.leaf) THEN
        UPDATE ci.retention_run_step SET status = 'skipped', note = 'table no longer exists or is no longer registered',
                                         finished_at = now()
         WHERE run_id = p_run_id AND step = p_step;
        RETURN true;
    END IF;
    hf := ci.retention_hold_filter(s.table_name);
    IF s.kind = 'partition' THEN
        RETURN ci.retention_partition_step(s, t, hf);
    END IF;
    IF hf = 'false' OR s.next_block >= s.end_block THEN
        UPDATE ci.retention_run_step
           SET status = 'done', finished_at = now(), note = CASE WHEN hf = 'false' THEN 'table under legal hold' END
         WHERE run_id = p_run_id AND step = p_step;
        RETURN true;
    END IF;
    v_to := least(s.next_block + s.window_blocks, s.end_block);
    -- the plain statement first; when a writer holds one of the rows for longer
    -- than lock_timeout, the same range again, skipping the rows writers hold
    v_change := ci.retention_change_sql(s);
    v_placement := ci.retention_citus_placement(s.leaf);
    stmt := ci.retention_batch_sql(s, hf, v_placement);
    v_skip := format('WITH c AS (SELECT t.ctid FROM %1$s AS t WHERE t.ctid >= $1 AND t.ctid < $2 AND %2$s AND %3$s
                                 FOR UPDATE OF t SKIP LOCKED) %4$s WHERE t.ctid = ANY (ARRAY(SELECT c.ctid FROM c))',
                     s.leaf_name, s.row_filter, hf, v_change);
    v_lo := format('(%s,0)', s.next_block)::tid;
    v_hi := format('(%s,0)', least(v_to, 4294967295))::tid;
    BEGIN
        -- a batch lost in a crash is redone by the resumed run (its progress row is lost with it)
        PERFORM set_config('synchronous_commit', 'off', true);
        IF v_placement IS NOT NULL THEN
            -- on Citus: the same range of every shard, in one statement
            n := ci.retention_citus_batch(s.leaf, stmt, v_lo, v_hi, r.writer_wait);
        ELSIF r.writer_wait > interval '0' THEN
            -- neither side waits on the other for longer than this
            PERFORM set_config('lock_timeout', (extract(epoch FROM r.writer_wait) * 1000)::bigint::text, true);
            BEGIN
                EXECUTE stmt USING v_lo, v_hi;
                GET DIAGNOSTICS n = ROW_COUNT;
            EXCEPTION WHEN lock_not_available THEN
                EXECUTE v_skip USING v_lo, v_hi;
                GET DIAGNOSTICS n = ROW_COUNT;
            END;
        ELSE
            PERFORM set_config('lock_timeout', '50ms', true);
            EXECUTE v_skip USING v_lo, v_hi;
            GET DIAGNOSTICS n = ROW_COUNT;
        END IF;
    EXCEPTION
        WHEN lock_not_available THEN
            -- a table lock (DDL, VACUUM FULL) is in the way: this range waits for the next call
            UPDATE ci.retention_run_step SET note = 'lock not available: left for the next run'
             WHERE run_id = p_run_id AND step = p_step;
            RETURN true;
        WHEN OTHERS THEN
            -- one broken table (a dropped column, a trigger that raises) must not stop every
            -- other purge; a cancel (query_canceled) is not caught and stops the run
            UPDATE ci.retention_run_step SET status = 'failed', finished_at = now(), note = SQLERRM
             WHERE run_id = p_run_id AND step = p_step;
            RAISE WARNING 'retention step % on % failed: %', p_step, s.leaf_name, SQLERRM;
            RETURN true;
    END;
    -- aim for about batch_rows rows per batch: scale the range by what this
    -- one found (at most 4 times either way), 1 to 16384 blocks
    IF n IS NULL THEN
        v_note := format('blocks %s to %s: a writer held rows, left for the next run', s.next_block, v_to - 1);
        n := 0;
    END IF;
    v_window := least(16384, greatest(1, (s.window_blocks
                    * least(4.0, greatest(0.25, r.batch_rows::numeric / greatest(n, 1))))::integer));
    UPDATE ci.retention_run_step
       SET next_block = v_to, window_blocks = v_window, batches = batches + 1,
           rows_deleted = rows_deleted + CASE WHEN s.action = 'delete' THEN n ELSE 0 END,
           rows_anonymised = rows_anonymised + CASE WHEN s.action = 'anonymise' THEN n ELSE 0 END,
           status = CASE WHEN v_to >= s.end_block THEN 'done' ELSE 'pending' END,
           finished_at = CASE WHEN v_to >= s.end_block THEN now() END,
           note = coalesce(v_note, note)
     WHERE run_id = p_run_id AND step = p_step;
    RETURN v_to >= s.end_block;
END;
$$;
COMMENT ON FUNCTION ci.retention_step_batch(bigint, integer) IS 'internal: runs one bounded batch of a retention step and records its progress; true when the step is done';

-- The upper bound of a range partition on the time column (NULL when the
-- partition is not one, or is unbounded above).
CREATE FUNCTION ci.retention_partition_upper_bound(p_leaf regclass, p_time_column name)
RETURNS timestamptz LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_parent oid;
    v_key text;
    v_to text;
BEGIN
    SELECT i.inhparent INTO v_parent FROM pg_catalog.pg_inherits i WHERE i.inhrelid = p_leaf;
    SELECT pg_catalog.pg_get_partkeydef(v_parent) INTO v_key;
    IF v_key IS DISTINCT FROM format('RANGE (%s)', quote_ident(p_time_column)) THEN
        RETURN NULL;
    END IF;
    v_to := substring(pg_catalog.pg_get_expr(c.relpartbound, c.oid) FROM ' TO \(''([^'']*)''\)$')
      FROM pg_catalog.pg_class c WHERE c.oid = p_leaf;
    RETURN v_to::timestamptz;
EXCEPTION WHEN data_exception THEN
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION ci.retention_partition_upper_bound(regclass, name) IS 'internal: the TO bound of a partition ranged on the time column, as timestamptz (NULL otherwise)';

-- A partition whose rows are all past a delete policy's window and under no
-- hold goes whole: detached (and dropped).  Lock order is the writers':
-- the parent first (ACCESS EXCLUSIVE, 50 ms lock_timeout, held for the
-- detach only), so a writer touching every partition cannot deadlock with
-- it.  Proof that every row is expired comes from the partition bound when
-- the partition is ranged on the time column (no scan under the lock), else
-- from the data, for partitions of at most 1024 pages (8 MB).
CREATE FUNCTION ci.retention_partition_step(s ci.retention_run_step, t ci.retention_table, hf text)
RETURNS boolean LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    q_all text;
    q_held text;
    v_rows bigint;
    v_ok boolean;
    v_parent regclass;
    v_note text;
    v_bound timestamptz;
    v_by_bound boolean := false;
    v_holds bigint[];
    v_citus boolean;
    v_limit text;
    v_pages bigint;
BEGIN
    SELECT inhparent::regclass INTO v_parent FROM pg_catalog.pg_inherits WHERE inhrelid = s.leaf;
    v_bound := ci.retention_partition_upper_bound(s.leaf, t.time_column);
    -- every row the bounds allow is past the window of every policy that may govern it
    IF v_bound IS NOT NULL THEN
        SELECT bool_and(r.action = 'delete') AND bool_or(r.jurisdiction IS NULL) AND v_bound <= min(r.cutoff)
          INTO v_by_bound
          FROM ci.retention_run_step r WHERE r.run_id = s.run_id AND r.leaf = s.leaf AND r.kind = 'rows';
        v_by_bound := coalesce(v_by_bound, false);
    END IF;
    -- on Citus the shell is empty: the shards' pages count, and LIMIT 1 lets
    -- each shard stop at its first row (Citus would otherwise fetch them all)
    v_citus := ci.retention_citus_placement(s.leaf) IS NOT NULL;
    v_limit := CASE WHEN v_citus THEN ' LIMIT 1' ELSE '' END;
    q_all := format('SELECT EXISTS (SELECT 1 FROM %1$s AS t%4$s) AND NOT EXISTS (SELECT 1 FROM %1$s AS t WHERE NOT coalesce((%2$s) AND (%3$s), false)%4$s)',
                    s.leaf_name, s.row_filter, hf, v_limit);
    q_held := format('SELECT EXISTS (SELECT 1 FROM %1$s AS t%3$s) AND NOT EXISTS (SELECT 1 FROM %1$s AS t WHERE NOT (%2$s)%3$s)', s.leaf_name, hf, v_limit);
    v_holds := ARRAY(SELECT h.hold_id FROM ci.legal_hold_active h ORDER BY 1);
    IF v_citus THEN
        SELECT c.pages INTO v_pages FROM ci.retention_citus_shards(s.leaf) c;
    ELSE
        SELECT c.relpages INTO v_pages FROM pg_catalog.pg_class c WHERE c.oid = s.leaf;
    END IF;
    -- a first look without locks; it stops at the first row that must stay
    IF v_by_bound THEN
        EXECUTE q_held INTO v_ok;
    ELSIF v_pages <= 1024 THEN
        EXECUTE q_all INTO v_ok;
    ELSE
        v_ok := false;
        v_note := 'not provably expired by its bounds and over 8 MB: purged row by row';
    END IF;
    IF v_ok THEN
        EXECUTE format('SELECT count(*) FROM %s', s.leaf_name) INTO v_rows;
        BEGIN
            PERFORM set_config('lock_timeout', '50ms', true);
            EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', v_parent);
            -- writers wait from here: look again, as cheaply as the proof allows
            IF v_by_bound AND hf = 'true' THEN
                v_ok := v_holds = ARRAY(SELECT h.hold_id FROM ci.legal_hold_active h ORDER BY 1);
            ELSIF v_by_bound THEN
                EXECUTE q_held INTO v_ok;
            ELSE
                EXECUTE q_all INTO v_ok;
            END IF;
            IF v_ok THEN
                EXECUTE format('ALTER TABLE %s DETACH PARTITION %s', v_parent, s.leaf_name);
                IF t.partition_action = 'drop' THEN
                    EXECUTE format('DROP TABLE %s', s.leaf_name);
                    v_note := format('dropped partition %s (%s rows)', s.leaf_name, v_rows);
                ELSE
                    v_note := format('detached partition %s (%s rows); it is no longer registered', s.leaf_name, v_rows);
                END IF;
                UPDATE ci.retention_run_step
                   SET status = 'done', finished_at = now(), rows_deleted = v_rows, partitions_removed = 1, note = v_note
                 WHERE run_id = s.run_id AND step = s.step;
                -- nothing is left for the row steps of this partition
                UPDATE ci.retention_run_step
                   SET status = 'skipped', finished_at = now(), note = 'partition removed whole'
                 WHERE run_id = s.run_id AND leaf = s.leaf AND kind = 'rows' AND status = 'pending';
                RETURN true;
            END IF;
            v_note := 'changed while it was being detached: purged row by row';
        EXCEPTION WHEN lock_not_available THEN
            v_note := 'parent busy (lock_timeout): purged row by row';
        END;
    END IF;
    UPDATE ci.retention_run_step
       SET status = 'done', finished_at = now(),
           note = coalesce(v_note, 'partition keeps rows (or is empty): purged row by row')
     WHERE run_id = s.run_id AND step = s.step;
    RETURN true;
END;
$$;
COMMENT ON FUNCTION ci.retention_partition_step(ci.retention_run_step, ci.retention_table, text) IS 'internal: detaches or drops a partition that is entirely expired and hold-free';

CREATE FUNCTION ci.retention_finish_run(p_run_id bigint, p_paused boolean)
RETURNS jsonb LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v jsonb;
BEGIN
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'table', x.table_name::text, 'policy_id', x.policy_id, 'policy_version', x.policy_version,
               'jurisdiction', x.jurisdiction, 'action', x.action, 'cutoff', x.cutoff,
               'rows_deleted', x.d, 'rows_anonymised', x.a, 'partitions_removed', x.p) ORDER BY x.table_name::text, x.policy_id), '[]')
      INTO v
      FROM (SELECT s.table_name, max(s.policy_id) AS policy_id, max(s.policy_version) AS policy_version,
                   max(s.jurisdiction) AS jurisdiction, max(s.action) AS action, max(s.cutoff) AS cutoff,
                   sum(s.rows_deleted) AS d, sum(s.rows_anonymised) AS a, sum(s.partitions_removed) AS p
              FROM ci.retention_run_step s
              LEFT JOIN LATERAL (SELECT p2.policy_id FROM ci.retention_run_step p2
                                  WHERE p2.run_id = s.run_id AND p2.leaf = s.leaf AND p2.kind = 'rows'
                                  ORDER BY p2.step LIMIT 1) k ON s.kind = 'partition'
             WHERE s.run_id = p_run_id
             GROUP BY s.table_name, coalesce(s.policy_id, k.policy_id)) x;
    UPDATE ci.retention_run
       SET status = CASE WHEN p_paused THEN 'paused' ELSE 'done' END,
           finished_at = CASE WHEN p_paused THEN NULL ELSE now() END,
           summary = v
     WHERE run_id = p_run_id;
    IF NOT p_paused THEN
        PERFORM ci.retention_audit_hook('retention_run', jsonb_build_object('run_id', p_run_id, 'steps', v));
    END IF;
    RETURN v;
END;
$$;
COMMENT ON FUNCTION ci.retention_finish_run(bigint, boolean) IS 'internal: closes (or pauses) a run and records its counts per table and policy';

-- The audit trail of retention.  Until the audit capability offers an
-- entry point for events that are not row changes, the run log
-- (ci.retention_run, ci.erasure_certificate) is the record; this is the one
-- place to wire it: when ci.audit_event(text, jsonb) exists, it is called.
CREATE FUNCTION ci.retention_audit_hook(p_kind text, p_detail jsonb)
RETURNS boolean LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF to_regprocedure('ci.audit_event(text,jsonb)') IS NULL THEN
        RETURN false;
    END IF;
    EXECUTE 'SELECT ci.audit_event($1, $2)' USING p_kind, p_detail;
    RETURN true;
END;
$$;
COMMENT ON FUNCTION ci.retention_audit_hook(text, jsonb) IS 'records a retention or erasure event in the audit trail when the audit capability offers ci.audit_event(text, jsonb); false when it does not (the run log is then the record)';

-- The maintenance entry point, for pg_cron: CALL ci.run_retention();
-- Call it outside a transaction block: it commits after every batch.
CREATE PROCEDURE ci.run_retention(batch_rows integer DEFAULT 10000, max_runtime interval DEFAULT NULL,
                                  erasures boolean DEFAULT true, writer_wait interval DEFAULT '50ms')
LANGUAGE plpgsql
AS $$
DECLARE
    v_run bigint;
    v_step integer;
    v_last integer := -2147483648;
    v_deadline timestamptz := CASE WHEN max_runtime IS NOT NULL THEN pg_catalog.clock_timestamp() + max_runtime END;
    v_paused boolean := false;
    v_req bigint;
BEGIN
    v_run := ci.retention_start_run(batch_rows, writer_wait);
    COMMIT;
    IF v_run IS NULL THEN
        RETURN;
    END IF;
    <<steps>>
    LOOP
        SELECT s.step INTO v_step FROM ci.retention_run_step s
         WHERE s.run_id = v_run AND s.status = 'pending' AND s.step > v_last ORDER BY s.step LIMIT 1;
        EXIT WHEN v_step IS NULL;
        v_last := v_step;
        LOOP
            EXIT WHEN ci.retention_step_batch(v_run, v_step);
            COMMIT;
            IF v_deadline IS NOT NULL AND pg_catalog.clock_timestamp() > v_deadline THEN
                v_paused := true;
                EXIT steps;
            END IF;
        END LOOP;
        COMMIT;
        v_step := NULL;
    END LOOP;
    PERFORM ci.retention_finish_run(v_run, v_paused);
    COMMIT;
    IF v_paused THEN
        RAISE NOTICE 'retention run % paused after max_runtime; the next call resumes it', v_run;
        RETURN;
    END IF;
    -- erasure requests: one transaction per customer
    IF erasures THEN
        -- held ones are tried again: their holds may have been released
        FOR v_req IN SELECT q.request_id FROM ci.erasure_request q
                      WHERE q.status IN ('pending', 'held') ORDER BY q.deadline, q.request_id LOOP
            BEGIN
                PERFORM ci.process_erasure(v_req);
            EXCEPTION WHEN OTHERS THEN
                -- rolled back whole: the customer is as before, the request stays open
                RAISE WARNING 'erasure request % failed: %', v_req, SQLERRM;
            END;
            COMMIT;
            EXIT WHEN v_deadline IS NOT NULL AND pg_catalog.clock_timestamp() > v_deadline;
        END LOOP;
    END IF;
END;
$$;
COMMENT ON PROCEDURE ci.run_retention(integer, interval, boolean, interval) IS
'applies every retention policy in batches of about batch_rows rows, one transaction each (resumes an interrupted run), then processes pending erasure requests one customer per transaction; a batch waits at most writer_wait for a row a writer holds (0: skips such rows at once); CALL it outside a transaction block (pg_cron)';
