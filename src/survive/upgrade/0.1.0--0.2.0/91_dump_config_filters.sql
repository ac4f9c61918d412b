-- 0.1.0 -> 0.2.0: every row of the configuration tables is dumped, the
-- shipped ones too (src/survive/90_shipped_config.sql says how a restore
-- puts them back); golden attributes are dumped from now on.
SELECT pg_catalog.pg_extension_config_dump('ci.source', '');
SELECT pg_catalog.pg_extension_config_dump('ci.match_model', '');
SELECT pg_catalog.pg_extension_config_dump('ci.match_comparison', '');
SELECT pg_catalog.pg_extension_config_dump('ci.match_blocking_rule', '');
SELECT pg_catalog.pg_extension_config_dump('ci.name_alias', '');
SELECT pg_catalog.pg_extension_config_dump('ci.golden_attribute', '');
SELECT pg_catalog.pg_extension_config_dump('ci.survivorship_rule', '');
COMMENT ON COLUMN ci.name_alias.shipped IS 'true for the rows CREATE EXTENSION inserts';
COMMENT ON COLUMN ci.survivorship_rule.builtin IS 'shipped by the extension (dumped like the others: a restore puts back an edited one as it was dumped)';
