-- Retention: registration, policies, legal holds and the batched purge.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
-- Tests share one database: start from empty canonical and retention tables.
TRUNCATE ci.source_record, ci.identity, ci.identity_link, ci.identity_event, ci.golden_profile,
         ci.golden_override, ci.golden_dirty, ci.match_decision, ci.match_review,
         ci.retention_run, ci.retention_run_step, ci.legal_hold, ci.erasure_certificate, ci.erasure_request,
         ci.access_request, ci.retention_policy, ci.retention_policy_version RESTART IDENTITY CASCADE;
DELETE FROM ci.retention_table WHERE NOT shipped;

-- A user table of support tickets, kept per jurisdiction.
CREATE TABLE support_ticket (
    ticket_id    bigint PRIMARY KEY,
    identity_id  bigint,
    region       text,
    subject      text,
    email        text,
    closed_at    timestamptz
);
SELECT ci.register_table('support_ticket', customer_column => 'identity_id', time_column => 'closed_at',
                         category => 'support', jurisdiction_column => 'region', email_columns => '{email}');

-- 3 years after closure in the EU, 7 in the US; anything else 5.
SELECT ci.create_retention_policy('3 years', table_name => 'support_ticket', jurisdiction => 'GDPR') AS eu \gset
SELECT ci.create_retention_policy('7 years', table_name => 'support_ticket', jurisdiction => 'CCPA') AS us \gset
SELECT ci.create_retention_policy('5 years', category => 'support', note => 'other regions') AS other \gset

-- Which policy governs which rows: table+jurisdiction first, then the category default.
SELECT table_name, jurisdiction, policy_id = :eu AS eu, policy_id = :us AS us, policy_id = :other AS other, keep_for, action
  FROM ci.retention_effective_policy WHERE table_name = 'support_ticket'::regclass ORDER BY jurisdiction NULLS LAST;

-- Customers and tickets: closed 1, 4, 6 and 8 years ago in each region.
INSERT INTO ci.identity (identity_id) OVERRIDING SYSTEM VALUE VALUES (1), (2), (3);
INSERT INTO support_ticket
SELECT row_number() OVER (), 1 + (g % 3), r, 'ticket', NULL, now() - make_interval(years => y)
  FROM unnest(ARRAY['GDPR', 'CCPA', 'OTHER']) r, unnest(ARRAY[1, 4, 6, 8]) y, generate_series(1, 3) g;
SELECT region, count(*) FROM support_ticket GROUP BY 1 ORDER BY 1;

-- Identity 2 is under a legal hold until released.
SELECT ci.place_legal_hold('litigation 2026-117', identity_id => 2) AS hold \gset

-- Dry run: what would go, what the hold keeps.
SELECT jurisdiction, keep_for, expired, held, to_purge
  FROM ci.retention_dry_run() WHERE table_name = 'support_ticket'::regclass ORDER BY jurisdiction NULLS LAST;

CALL ci.run_retention(batch_rows => 2);

-- GDPR kept < 3 years and the held customer's; CCPA < 7 years; others < 5.
SELECT region, identity_id, extract(year FROM age(now(), closed_at))::int AS years
  FROM support_ticket WHERE closed_at < now() - interval '2 years' ORDER BY 1, 2, 3;

-- The run log: counts per table and policy, with the version applied.
SELECT table_name, jurisdiction, policy_version, action, rows_deleted, step_status
  FROM ci.retention_run_report ORDER BY jurisdiction NULLS LAST;
SELECT status, jsonb_array_length(summary) FROM ci.retention_run;

-- Releasing the hold lets the next run purge what it kept.
SELECT ci.release_legal_hold(:hold, 'settled');
CALL ci.run_retention();
SELECT count(*) AS held_rows_left FROM support_ticket
 WHERE identity_id = 2 AND ((region = 'GDPR' AND closed_at < now() - interval '3 years')
                         OR (region = 'CCPA' AND closed_at < now() - interval '7 years'));

-- A predicate hold: disputed tickets stay whatever their age.
UPDATE support_ticket SET subject = 'disputed', closed_at = now() - interval '10 years' WHERE ticket_id = (SELECT min(ticket_id) FROM support_ticket);
SELECT ci.place_legal_hold('chargeback dispute', table_name => 'support_ticket', predicate => $$subject = 'disputed'$$);
CALL ci.run_retention();
SELECT subject, extract(year FROM age(now(), closed_at))::int AS years FROM support_ticket WHERE subject = 'disputed';

-- Versioned policies: a change bumps the version; runs record it.
SELECT ci.alter_retention_policy(:eu, keep_for => '2 years');
SELECT policy_id = :eu AS eu, version, definition ->> 'keep_for' AS keep_for
  FROM ci.retention_policy_version WHERE policy_id = :eu ORDER BY version;
CALL ci.run_retention();
SELECT DISTINCT policy_version FROM ci.retention_run_report
 WHERE run_id = (SELECT max(run_id) FROM ci.retention_run) AND jurisdiction = 'GDPR';

-- Anonymise instead of delete: rows stay for aggregates, listed columns go.
CREATE TABLE web_visit (visit_id bigint PRIMARY KEY, identity_id bigint, ip text, page text, at timestamptz);
SELECT ci.register_table('web_visit', 'identity_id', time_column => 'at', category => 'web');
SELECT ci.create_retention_policy('90 days', 'anonymise', table_name => 'web_visit',
                                  anonymise_columns => '{identity_id,ip}');
INSERT INTO web_visit SELECT g, 1, '192.0.2.' || g, '/p' || g, now() - make_interval(days => g * 30) FROM generate_series(1, 6) g;
CALL ci.run_retention();
SELECT visit_id, identity_id, ip, page FROM web_visit ORDER BY visit_id;
SELECT table_name, rows_anonymised FROM ci.retention_run_report
 WHERE run_id = (SELECT max(run_id) FROM ci.retention_run) AND table_name = 'web_visit'::regclass;

-- Leave the shared database as found.
DELETE FROM ci.retention_policy;
DELETE FROM ci.retention_table WHERE NOT shipped;
DROP TABLE support_ticket, web_visit;
