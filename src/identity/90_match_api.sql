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

CREATE FUNCTION ci.resolve_record(record_id bigint, model text DEFAULT 'default')
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'match_resolve_record'
    LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION ci.resolve_record(bigint, text) IS
'Resolve one new or changed record against the stored identities through the blocking-rule indexes: join the identity it links to, merge identities it bridges (the oldest id survives), or create one; returns its identity id (NULL when the record does not exist). Run in READ COMMITTED';

CREATE FUNCTION ci.resolve_record_trigger() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM ci.resolve_record(NEW.record_id, coalesce(TG_ARGV[0], 'default'));
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION ci.resolve_record_trigger() IS
'AFTER INSERT OR UPDATE ... FOR EACH ROW trigger on ci.source_record that resolves the row with ci.resolve_record; its optional argument names the model';

CREATE FUNCTION ci.explain_match(record_a bigint, record_b bigint, model text DEFAULT 'default',
                                 OUT step integer, OUT comparison text, OUT value_a text, OUT value_b text,
                                 OUT level text, OUT similarity double precision,
                                 OUT m double precision, OUT u double precision,
                                 OUT bayes_factor double precision, OUT match_weight double precision,
                                 OUT cumulative_weight double precision, OUT match_probability double precision)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'match_explain'
    LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION ci.explain_match(bigint, bigint, text) IS
'Why two records match or not: a waterfall of rows — the prior, each comparison''s values, level, similarity, m, u (term frequency when adjusted), Bayes factor and weight with the running total and its probability — and the decision';

CREATE FUNCTION ci.decide_match(record_a bigint, record_b bigint, decision text, note text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
    IF decide_match.record_a IS NULL OR decide_match.record_b IS NULL OR decide_match.decision IS NULL THEN
        RAISE EXCEPTION 'record ids and decision must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF decide_match.record_a = decide_match.record_b THEN
        RAISE EXCEPTION 'a record cannot be decided against itself' USING ERRCODE = '22023';
    END IF;
    IF decide_match.decision NOT IN ('link', 'no_link') THEN
        RAISE EXCEPTION 'unknown decision "%"', decide_match.decision USING ERRCODE = '22023',
            HINT = 'Use link or no_link.';
    END IF;
    -- actor and time as values (Citus evaluates nothing in DO UPDATE SET)
    INSERT INTO ci.match_decision AS d (record_a, record_b, decision, note, actor, decided_at)
    VALUES (least(decide_match.record_a, decide_match.record_b), greatest(decide_match.record_a, decide_match.record_b),
            decide_match.decision, decide_match.note, current_user, now())
    ON CONFLICT (record_a, record_b) DO UPDATE
        SET decision = excluded.decision, note = excluded.note, actor = excluded.actor, decided_at = excluded.decided_at;
    DELETE FROM ci.match_review r
    WHERE r.record_a = least(decide_match.record_a, decide_match.record_b)
      AND r.record_b = greatest(decide_match.record_a, decide_match.record_b);
END
$$;
COMMENT ON FUNCTION ci.decide_match(bigint, bigint, text, text) IS
'A data steward forces two records to be linked (link) or kept apart (no_link); every later run and incremental resolution honours it, and the pair leaves the review queue';

CREATE VIEW ci.match_review_queue AS
SELECT r.model, r.record_a, r.record_b, r.match_probability, r.match_weight, r.found_at,
       concat_ws(' ', a.given_name, a.family_name) AS name_a, concat_ws(' ', b.given_name, b.family_name) AS name_b,
       a.birth_date AS birth_date_a, b.birth_date AS birth_date_b, a.email AS email_a, b.email AS email_b,
       la.identity_id AS identity_a, lb.identity_id AS identity_b
FROM ci.match_review r
JOIN ci.source_record a ON a.record_id = r.record_a
JOIN ci.source_record b ON b.record_id = r.record_b
LEFT JOIN ci.identity_link la ON la.record_id = r.record_a
LEFT JOIN ci.identity_link lb ON lb.record_id = r.record_b
WHERE NOT EXISTS (SELECT 1 FROM ci.match_decision d WHERE d.record_a = r.record_a AND d.record_b = r.record_b)
ORDER BY r.match_probability DESC;
COMMENT ON VIEW ci.match_review_queue IS 'Pairs in the review band awaiting a steward''s decision (ci.decide_match), most likely first';

-- ci.resolve_record keeps each model parsed, with its queries planned, for
-- the life of a session, and checks per call that the model's row of
-- ci.match_model is still the version it parsed.  These triggers give the
-- row a new version whenever a comparison, blocking rule or stored term
-- frequency of the model changes, so that every session sees the change.
CREATE FUNCTION ci.match_model_touch() RETURNS trigger
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE ci.match_model m SET model = m.model;
    ELSIF TG_OP = 'INSERT' THEN
        UPDATE ci.match_model m SET model = m.model WHERE m.model IN (SELECT n.model FROM new_rows n);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE ci.match_model m SET model = m.model WHERE m.model IN (SELECT o.model FROM old_rows o);
    ELSE
        UPDATE ci.match_model m SET model = m.model
        WHERE m.model IN (SELECT n.model FROM new_rows n UNION SELECT o.model FROM old_rows o);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION ci.match_model_touch() IS
'Statement trigger on the tables that define a match model: writes a new version of the model''s ci.match_model row, so that sessions caching the parsed model (ci.resolve_record) reload it';

CREATE TRIGGER match_comparison_touch_ins AFTER INSERT ON ci.match_comparison
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ci.match_model_touch();
CREATE TRIGGER match_comparison_touch_upd AFTER UPDATE ON ci.match_comparison
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ci.match_model_touch();
CREATE TRIGGER match_comparison_touch_del AFTER DELETE ON ci.match_comparison
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ci.match_model_touch();
CREATE TRIGGER match_comparison_touch_trunc AFTER TRUNCATE ON ci.match_comparison
    FOR EACH STATEMENT EXECUTE FUNCTION ci.match_model_touch();
CREATE TRIGGER match_blocking_rule_touch_ins AFTER INSERT ON ci.match_blocking_rule
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ci.match_model_touch();
CREATE TRIGGER match_blocking_rule_touch_upd AFTER UPDATE ON ci.match_blocking_rule
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ci.match_model_touch();
CREATE TRIGGER match_blocking_rule_touch_del AFTER DELETE ON ci.match_blocking_rule
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ci.match_model_touch();
CREATE TRIGGER match_blocking_rule_touch_trunc AFTER TRUNCATE ON ci.match_blocking_rule
    FOR EACH STATEMENT EXECUTE FUNCTION ci.match_model_touch();
CREATE TRIGGER match_term_frequency_touch_ins AFTER INSERT ON ci.match_term_frequency
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ci.match_model_touch();
CREATE TRIGGER match_term_frequency_touch_upd AFTER UPDATE ON ci.match_term_frequency
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ci.match_model_touch();
CREATE TRIGGER match_term_frequency_touch_del AFTER DELETE ON ci.match_term_frequency
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ci.match_model_touch();
CREATE TRIGGER match_term_frequency_touch_trunc AFTER TRUNCATE ON ci.match_term_frequency
    FOR EACH STATEMENT EXECUTE FUNCTION ci.match_model_touch();
