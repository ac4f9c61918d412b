-- 0.1.0 -> 0.2.0 (acc6): the nicknames the update added are shipped rows,
-- as CREATE EXTENSION records them (survive/91_shipped_config_rows.sql).
INSERT INTO ci.shipped_row (tab, key)
SELECT 'name_alias', ARRAY[a.name, a.alias] FROM ci.name_alias a
 WHERE NOT EXISTS (SELECT 1 FROM acc6_name_alias_before b WHERE b.name = a.name AND b.alias = a.alias)
ON CONFLICT DO NOTHING;
DROP TABLE acc6_name_alias_before;
