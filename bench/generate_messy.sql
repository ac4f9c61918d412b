-- bench/generate_messy.sql — the six patterns of messy real-world person
-- data (issue 13) applied on top of bench/generate_customers.sql's records,
-- each switchable, for accuracy evaluation (bench/accuracy.sh).
--
-- Usage (psql, after bench/generate_customers.sql filled ci.source_record):
--
--   psql -v seed=1 -f bench/generate_messy.sql
--   psql -v seed=1 -v p_swap=0 -v dupfree=false -f bench/generate_messy.sql
--
-- psql variables (a share of 0 or false switches a pattern off):
--   seed          any integer (default 1); same seed, same data
--   p_sparse      share of records reduced to names + ONE contact field
--                 (e-mail, phone or address, chosen per record, so two
--                 records of a person often show different fields)  0.15
--   p_swap        share of records with given and family name swapped  0.08
--   p_place       share of records whose city is named at another level:
--                 a district (Berlin-Mitte), the region (shared by many
--                 cities) or an abbreviation (BER, Manch.)              0.15
--   p_postcode    share of records with one postcode character replaced 0.06
--   p_date        share of records whose birth date is partial or
--                 malformed (year only, impossible day or month): the
--                 column is NULL as a loader leaves it, the raw text is in
--                 birth_date_raw, where the default model reads it        0.08
--   p_placeholder share of records whose birth date is the placeholder
--                 1 January of the year (day and month unknown)          0.04
--   households    false: keep only one member of each household (removes
--                 the household/twin pattern); true: as generated, where
--                 households share address, landline and family name and
--                 twins also the birth date                              true
--   dupfree       true: the sources crm and web hold each person at most
--                 once (the most recent record is kept)                  true
-- Patterns of historical records and voter files (off unless set; the
-- sets of bench/accuracy.sh switch them on):
--   p_title       share of records with an honorific before the given name
--                 (Mr, Mrs., Dr, Prof., Rev., Sir, Frau …; one per person,
--                 chosen by gender, so a person's records agree when shown)  0
--   p_suffix      share of records with a suffix after the family name
--                 (Jr, Sr., III, PhD …; one per person)                    0
--   p_nickname    share of records whose given name is replaced by one of
--                 the person's nicknames (Bill for William), on top of
--                 the base generator's own nicknames                       0
--   fill          true: names, birth date and address a record lacks are
--                 filled in from its person (registries that hold them
--                 for everyone; the patterns below then take them away
--                 again where they apply)                               false
--   contact       false: no e-mail, phone, national id or street at all
--                 (records that hold names, a birth date and a place)   true
--   voters        N > 0: the records are re-cut into N duplicate-free
--                 sources voter1..voterN, as voter files: each person is
--                 in each file with probability 0.6, as a copy of one of
--                 their generated records, without e-mail or national id
--                 and with the names, birth date and address the record
--                 lacks filled in from the person (a voter file holds
--                 names, address and birth date for everyone, a phone
--                 for some)                                                 0
--   p_corrupt     share of fields (given and family name, birth date,
--                 street, city, postcode, phone, e-mail) corrupted after
--                 everything else: a typo (half), blanked (three tenths)
--                 or swapped with its neighbour field (a fifth: given and
--                 family name, street and city, city and postcode, day and
--                 month)                                                   0
--   names_places  true: at the end, every record keeps only its names,
--                 city and postcode (voter files published with nothing
--                 else: no birth date, street, phone, e-mail or id)     false
--
-- It fills ci_bench.pattern (record_id, pattern): which records carry which
-- pattern, for per-pattern figures.  Evaluation only — never read it (or
-- ci_bench.truth) in a model.

\set ON_ERROR_STOP on
\if :{?seed}
\else
\set seed 1
\endif
\if :{?p_sparse}
\else
\set p_sparse 0.15
\endif
\if :{?p_swap}
\else
\set p_swap 0.08
\endif
\if :{?p_place}
\else
\set p_place 0.15
\endif
\if :{?p_postcode}
\else
\set p_postcode 0.06
\endif
\if :{?p_date}
\else
\set p_date 0.08
\endif
\if :{?p_placeholder}
\else
\set p_placeholder 0.04
\endif
\if :{?households}
\else
\set households true
\endif
\if :{?dupfree}
\else
\set dupfree true
\endif
\if :{?p_title}
\else
\set p_title 0
\endif
\if :{?p_suffix}
\else
\set p_suffix 0
\endif
\if :{?p_nickname}
\else
\set p_nickname 0
\endif
\if :{?fill}
\else
\set fill false
\endif
\if :{?contact}
\else
\set contact true
\endif
\if :{?voters}
\else
\set voters 0
\endif
\if :{?p_corrupt}
\else
\set p_corrupt 0
\endif
\if :{?names_places}
\else
\set names_places false
\endif
SELECT :voters > 0 AS voters_on \gset
SET client_min_messages = warning;

-- a draw in [0,1) per (seed, record, salt), independent of the base generator's draws
CREATE OR REPLACE FUNCTION ci_bench.v(seed bigint, id bigint, salt integer) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ((hashint8extended(id, seed * 1000003 + 7919 * salt) >> 11) & 9007199254740991)::double precision / 9007199254740992.0 $$;

-- one character replaced by another of its class (digit by digit, letter by letter)
CREATE OR REPLACE FUNCTION ci_bench.corrupt_char(s text, h bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT CASE WHEN s IS NULL OR length(s) = 0 THEN s ELSE (
  SELECT overlay(s PLACING CASE WHEN ch ~ '[0-9]' THEN ((ch::int + 1 + (abs(h) >> 8) % 9) % 10)::text
                                WHEN ch ~ '[A-Za-z]' THEN chr(ascii('A') + ((ascii(upper(ch)) - ascii('A') + 1 + ((abs(h) >> 8) % 25)::int) % 26))
                                ELSE ch END FROM pos FOR 1)
  FROM (SELECT pos, substr(s, pos, 1) AS ch
          FROM (SELECT CASE WHEN p IS NOT NULL THEN p ELSE 1 END AS pos
                  FROM (SELECT (SELECT i FROM generate_series(1, length(s)) i
                                 WHERE substr(s, i, 1) ~ '[0-9A-Za-z]'
                                 ORDER BY (i * 7919 + abs(h)) % 104729 LIMIT 1) AS p) x) y) z) END
$$;

DROP TABLE IF EXISTS ci_bench.pattern;
CREATE UNLOGGED TABLE ci_bench.pattern (record_id bigint NOT NULL, pattern text NOT NULL, PRIMARY KEY (record_id, pattern));

-- a date from text, NULL when it is not a valid one
CREATE OR REPLACE FUNCTION ci_bench.try_date(s text) RETURNS date
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$ BEGIN RETURN to_date(s, 'YYYY-MM-DD') WHERE s ~ '^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$' AND to_char(to_date(s, 'YYYY-MM-DD'), 'YYYY-MM-DD') = s;
EXCEPTION WHEN others THEN RETURN NULL; END $$;

BEGIN;
-- 7. voter files: N duplicate-free sources, each person in each with
-- probability 0.6, as a copy of one of their records (new record ids, in a
-- seeded order, so nothing can be read from them)
\if :voters_on
INSERT INTO ci.source (source, description)
SELECT 'voter' || i, 'generated voter file (duplicate-free)' FROM generate_series(1, :voters) i ON CONFLICT DO NOTHING;
CREATE TEMP TABLE vcopy AS
WITH rec AS (SELECT t.person_id, t.record_id, row_number() OVER (PARTITION BY t.person_id ORDER BY t.record_id) AS k,
                    count(*) OVER (PARTITION BY t.person_id) AS n
               FROM ci_bench.truth t JOIN ci.source_record s USING (record_id)),
     c AS (SELECT r.person_id, r.record_id AS from_id, f.f
             FROM rec r CROSS JOIN generate_series(1, :voters) f
            WHERE r.k = 1 + (f - 1 + (hashint8extended(r.person_id, :seed) & 255)) % r.n
              AND ci_bench.v(:seed, r.person_id * 64 + f, 20) < 0.6)
SELECT c.*, (SELECT max(record_id) FROM ci.source_record)
            + row_number() OVER (ORDER BY hashint8extended(c.person_id * 64 + c.f, :seed + 5)) AS new_id
  FROM c;
INSERT INTO ci.source_record (record_id, source, source_key, given_name, family_name, email, phone, birth_date, national_id,
                              street, city, postcode, country, attributes, updated_at)
SELECT v.new_id, 'voter' || v.f, 'V' || v.f || '-' || lpad(v.new_id::text, 8, '0'),
       coalesce(s.given_name, p.given_name), coalesce(s.family_name, p.family_name), NULL, s.phone,
       coalesce(s.birth_date, p.birth_date), NULL,
       coalesce(s.street, CASE h.street_style WHEN 'de' THEN h.street_full || ' ' || h.house_no ELSE h.house_no || ' ' || h.street_full END),
       coalesce(s.city, h.city), coalesce(s.postcode, h.postcode), coalesce(s.country, h.country), '{}', s.updated_at
  FROM vcopy v JOIN ci.source_record s ON s.record_id = v.from_id
  JOIN ci_bench.person p ON p.person_id = v.person_id JOIN ci_bench.household h ON h.household_id = p.household_id;
DELETE FROM ci.source_record WHERE source NOT LIKE 'voter%';
INSERT INTO ci_bench.truth (record_id, person_id, record_no)
SELECT new_id, person_id, f FROM vcopy;
SELECT setval(pg_get_serial_sequence('ci.source_record', 'record_id'), (SELECT max(record_id) FROM ci.source_record));
INSERT INTO ci_bench.pattern SELECT record_id, 'dupfree_source' FROM ci.source_record;
DROP TABLE vcopy;
\endif
-- complete records: what the base generator left out, from the person
\if :fill
UPDATE ci.source_record r
   SET given_name = coalesce(r.given_name, p.given_name), family_name = coalesce(r.family_name, p.family_name),
       birth_date = coalesce(r.birth_date, p.birth_date),
       street = coalesce(r.street, CASE h.street_style WHEN 'de' THEN h.street_full || ' ' || h.house_no ELSE h.house_no || ' ' || h.street_full END),
       city = coalesce(r.city, h.city), postcode = coalesce(r.postcode, h.postcode)
  FROM ci_bench.truth t, ci_bench.person p, ci_bench.household h
 WHERE t.record_id = r.record_id AND p.person_id = t.person_id AND h.household_id = p.household_id
   AND (r.given_name IS NULL OR r.family_name IS NULL OR r.birth_date IS NULL OR r.street IS NULL OR r.city IS NULL OR r.postcode IS NULL);
\endif
-- 6. duplicate-free sources: crm and web keep one record per person
\if :dupfree
DELETE FROM ci.source_record r
 USING (SELECT record_id, row_number() OVER (PARTITION BY t.person_id, s.source ORDER BY s.updated_at DESC, s.record_id) AS k
          FROM ci_bench.truth t JOIN ci.source_record s USING (record_id)
         WHERE s.source IN ('crm', 'web')) d
 WHERE r.record_id = d.record_id AND d.k > 1;
INSERT INTO ci_bench.pattern SELECT record_id, 'dupfree_source' FROM ci.source_record WHERE source IN ('crm', 'web');
\endif
-- households off: one member per household
\if :households
INSERT INTO ci_bench.pattern
SELECT t.record_id, 'household'
  FROM ci_bench.truth t JOIN ci_bench.person p USING (person_id)
 WHERE (SELECT count(*) FROM ci_bench.person q WHERE q.household_id = p.household_id) > 1
   AND EXISTS (SELECT FROM ci.source_record s WHERE s.record_id = t.record_id);
\else
DELETE FROM ci.source_record r USING ci_bench.truth t JOIN ci_bench.person p USING (person_id)
 WHERE r.record_id = t.record_id AND p.member_no > 1;
\endif
DELETE FROM ci_bench.truth t WHERE NOT EXISTS (SELECT FROM ci.source_record s WHERE s.record_id = t.record_id);

CREATE TEMP TABLE messy AS
SELECT r.record_id,
       ci_bench.v(:seed, r.record_id, 1) < :p_sparse AS sparse,
       1 + floor(ci_bench.v(:seed, r.record_id, 2) * 3)::int AS keep,          -- 1 email, 2 phone, 3 address
       ci_bench.v(:seed, r.record_id, 3) < :p_swap AS swap,
       ci_bench.v(:seed, r.record_id, 4) < :p_place AND r.city IS NOT NULL AS place,
       floor(ci_bench.v(:seed, r.record_id, 5) * 3)::int AS place_kind,
       ci_bench.v(:seed, r.record_id, 6) < :p_postcode AND r.postcode IS NOT NULL AS postcode,
       ci_bench.v(:seed, r.record_id, 7) < :p_date AND r.birth_date IS NOT NULL AS bad_date,
       floor(ci_bench.v(:seed, r.record_id, 8) * 3)::int AS date_kind,
       ci_bench.v(:seed, r.record_id, 9) < :p_placeholder AND r.birth_date IS NOT NULL AS placeholder,
       hashint8extended(r.record_id, :seed + 99) AS h
  FROM ci.source_record r;
-- a pattern that would leave a sparse record with nothing to show is moot
UPDATE messy SET bad_date = false, placeholder = false WHERE sparse;

-- 1. sparse records: names and one contact field
UPDATE ci.source_record r
   SET email = CASE WHEN m.keep = 1 THEN r.email END,
       phone = CASE WHEN m.keep = 2 THEN r.phone END,
       street = CASE WHEN m.keep = 3 THEN r.street END,
       city = CASE WHEN m.keep = 3 THEN r.city END,
       postcode = CASE WHEN m.keep = 3 THEN r.postcode END,
       birth_date = NULL, national_id = NULL
  FROM messy m WHERE m.record_id = r.record_id AND m.sparse;
INSERT INTO ci_bench.pattern SELECT record_id, 'sparse' FROM messy WHERE sparse;
-- 2. swapped given and family names
UPDATE ci.source_record r SET given_name = r.family_name, family_name = r.given_name
  FROM messy m WHERE m.record_id = r.record_id AND m.swap AND r.given_name IS NOT NULL AND r.family_name IS NOT NULL;
INSERT INTO ci_bench.pattern SELECT m.record_id, 'swapped_names' FROM messy m JOIN ci.source_record r USING (record_id)
 WHERE m.swap AND r.given_name IS NOT NULL AND r.family_name IS NOT NULL;
-- 3. places named at another level: district, region (shared by the cities
-- of a postcode area), abbreviation
UPDATE ci.source_record r
   SET city = CASE m.place_kind
       WHEN 0 THEN r.city || (ARRAY['-Mitte', ' North', ' Centre', '-Süd', ' East', ' Old Town', '-West', ' Central'])[1 + (abs(m.h) % 8)::int]
       WHEN 1 THEN (ARRAY['Northern', 'Southern', 'Eastern', 'Western', 'Central', 'Upper', 'Lower', 'Greater'])[1 + (ascii(coalesce(upper(left(r.postcode, 1)), 'X')) % 8)]
                   || ' ' || coalesce(r.country, 'XX') || ' Region'
       ELSE CASE WHEN abs(m.h) % 2 = 0 THEN upper(left(ci.normalize_name(r.city), 3)) ELSE left(r.city, 5) || '.' END END
  FROM messy m WHERE m.record_id = r.record_id AND m.place AND r.city IS NOT NULL;
INSERT INTO ci_bench.pattern SELECT m.record_id, 'place_level' FROM messy m JOIN ci.source_record r USING (record_id) WHERE m.place AND r.city IS NOT NULL;
-- 4. one postcode character corrupted
UPDATE ci.source_record r SET postcode = ci_bench.corrupt_char(r.postcode, m.h)
  FROM messy m WHERE m.record_id = r.record_id AND m.postcode AND r.postcode IS NOT NULL;
INSERT INTO ci_bench.pattern SELECT m.record_id, 'corrupt_postcode' FROM messy m JOIN ci.source_record r USING (record_id) WHERE m.postcode AND r.postcode IS NOT NULL;
-- 5. partial or malformed birth dates (NULL in the date column, raw text kept), placeholders
UPDATE ci.source_record r
   SET birth_date_raw = CASE m.date_kind
           WHEN 0 THEN to_char(r.birth_date, 'YYYY')
           WHEN 1 THEN to_char(r.birth_date, 'YYYY') || '-02-' || (30 + abs(m.h) % 2)::text
           ELSE to_char(r.birth_date, 'YYYY') || '-' || (13 + abs(m.h) % 3)::text || to_char(r.birth_date, '-DD') END,
       birth_date = NULL
  FROM messy m WHERE m.record_id = r.record_id AND m.bad_date AND r.birth_date IS NOT NULL;
UPDATE ci.source_record r
   SET birth_date = make_date(extract(year FROM r.birth_date)::int, 1, 1)
  FROM messy m WHERE m.record_id = r.record_id AND m.placeholder AND NOT m.bad_date AND r.birth_date IS NOT NULL;
INSERT INTO ci_bench.pattern SELECT record_id, 'partial_date' FROM messy WHERE bad_date OR placeholder;

-- 8. historical records: no contact fields at all
\if :contact
\else
UPDATE ci.source_record SET email = NULL, phone = NULL, national_id = NULL, street = NULL
 WHERE email IS NOT NULL OR phone IS NOT NULL OR national_id IS NOT NULL OR street IS NOT NULL;
\endif
-- 9. nicknames: one of the person's nicknames for the given name
UPDATE ci.source_record r SET given_name = p.nicks[1 + (abs(m.h) >> 12) % cardinality(p.nicks)]
  FROM messy m, ci_bench.truth t, ci_bench.person p
 WHERE m.record_id = r.record_id AND t.record_id = r.record_id AND p.person_id = t.person_id
   AND cardinality(p.nicks) > 0 AND r.given_name IS NOT NULL AND ci_bench.v(:seed, r.record_id, 10) < :p_nickname;
-- every record showing a nickname, the base generator's too
INSERT INTO ci_bench.pattern
SELECT r.record_id, 'nickname' FROM ci.source_record r JOIN ci_bench.truth t USING (record_id) JOIN ci_bench.person p USING (person_id)
 WHERE r.given_name_norm <> ci.normalize_name(p.given_name)
   AND r.given_name_norm IN (SELECT ci.normalize_name(x) FROM unnest(p.nicks) x);
-- 10. titles before the given name, suffixes after the family name (one
-- of each per person, shown on a share of their records)
UPDATE ci.source_record r
   SET given_name = CASE WHEN p.gender = 'F'
                         THEN (ARRAY['Mrs', 'Mrs.', 'Ms', 'Miss', 'MRS', 'Dr', 'Dr.', 'Prof.', 'Lady', 'Frau', 'Mme', 'Dame'])[1 + (hashint8extended(p.person_id, :seed + 11) & 1023) % 12]
                         ELSE (ARRAY['Mr', 'Mr.', 'MR', 'Mr', 'Dr', 'Dr.', 'Prof.', 'Rev.', 'Sir', 'Herr', 'Capt.', 'Fr.'])[1 + (hashint8extended(p.person_id, :seed + 11) & 1023) % 12] END
                    || ' ' || r.given_name
  FROM ci_bench.truth t, ci_bench.person p
 WHERE t.record_id = r.record_id AND p.person_id = t.person_id AND r.given_name IS NOT NULL
   AND ci_bench.v(:seed, r.record_id, 11) < :p_title;
INSERT INTO ci_bench.pattern
SELECT record_id, 'title' FROM ci.source_record r WHERE r.given_name IS NOT NULL AND ci_bench.v(:seed, r.record_id, 11) < :p_title;
UPDATE ci.source_record r
   SET family_name = r.family_name || CASE WHEN p.gender = 'F'
                         THEN (ARRAY[' PhD', ', PhD', ' MD', ' Esq.'])[1 + (hashint8extended(p.person_id, :seed + 12) & 1023) % 4]
                         ELSE (ARRAY[' Jr', ' Jr.', ', Jr.', ' Sr.', ' Snr', ' III', ' II', ' PhD'])[1 + (hashint8extended(p.person_id, :seed + 12) & 1023) % 8] END
  FROM ci_bench.truth t, ci_bench.person p
 WHERE t.record_id = r.record_id AND p.person_id = t.person_id AND r.family_name IS NOT NULL
   AND ci_bench.v(:seed, r.record_id, 12) < :p_suffix;
INSERT INTO ci_bench.pattern
SELECT record_id, 'suffix' FROM ci.source_record r WHERE r.family_name IS NOT NULL AND ci_bench.v(:seed, r.record_id, 12) < :p_suffix;
-- 11. corrupted fields: each field with probability p_corrupt, a typo
-- (half), blanked (three tenths) or swapped with its neighbour (a fifth);
-- k = 0 untouched, 1 typo, 2 blank, 3 swap, drawn per record and field
CREATE TEMP TABLE corrupt AS
SELECT r.record_id, hashint8extended(r.record_id, :seed + 13) AS h,
       (SELECT array_agg(CASE WHEN ci_bench.v(:seed, r.record_id, 30 + f) >= :p_corrupt THEN 0
                              WHEN ci_bench.v(:seed, r.record_id, 40 + f) < 0.5 THEN 1
                              WHEN ci_bench.v(:seed, r.record_id, 40 + f) < 0.8 THEN 2 ELSE 3 END ORDER BY f)
          FROM generate_series(1, 8) f) AS k   -- 1 given, 2 family, 3 birth date, 4 street, 5 city, 6 postcode, 7 phone, 8 email
  FROM ci.source_record r;
UPDATE ci.source_record r
   SET given_name = CASE WHEN 3 IN (c.k[1], c.k[2]) THEN r.family_name
                         WHEN c.k[1] = 1 THEN ci_bench.typo(r.given_name, c.h) WHEN c.k[1] = 2 THEN NULL ELSE r.given_name END,
       family_name = CASE WHEN 3 IN (c.k[1], c.k[2]) THEN r.given_name
                          WHEN c.k[2] = 1 THEN ci_bench.typo(r.family_name, c.h >> 12) WHEN c.k[2] = 2 THEN NULL ELSE r.family_name END,
       birth_date = CASE c.k[3] WHEN 1 THEN ci_bench.try_date(ci_bench.corrupt_char(to_char(r.birth_date, 'YYYY-MM-DD'), c.h >> 3))
                                WHEN 2 THEN NULL
                                WHEN 3 THEN ci_bench.try_date(to_char(r.birth_date, 'YYYY-DD-MM'))
                                ELSE r.birth_date END,
       birth_date_raw = CASE c.k[3] WHEN 1 THEN ci_bench.corrupt_char(to_char(r.birth_date, 'YYYY-MM-DD'), c.h >> 3)
                                    WHEN 3 THEN to_char(r.birth_date, 'YYYY-DD-MM')
                                    WHEN 2 THEN NULL ELSE r.birth_date_raw END,
       street = CASE WHEN c.k[4] = 3 THEN r.city
                     WHEN c.k[4] = 1 THEN ci_bench.typo(r.street, c.h >> 20) WHEN c.k[4] = 2 THEN NULL ELSE r.street END,
       city = CASE WHEN c.k[4] = 3 THEN r.street
                   WHEN 3 IN (c.k[5], c.k[6]) THEN r.postcode
                   WHEN c.k[5] = 1 THEN ci_bench.typo(r.city, c.h >> 24) WHEN c.k[5] = 2 THEN NULL ELSE r.city END,
       postcode = CASE WHEN c.k[4] <> 3 AND 3 IN (c.k[5], c.k[6]) THEN r.city
                       WHEN c.k[6] = 1 THEN ci_bench.corrupt_char(r.postcode, c.h >> 28) WHEN c.k[6] = 2 THEN NULL ELSE r.postcode END,
       phone = CASE c.k[7] WHEN 1 THEN ci_bench.typo(r.phone, (c.h >> 32) << 2) WHEN 0 THEN r.phone END,
       email = CASE c.k[8] WHEN 1 THEN ci_bench.typo(r.email, c.h >> 36) WHEN 0 THEN r.email END
  FROM corrupt c
 WHERE c.record_id = r.record_id AND c.k <> '{0,0,0,0,0,0,0,0}';
-- a valid date keeps no raw text
UPDATE ci.source_record SET birth_date_raw = NULL WHERE birth_date IS NOT NULL AND birth_date_raw IS NOT NULL;
INSERT INTO ci_bench.pattern SELECT record_id, 'corrupt_field' FROM corrupt WHERE k <> '{0,0,0,0,0,0,0,0}';
DROP TABLE corrupt;
COMMIT;
DROP TABLE messy;
\if :names_places
UPDATE ci.source_record
   SET birth_date = NULL, birth_date_raw = NULL, street = NULL, phone = NULL, email = NULL, national_id = NULL;
\endif
RESET client_min_messages;
