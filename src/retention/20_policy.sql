-- Retention policies: how long rows of a table, or of every table of a
-- category, are kept in a jurisdiction, and what happens after: delete the
-- row, or anonymise listed columns in place (the row stays for aggregates).
--
-- Which policy governs a row (documented in doc/retention.md):
--   * one policy per (table, jurisdiction) and per (category, jurisdiction);
--     a second one for the same scope is refused (alter the first instead);
--   * for a row in jurisdiction J the first that exists of
--     (table, J), (category, J), (table, default), (category, default);
--   * a row whose jurisdiction is unknown, or whose table has no
--     jurisdiction column, follows the default (jurisdiction NULL) policies;
--     with none, it is kept;
--   * a legal hold always wins over any policy.
-- Each change bumps the policy's version; ci.retention_policy_version keeps
-- every version, and purges record the version they applied.

CREATE TABLE ci.retention_policy (
    policy_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    table_name        regclass REFERENCES ci.retention_table ON DELETE RESTRICT,
    category          text,
    jurisdiction      text REFERENCES ci.retention_jurisdiction ON UPDATE CASCADE,
    keep_for          interval NOT NULL CHECK (keep_for > interval '0'),
    action            text NOT NULL CHECK (action IN ('delete', 'anonymise')),
    anonymise_columns name[] NOT NULL DEFAULT '{}',
    version           integer NOT NULL DEFAULT 1,
    note              text,
    changed_at        timestamptz NOT NULL DEFAULT now(),
    changed_by        text NOT NULL DEFAULT session_user,
    CHECK (num_nonnulls(table_name, category) = 1),
    CHECK ((action = 'anonymise') = (cardinality(anonymise_columns) > 0))
);
CREATE UNIQUE INDEX retention_policy_table_scope ON ci.retention_policy (table_name, coalesce(jurisdiction, '')) WHERE table_name IS NOT NULL;
CREATE UNIQUE INDEX retention_policy_category_scope ON ci.retention_policy (category, coalesce(jurisdiction, '')) WHERE category IS NOT NULL;
COMMENT ON TABLE ci.retention_policy IS 'Retention windows per table or category and jurisdiction (NULL: the default), with their action; one per scope, versioned';

CREATE TABLE ci.retention_policy_version (
    policy_id   bigint NOT NULL,
    version     integer NOT NULL,
    definition  jsonb NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now(),
    changed_by  text NOT NULL DEFAULT session_user,
    PRIMARY KEY (policy_id, version)
);
COMMENT ON TABLE ci.retention_policy_version IS 'Every version of every retention policy, dropped ones included ("dropped": true)';

-- A column erasure or a policy may set to NULL.
CREATE FUNCTION ci.retention_anonymisable(p_table regclass, p_column name)
RETURNS void LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    a record;
BEGIN
    PERFORM ci.retention_column_type(p_table, p_column, 'column to anonymise');
    SELECT attnotnull, attgenerated <> '' AS generated INTO a
      FROM pg_catalog.pg_attribute WHERE attrelid = p_table AND attname = p_column;
    IF a.attnotnull OR a.generated THEN
        RAISE EXCEPTION 'column "%" of % cannot be anonymised', p_column, p_table
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = CASE WHEN a.generated THEN 'It is a generated column.' ELSE 'It is NOT NULL.' END,
                  HINT = 'Anonymising sets a column to NULL: list nullable base columns (a generated column follows its base).';
    END IF;
END;
$$;
COMMENT ON FUNCTION ci.retention_anonymisable(regclass, name) IS 'internal: raises unless the column exists, is nullable and not generated';

-- Validates a stored policy against every table it covers now.
CREATE FUNCTION ci.retention_policy_check(p_policy_id bigint)
RETURNS void LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p ci.retention_policy;
    t ci.retention_table;
    c name;
BEGIN
    SELECT * INTO p FROM ci.retention_policy WHERE policy_id = p_policy_id;
    FOR t IN SELECT * FROM ci.retention_table r
              WHERE r.table_name = p.table_name OR r.category = p.category ORDER BY r.table_name::text LOOP
        IF NOT t.policies_allowed THEN
            RAISE EXCEPTION '% takes no retention policy of its own', t.table_name
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'Its rows follow their source record or identity.',
                      HINT = 'Set the policy on ci.source_record (category customer_record).';
        END IF;
        IF t.time_column IS NULL THEN
            RAISE EXCEPTION '% has no time column', t.table_name
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Register it again with time_column => the column retention counts from.';
        END IF;
        FOREACH c IN ARRAY p.anonymise_columns LOOP
            PERFORM ci.retention_anonymisable(t.table_name, c);
        END LOOP;
    END LOOP;
END;
$$;
COMMENT ON FUNCTION ci.retention_policy_check(bigint) IS 'internal: raises unless a policy applies to every table it covers (time column, columns to anonymise)';

CREATE FUNCTION ci.retention_policy_record_version(p ci.retention_policy, p_dropped boolean DEFAULT false)
RETURNS void LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO ci.retention_policy_version (policy_id, version, definition)
    VALUES (p.policy_id, p.version,
            pg_catalog.jsonb_build_object('table_name', p.table_name::text, 'category', p.category,
                                          'jurisdiction', p.jurisdiction, 'keep_for', p.keep_for::text,
                                          'action', p.action, 'anonymise_columns', p.anonymise_columns,
                                          'note', p.note)
            || CASE WHEN p_dropped THEN '{"dropped": true}'::jsonb ELSE '{}'::jsonb END)
$$;
COMMENT ON FUNCTION ci.retention_policy_record_version(ci.retention_policy, boolean) IS 'internal: appends a policy version to ci.retention_policy_version';

CREATE FUNCTION ci.retention_policy_validate_args(p_keep_for interval, p_action text, p_columns name[], p_jurisdiction text)
RETURNS void LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_keep_for IS NULL OR p_keep_for <= interval '0' THEN
        RAISE EXCEPTION 'keep_for must be a positive interval'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It was %s.', coalesce(p_keep_for::text, 'NULL')),
                  HINT = 'To keep rows forever, set no policy.';
    END IF;
    IF p_action IS NULL OR p_action NOT IN ('delete', 'anonymise') THEN
        RAISE EXCEPTION 'unknown retention action "%"', p_action
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use delete, or anonymise with anonymise_columns.';
    END IF;
    IF (p_action = 'anonymise') <> (cardinality(coalesce(p_columns, '{}')) > 0) THEN
        RAISE EXCEPTION 'action anonymise needs anonymise_columns, and only it'
            USING ERRCODE = 'invalid_parameter_value', HINT = 'List the columns to set to NULL.';
    END IF;
    IF p_jurisdiction IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ci.retention_jurisdiction WHERE jurisdiction = p_jurisdiction) THEN
        RAISE EXCEPTION 'unknown jurisdiction "%"', p_jurisdiction
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Known jurisdictions: ' || (SELECT string_agg(jurisdiction, ', ' ORDER BY jurisdiction) FROM ci.retention_jurisdiction)
                         || '. Add one to ci.retention_jurisdiction.';
    END IF;
END;
$$;
COMMENT ON FUNCTION ci.retention_policy_validate_args(interval, text, name[], text) IS 'internal: raises 22023 for a bad window, action or jurisdiction';

CREATE FUNCTION ci.create_retention_policy(
    keep_for          interval,
    action            text DEFAULT 'delete',
    table_name        regclass DEFAULT NULL,
    category          text DEFAULT NULL,
    jurisdiction      text DEFAULT NULL,
    anonymise_columns name[] DEFAULT '{}',
    note              text DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p ci.retention_policy;
    v_hold record;
BEGIN
    PERFORM ci.retention_policy_validate_args(keep_for, action, anonymise_columns, jurisdiction);
    IF num_nonnulls(create_retention_policy.table_name, category) <> 1 THEN
        RAISE EXCEPTION 'give exactly one of table_name and category' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF create_retention_policy.table_name IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM ci.retention_table r WHERE r.table_name = create_retention_policy.table_name) THEN
        RAISE EXCEPTION 'table % is not registered', create_retention_policy.table_name
            USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Register it first with ci.register_table.';
    END IF;
    IF category IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ci.retention_table r WHERE r.category = create_retention_policy.category) THEN
        RAISE EXCEPTION 'no registered table has category "%"', category
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Categories in use: ' || (SELECT string_agg(DISTINCT r.category, ', ') FROM ci.retention_table r) || '.';
    END IF;
    SELECT * INTO p FROM ci.retention_policy r
     WHERE (r.table_name = create_retention_policy.table_name OR r.category = create_retention_policy.category)
       AND r.jurisdiction IS NOT DISTINCT FROM create_retention_policy.jurisdiction;
    IF FOUND THEN
        RAISE EXCEPTION 'retention policy % already covers % in %', p.policy_id,
                        coalesce(p.table_name::text, 'category ' || p.category), coalesce(p.jurisdiction, 'the default jurisdiction')
            USING ERRCODE = 'unique_violation',
                  DETAIL = 'Two policies for one scope would contradict each other.',
                  HINT = format('Change it with ci.alter_retention_policy(%s, ...) or drop it first.', p.policy_id);
    END IF;
    INSERT INTO ci.retention_policy (table_name, category, jurisdiction, keep_for, action, anonymise_columns, note)
    VALUES (create_retention_policy.table_name, category, jurisdiction, keep_for, action,
            coalesce(anonymise_columns, '{}'), note)
    RETURNING * INTO p;
    PERFORM ci.retention_policy_check(p.policy_id);
    PERFORM ci.retention_policy_record_version(p);
    PERFORM ci.retention_policy_warn_holds(p.policy_id);
    RETURN p.policy_id;
END;
$$;
COMMENT ON FUNCTION ci.create_retention_policy(interval, text, regclass, text, text, name[], text) IS
'creates a retention policy for a registered table or a category, in a jurisdiction (NULL: default): keep rows for keep_for after their time column, then delete or anonymise them; returns its id';

CREATE FUNCTION ci.alter_retention_policy(
    policy_id         bigint,
    keep_for          interval DEFAULT NULL,
    action            text DEFAULT NULL,
    anonymise_columns name[] DEFAULT NULL,
    note              text DEFAULT NULL)
RETURNS integer LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p ci.retention_policy;
BEGIN
    SELECT * INTO p FROM ci.retention_policy r WHERE r.policy_id = alter_retention_policy.policy_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'retention policy % does not exist', alter_retention_policy.policy_id USING ERRCODE = 'no_data_found';
    END IF;
    p.keep_for := coalesce(alter_retention_policy.keep_for, p.keep_for);
    p.action := coalesce(alter_retention_policy.action, p.action);
    p.anonymise_columns := CASE WHEN p.action = 'delete' THEN '{}'
                                ELSE coalesce(alter_retention_policy.anonymise_columns, p.anonymise_columns) END;
    PERFORM ci.retention_policy_validate_args(p.keep_for, p.action, p.anonymise_columns, p.jurisdiction);
    UPDATE ci.retention_policy r
       SET keep_for = p.keep_for, action = p.action, anonymise_columns = p.anonymise_columns,
           note = coalesce(alter_retention_policy.note, r.note),
           version = r.version + 1, changed_at = now(), changed_by = session_user
     WHERE r.policy_id = p.policy_id
    RETURNING * INTO p;
    PERFORM ci.retention_policy_check(p.policy_id);
    PERFORM ci.retention_policy_record_version(p);
    PERFORM ci.retention_policy_warn_holds(p.policy_id);
    RETURN p.version;
END;
$$;
COMMENT ON FUNCTION ci.alter_retention_policy(bigint, interval, text, name[], text) IS 'changes a retention policy''s window, action or columns; returns its new version';

CREATE FUNCTION ci.drop_retention_policy(policy_id bigint)
RETURNS boolean LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p ci.retention_policy;
BEGIN
    DELETE FROM ci.retention_policy r WHERE r.policy_id = drop_retention_policy.policy_id RETURNING * INTO p;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    p.version := p.version + 1;
    PERFORM ci.retention_policy_record_version(p, true);
    RETURN true;
END;
$$;
COMMENT ON FUNCTION ci.drop_retention_policy(bigint) IS 'drops a retention policy (its versions stay in ci.retention_policy_version)';

-- The effective policy of each registered table per jurisdiction, by the
-- rule above.  jurisdiction NULL is the default row.
CREATE VIEW ci.retention_effective_policy AS
WITH scopes AS (
    SELECT t.table_name, j.jurisdiction
      FROM ci.retention_table t
     CROSS JOIN LATERAL (SELECT p.jurisdiction FROM ci.retention_policy p
                          WHERE p.table_name = t.table_name OR p.category = t.category
                          GROUP BY p.jurisdiction) j
     WHERE t.time_column IS NOT NULL AND t.policies_allowed
       AND (j.jurisdiction IS NULL OR t.jurisdiction_column IS NOT NULL)
)
SELECT s.table_name, s.jurisdiction, w.policy_id, w.version, w.keep_for, w.action, w.anonymise_columns,
       w.table_name IS NOT NULL AS table_level
  FROM scopes s
  JOIN ci.retention_table t ON t.table_name = s.table_name
 CROSS JOIN LATERAL (
       SELECT p.* FROM ci.retention_policy p
        WHERE (p.table_name = t.table_name OR p.category = t.category)
          AND (p.jurisdiction = s.jurisdiction OR p.jurisdiction IS NULL)
        ORDER BY (p.jurisdiction IS NULL), (p.table_name IS NULL)
        LIMIT 1) w;
COMMENT ON VIEW ci.retention_effective_policy IS 'per registered table and jurisdiction (NULL: rows of any other or unknown jurisdiction), the policy that governs it: (table, J) > (category, J) > (table, default) > (category, default)';

SELECT pg_catalog.pg_extension_config_dump('ci.retention_policy', '');
SELECT pg_catalog.pg_extension_config_dump('ci.retention_policy_version', '');
SELECT pg_catalog.pg_extension_config_dump('ci.retention_policy_policy_id_seq', '');
