-- Consent: protecting a table with ci.protect, declaring a purpose
-- (SET ci.purpose, ci.channel), binding roles to purposes, exemptions,
-- and the errors of each.
SET TimeZone = 'UTC';
\set SHOW_CONTEXT never
TRUNCATE ci.source_record, ci.identity, ci.identity_link, ci.identity_event RESTART IDENTITY CASCADE;
ALTER TABLE ci.consent_event DISABLE TRIGGER consent_event_no_truncate;
ALTER TABLE ci.suppression DISABLE TRIGGER suppression_no_truncate;
TRUNCATE ci.consent_event, ci.suppression, ci.consent_jurisdiction_override RESTART IDENTITY;
TRUNCATE ci.consent_state, ci.consent_subject;   -- derived from the above
ALTER TABLE ci.consent_event ENABLE TRIGGER consent_event_no_truncate;
ALTER TABLE ci.suppression ENABLE TRIGGER suppression_no_truncate;

-- Customers 1 (US: opt-out), 2 (DE: opt-in), 3 (US, withdrew marketing).
INSERT INTO ci.source_record (record_id, source, source_key, given_name, country) VALUES
  (1, 'crm', 'p1', 'Ann', 'US'), (2, 'crm', 'p2', 'Bea', 'DE'), (3, 'crm', 'p3', 'Cy', 'US');
INSERT INTO ci.identity (identity_id) SELECT generate_series(1, 3);
INSERT INTO ci.identity_link (record_id, identity_id, rule) SELECT g, g, 't' FROM generate_series(1, 3) g;
SELECT ci.refresh_consent() > 0 AS computed;
SELECT ci.record_consent('marketing', 'withdrawn', identity_id => 3, decided_at => '2024-01-01') > 0 AS recorded;

CREATE TABLE purchases (purchase_id int PRIMARY KEY, customer_id bigint, amount int);
INSERT INTO purchases SELECT g, 1 + g % 3, g * 10 FROM generate_series(1, 9) g;
CREATE INDEX ON purchases (customer_id);

-- Protecting: policies, forced row-level security, the registry.
SELECT ci.protect('purchases', 'customer_id', 'marketing', 'analytics');
SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'purchases'::regclass;
SELECT policyname, roles, cmd, qual, with_check FROM pg_policies WHERE tablename = 'purchases';
SELECT table_name, customer_column, purposes FROM ci.consent_protected;

CREATE ROLE regress_consent_bi;
CREATE ROLE regress_consent_dpo;
GRANT SELECT, INSERT ON purchases TO regress_consent_bi, regress_consent_dpo;
-- the row filter is a function: roles reading a protected table may execute it
-- (ci.grant_role(role, 'reader') grants it too)
GRANT EXECUTE ON FUNCTION ci.consent_check(bigint, text[]) TO regress_consent_bi, regress_consent_dpo;

-- No purpose declared: nothing.
SET ROLE regress_consent_bi;
SELECT count(*) FROM purchases;
-- Marketing: the US customer who did not withdraw.
SET ci.purpose = 'marketing';
SELECT customer_id, count(*) FROM purchases GROUP BY 1 ORDER BY 1;
-- COPY and cursors read through the same filter.
COPY purchases TO STDOUT;
COPY (SELECT customer_id FROM purchases WHERE customer_id <> 1) TO STDOUT;
BEGIN;
DECLARE c CURSOR FOR SELECT DISTINCT customer_id FROM purchases;
FETCH ALL FROM c;
COMMIT;
-- Analytics: everyone (notice-based default under GDPR, opt-out in the US).
SET ci.purpose = 'analytics';
SELECT customer_id, count(*) FROM purchases GROUP BY 1 ORDER BY 1;
-- A purpose the table is not protected for: nothing.
SET ci.purpose = 'profiling';
SELECT count(*) FROM purchases;
-- An unknown purpose is refused when set.
SET ci.purpose = 'spying';
SET ci.purpose = 'Marketing!';
SHOW ci.purpose;
-- ci.channel is one of the known channels.
SET ci.channel = 'fax';
SET ci.channel = 'email';
RESET ci.channel;
-- Inserts are not filtered; the new row shows only when allowed.
SET ci.purpose = 'marketing';
INSERT INTO purchases VALUES (100, 2, 1);
SELECT count(*) FROM purchases WHERE purchase_id = 100;
RESET ci.purpose;
RESET ROLE;

-- A withdrawal is honoured by the next statement.
SET ROLE regress_consent_bi;
SET ci.purpose = 'marketing';
SELECT count(*) FROM purchases WHERE customer_id = 1;
RESET ROLE;
SELECT ci.record_consent('marketing', 'withdrawn', identity_id => 1) > 0 AS recorded;
SET ROLE regress_consent_bi;
SELECT count(*) FROM purchases WHERE customer_id = 1;
RESET ROLE;

-- Binding: once bound, a role may declare only its purposes.
SELECT ci.bind_purpose('regress_consent_bi', 'analytics');
SET ROLE regress_consent_bi;
SET ci.purpose = 'analytics';
SET ci.purpose = 'marketing';
SHOW ci.purpose;
RESET ROLE;
-- A purpose declared before the binding is refused by the next statement.
SELECT ci.unbind_purpose('regress_consent_bi', 'analytics');
SET ROLE regress_consent_bi;
SET ci.purpose = 'marketing';
RESET ROLE;
SELECT ci.bind_purpose('regress_consent_bi', 'analytics');
SET ROLE regress_consent_bi;
SELECT count(*) FROM purchases;
RESET ci.purpose;
RESET ROLE;

-- Exempt roles see everything; exemption needs a reason.
SELECT ci.exempt_role('regress_consent_dpo', '');
SELECT ci.exempt_role('regress_consent_dpo', 'data protection officer');
SELECT policyname, roles FROM pg_policies WHERE tablename = 'purchases' ORDER BY 1;
SET ROLE regress_consent_dpo;
SELECT count(*) FROM purchases;
RESET ROLE;
SELECT ci.unexempt_role('regress_consent_dpo');
SET ROLE regress_consent_dpo;
SELECT count(*) FROM purchases;
RESET ROLE;

-- A single-customer lookup keeps its index scan under the filter.
SET enable_seqscan = off;
SET ROLE regress_consent_bi;
EXPLAIN (COSTS OFF) SELECT sum(amount) FROM purchases WHERE customer_id = 2;
RESET ROLE;
RESET enable_seqscan;

-- Errors.
\set VERBOSITY default
SELECT ci.protect('purchases', 'amountx', 'marketing');
CREATE TABLE notes (note_id int, customer text);
SELECT ci.protect('notes', 'customer', 'marketing');
SELECT ci.protect('notes', 'note_id', 'spam');
SELECT ci.protect('notes', 'note_id', VARIADIC '{}'::text[]);
CREATE VIEW purchases_v AS SELECT * FROM purchases;
SELECT ci.protect('purchases_v', 'customer_id', 'marketing');
SELECT ci.bind_purpose('regress_consent_nobody', 'marketing');
SELECT ci.bind_purpose('regress_consent_bi', 'spam');
\set VERBOSITY terse

-- Unprotecting removes the policies and row-level security.
SELECT ci.unprotect('purchases');
SELECT ci.unprotect('purchases');
SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'purchases'::regclass;
SELECT count(*) FROM pg_policies WHERE tablename = 'purchases';

DROP VIEW purchases_v;
DROP TABLE purchases, notes;
SELECT ci.unbind_purpose('regress_consent_bi', 'analytics');
REVOKE EXECUTE ON FUNCTION ci.consent_check(bigint, text[]) FROM regress_consent_bi, regress_consent_dpo;
DROP ROLE regress_consent_bi;
DROP ROLE regress_consent_dpo;
