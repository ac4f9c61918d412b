-- ci.golden_conflict compares e-mail domains after ci.normalize_email:
-- googlemail.com is gmail.com, a Unicode domain is its punycode; an address
-- that does not normalise is compared by its lower-cased domain.
SET client_min_messages = warning;
BEGIN;
DELETE FROM ci.identity_link;
DELETE FROM ci.match_decision;
DELETE FROM ci.match_review;
DELETE FROM ci.source_record;
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email) VALUES
    ('crm', 'jo-1', 'Jo', 'Park', 'jo.park@gmail.com'),
    ('web', 'jo-2', 'Jo', 'Park', 'Jo.Park+news@GoogleMail.com'),
    ('crm', 'ul-1', 'Ul', 'Berg', 'ul@bücher.de'),
    ('web', 'ul-2', 'Ul', 'Berg', 'UL@xn--bcher-kva.de'),
    ('crm', 'al-1', 'Al', 'Ford', 'al@example.com'),
    ('web', 'al-2', 'Al', 'Ford', 'al@example.org'),
    ('pos', 'al-3', 'Al', 'Ford', 'al at example (dot) com');
INSERT INTO ci.identity (identity_id) SELECT i FROM generate_series(-3, -1) i;
INSERT INTO ci.identity_link (record_id, identity_id, rule)
SELECT record_id, CASE left(source_key, 2) WHEN 'jo' THEN -1 WHEN 'ul' THEN -2 ELSE -3 END, 'test'
  FROM ci.source_record;
SELECT identity_id, attribute, reason, distinct_values,
       (SELECT string_agg(c ->> 'value', ' | ' ORDER BY c ->> 'value') FROM jsonb_array_elements(candidates) c) AS values
  FROM ci.golden_conflict WHERE identity_id < 0 ORDER BY identity_id;
ROLLBACK;
