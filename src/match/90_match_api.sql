-- The identity-resolution API: full runs, training, blocking estimates,
-- incremental resolution of one record, explanations, steward decisions.

CREATE TYPE ci.resolution_summary AS (
    model              text,
    records            bigint,
    candidate_pairs    bigint,
    links              bigint,
    review_pairs       bigint,
    identities         bigint,
    new_identities     bigint,
    merged_identities  bigint,
    split_records      bigint,
    trained            boolean,
    load_ms            double precision,
    block_ms           double precision,
    train_ms           double precision,
    score_ms           double precision,
    cluster_ms         double precision,
    total_ms           double precision
);
COMMENT ON TYPE ci.resolution_summary IS 'What a full resolution run did: counts, and milliseconds per phase (load, blocking and comparison, training, scoring, clustering and writing)';

CREATE FUNCTION ci.resolve_identities(model text DEFAULT 'default', retrain boolean DEFAULT NULL)
    RETURNS ci.resolution_summary
    AS 'MODULE_PATHNAME', 'match_resolve_identities'
    LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ci.resolve_identities(text, boolean) IS
'Resolve every record of the model''s relation into ci.identity / ci.identity_link in one transaction: blocking, comparison, training (retrain true; NULL: only when the model was never trained), scoring, clustering with stable identity ids, review queue; returns a summary';

CREATE FUNCTION ci.train_model(model text DEFAULT 'default')
    RETURNS jsonb
    AS 'MODULE_PATHNAME', 'match_train_model'
    LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION ci.train_model(text) IS
'Train a match model on its relation (u from value frequencies and seeded random pairs, m by EM over blocked pairs, prior, term frequencies), store the parameters and return the training report';

CREATE FUNCTION ci.estimate_blocking(model text DEFAULT 'default',
                                     OUT rule text, OUT keys text[], OUT deterministic boolean,
                                     OUT candidate_pairs bigint, OUT largest_block bigint,
                                     OUT cumulative_pairs bigint)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'match_estimate_blocking'
    LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION ci.estimate_blocking(text) IS
'Candidate pairs each blocking rule of a model would produce on its own, its largest block, and the running total (an upper bound of the union), counted by the database without comparing any pair';

CREATE FUNCTION ci.candidate_pairs(model text DEFAULT 'default',
                                   OUT record_a bigint, OUT record_b bigint,
                                   OUT match_weight double precision, OUT match_probability double precision,
                                   OUT rules text[])
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'match_candidate_pairs'
    LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION ci.candidate_pairs(text) IS
'Every candidate pair the blocking rules of a model produce (record_a < record_b, no duplicates), scored with the model''s current parameters, with the rules each pair satisfies';
