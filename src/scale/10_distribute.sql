-- Scale-out on Citus: the distributed layout of the canonical tables, what
-- stops each table from taking its place in it, and ci.distribute(), which
-- turns an installed single-node schema into that layout.  See
-- doc/scaling.md.  Citus is optional: nothing here is used on one node, and
-- every Citus function is called through dynamic SQL after checking that
-- Citus is installed.

CREATE FUNCTION ci.distribution_layout(OUT step integer, OUT relation regclass, OUT placement text,
                                       OUT distribution_column name, OUT colocate_with regclass)
RETURNS SETOF record
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    -- Working order: reference tables first (a distributed table's foreign
    -- keys may point at them), then the record side, then the identity side.
    -- A relation that is not installed (a capability not yet there) is skipped.
    SELECT v.step, pg_catalog.to_regclass(v.rel), v.placement, v.col::name, pg_catalog.to_regclass(v.coloc)
    FROM (VALUES
        -- small configuration, written on the coordinator, read on every node
        (1,  'ci.source',              'reference',   NULL,          NULL),
        (2,  'ci.golden_attribute',    'reference',   NULL,          NULL),
        (3,  'ci.survivorship_rule',   'reference',   NULL,          NULL),
        (4,  'ci.match_model',         'reference',   NULL,          NULL),
        (5,  'ci.match_comparison',    'reference',   NULL,          NULL),
        (6,  'ci.match_blocking_rule', 'reference',   NULL,          NULL),
        (7,  'ci.match_term_frequency','reference',   NULL,          NULL),
        (8,  'ci.name_alias',          'reference',   NULL,          NULL),
        (9,  'ci.role_privilege',      'reference',   NULL,          NULL),
        (10, 'ci.shipped_row',         'reference',   NULL,          NULL),
        (11, 'ci.shipped_row_deleted', 'reference',   NULL,          NULL),
        -- what consent's row filter reads, copied for the workers, where the
        -- filter of a protected distributed table runs (src/consent/80_node.sql)
        (12, 'ci.consent_node_purpose','reference',   NULL,          NULL),
        (13, 'ci.consent_node_default','reference',   NULL,          NULL),
        (14, 'ci.consent_node_binding','reference',   NULL,          NULL),
        (15, 'ci.consent_node_subject','reference',   NULL,          NULL),
        (16, 'ci.consent_node_state',  'reference',   NULL,          NULL),
        (17, 'ci.consent_node_change', 'reference',   NULL,          NULL),
        -- record side: records, which identity each belongs to, pair decisions
        (20, 'ci.source_record',       'distributed', 'record_id',   NULL),
        (21, 'ci.identity_link',       'distributed', 'record_id',   'ci.source_record'),
        (22, 'ci.match_decision',      'distributed', 'record_a',    'ci.source_record'),
        (23, 'ci.match_review',        'distributed', 'record_a',    'ci.source_record'),
        -- a source's keys, unique: distributed by the key itself
        (25, 'ci.source_record_key',   'distributed', 'source_key',  NULL),
        -- identity side: identities and everything per identity
        (30, 'ci.identity',            'distributed', 'identity_id', NULL),
        (31, 'ci.identity_event',      'distributed', 'identity_id', 'ci.identity'),
        (32, 'ci.golden_profile',      'distributed', 'identity_id', 'ci.identity'),
        (33, 'ci.golden_override',     'distributed', 'identity_id', 'ci.identity'),
        (34, 'ci.golden_dirty',        'distributed', 'identity_id', 'ci.identity'),
        (35, 'ci.identity_member',     'distributed', 'identity_id', 'ci.identity'),
        -- coordinator only: run log and the rebuild-everything flag
        (40, 'ci.match_run',           'coordinator', NULL,          NULL),
        (41, 'ci.golden_stale',        'coordinator', NULL,          NULL),
        -- consent, audit and retention stay on the coordinator (doc/scaling.md):
        -- consent is computed in the coordinator's backend, which reads the
        -- distributed identity tables apart (the workers' row filters read
        -- the copies of steps 12-17); the audit log and its chain are one
        -- node's, and the retention registry, holds and run log are the
        -- coordinator's (purges reach the shards)
        (50, 'ci.consent_purpose',     'coordinator', NULL,          NULL),
        (51, 'ci.consent_jurisdiction','coordinator', NULL,          NULL),
        (52, 'ci.consent_jurisdiction_country', 'coordinator', NULL, NULL),
        (53, 'ci.consent_default',     'coordinator', NULL,          NULL),
        (54, 'ci.consent_purpose_binding', 'coordinator', NULL,      NULL),
        (55, 'ci.consent_exempt_role', 'coordinator', NULL,          NULL),
        (56, 'ci.consent_secret',      'coordinator', NULL,          NULL),
        (57, 'ci.consent_protected',   'coordinator', NULL,          NULL),
        (58, 'ci.consent_event',       'coordinator', NULL,          NULL),
        (59, 'ci.suppression',         'coordinator', NULL,          NULL),
        (60, 'ci.consent_jurisdiction_override', 'coordinator', NULL, NULL),
        (61, 'ci.consent_state',       'coordinator', NULL,          NULL),
        (62, 'ci.consent_subject',     'coordinator', NULL,          NULL),
        (63, 'ci.consent_change',      'coordinator', NULL,          NULL),
        (70, 'ci.audit_log',           'coordinator', NULL,          NULL),
        (71, 'ci.audit_seal',          'coordinator', NULL,          NULL),
        (72, 'ci.audit_chain',         'coordinator', NULL,          NULL),
        (73, 'ci.audit_key',           'coordinator', NULL,          NULL),
        (80, 'ci.retention_jurisdiction', 'coordinator', NULL,       NULL),
        (81, 'ci.retention_jurisdiction_country', 'coordinator', NULL, NULL),
        (82, 'ci.retention_table',     'coordinator', NULL,          NULL),
        (83, 'ci.retention_policy',    'coordinator', NULL,          NULL),
        (84, 'ci.retention_policy_version', 'coordinator', NULL,     NULL),
        (85, 'ci.legal_hold',          'coordinator', NULL,          NULL),
        (86, 'ci.retention_run',       'coordinator', NULL,          NULL),
        (87, 'ci.retention_run_step',  'coordinator', NULL,          NULL),
        (88, 'ci.retention_secret',    'coordinator', NULL,          NULL),
        (89, 'ci.erasure_request',     'coordinator', NULL,          NULL),
        (90, 'ci.erasure_certificate', 'coordinator', NULL,          NULL),
        (91, 'ci.access_request',      'coordinator', NULL,          NULL)
    ) AS v(step, rel, placement, col, coloc)
    WHERE pg_catalog.to_regclass(v.rel) IS NOT NULL
    ORDER BY v.step
$$;
COMMENT ON FUNCTION ci.distribution_layout() IS
'The Citus layout of the canonical tables, in working order: reference tables (configuration), the record side distributed by record, the identity side distributed by identity and co-located, and what stays on the coordinator';

-- What stops one relation from taking its place in the layout: triggers on
-- a table that becomes shards (Citus refuses them: they would run on each
-- shard and see only its rows), unique keys without the distribution column
-- (Citus cannot enforce them), and foreign keys Citus cannot keep (to or
-- from a table of another side, outside the layout, or not joining the
-- distribution columns).
CREATE FUNCTION ci.distribution_blockers(relation regclass, placement text, distribution_column name,
                                         colocate_with regclass)
RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH layout AS (SELECT l.relation, l.placement, l.distribution_column,
                           coalesce(l.colocate_with, l.relation) AS grp
                    FROM ci.distribution_layout() l),
    key AS (SELECT a.attnum FROM pg_catalog.pg_attribute a
            WHERE a.attrelid = $1 AND a.attname = $3 AND NOT a.attisdropped),
    reasons(reason) AS (
        SELECT pg_catalog.format('no column %I to distribute by', $3)
        WHERE $2 = 'distributed' AND NOT EXISTS (SELECT 1 FROM key)
      UNION ALL
        SELECT pg_catalog.format('trigger %I', t.tgname)
        FROM pg_catalog.pg_trigger t
        WHERE t.tgrelid = $1 AND NOT t.tgisinternal AND $2 <> 'coordinator'
      UNION ALL
        SELECT pg_catalog.format('%s %I does not include the distribution column %I',
                                 CASE c.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique constraint'
                                                ELSE 'exclusion constraint' END, c.conname, $3)
        FROM pg_catalog.pg_constraint c
        WHERE c.conrelid = $1 AND $2 = 'distributed' AND c.contype IN ('p', 'u', 'x')
          AND NOT coalesce((SELECT k.attnum FROM key k) = ANY (c.conkey), false)
      UNION ALL
        SELECT pg_catalog.format('unique index %I does not include the distribution column %I', i.indexrelid::regclass, $3)
        FROM pg_catalog.pg_index i
        WHERE i.indrelid = $1 AND $2 = 'distributed' AND i.indisunique
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = $1)
          AND NOT coalesce((SELECT k.attnum FROM key k) = ANY (i.indkey::int2[]), false)
      UNION ALL
        SELECT pg_catalog.format('foreign key %I %s', x.conname, x.why)
        FROM (SELECT c.conname,
                   CASE WHEN f.relation IS NULL THEN pg_catalog.format('refers to %s, outside the layout', c.confrelid::regclass)
                        WHEN $2 = 'reference' AND f.placement <> 'reference'
                            THEN pg_catalog.format('of a reference table refers to %s, a %s table', c.confrelid::regclass, f.placement)
                        WHEN $2 = 'distributed' AND f.placement = 'coordinator'
                            THEN pg_catalog.format('refers to %s, which stays on the coordinator', c.confrelid::regclass)
                        WHEN $2 = 'distributed' AND f.placement = 'distributed'
                             AND f.grp IS DISTINCT FROM coalesce($4, $1)
                            THEN pg_catalog.format('refers to %s, which is not co-located', c.confrelid::regclass)
                        WHEN $2 = 'distributed' AND f.placement = 'distributed'
                             AND c.confkey[pg_catalog.array_position(c.conkey, (SELECT k.attnum FROM key k))]
                                 IS DISTINCT FROM (SELECT a.attnum FROM pg_catalog.pg_attribute a
                                                   WHERE a.attrelid = c.confrelid AND a.attname = f.distribution_column)
                            THEN pg_catalog.format('does not join %I to the distribution column of %s', $3, c.confrelid::regclass)
                        WHEN $2 = 'coordinator' AND f.placement = 'distributed'
                            THEN pg_catalog.format('refers to %s, a distributed table', c.confrelid::regclass)
                   END AS why
              FROM pg_catalog.pg_constraint c LEFT JOIN layout f ON f.relation = c.confrelid
              WHERE c.conrelid = $1 AND c.contype = 'f') x
        WHERE x.why IS NOT NULL
      UNION ALL
        SELECT pg_catalog.format('foreign key %I of %s, outside the layout, refers to it', c.conname, c.conrelid::regclass)
        FROM pg_catalog.pg_constraint c
        WHERE c.confrelid = $1 AND c.contype = 'f' AND $2 <> 'coordinator'
          AND c.conrelid NOT IN (SELECT l.relation FROM layout l)
    )
    SELECT coalesce(pg_catalog.array_agg(r.reason ORDER BY r.reason), '{}') FROM reasons r WHERE r.reason IS NOT NULL
$$;
COMMENT ON FUNCTION ci.distribution_blockers(regclass, text, name, regclass) IS
'Why a relation cannot take its place in the Citus layout (triggers on shards, unique keys without the distribution column, foreign keys Citus cannot keep); empty when nothing stops it';

-- What ci.distribute() changes itself before distributing (doc/scaling.md,
-- "What ci.distribute() changes"): the triggers of tables that become
-- shards or reference tables (the API functions do their work on Citus),
-- primary keys rekeyed with the distribution column first, and the keys
-- that cross the two sides, which the API functions keep.
CREATE FUNCTION ci.distribution_change(reason text)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT $1 LIKE 'trigger %'
        OR $1 LIKE 'primary key % does not include the distribution column %'
        OR $1 IN ('unique constraint source_record_source_source_key_key does not include the distribution column record_id',
                  'foreign key identity_merged_into_fkey does not join identity_id to the distribution column of ci.identity',
                  'foreign key match_decision_record_b_fkey does not join record_a to the distribution column of ci.source_record',
                  'foreign key match_review_record_b_fkey does not join record_a to the distribution column of ci.source_record')
$$;
COMMENT ON FUNCTION ci.distribution_change(text) IS
'internal: whether ci.distribute() removes this blocker itself (a trigger whose work the API does on Citus, a key it rekeys or that the API keeps)';

CREATE FUNCTION ci.distribution_plan(OUT step integer, OUT relation regclass, OUT placement text,
                                     OUT distribution_column name, OUT colocate_with regclass,
                                     OUT status text, OUT blockers text[], OUT changes text[])
RETURNS SETOF record
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    citus constant boolean := EXISTS (SELECT 1 FROM pg_catalog.pg_extension e WHERE e.extname = 'citus');
    l record;
    done boolean;
    own jsonb := '{}';   -- relation oid -> its own blockers, for relations not yet done
    waits text[];
BEGIN
    FOR l IN SELECT * FROM ci.distribution_layout() LOOP
        done := false;
        IF citus AND l.placement <> 'coordinator' THEN
            -- pg_dist_partition exists only with Citus: dynamic SQL.
            EXECUTE $q$SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p
                                      WHERE p.logicalrelid = $1
                                        AND CASE WHEN $2 = 'reference' THEN p.partmethod = 'n' AND p.repmodel = 't'
                                                 ELSE p.partmethod = 'h'
                                                      AND pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) = $3 END)$q$
                INTO done USING l.relation, l.placement, l.distribution_column::text;
        END IF;
        IF NOT done AND l.placement <> 'coordinator' THEN
            own := own || jsonb_build_object(l.relation::oid::text,
                       to_jsonb(ci.distribution_blockers(l.relation, l.placement, l.distribution_column, l.colocate_with)));
        END IF;
    END LOOP;
    -- what ci.distribute() changes itself is not a blocker
    FOR l IN SELECT * FROM ci.distribution_layout() LOOP
        IF own ? l.relation::oid::text THEN
            own := jsonb_set(own, ARRAY[l.relation::oid::text],
                             coalesce((SELECT jsonb_agg(x) FROM jsonb_array_elements_text(own -> l.relation::oid::text) x
                                        WHERE NOT ci.distribution_change(x)), '[]'));
        END IF;
    END LOOP;
    FOR l IN SELECT * FROM ci.distribution_layout() LOOP
        step := l.step; relation := l.relation; placement := l.placement;
        distribution_column := l.distribution_column; colocate_with := l.colocate_with;
        changes := '{}';
        IF l.placement = 'coordinator' THEN
            status := 'local'; blockers := '{}';
        ELSIF NOT own ? l.relation::oid::text THEN
            status := 'done'; blockers := '{}';
        ELSE
            SELECT coalesce(array_agg(x ORDER BY x), '{}') INTO changes
              FROM unnest(ci.distribution_blockers(l.relation, l.placement, l.distribution_column, l.colocate_with)) x
             WHERE ci.distribution_change(x);
            SELECT coalesce(array_agg(x ORDER BY x), '{}') INTO blockers
              FROM jsonb_array_elements_text(own -> l.relation::oid::text) x;
            -- a table also waits for its co-location group's first table and
            -- for the tables its foreign keys refer to
            SELECT coalesce(array_agg(DISTINCT format('waits for %s', w.rel) ORDER BY format('waits for %s', w.rel)), '{}')
              INTO waits
              FROM (SELECT l.colocate_with AS rel
                    UNION SELECT c.confrelid::regclass FROM pg_catalog.pg_constraint c
                          WHERE c.conrelid = l.relation AND c.contype = 'f' AND c.confrelid <> l.relation) w
             WHERE w.rel IS NOT NULL AND jsonb_array_length(coalesce(own -> w.rel::oid::text, '[]')) > 0;
            blockers := blockers || waits;
            status := CASE WHEN blockers = '{}' THEN 'ready' ELSE 'blocked' END;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION ci.distribution_plan() IS
'Each relation of the Citus layout with its status (done, ready, blocked, or local to the coordinator) and what blocks it; works with or without Citus';

CREATE FUNCTION ci.distribute()
RETURNS TABLE (relation regclass, placement text, status text)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    workers bigint;
    coordinator boolean;
    blocked text;
    fk record;
    fks text[] := '{}';
    p record;
    s text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension e WHERE e.extname = 'citus') THEN
        RAISE EXCEPTION 'Citus is not installed in this database'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'ci.distribute() turns the canonical tables into the Citus distributed layout.',
                  HINT = 'On a single node there is nothing to distribute. With Citus, run CREATE EXTENSION citus (before customer_intel) on the coordinator.';
    END IF;
    EXECUTE 'SELECT pg_catalog.citus_is_coordinator()' INTO coordinator;
    IF NOT coordinator THEN
        RAISE EXCEPTION 'ci.distribute() must run on the Citus coordinator'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Connect to the coordinator, or register this node with citus_set_coordinator_host().';
    END IF;
    EXECUTE $q$SELECT pg_catalog.count(*) FROM pg_catalog.pg_dist_node n
               WHERE n.noderole = 'primary' AND n.isactive AND n.shouldhaveshards AND n.groupid <> 0$q$ INTO workers;
    IF workers = 0 THEN
        RAISE EXCEPTION 'the Citus cluster has no worker node to hold shards'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Add workers with citus_add_node() first.';
    END IF;

    SELECT pg_catalog.string_agg(pg_catalog.format('%s: %s', d.relation, pg_catalog.array_to_string(d.blockers, '; ')), E'\n' ORDER BY d.step)
      INTO blocked FROM ci.distribution_plan() d WHERE d.status = 'blocked';
    IF blocked IS NOT NULL THEN
        RAISE EXCEPTION 'the canonical tables cannot be distributed yet'
            USING ERRCODE = 'feature_not_supported', DETAIL = blocked,
                  HINT = 'SELECT * FROM ci.distribution_plan() lists each table''s placement and what blocks it; doc/scaling.md says what is left to change.';
    END IF;

    CREATE TEMP TABLE ci_distribute_ready ON COMMIT DROP AS
        SELECT d.* FROM ci.distribution_plan() d WHERE d.status = 'ready';
    IF NOT EXISTS (SELECT 1 FROM ci_distribute_ready) THEN
        DROP TABLE ci_distribute_ready;
        RETURN QUERY SELECT d.relation, d.placement, d.status FROM ci.distribution_plan() d;
        RETURN;
    END IF;

    -- The changes that make the tables distributable (doc/scaling.md).
    FOR p IN SELECT * FROM ci_distribute_ready ORDER BY step LOOP
        FOREACH s IN ARRAY p.changes LOOP
            IF s LIKE 'trigger %' THEN
                -- its work is done by the API functions on Citus
                EXECUTE pg_catalog.format('DROP TRIGGER %I ON %s', pg_catalog.substr(s, 9), p.relation);
            ELSIF s LIKE 'primary key %' THEN
                -- rekeyed: the distribution column first, then the old key
                SELECT c.conname, pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY k.i)
                  INTO fk
                  FROM pg_catalog.pg_constraint c
                  CROSS JOIN LATERAL pg_catalog.unnest(c.conkey) WITH ORDINALITY AS k(attnum, i)
                  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
                 WHERE c.conrelid = p.relation AND c.contype = 'p'
                 GROUP BY c.conname;
                EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I, ADD PRIMARY KEY (%I, %s)',
                                          p.relation, fk.conname, p.distribution_column, fk.string_agg);
            ELSIF s LIKE 'unique constraint source_record_source_source_key_key %' THEN
                -- (source, source_key) stays unique through ci.source_record_key
                INSERT INTO ci.source_record_key (source_key, source, record_id)
                SELECT r.source_key, r.source, r.record_id FROM ci.source_record r
                ON CONFLICT DO NOTHING;
                ALTER TABLE ci.source_record DROP CONSTRAINT source_record_source_source_key_key;
            ELSIF s LIKE 'foreign key %' THEN
                -- across shards: kept by the functions that write the rows
                EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', p.relation,
                                          (pg_catalog.regexp_match(s, '^foreign key (\S+)'))[1]);
            END IF;
        END LOOP;
    END LOOP;
    -- Full resolution reads the record side in parallel and then writes
    -- reference tables (the model's parameters): Citus allows that in one
    -- transaction only over one connection per node.  Incremental
    -- resolution keeps its plans: custom plans, which Citus can route.
    EXECUTE pg_catalog.format('ALTER FUNCTION ci.resolve_identities(text, boolean) SET citus.multi_shard_modify_mode = %L', 'sequential');
    EXECUTE pg_catalog.format('ALTER FUNCTION ci.train_model(text) SET citus.multi_shard_modify_mode = %L', 'sequential');
    ALTER FUNCTION ci.resolve_record(bigint, text) SET plan_cache_mode = force_custom_plan;
    -- it deletes a removed record's pair decisions (tables with foreign keys
    -- to reference tables) in transactions that may have written those
    EXECUTE pg_catalog.format('ALTER FUNCTION ci.source_records_changed(bigint[]) SET citus.multi_shard_modify_mode = %L', 'sequential');
    -- the member copy holds the customer's data on the identity side and
    -- the key table the records' own keys: an erasure deletes them with the
    -- profiles and the records (not shipped: they are in the registry only
    -- on a distributed layout)
    IF pg_catalog.to_regclass('ci.retention_table') IS NOT NULL THEN
        INSERT INTO ci.retention_table (table_name, customer_kind, customer_columns, time_column, category,
                                        email_columns, phone_columns, erase_order, policies_allowed, contacts_normalised)
        VALUES ('ci.identity_member', 'identity', '{identity_id}', 'updated_at', 'identity',
                '{email_norm}', '{phone_e164}', 105, false, true),
               ('ci.source_record_key', 'record', '{record_id}', NULL, 'identity', '{}', '{}', 135, false, false)
        ON CONFLICT DO NOTHING;
    END IF;
    -- an erasure deletes the customer's rows on both sides, pair decisions
    -- among them, possibly after a full run in the same transaction
    IF pg_catalog.to_regprocedure('ci.process_erasure(bigint)') IS NOT NULL THEN
        EXECUTE pg_catalog.format('ALTER FUNCTION ci.process_erasure(bigint) SET citus.multi_shard_modify_mode = %L', 'sequential');
        EXECUTE pg_catalog.format('ALTER FUNCTION ci.verify_erasure(bigint) SET citus.multi_shard_modify_mode = %L', 'sequential');
    END IF;

    -- DDL and copies over one connection per worker, so that the foreign keys
    -- added below in the same transaction see the shards just made.
    PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);
    -- Citus turns a table that has a foreign key to a new reference table
    -- into a "Citus local" table, which it cannot do to an extension's tables
    -- (their views and identity sequences belong to the extension): drop the
    -- foreign keys among the tables to distribute, distribute, add them back.
    FOR fk IN
        SELECT c.conrelid::regclass AS rel, c.conname, pg_catalog.pg_get_constraintdef(c.oid) AS def
        FROM pg_catalog.pg_constraint c
        WHERE c.contype = 'f'
          AND (c.conrelid IN (SELECT r.relation FROM ci_distribute_ready r)
               OR c.confrelid IN (SELECT r.relation FROM ci_distribute_ready r))
        ORDER BY c.conrelid::regclass::text, c.conname
    LOOP
        EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', fk.rel, fk.conname);
        -- Put back after distribution: first dropped again through Citus, which
        -- reaches the workers' own copies of the extension's tables (CREATE
        -- EXTENSION made them there and Citus keeps them as the shells).
        fks := fks || pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I', fk.rel, fk.conname)
                   || pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I %s', fk.rel, fk.conname, fk.def);
    END LOOP;
    FOR p IN SELECT * FROM ci_distribute_ready ORDER BY step LOOP
        IF p.placement = 'reference' THEN
            EXECUTE 'SELECT pg_catalog.create_reference_table($1)' USING p.relation;
        ELSE
            EXECUTE 'SELECT pg_catalog.create_distributed_table($1, $2, colocate_with => $3)'
                USING p.relation, p.distribution_column::text, coalesce(p.colocate_with::text, 'none');
        END IF;
        -- the copied rows now live in the shards; the coordinator's copy goes
        EXECUTE 'SELECT pg_catalog.truncate_local_data_after_distributing_table($1)' USING p.relation;
    END LOOP;
    FOREACH s IN ARRAY fks LOOP
        EXECUTE s;
    END LOOP;
    -- the workers' copies of what consent's row filter reads: filled, and
    -- following the coordinator's tables from now on
    IF EXISTS (SELECT 1 FROM ci_distribute_ready r WHERE r.relation = 'ci.consent_node_change'::regclass) THEN
        PERFORM ci.consent_node_setup();
    END IF;
    -- identities that already exist have no member copy yet: the next
    -- refresh rebuilds every profile, copying the members once
    IF EXISTS (SELECT 1 FROM ci_distribute_ready r WHERE r.relation = 'ci.identity_member'::regclass) THEN
        INSERT INTO ci.golden_stale (reason)
        SELECT 'distributed by ci.distribute(): member copies to make' WHERE EXISTS (SELECT 1 FROM ci.identity_link);
    END IF;
    DROP TABLE ci_distribute_ready;
    RETURN QUERY SELECT d.relation, d.placement, d.status FROM ci.distribution_plan() d;
END
$$;
COMMENT ON FUNCTION ci.distribute() IS
'On a Citus coordinator with workers: turn the canonical tables into the distributed layout of ci.distribution_layout() (reference, record side, identity side), in working order; idempotent; refuses, naming every blocker, while any table cannot take its place';
