-- Comparison kinds beyond one string against another (doc/identity.md,
-- "Comparison kinds"): each on small records showing the pattern it fixes,
-- each level reached, read through ci.explain_match.
SET client_min_messages = warning;
CREATE TABLE kinds_rec (
    id bigint PRIMARY KEY, source text, given text, family text, full_name text,
    street text, postcode text, city text, born date, born_raw text, height numeric, attributes jsonb);
INSERT INTO kinds_rec VALUES
 (1, 'a', 'john', 'smith', 'john paul smith', '12 main st', '2600', 'springfield', '1980-05-17', NULL, 180, '{"loyalty": {"id": "A123"}}'),
 (2, 'b', 'smith', 'john', 'smith john',      '12 main st', '2600', 'springfield', NULL, '1980-17-05', 181, '{"loyalty": {"id": "A123"}}'),
 (3, 'b', 'smyth', 'jon',  'jon smith',       '12 mian st', '2600', 'shelbyville', NULL, '1980-05',    185, '{"loyalty": {"id": "A129"}}'),
 (4, 'b', 'mary', 'smith', 'mary smith',      '9 high st',  '2601', 'springfield', NULL, '1980',       190, '{"loyalty": {"id": "B9"}}'),
 (5, 'b', 'john', 'smith', 'john smith',      '9 high st',  '3000', 'melbourne',   '1900-01-01', NULL, 150, '{}'),
 (6, 'b', 'john', 'smith', 'john smith',      NULL,         '2600', NULL,          '1981-03-01', NULL, NULL, '{"loyalty": {}}'),
 (7, 'b', 'john', 'smith', 'john smith',      NULL,         NULL,   NULL,          NULL, '1982-02-31', NULL, '{}'),
 (8, 'b', 'john', 'smith', 'john smith',      NULL,         NULL,   NULL,          NULL, 'unknown',    NULL, '{}');
INSERT INTO ci.match_model (model, relation, id_column, source_column) VALUES ('kinds', 'kinds_rec', 'id', 'source');
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys) VALUES ('kinds', 'all', 1, '{family}');
INSERT INTO ci.match_comparison (model, comparison, ordinal, field, similarity, close_threshold, loose_threshold, fields, path) VALUES
 ('kinds', 'given',    1, 'given',     'given_name',      0.92, 0.80, '{family}', NULL),
 ('kinds', 'family',   2, 'family',    'jaro_winkler',    0.92, 0.80, '{given}', NULL),
 ('kinds', 'tokens',   3, 'full_name', 'token_set',       0.95, 0.80, NULL, NULL),
 ('kinds', 'address',  4, 'street',    'grouped',         0.92, NULL, '{postcode,city}', NULL),
 ('kinds', 'area',     5, 'postcode',  'prefix',          3,    2,    NULL, NULL),
 ('kinds', 'height',   6, 'height',    'numeric',         2,    5,    NULL, NULL),
 ('kinds', 'born_year', 7, 'born',     'year_difference', 0,    1,    NULL, NULL),
 ('kinds', 'born',     8, 'born',      'date',            NULL, NULL, '{born_raw}', NULL),
 ('kinds', 'loyalty',  9, 'attributes', 'exact',          NULL, NULL, NULL, '{loyalty,id}');

CREATE FUNCTION kinds_levels(a bigint, b bigint) RETURNS TABLE (comparison text, value_a text, value_b text, level text)
LANGUAGE sql AS $$
    SELECT comparison, value_a, value_b, level FROM ci.explain_match(a, b, 'kinds') WHERE comparison NOT IN ('prior', 'total')
$$;
-- an empty fields array is refused
UPDATE ci.match_comparison SET fields = '{}' WHERE model = 'kinds' AND comparison = 'born_year';

-- 1 and 2: names swapped (close, not else twice), the same token set
-- (exact), the whole address, day and month transposed (close), a json key
SELECT * FROM kinds_levels(1, 2);
-- 1 and 3: swapped with a slip (loose), street typo with the postcode
-- (close), a year-month partial date (close: same year and month)
SELECT * FROM kinds_levels(1, 3);
-- 1 and 4: a year only (loose), a postcode area (loose), city alone (loose)
SELECT * FROM kinds_levels(1, 4);
-- 1 and 5: the placeholder 1900-01-01 is missing; nothing of the address
SELECT * FROM kinds_levels(1, 5);
-- 1 and 6: 1 March of the next year, merely within a year: else (as
-- common between strangers); a postcode alone (loose); a json object
-- without the key (missing)
SELECT * FROM kinds_levels(1, 6);
-- 6 and 7: an impossible day (1982-02-31) keeps its year and month, a
-- year and a month from 1981-03: else; 8's unreadable date is missing
SELECT * FROM kinds_levels(6, 7);
SELECT * FROM kinds_levels(7, 8) WHERE comparison IN ('born', 'born_year');

-- 1 January stands for an unknown day: two records born "1 January 1985"
-- agree on the year only, not exactly
INSERT INTO kinds_rec (id, source, given, family, born) VALUES (9, 'a', 'ann', 'lee', '1985-01-01'), (10, 'b', 'ann', 'lee', '1985-01-01');
SELECT * FROM kinds_levels(9, 10) WHERE comparison = 'born';

-- A full date an unusually large share of the records carry is a
-- placeholder in a full run (0.2% of them and at least 25): 40 people of
-- one family "born" 1970-06-15 are not linked by it, though family name
-- and date would outweigh their different given names.  Two of them really
-- are one person and are linked by their e-mail.
INSERT INTO ci.source_record (source, source_key, given_name, family_name, birth_date, email)
SELECT CASE WHEN i % 2 = 0 THEN 'crm' ELSE 'web' END, 'ph-' || i, 'p' || chr(97 + i % 26) || chr(97 + i / 26), 'Placeholder', '1970-06-15',
       CASE WHEN i IN (1, 2) THEN 'one@example.org' END
FROM generate_series(1, 40) i;
CREATE VIEW kinds_sr AS SELECT record_id, source, given_name_norm, family_name_norm, birth_date, email_norm FROM ci.source_record WHERE source_key LIKE 'ph-%';
INSERT INTO ci.match_model (model, relation) VALUES ('kinds_ph', 'kinds_sr');
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys) VALUES ('kinds_ph', 'family', 1, '{family_name_norm}');
INSERT INTO ci.match_comparison (model, comparison, ordinal, field, similarity, m, u) VALUES
 ('kinds_ph', 'given',  1, 'given_name_norm',  'exact', '{0.9,0,0,0.1}', '{0.01,0,0,0.99}'),
 ('kinds_ph', 'family', 2, 'family_name_norm', 'exact', '{0.9,0,0,0.1}', '{0.0001,0,0,0.9999}'),
 ('kinds_ph', 'born',   3, 'birth_date',       'date',  '{0.9,0.05,0.03,0.02}', '{0.0001,0.001,0.02,0.9789}'),
 ('kinds_ph', 'email',  4, 'email_norm',       'exact', '{0.9,0,0,0.1}', '{0.0001,0,0,0.9999}');
SELECT records, links FROM ci.resolve_identities('kinds_ph', retrain => false);
-- (ci.explain_match sees two records, where no date is common: there the date agrees)
SELECT level FROM ci.explain_match((SELECT record_id FROM ci.source_record WHERE source_key = 'ph-3'),
                                   (SELECT record_id FROM ci.source_record WHERE source_key = 'ph-4'), 'kinds_ph')
WHERE comparison = 'born';
-- Training stores the placeholders it found in its report ...
SELECT (ci.train_model('kinds_ph')->'placeholder_dates') AS placeholder_dates;
-- ... and runs over a few records use them: the explanation above, and a
-- new record with another given name that the date would otherwise link
-- (the shipped m and u again, as before training)
UPDATE ci.match_comparison c SET m = d.m, u = d.u
  FROM (VALUES ('given', '{0.9,0,0,0.1}'::float8[], '{0.01,0,0,0.99}'::float8[]),
               ('family', '{0.9,0,0,0.1}', '{0.0001,0,0,0.9999}'),
               ('born', '{0.9,0.05,0.03,0.02}', '{0.0001,0.001,0.02,0.9789}'),
               ('email', '{0.9,0,0,0.1}', '{0.0001,0,0,0.9999}')) AS d(comparison, m, u)
 WHERE c.model = 'kinds_ph' AND c.comparison = d.comparison;
UPDATE ci.match_model SET prior = 0.0001 WHERE model = 'kinds_ph';
SELECT level FROM ci.explain_match((SELECT record_id FROM ci.source_record WHERE source_key = 'ph-3'),
                                   (SELECT record_id FROM ci.source_record WHERE source_key = 'ph-4'), 'kinds_ph')
WHERE comparison = 'born';
INSERT INTO ci.source_record (source, source_key, given_name, family_name, birth_date) VALUES
    ('crm', 'ph-new', 'Zed', 'Placeholder', '1970-06-15'), ('crm', 'ph-new2', 'Zoe', 'Placeholder', '1970-06-15');
SELECT ci.resolve_record((SELECT record_id FROM ci.source_record WHERE source_key = 'ph-new'), 'kinds_ph') AS iid \gset
SELECT count(*) AS records_in_its_identity FROM ci.identity_link WHERE identity_id = :iid;
-- (without the stored placeholders, the date would link it)
UPDATE ci.match_model SET training = training - 'placeholder_dates' WHERE model = 'kinds_ph';
SELECT ci.resolve_record((SELECT record_id FROM ci.source_record WHERE source_key = 'ph-new2'), 'kinds_ph') AS iid \gset
SELECT count(*) > 1 AS joined_others FROM ci.identity_link WHERE identity_id = :iid;
DELETE FROM ci.match_model WHERE model = 'kinds_ph';
DROP VIEW kinds_sr;
DELETE FROM ci.source_record WHERE source_key LIKE 'ph-%';

-- Malformed and extreme values load and compare: no date, a bare year with
-- a separator, letters, full-width digits, a year-month with a trailing
-- separator, a number that overflows, NaN; multibyte tokens and prefixes.
INSERT INTO kinds_rec (id, source, given, family, full_name, postcode, born_raw, height) VALUES
 (20, 'a', 'zoë', 'ñúñez', 'zoë  ñúñez-garcía', 'ÅB12', '', 1e20),
 (21, 'b', 'ñúñez', 'zoë', 'garcía zoë ñúñez', 'ÅB19', '1980-', 'NaN'),
 (22, 'b', 'zoe', 'nunez', 'zoe nunez', 'ÅC12', '１９８０', 'Infinity'),
 (23, 'b', 'zoe', 'nunez', 'zoe nunez', NULL, '1980-05-', NULL),
 (24, 'b', 'zoe', 'nunez', 'zoe nunez', NULL, '198O-05-01', NULL),
 (25, 'b', 'zoe', 'nunez', 'zoe nunez', NULL, '19800501', NULL);
SELECT * FROM kinds_levels(20, 21) WHERE comparison IN ('given', 'family', 'tokens', 'area', 'height', 'born');
SELECT a, b, (SELECT level FROM kinds_levels(a, b) WHERE comparison = 'born') AS born
FROM (VALUES (21, 23), (21, 22), (23, 24), (23, 25), (1, 25)) v(a, b);
-- The slips of one person's date are close: a wrong day, day and month
-- transposed, a day or two off across a month's end or a year's, a wrong
-- year digit; the same year loose; a year without a month against a date
-- of the next year loose; whole dates merely within a year else.
INSERT INTO kinds_rec (id, source, given, family, born, born_raw) VALUES
 (30, 'a', 'x', 'y', '1980-05-31', NULL), (31, 'b', 'x', 'y', '1980-06-01', NULL),
 (32, 'b', 'x', 'y', '1980-06-03', NULL), (33, 'b', 'x', 'y', '1990-05-31', NULL),
 (34, 'b', 'x', 'y', '1981-05-31', NULL), (35, 'b', 'x', 'y', '1970-05-31', NULL),
 (36, 'b', 'x', 'y', '1979-12-31', NULL), (37, 'b', 'x', 'y', '1980-01-02', NULL),
 (38, 'b', 'x', 'y', '1980-05-13', NULL), (39, 'b', 'x', 'y', '1980-11-05', NULL),
 (40, 'b', 'x', 'y', '1981-04-02', NULL), (41, 'b', 'x', 'y', NULL, '1981'),
 (42, 'b', 'x', 'y', '1908-05-31', NULL), (43, 'b', 'x', 'y', '2000-02-28', NULL),
 (44, 'b', 'x', 'y', '2000-03-01', NULL), (45, 'b', 'x', 'y', '1900-03-01', NULL);
SELECT a, b, (SELECT value_a || ' / ' || value_b || ': ' || level FROM kinds_levels(a, b) WHERE comparison = 'born') AS born
FROM (VALUES (30, 31), (30, 32), (30, 33), (30, 34), (30, 35), (36, 37), (30, 38), (30, 39), (30, 40),
             (30, 41), (30, 42), (43, 44), (45, 43)) v(a, b);
-- a value longer than comparisons allow is a clear error
UPDATE kinds_rec SET full_name = repeat('x', 1100000) WHERE id = 22;
SELECT * FROM kinds_levels(20, 22) WHERE comparison = 'tokens';

-- The default model: swapped names and a partial birth date in
-- ci.source_record (birth_date_raw as written)
INSERT INTO ci.source_record (source, source_key, given_name, family_name, birth_date, birth_date_raw, street, city, postcode) VALUES
 ('crm', 'k-1', 'Maria', 'Garcia', '1975-08-09', NULL, '3 Elm Road', 'Leeds', 'LS1 4AB'),
 ('web', 'k-2', 'Garcia', 'Maria', NULL, '1975-09-08', '3 Elm Rd', 'Leeds', 'LS1 4AB'),
 ('pos', 'k-3', 'Maria', 'Garcia', NULL, '1975', NULL, 'Leeds', 'LS1 4AX');
SELECT comparison, value_a, value_b, level FROM ci.explain_match(
    (SELECT record_id FROM ci.source_record WHERE source_key = 'k-1'), (SELECT record_id FROM ci.source_record WHERE source_key = 'k-2'))
WHERE level IS DISTINCT FROM 'null' AND comparison NOT IN ('prior', 'total');
SELECT comparison, value_a, value_b, level FROM ci.explain_match(
    (SELECT record_id FROM ci.source_record WHERE source_key = 'k-1'), (SELECT record_id FROM ci.source_record WHERE source_key = 'k-3'))
WHERE level IS DISTINCT FROM 'null' AND comparison NOT IN ('prior', 'total');
-- Swapped with an initial on one side (B. Phillips against Phillips,
-- Benjamin; a title in the given name field goes too): loose (swapped) on
-- both names, not else twice, so the initial's record is no conflict that
-- keeps it out of Benjamin's identity.  Two lone letters are too little
-- (P. B. against B. Phillips: the levels of the names as they stand).
INSERT INTO ci.source_record (source, source_key, given_name, family_name, birth_date) VALUES
 ('crm', 'k-4', 'B.', 'Phillips', '1956-07-30'),
 ('web', 'k-5', 'Dr Phillips', 'Benjamin', '1956-07-30'),
 ('web', 'k-6', 'P.', 'B.', '1956-07-30');
SELECT comparison, value_a, value_b, level FROM ci.explain_match(
    (SELECT record_id FROM ci.source_record WHERE source_key = 'k-4'), (SELECT record_id FROM ci.source_record WHERE source_key = 'k-5'))
WHERE comparison IN ('given_name', 'family_name');
SELECT comparison, value_a, value_b, level FROM ci.explain_match(
    (SELECT record_id FROM ci.source_record WHERE source_key = 'k-4'), (SELECT record_id FROM ci.source_record WHERE source_key = 'k-6'))
WHERE comparison IN ('given_name', 'family_name');
-- City and postcode typed into each other's fields on one record: the
-- default model's place (postcode with city) agrees crosswise, close
-- (swapped), not else.  One part crossed alone is not a swap.
INSERT INTO ci.source_record (source, source_key, given_name, family_name, city, postcode) VALUES
 ('crm', 'k-7', 'Daniel', 'Shelhurst', 'Chicago', '60629'),
 ('web', 'k-8', 'Daniel', 'Shelhurst', '60629', 'Chicago'),
 ('web', 'k-9', 'Daniel', 'Shelhurst', '60629', 'Boston'),
 ('web', 'k-10', 'Daniel', 'Shelhurst', 'New York City', '10110'),
 ('web', 'k-11', 'Daniel', 'Shelhurst', '10110', 'New York City');
SELECT b.source_key, e.value_a, e.value_b, e.level
FROM ci.source_record a, ci.source_record b, ci.explain_match(a.record_id, b.record_id) e
WHERE (a.source_key, b.source_key) IN (('k-7', 'k-8'), ('k-7', 'k-9'), ('k-10', 'k-11')) AND e.comparison = 'place'
ORDER BY a.record_id, b.record_id;
DELETE FROM ci.source_record WHERE source_key LIKE 'k-%';
DELETE FROM ci.match_model WHERE model = 'kinds';
DROP TABLE kinds_rec CASCADE;
