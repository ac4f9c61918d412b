-- What each kind of role needs on the survivorship objects (see
-- src/common/90_roles.sql).  Applications write source records, whose
-- queue triggers append to ci.golden_dirty as the writing role, and run
-- incremental refreshes; stewards pin values and unmerge (which moves links
-- and records decisions); admins change rules and source trust, whose
-- trigger flags every profile stale in ci.golden_stale as the role that
-- made the change (INSERT on that table), and an application's next
-- refresh rebuilds them (DELETE on that table).
INSERT INTO ci.role_privilege VALUES
    ('reader',      'TABLE',    'ci.golden_profile',     'SELECT'),
    ('reader',      'TABLE',    'ci.golden_attribute',   'SELECT'),
    ('reader',      'TABLE',    'ci.survivorship_rule',  'SELECT'),
    ('reader',      'TABLE',    'ci.golden_override',    'SELECT'),
    ('reader',      'TABLE',    'ci.golden_conflict',    'SELECT'),
    ('reader',      'TABLE',    'ci.golden_dirty',       'SELECT'),
    ('reader',      'TABLE',    'ci.golden_stale',       'SELECT'),
    ('application', 'TABLE',    'ci.golden_dirty',       'INSERT, UPDATE, DELETE'),
    ('application', 'TABLE',    'ci.golden_profile',     'INSERT, UPDATE, DELETE'),
    ('application', 'TABLE',    'ci.golden_stale',       'DELETE'),
    ('steward',     'TABLE',    'ci.golden_override',    'INSERT, UPDATE, DELETE'),
    ('steward',     'TABLE',    'ci.identity',           'INSERT, UPDATE'),
    ('steward',     'SEQUENCE', 'ci.identity_identity_id_seq', 'USAGE'),
    ('steward',     'TABLE',    'ci.identity_link',      'UPDATE'),
    ('steward',     'TABLE',    'ci.identity_event',     'INSERT'),
    ('admin',       'TABLE',    'ci.survivorship_rule',  'INSERT, UPDATE, DELETE'),
    ('admin',       'SEQUENCE', 'ci.survivorship_rule_rule_id_seq', 'USAGE'),
    ('admin',       'TABLE',    'ci.golden_stale',       'INSERT')
ON CONFLICT DO NOTHING;

-- Nothing of the extension is PUBLIC's (see src/common/90_roles.sql).
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ci FROM PUBLIC;
