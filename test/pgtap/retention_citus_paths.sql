-- The Citus paths of retention (src/retention/35_citus.sql) seen from one
-- node: they stay out of the way (no Citus table, holds joined as before),
-- and the hold lists they build for Citus say what the hold views say, so
-- that a purge or an erasure keeps the same rows on both layouts.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(9);

TRUNCATE ci.source_record, ci.identity, ci.identity_link, ci.legal_hold RESTART IDENTITY CASCADE;
DELETE FROM ci.retention_table WHERE NOT shipped;
CREATE TABLE t_case (case_id bigint PRIMARY KEY, identity_id bigint, opened_at timestamptz);
SELECT ci.register_table('t_case', 'identity_id', time_column => 'opened_at') AS r \gset

SELECT is(ci.retention_citus_placement('t_case'), NULL, 'without Citus no table is a Citus table');
SELECT ok(NOT ci.retention_resolve_holds('t_case') AND NOT ci.retention_resolve_holds(NULL),
          'and holds stay joined through the hold views');

-- identities 1..6: 2 merged into 1, 4 merged into 3; records 1..8 linked
INSERT INTO ci.identity (identity_id) OVERRIDING SYSTEM VALUE SELECT g FROM generate_series(1, 6) g;
UPDATE ci.identity SET retired_at = now(), merged_into = 1 WHERE identity_id = 2;
UPDATE ci.identity SET retired_at = now(), merged_into = 3 WHERE identity_id = 4;
INSERT INTO ci.source_record (source, source_key, given_name)
SELECT 'crm', 'k' || g, 'n' || g FROM generate_series(1, 8) g;
INSERT INTO ci.identity_link (record_id, identity_id, rule)
VALUES (1, 1, 't'), (2, 2, 't'), (3, 3, 't'), (4, 4, 't'), (5, 5, 't'), (6, 6, 't'), (7, 6, 't');
SELECT ci.retention_held_ids('identity') AS none_held \gset
SELECT is(:'none_held'::bigint[], '{}'::bigint[], 'no hold: an empty list');
SELECT ci.place_legal_hold('a customer', identity_id => 2) AS h1, ci.place_legal_hold('a record', record_id => 4) AS h2,
       ci.place_legal_hold('a table', table_name => 't_case', predicate => 'case_id = 1') AS h3 \gset

SELECT is(ci.retention_held_ids('identity'), ARRAY(SELECT DISTINCT identity_id FROM ci.held_identity ORDER BY 1),
          'the held identities listed for Citus are those of ci.held_identity');
SELECT is(ci.retention_held_ids('identity'), '{1,2,3,4}'::bigint[], 'a customer''s merge family, and a held record''s customer''s');
SELECT is(ci.retention_held_ids('record'), ARRAY(SELECT DISTINCT record_id FROM ci.held_record ORDER BY 1),
          'the held records listed for Citus are those of ci.held_record');
SELECT set_eq($$SELECT h.hold_id FROM ci.retention_held() h WHERE h.identity_ids && '{3}'::bigint[] OR h.record_ids && '{3,4}'::bigint[]$$,
              $$SELECT hi.hold_id FROM ci.held_identity hi WHERE hi.identity_id = 3
                UNION SELECT hr.hold_id FROM ci.held_record hr WHERE hr.record_id IN (3, 4)$$,
              'the holds covering a customer, as an erasure on Citus reads them, are those the views give');

-- a step's statement on one node: the TID range and the conditions, as before
SELECT ci.create_retention_policy('1 year', table_name => 't_case') AS p \gset
SELECT is(ci.retention_batch_sql(ROW(1, 1, 'rows', 't_case', 't_case'::regclass::oid, 'public.t_case', :p, 1, NULL, 'delete',
                                     '{}', now(), 't.opened_at < now()', 0, 1, 16, 0, 0, 0, 0, NULL, 'pending', NULL)::ci.retention_run_step,
                                 'true'),
          'DELETE FROM public.t_case AS t WHERE t.ctid >= $1 AND t.ctid < $2 AND t.opened_at < now() AND true',
          'a batch deletes one TID range of the table, its rows past the window and under no hold');
SELECT is(ci.retention_batch_sql(ROW(1, 1, 'rows', 't_case', 't_case'::regclass::oid, 'public.t_case', :p, 1, NULL, 'anonymise',
                                     '{identity_id}', now(), 'true', 0, 1, 16, 0, 0, 0, 0, NULL, 'pending', NULL)::ci.retention_run_step,
                                 'false', 'replicated'),
          'UPDATE public.t_case AS t SET identity_id = NULL WHERE $1 <= $2 AND true AND false',
          'a replicated Citus table (its copies'' TIDs differ) is changed by the row condition alone');

SELECT * FROM finish();
ROLLBACK;
