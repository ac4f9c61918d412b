-- String and date similarity primitives (C: src/similarity/similarity*.c).
-- All compare Unicode code points, not bytes, and refuse strings longer than
-- 65535 characters with SQLSTATE 54000.  Formulas: doc/matching.md.

CREATE FUNCTION ci.jaro(a text, b text) RETURNS float8
    AS 'MODULE_PATHNAME', 'match_sql_jaro'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ci.jaro(text, text) IS
'Jaro similarity of two strings in [0,1] over code points; 1 for two empty strings, 0 when exactly one is empty';

CREATE FUNCTION ci.jaro_winkler(a text, b text,
                                prefix_scale float8 DEFAULT 0.1,
                                boost_threshold float8 DEFAULT 0.7) RETURNS float8
    AS 'MODULE_PATHNAME', 'match_sql_jaro_winkler'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ci.jaro_winkler(text, text, float8, float8) IS
'Jaro-Winkler similarity in [0,1]: jaro + l*prefix_scale*(1-jaro) when jaro > boost_threshold, l = common prefix length (at most 4); prefix_scale in [0,0.25], boost_threshold in [0,1]';

CREATE FUNCTION ci.levenshtein(a text, b text) RETURNS int4
    AS 'MODULE_PATHNAME', 'match_sql_levenshtein'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ci.levenshtein(text, text) IS
'Levenshtein edit distance in code points (insertion, deletion, substitution cost 1 each)';

CREATE FUNCTION ci.levenshtein(a text, b text, max_distance int4) RETURNS int4
    AS 'MODULE_PATHNAME', 'match_sql_levenshtein_bounded'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ci.levenshtein(text, text, int4) IS
'Levenshtein distance when at most max_distance, else max_distance + 1 (computed in a band, stopping early); max_distance must be >= 0';

CREATE FUNCTION ci.damerau_levenshtein(a text, b text) RETURNS int4
    AS 'MODULE_PATHNAME', 'match_sql_damerau_osa'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ci.damerau_levenshtein(text, text) IS
'Damerau-Levenshtein distance, optimal string alignment variant: Levenshtein plus adjacent transposition at cost 1, no substring edited twice';

CREATE FUNCTION ci.damerau_levenshtein(a text, b text, max_distance int4) RETURNS int4
    AS 'MODULE_PATHNAME', 'match_sql_damerau_osa_bounded'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ci.damerau_levenshtein(text, text, int4) IS
'Optimal string alignment distance when at most max_distance, else max_distance + 1 (computed in a band, stopping early); max_distance must be >= 0';

CREATE FUNCTION ci.birthdate_similarity(a date, b date) RETURNS float8
    AS 'MODULE_PATHNAME', 'match_sql_birthdate_similarity'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ci.birthdate_similarity(date, date) IS
'1 equal; 0.9 day and month swapped; 0.8 one digit differs in one of DD, MM, YYYY; 0.7 two adjacent digits swapped in one field; 0 otherwise and for infinite dates';

CREATE FUNCTION ci.token_set_similarity(a text, b text) RETURNS float8
    AS 'MODULE_PATHNAME', 'match_sql_token_set_similarity'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ci.token_set_similarity(text, text) IS
'Order-insensitive similarity of multi-part names: tokens split at whitespace and hyphens, best one-to-one pairing by Jaro-Winkler, M/(n + 0.1*(m-n)) with n, m the smaller and larger distinct token counts';
