-- 0.1.0 -> 0.2.0 (issue 13, loading): ci.source_record keeps one index per
-- selective leading blocking key instead of one per rule (see
-- src/identity/80_match_default.sql for which index serves which rule).
DROP INDEX ci.source_record_family_birth_idx, ci.source_record_given_birth_idx,
           ci.source_record_birth_city_idx, ci.source_record_street_city_idx,
           ci.source_record_names_dm_postcode_idx, ci.source_record_names_dm_city_idx,
           ci.source_record_given_postcode_idx, ci.source_record_family_postcode_idx;
CREATE INDEX source_record_postcode_idx ON ci.source_record (postcode_norm);
