-- 0.1.0 -> 0.2.0, issue 9 (scale-out on Citus): steward decisions write their
-- actor and time as values, not in DO UPDATE SET (which Citus refuses to
-- evaluate); same result on one node.

CREATE OR REPLACE FUNCTION ci.decide_match(record_a bigint, record_b bigint, decision text, note text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
    IF decide_match.record_a IS NULL OR decide_match.record_b IS NULL OR decide_match.decision IS NULL THEN
        RAISE EXCEPTION 'record ids and decision must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF decide_match.record_a = decide_match.record_b THEN
        RAISE EXCEPTION 'a record cannot be decided against itself' USING ERRCODE = '22023';
    END IF;
    IF decide_match.decision NOT IN ('link', 'no_link') THEN
        RAISE EXCEPTION 'unknown decision "%"', decide_match.decision USING ERRCODE = '22023',
            HINT = 'Use link or no_link.';
    END IF;
    -- actor and time as values (Citus evaluates nothing in DO UPDATE SET)
    INSERT INTO ci.match_decision AS d (record_a, record_b, decision, note, actor, decided_at)
    VALUES (least(decide_match.record_a, decide_match.record_b), greatest(decide_match.record_a, decide_match.record_b),
            decide_match.decision, decide_match.note, current_user, now())
    ON CONFLICT (record_a, record_b) DO UPDATE
        SET decision = excluded.decision, note = excluded.note, actor = excluded.actor, decided_at = excluded.decided_at;
    DELETE FROM ci.match_review r
    WHERE r.record_a = least(decide_match.record_a, decide_match.record_b)
      AND r.record_b = greatest(decide_match.record_a, decide_match.record_b);
END
$$;
COMMENT ON FUNCTION ci.decide_match(bigint, bigint, text, text) IS
'A data steward forces two records to be linked (link) or kept apart (no_link); every later run and incremental resolution honours it, and the pair leaves the review queue';

