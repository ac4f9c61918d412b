-- Legal holds: a hard stop for purges and erasure.  A hold names a customer
-- (an identity), one source record, a whole table, or the rows of a table a
-- predicate selects; it has a reason, who placed it and an optional end.
-- While active (not released, end not reached) nothing it covers is purged,
-- anonymised or erased, whatever the policies say.
--
-- Holds are conservative: a hold on an identity covers the identities merged
-- into it or it into, and every source record linked to them; a hold on a
-- record covers the identity it is linked to as well.  A predicate covers
-- a row unless it is FALSE for it (NULL holds).

CREATE TABLE ci.legal_hold (
    hold_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    identity_id  bigint,
    record_id    bigint,
    table_name   regclass,
    predicate    text,
    reason       text NOT NULL CHECK (btrim(reason) <> ''),
    held_by      text NOT NULL DEFAULT session_user,
    placed_at    timestamptz NOT NULL DEFAULT now(),
    held_until   timestamptz,
    released_at  timestamptz,
    released_by  text,
    release_note text,
    CHECK (num_nonnulls(identity_id, record_id, table_name) = 1),
    CHECK (predicate IS NULL OR table_name IS NOT NULL),
    CHECK (held_until IS NULL OR held_until > placed_at),
    CHECK ((released_at IS NULL) = (released_by IS NULL))
);
CREATE INDEX legal_hold_identity_idx ON ci.legal_hold (identity_id) WHERE identity_id IS NOT NULL;
CREATE INDEX legal_hold_record_idx ON ci.legal_hold (record_id) WHERE record_id IS NOT NULL;
COMMENT ON TABLE ci.legal_hold IS 'Legal holds on a customer, a source record, a table or a predicate over a table; nothing they cover is purged or erased while active';
SELECT pg_catalog.pg_extension_config_dump('ci.legal_hold', '');
SELECT pg_catalog.pg_extension_config_dump('ci.legal_hold_hold_id_seq', '');

CREATE VIEW ci.legal_hold_active AS
SELECT * FROM ci.legal_hold
 WHERE released_at IS NULL AND (held_until IS NULL OR held_until > now());
COMMENT ON VIEW ci.legal_hold_active IS 'holds in force now';

-- Erasure and holds walk merges both ways: from an identity to those merged
-- into it needs this index (ci.identity has none on merged_into; consent,
-- which also follows merges, makes the same one: whichever comes first).
CREATE INDEX IF NOT EXISTS identity_merged_into_idx ON ci.identity (merged_into) WHERE merged_into IS NOT NULL;

-- Every identity merged, directly or not, into or from the given ones:
-- all ids that are, or were, the same customer.
-- By rounds (up the merges, then down), one set of ids per statement:
-- Citus plans these over the distributed ci.identity, not a recursive query.
CREATE FUNCTION ci.identity_family(p_identity_ids bigint[])
RETURNS bigint[] LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_seen  bigint[] := ARRAY(SELECT DISTINCT u FROM unnest(p_identity_ids) u WHERE u IS NOT NULL);
    v_front bigint[] := v_seen;
BEGIN
    FOR depth IN 1 .. 1000 LOOP
        SELECT array_agg(x.id) INTO v_front
          FROM (SELECT DISTINCT i.merged_into AS id FROM ci.identity i
                 WHERE i.identity_id = ANY (v_front) AND i.merged_into IS NOT NULL
                   AND NOT i.merged_into = ANY (v_seen)) x;
        EXIT WHEN v_front IS NULL;
        v_seen := v_seen || v_front;
    END LOOP;
    v_front := v_seen;
    FOR depth IN 1 .. 1000 LOOP
        SELECT array_agg(i.identity_id) INTO v_front
          FROM ci.identity i
         WHERE i.merged_into = ANY (v_front) AND NOT i.identity_id = ANY (v_seen);
        EXIT WHEN v_front IS NULL;
        v_seen := v_seen || v_front;
    END LOOP;
    -- a NULL given stays in the answer, as it did
    IF array_position(p_identity_ids, NULL) IS NOT NULL THEN
        v_seen := v_seen || NULL::bigint;
    END IF;
    RETURN ARRAY(SELECT DISTINCT u FROM unnest(v_seen) u ORDER BY u);
END
$$;
COMMENT ON FUNCTION ci.identity_family(bigint[]) IS 'the given identities with every identity merged into or from them (the ids one customer has had)';

-- What the active holds cover, as ids: the purge and erasure anti-join these.
CREATE VIEW ci.held_identity AS
WITH direct AS (
    SELECT h.hold_id, h.identity_id FROM ci.legal_hold_active h WHERE h.identity_id IS NOT NULL
    UNION ALL
    SELECT h.hold_id, l.identity_id FROM ci.legal_hold_active h JOIN ci.identity_link l ON l.record_id = h.record_id
)
SELECT DISTINCT d.hold_id, f.identity_id
  FROM direct d CROSS JOIN LATERAL unnest(ci.identity_family(ARRAY[d.identity_id])) f(identity_id);
COMMENT ON VIEW ci.held_identity IS 'identities an active hold covers (with the identities merged into or from them), and which hold';

CREATE VIEW ci.held_record AS
SELECT h.hold_id, h.record_id FROM ci.legal_hold_active h WHERE h.record_id IS NOT NULL
UNION
SELECT hi.hold_id, l.record_id FROM ci.held_identity hi JOIN ci.identity_link l ON l.identity_id = hi.identity_id;
COMMENT ON VIEW ci.held_record IS 'source records an active hold covers, and which hold';

-- A predicate is an SQL boolean expression over the table's columns, run
-- by purges and erasure: only table owners and administrators place holds.
CREATE FUNCTION ci.legal_hold_check_predicate(p_table regclass, p_predicate text)
RETURNS void LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_predicate ~ '(;|--|/\*)' THEN
        RAISE EXCEPTION 'a hold predicate must be one expression without ";" or comments'
            USING ERRCODE = 'syntax_error', HINT = 'Example: status = ''disputed'' AND opened_at < ''2024-01-01''';
    END IF;
    BEGIN
        EXECUTE format('SELECT ((%s))::boolean FROM %s AS t LIMIT 0', p_predicate, p_table);
    EXCEPTION WHEN OTHERS THEN
        RAISE EXCEPTION 'invalid hold predicate on %: %', p_table, SQLERRM
            USING ERRCODE = 'syntax_error', HINT = 'Give a boolean expression over the table''s columns.';
    END;
END;
$$;
COMMENT ON FUNCTION ci.legal_hold_check_predicate(regclass, text) IS 'internal: raises 42601 unless the predicate is one boolean expression over the table';

CREATE FUNCTION ci.place_legal_hold(
    reason      text,
    identity_id bigint DEFAULT NULL,
    record_id   bigint DEFAULT NULL,
    table_name  regclass DEFAULT NULL,
    predicate   text DEFAULT NULL,
    held_until  timestamptz DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v bigint;
BEGIN
    IF reason IS NULL OR btrim(reason) = '' THEN
        RAISE EXCEPTION 'a legal hold needs a reason' USING ERRCODE = 'null_value_not_allowed',
              HINT = 'Name the matter, e.g. ''litigation 2026-117''.';
    END IF;
    IF num_nonnulls(place_legal_hold.identity_id, place_legal_hold.record_id, place_legal_hold.table_name) <> 1 THEN
        RAISE EXCEPTION 'give exactly one of identity_id, record_id and table_name'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'A predicate goes with table_name.';
    END IF;
    IF predicate IS NOT NULL AND place_legal_hold.table_name IS NULL THEN
        RAISE EXCEPTION 'a hold predicate needs table_name' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF held_until IS NOT NULL AND held_until <= now() THEN
        RAISE EXCEPTION 'held_until % is not in the future', held_until
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Leave it NULL for a hold until released.';
    END IF;
    IF place_legal_hold.identity_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM ci.identity i WHERE i.identity_id = place_legal_hold.identity_id) THEN
        RAISE EXCEPTION 'identity % does not exist', place_legal_hold.identity_id USING ERRCODE = 'no_data_found';
    END IF;
    IF place_legal_hold.record_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM ci.source_record r WHERE r.record_id = place_legal_hold.record_id) THEN
        RAISE EXCEPTION 'source record % does not exist', place_legal_hold.record_id USING ERRCODE = 'no_data_found';
    END IF;
    IF place_legal_hold.table_name IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM ci.retention_table r WHERE r.table_name = place_legal_hold.table_name) THEN
            RAISE EXCEPTION 'table % is not registered', place_legal_hold.table_name
                USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Register it first with ci.register_table.';
        END IF;
        IF predicate IS NOT NULL THEN
            PERFORM ci.legal_hold_check_predicate(place_legal_hold.table_name, predicate);
        END IF;
    END IF;
    INSERT INTO ci.legal_hold (identity_id, record_id, table_name, predicate, reason, held_until)
    VALUES (place_legal_hold.identity_id, place_legal_hold.record_id, place_legal_hold.table_name, predicate,
            reason, held_until)
    RETURNING hold_id INTO v;
    RETURN v;
END;
$$;
COMMENT ON FUNCTION ci.place_legal_hold(text, bigint, bigint, regclass, text, timestamptz) IS
'places a legal hold on an identity, a source record, a registered table or the rows of one a predicate selects, until held_until (NULL: until released); returns its id';

CREATE FUNCTION ci.release_legal_hold(hold_id bigint, note text DEFAULT NULL)
RETURNS boolean LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE ci.legal_hold h SET released_at = now(), released_by = session_user, release_note = note
     WHERE h.hold_id = release_legal_hold.hold_id AND h.released_at IS NULL;
    RETURN FOUND;
END;
$$;
COMMENT ON FUNCTION ci.release_legal_hold(bigint, text) IS 'releases a legal hold (it stays on record); returns false when it was not active';

-- A policy shorter than a hold is allowed: the hold wins.  Say so when the
-- policy is written, so nobody expects those rows to go.
CREATE FUNCTION ci.retention_policy_warn_holds(p_policy_id bigint)
RETURNS void LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v text;
BEGIN
    SELECT string_agg(format('hold %s (%s, %s)', h.hold_id, coalesce(h.table_name::text, 'customer'),
                             coalesce('until ' || h.held_until::text, 'until released')), '; ' ORDER BY h.hold_id)
      INTO v
      FROM ci.legal_hold_active h, ci.retention_policy p
      JOIN ci.retention_table t ON t.table_name = p.table_name OR t.category = p.category
     WHERE p.policy_id = p_policy_id AND (h.table_name IS NULL OR h.table_name = t.table_name);
    IF v IS NOT NULL THEN
        RAISE NOTICE 'legal holds keep rows this policy would remove: %', v
            USING HINT = 'A hold wins over any policy; ci.retention_dry_run() shows what each keeps.';
    END IF;
END;
$$;
COMMENT ON FUNCTION ci.retention_policy_warn_holds(bigint) IS 'internal: a NOTICE listing the active holds that keep rows a policy would remove';
