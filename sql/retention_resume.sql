-- Retention: a cancelled purge loses nothing that should stay and resumes
-- where it stopped; a partitioned table loses whole expired partitions.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- Tests share one database: start from empty canonical and retention tables.
TRUNCATE ci.source_record, ci.identity, ci.identity_link, ci.identity_event, ci.golden_profile,
         ci.golden_override, ci.golden_dirty, ci.match_decision, ci.match_review,
         ci.retention_run, ci.retention_run_step, ci.legal_hold, ci.erasure_certificate, ci.erasure_request,
         ci.access_request, ci.retention_policy, ci.retention_policy_version RESTART IDENTITY CASCADE;
DELETE FROM ci.retention_table WHERE NOT shipped;

-- Rows of ~2 kB: three to a block, so a purge spans many batches.
CREATE TABLE event_log (event_id bigint PRIMARY KEY, identity_id bigint, at timestamptz, pad text);
ALTER TABLE event_log ALTER pad SET STORAGE PLAIN;   -- not compressed: the rows really take the space
SELECT ci.register_table('event_log', 'identity_id', time_column => 'at', category => 'events');
SELECT ci.create_retention_policy('1 year', table_name => 'event_log');
INSERT INTO event_log SELECT g, g % 7, now() - interval '2 years', repeat('x', 2000) FROM generate_series(1, 300) g;
INSERT INTO event_log SELECT g, g % 7, now() - interval '1 month', repeat('x', 2000) FROM generate_series(301, 330) g;

-- Deleting event 200 takes five seconds: the statement timeout cancels the run there.
CREATE FUNCTION slow_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.event_id = 200 THEN PERFORM pg_sleep(5); END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER slow BEFORE DELETE ON event_log FOR EACH ROW EXECUTE FUNCTION slow_delete();
SET statement_timeout = '2s';
\set VERBOSITY terse
CALL ci.run_retention(batch_rows => 10);
\set VERBOSITY default
RESET statement_timeout;

-- What committed is gone, event 200's batch rolled back whole, nothing recent went.
SELECT count(*) FILTER (WHERE at < now() - interval '1 year') > 0 AS expired_left,
       count(*) FILTER (WHERE event_id = 200) AS event_200,
       count(*) FILTER (WHERE at > now() - interval '1 year') AS recent
  FROM event_log;
SELECT status, finished_at IS NULL AS open FROM ci.retention_run;
SELECT next_block > 0 AS progressed, rows_deleted > 0 AS deleted_some, status FROM ci.retention_run_step;
-- The progress row agrees with the table: nothing counted that is not gone.
SELECT (SELECT rows_deleted FROM ci.retention_run_step) = 300 - (SELECT count(*) FROM event_log WHERE at < now() - interval '1 year') AS consistent;

-- The next call resumes the same run and finishes it.
DROP TRIGGER slow ON event_log;
CALL ci.run_retention(batch_rows => 10);
SELECT run_id, status, resumed FROM ci.retention_run;
SELECT rows_deleted, status FROM ci.retention_run_step;
SELECT count(*) AS left_rows, min(at) > now() - interval '1 year' AS all_recent FROM event_log;

-- max_runtime pauses a run; the next call resumes it.
INSERT INTO event_log SELECT g, 1, now() - interval '2 years', repeat('x', 2000) FROM generate_series(1000, 1100) g;
CALL ci.run_retention(batch_rows => 3, max_runtime => '0 seconds');
SELECT status FROM ci.retention_run WHERE run_id = 2;
CALL ci.run_retention(batch_rows => 3);
SELECT status, resumed FROM ci.retention_run WHERE run_id = 2;
SELECT count(*) FROM event_log WHERE at < now() - interval '1 year';

-- A table partitioned by month: expired, hold-free partitions go whole;
-- the one straddling the window, and one with a held row, row by row.
CREATE TABLE order_line (order_id bigint, identity_id bigint, placed_at timestamptz NOT NULL, amount numeric)
    PARTITION BY RANGE (placed_at);
CREATE TABLE order_line_old1 PARTITION OF order_line FOR VALUES FROM (now() - interval '40 months') TO (now() - interval '30 months');
CREATE TABLE order_line_old2 PARTITION OF order_line FOR VALUES FROM (now() - interval '30 months') TO (now() - interval '20 months');
CREATE TABLE order_line_mid PARTITION OF order_line FOR VALUES FROM (now() - interval '20 months') TO (now() - interval '6 months');
CREATE TABLE order_line_new PARTITION OF order_line FOR VALUES FROM (now() - interval '6 months') TO (now() + interval '1 year');
SELECT ci.register_table('order_line', 'identity_id', time_column => 'placed_at', category => 'orders');
SELECT ci.create_retention_policy('1 year', table_name => 'order_line');
INSERT INTO ci.identity (identity_id) OVERRIDING SYSTEM VALUE VALUES (42);
INSERT INTO order_line SELECT g, CASE WHEN g = 5 THEN 42 ELSE g END, now() - make_interval(months => m), 10
  FROM (VALUES (1, 35), (2, 34), (3, 25), (4, 24), (5, 24), (6, 15), (7, 8), (8, 2)) v(g, m);
SELECT ci.place_legal_hold('audit of customer 42', identity_id => 42);
SELECT jurisdiction, expired, held, to_purge FROM ci.retention_dry_run() WHERE table_name = 'order_line'::regclass;
CALL ci.run_retention();
SELECT leaf_name, kind, rows_deleted, partitions_removed, step_status, note FROM ci.retention_run_report
 WHERE run_id = (SELECT max(run_id) FROM ci.retention_run) AND table_name = 'order_line'::regclass ORDER BY leaf_name, kind;
SELECT tableoid::regclass AS partition, order_id, identity_id FROM order_line ORDER BY order_id;
SELECT relname FROM pg_class WHERE relname LIKE 'order_line_%' AND relkind = 'r' ORDER BY 1;

-- Leave the shared database as found.
DELETE FROM ci.retention_policy;
DELETE FROM ci.retention_table WHERE NOT shipped;
DROP TABLE event_log, order_line;
