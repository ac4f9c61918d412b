-- 0.1.0 -> 0.2.0 (issue 13, loading): the normalised columns of
-- ci.source_record are COLLATE "C" (src/identity/60_match_features.sql);
-- golden values keep ranking under the default collation.
CREATE OR REPLACE FUNCTION ci.golden_value_sql(p_attribute text, p_is_text boolean, p_alias text DEFAULT 'r')
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE
        WHEN NOT coalesce(p_is_text, false) THEN format('%I.%I', p_alias, p_attribute)
        WHEN ci.golden_value_column(p_attribute) IS NOT NULL
        THEN format(E'(coalesce(nullif(%1$I.%2$I, \'\'), nullif(pg_catalog.btrim(%1$I.%3$I, E\' \\t\\n\\r\\f\\v\'), \'\')) COLLATE pg_catalog."default")',
                    p_alias, ci.golden_value_column(p_attribute), p_attribute)
        ELSE format(E'(nullif(pg_catalog.btrim(%I.%I, E\' \\t\\n\\r\\f\\v\'), \'\') COLLATE pg_catalog."default")', p_alias, p_attribute)
    END
$$;
