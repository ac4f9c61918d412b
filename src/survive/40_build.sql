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
--  * for a text attribute whose chain has a most_frequent rule and that has a
--    comparison key (ci.golden_compare_key), every value is replaced by the
--    representative of its key within the identity: the most frequent
--    trimmed spelling, then the most recent, then the smallest source, value
--    (C collation) and record_id.  So most_frequent counts keys ('Köhler'
--    and 'KÖHLER' are one value) and shows the best-written variant.
CREATE FUNCTION ci.golden_compare_key(p_attribute text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
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

CREATE FUNCTION ci.golden_profile_sql(p_incremental boolean DEFAULT false)
RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    v_aggs   text := '';
    v_inner  text := '';
    v_mid    text := '';
    v_chain  jsonb;
    v_scope  text;
    v_key    text;
    v_trim   text;
    a        record;
BEGIN
    FOR a IN SELECT g.attribute, att.atttypid = 'text'::regtype AS is_text
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
        v_aggs := v_aggs || format(E',\n       ci.survive_lineage(r.%I, r.record_id, r.source, r.updated_at, %L::jsonb%s) AS %I',
                                   a.attribute, v_chain, coalesce(', ' || v_scope, ''), a.attribute);
        v_key := CASE WHEN a.is_text AND (v_chain @> '[{"kind": "most_frequent"}]' OR v_chain @> '{"kind": "most_frequent"}')
                      THEN ci.golden_compare_key(a.attribute) END;
        IF NOT coalesce(a.is_text, false) THEN
            v_inner := v_inner || format(E',\n                       r.%I', a.attribute);
            v_mid := v_mid || format(E',\n               k.%I', a.attribute);
        ELSE
            v_trim := format(E'nullif(pg_catalog.btrim(r.%I, E'' \\t\\n\\r\\f\\v''), '''')', a.attribute);
            v_inner := v_inner || format(E',\n                       %s AS %I', v_trim, a.attribute);
            IF v_key IS NULL THEN
                v_mid := v_mid || format(E',\n               k.%I', a.attribute);
            ELSE
                v_inner := v_inner || format(
                    E',\n                       coalesce(nullif(r.%1$I, ''''), %2$s) AS %3$I'
                    || E',\n                       count(*) OVER (PARTITION BY l.identity_id, coalesce(nullif(r.%1$I, ''''), %2$s), %2$s) AS %4$I',
                    v_key, v_trim, a.attribute || '$key', a.attribute || '$n');
                v_mid := v_mid || format(
                    E',\n               first_value(k.%1$I) OVER (PARTITION BY k.identity_id, k.%2$I'
                    || E' ORDER BY k.%3$I DESC, k.updated_at DESC NULLS LAST, k.source COLLATE "C", k.%1$I COLLATE "C", k.record_id) AS %1$I',
                    a.attribute, a.attribute || '$key', a.attribute || '$n');
            END IF;
        END IF;
    END LOOP;
    RETURN 'SELECT r.identity_id, count(*)::integer AS record_count, array_agg(r.source) AS sources'
        || v_aggs
        || E'\n  FROM (SELECT k.identity_id, k.record_id, k.source, k.updated_at, k.attributes'
        || v_mid
        || E'\n          FROM (SELECT l.identity_id, r.record_id, r.source, r.updated_at, r.attributes'
        || v_inner
        || E'\n                  FROM ci.identity_link l JOIN ci.source_record r ON r.record_id = l.record_id'
        || CASE WHEN p_incremental THEN E'\n                 WHERE l.identity_id = ANY($1)' ELSE '' END
        || E') k) r'
        || E'\n GROUP BY r.identity_id';
END;
$$;
COMMENT ON FUNCTION ci.golden_profile_sql(boolean) IS 'the generated statement that computes golden profiles from the current rules (for inspection and EXPLAIN)';

-- Computes and upserts the profiles of p_ids (NULL: every identity with a
-- link).  Returns how many rows it inserted or changed.  Callers lock.
CREATE FUNCTION ci.golden_upsert(p_ids bigint[])
RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_cols    text := '';
    v_vals    text := '';
    v_set     text := '';
    v_lineage text := '';
    v_n       bigint;
    v_empty   boolean;
    a         record;
BEGIN
    v_empty := p_ids IS NULL AND NOT EXISTS (SELECT 1 FROM ci.golden_profile);
    FOR a IN SELECT g.attribute, format_type(att.atttypid, att.atttypmod) AS typ
               FROM ci.golden_attribute g
               JOIN pg_catalog.pg_attribute att
                 ON att.attrelid = 'ci.golden_profile'::regclass AND att.attname = g.attribute
              ORDER BY g.position LOOP
        v_cols := v_cols || format('%I, ', a.attribute);
        v_vals := v_vals || format(E'CASE WHEN o.pins ? %1$L THEN (o.pins -> %1$L ->> ''value'')::%2$s\n                 ELSE (g.%1$I ->> ''value'')::%2$s END, ', a.attribute, a.typ);
        v_set := v_set || format('%1$I = EXCLUDED.%1$I, ', a.attribute);
        v_lineage := v_lineage || format(E'%1$L, CASE WHEN o.pins ? %1$L THEN coalesce(g.%1$I, ''{}'') || jsonb_build_object(''pinned'', o.pins -> %1$L) ELSE g.%1$I END, ', a.attribute);
    END LOOP;
    EXECUTE format($sql$
        WITH g AS (%s),
        o AS (SELECT identity_id,
                     jsonb_object_agg(attribute, jsonb_build_object('value', value, 'actor', actor, 'reason', reason, 'at', at)) AS pins
                FROM ci.golden_override %s
               GROUP BY identity_id),
        up AS (
            INSERT INTO ci.golden_profile AS gp (identity_id, %s record_count, sources, lineage, changed_at)
            SELECT g.identity_id, %s g.record_count,
                   ARRAY(SELECT DISTINCT s FROM unnest(g.sources) s ORDER BY 1),
                   jsonb_build_object(%s), pg_catalog.now()
              FROM g LEFT JOIN o ON o.identity_id = g.identity_id
            %s
            RETURNING 1)
        SELECT count(*) FROM up$sql$,
        ci.golden_profile_sql(p_ids IS NOT NULL),
        CASE WHEN p_ids IS NOT NULL THEN 'WHERE identity_id = ANY($1)' ELSE '' END,
        v_cols, v_vals, rtrim(v_lineage, ', '),
        -- into an empty table (a first build) a plain INSERT: no speculative insertion
        CASE WHEN v_empty THEN '' ELSE format($c$ON CONFLICT (identity_id) DO UPDATE
               SET %s record_count = EXCLUDED.record_count, sources = EXCLUDED.sources,
                   lineage = EXCLUDED.lineage, changed_at = EXCLUDED.changed_at
             WHERE (gp.record_count, gp.sources, gp.lineage) IS DISTINCT FROM
                   (EXCLUDED.record_count, EXCLUDED.sources, EXCLUDED.lineage)$c$, v_set) END)
    INTO v_n USING p_ids;
    RETURN v_n;
END;
$$;
COMMENT ON FUNCTION ci.golden_upsert(bigint[]) IS 'internal: computes and writes the golden profiles of the given identities (NULL: all); callers take the locks';

CREATE FUNCTION ci.build_golden_profiles()
RETURNS bigint LANGUAGE plpgsql VOLATILE
SET work_mem = '256MB' SET jit = off
AS $$
DECLARE
    v_n bigint;
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock(1667825665, 1);
    DELETE FROM ci.golden_dirty;
    v_n := ci.golden_upsert(NULL);
    DELETE FROM ci.golden_profile gp
     WHERE NOT EXISTS (SELECT 1 FROM ci.identity_link l WHERE l.identity_id = gp.identity_id);
    RETURN v_n;
END;
$$;
COMMENT ON FUNCTION ci.build_golden_profiles() IS 'builds or rebuilds every golden profile in one set-based statement; returns how many rows were written; run it after changing rules or source trust';

CREATE FUNCTION ci.refresh_golden_profiles_for(p_identity_ids bigint[])
RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_ids bigint[];
    v_n   bigint;
BEGIN
    SELECT array_agg(DISTINCT i ORDER BY i) INTO v_ids FROM unnest(p_identity_ids) i WHERE i IS NOT NULL;
    IF v_ids IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(1667825665, 1);
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
RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_max   bigint;
    v_ids   bigint[];
    v_total bigint := 0;
BEGIN
    IF p_batch_size IS NULL OR p_batch_size < 1 THEN
        RAISE EXCEPTION 'batch size must be a positive integer'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('The batch size given was %s.', coalesce(p_batch_size::text, 'NULL'));
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(1667825665, 1);
    SELECT max(seq) INTO v_max FROM ci.golden_dirty;
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
COMMENT ON FUNCTION ci.refresh_golden_profiles(integer) IS 'incremental refresh: recomputes the profiles of identities queued in ci.golden_dirty by changes to records, links or overrides; returns how many identities were refreshed';
