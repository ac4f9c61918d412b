-- The pure functions and the survivorship aggregates run inside the shard
-- queries of distributed tables, with the results of a single node.
BEGIN;
SELECT plan(8);
-- (Temporary views stay local to the coordinator; Citus would warn.)
SET LOCAL client_min_messages = error;

-- Record side: a user table distributed by record, and its local twin.
CREATE TABLE ct_rec AS SELECT * FROM ci.source_record;
CREATE TABLE ct_rec_local AS SELECT * FROM ci.source_record;
SELECT create_distributed_table('ct_rec', 'record_id');

CREATE TEMP VIEW pure_q(q) AS VALUES ($$
    SELECT record_id, ci.normalize_name(given_name) AS g, ci.normalize_name(family_name) AS f,
           ci.normalize_email(email) AS e, ci.normalize_phone(phone, ci.phone_region(country)) AS p,
           ci.dmetaphone(family_name) AS dm, ci.double_metaphone(given_name) AS dm2,
           ci.jaro_winkler(given_name, family_name) AS jw, ci.levenshtein(street, city) AS lv,
           ci.damerau_levenshtein(email, phone) AS dl, ci.token_set_similarity(street, city) AS ts,
           ci.birthdate_similarity(birth_date, updated_at::date) AS bd, ci.email_is_valid(email) AS ev,
           ci.phone_is_valid(phone, country) AS pv, ci.name_tokens(family_name) AS nt
    FROM %s$$);

SELECT bag_eq(format((SELECT q FROM pure_q), 'ct_rec'), format((SELECT q FROM pure_q), 'ct_rec_local'),
              'pure functions over a distributed table give the single-node values, row for row');

SELECT matches(plan_of(format((SELECT q FROM pure_q), 'ct_rec')),
               'Task Count: 8.*Query: SELECT record_id, ci\.normalize_name\(given_name\)',
               'EXPLAIN: the functions are evaluated inside the shard queries');

-- (Counted first: pgTAP's own calls must not wrap a distributed query.)
SELECT count(*) AS n_dist FROM ct_rec WHERE ci.normalize_name(family_name) LIKE 'sm%' \gset
SELECT count(*) AS n_local FROM ct_rec_local WHERE ci.normalize_name(family_name) LIKE 'sm%' \gset
SELECT is(:n_dist::bigint, :n_local::bigint, 'a filter on a normalised form counts the same');

-- Identity side: members keyed by their (true) person, the way golden
-- profiles group records by identity.
CREATE TABLE ct_member AS
    SELECT t.person_id AS identity_id, r.record_id, r.source, r.updated_at, r.given_name, r.family_name, r.email, r.phone, r.birth_date
    FROM ci.source_record r JOIN ci_bench.truth t USING (record_id);
CREATE TABLE ct_member_local AS SELECT * FROM ct_member;
SELECT create_distributed_table('ct_member', 'identity_id');

CREATE TEMP VIEW agg_q(q) AS VALUES ($$
    SELECT identity_id,
           ci.survive(email, source, updated_at, 'most_recent') AS email,
           ci.survive(phone, source, updated_at, 'source_priority:crm,pos,support,web') AS phone,
           ci.survive(family_name, ci.normalize_name(family_name), source, updated_at, 'most_frequent') AS family_name,
           ci.survive(birth_date, source, updated_at, '{"kind": "most_frequent"}'::jsonb) AS birth_date,
           ci.survive_lineage(given_name, record_id, source, updated_at,
                              '[{"kind": "most_frequent"}, {"kind": "most_recent"}]'::jsonb) AS given_name_lineage
    FROM %s GROUP BY identity_id$$);

SELECT bag_eq(format((SELECT q FROM agg_q), 'ct_member'), format((SELECT q FROM agg_q), 'ct_member_local'),
              'survivorship aggregates grouped by the distribution column: single-node values and lineage');

SELECT matches(plan_of(format((SELECT q FROM agg_q), 'ct_member')),
               'Task Count: 8.*Query: SELECT identity_id, ci\.survive\(.*GROUP BY identity_id',
               'EXPLAIN: grouped by the distribution column, the aggregates run in the shard queries');

SELECT matches(plan_of(format((SELECT q FROM agg_q), 'ct_member')), '^Custom Scan \(Citus Adaptive\)',
               'EXPLAIN: the top of the plan is the Citus scan: nothing is aggregated on the coordinator');

-- Grouped by something else, the coordinator aggregates the rows the
-- shards send: slower, but the same values.
SELECT bag_eq($$SELECT source, ci.survive(email, source, updated_at, 'most_recent'),
                       ci.survive_lineage(email, record_id, source, updated_at, '[{"kind": "most_recent"}]'::jsonb)
                FROM ct_member GROUP BY source$$,
              $$SELECT source, ci.survive(email, source, updated_at, 'most_recent'),
                       ci.survive_lineage(email, record_id, source, updated_at, '[{"kind": "most_recent"}]'::jsonb)
                FROM ct_member_local GROUP BY source$$,
              'survivorship aggregates grouped by another column: single-node values');

SELECT count(DISTINCT identity_id) AS n_persons FROM ct_member \gset
SELECT is(:n_persons::int, 300, 'the fixture has 300 persons');

SELECT * FROM finish();
ROLLBACK;
