-- Golden profiles from the canonical tables: rules, build, lineage,
-- incremental refresh, steward overrides, unmerge and the conflict queue.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- Tests share one database: start from empty canonical tables.
TRUNCATE ci.source_record, ci.identity, ci.identity_link, ci.identity_event, ci.golden_profile,
         ci.golden_override, ci.golden_dirty, ci.match_decision, ci.match_review RESTART IDENTITY CASCADE;

-- Two customers, four sources.  Identity 1 has three records, identity 2 two.
INSERT INTO ci.source_record (record_id, source, source_key, given_name, family_name, email, phone, birth_date,
                              national_id, street, city, postcode, country, attributes, updated_at) VALUES
  (1, 'crm', 'c1', 'Jon',      'Smith', 'jon@crm.example',   '+441', '1980-02-03', 'AB-123', '1 High St',  'Leeds', 'LS1', 'GB', '{"email_verified": true}', '2023-01-01'),
  (2, 'web', 'w1', 'Jonathan', 'Smith', 'jon@web.example',   '+442', '1980-02-03', NULL,     '9 New Road', 'York',  'YO1', 'GB', '{}',                        '2024-06-01'),
  (3, 'pos', 'p1', 'Jon',      'Smyth', NULL,                NULL,   '1980-03-02', 'ab123',  NULL,         NULL,    NULL,  'GB', '{}',                        '2024-01-01'),
  (4, 'crm', 'c2', 'Mary',     'Jones', 'mary@crm.example',  NULL,   '1975-07-07', 'ZZ-9',   '5 Mill Lane', 'Hull', 'HU1', 'GB', '{"email_verified": false}', '2022-01-01'),
  (5, 'support', 's1', 'Mary', 'Jones', 'mary@help.example', '+445', NULL,         NULL,     NULL,          NULL,   NULL,  'IE', '{}',                        '2024-02-01');
INSERT INTO ci.identity SELECT FROM generate_series(1, 2);  -- identities 1 and 2
INSERT INTO ci.identity_link (record_id, identity_id, match_probability, rule) VALUES
  (1, 1, 0.99, 'test'), (2, 1, 0.97, 'test'), (3, 1, 0.95, 'test'), (4, 2, 0.99, 'test'), (5, 2, 0.98, 'test');

-- The shipped default rules, one chain per attribute.
SELECT attribute, priority, kind, sources, tie_break, half_life, condition
  FROM ci.survivorship_rule ORDER BY attribute, priority;

-- Build every profile in one call.
SELECT ci.build_golden_profiles() AS written;
SELECT identity_id, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country,
       record_count, sources
  FROM ci.golden_profile ORDER BY identity_id;

-- Lineage, field by field.  Identity 1's email comes from the verified CRM
-- record by the scoped first rule; identity 2's CRM e-mail is not verified,
-- so the chain falls through to trust_recency, and the newer support address wins.
-- City, postcode and country follow the street's record (the address group):
-- identity 2's country is GB, from the crm record that has the street,
-- not IE from the support record that has none.
SELECT attribute, value, record_id, source, rule, support, beaten
  FROM ci.golden_lineage(1);
SELECT attribute, value, record_id, source, rule
  FROM ci.golden_lineage(2) WHERE attribute IN ('email', 'country', 'birth_date');
SELECT jsonb_pretty(ci.golden_profile_json(2) -> 'lineage' -> 'email');

-- Incremental refresh: changes queue their identities; only those are recomputed.
SELECT count(*) AS queued FROM ci.golden_dirty;
UPDATE ci.source_record SET phone = '+449', updated_at = '2025-01-01' WHERE record_id = 4;
UPDATE ci.source_record SET phone = phone WHERE record_id = 5;  -- no real change: not queued
SELECT identity_id FROM ci.golden_dirty;
SELECT ci.refresh_golden_profiles() AS refreshed;
SELECT identity_id, phone FROM ci.golden_profile ORDER BY identity_id;
SELECT count(*) AS queued FROM ci.golden_dirty;

-- Rules change profiles after a rebuild: national ids from pos first.
UPDATE ci.survivorship_rule SET sources = '{pos,crm}' WHERE attribute = 'national_id';
SELECT ci.build_golden_profiles() AS written;
SELECT identity_id, national_id FROM ci.golden_profile ORDER BY identity_id;
UPDATE ci.survivorship_rule SET sources = '{crm,pos,support,web}' WHERE attribute = 'national_id';

-- A chain with min and first_non_null by record id, on a test-only basis.
-- The street now comes from record 1 (the first by record id); postcode is
-- in the street's address group, so it is record 1's LS1, not YO1 from
-- another record (its own chain applies only when no record has a street).
INSERT INTO ci.survivorship_rule (attribute, priority, kind) VALUES ('postcode', 2, 'min');
UPDATE ci.survivorship_rule SET kind = 'first_non_null', order_by = 'record_id', half_life = NULL
 WHERE attribute = 'street' AND priority = 1;
SELECT ci.build_golden_profiles() AS written;
SELECT identity_id, street, postcode, lineage -> 'street' ->> 'rule' AS street_rule FROM ci.golden_profile ORDER BY 1;
DELETE FROM ci.survivorship_rule WHERE attribute = 'postcode' AND priority = 2;
UPDATE ci.survivorship_rule SET kind = 'trust_recency', order_by = NULL, half_life = '365 days'
 WHERE attribute = 'street' AND priority = 1;

-- Bad rules are refused with a clear message.
\set VERBOSITY terse
INSERT INTO ci.survivorship_rule (attribute, priority, kind) VALUES ('shoe_size', 1, 'most_recent');
INSERT INTO ci.survivorship_rule (attribute, priority, kind, sources) VALUES ('email', 5, 'source_priority', '{crm,erp}');
INSERT INTO ci.survivorship_rule (attribute, priority, kind) VALUES ('birth_date', 5, 'longest');
INSERT INTO ci.survivorship_rule (attribute, priority, kind) VALUES ('email', 5, 'source_priority');
INSERT INTO ci.survivorship_rule (attribute, priority, kind, tie_break) VALUES ('email', 5, 'most_recent', 'longest');
INSERT INTO ci.survivorship_rule (attribute, priority, kind) VALUES ('email', 5, 'newest');
INSERT INTO ci.survivorship_rule (attribute, priority, kind, condition) VALUES ('email', 5, 'most_recent', '"verified"');
INSERT INTO ci.survivorship_rule (attribute, priority, kind, sources) VALUES ('email', 5, 'source_priority', '{crm,crm}');
INSERT INTO ci.survivorship_rule (attribute, priority, kind) VALUES ('email', 1, 'most_recent');
\set VERBOSITY default

-- Steward override: pinned values survive refreshes and rebuilds, with who and why.
SELECT ci.pin_golden_value(1, 'given_name', 'Jonathan', 'customer called to correct the name');
SELECT ci.build_golden_profiles() AS written;
SELECT attribute, value, pinned, pin_reason, record_id, rule FROM ci.golden_lineage(1) WHERE attribute = 'given_name';
SELECT ci.pin_golden_value(1, 'birth_date', '1980-02-03', 'passport seen');
SELECT birth_date, lineage -> 'birth_date' -> 'pinned' ->> 'reason' AS why FROM ci.golden_profile WHERE identity_id = 1;
\set VERBOSITY terse
SELECT ci.pin_golden_value(1, 'birth_date', 'not a date', 'typo');
SELECT ci.pin_golden_value(1, 'shoe_size', '42', 'x');
SELECT ci.pin_golden_value(1, 'email', 'a@b.c', NULL);
SELECT ci.pin_golden_value(99, 'email', 'a@b.c', 'no such identity');
\set VERBOSITY default
SELECT ci.unpin_golden_value(1, 'given_name') AS unpinned, ci.unpin_golden_value(1, 'given_name') AS again;
SELECT given_name FROM ci.golden_profile WHERE identity_id = 1;

-- The conflict queue: identity 1's records disagree on the birth date
-- (pinned already) and on the e-mail domain; national ids AB-123 and ab123
-- are the same once punctuation and case are ignored.  Identity 2's e-mails
-- are in different domains.
SELECT identity_id, attribute, reason, distinct_values, survivor, pinned, candidates
  FROM ci.golden_conflict ORDER BY identity_id, attribute;

-- Unmerge: record 3 leaves identity 1 for a new identity; both profiles are
-- recomputed, the split is logged, and identity resolution is told to keep
-- record 3 apart from records 1 and 2.
SELECT ci.unmerge_records(ARRAY[3::bigint], NULL, 'different person: Smyth') AS new_identity \gset
SELECT :new_identity > 2 AS is_new;
SELECT identity_id = :new_identity AS is_new_identity, given_name, family_name, national_id, record_count
  FROM ci.golden_profile ORDER BY identity_id;
SELECT record_a, record_b, decision, note FROM ci.match_decision ORDER BY 1, 2;
SELECT event, identity_id = 1 AS from_1, other_id = :new_identity AS to_new, record_ids, detail ->> 'reason' AS reason
  FROM ci.identity_event WHERE event IN ('unmerge', 'create') ORDER BY event_id;
-- into a given identity, here a fresh one the steward made
INSERT INTO ci.identity DEFAULT VALUES RETURNING identity_id = :new_identity + 1 AS next_id;
SELECT ci.unmerge_records(ARRAY[5::bigint], :new_identity + 1, 'support record is the other Mary') = :new_identity + 1 AS into_given;
SELECT identity_id - :new_identity AS identity_offset, given_name, email, record_count FROM ci.golden_profile ORDER BY identity_id;
\set VERBOSITY terse
SELECT ci.unmerge_records(ARRAY[4::bigint], NULL, 'last record') IS NOT NULL;
SELECT ci.unmerge_records(ARRAY[1::bigint, 4], NULL, 'two identities');
SELECT ci.unmerge_records(ARRAY[77::bigint], NULL, 'unknown');
SELECT ci.unmerge_records('{}', NULL, 'empty');
SELECT ci.unmerge_records(ARRAY[1::bigint], 1, 'same identity');
SELECT ci.unmerge_records(ARRAY[1::bigint], 999, 'no such identity');
\set VERBOSITY default

-- Links that move or vanish are picked up by the queue; an identity left
-- without records loses its profile.
DELETE FROM ci.source_record WHERE record_id = 3;
SELECT ci.refresh_golden_profiles() AS refreshed;
SELECT identity_id, record_count FROM ci.golden_profile ORDER BY identity_id;
SELECT count(*) AS orphan_profiles FROM ci.golden_profile WHERE identity_id = :new_identity;

-- most_frequent compares names by their normalised form (family_name_norm):
-- 'Köhler' and 'KÖHLER' are one name seen twice, so the swapped-name record
-- ('Brigitte' as family name, longer) no longer wins a 1:1:1 tie by length.
-- The value shown is the best-written variant of the winning key: the most
-- frequent trimmed spelling, then the most recent.  Text survivors lose
-- surrounding white space; a blank value counts as no value.
INSERT INTO ci.source_record (record_id, source, source_key, given_name, family_name, email, updated_at) VALUES
  (20, 'crm', 'k1', 'Brigitte', 'Köhler',   ' jenniferunderham+spam@sky.com ', '2024-03-01'),
  (21, 'web', 'k2', 'BRIGITTE', 'KÖHLER',   E'\t ', '2024-01-01'),
  (22, 'pos', 'k3', 'Köhler',   'Brigitte', NULL, '2023-01-01');
INSERT INTO ci.identity (identity_id) VALUES (100);
INSERT INTO ci.identity_link (record_id, identity_id, match_probability, rule) VALUES
  (20, 100, 0.9, 'test'), (21, 100, 0.9, 'test'), (22, 100, 0.9, 'test');
SELECT ci.refresh_golden_profiles() AS refreshed;
SELECT given_name, family_name, '[' || email || ']' AS email FROM ci.golden_profile WHERE identity_id = 100;
SELECT attribute, value, record_id, rule, support, beaten
  FROM ci.golden_lineage(100) WHERE attribute IN ('given_name', 'family_name', 'email');
-- the representative is the most frequent spelling: two 'KÖHLER' beat one 'Köhler'
UPDATE ci.source_record SET family_name = ' KÖHLER' WHERE record_id = 22;
SELECT ci.refresh_golden_profiles() AS refreshed;
SELECT family_name, lineage -> 'family_name' ->> 'support' AS support FROM ci.golden_profile WHERE identity_id = 100;

-- Leave the canonical tables empty for the tests that follow.
TRUNCATE ci.source_record, ci.identity, ci.identity_link, ci.identity_event, ci.golden_profile,
         ci.golden_override, ci.golden_dirty, ci.match_decision, ci.match_review RESTART IDENTITY CASCADE;
