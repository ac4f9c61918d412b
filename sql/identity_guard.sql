-- The clustering guard, in the full run and in incremental resolution
-- (ci.resolve_record): two groups of records are not joined when a record
-- of one and a record of the other are, by the model itself, almost surely
-- different people (match probability under 1/1000 with at least 6 bits of
-- evidence against).  A sparse record must not bridge them; the refused
-- link goes to the review queue for a data steward.
SET client_min_messages = warning;
BEGIN;
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
CREATE TEMP VIEW rid AS SELECT source_key AS k, record_id AS id FROM ci.source_record;

-- A father and his son: same family name, the father's landline; other
-- given names, birth dates, e-mails and national ids.
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, phone, birth_date, national_id, country) VALUES
    ('crm', 'g-jan-1',   'Jan',   'Nowak', 'jan.nowak@example.com',   '+48 22 123 45 67', '1960-04-02', '60040212345', 'PL'),
    ('web', 'g-jan-2',   'Jan',   'Nowak', 'jan.nowak@example.com',   NULL,               '1960-04-02', NULL,          'PL'),
    ('crm', 'g-piotr-1', 'Piotr', 'Nowak', 'piotr.nowak@example.com', '+48 601 234 567',  '1992-11-20', '92112054321', 'PL');

-- The full run keeps them apart: two identities.
SELECT links, identities FROM ci.resolve_identities('default', retrain => false);
SELECT * FROM grouping;
-- Why: the father's and the son's records are a conflict (strong evidence against).
SELECT comparison, level, round(match_weight::numeric, 2) AS weight
FROM ci.explain_match((SELECT id FROM rid WHERE k = 'g-jan-1'), (SELECT id FROM rid WHERE k = 'g-piotr-1'))
WHERE match_weight IS NOT NULL AND match_weight <> 0 OR comparison = 'total';

-- A sparse record: no given name, the father's landline, the son's e-mail.
-- It scores above the link threshold with both identities.
INSERT INTO ci.source_record (source, source_key, family_name, email, phone, country)
VALUES ('pos', 'g-nowak-x', 'Nowak', 'piotr.nowak@example.com', '22 123 45 67', 'PL');
SELECT r.k AS other, e.level, round(e.match_probability::numeric, 4) AS probability
FROM rid r, ci.explain_match((SELECT id FROM rid WHERE k = 'g-nowak-x'), r.id) e
WHERE r.k IN ('g-jan-1', 'g-piotr-1') AND e.comparison = 'total' ORDER BY 1;

-- Incremental resolution joins the stronger match (the son: same e-mail)
-- and refuses to bridge the father's identity into it: no merge.
SELECT ci.resolve_record((SELECT id FROM rid WHERE k = 'g-nowak-x'))
     = (SELECT identity_id FROM ci.identity_link WHERE record_id = (SELECT id FROM rid WHERE k = 'g-piotr-1')) AS joined_son;
SELECT * FROM grouping;
SELECT count(*) AS merges FROM ci.identity_event WHERE event = 'merge' AND identity_id > (SELECT id0 FROM base);
-- The refused link waits in the review queue, above the link threshold.
SELECT a.source_key AS record_a, b.source_key AS record_b, q.match_probability >= m.link_threshold AS above_link_threshold
FROM ci.match_review q JOIN ci.source_record a ON a.record_id = q.record_a JOIN ci.source_record b ON b.record_id = q.record_b
JOIN ci.match_model m USING (model) ORDER BY 1, 2;

-- A full run over the same records agrees with the incremental result.
SELECT links, identities, merged_identities, split_records FROM ci.resolve_identities('default', retrain => false);
SELECT * FROM grouping;
-- and the queue it rebuilt holds the father/sparse-record pair again
-- (scored with the run's own term frequencies; a link the run's guard
-- refuses is queued too, as ci.resolve_record queues it)
SELECT a.source_key AS record_a, b.source_key AS record_b, q.match_probability >= m.link_threshold AS above_link_threshold
FROM ci.match_review q JOIN ci.source_record a ON a.record_id = q.record_a JOIN ci.source_record b ON b.record_id = q.record_b
JOIN ci.match_model m USING (model) ORDER BY 1, 2;

-- Another such record, which a steward has already declared the father's:
-- the steward link comes first and bypasses the guard; the e-mail link to
-- the son is then refused, as it would bridge father and son.
INSERT INTO ci.source_record (source, source_key, family_name, email, phone, country)
VALUES ('pos', 'g-nowak-y', 'Nowak', 'piotr.nowak@example.com', '22 123 45 67', 'PL');
SELECT ci.decide_match((SELECT id FROM rid WHERE k = 'g-nowak-y'), (SELECT id FROM rid WHERE k = 'g-jan-1'), 'link', 'father''s till receipt');
SELECT ci.resolve_record((SELECT id FROM rid WHERE k = 'g-nowak-y'))
     = (SELECT identity_id FROM ci.identity_link WHERE record_id = (SELECT id FROM rid WHERE k = 'g-jan-1')) AS joined_father;
SELECT * FROM grouping;

-- Without the guard's conflict (a second record of the son that agrees on
-- everything), incremental resolution still joins as before.
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, birth_date, country)
VALUES ('support', 'g-piotr-2', 'Piotr', 'Nowak', 'piotr.nowak@example.com', '1992-11-20', 'PL');
SELECT ci.resolve_record((SELECT id FROM rid WHERE k = 'g-piotr-2'))
     = (SELECT identity_id FROM ci.identity_link WHERE record_id = (SELECT id FROM rid WHERE k = 'g-piotr-1')) AS joined_son;
SELECT * FROM grouping;
ROLLBACK;
