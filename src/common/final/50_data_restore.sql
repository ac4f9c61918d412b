-- The one entry point of a data-only restore without triggers
-- (pg_restore --data-only --disable-triggers): it clears the untouched
-- shipped configuration rows of every capability, so that the dumped rows
-- load without conflict.  It lives here, after every capability, because
-- it calls each one's own (a capability never calls a later one).
CREATE FUNCTION ci.prepare_data_restore()
RETURNS bigint LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT ci.shipped_config_prepare_data_restore()
         + ci.consent_prepare_data_restore()
         + ci.retention_prepare_data_restore();
END;
COMMENT ON FUNCTION ci.prepare_data_restore() IS 'Deletes the untouched shipped configuration rows of every capability (models with their comparisons and rules, sources, nicknames, golden attributes, consent and retention defaults) so that a data-only restore without triggers can load the dumped ones; returns how many were deleted';
REVOKE ALL ON FUNCTION ci.prepare_data_restore() FROM PUBLIC;
