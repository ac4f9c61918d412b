-- Dashboards: what is past its window, held or due, and how close each
-- open privacy request is to its deadline.

CREATE VIEW ci.retention_overview AS
SELECT d.*, t.category
  FROM ci.retention_dry_run() d
  JOIN ci.retention_table t USING (table_name);
COMMENT ON VIEW ci.retention_overview IS 'per registered table and effective policy: rows past the window, kept by holds, to purge, and expiring within 30 days (counts rows: run it on a schedule, not in a hot loop)';

CREATE VIEW ci.privacy_request_queue AS
SELECT 'erasure'::text AS kind, request_id, identity_id, jurisdiction, received_at, deadline, status,
       deadline - now() AS time_left, now() > deadline AS overdue,
       CASE WHEN now() > deadline THEN 'overdue'
            WHEN deadline - now() < interval '7 days' THEN 'due within 7 days'
            ELSE 'on time' END AS escalation
  FROM ci.erasure_request WHERE status IN ('pending', 'held')
UNION ALL
SELECT 'access', request_id, identity_id, jurisdiction, received_at, deadline, status,
       deadline - now(), now() > deadline,
       CASE WHEN now() > deadline THEN 'overdue'
            WHEN deadline - now() < interval '7 days' THEN 'due within 7 days'
            ELSE 'on time' END
  FROM ci.access_request WHERE status = 'open';
COMMENT ON VIEW ci.privacy_request_queue IS 'open erasure and access requests, nearest deadline first when ordered by deadline, with time left and an escalation level';

CREATE VIEW ci.retention_run_report AS
SELECT r.run_id, r.started_at, r.finished_at, r.status, s.table_name, s.leaf_name, s.kind, s.policy_id, s.policy_version,
       s.jurisdiction, s.action, s.cutoff, s.rows_deleted, s.rows_anonymised, s.partitions_removed, s.batches, s.status AS step_status, s.note
  FROM ci.retention_run r JOIN ci.retention_run_step s USING (run_id);
COMMENT ON VIEW ci.retention_run_report IS 'what each retention run did, per table, partition and policy version';
