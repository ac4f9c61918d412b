-- One timed purge of bench/citus_retention.sql: :tbl alone (the other table under a hold).
SELECT ci.place_legal_hold('bench: other table', table_name => t) AS other_hold
  FROM unnest(ARRAY['bench_rt_local', 'bench_rt_dist']::regclass[]) t WHERE t <> :'tbl'::regclass \gset
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
CALL ci.run_retention(batch_rows => 10000, erasures => false);
SELECT extract(epoch FROM clock_timestamp()) AS t1 \gset
SELECT ci.release_legal_hold(:other_hold) AS released \gset
INSERT INTO bench_rt_time
SELECT :round, CASE WHEN :'tbl' = 'bench_rt_local' THEN 'local' ELSE 'distributed' END, :t1 - :t0,
       (SELECT sum(rows_deleted) FROM ci.retention_run_report
         WHERE run_id = (SELECT max(run_id) FROM ci.retention_run) AND table_name = :'tbl'::regclass);
