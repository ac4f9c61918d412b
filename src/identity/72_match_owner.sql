-- Who owns a match model.  A model reads its relation with its owner's
-- privileges, in a security-restricted operation (src/common/secure_context.c),
-- whoever runs it: a function that a view of the relation calls runs with
-- the model owner's rights, never with those of the superuser who runs the
-- model.  So what a model reads is its owner's to decide: the owner is the
-- role that creates the model (ci.match_model.owner defaults to
-- current_user), and only a member of the owner, or a superuser, may
-- change what the model reads — its relation, id and source columns and
-- owner, the fields and term-frequency adjustment of its comparisons and
-- the keys of its blocking rules — as only a view's owner may redefine the
-- view.  Trained parameters and thresholds are anyone's with UPDATE on
-- the tables (training run by any admin writes them).

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
