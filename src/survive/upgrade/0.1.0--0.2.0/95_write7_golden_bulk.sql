-- 0.1.0 -> 0.2.0 (write7): a statement of 1,000 or more links that wrote
-- every link there is (a first resolution run) flags every golden profile
-- stale with one ci.golden_stale row instead of queueing each identity
-- (src/survive/30_golden.sql; doc/survivorship.md).
CREATE OR REPLACE FUNCTION ci.golden_queue_link_change()
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
