-- What one record key per audit row costs to index, and whether batching the
-- keys of a statement into one row with a GIN index would cost less (the
-- "one log row per statement batch" design for the audit log).  Backend CPU
-- of inserting :rows order-preserving uuid keys (like ci.audit_record_key of
-- an integer key): as :rows rows under a btree, and as rows of 1,000-key
-- arrays under GIN, with fastupdate (the pending list, cleaned in the same
-- run) and without.  No extension needed; a superuser reads /proc.
--   psql -X -q -v rows=200000 -v rounds=3 -f bench/audit_index.sql
\set ON_ERROR_STOP 1
\if :{?rows}
\else
\set rows 200000
\endif
\if :{?rounds}
\else
\set rounds 3
\endif
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS bench_index CASCADE;
CREATE SCHEMA bench_index;
CREATE FUNCTION bench_index.cpu_ms() RETURNS numeric LANGUAGE sql AS $$
    SELECT (f[12]::numeric + f[13]::numeric) * 10
    FROM (SELECT string_to_array(split_part(pg_read_file('/proc/' || pg_backend_pid() || '/stat'), ') ', 2), ' ') AS f) s
$$;
CREATE FUNCTION bench_index.k(g bigint) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
    SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(g), 12, '0'))::uuid
$$;
CREATE TABLE bench_index.result (variant text, round int, cpu_ms numeric);

CREATE FUNCTION bench_index.run(variant text, round int, nrows int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE c0 numeric; base bigint := round::bigint * 100000000;
BEGIN
    DROP TABLE IF EXISTS bench_index.t;
    IF variant IN ('keys, no index', 'keys, btree') THEN
        CREATE TABLE bench_index.t (k uuid);
        IF variant = 'keys, btree' THEN CREATE INDEX ON bench_index.t (k); END IF;
        c0 := bench_index.cpu_ms();
        INSERT INTO bench_index.t SELECT bench_index.k(base + g) FROM generate_series(1, nrows) g;
    ELSE
        CREATE TABLE bench_index.t (k uuid[]);
        IF variant = 'arrays, gin' THEN
            CREATE INDEX t_k_idx ON bench_index.t USING gin (k);
        ELSIF variant = 'arrays, gin, fastupdate off' THEN
            CREATE INDEX t_k_idx ON bench_index.t USING gin (k) WITH (fastupdate = off);
        END IF;
        c0 := bench_index.cpu_ms();
        INSERT INTO bench_index.t
        SELECT array_agg(bench_index.k(base + g) ORDER BY g) FROM generate_series(1, nrows) g GROUP BY g / 1000;
        IF variant = 'arrays, gin' THEN
            PERFORM gin_clean_pending_list('bench_index.t_k_idx');
        END IF;
    END IF;
    INSERT INTO bench_index.result VALUES (variant, round, bench_index.cpu_ms() - c0);
END $$;

\o /dev/null
SELECT format('SELECT bench_index.run(%L, %s, %s);', v, r, :rows)
FROM generate_series(1, :rounds) r,
     unnest(ARRAY['keys, no index', 'keys, btree', 'arrays, no index', 'arrays, gin',
                  'arrays, gin, fastupdate off']) WITH ORDINALITY u(v, o)
ORDER BY r, o \gexec
\o

\echo '== indexing' :rows 'keys: backend CPU ms, best of' :rounds 'rounds; index = variant minus its no-index run =='
WITH best AS (SELECT variant, min(cpu_ms) AS ms, string_agg(cpu_ms::text, ' ' ORDER BY round) AS rounds
              FROM bench_index.result GROUP BY variant)
SELECT b.variant, b.ms AS cpu_ms, b.rounds,
       b.ms - CASE WHEN b.variant LIKE 'keys%' THEN k.ms ELSE a.ms END AS index_ms
FROM best b, best k, best a
WHERE k.variant = 'keys, no index' AND a.variant = 'arrays, no index'
ORDER BY b.variant;
DROP SCHEMA bench_index CASCADE;
