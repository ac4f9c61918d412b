-- A survivorship rule's parameters belong to the kind (or tie-break) that
-- reads them; a misplaced one is refused (23514), also when tie_break is
-- NULL (a CHECK written "tie_break = x" is NULL then, and NULL passes).
SET client_min_messages = warning;
BEGIN;
CREATE FUNCTION pg_temp.try(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE p_sql;
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || (SELECT conname FROM pg_constraint
                                WHERE conrelid = 'ci.survivorship_rule'::regclass AND SQLERRM LIKE '%' || conname || '%');
END;
$$;
SELECT k AS kind, t AS tie_break, p AS parameter,
       pg_temp.try(format('INSERT INTO ci.survivorship_rule (attribute, priority, kind, tie_break, %s) VALUES (%L, %s, %L, %L, %s)',
                          p, 'given_name', 900 + n, k, t,
                          CASE p WHEN 'sources' THEN '''{crm}''::text[]' WHEN 'order_by' THEN '''record_id'''
                                 WHEN 'descending' THEN 'true' ELSE '''30 days''::interval' END)) AS outcome
  FROM (SELECT c.*, row_number() OVER () AS n FROM (VALUES ('longest', NULL, 'half_life'), ('most_recent', NULL, 'half_life'), ('most_recent', NULL, 'order_by'),
               ('most_recent', NULL, 'descending'), ('most_recent', NULL, 'sources'), ('longest', NULL, 'sources'),
               ('trust_recency', NULL, 'sources'), ('most_frequent', 'longest', 'half_life'),
               ('most_frequent', 'longest', 'sources'), ('most_frequent', 'most_recent', 'order_by'),
               -- where they belong
               ('trust_recency', NULL, 'half_life'), ('most_frequent', 'trust_recency', 'half_life'),
               ('source_priority', NULL, 'sources'), ('most_frequent', 'source_priority', 'sources'),
               ('first_non_null', NULL, 'order_by'), ('first_non_null', NULL, 'descending'),
               ('most_frequent', 'first_non_null', 'order_by')) AS c(k, t, p)) c
 ORDER BY n;
ROLLBACK;
