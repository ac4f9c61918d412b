-- The default rule set written in plain SQL (DISTINCT ON + window
-- functions), with the same tie-breaks as the C aggregates: the peer the
-- survivorship benchmark compares against.  :plain_where filters identities.
-- Like ci.golden_profile_sql: text values are trimmed (blank = NULL), the
-- phone is its E.164 form when it has one, names are counted by their
-- normalised key, shown as the key's most frequent spelling (then the most
-- recent), and city, postcode and country come from the record whose street
-- won (the address group; their own rules only when no record has a street).
CREATE TEMP TABLE plain_golden AS
WITH src AS (
    SELECT l.identity_id, r.record_id, r.source, r.updated_at, r.attributes, r.birth_date,
           r.given_name_norm, r.family_name_norm,
           nullif(btrim(r.given_name, E' \t\n\r\f\v'), '') AS given_name,
           nullif(btrim(r.family_name, E' \t\n\r\f\v'), '') AS family_name,
           nullif(btrim(r.email, E' \t\n\r\f\v'), '') AS email,
           coalesce(nullif(r.phone_e164, ''), nullif(btrim(r.phone, E' \t\n\r\f\v'), '')) AS phone,
           nullif(btrim(r.national_id, E' \t\n\r\f\v'), '') AS national_id,
           nullif(btrim(r.street, E' \t\n\r\f\v'), '') AS street,
           nullif(btrim(r.city, E' \t\n\r\f\v'), '') AS city,
           nullif(btrim(r.postcode, E' \t\n\r\f\v'), '') AS postcode,
           nullif(btrim(r.country, E' \t\n\r\f\v'), '') AS country,
           s.trust::text::float8 AS trust,
           extract(epoch FROM r.updated_at - timestamptz '2000-01-01 00:00:00+00')::float8 AS t
      FROM ci.identity_link l
      JOIN ci.source_record r ON r.record_id = l.record_id
      JOIN ci.source s ON s.source = r.source
     WHERE :plain_where
),
given_k AS (
    SELECT identity_id, record_id, source, updated_at, given_name, coalesce(nullif(given_name_norm, ''), given_name) AS k,
           count(*) OVER (PARTITION BY identity_id, coalesce(nullif(given_name_norm, ''), given_name), given_name) AS n
      FROM src WHERE given_name IS NOT NULL),
given_r AS (
    SELECT *, first_value(given_name) OVER (PARTITION BY identity_id, k ORDER BY n DESC, updated_at DESC NULLS LAST,
                                     source COLLATE "C", given_name COLLATE "C", record_id) AS rep
      FROM given_k),
given AS (
    SELECT DISTINCT ON (identity_id) identity_id, rep AS given_name FROM given_r
     ORDER BY identity_id, count(*) OVER (PARTITION BY identity_id, k) DESC, char_length(rep) DESC,
              updated_at DESC, source COLLATE "C", rep, record_id),
family_k AS (
    SELECT identity_id, record_id, source, updated_at, family_name, coalesce(nullif(family_name_norm, ''), family_name) AS k,
           count(*) OVER (PARTITION BY identity_id, coalesce(nullif(family_name_norm, ''), family_name), family_name) AS n
      FROM src WHERE family_name IS NOT NULL),
family_r AS (
    SELECT *, first_value(family_name) OVER (PARTITION BY identity_id, k ORDER BY n DESC, updated_at DESC NULLS LAST,
                                     source COLLATE "C", family_name COLLATE "C", record_id) AS rep
      FROM family_k),
family AS (
    SELECT DISTINCT ON (identity_id) identity_id, rep AS family_name FROM family_r
     ORDER BY identity_id, count(*) OVER (PARTITION BY identity_id, k) DESC, char_length(rep) DESC,
              updated_at DESC, source COLLATE "C", rep, record_id),
mail AS (
    SELECT DISTINCT ON (identity_id) identity_id, email FROM src WHERE email IS NOT NULL
     ORDER BY identity_id, attributes @> '{"email_verified": true}' DESC,
              CASE WHEN attributes @> '{"email_verified": true}' THEN source = 'crm' END DESC,
              CASE WHEN NOT attributes @> '{"email_verified": true}' THEN ln(trust) + t * ln(2::float8) / 15552000 END DESC,
              updated_at DESC, source COLLATE "C", email, record_id),
phone AS (
    SELECT DISTINCT ON (identity_id) identity_id, phone FROM src WHERE phone IS NOT NULL
     ORDER BY identity_id, updated_at DESC, source COLLATE "C", phone, record_id),
birth AS (
    SELECT DISTINCT ON (identity_id) identity_id, birth_date FROM src WHERE birth_date IS NOT NULL
     ORDER BY identity_id, count(*) OVER (PARTITION BY identity_id, birth_date) DESC,
              coalesce(array_position('{crm,pos,support,web}'::text[], source), 5),
              updated_at DESC, source COLLATE "C", birth_date, record_id),
nid AS (
    SELECT DISTINCT ON (identity_id) identity_id, national_id FROM src WHERE national_id IS NOT NULL
     ORDER BY identity_id, coalesce(array_position('{crm,pos,support,web}'::text[], source), 5),
              updated_at DESC, source COLLATE "C", national_id, record_id),
street AS (
    SELECT DISTINCT ON (identity_id) identity_id, street, city, postcode, country FROM src WHERE street IS NOT NULL
     ORDER BY identity_id, ln(trust) + t * ln(2::float8) / 31536000 DESC, updated_at DESC, source COLLATE "C", street, record_id),
nostreet AS (
    SELECT * FROM src WHERE NOT EXISTS (SELECT 1 FROM street s WHERE s.identity_id = src.identity_id)),
city AS (
    SELECT DISTINCT ON (identity_id) identity_id, city FROM nostreet WHERE city IS NOT NULL
     ORDER BY identity_id, ln(trust) + t * ln(2::float8) / 31536000 DESC, updated_at DESC, source COLLATE "C", city, record_id),
postcode AS (
    SELECT DISTINCT ON (identity_id) identity_id, postcode FROM nostreet WHERE postcode IS NOT NULL
     ORDER BY identity_id, ln(trust) + t * ln(2::float8) / 31536000 DESC, updated_at DESC, source COLLATE "C", postcode, record_id),
country AS (
    SELECT DISTINCT ON (identity_id) identity_id, country FROM nostreet WHERE country IS NOT NULL
     ORDER BY identity_id, count(*) OVER (PARTITION BY identity_id, country) DESC,
              updated_at DESC, source COLLATE "C", country, record_id),
ids AS (SELECT DISTINCT identity_id FROM src)
SELECT ids.identity_id, given.given_name, family.family_name, mail.email, phone.phone, birth.birth_date,
       nid.national_id, street.street,
       CASE WHEN street.identity_id IS NOT NULL THEN street.city ELSE city.city END AS city,
       CASE WHEN street.identity_id IS NOT NULL THEN street.postcode ELSE postcode.postcode END AS postcode,
       CASE WHEN street.identity_id IS NOT NULL THEN street.country ELSE country.country END AS country
  FROM ids
  LEFT JOIN given USING (identity_id) LEFT JOIN family USING (identity_id) LEFT JOIN mail USING (identity_id)
  LEFT JOIN phone USING (identity_id) LEFT JOIN birth USING (identity_id) LEFT JOIN nid USING (identity_id)
  LEFT JOIN street USING (identity_id) LEFT JOIN city USING (identity_id) LEFT JOIN postcode USING (identity_id)
  LEFT JOIN country USING (identity_id);
