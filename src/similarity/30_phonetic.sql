-- Phonetic codes (C: src/similarity/double_metaphone.c).  Input is folded to
-- ASCII upper case first; letters of non-Latin scripts are skipped, so
-- transliterate with ci.normalize_name before coding such names.

CREATE FUNCTION ci.double_metaphone(name text) RETURNS text[]
    AS 'MODULE_PATHNAME', 'match_sql_double_metaphone'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ci.double_metaphone(text) IS
'Double Metaphone codes {primary, alternate} (at most 4 characters each; alternate equals primary when there is no variant); Latin letters folded to ASCII, other scripts skipped';

CREATE FUNCTION ci.dmetaphone(name text) RETURNS text
    AS 'MODULE_PATHNAME', 'match_sql_dmetaphone'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ci.dmetaphone(text) IS
'Primary Double Metaphone code (at most 4 characters) of a name; see ci.double_metaphone';

CREATE FUNCTION ci.dmetaphone_alt(name text) RETURNS text
    AS 'MODULE_PATHNAME', 'match_sql_dmetaphone_alt'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ci.dmetaphone_alt(text) IS
'Alternate Double Metaphone code (at most 4 characters) of a name; equals the primary when there is no variant; see ci.double_metaphone';
