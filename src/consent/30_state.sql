-- Consent state: what the ledger, the suppressions and the jurisdiction
-- rules mean for each live identity now, kept so the row filter reads a
-- few small rows instead of the ledger.
--
-- Consent follows identity resolution:
--   * an event captured on a source record belongs to the identity that
--     record is linked to now (a moved record takes its consent with it);
--   * an event, suppression or override given for an identity belongs to
--     the live identity it was merged into (ci.identity.merged_into);
--     after an unmerge it stays with the identity id it named.
-- The conflict rule, per (identity, purpose, channel): the decision with
-- the latest decided_at wins; on a tie a denial or withdrawal wins over a
-- grant.  So a withdrawal is never overridden by an older grant, whichever
-- of the merged identities either came from.  A winning decision that is
-- not in force now (valid_from in the future, valid_until past) counts as
-- no decision: the jurisdiction default applies, an older grant does not
-- come back.

CREATE TABLE ci.consent_state (
    identity_id  bigint NOT NULL,
    purpose      text NOT NULL,
    channel      text NOT NULL,
    decision     text NOT NULL,
    decided_at   timestamptz NOT NULL,
    valid_from   timestamptz,
    valid_until  timestamptz,
    event_id     bigint NOT NULL,
    PRIMARY KEY (identity_id, purpose, channel)
);
CREATE INDEX consent_state_purpose_idx ON ci.consent_state (purpose, channel);
COMMENT ON TABLE ci.consent_state IS 'The winning decision per live identity, purpose and channel (kept from ci.consent_event by ci.consent_recompute)';

CREATE TABLE ci.consent_subject (
    identity_id         bigint PRIMARY KEY,
    jurisdiction        text NOT NULL,
    countries           text[] NOT NULL DEFAULT '{}',
    suppressed_channels text[] NOT NULL DEFAULT '{}',   -- active contact suppressions: block contacting purposes on these channels
    blocked_reason      text,                           -- legal or erased: every purpose is refused
    computed_at         timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ci.consent_subject IS 'Per live identity: the jurisdiction that applies, its countries, its active suppressions (kept by ci.consent_recompute)';

-- Merges are followed downwards (which identities were merged into this one).
CREATE INDEX identity_merged_into_idx ON ci.identity (merged_into) WHERE merged_into IS NOT NULL;

-- Both are derived and rebuilt by ci.consent_recompute(NULL) after a restore:
-- not dumped.

-- Change notes for the row filter's cache (src/consent/consent_cache.c): a
-- transaction that changes anything the answers depend on adds one row
-- (and bumps it for each further change); the cache keeps its answers only
-- while the rows visible to a statement are those it read them under.  Old
-- rows are pruned by writers (SKIP LOCKED: writers never wait for each
-- other); about a hundred rows remain.  Not dumped.
CREATE TABLE ci.consent_change (
    change_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xact       xid8 NOT NULL DEFAULT pg_catalog.pg_current_xact_id(),
    bumps      integer NOT NULL DEFAULT 1,
    changed_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ci.consent_change IS 'One row per transaction that changed consent state or configuration (recent ones only): the row filter''s cache checks it at every statement';

CREATE FUNCTION ci.consent_note_change()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v bigint;
BEGIN
    UPDATE ci.consent_change SET bumps = bumps + 1 WHERE xact = pg_current_xact_id();
    IF NOT FOUND THEN
        INSERT INTO ci.consent_change DEFAULT VALUES RETURNING change_id INTO v;
        DELETE FROM ci.consent_change
         WHERE change_id IN (SELECT change_id FROM ci.consent_change WHERE change_id < v - 100
                               FOR UPDATE SKIP LOCKED);
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION ci.consent_note_change() IS 'trigger: notes that this transaction changed what consent answers depend on (ci.consent_change)';

CREATE TRIGGER consent_state_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ci.consent_state
    FOR EACH STATEMENT EXECUTE FUNCTION ci.consent_note_change();
CREATE TRIGGER consent_subject_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ci.consent_subject
    FOR EACH STATEMENT EXECUTE FUNCTION ci.consent_note_change();
CREATE TRIGGER consent_default_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ci.consent_default
    FOR EACH STATEMENT EXECUTE FUNCTION ci.consent_note_change();
CREATE TRIGGER consent_purpose_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ci.consent_purpose
    FOR EACH STATEMENT EXECUTE FUNCTION ci.consent_note_change();
CREATE TRIGGER consent_jurisdiction_noted AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ci.consent_jurisdiction
    FOR EACH STATEMENT EXECUTE FUNCTION ci.consent_note_change();

-- The identity an identity-level fact belongs to now: follow merged_into,
-- one identity row at a time (a lookup by the distribution column, which
-- Citus routes to one shard; a recursive query over ci.identity it cannot
-- plan).
CREATE FUNCTION ci.consent_live_identity(p_identity_id bigint)
RETURNS bigint LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    v     bigint := p_identity_id;
    v_nxt bigint;
BEGIN
    FOR depth IN 1 .. 1000 LOOP
        SELECT i.merged_into INTO v_nxt FROM ci.identity i WHERE i.identity_id = v;
        EXIT WHEN v_nxt IS NULL;
        v := v_nxt;
    END LOOP;
    RETURN v;
END
$$;
COMMENT ON FUNCTION ci.consent_live_identity(bigint) IS 'the live identity an identity id was merged into (itself when not merged)';

-- Identity-level facts (events, suppressions, overrides) with the live
-- identity they belong to.  Few rows: most consent is captured on records.
CREATE VIEW ci.consent_identity_fact AS
SELECT f.kind, f.id, f.identity_id, ci.consent_live_identity(f.identity_id) AS live_identity_id
  FROM (SELECT 'event'::text AS kind, event_id AS id, identity_id FROM ci.consent_event WHERE identity_id IS NOT NULL
        UNION ALL
        SELECT 'suppression', suppression_id, identity_id FROM ci.suppression WHERE identity_id IS NOT NULL
        UNION ALL
        SELECT 'override', identity_id, identity_id FROM ci.consent_jurisdiction_override) f;
COMMENT ON VIEW ci.consent_identity_fact IS 'identity-level consent events, suppressions and overrides with the live identity each belongs to now';

-- Every event with the identity it belongs to now (NULL: a record not linked).
CREATE VIEW ci.consent_event_resolved AS
SELECT e.*, coalesce(l.identity_id, ci.consent_live_identity(e.identity_id)) AS live_identity_id
  FROM ci.consent_event e
  LEFT JOIN ci.identity_link l ON l.record_id = e.record_id;
COMMENT ON VIEW ci.consent_event_resolved IS 'the ledger with the live identity each event belongs to now (record events follow their record)';

-- HMAC-SHA-256 of a normalised contact point, with the database's key.
CREATE FUNCTION ci.contact_hash(p_kind text, p_normalized text)
RETURNS bytea LANGUAGE sql STABLE STRICT PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ci.hmac_sha256(pg_catalog.convert_to(p_kind || ':' || p_normalized, 'UTF8'), s.key)
      FROM ci.consent_secret s
$$;
COMMENT ON FUNCTION ci.contact_hash(text, text) IS 'HMAC-SHA-256 of kind:normalised contact point with the database''s key (NULL before the first contact suppression made the key)';

-- Whether the canonical tables are distributed (Citus): consent's own
-- tables stay on the coordinator, and the statements that read the
-- identity tables read them on their own (a set of ids at a time) instead
-- of joining them with the consent tables (doc/scaling.md, "Consent, audit
-- and retention on Citus").  Scale's parts come after this one, and
-- CREATE EXTENSION computes consent before they exist.
CREATE FUNCTION ci.consent_distributed()
RETURNS boolean LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF pg_catalog.to_regprocedure('ci.scale_distributed()') IS NULL THEN
        RETURN false;
    END IF;
    RETURN ci.scale_distributed();
END
$$;
COMMENT ON FUNCTION ci.consent_distributed() IS 'internal: whether the canonical tables are distributed (Citus), where consent reads the identity tables apart from its own';

-- ci.consent_recompute on the distributed layout: the same state, computed
-- in the coordinator's backend.  What it needs from the distributed
-- identity tables is read first, by statements over those tables alone
-- (which Citus pushes to the shards): the merge closure by rounds of
-- merged_into, the identities' member records (links joined with records,
-- co-located by record), which of them are retired.  The statements that
-- write the state then read only the coordinator's consent tables and
-- these arrays; contact points are hashed here, where the key is.
CREATE FUNCTION ci.consent_recompute_distributed(p_identity_ids bigint[])
RETURNS bigint LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET work_mem = '64MB'
AS $$
DECLARE
    v_all     boolean := p_identity_ids IS NULL;
    v_ids     bigint[];
    v_named   bigint[];
    v_front   bigint[];
    v_retired bigint[];
    v_hash    boolean := EXISTS (SELECT 1 FROM ci.suppression WHERE contact_hash IS NOT NULL AND lifted_at IS NULL);
    v_n       bigint;
    v_fkind   text[];
    v_fid     bigint[];
    v_flive   bigint[];
    m_live    bigint[];
    m_rec     bigint[];
    m_country text[];
    m_email   text[];
    m_phone   text[];
BEGIN
    IF v_all THEN
        SELECT array_agg(s.identity_id) INTO v_ids FROM (SELECT DISTINCT l.identity_id FROM ci.identity_link l) s;
        SELECT array_agg(DISTINCT x.id) INTO v_ids
          FROM (SELECT unnest(v_ids)
                UNION ALL SELECT live_identity_id FROM ci.consent_identity_fact
                UNION ALL SELECT identity_id FROM ci.consent_state) x(id)
         WHERE x.id IS NOT NULL;
        DELETE FROM ci.consent_state;
        DELETE FROM ci.consent_subject;
    ELSE
        SELECT array_agg(DISTINCT i ORDER BY i) INTO v_ids FROM unnest(p_identity_ids) i WHERE i IS NOT NULL;
        DELETE FROM ci.consent_state WHERE identity_id IN (SELECT unnest(v_ids));
        DELETE FROM ci.consent_subject WHERE identity_id IN (SELECT unnest(v_ids));
    END IF;
    IF v_ids IS NULL THEN
        RETURN 0;
    END IF;

    -- identity-level facts: named for these identities or for identities
    -- merged into them (found round by round), mapped to their live identity
    IF v_all THEN
        SELECT coalesce(array_agg(kind), '{}'), coalesce(array_agg(id), '{}'), coalesce(array_agg(live_identity_id), '{}')
          INTO v_fkind, v_fid, v_flive
          FROM ci.consent_identity_fact;
    ELSE
        v_named := v_ids;
        v_front := v_ids;
        FOR depth IN 1 .. 1000 LOOP
            SELECT array_agg(i.identity_id) INTO v_front
              FROM ci.identity i
             WHERE i.merged_into = ANY (v_front) AND NOT i.identity_id = ANY (v_named);
            EXIT WHEN v_front IS NULL;
            v_named := v_named || v_front;
        END LOOP;
        WITH named AS (SELECT DISTINCT unnest(v_named) AS id),
        f AS (
            SELECT 'event'::text AS kind, e.event_id AS id, e.identity_id FROM ci.consent_event e JOIN named n ON e.identity_id = n.id
            UNION ALL
            SELECT 'suppression', s.suppression_id, s.identity_id FROM ci.suppression s JOIN named n ON s.identity_id = n.id
            UNION ALL
            SELECT 'override', o.identity_id, o.identity_id FROM ci.consent_jurisdiction_override o JOIN named n ON o.identity_id = n.id),
        mapped AS (SELECT f.kind, f.id, ci.consent_live_identity(f.identity_id) AS live FROM f)
        SELECT coalesce(array_agg(kind), '{}'), coalesce(array_agg(id), '{}'), coalesce(array_agg(live), '{}')
          INTO v_fkind, v_fid, v_flive
          FROM mapped WHERE live IN (SELECT unnest(v_ids));
    END IF;

    -- the identities' member records, from the record side's shards
    SELECT array_agg(m.identity_id), array_agg(m.record_id), array_agg(m.country), array_agg(m.email_norm),
           array_agg(m.phone_e164)
      INTO m_live, m_rec, m_country, m_email, m_phone
      FROM (SELECT l.identity_id, l.record_id, r.country, r.email_norm, r.phone_e164
              FROM ci.identity_link l JOIN ci.source_record r ON r.record_id = l.record_id
             WHERE l.identity_id = ANY (v_ids)) m;
    SELECT coalesce(array_agg(i.identity_id), '{}') INTO v_retired
      FROM ci.identity i WHERE i.identity_id = ANY (v_ids) AND i.retired_at IS NOT NULL;

    -- from here on as ci.consent_recompute, on the arrays
    INSERT INTO ci.consent_state (identity_id, purpose, channel, decision, decided_at, valid_from, valid_until, event_id)
    SELECT DISTINCT ON (ev.live, ev.purpose, ev.channel)
           ev.live, ev.purpose, ev.channel, ev.decision, ev.decided_at, ev.valid_from, ev.valid_until, ev.event_id
      FROM (SELECT m.live, e.*
              FROM unnest(m_live, m_rec) m(live, record_id) JOIN ci.consent_event e ON e.record_id = m.record_id
            UNION ALL
            SELECT f.live, e.*
              FROM unnest(v_fkind, v_fid, v_flive) f(kind, id, live) JOIN ci.consent_event e ON e.event_id = f.id
             WHERE f.kind = 'event' AND f.live IS NOT NULL) ev
     ORDER BY ev.live, ev.purpose, ev.channel, ev.decided_at DESC, (ev.decision = 'granted'), ev.event_id DESC
    ON CONFLICT (identity_id, purpose, channel) DO UPDATE
       SET decision = EXCLUDED.decision, decided_at = EXCLUDED.decided_at, valid_from = EXCLUDED.valid_from,
           valid_until = EXCLUDED.valid_until, event_id = EXCLUDED.event_id;

    INSERT INTO ci.consent_subject (identity_id, jurisdiction, countries, suppressed_channels, blocked_reason)
    WITH members AS MATERIALIZED (
        SELECT * FROM unnest(m_live, m_country, m_email, m_phone) m(live, country, email_norm, phone_e164)),
    by_jurisdiction AS (
        SELECT DISTINCT ON (m.live) m.live, c.jurisdiction
          FROM members m
          JOIN ci.consent_jurisdiction_country c ON c.country = m.country
          JOIN ci.consent_jurisdiction j ON j.jurisdiction = c.jurisdiction
         ORDER BY m.live, j.strictness DESC, c.jurisdiction),
    by_country AS (
        SELECT x.live, array_agg(x.country) FILTER (WHERE x.country IS NOT NULL) AS countries, bj.jurisdiction
          FROM (SELECT DISTINCT m.live, m.country FROM members m ORDER BY m.live, m.country) x
          LEFT JOIN by_jurisdiction bj ON bj.live = x.live
         GROUP BY x.live, bj.jurisdiction),
    by_override AS (
        SELECT f.live, (array_agg(o.jurisdiction ORDER BY j.strictness DESC))[1] AS jurisdiction
          FROM unnest(v_fkind, v_fid, v_flive) f(kind, id, live)
          JOIN ci.consent_jurisdiction_override o ON o.identity_id = f.id
          JOIN ci.consent_jurisdiction j ON j.jurisdiction = o.jurisdiction
         WHERE f.kind = 'override' AND f.live IS NOT NULL
         GROUP BY f.live),
    contact AS (
        SELECT m.live, 'email' AS kind, ci.contact_hash('email', m.email_norm) AS h FROM members m
         WHERE v_hash AND m.email_norm IS NOT NULL
        UNION ALL
        SELECT m.live, 'phone', ci.contact_hash('phone', m.phone_e164) FROM members m
         WHERE v_hash AND m.phone_e164 IS NOT NULL),
    supp AS (
        SELECT f.live, s.reason, s.channel
          FROM unnest(v_fkind, v_fid, v_flive) f(kind, id, live) JOIN ci.suppression s ON s.suppression_id = f.id
         WHERE f.kind = 'suppression' AND s.lifted_at IS NULL AND f.live IS NOT NULL
        UNION ALL
        SELECT c.live, s.reason, s.channel
          FROM contact c JOIN ci.suppression s ON s.contact_hash = c.h AND s.contact_kind = c.kind
         WHERE s.lifted_at IS NULL),
    by_supp AS (
        SELECT live,
               array_agg(DISTINCT channel ORDER BY channel) FILTER (WHERE reason NOT IN ('legal', 'erased')) AS channels,
               max(reason) FILTER (WHERE reason IN ('legal', 'erased')) AS blocked
          FROM supp GROUP BY live),
    ids AS (
        SELECT live FROM by_country
        UNION SELECT live FROM unnest(v_flive) live WHERE live IS NOT NULL
        UNION SELECT identity_id FROM ci.consent_state WHERE identity_id IN (SELECT unnest(v_ids)))
    SELECT ids.live, coalesce(o.jurisdiction, c.jurisdiction, 'DEFAULT'), coalesce(c.countries, '{}'),
           coalesce(s.channels, '{}'), s.blocked
      FROM ids
      LEFT JOIN by_country c ON c.live = ids.live
      LEFT JOIN by_override o ON o.live = ids.live
      LEFT JOIN by_supp s ON s.live = ids.live
     WHERE NOT ids.live = ANY (v_retired)
    ON CONFLICT (identity_id) DO UPDATE
       SET jurisdiction = EXCLUDED.jurisdiction, countries = EXCLUDED.countries,
           suppressed_channels = EXCLUDED.suppressed_channels, blocked_reason = EXCLUDED.blocked_reason,
           computed_at = EXCLUDED.computed_at;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    DELETE FROM ci.consent_state s WHERE s.identity_id = ANY (v_retired);
    RETURN v_n;
END;
$$;
COMMENT ON FUNCTION ci.consent_recompute_distributed(bigint[]) IS 'internal: ci.consent_recompute on the Citus distributed layout (reads the distributed identity tables apart from the coordinator''s consent tables)';
REVOKE ALL ON FUNCTION ci.consent_recompute_distributed(bigint[]) FROM PUBLIC;

-- Recomputes ci.consent_state and ci.consent_subject for the given live
-- identities (NULL: all), set-based.  Returns how many identities it wrote.
CREATE FUNCTION ci.consent_recompute(p_identity_ids bigint[] DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET work_mem = '64MB'
AS $$
DECLARE
    v_all   boolean := p_identity_ids IS NULL;
    v_ids   bigint[];
    v_hash  boolean := EXISTS (SELECT 1 FROM ci.suppression WHERE contact_hash IS NOT NULL AND lifted_at IS NULL);
    v_n     bigint;
    v_fkind text[];
    v_fid   bigint[];
    v_flive bigint[];
BEGIN
    IF ci.consent_distributed() THEN
        v_n := ci.consent_recompute_distributed(p_identity_ids);
        -- the workers' row filters read copies (src/consent/80_node.sql)
        PERFORM ci.consent_node_copy(p_identity_ids);
        RETURN v_n;
    END IF;
    -- The identities are always an array joined through unnest(), never
    -- "= ANY": a generic plan then still probes indexes for a few ids and
    -- hashes for many.
    IF v_all THEN
        SELECT array_agg(DISTINCT x.id) INTO v_ids
          FROM (SELECT identity_id FROM ci.identity_link
                UNION ALL SELECT live_identity_id FROM ci.consent_identity_fact
                UNION ALL SELECT identity_id FROM ci.consent_state) x(id)
         WHERE x.id IS NOT NULL;
        DELETE FROM ci.consent_state;
        DELETE FROM ci.consent_subject;
    ELSE
        SELECT array_agg(DISTINCT i ORDER BY i) INTO v_ids FROM unnest(p_identity_ids) i WHERE i IS NOT NULL;
        DELETE FROM ci.consent_state WHERE identity_id IN (SELECT unnest(v_ids));
        DELETE FROM ci.consent_subject WHERE identity_id IN (SELECT unnest(v_ids));
    END IF;
    IF v_ids IS NULL THEN
        RETURN 0;
    END IF;

    -- the identity-level facts that belong to these identities: those named
    -- for them or for identities merged into them (through the merged_into
    -- index), mapped to their live identity
    IF v_all THEN
        SELECT coalesce(array_agg(kind), '{}'), coalesce(array_agg(id), '{}'), coalesce(array_agg(live_identity_id), '{}')
          INTO v_fkind, v_fid, v_flive
          FROM ci.consent_identity_fact;
    ELSE
        WITH RECURSIVE closure(id, depth) AS (
            SELECT unnest(v_ids), 0
            UNION
            SELECT i.identity_id, c.depth + 1 FROM closure c JOIN ci.identity i ON i.merged_into = c.id WHERE c.depth < 1000),
        named AS (SELECT DISTINCT id FROM closure),
        f AS (
            SELECT 'event'::text AS kind, e.event_id AS id, e.identity_id FROM ci.consent_event e JOIN named n ON e.identity_id = n.id
            UNION ALL
            SELECT 'suppression', s.suppression_id, s.identity_id FROM ci.suppression s JOIN named n ON s.identity_id = n.id
            UNION ALL
            SELECT 'override', o.identity_id, o.identity_id FROM ci.consent_jurisdiction_override o JOIN named n ON o.identity_id = n.id),
        mapped AS (SELECT f.kind, f.id, ci.consent_live_identity(f.identity_id) AS live FROM f)
        SELECT coalesce(array_agg(kind), '{}'), coalesce(array_agg(id), '{}'), coalesce(array_agg(live), '{}')
          INTO v_fkind, v_fid, v_flive
          FROM mapped WHERE live IN (SELECT unnest(v_ids));
    END IF;

    -- decisions: record-level events of the identities' records, identity-level ones mapped
    INSERT INTO ci.consent_state (identity_id, purpose, channel, decision, decided_at, valid_from, valid_until, event_id)
    SELECT DISTINCT ON (ev.live, ev.purpose, ev.channel)
           ev.live, ev.purpose, ev.channel, ev.decision, ev.decided_at, ev.valid_from, ev.valid_until, ev.event_id
      FROM (SELECT l.identity_id AS live, e.*
              FROM ci.consent_event e JOIN ci.identity_link l ON l.record_id = e.record_id
             WHERE e.record_id IS NOT NULL AND l.identity_id IN (SELECT unnest(v_ids))
            UNION ALL
            SELECT f.live, e.*
              FROM unnest(v_fkind, v_fid, v_flive) f(kind, id, live) JOIN ci.consent_event e ON e.event_id = f.id
             WHERE f.kind = 'event' AND f.live IS NOT NULL) ev
     ORDER BY ev.live, ev.purpose, ev.channel, ev.decided_at DESC, (ev.decision = 'granted'), ev.event_id DESC
    -- a concurrent recomputation of the same identity committed first: ours saw all it saw
    ON CONFLICT (identity_id, purpose, channel) DO UPDATE
       SET decision = EXCLUDED.decision, decided_at = EXCLUDED.decided_at, valid_from = EXCLUDED.valid_from,
           valid_until = EXCLUDED.valid_until, event_id = EXCLUDED.event_id;

    -- subjects: every identity with links, plus identities that only have
    -- facts; one pass, grouped (no per-identity sub-queries)
    INSERT INTO ci.consent_subject (identity_id, jurisdiction, countries, suppressed_channels, blocked_reason)
    WITH members AS MATERIALIZED (
        SELECT l.identity_id AS live, r.country, r.email_norm, r.phone_e164
          FROM ci.identity_link l JOIN ci.source_record r ON r.record_id = l.record_id
         WHERE l.identity_id IN (SELECT unnest(v_ids))),
    -- no ordered aggregate per identity (each would start its own sort):
    -- one sort for the strictest jurisdiction, one for the country lists
    by_jurisdiction AS (
        SELECT DISTINCT ON (m.live) m.live, c.jurisdiction
          FROM members m
          JOIN ci.consent_jurisdiction_country c ON c.country = m.country
          JOIN ci.consent_jurisdiction j ON j.jurisdiction = c.jurisdiction
         ORDER BY m.live, j.strictness DESC, c.jurisdiction),
    by_country AS (
        SELECT x.live, array_agg(x.country) FILTER (WHERE x.country IS NOT NULL) AS countries, bj.jurisdiction
          FROM (SELECT DISTINCT m.live, m.country FROM members m ORDER BY m.live, m.country) x
          LEFT JOIN by_jurisdiction bj ON bj.live = x.live
         GROUP BY x.live, bj.jurisdiction),
    by_override AS (
        SELECT f.live, (array_agg(o.jurisdiction ORDER BY j.strictness DESC))[1] AS jurisdiction
          FROM unnest(v_fkind, v_fid, v_flive) f(kind, id, live)
          JOIN ci.consent_jurisdiction_override o ON o.identity_id = f.id
          JOIN ci.consent_jurisdiction j ON j.jurisdiction = o.jurisdiction
         WHERE f.kind = 'override' AND f.live IS NOT NULL
         GROUP BY f.live),
    contact AS (   -- each member's contact points, hashed once
        SELECT m.live, 'email' AS kind, ci.contact_hash('email', m.email_norm) AS h FROM members m
         WHERE v_hash AND m.email_norm IS NOT NULL
        UNION ALL
        SELECT m.live, 'phone', ci.contact_hash('phone', m.phone_e164) FROM members m
         WHERE v_hash AND m.phone_e164 IS NOT NULL),
    supp AS (
        SELECT f.live, s.reason, s.channel
          FROM unnest(v_fkind, v_fid, v_flive) f(kind, id, live) JOIN ci.suppression s ON s.suppression_id = f.id
         WHERE f.kind = 'suppression' AND s.lifted_at IS NULL AND f.live IS NOT NULL
        UNION ALL
        SELECT c.live, s.reason, s.channel
          FROM contact c JOIN ci.suppression s ON s.contact_hash = c.h AND s.contact_kind = c.kind
         WHERE s.lifted_at IS NULL),
    by_supp AS (
        SELECT live,
               array_agg(DISTINCT channel ORDER BY channel) FILTER (WHERE reason NOT IN ('legal', 'erased')) AS channels,
               max(reason) FILTER (WHERE reason IN ('legal', 'erased')) AS blocked
          FROM supp GROUP BY live),
    ids AS (
        SELECT live FROM by_country
        UNION SELECT live FROM unnest(v_flive) live WHERE live IS NOT NULL
        UNION SELECT identity_id FROM ci.consent_state WHERE identity_id IN (SELECT unnest(v_ids)))
    SELECT ids.live, coalesce(o.jurisdiction, c.jurisdiction, 'DEFAULT'), coalesce(c.countries, '{}'),
           coalesce(s.channels, '{}'), s.blocked
      FROM ids
      LEFT JOIN by_country c ON c.live = ids.live
      LEFT JOIN by_override o ON o.live = ids.live
      LEFT JOIN by_supp s ON s.live = ids.live
     -- retired identities keep no state: their facts now belong to the survivor
     WHERE NOT EXISTS (SELECT 1 FROM ci.identity i WHERE i.identity_id = ids.live AND i.retired_at IS NOT NULL)
    ON CONFLICT (identity_id) DO UPDATE
       SET jurisdiction = EXCLUDED.jurisdiction, countries = EXCLUDED.countries,
           suppressed_channels = EXCLUDED.suppressed_channels, blocked_reason = EXCLUDED.blocked_reason,
           computed_at = EXCLUDED.computed_at;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    DELETE FROM ci.consent_state s
     WHERE s.identity_id IN (SELECT unnest(v_ids))
       AND EXISTS (SELECT 1 FROM ci.identity i WHERE i.identity_id = s.identity_id AND i.retired_at IS NOT NULL);
    RETURN v_n;
END;
$$;
COMMENT ON FUNCTION ci.consent_recompute(bigint[]) IS 'recomputes the consent state and subject rows of the given live identities (NULL: all, e.g. after a restore); returns how many identities were written';
REVOKE ALL ON FUNCTION ci.consent_recompute(bigint[]) FROM PUBLIC;

-- Configuration that changes what a country or override means: recompute all.
CREATE FUNCTION ci.consent_config_changed()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM ci.consent_recompute(NULL);
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION ci.consent_config_changed() IS 'trigger: a change to the country map or the jurisdictions recomputes every identity''s consent';
-- Identity resolution moves consent: statement-level triggers (one
-- set-based recomputation per statement, never per row) on the links, the
-- identities (merged_into, retirement) and the records (country, e-mail,
-- phone), so that the state is right in the same transaction that merged,
-- unmerged or moved records.
CREATE FUNCTION ci.consent_follow_links()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_ids  bigint[];
    v_hash boolean := EXISTS (SELECT 1 FROM ci.suppression WHERE contact_hash IS NOT NULL AND lifted_at IS NULL);
BEGIN
    -- Identities not computed yet (no subject) and without any consent fact
    -- are left to ci.refresh_consent(): until then the DEFAULT jurisdiction,
    -- the strictest, answers for them (fail closed).  So with nothing
    -- computed and no consent fact anywhere (a first resolution run on a
    -- new database, which creates every identity) there is nothing to do,
    -- and the statement's identities are not even collected.
    IF NOT EXISTS (SELECT 1 FROM ci.consent_subject) AND NOT EXISTS (SELECT 1 FROM ci.consent_event)
       AND NOT EXISTS (SELECT 1 FROM ci.suppression) AND NOT EXISTS (SELECT 1 FROM ci.consent_jurisdiction_override) THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'identity_link' THEN
        IF TG_OP = 'INSERT' THEN
            SELECT array_agg(DISTINCT identity_id) INTO v_ids FROM new_rows;
        ELSIF TG_OP = 'UPDATE' THEN
            SELECT array_agg(DISTINCT x) INTO v_ids FROM (
                SELECT n.identity_id AS x FROM new_rows n JOIN old_rows o ON o.record_id = n.record_id
                 WHERE n.identity_id <> o.identity_id
                UNION ALL
                SELECT o.identity_id FROM new_rows n JOIN old_rows o ON o.record_id = n.record_id
                 WHERE n.identity_id <> o.identity_id) m;
        ELSE
            SELECT array_agg(DISTINCT identity_id) INTO v_ids FROM old_rows;
        END IF;
    ELSIF TG_TABLE_NAME = 'identity' THEN
        -- merged or retired: the survivor gains the facts, the retired one loses its rows
        SELECT array_agg(DISTINCT x) INTO v_ids FROM (
            SELECT n.identity_id AS x FROM new_rows n JOIN old_rows o ON o.identity_id = n.identity_id
             WHERE (n.merged_into, n.retired_at) IS DISTINCT FROM (o.merged_into, o.retired_at)
            UNION ALL
            SELECT ci.consent_live_identity(n.identity_id) FROM new_rows n JOIN old_rows o ON o.identity_id = n.identity_id
             WHERE n.merged_into IS DISTINCT FROM o.merged_into) m;
    ELSE  -- source_record: country, e-mail or phone changed on linked records
        SELECT array_agg(DISTINCT l.identity_id) INTO v_ids
          FROM new_rows n JOIN old_rows o ON o.record_id = n.record_id
          JOIN ci.identity_link l ON l.record_id = n.record_id
         WHERE (n.country, n.email_norm, n.phone_e164) IS DISTINCT FROM (o.country, o.email_norm, o.phone_e164);
    END IF;
    IF v_ids IS NOT NULL THEN
        -- one set-based pass (joins, no sub-query per identity)
        WITH x AS MATERIALIZED (SELECT DISTINCT unnest(v_ids) AS id)
        SELECT array_agg(DISTINCT k.id) INTO v_ids FROM (
            SELECT s.identity_id FROM x JOIN ci.consent_subject s ON s.identity_id = x.id
            UNION ALL
            SELECT l.identity_id FROM x JOIN ci.identity_link l ON l.identity_id = x.id
              JOIN ci.consent_event e ON e.record_id = l.record_id
            UNION ALL
            SELECT e.identity_id FROM x JOIN ci.consent_event e ON e.identity_id = x.id
            UNION ALL
            SELECT s.identity_id FROM x JOIN ci.suppression s ON s.identity_id = x.id
            UNION ALL
            SELECT o.identity_id FROM x JOIN ci.consent_jurisdiction_override o ON o.identity_id = x.id
            UNION ALL
            SELECT i.merged_into FROM x JOIN ci.identity i ON i.merged_into = x.id
            UNION ALL
            SELECT c.id FROM (
                SELECT x.id, 'email' AS kind, ci.contact_hash('email', r.email_norm) AS h
                  FROM x JOIN ci.identity_link l ON l.identity_id = x.id JOIN ci.source_record r ON r.record_id = l.record_id
                 WHERE v_hash AND r.email_norm IS NOT NULL
                UNION ALL
                SELECT x.id, 'phone', ci.contact_hash('phone', r.phone_e164)
                  FROM x JOIN ci.identity_link l ON l.identity_id = x.id JOIN ci.source_record r ON r.record_id = l.record_id
                 WHERE v_hash AND r.phone_e164 IS NOT NULL) c
              JOIN ci.suppression s ON s.contact_hash = c.h AND s.contact_kind = c.kind AND s.lifted_at IS NULL
        ) k(id);
    END IF;
    IF v_ids IS NOT NULL THEN
        PERFORM ci.consent_recompute(v_ids);
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION ci.consent_follow_links() IS 'trigger: recomputes the consent of identities whose records, links, merges or countries changed (one set-based statement per statement)';

CREATE TRIGGER consent_follow_link_insert AFTER INSERT ON ci.identity_link
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ci.consent_follow_links();
CREATE TRIGGER consent_follow_link_update AFTER UPDATE ON ci.identity_link
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ci.consent_follow_links();
CREATE TRIGGER consent_follow_link_delete AFTER DELETE ON ci.identity_link
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ci.consent_follow_links();
CREATE TRIGGER consent_follow_link_truncate AFTER TRUNCATE ON ci.identity_link
    FOR EACH STATEMENT EXECUTE FUNCTION ci.consent_config_changed();
CREATE TRIGGER consent_follow_identity_update AFTER UPDATE ON ci.identity
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ci.consent_follow_links();
CREATE TRIGGER consent_follow_record_update AFTER UPDATE ON ci.source_record
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ci.consent_follow_links();

CREATE TRIGGER consent_country_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ci.consent_jurisdiction_country
    FOR EACH STATEMENT EXECUTE FUNCTION ci.consent_config_changed();
CREATE TRIGGER consent_jurisdiction_changed AFTER UPDATE OR DELETE ON ci.consent_jurisdiction
    FOR EACH STATEMENT EXECUTE FUNCTION ci.consent_config_changed();

-- On Citus, where the follow triggers on links, identities and records are
-- dropped: what they do, called by scale's member-copy writer
-- (ci.scale_members_sync_records: incremental resolution, unmerge, records
-- reported changed) with the identities whose members changed and the
-- records that moved or changed.  As the triggers, it recomputes only
-- identities consent has something to say about: those already computed
-- (and the identity each was merged into), and those now linked to records
-- that carry consent events or suppressed contact points; the others are
-- left to ci.refresh_consent().  It only rewrites state derived from the
-- ledger and returns nothing, so any role that may write links or records
-- may call it.
CREATE FUNCTION ci.consent_follow(p_identity_ids bigint[], p_record_ids bigint[])
RETURNS void LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_ids  bigint[];
    v_recs bigint[];
    v_more bigint[];
    v_crec  bigint[];
    v_email text[];
    v_phone text[];
    v_hash boolean := EXISTS (SELECT 1 FROM ci.suppression WHERE contact_hash IS NOT NULL AND lifted_at IS NULL);
BEGIN
    SELECT array_agg(s.identity_id) INTO v_ids FROM ci.consent_subject s WHERE s.identity_id = ANY (p_identity_ids);
    SELECT array_agg(ci.consent_live_identity(i)) INTO v_more FROM unnest(v_ids) i;
    v_ids := v_ids || v_more;
    -- records with consent of their own, or with a suppressed contact point
    -- (read by record id: one shard each on Citus, hashed here)
    SELECT array_agg(DISTINCT e.record_id) INTO v_recs
      FROM ci.consent_event e WHERE e.record_id = ANY (p_record_ids);
    IF v_hash THEN
        SELECT array_agg(r.record_id), array_agg(r.email_norm), array_agg(r.phone_e164) INTO v_crec, v_email, v_phone
          FROM ci.source_record r WHERE r.record_id = ANY (p_record_ids);
        SELECT array_agg(r.record_id) INTO v_more
          FROM unnest(v_crec, v_email, v_phone) r(record_id, email_norm, phone_e164)
         WHERE EXISTS (SELECT 1 FROM ci.suppression s
                        WHERE s.lifted_at IS NULL
                          AND ((s.contact_kind = 'email' AND s.contact_hash = ci.contact_hash('email', r.email_norm))
                               OR (s.contact_kind = 'phone' AND s.contact_hash = ci.contact_hash('phone', r.phone_e164))));
        v_recs := v_recs || v_more;
    END IF;
    IF v_recs IS NOT NULL THEN
        SELECT array_agg(l.identity_id) INTO v_more FROM ci.identity_link l WHERE l.record_id = ANY (v_recs);
        v_ids := v_ids || v_more;
    END IF;
    SELECT array_agg(DISTINCT i) INTO v_ids FROM unnest(v_ids) i WHERE i IS NOT NULL;
    IF v_ids IS NOT NULL THEN   -- (NULL would mean "all" to ci.consent_recompute)
        PERFORM ci.consent_recompute(v_ids);
    END IF;
END;
$$;
COMMENT ON FUNCTION ci.consent_follow(bigint[], bigint[]) IS 'recomputes consent after identities'' members changed (Citus, where the follow triggers are dropped: called by ci.scale_members_sync_records); returns nothing (callable by any role that writes links or records: it reveals nothing)';

-- Identities resolved but not computed yet (a first resolution run leaves
-- them to this): computes their consent subjects.  Run it after a bulk
-- resolution run, or every minute from pg_cron; until then such identities
-- are answered by the DEFAULT jurisdiction (fail closed).
CREATE FUNCTION ci.refresh_consent()
RETURNS bigint LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_ids bigint[];
BEGIN
    IF ci.consent_distributed() THEN
        -- the links are distributed: their identities first, then the local check
        SELECT array_agg(d.identity_id) INTO v_ids FROM (SELECT DISTINCT l.identity_id FROM ci.identity_link l) d;
        SELECT array_agg(u.id) INTO v_ids FROM unnest(v_ids) u(id)
         WHERE NOT EXISTS (SELECT 1 FROM ci.consent_subject s WHERE s.identity_id = u.id);
    ELSE
        SELECT array_agg(DISTINCT l.identity_id) INTO v_ids
          FROM ci.identity_link l
         WHERE NOT EXISTS (SELECT 1 FROM ci.consent_subject s WHERE s.identity_id = l.identity_id);
    END IF;
    IF v_ids IS NULL THEN
        RETURN 0;   -- (NULL would mean "all" to ci.consent_recompute)
    END IF;
    RETURN ci.consent_recompute(v_ids);
END;
$$;
COMMENT ON FUNCTION ci.refresh_consent() IS 'computes the consent of resolved identities not computed yet (after a bulk resolution run); returns how many';
REVOKE ALL ON FUNCTION ci.refresh_consent() FROM PUBLIC;

-- Installed by ALTER EXTENSION … UPDATE on resolved identities: their
-- consent subjects are computed now (nothing to do on a fresh install).  No
-- session has cached answers yet: the change notes start empty.
SELECT ci.consent_recompute(NULL);
DELETE FROM ci.consent_change;
