-- The schema is created here, not named in the control file, so that it is
-- a member of the extension and DROP EXTENSION removes it with everything in it.
CREATE SCHEMA ci;
COMMENT ON SCHEMA ci IS 'customer_intel: identity matching, survivorship, consent, retention and audit';
