-- The default rule set written in plain SQL (DISTINCT ON + window
-- functions), with the same tie-breaks as the C aggregates: the peer the
-- survivorship benchmark compares against.  :plain_where filters identities.
CREATE TEMP TABLE plain_golden AS
WITH src AS (
    SELECT l.identity_id, r.*, s.trust::text::float8 AS trust,
           extract(epoch FROM r.updated_at - timestamptz '2000-01-01 00:00:00+00')::float8 AS t
      FROM ci.identity_link l
      JOIN ci.source_record r ON r.record_id = l.record_id
      JOIN ci.source s ON s.source = r.source
     WHERE :plain_where
),
given AS (
    SELECT DISTINCT ON (identity_id) identity_id, given_name FROM src WHERE given_name IS NOT NULL
     ORDER BY identity_id, count(*) OVER (PARTITION BY identity_id, given_name) DESC, char_length(given_name) DESC,
              updated_at DESC, source COLLATE "C", given_name, record_id),
family AS (
    SELECT DISTINCT ON (identity_id) identity_id, family_name FROM src WHERE family_name IS NOT NULL
     ORDER BY identity_id, count(*) OVER (PARTITION BY identity_id, family_name) DESC, char_length(family_name) DESC,
              updated_at DESC, source COLLATE "C", family_name, record_id),
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
    SELECT DISTINCT ON (identity_id) identity_id, street FROM src WHERE street IS NOT NULL
     ORDER BY identity_id, ln(trust) + t * ln(2::float8) / 31536000 DESC, updated_at DESC, source COLLATE "C", street, record_id),
city AS (
    SELECT DISTINCT ON (identity_id) identity_id, city FROM src WHERE city IS NOT NULL
     ORDER BY identity_id, ln(trust) + t * ln(2::float8) / 31536000 DESC, updated_at DESC, source COLLATE "C", city, record_id),
postcode AS (
    SELECT DISTINCT ON (identity_id) identity_id, postcode FROM src WHERE postcode IS NOT NULL
     ORDER BY identity_id, ln(trust) + t * ln(2::float8) / 31536000 DESC, updated_at DESC, source COLLATE "C", postcode, record_id),
country AS (
    SELECT DISTINCT ON (identity_id) identity_id, country FROM src WHERE country IS NOT NULL
     ORDER BY identity_id, count(*) OVER (PARTITION BY identity_id, country) DESC,
              updated_at DESC, source COLLATE "C", country, record_id),
ids AS (SELECT DISTINCT identity_id FROM src)
SELECT ids.identity_id, given.given_name, family.family_name, mail.email, phone.phone, birth.birth_date,
       nid.national_id, street.street, city.city, postcode.postcode, country.country
  FROM ids
  LEFT JOIN given USING (identity_id) LEFT JOIN family USING (identity_id) LEFT JOIN mail USING (identity_id)
  LEFT JOIN phone USING (identity_id) LEFT JOIN birth USING (identity_id) LEFT JOIN nid USING (identity_id)
  LEFT JOIN street USING (identity_id) LEFT JOIN city USING (identity_id) LEFT JOIN postcode USING (identity_id)
  LEFT JOIN country USING (identity_id);
