-- Survivorship under the role model: what an application, a steward and a
-- reader may do once ci.grant_role has granted their kind.
-- Tests share one database: start from empty canonical tables.
TRUNCATE ci.source_record, ci.identity, ci.identity_link, ci.identity_event, ci.golden_profile,
         ci.golden_override, ci.golden_dirty, ci.match_decision, ci.match_review RESTART IDENTITY CASCADE;
CREATE ROLE regress_sv_reader;
CREATE ROLE regress_sv_app;
CREATE ROLE regress_sv_steward;
SELECT count(*) > 0 AS granted FROM ci.grant_role('regress_sv_reader', 'reader');
SELECT count(*) > 0 AS granted FROM ci.grant_role('regress_sv_app', 'application');
SELECT count(*) > 0 AS granted FROM ci.grant_role('regress_sv_steward', 'steward');

INSERT INTO ci.source_record (record_id, source, source_key, given_name, updated_at) VALUES
    (1, 'crm', 'k1', 'Ann', '2024-01-01'), (2, 'web', 'k2', 'Anna', '2024-02-01');
INSERT INTO ci.identity SELECT FROM generate_series(1, 1);
INSERT INTO ci.identity_link (record_id, identity_id, rule) VALUES (1, 1, 'test'), (2, 1, 'test');
SELECT ci.build_golden_profiles();

-- An application updates records (the queue triggers run as it) and
-- refreshes the profiles incrementally.
SET ROLE regress_sv_app;
UPDATE ci.source_record SET given_name = 'Annie', updated_at = '2024-03-01' WHERE record_id = 2;
SELECT ci.refresh_golden_profiles() AS refreshed;
SELECT given_name FROM ci.golden_profile;
-- but may not pin values or change rules
SELECT ci.pin_golden_value(1, 'given_name', 'Ann', 'not mine to decide');
UPDATE ci.survivorship_rule SET kind = 'most_recent' WHERE attribute = 'given_name';
RESET ROLE;

-- A steward pins values and unmerges.
SET ROLE regress_sv_steward;
SELECT ci.pin_golden_value(1, 'given_name', 'Ann', 'confirmed by phone');
SELECT ci.unmerge_records(ARRAY[2::bigint], NULL, 'another person') > 1 AS unmerged;
SELECT count(*) AS profiles FROM ci.golden_profile;
RESET ROLE;

-- A reader reads profiles, lineage and the conflict queue, and writes nothing.
SET ROLE regress_sv_reader;
SELECT identity_id, given_name FROM ci.golden_profile ORDER BY 1;
SELECT attribute, value, pinned FROM ci.golden_lineage(1) WHERE attribute = 'given_name';
SELECT count(*) AS conflicts FROM ci.golden_conflict;
SELECT ci.refresh_golden_profiles();
RESET ROLE;

SELECT ci.revoke_role('regress_sv_reader'), ci.revoke_role('regress_sv_app'), ci.revoke_role('regress_sv_steward');
DROP ROLE regress_sv_reader;
DROP ROLE regress_sv_app;
DROP ROLE regress_sv_steward;

-- Leave the canonical tables empty for the tests that follow.
TRUNCATE ci.source_record, ci.identity, ci.identity_link, ci.identity_event, ci.golden_profile,
         ci.golden_override, ci.golden_dirty, ci.match_decision, ci.match_review RESTART IDENTITY CASCADE;
