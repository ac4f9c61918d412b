-- 0.1.0 -> 0.2.0 (comparison kinds, issue 13): comparisons that read more
-- than one field (grouped, token_set, a name's swap partner, a date's raw
-- text) or a key path into a json field; the kinds grouped, token_set,
-- prefix, numeric, year_difference and date; raw birth dates kept as
-- written; and the default model using them (see
-- src/identity/70_match_model.sql and 80_match_default.sql).
ALTER TABLE ci.source_record ADD COLUMN birth_date_raw text;
COMMENT ON COLUMN ci.source_record.birth_date_raw IS 'birth date as the source wrote it, year first, when it is not a whole valid date (1980, 1980-05, 1980-02-31, 1980-00-00): kept, and compared by its usable parts when birth_date is NULL';

ALTER TABLE ci.match_comparison
    ADD COLUMN fields name[],
    ADD COLUMN path text[],
    DROP CONSTRAINT match_comparison_similarity_known,
    DROP CONSTRAINT match_comparison_thresholds_range;
ALTER TABLE ci.match_comparison
    ADD CONSTRAINT match_comparison_similarity_known
        CHECK (similarity IN ('exact', 'jaro_winkler', 'jaro', 'levenshtein', 'damerau_levenshtein', 'birthdate', 'given_name',
                              'grouped', 'token_set', 'prefix', 'numeric', 'year_difference', 'date')),
    ADD CONSTRAINT match_comparison_thresholds_range CHECK (
        CASE
            WHEN similarity IN ('exact', 'date') THEN close_threshold IS NULL AND loose_threshold IS NULL
            WHEN similarity = 'grouped' THEN
                (close_threshold IS NULL OR (close_threshold > 0 AND close_threshold < 1)) AND loose_threshold IS NULL
            WHEN similarity IN ('jaro_winkler', 'jaro', 'birthdate', 'given_name', 'token_set') THEN
                (close_threshold IS NULL OR (close_threshold > 0 AND close_threshold < 1))
                AND (loose_threshold IS NULL OR (loose_threshold > 0 AND loose_threshold < 1))
                AND (close_threshold IS NULL OR loose_threshold IS NULL OR loose_threshold < close_threshold)
            WHEN similarity = 'prefix' THEN
                (close_threshold IS NULL OR (close_threshold >= 1 AND close_threshold <= 100 AND close_threshold = trunc(close_threshold)))
                AND (loose_threshold IS NULL OR (loose_threshold >= 1 AND loose_threshold <= 100 AND loose_threshold = trunc(loose_threshold)))
                AND (close_threshold IS NULL OR loose_threshold IS NULL OR loose_threshold < close_threshold)
            WHEN similarity IN ('numeric', 'year_difference') THEN
                (close_threshold IS NULL OR close_threshold >= 0) AND (loose_threshold IS NULL OR loose_threshold >= 0)
                AND (close_threshold IS NULL OR loose_threshold IS NULL OR loose_threshold > close_threshold)
            ELSE
                (close_threshold IS NULL OR (close_threshold >= 1 AND close_threshold <= 100 AND close_threshold = trunc(close_threshold)))
                AND (loose_threshold IS NULL OR (loose_threshold >= 1 AND loose_threshold <= 100 AND loose_threshold = trunc(loose_threshold)))
                AND (close_threshold IS NULL OR loose_threshold IS NULL OR loose_threshold > close_threshold)
        END),
    ADD CONSTRAINT match_comparison_fields_count
        CHECK (fields IS NULL OR (cardinality(fields) BETWEEN 1 AND 7 AND array_position(fields, NULL) IS NULL)),
    ADD CONSTRAINT match_comparison_path_count
        CHECK (path IS NULL OR (cardinality(path) BETWEEN 1 AND 16 AND array_position(path, NULL) IS NULL));
COMMENT ON COLUMN ci.match_comparison.similarity IS 'exact, jaro_winkler, jaro, birthdate, given_name, token_set (similarities: a level holds when similarity >= threshold; given_name is Jaro-Winkler where a nickname of ci.name_alias is also close and a lone initial of the other name also loose; token_set compares the sorted tokens of field and fields), levenshtein, damerau_levenshtein (distances: a level holds when distance <= threshold), prefix (close/loose: the first close_threshold/loose_threshold characters equal), numeric and year_difference (close/loose: absolute difference <= threshold), grouped (field and fields as one piece of evidence: exact all equal, close the first two agree, loose another part agrees) or date (partial dates: exact, close same year and month or day and month transposed, loose same year or within a year; placeholders are missing)';
COMMENT ON COLUMN ci.match_comparison.close_threshold IS 'bound of the close level; NULL: no close level (grouped: the Jaro-Winkler similarity at which a part agrees, NULL: equal parts only)';
COMMENT ON COLUMN ci.match_comparison.fields IS 'columns read beside field: the related parts of a grouped comparison (most specific first), the other name fields of a token_set, the raw text column of a date read when field is NULL, or the swap partner of a name comparison (a given name''s family name)';
COMMENT ON COLUMN ci.match_comparison.path IS 'key path into a json or jsonb field (such as attributes): the comparison reads field #>> path';

CREATE OR REPLACE VIEW ci.match_parameters AS
SELECT c.model, c.comparison, c.ordinal, c.field, c.similarity, l.level, l.threshold,
       c.m[l.i] AS m, c.u[l.i] AS u,
       CASE WHEN c.u[l.i] > 0 THEN c.m[l.i] / c.u[l.i] END AS bayes_factor,
       CASE WHEN c.u[l.i] > 0 AND c.m[l.i] > 0 THEN log(2, (c.m[l.i] / c.u[l.i])::numeric)::double precision END AS match_weight,
       c.tf_adjust
FROM ci.match_comparison c
CROSS JOIN LATERAL (VALUES (1, 'exact', NULL::double precision),
                           (2, 'close', c.close_threshold),
                           (3, 'loose', c.loose_threshold),
                           (4, 'else', NULL)) AS l(i, level, threshold)
WHERE l.level IN ('exact', 'else') OR l.threshold IS NOT NULL OR c.similarity IN ('grouped', 'date');

-- The default model, when it is still as 0.1.0 shipped it (untrained,
-- unchanged): its comparisons become those of 0.2.0.  A trained or edited
-- default model is the user's and is left alone (doc/identity.md says how
-- to take the new comparisons).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM ci.shipped_row r WHERE r.tab = 'match_model' AND r.key = ARRAY['default'] AND r.as_shipped) THEN
        DELETE FROM ci.match_comparison WHERE model = 'default';
        INSERT INTO ci.match_comparison (model, comparison, ordinal, field, similarity, close_threshold, loose_threshold, tf_adjust, m, u, fields) VALUES
            ('default', 'given_name',  1, 'given_name_norm',  'given_name',          0.92, 0.80, true,  '{0.85,0.07,0.03,0.05}', '{0.005,0.005,0.03,0.96}', '{family_name_norm}'),
            ('default', 'family_name', 2, 'family_name_norm', 'jaro_winkler',        0.92, 0.80, true,  '{0.85,0.07,0.03,0.05}', '{0.002,0.003,0.02,0.975}', '{given_name_norm}'),
            ('default', 'birth_date',  3, 'birth_date',       'date',                NULL, NULL, false, '{0.85,0.05,0.05,0.05}', '{0.0002,0.0005,0.02,0.9793}', '{birth_date_raw}'),
            ('default', 'email',       4, 'email_norm',       'damerau_levenshtein', 1,    NULL, false, '{0.85,0.05,0,0.10}',    '{0.00001,0.00001,0,0.99998}', NULL),
            ('default', 'phone',       5, 'phone_e164',       'damerau_levenshtein', 1,    NULL, false, '{0.80,0.05,0,0.15}',    '{0.0001,0.0005,0,0.9994}', NULL),
            ('default', 'national_id', 6, 'national_id_norm', 'damerau_levenshtein', 1,    2,    false, '{0.85,0.07,0.03,0.05}', '{0.00001,0.0001,0.001,0.99889}', NULL),
            ('default', 'street',      7, 'street_norm',      'jaro_winkler',        0.92, 0.80, false, '{0.80,0.08,0.04,0.08}', '{0.0005,0.002,0.02,0.9775}', NULL),
            ('default', 'place',       8, 'postcode_norm',    'grouped',             0.92, NULL, false, '{0.80,0.08,0.05,0.07}', '{0.003,0.002,0.02,0.975}', '{city_norm}');
    END IF;
END
$$;
