-- ci.audit's bulk write path: row images written straight in jsonb's binary
-- format (compared with to_jsonb, byte for byte through jsonb_send), batches
-- of audit rows crossing the writer's batch (1,000 rows) and id block (the
-- sequence's increment), very wide rows (over jsonb's 32-entry offset
-- stride), TOASTed and 1 MB values, rolled-back subtransactions, and the
-- chain's BRIN fed once per heap block.
CREATE SCHEMA audit_b;
SET client_min_messages = warning;

-- Ids come in blocks of the sequence's increment: one nextval per block.
SELECT seqincrement FROM pg_sequence WHERE seqrelid = 'ci.audit_log_id_seq'::regclass;

-- A row of many types: the image equals to_jsonb of the row, in value and in
-- bytes, and so does the record_pk object.
CREATE TYPE audit_b.pair AS (a int, b text);
CREATE DOMAIN audit_b.short_text AS text CHECK (length(VALUE) < 100);
CREATE TABLE audit_b.kinds (
    id bigint PRIMARY KEY, b bool, i2 int2, i4 int4, i8 int8, n numeric, n_nan numeric,
    f8 float8, t text, vc varchar(20), d date, ts timestamp, tstz timestamptz, ts_inf timestamptz,
    arr int[], j jsonb, js json, comp audit_b.pair, dom audit_b.short_text, u uuid, by bytea,
    "Quoted Col" text, nul text, g int GENERATED ALWAYS AS (i4 * 2) STORED);
SELECT ci.audit('audit_b.kinds');
INSERT INTO audit_b.kinds (id, b, i2, i4, i8, n, n_nan, f8, t, vc, d, ts, tstz, ts_inf, arr, j, js, comp,
                           dom, u, by, "Quoted Col", nul)
VALUES (1, true, -2, 40, 9007199254740993, 12.50, 'NaN', 1.5e300, 'é😀"\', 'v', '2026-12-03',
        '2026-12-03 10:11:12.5', '2026-12-03 10:11:12+00', 'infinity', '{1,NULL,3}', '{"z": [1, {"y": null}], "a": 1}',
        '{"k": 1, "k": 2}', ROW(1, 'x'), 'short', '0e4c7a9c-2f7d-4d53-9e0b-2b8a0a1b1c1d', '\x00ff', 'q', NULL),
       (-5, false, 0, 0, 0, 0, 'Infinity', -0.0, '', '', '-infinity', '-infinity', '-infinity', '-infinity', '{}',
        '[]', '"s"', ROW(NULL, NULL), '', NULL, '', '', NULL);
SELECT l.record_pk, jsonb_send(l.new) = jsonb_send(to_jsonb(k)) AS image_bytes_equal,
       l.new = to_jsonb(k) AS image_equal, jsonb_send(l.record_pk) = jsonb_send(jsonb_build_object('id', k.id)) AS pk_bytes_equal
FROM ci.audit_log l JOIN audit_b.kinds k ON l.record_pk = jsonb_build_object('id', k.id)
WHERE l.relid = 'audit_b.kinds'::regclass ORDER BY k.id;
-- UPDATE: only the changed columns, also byte-equal to to_jsonb's.
UPDATE audit_b.kinds SET t = t || '!', arr = arr || 4, tstz = tstz + interval '1 day' WHERE id = 1;
SELECT jsonb_send(l.new) = jsonb_send(jsonb_build_object('t', k.t, 'arr', k.arr, 'tstz', k.tstz)) AS new_bytes_equal,
       l.old ->> 't' AS old_t, l.new ->> 't' AS new_t, l.new -> 'arr' AS new_arr
FROM ci.audit_log l JOIN audit_b.kinds k ON k.id = 1
WHERE l.relid = 'audit_b.kinds'::regclass AND l.operation = 'UPDATE';

-- Integers are encoded as numerics by the trigger itself (not through
-- int64_to_numeric): every base-10000 digit boundary, trailing zero digits,
-- signs and the types' extremes give to_jsonb's bytes, in the image and in
-- record_pk (an int8 key).  Then an UPDATE whose old and new times alternate
-- between a few values (the trigger keeps the texts of the two used last).
CREATE TABLE audit_b.ints (id int8 PRIMARY KEY, a int2, b int4, at timestamptz);
SELECT ci.audit('audit_b.ints');
INSERT INTO audit_b.ints
SELECT v8, CASE WHEN v8 BETWEEN -32768 AND 32767 THEN v8::int2 END,
       CASE WHEN v8 BETWEEN -2147483648 AND 2147483647 THEN v8::int4 END,
       '2026-01-01 00:00:00+00'::timestamptz + (v8 % 3) * interval '1 hour'
FROM (SELECT DISTINCT v8 FROM unnest(ARRAY[0, 1, -1, 9, 10, 9999, 10000, 10001, 99990000, 100000000,
                                          123456789, 1000000000000, 32767, -32768, 2147483647, -2147483648,
                                          -10000, -99999999, 9223372036854775807, -9223372036854775808,
                                          4611686018427387904, -1000000000000000000]::int8[]) v8) s;
SELECT count(*) AS rows, bool_and(jsonb_send(l.new) = jsonb_send(to_jsonb(i))) AS image_bytes_equal,
       bool_and(jsonb_send(l.record_pk) = jsonb_send(jsonb_build_object('id', i.id))) AS pk_bytes_equal,
       bool_and((l.new ->> 'id')::int8 = i.id AND (l.new ->> 'a')::int2 IS NOT DISTINCT FROM i.a
                AND (l.new ->> 'b')::int4 IS NOT DISTINCT FROM i.b) AS values_equal
FROM ci.audit_log l JOIN audit_b.ints i ON l.record_pk = jsonb_build_object('id', i.id)
WHERE l.relid = 'audit_b.ints'::regclass;
UPDATE audit_b.ints SET at = CASE WHEN id % 2 = 0 THEN at + interval '1 day' ELSE '2026-06-01 12:00:00+00' END;
SELECT count(*) AS rows,
       bool_and(jsonb_send(l.new) = jsonb_send(jsonb_build_object('at', i.at))) AS new_bytes_equal,
       bool_and(l.old -> 'at' = to_jsonb(CASE WHEN i.id % 2 = 0 THEN i.at - interval '1 day'
                                              ELSE '2026-01-01 00:00:00+00'::timestamptz + (i.id % 3) * interval '1 hour' END))
         AS old_equal
FROM ci.audit_log l JOIN audit_b.ints i ON l.record_pk = jsonb_build_object('id', i.id)
WHERE l.relid = 'audit_b.ints'::regclass AND l.operation = 'UPDATE';

-- Very wide rows: 80 columns, past jsonb's offset stride (every 32nd JEntry
-- holds an offset); every key is found and the image equals to_jsonb.
SELECT format('CREATE TABLE audit_b.wide (id int PRIMARY KEY, %s)',
              string_agg(format('c%s text', i), ', ' ORDER BY i))
FROM generate_series(1, 79) i \gexec
SELECT ci.audit('audit_b.wide');
SELECT format('INSERT INTO audit_b.wide SELECT g, %s FROM generate_series(1, 3) g',
              string_agg(format('repeat(%L, g * %s)', chr(64 + i % 26), i), ', ' ORDER BY i))
FROM generate_series(1, 79) i \gexec
SELECT count(*) AS rows, bool_and(l.new = to_jsonb(w)) AS images_equal,
       bool_and(jsonb_send(l.new) = jsonb_send(to_jsonb(w))) AS image_bytes_equal,
       bool_and((SELECT count(*) FROM jsonb_each_text(l.new) e WHERE e.value = to_jsonb(w) ->> e.key) = 80) AS every_key_found,
       bool_and(l.new ->> 'c79' = w.c79 AND l.new ->> 'c33' = w.c33 AND l.new ->> 'c32' = w.c32) AS lookups
FROM ci.audit_log l JOIN audit_b.wide w ON (l.record_pk ->> 'id')::int = w.id
WHERE l.relid = 'audit_b.wide'::regclass;

-- TOASTed values: a compressible 3 MB text and an incompressible 1 MB one
-- (stored out of line); the image carries them whole.
CREATE TABLE audit_b.big (id int PRIMARY KEY, t text, r text);
SELECT ci.audit('audit_b.big');
INSERT INTO audit_b.big
SELECT 1, repeat('abc', 1000000),
       (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 32768) i);
UPDATE audit_b.big SET t = t || 'x';
SELECT l.operation, length(l.new ->> 't') AS t_len, length(l.new ->> 'r') AS r_len,
       CASE l.operation WHEN 'INSERT' THEN (l.new ->> 't') = repeat('abc', 1000000) AND (l.new ->> 'r') = b.r
                        ELSE (l.new ->> 't') = b.t AND (l.old ->> 't') = repeat('abc', 1000000) END AS values_whole
FROM ci.audit_log l, audit_b.big b WHERE l.relid = 'audit_b.big'::regclass ORDER BY l.id;

-- Batches: 2,500 rows in one statement cross the writer's batch (1,000) and
-- the id block; every row is logged once, ids grow within the transaction,
-- and each record key appears once.
CREATE TABLE audit_b.many (id int PRIMARY KEY, v text);
SELECT ci.audit('audit_b.many');
INSERT INTO audit_b.many SELECT g, 'v' || g FROM generate_series(1, 2500) g;
UPDATE audit_b.many SET v = v || '+' WHERE id % 2 = 0;
SELECT operation, count(*) AS rows, count(DISTINCT id) AS ids, count(DISTINCT record_key) AS keys,
       count(DISTINCT txid) AS transactions,
       bool_and(coalesce(new, old) IS NOT NULL) AS images,
       bool_and(operation = 'UPDATE' OR (new ->> 'id') = (record_pk ->> 'id')) AS key_matches_image
FROM ci.audit_log WHERE relid = 'audit_b.many'::regclass GROUP BY operation ORDER BY operation;
-- ids in the order the rows were written (heap order of the statement's rows)
SELECT bool_and(id > prev) AS ids_increase
FROM (SELECT id, lag(id) OVER (ORDER BY (record_pk ->> 'id')::int) AS prev
      FROM ci.audit_log WHERE relid = 'audit_b.many'::regclass AND operation = 'INSERT') s
WHERE prev IS NOT NULL;

-- The chain's BRIN gets one entry per heap block: once its ranges are
-- summarized, a BRIN-only scan for a transaction finds all of its rows.
SELECT brin_summarize_new_values('ci.audit_log_chain_idx') >= 0 AS summarized;
SET enable_seqscan = off;
SET enable_indexscan = off;
SELECT count(*) AS found_through_brin FROM ci.audit_log
WHERE txid = (SELECT min(txid) FROM ci.audit_log WHERE relid = 'audit_b.many'::regclass AND operation = 'INSERT')
  AND relid = 'audit_b.many'::regclass;
RESET enable_seqscan;
RESET enable_indexscan;

-- Rolled-back subtransactions leave no audit row; the ones kept, theirs.
BEGIN;
INSERT INTO audit_b.many VALUES (3001, 'kept');
SAVEPOINT s1;
INSERT INTO audit_b.many SELECT g, 'gone' FROM generate_series(3002, 4500) g;
ROLLBACK TO SAVEPOINT s1;
SAVEPOINT s2;
UPDATE audit_b.many SET v = 'kept too' WHERE id = 1;
RELEASE SAVEPOINT s2;
SAVEPOINT s3;
DELETE FROM audit_b.many WHERE id <= 1200;
ROLLBACK TO SAVEPOINT s3;
COMMIT;
SELECT operation, record_pk ->> 'id' AS id, coalesce(new ->> 'v', '') AS v
FROM ci.audit_log
WHERE relid = 'audit_b.many'::regclass
  AND txid = (SELECT max(txid) FROM ci.audit_log WHERE relid = 'audit_b.many'::regclass)
ORDER BY id;

-- PII masks: the key's HMAC state is prepared once per statement and reused
-- for every value; each mask still equals HMAC-SHA-256 computed afresh by
-- ci.hmac_sha256 (PostgreSQL's own implementation) over the value's text.
CREATE TABLE audit_b.pii (id int PRIMARY KEY, email text, n numeric, ok bool);
SELECT ci.audit('audit_b.pii', pii_columns => ARRAY['email', 'n', 'ok']);
INSERT INTO audit_b.pii SELECT g, 'user' || g || '@example.org', g / 7.0, g % 2 = 0 FROM generate_series(1, 1500) g;
INSERT INTO audit_b.pii VALUES (0, '', NULL, NULL), (-1, 'ü😀 Łódź', 'NaN', true);
SELECT count(*) AS rows,
       bool_and(l.new ->> 'email' = 'hmac-sha256:' || encode(ci.hmac_sha256(convert_to(p.email, 'UTF8'), k.key), 'hex')) AS email_masks,
       bool_and(l.new ->> 'n' IS NOT DISTINCT FROM
                'hmac-sha256:' || encode(ci.hmac_sha256(convert_to(to_jsonb(p.n) #>> '{}', 'UTF8'), k.key), 'hex')) AS number_masks,
       bool_and(l.new ->> 'ok' IS NOT DISTINCT FROM
                'hmac-sha256:' || encode(ci.hmac_sha256(convert_to(p.ok::text, 'UTF8'), k.key), 'hex')) AS bool_masks,
       count(DISTINCT l.new ->> 'email') AS distinct_masks
FROM ci.audit_log l JOIN audit_b.pii p ON (l.record_pk ->> 'id')::int = p.id, ci.audit_key k
WHERE l.relid = 'audit_b.pii'::regclass;

-- Everything above seals and verifies.
SELECT ci.audit_seal() > 0 AS sealed;
SELECT status FROM ci.audit_verify() WHERE status NOT IN ('redacted');

SELECT ci.unaudit(t) FROM unnest(ARRAY['audit_b.kinds', 'audit_b.ints', 'audit_b.wide', 'audit_b.big', 'audit_b.many', 'audit_b.pii']::regclass[]) t;
DROP SCHEMA audit_b CASCADE;
RESET client_min_messages;
