-- The last part of the capabilities that shipped in 0.1.0 (its upgrade
-- twin: upgrade/0.1.0--0.2.0/99_priv_final.sql): none of their functions is
-- executable by PUBLIC (doc/security.md, "The role model"), whichever part
-- created it.  A capability added later ends its own roles part with this
-- REVOKE; test/pgtap/privileges.sql fails on a function PUBLIC may execute.
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ci FROM PUBLIC;
