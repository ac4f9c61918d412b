-- ci.distribute() on a single node: there is nothing to distribute and it
-- says so; the layout and the plan still read (doc/scaling.md).  The Citus
-- suite (test/citus/) tests the distribution itself.
SELECT * FROM ci.distribute();

-- Every table of the layout is installed, in working order: reference
-- tables, then the record side, then the identity side, then what stays on
-- the coordinator; each co-location target comes earlier with its own
-- column's type.
SELECT step, relation, placement, distribution_column, colocate_with FROM ci.distribution_layout();
SELECT l.relation, l.colocate_with
FROM ci.distribution_layout() l JOIN ci.distribution_layout() t ON t.relation = l.colocate_with
WHERE t.step >= l.step OR t.placement <> 'distributed'
   OR (SELECT atttypid FROM pg_attribute WHERE attrelid = l.relation AND attname = l.distribution_column)
      IS DISTINCT FROM (SELECT atttypid FROM pg_attribute WHERE attrelid = t.relation AND attname = t.distribution_column);

-- Without Citus the plan still tells what would stop each table.
SELECT count(*) AS tables, count(*) FILTER (WHERE status IN ('ready', 'blocked', 'local')) AS known_status
FROM ci.distribution_plan();
SELECT status, blockers FROM ci.distribution_plan() WHERE relation = 'ci.match_run'::regclass;
-- What ci.distribute() changes itself is listed apart, not as a blocker.
SELECT status, 'unique constraint source_record_source_source_key_key does not include the distribution column record_id' = ANY (changes)
       AS source_key_moved, blockers
FROM ci.distribution_plan() WHERE relation = 'ci.source_record'::regclass;
SELECT relation, status FROM ci.distribution_plan() WHERE status = 'blocked';

-- On one node: not distributed, nothing to register, and the golden
-- statements join links and records as before (the member copy stays empty).
SELECT ci.scale_distributed() AS distributed, ci.register_source_keys() AS keys_registered;
SELECT position('ci.identity_link l JOIN ci.source_record r' IN ci.golden_profile_sql()) > 0 AS reads_links,
       position('identity_member' IN ci.golden_profile_sql()) = 0 AS no_member_copy;

-- The blockers of a table of one's own, against the layout's rules.
CREATE TABLE my_customer (id bigint PRIMARY KEY, email text UNIQUE, identity_id bigint REFERENCES ci.identity);
SELECT ci.distribution_blockers('my_customer', 'distributed', 'id', NULL);
SELECT ci.distribution_blockers('my_customer', 'distributed', 'no_such_column', NULL);
DROP TABLE my_customer;

-- Reporting direct changes to source records: on one node the triggers
-- queued them already, so nothing is copied or queued; NULL is refused.
SELECT ci.source_records_changed(ARRAY[1, 2]::bigint[]) AS queued_on_one_node;
SELECT ci.source_records_changed(NULL);
-- the refused tables of the capabilities: without Citus nothing is refused
SELECT ci.scale_refuse_citus_table('ci.golden_profile', 'ci.audit') AS not_refused;
-- the golden upsert statement in both forms, for EXPLAIN
SELECT position('WITH g AS' IN ci.golden_upsert_sql(true, false)) > 0 AS one_node_form,
       position('ci.identity_member' IN ci.golden_upsert_sql(true, true)) = 0 AS member_copy_only_when_distributed;
