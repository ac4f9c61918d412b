-- Erasure of one customer on a database of :records source records
-- (2 records per identity, golden profiles for all, a user table of orders
-- by identity): the median and worst of 20 erasures.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
TRUNCATE ci.source_record, ci.identity, ci.identity_link, ci.identity_event, ci.golden_profile, ci.golden_dirty,
         ci.erasure_request, ci.erasure_certificate RESTART IDENTITY CASCADE;
INSERT INTO ci.source_record (record_id, source, source_key, given_name, family_name, email, phone, country)
OVERRIDING SYSTEM VALUE
SELECT g, CASE WHEN g % 2 = 0 THEN 'crm' ELSE 'web' END, 'k' || g, 'Given' || (g / 2), 'Family' || (g / 2),
       'person' || (g / 2) || '@example.com', '+4420794' || lpad(((g / 2) % 100000)::text, 5, '0'), 'GB'
  FROM generate_series(1, :records) g;
INSERT INTO ci.identity (identity_id) OVERRIDING SYSTEM VALUE SELECT g FROM generate_series(0, :records / 2) g;
ALTER TABLE ci.identity_link DISABLE TRIGGER golden_queue_link_insert;
INSERT INTO ci.identity_link (record_id, identity_id, rule) SELECT g, g / 2, 'bench' FROM generate_series(1, :records) g;
ALTER TABLE ci.identity_link ENABLE TRIGGER golden_queue_link_insert;
INSERT INTO ci.golden_profile (identity_id, given_name, email, record_count) SELECT g, 'Given' || g, 'person' || g || '@example.com', 2
  FROM generate_series(0, :records / 2) g;
-- the purge benchmark's tables are not part of this one
DELETE FROM ci.retention_policy; DELETE FROM ci.retention_table WHERE NOT shipped;
DROP TABLE IF EXISTS bench_order;
CREATE TABLE bench_order (order_id bigint PRIMARY KEY, identity_id bigint, amount numeric, placed_at timestamptz DEFAULT now());
INSERT INTO bench_order SELECT g, g % (:records / 2), 10 FROM generate_series(1, :records) g;
CREATE INDEX ON bench_order (identity_id);
SELECT FROM ci.register_table('bench_order', 'identity_id', time_column => 'placed_at', category => 'orders');
SELECT set_config('bench.identities', (:records / 2)::text, false);
VACUUM ANALYZE ci.source_record, ci.identity, ci.identity_link, ci.golden_profile, bench_order;

CREATE TEMP TABLE erasure_ms (ms float8);
DO $$
DECLARE
    t0 timestamptz; r bigint;
BEGIN
    FOR i IN 1 .. 20 LOOP
        r := ci.request_erasure(1 + (i * 7919) % current_setting('bench.identities')::bigint, 'GDPR');
        t0 := clock_timestamp();
        PERFORM ci.process_erasure(r);
        INSERT INTO erasure_ms VALUES (extract(epoch FROM clock_timestamp() - t0) * 1000);
    END LOOP;
END $$;
SELECT format('erasure of one customer (%s source records): median %s ms, worst %s ms over %s',
              (SELECT count(*) FROM ci.source_record),
              round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1), round(max(ms)::numeric, 1), count(*))
  FROM erasure_ms;
SELECT format('verification of one erasure: %s ms', round((extract(epoch FROM clock_timestamp() - s.t) * 1000)::numeric, 1))
  FROM (SELECT clock_timestamp() AS t) s, LATERAL (SELECT count(*) FROM ci.verify_erasure((SELECT max(request_id) FROM ci.erasure_request))) v;
