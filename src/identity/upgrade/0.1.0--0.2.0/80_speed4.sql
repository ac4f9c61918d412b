-- 0.1.0 -> 0.2.0 (issue 13, speed): a full run writes its new links in
-- bulk without the per-row record_id foreign-key check; statements that
-- delete records or change their record_id first lock ci.identity_link
-- (src/identity/50_identity.sql).
CREATE FUNCTION ci.source_record_link_lock() RETURNS trigger
    AS 'MODULE_PATHNAME', 'match_source_record_lock'
    LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ci.source_record_link_lock() IS
'Statement trigger of ci.source_record: a DELETE or a change of record_id first locks ci.identity_link (ROW EXCLUSIVE), so it waits for a full resolution run in progress';
CREATE TRIGGER source_record_link_lock BEFORE DELETE OR UPDATE OF record_id ON ci.source_record
    FOR EACH STATEMENT EXECUTE FUNCTION ci.source_record_link_lock();
