-- A user-owned distributed table as a match model's relation: a full
-- resolution reads it through Citus (a distributed scan, blocking and
-- comparison on the coordinator) and resolves exactly the identities a
-- single node resolves from the same rows.
BEGIN;
SELECT plan(6);
SET LOCAL client_min_messages = error;

CREATE TABLE ct_rec AS SELECT * FROM ci.source_record;
CREATE TABLE ct_rec_local AS SELECT * FROM ci.source_record;
SELECT create_distributed_table('ct_rec', 'record_id');

-- Two models identical to the default but for their relation.
SELECT ci.copy_model('default', 'ct_local', relation => 'ct_rec_local');
SELECT ci.copy_model('default', 'ct_dist', relation => 'ct_rec');

CREATE TEMP TABLE run_local AS SELECT * FROM ci.resolve_identities('ct_local', true);
CREATE TEMP TABLE links_local AS SELECT identity_id, record_id, match_probability, rule FROM ci.identity_link;
CREATE TEMP TABLE review_local AS SELECT record_a, record_b, match_probability FROM ci.match_review WHERE model = 'ct_local';
CREATE TEMP TABLE run_dist AS SELECT * FROM ci.resolve_identities('ct_dist', true);

SELECT is((SELECT (records, candidate_pairs, links, review_pairs, identities)::text FROM run_dist),
          (SELECT (records, candidate_pairs, links, review_pairs, identities)::text FROM run_local),
          'the distributed run counts the records, pairs, links and identities of the single-node run');

SELECT is((SELECT training - 'finished_at' - 'started_at' - 'elapsed_ms' FROM ci.match_model WHERE model = 'ct_dist'),
          (SELECT training - 'finished_at' - 'started_at' - 'elapsed_ms' FROM ci.match_model WHERE model = 'ct_local'),
          'training on the distributed relation learns what it learns on a single node');

SELECT set_eq($$SELECT array_agg(record_id ORDER BY record_id) FROM ci.identity_link GROUP BY identity_id$$,
              $$SELECT array_agg(record_id ORDER BY record_id) FROM links_local GROUP BY identity_id$$,
              'identities are the same partitions of the records');

-- Ids are stable across runs: the second run kept every identity id.
SELECT set_eq($$SELECT identity_id, record_id, rule FROM ci.identity_link$$,
              $$SELECT identity_id, record_id, rule FROM links_local$$,
              'links are identical: identity ids, records and rules');

SELECT is_empty($$SELECT record_id FROM ci.identity_link l JOIN links_local o USING (record_id)
                  WHERE abs(l.match_probability - o.match_probability) > 1e-9$$,
                'link probabilities are identical');

SELECT set_eq($$SELECT record_a, record_b, round(match_probability::numeric, 9) FROM ci.match_review WHERE model = 'ct_dist'$$,
              $$SELECT record_a, record_b, round(match_probability::numeric, 9) FROM review_local$$,
              'the review queue holds the same pairs');

SELECT * FROM finish();
ROLLBACK;
