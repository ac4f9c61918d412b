-- What each kind of role needs on the identity-resolution objects (see
-- src/common/90_roles.sql).  Readers see models, runs, decisions and the
-- review queue; applications resolve records one at a time
-- (ci.resolve_record, also as a trigger), which creates, extends and
-- merges identities and queues review pairs; stewards decide pairs; admins
-- change models and nicknames and run full resolutions and training.
INSERT INTO ci.role_privilege VALUES
    ('reader',      'TABLE',    'ci.match_model',            'SELECT'),
    ('reader',      'TABLE',    'ci.match_comparison',       'SELECT'),
    ('reader',      'TABLE',    'ci.match_blocking_rule',    'SELECT'),
    ('reader',      'TABLE',    'ci.match_term_frequency',   'SELECT'),
    ('reader',      'TABLE',    'ci.match_decision',         'SELECT'),
    ('reader',      'TABLE',    'ci.match_review',           'SELECT'),
    ('reader',      'TABLE',    'ci.match_run',              'SELECT'),
    ('reader',      'TABLE',    'ci.name_alias',             'SELECT'),
    ('reader',      'TABLE',    'ci.match_parameters',       'SELECT'),
    ('reader',      'TABLE',    'ci.match_review_queue',     'SELECT'),
    ('application', 'TABLE',    'ci.identity',               'INSERT, UPDATE'),
    ('application', 'SEQUENCE', 'ci.identity_identity_id_seq', 'USAGE'),
    ('application', 'TABLE',    'ci.identity_link',          'INSERT, UPDATE, DELETE'),
    ('application', 'TABLE',    'ci.identity_event',         'INSERT'),
    ('application', 'SEQUENCE', 'ci.identity_event_event_id_seq', 'USAGE'),
    ('application', 'TABLE',    'ci.match_review',           'INSERT, UPDATE, DELETE'),
    ('steward',     'TABLE',    'ci.match_decision',         'SELECT, INSERT, UPDATE, DELETE'),
    ('admin',       'TABLE',    'ci.match_model',            'INSERT, UPDATE, DELETE'),
    ('admin',       'TABLE',    'ci.match_comparison',       'INSERT, UPDATE, DELETE'),
    ('admin',       'TABLE',    'ci.match_blocking_rule',    'INSERT, UPDATE, DELETE'),
    ('admin',       'TABLE',    'ci.match_term_frequency',   'INSERT, UPDATE, DELETE'),
    ('admin',       'TABLE',    'ci.match_run',              'INSERT, UPDATE, DELETE'),
    ('admin',       'SEQUENCE', 'ci.match_run_run_id_seq',   'USAGE'),
    ('admin',       'TABLE',    'ci.name_alias',             'INSERT, UPDATE, DELETE')
ON CONFLICT DO NOTHING;

-- Nothing of the extension is PUBLIC's (see src/common/90_roles.sql).
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ci FROM PUBLIC;
