-- One round of bench/citus_retention.sql: reload both tables, purge each.
TRUNCATE bench_rt_local;
TRUNCATE bench_rt_dist;
INSERT INTO bench_rt_local
SELECT g, g % 50000 + 1, CASE WHEN g % 2 = 0 THEN 'GDPR' END, now() - make_interval(days => g % 730), repeat('x', 60)
  FROM generate_series(1, :n_records) g;
INSERT INTO bench_rt_dist SELECT * FROM bench_rt_local;
VACUUM ANALYZE bench_rt_local;
VACUUM ANALYZE bench_rt_dist;
SELECT CASE WHEN :round % 2 = 1 THEN 'bench_rt_local' ELSE 'bench_rt_dist' END AS first,
       CASE WHEN :round % 2 = 1 THEN 'bench_rt_dist' ELSE 'bench_rt_local' END AS second \gset
\set tbl :first
\ir citus_retention_one.sql
\set tbl :second
\ir citus_retention_one.sql
