-- Bad input to identity resolution: each case gives a clear error with a
-- SQLSTATE, or a documented result, and never half-written identities.
\set VERBOSITY default
SET client_min_messages = warning;

-- An unknown model.
SELECT * FROM ci.resolve_identities('nope');
SELECT * FROM ci.estimate_blocking('nope');
SELECT ci.resolve_record(1, 'nope');
SELECT * FROM ci.resolve_identities(NULL);

-- Thresholds out of range, a review threshold above the link threshold,
-- an unknown similarity, distance thresholds that are not whole numbers:
-- refused by the model tables' constraints.
INSERT INTO ci.match_model (model, link_threshold) VALUES ('bad', 1.5);
INSERT INTO ci.match_model (model, link_threshold, review_threshold) VALUES ('bad', 0.8, 0.9);
INSERT INTO ci.match_model (model, relation) VALUES ('bad', 'ci.source_record');
INSERT INTO ci.match_comparison (model, comparison, ordinal, field, similarity) VALUES ('bad', 'x', 1, 'given_name_norm', 'soundex');
INSERT INTO ci.match_comparison (model, comparison, ordinal, field, similarity, close_threshold) VALUES ('bad', 'x', 1, 'given_name_norm', 'levenshtein', 1.5);
INSERT INTO ci.match_comparison (model, comparison, ordinal, field, similarity, close_threshold, loose_threshold) VALUES ('bad', 'x', 1, 'given_name_norm', 'jaro_winkler', 0.8, 0.9);
INSERT INTO ci.match_comparison (model, comparison, ordinal, field, similarity, m) VALUES ('bad', 'x', 1, 'given_name_norm', 'exact', '{0.5,0.5}');

-- A model with no comparisons, then no blocking rules.
SELECT * FROM ci.resolve_identities('bad');
INSERT INTO ci.match_comparison (model, comparison, ordinal, field, similarity) VALUES ('bad', 'name', 1, 'given_name_norm', 'jaro_winkler');
SELECT * FROM ci.resolve_identities('bad');

-- Unknown fields, in a comparison and in a blocking rule; malformed keys.
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys) VALUES ('bad', 'r', 1, '{no_such_column}');
SELECT * FROM ci.resolve_identities('bad');
UPDATE ci.match_blocking_rule SET keys = '{"left(given_name_norm)"}' WHERE model = 'bad';
SELECT * FROM ci.estimate_blocking('bad');
UPDATE ci.match_blocking_rule SET keys = '{"lower(given_name_norm)"}' WHERE model = 'bad';
SELECT * FROM ci.estimate_blocking('bad');
UPDATE ci.match_blocking_rule SET keys = '{"given_name_norm; DROP TABLE x"}' WHERE model = 'bad';
SELECT * FROM ci.estimate_blocking('bad');
UPDATE ci.match_blocking_rule SET keys = '{given_name_norm}' WHERE model = 'bad';
UPDATE ci.match_comparison SET field = 'nickname' WHERE model = 'bad';
SELECT * FROM ci.resolve_identities('bad');
-- The birthdate similarity needs a date column.
UPDATE ci.match_comparison SET field = 'given_name_norm', similarity = 'birthdate', close_threshold = 0.9 WHERE model = 'bad';
SELECT * FROM ci.resolve_identities('bad');
UPDATE ci.match_comparison SET similarity = 'jaro_winkler', close_threshold = NULL WHERE model = 'bad';

-- An empty relation: a run resolves nothing and says so; training refuses.
CREATE VIEW empty_records AS SELECT * FROM ci.source_record WHERE false;
UPDATE ci.match_model SET relation = 'empty_records' WHERE model = 'bad';
SELECT records, candidate_pairs, links, identities, trained FROM ci.resolve_identities('bad');
SELECT ci.train_model('bad');

-- A column that is NULL in every record carries no evidence: training
-- reports it and keeps its parameters (FEBRL has no e-mails or phones).
BEGIN;
DELETE FROM ci.identity_link;
DELETE FROM ci.source_record;
INSERT INTO ci.source_record (source, source_key, given_name, family_name, birth_date)
SELECT 'crm', 'k' || g, 'name' || (g % 7), 'family' || (g % 11), date '1950-01-01' + g FROM generate_series(1, 50) g;
UPDATE ci.match_model SET relation = 'ci.source_record' WHERE model = 'bad';
SELECT ci.train_model('bad') -> 'no_values' AS no_values;
SELECT (ci.train_model('default') -> 'no_values') ?& ARRAY['email', 'phone', 'national_id'] AS unused_reported;
-- Training is repeatable: the same seed gives the same parameters.
CREATE TEMP TABLE p1 AS SELECT comparison, m, u FROM ci.match_comparison WHERE model = 'default';
SELECT ci.train_model('default') IS NOT NULL AS trained_again;
SELECT count(*) AS differing FROM ci.match_comparison c JOIN p1 USING (comparison) WHERE c.model = 'default' AND (c.m, c.u) IS DISTINCT FROM (p1.m, p1.u);

-- A blocking rule that would produce more pairs than the model's cap fails
-- before comparing anything, naming the rule; nothing is written.
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys) VALUES ('bad', 'everyone', 2, '{country}');
UPDATE ci.source_record SET country = 'AU';
UPDATE ci.match_model SET max_candidate_pairs = 1000 WHERE model = 'bad';
SELECT rule, candidate_pairs, largest_block FROM ci.estimate_blocking('bad') WHERE rule = 'everyone';
SAVEPOINT s;
SELECT * FROM ci.resolve_identities('bad');
ROLLBACK TO s;
SELECT count(*) AS links_written FROM ci.identity_link;
-- ci.match_work_mem bounds a run's memory.
SET LOCAL ci.match_work_mem = '1MB';
UPDATE ci.match_model SET max_candidate_pairs = 10000000 WHERE model = 'bad';
INSERT INTO ci.source_record (source, source_key, given_name, country)
SELECT 'web', 'w' || g, 'x', 'AU' FROM generate_series(1, 2000) g;
\set VERBOSITY terse
SELECT * FROM ci.resolve_identities('bad');
\set VERBOSITY default
ROLLBACK;

-- Explanations need two existing, different records.
SELECT * FROM ci.explain_match(-1, -2);
SELECT * FROM ci.explain_match(NULL, 1);

-- Steward decisions: unknown kinds and self-pairs are refused.
SELECT ci.decide_match(1, 2, 'maybe');
SELECT ci.decide_match(1, 1, 'link');
SELECT ci.decide_match(NULL, 1, 'link');

DELETE FROM ci.match_model WHERE model = 'bad';
DROP VIEW empty_records;

-- A record whose country libphonenumber does not know still loads: its
-- phone_e164 reads only an international number.
BEGIN;
INSERT INTO ci.source_record (source, source_key, phone, country)
VALUES ('crm', 'xx1', '+61 412 345 678', 'XX'), ('crm', 'xx2', '0412 345 678', 'XX');
SELECT source_key, phone, country, phone_e164 FROM ci.source_record
 WHERE source_key IN ('xx1', 'xx2') ORDER BY source_key;
ROLLBACK;
