-- A full run writes its new identities, links, events and review pairs in
-- bulk (src/common/bulk_insert.c), one statement per table: triggers still
-- fire as for an INSERT -- AFTER ROW triggers once per row, statement
-- triggers once, with every row in their transition table -- and a table
-- with a BEFORE ROW trigger is written with SQL instead, with the same rows.
BEGIN;
SET LOCAL client_min_messages = warning;
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, birth_date) VALUES
    ('crm', 'bw-1', 'Ann', 'Smith', 'ann.smith@example.com', '1980-02-03'),
    ('web', 'bw-2', 'Ann', 'Smith', 'ann.smith@example.com', '1980-02-03'),
    ('pos', 'bw-3', 'Bob', 'Jones', 'bob.jones@example.com', '1975-06-07');
CREATE TEMP TABLE seen (what text, n bigint);
CREATE FUNCTION pg_temp.link_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO seen VALUES ('row', 1); RETURN NULL; END $$;
CREATE FUNCTION pg_temp.link_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO seen SELECT 'statement', count(*) FROM new_links; RETURN NULL; END $$;
CREATE TRIGGER bw_row AFTER INSERT ON ci.identity_link FOR EACH ROW EXECUTE FUNCTION pg_temp.link_row();
CREATE TRIGGER bw_statement AFTER INSERT ON ci.identity_link REFERENCING NEW TABLE AS new_links
    FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.link_statement();
SELECT records, links, identities, new_identities FROM ci.resolve_identities('default', retrain => false);
-- three rows, one statement that saw all three
SELECT what, count(*) AS fired, sum(n) AS rows FROM seen GROUP BY what ORDER BY what;
SELECT r.source_key, l.rule, l.identity_id = first_value(l.identity_id) OVER (ORDER BY r.source_key) AS with_bw_1
  FROM ci.identity_link l JOIN ci.source_record r USING (record_id) WHERE r.source_key LIKE 'bw-%' ORDER BY 1;
SELECT event, cardinality(record_ids) AS records FROM ci.identity_event ORDER BY event_id;
ROLLBACK;

-- With a BEFORE ROW trigger on the links the run writes them with SQL: the
-- trigger runs and the rows are the same.
BEGIN;
SET LOCAL client_min_messages = warning;
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, birth_date) VALUES
    ('crm', 'bw-1', 'Ann', 'Smith', 'ann.smith@example.com', '1980-02-03'),
    ('web', 'bw-2', 'Ann', 'Smith', 'ann.smith@example.com', '1980-02-03'),
    ('pos', 'bw-3', 'Bob', 'Jones', 'bob.jones@example.com', '1975-06-07');
CREATE FUNCTION pg_temp.link_before() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.rule := NEW.rule || ' (seen)'; RETURN NEW; END $$;
CREATE TRIGGER bw_before BEFORE INSERT ON ci.identity_link FOR EACH ROW EXECUTE FUNCTION pg_temp.link_before();
SELECT records, links, identities, new_identities FROM ci.resolve_identities('default', retrain => false);
SELECT r.source_key, l.rule FROM ci.identity_link l JOIN ci.source_record r USING (record_id)
 WHERE r.source_key LIKE 'bw-%' ORDER BY 1;
ROLLBACK;

-- The lock trigger of ci.source_record (see identity_run_record_delete):
-- on its own table only, and only as a statement trigger.
BEGIN;
CREATE TABLE public.bw_other (id int);
CREATE TRIGGER bw_lock BEFORE DELETE ON public.bw_other FOR EACH STATEMENT EXECUTE FUNCTION ci.source_record_link_lock();
DELETE FROM public.bw_other;
ROLLBACK;
BEGIN;
CREATE TRIGGER bw_lock_row BEFORE DELETE ON ci.source_record FOR EACH ROW EXECUTE FUNCTION ci.source_record_link_lock();
INSERT INTO ci.source_record (source, source_key, given_name) VALUES ('crm', 'bw-9', 'Cy');
DELETE FROM ci.source_record WHERE source_key = 'bw-9';
ROLLBACK;
SELECT ci.source_record_link_lock();
