-- Consent on every Citus node: what the row filter reads, kept where the
-- rows are filtered.
--
-- On Citus the filter of a protected distributed (or reference) table runs
-- in the workers' backends, inside the shard queries, where the
-- coordinator's consent tables cannot be read: a query on a Citus table
-- from a shard query is refused, and the workers' own copies of the
-- extension's tables are empty.  So the tables the filter reads have a copy
-- here, made Citus reference tables by ci.distribute() (replicated to every
-- node in the coordinator's transaction, two-phase committed):
--   ci.consent_node_state, ci.consent_node_subject   the state (kept by ci.consent_recompute)
--   ci.consent_node_purpose, ci.consent_node_default, ci.consent_node_binding
--                                                    the configuration the filter reads
--   ci.consent_node_change                           the change notes its cache checks
-- The coordinator's tables stay the truth and are written as before; the
-- copies follow in the same transaction.  The filter (consent_cache.c)
-- reads them on a worker, by their local shard (the shard's own relation,
-- planned by PostgreSQL alone); on the coordinator and on one node it reads
-- the coordinator's tables.  On one node they stay empty.

CREATE TABLE ci.consent_node_state (LIKE ci.consent_state INCLUDING INDEXES);
COMMENT ON TABLE ci.consent_node_state IS 'Citus: the workers'' copy of ci.consent_state (a reference table after ci.distribute(); empty on one node)';
CREATE TABLE ci.consent_node_subject (LIKE ci.consent_subject INCLUDING INDEXES);
COMMENT ON TABLE ci.consent_node_subject IS 'Citus: the workers'' copy of ci.consent_subject (a reference table after ci.distribute(); empty on one node)';
CREATE TABLE ci.consent_node_purpose (LIKE ci.consent_purpose INCLUDING INDEXES);
COMMENT ON TABLE ci.consent_node_purpose IS 'Citus: the workers'' copy of ci.consent_purpose (a reference table after ci.distribute(); empty on one node)';
CREATE TABLE ci.consent_node_default (LIKE ci.consent_default INCLUDING INDEXES);
COMMENT ON TABLE ci.consent_node_default IS 'Citus: the workers'' copy of ci.consent_default (a reference table after ci.distribute(); empty on one node)';
CREATE TABLE ci.consent_node_binding (LIKE ci.consent_purpose_binding INCLUDING INDEXES);
COMMENT ON TABLE ci.consent_node_binding IS 'Citus: the workers'' copy of ci.consent_purpose_binding (a reference table after ci.distribute(); empty on one node)';
CREATE TABLE ci.consent_node_change (
    change_id bigint PRIMARY KEY,
    bumps     integer NOT NULL
);
COMMENT ON TABLE ci.consent_node_change IS 'Citus: the workers'' copy of ci.consent_change''s notes, which their filter caches check at every statement (a reference table after ci.distribute(); empty on one node)';

-- Whether the copies are Citus reference tables (ci.distribute() made them).
CREATE FUNCTION ci.consent_node_active()
RETURNS boolean LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN ci.citus_table_kind('ci.consent_node_change') IS NOT NULL;
END
$$;
COMMENT ON FUNCTION ci.consent_node_active() IS 'internal: whether the consent copies the workers read are Citus reference tables (after ci.distribute())';

-- Copies the state of some identities (NULL: all) to the workers' copies,
-- after ci.consent_recompute wrote it, as it writes it: the rows of the
-- identities deleted, then inserted with ON CONFLICT.  (Citus serialises
-- writers of a reference table, but a waiting DELETE has taken its
-- snapshot before the first writer committed: a plain INSERT would then
-- collide with that writer's rows.)  Nothing on one node.
CREATE FUNCTION ci.consent_node_copy(p_identity_ids bigint[])
RETURNS void LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT ci.consent_node_active() THEN
        RETURN;
    END IF;
    IF p_identity_ids IS NULL THEN
        DELETE FROM ci.consent_node_state;
        DELETE FROM ci.consent_node_subject;
    ELSE
        DELETE FROM ci.consent_node_state WHERE identity_id = ANY (p_identity_ids);
        DELETE FROM ci.consent_node_subject WHERE identity_id = ANY (p_identity_ids);
    END IF;
    INSERT INTO ci.consent_node_state
    SELECT * FROM ci.consent_state WHERE p_identity_ids IS NULL OR identity_id = ANY (p_identity_ids)
    ON CONFLICT (identity_id, purpose, channel) DO UPDATE
       SET decision = EXCLUDED.decision, decided_at = EXCLUDED.decided_at, valid_from = EXCLUDED.valid_from,
           valid_until = EXCLUDED.valid_until, event_id = EXCLUDED.event_id;
    INSERT INTO ci.consent_node_subject
    SELECT * FROM ci.consent_subject WHERE p_identity_ids IS NULL OR identity_id = ANY (p_identity_ids)
    ON CONFLICT (identity_id) DO UPDATE
       SET jurisdiction = EXCLUDED.jurisdiction, countries = EXCLUDED.countries,
           suppressed_channels = EXCLUDED.suppressed_channels, blocked_reason = EXCLUDED.blocked_reason,
           computed_at = EXCLUDED.computed_at;
END
$$;
COMMENT ON FUNCTION ci.consent_node_copy(bigint[]) IS 'internal (Citus): copies the consent state of the given identities (NULL: all) to the reference tables the workers'' row filters read';
REVOKE ALL ON FUNCTION ci.consent_node_copy(bigint[]) FROM PUBLIC;

-- Statement trigger (made by ci.consent_node_setup on Citus only) on the
-- configuration and the change notes: replaces the table's copy (a few
-- hundred rows at most; ON CONFLICT as in ci.consent_node_copy).  The copy
-- of the change notes need not be exact: what matters is that every
-- transaction that changes consent writes its own note into it.
CREATE FUNCTION ci.consent_node_copy_table()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    CASE TG_TABLE_NAME
        WHEN 'consent_purpose' THEN
            DELETE FROM ci.consent_node_purpose;
            INSERT INTO ci.consent_node_purpose SELECT * FROM ci.consent_purpose
            ON CONFLICT (purpose) DO UPDATE
               SET contacts = EXCLUDED.contacts, shipped = EXCLUDED.shipped, description = EXCLUDED.description;
        WHEN 'consent_default' THEN
            DELETE FROM ci.consent_node_default;
            INSERT INTO ci.consent_node_default SELECT * FROM ci.consent_default
            ON CONFLICT (jurisdiction, purpose) DO UPDATE
               SET absent = EXCLUDED.absent, shipped = EXCLUDED.shipped, note = EXCLUDED.note;
        WHEN 'consent_purpose_binding' THEN
            DELETE FROM ci.consent_node_binding;
            INSERT INTO ci.consent_node_binding SELECT * FROM ci.consent_purpose_binding
            ON CONFLICT (role_name, purpose) DO UPDATE
               SET granted_by = EXCLUDED.granted_by, granted_at = EXCLUDED.granted_at;
        WHEN 'consent_change' THEN
            DELETE FROM ci.consent_node_change;
            INSERT INTO ci.consent_node_change (change_id, bumps) SELECT change_id, bumps FROM ci.consent_change
            ON CONFLICT (change_id) DO UPDATE SET bumps = EXCLUDED.bumps;
    END CASE;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION ci.consent_node_copy_table() IS 'trigger (Citus only): keeps the workers'' copy of a consent configuration table or of the change notes equal to the coordinator''s';

-- Called by ci.distribute() once the copies are reference tables: fills
-- them and puts the copying triggers on the coordinator's tables (plain
-- tables of the coordinator, whose triggers stay).
CREATE FUNCTION ci.consent_node_setup()
RETURNS void LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t text;
BEGIN
    IF NOT ci.consent_node_active() THEN
        RAISE EXCEPTION 'the consent copies are not reference tables'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'ci.distribute() makes them and calls this function.';
    END IF;
    FOREACH t IN ARRAY ARRAY['consent_purpose', 'consent_default', 'consent_purpose_binding', 'consent_change'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g
                        WHERE g.tgrelid = pg_catalog.format('ci.%I', t)::regclass AND g.tgname = 'consent_node_copy') THEN
            EXECUTE pg_catalog.format('CREATE TRIGGER consent_node_copy AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ci.%I'
                                      ' FOR EACH STATEMENT EXECUTE FUNCTION ci.consent_node_copy_table()', t);
        END IF;
        -- a no-op statement fires it once: the copy starts equal
        EXECUTE pg_catalog.format('DELETE FROM ci.%I WHERE false', t);
    END LOOP;
    PERFORM ci.consent_node_copy(NULL);
END
$$;
COMMENT ON FUNCTION ci.consent_node_setup() IS 'internal (Citus, called by ci.distribute()): fills the consent copies the workers read and keeps them following the coordinator''s tables';
REVOKE ALL ON FUNCTION ci.consent_node_setup() FROM PUBLIC;
