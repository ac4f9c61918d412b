-- Privileges on the audit tables per role kind (see src/common/90_roles.sql).
-- Stewards review the log; admins run its maintenance.  UPDATE and DELETE on
-- ci.audit_log only let ci.audit_redact and ci.audit_prune do their work:
-- the guard trigger refuses them as plain statements.  Nobody gets INSERT on
-- ci.audit_log; the trigger writes it on everyone's behalf.
INSERT INTO ci.role_privilege VALUES
    ('steward', 'TABLE', 'ci.audit_log',   'SELECT'),
    ('steward', 'TABLE', 'ci.audit_seal',  'SELECT'),
    ('steward', 'TABLE', 'ci.audit_chain', 'SELECT'),
    ('admin',   'TABLE', 'ci.audit_log',   'UPDATE, DELETE'),
    ('admin',   'TABLE', 'ci.audit_seal',  'INSERT, DELETE'),
    ('admin',   'TABLE', 'ci.audit_chain', 'INSERT, UPDATE');
