-- 0.1.0 -> 0.2.0 (issue 13, loading): the B-tree blocking indexes of
-- ci.source_record leave out records whose leading key is NULL (they can
-- never be found by a rule's =); see src/identity/80_match_default.sql.
-- Same names, built again with their predicates.
DROP INDEX ci.source_record_email_norm_idx, ci.source_record_phone_birth_idx,
           ci.source_record_names_idx, ci.source_record_birth_postcode_idx,
           ci.source_record_street_postcode_idx, ci.source_record_names_dm_idx,
           ci.source_record_postcode_idx, ci.source_record_national_id_idx,
           ci.source_record_national_id_head_idx, ci.source_record_national_id_tail_idx,
           ci.source_record_national_id_ends_idx, ci.source_record_family_dm_initial_idx;
CREATE INDEX source_record_email_norm_idx ON ci.source_record (email_norm, given_name_norm) WHERE email_norm IS NOT NULL;
CREATE INDEX source_record_phone_birth_idx ON ci.source_record (phone_e164, birth_date, given_name_norm) WHERE phone_e164 IS NOT NULL;
CREATE INDEX source_record_names_idx ON ci.source_record (name_pair_norm, birth_year) WHERE name_pair_norm IS NOT NULL;
CREATE INDEX source_record_birth_postcode_idx ON ci.source_record (birth_date, postcode_norm) WHERE birth_date IS NOT NULL;
CREATE INDEX source_record_street_postcode_idx ON ci.source_record (street_norm, postcode_norm) WHERE street_norm IS NOT NULL;
CREATE INDEX source_record_names_dm_idx ON ci.source_record (name_pair_dm, birth_year) WHERE name_pair_dm IS NOT NULL;
CREATE INDEX source_record_postcode_idx ON ci.source_record (postcode_norm) WHERE postcode_norm IS NOT NULL;
CREATE INDEX source_record_national_id_idx ON ci.source_record (national_id_norm) WHERE national_id_norm IS NOT NULL;
CREATE INDEX source_record_national_id_head_idx ON ci.source_record (left(national_id_norm, 4), left(postcode_norm, 2)) WHERE national_id_norm IS NOT NULL;
CREATE INDEX source_record_national_id_tail_idx ON ci.source_record (right(national_id_norm, 4), left(postcode_norm, 2)) WHERE national_id_norm IS NOT NULL;
CREATE INDEX source_record_national_id_ends_idx ON ci.source_record (left(national_id_norm, 3), right(national_id_norm, 2)) WHERE national_id_norm IS NOT NULL;
CREATE INDEX source_record_family_dm_initial_idx ON ci.source_record (ci.dmetaphone(family_name_norm), left(given_name_norm, 1))
    WHERE family_name_norm IS NOT NULL;
