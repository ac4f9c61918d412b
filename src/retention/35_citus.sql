-- Retention on Citus: purges, holds, erasure and access exports of
-- distributed tables (user tables and the extension's own).  Nothing here
-- changes what a single node does; see doc/retention.md, "On Citus".
--
-- A purge batch is one statement the coordinator sends to every shard of a
-- distributed table: the same TID range condition is applied to each
-- shard's own heap (Citus pushes it down as a Tid Range Scan per shard),
-- so successive block ranges cover every shard once, in bounded batches,
-- inside the coordinator's transaction (the counts and the progress row
-- commit together with the shards' deletes).  A reference table (or shards
-- with several placements) has different TIDs on each copy: it is purged
-- by its row condition alone, in one statement.  Active holds are resolved
-- to id lists on the coordinator first: the shard statements cannot read
-- the coordinator's ci.legal_hold, and Citus refuses a pushed-down delete
-- with a TID condition and a subquery.

-- How Citus places a table: NULL when it is not a Citus table (or Citus is
-- not installed), 'sharded' when every shard has one placement (TID ranges
-- per shard are sound), 'replicated' for a reference table or replicated
-- shards (each copy has its own TIDs).  Dynamic SQL: the catalogs exist
-- only with Citus.
CREATE FUNCTION ci.retention_citus_placement(p_table regclass)
RETURNS text LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v text;
BEGIN
    IF ci.citus_table_kind(p_table) IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE $q$SELECT CASE WHEN p.partmethod = 'n' AND p.repmodel = 't' THEN 'replicated'
                           WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_dist_shard s
                                          JOIN pg_catalog.pg_dist_placement pl ON pl.shardid = s.shardid
                                         WHERE s.logicalrelid = p.logicalrelid
                                         GROUP BY s.shardid HAVING pg_catalog.count(*) > 1) THEN 'replicated'
                           ELSE 'sharded' END
                 FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid = $1$q$
       INTO v USING p_table;
    RETURN v;
END;
$$;
COMMENT ON FUNCTION ci.retention_citus_placement(regclass) IS 'internal: NULL for a table Citus does not manage; sharded (one placement per shard) or replicated (a reference table, or replicated shards)';

-- Whether holds must be resolved to id lists for this table: it is a Citus
-- table, or the canonical tables are distributed (the hold views then join
-- a coordinator table with distributed ones, which a modification on any
-- table cannot embed).
CREATE FUNCTION ci.retention_resolve_holds(p_table regclass)
RETURNS boolean LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- (plpgsql: src/scale, which defines ci.scale_distributed, installs after retention)
    RETURN ci.retention_citus_placement(p_table) IS NOT NULL OR ci.scale_distributed();
END;
$$;
COMMENT ON FUNCTION ci.retention_resolve_holds(regclass) IS 'internal: true when the hold filter of a table must list the held ids (Citus) rather than join the hold views';

-- The shards of a sharded table as the purge sees them: how many, the
-- largest shard heap in blocks (the batches' block ranges go up to it),
-- and the rows and pages of all of them (rows per block, to size a batch).
-- Read on the workers over Citus's own connections (run_command_on_shards).
CREATE FUNCTION ci.retention_citus_shards(p_table regclass, OUT shards integer, OUT max_blocks bigint,
                                          OUT tuples double precision, OUT pages bigint)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    EXECUTE $q$SELECT pg_catalog.count(*)::integer,
                      pg_catalog.max(pg_catalog.split_part(r.result, ' ', 1)::bigint),
                      pg_catalog.sum(greatest(pg_catalog.split_part(r.result, ' ', 2)::double precision, 0)),
                      pg_catalog.sum(pg_catalog.split_part(r.result, ' ', 3)::bigint)
                 FROM pg_catalog.run_command_on_shards($1,
                      $c$SELECT pg_catalog.pg_relation_size(c.oid) / pg_catalog.current_setting('block_size')::bigint
                                || ' ' || c.reltuples || ' ' || c.relpages
                           FROM pg_catalog.pg_class c WHERE c.oid = %1$L::regclass$c$) r
                WHERE r.success$q$
       INTO shards, max_blocks, tuples, pages USING p_table;
    max_blocks := coalesce(max_blocks, 0);
END;
$$;
COMMENT ON FUNCTION ci.retention_citus_shards(regclass) IS 'internal: shard count, largest shard heap in blocks, and the shards'' rows and pages of a distributed table';

-- What each active hold on a customer or a record covers, as
-- ci.held_identity and ci.held_record say, computed one hold and one set
-- at a time: on Citus those views join the coordinator's holds with the
-- distributed links inside one query, which Citus cannot always plan (the
-- merge walk would run on a shard).
CREATE FUNCTION ci.retention_held(OUT hold_id bigint, OUT identity_ids bigint[], OUT record_ids bigint[])
RETURNS SETOF record LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    h record;
BEGIN
    FOR h IN SELECT a.hold_id, a.identity_id, a.record_id FROM ci.legal_hold_active a
              WHERE a.identity_id IS NOT NULL OR a.record_id IS NOT NULL ORDER BY a.hold_id LOOP
        hold_id := h.hold_id;
        identity_ids := CASE WHEN h.identity_id IS NOT NULL THEN ARRAY[h.identity_id]
                             ELSE ARRAY(SELECT l.identity_id FROM ci.identity_link l WHERE l.record_id = h.record_id) END;
        identity_ids := CASE WHEN cardinality(identity_ids) > 0 THEN ci.identity_family(identity_ids) ELSE '{}' END;
        record_ids := ARRAY(SELECT DISTINCT x FROM (
                                SELECT h.record_id WHERE h.record_id IS NOT NULL
                                UNION ALL
                                SELECT l.record_id FROM ci.identity_link l WHERE l.identity_id = ANY (identity_ids)) y(x)
                             ORDER BY 1);
        RETURN NEXT;
    END LOOP;
END;
$$;
COMMENT ON FUNCTION ci.retention_held() IS 'internal: per active hold on a customer or a record, the identities (with their merge family) and source records it covers';

-- The ids active holds cover, resolved on the coordinator: identities (with
-- their merge family) or source records.
CREATE FUNCTION ci.retention_held_ids(p_kind text)
RETURNS bigint[] LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ARRAY(SELECT DISTINCT x
                   FROM ci.retention_held() h,
                        unnest(CASE WHEN p_kind = 'identity' THEN h.identity_ids ELSE h.record_ids END) x
                  ORDER BY 1)
$$;
COMMENT ON FUNCTION ci.retention_held_ids(text) IS 'internal: the identity (or source record) ids active legal holds cover, as a sorted list';

-- One batch of a purge step on a Citus table: the statement (over alias t,
-- TID bounds $1 and $2) goes to every shard; a writer's row lock is waited
-- for at most writer_wait on the workers (lock_timeout is propagated with
-- the transaction).  Returns the rows changed, or NULL when a writer held
-- one of them: the range is then left for the next run (on Citus a range
-- cannot be retried SKIP LOCKED: that needs a subquery, which Citus does not
-- push down together with a TID condition).  Changes to ci.source_record
-- are reported to ci.source_records_changed, which does on Citus what the
-- record triggers do on one node (member copies, golden queue, consent).
CREATE FUNCTION ci.retention_citus_batch(p_leaf regclass, p_stmt text, p_lo tid, p_hi tid, p_writer_wait interval)
RETURNS bigint LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
    v_ids bigint[];
BEGIN
    PERFORM pg_catalog.set_config('citus.propagate_set_commands', 'local', true);
    EXECUTE pg_catalog.format('SET LOCAL lock_timeout = %L',
                              greatest(1, (extract(epoch FROM p_writer_wait) * 1000)::bigint)::text);
    BEGIN
        IF p_leaf = 'ci.source_record'::regclass THEN
            EXECUTE pg_catalog.format('WITH d AS (%s RETURNING t.record_id) SELECT pg_catalog.count(*), pg_catalog.array_agg(d.record_id) FROM d', p_stmt)
               INTO n, v_ids USING p_lo, p_hi;
            IF n > 0 THEN
                PERFORM ci.source_records_changed(v_ids);
            END IF;
        ELSE
            EXECUTE p_stmt USING p_lo, p_hi;
            GET DIAGNOSTICS n = ROW_COUNT;
        END IF;
    EXCEPTION WHEN lock_not_available THEN
        RETURN NULL;
    END;
    RETURN n;
END;
$$;
COMMENT ON FUNCTION ci.retention_citus_batch(regclass, text, tid, tid, interval) IS 'internal: runs one purge batch on every shard of a Citus table; the rows changed, or NULL when a writer''s lock left the range for the next run';
