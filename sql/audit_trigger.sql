-- ci.audit: what the C trigger writes to ci.audit_log for each operation,
-- column options, PII masking, ALTER TABLE, exotic types and bad input.
CREATE SCHEMA audit_t;
CREATE TABLE audit_t.customer (
    id      int PRIMARY KEY,
    name    text,
    email   text,
    score   numeric,
    secret  text,
    cust    bigint
);
SELECT ci.audit('audit_t.customer', pii_columns => ARRAY['email'],
                exclude_columns => ARRAY['secret'], customer_column => 'cust');
SELECT table_name, operations, pii_columns, excluded_columns, customer_column FROM ci.audited_table
WHERE table_name = 'audit_t.customer'::regclass;
\set SHOW_CONTEXT never

-- A view of this test's rows without what differs between runs (the HMAC
-- key is random per installation, so masks are shown as hmac(…)).
CREATE FUNCTION audit_t.masked(j jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE
AS $$ SELECT regexp_replace(j::text, 'hmac-sha256:[0-9a-f]{64}', 'hmac(…)', 'g')::jsonb $$;
CREATE VIEW audit_t.log AS
SELECT row_number() OVER (ORDER BY id) AS n, table_name, operation, record_pk, customer_id,
       audit_t.masked(old) AS old, audit_t.masked(new) AS new, rows, actor = current_user AS by_me, session_actor = session_user AS by_session,
       application, txid IS NOT NULL AS has_txid, stmt_time <= now() AS timed
FROM ci.audit_log WHERE table_name LIKE 'audit_t.%' OR table_name LIKE '"audit_t".%';

SET application_name = 'regress-audit';
-- INSERT logs the whole row; the PII column as an HMAC, the excluded one not at all.
INSERT INTO audit_t.customer VALUES (1, 'Ann', 'ann@example.org', 1.5, 'pw1', 42),
                                    (2, 'Bob', NULL, NULL, 'pw2', NULL);
-- UPDATE logs only the changed columns; an UPDATE that changes nothing, or only
-- an excluded column, logs nothing.
UPDATE audit_t.customer SET name = 'Anne', email = 'anne@example.org' WHERE id = 1;
UPDATE audit_t.customer SET name = name;
UPDATE audit_t.customer SET secret = 'pw3' WHERE id = 2;
DELETE FROM audit_t.customer WHERE id = 2;
SELECT n, operation, record_pk, customer_id, old, new, by_me, by_session, application, has_txid, timed
FROM audit_t.log ORDER BY n;
-- Equal values mask equally: "did it change", "were these equal".
SELECT (SELECT new->>'email' FROM ci.audit_log WHERE table_name = 'audit_t.customer' AND operation = 'INSERT'
        AND record_pk = '{"id": 1}') = ci.audit_mask('audit_t.customer', 'email', 'ann@example.org')->>0
       AS mask_matches,
       ci.audit_mask('audit_t.customer', 'email', 'ann@example.org')
         <> ci.audit_mask('audit_t.customer', 'email', 'ANN@example.org') AS differs;
SELECT count(*) FILTER (WHERE new::text LIKE '%example.org%' OR old::text LIKE '%example.org%') AS clear_pii,
       count(*) FILTER (WHERE new ? 'secret' OR old ? 'secret') AS excluded_logged
FROM ci.audit_log WHERE table_name = 'audit_t.customer';

-- The record key depends on the table's OID and the key values, not on names.
SELECT count(DISTINCT record_key) AS keys_for_id_1 FROM ci.audit_log
WHERE record_key = ci.audit_record_key('audit_t.customer', '1');
ALTER TABLE audit_t.customer RENAME TO client;
ALTER TABLE audit_t.client RENAME COLUMN email TO mail;
ALTER TABLE audit_t.client ADD COLUMN phone text;
ALTER TABLE audit_t.client DROP COLUMN score;
-- after the renames, the PII setting follows the column
SELECT table_name, pii_columns, excluded_columns FROM ci.audited_table
WHERE table_name = 'audit_t.client'::regclass;
UPDATE audit_t.client SET mail = 'ann@example.net', phone = '+44 20 7946 0000' WHERE id = 1;
SELECT operation, table_name, audit_t.masked(old) AS old, audit_t.masked(new) AS new
FROM ci.audit_log WHERE table_name = 'audit_t.client';
SELECT operation, record_pk FROM ci.audit_history('audit_t.client', '1');
-- the state as logged: names as they were when each change was written
SELECT audit_t.masked(ci.audit_as_of('audit_t.client', now(), '1')) AS state_now;
SELECT ci.audit_as_of('audit_t.client', '-infinity', '1') AS before_it_existed;

-- TRUNCATE is one row.
TRUNCATE audit_t.client;
SELECT operation, record_pk, old, new FROM ci.audit_log WHERE table_name = 'audit_t.client' AND operation = 'TRUNCATE';

-- A rolled-back statement or transaction leaves no row; a committed one always does.
CREATE TABLE audit_t.tx (id int PRIMARY KEY, v text);
SELECT ci.audit('audit_t.tx');
BEGIN;
INSERT INTO audit_t.tx VALUES (1, 'rolled back');
ROLLBACK;
BEGIN;
INSERT INTO audit_t.tx VALUES (2, 'kept');
SAVEPOINT s;
INSERT INTO audit_t.tx VALUES (3, 'rolled back to savepoint');
ROLLBACK TO SAVEPOINT s;
COMMIT;
INSERT INTO audit_t.tx VALUES (2, 'duplicate');
SELECT new->>'v' AS v FROM ci.audit_log WHERE table_name = 'audit_t.tx';

-- Only some operations, only some columns.
CREATE TABLE audit_t.ops (id int PRIMARY KEY, a int, b int);
SELECT ci.audit('audit_t.ops', operations => ARRAY['delete'], include_columns => ARRAY['a']);
INSERT INTO audit_t.ops VALUES (1, 10, 20);
UPDATE audit_t.ops SET a = 11;
DELETE FROM audit_t.ops;
SELECT operation, old, new FROM ci.audit_log WHERE table_name = 'audit_t.ops';
SELECT ci.unaudit('audit_t.ops') AS was_audited, ci.unaudit('audit_t.ops') AS still_audited;
INSERT INTO audit_t.ops VALUES (2, 1, 1);
SELECT count(*) FROM ci.audit_log WHERE table_name = 'audit_t.ops';

-- Exotic types: arrays, jsonb, domains, composites, generated columns, large
-- values, NaN, quoted identifiers, a multi-column key.
CREATE DOMAIN audit_t.email AS text CHECK (VALUE LIKE '%@%');
CREATE TYPE audit_t.pair AS (x int, y text);
CREATE TABLE audit_t."Odd ""Table""" (
    "Key Part" text,
    k2         date,
    tags       text[],
    doc        jsonb,
    mail       audit_t.email,
    p          audit_t.pair,
    n          numeric,
    big        text,
    twice      int GENERATED ALWAYS AS (length(big) * 2) STORED,
    "with,comma:colon" int,
    PRIMARY KEY ("Key Part", k2)
);
SELECT ci.audit('audit_t."Odd ""Table"""', pii_columns => ARRAY['mail', 'with,comma:colon']);
INSERT INTO audit_t."Odd ""Table""" ("Key Part", k2, tags, doc, mail, p, n, big, "with,comma:colon") VALUES
    ('ä ü', '2024-02-29', '{x,NULL,"y z"}', '{"a": [1, {"b": null}]}', 'a@b.c', '(1,"q")', 'NaN',
     repeat('x', 2000000), 7);
SELECT table_name, record_pk, new - 'big' - 'mail' - 'with,comma:colon' AS new,
       length(new->>'big') AS big_len, new->>'twice' AS twice,
       new->>'mail' LIKE 'hmac-sha256:%' AS mail_masked,
       new->>'with,comma:colon' LIKE 'hmac-sha256:%' AS comma_masked
FROM ci.audit_log WHERE relid = 'audit_t."Odd ""Table"""'::regclass;
SELECT ci.audit_record_key('audit_t."Odd ""Table"""', 'ä ü', '2024-02-29')
     = (SELECT record_key FROM ci.audit_log WHERE relid = 'audit_t."Odd ""Table"""'::regclass) AS key_found;
UPDATE audit_t."Odd ""Table""" SET tags = tags || '{w}'::text[], big = 'small';
SELECT old - 'big' AS old, new AS new FROM ci.audit_log
WHERE relid = 'audit_t."Odd ""Table"""'::regclass AND operation = 'UPDATE';

-- Partitioned tables: one audit on the parent covers every partition, and a
-- row moved between partitions is one UPDATE.
CREATE TABLE audit_t.part (id int, region text, v int, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE audit_t.part_eu PARTITION OF audit_t.part FOR VALUES IN ('eu');
CREATE TABLE audit_t.part_us PARTITION OF audit_t.part FOR VALUES IN ('us');
SELECT ci.audit('audit_t.part');
INSERT INTO audit_t.part VALUES (1, 'eu', 1), (2, 'us', 2);
UPDATE audit_t.part SET region = 'us', v = 10 WHERE id = 1;
SELECT operation, record_pk, old, new FROM ci.audit_log WHERE table_name = 'audit_t.part' ORDER BY id;

-- Bad input.
CREATE TABLE audit_t.nopk (a int, b text);
SELECT ci.audit('audit_t.nopk');
SELECT ci.audit('audit_t.nopk', key_columns => ARRAY['a']);
INSERT INTO audit_t.nopk VALUES (1, 'x');
SELECT record_pk, new FROM ci.audit_log WHERE table_name = 'audit_t.nopk';
SELECT ci.audit('audit_t.nopk', pii_columns => ARRAY['nosuch']);
SELECT ci.audit('audit_t.nopk', operations => ARRAY['MERGE']);
SELECT ci.audit('audit_t.nopk', operations => ARRAY[]::text[]);
SELECT ci.audit('audit_t.nopk', customer_column => 'b');
SELECT ci.audit('audit_t.log');
SELECT ci.audit('ci.audit_log');
SELECT ci.audit_record_key('audit_t.tx', '1', '2');
SELECT ci.audit_record_key('audit_t.tx', 'not a number');
SELECT ci.audit_record_key('audit_t.nopk', NULL::text) IS NOT NULL AS null_key_has_a_record_key;
SELECT ci.audit_trigger();
CREATE TRIGGER wrong AFTER INSERT ON audit_t.nopk FOR EACH ROW EXECUTE FUNCTION ci.audit_trigger();
INSERT INTO audit_t.nopk VALUES (2, 'y');
DROP TRIGGER wrong ON audit_t.nopk;
RESET application_name;

-- Leave nothing that depends on the extension (install.sql drops it).
SET client_min_messages = warning;
DROP SCHEMA audit_t CASCADE;
RESET client_min_messages;
