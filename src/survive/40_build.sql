-- Building and refreshing golden profiles.
--
-- One generated, set-based statement computes every profile it is asked
-- for: a GROUP BY identity over identity_link ⋈ source_record with one
-- ci.survive_lineage aggregate per attribute, the attribute's rule chain as
-- a constant and the rules' scopes as a bit mask.  Steward overrides replace
-- survivors; rows whose content did not change are not rewritten.
--
-- Concurrency: a full build takes advisory lock (1667825665, 1) exclusively,
-- incremental refreshes take it shared.  An incremental refresh locks the
-- golden rows of the identities it recomputes (inserting an empty row first
-- for a new identity) in identity order and only then reads the records, so
-- the last refresh of an identity always sees every change committed before
-- it: no lost update, one row per identity, no lock-order deadlock between
-- refreshers.

-- The SELECT that computes profiles: all of them, or (p_incremental) those
-- whose identity_id = ANY($1).
--
-- Values are prepared per record before they reach the aggregates:
--  * text values lose surrounding white space (space, tab, CR, LF, FF, VT);
--    one that is blank becomes NULL (no value);
--  * an attribute with a display column (ci.golden_value_column: phone ->
--    phone_e164) shows that column, or the trimmed value when it is NULL;
--  * a text attribute whose chain has a most_frequent rule and that has a
--    comparison key (ci.golden_compare_key) passes the key to the
--    aggregate (the trimmed value when the key is NULL or empty): the
--    aggregate counts keys ('Köhler' and 'KÖHLER' are one value) and shows
--    the key's best-written spelling (see ci.survive_lineage).
--
-- Attributes of one survive_group: the member with the lowest position
-- leads; the other members take the values of the record that won the lead
-- (joined by the lead's lineage record_id).  When no record has a value for
-- the lead, a member survives by its own rules (a subquery that runs only
-- then).
CREATE FUNCTION ci.golden_compare_key(p_attribute text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE p_attribute
               WHEN 'given_name'  THEN 'given_name_norm'
               WHEN 'family_name' THEN 'family_name_norm'
               WHEN 'email'       THEN 'email_norm'
               WHEN 'phone'       THEN 'phone_e164'
               WHEN 'national_id' THEN 'national_id_norm'
               WHEN 'street'      THEN 'street_norm'
               WHEN 'city'        THEN 'city_norm'
               WHEN 'postcode'    THEN 'postcode_norm'
           END
$$;
COMMENT ON FUNCTION ci.golden_compare_key(text) IS 'the ci.source_record column most_frequent compares a golden attribute by (its normalised form), or NULL when values are compared as they are';

CREATE FUNCTION ci.golden_value_column(p_attribute text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE p_attribute
               WHEN 'phone' THEN 'phone_e164'
           END
$$;
COMMENT ON FUNCTION ci.golden_value_column(text) IS 'the ci.source_record column a golden attribute shows instead of the value as received (phone: phone_e164), or NULL; the value as received is shown when that column is NULL';

-- The value expression of an attribute over source_record alias p_alias.
-- Text values are ranked under the database's default collation (the tie
-- break by value, src/survive/survive_rank.c): said explicitly, because the
-- normalised columns (phone_e164, the keys) are COLLATE "C" and would
-- otherwise give the aggregate their collation.
CREATE FUNCTION ci.golden_value_sql(p_attribute text, p_is_text boolean, p_alias text DEFAULT 'r')
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE
        WHEN NOT coalesce(p_is_text, false) THEN format('%I.%I', p_alias, p_attribute)
        WHEN ci.golden_value_column(p_attribute) IS NOT NULL
        THEN format(E'(coalesce(nullif(%1$I.%2$I, \'\'), nullif(pg_catalog.btrim(%1$I.%3$I, E\' \\t\\n\\r\\f\\v\'), \'\')) COLLATE pg_catalog."default")',
                    p_alias, ci.golden_value_column(p_attribute), p_attribute)
        ELSE format(E'(nullif(pg_catalog.btrim(%I.%I, E\' \\t\\n\\r\\f\\v\'), \'\') COLLATE pg_catalog."default")', p_alias, p_attribute)
    END
$$;
COMMENT ON FUNCTION ci.golden_value_sql(text, boolean, text) IS 'internal: the SQL expression of a golden attribute''s value over a ci.source_record alias (trimmed, blank as NULL, display column first)';

CREATE FUNCTION ci.golden_profile_sql(p_incremental boolean DEFAULT false)
RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_aggs   text := '';
    v_outer  text := '';
    v_joins  text := '';
    v_chain  jsonb;
    v_scope  text;
    v_key    text;
    v_value  text;
    v_agg    text;
    -- on Citus the identity side's copy of the member records (co-located
    -- with the profiles), on one node the links joined with the records
    v_dist   constant boolean := ci.scale_distributed();
    v_from   constant text := CASE WHEN v_dist THEN 'ci.identity_member r'
                                   ELSE 'ci.identity_link l JOIN ci.source_record r ON r.record_id = l.record_id' END;
    v_id     constant text := CASE WHEN v_dist THEN 'r.identity_id' ELSE 'l.identity_id' END;
    v_where  text := CASE WHEN p_incremental THEN v_id || ' = ANY($1)' END;
    -- on Citus the identities again in each correlated read of the member
    -- copy: Citus sends the statement only to the shards all of them allow
    v_also   constant text := CASE WHEN v_dist AND p_incremental THEN ' AND %I.identity_id = ANY($1)' ELSE '' END;
    a        record;
BEGIN
    FOR a IN SELECT g.attribute, att.atttypid = 'text'::regtype AS is_text, g.survive_group,
                    (SELECT m.attribute FROM ci.golden_attribute m
                      WHERE m.survive_group = g.survive_group ORDER BY m.position LIMIT 1) AS lead,
                    (SELECT count(*) FROM ci.golden_attribute m WHERE m.survive_group = g.survive_group) AS group_size,
                    'w_' || g.survive_group AS w
               FROM ci.golden_attribute g
               LEFT JOIN pg_catalog.pg_attribute att
                 ON att.attrelid = 'ci.golden_profile'::regclass AND att.attname = g.attribute
                AND NOT att.attisdropped
              ORDER BY g.position LOOP
        -- an attribute without rules: the most recent value (documented)
        v_chain := coalesce(ci.survivorship_rules(a.attribute), '[{"kind": "most_recent"}]');
        SELECT CASE WHEN bool_or(s.condition IS NOT NULL) THEN
                   '(' || string_agg(CASE WHEN s.condition IS NULL THEN (1 << (s.ord - 1)::integer)::text
                                          ELSE format('CASE WHEN r.attributes @> %L::jsonb THEN %s ELSE 0 END',
                                                      s.condition, 1 << (s.ord - 1)::integer) END,
                                     ' | ' ORDER BY s.ord) || ')'
               END
          INTO v_scope
          FROM (SELECT condition, row_number() OVER (ORDER BY priority) AS ord
                  FROM ci.survivorship_rule WHERE attribute = a.attribute) s;
        v_value := ci.golden_value_sql(a.attribute, a.is_text, 'r');
        v_key := CASE WHEN a.is_text AND (v_chain @> '[{"kind": "most_frequent"}]' OR v_chain @> '{"kind": "most_frequent"}')
                      THEN ci.golden_compare_key(a.attribute) END;
        IF v_key IS NOT NULL AND v_key IS DISTINCT FROM ci.golden_value_column(a.attribute) THEN
            v_key := format('coalesce(nullif(r.%I, ''''), %s), ', v_key, v_value);
        ELSE
            v_key := '';
        END IF;
        v_agg := format('ci.survive_lineage(%s, %sr.record_id, r.source, r.updated_at, %L::jsonb%s)',
                        v_value, v_key, v_chain, coalesce(', ' || v_scope, ''));
        IF a.lead IS NULL OR a.lead = a.attribute THEN
            -- survives by its own rules (a group's lead, or no group)
            v_aggs := v_aggs || format(E',\n               %s AS %I', v_agg, a.attribute);
            v_outer := v_outer || format(E',\n       g.%I', a.attribute);
            IF a.lead = a.attribute AND a.group_size > 1 THEN
                v_joins := v_joins || CASE WHEN v_dist
                    THEN format(E'\n  LEFT JOIN ci.identity_member %1$I ON %1$I.identity_id = g.identity_id AND %1$I.record_id = (g.%2$I ->> ''record_id'')::bigint'
                                || format(v_also, a.w), a.w, a.lead)
                    ELSE format(E'\n  LEFT JOIN ci.source_record %1$I ON %1$I.record_id = (g.%2$I ->> ''record_id'')::bigint',
                                a.w, a.lead) END;
            END IF;
        ELSE
            -- a group member: the lead's winning record, else its own rules
            v_outer := v_outer || format(
                E',\n       CASE WHEN g.%1$I IS NOT NULL'
                || E'\n            THEN ci.survive_group_member(g.%1$I, %2$s, %3$L, %1$L)'
                || E'\n            ELSE (SELECT %4$s'
                || E'\n                    FROM %6$s'
                || E'\n                   WHERE %7$s = g.identity_id' || format(v_also, 'r') || ') END AS %5$I',
                a.lead, ci.golden_value_sql(a.attribute, a.is_text, a.w), a.survive_group, v_agg, a.attribute, v_from, v_id);
        END IF;
    END LOOP;
    RETURN 'SELECT g.identity_id, g.record_count, g.sources'
        || v_outer
        || E'\n  FROM (SELECT ' || v_id || ', pg_catalog.count(*)::integer AS record_count, pg_catalog.array_agg(r.source) AS sources'
        || v_aggs
        || E'\n          FROM ' || v_from
        || coalesce(E'\n         WHERE ' || v_where, '')
        || E'\n         GROUP BY ' || v_id || ') g'
        || v_joins;
END;
$$;
COMMENT ON FUNCTION ci.golden_profile_sql(boolean) IS 'the generated statement that computes golden profiles from the current rules and attribute groups (for inspection and EXPLAIN)';

-- The statement that computes and upserts profiles: of every identity, or
-- (p_incremental) of those whose identity_id = ANY($1).  p_distributed: the
-- Citus form, one INSERT ... SELECT whose every table is on the identity
-- side, so that it runs on the shards (a CTE or an OFFSET would pull the
-- rows to the coordinator); it returns no row.  Otherwise the single-node
-- form, which returns how many rows it wrote; p_on_conflict false makes it
-- a plain INSERT (a first build into an empty table: no speculative
-- insertion).
CREATE FUNCTION ci.golden_upsert_sql(p_incremental boolean, p_distributed boolean, p_on_conflict boolean DEFAULT true)
RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_cols    text := '';
    v_vals    text := '';
    v_set     text := '';
    v_lineage text := '';
    v_conflict text;
    a         record;
BEGIN
    FOR a IN SELECT g.attribute, format_type(att.atttypid, att.atttypmod) AS typ
               FROM ci.golden_attribute g
               JOIN pg_catalog.pg_attribute att
                 ON att.attrelid = 'ci.golden_profile'::regclass AND att.attname = g.attribute
              ORDER BY g.position LOOP
        v_cols := v_cols || format('%I, ', a.attribute);
        v_vals := v_vals || format(E'CASE WHEN o.pins ? %1$L THEN (o.pins -> %1$L ->> ''value'')::%2$s\n                 ELSE (g.%1$I ->> ''value'')::%2$s END, ', a.attribute, a.typ);
        v_set := v_set || format('%1$I = EXCLUDED.%1$I, ', a.attribute);
        v_lineage := v_lineage || format(E'%1$L, CASE WHEN o.pins ? %1$L THEN coalesce(g.%1$I, ''{}'') || pg_catalog.jsonb_build_object(''pinned'', o.pins -> %1$L) ELSE g.%1$I END, ', a.attribute);
    END LOOP;
    v_conflict := CASE WHEN p_on_conflict THEN format($c$ON CONFLICT (identity_id) DO UPDATE
               SET %s record_count = EXCLUDED.record_count, sources = EXCLUDED.sources,
                   lineage = EXCLUDED.lineage, changed_at = EXCLUDED.changed_at
             WHERE (gp.record_count, gp.sources, gp.lineage) IS DISTINCT FROM
                   (EXCLUDED.record_count, EXCLUDED.sources, EXCLUDED.lineage)$c$, v_set) ELSE '' END;
    IF p_distributed THEN
        RETURN format($sql$
            INSERT INTO ci.golden_profile AS gp (identity_id, %3$s record_count, sources, lineage, changed_at)
            SELECT g.identity_id, %4$s g.record_count,
                   ci.golden_sources(g.sources),
                   pg_catalog.jsonb_build_object(%5$s), pg_catalog.now()
              FROM (%1$s) g
              LEFT JOIN (SELECT identity_id,
                                pg_catalog.jsonb_object_agg(attribute, pg_catalog.jsonb_build_object('value', value, 'actor', actor, 'reason', reason, 'at', at)) AS pins
                           FROM ci.golden_override %2$s
                          GROUP BY identity_id) o ON o.identity_id = g.identity_id
            %6$s$sql$,
            ci.golden_profile_sql(p_incremental),
            CASE WHEN p_incremental THEN 'WHERE identity_id = ANY($1)' ELSE '' END,
            v_cols, v_vals, rtrim(v_lineage, ', '), v_conflict);
    END IF;
    -- OFFSET 0 keeps the profile statement a subquery: its columns (a group
    -- member's lineage is an expression) are computed once, not once per
    -- reference below.
    RETURN format($sql$
        WITH g AS (SELECT * FROM (%s) q OFFSET 0),
        o AS (SELECT identity_id,
                     pg_catalog.jsonb_object_agg(attribute, pg_catalog.jsonb_build_object('value', value, 'actor', actor, 'reason', reason, 'at', at)) AS pins
                FROM ci.golden_override %s
               GROUP BY identity_id),
        up AS (
            INSERT INTO ci.golden_profile AS gp (identity_id, %s record_count, sources, lineage, changed_at)
            SELECT g.identity_id, %s g.record_count,
                   ci.golden_sources(g.sources),
                   pg_catalog.jsonb_build_object(%s), pg_catalog.now()
              FROM g LEFT JOIN o ON o.identity_id = g.identity_id
            %s
            RETURNING 1)
        SELECT pg_catalog.count(*) FROM up$sql$,
        ci.golden_profile_sql(p_incremental),
        CASE WHEN p_incremental THEN 'WHERE identity_id = ANY($1)' ELSE '' END,
        v_cols, v_vals, rtrim(v_lineage, ', '), v_conflict);
END;
$$;
COMMENT ON FUNCTION ci.golden_upsert_sql(boolean, boolean, boolean) IS 'the generated statement that computes and upserts golden profiles (all, or those of $1), in its single-node or its Citus form (for inspection and EXPLAIN)';

-- Computes and upserts the profiles of p_ids (NULL: every identity with a
-- link).  Returns how many rows it inserted or changed.  Callers lock.
CREATE FUNCTION ci.golden_upsert(p_ids bigint[])
RETURNS bigint LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_n    bigint;
    v_jit  text;
    v_prop text;
BEGIN
    IF ci.scale_distributed() THEN
        -- Without JIT on the workers too: the shard statements cost enough
        -- for it, and compiling them took seconds per shard (longer than the
        -- work).  A SET LOCAL reaches the workers' transaction only as a
        -- statement with citus.propagate_set_commands = local; both are put
        -- back afterwards.
        v_jit := pg_catalog.current_setting('jit');
        v_prop := pg_catalog.current_setting('citus.propagate_set_commands');
        PERFORM pg_catalog.set_config('citus.propagate_set_commands', 'local', true);
        SET LOCAL jit = off;
        EXECUTE ci.golden_upsert_sql(p_ids IS NOT NULL, true) USING p_ids;
        GET DIAGNOSTICS v_n = ROW_COUNT;
        EXECUTE pg_catalog.format('SET LOCAL jit = %L', v_jit);
        PERFORM pg_catalog.set_config('citus.propagate_set_commands', v_prop, true);
        RETURN v_n;
    END IF;
    -- into an empty table (a first build) a plain INSERT
    EXECUTE ci.golden_upsert_sql(p_ids IS NOT NULL, false,
                                 NOT (p_ids IS NULL AND NOT EXISTS (SELECT 1 FROM ci.golden_profile)))
       INTO v_n USING p_ids;
    RETURN v_n;
END;
$$;
COMMENT ON FUNCTION ci.golden_upsert(bigint[]) IS 'internal: computes and writes the golden profiles of the given identities (NULL: all); callers take the locks';

CREATE FUNCTION ci.build_golden_profiles()
RETURNS bigint LANGUAGE plpgsql VOLATILE
SET jit = off
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_n bigint;
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock(1667825665, 1);
    DELETE FROM ci.golden_dirty;
    DELETE FROM ci.golden_stale;
    IF ci.scale_distributed() THEN
        -- Citus: the member records to the identity side, then shard-local work
        PERFORM ci.golden_members_sync(NULL);
        v_n := ci.golden_upsert(NULL);
        DELETE FROM ci.golden_profile gp
         WHERE NOT EXISTS (SELECT 1 FROM ci.identity_member m WHERE m.identity_id = gp.identity_id);
        RETURN v_n;
    END IF;
    v_n := ci.golden_upsert(NULL);
    DELETE FROM ci.golden_profile gp
     WHERE NOT EXISTS (SELECT 1 FROM ci.identity_link l WHERE l.identity_id = gp.identity_id);
    RETURN v_n;
END;
$$;
COMMENT ON FUNCTION ci.build_golden_profiles() IS 'builds or rebuilds every golden profile in one set-based statement (emptying the refresh queue and the stale flag); returns how many rows were written';

CREATE FUNCTION ci.refresh_golden_profiles_for(p_identity_ids bigint[])
RETURNS bigint LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_ids bigint[];
    v_n   bigint;
BEGIN
    SELECT array_agg(DISTINCT i ORDER BY i) INTO v_ids FROM unnest(p_identity_ids) i WHERE i IS NOT NULL;
    IF v_ids IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(1667825665, 1);
    IF ci.scale_distributed() THEN
        -- Citus: the same steps, each one statement pushed down to the
        -- identity shards that hold v_ids (ci.identity_member is kept current
        -- by the writers of links and records, so nothing crosses to the
        -- record side).  Rows are locked by an UPDATE (Citus takes
        -- multi-shard row locks only by writing); refreshers run on the
        -- coordinator, whose advisory lock above orders them against a
        -- full build.
        -- a row for every identity, new ones inserted and the others
        -- locked by a no-op update, in one statement
        INSERT INTO ci.golden_profile AS gp (identity_id)
        SELECT i.identity_id FROM ci.identity i WHERE i.identity_id = ANY(v_ids)
        ON CONFLICT (identity_id) DO UPDATE SET changed_at = gp.changed_at;
        DELETE FROM ci.golden_dirty d WHERE d.identity_id = ANY(v_ids);
        v_n := ci.golden_upsert(v_ids);
        DELETE FROM ci.golden_profile gp
         WHERE gp.identity_id = ANY(v_ids)
           AND NOT EXISTS (SELECT 1 FROM ci.identity_member m WHERE m.identity_id = gp.identity_id);
        RETURN v_n;
    END IF;
    -- a row to lock for every live identity, then the locks, in identity order
    INSERT INTO ci.golden_profile (identity_id)
    SELECT i.identity_id FROM ci.identity i WHERE i.identity_id = ANY(v_ids) ORDER BY 1
    ON CONFLICT (identity_id) DO NOTHING;
    PERFORM 1 FROM ci.golden_profile WHERE identity_id = ANY(v_ids) ORDER BY identity_id FOR UPDATE;
    -- queue entries we can see are covered by the computation below, whose
    -- snapshot is taken after this statement's and after the locks
    DELETE FROM ci.golden_dirty d
     WHERE d.seq IN (SELECT q.seq FROM ci.golden_dirty q WHERE q.identity_id = ANY(v_ids) FOR UPDATE SKIP LOCKED);
    v_n := ci.golden_upsert(v_ids);
    DELETE FROM ci.golden_profile gp
     WHERE gp.identity_id = ANY(v_ids)
       AND NOT EXISTS (SELECT 1 FROM ci.identity_link l WHERE l.identity_id = gp.identity_id);
    RETURN v_n;
END;
$$;
COMMENT ON FUNCTION ci.refresh_golden_profiles_for(bigint[]) IS 'recomputes the golden profiles of the given identities now (deleting those left without records); returns how many rows were written';

CREATE FUNCTION ci.refresh_golden_profiles(p_batch_size integer DEFAULT 10000)
RETURNS bigint LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_max   bigint;
    v_ids   bigint[];
    v_total bigint := 0;
BEGIN
    IF p_batch_size IS NULL OR p_batch_size < 1 THEN
        RAISE EXCEPTION 'batch size must be a positive integer'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('The batch size given was %s.', coalesce(p_batch_size::text, 'NULL'));
    END IF;
    -- rules, attributes or trust changed since the last build: rebuild all
    -- (exclusive lock, then look again: a concurrent refresher may have
    -- rebuilt and committed meanwhile)
    IF EXISTS (SELECT 1 FROM ci.golden_stale) THEN
        PERFORM pg_catalog.pg_advisory_xact_lock(1667825665, 1);
        IF EXISTS (SELECT 1 FROM ci.golden_stale) THEN
            PERFORM ci.build_golden_profiles();
            RETURN (SELECT count(*) FROM ci.golden_profile);
        END IF;
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(1667825665, 1);
    SELECT max(seq) INTO v_max FROM ci.golden_dirty;
    IF ci.scale_distributed() THEN
        -- Citus: no multi-shard SKIP LOCKED; refreshers on the coordinator
        -- claim whole batches (a concurrent one waits for the rows it wants)
        LOOP
            WITH batch AS MATERIALIZED (SELECT q.identity_id, q.seq FROM ci.golden_dirty q WHERE q.seq <= v_max
                                         ORDER BY q.seq LIMIT p_batch_size),
            claimed AS (
                DELETE FROM ci.golden_dirty d
                 WHERE (d.identity_id, d.seq) IN (SELECT b.identity_id, b.seq FROM batch b)
                RETURNING d.identity_id)
            SELECT array_agg(DISTINCT identity_id) INTO v_ids FROM claimed;
            EXIT WHEN v_ids IS NULL;
            PERFORM ci.refresh_golden_profiles_for(v_ids);
            v_total := v_total + cardinality(v_ids);
        END LOOP;
        RETURN v_total;
    END IF;
    LOOP
        -- claim queue entries; entries another refresher holds are skipped
        WITH claimed AS (
            DELETE FROM ci.golden_dirty d
             WHERE d.seq IN (SELECT q.seq FROM ci.golden_dirty q WHERE q.seq <= v_max
                              ORDER BY q.seq LIMIT p_batch_size FOR UPDATE SKIP LOCKED)
            RETURNING d.identity_id)
        SELECT array_agg(DISTINCT identity_id) INTO v_ids FROM claimed;
        EXIT WHEN v_ids IS NULL;
        PERFORM ci.refresh_golden_profiles_for(v_ids);
        v_total := v_total + cardinality(v_ids);
    END LOOP;
    RETURN v_total;
END;
$$;
COMMENT ON FUNCTION ci.refresh_golden_profiles(integer) IS 'incremental refresh: recomputes the profiles of identities queued in ci.golden_dirty by changes to records, links or overrides, or every profile when rules, attributes or source trust changed (ci.golden_stale); returns how many identities were refreshed';
