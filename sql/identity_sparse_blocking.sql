-- Blocking for sparse records (issue 13): rules of the default model that
-- need no contact field, multi-valued tokens(column) keys, max_block_size,
-- blocking coverage; duplicate-free sources in the full run and in
-- ci.resolve_record; threshold guidance.
SET client_min_messages = notice;
BEGIN;
DELETE FROM ci.identity_link;
DELETE FROM ci.match_decision;
DELETE FROM ci.match_review;
DELETE FROM ci.source_record;
CREATE TEMP VIEW rid AS SELECT source_key AS k, record_id AS id FROM ci.source_record;
CREATE TEMP VIEW pairs AS
SELECT a.k AS a, b.k AS b, c.rules
FROM ci.candidate_pairs('default') c JOIN rid a ON a.id = c.record_a JOIN rid b ON b.id = c.record_b
ORDER BY 1, 2;

-- Records that share names only: one has an e-mail, the other an address;
-- a double given name and a double family name; given and family name
-- swapped with nothing else shared (the phonetic name pair alone,
-- phonetic_names).
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, street, city, postcode, country) VALUES
    ('crm', 'anna-1', 'Anna Maria', 'Schmidt-Weber', 'anna.sw@example.com', NULL, NULL, NULL, 'DE'),
    ('web', 'anna-2', 'Anna',       'Weber',         NULL, 'Hauptstraße 1', 'Berlin', '10115', 'DE'),
    ('crm', 'hans-1', 'Hans',       'Meier',         'hm@example.com', NULL, NULL, NULL, 'DE'),
    ('pos', 'hans-2', 'Meier',      'Hans',          NULL, NULL, 'Köln', NULL, 'DE'),
    ('crm', 'otto-1', 'Otto',       'Lang',          NULL, NULL, NULL, NULL, 'DE'),
    -- two shared given-name tokens: still one candidate pair
    ('crm', 'mia-1',  'Maria Sofia', 'Berg',         NULL, NULL, NULL, NULL, 'DE'),
    ('web', 'mia-2',  'Sofia Maria', 'Berg-Lind',    NULL, NULL, NULL, NULL, 'DE');

-- The default model compares them now; with only its 0.1.0 rules, never.
SELECT * FROM pairs;
SAVEPOINT old_rules;
DELETE FROM ci.match_blocking_rule WHERE model = 'default' AND ordinal > 24;
SELECT count(*) AS pairs_with_010_rules FROM pairs;
ROLLBACK TO old_rules;

-- estimate_blocking counts a token rule's pairs (a pair sharing two tokens
-- is counted in both blocks: an upper bound) and names rules that can never
-- fire (no record has a national id here).
SELECT rule, keys, candidate_pairs, largest_block, skipped_blocks
FROM ci.estimate_blocking() WHERE rule IN ('name_tokens', 'phonetic_family_initial_birth_date', 'phonetic_family_initial_city');

-- which records can meet another at all, by the fields they have
SELECT fields, records, with_keys, met, met_share FROM ci.blocking_coverage();

-- malformed tokens keys
SAVEPOINT bad_key;
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys) VALUES ('default', 'bad', 99, '{tokens(given_name_norm, 2)}');
SELECT count(*) FROM ci.candidate_pairs();
ROLLBACK TO bad_key;
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys) VALUES ('default', 'bad', 99, '{tokens(nosuch)}');
SELECT count(*) FROM ci.candidate_pairs();
ROLLBACK TO bad_key;

-- A very common key: blocks of more than max_block_size records are
-- skipped, with a notice; estimate_blocking lists them.
INSERT INTO ci.source_record (source, source_key, given_name, family_name, country)
SELECT 'web', 'otto-' || i, 'Otto', 'Lang', 'DE' FROM generate_series(2, 4) i;
UPDATE ci.match_blocking_rule SET max_block_size = NULL WHERE model = 'default';   -- the model's limit for all
UPDATE ci.match_model SET max_block_size = 3 WHERE model = 'default';
SELECT rule, candidate_pairs, largest_block, skipped_blocks, skipped_pairs
FROM ci.estimate_blocking() WHERE rule IN ('name_tokens', 'phonetic_family_initial_city');
SELECT count(*) FILTER (WHERE a LIKE 'otto%') AS otto_pairs FROM pairs;
UPDATE ci.match_model SET max_block_size = NULL WHERE model = 'default';
SELECT count(*) FILTER (WHERE a LIKE 'otto%') AS otto_pairs FROM pairs;
-- a rule's own limit overrides the model's
UPDATE ci.match_blocking_rule SET max_block_size = 3 WHERE model = 'default' AND rule = 'name_tokens';
UPDATE ci.source_record SET city = 'Ulm' WHERE source_key LIKE 'otto%';
SELECT rule, candidate_pairs, largest_block, skipped_blocks, skipped_pairs
FROM ci.estimate_blocking() WHERE rule IN ('name_tokens', 'phonetic_family_initial_city');
SELECT count(*) FILTER (WHERE a LIKE 'otto%') AS otto_pairs FROM pairs;   -- phonetic_family_initial_city pairs them
UPDATE ci.match_blocking_rule SET max_block_size = 10 WHERE model = 'default' AND rule = 'name_tokens';
SAVEPOINT s;
UPDATE ci.match_model SET max_block_size = 1 WHERE model = 'default';   -- refused
ROLLBACK TO s;
DELETE FROM ci.source_record WHERE source_key LIKE 'otto-%';

-- Incremental resolution finds candidates through tokens keys (the GIN
-- index over the family name's tokens): a toy model that links any pair
-- its rule produces.
INSERT INTO ci.match_model (model, prior) VALUES ('tok', 0.99);
INSERT INTO ci.match_comparison (model, comparison, ordinal, field, similarity, m, u)
VALUES ('tok', 'given_name', 1, 'given_name_norm', 'exact', '{0.5,0,0,0.5}', '{0.5,0,0,0.5}');
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys)
VALUES ('tok', 'name_tokens', 1, ARRAY['tokens(given_name_norm)', 'tokens(family_name_norm)']);
INSERT INTO ci.source_record (source, source_key, given_name, family_name) VALUES ('pos', 'anna-3', 'Anna', 'Schmidt');
SELECT k, ci.resolve_record(id, 'tok') IS NOT NULL AS resolved FROM rid WHERE k IN ('anna-1', 'anna-3') ORDER BY k;
SELECT string_agg(k, ', ' ORDER BY k) AS one_identity FROM ci.identity_link JOIN rid ON id = record_id GROUP BY identity_id;
ROLLBACK;

-- Duplicate-free sources: a source that holds each person at most once.
BEGIN;
SET LOCAL client_min_messages = warning;
DELETE FROM ci.identity_link;
DELETE FROM ci.match_decision;
DELETE FROM ci.match_review;
DELETE FROM ci.source_record;
CREATE TEMP TABLE base AS
SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END AS id0 FROM ci.identity_identity_id_seq;
CREATE TEMP VIEW grouping AS
SELECT l.identity_id - (SELECT id0 FROM base) AS identity, string_agg(r.source_key, ', ' ORDER BY r.source_key) AS records
FROM ci.source_record r JOIN ci.identity_link l USING (record_id)
GROUP BY l.identity_id ORDER BY min(r.source_key);
CREATE TEMP VIEW rid2 AS SELECT source_key AS k, record_id AS id FROM ci.source_record;
-- two voter-file records of one name and birth date (father and son of
-- one address: the file lists each voter once) and a web sign-up
INSERT INTO ci.source_record (source, source_key, given_name, family_name, birth_date, street, city, postcode, country) VALUES
    ('crm', 'v-1', 'John', 'Smith', '1970-01-01', '1 Main Street', 'Springfield', '12345', 'US'),
    ('crm', 'v-2', 'John', 'Smith', '1970-01-01', '1 Main Street', 'Springfield', '12345', 'US'),
    ('web', 'w-1', 'John', 'Smith', '1970-01-01', '1 Main Street', 'Springfield', '12345', 'US');
SELECT links, identities FROM ci.resolve_identities('default', retrain => false);
SELECT * FROM grouping;
UPDATE ci.match_model SET duplicate_free_sources = '{crm}' WHERE model = 'default';
SELECT links, identities FROM ci.resolve_identities('default', retrain => false);
SELECT * FROM grouping;
-- the refused join is queued for a steward
SELECT a.k AS a, b.k AS b FROM ci.match_review r JOIN rid2 a ON a.id = r.record_a JOIN rid2 b ON b.id = r.record_b ORDER BY 1, 2;
-- incremental: a third crm record of the same person cannot join either
INSERT INTO ci.source_record (source, source_key, given_name, family_name, birth_date, street, city, postcode, country)
VALUES ('crm', 'v-3', 'John', 'Smith', '1970-01-01', '1 Main Street', 'Springfield', '12345', 'US');
SELECT ci.resolve_record(id) IS NOT NULL AS resolved FROM rid2 WHERE k = 'v-3';
SELECT * FROM grouping;
SELECT a.k AS a, b.k AS b FROM ci.match_review r JOIN rid2 a ON a.id = r.record_a JOIN rid2 b ON b.id = r.record_b
WHERE 'v-3' IN (a.k, b.k) ORDER BY 1, 2;
-- a web record may still join a crm record's identity
INSERT INTO ci.source_record (source, source_key, given_name, family_name, birth_date, street, city, postcode, country)
VALUES ('web', 'w-2', 'John', 'Smith', '1970-01-01', '1 Main Street', 'Springfield', '12345', 'US');
SELECT ci.resolve_record(id) IS NOT NULL AS resolved FROM rid2 WHERE k = 'w-2';
SELECT * FROM grouping;
UPDATE ci.match_model SET duplicate_free_sources = '{crm,NULL}' WHERE model = 'default';   -- refused
ROLLBACK;

-- Threshold guidance: the weight histogram of the candidate pairs and the
-- suggested thresholds (the valley between the two humps, probability 0.5,
-- the model's own).
BEGIN;
SET LOCAL client_min_messages = warning;
DELETE FROM ci.identity_link;
DELETE FROM ci.match_decision;
DELETE FROM ci.match_review;
DELETE FROM ci.source_record;
-- 20 people seen twice (matches) and 20 pairs of relatives who share a
-- family name and a postcode, nothing else (non-matches)
INSERT INTO ci.source_record (source, source_key, given_name, family_name, birth_date, email, street, city, postcode, country)
SELECT s, 'p' || i || s, g, f[i], date '1950-01-01' + i * 400, 'p' || i || '@example.com', i || ' Oak Road', 'Leeds', 'LS' || i, 'GB'
FROM generate_series(1, 20) i, (VALUES ('crm'), ('web')) v(s),
     LATERAL (SELECT (ARRAY['Ann', 'Bob', 'Cid', 'Dan', 'Eve'])[1 + i % 5] AS g) n,
     (SELECT '{Abbott,Baker,Carter,Dawson,Ellis,Fisher,Gordon,Harper,Irwin,Jensen,Keller,Lowry,Morgan,Nolan,Osborne,Porter,Quinn,Reyes,Sutton,Turner}'::text[] AS f) fam;
INSERT INTO ci.source_record (source, source_key, given_name, family_name, birth_date, city, postcode, country)
SELECT 'pos', 'q' || i || x, g, f[i], date '1940-01-01' + i * 300 + x * 5000, 'York', 'YO' || i, 'GB'
FROM generate_series(1, 20) i, generate_series(1, 2) x,
     LATERAL (SELECT (ARRAY['Fay', 'Gus', 'Hal', 'Ivy', 'Jon', 'Kim'])[x + 2 * (i % 3)] AS g) n,
     (SELECT '{Upton,Vance,Walsh,Xiong,Young,Zeller,Ambler,Brandt,Crowe,Dorsey,Eaton,Finch,Gale,Hobbs,Ingram,Joyce,Kemp,Lyons,Mercer,Noble}'::text[] AS f) fam;
SELECT bin_from, bin_to, pairs, pairs_at_or_above FROM ci.match_weight_histogram('default', 10);
SELECT method, round(match_weight::numeric, 1) AS match_weight, round(match_probability::numeric, 4) AS match_probability, pairs_at_or_above
FROM ci.suggest_threshold('default', 5);
SAVEPOINT s;
SELECT * FROM ci.match_weight_histogram('default', 0);
ROLLBACK TO s;
SELECT * FROM ci.suggest_threshold('nosuch');
ROLLBACK;
