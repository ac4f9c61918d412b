-- Pairwise accuracy of the latest resolution of generated data against
-- ci_bench.truth, overall and per pattern of ci_bench.pattern (evaluation
-- only).  A pattern's recall counts the true pairs with a record carrying
-- it; its precision the predicted pairs with such a record.  Needs the temp
-- table acc_candidates (record_a, record_b) of the run's candidate pairs.
\set QUIET on
CREATE TEMP TABLE acc_true AS
SELECT a.record_id AS a, b.record_id AS b FROM ci_bench.truth a JOIN ci_bench.truth b ON b.person_id = a.person_id AND b.record_id > a.record_id;
CREATE TEMP TABLE acc_pred AS
SELECT a.record_id AS a, b.record_id AS b FROM ci.identity_link a JOIN ci.identity_link b ON b.identity_id = a.identity_id AND b.record_id > a.record_id;
CREATE TEMP TABLE acc_pairs AS
SELECT coalesce(t.a, p.a) AS a, coalesce(t.b, p.b) AS b, t.a IS NOT NULL AS is_true, p.a IS NOT NULL AS is_pred,
       EXISTS (SELECT FROM acc_candidates c WHERE c.record_a = coalesce(t.a, p.a) AND c.record_b = coalesce(t.b, p.b)) AS is_cand
  FROM acc_true t FULL JOIN acc_pred p ON p.a = t.a AND p.b = t.b;
CREATE TEMP TABLE acc_tagged AS
SELECT 'all' AS pattern, * FROM acc_pairs
UNION ALL
SELECT DISTINCT ON (x.pattern, q.a, q.b) x.pattern, q.*
  FROM acc_pairs q JOIN ci_bench.pattern x ON x.record_id IN (q.a, q.b);
\set QUIET off
SELECT pattern, count(*) FILTER (WHERE is_true) AS true_pairs, count(*) FILTER (WHERE is_pred) AS predicted,
       round(count(*) FILTER (WHERE is_true AND is_cand)::numeric / nullif(count(*) FILTER (WHERE is_true), 0), 4) AS blocking_recall,
       round(count(*) FILTER (WHERE is_true AND is_pred)::numeric / nullif(count(*) FILTER (WHERE is_pred), 0), 4) AS precision,
       round(count(*) FILTER (WHERE is_true AND is_pred)::numeric / nullif(count(*) FILTER (WHERE is_true), 0), 4) AS recall,
       round(2 * count(*) FILTER (WHERE is_true AND is_pred)::numeric / nullif(count(*) FILTER (WHERE is_pred) + count(*) FILTER (WHERE is_true), 0), 4) AS f1
  FROM acc_tagged GROUP BY pattern ORDER BY pattern = 'all' DESC, pattern;
-- wrong links by relation of the two persons
SELECT CASE WHEN pa.household_id <> pb.household_id THEN 'different households'
            WHEN pa.is_twin AND pb.is_twin THEN 'twins' ELSE 'same household' END AS false_positive_pairs, count(*)
  FROM acc_pairs q JOIN ci_bench.truth ta ON ta.record_id = q.a JOIN ci_bench.truth tb ON tb.record_id = q.b
  JOIN ci_bench.person pa ON pa.person_id = ta.person_id JOIN ci_bench.person pb ON pb.person_id = tb.person_id
 WHERE q.is_pred AND NOT q.is_true GROUP BY 1 ORDER BY 1;
\set QUIET on
DROP TABLE acc_true, acc_pred, acc_pairs, acc_tagged;
\set QUIET off
-- identities holding two records of one duplicate-free source (a source
-- tagged dupfree_source holds each person at most once)
SELECT count(DISTINCT identity_id) AS identities_with_two_records_of_one_dupfree_source
  FROM (SELECT l.identity_id FROM ci.identity_link l JOIN ci.source_record r USING (record_id)
          JOIN ci_bench.pattern x ON x.record_id = r.record_id AND x.pattern = 'dupfree_source'
         GROUP BY l.identity_id, r.source HAVING count(*) > 1) d;
