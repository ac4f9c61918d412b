-- A source that a survivorship rule ranks (sources, or a source_priority
-- tie-break) cannot be deleted or renamed: the rule would name a source
-- that does not exist, which ci.survivorship_rule_check refuses when the
-- rule is written -- and a restore writes every rule again.  Deletions
-- made by another trigger (a restore replacing or deleting the shipped
-- copy of a source, see 90_shipped_config.sql) are not checked: the
-- dumped rules, checked when they load, follow.
CREATE FUNCTION ci.source_ranked_check()
RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_rules text;
BEGIN
    IF pg_catalog.pg_trigger_depth() > 1 OR (TG_OP = 'UPDATE' AND NEW.source = OLD.source) THEN
        RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    SELECT string_agg(format('%s (priority %s)', r.attribute, r.priority), ', ' ORDER BY r.attribute, r.priority)
      INTO v_rules
      FROM ci.survivorship_rule r
     WHERE OLD.source = ANY (r.sources);
    IF v_rules IS NOT NULL THEN
        RAISE EXCEPTION 'source "%" is ranked by survivorship rules', OLD.source
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Rules that rank it: %s.', v_rules),
                  HINT = 'Remove the source from those rules'' sources first.';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
COMMENT ON FUNCTION ci.source_ranked_check() IS 'trigger: a source ranked by a survivorship rule cannot be deleted or renamed';

CREATE TRIGGER source_ranked_check
    BEFORE DELETE OR UPDATE OF source ON ci.source
    FOR EACH ROW EXECUTE FUNCTION ci.source_ranked_check();
