-- Integrity of ci.identity_link against ci.identity, kept by statement
-- triggers instead of a foreign key: the contract (functions, triggers,
-- the remaining foreign key) and the SQLSTATEs of each refusal.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(14);

SELECT is(
    (SELECT string_agg(format('%s:%s%s%s', p.oid::regprocedure, p.provolatile, CASE WHEN p.proisstrict THEN 's' ELSE '-' END, p.proparallel), ' ' ORDER BY p.oid::regprocedure::text)
     FROM pg_proc p WHERE p.oid IN ('ci.identity_link_check()'::regprocedure, 'ci.identity_guard()'::regprocedure)),
    'ci.identity_guard():v-u ci.identity_link_check():v-u',
    'the trigger functions are VOLATILE, not STRICT, PARALLEL UNSAFE');
SELECT ok((SELECT bool_and(obj_description(p.oid, 'pg_proc') IS NOT NULL) FROM pg_proc p
           WHERE p.oid IN ('ci.identity_link_check()'::regprocedure, 'ci.identity_guard()'::regprocedure)),
          'the trigger functions are commented');
SELECT set_eq(
    $$SELECT tgname::text FROM pg_trigger WHERE tgrelid IN ('ci.identity'::regclass, 'ci.identity_link'::regclass) AND NOT tgisinternal
      AND tgfoid IN ('ci.identity_link_check()'::regprocedure, 'ci.identity_guard()'::regprocedure)$$,
    ARRAY['identity_link_insert_check', 'identity_link_update_check', 'identity_delete_lock', 'identity_delete_check',
          'identity_truncate_lock', 'identity_truncate_check', 'identity_id_fixed'],
    'seven triggers keep the reference');
SELECT is((SELECT array_agg(confrelid::regclass::text ORDER BY conname) FROM pg_constraint
           WHERE conrelid = 'ci.identity_link'::regclass AND contype = 'f'),
          ARRAY['ci.source_record'], 'identity_link keeps one foreign key, to ci.source_record');
SELECT is((SELECT confdeltype FROM pg_constraint WHERE conrelid = 'ci.identity_link'::regclass AND contype = 'f'),
          'c'::"char", 'which cascades deletes');

INSERT INTO ci.source_record (source, source_key, given_name) VALUES ('crm', 'tap-li-1', 'Ann'), ('crm', 'tap-li-2', 'Bo');
INSERT INTO ci.identity (identity_id) VALUES (-11), (-12);
INSERT INTO ci.identity_link (record_id, identity_id, rule)
SELECT record_id, -11, 'steward' FROM ci.source_record WHERE source_key = 'tap-li-1';

SELECT throws_ok($$INSERT INTO ci.identity_link (record_id, identity_id, rule)
                   SELECT record_id, -99, 'steward' FROM ci.source_record WHERE source_key = 'tap-li-2'$$,
                 '23503', NULL, 'a link to a missing identity: 23503');
SELECT throws_ok($$UPDATE ci.identity_link SET identity_id = -98
                   WHERE record_id = (SELECT record_id FROM ci.source_record WHERE source_key = 'tap-li-1')$$,
                 '23503', NULL, 'moving a link to a missing identity: 23503');
SELECT throws_ok($$DELETE FROM ci.identity WHERE identity_id = -11$$, '23503', NULL,
                 'deleting an identity with links: 23503');
SELECT lives_ok($$DELETE FROM ci.identity WHERE identity_id = -12$$, 'deleting an identity without links works');
SELECT throws_ok($$UPDATE ci.identity SET identity_id = -13 WHERE identity_id = -11$$, '23503', NULL,
                 'changing an identity id: 23503');
SELECT throws_ok($$TRUNCATE ci.identity CASCADE$$, '23503', NULL, 'truncating identities with links: 23503');
SELECT throws_ok($$SELECT ci.identity_guard()$$, '39P01', NULL, 'a trigger function called directly: 39P01');

DELETE FROM ci.source_record WHERE source_key = 'tap-li-1';
SELECT is((SELECT count(*) FROM ci.identity_link WHERE identity_id = -11), 0::bigint,
          'erasing a record removes its link');
SELECT lives_ok($$DELETE FROM ci.identity WHERE identity_id = -11$$, 'then its identity can be deleted');

SELECT * FROM finish();
ROLLBACK;
