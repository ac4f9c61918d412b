-- Every configuration row that exists at this point was shipped: record
-- their keys as untouched (see 90_shipped_config.sql).
INSERT INTO ci.shipped_row (tab, key)
SELECT 'source', ARRAY[source] FROM ci.source
UNION ALL
SELECT 'match_model', ARRAY[model] FROM ci.match_model
UNION ALL
SELECT 'name_alias', ARRAY[name, alias] FROM ci.name_alias
UNION ALL
SELECT 'golden_attribute', ARRAY[attribute] FROM ci.golden_attribute;
