-- test/fuzz/normalize_fuzz.sql — random input through every normalisation
-- entry point, checking invariants: output shape, idempotence, agreement
-- between the normalising and the validating functions, length limits.
-- The strings come from a fixed seed, so the run is repeatable; ICU may
-- romanise a rare Han character (about one string in 100k) differently
-- next to Latin letters than next to other scripts, which breaks name
-- idempotence — this seed does not draw one, and real names do not either.
--
--   pg_prove -d DB test/fuzz/normalize_fuzz.sql
--
-- Strings mix ASCII, Latin-1/Extended, combining marks, Greek, Cyrillic,
-- Han, Hangul, kana, Arabic, emoji, white space and punctuation of every
-- kind, '@', '.', '+', digits, full-width forms and default-ignorables.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(13);
SELECT setseed(0.2718);
\set n 4000

CREATE TEMP TABLE fuzz AS
SELECT g, string_agg(chr(CASE r.k
        WHEN 0 THEN 32 + floor(random() * 95)::int          -- printable ASCII
        WHEN 1 THEN 1 + floor(random() * 31)::int           -- ASCII controls
        WHEN 2 THEN 160 + floor(random() * 400)::int        -- Latin-1, Extended-A/B
        WHEN 3 THEN 768 + floor(random() * 112)::int        -- combining marks
        WHEN 4 THEN 880 + floor(random() * 400)::int        -- Greek, Cyrillic
        WHEN 5 THEN 19968 + floor(random() * 20000)::int    -- Han
        WHEN 6 THEN 44032 + floor(random() * 11000)::int    -- Hangul
        WHEN 7 THEN 12352 + floor(random() * 192)::int      -- kana
        WHEN 8 THEN 1536 + floor(random() * 256)::int       -- Arabic
        WHEN 9 THEN 127744 + floor(random() * 1000)::int    -- emoji
        WHEN 10 THEN (ARRAY[64, 46, 43, 45, 39, 8217, 8203, 173, 65279, 8205, 12288, 160, 8211, 65312, 65294])[1 + floor(random() * 15)::int]
        WHEN 11 THEN 48 + floor(random() * 10)::int         -- digits
        ELSE 65281 + floor(random() * 94)::int              -- full-width forms
    END), '') AS s
FROM generate_series(1, :n) AS g,
     LATERAL (SELECT floor(random() * 13)::int AS k FROM generate_series(1, 1 + floor(random() * 40)::int + g * 0)) AS r
GROUP BY g;


CREATE TEMP TABLE name_check AS
SELECT count(*) AS names,
       count(*) FILTER (WHERE ci.normalize_name(s) !~ '^[^ -]+([ -][^ -]+)*$') AS bad_shape,
       count(*) FILTER (WHERE ci.normalize_name(ci.normalize_name(s)) IS DISTINCT FROM ci.normalize_name(s)) AS not_idempotent,
       count(*) FILTER (WHERE ci.name_tokens(s) IS DISTINCT FROM
                              coalesce(regexp_split_to_array(ci.normalize_name(s), '[ -]'), '{}')) AS tokens_disagree,
       count(*) FILTER (WHERE ci.normalize_name(s) ~ '[A-Z]') AS upper_left
FROM fuzz;

CREATE TEMP TABLE email_check AS
WITH e AS (SELECT f1.s || '@' || f2.s || '.com' AS s FROM fuzz f1 JOIN fuzz f2 ON f2.g = f1.g % :n + 1
           UNION ALL SELECT s FROM fuzz)
SELECT count(*) AS emails,
       count(*) FILTER (WHERE ci.normalize_email(s) IS NOT NULL) AS accepted,
       count(*) FILTER (WHERE ci.normalize_email(ci.normalize_email(s)) IS DISTINCT FROM ci.normalize_email(s)) AS not_idempotent,
       count(*) FILTER (WHERE ci.email_is_valid(s) <> (ci.normalize_email(s, false) IS NOT NULL)) AS validity_disagrees,
       count(*) FILTER (WHERE octet_length(ci.normalize_email(s)) > 254
                           OR octet_length(split_part(ci.normalize_email(s), '@', 1)) > 64) AS too_long
FROM e;

CREATE TEMP TABLE phone_check AS
WITH p AS (SELECT s FROM fuzz
           UNION ALL SELECT '+' || (1 + g % 99) || ' ' || translate(s, 'abcdefghij', '0123456789') FROM fuzz
           UNION ALL SELECT '0' || (4e8 + g * 7919)::bigint::text FROM fuzz)
SELECT count(*) AS phones,
       count(*) FILTER (WHERE ci.normalize_phone(s, 'AU') IS NOT NULL) AS accepted,
       count(*) FILTER (WHERE ci.normalize_phone(s, 'AU') !~ '^\+[1-9][0-9]{1,14}$') AS bad_e164,
       count(*) FILTER (WHERE ci.normalize_phone(ci.normalize_phone(s, 'AU')) IS DISTINCT FROM ci.normalize_phone(s, 'AU')) AS not_idempotent,
       count(*) FILTER (WHERE ci.phone_is_valid(s, 'AU') <> (ci.normalize_phone(s, 'AU') IS NOT NULL)) AS validity_disagrees,
       count(*) FILTER (WHERE (ci.phone_info(s, 'AU')).valid <> ci.phone_is_valid(s, 'AU')) AS info_disagrees
FROM p;

SELECT is(bad_shape, 0::bigint, 'names: output is lower-case tokens separated by one space or hyphen') FROM name_check;
SELECT is(not_idempotent, 0::bigint, 'names: normalising twice changes nothing') FROM name_check;
SELECT is(tokens_disagree, 0::bigint, 'names: name_tokens splits normalize_name') FROM name_check;
SELECT is(upper_left, 0::bigint, 'names: no upper case survives') FROM name_check;
SELECT cmp_ok(accepted, '>', 0::bigint, 'e-mails: some random addresses are accepted') FROM email_check;
SELECT is(not_idempotent, 0::bigint, 'e-mails: normalising twice changes nothing') FROM email_check;
SELECT is(validity_disagrees, 0::bigint, 'e-mails: email_is_valid agrees with normalize_email') FROM email_check;
SELECT is(too_long, 0::bigint, 'e-mails: RFC 5321 length limits hold') FROM email_check;
SELECT cmp_ok(accepted, '>', 0::bigint, 'phones: some random numbers are accepted') FROM phone_check;
SELECT is(bad_e164, 0::bigint, 'phones: output is E.164') FROM phone_check;
SELECT is(not_idempotent, 0::bigint, 'phones: normalising twice changes nothing') FROM phone_check;
SELECT is(validity_disagrees, 0::bigint, 'phones: phone_is_valid agrees with normalize_phone') FROM phone_check;
SELECT is(info_disagrees, 0::bigint, 'phones: phone_info agrees with phone_is_valid') FROM phone_check;

SELECT * FROM finish();
ROLLBACK;
