-- 0.1.0 -> 0.2.0 (block): blocking for sparse records (tokens(column)
-- keys, rules that need no contact field, max_block_size), duplicate-free
-- sources, blocking coverage and threshold guidance.
ALTER TABLE ci.match_model
    ADD COLUMN max_block_size integer DEFAULT 1000,
    ADD COLUMN duplicate_free_sources text[] NOT NULL DEFAULT '{}',
    ADD CONSTRAINT match_model_max_block_size_range CHECK (max_block_size >= 2),
    ADD CONSTRAINT match_model_duplicate_free_sources_not_null CHECK (array_position(duplicate_free_sources, NULL) IS NULL);
COMMENT ON COLUMN ci.match_model.max_block_size IS 'blocks (records sharing one key value of a rule) with more records are skipped and reported: a value that common (a placeholder, a very common name) says little; NULL: no limit';
COMMENT ON COLUMN ci.match_model.duplicate_free_sources IS 'sources that hold each person at most once: an identity never gets two of their records (strongest links first; refused links go to review)';
ALTER TABLE ci.match_blocking_rule ADD COLUMN max_block_size integer CHECK (max_block_size >= 2);
COMMENT ON COLUMN ci.match_blocking_rule.max_block_size IS 'blocks of this rule with more records are skipped; NULL: the model''s max_block_size';
COMMENT ON COLUMN ci.match_blocking_rule.keys IS 'each key is a column of the model''s relation, left(column, n), right(column, n), dmetaphone(column) or tokens(column) (multi-valued: any shared token of the value, split at spaces and hyphens)';

DROP FUNCTION ci.estimate_blocking(text);
CREATE FUNCTION ci.estimate_blocking(model text DEFAULT 'default',
                                     OUT rule text, OUT keys text[], OUT deterministic boolean,
                                     OUT candidate_pairs bigint, OUT largest_block bigint,
                                     OUT cumulative_pairs bigint, OUT skipped_blocks bigint,
                                     OUT skipped_pairs bigint)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'match_estimate_blocking'
    LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION ci.estimate_blocking(text) IS
'Candidate pairs each blocking rule of a model would produce on its own, its largest block, the running total (an upper bound of the union), and the blocks over max_block_size that a run skips, counted by the database without comparing any pair; warns of rules that can never fire';

REVOKE EXECUTE ON FUNCTION ci.estimate_blocking(text) FROM PUBLIC;

-- the default model's new rules and their indexes (a rule whose name or
-- ordinal is already taken by one of yours is left out)
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys, deterministic, max_block_size)
SELECT v.* FROM (VALUES
    ('default', 'name_tokens',               25, ARRAY['tokens(given_name_norm)', 'tokens(family_name_norm)'], false, 10),
    ('default', 'phonetic_family_initial_birth_date', 26, ARRAY['dmetaphone(family_name_norm)', 'left(given_name_norm, 1)', 'birth_date'], false, NULL::integer),
    ('default', 'phonetic_family_initial_city',       27, ARRAY['dmetaphone(family_name_norm)', 'left(given_name_norm, 1)', 'city_norm'], false, NULL)) AS v(model, rule, ordinal, keys, deterministic, max_block_size)
WHERE EXISTS (SELECT 1 FROM ci.match_model m WHERE m.model = v.model)
ON CONFLICT DO NOTHING;
CREATE INDEX source_record_family_token_key_idx ON ci.source_record
    USING gin (pg_catalog.string_to_array(pg_catalog.translate(family_name_norm, '-', ' '), ' '))
    WITH (fastupdate = off);
CREATE INDEX source_record_family_dm_initial_idx ON ci.source_record (ci.dmetaphone(family_name_norm), left(given_name_norm, 1));
