-- 0.1.0 -> 0.2.0: the default model's names-only rule for names with a
-- slip, phonetic_names (80_match_default.sql says why; served by
-- source_record_names_dm_idx).  A rule whose name or ordinal is already
-- taken by one of yours is left out.
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys, deterministic, max_block_size)
SELECT 'default', 'phonetic_names', 28, '{name_pair_dm}', false, 10
WHERE EXISTS (SELECT 1 FROM ci.match_model m WHERE m.model = 'default')
ON CONFLICT DO NOTHING;
