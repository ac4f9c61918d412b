-- Identity resolution end to end with the shipped default model, on a small
-- hand-made dataset: deterministic rules, probabilistic links, stable
-- identity ids across runs, merges and splits logged, steward decisions,
-- the review queue, explanations, and incremental resolution.
SET client_min_messages = warning;

-- The whole test is one transaction, rolled back at the end, over records
-- of its own only.
BEGIN;
DELETE FROM ci.identity_link;
DELETE FROM ci.match_decision;
DELETE FROM ci.source_record;

-- Identity ids come from a sequence; the views below show them relative to
-- the last id handed out before this test, and group records by identity.
CREATE TEMP TABLE base AS
SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END AS id0 FROM ci.identity_identity_id_seq;
CREATE TEMP VIEW grouping AS
SELECT l.identity_id - (SELECT id0 FROM base) AS identity, string_agg(r.source_key, ', ' ORDER BY r.source_key) AS records,
       string_agg(DISTINCT l.rule, ', ') AS rules
FROM ci.source_record r JOIN ci.identity_link l USING (record_id)
WHERE r.source_key LIKE 't-%'
GROUP BY l.identity_id ORDER BY min(r.source_key);
CREATE TEMP VIEW rid AS SELECT source_key AS k, record_id AS id FROM ci.source_record;

INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country) VALUES
    ('crm',     't-ann-1',   'Ann',     'Müller',  'ann.mueller@example.com', '+49 30 1234567', '1985-03-12', NULL,          'Hauptstraße 5',    'Berlin',      '10115', 'DE'),
    ('web',     't-ann-2',   'Ann',     'Mueller', 'Ann.Mueller@Example.COM', NULL,             NULL,         NULL,          NULL,               NULL,          NULL,    'DE'),
    ('pos',     't-ann-3',   'A.',      'Muller',  NULL,                      '030 1234567',    '1985-03-12', NULL,          NULL,               'Berlin',      NULL,    'DE'),
    ('crm',     't-bob-1',   'Robert',  'Smith',   NULL,                      NULL,             '1970-01-01', '123-45-6789', '1 Main Street',    'Springfield', '12345', 'US'),
    ('support', 't-bob-2',   'Robert',  'Smyth',   NULL,                      NULL,             '1970-01-01', '123456789',   '1 Main Street',    'Springfield', '12345', 'US'),
    ('crm',     't-carol-1', 'Carol',   'Jones',   NULL,                      NULL,             '1990-05-05', NULL,          '7 Oak Road',       'London',      'N1 9GU', 'GB'),
    ('web',     't-carol-2', 'Karole',  'Jones',   NULL,                      NULL,             '1990-05-05', NULL,          NULL,               'Leeds',       NULL,    'GB'),
    ('crm',     't-dave-1',  'David',   'Brown',   NULL,                      NULL,             '1965-07-07', NULL,          '12 Elm Avenue',    'Boston',      '02108', 'US'),
    ('pos',     't-dave-2',  'David',   'Brown',   NULL,                      NULL,             '1966-08-08', NULL,          '99 Pine Street',   'Denver',      '80202', 'US'),
    ('crm',     't-eve-1',   'Eve',     'Stone',   'eve@example.org',         NULL,             '1999-12-31', NULL,          NULL,               'Paris',       '75001', 'FR');

-- The normalised features are generated columns, visible to BI tools.
SELECT source_key, given_name_norm, family_name_norm, email_norm, phone_e164, national_id_norm, name_pair_norm
FROM ci.source_record WHERE source_key LIKE 't-%' ORDER BY source_key;

-- How many pairs each blocking rule would produce, before any run.
SELECT rule, keys, deterministic, candidate_pairs, largest_block, cumulative_pairs FROM ci.estimate_blocking();

-- A full run with the shipped (untrained) parameters: one call, one transaction.
SELECT records, candidate_pairs, links, review_pairs, identities, new_identities, merged_identities, split_records, trained
FROM ci.resolve_identities('default', retrain => false);
SELECT * FROM grouping;

-- Why Bob's two records matched, and why Dave's did not: a waterfall.
SELECT step, comparison, value_a, value_b, level, round(match_weight::numeric, 2) AS weight,
       round(cumulative_weight::numeric, 2) AS cumulative, round(match_probability::numeric, 4) AS probability
FROM ci.explain_match((SELECT id FROM rid WHERE k = 't-bob-1'), (SELECT id FROM rid WHERE k = 't-bob-2'));
SELECT comparison, level, round(match_weight::numeric, 2) AS weight, round(match_probability::numeric, 4) AS probability
FROM ci.explain_match((SELECT id FROM rid WHERE k = 't-dave-1'), (SELECT id FROM rid WHERE k = 't-dave-2'))
WHERE comparison = 'total';

-- Carol's records fall in the review band: listed for a data steward.
SELECT name_a, name_b, birth_date_a, round(match_probability::numeric, 3) AS probability FROM ci.match_review_queue;

-- A second run changes nothing: identity ids are stable.
CREATE TEMP TABLE before AS SELECT record_id, identity_id FROM ci.identity_link;
SELECT links, identities, new_identities, merged_identities, split_records FROM ci.resolve_identities('default', false);
SELECT count(*) AS changed_links FROM ci.identity_link l JOIN before b USING (record_id) WHERE b.identity_id <> l.identity_id;

-- The steward links Carol's records and keeps Bob's apart; decisions survive
-- later runs.  Carol's newer identity merges into the older one (logged);
-- Bob's second record splits off into a new identity (logged).
SELECT ci.decide_match((SELECT id FROM rid WHERE k = 't-carol-1'), (SELECT id FROM rid WHERE k = 't-carol-2'), 'link', 'same person, moved');
SELECT ci.decide_match((SELECT id FROM rid WHERE k = 't-bob-1'), (SELECT id FROM rid WHERE k = 't-bob-2'), 'no_link', 'father and son');
SELECT count(*) AS still_queued FROM ci.match_review_queue;
SELECT links, identities, new_identities, merged_identities, split_records FROM ci.resolve_identities('default', false);
SELECT * FROM grouping;
SELECT e.event, (e.identity_id < e.other_id) AS kept_older_id, array_length(e.record_ids, 1) AS records
FROM ci.identity_event e WHERE e.event IN ('merge', 'split') AND e.identity_id > (SELECT id0 FROM base) ORDER BY e.event_id;
SELECT count(*) AS retired_identities FROM ci.identity WHERE merged_into IS NOT NULL AND identity_id > (SELECT id0 FROM base);
SELECT links, identities, new_identities, merged_identities, split_records FROM ci.resolve_identities('default', false);

-- Incremental: a new record resolves against the stored identities at once;
-- it joins Eve's identity (same e-mail and family name, close given name).
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, country)
VALUES ('web', 't-eve-2', 'Eva', 'Stone', 'EVE@example.org', 'FR');
SELECT ci.resolve_record((SELECT id FROM rid WHERE k = 't-eve-2'))
     = (SELECT identity_id FROM ci.identity_link WHERE record_id = (SELECT id FROM rid WHERE k = 't-eve-1')) AS joined_eve;
SELECT rule FROM ci.identity_link WHERE record_id = (SELECT id FROM rid WHERE k = 't-eve-2');
-- A record that matches nobody gets a new identity; resolving it again changes nothing.
INSERT INTO ci.source_record (source, source_key, given_name, family_name, birth_date, country)
VALUES ('pos', 't-zoe-1', 'Zoë', 'Quinn', '2001-02-03', 'NZ');
SELECT ci.resolve_record((SELECT id FROM rid WHERE k = 't-zoe-1')) = ci.resolve_record((SELECT id FROM rid WHERE k = 't-zoe-1')) AS stable;
SELECT ci.resolve_record(-1) AS missing_record;

-- The trigger-friendly form: resolve on insert (same e-mail and given name:
-- the deterministic rule same_email_given_name).
CREATE TRIGGER resolve_on_insert AFTER INSERT ON ci.source_record
    FOR EACH ROW EXECUTE FUNCTION ci.resolve_record_trigger('default');
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, country)
VALUES ('support', 't-eve-3', 'Eve', 'Stone', 'eve@example.org', 'FR');
SELECT * FROM grouping;
DROP TRIGGER resolve_on_insert ON ci.source_record;

-- Each run's summary is kept.
SELECT count(*) >= 4 AS runs_logged, bool_and(summary ? 'total_ms') AS with_times FROM ci.match_run;

ROLLBACK;
