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
--                 attributes->>'birth_date_raw'                          0.08
--   p_placeholder share of records whose birth date is the placeholder
--                 1 January of the year (day and month unknown)          0.04
--   households    false: keep only one member of each household (removes
--                 the household/twin pattern); true: as generated, where
--                 households share address, landline and family name and
--                 twins also the birth date                              true
--   dupfree       true: the sources crm and web hold each person at most
--                 once (the most recent record is kept)                  true
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

BEGIN;
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
   SET attributes = r.attributes || jsonb_build_object('birth_date_raw', CASE m.date_kind
           WHEN 0 THEN to_char(r.birth_date, 'YYYY')
           WHEN 1 THEN to_char(r.birth_date, 'YYYY') || '-02-' || (30 + abs(m.h) % 2)::text
           ELSE to_char(r.birth_date, 'YYYY') || '-' || (13 + abs(m.h) % 3)::text || to_char(r.birth_date, '-DD') END),
       birth_date = NULL
  FROM messy m WHERE m.record_id = r.record_id AND m.bad_date AND r.birth_date IS NOT NULL;
UPDATE ci.source_record r
   SET birth_date = make_date(extract(year FROM r.birth_date)::int, 1, 1),
       attributes = r.attributes || jsonb_build_object('birth_date_raw', to_char(r.birth_date, 'YYYY') || '-01-01')
  FROM messy m WHERE m.record_id = r.record_id AND m.placeholder AND NOT m.bad_date AND r.birth_date IS NOT NULL;
INSERT INTO ci_bench.pattern SELECT record_id, 'partial_date' FROM messy WHERE bad_date OR placeholder;
COMMIT;
DROP TABLE messy;
RESET client_min_messages;
