-- Consent: the row filter in parallel queries.  The leader shares its
-- answers with the workers (src/consent/consent_share.c); every query here
-- must give the same rows with workers as without, and a change committed
-- between two parallel statements is honoured by the second.
SET TimeZone = 'UTC';
\set SHOW_CONTEXT never
TRUNCATE ci.source_record, ci.identity, ci.identity_link, ci.identity_event RESTART IDENTITY CASCADE;
ALTER TABLE ci.consent_event DISABLE TRIGGER consent_event_no_truncate;
ALTER TABLE ci.suppression DISABLE TRIGGER suppression_no_truncate;
TRUNCATE ci.consent_event, ci.suppression, ci.consent_jurisdiction_override RESTART IDENTITY;
TRUNCATE ci.consent_state, ci.consent_subject;
ALTER TABLE ci.consent_event ENABLE TRIGGER consent_event_no_truncate;
ALTER TABLE ci.suppression ENABLE TRIGGER suppression_no_truncate;

-- 400 customers (more than the cache looks up one by one) in opt-out and
-- opt-in countries; marketing grants, withdrawals and an e-mail-only grant;
-- an analytics denial; two suppressions; one expiring grant.
INSERT INTO ci.source_record (record_id, source, source_key, given_name, country)
SELECT g, 'crm', 'par-' || g, 'N' || g, (ARRAY['US', 'DE', 'BR', 'CA', 'FR'])[1 + g % 5]
  FROM generate_series(1, 400) g;
INSERT INTO ci.identity (identity_id) SELECT generate_series(1, 400);
INSERT INTO ci.identity_link (record_id, identity_id, rule) SELECT g, g, 'par' FROM generate_series(1, 400) g;
SELECT ci.refresh_consent() > 0 AS computed;
SELECT count(*) AS recorded FROM (
  SELECT ci.record_consent('marketing', CASE WHEN g % 3 = 0 THEN 'withdrawn' ELSE 'granted' END,
                           identity_id => g, decided_at => '2025-01-01')
    FROM generate_series(1, 400, 7) g) s;
SELECT ci.record_consent('marketing', 'granted', identity_id => 2, channel => 'email', decided_at => '2025-02-01') > 0 AS recorded;
SELECT ci.record_consent('analytics', 'denied', identity_id => 5, decided_at => '2025-01-01') > 0 AS recorded;
SELECT ci.record_consent('marketing', 'granted', identity_id => 6, decided_at => '2025-01-01',
                         valid_until => now() + interval '1 day') > 0 AS recorded;
SELECT ci.suppress('hard_bounce', identity_id => 8, channel => 'email') > 0 AS suppressed;
SELECT ci.suppress('legal', identity_id => 9) > 0 AS suppressed;

-- Events: 20,000 rows, and some without a customer.
CREATE TABLE par_events (event_id int, customer_id bigint, amount int);
INSERT INTO par_events SELECT g, CASE WHEN g % 997 = 0 THEN NULL ELSE 1 + g % 400 END, g % 100
  FROM generate_series(1, 20000) g;
ANALYZE par_events;
SELECT ci.protect('par_events', 'customer_id', 'marketing', 'analytics');
CREATE ROLE regress_par_bi;
GRANT SELECT ON par_events TO regress_par_bi;
GRANT USAGE ON SCHEMA ci TO regress_par_bi;
GRANT EXECUTE ON FUNCTION ci.consent_check(bigint, text[]), ci.consent_allows(bigint, text, text) TO regress_par_bi;

-- The same queries, serial and with workers doing all the scanning
-- (psql variables: each query runs as written, not inside another).
\set q_sum 'SELECT count(*), sum(amount), count(DISTINCT customer_id) AS customers, sum(DISTINCT customer_id) AS id_sum FROM par_events'
\set q_some 'SELECT customer_id, count(*) FROM par_events WHERE customer_id IN (1, 2, 3, 5, 6, 8, 9) OR customer_id IS NULL GROUP BY 1 ORDER BY 1'
\set q_allows 'SELECT count(*) FROM par_events WHERE ci.consent_allows(customer_id, \'analytics\', \'sms\')'
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;
SET ROLE regress_par_bi;
SET ci.purpose = 'marketing';
-- the filter runs in the workers, below the Gather
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT count(*), sum(amount) FROM par_events;
SET max_parallel_workers_per_gather = 0;
:q_sum \gset serial_
:q_sum;
:q_some;
:q_allows;
SET max_parallel_workers_per_gather = 2;
SET force_parallel_mode = on;
:q_sum;
SELECT count(*) = :serial_count AND sum(amount) = :serial_sum AS same_as_serial FROM par_events;
:q_some;
:q_allows;
-- on the e-mail channel (customer 2's grant, customer 8's suppression)
SET ci.channel = 'email';
:q_some;
SET force_parallel_mode = off;
SET max_parallel_workers_per_gather = 0;
:q_some;
RESET ci.channel;
-- another purpose: the workers must not use the marketing answers
SET ci.purpose = 'analytics';
:q_sum;
:q_some;
SET max_parallel_workers_per_gather = 2;
SET force_parallel_mode = on;
:q_sum;
:q_some;
-- no purpose: nothing, in the workers too
RESET ci.purpose;
:q_sum;
RESET ROLE;

-- The workers take the leader's answers instead of reading them again
-- (one worker: one message).
SET ROLE regress_par_bi;
SET ci.purpose = 'marketing';
SET max_parallel_workers_per_gather = 1;
SET force_parallel_mode = on;
SET client_min_messages = debug1;
SELECT count(*), sum(amount) FROM par_events;
RESET client_min_messages;

-- A withdrawal committed between two parallel statements is honoured by
-- the second (the leader shares again, for the new snapshot); so is the
-- transaction's own change, and its rollback.  (Other sessions' changes
-- and REPEATABLE READ: test/isolation/specs/consent_withdrawal.spec.)
SELECT count(*) FROM par_events WHERE customer_id = 1;
RESET ROLE;
SELECT ci.record_consent('marketing', 'withdrawn', identity_id => 1) > 0 AS recorded;
SET ROLE regress_par_bi;
SELECT count(*) FROM par_events WHERE customer_id = 1;
BEGIN;
SELECT count(*) FROM par_events WHERE customer_id = 29;
RESET ROLE;
SELECT ci.record_consent('marketing', 'withdrawn', identity_id => 29) > 0 AS recorded;   -- own change, same transaction
SET ROLE regress_par_bi;
SELECT count(*) FROM par_events WHERE customer_id = 29;
ROLLBACK;
SET ROLE regress_par_bi;
SELECT count(*) FROM par_events WHERE customer_id = 29;
RESET ROLE;

-- The handle setting is the extension's: a role cannot point workers elsewhere.
SET ROLE regress_par_bi;
SET ci.consent_shared = '12345';
RESET ROLE;

SET force_parallel_mode = off;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET ci.purpose;
SELECT ci.unprotect('par_events');
DROP TABLE par_events;
REVOKE EXECUTE ON FUNCTION ci.consent_check(bigint, text[]), ci.consent_allows(bigint, text, text) FROM regress_par_bi;
REVOKE USAGE ON SCHEMA ci FROM regress_par_bi;
DROP ROLE regress_par_bi;
