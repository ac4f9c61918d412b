-- Bookkeeping of the configuration rows the extension ships, so that
-- pg_dump and restore keep a DBA's changes to them: see
-- survive/90_shipped_config.sql for the rules (the tables are made here,
-- first, so that an upgrade can fill them before the other capabilities'
-- upgrade parts change shipped rows).

CREATE TABLE ci.shipped_row (
    tab         text NOT NULL CHECK (tab IN ('source', 'match_model', 'name_alias', 'golden_attribute')),
    key         text[] NOT NULL,
    as_shipped  boolean NOT NULL DEFAULT true,
    PRIMARY KEY (tab, key)
);
COMMENT ON TABLE ci.shipped_row IS 'Keys of the configuration rows CREATE EXTENSION ships (not dumped: CREATE EXTENSION recreates it)';
COMMENT ON COLUMN ci.shipped_row.tab IS 'table of ci holding the row: source, match_model (with its comparisons and blocking rules), name_alias, golden_attribute (with its survivorship rules)';
COMMENT ON COLUMN ci.shipped_row.as_shipped IS 'true while the row and its family are exactly as CREATE EXTENSION made them: an INSERT of its key (a restore) replaces it';

CREATE TABLE ci.shipped_row_deleted (
    tab         text NOT NULL CHECK (tab IN ('source', 'match_model', 'name_alias', 'golden_attribute')),
    key         text[] NOT NULL,
    deleted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tab, key)
);
COMMENT ON TABLE ci.shipped_row_deleted IS 'Shipped configuration rows that were deleted (or renamed); dumped, so that a restore deletes them again';
SELECT pg_catalog.pg_extension_config_dump('ci.shipped_row_deleted', '');

