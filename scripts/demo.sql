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

-- Later capabilities (identity resolution, survivorship, …) add their
-- sections here, working on the same sample in ci.source_record.
