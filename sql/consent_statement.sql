-- Consent: the row filter checks its cache once per executor run (a plan's
-- own call site) and on every call elsewhere (a PL/pgSQL expression keeps
-- its call site across statements).  Each must see a change made by the
-- statement before it; a cursor keeps the answers of its snapshot.
SET TimeZone = 'UTC';
\set SHOW_CONTEXT never
TRUNCATE ci.source_record, ci.identity, ci.identity_link, ci.identity_event RESTART IDENTITY CASCADE;
ALTER TABLE ci.consent_event DISABLE TRIGGER consent_event_no_truncate;
ALTER TABLE ci.suppression DISABLE TRIGGER suppression_no_truncate;
TRUNCATE ci.consent_event, ci.suppression, ci.consent_jurisdiction_override RESTART IDENTITY;
TRUNCATE ci.consent_state, ci.consent_subject;
ALTER TABLE ci.consent_event ENABLE TRIGGER consent_event_no_truncate;
ALTER TABLE ci.suppression ENABLE TRIGGER suppression_no_truncate;

-- 100 customers in the US (opt-out: allowed unless withdrawn).
INSERT INTO ci.source_record (record_id, source, source_key, given_name, country)
SELECT g, 'crm', 'st-' || g, 'N' || g, 'US' FROM generate_series(1, 100) g;
INSERT INTO ci.identity (identity_id) SELECT generate_series(1, 100);
INSERT INTO ci.identity_link (record_id, identity_id, rule) SELECT g, g, 'st' FROM generate_series(1, 100) g;
SELECT ci.refresh_consent() > 0 AS computed;
CREATE TABLE st_events (event_id int, customer_id bigint);
INSERT INTO st_events SELECT g, 1 + g % 100 FROM generate_series(1, 1000) g;
SELECT ci.protect('st_events', 'customer_id', 'marketing');
SET ci.purpose = 'marketing';
-- (the superuser running this is not filtered: the check is called directly)

-- A PL/pgSQL loop: the same expression (one call site) and the same query
-- (a new run each time) before and after a withdrawal in the loop.
CREATE FUNCTION pg_temp.st_loop(p_customer bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_out text := '';
    v_n   bigint;
BEGIN
    FOR i IN 1 .. 3 LOOP
        SELECT count(*) INTO v_n FROM st_events WHERE ci.consent_check(customer_id, '{marketing}') AND customer_id = p_customer;
        v_out := v_out || format('%s:%s/%s ', i, ci.consent_check(p_customer, '{marketing}'), v_n);
        IF i = 1 THEN
            PERFORM ci.record_consent('marketing', 'withdrawn', identity_id => p_customer, decided_at => clock_timestamp());
        ELSIF i = 2 THEN
            PERFORM ci.record_consent('marketing', 'granted', identity_id => p_customer, decided_at => clock_timestamp());
        END IF;
    END LOOP;
    RETURN v_out;
END $$;
SELECT pg_temp.st_loop(7);              -- called from a query's run
DO $$ BEGIN RAISE NOTICE '%', pg_temp.st_loop(8); END $$;   -- from a DO block
-- The expression alone: nothing else checks consent between its calls.
CREATE FUNCTION pg_temp.st_expr(p_customer bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_out text := '';
BEGIN
    FOR i IN 1 .. 3 LOOP
        v_out := v_out || format('%s:%s ', i, ci.consent_check(p_customer, '{marketing}'));
        PERFORM ci.record_consent('marketing', CASE i WHEN 1 THEN 'withdrawn' ELSE 'granted' END,
                                  identity_id => p_customer, decided_at => clock_timestamp());
    END LOOP;
    RETURN v_out;
END $$;
SELECT pg_temp.st_expr(11);
-- The same from a query over many rows: a nested statement between two rows
-- changes consent; the outer query keeps its snapshot's answers.
SELECT count(*) FILTER (WHERE ci.consent_check(customer_id, '{marketing}')) AS allowed_rows,
       count(*) FILTER (WHERE customer_id = 9 AND ci.consent_check(customer_id, '{marketing}')) AS rows_of_9,
       max(ci.record_consent('marketing', 'withdrawn', identity_id => 9)) FILTER (WHERE event_id = 1) > 0 AS withdrew
  FROM st_events;
SELECT count(*) FILTER (WHERE customer_id = 9 AND ci.consent_check(customer_id, '{marketing}')) AS rows_of_9 FROM st_events;
SELECT ci.record_consent('marketing', 'granted', identity_id => 9) > 0 AS recorded;

-- A cursor reads with its own snapshot, consent included.
BEGIN;
DECLARE c CURSOR FOR SELECT event_id, ci.consent_check(customer_id, '{marketing}') AS allowed FROM st_events WHERE customer_id = 10 ORDER BY event_id;
FETCH 2 FROM c;
SELECT ci.record_consent('marketing', 'withdrawn', identity_id => 10) > 0 AS recorded;
FETCH 2 FROM c;
SELECT count(*) FILTER (WHERE ci.consent_check(customer_id, '{marketing}')) AS allowed_now FROM st_events WHERE customer_id = 10;
COMMIT;

-- Changing the purpose between two rows of one query counts from the next row.
CREATE FUNCTION pg_temp.st_switch() RETURNS boolean LANGUAGE sql AS $$ SELECT set_config('ci.purpose', 'analytics', false) IS NOT NULL $$;
SELECT event_id, ci.consent_check(customer_id, '{marketing}') AS marketing_table,
       event_id = 2 AND pg_temp.st_switch() AS switched
  FROM st_events WHERE event_id <= 3;   -- scan order (no sort: it would evaluate the switch after the check)
SHOW ci.purpose;
RESET ci.purpose;

-- Table purposes that vary from row to row are looked at on every row.
SET ci.purpose = 'marketing';
SELECT p, ci.consent_check(1, p) FROM (VALUES ('{marketing}'::text[]), ('{analytics}'), ('{marketing,analytics}'), (NULL)) v(p);
RESET ci.purpose;

SELECT ci.unprotect('st_events');
DROP TABLE st_events;
