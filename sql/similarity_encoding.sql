-- The similarity and phonetic functions in databases whose encoding is not
-- UTF-8.  In a single-byte encoding (LATIN1) a byte is a character, so the
-- results equal those of a UTF-8 database for the same text; token
-- separators beyond ASCII are recognised in UTF-8 databases only.  In
-- SQL_ASCII PostgreSQL knows no characters, only bytes: distances count
-- bytes there (as length() does), and Double Metaphone reads the bytes as
-- UTF-8; bytes that are not UTF-8 are an error (22021), not garbage.
SET client_encoding = 'UTF8';
\set regress_db :DBNAME
SET client_min_messages = warning;
DROP DATABASE IF EXISTS ci_sim_latin1;
DROP DATABASE IF EXISTS ci_sim_sql_ascii;
RESET client_min_messages;
CREATE DATABASE ci_sim_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
CREATE DATABASE ci_sim_sql_ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;

\c ci_sim_latin1
SET client_encoding = 'UTF8';
SET extra_float_digits = 0;
CREATE EXTENSION customer_intel;
SELECT ci.levenshtein('müller', 'muller') AS lev, ci.damerau_levenshtein('müller', 'mülelr') AS osa,
       round(ci.jaro_winkler('müller', 'mxller')::numeric, 6) AS jw,
       ci.token_set_similarity('josé garcía', 'garcía josé') AS ts,
       ci.token_set_similarity('jean' || chr(160) || 'paul', 'paul jean') AS nbsp_not_a_separator,
       ci.double_metaphone('François') AS dm, ci.dmetaphone('Straße') AS dm_sz;
SELECT ci.levenshtein(repeat('ü', 65536), 'u');

\c ci_sim_sql_ascii
SET client_encoding = 'UTF8';
SET extra_float_digits = 0;
CREATE EXTENSION customer_intel;
SELECT ci.levenshtein('müller', 'muller') AS lev_bytes, length('müller') AS length_bytes,
       ci.jaro('müller', 'müller') AS jaro_equal, ci.double_metaphone('François') AS dm;
SELECT ci.double_metaphone(convert_from('\x4de46c6c6572'::bytea, 'SQL_ASCII')) AS latin1_bytes;

\c :regress_db
DROP DATABASE ci_sim_latin1;
DROP DATABASE ci_sim_sql_ascii;
