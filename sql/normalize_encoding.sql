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
-- Bytes that are not UTF-8 are an error (22021), not garbage.
SELECT ci.normalize_name(convert_from('\x4de46c6c6572'::bytea, 'SQL_ASCII'));

\c :regress_db
DROP DATABASE ci_norm_latin1;
DROP DATABASE ci_norm_sql_ascii;
