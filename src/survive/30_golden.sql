-- Golden profiles: one survivor record per identity, with per-field lineage,
-- steward overrides, and the queue of identities whose profile is stale.

CREATE TABLE ci.golden_profile (
    identity_id  bigint PRIMARY KEY REFERENCES ci.identity ON DELETE CASCADE,
    given_name   text,
    family_name  text,
    email        text,
    phone        text,
    birth_date   date,
    national_id  text,
    street       text,
    city         text,
    postcode     text,
    country      text,
    record_count integer NOT NULL DEFAULT 0,
    sources      text[] NOT NULL DEFAULT '{}',
    lineage      jsonb NOT NULL DEFAULT '{}',
    changed_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ci.golden_profile IS 'One survivor record per identity; lineage holds, per field, the winning record, source, rule and the candidates it beat';
COMMENT ON COLUMN ci.golden_profile.lineage IS 'per attribute: {"value", "record_id", "source", "updated_at", "rule", "rule_id", "rule_index", "candidates", "nulls", "support", "beaten": [...], "beaten_total"} (NULL when no record had a value), plus "pinned" when a steward override holds';
COMMENT ON COLUMN ci.golden_profile.changed_at IS 'when a refresh last changed this row';

CREATE TABLE ci.golden_override (
    identity_id  bigint NOT NULL REFERENCES ci.identity ON DELETE CASCADE,
    attribute    text NOT NULL REFERENCES ci.golden_attribute ON UPDATE CASCADE,
    value        text,
    actor        text NOT NULL DEFAULT current_user,
    reason       text NOT NULL CHECK (btrim(reason) <> ''),
    at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (identity_id, attribute)
);
COMMENT ON TABLE ci.golden_override IS 'Values pinned by data stewards: they replace the survivor in every refresh until unpinned';

-- A pinned value must be castable to the attribute's type.
CREATE FUNCTION ci.golden_override_check()
RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_type regtype;
BEGIN
    SELECT a.atttypid::regtype INTO v_type
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = 'ci.golden_profile'::regclass AND a.attname = NEW.attribute AND NOT a.attisdropped;
    IF v_type IS NULL THEN
        RAISE EXCEPTION 'unknown golden attribute "%"', NEW.attribute USING ERRCODE = 'undefined_column';
    END IF;
    IF NEW.value IS NOT NULL AND v_type <> 'text'::regtype THEN
        EXECUTE format('SELECT %L::%s', NEW.value, v_type);
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION ci.golden_override_check() IS 'trigger: a pinned value must name a golden attribute and cast to its type';
CREATE TRIGGER golden_override_check
    BEFORE INSERT OR UPDATE ON ci.golden_override
    FOR EACH ROW EXECUTE FUNCTION ci.golden_override_check();

-- The dirty-identity queue.  Triggers append (never update), so a writer
-- never waits for a refresher and a change committed after a refresher took
-- its snapshot always leaves a row behind for the next refresh.
CREATE TABLE ci.golden_dirty (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    identity_id  bigint NOT NULL,
    queued_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX golden_dirty_identity_idx ON ci.golden_dirty (identity_id);
COMMENT ON TABLE ci.golden_dirty IS 'Identities whose golden profile must be recomputed (filled by triggers, drained by ci.refresh_golden_profiles)';

-- Unmerge decisions go to ci.match_decision, which identity resolution
-- (src/identity) owns and honours on every run.

SELECT pg_catalog.pg_extension_config_dump('ci.golden_profile', '');
SELECT pg_catalog.pg_extension_config_dump('ci.golden_override', '');
-- The two work queues, ci.golden_dirty and ci.golden_stale, are not dumped:
-- restoring ci.identity_link fires the queue triggers, which queue every
-- linked identity again, and dumped queue rows would collide with those on
-- their sequence numbers.  After a restore, run ci.build_golden_profiles()
-- (or ci.refresh_golden_profiles(), which recomputes the queued identities).

-- Queue triggers: statement level, one set-based INSERT per statement.
CREATE FUNCTION ci.golden_queue_record_change()
RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO ci.golden_dirty (identity_id)
    SELECT DISTINCT l.identity_id
      FROM new_rows n
      JOIN old_rows o ON o.record_id = n.record_id
      JOIN ci.identity_link l ON l.record_id = n.record_id
     WHERE (n.source, n.given_name, n.family_name, n.email, n.phone, n.birth_date, n.national_id,
            n.street, n.city, n.postcode, n.country, n.attributes, n.updated_at)
           IS DISTINCT FROM
           (o.source, o.given_name, o.family_name, o.email, o.phone, o.birth_date, o.national_id,
            o.street, o.city, o.postcode, o.country, o.attributes, o.updated_at)
     ORDER BY 1;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION ci.golden_queue_record_change() IS 'trigger: queues the identities of changed source records for a golden refresh';

CREATE TRIGGER golden_queue_record_update
    AFTER UPDATE ON ci.source_record
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ci.golden_queue_record_change();

CREATE FUNCTION ci.golden_queue_link_change()
RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_n bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- A large statement that wrote every link there is (a first
        -- resolution run) makes every linked identity stale: one
        -- ci.golden_stale row says so, and the next refresh rebuilds exactly
        -- the identities the queue would hold, without a queue row for each.
        -- Its rows are links, so as many as the table holds means all of
        -- them; the table is counted only when the statement is at least
        -- half its estimated size.  (Only a role that may flag them:
        -- admins; others queue.)
        v_n := (SELECT pg_catalog.count(*) FROM new_rows);
        IF v_n >= 1000
           AND v_n * 2 >= (SELECT c.reltuples FROM pg_catalog.pg_class c WHERE c.oid = TG_RELID)
           AND pg_catalog.has_table_privilege('ci.golden_stale', 'INSERT')
           AND v_n = (SELECT pg_catalog.count(*) FROM ci.identity_link) THEN
            INSERT INTO ci.golden_stale (reason) VALUES ('insert on ci.identity_link: every link');
        ELSE
            INSERT INTO ci.golden_dirty (identity_id)
            SELECT DISTINCT identity_id FROM new_rows ORDER BY 1;
        END IF;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO ci.golden_dirty (identity_id)
        SELECT identity_id FROM new_rows UNION SELECT identity_id FROM old_rows ORDER BY 1;
    ELSE
        -- Links removed (mostly by deleting source records, which cascades):
        -- an identity left without records is retired now, as the next full
        -- run would.  Its row is locked first, in identity order, so that
        -- two transactions deleting an identity's last records one each do
        -- not both see the other's record and leave it alive (at READ
        -- COMMITTED the check after the lock sees the other's commit).
        PERFORM 1 FROM ci.identity i
         WHERE i.identity_id IN (SELECT o.identity_id FROM old_rows o) AND i.retired_at IS NULL
         ORDER BY i.identity_id FOR UPDATE OF i;
        WITH gone AS (
            UPDATE ci.identity i SET retired_at = pg_catalog.now(), updated_at = pg_catalog.now()
             WHERE i.identity_id IN (SELECT o.identity_id FROM old_rows o) AND i.retired_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM ci.identity_link l WHERE l.identity_id = i.identity_id)
            RETURNING i.identity_id)
        INSERT INTO ci.identity_event (event, identity_id, record_ids, detail)
        SELECT 'retire', g.identity_id,
               (SELECT pg_catalog.array_agg(o.record_id ORDER BY o.record_id) FROM old_rows o
                 WHERE o.identity_id = g.identity_id),
               '{"reason": "its last records were unlinked or deleted"}'
          FROM gone g ORDER BY g.identity_id;
        INSERT INTO ci.golden_dirty (identity_id)
        SELECT DISTINCT identity_id FROM old_rows ORDER BY 1;
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION ci.golden_queue_link_change() IS 'trigger: queues the identities a link was added to, moved between or removed from (all of them at once, in ci.golden_stale, when one statement of 1,000 or more links wrote every link there is), and retires an identity whose last link was removed';

CREATE TRIGGER golden_queue_link_insert
    AFTER INSERT ON ci.identity_link
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ci.golden_queue_link_change();
CREATE TRIGGER golden_queue_link_update
    AFTER UPDATE ON ci.identity_link
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ci.golden_queue_link_change();
CREATE TRIGGER golden_queue_link_delete
    AFTER DELETE ON ci.identity_link
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ci.golden_queue_link_change();

CREATE FUNCTION ci.golden_queue_override_change()
RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO ci.golden_dirty (identity_id) SELECT DISTINCT identity_id FROM old_rows ORDER BY 1;
    ELSE
        INSERT INTO ci.golden_dirty (identity_id) SELECT DISTINCT identity_id FROM new_rows ORDER BY 1;
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION ci.golden_queue_override_change() IS 'trigger: queues identities whose pinned values changed';
CREATE TRIGGER golden_queue_override_insert
    AFTER INSERT ON ci.golden_override REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ci.golden_queue_override_change();
CREATE TRIGGER golden_queue_override_update
    AFTER UPDATE ON ci.golden_override REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ci.golden_queue_override_change();
CREATE TRIGGER golden_queue_override_delete
    AFTER DELETE ON ci.golden_override REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ci.golden_queue_override_change();

-- Lineage is a few kB per profile: lz4 compresses it several times faster
-- than pglz.  Servers built without lz4 keep the default.
DO $$
BEGIN
    ALTER TABLE ci.golden_profile ALTER COLUMN lineage SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    NULL;
END;
$$;

-- Rule, attribute and trust changes make every profile stale.  Rather than
-- queue every identity, a statement-level trigger appends one row to
-- ci.golden_stale; the next ci.refresh_golden_profiles() sees it and
-- rebuilds everything (ci.build_golden_profiles, which empties the table).
-- Appending never blocks another writer, and a change committed after a
-- rebuild's snapshot leaves its row behind for the next refresh.
CREATE TABLE ci.golden_stale (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reason     text NOT NULL,
    flagged_at timestamptz NOT NULL DEFAULT now(),
    flagged_by text NOT NULL DEFAULT current_user
);
COMMENT ON TABLE ci.golden_stale IS 'Changes to survivorship rules, golden attributes or source trust since the last full build: while a row is here, ci.refresh_golden_profiles rebuilds every profile';

-- The trigger runs as the role that made the change, which flagged_by
-- records (admins have INSERT on the table).
CREATE FUNCTION ci.golden_flag_stale()
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

CREATE TRIGGER golden_stale_rule
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ci.survivorship_rule
    FOR EACH STATEMENT EXECUTE FUNCTION ci.golden_flag_stale();
CREATE TRIGGER golden_stale_attribute
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ci.golden_attribute
    FOR EACH STATEMENT EXECUTE FUNCTION ci.golden_flag_stale();
CREATE TRIGGER golden_stale_source_trust
    AFTER UPDATE ON ci.source
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ci.golden_flag_stale();
