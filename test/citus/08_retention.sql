-- Retention on distributed tables (after 05_pipeline.sql left the cluster
-- distributed): the same purge, holds, erasure and subject-access export
-- on a user table kept on the coordinator (the single-node path) and on its
-- twin distributed by the customer, with identical results; the
-- extension's own ci.source_record purged on its shards; EXPLAIN shows the
-- batches pushed down to every shard as TID range scans (doc/retention.md,
-- "On Citus").  A purge commits per batch: it runs first, outside the
-- checks' transaction; everything it changed is put back at the end.
\set QUIET 1
SET client_min_messages = error;
-- customers: 900001..900040, 900041 merged into 900005; records linked to
-- some of them (the identity side and the record side are distributed)
INSERT INTO ci.identity (identity_id) OVERRIDING SYSTEM VALUE SELECT 900000 + g FROM generate_series(1, 40) g;
INSERT INTO ci.identity (identity_id, retired_at, merged_into) OVERRIDING SYSTEM VALUE VALUES (900041, now(), 900005);
CREATE TEMP TABLE ct_links AS
SELECT r.record_id, 900000 + (row_number() OVER (ORDER BY r.record_id) - 1) % 12 + 1 AS identity_id
  FROM ci.source_record r ORDER BY r.record_id LIMIT 36;
INSERT INTO ci.identity_link (record_id, identity_id, rule) SELECT record_id, identity_id, 'ct08' FROM ct_links;
SELECT ci.source_records_changed(ARRAY(SELECT record_id FROM ct_links)) AS synced \gset
-- the records a policy on ci.source_record will find expired, and their dates
SELECT min(record_id) AS held_rec FROM ct_links WHERE identity_id = 900003 \gset
CREATE TEMP TABLE ct_aged AS
SELECT r.record_id, r.updated_at, l.identity_id
  FROM ci.source_record r LEFT JOIN ct_links l USING (record_id)
 WHERE r.record_id % 40 = 0 OR r.record_id = :held_rec
    OR r.record_id IN (SELECT min(record_id) FROM ct_links WHERE identity_id IN (900004, 900005) GROUP BY identity_id);
-- (a value: Citus refuses now() in a multi-shard UPDATE; the fixture's dates are within 13 years)
SELECT now() - interval '20 years' AS aged_at \gset
UPDATE ci.source_record SET updated_at = :'aged_at' WHERE record_id IN (SELECT record_id FROM ct_aged);
SELECT ci.source_records_changed(ARRAY(SELECT record_id FROM ct_aged)) AS synced \gset
CREATE TEMP TABLE ct_records_before AS SELECT * FROM ci.source_record WHERE record_id IN (SELECT record_id FROM ct_aged);

-- the same two tables on the coordinator (_1) and distributed (_d)
CREATE TABLE public.ct_ticket_1 (ticket_id bigint NOT NULL, identity_id bigint NOT NULL, region text, subject text,
                                 closed_at timestamptz, PRIMARY KEY (identity_id, ticket_id));
CREATE TABLE public.ct_visit_1 (visit_id bigint NOT NULL, record_id bigint NOT NULL, ip text, page text,
                                at timestamptz NOT NULL, PRIMARY KEY (record_id, visit_id));
CREATE TABLE public.ct_ticket_d (LIKE public.ct_ticket_1 INCLUDING ALL);
CREATE TABLE public.ct_visit_d (LIKE public.ct_visit_1 INCLUDING ALL);
SELECT create_distributed_table('public.ct_ticket_d', 'identity_id', colocate_with => 'ci.identity') AS d1,
       create_distributed_table('public.ct_visit_d', 'record_id', colocate_with => 'ci.source_record') AS d2 \gset
INSERT INTO public.ct_ticket_1
SELECT g, 900000 + g % 41 + 1, CASE WHEN g % 3 = 0 THEN 'CCPA' WHEN g % 3 = 1 THEN 'GDPR' END,
       CASE WHEN g % 17 = 0 THEN 'disputed' ELSE 'ticket' END, now() - make_interval(days => (g * 7) % 4000)
  FROM generate_series(1, 3000) g;
INSERT INTO public.ct_ticket_d SELECT * FROM public.ct_ticket_1;
INSERT INTO public.ct_visit_1
SELECT g, (SELECT record_id FROM ct_links ORDER BY record_id OFFSET g % 36 LIMIT 1), '192.0.2.' || g % 250, '/p' || g % 7,
       now() - make_interval(days => g % 200)
  FROM generate_series(1, 2000) g;
INSERT INTO public.ct_visit_d SELECT * FROM public.ct_visit_1;
CREATE INDEX ON public.ct_visit_1 (at);
CREATE INDEX ON public.ct_visit_d (at);
SELECT count(ci.register_table(t, 'identity_id', time_column => 'closed_at', category => 'support',
                               jurisdiction_column => 'region')) AS registered
  FROM unnest(ARRAY['public.ct_ticket_1', 'public.ct_ticket_d']::regclass[]) t \gset
SELECT count(ci.register_table(t, 'record_id', customer_kind => 'record', time_column => 'at', category => 'web')) AS registered
  FROM unnest(ARRAY['public.ct_visit_1', 'public.ct_visit_d']::regclass[]) t \gset
CREATE TEMP TABLE ct_policy AS
SELECT ci.create_retention_policy('3 years', table_name => t, jurisdiction => 'GDPR') AS eu,
       ci.create_retention_policy('7 years', table_name => t, jurisdiction => 'CCPA') AS us,
       ci.create_retention_policy('5 years', table_name => t) AS other,
       ci.create_retention_policy('90 days', 'anonymise', table_name => replace(t::text, 'ticket', 'visit')::regclass,
                                  anonymise_columns => '{ip}') AS visits
  FROM unnest(ARRAY['public.ct_ticket_1', 'public.ct_ticket_d']::regclass[]) t;
INSERT INTO ct_policy (other) SELECT ci.create_retention_policy('15 years', table_name => 'ci.source_record');
-- holds: a customer (and the identity merged into it), a record (and so its
-- customer), disputed tickets
CREATE TEMP TABLE ct_hold AS
SELECT ci.place_legal_hold('litigation', identity_id => 900005) AS h
UNION ALL SELECT ci.place_legal_hold('record hold', record_id => :held_rec)
UNION ALL SELECT ci.place_legal_hold('dispute', table_name => t, predicate => $$subject = 'disputed'$$)
  FROM unnest(ARRAY['public.ct_ticket_1', 'public.ct_ticket_d']::regclass[]) t;

-- before the run: what a dry run says, and what must stay (by plain SQL)
CREATE TEMP TABLE ct_dry AS SELECT * FROM ci.retention_dry_run();
CREATE TEMP TABLE ct_ticket_expected AS
SELECT t.* FROM public.ct_ticket_1 t
 WHERE NOT (t.closed_at < now() - CASE t.region WHEN 'GDPR' THEN interval '3 years' WHEN 'CCPA' THEN interval '7 years'
                                                 ELSE interval '5 years' END)
    OR t.identity_id IN (900005, 900041, 900003) OR t.subject = 'disputed';
CREATE TEMP TABLE ct_visit_expected AS
SELECT v.visit_id, v.record_id,
       CASE WHEN v.at < now() - interval '90 days' AND v.record_id NOT IN (SELECT record_id FROM ct_links
                                                                      WHERE identity_id IN (900003, 900005))
            THEN NULL ELSE v.ip END AS ip
  FROM public.ct_visit_1 v;
-- a distributed table partitioned by time: a partition past the window
-- goes whole (the detach and the drop are propagated), the next row by row
CREATE TABLE public.ct_page_d (view_id bigint NOT NULL, identity_id bigint NOT NULL, at timestamptz NOT NULL,
                               PRIMARY KEY (identity_id, view_id, at)) PARTITION BY RANGE (at);
SELECT now() - interval '6 years' AS p1, now() - interval '2 years' AS p2 \gset
CREATE TABLE public.ct_page_d_old PARTITION OF public.ct_page_d FOR VALUES FROM ('-infinity') TO (:'p1');
CREATE TABLE public.ct_page_d_mid PARTITION OF public.ct_page_d FOR VALUES FROM (:'p1') TO (:'p2');
CREATE TABLE public.ct_page_d_new PARTITION OF public.ct_page_d FOR VALUES FROM (:'p2') TO ('infinity');
SELECT create_distributed_table('public.ct_page_d', 'identity_id', colocate_with => 'ci.identity') AS d3 \gset
INSERT INTO public.ct_page_d SELECT g, 900011 + g % 30, now() - make_interval(days => g) FROM generate_series(1, 3000) g;
SELECT count(ci.register_table('public.ct_page_d', 'identity_id', time_column => 'at', category => 'web')) AS registered \gset
INSERT INTO ct_policy (other) SELECT ci.create_retention_policy('4 years', table_name => 'public.ct_page_d');
SELECT count(*) AS pages_kept FROM public.ct_page_d WHERE at >= now() - interval '4 years' OR identity_id IN (900003, 900005) \gset

-- a writer holds an expired row of the distributed table during the run
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT dblink_connect('writer', format('host=127.0.0.1 port=%s dbname=%s user=%s', current_setting('port'), current_database(), current_user)) AS c \gset
SELECT min(ticket_id) AS locked_ticket FROM public.ct_ticket_1
 WHERE identity_id = 900010 AND region = 'GDPR' AND closed_at < now() - interval '4 years' AND subject <> 'disputed' \gset
SELECT dblink_exec('writer', 'BEGIN') AS b,
       dblink_exec('writer', format('UPDATE public.ct_ticket_d SET subject = subject WHERE identity_id = 900010 AND ticket_id = %s', :locked_ticket)) AS u \gset
SET client_min_messages = warning;
CALL ci.run_retention(batch_rows => 60, erasures => false, writer_wait => '20ms');
SET client_min_messages = error;
SELECT max(run_id) AS run FROM ci.retention_run \gset
SELECT count(*) AS locked_left FROM public.ct_ticket_d WHERE identity_id = 900010 AND ticket_id = :locked_ticket \gset
SELECT string_agg(note, '; ') AS writer_note FROM ci.retention_run_report
 WHERE run_id = :run AND table_name = 'public.ct_ticket_d'::regclass AND note LIKE '%writer held%' \gset
SELECT dblink_exec('writer', 'COMMIT') AS c, dblink_disconnect('writer') AS d \gset
-- the next run takes what the writer held
SET client_min_messages = warning;
CALL ci.run_retention(batch_rows => 60, erasures => false);
SET client_min_messages = error;

BEGIN;
SELECT plan(32);
SELECT ok(ci.scale_distributed() AND ci.retention_citus_placement('public.ct_ticket_d') = 'sharded'
          AND ci.retention_citus_placement('public.ct_ticket_1') IS NULL,
          'a coordinator table and its distributed twin, on the distributed layout');
SELECT results_eq($$SELECT jurisdiction, policy_version, action, expired, held, to_purge, due_30_days FROM ct_dry
                    WHERE table_name = 'public.ct_ticket_1'::regclass ORDER BY jurisdiction NULLS LAST$$,
                  $$SELECT jurisdiction, policy_version, action, expired, held, to_purge, due_30_days FROM ct_dry
                    WHERE table_name = 'public.ct_ticket_d'::regclass ORDER BY jurisdiction NULLS LAST$$,
                  'the dry run counts the same expired, held and to-purge rows on both');
SELECT ok((SELECT sum(held) > 0 AND sum(to_purge) > 0 FROM ct_dry WHERE table_name = 'public.ct_ticket_d'::regclass),
          'and there are rows both to purge and held');

-- purge of the distributed table: same rows left, same counts
SELECT bag_eq('SELECT * FROM public.ct_ticket_d', 'SELECT * FROM public.ct_ticket_1',
              'the distributed table keeps exactly the rows the coordinator table keeps');
SELECT bag_eq('SELECT * FROM public.ct_ticket_d', 'SELECT * FROM ct_ticket_expected',
              'the rows that are within their window or held (by plain SQL)');
SELECT results_eq($$SELECT jurisdiction, sum(rows_deleted) FROM ci.retention_run_report
                    WHERE run_id >= (SELECT max(run_id) - 1 FROM ci.retention_run) AND table_name = 'public.ct_ticket_d'::regclass
                    GROUP BY 1 ORDER BY 1 NULLS LAST$$,
                  $$SELECT jurisdiction, sum(rows_deleted) FROM ci.retention_run_report
                    WHERE run_id >= (SELECT max(run_id) - 1 FROM ci.retention_run) AND table_name = 'public.ct_ticket_1'::regclass
                    GROUP BY 1 ORDER BY 1 NULLS LAST$$,
                  'the runs report the same rows deleted per policy for both');
SELECT ok((SELECT bool_and(batches > 1) FROM ci.retention_run_report
            WHERE run_id = :run AND table_name = 'public.ct_ticket_d'::regclass AND rows_deleted > 0),
          'in bounded batches (more than one per policy at batch_rows 60)');
SELECT is((SELECT count(*)::int FROM public.ct_ticket_d WHERE identity_id IN (900005, 900041, 900003)),
          (SELECT count(*)::int FROM ct_ticket_expected WHERE identity_id IN (900005, 900041, 900003)),
          'held customers keep every ticket: the identity held, the one merged into it, the held record''s customer');
SELECT is(:locked_left, 1, 'a batch that meets a writer''s row lock (writer_wait, as lock_timeout on the workers) leaves its range');
SELECT ok(:'writer_note' LIKE 'blocks % to %: a writer held rows, left for the next run', 'and says so in the run report');
SELECT bag_eq('SELECT * FROM public.ct_ticket_d', 'SELECT * FROM ct_ticket_expected',
              'the next run purges it: the distributed table is as expected');
SELECT is((SELECT sum(rows_deleted)::int FROM ci.retention_run_report WHERE run_id >= (SELECT max(run_id) - 1 FROM ci.retention_run)
                                                                     AND table_name = 'public.ct_ticket_d'::regclass),
          3000 - (SELECT count(*)::int FROM ct_ticket_expected), 'and the two runs'' counts add up');
-- partitions
SELECT is((SELECT count(*)::int FROM public.ct_page_d), :pages_kept, 'a distributed partitioned table keeps the rows within the window');
SELECT is_empty($$SELECT 1 FROM pg_class WHERE relname = 'ct_page_d_old'$$, 'its expired partition was dropped whole');
SELECT ok((SELECT sum(rows_deleted) FILTER (WHERE kind = 'rows') > 0 AND sum(partitions_removed) = 1
             FROM ci.retention_run_report WHERE run_id = (SELECT max(run_id) - 1 FROM ci.retention_run)
              AND table_name = 'public.ct_page_d'::regclass),
          'the straddling partition was purged row by row on its shards');
-- anonymisation by record
SELECT bag_eq('SELECT visit_id, record_id, ip FROM public.ct_visit_d', 'SELECT * FROM ct_visit_expected',
              'the distributed record-keyed table is anonymised as expected, held records'' rows kept');
SELECT is((SELECT rows_anonymised FROM ci.retention_run_report WHERE run_id = :run AND table_name = 'public.ct_visit_d'::regclass),
          (SELECT rows_anonymised FROM ci.retention_run_report WHERE run_id = :run AND table_name = 'public.ct_visit_1'::regclass),
          'and the same rows anonymised are reported');

-- the extension's own distributed ci.source_record
SELECT is_empty($$SELECT record_id FROM ct_aged WHERE identity_id IS DISTINCT FROM 900005 AND identity_id IS DISTINCT FROM 900003
                  INTERSECT SELECT record_id FROM ci.source_record$$,
                'ci.source_record: the expired records are purged on their shards');
SELECT set_eq('SELECT record_id FROM ci.source_record WHERE record_id IN (SELECT record_id FROM ct_aged)',
              'SELECT record_id FROM ct_aged WHERE identity_id IN (900005, 900003)',
              'the held ones stay (a held record; a record of a held customer)');
SELECT is((SELECT rows_deleted::int FROM ci.retention_run_report WHERE run_id = :run AND table_name = 'ci.source_record'::regclass),
          (SELECT count(*)::int FROM ct_aged WHERE identity_id IS DISTINCT FROM 900005 AND identity_id IS DISTINCT FROM 900003),
          'and counted');
SELECT is_empty($$SELECT 1 FROM ci.identity_link WHERE record_id IN (SELECT record_id FROM ct_aged WHERE identity_id NOT IN (900005, 900003))
                  UNION ALL SELECT 1 FROM ci.identity_member WHERE record_id IN (SELECT record_id FROM ct_aged WHERE identity_id NOT IN (900005, 900003))
                  UNION ALL SELECT 1 FROM ci.source_record_key WHERE record_id IN (SELECT record_id FROM ct_aged WHERE identity_id IS DISTINCT FROM 900005 AND identity_id IS DISTINCT FROM 900003)$$,
                'their links, member copies and source keys went with them (ci.source_records_changed)');
SELECT ok((SELECT count(*) > 0 FROM ci.golden_dirty WHERE identity_id IN (SELECT identity_id FROM ct_aged WHERE identity_id NOT IN (900005, 900003))),
          'and their customers are queued for a golden refresh');

-- EXPLAIN: a batch is one statement pushed down to every shard
SELECT format(replace(replace(ci.retention_batch_sql(s, ci.retention_hold_filter(s.table_name), 'sharded'), '$1', '%L'), '$2', '%L'),
              '(0,0)', '(4,0)') AS batch_sql
  FROM ci.retention_run_step s WHERE s.run_id = :run AND s.table_name = 'public.ct_ticket_d'::regclass AND s.jurisdiction = 'GDPR' \gset
SELECT matches(plan_of(:'batch_sql'),
               'Task Count: 8.*Delete on public\.ct_ticket_d_[0-9]+ t.*(Tid Range|Seq) Scan on public\.ct_ticket_d_[0-9]+ t.*\(t\.ctid >= ''\(0,0\)''::tid\) AND \(t\.ctid < ''\(4,0\)''::tid\)',
               'EXPLAIN: a batch deletes one TID range on each of the 8 shards, in the shard''s own plan (a TID range scan, or a sequential scan when the range is most of the shard)');
SELECT unalike(plan_of(:'batch_sql'), '%Distributed Subplan%', 'nothing of it is planned on the coordinator');

-- erasure and subject access on the distributed table
-- (every customer has a disputed ticket, which the predicate hold keeps)
SELECT is(ci.process_erasure(ci.request_erasure(900007, 'GDPR')), 'held', 'an erasure runs on both tables and keeps what the predicate hold keeps');
SELECT results_eq($$SELECT (e ->> 'rows')::int FROM ci.erasure_certificate c, jsonb_array_elements(c.certificate -> 'tables') e
                    WHERE e ->> 'table' = 'public.ct_ticket_d' ORDER BY c.request_id DESC LIMIT 1$$,
                  $$SELECT (e ->> 'rows')::int FROM ci.erasure_certificate c, jsonb_array_elements(c.certificate -> 'tables') e
                    WHERE e ->> 'table' = 'public.ct_ticket_1' ORDER BY c.request_id DESC LIMIT 1$$,
                  'its certificate counts the same rows erased in both tables');
-- (on ci.source_record verification may find the customer's phone on
-- another person's record of the generated fixture: not in these tables)
SELECT results_eq($$SELECT checked_by, remaining, kept_by_hold FROM ci.verify_erasure((SELECT max(request_id) FROM ci.erasure_request))
                    WHERE table_name = 'public.ct_ticket_d'$$,
                  $$SELECT checked_by, remaining, kept_by_hold FROM ci.verify_erasure((SELECT max(request_id) FROM ci.erasure_request))
                    WHERE table_name = 'public.ct_ticket_1'$$,
                  'verification finds the same rows left on both: what the hold keeps');
-- (counted first: a single-shard query would carry pgTAP's call to the worker)
SELECT count(*) AS left_d FROM public.ct_ticket_d WHERE identity_id = 900007 \gset
SELECT is(:left_d::bigint, (SELECT count(*) FROM public.ct_ticket_1 WHERE identity_id = 900007 AND subject = 'disputed'),
          'the distributed table keeps the disputed tickets only');
SELECT is(ci.process_erasure(ci.request_erasure(900005, 'GDPR')), 'held', 'a held customer''s erasure is held');
SELECT results_eq($$SELECT (e ->> 'kept_by_hold')::int FROM ci.erasure_certificate c, jsonb_array_elements(c.certificate -> 'tables') e
                    WHERE e ->> 'table' = 'public.ct_ticket_d' ORDER BY c.request_id DESC LIMIT 1$$,
                  $$SELECT count(*)::int FROM public.ct_ticket_1 WHERE identity_id IN (900005, 900041)$$,
                  'keeping every row of the customer and of the identity merged into it');
SELECT ci.refresh_golden_profiles_for(ARRAY[900008]::bigint[]) AS refreshed \gset
SELECT ci.subject_access_export(900008) AS export \gset
SELECT is(:'export'::jsonb -> 'tables' -> 'public.ct_ticket_d', :'export'::jsonb -> 'tables' -> 'public.ct_ticket_1',
          'a subject-access export holds the same rows from both tables');
SELECT ok((:'export'::jsonb -> 'golden_profile' ->> 'identity_id')::bigint = 900008
          AND jsonb_typeof(:'export'::jsonb -> 'golden_profile' -> 'profile') = 'object'
          AND (:'export'::jsonb -> 'golden_profile' ->> 'record_count')::int = (SELECT count(*)::int FROM ct_links WHERE identity_id = 900008),
          'and the customer''s golden profile with its lineage (read from the identity''s shard)');
SELECT * FROM finish();
ROLLBACK;

-- put back what the run changed
SELECT count(ci.drop_retention_policy(p)) AS dropped FROM ct_policy, unnest(ARRAY[eu, us, other, visits]) p WHERE p IS NOT NULL \gset
DELETE FROM ci.legal_hold WHERE hold_id IN (SELECT h FROM ct_hold);
SELECT count(ci.unregister_table(t)) AS unregistered
  FROM unnest(ARRAY['public.ct_ticket_1', 'public.ct_ticket_d', 'public.ct_visit_1', 'public.ct_visit_d', 'public.ct_page_d']::regclass[]) t \gset
DROP TABLE public.ct_ticket_1, public.ct_ticket_d, public.ct_visit_1, public.ct_visit_d, public.ct_page_d;
DROP EXTENSION dblink;
SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) AS record_cols FROM pg_attribute
 WHERE attrelid = 'ci.source_record'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' \gset
SELECT coalesce(array_agg(record_id), '{}') AS live FROM ci.source_record WHERE record_id = ANY (ARRAY(SELECT record_id FROM ct_aged)) \gset
INSERT INTO ci.source_record (:record_cols) OVERRIDING SYSTEM VALUE
SELECT :record_cols FROM ct_records_before b WHERE b.record_id <> ALL (:'live'::bigint[]);
SELECT ci.register_source_keys() AS keys \gset
DO $$ DECLARE a record; BEGIN
    FOR a IN SELECT * FROM ct_aged LOOP
        UPDATE ci.source_record SET updated_at = a.updated_at WHERE record_id = a.record_id;
    END LOOP;
END $$;
DELETE FROM ci.identity_link WHERE rule = 'ct08';
SELECT ci.source_records_changed(ARRAY(SELECT record_id FROM ct_aged UNION SELECT record_id FROM ct_links)) AS synced \gset
DELETE FROM ci.golden_dirty WHERE identity_id > 900000;
DELETE FROM ci.identity WHERE identity_id > 900000;
