-- Golden profiles: the phone in E.164, the address as one group, and rule,
-- attribute or trust changes that mark every profile stale.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
TRUNCATE ci.source_record, ci.identity, ci.identity_link, ci.identity_event, ci.golden_profile,
         ci.golden_override, ci.golden_dirty, ci.golden_stale, ci.match_decision, ci.match_review RESTART IDENTITY CASCADE;

-- Identity 1: the newest phone is written nationally ('030 …' with country
-- DE); its E.164 form survives.  Identity 2: the newest phone has no E.164
-- form, so it survives as received (trimmed).  The crm record of identity 1
-- is the most trusted but old; the web record is recent but has no
-- postcode; the pos record is complete.
INSERT INTO ci.source_record (record_id, source, source_key, given_name, email, phone, street, city, postcode, country, updated_at) VALUES
  (1, 'crm', 'c1', 'Eva', 'Eva@Example.com',  '+49 30 1234567', 'Alte Str. 1',   'Berlin',  '10115', 'DE', '2020-01-01'),
  (2, 'web', 'w1', 'Eva', 'eva@example.com',  '030 7654321',    'Neue Str. 2',   'Hamburg', NULL,    'DE', '2024-06-01'),
  (3, 'pos', 'p1', 'Eva', NULL,               NULL,             'Markt 3',       'Köln',    '50667', 'DE', '2023-01-01'),
  (4, 'crm', 'c2', 'Max', NULL,               '+49 40 555',     NULL,            'Bonn',    '53111', 'DE', '2023-01-01'),
  (5, 'web', 'w2', 'Max', NULL,               ' call me later ', NULL,           'Essen',   NULL,    'DE', '2024-01-01');
INSERT INTO ci.identity SELECT FROM generate_series(1, 2);
INSERT INTO ci.identity_link (record_id, identity_id, match_probability, rule) VALUES
  (1, 1, 0.9, 'test'), (2, 1, 0.9, 'test'), (3, 1, 0.9, 'test'), (4, 2, 0.9, 'test'), (5, 2, 0.9, 'test');
SELECT record_id, phone, phone_e164 FROM ci.source_record ORDER BY record_id;

-- The attributes and their groups: street leads the address group.
SELECT attribute, position, survive_group FROM ci.golden_attribute ORDER BY position;

SELECT ci.build_golden_profiles() AS written;
-- Phone: E.164 of the winning (most recent) record; identity 2's newest
-- phone has no E.164 form and is kept as received, trimmed.  Email: shown as
-- received.  Address: street wins by trust_recency (record 2, the recent
-- web record); city, postcode and country come from the same record, so the
-- postcode is NULL rather than another record's.
SELECT identity_id, phone, email, street, city, postcode, country FROM ci.golden_profile ORDER BY identity_id;
SELECT attribute, value, record_id, source, rule FROM ci.golden_lineage(1)
 WHERE attribute IN ('phone', 'street', 'city', 'postcode', 'country');
SELECT lineage -> 'postcode' AS postcode_lineage FROM ci.golden_profile WHERE identity_id = 1;
-- Identity 2 has no street at all: its members survive by their own rules
-- (city and postcode by trust_recency, country by most_frequent).
SELECT attribute, value, record_id, source, rule FROM ci.golden_lineage(2)
 WHERE attribute IN ('phone', 'street', 'city', 'postcode', 'country');

-- The generated statement: one aggregate per lead and ungrouped attribute,
-- the members read from the lead's winning record.
SELECT line FROM regexp_split_to_table(ci.golden_profile_sql(), E'\n') line
 WHERE line ~ 'JOIN|AS city|AS given_name|AS phone';

-- Email counted by its key (email_norm) when its rule counts: with a
-- most_frequent rule, Eva's two spellings are one address; the shown
-- spelling is the most recent of the two (each is seen once).
UPDATE ci.survivorship_rule SET priority = priority + 10 WHERE attribute = 'email';
INSERT INTO ci.survivorship_rule (attribute, priority, kind, tie_break) VALUES ('email', 1, 'most_frequent', 'most_recent');

-- Rule changes mark every profile stale: one flag row per statement, no
-- identity queued.  The next incremental refresh rebuilds everything.
SELECT reason, flagged_by = current_user AS by_me FROM ci.golden_stale ORDER BY seq;
SELECT count(*) AS queued FROM ci.golden_dirty;
SELECT ci.refresh_golden_profiles() AS refreshed;
SELECT identity_id, email, lineage -> 'email' ->> 'rule' AS rule, lineage -> 'email' ->> 'support' AS support
  FROM ci.golden_profile ORDER BY identity_id;
SELECT count(*) AS stale_after_refresh FROM ci.golden_stale;
DELETE FROM ci.survivorship_rule WHERE attribute = 'email' AND priority = 1;
UPDATE ci.survivorship_rule SET priority = priority - 10 WHERE attribute = 'email';

-- Trust changes in ci.source: only a change of trust flags; the
-- description does not.  With crm trusted far more, identity 1's address
-- now comes whole from the crm record.
SELECT ci.build_golden_profiles() AS written;
UPDATE ci.source SET description = description WHERE source = 'crm';
SELECT count(*) AS stale_after_description FROM ci.golden_stale;
UPDATE ci.survivorship_rule SET half_life = '100 years' WHERE attribute = 'street';
SELECT reason FROM ci.golden_stale ORDER BY seq;
SELECT ci.refresh_golden_profiles() AS refreshed;
SELECT identity_id, street, city, postcode FROM ci.golden_profile ORDER BY identity_id;
UPDATE ci.source SET trust = 0.01 WHERE source = 'crm';
SELECT reason FROM ci.golden_stale ORDER BY seq;
SELECT ci.refresh_golden_profiles() AS refreshed;
SELECT identity_id, street, city, postcode FROM ci.golden_profile ORDER BY identity_id;
UPDATE ci.source SET trust = 0.9 WHERE source = 'crm';
UPDATE ci.survivorship_rule SET half_life = '365 days' WHERE attribute = 'street';

-- Groups are data: move country out of the address group (an attribute
-- change, flagged too) and it survives by its own rule again.
UPDATE ci.golden_attribute SET survive_group = NULL WHERE attribute = 'country';
SELECT reason FROM ci.golden_stale ORDER BY seq;
SELECT ci.refresh_golden_profiles() AS refreshed;
SELECT attribute, value, record_id, rule FROM ci.golden_lineage(1) WHERE attribute IN ('street', 'country');
UPDATE ci.golden_attribute SET survive_group = 'address' WHERE attribute = 'country';
-- A group of one is no group: the phone survives by its own rule, and the
-- statement joins no winning record for it.
UPDATE ci.golden_attribute SET survive_group = 'contact' WHERE attribute = 'phone';
SELECT ci.golden_profile_sql() LIKE '%w_contact%' AS joins_for_contact,
       ci.golden_profile_sql() LIKE '%w_address%' AS joins_for_address;
UPDATE ci.golden_attribute SET survive_group = NULL WHERE attribute = 'phone';
\set VERBOSITY terse
UPDATE ci.golden_attribute SET survive_group = 'Address!' WHERE attribute = 'country';
\set VERBOSITY default

-- A pinned member keeps its pin; the rest of the group follows the lead.
-- (Restoring the group above flagged a rebuild: this refresh recomputes all.)
SELECT ci.pin_golden_value(1, 'city', 'Berlin-Mitte', 'customer moved within Berlin');
SELECT ci.refresh_golden_profiles() AS refreshed;
SELECT identity_id, street, city, postcode FROM ci.golden_profile WHERE identity_id = 1;

-- Without a stale flag the refresh stays incremental: nothing queued,
-- nothing recomputed.
SELECT count(*) AS stale FROM ci.golden_stale;
SELECT ci.refresh_golden_profiles() AS refreshed;

TRUNCATE ci.source_record, ci.identity, ci.identity_link, ci.identity_event, ci.golden_profile,
         ci.golden_override, ci.golden_dirty, ci.golden_stale, ci.match_decision, ci.match_review RESTART IDENTITY CASCADE;
