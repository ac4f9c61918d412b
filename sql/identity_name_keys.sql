-- Swap-invariant name keys and term frequencies (issue 13, second pass).
SET client_min_messages = warning;
BEGIN;
DELETE FROM ci.identity_link;
DELETE FROM ci.match_decision;
DELETE FROM ci.match_review;
DELETE FROM ci.source_record;

-- name_pair_norm / name_pair_dm need both names: a record with one name
-- has no key (it used to get 'hans hans', the key of a Hans Hans); an
-- initial has no phonetic code, so no phonetic key either.
INSERT INTO ci.source_record (source, source_key, given_name, family_name, birth_date) VALUES
    ('crm', 'both',     'Hans', 'Meier', '1980-05-17'),
    ('web', 'swapped',  'Meier', 'Hans', '1980-05-17'),
    ('crm', 'given',    'Hans', NULL,    '1980-05-17'),
    ('pos', 'family',   NULL,   'Hans',  '1980-05-17'),
    ('crm', 'twice',    'Hans', 'Hans',  '1980-05-17'),
    ('web', 'initial',  'H',    'Meier', '1980-05-17'),
    ('pos', 'blank',    '  ',   'Meier', '1980-05-17'),
    ('crm', 'none',     NULL,   NULL,    '1980-05-17');
SELECT source_key, name_pair_norm, name_pair_dm FROM ci.source_record ORDER BY record_id;
-- the columns are one C call each (ci.name_pair, ci.name_pair_dmetaphone),
-- with the values of the CASE expressions over ci.normalize_name and
-- ci.dmetaphone that 0.1.0 wrote them as
WITH v(g, f) AS (VALUES ('Hans', 'Meier'), ('Meier', 'Hans'), ('Hans', NULL), (NULL, 'Hans'), ('Hans', 'Hans'),
                        ('H', 'Meier'), ('  ', 'Meier'), ('', ''), ('Ådne', 'Ødegård'), ('Сергей', 'Иванов'),
                        ('O''Brien', 'obrien'), ('Zoë', 'zoe'), ('1', 'a'), ('van der Berg', 'Anna-Lena'), ('Ng', 'Ng'))
SELECT g, f, ci.name_pair(g, f), ci.name_pair_dmetaphone(g, f),
       ci.name_pair(g, f) IS NOT DISTINCT FROM
         (CASE WHEN ci.normalize_name(g) < ci.normalize_name(f)
               THEN ci.normalize_name(g) || ' ' || ci.normalize_name(f)
               ELSE ci.normalize_name(f) || ' ' || ci.normalize_name(g) END)
       AND ci.name_pair_dmetaphone(g, f) IS NOT DISTINCT FROM
         (CASE WHEN nullif(ci.dmetaphone(ci.normalize_name(g)), '') < nullif(ci.dmetaphone(ci.normalize_name(f)), '')
               THEN ci.dmetaphone(ci.normalize_name(g)) || ' ' || ci.dmetaphone(ci.normalize_name(f))
               ELSE nullif(ci.dmetaphone(ci.normalize_name(f)), '') || ' ' || nullif(ci.dmetaphone(ci.normalize_name(g)), '') END) AS as_before
  FROM v;
-- so only the swapped pair meets by the names + birth year rule
SELECT a.source_key AS a, b.source_key AS b
  FROM ci.candidate_pairs('default') c
  JOIN ci.source_record a ON a.record_id = c.record_a JOIN ci.source_record b ON b.record_id = c.record_b
 WHERE 'names_birth_year' = ANY (c.rules) ORDER BY 1, 2;

-- Term frequencies leave out a value's own record and the expected other
-- records of its person (prior x (records - 1) x m_exact): a value only
-- one record carries is as rare as the comparison allows, its frequency
-- the shrinkage prior alone, 100 u_exact / (records + 100).
DELETE FROM ci.source_record;
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, birth_date)
SELECT CASE WHEN i % 2 = 0 THEN 'crm' ELSE 'web' END, 'tf-' || i,
       (ARRAY['Anna', 'Ben', 'Clara', 'David', 'Eva'])[1 + i % 5] || CASE WHEN i = 7 THEN 'x' ELSE '' END,
       'Fam' || (i / 2), 'p' || (i / 2) || '@example.org', make_date(1950 + i % 40, 1 + i % 12, 1 + i % 28)
FROM generate_series(1, 200) i;
SELECT ci.train_model('default') IS NOT NULL AS trained;
WITH c AS (SELECT u[1] AS u_exact, m[1] AS m_exact FROM ci.match_comparison WHERE model = 'default' AND comparison = 'given_name'),
     n AS (SELECT count(given_name_norm) AS records, count(*) FILTER (WHERE given_name_norm = 'anna') AS anna FROM ci.source_record),
     p AS (SELECT prior FROM ci.match_model WHERE model = 'default')
SELECT f.value,
       abs(f.frequency - 100 * c.u_exact / (n.records + 100)) < 1e-12 AS unique_value_is_the_prior,
       abs(f.frequency - (CASE f.value WHEN 'clarax' THEN 0 ELSE n.anna - 1 - p.prior * (n.records - 1) * c.m_exact END
                          + 100 * c.u_exact) / (n.records + 100)) < 1e-12 AS as_documented
  FROM ci.match_term_frequency f, c, n, p
 WHERE f.model = 'default' AND f.comparison = 'given_name' AND f.value IN ('anna', 'clarax')
 ORDER BY 1;
ROLLBACK;
