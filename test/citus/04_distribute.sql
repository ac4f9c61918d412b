-- ci.distribute(): the layout, its refusals, and — once the blockers it
-- names are gone (here removed by hand, as the schema rework must do) —
-- the distributed layout itself: reference tables, a record side and an
-- identity side, each co-located, foreign keys kept, idempotent.
BEGIN;
SELECT plan(21);
-- (Temporary views stay local to the coordinator; Citus would warn.)
SET LOCAL client_min_messages = error;

-- The refusals: not on a worker, not without workers, not while blocked.
SELECT is((SELECT array_agg(result ORDER BY nodeport) FROM run_command_on_workers('SELECT count(*) FROM ci.distribute()')),
          ARRAY['ERROR:  ci.distribute() must run on the Citus coordinator',
                'ERROR:  ci.distribute() must run on the Citus coordinator'],
          'ci.distribute() on a worker: refused, run it on the coordinator');

SAVEPOINT no_workers;
SELECT citus_set_node_property(nodename, nodeport, 'shouldhaveshards', false) FROM pg_dist_node WHERE groupid <> 0;
SELECT throws_ok('SELECT * FROM ci.distribute()', '55000', 'the Citus cluster has no worker node to hold shards',
                 'ci.distribute() without a worker that holds shards: refused');
ROLLBACK TO SAVEPOINT no_workers;

SELECT throws_ok('SELECT * FROM ci.distribute()', '0A000', 'the canonical tables cannot be distributed yet',
                 'ci.distribute() while tables are blocked: refused, naming them');
SELECT is_empty($$SELECT logicalrelid FROM pg_dist_partition WHERE logicalrelid::regclass::text LIKE 'ci.%'$$,
                'the refusal distributed nothing');

SELECT ok((SELECT blockers @> ARRAY['unique constraint source_record_source_source_key_key does not include the distribution column record_id']
           FROM ci.distribution_plan() WHERE relation = 'ci.source_record'::regclass),
          'the plan names what Citus cannot enforce: UNIQUE (source, source_key) without record_id');
SELECT ok((SELECT blockers @> ARRAY['trigger identity_link_insert_check']
           FROM ci.distribution_plan() WHERE relation = 'ci.identity_link'::regclass),
          'the plan names the triggers on tables that become shards');

-- Remove every blocker the plan names, as the issue's experiment did by hand.
DO $$
DECLARE r record; b text;
BEGIN
    FOR r IN SELECT * FROM ci.distribution_plan() WHERE status = 'blocked' LOOP
        FOREACH b IN ARRAY r.blockers LOOP
            IF b LIKE 'trigger %' THEN
                EXECUTE format('DROP TRIGGER %I ON %s', substr(b, 9), r.relation);
            ELSIF b ~ '^(primary key|unique constraint|foreign key) ' THEN
                EXECUTE format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I', r.relation,
                               (regexp_match(b, '^(?:primary key|unique constraint|foreign key) (\S+)'))[1]);
            END IF;
        END LOOP;
    END LOOP;
END
$$;
INSERT INTO ci.identity (identity_id) SELECT g FROM generate_series(1, 100) g;
INSERT INTO ci.golden_profile (identity_id, family_name) SELECT g, 'family ' || g FROM generate_series(1, 100) g;

SELECT is_empty($$SELECT relation FROM ci.distribution_plan() WHERE status NOT IN ('ready', 'local')$$,
                'with the blockers gone every table is ready');
SELECT is((SELECT count(*)::int FROM ci.distribute() WHERE status = 'done'), 20, 'ci.distribute() distributes all 20 tables');
SELECT is((SELECT count(*)::int FROM ci.distribute() WHERE status = 'done'), 20, 'a second call changes nothing: idempotent');

SELECT set_eq($$SELECT logicalrelid::regclass::text FROM pg_dist_partition WHERE partmethod = 'n' AND repmodel = 't'
                AND logicalrelid::regclass::text LIKE 'ci.%'$$,
              ARRAY['ci.source', 'ci.golden_attribute', 'ci.survivorship_rule', 'ci.match_model', 'ci.match_comparison',
                    'ci.match_blocking_rule', 'ci.match_term_frequency', 'ci.name_alias', 'ci.role_privilege',
                    'ci.shipped_row', 'ci.shipped_row_deleted'],
              'configuration tables are reference tables');
SELECT is((SELECT count(DISTINCT colocationid)::int FROM pg_dist_partition
           WHERE logicalrelid IN ('ci.source_record'::regclass, 'ci.identity_link', 'ci.match_decision', 'ci.match_review')), 1,
          'the record side is one co-location group');
SELECT is((SELECT count(DISTINCT colocationid)::int FROM pg_dist_partition
           WHERE logicalrelid IN ('ci.identity'::regclass, 'ci.identity_event', 'ci.golden_profile', 'ci.golden_override', 'ci.golden_dirty')), 1,
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
