-- Deleting source records (their links cascade): an identity left without
-- records is retired at once, with a 'retire' event naming the records,
-- rather than staying alive, empty, until the next full run; an identity
-- that keeps a record stays.  Its golden profile goes at the next refresh.
SET client_min_messages = warning;
BEGIN;
DELETE FROM ci.identity_link;
DELETE FROM ci.match_decision;
DELETE FROM ci.match_review;
DELETE FROM ci.source_record;
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, birth_date) VALUES
    ('crm', 'ann-1', 'Ann', 'Lee', 'ann.lee@example.com', '1980-01-02'),
    ('web', 'ann-2', 'Ann', 'Lee', 'ann.lee@example.com', '1980-01-02'),
    ('crm', 'bob-1', 'Bob', 'Ray', 'bob.ray@example.com', '1970-03-04'),
    ('pos', 'cy-1',  'Cy',  'Dunn', NULL, '1990-05-06');
SELECT records, identities FROM ci.resolve_identities(retrain => false);
SELECT ci.build_golden_profiles();
CREATE TEMP TABLE who AS
SELECT r.source_key, r.record_id, l.identity_id FROM ci.source_record r JOIN ci.identity_link l USING (record_id);
CREATE TEMP VIEW state AS
SELECT (SELECT string_agg(w.source_key, ', ' ORDER BY w.source_key) FROM who w WHERE w.identity_id = i.identity_id) AS identity_of,
       i.retired_at IS NOT NULL AS retired,
       (SELECT count(*) FROM ci.identity_link l WHERE l.identity_id = i.identity_id) AS links,
       (SELECT string_agg(e.event || coalesce(' ' || (SELECT string_agg(w.source_key, ',' ORDER BY w.source_key)
                                                        FROM who w WHERE w.record_id = ANY (e.record_ids)), ''), '; ' ORDER BY e.event_id)
          FROM ci.identity_event e WHERE e.identity_id = i.identity_id AND e.event = 'retire') AS retire_event,
       EXISTS (SELECT 1 FROM ci.golden_profile g WHERE g.identity_id = i.identity_id) AS profile
  FROM ci.identity i WHERE i.identity_id IN (SELECT identity_id FROM who)
 ORDER BY 1;
SELECT * FROM state;
-- one of Ann's two records: her identity keeps the other
DELETE FROM ci.source_record WHERE source_key = 'ann-2';
SELECT * FROM state;
-- her last record, and Bob's and Cy's in one statement: all three retired
DELETE FROM ci.source_record WHERE source_key IN ('ann-1', 'bob-1', 'cy-1');
SELECT * FROM state;
-- the refresh drops their profiles; no live identity is left without records
SELECT ci.refresh_golden_profiles() >= 0 AS refreshed;
SELECT * FROM state;
SELECT count(*) AS live_identities_without_records
  FROM ci.identity i
 WHERE i.retired_at IS NULL AND NOT EXISTS (SELECT 1 FROM ci.identity_link l WHERE l.identity_id = i.identity_id);
-- unlinking a record directly retires an emptied identity the same way
INSERT INTO ci.source_record (source, source_key, given_name, family_name) VALUES ('crm', 'dee-1', 'Dee', 'Ash');
SELECT ci.resolve_record(record_id) IS NOT NULL AS resolved FROM ci.source_record WHERE source_key = 'dee-1';
INSERT INTO who SELECT r.source_key, r.record_id, l.identity_id FROM ci.source_record r JOIN ci.identity_link l USING (record_id) WHERE r.source_key = 'dee-1';
DELETE FROM ci.identity_link WHERE record_id = (SELECT record_id FROM who WHERE source_key = 'dee-1');
SELECT * FROM state WHERE identity_of = 'dee-1';
ROLLBACK;
