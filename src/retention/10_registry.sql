-- Retention: the registry of customer tables and of the jurisdictions whose
-- deadlines erasure and access requests follow.
--
-- A registered table says which customer each row belongs to (an identity
-- or a source record column), which column dates the row (retention
-- windows count from it), its category (policies may name a category
-- instead of a table), optionally the column that gives a row's
-- jurisdiction, the columns holding contact points (verification of an
-- erasure looks for them), and what erasure does to the customer's rows.
-- The extension registers its own customer tables below.
--
-- The shipped deadlines are DEFAULTS, NOT LEGAL ADVICE (doc/retention.md).

CREATE TABLE ci.retention_jurisdiction (
    jurisdiction     text PRIMARY KEY CHECK (jurisdiction ~ '^[A-Z][A-Z0-9_]{0,31}$'),
    erasure_deadline interval NOT NULL CHECK (erasure_deadline > interval '0'),
    access_deadline  interval NOT NULL CHECK (access_deadline > interval '0'),
    shipped          boolean NOT NULL DEFAULT false,
    description      text
);
COMMENT ON TABLE ci.retention_jurisdiction IS 'Privacy regimes and how long a controller has to answer an erasure or an access request under each (defaults, not legal advice)';

INSERT INTO ci.retention_jurisdiction (jurisdiction, erasure_deadline, access_deadline, shipped, description) VALUES
    ('DEFAULT', '1 month', '1 month', true, 'no known regime: the strictest common deadline'),
    ('GDPR',    '1 month', '1 month', true, 'EU/EEA and UK GDPR, Art. 12(3): one month (extendable by two for complex requests)'),
    ('CCPA',    '45 days', '45 days', true, 'California CCPA/CPRA: 45 days (extendable by 45)'),
    ('LGPD',    '15 days', '15 days', true, 'Brazil LGPD, Art. 19: 15 days for a full access report'),
    ('CASL',    '30 days', '30 days', true, 'Canada PIPEDA: 30 days');

-- Which jurisdiction a country (ISO 3166-1 alpha-2) puts a row under, for
-- tables whose jurisdiction column holds a country.
CREATE TABLE ci.retention_jurisdiction_country (
    country      text PRIMARY KEY CHECK (country ~ '^[A-Z]{2}$'),
    jurisdiction text NOT NULL REFERENCES ci.retention_jurisdiction ON UPDATE CASCADE,
    shipped      boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE ci.retention_jurisdiction_country IS 'Jurisdiction of a row whose jurisdiction column holds a country code';

INSERT INTO ci.retention_jurisdiction_country (country, jurisdiction, shipped)
SELECT c, 'GDPR', true FROM unnest(ARRAY['AT','BE','BG','HR','CY','CZ','DK','EE','FI','FR','DE','GR','HU','IE',
    'IT','LV','LT','LU','MT','NL','PL','PT','RO','SK','SI','ES','SE','IS','LI','NO','GB']) c
UNION ALL SELECT 'BR', 'LGPD', true
UNION ALL SELECT 'CA', 'CASL', true
UNION ALL SELECT 'US', 'CCPA', true;

CREATE TABLE ci.retention_table (
    table_name          regclass PRIMARY KEY,
    customer_kind       text NOT NULL CHECK (customer_kind IN ('identity', 'record')),
    customer_columns    name[] NOT NULL CHECK (cardinality(customer_columns) BETWEEN 1 AND 8),
    time_column         name,
    category            text NOT NULL CHECK (category ~ '^[a-z][a-z0-9_]{0,62}$'),
    jurisdiction_column name,
    jurisdiction_kind   text CHECK (jurisdiction_kind IN ('jurisdiction', 'country')),
    email_columns       name[] NOT NULL DEFAULT '{}',
    phone_columns       name[] NOT NULL DEFAULT '{}',
    contacts_normalised boolean NOT NULL DEFAULT false,
    erasure_action      text NOT NULL DEFAULT 'delete' CHECK (erasure_action IN ('delete', 'anonymise')),
    erasure_columns     name[] NOT NULL DEFAULT '{}',
    partition_action    text NOT NULL DEFAULT 'drop' CHECK (partition_action IN ('drop', 'detach')),
    erase_order         integer NOT NULL DEFAULT 0,
    policies_allowed    boolean NOT NULL DEFAULT true,
    shipped             boolean NOT NULL DEFAULT false,
    registered_at       timestamptz NOT NULL DEFAULT now(),
    registered_by       text NOT NULL DEFAULT session_user,
    CHECK ((jurisdiction_column IS NULL) = (jurisdiction_kind IS NULL)),
    CHECK ((erasure_action = 'anonymise') = (cardinality(erasure_columns) > 0))
);
COMMENT ON TABLE ci.retention_table IS 'Tables holding customer data: whose rows they are, what dates them, their category; purges, erasure, verification and access exports walk this list';
COMMENT ON COLUMN ci.retention_table.customer_columns IS 'columns naming the customer: identity ids (customer_kind identity) or source record ids (record)';
COMMENT ON COLUMN ci.retention_table.contacts_normalised IS 'the contact columns already hold ci.normalize_email / E.164 forms: verification hashes them as they are (normalising a phone number costs far more than hashing it)';
COMMENT ON COLUMN ci.retention_table.erase_order IS 'erasure visits tables in this order (user tables 0, the extension''s own after them, so that references go first)';
COMMENT ON COLUMN ci.retention_table.policies_allowed IS 'false for the extension''s tables whose rows follow another''s (links and decisions follow their source record)';

-- A column of a table, checked: exists, not dropped, not a system column.
CREATE FUNCTION ci.retention_column_type(p_table regclass, p_column name, p_what text)
RETURNS regtype LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v regtype;
BEGIN
    SELECT a.atttypid::regtype INTO v
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = p_table AND a.attname = p_column AND a.attnum > 0 AND NOT a.attisdropped;
    IF v IS NULL THEN
        RAISE EXCEPTION 'column "%" of % does not exist', p_column, p_table
            USING ERRCODE = 'undefined_column',
                  DETAIL = format('It was given as the %s.', p_what);
    END IF;
    RETURN v;
END;
$$;
COMMENT ON FUNCTION ci.retention_column_type(regclass, name, text) IS 'internal: the type of a column named in a registration or policy (42703 when it does not exist)';

CREATE FUNCTION ci.register_table(
    table_name          regclass,
    customer_column     name,
    customer_kind       text DEFAULT 'identity',
    time_column         name DEFAULT NULL,
    category            text DEFAULT 'other',
    jurisdiction_column name DEFAULT NULL,
    jurisdiction_kind   text DEFAULT 'jurisdiction',
    email_columns       name[] DEFAULT '{}',
    phone_columns       name[] DEFAULT '{}',
    erasure_action      text DEFAULT 'delete',
    erasure_columns     name[] DEFAULT '{}',
    partition_action    text DEFAULT 'drop',
    other_customer_columns name[] DEFAULT '{}',
    contacts_normalised boolean DEFAULT false)
RETURNS regclass LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r     ci.retention_table;
    c     name;
    t     regtype;
    kind  "char";
BEGIN
    IF register_table.table_name IS NULL THEN
        RAISE EXCEPTION 'table_name must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT relkind INTO kind FROM pg_catalog.pg_class WHERE oid = register_table.table_name;
    IF kind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION '% is not a table', register_table.table_name
            USING ERRCODE = 'wrong_object_type', HINT = 'Register tables or partitioned tables, not views or foreign tables.';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_inherits WHERE inhrelid = register_table.table_name) THEN
        RAISE EXCEPTION '% is a partition or a child table', register_table.table_name
            USING ERRCODE = 'wrong_object_type', HINT = 'Register its parent: partitions are purged through it.';
    END IF;
    IF customer_kind IS NULL OR customer_kind NOT IN ('identity', 'record') THEN
        RAISE EXCEPTION 'unknown customer kind "%"', customer_kind
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use identity (the column holds ci.identity ids) or record (ci.source_record ids).';
    END IF;
    IF category IS NULL OR category !~ '^[a-z][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'invalid category "%"', category
            USING ERRCODE = 'invalid_parameter_value', HINT = 'A category is a lower-case word: support, orders, web_events …';
    END IF;
    IF erasure_action IS NULL OR erasure_action NOT IN ('delete', 'anonymise') THEN
        RAISE EXCEPTION 'unknown erasure action "%"', erasure_action
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use delete, or anonymise with erasure_columns.';
    END IF;
    IF (erasure_action = 'anonymise') <> (cardinality(coalesce(erasure_columns, '{}')) > 0) THEN
        RAISE EXCEPTION 'erasure action anonymise needs erasure_columns, and only it'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'List the columns to set to NULL, e.g. erasure_columns => ''{customer_id,email}''.';
    END IF;
    IF partition_action IS NULL OR partition_action NOT IN ('drop', 'detach') THEN
        RAISE EXCEPTION 'unknown partition action "%"', partition_action
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use drop or detach.';
    END IF;
    IF jurisdiction_column IS NOT NULL AND (jurisdiction_kind IS NULL OR jurisdiction_kind NOT IN ('jurisdiction', 'country')) THEN
        RAISE EXCEPTION 'unknown jurisdiction kind "%"', jurisdiction_kind
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use jurisdiction (the column holds GDPR, CCPA …) or country (ISO codes).';
    END IF;

    FOREACH c IN ARRAY ARRAY[customer_column] || coalesce(other_customer_columns, '{}') LOOP
        t := ci.retention_column_type(register_table.table_name, c, 'customer column');
        IF t NOT IN ('bigint'::regtype, 'integer'::regtype) THEN
            RAISE EXCEPTION 'customer column "%" of % is %, not an id', c, register_table.table_name, t
                USING ERRCODE = 'datatype_mismatch', HINT = 'A customer column holds bigint identity or source-record ids.';
        END IF;
    END LOOP;
    IF time_column IS NOT NULL THEN
        t := ci.retention_column_type(register_table.table_name, time_column, 'time column');
        IF t NOT IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype) THEN
            RAISE EXCEPTION 'time column "%" of % is %', time_column, register_table.table_name, t
                USING ERRCODE = 'datatype_mismatch', HINT = 'Use a timestamptz, timestamp or date column.';
        END IF;
    END IF;
    IF jurisdiction_column IS NOT NULL THEN
        PERFORM ci.retention_column_type(register_table.table_name, jurisdiction_column, 'jurisdiction column');
    END IF;
    FOREACH c IN ARRAY coalesce(email_columns, '{}') || coalesce(phone_columns, '{}') LOOP
        PERFORM ci.retention_column_type(register_table.table_name, c, 'contact column');
    END LOOP;
    FOREACH c IN ARRAY coalesce(erasure_columns, '{}') LOOP
        PERFORM ci.retention_anonymisable(register_table.table_name, c);
    END LOOP;

    INSERT INTO ci.retention_table AS rt (table_name, customer_kind, customer_columns, time_column, category,
                                   jurisdiction_column, jurisdiction_kind, email_columns, phone_columns,
                                   erasure_action, erasure_columns, partition_action, contacts_normalised)
    VALUES (register_table.table_name, customer_kind, ARRAY[customer_column] || coalesce(other_customer_columns, '{}'),
            time_column, category, jurisdiction_column,
            CASE WHEN jurisdiction_column IS NOT NULL THEN jurisdiction_kind END,
            coalesce(email_columns, '{}'), coalesce(phone_columns, '{}'), erasure_action,
            coalesce(erasure_columns, '{}'), partition_action, coalesce(contacts_normalised, false))
    ON CONFLICT ON CONSTRAINT retention_table_pkey DO UPDATE
       SET customer_kind = EXCLUDED.customer_kind, customer_columns = EXCLUDED.customer_columns,
           time_column = EXCLUDED.time_column, category = EXCLUDED.category,
           jurisdiction_column = EXCLUDED.jurisdiction_column, jurisdiction_kind = EXCLUDED.jurisdiction_kind,
           email_columns = EXCLUDED.email_columns, phone_columns = EXCLUDED.phone_columns,
           erasure_action = EXCLUDED.erasure_action, erasure_columns = EXCLUDED.erasure_columns,
           partition_action = EXCLUDED.partition_action, contacts_normalised = EXCLUDED.contacts_normalised,
           registered_at = now(), registered_by = session_user
     WHERE NOT rt.shipped
    RETURNING * INTO r;
    IF r IS NULL THEN
        RAISE EXCEPTION '% is registered by customer_intel itself', register_table.table_name
            USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Its registration ships with the extension and cannot be changed.';
    END IF;
    -- erasure, holds and access exports look rows up by customer
    FOREACH c IN ARRAY r.customer_columns LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i JOIN pg_catalog.pg_attribute a
                                ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                        WHERE i.indrelid = r.table_name AND a.attname = c) THEN
            RAISE NOTICE 'no index on %(%): every erasure and access export will scan the table', r.table_name, c
                USING HINT = format('CREATE INDEX ON %s (%I);', r.table_name, c);
        END IF;
    END LOOP;
    -- the policies now covering it must still make sense for it
    PERFORM ci.retention_policy_check(p.policy_id)
       FROM ci.retention_policy p
      WHERE p.table_name = r.table_name OR p.category = r.category;
    RETURN r.table_name;
END;
$$;
COMMENT ON FUNCTION ci.register_table(regclass, name, text, name, text, name, text, name[], name[], text, name[], text, name[], boolean) IS
'registers (or re-registers) a table of customer data: its customer column (identity or source-record ids), time column, category, optional jurisdiction column, contact columns and what erasure does to it';

CREATE FUNCTION ci.unregister_table(table_name regclass)
RETURNS boolean LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM ci.retention_table r WHERE r.table_name = unregister_table.table_name AND r.shipped) THEN
        RAISE EXCEPTION '% is registered by customer_intel itself', unregister_table.table_name
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF EXISTS (SELECT 1 FROM ci.retention_policy p WHERE p.table_name = unregister_table.table_name) THEN
        RAISE EXCEPTION '% has retention policies', unregister_table.table_name
            USING ERRCODE = 'dependent_objects_still_exist', HINT = 'Drop them first with ci.drop_retention_policy.';
    END IF;
    IF EXISTS (SELECT 1 FROM ci.legal_hold h WHERE h.table_name = unregister_table.table_name AND h.released_at IS NULL) THEN
        RAISE EXCEPTION '% is under a legal hold', unregister_table.table_name
            USING ERRCODE = 'dependent_objects_still_exist', HINT = 'Release the hold first (ci.release_legal_hold).';
    END IF;
    DELETE FROM ci.retention_table r WHERE r.table_name = unregister_table.table_name;
    RETURN FOUND;
END;
$$;
COMMENT ON FUNCTION ci.unregister_table(regclass) IS 'removes a table from the retention registry (refused while policies or holds name it)';

-- The extension's own customer tables.  Links, decisions and reviews follow
-- their source record (ON DELETE CASCADE), profiles and events their
-- identity: a retention policy is set on ci.source_record, not on them.
INSERT INTO ci.retention_table (table_name, customer_kind, customer_columns, time_column, category,
                                jurisdiction_column, jurisdiction_kind, email_columns, phone_columns,
                                erase_order, policies_allowed, shipped, contacts_normalised) VALUES
    ('ci.golden_override', 'identity', '{identity_id}',        'at',         'identity',        NULL, NULL, '{}', '{}', 100, false, true, false),
    ('ci.golden_profile',  'identity', '{identity_id}',        'changed_at', 'identity',        NULL, NULL, '{email}', '{phone}', 110, false, true, false),
    ('ci.match_decision',  'record',   '{record_a,record_b}',  'decided_at', 'identity',        NULL, NULL, '{}', '{}', 120, false, true, false),
    ('ci.match_review',    'record',   '{record_a,record_b}',  'found_at',   'identity',        NULL, NULL, '{}', '{}', 120, false, true, false),
    ('ci.identity_link',   'record',   '{record_id}',          'linked_at',  'identity',        NULL, NULL, '{}', '{}', 130, false, true, false),
    ('ci.source_record',   'record',   '{record_id}',          'updated_at', 'customer_record', 'country', 'country', '{email_norm}', '{phone_e164}', 140, true, true, true),
    ('ci.identity_event',  'identity', '{identity_id}',        'at',         'identity',        NULL, NULL, '{}', '{}', 150, false, true, false),
    ('ci.identity',        'identity', '{identity_id}',        'updated_at', 'identity',        NULL, NULL, '{}', '{}', 160, false, true, false);

-- pg_dump dumps these tables whole, shipped rows included (as every
-- configuration table: see src/survive/90_shipped_config.sql), and a restore
-- runs CREATE EXTENSION first, so a dumped shipped row meets its fresh copy:
-- it takes the copy's place (the dump holds what the DBA made of it; a
-- shipped registration cannot change, so its copy is simply kept).
CREATE FUNCTION ci.retention_config_restore()
RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT NEW.shipped THEN
        RETURN NEW;
    END IF;
    IF TG_TABLE_NAME = 'retention_table' THEN
        UPDATE ci.retention_table r SET registered_at = NEW.registered_at, registered_by = NEW.registered_by
         WHERE r.table_name = NEW.table_name AND r.shipped;
    ELSIF TG_TABLE_NAME = 'retention_jurisdiction' THEN
        UPDATE ci.retention_jurisdiction j
           SET erasure_deadline = NEW.erasure_deadline, access_deadline = NEW.access_deadline, description = NEW.description
         WHERE j.jurisdiction = NEW.jurisdiction AND j.shipped;
    ELSE
        UPDATE ci.retention_jurisdiction_country c SET jurisdiction = NEW.jurisdiction
         WHERE c.country = NEW.country AND c.shipped;
    END IF;
    RETURN CASE WHEN FOUND THEN NULL ELSE NEW END;
END;
$$;
COMMENT ON FUNCTION ci.retention_config_restore() IS 'trigger: a shipped row inserted again (a restore after CREATE EXTENSION) takes the place of its fresh copy';
CREATE TRIGGER retention_table_restore BEFORE INSERT ON ci.retention_table
    FOR EACH ROW EXECUTE FUNCTION ci.retention_config_restore();
CREATE TRIGGER retention_jurisdiction_restore BEFORE INSERT ON ci.retention_jurisdiction
    FOR EACH ROW EXECUTE FUNCTION ci.retention_config_restore();
CREATE TRIGGER retention_jurisdiction_country_restore BEFORE INSERT ON ci.retention_jurisdiction_country
    FOR EACH ROW EXECUTE FUNCTION ci.retention_config_restore();

-- A data-only restore with --disable-triggers bypasses the trigger: the
-- shipped rows must go first (ci.prepare_data_restore() calls this).
CREATE FUNCTION ci.retention_prepare_data_restore()
RETURNS bigint LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
    m bigint;
BEGIN
    DELETE FROM ci.retention_table WHERE shipped;
    GET DIAGNOSTICS n = ROW_COUNT;
    DELETE FROM ci.retention_jurisdiction_country c WHERE c.shipped;
    GET DIAGNOSTICS m = ROW_COUNT;
    n := n + m;
    DELETE FROM ci.retention_jurisdiction j WHERE j.shipped
       AND NOT EXISTS (SELECT 1 FROM ci.retention_jurisdiction_country c WHERE c.jurisdiction = j.jurisdiction)
       AND NOT EXISTS (SELECT 1 FROM ci.retention_policy p WHERE p.jurisdiction = j.jurisdiction)
       AND NOT EXISTS (SELECT 1 FROM ci.erasure_request q WHERE q.jurisdiction = j.jurisdiction)
       AND NOT EXISTS (SELECT 1 FROM ci.access_request q WHERE q.jurisdiction = j.jurisdiction);
    GET DIAGNOSTICS m = ROW_COUNT;
    RETURN n + m;
END;
$$;
COMMENT ON FUNCTION ci.retention_prepare_data_restore() IS 'Deletes the shipped retention configuration rows so that a data-only restore without triggers can load the dumped ones; returns how many were deleted';
REVOKE ALL ON FUNCTION ci.retention_prepare_data_restore() FROM PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('ci.retention_jurisdiction', '');
SELECT pg_catalog.pg_extension_config_dump('ci.retention_jurisdiction_country', '');
SELECT pg_catalog.pg_extension_config_dump('ci.retention_table', '');
