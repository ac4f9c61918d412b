-- Tables of the distributed layout that a single node does not need (they
-- stay empty there): see doc/scaling.md.
--
-- ci.identity_member: each identity's member records with the columns
-- survivorship reads, on the identity side.  On Citus the links and records
-- live on the record side (by record) and golden profiles on the identity
-- side (by identity); the golden-profile statements read this copy instead
-- of joining across the sides, so that they run on the identity's shard.
-- Kept current by the writers of links and records (ci.resolve_record,
-- ci.unmerge_records, ci.source_records_changed, retention), rewritten
-- whole by a full golden build (after a full run); never written by users.
-- A single node joins ci.identity_link with ci.source_record directly and
-- leaves it empty.
CREATE TABLE ci.identity_member (
    identity_id      bigint NOT NULL,
    record_id        bigint NOT NULL,
    source           text NOT NULL,
    given_name       text,
    family_name      text,
    email            text,
    phone            text,
    birth_date       date,
    national_id      text,
    street           text,
    city             text,
    postcode         text,
    country          text,
    attributes       jsonb NOT NULL DEFAULT '{}',
    updated_at       timestamptz NOT NULL,
    given_name_norm  text,
    family_name_norm text,
    email_norm       text,
    phone_e164       text,
    national_id_norm text,
    street_norm      text,
    city_norm        text,
    postcode_norm    text,
    PRIMARY KEY (identity_id, record_id)
);
COMMENT ON TABLE ci.identity_member IS
'Citus only (empty on one node): each identity''s member records with the columns survivorship reads, distributed by identity so that golden profiles are computed on the identity''s shard; kept current by the API (ci.resolve_record, ci.unmerge_records, ci.source_records_changed) and rewritten by a full golden build';
-- a record's member row is found by the record (it moves between identities)
CREATE INDEX identity_member_record_id_idx ON ci.identity_member (record_id);

-- ci.source_record_key: a source's own key, unique.  On one node
-- UNIQUE (source, source_key) on ci.source_record keeps it; Citus cannot
-- enforce a unique key without the distribution column (record_id), so
-- ci.distribute() moves it here, distributed by source_key, and the load
-- path registers new records' keys with ci.register_source_keys() in the
-- loading transaction (a duplicate fails it with 23505).
CREATE TABLE ci.source_record_key (
    source_key  text NOT NULL,
    source      text NOT NULL,
    record_id   bigint NOT NULL,
    PRIMARY KEY (source_key, source)
);
COMMENT ON TABLE ci.source_record_key IS
'Citus only (empty on one node): the (source, source_key) of every source record, distributed by source_key, whose primary key keeps a source''s keys unique across shards; filled by ci.register_source_keys()';

-- Whether the canonical tables are distributed (ci.distribute() ran):
-- the golden-profile statements then use the identity side's member copy
-- and per-shard locking.  Dynamic SQL: pg_dist_partition exists only with
-- Citus.
CREATE FUNCTION ci.scale_distributed()
RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN ci.citus_table_kind('ci.golden_profile') IS NOT NULL;
END
$$;
COMMENT ON FUNCTION ci.scale_distributed() IS
'true once ci.distribute() has distributed the canonical tables (Citus); false on a single node';

-- Registers the keys of source records loaded since the last call.  On one
-- node the UNIQUE constraint already refused duplicates: nothing to do.
CREATE FUNCTION ci.register_source_keys()
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    IF NOT ci.scale_distributed() THEN
        RETURN 0;
    END IF;
    -- the registered records first, as a set: the two tables are
    -- distributed by different keys
    WITH known AS MATERIALIZED (SELECT k.record_id FROM ci.source_record_key k)
    INSERT INTO ci.source_record_key (source_key, source, record_id)
    SELECT r.source_key, r.source, r.record_id
      FROM ci.source_record r
     WHERE NOT EXISTS (SELECT 1 FROM known k WHERE k.record_id = r.record_id);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
EXCEPTION WHEN unique_violation THEN
    RAISE EXCEPTION 'duplicate source key among the loaded source records'
        USING ERRCODE = 'unique_violation',
              DETAIL = SQLERRM,
              HINT = 'On Citus, (source, source_key) is kept unique by ci.source_record_key: load each key once (update the existing record instead).';
END
$$;
COMMENT ON FUNCTION ci.register_source_keys() IS
'On Citus: registers the (source, source_key) of source records loaded since the last call in ci.source_record_key, failing with 23505 on a duplicate; call it in the loading transaction. Returns how many keys it registered (0 on one node, where UNIQUE (source, source_key) holds)';

SELECT pg_catalog.pg_extension_config_dump('ci.source_record_key', '');

-- Copies the member records of p_ids (NULL: every identity) from the record
-- side into ci.identity_member.  The SELECT joins links and records on the
-- record side's shards; Citus repartitions its rows by identity into the
-- identity side's shards.
CREATE FUNCTION ci.golden_members_sync(p_ids bigint[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    IF p_ids IS NULL THEN
        DELETE FROM ci.identity_member;
    ELSE
        DELETE FROM ci.identity_member m WHERE m.identity_id = ANY (p_ids);
    END IF;
    INSERT INTO ci.identity_member
          (identity_id, record_id, source, given_name, family_name, email, phone, birth_date, national_id,
           street, city, postcode, country, attributes, updated_at, given_name_norm, family_name_norm,
           email_norm, phone_e164, national_id_norm, street_norm, city_norm, postcode_norm)
    SELECT l.identity_id, r.record_id, r.source, r.given_name, r.family_name, r.email, r.phone, r.birth_date,
           r.national_id, r.street, r.city, r.postcode, r.country, r.attributes, r.updated_at, r.given_name_norm,
           r.family_name_norm, r.email_norm, r.phone_e164, r.national_id_norm, r.street_norm, r.city_norm,
           r.postcode_norm
      FROM ci.identity_link l JOIN ci.source_record r ON r.record_id = l.record_id
     WHERE p_ids IS NULL OR l.identity_id = ANY (p_ids);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
COMMENT ON FUNCTION ci.golden_members_sync(bigint[]) IS
'internal, Citus: copies the member records of the given identities (NULL: all) from the record side into ci.identity_member for the golden-profile statements';

-- Rewrites the member rows of the given records from the record side: a
-- record's row goes from the identity it was copied under to the identity
-- its link names now (none: the record was deleted or is unlinked).
-- Returns the identities whose members changed (before and after), for
-- the refresh queue.  Citus only; on one node nothing is copied.
CREATE FUNCTION ci.scale_members_sync_records(p_record_ids bigint[])
RETURNS bigint[]
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_old bigint[];
    v_new bigint[];
BEGIN
    IF NOT ci.scale_distributed() OR p_record_ids IS NULL OR cardinality(p_record_ids) = 0 THEN
        RETURN '{}';
    END IF;
    -- by record: an indexed delete on each identity shard
    WITH d AS (DELETE FROM ci.identity_member m WHERE m.record_id = ANY (p_record_ids) RETURNING m.identity_id)
    SELECT pg_catalog.array_agg(DISTINCT d.identity_id) INTO v_old FROM d;
    -- links and records are co-located (by record): the join runs on the
    -- record shards that hold these records, its rows go to the identity shards
    INSERT INTO ci.identity_member
          (identity_id, record_id, source, given_name, family_name, email, phone, birth_date, national_id,
           street, city, postcode, country, attributes, updated_at, given_name_norm, family_name_norm,
           email_norm, phone_e164, national_id_norm, street_norm, city_norm, postcode_norm)
    SELECT l.identity_id, r.record_id, r.source, r.given_name, r.family_name, r.email, r.phone, r.birth_date,
           r.national_id, r.street, r.city, r.postcode, r.country, r.attributes, r.updated_at, r.given_name_norm,
           r.family_name_norm, r.email_norm, r.phone_e164, r.national_id_norm, r.street_norm, r.city_norm,
           r.postcode_norm
      FROM ci.identity_link l JOIN ci.source_record r ON r.record_id = l.record_id
     WHERE l.record_id = ANY (p_record_ids) AND r.record_id = ANY (p_record_ids);
    SELECT pg_catalog.array_agg(DISTINCT l.identity_id) INTO v_new
      FROM ci.identity_link l WHERE l.record_id = ANY (p_record_ids);
    v_new := ARRAY(SELECT DISTINCT i FROM pg_catalog.unnest(coalesce(v_old, '{}') || coalesce(v_new, '{}')) i ORDER BY 1);
    -- consent follows the members, as its triggers do on one node
    IF pg_catalog.to_regprocedure('ci.consent_follow(bigint[],bigint[])') IS NOT NULL THEN
        EXECUTE 'SELECT ci.consent_follow($1, $2)' USING v_new, p_record_ids;
    END IF;
    RETURN v_new;
END
$$;
COMMENT ON FUNCTION ci.scale_members_sync_records(bigint[]) IS
'internal, Citus: rewrites the ci.identity_member rows of the given records from their links and records; returns the identities whose members changed';

-- What ci.resolve_record does on Citus after linking p_record_id to
-- p_identity_id (merging p_touched into it): the record's member row and
-- the merged identities' member rows move to p_identity_id, and every
-- identity touched is queued for the golden refresh (on one node the link
-- triggers queue; nothing to do there).
CREATE FUNCTION ci.scale_resolved(p_record_id bigint, p_identity_id bigint, p_touched bigint[])
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_records bigint[];
    v_ids bigint[];
BEGIN
    IF NOT ci.scale_distributed() THEN
        RETURN;
    END IF;
    -- the merged identities' records, from the identity side (their shards only)
    SELECT pg_catalog.array_agg(m.record_id) INTO v_records
      FROM ci.identity_member m
     WHERE m.identity_id = ANY (p_touched) AND m.identity_id <> p_identity_id;
    v_ids := ci.scale_members_sync_records(p_record_id || coalesce(v_records, '{}'));
    INSERT INTO ci.golden_dirty (identity_id)
    SELECT DISTINCT i FROM pg_catalog.unnest(v_ids || p_touched || p_identity_id) i WHERE i IS NOT NULL ORDER BY 1;
END
$$;
COMMENT ON FUNCTION ci.scale_resolved(bigint, bigint, bigint[]) IS
'internal, Citus: after ci.resolve_record linked a record (and merged identities), moves their member rows in ci.identity_member and queues the identities touched for the golden refresh';

-- After direct DML on ci.source_record (UPDATE or DELETE of loaded
-- records) on Citus, where no trigger sees the shards' rows: the records'
-- member copies are rewritten and their identities queued for the golden
-- refresh; a deleted record's pair decisions and source key go too (an
-- identity left without records is retired by the next full run).  On one node the triggers on ci.source_record already queued
-- them: nothing to do.
CREATE FUNCTION ci.source_records_changed(record_ids bigint[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_records bigint[];
    v_gone bigint[];
    v_ids bigint[];
BEGIN
    IF record_ids IS NULL THEN
        RAISE EXCEPTION 'record_ids must not be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Pass the ids of the records that were updated or deleted (an empty array does nothing).';
    END IF;
    IF NOT ci.scale_distributed() THEN
        RETURN 0;
    END IF;
    v_records := ARRAY(SELECT DISTINCT r FROM pg_catalog.unnest(record_ids) r WHERE r IS NOT NULL ORDER BY 1);
    -- deleted records: what the foreign keys Citus cannot keep would have
    -- removed (a pair's second record, the registered source key)
    WITH live AS MATERIALIZED (SELECT r.record_id FROM ci.source_record r WHERE r.record_id = ANY (v_records))
    SELECT pg_catalog.array_agg(x) INTO v_gone FROM pg_catalog.unnest(v_records) x
     WHERE x NOT IN (SELECT l.record_id FROM live l);
    IF v_gone IS NOT NULL THEN
        DELETE FROM ci.match_decision d WHERE d.record_b = ANY (v_gone);
        DELETE FROM ci.match_review v WHERE v.record_b = ANY (v_gone);
        DELETE FROM ci.source_record_key k WHERE k.record_id = ANY (v_gone);
    END IF;
    v_ids := ci.scale_members_sync_records(v_records);
    INSERT INTO ci.golden_dirty (identity_id) SELECT i FROM pg_catalog.unnest(v_ids) i ORDER BY 1;
    -- what consent's record trigger does on one node: the computed consent
    -- of these identities follows their records' countries and contacts
    RETURN cardinality(v_ids);
END
$$;
COMMENT ON FUNCTION ci.source_records_changed(bigint[]) IS
'On Citus, after updating or deleting ci.source_record rows directly: rewrites their member copies (ci.identity_member; consent follows them), queues their identities for ci.refresh_golden_profiles(); returns how many identities it queued (0 on one node, where triggers do this)';

-- Refuses a Citus distributed or reference table to ci.audit: its trigger
-- would fire on the workers' shards and write each worker's own audit log,
-- not the coordinator's chain (doc/scaling.md says how per-node chains
-- would work).  A no-op without Citus.
CREATE FUNCTION ci.scale_refuse_citus_table(p_table regclass, p_caller text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- a Citus local table too: its changes happen in its shard, whose
    -- trigger would log them under the shard's name and OID
    IF ci.citus_table_kind(p_table) IS NOT NULL THEN
        RAISE EXCEPTION '% cannot work on %, a Citus % table', p_caller, p_table, ci.citus_table_kind(p_table)
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'Its changes happen in its shards, whose triggers would log them under the shards'' names, on the workers in each worker''s own audit log.',
                  HINT = 'On Citus, audit plain tables of the coordinator (doc/scaling.md).';
    END IF;
END
$$;
COMMENT ON FUNCTION ci.scale_refuse_citus_table(regclass, text) IS
'internal: raises 0A000 when the table is a Citus table (distributed, reference or local), which ci.audit cannot handle; nothing without Citus';
