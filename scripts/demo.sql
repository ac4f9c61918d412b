-- customer_intel demo: what the extension makes of messy customer records.
--
-- Run by scripts/demo.sh in a throwaway cluster; also runnable by hand in a
-- database with the extension:  psql -X -f scripts/demo.sql
-- It replaces the contents of ci.source_record (and the identity tables)
-- with a generated sample.  Each section is self-contained and later
-- capabilities add theirs at the end.
\set ON_ERROR_STOP on
CREATE EXTENSION IF NOT EXISTS customer_intel;
\pset null '∅'
\pset footer off
SET client_min_messages = warning;

\echo
\echo '== 1. The sample ====================================================='
\echo 'Messy records of 2,000 people from four source systems (crm, pos, support, web),'
\echo 'made by bench/generate_customers.sql (seed 2024): typos, nicknames, other scripts,'
\echo 'email and phone variants, gaps, households and twins.'
\echo
SELECT extversion AS customer_intel FROM pg_extension WHERE extname = 'customer_intel';
\set n_persons 2000
\set seed 2024
\set replace true
\ir ../bench/generate_customers.sql

SELECT coalesce(r.source, 'all') AS source, count(*) AS records,
       count(r.given_name) AS given, count(r.family_name) AS family, count(r.email) AS email,
       count(r.phone) AS phone, count(r.birth_date) AS birth, count(r.street) AS address
  FROM ci.source_record r GROUP BY ROLLUP (r.source) ORDER BY GROUPING(r.source), r.source;

-- Normalised keys of every record, as an identity model would compare them.
CREATE TEMP TABLE demo_norm AS
SELECT record_id, source, given_name, family_name, email, phone, country, birth_date,
       ci.normalize_name(given_name) AS given_n,
       ci.normalize_name(family_name) AS family_n,
       ci.normalize_email(email) AS email_n,
       ci.normalize_phone(phone, country) AS phone_n,
       ci.dmetaphone(ci.normalize_name(family_name)) AS family_key
  FROM ci.source_record;

\echo
\echo '== 2. Names: ci.normalize_name, ci.name_tokens, ci.dmetaphone ======='
\echo 'ICU folds case, strips marks and transliterates other scripts to ASCII; the'
\echo 'Double Metaphone key of the family name groups names that sound alike.'
\echo
SELECT DISTINCT ON (kind) kind, given_name, family_name, given_n, family_n,
       ci.name_tokens(concat_ws(' ', given_name, family_name)) AS tokens, family_key AS metaphone
  FROM (SELECT n.*,
               CASE WHEN given_name ~ '[А-Яа-яЁё]' THEN 'Cyrillic'
                    WHEN given_name ~ '[Α-Ωα-ωΆ-ώ]' THEN 'Greek'
                    WHEN family_name ~ '[äöüß]' THEN 'German umlaut'
                    WHEN concat(given_name, family_name) ~ '[łŁśŚźżąęćń]' THEN 'Polish'
                    WHEN concat(given_name, family_name) ~ '[áéíóúñç]' THEN 'Spanish/French'
                    WHEN family_name ~ '''' THEN 'apostrophe'
                    WHEN family_name ~* '^(von|van|de|le|del) ' THEN 'particle'
                    WHEN given_name ~ '-' THEN 'hyphenated'
                    WHEN family_name ~ '^[A-Z]{4,}$' THEN 'capitals'
                    WHEN given_name ~ '^ | $' THEN 'blanks'
                    WHEN given_name ~ '^\w\.$' THEN 'initial'
                    WHEN given_name ~ ' \w\.$' THEN 'middle initial'
               END AS kind
          FROM demo_norm n WHERE given_name IS NOT NULL AND family_name IS NOT NULL) x
 WHERE kind IS NOT NULL
 ORDER BY kind, record_id;

\echo
\echo 'One person, as the four systems recorded them (the generator''s ground truth'
\echo 'says these records are one person; the extension sees only the records):'
SELECT n.record_id, n.source, n.given_name, n.family_name, n.given_n, n.family_n, n.family_key AS metaphone, n.birth_date
  FROM demo_norm n JOIN ci_bench.truth t USING (record_id)
 WHERE t.person_id = (SELECT t2.person_id FROM demo_norm n2 JOIN ci_bench.truth t2 USING (record_id)
                       GROUP BY t2.person_id
                      HAVING bool_or(n2.family_name ~ '[А-Яа-яЁё]') AND count(*) >= 4
                       ORDER BY t2.person_id LIMIT 1)
 ORDER BY n.record_id;

\echo
\echo '== 3. Email addresses: ci.normalize_email, ci.email_is_valid ========'
\echo 'Lower-cased and trimmed; provider rules (gmail ignores dots and +tags,'
\echo 'googlemail.com is gmail.com) fold on request; what is not an address is NULL.'
\echo
SELECT DISTINCT ON (kind) kind, email, email_n AS normalized,
       ci.normalize_email(email, fold_provider => false) AS without_provider_rules,
       ci.email_is_valid(email) AS valid
  FROM (SELECT n.*,
               CASE WHEN email_n IS NULL AND email !~ '@' THEN 'invalid: no @'
                    WHEN email_n IS NULL AND email ~ '@@' THEN 'invalid: @@'
                    WHEN email_n IS NULL AND email ~ ' ' THEN 'invalid: blank inside'
                    WHEN email_n IS NULL THEN 'invalid: no top-level domain'
                    WHEN email ~* '@googlemail\.com$' THEN 'googlemail'
                    WHEN email ~* '^[^@]*\..*\+.*@gmail\.com$' THEN 'gmail dots and +tag'
                    WHEN email ~ '\+' THEN '+tag, other provider'
                    WHEN email ~ '^ ' THEN 'blanks'
                    WHEN email ~ '^[A-Z0-9._+-]+@[A-Z0-9.-]+$' THEN 'capitals'
                    WHEN email <> lower(email) THEN 'mixed case'
                    WHEN email ~ '@gmail\.com$' AND email !~ '\.[^@]*@' THEN 'gmail without dots'
               END AS kind
          FROM demo_norm n WHERE email IS NOT NULL) x
 WHERE kind IS NOT NULL
 ORDER BY kind, record_id;

\echo
\echo '== 4. Phone numbers: ci.normalize_phone(phone, country) =============='
\echo 'libphonenumber reads national and international formats with the record''s'
\echo 'country as the default region and returns E.164; invalid numbers are NULL.'
\echo
SELECT DISTINCT ON (kind) kind, phone, country, phone_n AS e164, ci.phone_is_valid(phone, country) AS valid
  FROM (SELECT n.*,
               CASE WHEN length(regexp_replace(phone, '\D', '', 'g')) < 6 THEN 'junk'
                    WHEN phone_n IS NULL AND country IS NULL AND phone !~ '^\+' THEN 'national, country unknown'
                    WHEN phone_n IS NULL THEN 'digit missing or wrong'
                    WHEN country = 'AU' AND phone ~ '^04\d\d \d{3} \d{3}$' THEN 'AU mobile, national'
                    WHEN country = 'AU' AND phone ~ '^0011 ' THEN 'AU, IDD 0011'
                    WHEN country = 'GB' AND phone ~ '\(0\)' THEN 'GB, +44 (0)'
                    WHEN country = 'GB' AND phone ~ '^0\d{4} \d{6}$' THEN 'GB mobile, national'
                    WHEN country = 'US' AND phone ~ '^\(\d{3}\) \d{3}-\d{4}$' THEN 'US (area) nnn-nnnn'
                    WHEN country = 'US' AND phone ~ '^1-' THEN 'US 1-nnn-nnn-nnnn'
                    WHEN country = 'US' AND phone ~ '^011 ' THEN 'US, IDD 011'
                    WHEN country = 'DE' AND phone ~ '^\(0' THEN 'DE, area in brackets'
                    WHEN country = 'DE' AND phone ~ '^00 ' THEN 'DE, IDD 00'
                    WHEN country = 'FR' AND phone ~ '^\d\d\.\d\d\.' THEN 'FR dotted'
                    WHEN phone ~ '^\+\d+$' THEN 'E.164 already'
               END AS kind
          FROM demo_norm n WHERE phone IS NOT NULL) x
 WHERE kind IS NOT NULL
 ORDER BY kind, record_id;

\echo
\echo '== 5. What normalisation buys ======================================='
\echo 'Distinct values before and after: variants of one key collapse.'
\echo
SELECT 'name' AS field, count(*) AS values, count(DISTINCT concat(given_name, '|', family_name)) AS distinct_raw,
       count(DISTINCT concat(given_n, '|', family_n)) AS distinct_normalized,
       count(*) FILTER (WHERE coalesce(given_n, family_n) IS NOT NULL) AS usable_keys
  FROM demo_norm WHERE given_name IS NOT NULL OR family_name IS NOT NULL
UNION ALL
SELECT 'email', count(email), count(DISTINCT email), count(DISTINCT email_n), count(email_n) FROM demo_norm
UNION ALL
SELECT 'phone', count(phone), count(DISTINCT phone), count(DISTINCT phone_n), count(phone_n) FROM demo_norm;

\echo
\echo '== 6. Candidate pairs and their similarity =========================='
\echo 'Blocking: pairs of records that share the metaphone of the family name, the'
\echo 'normalized email or the E.164 phone.  Each pair is compared with'
\echo 'ci.jaro_winkler (family names), ci.token_set_similarity (whole names, any'
\echo 'order), ci.birthdate_similarity and equality of email and phone; "score" is the'
\echo 'plain mean of the available comparisons (an illustration, not the identity model).'
\echo
CREATE TEMP TABLE demo_pair AS
WITH block AS (
    SELECT a.record_id AS a, b.record_id AS b FROM demo_norm a JOIN demo_norm b
        ON b.family_key = a.family_key AND b.record_id > a.record_id WHERE a.family_key <> ''
    UNION
    SELECT a.record_id, b.record_id FROM demo_norm a JOIN demo_norm b
        ON b.email_n = a.email_n AND b.record_id > a.record_id
    UNION
    SELECT a.record_id, b.record_id FROM demo_norm a JOIN demo_norm b
        ON b.phone_n = a.phone_n AND b.record_id > a.record_id
)
SELECT k.a, k.b, s.*,
       (SELECT avg(v) FROM unnest(ARRAY[s.name, s.birth, s.email, s.phone]) v) AS score
  FROM block k
  JOIN demo_norm x ON x.record_id = k.a
  JOIN demo_norm y ON y.record_id = k.b
 CROSS JOIN LATERAL (SELECT
       ci.jaro_winkler(x.family_n, y.family_n) AS family_jw,
       ci.token_set_similarity(concat_ws(' ', x.given_n, x.family_n), concat_ws(' ', y.given_n, y.family_n)) AS name,
       ci.birthdate_similarity(x.birth_date, y.birth_date) AS birth,
       (x.email_n = y.email_n)::int::float8 AS email,
       (x.phone_n = y.phone_n)::int::float8 AS phone) s;

SELECT count(*) AS candidate_pairs,
       (SELECT count(*) FROM demo_norm) AS records,
       round(count(*) / ((SELECT count(*) FROM demo_norm)^2 / 2)::numeric * 100, 2) AS percent_of_all_pairs
  FROM demo_pair;

\echo
\echo 'Closest pairs whose names still differ after normalisation, five per band of'
\echo 'name similarity: typos score high, romanisations and nicknames lower; the other'
\echo 'evidence (birth date, email, phone) carries them.  Names that differ only in'
\echo 'order, case or marks score 1 and are left out here.'
SELECT band, a, b, name_a, name_b, family_jw, name_sim, birth, "email=", "phone=", score
  FROM (SELECT CASE WHEN p.name >= 0.95 THEN '0.95–1' WHEN p.name >= 0.85 THEN '0.85–0.95' ELSE '< 0.85' END AS band,
               p.a, p.b,
               concat_ws(' ', x.given_name, x.family_name) AS name_a, concat_ws(' ', y.given_name, y.family_name) AS name_b,
               round(p.family_jw::numeric, 3) AS family_jw, round(p.name::numeric, 3) AS name_sim,
               round(p.birth::numeric, 1) AS birth, p.email::int AS "email=", p.phone::int AS "phone=", round(p.score::numeric, 3) AS score,
               row_number() OVER (PARTITION BY p.name >= 0.95, p.name >= 0.85 ORDER BY p.score DESC, p.a, p.b) AS rank
          FROM demo_pair p JOIN demo_norm x ON x.record_id = p.a JOIN demo_norm y ON y.record_id = p.b
         WHERE p.name < 1 AND num_nonnulls(p.birth, p.email, p.phone) >= 2) r
 WHERE rank <= 5
 ORDER BY band DESC, score DESC, a, b;

\echo
\echo 'Look-alikes that are different people: twins and relatives share a family'
\echo 'name, an address, a landline, twins a birth date (the ground truth knows; a'
\echo 'model must tell them apart):'
SELECT p.a, p.b,
       concat_ws(' ', x.given_name, x.family_name) AS name_a, concat_ws(' ', y.given_name, y.family_name) AS name_b,
       x.birth_date AS birth_a, y.birth_date AS birth_b,
       round(p.name::numeric, 3) AS name_sim, p.phone::int AS "phone=", p.email::int AS "email=", round(p.score::numeric, 3) AS score,
       CASE WHEN pa.is_twin AND pb.is_twin THEN 'twins' ELSE 'relatives' END AS truth
  FROM demo_pair p JOIN demo_norm x ON x.record_id = p.a JOIN demo_norm y ON y.record_id = p.b
  JOIN ci_bench.truth ta ON ta.record_id = p.a JOIN ci_bench.truth tb ON tb.record_id = p.b
  JOIN ci_bench.person pa ON pa.person_id = ta.person_id JOIN ci_bench.person pb ON pb.person_id = tb.person_id
 WHERE ta.person_id <> tb.person_id AND pa.household_id = pb.household_id
   AND x.given_name IS NOT NULL AND y.given_name IS NOT NULL
 ORDER BY pa.is_twin AND pb.is_twin DESC, p.score DESC, p.a, p.b
 LIMIT 10;

\echo
\echo 'Namesakes: pairs of different people with the same normalized name:'
SELECT count(*) AS namesake_pairs, count(*) FILTER (WHERE p.birth = 1) AS also_same_birth_date
  FROM demo_pair p
  JOIN demo_norm x ON x.record_id = p.a JOIN demo_norm y ON y.record_id = p.b
  JOIN ci_bench.truth ta ON ta.record_id = p.a JOIN ci_bench.truth tb ON tb.record_id = p.b
 WHERE ta.person_id <> tb.person_id AND x.given_n = y.given_n AND x.family_n = y.family_n;

\echo
\echo 'How well this simple blocking covers the true pairs (ground truth, evaluation only):'
SELECT count(*) AS true_pairs,
       count(p.a) AS in_candidates,
       round(count(p.a)::numeric / count(*), 3) AS blocking_recall,
       round(avg(p.score)::numeric, 3) AS mean_score_of_true_pairs,
       (SELECT round(avg(q.score)::numeric, 3) FROM demo_pair q JOIN ci_bench.truth ta ON ta.record_id = q.a
          JOIN ci_bench.truth tb ON tb.record_id = q.b WHERE ta.person_id <> tb.person_id) AS mean_score_of_other_pairs
  FROM ci_bench.truth ta JOIN ci_bench.truth tb ON tb.person_id = ta.person_id AND tb.record_id > ta.record_id
  LEFT JOIN demo_pair p ON p.a = ta.record_id AND p.b = tb.record_id;

\echo
\echo '== 7. Identity resolution: ci.resolve_identities ===================='
\echo 'One call links the records into identities with the shipped default model'
\echo '(Fellegi–Sunter), trained here on the sample itself, unsupervised: block,'
\echo 'compare, train, score, cluster and write; times are milliseconds per phase.'
\echo
SELECT records, candidate_pairs, links, review_pairs, identities, trained,
       round(load_ms::numeric, 1) AS load_ms, round(block_ms::numeric, 1) AS block_ms,
       round(train_ms::numeric, 1) AS train_ms, round(score_ms::numeric, 1) AS score_ms,
       round(cluster_ms::numeric, 1) AS cluster_ms, round(total_ms::numeric, 1) AS total_ms
  FROM ci.resolve_identities(retrain => true);

SELECT link_threshold, review_threshold FROM ci.match_model WHERE model = 'default' \gset
SELECT rule AS linked_by, count(*) AS records FROM ci.identity_link GROUP BY rule ORDER BY count(*) DESC;

\echo
\echo 'Evaluation only — the generator''s truth (ci_bench.truth), which the model never'
\echo 'saw.  A pair of records is predicted when it shares an identity, true when it'
\echo 'shares a person:'
CREATE TEMP TABLE demo_eval AS
SELECT l.record_id, l.identity_id, t.person_id, p.household_id, p.is_twin
  FROM ci.identity_link l JOIN ci_bench.truth t USING (record_id) JOIN ci_bench.person p USING (person_id);
WITH c AS (SELECT sum(n * (n - 1) / 2) AS v FROM (SELECT count(*) AS n FROM demo_eval GROUP BY identity_id, person_id) x),
     p AS (SELECT sum(n * (n - 1) / 2) AS v FROM (SELECT count(*) AS n FROM demo_eval GROUP BY identity_id) x),
     t AS (SELECT sum(n * (n - 1) / 2) AS v FROM (SELECT count(*) AS n FROM demo_eval GROUP BY person_id) x)
SELECT (SELECT count(DISTINCT person_id) FROM demo_eval) AS persons,
       (SELECT count(DISTINCT identity_id) FROM demo_eval) AS identities,
       t.v AS true_pairs, p.v AS predicted_pairs, c.v AS correct_pairs,
       round(c.v / p.v, 3) AS precision, round(c.v / t.v, 3) AS recall, round(2 * c.v / (p.v + t.v), 3) AS f1
  FROM c, p, t;

\echo 'Who is in the wrongly merged pairs (household members share an address, often'
\echo 'a landline and a family name; twins also a birth date):'
SELECT CASE WHEN a.household_id <> b.household_id THEN 'different households'
            WHEN a.is_twin AND b.is_twin THEN 'twins'
            ELSE 'same household, not twins' END AS wrong_pair,
       count(*) AS pairs
  FROM demo_eval a JOIN demo_eval b ON b.identity_id = a.identity_id AND b.record_id > a.record_id
 WHERE a.person_id <> b.person_id
 GROUP BY 1 ORDER BY 2 DESC;

-- Every candidate pair with its weight and probability, for the picks below.
CREATE TEMP TABLE demo_cand AS SELECT * FROM ci.candidate_pairs();

-- One identity to follow: one person's records from all four sources, with
-- different spellings of the given name and a probabilistic link inside it.
SELECT e.identity_id AS demo_identity
  FROM demo_eval e JOIN ci.source_record r USING (record_id)
 GROUP BY e.identity_id
HAVING count(DISTINCT r.source) = 4 AND count(DISTINCT e.person_id) = 1 AND count(*) <= 6
   AND count(DISTINCT r.given_name) >= 3
   AND EXISTS (SELECT 1 FROM demo_cand c JOIN ci.identity_link la ON la.record_id = c.record_a
                 JOIN ci.identity_link lb ON lb.record_id = c.record_b
                 JOIN ci.source_record ra ON ra.record_id = c.record_a JOIN ci.source_record rb ON rb.record_id = c.record_b
                WHERE la.identity_id = e.identity_id AND lb.identity_id = e.identity_id
                  AND c.match_probability >= :link_threshold AND ra.given_name_norm <> rb.given_name_norm)
 ORDER BY e.identity_id LIMIT 1 \gset

\echo
\echo 'One identity, as the four systems recorded it:'
SELECT r.record_id, r.source, r.given_name, r.family_name, r.email, r.phone, r.birth_date, r.city,
       l.rule AS linked_by, round(l.match_probability::numeric, 3) AS probability
  FROM ci.identity_link l JOIN ci.source_record r USING (record_id)
 WHERE l.identity_id = :demo_identity
 ORDER BY r.record_id;

\echo
\echo 'Why two of its records match: ci.explain_match, a waterfall of match weights'
\echo '(log2 of m/u per comparison, added to the prior''s); a missing value is no'
SELECT format('evidence (weight 0).  Link at probability %s, review from %s.', link_threshold, review_threshold) AS msg
  FROM ci.match_model WHERE model = 'default' \gset
\echo :msg
SELECT c.record_a AS explain_a, c.record_b AS explain_b
  FROM demo_cand c JOIN ci.identity_link la ON la.record_id = c.record_a JOIN ci.identity_link lb ON lb.record_id = c.record_b
  JOIN ci.source_record ra ON ra.record_id = c.record_a JOIN ci.source_record rb ON rb.record_id = c.record_b
 WHERE la.identity_id = :demo_identity AND lb.identity_id = :demo_identity
   AND c.match_probability >= :link_threshold AND ra.given_name_norm <> rb.given_name_norm
 ORDER BY c.match_probability, c.record_a, c.record_b LIMIT 1 \gset
SELECT step, comparison, value_a, value_b, level, round(match_weight::numeric, 2) AS weight,
       round(cumulative_weight::numeric, 2) AS cumulative, round(match_probability::numeric, 4) AS probability
  FROM ci.explain_match(:explain_a, :explain_b) ORDER BY step;

\echo
\echo 'A look-alike kept apart: the most alike pair of twins (same family name and'
\echo 'birth date, different people) left in separate identities.  Where the pair'
\echo 'alone scores as a link, the clustering kept it apart: joining the two clusters'
\echo 'would have put records with strongly conflicting evidence into one identity.'
SELECT c.record_a AS twin_a, c.record_b AS twin_b
  FROM demo_cand c JOIN demo_eval a ON a.record_id = c.record_a JOIN demo_eval b ON b.record_id = c.record_b
 WHERE a.is_twin AND b.is_twin AND a.household_id = b.household_id AND a.person_id <> b.person_id
   AND a.identity_id <> b.identity_id
 ORDER BY c.match_probability DESC, c.record_a, c.record_b LIMIT 1 \gset
SELECT step, comparison, value_a, value_b, level, round(match_weight::numeric, 2) AS weight,
       round(cumulative_weight::numeric, 2) AS cumulative, round(match_probability::numeric, 4) AS probability
  FROM ci.explain_match(:twin_a, :twin_b) ORDER BY step;

\echo
\echo 'The steward''s queue: pairs in the review band, most likely first'
\echo '(ci.match_review_queue; the last column is the truth, for evaluation only):'
SELECT q.record_a, q.record_b, round(q.match_probability::numeric, 3) AS probability, q.name_a, q.name_b,
       q.birth_date_a, q.birth_date_b, ta.person_id = tb.person_id AS same_person
  FROM ci.match_review_queue q
  JOIN ci_bench.truth ta ON ta.record_id = q.record_a JOIN ci_bench.truth tb ON tb.record_id = q.record_b
 ORDER BY q.match_probability DESC, q.record_a, q.record_b LIMIT 5;
SELECT count(*) AS pairs_in_queue, count(*) FILTER (WHERE ta.person_id = tb.person_id) AS of_which_same_person
  FROM ci.match_review_queue q
  JOIN ci_bench.truth ta ON ta.record_id = q.record_a JOIN ci_bench.truth tb ON tb.record_id = q.record_b;

\echo
\echo 'Incremental: a new, messy record of the same person arrives (given name in'
\echo 'capitals, two letters of the family name swapped, no email);'
\echo 'ci.resolve_record finds its candidates through the blocking indexes and'
\echo 'attaches it to the existing identity, without a full run.'
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, phone, birth_date,
                              national_id, street, city, postcode, country, updated_at)
SELECT 'support', 'demo-new-' || r.record_id, upper(r.given_name),
       overlay(r.family_name placing substr(r.family_name, 3, 1) || substr(r.family_name, 2, 1) from 2 for 2),
       NULL, r.phone, r.birth_date, NULL, r.street, lower(r.city), r.postcode, r.country, now()
  FROM ci.identity_link l JOIN ci.source_record r USING (record_id)
 WHERE l.identity_id = :demo_identity AND r.given_name IS NOT NULL AND length(r.family_name) >= 3
 ORDER BY num_nonnulls(r.phone, r.birth_date, r.street, r.city, r.postcode) DESC, r.record_id LIMIT 1
RETURNING record_id AS new_record \gset
SELECT record_id, source, given_name, family_name, email, phone, birth_date, city
  FROM ci.source_record WHERE record_id = :new_record;
SELECT s.identity_id AS resolved_to, round(1000 * extract(epoch FROM clock_timestamp() - t.t0), 1) AS resolve_ms
  FROM (SELECT clock_timestamp() AS t0 OFFSET 0) t
 CROSS JOIN LATERAL (SELECT ci.resolve_record(:new_record) AS identity_id OFFSET 0) s \gset
SELECT :new_record AS record_id, l.identity_id,
       l.identity_id = coalesce(i.merged_into, i.identity_id) AS joined_that_identity,
       i.merged_into IS NOT NULL AS merged_on_the_way,
       l.rule AS linked_by, round(l.match_probability::numeric, 3) AS probability, :resolve_ms AS ms
  FROM ci.identity_link l, ci.identity i
 WHERE l.record_id = :new_record AND l.identity_id = :resolved_to AND i.identity_id = :demo_identity;
\echo '(merged_on_the_way: the new record also linked to another identity and the'
\echo 'clustering guard found no conflicting records between them, so the two merged'
\echo 'into the older id, logged in ci.identity_event; a refused link is queued for review.)'
-- Follow the person to wherever the record went.
\set demo_identity :resolved_to

\echo
\echo '== 8. Golden profiles: ci.build_golden_profiles ====================='
\echo 'One row per identity in ci.golden_profile, chosen field by field by the rules'
\echo 'in ci.survivorship_rule (defaults: the most frequent name, counted by its'
\echo 'normalised form; a verified CRM email first; the newest phone, in E.164; the'
\echo 'most trusted recent street, whose record also gives city, postcode and'
\echo 'country: the address group …), with lineage.'
\echo
SELECT p.profiles, round(1000 * extract(epoch FROM clock_timestamp() - t.t0)) AS ms
  FROM (SELECT clock_timestamp() AS t0 OFFSET 0) t
 CROSS JOIN LATERAL (SELECT ci.build_golden_profiles() AS profiles OFFSET 0) p;

-- A second identity to show: three records, one person, three given-name spellings.
SELECT e.identity_id AS demo_identity2
  FROM demo_eval e JOIN ci.source_record r USING (record_id)
 WHERE e.identity_id <> :demo_identity
 GROUP BY e.identity_id
HAVING count(*) = 3 AND count(DISTINCT e.person_id) = 1 AND count(DISTINCT r.given_name) = 3
   AND count(DISTINCT r.source) = 3
 ORDER BY e.identity_id LIMIT 1 \gset

\echo 'Two golden profiles (★) above their source records:'
SELECT identity_id, "row", given_name, family_name, email, phone, birth_date, city
  FROM (SELECT g.identity_id, '★ golden' AS "row", 0 AS k, g.given_name, g.family_name, g.email, g.phone, g.birth_date, g.city
          FROM ci.golden_profile g WHERE g.identity_id IN (:demo_identity, :demo_identity2)
        UNION ALL
        SELECT l.identity_id, r.source || ' ' || r.record_id, r.record_id, r.given_name, r.family_name, r.email, r.phone, r.birth_date, r.city
          FROM ci.identity_link l JOIN ci.source_record r USING (record_id)
         WHERE l.identity_id IN (:demo_identity, :demo_identity2)) x
 ORDER BY identity_id, k;

\echo
\echo 'Lineage of the first (ci.golden_lineage): which record won each field, by'
\echo 'which rule, how many records agree, and the other values it beat:'
SELECT attribute, value, source, record_id, rule, support,
       (SELECT string_agg(DISTINCT b ->> 'value', ' | ') FROM jsonb_array_elements(beaten) b) AS beaten
  FROM ci.golden_lineage(:demo_identity);

\echo
\echo 'Conflicts for a steward (ci.golden_conflict): identities whose records hold'
\echo 'different birth dates, national ids or email domains.  Many reveal a wrong'
\echo 'merge (section 7); others a slip in one source:'
SELECT attribute, reason, count(*) AS identities FROM ci.golden_conflict GROUP BY 1, 2 ORDER BY 1;
\echo 'The widest conflict of each kind:'
SELECT DISTINCT ON (c.attribute) c.identity_id, c.attribute, c.distinct_values, c.survivor,
       jsonb_array_length(c.candidates) AS records,
       (SELECT CASE WHEN length(x) > 64 THEN left(x, 63) || '…' ELSE x END
          FROM (SELECT string_agg(DISTINCT v ->> 'value', ' | ') AS x FROM jsonb_array_elements(c.candidates) v) y) AS candidates
  FROM ci.golden_conflict c
 ORDER BY c.attribute, c.distinct_values DESC, c.identity_id;

\echo
\echo 'A steward pin (ci.pin_golden_value): one person''s birth date differs between'
\echo 'sources and the survivor is the slip; the steward pins the date on the'
\echo 'passport (here: the generator''s true date).  A source record then changes and'
\echo 'the profile is refreshed: the pin survives, the lineage says who and why.'
SELECT c.identity_id AS pin_identity, p.birth_date AS pin_value, c.survivor AS pin_old
  FROM ci.golden_conflict c
  JOIN demo_eval e ON e.identity_id = c.identity_id JOIN ci_bench.person p ON p.person_id = e.person_id
 WHERE c.attribute = 'birth_date'
   AND c.identity_id IN (SELECT identity_id FROM demo_eval GROUP BY identity_id HAVING count(DISTINCT person_id) = 1)
   AND c.survivor IS DISTINCT FROM p.birth_date::text
   AND c.candidates @> jsonb_build_array(jsonb_build_object('value', p.birth_date::text))
 ORDER BY c.identity_id LIMIT 1 \gset
SELECT ci.pin_golden_value(:pin_identity, 'birth_date', :'pin_value', 'passport seen at the service desk') AS pin_done \gset
UPDATE ci.source_record SET city = upper(city), updated_at = now()
 WHERE record_id = (SELECT min(record_id) FROM ci.identity_link WHERE identity_id = :pin_identity);
SELECT ci.refresh_golden_profiles() AS profiles_refreshed;
SELECT g.identity_id, :'pin_old' AS survivor_before, g.birth_date AS golden_birth_date, l.pinned, l.pinned_by, l.pin_reason
  FROM ci.golden_profile g CROSS JOIN LATERAL ci.golden_lineage(g.identity_id) l
 WHERE g.identity_id = :pin_identity AND l.attribute = 'birth_date';

\echo
\echo 'An unmerge (ci.unmerge_records): an identity that joined twins; the steward'
\echo 'moves one twin''s records to a new identity.  Both profiles are recomputed,'
\echo 'and identity resolution remembers the decision (no_link pairs).'
SELECT e.identity_id AS twins_identity, min(e.person_id) AS twin_keep
  FROM demo_eval e
 GROUP BY e.identity_id
HAVING count(DISTINCT e.person_id) = 2 AND bool_and(e.is_twin) AND count(*) >= 4
 ORDER BY e.identity_id LIMIT 1 \gset
SELECT array_agg(record_id ORDER BY record_id) AS twin_records
  FROM demo_eval WHERE identity_id = :twins_identity AND person_id <> :twin_keep \gset
SELECT identity_id, given_name, family_name, birth_date, email, record_count, sources
  FROM ci.golden_profile WHERE identity_id = :twins_identity;
SELECT ci.unmerge_records(:'twin_records'::bigint[], NULL, 'twins: different given names') AS new_identity \gset
SELECT identity_id, given_name, family_name, birth_date, email, record_count, sources
  FROM ci.golden_profile WHERE identity_id IN (:twins_identity, :new_identity) ORDER BY identity_id;
SELECT count(*) AS no_link_decisions FROM ci.match_decision WHERE decision = 'no_link';

\echo 'A later full run keeps the twins apart:'
SELECT identities, merged_identities, split_records FROM ci.resolve_identities();
SELECT count(DISTINCT l.identity_id) AS identities_of_the_twins_records
  FROM demo_eval e JOIN ci.identity_link l USING (record_id) WHERE e.identity_id = :twins_identity;

-- Later capabilities (consent, retention, audit, …) add their sections
-- here, working on the same sample in ci.source_record.

-- ==== consent (src/consent, doc/consent.md) — begin =============
\echo
\echo 'Consent: a BI role reads one protected table under two purposes.'
\echo 'Jurisdictions come from the records'' countries (GDPR opt-in, US opt-out:'
\echo 'shipped defaults, not legal advice); a few customers decide; one e-mail'
\echo 'address bounces.'
CREATE TABLE demo_purchase (purchase_id bigint PRIMARY KEY, customer_id bigint NOT NULL, amount numeric(10, 2));
INSERT INTO demo_purchase
SELECT row_number() OVER (), l.identity_id, (10 + (l.record_id % 90))::numeric
  FROM ci.identity_link l;
CREATE INDEX ON demo_purchase (customer_id);
-- identities a bulk resolution run created are computed once, here
SELECT ci.refresh_consent() AS identities_computed;
SELECT jurisdiction, count(*) AS identities FROM ci.consent_subject GROUP BY 1 ORDER BY 2 DESC;
SELECT count(ci.record_consent('marketing', CASE WHEN identity_id % 3 = 0 THEN 'withdrawn' ELSE 'granted' END,
                               identity_id => identity_id, mechanism => 'preference_center')) AS marketing_decisions
  FROM (SELECT identity_id FROM ci.identity WHERE retired_at IS NULL ORDER BY identity_id LIMIT 200) i;
SELECT ci.suppress('hard_bounce', email => (SELECT email FROM ci.source_record WHERE email_norm IS NOT NULL
                                             ORDER BY record_id LIMIT 1)) > 0 AS bounced;
SELECT ci.protect('demo_purchase', 'customer_id', 'marketing', 'analytics');
DROP ROLE IF EXISTS demo_bi;
CREATE ROLE demo_bi;
GRANT SELECT ON demo_purchase TO demo_bi;
GRANT EXECUTE ON FUNCTION ci.consent_check(bigint, text[]) TO demo_bi;   -- the row filter (ci.grant_role(.., 'reader') grants it too)
SELECT ci.bind_purpose('demo_bi', 'marketing', 'analytics');
SET ROLE demo_bi;
\echo 'No purpose declared: the table shows nothing.'
SELECT count(*) AS purchases FROM demo_purchase;
SET ci.purpose = 'analytics';
SELECT 'analytics' AS purpose, count(*) AS purchases, count(DISTINCT customer_id) AS customers FROM demo_purchase;
SET ci.purpose = 'marketing';
SELECT 'marketing' AS purpose, count(*) AS purchases, count(DISTINCT customer_id) AS customers FROM demo_purchase;
SET ci.channel = 'email';
SELECT 'marketing by e-mail' AS purpose, count(*) AS purchases, count(DISTINCT customer_id) AS customers FROM demo_purchase;
RESET ci.channel;
\echo 'A purpose the role is not bound to is refused:'
\set ON_ERROR_STOP 0
SET ci.purpose = 'profiling';
\set ON_ERROR_STOP 1
RESET ci.purpose;
RESET ROLE;
SELECT purpose, jurisdiction, identities, allowed, allowed_pct
  FROM ci.consent_coverage WHERE channel = 'all' AND purpose IN ('marketing', 'analytics') ORDER BY 1, 2;
SELECT * FROM ci.consent_reachable ORDER BY channel;
-- ==== consent — end =====================================================
-- ==== audit (issue 11): an audited change, a tamper caught, a redaction verified ====
\echo
\echo 'Audit (ci.audit): every change to ci.source_record is logged by a C'
\echo 'statement trigger, with the email masked as an HMAC; the log is sealed'
\echo 'into a SHA-256 chain that verification recomputes.'
-- Generated columns derived from PII are PII too; the phonetic and blocking
-- keys are left out of the log.
SELECT ci.audit('ci.source_record',
                pii_columns => ARRAY['email', 'phone', 'national_id', 'birth_date',
                                     'email_norm', 'phone_e164', 'national_id_norm'],
                exclude_columns => ARRAY['name_pair_norm', 'name_pair_dm']);
SELECT min(record_id) AS audit_record FROM ci.source_record \gset
UPDATE ci.source_record SET email = 'new.address@example.org', given_name = upper(given_name)
 WHERE record_id = :audit_record;
SELECT operation, actor, old - 'email' - 'email_norm' AS old, new - 'email' - 'email_norm' AS new,
       left(new->>'email', 24) || '…' AS email_logged_as
  FROM ci.audit_history('ci.source_record', :'audit_record');
-- Sealing passes over transactions of other databases, not over one still
-- running in this database (it could yet write older audit rows): with one
-- open here, rows_sealed is 0 and the tamper below goes unnoticed.
SELECT ci.audit_seal() AS rows_sealed;
SELECT status, detail FROM ci.audit_verify();

\echo 'A superuser edits a sealed row behind the guard''s back: verification catches it.'
BEGIN;
ALTER TABLE ci.audit_log DISABLE TRIGGER audit_log_append_only;
UPDATE ci.audit_log SET actor = 'someone_else'
 WHERE record_key = ci.audit_record_key('ci.source_record', :'audit_record');
ALTER TABLE ci.audit_log ENABLE TRIGGER audit_log_append_only;
SELECT status, detail FROM ci.audit_verify() WHERE status <> 'redacted';
ROLLBACK;

\echo 'A right-to-erasure request: the record''s values leave the log, the chain still verifies.'
SELECT ci.audit_redact('ci.source_record', 'erasure request demo-1', :'audit_record') AS rows_redacted;
SELECT ci.audit_seal() AS rows_sealed;
SELECT status, count(*) FROM ci.audit_verify() GROUP BY status ORDER BY status;
SELECT ci.unaudit('ci.source_record') AS audit_stopped;
-- ==== end of audit ====

-- ==== retention (src/retention, doc/retention.md) ==== begin
\echo
\echo 'Retention: support tickets kept 3 years after closure (GDPR) and 7 (CCPA).'
\echo 'One customer is under a legal hold: the purge keeps their tickets.'
CREATE TABLE demo_ticket (ticket_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, identity_id bigint,
                          region text, closed_at timestamptz NOT NULL);
CREATE INDEX ON demo_ticket (identity_id);
SELECT ci.register_table('demo_ticket', 'identity_id', time_column => 'closed_at', category => 'support',
                         jurisdiction_column => 'region') AS registered;
SELECT ci.create_retention_policy('3 years', table_name => 'demo_ticket', jurisdiction => 'GDPR') AS gdpr_policy,
       ci.create_retention_policy('7 years', table_name => 'demo_ticket', jurisdiction => 'CCPA') AS ccpa_policy;
-- every fourth identity gets tickets closed 1, 4 and 8 years ago
INSERT INTO demo_ticket (identity_id, region, closed_at)
SELECT i.identity_id, CASE WHEN i.identity_id % 8 = 0 THEN 'GDPR' ELSE 'CCPA' END, now() - make_interval(years => y)
  FROM ci.identity i CROSS JOIN unnest(ARRAY[1, 4, 8]) y
 WHERE i.retired_at IS NULL AND i.identity_id % 4 = 0;
SELECT min(identity_id) AS held_customer FROM demo_ticket \gset
SELECT ci.place_legal_hold('litigation 2026-117', identity_id => :held_customer) AS hold \gset
SELECT jurisdiction, keep_for, expired, held, to_purge FROM ci.retention_dry_run()
 WHERE table_name = 'demo_ticket'::regclass ORDER BY jurisdiction;
CALL ci.run_retention();
SELECT jurisdiction, policy_version, rows_deleted FROM ci.retention_run_report
 WHERE table_name = 'demo_ticket'::regclass ORDER BY jurisdiction;
\echo 'The held customer keeps all three tickets; the others lost those past their window:'
SELECT identity_id = :held_customer AS held, count(*) AS tickets, count(*) FILTER (WHERE closed_at < now() - interval '3 years') AS older_than_3_years
  FROM demo_ticket GROUP BY 1 ORDER BY 1;

\echo
\echo 'Erasure: a customer with several source records asks to be forgotten (GDPR,'
\echo 'one month).  Every registered table, their links and golden profile go in'
\echo 'one transaction; the certificate holds no personal data; verification looks'
\echo 'again by id and by normalised e-mail and phone.'
SELECT l.identity_id AS erase_customer FROM ci.identity_link l JOIN ci.identity i USING (identity_id)
 WHERE i.retired_at IS NULL AND l.identity_id <> :held_customer
 GROUP BY l.identity_id HAVING count(*) >= 3 ORDER BY l.identity_id LIMIT 1 \gset
SELECT ci.request_erasure(:erase_customer, 'GDPR') AS erasure \gset
SELECT ci.process_erasure(:erasure) AS erasure_status;
SELECT e ->> 'table' AS erased_from, (e ->> 'rows')::int AS rows
  FROM ci.erasure_certificate c, jsonb_array_elements(c.certificate -> 'tables') e
 WHERE c.request_id = :erasure AND (e ->> 'rows')::int > 0;
SELECT count(*) AS tables_and_contact_columns_checked, sum(remaining) AS rows_left
  FROM ci.verify_erasure(:erasure);
\echo 'What verification found is for a steward to judge: here another identity'
\echo 'shares the phone number (a household member, or a link resolution missed).'
SELECT table_name, checked_by, remaining FROM ci.verify_erasure(:erasure) WHERE remaining > 0;
-- ==== retention ==== end
