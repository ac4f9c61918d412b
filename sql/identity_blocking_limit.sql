-- max_candidate_pairs limits the distinct candidate pairs of a run (the
-- union of the blocking rules' pairs), not the sum of each rule's pairs: a
-- pair that several rules produce counts once.  ci.estimate_blocking's
-- cumulative_pairs is that sum, an upper bound of the union.
SET client_min_messages = warning;
BEGIN;
DELETE FROM ci.identity_link;
DELETE FROM ci.match_decision;
DELETE FROM ci.match_review;
DELETE FROM ci.source_record;
-- the same person in two sources, identical: nearly every rule pairs them
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country)
SELECT s, s || '-1', 'Ann', 'Lee', 'ann.lee@example.com', '+61 2 9876 5432', '1980-01-02', 'AB123456', '1 Main Street', 'Sydney', '2000', 'AU'
  FROM unnest(ARRAY['crm', 'web']) s;
SELECT count(*) AS rules_pairing_them, max(cumulative_pairs) AS sum_of_rule_pairs
  FROM ci.estimate_blocking() WHERE candidate_pairs > 0;
-- one distinct pair: a limit of 1 is enough
UPDATE ci.match_model SET max_candidate_pairs = 1 WHERE model = 'default';
SELECT records, candidate_pairs, links, identities FROM ci.resolve_identities(retrain => false);
-- a third copy: three distinct pairs, past a limit of 2
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country)
SELECT 'pos', 'pos-1', given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country
  FROM ci.source_record WHERE source_key = 'crm-1';
UPDATE ci.match_model SET max_candidate_pairs = 2 WHERE model = 'default';
SAVEPOINT s;
SELECT records FROM ci.resolve_identities(retrain => false);
ROLLBACK TO s;
UPDATE ci.match_model SET max_candidate_pairs = 3 WHERE model = 'default';
SELECT records, candidate_pairs, links, identities FROM ci.resolve_identities(retrain => false);
ROLLBACK;
