-- The benchmark and demo data generator, bench/generate_customers.sql, at a
-- small size.  It is a psql script: generate=false only defines schema
-- ci_bench's objects, then ci_bench.generate_customers(n_persons, seed) fills
-- ci.source_record and the ground truth ci_bench.truth.
\set ECHO none
\set generate false
\i bench/generate_customers.sql
\set ECHO all
SET client_min_messages = warning;

-- 400 persons, seed 7: persons, households and records made.
SELECT persons, households, records FROM ci_bench.generate_customers(400, 7, replace_existing => true);

-- Every record has exactly one person in the truth; record ids are 1..N in a
-- shuffled order, so neither an id nor a neighbour gives a person away (a
-- few consecutive ids belong to one person by chance).
SELECT (SELECT count(*) FROM ci.source_record) AS records,
       (SELECT count(*) FROM ci.source_record r JOIN ci_bench.truth t USING (record_id)) AS with_truth,
       (SELECT min(record_id) = 1 AND max(record_id) = count(*) FROM ci.source_record) AS ids_dense,
       (SELECT count(*) FROM (SELECT t1.person_id = t2.person_id AS same
                                FROM ci_bench.truth t1 JOIN ci_bench.truth t2 ON t2.record_id = t1.record_id + 1) x
         WHERE same) AS neighbours_of_one_person;

-- Several records per person, from every source.
SELECT min(n), max(n), round(avg(n), 2) AS mean
  FROM (SELECT count(*) AS n FROM ci_bench.truth GROUP BY person_id) x;
SELECT source, count(*) FROM ci.source_record GROUP BY source ORDER BY source;

-- The same seed gives the same rows; another seed other rows.
CREATE TEMP TABLE digest AS
SELECT md5(string_agg(r::text, '|' ORDER BY record_id)) AS rows,
       md5(string_agg(t::text, '|' ORDER BY record_id)) AS truth
  FROM ci.source_record r JOIN ci_bench.truth t USING (record_id);
SELECT records FROM ci_bench.generate_customers(400, 7, replace_existing => true);
SELECT d.rows = x.rows AS same_rows, d.truth = x.truth AS same_truth
  FROM digest d,
       (SELECT md5(string_agg(r::text, '|' ORDER BY record_id)) AS rows, md5(string_agg(t::text, '|' ORDER BY record_id)) AS truth
          FROM ci.source_record r JOIN ci_bench.truth t USING (record_id)) x;
SELECT records FROM ci_bench.generate_customers(400, 8, replace_existing => true);
SELECT d.rows <> x.rows AS other_rows
  FROM digest d, (SELECT md5(string_agg(r::text, '|' ORDER BY record_id)) AS rows FROM ci.source_record r) x;
SELECT records FROM ci_bench.generate_customers(400, 7, replace_existing => true);

-- Completeness differs by source (web always asks for an email, the point
-- of sale rarely for a birth date); every column has gaps.
SELECT source,
       round(avg((given_name IS NOT NULL)::int), 2) AS given,
       round(avg((email IS NOT NULL)::int), 2) AS email,
       round(avg((phone IS NOT NULL)::int), 2) AS phone,
       round(avg((birth_date IS NOT NULL)::int), 2) AS birth,
       round(avg((national_id IS NOT NULL)::int), 2) AS national_id,
       round(avg((street IS NOT NULL)::int), 2) AS street
  FROM ci.source_record GROUP BY source ORDER BY source;

-- Every person's own numbers are valid for libphonenumber, and no two persons
-- share a mobile; most recorded phones are valid as written (some are typed
-- with a digit missing or wrong, some are junk, some lack the country needed
-- to read a national number).
SELECT count(*) FILTER (WHERE NOT ci.phone_is_valid('+' || h.cc || replace(p.mobile, ' ', ''))) AS invalid_mobiles,
       count(*) FILTER (WHERE h.landline IS NOT NULL AND NOT ci.phone_is_valid('+' || h.cc || replace(h.landline, ' ', ''))) AS invalid_landlines,
       count(DISTINCT p.mobile) = count(p.mobile) AS mobiles_distinct
  FROM ci_bench.person p JOIN ci_bench.household h USING (household_id);
SELECT count(*) AS phones,
       round(avg(ci.phone_is_valid(phone, country)::int), 2) AS valid_share
  FROM ci.source_record WHERE phone IS NOT NULL AND country IS NOT NULL;

-- Phone formats: national, international, IDD, dashed, dotted, bracketed.
SELECT count(*) FILTER (WHERE phone ~ '^\+\d+ ') AS international,
       count(*) FILTER (WHERE phone ~ '^(00|011|0011) ') AS idd,
       count(*) FILTER (WHERE phone ~ '^\(') AS bracketed,
       count(*) FILTER (WHERE phone ~ '\d-\d') AS dashed,
       count(*) FILTER (WHERE phone ~ '\d\.\d') AS dotted,
       count(*) FILTER (WHERE phone ~ '^0\d+$') AS national_digits
  FROM ci.source_record;

-- A personal email address belongs to one person only, even once provider
-- rules fold it (gmail ignores dots and +tags); only household addresses
-- are shared, by members of one household.
SELECT count(*) AS emails_of_two_persons
  FROM (SELECT ci.normalize_email(r.email)
          FROM ci.source_record r JOIN ci_bench.truth t USING (record_id)
          JOIN ci_bench.person p USING (person_id)
         WHERE ci.email_is_valid(r.email)
           AND ci.normalize_email(r.email) IS DISTINCT FROM ci.normalize_email(p.shared_email)
         GROUP BY 1 HAVING count(DISTINCT t.person_id) > 1) x;
SELECT count(*) AS shared_emails_across_households
  FROM (SELECT shared_email FROM ci_bench.person WHERE shared_email IS NOT NULL
         GROUP BY 1 HAVING count(DISTINCT household_id) > 1) x;
SELECT count(*) FILTER (WHERE email ~* '@googlemail\.com') AS googlemail,
       count(*) FILTER (WHERE email ~ '\+') AS plus_tag,
       count(*) FILTER (WHERE email <> lower(email)) AS mixed_case,
       count(*) FILTER (WHERE email IS NOT NULL AND NOT ci.email_is_valid(email)) AS invalid
  FROM ci.source_record;

-- Names: nicknames, transliterations and native scripts of one person.
SELECT count(*) FILTER (WHERE r.given_name = p.nick) AS by_nickname,
       count(*) FILTER (WHERE r.given_name = ANY (p.given_alts) OR r.family_name = ANY (p.family_alts)) AS by_variant,
       count(*) FILTER (WHERE r.given_name ~ '[А-Яа-яЁё]') AS cyrillic,
       count(*) FILTER (WHERE r.given_name ~ '[Α-Ωα-ωά-ώ]') AS greek,
       count(*) FILTER (WHERE r.family_name = p.maiden_name) AS by_maiden_name,
       count(*) FILTER (WHERE r.given_name = p.family_name AND r.family_name = p.given_name) AS swapped
  FROM ci.source_record r JOIN ci_bench.truth t USING (record_id) JOIN ci_bench.person p USING (person_id);
SELECT DISTINCT p.family_name, r.family_name AS as_recorded
  FROM ci.source_record r JOIN ci_bench.truth t USING (record_id) JOIN ci_bench.person p USING (person_id)
 WHERE p.family_name IN ('Müller', 'Schröder', 'Krüger', 'Jäger', 'Schäfer', 'Köhler', 'Böhm', 'Günther', 'Weiß', 'Groß', 'Wójcik', 'Muñoz')
 ORDER BY 1, 2;

-- Twins share family name, household, address and birth date, never the
-- given name; households share a landline.
SELECT count(*) AS twin_pairs,
       bool_and(a.family_name = b.family_name AND a.birth_date = b.birth_date) AS same_name_and_birth,
       bool_and(a.given_name <> b.given_name) AS different_given
  FROM ci_bench.person a JOIN ci_bench.person b
    ON a.household_id = b.household_id AND a.person_id < b.person_id AND a.is_twin AND b.is_twin;
SELECT count(*) AS households_sharing_a_landline
  FROM (SELECT h.household_id FROM ci_bench.household h JOIN ci_bench.person p USING (household_id)
         WHERE h.landline IS NOT NULL GROUP BY 1 HAVING count(*) > 1) x;

-- National identifiers are distinct and carry valid check digits where they
-- have one: the Australian tax file number (weights 1 4 3 7 5 8 6 9 10,
-- sum divisible by 11) and the French NIR (key = 97 - number mod 97).
SELECT count(DISTINCT national_id) = count(national_id) AS distinct_ids,
       count(*) FILTER (WHERE country = 'AU' AND
             (SELECT sum(substr(national_id, i, 1)::int * (ARRAY[1,4,3,7,5,8,6,9,10])[i]) FROM generate_series(1, 9) i) % 11 <> 0) AS bad_tfn,
       count(*) FILTER (WHERE country = 'FR' AND 97 - left(national_id, 13)::bigint % 97 <> right(national_id, 2)::int) AS bad_nir
  FROM ci_bench.person;

-- updated_at spreads over 2014–2024 (UTC); birth dates over a lifetime.
SELECT min(updated_at) >= '2014-01-01 00:00+00' AND max(updated_at) < '2025-01-01 00:00+00' AS updated_in_range,
       count(DISTINCT extract(year FROM updated_at AT TIME ZONE 'UTC')) AS years,
       min(birth_date) FILTER (WHERE birth_date > '1900-01-01') < '1950-01-01' AS old_customers,
       max(birth_date) > '2000-01-01' AS young_customers
  FROM ci.source_record;

-- Bad input.
SELECT * FROM ci_bench.generate_customers(10, 7);
SELECT * FROM ci_bench.generate_customers(0, 7, replace_existing => true);
SELECT * FROM ci_bench.generate_customers(10, NULL, replace_existing => true);

-- n_records: exactly that many records.
SELECT records, persons FROM ci_bench.generate_customers(n_records => 555, seed => 3, replace_existing => true);
SELECT count(*) AS records, max(record_id) FROM ci.source_record;
SELECT (SELECT sum(record_count) FROM ci_bench.person) AS person_record_counts,
       (SELECT count(*) FROM ci_bench.person p WHERE NOT EXISTS (SELECT FROM ci_bench.truth t WHERE t.person_id = p.person_id)) AS persons_without_records;

-- Leave the database as the other tests expect it.
TRUNCATE ci.source_record, ci.identity, ci.identity_event RESTART IDENTITY CASCADE;
DROP SCHEMA ci_bench CASCADE;
