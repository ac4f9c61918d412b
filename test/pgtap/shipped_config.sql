-- The shipped configuration and pg_dump (src/survive/90_shipped_config.sql):
-- every configuration row is dumped; an INSERT of a shipped key replaces
-- the shipped row only while it (and its family) is untouched, which is
-- what a restore meets after CREATE EXTENSION; deleting a shipped row
-- leaves a tombstone, and a restored tombstone deletes the row again.
-- scripts/dump_restore_test.sh does the real pg_dump and restore.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(28);

CREATE TEMP VIEW config_dump AS
SELECT x.tab::regclass::text AS tab, x.cond
FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(tab, cond)
WHERE e.extname = 'customer_intel';

CREATE FUNCTION pg_temp.as_shipped(p_tab text, p_key text[]) RETURNS boolean
LANGUAGE sql AS $$ SELECT as_shipped FROM ci.shipped_row WHERE tab = p_tab AND key = p_key $$;

-- What pg_dump dumps
SELECT is_empty($$SELECT tab FROM pg_temp.config_dump WHERE cond <> ''$$,
    'every configuration table is dumped whole, shipped rows included');
SELECT set_has($$SELECT tab FROM pg_temp.config_dump$$,
    $$VALUES ('ci.source'), ('ci.match_model'), ('ci.match_comparison'), ('ci.match_blocking_rule'),
             ('ci.name_alias'), ('ci.golden_attribute'), ('ci.survivorship_rule'), ('ci.shipped_row_deleted')$$,
    'the tables holding shipped rows, golden attributes and the tombstones are dumped');
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_temp.config_dump WHERE tab = 'ci.shipped_row'),
    'ci.shipped_row is not dumped: CREATE EXTENSION makes it anew');
SELECT is((SELECT count(*) FROM ci.shipped_row WHERE NOT as_shipped), 0::bigint,
    'after CREATE EXTENSION every shipped row is as shipped');

-- No-op updates (the model caches' "touch") change nothing
DELETE FROM ci.name_alias WHERE name = 'William' AND alias = 'Bill';
SELECT ok(pg_temp.as_shipped('match_model', '{default}'),
    'a nickname change touches the model row without changing it: the model stays as shipped');
SELECT is((SELECT count(*) FROM ci.shipped_row_deleted WHERE tab = 'name_alias' AND key = '{William,Bill}'), 1::bigint,
    'deleting a shipped nickname leaves a tombstone');
INSERT INTO ci.name_alias (name, alias) VALUES ('William', 'Bill');
SELECT is((SELECT count(*) FROM ci.shipped_row_deleted WHERE tab = 'name_alias'), 0::bigint,
    'adding it again removes the tombstone');
SELECT throws_ok($$INSERT INTO ci.name_alias (name, alias) VALUES ('William', 'Bill')$$, '23505', NULL,
    'a re-added row is the user''s: a second INSERT fails as on any table');

-- A restored tombstone deletes the untouched shipped row
INSERT INTO ci.shipped_row_deleted (tab, key) VALUES ('name_alias', '{Robert,Bob}');
SELECT ok(NOT EXISTS (SELECT 1 FROM ci.name_alias WHERE name = 'Robert' AND alias = 'Bob'),
    'inserting a tombstone (a restore) deletes the shipped row it names');

-- A source that rules rank cannot be deleted or renamed (a restore would
-- fail on the rule naming it)
SELECT throws_ok($$DELETE FROM ci.source WHERE source = 'pos'$$, '23503',
    'source "pos" is ranked by survivorship rules',
    'a source a survivorship rule ranks cannot be deleted');
SELECT throws_ok($$UPDATE ci.source SET source = 'store' WHERE source = 'pos'$$, '23503',
    'source "pos" is ranked by survivorship rules', 'nor renamed');
UPDATE ci.survivorship_rule SET sources = array_remove(sources, 'pos') WHERE 'pos' = ANY (sources);

-- An INSERT of an untouched shipped key replaces the row (the builtin
-- rules that rank the shipped sources do not stop it)
INSERT INTO ci.source (source, trust_rank, trust, description) VALUES ('crm', 5, 0.75, 'restored crm');
SELECT row_eq($$SELECT trust_rank, trust, description FROM ci.source WHERE source = 'crm'$$,
    ROW(5, 0.75::real, 'restored crm'::text),
    'an INSERT of an untouched shipped source replaces it (how a restore puts a tuned row back)');
SELECT ok(NOT pg_temp.as_shipped('source', '{crm}'), 'the replacing row is the user''s');
SELECT throws_ok($$INSERT INTO ci.source (source) VALUES ('crm')$$, '23505', NULL,
    'a row that is not as shipped is never replaced');
INSERT INTO ci.source_record (source, source_key) VALUES ('web', 'k1');
SELECT throws_ok($$INSERT INTO ci.source (source) VALUES ('web')$$, '23505', NULL,
    'nor a shipped source that records refer to');

-- Renaming a shipped row leaves a tombstone under its old key
UPDATE ci.source SET source = 'store' WHERE source = 'pos';
SELECT is((SELECT count(*) FROM ci.shipped_row_deleted WHERE tab = 'source' AND key = '{pos}'), 1::bigint,
    'renaming a shipped source leaves a tombstone for its old name');

-- Families: a model with its comparisons and blocking rules
UPDATE ci.match_comparison SET m = '{0.8,0.1,0.05,0.05}' WHERE model = 'default' AND comparison = 'street';
SELECT ok(NOT pg_temp.as_shipped('match_model', '{default}'),
    'editing a comparison makes its model no longer as shipped');
SELECT throws_ok($$INSERT INTO ci.match_model (model) VALUES ('default')$$, '23505', NULL,
    'so an INSERT of that model fails instead of replacing the tuned one');
UPDATE ci.shipped_row SET as_shipped = true WHERE tab = 'match_model';
INSERT INTO ci.match_model (model, link_threshold, review_threshold) VALUES ('default', 0.95, 0.6);
SELECT is((SELECT count(*) FROM ci.match_comparison WHERE model = 'default')
        + (SELECT count(*) FROM ci.match_blocking_rule WHERE model = 'default'), 0::bigint,
    'a model replacing the untouched shipped one takes its comparisons and blocking rules with it (the dumped ones load after)');
SELECT is((SELECT link_threshold FROM ci.match_model WHERE model = 'default'), 0.95::float8,
    'the replacing model row is the inserted one');
SELECT is((SELECT count(*) FROM ci.shipped_row_deleted WHERE tab = 'match_model'), 0::bigint,
    'a replacement leaves no tombstone');

-- Families: a golden attribute with its survivorship rules
UPDATE ci.survivorship_rule SET description = 'mine' WHERE attribute = 'phone';
SELECT throws_ok($$INSERT INTO ci.golden_attribute (attribute, position) VALUES ('phone', 4)$$, '23505', NULL,
    'an attribute whose rule was edited is never replaced');
INSERT INTO ci.golden_attribute (attribute, position, description) VALUES ('city', 8, 'restored city');
SELECT row_eq($$SELECT survive_group, description, (SELECT count(*) FROM ci.survivorship_rule WHERE attribute = 'city')
                FROM ci.golden_attribute WHERE attribute = 'city'$$,
    ROW(NULL::text, 'restored city'::text, 0::bigint),
    'an untouched attribute is replaced with its rules (the dumped rules load after)');

-- TRUNCATE counts as deleting every row
TRUNCATE ci.name_alias;
SELECT is((SELECT count(*) FROM ci.shipped_row_deleted WHERE tab = 'name_alias'),
          (SELECT count(*) FROM ci.shipped_row WHERE tab = 'name_alias'),
    'TRUNCATE leaves a tombstone for every shipped nickname');

-- A data-only restore without triggers: ci.prepare_data_restore() clears
-- the untouched shipped rows first, and leaves the changed ones
CREATE TEMP TABLE untouched AS
SELECT count(*) AS n FROM ci.shipped_row s WHERE ci.shipped_row_as_shipped(s.tab, s.key);
SELECT is(ci.shipped_config_prepare_data_restore(), (SELECT n - 1 FROM untouched),
    'the shipped-config part deletes every untouched shipped row (with its family) but a source that a kept rule ranks');
SELECT row_eq($$SELECT (SELECT array_agg(source ORDER BY source) FROM ci.source),
                       (SELECT array_agg(attribute ORDER BY attribute) FROM ci.golden_attribute)$$,
    ROW('{crm,store,support,web}'::text[], '{birth_date,city,national_id,phone}'::text[]),
    'changed rows stay: crm, store, web (which has a record), support (ranked by edited rules); attributes with edited rules, city');

-- the entry point clears every capability's shipped rows: consent, retention
SELECT cmp_ok(ci.prepare_data_restore(), '>', 0::bigint,
    'ci.prepare_data_restore() deletes the other capabilities'' untouched shipped rows too');
SELECT is((SELECT count(*)::int FROM ci.consent_default WHERE shipped)
        + (SELECT count(*)::int FROM ci.retention_table WHERE shipped), 0,
    'no shipped consent default or retention registration is left');

SELECT * FROM finish();
ROLLBACK;
