-- ci.resolve_record keeps each parsed model per session and reloads it when
-- the model's ci.match_model row has a new version: every change to the
-- tables that define a model must produce one, and a change must be seen
-- by the very next call.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(9);

INSERT INTO ci.match_model (model, link_threshold, review_threshold) VALUES ('cache_t', 0.9, 0.5);
INSERT INTO ci.match_comparison (model, comparison, ordinal, field, similarity, close_threshold, loose_threshold, m, u) VALUES
    ('cache_t', 'email', 1, 'email_norm', 'exact', NULL, NULL, '{0.9,0,0,0.1}', '{0.001,0,0,0.999}');
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys, deterministic) VALUES
    ('cache_t', 'email', 1, '{email_norm}', true);

CREATE TEMP TABLE v (step text PRIMARY KEY, ver text);
CREATE FUNCTION pg_temp.ver() RETURNS text LANGUAGE sql AS
    $$SELECT xmin::text || ctid::text FROM ci.match_model WHERE model = 'cache_t'$$;
INSERT INTO v VALUES ('start', pg_temp.ver());

UPDATE ci.match_comparison SET m = '{0.95,0,0,0.05}' WHERE model = 'cache_t';
SELECT isnt(pg_temp.ver(), (SELECT ver FROM v WHERE step = 'start'), 'updating a comparison gives the model row a new version');
INSERT INTO v VALUES ('cmp', pg_temp.ver());
INSERT INTO ci.match_term_frequency VALUES ('cache_t', 'email', 'x@example.org', 0.5);
SELECT isnt(pg_temp.ver(), (SELECT ver FROM v WHERE step = 'cmp'), 'storing a term frequency gives it a new version');
INSERT INTO v VALUES ('tf', pg_temp.ver());
DELETE FROM ci.match_term_frequency WHERE model = 'cache_t';
SELECT isnt(pg_temp.ver(), (SELECT ver FROM v WHERE step = 'tf'), 'deleting term frequencies gives it a new version');
INSERT INTO v VALUES ('tfdel', pg_temp.ver());
UPDATE ci.match_model SET link_threshold = 0.95 WHERE model = 'default';
SELECT is(pg_temp.ver(), (SELECT ver FROM v WHERE step = 'tfdel'), 'another model''s change leaves it alone');

-- two records with one e-mail: the deterministic rule links them
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, country) VALUES
    ('crm', 'cache-1', 'Ann', 'Lee', 'ann.lee@example.org', 'GB'),
    ('web', 'cache-2', 'Anne', 'Leigh', 'ann.lee@example.org', 'GB'),
    ('pos', 'cache-3', 'Anna', 'Lea', 'ann.lee@example.org', 'GB');
CREATE TEMP TABLE rid AS SELECT source_key AS k, record_id AS id FROM ci.source_record WHERE source_key LIKE 'cache-%';
SELECT is(ci.resolve_record((SELECT id FROM rid WHERE k = 'cache-2'), 'cache_t'),
          ci.resolve_record((SELECT id FROM rid WHERE k = 'cache-1'), 'cache_t'),
          'the blocking rule links two records sharing an e-mail');

-- the rule is replaced by one on a key the third record does not share: the next call must use it
UPDATE ci.match_blocking_rule SET keys = '{phone_e164}' WHERE model = 'cache_t';
SELECT isnt(ci.resolve_record((SELECT id FROM rid WHERE k = 'cache-3'), 'cache_t'),
            (SELECT identity_id FROM ci.identity_link WHERE record_id = (SELECT id FROM rid WHERE k = 'cache-1')),
            'after the blocking rule changed, the cached model is not used: no candidate, a new identity');

-- and back: the e-mail rule links it again
UPDATE ci.match_blocking_rule SET keys = '{email_norm}' WHERE model = 'cache_t';
SELECT is(ci.resolve_record((SELECT id FROM rid WHERE k = 'cache-3'), 'cache_t'),
          (SELECT identity_id FROM ci.identity_link WHERE record_id = (SELECT id FROM rid WHERE k = 'cache-1')),
          'after it changed back, the record joins the identity');

-- a model deleted after being cached is gone for the next call
DELETE FROM ci.match_model WHERE model = 'cache_t';
SELECT throws_ok($$SELECT ci.resolve_record(1, 'cache_t')$$, '42704', NULL, 'a deleted model is not served from the cache');

SELECT is((SELECT count(*)::int FROM pg_trigger WHERE tgname LIKE 'match\_%\_touch\_%' AND NOT tgisinternal), 12,
          'insert, update, delete and truncate on each of the three model tables touch the model row');

SELECT * FROM finish();
ROLLBACK;
