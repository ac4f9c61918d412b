-- The extension installs into its own schema and DROP EXTENSION removes
-- every object it made, the schema included.
SELECT extname, extversion, extrelocatable FROM pg_extension WHERE extname = 'customer_intel';
SELECT nspname FROM pg_namespace WHERE nspname = 'ci';
DROP EXTENSION customer_intel;
SELECT count(*) AS schemas_left FROM pg_namespace WHERE nspname = 'ci';
SELECT count(*) AS functions_left FROM pg_proc WHERE proname LIKE 'ci\_%' OR pronamespace::regnamespace::text = 'ci';
CREATE EXTENSION customer_intel;
SELECT count(*) AS schemas FROM pg_namespace WHERE nspname = 'ci';
