-- What each kind of role needs on the consent objects (see
-- src/common/90_roles.sql).  Nobody gets INSERT, UPDATE or DELETE on the
-- ledger (ci.consent_event), the suppression lists or the derived state:
-- they are written only through the SECURITY DEFINER API
-- (ci.record_consent, ci.suppress, ci.lift_suppression,
-- ci.set_consent_jurisdiction), which application roles may execute.
-- ci.consent_secret (the HMAC key) is readable by the owner only.  Admins
-- change configuration, bindings, exemptions and protected tables.
INSERT INTO ci.role_privilege VALUES
    ('reader', 'TABLE', 'ci.consent_purpose',              'SELECT'),
    ('reader', 'TABLE', 'ci.consent_jurisdiction',         'SELECT'),
    ('reader', 'TABLE', 'ci.consent_jurisdiction_country', 'SELECT'),
    ('reader', 'TABLE', 'ci.consent_default',              'SELECT'),
    ('reader', 'TABLE', 'ci.consent_event',                'SELECT'),
    ('reader', 'TABLE', 'ci.consent_state',                'SELECT'),
    ('reader', 'TABLE', 'ci.consent_subject',              'SELECT'),
    ('reader', 'TABLE', 'ci.suppression',                  'SELECT'),
    ('reader', 'TABLE', 'ci.consent_jurisdiction_override', 'SELECT'),
    ('reader', 'TABLE', 'ci.consent_protected',            'SELECT'),
    ('reader', 'TABLE', 'ci.consent_purpose_binding',      'SELECT'),
    ('reader', 'TABLE', 'ci.consent_exempt_role',          'SELECT'),
    ('reader', 'TABLE', 'ci.consent_identity_fact',        'SELECT'),
    ('reader', 'TABLE', 'ci.consent_event_resolved',       'SELECT'),
    ('reader', 'TABLE', 'ci.consent_effective',            'SELECT'),
    ('reader', 'TABLE', 'ci.consent_coverage',             'SELECT'),
    ('reader', 'TABLE', 'ci.consent_withdrawals',          'SELECT'),
    ('reader', 'TABLE', 'ci.consent_reachable',            'SELECT'),
    ('admin',  'TABLE', 'ci.consent_purpose',              'INSERT, UPDATE, DELETE'),
    ('admin',  'TABLE', 'ci.consent_jurisdiction',         'INSERT, UPDATE, DELETE'),
    ('admin',  'TABLE', 'ci.consent_jurisdiction_country', 'INSERT, UPDATE, DELETE'),
    ('admin',  'TABLE', 'ci.consent_default',              'INSERT, UPDATE, DELETE'),
    ('admin',  'TABLE', 'ci.consent_protected',            'INSERT, UPDATE, DELETE'),
    ('admin',  'TABLE', 'ci.consent_purpose_binding',      'INSERT, UPDATE, DELETE'),
    ('admin',  'TABLE', 'ci.consent_exempt_role',          'INSERT, UPDATE, DELETE')
ON CONFLICT DO NOTHING;
