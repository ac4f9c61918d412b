-- 0.1.0 -> 0.2.0 (priv): a match model has an owner, as whom its
-- relation is read (see src/identity/72_match_owner.sql and
-- src/common/secure_context.c).  A model of 0.1.0 gets the owner of its
-- relation: the default model the extension's owner, a model over a view
-- the view's owner, whose code it already was.
ALTER TABLE ci.match_model ADD COLUMN owner regrole;
UPDATE ci.match_model m SET owner = c.relowner::regrole FROM pg_catalog.pg_class c WHERE c.oid = m.relation;
ALTER TABLE ci.match_model
    ALTER COLUMN owner SET DEFAULT pg_catalog.to_regrole(pg_catalog.quote_ident(CURRENT_USER)),
    ALTER COLUMN owner SET NOT NULL;
COMMENT ON COLUMN ci.match_model.owner IS 'role whose privileges read the relation (in a security-restricted operation), whoever runs the model; only its members or a superuser may change what the model reads';
CREATE FUNCTION ci.match_model_owner_check()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NOT pg_catalog.pg_has_role(OLD.owner, 'USAGE')
       AND (NEW.relation, NEW.id_column, NEW.source_column, NEW.owner)
           IS DISTINCT FROM (OLD.relation, OLD.id_column, OLD.source_column, OLD.owner) THEN
        RAISE EXCEPTION 'only the owner of match model "%" may change what it reads', OLD.model
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = pg_catalog.format('The model is owned by %s; its relation, id_column, source_column and owner are the owner''s to change.', OLD.owner),
                  HINT = 'Create a model of your own (INSERT INTO ci.match_model), or ask the owner or a superuser.';
    END IF;
    IF (TG_OP = 'INSERT' OR NEW.owner IS DISTINCT FROM OLD.owner)
       AND NOT pg_catalog.pg_has_role(NEW.owner, 'MEMBER') THEN
        RAISE EXCEPTION 'must be a member of role % to make it the owner of match model "%"', NEW.owner, NEW.model
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Leave owner to its default, the current user.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION ci.match_model_owner_check() IS
'trigger: only a member of a match model''s owner (or a superuser) may change its relation, id or source column or owner; a new owner must be a role the current user is a member of';

CREATE TRIGGER match_model_owner_check BEFORE INSERT OR UPDATE ON ci.match_model
    FOR EACH ROW EXECUTE FUNCTION ci.match_model_owner_check();

CREATE FUNCTION ci.match_definition_check()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_owner regrole;
    v_reads text;
    v_old   text;
BEGIN
    -- what the row makes the model read
    IF TG_TABLE_NAME = 'match_comparison' THEN
        v_reads := pg_catalog.concat_ws(' ', NEW.model, NEW.field, NEW.tf_adjust);
        IF TG_OP = 'UPDATE' THEN
            v_old := pg_catalog.concat_ws(' ', OLD.model, OLD.field, OLD.tf_adjust);
        END IF;
    ELSE
        v_reads := pg_catalog.concat_ws(' ', NEW.model, NEW.keys::text);
        IF TG_OP = 'UPDATE' THEN
            v_old := pg_catalog.concat_ws(' ', OLD.model, OLD.keys::text);
        END IF;
    END IF;
    IF v_reads IS DISTINCT FROM v_old THEN
        SELECT m.owner INTO v_owner FROM ci.match_model m WHERE m.model = NEW.model;
        IF v_owner IS NOT NULL AND NOT pg_catalog.pg_has_role(v_owner, 'USAGE') THEN
            RAISE EXCEPTION 'only the owner of match model "%" may change what it reads', NEW.model
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = pg_catalog.format('The model is owned by %s; the fields and term-frequency adjustment of its comparisons and the keys of its blocking rules are the owner''s to change.', v_owner),
                      HINT = 'Create a model of your own, or ask the owner or a superuser.';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION ci.match_definition_check() IS
'trigger: only a member of a match model''s owner (or a superuser) may change which columns its comparisons and blocking rules read';

CREATE TRIGGER match_comparison_owner_check BEFORE INSERT OR UPDATE ON ci.match_comparison
    FOR EACH ROW EXECUTE FUNCTION ci.match_definition_check();
CREATE TRIGGER match_blocking_rule_owner_check BEFORE INSERT OR UPDATE ON ci.match_blocking_rule
    FOR EACH ROW EXECUTE FUNCTION ci.match_definition_check();

-- PL/pgSQL functions run with search_path = pg_catalog, pg_temp.
ALTER FUNCTION ci.decide_match(bigint, bigint, text, text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION ci.resolve_record_trigger() SET search_path = pg_catalog, pg_temp;
