-- ci.normalize_phone, ci.phone_is_valid and ci.phone_info: telephone
-- numbers to E.164 with libphonenumber.  (Validity follows the numbering
-- plans in the installed libphonenumber; these results are those of 8.12.)

-- National formats need the default region (ISO 3166-1 alpha-2, either case).
SELECT p AS phone, r AS region, ci.normalize_phone(p, r) AS e164
FROM (VALUES ('(02) 9876 5432', 'AU'), ('02 9876 5432', 'au'), ('0412 345 678', 'AU'),
             ('0412-345-678', 'AU'), ('(650) 253-0000', 'US'), ('650.253.0000', 'us'),
             ('020 7946 0958', 'GB'), ('06 1234 5678', 'IT'), ('030 123456', 'DE'),
             ('01 23 45 67 89', 'FR'), ('09012345678', 'JP')) AS t(p, r);

-- International format needs no region; a region does not change it.
-- libphonenumber skips leading text ("Tel:") and a doubled +.
SELECT p AS phone, ci.normalize_phone(p) AS no_region, ci.normalize_phone(p, 'US') AS region_us
FROM unnest(ARRAY['+61 412 345 678', '+61412345678', '+44 20 7946 0958', '+44 (0)20 7946 0958',
                  '+1 650 253 0000', '+39 06 1234 5678', '+81 90-1234-5678', 'tel:+61-412-345-678',
                  '++61 412 345 678', 'Tel: +61 412 345 678', '+800 1234 5678']) AS p;

-- An international call prefix (00, 011, 0011 …) is the one of the default
-- region: without a region, or with a region that dials differently, the
-- number is not read.
SELECT p AS phone, r AS region, ci.normalize_phone(p, r) AS e164
FROM (VALUES ('0044 20 7946 0958', NULL), ('0044 20 7946 0958', 'DE'), ('0044 20 7946 0958', 'AU'),
             ('0011 44 20 7946 0958', 'AU'), ('011 44 20 7946 0958', 'US'),
             ('+0044 20 7946 0958', NULL)) AS t(p, r);

-- A national number without a region is not read.
SELECT ci.normalize_phone('0412 345 678') AS no_region, ci.normalize_phone('0412 345 678', NULL) AS null_region;

-- Other digit forms: full-width and Arabic-Indic digits are read; vanity
-- letters are read as keypad digits (libphonenumber's rule for 3+ letters).
SELECT p AS phone, r AS region, ci.normalize_phone(p, r) AS e164
FROM (VALUES ('０４１２ ３４５ ６７８', 'AU'), ('+٩٧١ ٥٠ ١٢٣ ٤٥٦٧', NULL), ('1-800-FLOWERS', 'US'),
             ('1-800-356-9377', 'US')) AS t(p, r);

-- Extensions are not part of E.164: dropped here, reported by phone_info.
SELECT p AS phone, ci.normalize_phone(p, 'AU') AS e164, (ci.phone_info(p, 'AU')).extension
FROM unnest(ARRAY['+1 650 253 0000 ext. 123', '02 9876 5432 x 12', '02 9876 5432;ext=7',
                  '+44 20 7946 0958 #99']) AS p;

-- Not valid numbers: NULL.  Too short or long, unassigned ranges, unknown
-- country codes, letters, blank, and input longer than 250 bytes (never
-- handed to libphonenumber: a valid number padded to 250 bytes is read, to
-- 251 it is not).
SELECT CASE WHEN length(p) > 30 THEN left(p, 3) || '… (' || length(p) || ' characters)' ELSE to_json(p)::text END AS phone,
       quote_nullable(ci.normalize_phone(p, 'AU')) AS e164, ci.phone_is_valid(p, 'AU') AS valid,
       (ci.phone_info(p, 'AU')).parse_error
FROM unnest(ARRAY['12', '0412 345', '0412 345 678 999 999 999', '+61 412 345 67', '+1 555 010 0000',
                  '+999 1234 5678', 'abc', 'call me', '', '   ', 'N/A', '+',
                  '0412 345 678' || repeat(' ', 238), '0412 345 678' || repeat(' ', 239),
                  repeat('1', 1100000), repeat('١', 1100000)]) AS p;

-- phone_info tells a steward what the library made of a number: its E.164
-- form even when not valid, the region, the type, and why parsing failed.
SELECT p AS phone, i.*
FROM unnest(ARRAY['0412 345 678', '(02) 9876 5432', '1800 123 456', '1900 123 456', '+44 20 7946 0958',
                  '+1 650 253 0000', '+1 555 010 0000', '+800 1234 5678', '12', 'abc', '+999 12345678',
                  '+61 4123 4567 8901 2345 6789']) AS p,
     LATERAL ci.phone_info(p, 'AU') AS i;

-- NULL phone: NULL out, whatever the form of the answer.
SELECT ci.normalize_phone(NULL) IS NULL AS normalize_null, ci.phone_is_valid(NULL, 'AU') IS NULL AS valid_null,
       ci.phone_info(NULL) IS NULL AS info_null;

-- An unknown region is an error (22023), raised even for a NULL phone, so
-- that a wrong constant fails on every row alike.  ZZ (libphonenumber's
-- "unknown") and 001 (non-geographic) are not regions: pass NULL.
SELECT ci.normalize_phone('0412 345 678', 'XX');
SELECT ci.normalize_phone('0412 345 678', '');
SELECT ci.normalize_phone('0412 345 678', 'usa');
SELECT ci.normalize_phone(NULL, 'ZZ');
SELECT ci.phone_is_valid('+61412345678', '001');
SELECT ci.phone_info('+61412345678', ' AU');
SELECT ci.normalize_phone('+61412345678', repeat('Ä', 1100000));

-- ci.phone_region: a region libphonenumber knows, upper-cased; anything
-- else (unknown, blank, wrong length, huge) is NULL.
SELECT r, ci.phone_region(r)
  FROM unnest(ARRAY['au', 'GB', 'XX', 'ZZ', '001', '', ' AU', 'Ä1', NULL]) AS r;
SELECT ci.phone_region(repeat('A', 1100000));

-- A per-row region (the record's country) works in a generated column;
-- through ci.phone_region a country libphonenumber does not know reads
-- only international numbers instead of failing the INSERT.
CREATE TABLE norm_phone_t (
    phone text,
    country text,
    phone_e164 text GENERATED ALWAYS AS (ci.normalize_phone(phone, ci.phone_region(country))) STORED
);
INSERT INTO norm_phone_t (phone, country) VALUES
    ('0412 345 678', 'AU'), ('020 7946 0958', 'GB'), ('+61 412 345 678', NULL), ('0412 345 678', NULL),
    ('+61 412 345 678', 'XX'), ('0412 345 678', 'XX');
SELECT * FROM norm_phone_t ORDER BY phone, country;
DROP TABLE norm_phone_t;
