-- Reviewer queries: one call each.

CREATE FUNCTION ci.audit_history(tbl regclass, VARIADIC key_values text[])
RETURNS SETOF ci.audit_log
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
    SELECT l.* FROM ci.audit_log l
    WHERE l.record_key = ci.audit_record_key(tbl, VARIADIC key_values)
    ORDER BY l.txid, l.id
$$;
COMMENT ON FUNCTION ci.audit_history(regclass, text[]) IS
    'Every audit row of one record (by its primary-key values), oldest first; unaffected by renames';

CREATE FUNCTION ci.audit_activity(who name, since timestamptz, until timestamptz DEFAULT 'infinity')
RETURNS SETOF ci.audit_log
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
    SELECT l.* FROM ci.audit_log l
    WHERE (l.actor = who OR l.session_actor = who)
      AND l.stmt_time >= since AND l.stmt_time < until
    ORDER BY l.stmt_time, l.id
$$;
COMMENT ON FUNCTION ci.audit_activity(name, timestamptz, timestamptz) IS
    'Everything a role changed or read (as current or session user) in a period';

CREATE FUNCTION ci.audit_as_of(tbl regclass, at timestamptz, VARIADIC key_values text[])
RETURNS jsonb
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
    state jsonb;
BEGIN
    -- Replays the record's changes up to the time: an INSERT sets the whole
    -- row, an UPDATE overwrites the changed columns, a DELETE removes it.
    -- Columns the audit excludes never appear; PII columns appear masked.
    FOR r IN SELECT l.operation, l.new FROM ci.audit_history(tbl, VARIADIC key_values) l
             WHERE l.stmt_time <= at AND l.operation IN ('INSERT', 'UPDATE', 'DELETE')
             ORDER BY l.stmt_time, l.txid, l.id
    LOOP
        state := CASE r.operation WHEN 'INSERT' THEN r.new
                                  WHEN 'UPDATE' THEN coalesce(state, '{}') || r.new
                                  ELSE NULL END;
    END LOOP;
    RETURN state;
END
$$;
COMMENT ON FUNCTION ci.audit_as_of(regclass, timestamptz, text[]) IS
    'A record''s logged state as of a time, replayed from its audit rows; NULL if it did not exist then';
