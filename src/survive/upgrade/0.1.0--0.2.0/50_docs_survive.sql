-- 0.1.0 -> 0.2.0, issue 8 ("docs that are not true"): survivorship rule
-- parameters checked NULL-safely, e-mail conflicts by normalised domain,
-- identities retired when their last records are deleted.

-- Misplaced parameters were accepted by 0.1.0 (a CHECK whose tie_break is
-- NULL is NULL, which passes) and were never read by the rule they sit on.
-- Clear them, saying which rows changed, so that the constraints below can
-- be added; the rules' behaviour does not change.
DO $upgrade$
DECLARE
    v_ids text;
BEGIN
    SELECT string_agg(rule_id::text, ', ' ORDER BY rule_id) INTO v_ids
      FROM ci.survivorship_rule r
     WHERE (r.sources IS NOT NULL AND r.kind <> 'source_priority' AND r.tie_break IS DISTINCT FROM 'source_priority')
        OR (r.order_by IS NOT NULL AND r.kind <> 'first_non_null' AND r.tie_break IS DISTINCT FROM 'first_non_null')
        OR (r.descending AND r.kind <> 'first_non_null' AND r.tie_break IS DISTINCT FROM 'first_non_null')
        OR (r.half_life IS NOT NULL AND r.kind <> 'trust_recency' AND r.tie_break IS DISTINCT FROM 'trust_recency');
    IF v_ids IS NOT NULL THEN
        UPDATE ci.survivorship_rule r
           SET sources = CASE WHEN 'source_priority' IN (r.kind, coalesce(r.tie_break, '')) THEN r.sources END,
               order_by = CASE WHEN 'first_non_null' IN (r.kind, coalesce(r.tie_break, '')) THEN r.order_by END,
               descending = CASE WHEN 'first_non_null' IN (r.kind, coalesce(r.tie_break, '')) THEN r.descending ELSE false END,
               half_life = CASE WHEN 'trust_recency' IN (r.kind, coalesce(r.tie_break, '')) THEN r.half_life END
         WHERE r.rule_id = ANY (pg_catalog.string_to_array(v_ids, ', ')::bigint[]);
        RAISE WARNING 'survivorship rules % had parameters their kind does not read; they were cleared', v_ids
            USING DETAIL = 'sources belongs to source_priority, order_by and descending to first_non_null, half_life to trust_recency (as kind or tie_break).';
    END IF;
END
$upgrade$;

ALTER TABLE ci.survivorship_rule
    DROP CONSTRAINT order_by_only_for_first_non_null,
    DROP CONSTRAINT half_life_only_for_trust_recency,
    ADD CONSTRAINT sources_only_for_source_priority
        CHECK (sources IS NULL OR kind = 'source_priority' OR tie_break IS NOT DISTINCT FROM 'source_priority'),
    ADD CONSTRAINT order_by_only_for_first_non_null
        CHECK (order_by IS NULL OR kind = 'first_non_null' OR tie_break IS NOT DISTINCT FROM 'first_non_null'),
    ADD CONSTRAINT descending_only_for_first_non_null
        CHECK (NOT descending OR kind = 'first_non_null' OR tie_break IS NOT DISTINCT FROM 'first_non_null'),
    ADD CONSTRAINT half_life_only_for_trust_recency
        CHECK (half_life IS NULL OR kind = 'trust_recency' OR tie_break IS NOT DISTINCT FROM 'trust_recency');

-- ci.golden_queue_link_change(): its 0.2.0 body is in 95_write7_golden_bulk.sql.

CREATE OR REPLACE VIEW ci.golden_conflict AS
WITH v AS (
    SELECT l.identity_id, a.attribute, a.reason, a.value, a.norm, r.record_id, r.source
      FROM ci.identity_link l
      JOIN ci.source_record r ON r.record_id = l.record_id
     CROSS JOIN LATERAL (VALUES
        ('birth_date', 'different birth dates', to_char(r.birth_date, 'YYYY-MM-DD'), to_char(r.birth_date, 'YYYY-MM-DD')),
        ('national_id', 'different national ids', r.national_id,
             upper(regexp_replace(r.national_id, '[^[:alnum:]]', '', 'g'))),
        -- the domain of the normalised address (googlemail.com is gmail.com,
        -- Unicode domains are punycode), else of the address as received
        ('email', 'emails in different domains', r.email,
             coalesce(substring(r.email_norm FROM '@([^@]*)$'), lower(substring(r.email FROM '@([^@]*)$'))))
     ) AS a(attribute, reason, value, norm)
     WHERE a.norm IS NOT NULL AND a.norm <> ''
)
SELECT v.identity_id,
       v.attribute,
       min(v.reason) AS reason,
       count(DISTINCT v.norm) AS distinct_values,
       jsonb_agg(jsonb_build_object('value', v.value, 'record_id', v.record_id, 'source', v.source)
                 ORDER BY v.record_id) AS candidates,
       min(g.lineage -> v.attribute ->> 'value') AS survivor,
       bool_or(o.identity_id IS NOT NULL) AS pinned
  FROM v
  LEFT JOIN ci.golden_profile g ON g.identity_id = v.identity_id
  LEFT JOIN ci.golden_override o ON o.identity_id = v.identity_id AND o.attribute = v.attribute
 GROUP BY v.identity_id, v.attribute
HAVING count(DISTINCT v.norm) > 1;
COMMENT ON VIEW ci.golden_conflict IS 'steward queue: identities whose records disagree on birth date, national id (ignoring punctuation and case) or e-mail domain (of the address normalised by ci.normalize_email); pinned says a steward already decided';
