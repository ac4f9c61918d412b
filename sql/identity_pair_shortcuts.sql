-- Shortcuts of the full run's blocking and comparing (issue 13, h-pairs7),
-- none of which may change a result:
--  * character signatures: a pair of values whose characters alone rule
--    out every threshold of a Jaro-Winkler or edit-distance comparison
--    (household members' given names, given against family name
--    crosswise, other people's e-mails) gets its level without the kernel;
--  * tokens(column) keys read each value's token ids from a per-run memo;
--  * which skipping rule's blocks a record sat in is packed into bits and
--    read only when such a rule holds for a pair.
-- This file's expected output was made by the build before them (main
-- 2a3b2c0): links, review pairs, events and trained parameters (md5 over
-- all rows) and the levels ci.explain_match shows (it computes the
-- similarities themselves, the shortcuts aside) must stay as they were.
-- A database of its own: identity and event ids then start where a fresh
-- install starts them, whatever other tests left behind.
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS ci_regress_shortcuts;
CREATE DATABASE ci_regress_shortcuts;
\c ci_regress_shortcuts
SET client_min_messages = warning;
CREATE EXTENSION customer_intel;
\set ECHO none
\set generate false
\i bench/generate_customers.sql
\set ECHO all
SET client_min_messages = warning;
SELECT persons, records FROM ci_bench.generate_customers(1500, 13, replace_existing => true);

-- Near the thresholds, by hand: a slip in a given name (close), a name
-- swapped with a slip (loose, swapped), nicknames with a slip, e-mails one
-- edit apart and many apart, a city one letter off (the grouped place).
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, phone, birth_date, street, city, postcode) VALUES
    ('crm', 'x-1', 'Katherine', 'Oyelaran', 'k.oyelaran@example.org', '+44 20 7946 0011', '1981-02-17', '4 Quay Road', 'Plymouth', 'PL1 2AB'),
    ('web', 'x-2', 'Katherina', 'Oyelaran', 'k.oyelarna@example.org', '+44 20 7946 0011', '1981-02-17', '4 Quay Rd', 'Plymuoth', 'PL1 2AB'),
    ('pos', 'x-3', 'Oyelarn', 'Katherine', 'ko@example.net', NULL, '1981-02-17', NULL, 'Plymouth', NULL),
    ('crm', 'x-4', 'Billy', 'Tregarthen', 'billy.t@example.com', NULL, '1990-06-30', '9 Fore Street', 'Truro', 'TR1 1AA'),
    ('web', 'x-5', 'Willia', 'Tregarthen', 'zq@example.com', NULL, '1990-06-30', '9 Fore Street', 'Truro', 'TR1 1AA'),
    ('pos', 'x-6', 'Wiliam', 'Tregarthen', NULL, NULL, '1990-06-30', '9 Fore St', 'Turro', 'TR1 1AA'),
    ('crm', 'x-7', 'Mo', 'Ng', 'mo@ng.io', NULL, '1975-11-02', '1 A St', 'Ely', 'CB7 4AA'),
    ('web', 'x-8', 'Om', 'Gn', 'om@gn.io', NULL, '1975-11-02', '1 A St', 'Ely', 'CB7 4AA');

-- The default model as that build had it: phonetic_family_initial came
-- later (it changes which pairs are compared, not how).
DELETE FROM ci.match_blocking_rule WHERE model = 'default' AND rule = 'phonetic_family_initial';

-- Blocks skipped by three plain rules and a tokens(...) rule, so that the
-- skipped-block bits take more than one bit per record.
UPDATE ci.match_blocking_rule SET max_block_size = 3
 WHERE model = 'default' AND rule IN ('birth_date_city', 'street_city', 'phonetic_names', 'name_tokens');
SELECT rule, skipped_blocks > 0 AS skips FROM ci.estimate_blocking('default')
 WHERE rule IN ('birth_date_city', 'street_city', 'phonetic_names', 'name_tokens') ORDER BY rule;
SELECT records, candidate_pairs, links, review_pairs, identities
  FROM ci.resolve_identities('default', retrain => true);
SELECT min(identity_id) AS i0 FROM ci.identity \gset
SELECT (SELECT md5(string_agg(format('%s %s %s %s', record_id, identity_id - :i0, match_probability, rule), ',' ORDER BY record_id)) FROM ci.identity_link) AS links_md5,
       (SELECT md5(string_agg(format('%s %s %s %s', record_a, record_b, match_probability, match_weight), ',' ORDER BY record_a, record_b)) FROM ci.match_review) AS review_md5,
       (SELECT md5(string_agg(format('%s %s %s %s %s', event, identity_id - :i0, other_id - :i0, record_ids, detail), ',' ORDER BY event_id)) FROM ci.identity_event) AS events_md5,
       (SELECT md5(m.training::text) FROM ci.match_model m WHERE model = 'default') AS training_md5;

-- the hand-made pairs, comparison by comparison
CREATE TEMP VIEW rid AS SELECT source_key AS k, record_id AS id FROM ci.source_record;
CREATE FUNCTION pg_temp.levels(a text, b text) RETURNS TABLE (comparison text, value_a text, value_b text, level text)
    LANGUAGE sql AS $$
    SELECT e.comparison, e.value_a, e.value_b, e.level
      FROM ci.explain_match((SELECT id FROM rid WHERE k = a), (SELECT id FROM rid WHERE k = b)) e
     WHERE e.comparison NOT IN ('prior') ORDER BY e.step $$;
SELECT * FROM pg_temp.levels('x-1', 'x-2');
SELECT * FROM pg_temp.levels('x-1', 'x-3');
SELECT * FROM pg_temp.levels('x-4', 'x-5');
SELECT * FROM pg_temp.levels('x-5', 'x-6');
SELECT * FROM pg_temp.levels('x-7', 'x-8');
-- the same records linked as before
SELECT k, dense_rank() OVER (ORDER BY l.identity_id) AS identity
  FROM rid JOIN ci.identity_link l ON l.record_id = rid.id WHERE k LIKE 'x-%' ORDER BY k;

-- a second run in the session (the memo and the packed bits are per run)
SELECT records, candidate_pairs, links, review_pairs
  FROM ci.resolve_identities('default', retrain => false);
\c :regress_db
SET client_min_messages = warning;
DROP DATABASE ci_regress_shortcuts;
