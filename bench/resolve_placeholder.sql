-- Incremental resolution with and without a placeholder: on a database
-- holding bench_src (the generated records, with a row number rn, as in the
-- lead's run of "Incremental resolution meets the full run's blocks",
-- bench/README.md) and ci.source_record resolved once, 200 copies of
-- generated records and 200 more carrying the e-mail none@none.com are
-- resolved one by one with ci.resolve_record; prints p50/p99 of each kind
-- and an md5 of the identities the copies joined; rolled back.
--   psql -X -d DB -v seed=5 -f bench/resolve_placeholder.sql
SET client_min_messages=warning;
BEGIN;
CREATE TEMP TABLE t ON COMMIT DROP AS SELECT * FROM bench_src WHERE rn % 991 = :seed AND email IS NOT NULL LIMIT 200;
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, phone, birth_date, street, city, postcode, country)
SELECT source, 'inc-a-'||rn||'-'||:seed, given_name, family_name, email, phone, birth_date, street, city, postcode, country FROM t;
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, phone, birth_date, street, city, postcode, country)
SELECT source, 'inc-b-'||rn||'-'||:seed, given_name, family_name, 'none@none.com', phone, birth_date, street, city, postcode, country FROM t;
DO $$
DECLARE rr record; t0 timestamptz; d float8; a float8[] := '{}'; b float8[] := '{}'; ida bigint[] := '{}'; idb bigint[] := '{}';
BEGIN
  FOR rr IN SELECT record_id, source_key FROM ci.source_record WHERE source_key LIKE 'inc-%' ORDER BY record_id LOOP
    t0 := clock_timestamp();
    PERFORM ci.resolve_record(rr.record_id);
    d := 1000 * extract(epoch FROM clock_timestamp() - t0);
    IF rr.source_key LIKE 'inc-a-%' THEN a := a || d; ELSE b := b || d; END IF;
  END LOOP;
  RAISE WARNING 'normal: p50 % p99 % ms; placeholder: p50 % p99 % ms; links md5 %',
    (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(a) x)::numeric(8,2),
    (SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY x) FROM unnest(a) x)::numeric(8,2),
    (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(b) x)::numeric(8,2),
    (SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY x) FROM unnest(b) x)::numeric(8,2),
    (SELECT md5(string_agg(r.source_key || ':' || (SELECT string_agg(r2.source_key, ',' ORDER BY r2.source_key) FROM ci.identity_link l2 JOIN ci.source_record r2 USING (record_id) WHERE l2.identity_id = l.identity_id AND r2.source_key NOT LIKE 'inc-%'), ';' ORDER BY r.source_key))
       FROM ci.source_record r JOIN ci.identity_link l USING (record_id) WHERE r.source_key LIKE 'inc-%');
END $$;
ROLLBACK;
