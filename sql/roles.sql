-- The role model: ci.grant_role grants a DBA-made role what its kind needs;
-- each kind includes the ones before it.
CREATE ROLE regress_ci_reader;
CREATE ROLE regress_ci_app;

-- A reader may read tables and call pure functions, not write.
SELECT count(*) > 0 AS granted FROM ci.grant_role('regress_ci_reader', 'reader');
SET ROLE regress_ci_reader;
SELECT ci.jaro_winkler('martha', 'marhta') > 0.9 AS can_compare;
SELECT count(*) AS sources FROM ci.source;
INSERT INTO ci.source_record (source, source_key) VALUES ('crm', 'r1');  -- denied
SELECT count(*) >= 0 AS can_read_models FROM ci.match_parameters;
RESET ROLE;

-- An application may also write source records.
SELECT count(*) > 0 AS granted FROM ci.grant_role('regress_ci_app', 'application');
SET ROLE regress_ci_app;
INSERT INTO ci.source_record (source, source_key, given_name) VALUES ('crm', 'r1', 'Ann');
-- ... and resolve them one at a time (what an insert trigger would do).
SELECT ci.resolve_record(record_id) IS NOT NULL AS resolved FROM ci.source_record WHERE source_key = 'r1';
UPDATE ci.source SET trust = 1;  -- not its business
RESET ROLE;
SELECT given_name FROM ci.source_record WHERE source_key = 'r1';

-- Bad calls.
SELECT ci.grant_role('regress_ci_reader', 'superhero');
SELECT ci.grant_role('regress_ci_nobody', 'reader');
SELECT count(*) AS statements FROM ci.grant_role(NULL, 'reader');  -- STRICT: nothing granted

-- Only administrators may hand out privileges.
SET ROLE regress_ci_app;
SELECT ci.grant_role('regress_ci_app', 'admin');
RESET ROLE;

-- revoke_role takes everything back; then the roles can be dropped.
DELETE FROM ci.source_record WHERE source_key = 'r1';
SELECT ci.revoke_role('regress_ci_reader'), ci.revoke_role('regress_ci_app');
SET ROLE regress_ci_reader;
SELECT count(*) FROM ci.source;
RESET ROLE;
DROP ROLE regress_ci_reader;
DROP ROLE regress_ci_app;
