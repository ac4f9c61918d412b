-- 0.1.0 -> 0.2.0 (priv), the last part of the capabilities that shipped in
-- 0.1.0: the same as src/survive/99_priv_final.sql of a fresh install.
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ci FROM PUBLIC;
