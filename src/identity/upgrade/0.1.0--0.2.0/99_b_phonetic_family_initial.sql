-- 0.1.0 -> 0.2.0: the default model's names-only rule on the phonetic
-- family name and the given name's initial (80_match_default.sql says why;
-- served by source_record_family_dm_initial_idx).  A rule whose name or
-- ordinal is already taken by one of yours is left out.
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys, deterministic, max_block_size)
SELECT 'default', 'phonetic_family_initial', 29, ARRAY['dmetaphone(family_name_norm)', 'left(given_name_norm, 1)'], false, 10
WHERE EXISTS (SELECT 1 FROM ci.match_model m WHERE m.model = 'default')
ON CONFLICT DO NOTHING;
