-- Privileges on retention's objects per role kind (see src/common/90_roles.sql).
-- Analysts see the dashboards; stewards record requests; administrators
-- change policies, place holds and run purges and erasures.
INSERT INTO ci.role_privilege VALUES
    ('reader',      'TABLE', 'ci.retention_overview',     'SELECT'),
    ('reader',      'TABLE', 'ci.privacy_request_queue',  'SELECT'),
    ('reader',      'TABLE', 'ci.retention_run_report',   'SELECT'),
    ('reader',      'TABLE', 'ci.retention_policy',       'SELECT'),
    ('reader',      'TABLE', 'ci.retention_table',        'SELECT'),
    ('reader',      'TABLE', 'ci.retention_jurisdiction', 'SELECT'),
    ('steward',     'TABLE', 'ci.erasure_request',        'SELECT, INSERT'),
    ('steward',     'SEQUENCE', 'ci.erasure_request_request_id_seq', 'USAGE'),
    ('steward',     'TABLE', 'ci.access_request',         'SELECT, INSERT'),
    ('steward',     'SEQUENCE', 'ci.access_request_request_id_seq', 'USAGE'),
    ('steward',     'TABLE', 'ci.legal_hold',             'SELECT'),
    ('admin',       'TABLE', 'ci.retention_table',        'INSERT, UPDATE, DELETE'),
    ('admin',       'TABLE', 'ci.retention_policy',       'INSERT, UPDATE, DELETE'),
    ('admin',       'TABLE', 'ci.retention_policy_version', 'SELECT, INSERT'),
    ('admin',       'TABLE', 'ci.legal_hold',             'INSERT, UPDATE'),
    ('admin',       'SEQUENCE', 'ci.legal_hold_hold_id_seq', 'USAGE'),
    ('admin',       'TABLE', 'ci.erasure_request',        'UPDATE'),
    ('admin',       'TABLE', 'ci.erasure_certificate',    'SELECT, INSERT'),
    ('admin',       'TABLE', 'ci.access_request',         'UPDATE'),
    ('admin',       'TABLE', 'ci.retention_run',          'SELECT, INSERT, UPDATE'),
    ('admin',       'TABLE', 'ci.retention_run_step',     'SELECT, INSERT, UPDATE'),
    ('admin',       'SEQUENCE', 'ci.retention_run_run_id_seq', 'USAGE');
