-- The demo pipeline on the distributed layout, compared with the same
-- pipeline on one node.  First, on the coordinator's plain tables, the
-- pipeline runs and its results are kept in plain tables; then the identity
-- tables are emptied, their sequences put back, and ci.distribute() runs in
-- its own transaction, as an administrator would; then, in a new session,
-- the same pipeline runs on the distributed tables.  Identities, links,
-- events and golden values must be identical, and per-identity statements
-- single-shard.  This file leaves the cluster distributed: it runs last.
\set QUIET 1
SET client_min_messages = error;
BEGIN;
SELECT last_value AS iseq, is_called AS icalled FROM ci.identity_identity_id_seq \gset
SELECT last_value AS rseq, is_called AS rcalled FROM ci.source_record_record_id_seq \gset
SELECT last_value AS eseq, is_called AS ecalled FROM ci.identity_event_event_id_seq \gset
SELECT last_value AS ceseq, is_called AS cecalled FROM ci.consent_event_event_id_seq \gset
SELECT last_value AS csseq, is_called AS cscalled FROM ci.suppression_suppression_id_seq \gset
SELECT last_value AS erseq, is_called AS ercalled FROM ci.erasure_request_request_id_seq \gset
-- the fixture's records, to put back what the pipeline changes and deletes
CREATE TEMP TABLE ct_orig_records AS SELECT * FROM ci.source_record;
SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) AS record_cols FROM pg_attribute
 WHERE attrelid = 'ci.source_record'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' \gset
\set run single
\ir include/pipeline.sql
\ir include/consent.sql
CREATE TABLE public.ct_single_counts AS SELECT :records AS records, :identities AS identities, :refreshed AS refreshed,
       :refreshed3 AS refreshed3;
-- back to the fixture: the identity side and the new records go, the
-- sequences restart where they were
DELETE FROM ci.golden_override; DELETE FROM ci.golden_profile; DELETE FROM ci.golden_dirty; DELETE FROM ci.golden_stale;
DELETE FROM ci.match_review; DELETE FROM ci.match_decision; DELETE FROM ci.identity_link;
DELETE FROM ci.identity_event; DELETE FROM ci.identity; DELETE FROM ci.match_run;
DELETE FROM ci.source_record WHERE source_key LIKE 'ct-new-%';
DELETE FROM ci.source_record WHERE record_id = ANY (:'changed_records'::bigint[]);
-- (the changed, the deleted and the erased records)
INSERT INTO ci.source_record (:record_cols) SELECT :record_cols FROM ct_orig_records o
 WHERE NOT EXISTS (SELECT 1 FROM ci.source_record r WHERE r.record_id = o.record_id);
-- and consent and erasure (the ledgers are append-only: their guards
-- are passed by, as a restore would)
SET LOCAL session_replication_role = replica;
DELETE FROM ci.consent_event; DELETE FROM ci.suppression; DELETE FROM ci.consent_jurisdiction_override;
DELETE FROM ci.consent_state; DELETE FROM ci.consent_subject;
DELETE FROM ci.erasure_certificate; DELETE FROM ci.erasure_request;
RESET session_replication_role;
SELECT setval('ci.identity_identity_id_seq', :iseq, :'icalled'), setval('ci.source_record_record_id_seq', :rseq, :'rcalled'),
       setval('ci.identity_event_event_id_seq', :eseq, :'ecalled'),
       setval('ci.consent_event_event_id_seq', :ceseq, :'cecalled'),
       setval('ci.suppression_suppression_id_seq', :csseq, :'cscalled'),
       setval('ci.erasure_request_request_id_seq', :erseq, :'ercalled') \gset
COMMIT;

CREATE TABLE public.ct_distribute AS SELECT * FROM ci.distribute();

\c
\set QUIET 1
SET client_min_messages = error;
-- the refresh's upsert as it runs on Citus, for the EXPLAIN checks below
SELECT ci.golden_upsert_sql(true, true) AS upsert_sql \gset
BEGIN;
SELECT plan(42);
-- the pipeline first: full resolution writes the model's parameters (reference
-- tables) after reading the shards, which Citus allows only before any other
-- multi-shard work in the transaction (doc/scaling.md)
\set run dist
\ir include/pipeline.sql
\ir include/consent.sql

SELECT count(*)::int AS layout_tables FROM ci.distribution_layout() WHERE placement <> 'coordinator' \gset
SELECT is((SELECT count(*)::int FROM public.ct_distribute WHERE status = 'done'), :layout_tables,
          'ci.distribute() turns the installed 0.2.0 schema into the layout: every table distributed or reference');
SELECT is((SELECT count(*)::int FROM ci.distribute() WHERE status = 'done'), :layout_tables, 'a second call changes nothing');
SELECT ok(ci.scale_distributed(), 'ci.scale_distributed() sees the layout');
SELECT is_empty($$SELECT tgname FROM pg_trigger t JOIN ci.distribution_layout() l ON l.relation = t.tgrelid
                  WHERE NOT t.tgisinternal AND l.placement <> 'coordinator'$$,
                'no trigger is left on a table that became shards or a reference table');
SELECT is((SELECT count(*)::int FROM ci.source_record_key), (SELECT count(*)::int FROM ci.source_record),
          'every source key is registered in ci.source_record_key');
SELECT is((SELECT count(DISTINCT colocationid)::int FROM pg_dist_partition
           WHERE logicalrelid IN ('ci.identity'::regclass, 'ci.identity_member', 'ci.golden_profile', 'ci.golden_dirty')), 1,
          'the member copy is co-located with the identity side');


SELECT is(:records, records, 'full resolution reads every record from the shards') FROM public.ct_single_counts;
SELECT is(:identities, identities, 'full resolution finds the single-node number of identities') FROM public.ct_single_counts;
SELECT is(:refreshed, refreshed, 'the refresh after incremental resolution recomputes as many identities') FROM public.ct_single_counts;
SELECT set_eq('SELECT * FROM public.ct_dist_links', 'SELECT * FROM public.ct_single_links',
              'links (record, identity, rule, probability) are the single-node ones');
SELECT set_eq('SELECT * FROM public.ct_dist_identities', 'SELECT * FROM public.ct_single_identities',
              'identities, retired and merged, are the single-node ones');
SELECT bag_eq('SELECT * FROM public.ct_dist_events', 'SELECT * FROM public.ct_single_events', 'the identity events are the single-node ones');
SELECT set_eq('SELECT * FROM public.ct_dist_golden', 'SELECT * FROM public.ct_single_golden',
              'golden values, record counts, sources and lineage are the single-node ones');
-- (values first: a query on one shard is sent whole to its worker)
SELECT birth_date AS pinned_birth_date FROM ci.golden_profile WHERE identity_id = :pin_identity \gset
SELECT is(:'pinned_birth_date'::text, '1970-01-01'::text, 'the pin holds on the distributed profile');

-- consent and erasure on the distributed layout: the single-node state
SELECT is(:consent_refreshed, (SELECT count(DISTINCT identity_id)::int FROM public.ct_single_links),
          'ci.refresh_consent() computes every resolved identity on the distributed layout');
SELECT set_eq('SELECT * FROM public.ct_dist_consent_state', 'SELECT * FROM public.ct_single_consent_state',
              'consent decisions (record, live and merged identity, withdrawal, expiry) are the single-node ones');
SELECT set_eq('SELECT * FROM public.ct_dist_consent_subject', 'SELECT * FROM public.ct_single_consent_subject',
              'consent subjects (jurisdictions, countries, contact and identity suppressions, override) are the single-node ones');
SELECT set_eq('SELECT * FROM public.ct_dist_consent_effective', 'SELECT * FROM public.ct_single_consent_effective',
              'ci.consent_effective answers as on one node');
SELECT set_eq('SELECT * FROM public.ct_dist_consent_at', 'SELECT * FROM public.ct_single_consent_at',
              'ci.consent_state_at answers as on one node');
SELECT set_eq('SELECT * FROM public.ct_dist_consent_ledger', 'SELECT * FROM public.ct_single_consent_ledger',
              'the ledger, with the erased customer''s events erased, is the single-node one');
SELECT set_eq('SELECT * FROM public.ct_dist_erasure', 'SELECT * FROM public.ct_single_erasure',
              'the erasure completes with the single-node identities, records and contact points');
SELECT is_empty(format('SELECT 1 FROM ci.identity_member WHERE identity_id = ANY (%L::bigint[])',
                       (SELECT erased_identity_ids FROM public.ct_dist_erasure)),
                'the erasure deletes the customer''s member copy on the identity side');

-- where per-identity work runs
SELECT ci.golden_profile_sql(true) AS gsql_one, ci.golden_profile_sql(false) AS gsql_all \gset
SELECT matches(plan_of(format('SELECT * FROM ci.golden_profile WHERE identity_id = %s', :pin_identity)), 'Task Count: 1\M',
               'EXPLAIN: reading one identity''s profile is single-shard');
SELECT matches(plan_of(replace('INSERT INTO ci.golden_profile (identity_id, record_count, sources) SELECT identity_id, record_count, sources FROM ('
                               || :'gsql_one' || ') g ON CONFLICT (identity_id) DO NOTHING',
                               '$1', format('ARRAY[%s]::bigint[]', :pin_identity))),
               'Task Count: 1\M', 'EXPLAIN: one identity''s golden-profile upsert is a single-shard statement');
SELECT doesnt_match(plan_of('INSERT INTO ci.golden_profile (identity_id, record_count, sources) SELECT identity_id, record_count, sources FROM ('
                            || :'gsql_all' || ') g ON CONFLICT (identity_id) DO NOTHING'),
                    'coordinator|[Rr]epartition|Subplan',
                    'EXPLAIN: the full golden build runs on the shards (no rows pulled, no repartitioning)');
SELECT matches(plan_of('INSERT INTO ci.identity_member (identity_id, record_id, source, updated_at)
                        SELECT l.identity_id, r.record_id, r.source, r.updated_at
                          FROM ci.identity_link l JOIN ci.source_record r ON r.record_id = l.record_id'),
               'INSERT/SELECT method: repartition',
               'EXPLAIN: the member copy goes from the record shards to the identity shards (repartitioned, not via the coordinator)');
SELECT matches(plan_of(format('SELECT * FROM ci.golden_override WHERE identity_id = %s', :pin_identity)), 'Task Count: 1\M',
               'EXPLAIN: one identity''s overrides are one shard''s');
SELECT matches(plan_of(format('SELECT * FROM ci.identity_event WHERE identity_id = %s', :pin_identity)), 'Task Count: 1\M',
               'EXPLAIN: one identity''s history is one shard''s');

-- the member copy is kept by the writers (resolve_record, unmerge, the
-- steward merge, ci.source_records_changed), not re-copied by the refresh
SELECT set_eq('SELECT identity_id, record_id, email, city, updated_at FROM ci.identity_member',
              'SELECT l.identity_id, r.record_id, r.email, r.city, r.updated_at
                 FROM ci.identity_link l JOIN ci.source_record r ON r.record_id = l.record_id',
              'after every writer of the pipeline, ci.identity_member is exactly the links joined with the records');
SELECT ok(:changed_queued > 0, 'ci.source_records_changed() queues the identities of changed and deleted records');
SELECT is_empty(format('SELECT 1 FROM ci.source_record_key WHERE record_id = %s', :deleted_record),
                'a deleted record''s source key is unregistered by ci.source_records_changed()');
SELECT is((SELECT refreshed3 FROM public.ct_single_counts), :refreshed3,
          'the refresh after direct record changes recomputes as many identities as the single-node triggers queued');
-- The refresh reads and writes only the identity side: every statement of
-- ci.refresh_golden_profiles_for on Citus, for identities on several shards
-- (pushed down, one task per shard holding them) and for one (one shard).
SELECT min(identity_id) AS min_identity FROM ci.golden_profile \gset
SELECT array_agg(identity_id ORDER BY identity_id) AS some_ids FROM ci.golden_profile WHERE identity_id < :min_identity + 60 \gset
CREATE TEMP TABLE ct_refresh_stmt (stmt text, what text);
INSERT INTO ct_refresh_stmt VALUES
    ('INSERT INTO ci.golden_profile AS gp (identity_id) SELECT i.identity_id FROM ci.identity i WHERE i.identity_id = ANY ($1) ON CONFLICT (identity_id) DO UPDATE SET changed_at = gp.changed_at',
     'the rows of the identities, new ones inserted, the others locked'),
    ('DELETE FROM ci.golden_dirty d WHERE d.identity_id = ANY ($1)', 'the queue entries'),
    (:'upsert_sql', 'the profile upsert'),
    ('DELETE FROM ci.golden_profile gp WHERE gp.identity_id = ANY ($1) AND NOT EXISTS (SELECT 1 FROM ci.identity_member m WHERE m.identity_id = gp.identity_id)',
     'the delete of profiles left without records'),
    ('WITH d AS (DELETE FROM ci.identity_member m WHERE m.record_id = ANY ($1) RETURNING m.identity_id) SELECT DISTINCT identity_id FROM d',
     '(record changes) the members'' delete by record');
SELECT doesnt_match(plan_of(replace(stmt, '$1', quote_literal(:'some_ids') || '::bigint[]')),
                    'coordinator|[Rr]epartition|Subplan|intermediate|source_record|identity_link',
                    'EXPLAIN, refresh of identities on every shard: ' || what || ' is pushed down to the identity shards, nothing crosses sides')
  FROM ct_refresh_stmt WHERE what NOT LIKE '(record%' ORDER BY ctid;
SELECT matches(plan_of(replace(stmt, '$1', format('ARRAY[%s]::bigint[]', :pin_identity))), 'Task Count: 1\M',
               'EXPLAIN, refresh of one identity: ' || what || ' is single-shard')
  FROM ct_refresh_stmt WHERE what NOT LIKE '(record%' ORDER BY ctid;
SELECT matches(plan_of(replace(stmt, '$1', quote_literal(:'changed_records') || '::bigint[]')), 'Task Count: 8\M',
               'EXPLAIN: ' || what || ' runs on the identity shards')
  FROM ct_refresh_stmt WHERE what LIKE '(record%';

SELECT source_key AS dup_key FROM ci.source_record WHERE source = 'crm' ORDER BY record_id LIMIT 1 \gset
SELECT throws_ok(format($$INSERT INTO ci.source_record (source, source_key) VALUES ('crm', %L);
                          SELECT ci.register_source_keys()$$, :'dup_key'),
                 '23505', 'duplicate source key among the loaded source records',
                 'a duplicate (source, source_key) loaded on Citus is refused by ci.register_source_keys()');

SELECT * FROM finish();
ROLLBACK;
