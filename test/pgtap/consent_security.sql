-- Consent security: a role without exemption sees no unconsented row by
-- any known path (direct select, views, SQL and PL/pgSQL functions, joins,
-- ci API functions, a leaky function in WHERE; COPY is in
-- sql/consent_protect.sql), cannot write the
-- ledger except through the API, and cannot declare a purpose it is not
-- bound to.  Errors carry their SQLSTATEs.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(39);

TRUNCATE ci.source_record, ci.identity, ci.identity_link, ci.identity_event RESTART IDENTITY CASCADE;
TRUNCATE ci.consent_state, ci.consent_subject;
-- customers 1 (US, opt-out: allowed), 2 (DE, opt-in: denied), 3 (US, withdrew)
INSERT INTO ci.source_record (record_id, source, source_key, given_name, country) VALUES
  (9001, 'crm', 'sec1', 'Ann', 'US'), (9002, 'crm', 'sec2', 'Bea', 'DE'), (9003, 'crm', 'sec3', 'Cy', 'US');
INSERT INTO ci.identity (identity_id) VALUES (1), (2), (3);
INSERT INTO ci.identity_link (record_id, identity_id, rule) VALUES (9001, 1, 't'), (9002, 2, 't'), (9003, 3, 't');
SELECT ci.refresh_consent() > 0 AS computed;
SELECT ci.record_consent('marketing', 'withdrawn', identity_id => 3);

CREATE TABLE sec_orders (order_id int PRIMARY KEY, customer_id bigint NOT NULL, secret text);
INSERT INTO sec_orders SELECT g, 1 + g % 3, 'secret of ' || (1 + g % 3) FROM generate_series(1, 30) g;
CREATE TABLE sec_customers (customer_id bigint PRIMARY KEY, name text);
INSERT INTO sec_customers VALUES (1, 'Ann'), (2, 'Bea'), (3, 'Cy');
SELECT ci.protect('sec_orders', 'customer_id', 'marketing');
CREATE TABLE sec_leaked (secret text);

CREATE ROLE regress_sec_bi;
CREATE ROLE regress_sec_app;
CREATE ROLE regress_sec_bound;
SELECT count(*) FROM ci.grant_role('regress_sec_bi', 'reader');
SELECT count(*) FROM ci.grant_role('regress_sec_app', 'application');
GRANT SELECT ON sec_orders, sec_customers TO regress_sec_bi, regress_sec_bound;
GRANT EXECUTE ON FUNCTION ci.consent_check(bigint, text[]) TO regress_sec_bound;
GRANT INSERT, SELECT ON sec_leaked TO regress_sec_bi;
SELECT ci.bind_purpose('regress_sec_bound', 'analytics');

-- objects the reader will use: a view owned by the table owner (FORCE row
-- security applies to the owner too), a security_invoker view, functions
-- (the table and that view belong to an ordinary role: a superuser's view would bypass row security)
CREATE ROLE regress_sec_owner;
GRANT EXECUTE ON FUNCTION ci.consent_check(bigint, text[]) TO regress_sec_owner;
ALTER TABLE sec_orders OWNER TO regress_sec_owner;
CREATE VIEW sec_orders_owner_view AS SELECT * FROM sec_orders;
ALTER VIEW sec_orders_owner_view OWNER TO regress_sec_owner;
CREATE VIEW sec_orders_invoker_view WITH (security_invoker = true) AS SELECT * FROM sec_orders;
GRANT SELECT ON sec_orders_owner_view, sec_orders_invoker_view TO regress_sec_bi;
CREATE FUNCTION sec_sql_count() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT count(*) FROM sec_orders';
CREATE FUNCTION sec_plpgsql_customers() RETURNS SETOF bigint LANGUAGE plpgsql STABLE AS
  $$ BEGIN RETURN QUERY SELECT DISTINCT customer_id FROM sec_orders ORDER BY 1; END $$;
CREATE FUNCTION sec_leak(text) RETURNS boolean LANGUAGE plpgsql VOLATILE COST 0.0000001 AS
  $$ BEGIN INSERT INTO sec_leaked VALUES ($1); RETURN true; END $$;

SET LOCAL ROLE regress_sec_bi;
SET LOCAL ci.purpose = 'marketing';

SELECT is((SELECT array_agg(DISTINCT customer_id ORDER BY customer_id) FROM sec_orders), '{1}'::bigint[],
          'direct select: only the consenting customer');
SELECT is((SELECT count(*) FROM sec_orders WHERE customer_id = 2), 0::bigint, 'a WHERE on a refused customer finds nothing');
SELECT is((SELECT array_agg(DISTINCT customer_id ORDER BY customer_id) FROM sec_orders_owner_view), '{1}'::bigint[],
          'a view owned by the table owner: filtered (FORCE ROW LEVEL SECURITY)');
SELECT is((SELECT array_agg(DISTINCT customer_id ORDER BY customer_id) FROM sec_orders_invoker_view), '{1}'::bigint[],
          'a security_invoker view: filtered');
SELECT is(sec_sql_count(), 10::bigint, 'an SQL function: filtered');
SELECT is((SELECT array_agg(c) FROM sec_plpgsql_customers() c), '{1}'::bigint[], 'a PL/pgSQL function: filtered');
SELECT is((SELECT array_agg(DISTINCT c.name ORDER BY c.name) FROM sec_customers c JOIN sec_orders o USING (customer_id)),
          '{Ann}'::text[], 'a join from an unprotected table: filtered');
SELECT is((SELECT count(*) FROM sec_customers c WHERE EXISTS (SELECT 1 FROM sec_orders o WHERE o.customer_id = c.customer_id)),
          1::bigint, 'a semi-join: filtered');
SELECT is((SELECT count(*) FROM (SELECT customer_id FROM sec_orders UNION ALL SELECT customer_id FROM sec_orders) u WHERE customer_id <> 1),
          0::bigint, 'a union: filtered');
SELECT is((SELECT count(*) FROM sec_orders WHERE sec_leak(secret)), 10::bigint, 'a leaky function in WHERE runs ...');
SELECT is((SELECT array_agg(DISTINCT secret ORDER BY secret) FROM sec_leaked), '{"secret of 1"}'::text[],
          '... on allowed rows only: row-level security is applied before non-leakproof user conditions');
SELECT throws_ok($$UPDATE sec_orders SET secret = 'x' WHERE customer_id = 2 RETURNING 1$$, '42501', NULL,
                 'no UPDATE privilege at all for the reader');

-- the ci API does not reveal refused rows either: protect ci.golden_profile
RESET ROLE;
SELECT ci.build_golden_profiles();
SELECT ci.protect('ci.golden_profile', 'identity_id', 'marketing');
SET LOCAL ROLE regress_sec_bi;
SELECT is((SELECT array_agg(identity_id ORDER BY identity_id) FROM ci.golden_profile), '{1}'::bigint[],
          'a protected ci table: filtered');
SELECT is((SELECT count(*) FROM ci.golden_lineage(2)), 0::bigint, 'ci.golden_lineage of a refused identity: nothing');
SELECT ok((SELECT count(*) FROM ci.golden_lineage(1)) > 0, 'ci.golden_lineage of an allowed identity: its lineage');
SELECT is((SELECT count(*) FROM ci.golden_conflict WHERE identity_id <> 1), 0::bigint, 'ci.golden_conflict: only allowed identities');

-- no purpose, another purpose
SET LOCAL ci.purpose = '';
SELECT is((SELECT count(*) FROM sec_orders), 0::bigint, 'no purpose declared: nothing');
SET LOCAL ci.purpose = 'analytics';
SELECT is((SELECT count(*) FROM sec_orders), 0::bigint, 'a purpose the table is not protected for: nothing');

-- the ledger: read-only for readers and applications; the API is the way in
RESET ROLE;
SET LOCAL ROLE regress_sec_bi;
SELECT throws_ok($$INSERT INTO ci.consent_event (identity_id, purpose, decision, decided_at) VALUES (2, 'marketing', 'granted', now())$$,
                 '42501', NULL, 'a reader cannot insert into the ledger');
SELECT throws_ok($$SELECT ci.record_consent('marketing', 'granted', identity_id => 2)$$, '42501', NULL,
                 'a reader cannot call ci.record_consent');
SELECT throws_ok($$SELECT ci.suppress('do_not_contact', identity_id => 1)$$, '42501', NULL, 'a reader cannot call ci.suppress');
SELECT throws_ok($$SELECT * FROM ci.consent_secret$$, '42501', NULL, 'nobody but the owner reads the HMAC key');
RESET ROLE;
SET LOCAL ROLE regress_sec_app;
SELECT throws_ok($$INSERT INTO ci.consent_event (identity_id, purpose, decision, decided_at) VALUES (2, 'marketing', 'granted', now())$$,
                 '42501', NULL, 'an application cannot insert into the ledger directly');
SELECT throws_ok($$UPDATE ci.consent_state SET decision = 'granted'$$, '42501', NULL, 'nor write the state');
SELECT throws_ok($$INSERT INTO ci.suppression (identity_id, reason, channel) VALUES (1, 'legal', 'all')$$, '42501', NULL,
                 'nor the suppression list');
SELECT ok(ci.record_consent('marketing', 'granted', identity_id => 2, mechanism => 'double_opt_in') > 0,
          'an application records consent through the API');
SELECT is((SELECT recorded_by FROM ci.consent_event ORDER BY event_id DESC LIMIT 1), session_user::text,
          'the ledger records who recorded it (session user)');
RESET ROLE;
SELECT throws_ok($$UPDATE ci.consent_event SET decision = 'withdrawn'$$, '42501', NULL, 'even the owner cannot update the ledger');
SELECT throws_ok($$DELETE FROM ci.consent_event$$, '42501', NULL, 'or delete from it');

-- the grant is honoured by the next statement of the reader
SET LOCAL ROLE regress_sec_bi;
SET LOCAL ci.purpose = 'marketing';
SELECT is((SELECT array_agg(DISTINCT customer_id ORDER BY customer_id) FROM sec_orders), '{1,2}'::bigint[],
          'after the grant, the next statement shows customer 2');
RESET ROLE;

-- purpose binding
SET LOCAL ROLE regress_sec_bound;
SELECT lives_ok($$SET LOCAL ci.purpose = 'analytics'$$, 'a bound role declares its purpose');
SELECT throws_ok($$SET LOCAL ci.purpose = 'marketing'$$, '42501', NULL, 'but not another one');
SELECT throws_ok($$SELECT set_config('ci.purpose', 'marketing', true)$$, '42501', NULL, 'not through set_config either');
RESET ROLE;

-- errors with SQLSTATEs
SELECT throws_ok($$SET LOCAL ci.purpose = 'spying'$$, '22023', NULL, 'unknown purpose: 22023');
SELECT throws_ok($$SET LOCAL ci.channel = 'fax'$$, '22023', NULL, 'unknown channel: 22023');
SELECT throws_ok($$SELECT ci.protect('sec_customers', 'name', 'marketing')$$, '42804', NULL, 'not a customer key: 42804');
SELECT throws_ok($$SELECT ci.protect('sec_customers', 'nope', 'marketing')$$, '42703', NULL, 'no such column: 42703');
SELECT throws_ok($$SELECT ci.protect('sec_customers', 'customer_id', 'spying')$$, '22023', NULL, 'unknown purpose in ci.protect: 22023');
SELECT throws_ok($$SELECT ci.record_consent('marketing', 'granted', identity_id => 1, jurisdiction => 'MARS')$$, '22023', NULL,
                 'unknown jurisdiction: 22023');

SELECT * FROM finish();
ROLLBACK;
