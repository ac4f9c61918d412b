-- 0.1.0 -> 0.2.0 (issue 13, loading): the national id and postcode keys as C
-- functions (src/normalize/20_normalize_codes.sql).
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
