-- Survivorship aggregates: usable in any GROUP BY, on any table.
--
--   ci.survive(value, [key,] source, updated_at, rule)      -> the winning value
--   ci.survive_lineage(value, [key,] record_id, source, updated_at, rules [, scope])
--                                                           -> jsonb: winner and lineage
--
-- The optional key (text) is what values are compared by: most_frequent
-- counts keys, and the value shown for a key is its representative spelling
-- (the most frequent value among the rows with that key, then the most
-- recent, then the smallest source, value (C collation), record_id).  Keys
-- are equal when their bytes are; a row with a NULL key is compared by its
-- value.  Without a key, values are compared as they are.
--
-- Rules are jsonb ({"kind": "most_recent"}, an array of them for a chain) or,
-- for ci.survive, text ('most_recent', 'source_priority:crm,pos').  NULL
-- values are counted but never win unless every value is NULL (then the
-- result is NULL); a NULL updated_at is the oldest.  Ties are broken by the
-- fixed chain documented in doc/survivorship.md.  The transition functions
-- are STABLE: trust_recency may read ci.source.

CREATE FUNCTION ci.survive_transfn_text(internal, anyelement, text, timestamptz, text)
RETURNS internal AS 'MODULE_PATHNAME', 'survive_transfn_text'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION ci.survive_transfn_text(internal, anyelement, text, timestamptz, text) IS 'transition function of ci.survive with a text rule';

CREATE FUNCTION ci.survive_transfn_jsonb(internal, anyelement, text, timestamptz, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'survive_transfn_jsonb'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION ci.survive_transfn_jsonb(internal, anyelement, text, timestamptz, jsonb) IS 'transition function of ci.survive with a jsonb rule';

CREATE FUNCTION ci.survive_finalfn_text(internal, anyelement, text, timestamptz, text)
RETURNS anyelement AS 'MODULE_PATHNAME', 'survive_finalfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION ci.survive_finalfn_text(internal, anyelement, text, timestamptz, text) IS 'final function of ci.survive with a text rule: the winning value';

CREATE FUNCTION ci.survive_finalfn_jsonb(internal, anyelement, text, timestamptz, jsonb)
RETURNS anyelement AS 'MODULE_PATHNAME', 'survive_finalfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION ci.survive_finalfn_jsonb(internal, anyelement, text, timestamptz, jsonb) IS 'final function of ci.survive with a jsonb rule: the winning value';

CREATE FUNCTION ci.survive_lineage_transfn(internal, anyelement, bigint, text, timestamptz, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'survive_lineage_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION ci.survive_lineage_transfn(internal, anyelement, bigint, text, timestamptz, jsonb) IS 'transition function of ci.survive_lineage';

CREATE FUNCTION ci.survive_lineage_transfn(internal, anyelement, bigint, text, timestamptz, jsonb, integer)
RETURNS internal AS 'MODULE_PATHNAME', 'survive_lineage_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION ci.survive_lineage_transfn(internal, anyelement, bigint, text, timestamptz, jsonb, integer) IS 'transition function of ci.survive_lineage with a scope mask';

CREATE FUNCTION ci.survive_transfn_text_key(internal, anyelement, text, text, timestamptz, text)
RETURNS internal AS 'MODULE_PATHNAME', 'survive_transfn_text_key'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION ci.survive_transfn_text_key(internal, anyelement, text, text, timestamptz, text) IS 'transition function of ci.survive with a comparison key and a text rule';

CREATE FUNCTION ci.survive_transfn_jsonb_key(internal, anyelement, text, text, timestamptz, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'survive_transfn_jsonb_key'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION ci.survive_transfn_jsonb_key(internal, anyelement, text, text, timestamptz, jsonb) IS 'transition function of ci.survive with a comparison key and a jsonb rule';

CREATE FUNCTION ci.survive_finalfn_text_key(internal, anyelement, text, text, timestamptz, text)
RETURNS anyelement AS 'MODULE_PATHNAME', 'survive_finalfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION ci.survive_finalfn_text_key(internal, anyelement, text, text, timestamptz, text) IS 'final function of ci.survive with a comparison key and a text rule: the winning value';

CREATE FUNCTION ci.survive_finalfn_jsonb_key(internal, anyelement, text, text, timestamptz, jsonb)
RETURNS anyelement AS 'MODULE_PATHNAME', 'survive_finalfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION ci.survive_finalfn_jsonb_key(internal, anyelement, text, text, timestamptz, jsonb) IS 'final function of ci.survive with a comparison key and a jsonb rule: the winning value';

CREATE FUNCTION ci.survive_lineage_key_transfn(internal, anyelement, text, bigint, text, timestamptz, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'survive_lineage_key_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION ci.survive_lineage_key_transfn(internal, anyelement, text, bigint, text, timestamptz, jsonb) IS 'transition function of ci.survive_lineage with a comparison key';

CREATE FUNCTION ci.survive_lineage_key_transfn(internal, anyelement, text, bigint, text, timestamptz, jsonb, integer)
RETURNS internal AS 'MODULE_PATHNAME', 'survive_lineage_key_transfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION ci.survive_lineage_key_transfn(internal, anyelement, text, bigint, text, timestamptz, jsonb, integer) IS 'transition function of ci.survive_lineage with a comparison key and a scope mask';

CREATE FUNCTION ci.survive_lineage_finalfn(internal)
RETURNS jsonb AS 'MODULE_PATHNAME', 'survive_lineage_finalfn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION ci.survive_lineage_finalfn(internal) IS 'final function of ci.survive_lineage: the winner and its lineage as jsonb';

CREATE FUNCTION ci.survive_combinefn(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'survive_combinefn'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION ci.survive_combinefn(internal, internal) IS 'combine function of the survivorship aggregates (parallel aggregation)';

CREATE FUNCTION ci.survive_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'survive_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ci.survive_serialize(internal) IS 'serialises a survivorship aggregate state for parallel aggregation';

CREATE FUNCTION ci.survive_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'survive_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ci.survive_deserialize(bytea, internal) IS 'restores a serialised survivorship aggregate state';

CREATE AGGREGATE ci.survive(value anyelement, source text, updated_at timestamptz, rule text) (
    SFUNC = ci.survive_transfn_text,
    STYPE = internal,
    FINALFUNC = ci.survive_finalfn_text,
    FINALFUNC_EXTRA,
    COMBINEFUNC = ci.survive_combinefn,
    SERIALFUNC = ci.survive_serialize,
    DESERIALFUNC = ci.survive_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ci.survive(anyelement, text, timestamptz, text) IS 'the value that survives by a rule given as text (most_recent, source_priority:crm,pos, most_frequent:longest, …)';

CREATE AGGREGATE ci.survive(value anyelement, source text, updated_at timestamptz, rule jsonb) (
    SFUNC = ci.survive_transfn_jsonb,
    STYPE = internal,
    FINALFUNC = ci.survive_finalfn_jsonb,
    FINALFUNC_EXTRA,
    COMBINEFUNC = ci.survive_combinefn,
    SERIALFUNC = ci.survive_serialize,
    DESERIALFUNC = ci.survive_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ci.survive(anyelement, text, timestamptz, jsonb) IS 'the value that survives by a rule given as jsonb ({"kind": "source_priority", "sources": ["crm", "pos"]}, …)';

CREATE AGGREGATE ci.survive_lineage(value anyelement, record_id bigint, source text, updated_at timestamptz, rules jsonb) (
    SFUNC = ci.survive_lineage_transfn,
    STYPE = internal,
    FINALFUNC = ci.survive_lineage_finalfn,
    COMBINEFUNC = ci.survive_combinefn,
    SERIALFUNC = ci.survive_serialize,
    DESERIALFUNC = ci.survive_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ci.survive_lineage(anyelement, bigint, text, timestamptz, jsonb) IS 'the surviving value with its lineage (winning record, source, rule, candidates beaten) as jsonb';

CREATE AGGREGATE ci.survive_lineage(value anyelement, record_id bigint, source text, updated_at timestamptz, rules jsonb, scope integer) (
    SFUNC = ci.survive_lineage_transfn,
    STYPE = internal,
    FINALFUNC = ci.survive_lineage_finalfn,
    COMBINEFUNC = ci.survive_combinefn,
    SERIALFUNC = ci.survive_serialize,
    DESERIALFUNC = ci.survive_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ci.survive_lineage(anyelement, bigint, text, timestamptz, jsonb, integer) IS 'survivorship with a rule chain: bit i of scope puts the row in the scope of rule i+1; the first rule with a candidate decides';

CREATE AGGREGATE ci.survive(value anyelement, key text, source text, updated_at timestamptz, rule text) (
    SFUNC = ci.survive_transfn_text_key,
    STYPE = internal,
    FINALFUNC = ci.survive_finalfn_text_key,
    FINALFUNC_EXTRA,
    COMBINEFUNC = ci.survive_combinefn,
    SERIALFUNC = ci.survive_serialize,
    DESERIALFUNC = ci.survive_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ci.survive(anyelement, text, text, timestamptz, text) IS 'the value that survives by a text rule, values compared by a key (most_frequent counts keys; a key shows its most frequent spelling)';

CREATE AGGREGATE ci.survive(value anyelement, key text, source text, updated_at timestamptz, rule jsonb) (
    SFUNC = ci.survive_transfn_jsonb_key,
    STYPE = internal,
    FINALFUNC = ci.survive_finalfn_jsonb_key,
    FINALFUNC_EXTRA,
    COMBINEFUNC = ci.survive_combinefn,
    SERIALFUNC = ci.survive_serialize,
    DESERIALFUNC = ci.survive_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ci.survive(anyelement, text, text, timestamptz, jsonb) IS 'the value that survives by a jsonb rule, values compared by a key (most_frequent counts keys; a key shows its most frequent spelling)';

CREATE AGGREGATE ci.survive_lineage(value anyelement, key text, record_id bigint, source text, updated_at timestamptz, rules jsonb) (
    SFUNC = ci.survive_lineage_key_transfn,
    STYPE = internal,
    FINALFUNC = ci.survive_lineage_finalfn,
    COMBINEFUNC = ci.survive_combinefn,
    SERIALFUNC = ci.survive_serialize,
    DESERIALFUNC = ci.survive_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ci.survive_lineage(anyelement, text, bigint, text, timestamptz, jsonb) IS 'the surviving value with its lineage, values compared by a key (most_frequent counts keys; a key shows its most frequent spelling)';

CREATE AGGREGATE ci.survive_lineage(value anyelement, key text, record_id bigint, source text, updated_at timestamptz, rules jsonb, scope integer) (
    SFUNC = ci.survive_lineage_key_transfn,
    STYPE = internal,
    FINALFUNC = ci.survive_lineage_finalfn,
    COMBINEFUNC = ci.survive_combinefn,
    SERIALFUNC = ci.survive_serialize,
    DESERIALFUNC = ci.survive_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ci.survive_lineage(anyelement, text, bigint, text, timestamptz, jsonb, integer) IS 'survivorship with a rule chain and a comparison key: bit i of scope puts the row in the scope of rule i+1';

-- The lineage of a group member (see ci.golden_attribute.survive_group):
-- the member's value from the record that won the lead attribute.
CREATE FUNCTION ci.survive_group_member(lead jsonb, value anyelement, survive_group text, lead_attribute text)
RETURNS jsonb AS 'MODULE_PATHNAME', 'survive_group_member'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION ci.survive_group_member(jsonb, anyelement, text, text) IS 'lineage of an attribute that survives with its group: the value from the record that won the lead (source, record_id and updated_at copied from the lead''s lineage); NULL when the lead is NULL';

CREATE FUNCTION ci.golden_sources(sources text[])
RETURNS text[] AS 'MODULE_PATHNAME', 'survive_sorted_sources'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ci.golden_sources(text[]) IS 'the distinct non-NULL elements of a text array in the collation''s order (a golden profile''s sources)';
