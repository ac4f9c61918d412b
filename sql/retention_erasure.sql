-- Right to erasure, verification, and subject-access requests.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- Tests share one database: start from empty canonical and retention tables.
TRUNCATE ci.source_record, ci.identity, ci.identity_link, ci.identity_event, ci.golden_profile,
         ci.golden_override, ci.golden_dirty, ci.match_decision, ci.match_review,
         ci.retention_run, ci.retention_run_step, ci.legal_hold, ci.erasure_certificate, ci.erasure_request,
         ci.access_request, ci.retention_policy, ci.retention_policy_version RESTART IDENTITY CASCADE;
DELETE FROM ci.retention_table WHERE NOT shipped;

-- Two customers, resolved: Ada (two records, merged from two identities) and Bob.
INSERT INTO ci.source_record (record_id, source, source_key, given_name, family_name, email, phone, country)
OVERRIDING SYSTEM VALUE VALUES
    (1, 'crm', 'c-1', 'Ada', 'Lovelace', 'Ada.Lovelace@Example.com', '+44 20 7946 0001', 'GB'),
    (2, 'web', 'w-1', 'Ada', 'Lovelace', 'ada.lovelace@example.com', NULL, 'GB'),
    (3, 'crm', 'c-2', 'Bob', 'Smith', 'bob@example.com', '+1 415 555 0100', 'US');
INSERT INTO ci.identity (identity_id) OVERRIDING SYSTEM VALUE VALUES (10), (11), (20);
UPDATE ci.identity SET retired_at = now(), merged_into = 10 WHERE identity_id = 11;
INSERT INTO ci.identity_link (record_id, identity_id, match_probability, rule)
VALUES (1, 10, 1, 'seed'), (2, 10, 0.99, 'seed'), (3, 20, 1, 'seed');
INSERT INTO ci.identity_event (event, identity_id, other_id) VALUES ('merge', 10, 11);
SELECT ci.build_golden_profiles() IS NOT NULL AS built;

-- A user table of orders, kept for the accounts: erasure anonymises it.
CREATE TABLE customer_order (order_id bigint PRIMARY KEY, identity_id bigint, ship_to text, contact_email text,
                             amount numeric NOT NULL, placed_at timestamptz NOT NULL DEFAULT now());
SELECT ci.register_table('customer_order', 'identity_id', time_column => 'placed_at', category => 'orders',
                         email_columns => '{contact_email}', erasure_action => 'anonymise',
                         erasure_columns => '{identity_id,ship_to,contact_email}');
INSERT INTO customer_order VALUES (100, 10, '1 Analytical St', 'ada.lovelace@example.com', 42),
                                  (101, 11, '1 Analytical St', NULL, 7),
                                  (200, 20, '5 Main St', 'bob@example.com', 13);
-- and one by source record, deleted on erasure
CREATE TABLE newsletter_click (click_id bigint PRIMARY KEY, record_id bigint, url text, at timestamptz DEFAULT now());
SELECT ci.register_table('newsletter_click', 'record_id', 'record', time_column => 'at', category => 'web');
INSERT INTO newsletter_click VALUES (1, 1, '/a'), (2, 2, '/b'), (3, 3, '/c');

-- The request: GDPR gives a month.
SELECT ci.request_erasure(10, 'GDPR', received_at => '2026-01-05 10:00+00') AS req \gset
SELECT identity_id, jurisdiction, deadline, status FROM ci.erasure_request WHERE request_id = :req;
SELECT kind, identity_id, status, escalation FROM ci.privacy_request_queue;

SELECT ci.process_erasure(:req);

-- Ada is gone everywhere; her orders stay for the accounts, anonymised; Bob is untouched.
SELECT record_id, given_name FROM ci.source_record ORDER BY 1;
SELECT record_id, identity_id FROM ci.identity_link ORDER BY 1;
SELECT identity_id FROM ci.identity ORDER BY 1;
SELECT identity_id FROM ci.golden_profile ORDER BY 1;
SELECT count(*) AS ada_events FROM ci.identity_event WHERE identity_id IN (10, 11);
SELECT order_id, identity_id, ship_to, contact_email, amount FROM customer_order ORDER BY 1;
SELECT click_id, record_id FROM newsletter_click ORDER BY 1;

-- The certificate: what went where, with no personal data in it.
SELECT c.certificate -> 'tables' AS tables, c.certificate ->> 'status' AS status, c.certificate ->> 'contact_points' AS contact_points,
       length(c.digest) AS digest_bytes
  FROM ci.erasure_certificate c WHERE request_id = :req;
SELECT c.certificate::text ~* '(ada|lovelace|example\.com|analytical|\+44)' AS has_personal_data
  FROM ci.erasure_certificate c WHERE request_id = :req;
SELECT status, erased_identity_ids, erased_record_ids, cardinality(contact_hashes) AS hashes
  FROM ci.erasure_request WHERE request_id = :req;

-- Verification looks again by id and by normalised contact point.
SELECT * FROM ci.verify_erasure(:req) WHERE remaining > 0;
SELECT count(*) AS checks FROM ci.verify_erasure(:req);
-- A re-import of Ada under a new source key is found by her (normalised) e-mail.
INSERT INTO ci.source_record (source, source_key, given_name, email) VALUES ('pos', 'p-9', 'A.', 'ADA.LOVELACE@example.com ');
SELECT table_name, checked_by, remaining FROM ci.verify_erasure(:req) WHERE remaining > 0;
DELETE FROM ci.source_record WHERE source_key = 'p-9';

-- Processing again is a no-op.
SELECT ci.process_erasure(:req);

-- A customer under a hold: what the hold covers stays, the request waits.
SELECT ci.place_legal_hold('tax audit', identity_id => 20) AS hold \gset
SELECT ci.request_erasure(20, 'CCPA') AS req2 \gset
SELECT ci.process_erasure(:req2);
SELECT count(*) AS bob_records FROM ci.source_record WHERE record_id = 3;
SELECT status, holds = ARRAY[:hold]::bigint[] AS held_by FROM ci.erasure_request WHERE request_id = :req2;
SELECT table_name, checked_by, remaining, kept_by_hold FROM ci.verify_erasure(:req2) WHERE remaining > 0 ORDER BY 1, 2;
-- Once released, the next run completes it.
SELECT ci.release_legal_hold(:hold);
CALL ci.run_retention();
SELECT status, passes FROM ci.erasure_request WHERE request_id = :req2;
SELECT count(*) AS remaining FROM ci.verify_erasure(:req2) WHERE remaining > 0;

-- A failure mid-erasure leaves the customer whole (one transaction).
INSERT INTO ci.source_record (record_id, source, source_key, given_name, email) OVERRIDING SYSTEM VALUE
VALUES (4, 'crm', 'c-4', 'Cy', 'cy@example.com');
INSERT INTO ci.identity (identity_id) OVERRIDING SYSTEM VALUE VALUES (30);
INSERT INTO ci.identity_link (record_id, identity_id, rule) VALUES (4, 30, 'seed');
INSERT INTO newsletter_click VALUES (4, 4, '/d', '2026-01-01 12:00+00');
CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$;
CREATE TRIGGER refuse BEFORE DELETE ON ci.identity_event FOR EACH STATEMENT EXECUTE FUNCTION refuse();
SELECT ci.request_erasure(30) AS req3 \gset
\set VERBOSITY terse
SELECT ci.process_erasure(:req3);
\set VERBOSITY default
SELECT (SELECT count(*) FROM ci.source_record WHERE record_id = 4) AS records,
       (SELECT count(*) FROM newsletter_click WHERE record_id = 4) AS clicks,
       (SELECT status FROM ci.erasure_request WHERE request_id = :req3) AS status;
DROP TRIGGER refuse ON ci.identity_event;

-- Subject access: a register with deadlines, and one export.
SELECT ci.request_access(30, 'LGPD', received_at => '2026-03-01 09:00+00') AS acc \gset
SELECT jurisdiction, deadline, status FROM ci.access_request WHERE request_id = :acc;
SELECT jsonb_pretty(ci.complete_access_request(:acc) - 'generated_at' - 'consent_history' #- '{golden_profile,changed_at}'
                    #- '{tables,ci.identity}' #- '{tables,ci.source_record}' #- '{tables,ci.identity_link}');
SELECT status, length(export_digest), export_bytes > 0 FROM ci.access_request WHERE request_id = :acc;
SELECT ci.subject_access_export(30) -> 'tables' -> 'ci.source_record' -> 0 ->> 'email' AS email;

-- Bad input.
\set VERBOSITY terse
SELECT ci.request_erasure(999);
SELECT ci.request_erasure(30, 'MARS');
SELECT ci.request_erasure(NULL);
SELECT ci.request_access(30, received_at => now() + interval '1 day');
SELECT ci.process_erasure(999);
SELECT * FROM ci.verify_erasure(:req3);

-- Leave the shared database as found.
DELETE FROM ci.retention_policy;
DELETE FROM ci.retention_table WHERE NOT shipped;
DROP TABLE customer_order, newsletter_click;
