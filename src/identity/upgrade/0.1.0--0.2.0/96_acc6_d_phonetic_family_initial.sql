-- 0.1.0 -> 0.2.0 (issue 13, acc6): the default model's names-only phonetic
-- rule (src/identity/80_match_default.sql; a rule whose name or ordinal is
-- already taken by one of yours is left out).  Its index,
-- source_record_family_dm_initial_idx, comes with 40_sparse_blocking.sql.
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys, deterministic, max_block_size)
SELECT v.* FROM (VALUES
    ('default', 'phonetic_family_initial', 28, ARRAY['dmetaphone(family_name_norm)', 'left(given_name_norm, 1)'], false, 10)) AS v(model, rule, ordinal, keys, deterministic, max_block_size)
WHERE EXISTS (SELECT 1 FROM ci.match_model m WHERE m.model = v.model)
ON CONFLICT DO NOTHING;
