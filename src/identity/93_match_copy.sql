-- Copying a model: the way to try a variant (another threshold, another
-- relation, a comparison more or less) without touching the one in use.
-- Every column of the model, its comparisons and its blocking rules is
-- carried over, so a copy stays whole when later versions add settings;
-- the copy belongs to whoever makes it (ci.match_model.owner's default),
-- as any model does.
CREATE FUNCTION ci.copy_model(source text, target text,
                              relation regclass DEFAULT NULL, description text DEFAULT NULL)
RETURNS text LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_over jsonb;
BEGIN
    IF source IS NULL OR target IS NULL THEN
        RAISE EXCEPTION 'ci.copy_model needs a source and a target model name'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM ci.match_model m WHERE m.model = copy_model.source) THEN
        RAISE EXCEPTION 'match model "%" does not exist', source
            USING ERRCODE = 'undefined_object',
                  HINT = 'SELECT model FROM ci.match_model lists the models.';
    END IF;
    -- the owner is the copier (the column's default), never the source's
    v_over := jsonb_build_object('model', target,
                                 'owner', pg_catalog.to_regrole(pg_catalog.quote_ident(current_user))::text)
              || CASE WHEN relation IS NULL THEN '{}'::jsonb
                      ELSE jsonb_build_object('relation', relation::text) END
              || CASE WHEN description IS NULL THEN '{}'::jsonb
                      ELSE jsonb_build_object('description', description) END;
    INSERT INTO ci.match_model
    SELECT (jsonb_populate_record(NULL::ci.match_model, to_jsonb(m) || v_over)).*
      FROM ci.match_model m WHERE m.model = copy_model.source;
    INSERT INTO ci.match_comparison
    SELECT (jsonb_populate_record(NULL::ci.match_comparison, to_jsonb(c) || jsonb_build_object('model', target))).*
      FROM ci.match_comparison c WHERE c.model = copy_model.source;
    INSERT INTO ci.match_blocking_rule
    SELECT (jsonb_populate_record(NULL::ci.match_blocking_rule, to_jsonb(b) || jsonb_build_object('model', target))).*
      FROM ci.match_blocking_rule b WHERE b.model = copy_model.source;
    RETURN target;
END;
$$;
COMMENT ON FUNCTION ci.copy_model(text, text, regclass, text) IS
'copies a match model with every setting, comparison and blocking rule (trained parameters included) under a new name, optionally reading another relation; the copy is owned by the caller; returns the new name';
