-- The given_name similarity of the default model: Jaro-Winkler, where a
-- nickname of ci.name_alias (Bill / William) is the close level and a lone
-- initial of the other name (J / John) the loose level; two different given
-- names are the else level, strong evidence against (household members).
SET client_min_messages = warning;
BEGIN;
DELETE FROM ci.identity_link;
DELETE FROM ci.match_decision;
DELETE FROM ci.source_record;
CREATE TEMP VIEW rid AS SELECT source_key AS k, record_id AS id FROM ci.source_record;

-- The shipped nicknames: a formal name and its short forms, compared after
-- ci.normalize_name.
SELECT name, string_agg(alias, ', ' ORDER BY alias) AS aliases
FROM ci.name_alias WHERE name IN ('William', 'Elizabeth', 'Katarzyna') GROUP BY name ORDER BY name;
SELECT comparison, field, similarity, close_threshold, loose_threshold
FROM ci.match_comparison WHERE model = 'default' AND comparison = 'given_name';

INSERT INTO ci.source_record (source, source_key, given_name, family_name, birth_date, country) VALUES
    ('crm', 'n-1', 'William',   'Harris', '1971-06-30', 'GB'),
    ('web', 'n-2', 'Bill',      'Harris', '1971-06-30', 'GB'),
    ('pos', 'n-3', 'W.',        'Harris', '1971-06-30', 'GB'),
    ('web', 'n-4', 'Wiliam',    'Harris', '1971-06-30', 'GB'),
    ('crm', 'n-5', 'Margaret',  'Harris', '1971-06-30', 'GB'),
    ('web', 'n-6', 'Liz',       'Harris', '1971-06-30', 'GB'),
    ('web', 'n-7', 'Betty',     'Harris', '1971-06-30', 'GB');

-- Levels of the given-name comparison: a typo is close by Jaro-Winkler, a
-- nickname close through ci.name_alias (two nicknames of one formal name
-- too), an initial loose, another name else.
SELECT a.k AS a, b.k AS b, e.value_a, e.value_b, e.level, round(e.similarity::numeric, 3) AS jaro_winkler
FROM rid a JOIN rid b ON a.k < b.k, ci.explain_match(a.id, b.id) e
WHERE e.comparison = 'given_name' AND (a.k, b.k) IN (('n-1', 'n-2'), ('n-1', 'n-3'), ('n-1', 'n-4'), ('n-1', 'n-5'), ('n-6', 'n-7'), ('n-2', 'n-6'))
ORDER BY 1, 2;

-- The nicknames are data: a new row takes effect at once.  It also gives
-- the model's ci.match_model row a new version, so that sessions that have
-- cached the parsed model (ci.resolve_record) reload it.
CREATE TEMP TABLE version AS SELECT ctid AS v FROM ci.match_model WHERE model = 'default';
INSERT INTO ci.name_alias (name, alias) VALUES ('Margaret', 'Meta');
SELECT m.ctid <> v.v AS new_model_version FROM ci.match_model m, version v WHERE m.model = 'default';
UPDATE ci.source_record SET given_name = 'Meta' WHERE source_key = 'n-6';
SELECT e.value_a, e.value_b, e.level
FROM ci.explain_match((SELECT id FROM rid WHERE k = 'n-5'), (SELECT id FROM rid WHERE k = 'n-6')) e
WHERE e.comparison = 'given_name';
SELECT shipped, count(*) FROM ci.name_alias WHERE name = 'Margaret' GROUP BY shipped ORDER BY shipped;

-- Bad rows are refused.
SAVEPOINT s;
INSERT INTO ci.name_alias (name, alias) VALUES ('Ann', 'Ann');
ROLLBACK TO s;
INSERT INTO ci.name_alias (name, alias) VALUES ('', 'X');
ROLLBACK TO s;
-- A given_name comparison on a date column is refused when the model loads.
INSERT INTO ci.match_model (model) VALUES ('bad_given');
INSERT INTO ci.match_comparison (model, comparison, ordinal, field, similarity, close_threshold, loose_threshold)
VALUES ('bad_given', 'born', 1, 'birth_date', 'given_name', 0.9, 0.8);
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys) VALUES ('bad_given', 'b', 1, '{birth_date}');
SELECT * FROM ci.estimate_blocking('bad_given');
ROLLBACK;
