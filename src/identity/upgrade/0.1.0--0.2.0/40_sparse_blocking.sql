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
    USING gin (pg_catalog.string_to_array(pg_catalog.translate(family_name_norm, '-', ' '), ' '));
CREATE INDEX source_record_family_dm_initial_idx ON ci.source_record (ci.dmetaphone(family_name_norm), left(given_name_norm, 1));

-- Blocking coverage and threshold guidance: what a DBA looks at before
-- trusting a model on new data.

CREATE FUNCTION ci.blocking_coverage(model text DEFAULT 'default',
                                     OUT fields text[], OUT records bigint, OUT with_keys bigint,
                                     OUT met bigint, OUT met_share double precision)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'match_blocking_coverage'
    LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION ci.blocking_coverage(text) IS
'Records grouped by which compared fields they have: how many have every key of some blocking rule (with_keys) and how many share a block with another record (met), so can ever be compared';

-- The match weights of every candidate pair, in bins: matches and
-- non-matches form two humps; a threshold belongs in the valley between.
CREATE FUNCTION ci.match_weight_histogram(model text DEFAULT 'default', bin_width double precision DEFAULT 1,
                                          OUT bin_from double precision, OUT bin_to double precision,
                                          OUT pairs bigint, OUT probability_from double precision,
                                          OUT probability_to double precision, OUT pairs_at_or_above bigint)
    RETURNS SETOF record
    LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT (bin_width > 0 AND bin_width <= 100) THEN
        RAISE EXCEPTION 'bin_width % is out of range', bin_width
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use a bin width in bits of match weight between 0 and 100, for example 1.';
    END IF;
    RETURN QUERY
    SELECT b.bin * bin_width, (b.bin + 1) * bin_width, b.n,
           1 / (1 + power(2::float8, -(b.bin * bin_width))), 1 / (1 + power(2::float8, -((b.bin + 1) * bin_width))),
           (sum(b.n) OVER (ORDER BY b.bin DESC))::bigint
    FROM (SELECT floor(greatest(least(c.match_weight, 1000), -1000) / bin_width)::float8 AS bin, count(*) AS n
          FROM ci.candidate_pairs(model) c GROUP BY 1) b
    ORDER BY b.bin;
END;
$$;
COMMENT ON FUNCTION ci.match_weight_histogram(text, double precision) IS
'Histogram of the match weights (bits, prior included) of every candidate pair of a model, with the match probabilities at the bin edges and the pairs at or above each bin';

-- Suggested link thresholds from one histogram: the valley between the
-- two humps, the weight 0 (match probability 0.5), and the model's own.
CREATE FUNCTION ci.suggest_threshold(model text DEFAULT 'default', bin_width double precision DEFAULT 1,
                                     OUT method text, OUT match_weight double precision,
                                     OUT match_probability double precision, OUT pairs_at_or_above bigint)
    RETURNS SETOF record
    LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    h record;
    bins float8[] := '{}';
    counts float8[] := '{}';
    above bigint[] := '{}';
    smooth float8[];
    n int;
    hi int;
    lo int;
    valley int;
    link_w float8;
BEGIN
    SELECT pg_catalog.log(2::numeric, (m.link_threshold / (1 - m.link_threshold))::numeric)::float8
      INTO link_w FROM ci.match_model m WHERE m.model = suggest_threshold.model;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'match model "%" does not exist', suggest_threshold.model
            USING ERRCODE = 'undefined_object',
                  HINT = 'The shipped model is named "default"; models are rows of ci.match_model.';
    END IF;
    -- every bin from the lowest to the highest, empty ones too
    FOR h IN
        WITH hist AS (SELECT * FROM ci.match_weight_histogram(suggest_threshold.model, bin_width)),
             r AS (SELECT round(min(bin_from) / bin_width)::bigint AS b0, round(max(bin_from) / bin_width)::bigint AS b1 FROM hist)
        SELECT g * bin_width AS bin_from, coalesce(hist.pairs, 0) AS pairs,
               (SELECT coalesce(sum(x.pairs), 0) FROM hist x WHERE x.bin_from >= g * bin_width - bin_width / 2)::bigint AS pairs_at_or_above
        FROM r, generate_series(r.b0, r.b1) g LEFT JOIN hist ON round(hist.bin_from / bin_width) = g
        ORDER BY g
    LOOP
        bins := bins || h.bin_from;
        counts := counts || h.pairs::float8;
        above := above || h.pairs_at_or_above;
    END LOOP;
    n := cardinality(bins);
    -- counts smoothed over three bins
    smooth := array_fill(0::float8, ARRAY[greatest(n, 1)]);
    FOR i IN 1 .. n LOOP
        FOR j IN greatest(1, i - 1) .. least(n, i + 1) LOOP
            smooth[i] := smooth[i] + counts[j];
        END LOOP;
    END LOOP;
    -- the match hump: the highest bin at positive weight; the non-match
    -- hump: the highest at negative weight; the valley: the lowest bin
    -- between them (the middle one when several tie)
    SELECT i INTO hi FROM generate_subscripts(smooth, 1) i WHERE i <= n AND bins[i] >= 0 ORDER BY smooth[i] DESC, i DESC LIMIT 1;
    SELECT i INTO lo FROM generate_subscripts(smooth, 1) i WHERE i <= n AND bins[i] < 0 ORDER BY smooth[i] DESC, i LIMIT 1;
    IF hi IS NOT NULL AND lo IS NOT NULL AND hi - lo > 1 THEN
        SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY i) INTO valley
          FROM generate_subscripts(smooth, 1) i
         WHERE i > lo AND i < hi
           AND smooth[i] = (SELECT min(smooth[k]) FROM generate_subscripts(smooth, 1) k WHERE k > lo AND k < hi);
        method := 'valley';
        match_weight := bins[valley] + bin_width / 2;
        match_probability := 1 / (1 + power(2::float8, -match_weight));
        pairs_at_or_above := above[valley];
        RETURN NEXT;
    END IF;
    FOR h IN SELECT * FROM (VALUES ('probability_0.5', 0::float8), ('link_threshold', link_w)) v(m, w) LOOP
        method := h.m;
        match_weight := h.w;
        match_probability := 1 / (1 + power(2::float8, -h.w));
        -- from the bin holding the weight (whole), or the first bin above it
        SELECT coalesce((SELECT x.a FROM unnest(bins, above) AS x(b, a) WHERE x.b + bin_width > h.w ORDER BY x.b LIMIT 1), 0)
          INTO pairs_at_or_above;
        RETURN NEXT;
    END LOOP;
END;
$$;
COMMENT ON FUNCTION ci.suggest_threshold(text, double precision) IS
'Link thresholds to consider for a model: the valley between the non-match and match humps of the weight histogram, weight 0 (match probability 0.5 given the prior) and the model''s link_threshold, with the candidate pairs at or above each';

REVOKE EXECUTE ON FUNCTION ci.blocking_coverage(text), ci.match_weight_histogram(text, double precision), ci.suggest_threshold(text, double precision) FROM PUBLIC;
