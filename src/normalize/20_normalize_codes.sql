-- Identifiers and postcodes as identity resolution's keys (the generated
-- columns national_id_norm and postcode_norm of ci.source_record).  The
-- same values as the SQL expressions in the comments, one C call each
-- (src/normalize/normalize_code.c says why).  upper() follows the call's
-- collation, as upper() does.
CREATE FUNCTION ci.normalize_national_id(national_id text) RETURNS text
    AS 'MODULE_PATHNAME', 'match_normalize_national_id'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 5;
COMMENT ON FUNCTION ci.normalize_national_id(text) IS
'national id (tax, social-security or loyalty number) with everything but ASCII letters and digits removed, upper case; NULL when nothing is left: nullif(upper(regexp_replace(national_id, ''[^0-9A-Za-z]'', '''', ''g'')), '''')';

CREATE FUNCTION ci.normalize_postcode(postcode text) RETURNS text
    AS 'MODULE_PATHNAME', 'match_normalize_postcode'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 5;
COMMENT ON FUNCTION ci.normalize_postcode(text) IS
'postcode with white space removed, upper case; NULL when nothing is left: nullif(upper(regexp_replace(postcode, ''\s'', '''', ''g'')), '''')';
