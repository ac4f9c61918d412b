-- Maintenance events (ci.audit_event) are sealed into the chain like any
-- row: a retention run's summary and a direct event, then seal and verify.
\set SHOW_CONTEXT never
SELECT ci.audit_event('maintenance.test', '{"note": "sealed like any row"}');
CALL ci.run_retention();
SELECT new ->> 'event' AS event, jsonb_typeof(new -> 'details' -> 'run_id') AS run_id, new -> 'details' -> 'steps' AS steps
FROM ci.audit_log WHERE operation = 'EVENT' AND new ->> 'event' = 'retention_run'
ORDER BY id DESC LIMIT 1;
SELECT ci.audit_seal() > 0 AS sealed_some;
SELECT count(*) AS sealed_events
FROM ci.audit_log l JOIN ci.audit_seal s ON s.txid = l.txid AND s.log_id = l.id
WHERE l.operation = 'EVENT' AND l.new ->> 'event' IN ('maintenance.test', 'retention_run');
SELECT status FROM ci.audit_verify() WHERE status <> 'redacted';
-- an event is append-only like every row
UPDATE ci.audit_log SET new = '{}' WHERE operation = 'EVENT';
DELETE FROM ci.audit_log WHERE operation = 'EVENT';
