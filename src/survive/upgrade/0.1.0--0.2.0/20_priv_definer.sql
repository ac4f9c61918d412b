-- 0.1.0 -> 0.2.0 (priv): PL/pgSQL and SQL functions run with
-- search_path = pg_catalog, pg_temp; the golden statement names built-in
-- functions with pg_catalog; ci.build_golden_profiles follows the
-- session's work_mem; ci.golden_stale.flagged_by records the role that
-- made the change (the trigger is no longer SECURITY DEFINER; admins may
-- insert into ci.golden_stale).
ALTER FUNCTION ci.survivorship_rule_check() SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION ci.survivorship_rules(text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION ci.golden_queue_override_change() SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION ci.golden_queue_link_change() SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION ci.golden_queue_record_change() SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION ci.golden_override_check() SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION ci.refresh_golden_profiles(integer) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION ci.refresh_golden_profiles_for(bigint[]) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION ci.golden_value_sql(text, boolean, text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION ci.golden_value_column(text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION ci.golden_compare_key(text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION ci.golden_profile_json(bigint) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION ci.golden_lineage(bigint) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION ci.unmerge_records(bigint[], bigint, text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION ci.unpin_golden_value(bigint, text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION ci.pin_golden_value(bigint, text, text, text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION ci.build_golden_profiles() RESET work_mem;
ALTER FUNCTION ci.build_golden_profiles() SET search_path = pg_catalog, pg_temp;

CREATE OR REPLACE FUNCTION ci.golden_profile_sql(p_incremental boolean DEFAULT false)
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
    v_where  text := CASE WHEN p_incremental THEN 'l.identity_id = ANY($1)' END;
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
                v_joins := v_joins || format(E'\n  LEFT JOIN ci.source_record %1$I ON %1$I.record_id = (g.%2$I ->> ''record_id'')::bigint',
                                             a.w, a.lead);
            END IF;
        ELSE
            -- a group member: the lead's winning record, else its own rules
            v_outer := v_outer || format(
                E',\n       CASE WHEN g.%1$I IS NOT NULL'
                || E'\n            THEN ci.survive_group_member(g.%1$I, %2$s, %3$L, %1$L)'
                || E'\n            ELSE (SELECT %4$s'
                || E'\n                    FROM ci.identity_link l JOIN ci.source_record r ON r.record_id = l.record_id'
                || E'\n                   WHERE l.identity_id = g.identity_id) END AS %5$I',
                a.lead, ci.golden_value_sql(a.attribute, a.is_text, a.w), a.survive_group, v_agg, a.attribute);
        END IF;
    END LOOP;
    RETURN 'SELECT g.identity_id, g.record_count, g.sources'
        || v_outer
        || E'\n  FROM (SELECT l.identity_id, pg_catalog.count(*)::integer AS record_count, pg_catalog.array_agg(r.source) AS sources'
        || v_aggs
        || E'\n          FROM ci.identity_link l JOIN ci.source_record r ON r.record_id = l.record_id'
        || coalesce(E'\n         WHERE ' || v_where, '')
        || E'\n         GROUP BY l.identity_id) g'
        || v_joins;
END;
$$;
COMMENT ON FUNCTION ci.golden_profile_sql(boolean) IS 'the generated statement that computes golden profiles from the current rules and attribute groups (for inspection and EXPLAIN)';
CREATE OR REPLACE FUNCTION ci.golden_upsert(p_ids bigint[])
RETURNS bigint LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
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
        v_lineage := v_lineage || format(E'%1$L, CASE WHEN o.pins ? %1$L THEN coalesce(g.%1$I, ''{}'') || pg_catalog.jsonb_build_object(''pinned'', o.pins -> %1$L) ELSE g.%1$I END, ', a.attribute);
    END LOOP;
    -- OFFSET 0 keeps the profile statement a subquery: its columns (a group
    -- member's lineage is an expression) are computed once, not once per
    -- reference below.
    EXECUTE format($sql$
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
CREATE OR REPLACE FUNCTION ci.golden_flag_stale()
RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_TABLE_NAME = 'source' AND TG_OP = 'UPDATE' THEN
        -- only trust (which trust_recency weighs) and names (which rules list) matter
        IF NOT EXISTS (SELECT 1 FROM new_rows n FULL JOIN old_rows o ON o.source = n.source
                        WHERE n.source IS NULL OR o.source IS NULL OR n.trust IS DISTINCT FROM o.trust) THEN
            RETURN NULL;
        END IF;
    END IF;
    INSERT INTO ci.golden_stale (reason) VALUES (format('%s on ci.%s', lower(TG_OP), TG_TABLE_NAME));
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION ci.golden_flag_stale() IS 'trigger: a change to survivorship rules, golden attributes or source trust marks every golden profile stale (ci.golden_stale)';

INSERT INTO ci.role_privilege VALUES ('admin', 'TABLE', 'ci.golden_stale', 'INSERT') ON CONFLICT DO NOTHING;

-- Roles granted the admin kind under 0.1.0 (they may write
-- ci.survivorship_rule) get what the flag trigger now needs.
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT a.rolname FROM pg_catalog.pg_roles a
              WHERE NOT a.rolsuper
                AND pg_catalog.has_table_privilege(a.oid, 'ci.survivorship_rule', 'INSERT')
                AND NOT pg_catalog.has_table_privilege(a.oid, 'ci.golden_stale', 'INSERT') LOOP
        EXECUTE pg_catalog.format('GRANT INSERT ON ci.golden_stale TO %I', r.rolname);
    END LOOP;
END
$$;

-- Nothing of the extension is PUBLIC's (see src/common/90_roles.sql).
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ci FROM PUBLIC;
