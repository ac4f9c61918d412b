-- Evaluation of the latest resolution against the FEBRL truth.  This is the
-- only place that reads the truth (rec-<N>-org / rec-<N>-dup-<k> in
-- source_key).  psql variable: sources (a comma-separated list: one source
-- for deduplication, two for linkage, where only pairs across the two count).
WITH rec AS (
    SELECT r.record_id, r.source, substring(r.source_key FROM '^rec-([0-9]+)-') AS entity, l.identity_id
    FROM ci.source_record r JOIN ci.identity_link l USING (record_id)
    WHERE r.source = ANY (string_to_array(:'sources', ','))
), linkage AS (SELECT count(DISTINCT source) > 1 AS cross_only FROM rec),
pairs AS (   -- counts of pairs in a group, across sources only for linkage
    SELECT g, CASE WHEN (SELECT cross_only FROM linkage)
                   THEN (sum(n) * sum(n) - sum(n * n)) / 2
                   ELSE sum(n * (n - 1)) / 2 END AS p
    FROM (SELECT 'predicted' AS g, identity_id, NULL AS entity, source, count(*)::numeric AS n FROM rec GROUP BY identity_id, source
          UNION ALL SELECT 'true', NULL, entity, source, count(*) FROM rec GROUP BY entity, source
          UNION ALL SELECT 'both', identity_id, entity, source, count(*) FROM rec GROUP BY identity_id, entity, source) x
    GROUP BY g, identity_id, entity
), c AS (
    SELECT sum(p) FILTER (WHERE g = 'predicted') AS predicted, sum(p) FILTER (WHERE g = 'true') AS truth,
           sum(p) FILTER (WHERE g = 'both') AS tp FROM pairs
), cand AS (
    SELECT count(*) AS candidates,
           count(*) FILTER (WHERE ra.entity = rb.entity) AS true_candidates
    FROM febrl_candidates cp
    JOIN rec ra ON ra.record_id = cp.record_a JOIN rec rb ON rb.record_id = cp.record_b
    WHERE ra.source <> rb.source OR NOT (SELECT cross_only FROM linkage)
)
SELECT :'sources' AS data, (SELECT count(*) FROM rec) AS records, cand.candidates AS candidate_pairs,
       round(cand.true_candidates / nullif(c.truth, 0), 5) AS blocking_recall,
       c.truth::bigint AS true_pairs, c.predicted::bigint AS predicted_pairs, c.tp::bigint AS true_positives,
       round(c.tp / nullif(c.predicted, 0), 5) AS precision, round(c.tp / nullif(c.truth, 0), 5) AS recall,
       round(2 * c.tp / nullif(c.predicted + c.truth, 0), 5) AS f1
FROM c, cand;
