-- The fast paths of phone, name and phonetic normalisation give exactly
-- the answers of the slow ones:
--   * phone validity is decided by the extension's own walk over
--     libphonenumber's metadata (phone_valid.cpp); phone_info's
--     number_type is still the library's own GetNumberType, and a number is
--     valid exactly when its type is known, so the two must agree on every
--     number, in every region, including calling codes shared by several
--     regions (+1, +44, +61, +39, +7) and non-geographic ones (+800 …);
--   * normalize_phone, phone_is_valid, normalize_name and dmetaphone
--     remember recent answers per backend (memo.c): a repeated input, an
--     input seen with another region, an evicted one, a NULL answer and an
--     input too long to be remembered all give what the first call gave.
SET client_min_messages = warning;

-- numbers of every shape: digits drawn from md5, 5 to 13 of them, national
-- and international, for regions with their own calling code and regions
-- that share one
CREATE TEMP TABLE probe AS
SELECT r AS def_region, i,
       CASE WHEN i % 4 = 0 THEN '+' ELSE '' END
       || pg_catalog.translate(pg_catalog.substr(pg_catalog.md5(r || i), 1, 5 + i % 9), 'abcdef', '012345') AS phone
  FROM unnest(ARRAY['AU', 'CC', 'CX', 'GB', 'JE', 'GG', 'IM', 'US', 'CA', 'AG', 'JM', 'PR', 'DE', 'FR',
                    'IT', 'VA', 'RU', 'KZ', 'NZ', 'BR', 'IN', 'JP', 'FI', 'AX', 'NO', 'SJ', 'RE', 'YT']) r,
       generate_series(1, 150) i;
INSERT INTO probe
SELECT NULL, i, '+' || cc || pg_catalog.translate(pg_catalog.substr(pg_catalog.md5(cc || '-' || i), 1, 6 + i % 8), 'abcdef', '012345')
  FROM unnest(ARRAY['1', '7', '39', '44', '47', '61', '262', '358', '590', '599', '800', '808', '870', '878',
                    '881', '882', '883', '888', '979']) cc,
       generate_series(1, 120) i;

CREATE TEMP TABLE answers AS
SELECT p.def_region, p.phone, (ci.phone_info(p.phone, p.def_region)).*,
       ci.normalize_phone(p.phone, p.def_region) AS normalized,
       ci.phone_is_valid(p.phone, p.def_region) AS is_valid
  FROM probe p;

-- valid exactly when libphonenumber knows the number's type; how many of each
SELECT count(*) AS numbers,
       count(*) FILTER (WHERE e164 IS NOT NULL) AS parsed,
       count(*) FILTER (WHERE valid) AS valid,
       count(*) FILTER (WHERE e164 IS NOT NULL AND valid <> (number_type <> 'unknown')) AS disagreeing,
       count(*) FILTER (WHERE normalized IS DISTINCT FROM CASE WHEN valid THEN e164 END) AS normalize_differing,
       count(*) FILTER (WHERE is_valid IS DISTINCT FROM valid) AS is_valid_differing
  FROM answers;
-- per calling code shared by several regions
SELECT def_region, count(*) FILTER (WHERE valid) AS valid, count(*) AS parsed,
       count(DISTINCT region) FILTER (WHERE valid) AS number_regions
  FROM answers
 WHERE e164 IS NOT NULL AND def_region IN ('AU', 'CC', 'CX', 'GB', 'JE', 'US', 'AG', 'IT', 'VA', 'FI', 'AX')
 GROUP BY 1 ORDER BY 1;

-- numbers whose region is decided by leading digits or by type
SELECT phone, region, (ci.phone_info(phone, region)).region AS number_region,
       ci.normalize_phone(phone, region) AS e164
  FROM (VALUES ('+1 268 464 1234', NULL), ('268 464 1234', 'US'), ('(201) 555-0123', 'US'),
               ('+44 1534 456789', NULL), ('07797 123456', 'JE'), ('07797 123456', 'GB'),
               ('+61 8 9162 1234', NULL), ('08 9162 1234', 'AU'), ('+39 06 698 12345', NULL),
               ('+800 1234 5678', NULL), ('+882 1234 5678', NULL), ('+979 1234 5678', NULL),
               ('+358 18 123456', NULL), ('+7 701 123 4567', NULL)) v(phone, region);

-- memo: the same answers again, after more distinct inputs than it holds
-- (8192 slots), for the same input under another region, and for NULLs
CREATE TEMP TABLE many AS
SELECT '04' || lpad((i * 7919 % 100000000)::text, 8, '0') AS phone FROM generate_series(1, 10000) i;
CREATE TEMP TABLE first_pass AS
SELECT phone, ci.normalize_phone(phone, 'AU') AS au, ci.normalize_phone(phone, 'gb') AS gb,
       ci.normalize_phone(phone) AS intl, ci.phone_is_valid(phone, 'AU') AS valid_au
  FROM many;
SELECT count(*) FILTER (WHERE au IS NOT NULL) AS au, count(*) FILTER (WHERE gb IS NOT NULL) AS gb,
       count(*) FILTER (WHERE intl IS NOT NULL) AS intl
  FROM first_pass;
SELECT count(*) AS differing
  FROM first_pass f
 WHERE ci.normalize_phone(f.phone, 'AU') IS DISTINCT FROM f.au
    OR ci.normalize_phone(f.phone, 'GB') IS DISTINCT FROM f.gb
    OR ci.normalize_phone(f.phone, NULL) IS DISTINCT FROM f.intl
    OR ci.phone_is_valid(f.phone, 'au') IS DISTINCT FROM f.valid_au
    OR f.au IS DISTINCT FROM (SELECT CASE WHEN valid THEN e164 END FROM ci.phone_info(f.phone, 'AU'));
-- an input longer than the memo's keys, twice
SELECT ci.normalize_phone(repeat(' ', 70) || '0412 345 678', 'AU') AS long_1,
       ci.normalize_phone(repeat(' ', 70) || '0412 345 678', 'AU') AS long_2,
       ci.phone_is_valid('0412 345 678', 'US') AS us_1, ci.phone_is_valid('0412 345 678', 'US') AS us_2,
       ci.phone_is_valid('0412 345 678', 'AU') AS au;

-- names and Double Metaphone: repeated, NULL answers, long inputs, after eviction
CREATE TEMP TABLE names AS
SELECT n, ci.normalize_name(n) AS norm, ci.dmetaphone(n) AS dm
  FROM (SELECT unnest(ARRAY['Jürgen', 'O''Brien', '---', '', 'Сергей', repeat('Müller-', 12) || 'Schmidt'])
        UNION ALL SELECT 'name ' || i FROM generate_series(1, 10000) i) s(n);
SELECT count(*) AS differing
  FROM names
 WHERE ci.normalize_name(n) IS DISTINCT FROM norm OR ci.dmetaphone(n) IS DISTINCT FROM dm;
SELECT left(n, 20) AS n, left(ci.normalize_name(n), 20) AS again, left(norm, 20) AS norm, length(norm),
       ci.dmetaphone(n) AS dm_again, dm
  FROM names WHERE n NOT LIKE 'name %' ORDER BY n;
