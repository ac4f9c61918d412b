-- The normalisation functions in a database whose encoding is not UTF-8:
-- arguments are converted to UTF-8 for ICU and libphonenumber, results back.
-- In SQL_ASCII, bytes are taken to be UTF-8 and checked.
SET client_encoding = 'UTF8';
\set regress_db :DBNAME
SET client_min_messages = warning;
DROP DATABASE IF EXISTS ci_norm_latin1;
DROP DATABASE IF EXISTS ci_norm_sql_ascii;
RESET client_min_messages;
CREATE DATABASE ci_norm_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
CREATE DATABASE ci_norm_sql_ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;

\c ci_norm_latin1
SET client_encoding = 'UTF8';
CREATE EXTENSION customer_intel;
SELECT ci.normalize_name('Müller-Lüdenscheidt, Ærø') AS name, ci.name_tokens('Ólafsdóttir Þór') AS tokens,
       ci.normalize_email(' JÖRG.Groß+x@Bücher.DE ', true, ARRAY['bücher.de']) AS email,
       ci.normalize_phone('(02) 9876 5432', 'au') AS phone;
-- An address whose canonical form has a character LATIN1 lacks is not an
-- address here: NULL and not valid, never error 22P05 (NFKC turns the micro
-- sign into Greek mu, one quarter into 1, fraction slash, 4).
SELECT e, ci.normalize_email(e) AS email, ci.email_is_valid(e) AS valid
FROM unnest(ARRAY['µ@example.com', 'x¼@example.com', 'Jörg@example.com']) AS e;

\c ci_norm_sql_ascii
SET client_encoding = 'UTF8';
CREATE EXTENSION customer_intel;
SELECT ci.normalize_name('Дмитрий Müller') AS name, ci.normalize_email('JÖRG@Bücher.DE') AS email,
       ci.normalize_phone('０４１２ ３４５ ６７８', 'AU') AS phone;
-- Bytes that are not UTF-8 (here Latin-1 "Müller") have no normalised form:
-- NULL (name_tokens '{}', email_is_valid false, phone_info not_a_number),
-- so a record holding them can still be stored in ci.source_record, whose
-- generated columns call these functions (the raw columns keep the bytes).
-- Double Metaphone, which codes what it is given, refuses them (22021); the
-- similarity functions count bytes in SQL_ASCII (doc/matching.md).
CREATE TEMP VIEW latin1 AS SELECT convert_from('\x4de46c6c6572'::bytea, 'SQL_ASCII') AS b;
SELECT ci.normalize_name(b) AS name, ci.name_tokens(b) AS tokens, ci.normalize_email(b || '@example.com') AS email,
       ci.email_is_valid(b || '@example.com') AS valid, ci.normalize_phone(b || ' 030 1234567', 'DE') AS phone,
       ci.phone_is_valid(b || ' 030 1234567', 'DE') AS phone_valid, (ci.phone_info(b, 'DE')).parse_error
  FROM latin1;
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, phone, street, city, postcode, country)
SELECT 'crm', 'legacy-1', 'Hans', b, 'hans.' || b || '@example.com', '030 1234567', b || 'weg 5', b, '10115', 'DE' FROM latin1;
SELECT source_key, given_name_norm, family_name_norm, email_norm, phone_e164, street_norm, city_norm, postcode_norm,
       name_pair_norm, name_pair_dm
  FROM ci.source_record;
SELECT ci.double_metaphone(b) FROM latin1;

\c :regress_db
DROP DATABASE ci_norm_latin1;
DROP DATABASE ci_norm_sql_ascii;
