-- Resolving one record (ci.resolve_record) compares it with the records a
-- full run would compare it with, no more: a blocking rule's block over
-- max_block_size is skipped, and a model that links across sources only
-- compares no pair of one source.  Before, a placeholder e-mail that the
-- full run left alone linked every record carrying it, deterministically,
-- to the next one resolved with it.
SET client_min_messages = warning;
BEGIN;
DELETE FROM ci.identity_link;
DELETE FROM ci.match_decision;
DELETE FROM ci.match_review;
DELETE FROM ci.source_record;
CREATE TEMP VIEW rid AS SELECT source_key AS k, record_id AS id FROM ci.source_record;
CREATE TEMP VIEW grouping AS
SELECT string_agg(r.source_key, ', ' ORDER BY r.source_key) AS records
  FROM ci.source_record r JOIN ci.identity_link l USING (record_id)
 GROUP BY l.identity_id ORDER BY min(r.source_key);

-- four Johns with the placeholder e-mail, a block of 4 over a limit of 3
UPDATE ci.match_model SET max_block_size = 3 WHERE model = 'default';
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email)
SELECT 'crm', 'crm-' || g, 'John', (ARRAY['Smith', 'Brown', 'Jones', 'Miller'])[g], 'none@none.com'
  FROM generate_series(1, 4) g;
SELECT links, identities FROM ci.resolve_identities('default', retrain => false);
-- a fifth: its blocks hold 5 records, skipped as the full run skips them
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email)
VALUES ('web', 'web-1', 'John', 'Wilson', 'none@none.com');
SELECT ci.resolve_record(id) IS NOT NULL AS resolved FROM rid WHERE k = 'web-1';
SELECT * FROM grouping;
SELECT count(*) AS review_pairs FROM ci.match_review;
-- a sixth shares a phone and birth date with crm-4 too: they link by that
-- rule, not by the e-mail's (ordered first, but skipped)
UPDATE ci.source_record SET phone = '+44 20 7946 0018', birth_date = '1980-01-01', country = 'GB' WHERE source_key = 'crm-4';
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, phone, birth_date, country)
VALUES ('web', 'web-0', 'John', 'Walker', 'none@none.com', '020 7946 0018', '1980-01-01', 'GB');
SELECT ci.resolve_record(id) IS NOT NULL AS resolved FROM rid WHERE k = 'web-0';
SELECT r.source_key, l.rule FROM ci.identity_link l JOIN ci.source_record r USING (record_id)
 WHERE l.identity_id = (SELECT identity_id FROM ci.identity_link JOIN rid ON id = record_id WHERE k = 'web-0')
 ORDER BY 1;
-- within the limit, the same rule links deterministically
UPDATE ci.match_model SET max_block_size = 10 WHERE model = 'default';
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email)
VALUES ('web', 'web-2', 'John', 'Taylor', 'none@none.com');
SELECT ci.resolve_record(id) IS NOT NULL AS resolved FROM rid WHERE k = 'web-2';
SELECT * FROM grouping;
SELECT DISTINCT rule FROM ci.identity_link JOIN rid ON id = record_id WHERE k = 'web-2';
ROLLBACK;

-- tokens(...) rules: one block per combination of the record's tokens.  A
-- toy model that links any pair its one rule produces; blocks of at most 2.
BEGIN;
SET LOCAL client_min_messages = warning;
DELETE FROM ci.identity_link;
DELETE FROM ci.match_decision;
DELETE FROM ci.match_review;
DELETE FROM ci.source_record;
INSERT INTO ci.match_model (model, prior) VALUES ('tok', 0.99);
INSERT INTO ci.match_comparison (model, comparison, ordinal, field, similarity, m, u)
VALUES ('tok', 'given_name', 1, 'given_name_norm', 'exact', '{0.5,0,0,0.5}', '{0.5,0,0,0.5}');
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys, max_block_size)
VALUES ('tok', 'name_tokens', 1, ARRAY['tokens(given_name_norm)', 'tokens(family_name_norm)'], 2);
INSERT INTO ci.source_record (source, source_key, given_name, family_name) VALUES
    ('crm', 'anna-weber-1', 'Anna', 'Weber'),
    ('crm', 'anna-weber-2', 'Anna', 'Weber'),
    ('pos', 'maria-weber', 'Maria', 'Weber'),
    ('pos', 'new', 'Anna Maria', 'Weber');
CREATE TEMP VIEW rid AS SELECT source_key AS k, record_id AS id FROM ci.source_record;
CREATE TEMP VIEW grouping AS
SELECT string_agg(r.source_key, ', ' ORDER BY r.source_key) AS records
  FROM ci.source_record r JOIN ci.identity_link l USING (record_id)
 GROUP BY l.identity_id ORDER BY min(r.source_key);
-- the full run: block (anna, weber) holds 3 and is skipped; (maria, weber) 2
SAVEPOINT full_run;
SELECT links, identities FROM ci.resolve_identities('tok');
SELECT * FROM grouping;
ROLLBACK TO full_run;
-- one record at a time gives the same identities
SELECT k, ci.resolve_record(id, 'tok') IS NOT NULL AS resolved FROM rid ORDER BY id;
SELECT * FROM grouping;

-- a model that links across sources only: no pair of one source
ROLLBACK TO full_run;
UPDATE ci.match_blocking_rule SET max_block_size = NULL WHERE model = 'tok';
UPDATE ci.match_model SET link_within_source = false WHERE model = 'tok';
SELECT links, identities FROM ci.resolve_identities('tok');
SELECT * FROM grouping;
DELETE FROM ci.identity_link;
SELECT k, ci.resolve_record(id, 'tok') IS NOT NULL AS resolved FROM rid ORDER BY id;
SELECT * FROM grouping;
ROLLBACK;
