-- Match models: a Fellegi–Sunter model per row of ci.match_model, its
-- comparisons (one per compared field, each with the levels exact / close /
-- loose / else, and a NULL level when either value is missing, which
-- carries no evidence), its blocking rules (conjunctions of equal keys whose
-- candidate pairs are unioned; a deterministic rule links outright), and
-- what training stored (m and u per level, the prior, term frequencies).

CREATE TABLE ci.match_model (
    model               text PRIMARY KEY CHECK (model ~ '^[a-z][a-z0-9_]*$'),
    description         text,
    relation            regclass NOT NULL DEFAULT 'ci.source_record',
    id_column           name NOT NULL DEFAULT 'record_id',
    source_column       name DEFAULT 'source',
    link_within_source  boolean NOT NULL DEFAULT true,
    link_threshold      double precision NOT NULL DEFAULT 0.9,
    review_threshold    double precision NOT NULL DEFAULT 0.5,
    prior               double precision NOT NULL DEFAULT 0.0001,
    max_candidate_pairs bigint NOT NULL DEFAULT 50000000,
    u_sample_pairs      integer NOT NULL DEFAULT 200000,
    em_max_iterations   integer NOT NULL DEFAULT 100,
    em_tolerance        double precision NOT NULL DEFAULT 1e-6,
    seed                bigint NOT NULL DEFAULT 42,
    trained_at          timestamptz,
    training            jsonb,
    owner               regrole NOT NULL DEFAULT pg_catalog.to_regrole(pg_catalog.quote_ident(CURRENT_USER)),
    max_block_size      integer DEFAULT 1000,
    duplicate_free_sources text[] NOT NULL DEFAULT '{}',
    household_weight_cap double precision,
    guard_weight        double precision NOT NULL DEFAULT -14,
    guard_against       double precision NOT NULL DEFAULT -6,
    guard_max_pairs     integer NOT NULL DEFAULT 10000,
    m_prior_pairs       double precision NOT NULL DEFAULT 20,
    train_on_decisions  boolean NOT NULL DEFAULT true,
    detect_duplicate_free boolean NOT NULL DEFAULT true,
    CONSTRAINT match_model_link_threshold_range CHECK (link_threshold > 0 AND link_threshold < 1),
    CONSTRAINT match_model_review_threshold_range CHECK (review_threshold > 0 AND review_threshold <= link_threshold),
    CONSTRAINT match_model_prior_range CHECK (prior > 0 AND prior < 1),
    CONSTRAINT match_model_max_candidate_pairs_positive CHECK (max_candidate_pairs > 0),
    CONSTRAINT match_model_u_sample_pairs_range CHECK (u_sample_pairs BETWEEN 1000 AND 100000000),
    CONSTRAINT match_model_em_max_iterations_range CHECK (em_max_iterations BETWEEN 1 AND 10000),
    CONSTRAINT match_model_em_tolerance_range CHECK (em_tolerance > 0 AND em_tolerance < 1),
    CONSTRAINT match_model_max_block_size_range CHECK (max_block_size >= 2),
    CONSTRAINT match_model_duplicate_free_sources_not_null CHECK (array_position(duplicate_free_sources, NULL) IS NULL),
    CONSTRAINT match_model_household_weight_cap_range CHECK (household_weight_cap >= 0),
    CONSTRAINT match_model_guard_range CHECK (guard_weight < 0 AND guard_against < 0 AND guard_max_pairs >= 0),
    CONSTRAINT match_model_m_prior_pairs_range CHECK (m_prior_pairs >= 0 AND m_prior_pairs <= 1000000)
);
COMMENT ON TABLE ci.match_model IS 'Fellegi–Sunter match models: which relation, thresholds (match probabilities), prior, candidate-pair cap, training settings and report';
COMMENT ON COLUMN ci.match_model.relation IS 'table or view of the records to resolve; its id_column holds ci.source_record ids';
COMMENT ON COLUMN ci.match_model.source_column IS 'column naming the source system of a record; NULL when all records are one source';
COMMENT ON COLUMN ci.match_model.link_within_source IS 'false: only pairs from different sources are compared (linkage of duplicate-free sources)';
COMMENT ON COLUMN ci.match_model.link_threshold IS 'pairs with a match probability at least this are linked';
COMMENT ON COLUMN ci.match_model.review_threshold IS 'pairs with a match probability at least this but below link_threshold go to the review queue';
COMMENT ON COLUMN ci.match_model.household_weight_cap IS 'household-aware scoring: when a comparison of role personal is at level else (both values present), the positive weight of the comparisons of role household counts at most this many bits; NULL: no cap';
COMMENT ON COLUMN ci.match_model.guard_weight IS 'clustering guard: a cross pair whose own match weight is at most this (and whose evidence against is at most guard_against) keeps two groups of records apart';
COMMENT ON COLUMN ci.match_model.guard_against IS 'clustering guard: the sum of the negative comparison weights of such a pair must be at most this (disagreements, not missing values)';
COMMENT ON COLUMN ci.match_model.guard_max_pairs IS 'clustering guard: groups with more cross pairs than this are not checked (bounded cost); 0 turns the guard off';
COMMENT ON COLUMN ci.match_model.m_prior_pairs IS 'training: weight, in pairs, of the Dirichlet prior that smooths every estimated m toward {0.8, 0.1, 0.05, 0.05} (0: no smoothing, only a floor)';
COMMENT ON COLUMN ci.match_model.train_on_decisions IS 'training: steward decisions (ci.match_decision, link) are labelled matches that fit m where they exist';
COMMENT ON COLUMN ci.match_model.prior IS 'probability that two records drawn at random are the same entity (trained)';
COMMENT ON COLUMN ci.match_model.max_candidate_pairs IS 'a run whose blocking rules would produce more candidate pairs fails before comparing any';
COMMENT ON COLUMN ci.match_model.u_sample_pairs IS 'random record pairs sampled to estimate u for the close and loose levels';
COMMENT ON COLUMN ci.match_model.seed IS 'seed of the random pair sample: training is repeatable';
COMMENT ON COLUMN ci.match_model.owner IS 'role whose privileges read the relation (in a security-restricted operation), whoever runs the model; only its members or a superuser may change what the model reads';
COMMENT ON COLUMN ci.match_model.max_block_size IS 'blocks (records sharing one key value of a rule) with more records are skipped and reported: a value that common (a placeholder, a very common name) says little; NULL: no limit';
COMMENT ON COLUMN ci.match_model.duplicate_free_sources IS 'sources that hold each person at most once: an identity never gets two of their records (strongest links first; refused links go to review)';
COMMENT ON COLUMN ci.match_model.detect_duplicate_free IS 'a full run also treats as duplicate-free the sources whose records link across sources but almost never within (at least 100 links across, at most 2 % within), reported in ci.match_run.summary; false: only duplicate_free_sources';
COMMENT ON COLUMN ci.match_model.training IS 'report of the last training: records, sampled pairs, EM sessions with their iterations and convergence';

CREATE TABLE ci.match_comparison (
    model            text NOT NULL REFERENCES ci.match_model ON UPDATE CASCADE ON DELETE CASCADE,
    comparison       text NOT NULL CHECK (comparison ~ '^[a-z][a-z0-9_]*$'),
    ordinal          integer NOT NULL,
    field            name NOT NULL,
    similarity       text NOT NULL,
    close_threshold  double precision,
    loose_threshold  double precision,
    tf_adjust        boolean NOT NULL DEFAULT false,
    m                double precision[] NOT NULL DEFAULT '{0.9,0.05,0.03,0.02}',
    u                double precision[] NOT NULL DEFAULT '{0.01,0.02,0.05,0.92}',
    fields           name[],
    path             text[],
    role             text CONSTRAINT match_comparison_role_known CHECK (role IN ('personal', 'household')),
    PRIMARY KEY (model, comparison),
    UNIQUE (model, ordinal),
    CONSTRAINT match_comparison_similarity_known
        CHECK (similarity IN ('exact', 'jaro_winkler', 'jaro', 'levenshtein', 'damerau_levenshtein', 'birthdate', 'given_name',
                              'grouped', 'token_set', 'prefix', 'numeric', 'year_difference', 'date')),
    CONSTRAINT match_comparison_thresholds_range CHECK (
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
    CONSTRAINT match_comparison_fields_count
        CHECK (fields IS NULL OR (cardinality(fields) BETWEEN 1 AND 7 AND array_position(fields, NULL) IS NULL)),
    CONSTRAINT match_comparison_path_count
        CHECK (path IS NULL OR (cardinality(path) BETWEEN 1 AND 16 AND array_position(path, NULL) IS NULL)),
    CONSTRAINT match_comparison_m_probabilities
        CHECK (cardinality(m) = 4 AND 0 <= ALL (m) AND 1 >= ALL (m) AND array_position(m, NULL) IS NULL),
    CONSTRAINT match_comparison_u_probabilities
        CHECK (cardinality(u) = 4 AND 0 <= ALL (u) AND 1 >= ALL (u) AND array_position(u, NULL) IS NULL)
);
COMMENT ON TABLE ci.match_comparison IS 'Comparisons of a match model: field, similarity, level thresholds, term-frequency adjustment, and m/u per level {exact, close, loose, else}';
COMMENT ON COLUMN ci.match_comparison.similarity IS 'exact, jaro_winkler, jaro, birthdate, given_name, token_set (similarities: a level holds when similarity >= threshold; given_name is Jaro-Winkler where a nickname of ci.name_alias is also close and a lone initial of the other name also loose; token_set compares the sorted tokens of field and fields), levenshtein, damerau_levenshtein (distances: a level holds when distance <= threshold), prefix (close/loose: the first close_threshold/loose_threshold characters equal), numeric and year_difference (close/loose: absolute difference <= threshold), grouped (field and fields as one piece of evidence: exact all equal, close the first two agree, loose another part agrees) or date (partial dates: exact, close a slip of one date (same year and month, day and month transposed, two days apart or less, same day and month with a year one apart or one digit different), loose same year; placeholders are missing)';
COMMENT ON COLUMN ci.match_comparison.close_threshold IS 'bound of the close level; NULL: no close level (grouped: the Jaro-Winkler similarity at which a part agrees, NULL: equal parts only)';
COMMENT ON COLUMN ci.match_comparison.loose_threshold IS 'bound of the loose level; NULL: no loose level';
COMMENT ON COLUMN ci.match_comparison.tf_adjust IS 'an exact agreement on a rare value weighs more than on a common one (term frequencies stored in ci.match_term_frequency)';
COMMENT ON COLUMN ci.match_comparison.m IS 'P(level | same entity) for levels {exact, close, loose, else}';
COMMENT ON COLUMN ci.match_comparison.role IS 'household-aware scoring (ci.match_model.household_weight_cap): personal (a person''s own: given name, birth date) or household (shared by people who live together: family name, address, landline); NULL: neither';
COMMENT ON COLUMN ci.match_comparison.u IS 'P(level | different entities) for levels {exact, close, loose, else}';
COMMENT ON COLUMN ci.match_comparison.fields IS 'columns read beside field: the related parts of a grouped comparison (most specific first), the other name fields of a token_set, the raw text column of a date read when field is NULL, or the swap partner of a name comparison (a given name''s family name)';
COMMENT ON COLUMN ci.match_comparison.path IS 'key path into a json or jsonb field (such as attributes): the comparison reads field #>> path';

CREATE TABLE ci.match_blocking_rule (
    model          text NOT NULL REFERENCES ci.match_model ON UPDATE CASCADE ON DELETE CASCADE,
    rule           text NOT NULL CHECK (rule ~ '^[a-z][a-z0-9_]*$'),
    ordinal        integer NOT NULL,
    keys           text[] NOT NULL,
    deterministic  boolean NOT NULL DEFAULT false,
    max_block_size integer CHECK (max_block_size >= 2),
    PRIMARY KEY (model, rule),
    UNIQUE (model, ordinal),
    CONSTRAINT match_blocking_rule_keys_count CHECK (cardinality(keys) BETWEEN 1 AND 8 AND array_position(keys, NULL) IS NULL)
);
COMMENT ON TABLE ci.match_blocking_rule IS 'Blocking rules: two records are a candidate pair when all keys of some rule are equal and not NULL; deterministic rules link such pairs outright';
COMMENT ON COLUMN ci.match_blocking_rule.max_block_size IS 'blocks of this rule with more records are skipped; NULL: the model''s max_block_size';
COMMENT ON COLUMN ci.match_blocking_rule.keys IS 'each key is a column of the model''s relation, left(column, n), right(column, n), dmetaphone(column) or tokens(column) (multi-valued: any shared token of the value, split at spaces and hyphens)';

CREATE TABLE ci.match_term_frequency (
    model       text NOT NULL,
    comparison  text NOT NULL,
    value       text NOT NULL,
    frequency   double precision NOT NULL CHECK (frequency > 0 AND frequency <= 1),
    PRIMARY KEY (model, comparison, value),
    FOREIGN KEY (model, comparison) REFERENCES ci.match_comparison ON UPDATE CASCADE ON DELETE CASCADE
);
COMMENT ON TABLE ci.match_term_frequency IS 'Share of records carrying each value of a term-frequency-adjusted comparison, stored by training and read by incremental resolution';

-- Decisions and review entries go with their records: deleting a source
-- record (an erasure, a reload) removes them.
CREATE TABLE ci.match_decision (
    record_a    bigint NOT NULL REFERENCES ci.source_record ON DELETE CASCADE,
    record_b    bigint NOT NULL REFERENCES ci.source_record ON DELETE CASCADE,
    decision    text NOT NULL CHECK (decision IN ('link', 'no_link')),
    note        text,
    actor       text NOT NULL DEFAULT current_user,
    decided_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (record_a, record_b),
    CHECK (record_a < record_b)
);
CREATE INDEX match_decision_record_b_idx ON ci.match_decision (record_b);
COMMENT ON TABLE ci.match_decision IS 'A data steward''s forced link or non-link of two records; every later run honours it';

CREATE TABLE ci.match_review (
    model              text NOT NULL REFERENCES ci.match_model ON UPDATE CASCADE ON DELETE CASCADE,
    record_a           bigint NOT NULL REFERENCES ci.source_record ON DELETE CASCADE,
    record_b           bigint NOT NULL REFERENCES ci.source_record ON DELETE CASCADE,
    match_probability  double precision NOT NULL,
    match_weight       double precision NOT NULL,
    found_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model, record_a, record_b),
    CHECK (record_a < record_b)
);
CREATE INDEX match_review_record_a_idx ON ci.match_review (record_a);
CREATE INDEX match_review_record_b_idx ON ci.match_review (record_b);
COMMENT ON TABLE ci.match_review IS 'Pairs whose match probability fell in the review band [review_threshold, link_threshold) in the latest run';

CREATE TABLE ci.match_run (
    run_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model        text NOT NULL,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    summary      jsonb NOT NULL
);
COMMENT ON TABLE ci.match_run IS 'One row per completed full resolution run, with its summary';

-- Every row is dumped, the shipped default model too (trained, tuned):
-- a restored model replaces CREATE EXTENSION's copy together with its
-- comparisons and blocking rules (see survive/90_shipped_config.sql).
SELECT pg_catalog.pg_extension_config_dump('ci.match_model', '');
SELECT pg_catalog.pg_extension_config_dump('ci.match_comparison', '');
SELECT pg_catalog.pg_extension_config_dump('ci.match_blocking_rule', '');
SELECT pg_catalog.pg_extension_config_dump('ci.match_term_frequency', '');
SELECT pg_catalog.pg_extension_config_dump('ci.match_decision', '');
SELECT pg_catalog.pg_extension_config_dump('ci.match_review', '');
SELECT pg_catalog.pg_extension_config_dump('ci.match_run', '');
SELECT pg_catalog.pg_extension_config_dump('ci.match_run_run_id_seq', '');

CREATE VIEW ci.match_parameters AS
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
COMMENT ON VIEW ci.match_parameters IS 'One row per comparison level of every model: m, u, Bayes factor and match weight (log2 of the Bayes factor)';
