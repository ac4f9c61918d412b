-- The normalised key columns of ci.source_record use the C collation (byte
-- order: cheaper B-tree insertions and index builds), national_id_norm and
-- postcode_norm are one C call each, and nothing a user sees changes:
-- the keys are the values 0.1.0's SQL expressions computed, a query
-- comparing a key with an ordinary (default-collation) value still uses the
-- key's index, and golden values still rank under the default collation.
SET client_min_messages = warning;
\set SHOW_CONTEXT never
BEGIN;

-- the text keys, and only they, are COLLATE "C"
SELECT a.attname, c.collname
  FROM pg_attribute a LEFT JOIN pg_collation c ON c.oid = a.attcollation AND a.attcollation <> 100
 WHERE a.attrelid = 'ci.source_record'::regclass AND a.attnum > 0 AND NOT a.attisdropped
   AND a.atttypid = 'text'::regtype
 ORDER BY a.attnum;
-- and so are the indexes built on them (expression indexes included)
SELECT count(*) AS key_index_columns,
       count(*) FILTER (WHERE c.collname = 'C') AS in_c
  FROM pg_index i CROSS JOIN LATERAL unnest(i.indcollation) AS k(coll)
  JOIN pg_collation c ON c.oid = k.coll
 WHERE i.indrelid = 'ci.source_record'::regclass
   AND i.indexrelid <> 'ci.source_record_source_source_key_key'::regclass;

-- ci.normalize_national_id and ci.normalize_postcode give what the SQL
-- expressions gave: ASCII, punctuation, tabs and line breaks, no-break and
-- ideographic spaces, letters outside ASCII, nothing left, NULL
CREATE TEMP TABLE v (v text);
INSERT INTO v VALUES ('ab 12-3x'), (' sw1a 1aa '), (E'ab\t1\n2\r'), ('ü 1é'), (''), (' '), ('--'),
    (E'x\u00a0y'), (E'\u3000z 1'), (E'\u2003a b'), (E'\x1c1 2\x1f'), ('AB-123'), ('9999'), ('Straße 7'),
    ('ǅ ǆ'), ('١٢٣ ٤'), (NULL);
SELECT count(*) AS values_tried,
       count(*) FILTER (WHERE ci.normalize_national_id(v) IS DISTINCT FROM
                              nullif(upper(regexp_replace(v, '[^0-9A-Za-z]', '', 'g')), '')) AS national_id_differs,
       count(*) FILTER (WHERE ci.normalize_postcode(v) IS DISTINCT FROM
                              nullif(upper(regexp_replace(v, '\s', '', 'g')), '')) AS postcode_differs
  FROM v;
-- under the C collation too (upper() of the call's collation)
SELECT count(*) FILTER (WHERE ci.normalize_postcode(v COLLATE "C") IS DISTINCT FROM
                              nullif(upper(regexp_replace(v COLLATE "C", '\s', '', 'g')), '')) AS postcode_differs_c
  FROM v;
SELECT ci.normalize_national_id(' ab-12 3x '), ci.normalize_postcode(' sw1a 1aa '),
       ci.normalize_national_id('--'), ci.normalize_postcode(E'\t');
-- a megabyte
SELECT length(ci.normalize_national_id(repeat('a-1 ', 262144))) AS national_id_chars,
       length(ci.normalize_postcode(repeat('a 1', 349526))) AS postcode_chars;

-- a key compared with a default-collation value uses the key's index
DELETE FROM ci.identity_link;
DELETE FROM ci.match_decision;
DELETE FROM ci.match_review;
DELETE FROM ci.source_record;
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, postcode, national_id, country)
VALUES ('crm', 'k1', 'Ann', 'Lee', 'ann@example.com', 'sw1a 1aa', 'ab-123', 'GB');
SET LOCAL enable_seqscan = off;
SET LOCAL plan_cache_mode = force_generic_plan;
PREPARE by_key(text, text) AS
    SELECT source_key FROM ci.source_record WHERE postcode_norm = $1 OR email_norm = $2;
EXPLAIN (COSTS OFF) EXECUTE by_key('SW1A1AA', 'x');
EXECUTE by_key('SW1A1AA', 'x');
SELECT source_key FROM ci.source_record r WHERE r.national_id_norm = (SELECT 'AB123'::text COLLATE "default");

-- golden values rank under the database's collation, not the keys' C:
-- phone shows phone_e164 (a C column) and e-mail is counted by the key
-- coalesce(nullif(email_norm, ''), value), which decides the aggregate's
-- collation together with the value
SELECT a AS attribute, x.c AS collation
  FROM unnest(ARRAY['phone', 'email', 'given_name']) a
  CROSS JOIN LATERAL (SELECT (xpath('/table/row/c/text()',
        query_to_xml(format('SELECT pg_collation_for(coalesce(nullif(r.%I, ''''), %s)) AS c FROM ci.source_record r LIMIT 1',
                            coalesce(ci.golden_compare_key(a), a), ci.golden_value_sql(a, true, 'r')), false, false, '')))[1]::text AS c) x;
ROLLBACK;
