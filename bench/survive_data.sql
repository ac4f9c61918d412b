-- Survivorship benchmark data: :records source records spread over
-- :identities identities (2–3 records each at the default 1,000,000 /
-- 400,000), written straight into ci.source_record, ci.identity and
-- ci.identity_link.  Deterministic: setseed, and record i belongs to
-- identity 1 + (i::bigint * 7919) % :identities.
\if :{?records}
\else
\set records 1000000
\endif
\if :{?identities}
\else
\set identities 400000
\endif
\set ON_ERROR_STOP on
SELECT setseed(0.42);
SET synchronous_commit = off;
ALTER TABLE ci.identity_link DISABLE TRIGGER golden_queue_link_insert;
INSERT INTO ci.identity (identity_id, created_at, updated_at)
SELECT i, '2024-01-01', '2024-01-01' FROM generate_series(1, :identities) i;
INSERT INTO ci.source_record (record_id, source, source_key, given_name, family_name, email, phone,
                              birth_date, national_id, street, city, postcode, country, attributes, updated_at)
SELECT i,
       (ARRAY['crm', 'pos', 'support', 'web'])[1 + floor(random() * 4)::int],
       'k' || i,
       CASE WHEN random() < 0.05 THEN NULL
            ELSE (ARRAY['Anna', 'Ann', 'Bernd', 'Carla', 'Dieter', 'Eva', 'Frank', 'Greta', 'Hans', 'Ida'])[1 + (id % 10)]
                 || CASE WHEN random() < 0.1 THEN 'a' ELSE '' END END,
       (ARRAY['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker'])[1 + (id / 10 % 8)],
       CASE WHEN random() < 0.2 THEN NULL
            ELSE 'user' || id || (ARRAY['@example.com', '@mail.de', '@web.de'])[1 + (random() * 1.7)::int] END,
       CASE WHEN random() < 0.3 THEN NULL ELSE '+4930' || (1000000 + (random() * 8999999)::int) END,
       CASE WHEN random() < 0.1 THEN NULL
            ELSE date '1950-01-01' + (id * 37 % 20000)::int + CASE WHEN random() < 0.05 THEN 1 ELSE 0 END END,
       CASE WHEN random() < 0.5 THEN NULL ELSE 'DE' || (100000000 + id) END,
       'Hauptstr. ' || (1 + (random() * 120)::int),
       (ARRAY['Berlin', 'Hamburg', 'München', 'Köln'])[1 + (id % 4)],
       lpad(((id * 13) % 99999)::text, 5, '0'),
       'DE',
       CASE WHEN random() < 0.5 THEN '{"email_verified": true}' ELSE '{}' END::jsonb,
       timestamptz '2021-01-01' + random() * interval '1000 days'
  FROM (SELECT i, (1 + (i::bigint * 7919) % :identities)::int AS id FROM generate_series(1, :records) i) s;
INSERT INTO ci.identity_link (record_id, identity_id, match_probability, rule, linked_at)
SELECT i, 1 + (i::bigint * 7919) % :identities, 0.99, 'bench', '2024-01-01' FROM generate_series(1, :records) i;
ALTER TABLE ci.identity_link ENABLE TRIGGER golden_queue_link_insert;
SELECT setval(pg_get_serial_sequence('ci.source_record', 'record_id'), :records);
SELECT setval(pg_get_serial_sequence('ci.identity', 'identity_id'), :identities);
VACUUM ANALYZE ci.source_record;
VACUUM ANALYZE ci.identity;
VACUUM ANALYZE ci.identity_link;
