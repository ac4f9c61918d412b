-- The bulk-load API (ci.load_source_records): signature, markings, result
-- columns, error SQLSTATEs, privileges, and the index set of
-- ci.source_record that it rebuilds.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(28);

SELECT has_function('ci', 'load_source_records', ARRAY['regclass', 'boolean']);
SELECT is(
    (SELECT format('%s%s%s', p.provolatile, CASE WHEN p.proisstrict THEN 's' ELSE '-' END, p.proparallel)
       FROM pg_proc p WHERE p.oid = 'ci.load_source_records(regclass,boolean)'::regprocedure),
    'v-u', 'VOLATILE, not STRICT (NULL staging is an error, NULL rebuild_indexes means automatic), PARALLEL UNSAFE');
SELECT is(
    (SELECT p.prosecdef FROM pg_proc p WHERE p.oid = 'ci.load_source_records(regclass,boolean)'::regprocedure),
    false, 'runs with the caller''s rights (reads the staging table as the caller)');
SELECT is(
    (SELECT pg_get_function_result('ci.load_source_records(regclass,boolean)'::regprocedure)),
    'TABLE(records bigint, indexes_rebuilt integer, insert_ms double precision, index_ms double precision)',
    'result columns');
SELECT is(
    (SELECT array_agg(pg_get_function_arg_default('ci.load_source_records(regclass,boolean)'::regprocedure, 2))),
    ARRAY['NULL::boolean'], 'rebuild_indexes defaults to NULL (automatic)');

-- its insert: ci.load_source_rows (generated columns by a parallel query, rows in batches)
SELECT has_function('ci', 'load_source_rows', ARRAY['regclass']);
SELECT function_returns('ci', 'load_source_rows', ARRAY['regclass'], 'bigint');
SELECT is(
    (SELECT format('%s%s%s%s', p.provolatile, CASE WHEN p.proisstrict THEN 's' ELSE '-' END, p.proparallel,
                   CASE WHEN p.prosecdef THEN 'd' ELSE '-' END)
       FROM pg_proc p WHERE p.oid = 'ci.load_source_rows(regclass)'::regprocedure),
    'v-u-', 'load_source_rows: VOLATILE, not STRICT (NULL is an error), PARALLEL UNSAFE, the caller''s rights');
SELECT throws_ok($$SELECT ci.load_source_rows(NULL)$$, '22004', NULL, 'load_source_rows: NULL staging: 22004');
SELECT throws_ok($$SELECT ci.load_source_rows('ci.source_record')$$, '22023', NULL, 'load_source_rows: the table itself: 22023');
SELECT throws_ok($$SELECT ci.load_source_rows(2147483647::oid::regclass)$$, '42P01', NULL, 'load_source_rows: a dropped relation: 42P01');
SELECT throws_ok($$SELECT ci.load_source_rows('ci.source_record_pkey')$$, '42809', NULL, 'load_source_rows: an index as staging: 42809');
CREATE TEMP TABLE stage_typed (source text, source_key text, given_name varchar(10));
SELECT is(ci.load_source_rows('stage_typed'), NULL, 'load_source_rows: a staging column of another type than the table''s: NULL, the caller INSERTs');

-- the index set: 11 blocking indexes besides the two constraint indexes
SELECT is((SELECT count(*)::int FROM pg_index WHERE indrelid = 'ci.source_record'::regclass), 15,
          'ci.source_record has 15 indexes');
SELECT is((SELECT count(*)::int FROM pg_index i WHERE indrelid = 'ci.source_record'::regclass
             AND EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)), 2,
          'two of them back constraints and stay during a bulk load');
-- every blocking rule of the default model has an index led by one of its keys
SELECT is(
    (SELECT string_agg(r.rule, ', ' ORDER BY r.rule) FROM ci.match_blocking_rule r
      WHERE r.model = 'default' AND NOT EXISTS (
        SELECT 1 FROM pg_index i
         WHERE i.indrelid = 'ci.source_record'::regclass
           -- tokens(c) is served by a GIN index over string_to_array(translate(c, '-', ' '), ' ')
           AND regexp_replace(replace(replace(pg_get_indexdef(i.indexrelid, 1, true), '"', ''), 'ci.dmetaphone(', 'dmetaphone('),
                              '^string_to_array\(translate\((\w+),.*$', 'tokens(\1)') = ANY (r.keys))),
    NULL, 'each default blocking rule has an index whose leading key is one of its keys');

-- the B-tree blocking indexes are partial, on their leading key (a rule's =
-- never finds a NULL); a bulk load builds them again as they were
SELECT is(
    (SELECT string_agg(c.relname, ', ' ORDER BY c.relname)
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
      WHERE i.indrelid = 'ci.source_record'::regclass AND a.amname = 'btree'
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        AND (i.indpred IS NULL
             OR pg_get_expr(i.indpred, i.indrelid) NOT LIKE '(' || CASE WHEN i.indkey[0] <> 0
                    THEN (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[0])
                    ELSE '%' END || ' IS NOT NULL)')),
    NULL, 'every B-tree blocking index leaves out records whose leading key is NULL');
CREATE TEMP TABLE index_defs AS
SELECT c.relname, pg_get_indexdef(i.indexrelid) AS def
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'ci.source_record'::regclass;
CREATE TEMP TABLE stage_new (source text, source_key text, given_name text, family_name text, national_id text);
INSERT INTO stage_new VALUES ('crm', 'tap-new-1', 'Bo', 'Ek', 'X-1'), ('web', 'tap-new-2', 'Bo', 'Ek', NULL);
SELECT results_eq($$SELECT records, indexes_rebuilt FROM ci.load_source_records('stage_new', rebuild_indexes => true)$$,
                  $$VALUES (2::bigint, 14)$$, 'a load with the indexes rebuilt builds the 13 blocking indexes and the unique key');
SELECT set_eq($$SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                 WHERE i.indrelid = 'ci.source_record'::regclass$$,
              $$SELECT relname, def FROM index_defs$$, 'the rebuilt indexes have their definitions, predicates too');

CREATE TEMP TABLE stage (source text, source_key text, given_name text, family_name text);
INSERT INTO stage VALUES ('crm', 'tap-1', 'Ann', 'Lee'), ('web', 'tap-2', 'Ann', 'Lee');
SELECT throws_ok($$SELECT * FROM ci.load_source_records(NULL)$$, '22004', NULL, 'NULL staging: 22004');
SELECT throws_ok($$SELECT * FROM ci.load_source_records('ci.source_record')$$, '22023', NULL, 'loading the table from itself: 22023');
CREATE TEMP TABLE stage_bad (source text, source_key text, phone_e164 text);
SELECT throws_ok($$SELECT * FROM ci.load_source_records('stage_bad')$$, '42703', NULL, 'a generated column in the staging table: 42703');
CREATE TEMP TABLE stage_nokey (source text);
SELECT throws_ok($$SELECT * FROM ci.load_source_records('stage_nokey')$$, '42703', NULL, 'no source_key: 42703');
SELECT throws_ok($$SELECT * FROM ci.load_source_records('no_such_table')$$, '42P01', NULL, 'unknown staging relation: 42P01');

SELECT results_eq($$SELECT records, indexes_rebuilt FROM ci.load_source_records('stage', rebuild_indexes => false)$$,
                  $$VALUES (2::bigint, 0)$$, 'rows inserted in place when asked');
SELECT throws_ok($$SELECT * FROM ci.load_source_records('stage')$$, '23505', NULL, 'a duplicate (source, source_key) fails the load');
SELECT is((SELECT count(*)::int FROM pg_index WHERE indrelid = 'ci.source_record'::regclass), 15,
          'after a failed load every index is still there');

-- a role without the owner's rights cannot rebuild
CREATE ROLE regress_tap_loader;
SELECT ci.grant_role('regress_tap_loader', 'application') \g /dev/null
GRANT SELECT ON stage TO regress_tap_loader;
SET ROLE regress_tap_loader;
SELECT throws_ok($$SELECT * FROM ci.load_source_records('stage', true)$$, '42501', NULL, 'rebuilding needs the owner''s rights: 42501');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
