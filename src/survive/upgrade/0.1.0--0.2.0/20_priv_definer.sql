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

-- ci.golden_profile_sql and ci.golden_upsert (qualified built-ins) are
-- replaced whole by 60_scale_golden.sql.
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
