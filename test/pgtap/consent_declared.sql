-- The purpose a statement declares (how the Citus workers learn their
-- coordinator session's purpose, doc/scaling.md), on one node: a first
-- element "=purpose:channel" of ci.consent_check's purpose list is used
-- instead of the session's settings and is checked as ci.purpose is; the
-- planner writes the values of a ci.consent_declared() condition into the
-- filter of the same query; a bound role escapes its binding by neither;
-- malformed declarations are refused with 22023.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(17);

TRUNCATE ci.source_record, ci.identity, ci.identity_link, ci.identity_event RESTART IDENTITY CASCADE;
TRUNCATE ci.consent_state, ci.consent_subject;
-- customers 1 (US, opt-out: allowed), 2 (DE, opt-in: denied), 3 (US, withdrew)
INSERT INTO ci.source_record (record_id, source, source_key, given_name, country) VALUES
  (9101, 'crm', 'dec1', 'Ann', 'US'), (9102, 'crm', 'dec2', 'Bea', 'DE'), (9103, 'crm', 'dec3', 'Cy', 'US');
INSERT INTO ci.identity (identity_id) VALUES (1), (2), (3);
INSERT INTO ci.identity_link (record_id, identity_id, rule) VALUES (9101, 1, 't'), (9102, 2, 't'), (9103, 3, 't');
SELECT ci.refresh_consent() > 0 AS computed;
SELECT ci.record_consent('marketing', 'withdrawn', identity_id => 3);

CREATE TABLE dec_orders (order_id int PRIMARY KEY, customer_id bigint NOT NULL);
INSERT INTO dec_orders SELECT g, 1 + g % 3 FROM generate_series(1, 30) g;
SELECT ci.protect('dec_orders', 'customer_id', 'marketing', 'analytics');
CREATE ROLE regress_dec_bi;
CREATE ROLE regress_dec_bound;
SELECT count(*) FROM ci.grant_role('regress_dec_bi', 'reader');
SELECT count(*) FROM ci.grant_role('regress_dec_bound', 'reader');
GRANT SELECT ON dec_orders TO regress_dec_bi, regress_dec_bound;
SELECT ci.bind_purpose('regress_dec_bound', 'analytics');
CREATE FUNCTION pg_temp.plan_text(q text) RETURNS text LANGUAGE plpgsql AS
  $f$DECLARE l text; r text := ''; BEGIN FOR l IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q LOOP r := r || l || E'\n'; END LOOP; RETURN r; END$f$;

-- the filter with a declared purpose
SELECT is(ARRAY(SELECT c FROM generate_series(1, 3) c WHERE ci.consent_check(c, '{=marketing:all,marketing}')),
          ARRAY(SELECT c FROM generate_series(1, 3) c WHERE ci.consent_allows(c, 'marketing', 'all')),
          'a declared purpose answers as ci.consent_allows, with no ci.purpose set');
SELECT is(ARRAY(SELECT c FROM generate_series(1, 3) c WHERE ci.consent_check(c, '{=marketing:all,marketing}')), '{1}'::int[],
          'the consenting customer only');
SELECT is(ci.consent_check(1, '{=marketing:all,analytics}'), false, 'a declared purpose the table does not list: refused');
SELECT is(ci.consent_check(1, '{=:all,marketing}'), false, 'an empty declared purpose: refused, as with no ci.purpose');
SET LOCAL ci.purpose = 'analytics';
SELECT is(ci.consent_check(3, '{=marketing:all,marketing,analytics}'), false, 'the declaration, not the session''s purpose, decides');
SET LOCAL ci.purpose = '';
SELECT throws_ok($$SELECT ci.consent_check(1, '{=nosuchpurpose:all,marketing}')$$, '22023', NULL,
                 'an unknown declared purpose: 22023, as for ci.purpose');
SELECT throws_ok($$SELECT ci.consent_check(1, '{=marketing:fax,marketing}')$$, '22023', NULL, 'an unknown channel: 22023');
SELECT throws_ok($$SELECT ci.consent_check(1, '{=marketing,marketing}')$$, '22023', NULL, 'a declaration without a channel: 22023');

-- in a query: the planner writes the condition's values into the filter
SET LOCAL ROLE regress_dec_bi;
SELECT is((SELECT array_agg(DISTINCT customer_id ORDER BY customer_id) FROM dec_orders
            WHERE ci.consent_declared(customer_id, 'marketing', 'all')), '{1}'::bigint[],
          'a query that declares marketing sees the consenting customer, with no ci.purpose set');
SELECT is((SELECT count(*) FROM dec_orders WHERE ci.consent_declared(customer_id, '', 'all')), 0::bigint,
          'a query that declares no purpose sees nothing');
SELECT throws_ok($$SELECT count(*) FROM dec_orders WHERE ci.consent_declared(customer_id, 'marketing', 'all')
                                                    AND ci.consent_declared(customer_id, 'analytics', 'all')$$,
                 '22023', NULL, 'two different declarations in one query: 22023');
SELECT throws_ok($$SELECT count(*) FROM dec_orders WHERE ci.consent_declared(customer_id, 'marketing', NULL)$$,
                 '22023', NULL, 'a declaration that is not two constants: 22023');
RESET ROLE;
SET LOCAL ROLE regress_dec_bound;
SELECT is((SELECT count(*) FROM dec_orders WHERE ci.consent_declared(customer_id, 'analytics', 'all')) > 0, true,
          'a bound role may declare its bound purpose in a query');
SELECT throws_ok($$SELECT count(*) FROM dec_orders WHERE ci.consent_declared(customer_id, 'marketing', 'all')$$,
                 '42501', NULL, 'a bound role cannot declare another purpose in a query');
SELECT throws_ok($$SELECT ci.consent_check(1, '{=marketing:all,marketing}')$$,
                 '42501', NULL, 'nor in the filter''s purpose list');
RESET ROLE;

-- on one node no condition is added: the session's settings are read where the filter runs
SET LOCAL ROLE regress_dec_bi;
SET LOCAL ci.purpose = 'marketing';
SELECT is((SELECT count(*) FROM dec_orders WHERE order_id IN (SELECT order_id FROM dec_orders)), 10::bigint,
          'SET ci.purpose filters as before: the consenting customer''s 10 orders');
SELECT unalike(pg_temp.plan_text('SELECT count(*) FROM dec_orders'), '%consent_declared%',
               'and the plan carries no declaration (no Citus table is read)');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
