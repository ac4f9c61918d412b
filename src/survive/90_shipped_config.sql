-- The shipped configuration across pg_dump and restore.
--
-- CREATE EXTENSION inserts shipped rows: the four sources, the default
-- match model with its comparisons and blocking rules, the nicknames, the
-- golden attributes with their survivorship rules.  A DBA then tunes them.
-- pg_dump dumps every row of these configuration tables, shipped or not,
-- and a restore runs CREATE EXTENSION before it loads them, so each dumped
-- row meets a fresh shipped copy of itself.  Two rules make the restored
-- configuration the dumped one, in whichever order pg_restore loads the
-- tables, as long as a table's rows load after those they refer to (which
-- pg_dump orders; parallel pg_restore -j does not, see doc/identity.md):
--
--  * A shipped row that is still exactly as CREATE EXTENSION made it gives
--    way to an INSERT of its key: the inserted row replaces it.  A model
--    or a golden attribute goes with its comparisons, blocking rules or
--    survivorship rules (its "family"); those load after it (their foreign
--    keys order them), so they come back exactly as dumped.
--  * Deleting a shipped row leaves a tombstone in ci.shipped_row_deleted,
--    which is dumped; restoring the tombstone deletes the fresh copy.
--
-- "Still as shipped" is a flag in ci.shipped_row, cleared by any change to
-- the row or its family, so an INSERT never replaces a row someone
-- changed, and never one that records or reviews refer to.  The flag
-- table itself is not dumped: CREATE EXTENSION makes it anew.  pg_upgrade
-- copies every table as it is and needs none of this.
--
-- An upgrade script that changes shipped rows should leave as_shipped as
-- it found it for the rows it changes (its triggers clear the flag).

-- The tables ci.shipped_row and ci.shipped_row_deleted are made by
-- common/80_shipped_config.sql.

-- The key of a row of source, match_model, name_alias or golden_attribute,
-- as ci.shipped_row holds it.
CREATE FUNCTION ci.shipped_row_key(p_tab text, p_row jsonb)
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE p_tab
               WHEN 'source'           THEN ARRAY[p_row->>'source']
               WHEN 'match_model'      THEN ARRAY[p_row->>'model']
               WHEN 'name_alias'       THEN ARRAY[p_row->>'name', p_row->>'alias']
               WHEN 'golden_attribute' THEN ARRAY[p_row->>'attribute']
           END
$$;
COMMENT ON FUNCTION ci.shipped_row_key(text, jsonb) IS 'internal: the key of a configuration row (as jsonb) in ci.shipped_row';

-- Is the shipped row (and its family) still as CREATE EXTENSION made it,
-- with nothing else referring to it?  Read-only; runs as the owner so that
-- whoever may insert into a configuration table can ask.
CREATE FUNCTION ci.shipped_row_as_shipped(p_tab text, p_key text[])
RETURNS boolean LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM ci.shipped_row r WHERE r.tab = p_tab AND r.key = p_key AND r.as_shipped) THEN
        RETURN false;
    END IF;
    RETURN CASE p_tab
        WHEN 'source' THEN
            NOT EXISTS (SELECT 1 FROM ci.source_record s WHERE s.source = p_key[1])
        WHEN 'match_model' THEN
            NOT EXISTS (SELECT 1 FROM ci.match_review v WHERE v.model = p_key[1])
            AND NOT EXISTS (SELECT 1 FROM ci.match_term_frequency f WHERE f.model = p_key[1])
        WHEN 'golden_attribute' THEN
            NOT EXISTS (SELECT 1 FROM ci.golden_override o WHERE o.attribute = p_key[1])
        ELSE true
    END;
END;
$$;
COMMENT ON FUNCTION ci.shipped_row_as_shipped(text, text[]) IS 'internal: true when a shipped configuration row and its family are untouched since CREATE EXTENSION and nothing refers to them';

-- Deletes a shipped row with its family, as the caller (who needs the
-- privileges to delete them).
CREATE FUNCTION ci.shipped_row_forget(p_tab text, p_key text[])
RETURNS void LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    CASE p_tab
        WHEN 'source' THEN
            DELETE FROM ci.source WHERE source = p_key[1];
        WHEN 'match_model' THEN
            -- its comparisons and blocking rules go with it (ON DELETE CASCADE)
            DELETE FROM ci.match_model WHERE model = p_key[1];
        WHEN 'name_alias' THEN
            DELETE FROM ci.name_alias WHERE name = p_key[1] AND alias = p_key[2];
        WHEN 'golden_attribute' THEN
            DELETE FROM ci.survivorship_rule WHERE attribute = p_key[1];
            DELETE FROM ci.golden_attribute WHERE attribute = p_key[1];
    END CASE;
END;
$$;
COMMENT ON FUNCTION ci.shipped_row_forget(text, text[]) IS 'internal: deletes a shipped configuration row with its family (comparisons and blocking rules of a model, survivorship rules of an attribute)';

-- BEFORE INSERT on the four tables: an inserted row takes the place of an
-- untouched shipped row of the same key (this is how a restore puts a
-- tuned row back over CREATE EXTENSION's copy).
CREATE FUNCTION ci.shipped_row_replace()
RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_key text[] := ci.shipped_row_key(TG_TABLE_NAME, to_jsonb(NEW));
BEGIN
    IF ci.shipped_row_as_shipped(TG_TABLE_NAME, v_key) THEN
        PERFORM ci.shipped_row_forget(TG_TABLE_NAME, v_key);
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION ci.shipped_row_replace() IS 'trigger: an INSERT whose key is held by an untouched shipped configuration row replaces that row (restores put tuned rows back this way)';

-- AFTER INSERT, UPDATE, DELETE (rows) and TRUNCATE on the four tables:
-- a changed shipped row is no longer as shipped; a deleted (or renamed)
-- one gets a tombstone; one inserted again loses its tombstone.
CREATE FUNCTION ci.shipped_row_track()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_old text[];
    v_new text[];
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN      -- TRUNCATE
        INSERT INTO ci.shipped_row_deleted (tab, key)
        SELECT r.tab, r.key FROM ci.shipped_row r WHERE r.tab = TG_TABLE_NAME
        ON CONFLICT DO NOTHING;
        UPDATE ci.shipped_row r SET as_shipped = false WHERE r.tab = TG_TABLE_NAME AND r.as_shipped;
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        v_old := ci.shipped_row_key(TG_TABLE_NAME, to_jsonb(OLD));
        UPDATE ci.shipped_row r SET as_shipped = false
         WHERE r.tab = TG_TABLE_NAME AND r.key = v_old AND r.as_shipped;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        v_new := ci.shipped_row_key(TG_TABLE_NAME, to_jsonb(NEW));
        DELETE FROM ci.shipped_row_deleted d WHERE d.tab = TG_TABLE_NAME AND d.key = v_new;
    END IF;
    IF v_old IS DISTINCT FROM v_new
       AND EXISTS (SELECT 1 FROM ci.shipped_row r WHERE r.tab = TG_TABLE_NAME AND r.key = v_old) THEN
        INSERT INTO ci.shipped_row_deleted (tab, key) VALUES (TG_TABLE_NAME, v_old)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION ci.shipped_row_track() IS 'trigger: keeps ci.shipped_row.as_shipped and the tombstones of ci.shipped_row_deleted';

-- AFTER INSERT, UPDATE, DELETE (rows) and TRUNCATE on the tables of a
-- family (TG_ARGV[0]: the family's table, TG_ARGV[1]: the column naming
-- the family): a change makes the family no longer as shipped.
CREATE FUNCTION ci.shipped_row_family_track()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE ci.shipped_row r SET as_shipped = false
     WHERE r.tab = TG_ARGV[0] AND r.as_shipped
       AND (TG_LEVEL = 'STATEMENT'
            OR r.key[1] = to_jsonb(OLD)->>TG_ARGV[1]
            OR r.key[1] = to_jsonb(NEW)->>TG_ARGV[1]);
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION ci.shipped_row_family_track() IS 'trigger: a change to a comparison, blocking rule or survivorship rule makes its model or attribute no longer as shipped';

-- AFTER INSERT on ci.shipped_row_deleted: a restored tombstone deletes the
-- fresh shipped copy CREATE EXTENSION made (as the restoring role).
CREATE FUNCTION ci.shipped_row_deleted_apply()
RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF ci.shipped_row_as_shipped(NEW.tab, NEW.key) THEN
        PERFORM ci.shipped_row_forget(NEW.tab, NEW.key);
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION ci.shipped_row_deleted_apply() IS 'trigger: a tombstone inserted (by a restore) deletes the untouched shipped row it names';

CREATE TRIGGER shipped_row_deleted_apply AFTER INSERT ON ci.shipped_row_deleted
    FOR EACH ROW EXECUTE FUNCTION ci.shipped_row_deleted_apply();

-- The four tables holding shipped rows (the "_0" names sort these triggers
-- before the tables' own ones).
CREATE TRIGGER shipped_row_0_replace BEFORE INSERT ON ci.source
    FOR EACH ROW EXECUTE FUNCTION ci.shipped_row_replace();
CREATE TRIGGER shipped_row_0_replace BEFORE INSERT ON ci.match_model
    FOR EACH ROW EXECUTE FUNCTION ci.shipped_row_replace();
CREATE TRIGGER shipped_row_0_replace BEFORE INSERT ON ci.name_alias
    FOR EACH ROW EXECUTE FUNCTION ci.shipped_row_replace();
CREATE TRIGGER shipped_row_0_replace BEFORE INSERT ON ci.golden_attribute
    FOR EACH ROW EXECUTE FUNCTION ci.shipped_row_replace();

CREATE TRIGGER shipped_row_track AFTER INSERT OR DELETE ON ci.source
    FOR EACH ROW EXECUTE FUNCTION ci.shipped_row_track();
CREATE TRIGGER shipped_row_track_update AFTER UPDATE ON ci.source
    FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION ci.shipped_row_track();
CREATE TRIGGER shipped_row_track_truncate AFTER TRUNCATE ON ci.source
    FOR EACH STATEMENT EXECUTE FUNCTION ci.shipped_row_track();
CREATE TRIGGER shipped_row_track AFTER INSERT OR DELETE ON ci.match_model
    FOR EACH ROW EXECUTE FUNCTION ci.shipped_row_track();
-- (the model caches' no-op "touch" updates change nothing here)
CREATE TRIGGER shipped_row_track_update AFTER UPDATE ON ci.match_model
    FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION ci.shipped_row_track();
CREATE TRIGGER shipped_row_track_truncate AFTER TRUNCATE ON ci.match_model
    FOR EACH STATEMENT EXECUTE FUNCTION ci.shipped_row_track();
CREATE TRIGGER shipped_row_track AFTER INSERT OR DELETE ON ci.name_alias
    FOR EACH ROW EXECUTE FUNCTION ci.shipped_row_track();
CREATE TRIGGER shipped_row_track_update AFTER UPDATE ON ci.name_alias
    FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION ci.shipped_row_track();
CREATE TRIGGER shipped_row_track_truncate AFTER TRUNCATE ON ci.name_alias
    FOR EACH STATEMENT EXECUTE FUNCTION ci.shipped_row_track();
CREATE TRIGGER shipped_row_track AFTER INSERT OR DELETE ON ci.golden_attribute
    FOR EACH ROW EXECUTE FUNCTION ci.shipped_row_track();
CREATE TRIGGER shipped_row_track_update AFTER UPDATE ON ci.golden_attribute
    FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION ci.shipped_row_track();
CREATE TRIGGER shipped_row_track_truncate AFTER TRUNCATE ON ci.golden_attribute
    FOR EACH STATEMENT EXECUTE FUNCTION ci.shipped_row_track();

CREATE TRIGGER shipped_row_family_track AFTER INSERT OR DELETE ON ci.match_comparison
    FOR EACH ROW EXECUTE FUNCTION ci.shipped_row_family_track('match_model', 'model');
CREATE TRIGGER shipped_row_family_track_update AFTER UPDATE ON ci.match_comparison
    FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION ci.shipped_row_family_track('match_model', 'model');
CREATE TRIGGER shipped_row_family_track_truncate AFTER TRUNCATE ON ci.match_comparison
    FOR EACH STATEMENT EXECUTE FUNCTION ci.shipped_row_family_track('match_model', 'model');
CREATE TRIGGER shipped_row_family_track AFTER INSERT OR DELETE ON ci.match_blocking_rule
    FOR EACH ROW EXECUTE FUNCTION ci.shipped_row_family_track('match_model', 'model');
CREATE TRIGGER shipped_row_family_track_update AFTER UPDATE ON ci.match_blocking_rule
    FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION ci.shipped_row_family_track('match_model', 'model');
CREATE TRIGGER shipped_row_family_track_truncate AFTER TRUNCATE ON ci.match_blocking_rule
    FOR EACH STATEMENT EXECUTE FUNCTION ci.shipped_row_family_track('match_model', 'model');
CREATE TRIGGER shipped_row_family_track AFTER INSERT OR DELETE ON ci.survivorship_rule
    FOR EACH ROW EXECUTE FUNCTION ci.shipped_row_family_track('golden_attribute', 'attribute');
CREATE TRIGGER shipped_row_family_track_update AFTER UPDATE ON ci.survivorship_rule
    FOR EACH ROW WHEN (OLD IS DISTINCT FROM NEW) EXECUTE FUNCTION ci.shipped_row_family_track('golden_attribute', 'attribute');
CREATE TRIGGER shipped_row_family_track_truncate AFTER TRUNCATE ON ci.survivorship_rule
    FOR EACH STATEMENT EXECUTE FUNCTION ci.shipped_row_family_track('golden_attribute', 'attribute');

-- A restore with pg_restore --disable-triggers (or a data-only restore
-- done without triggers) cannot replace shipped rows: this clears the
-- untouched ones first, so that the dumped rows load without conflict.
-- ci.prepare_data_restore() (src/common/final/) calls it with the other
-- capabilities' own.
CREATE FUNCTION ci.shipped_config_prepare_data_restore()
RETURNS bigint LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r record;
    n bigint := 0;
BEGIN
    -- golden attributes (with their rules) before sources: a source that a
    -- remaining rule ranks stays (ci.source_ranked_check)
    FOR r IN SELECT s.tab, s.key FROM ci.shipped_row s WHERE s.as_shipped ORDER BY s.tab, s.key LOOP
        IF ci.shipped_row_as_shipped(r.tab, r.key)
           AND NOT (r.tab = 'source'
                    AND EXISTS (SELECT 1 FROM ci.survivorship_rule x WHERE r.key[1] = ANY (x.sources))) THEN
            PERFORM ci.shipped_row_forget(r.tab, r.key);
            -- deleted to make room, not by the user: no tombstone
            DELETE FROM ci.shipped_row_deleted d WHERE d.tab = r.tab AND d.key = r.key;
            n := n + 1;
        END IF;
    END LOOP;
    RETURN n;
END;
$$;
COMMENT ON FUNCTION ci.shipped_config_prepare_data_restore() IS 'Deletes the untouched shipped sources, models, nicknames and golden attributes (with their families) so that a data-only restore without triggers can load the dumped ones; returns how many were deleted';
REVOKE ALL ON FUNCTION ci.shipped_config_prepare_data_restore() FROM PUBLIC;
