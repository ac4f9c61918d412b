-- Issue 13, training and household-aware scoring:
--   1. twins and household members (same address, landline, family name;
--      other given names) stay apart under the default model's household
--      cap (household_weight_cap 0), and
--      ci.explain_match shows the cap; without it they merge; a record of
--      Anna with given and family name swapped still joins her;
--   2. a comparison whose field is a blocking key only through left(...)
--      is estimated (the rule does not force it to agree); one that is a
--      plain key of every rule is reported as not estimated;
--   3. steward decisions (ci.match_decision, link) fit m;
--   4. the full run queues the links its clustering guard refuses for review.
SET client_min_messages = warning;
BEGIN;
DELETE FROM ci.identity_link;
DELETE FROM ci.match_decision;
DELETE FROM ci.match_review;
DELETE FROM ci.source_record;
CREATE TEMP VIEW grouping AS
SELECT string_agg(r.source_key, ', ' ORDER BY r.source_key) AS records
FROM ci.source_record r JOIN ci.identity_link l USING (record_id)
GROUP BY l.identity_id ORDER BY min(r.source_key);
CREATE TEMP VIEW rid AS SELECT source_key AS k, record_id AS id FROM ci.source_record;

-- 1. Twins Anna and Maria, two records each, and their mother: one address,
-- one landline, one family name; the twins share a birth date too.
INSERT INTO ci.source_record (source, source_key, given_name, family_name, phone, birth_date, street, city, postcode, country) VALUES
    ('crm', 'anna-1',  'Anna',    'Kowalczyk', '+48 22 555 01 02', '1990-05-17', 'ul. Lipowa 7', 'Kraków', '30-001', 'PL'),
    ('web', 'anna-2',  'Anna',    'Kowalczyk', '22 555 01 02',     '1990-05-17', 'ul. Lipowa 7', 'Kraków', '30-001', 'PL'),
    ('crm', 'maria-1', 'Maria',   'Kowalczyk', '+48 22 555 01 02', '1990-05-17', 'ul. Lipowa 7', 'Kraków', '30-001', 'PL'),
    ('web', 'maria-2', 'Maria',   'Kowalczyk', '22 555 01 02',     '1990-05-17', 'ul. Lipowa 7', 'Kraków', '30-001', 'PL'),
    ('crm', 'ewa-1',   'Ewa',     'Kowalczyk', '+48 22 555 01 02', '1962-09-30', 'ul. Lipowa 7', 'Kraków', '30-001', 'PL'),
    -- Anna again, given and family name swapped: a swap is not a disagreement
    ('pos', 'anna-3',  'Kowalczyk', 'Anna',    '22 555 01 02',     '1990-05-17', 'ul. Lipowa 7', 'Kraków', '30-001', 'PL');
SELECT household_weight_cap FROM ci.match_model WHERE model = 'default';
SELECT comparison, role FROM ci.match_comparison WHERE model = 'default' AND role IS NOT NULL ORDER BY ordinal;
SELECT links, identities FROM ci.resolve_identities('default', retrain => false);
SELECT * FROM grouping;
SELECT comparison, level, round(match_weight::numeric, 2) AS weight
FROM ci.explain_match((SELECT id FROM rid WHERE k = 'anna-1'), (SELECT id FROM rid WHERE k = 'maria-1'))
WHERE comparison IN ('given_name', 'household_cap', 'total');
-- Without the cap the shared household fields carry the twins over the threshold.
UPDATE ci.match_model SET household_weight_cap = NULL WHERE model = 'default';
SELECT links, identities FROM ci.resolve_identities('default', retrain => false);
SELECT * FROM grouping;
SELECT count(*) AS cap_rows FROM ci.explain_match((SELECT id FROM rid WHERE k = 'anna-1'), (SELECT id FROM rid WHERE k = 'maria-1'))
WHERE comparison = 'household_cap';
UPDATE ci.match_model SET household_weight_cap = 0 WHERE model = 'default';

-- 2. 200 persons, two records each: the second with a postcode typo for one
-- in ten, another given name for one in seven.
DELETE FROM ci.identity_link;
DELETE FROM ci.source_record;
INSERT INTO ci.source_record (source, source_key, given_name, family_name, postcode, country)
SELECT s.src, s.src || '-' || i,
       CASE WHEN s.src = 'web' AND i % 7 = 0 THEN (ARRAY['Olga','Irma','Uwe','Knut','Ilse'])[1 + i % 5]
            ELSE (ARRAY['Anna','Ben','Carla','David','Emil','Frida','Gustav','Hanna','Ivo','Jana','Karl','Lena','Max','Nina','Otto'])[1 + i % 15] END,
       (ARRAY['Berg','Fischer','Hahn','Jung','Keller','Lang','Meyer','Neumann','Peters','Roth','Schulz','Vogel','Weber','Zimmer'])[1 + (i / 15) % 14]
         || (ARRAY['', 'mann', 'er', 'hof', 'bauer', 'feld', 'stein'])[1 + (i / 210) % 7 + (i % 3)],
       CASE WHEN s.src = 'web' AND i % 10 = 0 THEN lpad(((i * 7919 + 1) % 100000)::text, 5, '0')
            ELSE lpad(((i * 7919) % 100000)::text, 5, '0') END,
       'DE'
FROM generate_series(1, 200) i, (VALUES ('crm'), ('web')) AS s(src);
INSERT INTO ci.match_model (model, link_within_source) VALUES ('keyed', false);
INSERT INTO ci.match_comparison (model, comparison, ordinal, field, similarity, close_threshold, loose_threshold, tf_adjust) VALUES
    ('keyed', 'given_name',  1, 'given_name_norm',  'jaro_winkler',        0.92, 0.80, false),
    ('keyed', 'family_name', 2, 'family_name_norm', 'jaro_winkler',        0.92, 0.80, false),
    ('keyed', 'postcode',    3, 'postcode_norm',    'damerau_levenshtein', 1,    NULL, false);
-- postcode is a key of both rules, but the second only through its first
-- two characters: that rule's session estimates postcode's m
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys) VALUES
    ('keyed', 'postcode', 1, '{postcode_norm}'),
    ('keyed', 'family_postcode_area', 2, ARRAY['family_name_norm', 'left(postcode_norm, 2)']);
SELECT r->'m_sessions' AS m_sessions, r->'m_not_estimated' AS not_estimated
FROM ci.train_model('keyed') r;
-- m of postcode moved from its starting value {0.9,0.05,0.03,0.02}: close
-- (the typos) is seen, else is smoothed, not floored
SELECT m[1] <> 0.9 AS exact_estimated, m[2] > 0.02 AS close_seen, m[4] > 1e-5 AS else_smoothed
FROM ci.match_comparison WHERE model = 'keyed' AND comparison = 'postcode';
-- a comparison that is a plain key of every rule: reported, with a notice
DELETE FROM ci.match_blocking_rule WHERE model = 'keyed' AND rule = 'family_postcode_area';
SET client_min_messages = notice;
SELECT r->'m_sessions' AS m_sessions, r->'m_not_estimated' AS not_estimated FROM ci.train_model('keyed') r;
SET client_min_messages = warning;

-- 3. Labelled pairs: a steward links the persons whose second record has
-- another given name; training fits given_name's m to them.
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys) VALUES
    ('keyed', 'family_postcode_area', 2, ARRAY['family_name_norm', 'left(postcode_norm, 2)']);
SELECT (r->>'labelled_pairs')::int AS labelled FROM ci.train_model('keyed') r;
CREATE TEMP TABLE m_unlabelled AS SELECT m FROM ci.match_comparison WHERE model = 'keyed' AND comparison = 'given_name';
SELECT count(*) AS decisions FROM (
    SELECT ci.decide_match(a.record_id, b.record_id, 'link', 'same customer, other first name')
    FROM ci.source_record a JOIN ci.source_record b ON b.source = 'web' AND a.source = 'crm'
     AND substr(b.source_key, 5) = substr(a.source_key, 5)
    WHERE substr(a.source_key, 5)::int % 7 = 0) d;
SELECT (r->>'labelled_pairs')::int AS labelled, (r->'m_labelled'->>'given_name')::int AS given_name_labels
FROM ci.train_model('keyed') r;
-- 28 of 28 labelled matches disagree on the given name: m(else) rises
SELECT c.m[4] > u.m[4] * 2 AS else_rose FROM ci.match_comparison c, m_unlabelled u
WHERE c.model = 'keyed' AND c.comparison = 'given_name';
-- off: the decisions are not read
UPDATE ci.match_model SET train_on_decisions = false WHERE model = 'keyed';
SELECT (r->>'labelled_pairs')::int AS labelled FROM ci.train_model('keyed') r;


-- 3b. Households are detected from the data: among pairs sharing two
-- household fields, personal disagreements at least twice as common as the
-- trained m predicts for true matches (unsupervised here: the labels above
-- were all disagreements, chosen to move m).  The pairs sharing a family
-- name and a postcode are one person's records: not detected.  (An
-- untrained model applies the cap, as in 1; on generated household-rich
-- data training detects households: bench/accuracy.sh prints the report.)
UPDATE ci.match_model SET household_weight_cap = 0 WHERE model = 'keyed';
UPDATE ci.match_comparison SET role = CASE comparison WHEN 'given_name' THEN 'personal' ELSE 'household' END WHERE model = 'keyed';
SELECT r->'households'->'detected' AS detected, (r->'households'->>'shared_pairs')::int AS shared_pairs FROM ci.train_model('keyed') r;
-- 3c. A personal comparison no record has a value for (voter files
-- without birth dates) is left out of the test, not taken as making every
-- pair "incomplete": with household members beside one crm record in five
-- (same family name and postcode, another given name), the test counts the
-- same pairs with and without such a comparison.  (On these three
-- comparisons EM takes the household members for matches, m(else) of the
-- given name rises with them, and households are not detected; on generated
-- voter files without birth dates they are: bench/README.md.)
INSERT INTO ci.source_record (source, source_key, given_name, family_name, postcode, country)
SELECT 'pos', 'hh-' || substr(source_key, 5), CASE WHEN given_name = 'Zofia' THEN 'Bruno' ELSE 'Zofia' END, family_name, postcode, country
FROM ci.source_record WHERE source = 'crm' AND substr(source_key, 5)::int % 5 = 0;
CREATE TEMP TABLE households_before AS SELECT r->'households' AS h FROM ci.train_model('keyed') r;
SELECT (h->>'shared_pairs')::int AS shared_pairs FROM households_before;
INSERT INTO ci.match_comparison (model, comparison, ordinal, field, similarity, tf_adjust, role) VALUES
    ('keyed', 'birth_date', 4, 'birth_date', 'date', false, 'personal');
SELECT r->'no_values' AS no_values, r->'households' = (SELECT h FROM households_before) AS same_household_test
FROM ci.train_model('keyed') r;
-- 4. A father and his son (other given names, birth dates, national ids)
-- and a sparse till record with no given name: the father's landline and
-- address, the son's e-mail.  It links to both; the full run joins the
-- stronger link and refuses the bridge, which goes to the review queue
-- above the link threshold, as ci.resolve_record queues it.
DELETE FROM ci.match_decision;
DELETE FROM ci.identity_link;
DELETE FROM ci.source_record;
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country) VALUES
    ('crm', 'g-jan-1',   'Jan',   'Nowak', 'jan.nowak@example.com',   '+48 22 123 45 67', '1960-04-02', '60040212345', 'ul. Polna 3', 'Warszawa', '00-950', 'PL'),
    ('crm', 'g-piotr-1', 'Piotr', 'Nowak', 'piotr.nowak@example.com', '+48 601 234 567',  '1992-11-20', '92112054321', NULL,          NULL,       NULL,     'PL'),
    ('pos', 'g-nowak-x', NULL,    'Nowak', 'piotr.nowak@example.com', '22 123 45 67',     NULL,         NULL,          'ul. Polna 3', 'Warszawa', '00-950', 'PL');
SELECT links, review_pairs, identities FROM ci.resolve_identities('default', retrain => false);
SELECT count(*) AS identities_with_both FROM ci.identity_link f JOIN ci.identity_link s USING (identity_id)
WHERE f.record_id = (SELECT id FROM rid WHERE k = 'g-jan-1') AND s.record_id = (SELECT id FROM rid WHERE k = 'g-piotr-1');
SELECT q.record_a IN (SELECT id FROM rid WHERE k = 'g-nowak-x') OR q.record_b IN (SELECT id FROM rid WHERE k = 'g-nowak-x') AS involves_till_record,
       q.match_probability >= m.link_threshold AS above_link_threshold
FROM ci.match_review q JOIN ci.match_model m USING (model);
-- guard_max_pairs = 0 turns the guard off: the till record bridges them
UPDATE ci.match_model SET guard_max_pairs = 0 WHERE model = 'default';
SELECT links, review_pairs, identities FROM ci.resolve_identities('default', retrain => false);
ROLLBACK;
