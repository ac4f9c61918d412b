-- The rows of every table of the extension, as jsonb (key order is jsonb's,
-- so column order does not matter), with time columns left out (they say
-- when the row was installed, not what it is).  Used on two databases
-- without user data: shipped rows must match between upgrade and fresh install.
\pset format unaligned
\pset tuples_only on
SELECT format($q$SELECT r FROM (SELECT %L || ' ' || (to_jsonb(t) - %L::text[])::text AS r FROM %s t) x ORDER BY r COLLATE "C"$q$,
              c.oid::regclass::text,
              ARRAY(SELECT a.attname FROM pg_attribute a
                    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                      AND (a.atttypid IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype)
                           -- the audit HMAC key is random per installation
                           OR (c.relname = 'audit_key' AND a.attname = 'key'))),
              c.oid::regclass)
FROM pg_class c
JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'customer_intel'
WHERE c.relkind IN ('r', 'p')
ORDER BY c.oid::regclass::text COLLATE "C"
\gexec
