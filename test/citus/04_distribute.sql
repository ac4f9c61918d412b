-- ci.distribute(): the layout, its refusals, what it changes itself, and
-- the distributed layout: reference tables, a record side and an
-- identity side, each co-located, foreign keys kept, idempotent.
BEGIN;
SELECT plan(25);
-- (Temporary views stay local to the coordinator; Citus would warn.)
SET LOCAL client_min_messages = error;

-- The refusals: not on a worker, not without workers, not while blocked.
SELECT is((SELECT array_agg(result ORDER BY nodeport) FROM run_command_on_workers('SELECT count(*) FROM ci.distribute()')),
          ARRAY['ERROR:  ci.distribute() must run on the Citus coordinator',
                'ERROR:  ci.distribute() must run on the Citus coordinator'],
          'ci.distribute() on a worker: refused, run it on the coordinator');
SELECT is((SELECT array_agg(result ORDER BY nodeport) FROM run_command_on_workers($$SELECT ci.consent_allows(1, 'analytics')$$)),
          ARRAY['ERROR:  consent cannot be checked on this Citus worker yet',
                'ERROR:  consent cannot be checked on this Citus worker yet'],
          'before ci.distribute() a worker refuses to answer consent (its own consent tables are never written)');

SAVEPOINT no_workers;
SELECT citus_set_node_property(nodename, nodeport, 'shouldhaveshards', false) FROM pg_dist_node WHERE groupid <> 0;
SELECT throws_ok('SELECT * FROM ci.distribute()', '55000', 'the Citus cluster has no worker node to hold shards',
                 'ci.distribute() without a worker that holds shards: refused');
ROLLBACK TO SAVEPOINT no_workers;

-- A table outside the layout that refers to one inside it blocks it: Citus
-- could not keep that foreign key.
CREATE TABLE public.ct_orders (order_id bigint PRIMARY KEY, identity_id bigint REFERENCES ci.identity);
SELECT throws_ok('SELECT * FROM ci.distribute()', '0A000', 'the canonical tables cannot be distributed yet',
                 'ci.distribute() while a table is blocked: refused, naming it');
SELECT is_empty($$SELECT logicalrelid FROM pg_dist_partition WHERE logicalrelid::regclass::text LIKE 'ci.%'$$,
                'the refusal distributed nothing');
SELECT ok((SELECT array_to_string(blockers, ';') LIKE '%foreign key ct_orders_identity_id_fkey of %ct_orders, outside the layout, refers to it%'
           FROM ci.distribution_plan() WHERE relation = 'ci.identity'::regclass),
          'the plan names the foreign key Citus could not keep');
DROP TABLE public.ct_orders;

-- What ci.distribute() changes itself is listed, not a blocker.
SELECT ok((SELECT changes @> ARRAY['unique constraint source_record_source_source_key_key does not include the distribution column record_id']
           FROM ci.distribution_plan() WHERE relation = 'ci.source_record'::regclass),
          'the plan lists UNIQUE (source, source_key), which ci.distribute() moves to ci.source_record_key');
SELECT ok((SELECT changes @> ARRAY['trigger identity_link_insert_check', 'trigger golden_queue_link_insert', 'trigger consent_follow_link_insert']
           FROM ci.distribution_plan() WHERE relation = 'ci.identity_link'::regclass),
          'the plan lists the triggers it drops on tables that become shards (link guard, golden queue, consent)');

INSERT INTO ci.identity (identity_id) SELECT g FROM generate_series(1, 100) g;
INSERT INTO ci.golden_profile (identity_id, family_name) SELECT g, 'family ' || g FROM generate_series(1, 100) g;
INSERT INTO ci.identity_link (record_id, identity_id, rule)
SELECT record_id, record_id % 100 + 1, 'seed' FROM ci.source_record ORDER BY record_id LIMIT 250;

SELECT is_empty($$SELECT relation FROM ci.distribution_plan() WHERE status NOT IN ('ready', 'local')$$,
                'with the blockers gone every table is ready');
SELECT count(*)::int AS layout_tables FROM ci.distribution_layout() WHERE placement <> 'coordinator' \gset
SELECT is((SELECT count(*)::int FROM ci.distribute() WHERE status = 'done'), :layout_tables, 'ci.distribute() distributes every table of the layout');
SELECT is((SELECT count(*)::int FROM ci.distribute() WHERE status = 'done'), :layout_tables, 'a second call changes nothing: idempotent');
SELECT is((SELECT count(*)::int FROM ci.golden_stale WHERE reason LIKE 'distributed by ci.distribute()%'), 1,
          'existing identities: the next refresh is flagged to rebuild, making the member copies');
SELECT ci.refresh_golden_profiles() AS rebuilt \gset
SELECT set_eq('SELECT identity_id, record_id, family_name FROM ci.identity_member',
              'SELECT l.identity_id, r.record_id, r.family_name FROM ci.identity_link l JOIN ci.source_record r USING (record_id)',
              'after that refresh the member copy is the links joined with the records');

SELECT set_eq($$SELECT logicalrelid::regclass::text FROM pg_dist_partition WHERE partmethod = 'n' AND repmodel = 't'
                AND logicalrelid::regclass::text LIKE 'ci.%'$$,
              ARRAY['ci.source', 'ci.golden_attribute', 'ci.survivorship_rule', 'ci.match_model', 'ci.match_comparison',
                    'ci.match_blocking_rule', 'ci.match_term_frequency', 'ci.name_alias', 'ci.role_privilege',
                    'ci.shipped_row', 'ci.shipped_row_deleted', 'ci.consent_node_purpose', 'ci.consent_node_default',
                    'ci.consent_node_binding', 'ci.consent_node_subject', 'ci.consent_node_state', 'ci.consent_node_change'],
              'configuration tables and the consent copies the workers read are reference tables');
SELECT is((SELECT count(DISTINCT colocationid)::int FROM pg_dist_partition
           WHERE logicalrelid IN ('ci.source_record'::regclass, 'ci.identity_link', 'ci.match_decision', 'ci.match_review')), 1,
          'the record side is one co-location group');
SELECT is((SELECT count(DISTINCT colocationid)::int FROM pg_dist_partition
           WHERE logicalrelid IN ('ci.identity'::regclass, 'ci.identity_event', 'ci.golden_profile', 'ci.golden_override', 'ci.golden_dirty',
                                  'ci.identity_member')), 1,
          'the identity side is one co-location group');
SELECT isnt((SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'ci.source_record'::regclass),
            (SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'ci.identity'::regclass),
            'the two sides are distinct groups');

SELECT is((SELECT count(*)::int FROM ci.source), 4, 'the shipped sources survive distribution');
SELECT count(*) AS n_golden FROM ci.golden_profile \gset
SELECT is(:n_golden::int, 100, 'the golden profiles survive distribution');
SELECT throws_ok($$INSERT INTO ci.golden_profile (identity_id) VALUES (1000)$$, '23503', NULL,
                 'the co-located foreign key golden_profile -> identity is kept on the shards');

SELECT matches(plan_of($$SELECT g.family_name FROM ci.golden_profile g JOIN ci.identity i USING (identity_id)
                         WHERE identity_id = 42$$),
               'Task Count: 1\M', 'EXPLAIN: one identity''s profile is a single-shard statement');

-- The golden-profile statement the layout is made for: fed from a table of
-- each identity's member records, keyed by identity and co-located, it is
-- one INSERT ... SELECT ... ON CONFLICT that runs on the shards.
INSERT INTO ci.identity (identity_id) SELECT DISTINCT person_id FROM ci_bench.truth WHERE person_id > 100;
CREATE TABLE ct_member AS
    SELECT t.person_id AS identity_id, r.record_id, r.source, r.updated_at, r.given_name, r.family_name, r.email
    FROM ci.source_record r JOIN ci_bench.truth t USING (record_id);
CREATE TABLE ct_member_local AS SELECT * FROM ct_member;
SELECT create_distributed_table('ct_member', 'identity_id', colocate_with => 'ci.identity');

CREATE TEMP VIEW golden_q(q) AS VALUES ($$
    SELECT identity_id, ci.survive(given_name, source, updated_at, 'most_frequent') AS given_name,
           ci.survive(family_name, source, updated_at, 'source_priority:crm,pos,support,web') AS family_name,
           ci.survive(email, source, updated_at, 'most_recent') AS email, count(*)::int AS record_count,
           jsonb_build_object('email', ci.survive_lineage(email, record_id, source, updated_at, '[{"kind": "most_recent"}]'::jsonb)) AS lineage
    FROM %s GROUP BY identity_id$$);
CREATE TEMP VIEW golden_upsert(q) AS
    SELECT format($$INSERT INTO ci.golden_profile AS g (identity_id, given_name, family_name, email, record_count, lineage)
                    %s
                    ON CONFLICT (identity_id) DO UPDATE SET given_name = excluded.given_name, family_name = excluded.family_name,
                        email = excluded.email, record_count = excluded.record_count, lineage = excluded.lineage$$,
                  format((SELECT q FROM golden_q), 'ct_member'));

SELECT doesnt_match(plan_of((SELECT q FROM golden_upsert)), 'coordinator|[Rr]epartition',
                    'EXPLAIN: the golden-profile upsert neither pulls rows to the coordinator nor repartitions');
SELECT matches(plan_of((SELECT q FROM golden_upsert)), 'Task Count: 8.*INSERT INTO ci\.golden_profile_\d+',
               'EXPLAIN: it is one INSERT ... SELECT per shard');
SELECT lives_ok((SELECT q FROM golden_upsert), 'the golden-profile upsert runs');
SELECT bag_eq($$SELECT identity_id, given_name, family_name, email, record_count, lineage FROM ci.golden_profile$$,
              format((SELECT q FROM golden_q), 'ct_member_local'),
              'golden values and lineage are the single-node ones');

SELECT * FROM finish();
ROLLBACK;
