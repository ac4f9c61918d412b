-- Audit trigger benchmark: INSERT of :rows rows, then UPDATE of all of them,
-- on the same table, with no trigger, with ci.audit, with ci.audit masking a
-- PII column, and with the classic PL/pgSQL jsonb audit trigger.  Each case
-- runs :rounds times on a fresh table; the best time counts.  Two more cases
-- split ci.audit's cost (the "where the time goes" table): statement
-- triggers that only make PostgreSQL keep the transition tables (the floor
-- of any transition-table audit), and ci.audit with the log's record_key
-- index dropped for the round.  Then sealing and verification throughput
-- over everything logged.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS customer_intel CASCADE;
CREATE EXTENSION customer_intel;
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;

-- The classic form: a row-level PL/pgSQL trigger writing to_jsonb of OLD and NEW.
CREATE TABLE bench.classic_log (
    id bigserial PRIMARY KEY, table_name text NOT NULL, operation text NOT NULL,
    old jsonb, new jsonb, actor name NOT NULL DEFAULT current_user,
    txid xid8 NOT NULL DEFAULT pg_current_xact_id(), at timestamptz NOT NULL DEFAULT statement_timestamp());
CREATE FUNCTION bench.classic_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bench.classic_log (table_name, operation, old, new)
    VALUES (TG_TABLE_NAME, TG_OP,
            CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END,
            CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END);
    RETURN NULL;
END $$;

-- Transition tables kept, nothing done with them.
CREATE FUNCTION bench.noop_stmt() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;

-- The machine is shared: besides wall time, the backend's own CPU time
-- (utime + stime from /proc, 10 ms ticks), which other processes' load
-- disturbs far less.
CREATE FUNCTION bench.cpu_ms() RETURNS numeric LANGUAGE sql AS $$
    SELECT (f[12]::numeric + f[13]::numeric) * 10
    FROM (SELECT string_to_array(split_part(pg_read_file('/proc/' || pg_backend_pid() || '/stat'), ') ', 2), ' ') AS f) s
$$;
CREATE FUNCTION bench.timed(stmt text, OUT wall_ms numeric, OUT cpu_ms numeric) LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp(); c0 numeric := bench.cpu_ms();
BEGIN
    EXECUTE stmt;
    wall_ms := round(extract(epoch FROM clock_timestamp() - t0) * 1000, 1);
    cpu_ms := bench.cpu_ms() - c0;
END $$;

CREATE TABLE bench.result (variant text, round int, insert_ms numeric, update_ms numeric,
                           insert_cpu numeric, update_cpu numeric);

CREATE FUNCTION bench.run(variant text, round int, nrows int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE ins record; upd record;
BEGIN
    DROP TABLE IF EXISTS bench.customer;
    CREATE TABLE bench.customer (
        id bigint PRIMARY KEY, first_name text, last_name text, email text,
        phone text, city text, score int, updated_at timestamptz);
    CASE variant
        WHEN 'ci.audit' THEN PERFORM ci.audit('bench.customer');
        WHEN 'ci.audit + PII' THEN PERFORM ci.audit('bench.customer', pii_columns => ARRAY['email']);
        WHEN 'PL/pgSQL jsonb' THEN
            CREATE TRIGGER classic AFTER INSERT OR UPDATE OR DELETE ON bench.customer
                FOR EACH ROW EXECUTE FUNCTION bench.classic_audit();
        WHEN 'transition tables only' THEN
            CREATE TRIGGER t_ins AFTER INSERT ON bench.customer REFERENCING NEW TABLE AS n
                FOR EACH STATEMENT EXECUTE FUNCTION bench.noop_stmt();
            CREATE TRIGGER t_upd AFTER UPDATE ON bench.customer REFERENCING OLD TABLE AS o NEW TABLE AS n
                FOR EACH STATEMENT EXECUTE FUNCTION bench.noop_stmt();
        WHEN 'ci.audit, no record_key index' THEN
            PERFORM ci.audit('bench.customer');
            DROP INDEX ci.audit_log_record_idx;
        ELSE NULL;
    END CASE;
    ins := bench.timed(format(
        'INSERT INTO bench.customer SELECT g, ''first'' || g, ''last'' || (g %% 5000), '
        '''user'' || g || ''@example.org'', ''+4420'' || lpad(g::text, 8, ''0''), '
        '''city'' || (g %% 300), g %% 1000, ''2026-01-01''::timestamptz '
        'FROM generate_series(1, %s) g', nrows));
    upd := bench.timed('UPDATE bench.customer SET score = score + 1, updated_at = updated_at + interval ''1 day''');
    IF variant = 'ci.audit, no record_key index' THEN
        CREATE INDEX audit_log_record_idx ON ci.audit_log (record_key);
    END IF;
    INSERT INTO bench.result VALUES (variant, round, ins.wall_ms, upd.wall_ms, ins.cpu_ms, upd.cpu_ms);
END $$;

\if :{?rounds}
\else
\set rounds 3
\endif
\if :{?rows}
\else
\set rows 200000
\endif
SELECT format('SELECT bench.run(%L, %s, %s); CHECKPOINT;', v, r, :rows)
FROM generate_series(1, :rounds) r,
     unnest(ARRAY['no trigger', 'ci.audit', 'ci.audit + PII', 'PL/pgSQL jsonb', 'transition tables only', 'ci.audit, no record_key index']) WITH ORDINALITY u(v, o)
ORDER BY r, o \gexec

\echo
\echo '== INSERT and UPDATE of' :rows 'rows, best of' :rounds 'rounds: backend CPU ms (wall ms) =='
WITH best AS (
    SELECT variant, min(insert_cpu) AS ic, min(update_cpu) AS uc, min(insert_ms) AS iw, min(update_ms) AS uw
    FROM bench.result GROUP BY variant),
base AS (SELECT * FROM best WHERE variant = 'no trigger'),
classic AS (SELECT * FROM best WHERE variant = 'PL/pgSQL jsonb')
SELECT b.variant,
       format('%s (%s)', b.ic, b.iw) AS "INSERT cpu (wall)",
       round(b.ic / base.ic, 2) AS "x none", round(classic.ic / b.ic, 2) AS "classic / this",
       format('%s (%s)', b.uc, b.uw) AS "UPDATE cpu (wall)",
       round(b.uc / base.uc, 2) AS "x none ", round(classic.uc / b.uc, 2) AS "classic / this "
FROM best b, base, classic
ORDER BY array_position(ARRAY['no trigger', 'ci.audit', 'ci.audit + PII', 'PL/pgSQL jsonb', 'transition tables only', 'ci.audit, no record_key index'], b.variant);
\echo 'wall-time ratios:'
WITH best AS (
    SELECT variant, min(insert_ms) AS iw, min(update_ms) AS uw FROM bench.result GROUP BY variant),
base AS (SELECT * FROM best WHERE variant = 'no trigger'),
classic AS (SELECT * FROM best WHERE variant = 'PL/pgSQL jsonb')
SELECT b.variant, round(b.iw / base.iw, 2) AS "INSERT x none", round(classic.iw / b.iw, 2) AS "classic / this",
       round(b.uw / base.uw, 2) AS "UPDATE x none", round(classic.uw / b.uw, 2) AS "classic / this "
FROM best b, base, classic
ORDER BY array_position(ARRAY['no trigger', 'ci.audit', 'ci.audit + PII', 'PL/pgSQL jsonb', 'transition tables only', 'ci.audit, no record_key index'], b.variant);

\echo 'spread: per round, CPU ratio to the same round''s no-trigger run (and the PL/pgSQL run over this one); min - max over rounds:'
WITH r AS (
    SELECT b.variant, b.round, b.insert_cpu / n.insert_cpu AS ix, b.update_cpu / n.update_cpu AS ux,
           c.insert_cpu / b.insert_cpu AS ic, c.update_cpu / b.update_cpu AS uc
    FROM bench.result b
    JOIN bench.result n ON n.round = b.round AND n.variant = 'no trigger'
    JOIN bench.result c ON c.round = b.round AND c.variant = 'PL/pgSQL jsonb')
SELECT variant, count(*) AS rounds,
       format('%s - %s', round(min(ix), 2), round(max(ix), 2)) AS "INSERT x none",
       format('%s - %s', round(min(ic), 2), round(max(ic), 2)) AS "classic / this",
       format('%s - %s', round(min(ux), 2), round(max(ux), 2)) AS "UPDATE x none",
       format('%s - %s', round(min(uc), 2), round(max(uc), 2)) AS "classic / this "
FROM r GROUP BY variant
ORDER BY array_position(ARRAY['no trigger', 'ci.audit', 'ci.audit + PII', 'PL/pgSQL jsonb', 'transition tables only', 'ci.audit, no record_key index'], variant);

\echo
\echo '== where ci.audit''s time goes: backend CPU ms over the same round''s no-trigger run, median of rounds =='
\echo 'transition tables: PostgreSQL keeping them (statement triggers that do nothing); record_key index: ci.audit'
\echo 'minus ci.audit without that index; rest: reading the rows, building the jsonb and writing the log heap.'
\echo 'budget: what the target leaves (INSERT 0.5x, UPDATE 1x the no-trigger time).'
WITH r AS (
    SELECT n.round, n.insert_cpu AS ni, n.update_cpu AS nu,
           t.insert_cpu - n.insert_cpu AS ti, t.update_cpu - n.update_cpu AS tu,
           a.insert_cpu - x.insert_cpu AS ii, a.update_cpu - x.update_cpu AS iu,
           x.insert_cpu - t.insert_cpu AS ri, x.update_cpu - t.update_cpu AS ru,
           a.insert_cpu - n.insert_cpu AS ai, a.update_cpu - n.update_cpu AS au
    FROM bench.result n
    JOIN bench.result t ON t.round = n.round AND t.variant = 'transition tables only'
    JOIN bench.result x ON x.round = n.round AND x.variant = 'ci.audit, no record_key index'
    JOIN bench.result a ON a.round = n.round AND a.variant = 'ci.audit'
    WHERE n.variant = 'no trigger')
SELECT s.stmt, s.part, percentile_cont(0.5) WITHIN GROUP (ORDER BY s.ms) AS median_ms,
       min(s.ms) AS min_ms, max(s.ms) AS max_ms
FROM r, LATERAL (VALUES
    ('INSERT', '1 transition tables', r.ti), ('INSERT', '2 record_key index', r.ii),
    ('INSERT', '3 rest', r.ri), ('INSERT', '4 ci.audit in all', r.ai), ('INSERT', '5 budget (0.5x)', r.ni * 0.5),
    ('UPDATE', '1 transition tables', r.tu), ('UPDATE', '2 record_key index', r.iu),
    ('UPDATE', '3 rest', r.ru), ('UPDATE', '4 ci.audit in all', r.au), ('UPDATE', '5 budget (1x)', r.nu)) s(stmt, part, ms)
GROUP BY s.stmt, s.part ORDER BY s.stmt, s.part;

\echo
\echo '== sealing and verification (cpu ms, wall ms) =='
SELECT count(*) AS audit_rows FROM ci.audit_log \gset
SELECT * FROM bench.timed('SELECT ci.audit_seal()') s \gset seal_
SELECT * FROM bench.timed('CREATE TABLE bench.verified AS SELECT * FROM ci.audit_verify()') v \gset verify_
SELECT :audit_rows AS rows, :seal_cpu_ms AS seal_cpu, :seal_wall_ms AS seal_wall,
       round(:audit_rows / (:seal_cpu_ms / 1000.0)) AS "sealed rows/s (cpu)",
       round(:audit_rows / (:seal_wall_ms / 1000.0)) AS "sealed rows/s (wall)",
       :verify_cpu_ms AS verify_cpu, :verify_wall_ms AS verify_wall,
       round(:audit_rows / (:verify_cpu_ms / 1000.0)) AS "verified rows/s (cpu)",
       round(:audit_rows / (:verify_wall_ms / 1000.0)) AS "verified rows/s (wall)";
SELECT status, detail FROM bench.verified WHERE status <> 'redacted';
