-- customer_intel 0.1.0: generated from src/*/*.sql by make; edit those.
\echo Use "CREATE EXTENSION customer_intel" to load this file. \quit

-- ---- src/common/10_schema.sql ----
-- The schema is created here, not named in the control file, so that it is
-- a member of the extension and DROP EXTENSION removes it with everything in it.
CREATE SCHEMA ci;
COMMENT ON SCHEMA ci IS 'customer_intel: identity matching, survivorship, consent, retention and audit';

-- ---- src/common/90_roles.sql ----
-- The role model.  Roles are cluster-wide, so the extension creates none;
-- instead each capability records here which privileges each kind of role
-- needs on its objects, and ci.grant_role() grants them to a role the DBA
-- made.  Kinds, from least to most:
--   reader       BI and analysts: read views and tables, call pure functions
--   application  backends: write source records, run incremental resolution
--   steward      data stewards: application plus decisions and overrides
--   admin        runs models, full resolutions, rule changes
-- Each kind includes the privileges of the kinds before it.

CREATE TABLE ci.role_privilege (
    role_kind   text NOT NULL CHECK (role_kind IN ('reader', 'application', 'steward', 'admin')),
    object_kind text NOT NULL CHECK (object_kind IN ('TABLE', 'SEQUENCE')),
    object_name text NOT NULL,
    privileges  text NOT NULL CHECK (privileges ~ '^[A-Z, ]+$'),
    PRIMARY KEY (role_kind, object_kind, object_name)
);
COMMENT ON TABLE ci.role_privilege IS 'Which privileges each kind of role gets on each object; read by ci.grant_role';

CREATE FUNCTION ci.grant_role(role_name name, role_kind text)
RETURNS SETOF text
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    kinds constant text[] := ARRAY['reader', 'application', 'steward', 'admin'];
    upto int := array_position(kinds, role_kind);
    r record;
    stmt text;
BEGIN
    IF upto IS NULL THEN
        RAISE EXCEPTION 'unknown role kind "%"', role_kind
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use one of reader, application, steward, admin.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
        RAISE EXCEPTION 'role "%" does not exist', role_name
            USING ERRCODE = 'undefined_object', HINT = 'Create it first with CREATE ROLE.';
    END IF;

    stmt := format('GRANT USAGE ON SCHEMA ci TO %I', role_name);
    EXECUTE stmt; RETURN NEXT stmt;

    -- Readers may call every function that does not write (IMMUTABLE or
    -- STABLE); writers get every function, which still runs with their own
    -- table privileges unless it is SECURITY DEFINER.
    FOR r IN
        SELECT p.oid::regprocedure AS fn
        FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
        JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'customer_intel'
        WHERE (upto > 1 OR p.provolatile <> 'v') AND p.prokind IN ('f', 'a')
          AND (upto = 4 OR p.proname NOT IN ('grant_role', 'revoke_role'))
        ORDER BY 1::text
    LOOP
        stmt := format('GRANT EXECUTE ON FUNCTION %s TO %I', r.fn, role_name);
        EXECUTE stmt; RETURN NEXT stmt;
    END LOOP;

    FOR r IN
        SELECT object_kind, object_name, string_agg(privileges, ', ' ORDER BY privileges) AS privs
        FROM ci.role_privilege
        WHERE array_position(kinds, role_privilege.role_kind) <= upto
        GROUP BY object_kind, object_name ORDER BY object_name
    LOOP
        stmt := format('GRANT %s ON %s %s TO %I', r.privs, r.object_kind,
                       r.object_name::regclass, role_name);
        EXECUTE stmt; RETURN NEXT stmt;
    END LOOP;
END
$$;
COMMENT ON FUNCTION ci.grant_role(name, text) IS
    'Grants a role what a reader, application, steward or admin needs on schema ci; returns the GRANT statements run';

CREATE FUNCTION ci.revoke_role(role_name name)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA ci FROM %I', role_name);
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA ci FROM %I', role_name);
    EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ci FROM %I', role_name);
    EXECUTE format('REVOKE ALL ON SCHEMA ci FROM %I', role_name);
END
$$;
COMMENT ON FUNCTION ci.revoke_role(name) IS 'Revokes every privilege a role holds on schema ci and its objects';

-- Only administrators hand out privileges.
REVOKE ALL ON FUNCTION ci.grant_role(name, text), ci.revoke_role(name) FROM PUBLIC;

-- The tables every capability so far reads and writes.
INSERT INTO ci.role_privilege VALUES
    ('reader',      'TABLE',    'ci.source',          'SELECT'),
    ('reader',      'TABLE',    'ci.source_record',   'SELECT'),
    ('reader',      'TABLE',    'ci.identity',        'SELECT'),
    ('reader',      'TABLE',    'ci.identity_link',   'SELECT'),
    ('reader',      'TABLE',    'ci.identity_event',  'SELECT'),
    ('application', 'TABLE',    'ci.source_record',   'INSERT, UPDATE, DELETE'),
    ('application', 'SEQUENCE', 'ci.source_record_record_id_seq', 'USAGE'),
    ('admin',       'TABLE',    'ci.source',          'INSERT, UPDATE, DELETE'),
    ('admin',       'TABLE',    'ci.identity',        'INSERT, UPDATE, DELETE'),
    ('admin',       'TABLE',    'ci.identity_link',   'INSERT, UPDATE, DELETE'),
    ('admin',       'TABLE',    'ci.identity_event',  'INSERT'),
    ('admin',       'TABLE',    'ci.role_privilege',  'SELECT');

-- ---- src/match/10_normalize.sql ----
-- Normalisation of names, e-mail addresses and phone numbers into the keys
-- that identity resolution blocks and compares on (doc/normalisation.md).
--
-- All of these are IMMUTABLE: the result depends only on the arguments and
-- on the Unicode (ICU) and numbering-plan (libphonenumber) data compiled
-- into the installed libraries.  After upgrading ICU or libphonenumber,
-- REINDEX the expression indexes built on them and recompute the stored
-- generated columns (an UPDATE setting the columns they are computed from,
-- e.g. SET email = email).

CREATE FUNCTION ci.normalize_name(name text) RETURNS text
    AS 'MODULE_PATHNAME', 'match_normalize_name'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION ci.normalize_name(text) IS
'Personal name as lower-case ASCII tokens: NFKC, case folding, transliteration to Latin then ASCII (ICU); apostrophes removed, hyphens kept between letters, other punctuation and white space folded to one space; NULL when no letter or digit remains';

CREATE FUNCTION ci.name_tokens(name text) RETURNS text[]
    AS 'MODULE_PATHNAME', 'match_name_tokens'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION ci.name_tokens(text) IS
'Tokens of ci.normalize_name(name), split at spaces and hyphens, in order, duplicates kept; empty array when the name has no letter or digit';

CREATE FUNCTION ci.normalize_email(email text, fold_provider boolean DEFAULT true,
                                   subaddress_domains text[] DEFAULT '{}')
    RETURNS text
    AS 'MODULE_PATHNAME', 'match_normalize_email'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION ci.normalize_email(text, boolean, text[]) IS
'Canonical e-mail address: trimmed, local part lower-cased, domain lower-case ASCII via IDNA UTS #46; with fold_provider the rules of ci.email_providers() apply (googlemail.com -> gmail.com, Gmail dots, +tags); +tags are also removed for subaddress_domains; NULL when not a valid address';

CREATE FUNCTION ci.email_is_valid(email text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'match_email_is_valid'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION ci.email_is_valid(text) IS
'True when ci.normalize_email accepts the address: syntax and lengths only (RFC 5321/5322, IDNA); no DNS lookup';

CREATE FUNCTION ci.email_providers(OUT domain text, OUT canonical_domain text,
                                   OUT removes_dots boolean, OUT removes_subaddress boolean)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'match_email_providers'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION ci.email_providers() IS
'The mailbox-provider rules ci.normalize_email applies when fold_provider is true: canonical domain, whether dots in the local part are ignored, whether +tags are removed';

CREATE FUNCTION ci.normalize_phone(phone text, default_region text DEFAULT NULL) RETURNS text
    AS 'MODULE_PATHNAME', 'match_normalize_phone'
    LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION ci.normalize_phone(text, text) IS
'Phone number in E.164 (+61412345678) when libphonenumber parses and validates it, else NULL; default_region (ISO 3166-1 alpha-2, either case) reads national numbers, NULL accepts only +international input; an unknown region is an error (22023); extensions are dropped';

CREATE FUNCTION ci.phone_region(region text) RETURNS text
    AS 'MODULE_PATHNAME', 'match_phone_region'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ci.phone_region(text) IS
'The region code upper-cased when libphonenumber knows it (a valid default_region for ci.normalize_phone), else NULL';

CREATE FUNCTION ci.phone_is_valid(phone text, default_region text DEFAULT NULL) RETURNS boolean
    AS 'MODULE_PATHNAME', 'match_phone_is_valid'
    LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION ci.phone_is_valid(text, text) IS
'True when ci.normalize_phone(phone, default_region) is not NULL; NULL for a NULL phone';

CREATE FUNCTION ci.phone_info(phone text, default_region text DEFAULT NULL,
                              OUT e164 text, OUT valid boolean, OUT possible boolean,
                              OUT region text, OUT number_type text,
                              OUT extension text, OUT parse_error text)
    RETURNS record
    AS 'MODULE_PATHNAME', 'match_phone_info'
    LANGUAGE C IMMUTABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION ci.phone_info(text, text) IS
'What libphonenumber makes of a phone number, for data stewards: E.164 form (also when not valid), valid, possible, region, number type (mobile, fixed_line, ...), extension, and why parsing failed; NULL for a NULL phone';

-- ---- src/match/20_similarity.sql ----
-- String and date similarity primitives (C: src/match/similarity*.c).
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

-- ---- src/match/30_phonetic.sql ----
-- Phonetic codes (C: src/match/double_metaphone.c).  Input is folded to
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

-- ---- src/match/40_source_record.sql ----
-- The canonical engagement model's inputs: source systems and their
-- customer records.  Raw values are kept as received; normalised forms are
-- derived from them (see the identity resolution part).

CREATE TABLE ci.source (
    source      text PRIMARY KEY CHECK (source ~ '^[a-z][a-z0-9_]*$'),
    trust_rank  integer NOT NULL DEFAULT 100 CHECK (trust_rank > 0),
    trust       real NOT NULL DEFAULT 0.5 CHECK (trust > 0 AND trust <= 1),
    description text
);
COMMENT ON TABLE ci.source IS 'Source systems (crm, web, pos, support …); lower trust_rank is more trusted, trust in (0,1] weighs recency scores';

CREATE TABLE ci.source_record (
    record_id    bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    source       text NOT NULL REFERENCES ci.source ON UPDATE CASCADE,
    source_key   text NOT NULL,
    given_name   text,
    family_name  text,
    email        text,
    phone        text,
    birth_date   date,
    national_id  text,
    street       text,
    city         text,
    postcode     text,
    country      text CHECK (country ~ '^[A-Z]{2}$'),
    attributes   jsonb NOT NULL DEFAULT '{}',
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, source_key)
);
COMMENT ON TABLE ci.source_record IS 'One row per customer record per source system, as received';
COMMENT ON COLUMN ci.source_record.national_id IS 'a strong identifier where the source has one (tax, social-security or loyalty number)';
COMMENT ON COLUMN ci.source_record.country IS 'ISO 3166-1 alpha-2 country of the record; the default region for its phone number';

-- The four shipped sources are recreated by CREATE EXTENSION; dump only the user's own.
SELECT pg_catalog.pg_extension_config_dump('ci.source', $$WHERE source NOT IN ('crm', 'pos', 'support', 'web')$$);
SELECT pg_catalog.pg_extension_config_dump('ci.source_record', '');
SELECT pg_catalog.pg_extension_config_dump('ci.source_record_record_id_seq', '');

INSERT INTO ci.source (source, trust_rank, trust, description) VALUES
    ('crm',     10, 0.9, 'customer relationship management system'),
    ('pos',     20, 0.7, 'point of sale'),
    ('support', 30, 0.6, 'support desk'),
    ('web',     40, 0.5, 'web sign-ups and forms');

-- ---- src/match/50_identity.sql ----
-- Resolved identities.  An identity id, once handed out, is never reused:
-- when two identities merge the older id survives and the other is retired
-- (merged_into); every merge and split is logged in ci.identity_event.

CREATE TABLE ci.identity (
    identity_id  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    retired_at   timestamptz,
    merged_into  bigint REFERENCES ci.identity,
    CHECK (merged_into IS NULL OR retired_at IS NOT NULL)
);
COMMENT ON TABLE ci.identity IS 'Resolved customer identities; ids are stable across runs and never reused';

CREATE TABLE ci.identity_link (
    record_id          bigint PRIMARY KEY REFERENCES ci.source_record ON DELETE CASCADE,
    identity_id        bigint NOT NULL,   -- references ci.identity: see the triggers below
    match_probability  double precision CHECK (match_probability BETWEEN 0 AND 1),
    rule               text NOT NULL,
    linked_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX identity_link_identity_idx ON ci.identity_link (identity_id);
COMMENT ON TABLE ci.identity_link IS 'Which identity each source record belongs to, with the evidence that put it there';

-- identity_link.identity_id -> ci.identity is enforced by statement-level
-- triggers rather than a FOREIGN KEY: PostgreSQL 15 checks a foreign key
-- with one query and one row lock per inserted row, which made writing the
-- links of a first run over a million records take longer than everything
-- else together.  The triggers check each statement's rows with one
-- set-based query, refuse to delete (or truncate) an identity that still
-- has links, and never let an identity id change; the SHARE lock a delete
-- takes on ci.identity_link orders it against concurrent link writers.
-- See doc/identity.md, "Integrity of links".  (record_id -> ci.source_record
-- stays a foreign key: its ON DELETE CASCADE carries erasure.)
CREATE FUNCTION ci.identity_link_check() RETURNS trigger
    AS 'MODULE_PATHNAME', 'match_identity_link_check'
    LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ci.identity_link_check() IS
'Statement trigger of ci.identity_link: every identity_id a statement wrote must exist in ci.identity (SQLSTATE 23503 otherwise)';

CREATE FUNCTION ci.identity_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'match_identity_guard'
    LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ci.identity_guard() IS
'Triggers of ci.identity: an identity with links cannot be deleted or truncated, and an identity id never changes (SQLSTATE 23503)';

CREATE TRIGGER identity_link_insert_check AFTER INSERT ON ci.identity_link
    REFERENCING NEW TABLE AS new_links FOR EACH STATEMENT EXECUTE FUNCTION ci.identity_link_check();
CREATE TRIGGER identity_link_update_check AFTER UPDATE ON ci.identity_link
    REFERENCING NEW TABLE AS new_links FOR EACH STATEMENT EXECUTE FUNCTION ci.identity_link_check();
CREATE TRIGGER identity_delete_lock BEFORE DELETE ON ci.identity
    FOR EACH STATEMENT EXECUTE FUNCTION ci.identity_guard();
CREATE TRIGGER identity_delete_check AFTER DELETE ON ci.identity
    REFERENCING OLD TABLE AS old_identities FOR EACH STATEMENT EXECUTE FUNCTION ci.identity_guard();
CREATE TRIGGER identity_truncate_lock BEFORE TRUNCATE ON ci.identity
    FOR EACH STATEMENT EXECUTE FUNCTION ci.identity_guard();
CREATE TRIGGER identity_truncate_check AFTER TRUNCATE ON ci.identity
    FOR EACH STATEMENT EXECUTE FUNCTION ci.identity_guard();
CREATE TRIGGER identity_id_fixed BEFORE UPDATE OF identity_id ON ci.identity
    FOR EACH ROW EXECUTE FUNCTION ci.identity_guard();

CREATE TABLE ci.identity_event (
    event_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event        text NOT NULL CHECK (event IN ('create', 'merge', 'split', 'unmerge', 'retire')),
    identity_id  bigint NOT NULL,
    other_id     bigint,
    record_ids   bigint[],
    detail       jsonb NOT NULL DEFAULT '{}',
    actor        text NOT NULL DEFAULT current_user,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX identity_event_identity_idx ON ci.identity_event (identity_id);
COMMENT ON TABLE ci.identity_event IS 'Append-only log of identity creations, merges and splits';

SELECT pg_catalog.pg_extension_config_dump('ci.identity', '');
SELECT pg_catalog.pg_extension_config_dump('ci.identity_link', '');
SELECT pg_catalog.pg_extension_config_dump('ci.identity_event', '');
SELECT pg_catalog.pg_extension_config_dump('ci.identity_identity_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ci.identity_event_event_id_seq', '');

-- ---- src/match/60_match_features.sql ----
-- Normalised match features of ci.source_record.  They are STORED
-- GENERATED columns: computed once when a row is written, visible to BI
-- tools as plain columns, and indexable, so that incremental resolution
-- finds candidates through ordinary B-tree indexes.  The match model's
-- comparisons and blocking rules name these columns.

ALTER TABLE ci.source_record
    ADD COLUMN given_name_norm  text GENERATED ALWAYS AS (ci.normalize_name(given_name)) STORED,
    ADD COLUMN family_name_norm text GENERATED ALWAYS AS (ci.normalize_name(family_name)) STORED,
    ADD COLUMN email_norm       text GENERATED ALWAYS AS (ci.normalize_email(email)) STORED,
    ADD COLUMN phone_e164       text GENERATED ALWAYS AS (ci.normalize_phone(phone, ci.phone_region(country))) STORED,
    ADD COLUMN national_id_norm text GENERATED ALWAYS AS (nullif(upper(regexp_replace(national_id, '[^0-9A-Za-z]', '', 'g')), '')) STORED,
    ADD COLUMN street_norm      text GENERATED ALWAYS AS (ci.normalize_name(street)) STORED,
    ADD COLUMN city_norm        text GENERATED ALWAYS AS (ci.normalize_name(city)) STORED,
    ADD COLUMN postcode_norm    text GENERATED ALWAYS AS (nullif(upper(regexp_replace(postcode, '\s', '', 'g')), '')) STORED,
    ADD COLUMN birth_year       integer GENERATED ALWAYS AS (extract(year FROM birth_date)::integer) STORED,
    ADD COLUMN name_pair_norm   text GENERATED ALWAYS AS (
        least(ci.normalize_name(given_name), ci.normalize_name(family_name)) || ' ' ||
        greatest(ci.normalize_name(given_name), ci.normalize_name(family_name))) STORED,
    ADD COLUMN name_pair_dm     text GENERATED ALWAYS AS (
        least(ci.dmetaphone(ci.normalize_name(given_name)), ci.dmetaphone(ci.normalize_name(family_name))) || ' ' ||
        greatest(ci.dmetaphone(ci.normalize_name(given_name)), ci.dmetaphone(ci.normalize_name(family_name)))) STORED;

COMMENT ON COLUMN ci.source_record.given_name_norm IS 'given_name normalised for matching (ci.normalize_name)';
COMMENT ON COLUMN ci.source_record.family_name_norm IS 'family_name normalised for matching (ci.normalize_name)';
COMMENT ON COLUMN ci.source_record.email_norm IS 'email in canonical form (ci.normalize_email)';
COMMENT ON COLUMN ci.source_record.phone_e164 IS 'phone in E.164, its default region the record''s country (ci.normalize_phone); NULL when not a valid number; a country libphonenumber does not know reads only +international numbers';
COMMENT ON COLUMN ci.source_record.national_id_norm IS 'national_id with everything but letters and digits removed, upper case';
COMMENT ON COLUMN ci.source_record.street_norm IS 'street normalised for matching (ci.normalize_name)';
COMMENT ON COLUMN ci.source_record.city_norm IS 'city normalised for matching (ci.normalize_name)';
COMMENT ON COLUMN ci.source_record.postcode_norm IS 'postcode without white space, upper case';
COMMENT ON COLUMN ci.source_record.name_pair_norm IS 'both normalised names in sorted order, so that a record with given and family name swapped has the same key (blocking)';
COMMENT ON COLUMN ci.source_record.name_pair_dm IS 'Double Metaphone codes of both names in sorted order: a key that survives typos and swapped names (blocking)';
COMMENT ON COLUMN ci.source_record.birth_year IS 'year of birth_date (blocking)';

-- ---- src/match/70_match_model.sql ----
-- Match models: a Fellegi–Sunter model per row of ci.match_model, its
-- comparisons (one per compared field, each with the levels exact / close /
-- loose / else, and a NULL level when either value is missing, which
-- carries no evidence), its blocking rules (conjunctions of equal keys whose
-- candidate pairs are unioned; a deterministic rule links outright), and
-- what training stored (m and u per level, the prior, term frequencies).

CREATE TABLE ci.match_model (
    model               text PRIMARY KEY CHECK (model ~ '^[a-z][a-z0-9_]*$'),
    description         text,
    relation            regclass NOT NULL DEFAULT 'ci.source_record',
    id_column           name NOT NULL DEFAULT 'record_id',
    source_column       name DEFAULT 'source',
    link_within_source  boolean NOT NULL DEFAULT true,
    link_threshold      double precision NOT NULL DEFAULT 0.9,
    review_threshold    double precision NOT NULL DEFAULT 0.5,
    prior               double precision NOT NULL DEFAULT 0.0001,
    max_candidate_pairs bigint NOT NULL DEFAULT 50000000,
    u_sample_pairs      integer NOT NULL DEFAULT 200000,
    em_max_iterations   integer NOT NULL DEFAULT 100,
    em_tolerance        double precision NOT NULL DEFAULT 1e-6,
    seed                bigint NOT NULL DEFAULT 42,
    trained_at          timestamptz,
    training            jsonb,
    CONSTRAINT match_model_link_threshold_range CHECK (link_threshold > 0 AND link_threshold < 1),
    CONSTRAINT match_model_review_threshold_range CHECK (review_threshold > 0 AND review_threshold <= link_threshold),
    CONSTRAINT match_model_prior_range CHECK (prior > 0 AND prior < 1),
    CONSTRAINT match_model_max_candidate_pairs_positive CHECK (max_candidate_pairs > 0),
    CONSTRAINT match_model_u_sample_pairs_range CHECK (u_sample_pairs BETWEEN 1000 AND 100000000),
    CONSTRAINT match_model_em_max_iterations_range CHECK (em_max_iterations BETWEEN 1 AND 10000),
    CONSTRAINT match_model_em_tolerance_range CHECK (em_tolerance > 0 AND em_tolerance < 1)
);
COMMENT ON TABLE ci.match_model IS 'Fellegi–Sunter match models: which relation, thresholds (match probabilities), prior, candidate-pair cap, training settings and report';
COMMENT ON COLUMN ci.match_model.relation IS 'table or view of the records to resolve; its id_column holds ci.source_record ids';
COMMENT ON COLUMN ci.match_model.source_column IS 'column naming the source system of a record; NULL when all records are one source';
COMMENT ON COLUMN ci.match_model.link_within_source IS 'false: only pairs from different sources are compared (linkage of duplicate-free sources)';
COMMENT ON COLUMN ci.match_model.link_threshold IS 'pairs with a match probability at least this are linked';
COMMENT ON COLUMN ci.match_model.review_threshold IS 'pairs with a match probability at least this but below link_threshold go to the review queue';
COMMENT ON COLUMN ci.match_model.prior IS 'probability that two records drawn at random are the same entity (trained)';
COMMENT ON COLUMN ci.match_model.max_candidate_pairs IS 'a run whose blocking rules would produce more candidate pairs fails before comparing any';
COMMENT ON COLUMN ci.match_model.u_sample_pairs IS 'random record pairs sampled to estimate u for the close and loose levels';
COMMENT ON COLUMN ci.match_model.seed IS 'seed of the random pair sample: training is repeatable';
COMMENT ON COLUMN ci.match_model.training IS 'report of the last training: records, sampled pairs, EM sessions with their iterations and convergence';

CREATE TABLE ci.match_comparison (
    model            text NOT NULL REFERENCES ci.match_model ON UPDATE CASCADE ON DELETE CASCADE,
    comparison       text NOT NULL CHECK (comparison ~ '^[a-z][a-z0-9_]*$'),
    ordinal          integer NOT NULL,
    field            name NOT NULL,
    similarity       text NOT NULL,
    close_threshold  double precision,
    loose_threshold  double precision,
    tf_adjust        boolean NOT NULL DEFAULT false,
    m                double precision[] NOT NULL DEFAULT '{0.9,0.05,0.03,0.02}',
    u                double precision[] NOT NULL DEFAULT '{0.01,0.02,0.05,0.92}',
    PRIMARY KEY (model, comparison),
    UNIQUE (model, ordinal),
    CONSTRAINT match_comparison_similarity_known
        CHECK (similarity IN ('exact', 'jaro_winkler', 'jaro', 'levenshtein', 'damerau_levenshtein', 'birthdate', 'given_name')),
    CONSTRAINT match_comparison_thresholds_range CHECK (
        CASE
            WHEN similarity = 'exact' THEN close_threshold IS NULL AND loose_threshold IS NULL
            WHEN similarity IN ('jaro_winkler', 'jaro', 'birthdate', 'given_name') THEN
                (close_threshold IS NULL OR (close_threshold > 0 AND close_threshold < 1))
                AND (loose_threshold IS NULL OR (loose_threshold > 0 AND loose_threshold < 1))
                AND (close_threshold IS NULL OR loose_threshold IS NULL OR loose_threshold < close_threshold)
            ELSE
                (close_threshold IS NULL OR (close_threshold >= 1 AND close_threshold <= 100 AND close_threshold = trunc(close_threshold)))
                AND (loose_threshold IS NULL OR (loose_threshold >= 1 AND loose_threshold <= 100 AND loose_threshold = trunc(loose_threshold)))
                AND (close_threshold IS NULL OR loose_threshold IS NULL OR loose_threshold > close_threshold)
        END),
    CONSTRAINT match_comparison_m_probabilities
        CHECK (cardinality(m) = 4 AND 0 <= ALL (m) AND 1 >= ALL (m) AND array_position(m, NULL) IS NULL),
    CONSTRAINT match_comparison_u_probabilities
        CHECK (cardinality(u) = 4 AND 0 <= ALL (u) AND 1 >= ALL (u) AND array_position(u, NULL) IS NULL)
);
COMMENT ON TABLE ci.match_comparison IS 'Comparisons of a match model: field, similarity, level thresholds, term-frequency adjustment, and m/u per level {exact, close, loose, else}';
COMMENT ON COLUMN ci.match_comparison.similarity IS 'exact, jaro_winkler, jaro, birthdate, given_name (similarities: a level holds when similarity >= threshold; given_name is Jaro-Winkler where a nickname of ci.name_alias is also close and a lone initial of the other name also loose) or levenshtein, damerau_levenshtein (distances: a level holds when distance <= threshold)';
COMMENT ON COLUMN ci.match_comparison.close_threshold IS 'bound of the close level; NULL: no close level';
COMMENT ON COLUMN ci.match_comparison.loose_threshold IS 'bound of the loose level; NULL: no loose level';
COMMENT ON COLUMN ci.match_comparison.tf_adjust IS 'an exact agreement on a rare value weighs more than on a common one (term frequencies stored in ci.match_term_frequency)';
COMMENT ON COLUMN ci.match_comparison.m IS 'P(level | same entity) for levels {exact, close, loose, else}';
COMMENT ON COLUMN ci.match_comparison.u IS 'P(level | different entities) for levels {exact, close, loose, else}';

CREATE TABLE ci.match_blocking_rule (
    model          text NOT NULL REFERENCES ci.match_model ON UPDATE CASCADE ON DELETE CASCADE,
    rule           text NOT NULL CHECK (rule ~ '^[a-z][a-z0-9_]*$'),
    ordinal        integer NOT NULL,
    keys           text[] NOT NULL,
    deterministic  boolean NOT NULL DEFAULT false,
    PRIMARY KEY (model, rule),
    UNIQUE (model, ordinal),
    CONSTRAINT match_blocking_rule_keys_count CHECK (cardinality(keys) BETWEEN 1 AND 8 AND array_position(keys, NULL) IS NULL)
);
COMMENT ON TABLE ci.match_blocking_rule IS 'Blocking rules: two records are a candidate pair when all keys of some rule are equal and not NULL; deterministic rules link such pairs outright';
COMMENT ON COLUMN ci.match_blocking_rule.keys IS 'each key is a column of the model''s relation, left(column, n), right(column, n) or dmetaphone(column)';

CREATE TABLE ci.match_term_frequency (
    model       text NOT NULL,
    comparison  text NOT NULL,
    value       text NOT NULL,
    frequency   double precision NOT NULL CHECK (frequency > 0 AND frequency <= 1),
    PRIMARY KEY (model, comparison, value),
    FOREIGN KEY (model, comparison) REFERENCES ci.match_comparison ON UPDATE CASCADE ON DELETE CASCADE
);
COMMENT ON TABLE ci.match_term_frequency IS 'Share of records carrying each value of a term-frequency-adjusted comparison, stored by training and read by incremental resolution';

-- Decisions and review entries go with their records: deleting a source
-- record (an erasure, a reload) removes them.
CREATE TABLE ci.match_decision (
    record_a    bigint NOT NULL REFERENCES ci.source_record ON DELETE CASCADE,
    record_b    bigint NOT NULL REFERENCES ci.source_record ON DELETE CASCADE,
    decision    text NOT NULL CHECK (decision IN ('link', 'no_link')),
    note        text,
    actor       text NOT NULL DEFAULT current_user,
    decided_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (record_a, record_b),
    CHECK (record_a < record_b)
);
CREATE INDEX match_decision_record_b_idx ON ci.match_decision (record_b);
COMMENT ON TABLE ci.match_decision IS 'A data steward''s forced link or non-link of two records; every later run honours it';

CREATE TABLE ci.match_review (
    model              text NOT NULL REFERENCES ci.match_model ON UPDATE CASCADE ON DELETE CASCADE,
    record_a           bigint NOT NULL REFERENCES ci.source_record ON DELETE CASCADE,
    record_b           bigint NOT NULL REFERENCES ci.source_record ON DELETE CASCADE,
    match_probability  double precision NOT NULL,
    match_weight       double precision NOT NULL,
    found_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model, record_a, record_b),
    CHECK (record_a < record_b)
);
CREATE INDEX match_review_record_a_idx ON ci.match_review (record_a);
CREATE INDEX match_review_record_b_idx ON ci.match_review (record_b);
COMMENT ON TABLE ci.match_review IS 'Pairs whose match probability fell in the review band [review_threshold, link_threshold) in the latest run';

CREATE TABLE ci.match_run (
    run_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model        text NOT NULL,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    summary      jsonb NOT NULL
);
COMMENT ON TABLE ci.match_run IS 'One row per completed full resolution run, with its summary';

SELECT pg_catalog.pg_extension_config_dump('ci.match_model', $$WHERE model <> 'default'$$);
SELECT pg_catalog.pg_extension_config_dump('ci.match_comparison', $$WHERE model <> 'default'$$);
SELECT pg_catalog.pg_extension_config_dump('ci.match_blocking_rule', $$WHERE model <> 'default'$$);
SELECT pg_catalog.pg_extension_config_dump('ci.match_term_frequency', '');
SELECT pg_catalog.pg_extension_config_dump('ci.match_decision', '');
SELECT pg_catalog.pg_extension_config_dump('ci.match_review', '');
SELECT pg_catalog.pg_extension_config_dump('ci.match_run', '');
SELECT pg_catalog.pg_extension_config_dump('ci.match_run_run_id_seq', '');

CREATE VIEW ci.match_parameters AS
SELECT c.model, c.comparison, c.ordinal, c.field, c.similarity, l.level, l.threshold,
       c.m[l.i] AS m, c.u[l.i] AS u,
       CASE WHEN c.u[l.i] > 0 THEN c.m[l.i] / c.u[l.i] END AS bayes_factor,
       CASE WHEN c.u[l.i] > 0 AND c.m[l.i] > 0 THEN log(2, (c.m[l.i] / c.u[l.i])::numeric)::double precision END AS match_weight,
       c.tf_adjust
FROM ci.match_comparison c
CROSS JOIN LATERAL (VALUES (1, 'exact', NULL::double precision),
                           (2, 'close', c.close_threshold),
                           (3, 'loose', c.loose_threshold),
                           (4, 'else', NULL)) AS l(i, level, threshold)
WHERE l.level IN ('exact', 'else') OR l.threshold IS NOT NULL;
COMMENT ON VIEW ci.match_parameters IS 'One row per comparison level of every model: m, u, Bayes factor and match weight (log2 of the Bayes factor)';

-- ---- src/match/75_name_alias.sql ----
-- Nicknames for the given_name similarity: a formal given name and the
-- short or familiar forms people go by.  The given_name similarity of a
-- match comparison treats a name and its nickname (or two nicknames of one
-- formal name) as the close level, so that "Bill" and "William" are
-- evidence for a match while two different given names in one household
-- are evidence against.  Names are compared after ci.normalize_name, so
-- case, accents and spacing do not matter here.
--
-- The shipped rows were written for this extension from common knowledge
-- of English and European naming customs (public domain, like this file);
-- add, change or delete rows to suit your customers.  Rows you add are
-- kept by pg_dump; the shipped ones come back with CREATE EXTENSION.

CREATE TABLE ci.name_alias (
    name     text NOT NULL CHECK (name <> ''),
    alias    text NOT NULL CHECK (alias <> ''),
    shipped  boolean NOT NULL DEFAULT false,
    PRIMARY KEY (name, alias),
    CHECK (name <> alias)
);
COMMENT ON TABLE ci.name_alias IS 'Given-name nicknames (name: the formal name, alias: a short or familiar form) read by the given_name similarity of match comparisons';
COMMENT ON COLUMN ci.name_alias.shipped IS 'true for the rows CREATE EXTENSION inserts; pg_dump keeps the others';
SELECT pg_catalog.pg_extension_config_dump('ci.name_alias', 'WHERE NOT shipped');

INSERT INTO ci.name_alias (name, alias, shipped)
SELECT v.name, a.alias, true
FROM (VALUES
    -- English
    ('Abigail', '{Abby,Gail}'), ('Albert', '{Al,Bert,Bertie}'), ('Alexander', '{Alex,Alec,Sandy,Xander,Lex}'),
    ('Alexandra', '{Alex,Sandra,Sandy,Lexi}'), ('Alfred', '{Alf,Alfie,Fred}'), ('Allison', '{Ally,Allie}'),
    ('Andrew', '{Andy,Drew}'), ('Angela', '{Angie}'), ('Anthony', '{Tony,Ant}'), ('Arthur', '{Art,Artie}'),
    ('Barbara', '{Barb,Babs}'), ('Benjamin', '{Ben,Benny,Benji}'), ('Bernard', '{Bernie}'),
    ('Catherine', '{Cathy,Cath,Kate,Katie,Cat}'), ('Katherine', '{Kathy,Kate,Katie,Kat,Kay,Kitty}'),
    ('Charles', '{Charlie,Chuck,Chas}'), ('Charlotte', '{Lottie,Charlie}'), ('Christina', '{Chris,Tina,Chrissy}'),
    ('Christine', '{Chris,Chrissy}'), ('Christopher', '{Chris,Kit,Topher}'), ('Cynthia', '{Cindy}'),
    ('Daniel', '{Dan,Danny}'), ('David', '{Dave,Davy}'), ('Deborah', '{Debbie,Deb}'), ('Donald', '{Don,Donnie}'),
    ('Dorothy', '{Dot,Dottie,Dolly}'), ('Douglas', '{Doug}'), ('Edward', '{Ed,Eddie,Ted,Teddy,Ned}'),
    ('Eleanor', '{Ellie,Nell,Nora}'), ('Elizabeth', '{Liz,Lizzie,Beth,Betty,Betsy,Eliza,Libby,Bess}'),
    ('Emily', '{Em,Emmy}'), ('Emma', '{Em,Emmy}'), ('Frances', '{Fran,Frankie}'), ('Francis', '{Frank,Frankie}'),
    ('Frederick', '{Fred,Freddie}'), ('Gabriel', '{Gabe}'), ('Gerald', '{Gerry,Jerry}'), ('Gregory', '{Greg}'),
    ('Harold', '{Harry,Hal}'), ('Henry', '{Harry,Hank,Hal}'), ('Isabella', '{Bella,Izzy,Isa}'),
    ('Jacob', '{Jake}'), ('James', '{Jim,Jimmy,Jamie}'), ('Jennifer', '{Jen,Jenny}'), ('Jessica', '{Jess,Jessie}'),
    ('John', '{Johnny,Jack}'), ('Jonathan', '{Jon,Jonny,Nathan}'), ('Joseph', '{Joe,Joey}'),
    ('Josephine', '{Jo,Josie}'), ('Joshua', '{Josh}'), ('Judith', '{Judy}'), ('Kenneth', '{Ken,Kenny}'),
    ('Lawrence', '{Larry}'), ('Leonard', '{Len,Lenny,Leo}'), ('Margaret', '{Maggie,Meg,Peggy,Marge,Madge}'),
    ('Matthew', '{Matt,Matty}'), ('Michael', '{Mike,Mikey,Mick,Mickey}'), ('Nathaniel', '{Nat,Nate,Nathan}'),
    ('Nicholas', '{Nick,Nicky,Nico}'), ('Oliver', '{Ollie}'), ('Patricia', '{Pat,Patty,Trish,Tricia}'),
    ('Patrick', '{Pat,Paddy}'), ('Peter', '{Pete}'), ('Philip', '{Phil}'), ('Rebecca', '{Becky,Becca}'),
    ('Richard', '{Rick,Ricky,Dick,Rich,Richie}'), ('Robert', '{Bob,Bobby,Rob,Robbie,Bert}'),
    ('Ronald', '{Ron,Ronnie}'), ('Samantha', '{Sam,Sammy}'), ('Samuel', '{Sam,Sammy}'), ('Sarah', '{Sally,Sadie}'),
    ('Stephen', '{Steve,Stevie}'), ('Steven', '{Steve,Stevie}'), ('Susan', '{Sue,Susie}'), ('Suzanne', '{Sue,Suzy}'),
    ('Theodore', '{Theo,Ted,Teddy}'), ('Thomas', '{Tom,Tommy}'), ('Timothy', '{Tim,Timmy}'),
    ('Victoria', '{Vicky,Tori}'), ('Vincent', '{Vince,Vinny}'), ('Walter', '{Walt,Wally}'),
    ('William', '{Bill,Billy,Will,Willy,Liam}'), ('Zachary', '{Zach,Zack}'),
    -- German
    ('Johannes', '{Hans,Jo}'), ('Johann', '{Hans}'), ('Wolfgang', '{Wolf}'), ('Friedrich', '{Fritz}'),
    ('Franziska', '{Franzi}'), ('Katharina', '{Kathi,Katja}'), ('Magdalena', '{Lena,Leni}'),
    ('Elisabeth', '{Lisa,Liesel,Elli,Sissi}'), ('Matthias', '{Matze,Hias}'), ('Stefanie', '{Steffi}'),
    ('Susanne', '{Susi}'), ('Joachim', '{Achim,Jochen}'),
    -- French, Italian, Spanish, Portuguese
    ('Guillaume', '{Guy}'), ('Jacqueline', '{Jacky}'), ('Dominique', '{Dom}'), ('Giuseppe', '{Beppe,Peppe,Pino}'),
    ('Francesco', '{Franco,Cesco}'), ('Giovanni', '{Gianni,Nino}'), ('Alessandro', '{Sandro,Ale}'),
    ('Francisco', '{Paco,Pancho,Quico}'), ('José', '{Pepe}'), ('Manuel', '{Manolo,Manu}'), ('Dolores', '{Lola}'),
    ('Guadalupe', '{Lupe}'), ('Concepción', '{Concha,Conchita}'), ('Ignacio', '{Nacho}'), ('Antonio', '{Toni,Toño}'),
    -- Polish, Russian, Greek (Latin transliterations)
    ('Aleksander', '{Olek,Aleks}'), ('Małgorzata', '{Gosia,Małgosia}'), ('Katarzyna', '{Kasia}'),
    ('Aleksandra', '{Ola}'), ('Agnieszka', '{Aga}'), ('Wojciech', '{Wojtek}'), ('Stanisław', '{Staszek,Stas}'),
    ('Tomasz', '{Tomek}'), ('Krzysztof', '{Krzys}'), ('Józef', '{Józek}'), ('Zofia', '{Zosia}'),
    ('Aleksandr', '{Sasha,Sasa,Sanya}'), ('Alexei', '{Alyosha,Lyosha}'), ('Dmitry', '{Dima,Mitya}'),
    ('Ekaterina', '{Katya}'), ('Yekaterina', '{Katya}'), ('Ivan', '{Vanya}'), ('Mikhail', '{Misha}'),
    ('Nikolai', '{Kolya}'), ('Vladimir', '{Volodya,Vova}'), ('Anastasia', '{Nastya,Asya}'), ('Natalia', '{Natasha,Nata}'),
    ('Tatiana', '{Tanya}'), ('Yelena', '{Lena}'), ('Elena', '{Lena}'), ('Olga', '{Olya}'), ('Svetlana', '{Sveta}'),
    ('Konstantinos', '{Kostas,Dinos}'), ('Dimitrios', '{Dimitris,Mitsos,Takis}'), ('Georgios', '{Giorgos,Yorgos}'),
    ('Ioannis', '{Giannis,Yannis}'), ('Vasileios', '{Vasilis,Vasos}'), ('Aikaterini', '{Katerina}'),
    ('Eleftherios', '{Lefteris}'), ('Christos', '{Chris}')
) AS v(name, aliases)
CROSS JOIN LATERAL unnest(v.aliases::text[]) AS a(alias)
ON CONFLICT DO NOTHING;

-- Sessions cache parsed models (ci.resolve_record): a change of the
-- nicknames gives every model with a given_name comparison a new row
-- version of ci.match_model, as changes of its own comparisons do.
CREATE FUNCTION ci.name_alias_touch() RETURNS trigger
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    UPDATE ci.match_model m SET model = m.model
    WHERE EXISTS (SELECT 1 FROM ci.match_comparison c WHERE c.model = m.model AND c.similarity = 'given_name');
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION ci.name_alias_touch() IS
'Statement trigger on ci.name_alias: writes a new version of the ci.match_model row of every model with a given_name comparison, so that sessions caching parsed models reload the nicknames';
CREATE TRIGGER name_alias_touch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ci.name_alias
    FOR EACH STATEMENT EXECUTE FUNCTION ci.name_alias_touch();

-- ---- src/match/80_match_default.sql ----
-- The shipped model for person-like customer records in ci.source_record,
-- so that ci.resolve_identities() works with no configuration.  Its m and
-- u are starting values; training (ci.train_model, or the first run)
-- replaces them with estimates from the data.  The thresholds are fixed
-- here, in advance: a pair is linked at a match probability of 0.9 or more,
-- and queued for review from 0.5.  Deterministic rules link outright only
-- when a shared e-mail or phone comes with the same given name: households
-- share mailboxes and landlines.

INSERT INTO ci.match_model (model, description, link_threshold, review_threshold, prior)
VALUES ('default', 'person-like customer records of ci.source_record: names, birth date, e-mail, phone, national id, address', 0.9, 0.5, 0.0001);

INSERT INTO ci.match_comparison (model, comparison, ordinal, field, similarity, close_threshold, loose_threshold, tf_adjust, m, u) VALUES
    ('default', 'given_name',  1, 'given_name_norm',  'given_name',          0.92, 0.80, true,  '{0.85,0.07,0.03,0.05}', '{0.005,0.005,0.03,0.96}'),
    ('default', 'family_name', 2, 'family_name_norm', 'jaro_winkler',        0.92, 0.80, true,  '{0.85,0.07,0.03,0.05}', '{0.002,0.003,0.02,0.975}'),
    ('default', 'birth_date',  3, 'birth_date',       'birthdate',           0.85, 0.70, false, '{0.85,0.05,0.05,0.05}', '{0.0002,0.0005,0.002,0.9973}'),
    ('default', 'email',       4, 'email_norm',       'damerau_levenshtein', 1,    NULL, false, '{0.85,0.05,0,0.10}',    '{0.00001,0.00001,0,0.99998}'),
    ('default', 'phone',       5, 'phone_e164',       'damerau_levenshtein', 1,    NULL, false, '{0.80,0.05,0,0.15}',    '{0.0001,0.0005,0,0.9994}'),
    ('default', 'national_id', 6, 'national_id_norm', 'damerau_levenshtein', 1,    2,    false, '{0.85,0.07,0.03,0.05}', '{0.00001,0.0001,0.001,0.99889}'),
    ('default', 'street',      7, 'street_norm',      'jaro_winkler',        0.92, 0.80, false, '{0.80,0.08,0.04,0.08}', '{0.0005,0.002,0.02,0.9775}'),
    ('default', 'city',        8, 'city_norm',        'jaro_winkler',        0.92, 0.80, true,  '{0.85,0.05,0.03,0.07}', '{0.005,0.005,0.02,0.97}'),
    ('default', 'postcode',    9, 'postcode_norm',    'damerau_levenshtein', 1,    NULL, false, '{0.85,0.07,0,0.08}',    '{0.005,0.02,0,0.975}');

INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys, deterministic) VALUES
    ('default', 'same_email_given_name',  1,  '{email_norm,given_name_norm}',     true),
    ('default', 'same_phone_birth_date_given_name', 2, '{phone_e164,birth_date,given_name_norm}', true),
    ('default', 'email',                  15, '{email_norm}',                     false),
    ('default', 'phone',                  16, '{phone_e164}',                     false),
    ('default', 'names_birth_year',       3,  '{name_pair_norm,birth_year}',      false),
    ('default', 'family_name_birth_date', 4,  '{family_name_norm,birth_date}',    false),
    ('default', 'given_name_birth_date',  5,  '{given_name_norm,birth_date}',     false),
    ('default', 'national_id',            6,  '{national_id_norm}',               false),
    ('default', 'birth_date_postcode',    7,  '{birth_date,postcode_norm}',       false),
    ('default', 'street_postcode',        8,  '{street_norm,postcode_norm}',      false),
    ('default', 'birth_date_city',        9,  '{birth_date,city_norm}',           false),
    ('default', 'street_city',            10, '{street_norm,city_norm}',          false),
    ('default', 'phonetic_names_birth_year', 11, '{name_pair_dm,birth_year}',     false),
    ('default', 'phonetic_names_postcode',   14, '{name_pair_dm,postcode_norm}',  false),
    -- National ids whose other end is mistyped, within a postcode district
    -- (two characters: national ids with structured heads, such as the
    -- French NIR's sex and birth year, make one character far too coarse).
    ('default', 'national_id_head',       12, ARRAY['left(national_id_norm, 4)', 'left(postcode_norm, 2)'], false),
    ('default', 'national_id_tail',       13, ARRAY['right(national_id_norm, 4)', 'left(postcode_norm, 2)'], false),
    -- Second-chance rules for records where two of the keys above are
    -- typed wrong at once (a transposed postcode with a changed date, a
    -- swapped national id digit pair, a new street with the same name).
    -- Each keeps a third key (a street's or city's first characters) so
    -- that it does not grow with the square of the records of one city or
    -- postcode area.
    ('default', 'birth_date_postcode_area',  17, ARRAY['birth_date', 'left(postcode_norm, 1)'], false),
    ('default', 'phonetic_names_city',       18, ARRAY['name_pair_dm', 'city_norm', 'left(street_norm, 1)'], false),
    ('default', 'national_id_ends',          19, ARRAY['left(national_id_norm, 3)', 'right(national_id_norm, 2)', 'left(street_norm, 2)'], false),
    ('default', 'given_name_postcode',       20, '{given_name_norm,postcode_norm}',  false),
    ('default', 'family_name_postcode',      21, '{family_name_norm,postcode_norm}', false),
    ('default', 'street_postcode_area',      22, ARRAY['street_norm', 'left(postcode_norm, 2)'], false),
    ('default', 'names_postcode_area',       23, ARRAY['name_pair_norm', 'left(postcode_norm, 1)', 'left(city_norm, 2)'], false),
    ('default', 'names_national_id_head',    24, ARRAY['name_pair_norm', 'left(national_id_norm, 4)'], false);

-- Indexes that serve the default blocking rules, so that resolving one
-- record (ci.resolve_record) finds its candidates by index scans.
CREATE INDEX source_record_email_norm_idx ON ci.source_record (email_norm, given_name_norm);
CREATE INDEX source_record_phone_birth_idx ON ci.source_record (phone_e164, birth_date, given_name_norm);
CREATE INDEX source_record_names_idx ON ci.source_record (name_pair_norm, birth_year);
CREATE INDEX source_record_family_birth_idx ON ci.source_record (family_name_norm, birth_date);
CREATE INDEX source_record_given_birth_idx ON ci.source_record (given_name_norm, birth_date);
CREATE INDEX source_record_national_id_idx ON ci.source_record (national_id_norm);
CREATE INDEX source_record_birth_postcode_idx ON ci.source_record (birth_date, postcode_norm);
CREATE INDEX source_record_street_postcode_idx ON ci.source_record (street_norm, postcode_norm);
CREATE INDEX source_record_birth_city_idx ON ci.source_record (birth_date, city_norm);
CREATE INDEX source_record_street_city_idx ON ci.source_record (street_norm, city_norm);
CREATE INDEX source_record_names_dm_idx ON ci.source_record (name_pair_dm, birth_year);
CREATE INDEX source_record_names_dm_postcode_idx ON ci.source_record (name_pair_dm, postcode_norm);
CREATE INDEX source_record_national_id_head_idx ON ci.source_record (left(national_id_norm, 4), left(postcode_norm, 2));
CREATE INDEX source_record_national_id_tail_idx ON ci.source_record (right(national_id_norm, 4), left(postcode_norm, 2));
-- birth_date_postcode_area, street_postcode_area, names_postcode_area and
-- names_national_id_head are served by the (birth_date, postcode_norm),
-- (street_norm, postcode_norm) and (name_pair_norm, birth_year) indexes
-- above: their leading column is already selective.  phonetic_names_city
-- and national_id_ends use the two leading columns of their indexes below
-- and filter the third key.
CREATE INDEX source_record_names_dm_city_idx ON ci.source_record (name_pair_dm, city_norm);
CREATE INDEX source_record_national_id_ends_idx ON ci.source_record (left(national_id_norm, 3), right(national_id_norm, 2));
CREATE INDEX source_record_given_postcode_idx ON ci.source_record (given_name_norm, postcode_norm);
CREATE INDEX source_record_family_postcode_idx ON ci.source_record (family_name_norm, postcode_norm);

-- ---- src/match/90_match_api.sql ----
-- The identity-resolution API: full runs, training, blocking estimates,
-- incremental resolution of one record, explanations, steward decisions.

CREATE TYPE ci.resolution_summary AS (
    model              text,
    records            bigint,
    candidate_pairs    bigint,
    links              bigint,
    review_pairs       bigint,
    identities         bigint,
    new_identities     bigint,
    merged_identities  bigint,
    split_records      bigint,
    trained            boolean,
    load_ms            double precision,
    block_ms           double precision,
    train_ms           double precision,
    score_ms           double precision,
    cluster_ms         double precision,
    total_ms           double precision
);
COMMENT ON TYPE ci.resolution_summary IS 'What a full resolution run did: counts, and milliseconds per phase (load, blocking and comparison, training, scoring, clustering and writing)';

CREATE FUNCTION ci.resolve_identities(model text DEFAULT 'default', retrain boolean DEFAULT NULL)
    RETURNS ci.resolution_summary
    AS 'MODULE_PATHNAME', 'match_resolve_identities'
    LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ci.resolve_identities(text, boolean) IS
'Resolve every record of the model''s relation into ci.identity / ci.identity_link in one transaction: blocking, comparison, training (retrain true; NULL: only when the model was never trained), scoring, clustering with stable identity ids, review queue; returns a summary';

CREATE FUNCTION ci.train_model(model text DEFAULT 'default')
    RETURNS jsonb
    AS 'MODULE_PATHNAME', 'match_train_model'
    LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION ci.train_model(text) IS
'Train a match model on its relation (u from value frequencies and seeded random pairs, m by EM over blocked pairs, prior, term frequencies), store the parameters and return the training report';

CREATE FUNCTION ci.estimate_blocking(model text DEFAULT 'default',
                                     OUT rule text, OUT keys text[], OUT deterministic boolean,
                                     OUT candidate_pairs bigint, OUT largest_block bigint,
                                     OUT cumulative_pairs bigint)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'match_estimate_blocking'
    LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION ci.estimate_blocking(text) IS
'Candidate pairs each blocking rule of a model would produce on its own, its largest block, and the running total (an upper bound of the union), counted by the database without comparing any pair';

CREATE FUNCTION ci.candidate_pairs(model text DEFAULT 'default',
                                   OUT record_a bigint, OUT record_b bigint,
                                   OUT match_weight double precision, OUT match_probability double precision,
                                   OUT rules text[])
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'match_candidate_pairs'
    LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION ci.candidate_pairs(text) IS
'Every candidate pair the blocking rules of a model produce (record_a < record_b, no duplicates), scored with the model''s current parameters, with the rules each pair satisfies';

CREATE FUNCTION ci.resolve_record(record_id bigint, model text DEFAULT 'default')
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'match_resolve_record'
    LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION ci.resolve_record(bigint, text) IS
'Resolve one new or changed record against the stored identities through the blocking-rule indexes: join the identity it links to, merge identities it bridges (the oldest id survives), or create one; returns its identity id (NULL when the record does not exist). Run in READ COMMITTED';

CREATE FUNCTION ci.resolve_record_trigger() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ci.resolve_record(NEW.record_id, coalesce(TG_ARGV[0], 'default'));
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION ci.resolve_record_trigger() IS
'AFTER INSERT OR UPDATE ... FOR EACH ROW trigger on ci.source_record that resolves the row with ci.resolve_record; its optional argument names the model';

CREATE FUNCTION ci.explain_match(record_a bigint, record_b bigint, model text DEFAULT 'default',
                                 OUT step integer, OUT comparison text, OUT value_a text, OUT value_b text,
                                 OUT level text, OUT similarity double precision,
                                 OUT m double precision, OUT u double precision,
                                 OUT bayes_factor double precision, OUT match_weight double precision,
                                 OUT cumulative_weight double precision, OUT match_probability double precision)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'match_explain'
    LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION ci.explain_match(bigint, bigint, text) IS
'Why two records match or not: a waterfall of rows — the prior, each comparison''s values, level, similarity, m, u (term frequency when adjusted), Bayes factor and weight with the running total and its probability — and the decision';

CREATE FUNCTION ci.decide_match(record_a bigint, record_b bigint, decision text, note text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE AS $$
#variable_conflict use_column
BEGIN
    IF decide_match.record_a IS NULL OR decide_match.record_b IS NULL OR decide_match.decision IS NULL THEN
        RAISE EXCEPTION 'record ids and decision must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF decide_match.record_a = decide_match.record_b THEN
        RAISE EXCEPTION 'a record cannot be decided against itself' USING ERRCODE = '22023';
    END IF;
    IF decide_match.decision NOT IN ('link', 'no_link') THEN
        RAISE EXCEPTION 'unknown decision "%"', decide_match.decision USING ERRCODE = '22023',
            HINT = 'Use link or no_link.';
    END IF;
    INSERT INTO ci.match_decision AS d (record_a, record_b, decision, note)
    VALUES (least(decide_match.record_a, decide_match.record_b), greatest(decide_match.record_a, decide_match.record_b),
            decide_match.decision, decide_match.note)
    ON CONFLICT (record_a, record_b) DO UPDATE
        SET decision = excluded.decision, note = excluded.note, actor = current_user, decided_at = now();
    DELETE FROM ci.match_review r
    WHERE r.record_a = least(decide_match.record_a, decide_match.record_b)
      AND r.record_b = greatest(decide_match.record_a, decide_match.record_b);
END
$$;
COMMENT ON FUNCTION ci.decide_match(bigint, bigint, text, text) IS
'A data steward forces two records to be linked (link) or kept apart (no_link); every later run and incremental resolution honours it, and the pair leaves the review queue';

CREATE VIEW ci.match_review_queue AS
SELECT r.model, r.record_a, r.record_b, r.match_probability, r.match_weight, r.found_at,
       concat_ws(' ', a.given_name, a.family_name) AS name_a, concat_ws(' ', b.given_name, b.family_name) AS name_b,
       a.birth_date AS birth_date_a, b.birth_date AS birth_date_b, a.email AS email_a, b.email AS email_b,
       la.identity_id AS identity_a, lb.identity_id AS identity_b
FROM ci.match_review r
JOIN ci.source_record a ON a.record_id = r.record_a
JOIN ci.source_record b ON b.record_id = r.record_b
LEFT JOIN ci.identity_link la ON la.record_id = r.record_a
LEFT JOIN ci.identity_link lb ON lb.record_id = r.record_b
WHERE NOT EXISTS (SELECT 1 FROM ci.match_decision d WHERE d.record_a = r.record_a AND d.record_b = r.record_b)
ORDER BY r.match_probability DESC;
COMMENT ON VIEW ci.match_review_queue IS 'Pairs in the review band awaiting a steward''s decision (ci.decide_match), most likely first';

-- ci.resolve_record keeps each model parsed, with its queries planned, for
-- the life of a session, and checks per call that the model's row of
-- ci.match_model is still the version it parsed.  These triggers give the
-- row a new version whenever a comparison, blocking rule or stored term
-- frequency of the model changes, so that every session sees the change.
CREATE FUNCTION ci.match_model_touch() RETURNS trigger
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE ci.match_model m SET model = m.model;
    ELSIF TG_OP = 'INSERT' THEN
        UPDATE ci.match_model m SET model = m.model WHERE m.model IN (SELECT n.model FROM new_rows n);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE ci.match_model m SET model = m.model WHERE m.model IN (SELECT o.model FROM old_rows o);
    ELSE
        UPDATE ci.match_model m SET model = m.model
        WHERE m.model IN (SELECT n.model FROM new_rows n UNION SELECT o.model FROM old_rows o);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION ci.match_model_touch() IS
'Statement trigger on the tables that define a match model: writes a new version of the model''s ci.match_model row, so that sessions caching the parsed model (ci.resolve_record) reload it';

CREATE TRIGGER match_comparison_touch_ins AFTER INSERT ON ci.match_comparison
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ci.match_model_touch();
CREATE TRIGGER match_comparison_touch_upd AFTER UPDATE ON ci.match_comparison
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ci.match_model_touch();
CREATE TRIGGER match_comparison_touch_del AFTER DELETE ON ci.match_comparison
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ci.match_model_touch();
CREATE TRIGGER match_comparison_touch_trunc AFTER TRUNCATE ON ci.match_comparison
    FOR EACH STATEMENT EXECUTE FUNCTION ci.match_model_touch();
CREATE TRIGGER match_blocking_rule_touch_ins AFTER INSERT ON ci.match_blocking_rule
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ci.match_model_touch();
CREATE TRIGGER match_blocking_rule_touch_upd AFTER UPDATE ON ci.match_blocking_rule
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ci.match_model_touch();
CREATE TRIGGER match_blocking_rule_touch_del AFTER DELETE ON ci.match_blocking_rule
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ci.match_model_touch();
CREATE TRIGGER match_blocking_rule_touch_trunc AFTER TRUNCATE ON ci.match_blocking_rule
    FOR EACH STATEMENT EXECUTE FUNCTION ci.match_model_touch();
CREATE TRIGGER match_term_frequency_touch_ins AFTER INSERT ON ci.match_term_frequency
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ci.match_model_touch();
CREATE TRIGGER match_term_frequency_touch_upd AFTER UPDATE ON ci.match_term_frequency
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ci.match_model_touch();
CREATE TRIGGER match_term_frequency_touch_del AFTER DELETE ON ci.match_term_frequency
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ci.match_model_touch();
CREATE TRIGGER match_term_frequency_touch_trunc AFTER TRUNCATE ON ci.match_term_frequency
    FOR EACH STATEMENT EXECUTE FUNCTION ci.match_model_touch();

-- ---- src/match/95_roles.sql ----
-- What each kind of role needs on the identity-resolution objects (see
-- src/common/90_roles.sql).  Readers see models, runs, decisions and the
-- review queue; applications resolve records one at a time
-- (ci.resolve_record, also as a trigger), which creates, extends and
-- merges identities and queues review pairs; stewards decide pairs; admins
-- change models and nicknames and run full resolutions and training.
INSERT INTO ci.role_privilege VALUES
    ('reader',      'TABLE',    'ci.match_model',            'SELECT'),
    ('reader',      'TABLE',    'ci.match_comparison',       'SELECT'),
    ('reader',      'TABLE',    'ci.match_blocking_rule',    'SELECT'),
    ('reader',      'TABLE',    'ci.match_term_frequency',   'SELECT'),
    ('reader',      'TABLE',    'ci.match_decision',         'SELECT'),
    ('reader',      'TABLE',    'ci.match_review',           'SELECT'),
    ('reader',      'TABLE',    'ci.match_run',              'SELECT'),
    ('reader',      'TABLE',    'ci.name_alias',             'SELECT'),
    ('reader',      'TABLE',    'ci.match_parameters',       'SELECT'),
    ('reader',      'TABLE',    'ci.match_review_queue',     'SELECT'),
    ('application', 'TABLE',    'ci.identity',               'INSERT, UPDATE'),
    ('application', 'SEQUENCE', 'ci.identity_identity_id_seq', 'USAGE'),
    ('application', 'TABLE',    'ci.identity_link',          'INSERT, UPDATE, DELETE'),
    ('application', 'TABLE',    'ci.identity_event',         'INSERT'),
    ('application', 'SEQUENCE', 'ci.identity_event_event_id_seq', 'USAGE'),
    ('application', 'TABLE',    'ci.match_review',           'INSERT, UPDATE, DELETE'),
    ('steward',     'TABLE',    'ci.match_decision',         'SELECT, INSERT, UPDATE, DELETE'),
    ('admin',       'TABLE',    'ci.match_model',            'INSERT, UPDATE, DELETE'),
    ('admin',       'TABLE',    'ci.match_comparison',       'INSERT, UPDATE, DELETE'),
    ('admin',       'TABLE',    'ci.match_blocking_rule',    'INSERT, UPDATE, DELETE'),
    ('admin',       'TABLE',    'ci.match_term_frequency',   'INSERT, UPDATE, DELETE'),
    ('admin',       'TABLE',    'ci.match_run',              'INSERT, UPDATE, DELETE'),
    ('admin',       'SEQUENCE', 'ci.match_run_run_id_seq',   'USAGE'),
    ('admin',       'TABLE',    'ci.name_alias',             'INSERT, UPDATE, DELETE')
ON CONFLICT DO NOTHING;

-- ---- src/survive/10_rules.sql ----
-- Survivorship rules: which value of an identity's source records survives
-- into its golden profile, per attribute.

CREATE TABLE ci.golden_attribute (
    attribute     text PRIMARY KEY,
    position      smallint NOT NULL UNIQUE,
    survive_group text CHECK (survive_group ~ '^[a-z][a-z0-9_]*$'),
    description   text
);
COMMENT ON TABLE ci.golden_attribute IS 'The attributes of a golden profile; each is a column of ci.source_record and of ci.golden_profile';
COMMENT ON COLUMN ci.golden_attribute.survive_group IS 'attributes that survive together: the member with the lowest position leads, its rules pick the winning record and the other members take that record''s values (their own rules apply only when no record has a value for the lead)';

INSERT INTO ci.golden_attribute (attribute, position, survive_group, description) VALUES
    ('given_name',  1, NULL,      'given name as received'),
    ('family_name', 2, NULL,      'family name as received'),
    ('email',       3, NULL,      'e-mail address as received'),
    ('phone',       4, NULL,      'phone number in E.164 (as received when it has no E.164 form)'),
    ('birth_date',  5, NULL,      'date of birth'),
    ('national_id', 6, NULL,      'strong identifier: tax, social-security or loyalty number'),
    ('street',      7, 'address', 'street address (leads the address group)'),
    ('city',        8, 'address', 'city (from the record whose street won)'),
    ('postcode',    9, 'address', 'postcode (from the record whose street won)'),
    ('country',    10, 'address', 'ISO 3166-1 alpha-2 country (from the record whose street won)');

CREATE TABLE ci.survivorship_rule (
    rule_id     bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    attribute   text NOT NULL REFERENCES ci.golden_attribute ON UPDATE CASCADE,
    priority    integer NOT NULL DEFAULT 1 CHECK (priority BETWEEN 1 AND 1000),
    kind        text NOT NULL CHECK (kind IN ('source_priority', 'most_recent', 'most_frequent',
                    'longest', 'first_non_null', 'min', 'max', 'trust_recency')),
    sources     text[] CHECK (cardinality(sources) > 0 AND array_position(sources, NULL) IS NULL),
    tie_break   text CHECK (tie_break IN ('source_priority', 'most_recent', 'longest',
                    'first_non_null', 'min', 'max', 'trust_recency')),
    order_by    text CHECK (order_by IN ('updated_at', 'record_id')),
    descending  boolean NOT NULL DEFAULT false,
    half_life   interval CHECK (half_life > interval '0'),
    condition   jsonb CHECK (jsonb_typeof(condition) = 'object'),
    builtin     boolean NOT NULL DEFAULT false,
    description text,
    UNIQUE (attribute, priority),
    CONSTRAINT source_priority_needs_sources
        CHECK ((kind = 'source_priority' OR tie_break = 'source_priority') IS NOT TRUE OR sources IS NOT NULL),
    CONSTRAINT tie_break_only_for_most_frequent CHECK (tie_break IS NULL OR kind = 'most_frequent'),
    CONSTRAINT order_by_only_for_first_non_null
        CHECK (order_by IS NULL OR kind = 'first_non_null' OR tie_break = 'first_non_null'),
    CONSTRAINT half_life_only_for_trust_recency
        CHECK (half_life IS NULL OR kind = 'trust_recency' OR tie_break = 'trust_recency')
);
COMMENT ON TABLE ci.survivorship_rule IS 'Per attribute, a chain of survivorship rules tried by priority: the first rule with a non-NULL candidate in its scope decides';
COMMENT ON COLUMN ci.survivorship_rule.priority IS 'position in the attribute''s chain, 1 first';
COMMENT ON COLUMN ci.survivorship_rule.sources IS 'source_priority: ranked sources, most trusted first; unlisted sources rank after all listed ones';
COMMENT ON COLUMN ci.survivorship_rule.tie_break IS 'most_frequent: how equally frequent values are told apart';
COMMENT ON COLUMN ci.survivorship_rule.order_by IS 'first_non_null: updated_at (default) or record_id, ascending unless descending';
COMMENT ON COLUMN ci.survivorship_rule.half_life IS 'trust_recency: age at which a source''s trust counts half (default 365 days)';
COMMENT ON COLUMN ci.survivorship_rule.condition IS 'scope: only records whose attributes jsonb contains this object are candidates of this rule';
COMMENT ON COLUMN ci.survivorship_rule.builtin IS 'shipped by the extension (recreated by CREATE EXTENSION, so not dumped)';

CREATE INDEX survivorship_rule_attribute_idx ON ci.survivorship_rule (attribute, priority);

-- Unknown attributes and sources, rules that cannot apply to the column's
-- type and over-long chains are refused with a clear message.
CREATE FUNCTION ci.survivorship_rule_check()
RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_type    regtype;
    v_source  text;
    v_count   integer;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM ci.golden_attribute WHERE attribute = NEW.attribute) THEN
        RAISE EXCEPTION 'unknown golden attribute "%"', NEW.attribute
            USING ERRCODE = 'undefined_column',
                  HINT = 'Known attributes: ' || (SELECT string_agg(attribute, ', ' ORDER BY position) FROM ci.golden_attribute) || '.';
    END IF;
    SELECT a.atttypid::regtype INTO v_type
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = 'ci.source_record'::regclass AND a.attname = NEW.attribute AND NOT a.attisdropped;
    IF v_type IS NULL THEN
        RAISE EXCEPTION 'golden attribute "%" is not a column of ci.source_record', NEW.attribute
            USING ERRCODE = 'undefined_column';
    END IF;
    FOREACH v_source IN ARRAY coalesce(NEW.sources, '{}') LOOP
        IF NOT EXISTS (SELECT 1 FROM ci.source WHERE source = v_source) THEN
            RAISE EXCEPTION 'unknown source "%" in survivorship rule for %', v_source, NEW.attribute
                USING ERRCODE = 'undefined_object',
                      HINT = 'Add it to ci.source first, or use one of: ' || (SELECT string_agg(source, ', ' ORDER BY trust_rank, source) FROM ci.source) || '.';
        END IF;
    END LOOP;
    IF NEW.sources IS NOT NULL AND cardinality(NEW.sources) <> (SELECT count(DISTINCT s) FROM unnest(NEW.sources) s) THEN
        RAISE EXCEPTION 'survivorship rule for % ranks a source twice', NEW.attribute
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('The sources given were %s.', NEW.sources);
    END IF;
    IF 'longest' IN (NEW.kind, NEW.tie_break)
       AND (SELECT t.typcategory NOT IN ('S', 'A') AND t.oid <> 'jsonb'::regtype FROM pg_catalog.pg_type t WHERE t.oid = v_type) THEN
        RAISE EXCEPTION 'survivorship rule longest does not fit attribute % of type %', NEW.attribute, v_type
            USING ERRCODE = 'datatype_mismatch',
                  DETAIL = 'longest measures characters of a string.',
                  HINT = 'Use most_recent, most_frequent, min, max or trust_recency.';
    END IF;
    IF NEW.kind = 'first_non_null' THEN
        NEW.order_by := coalesce(NEW.order_by, 'updated_at');
    END IF;
    SELECT count(*) INTO v_count FROM ci.survivorship_rule
     WHERE attribute = NEW.attribute AND rule_id <> NEW.rule_id;
    IF v_count >= 31 THEN
        RAISE EXCEPTION 'attribute % already has 31 survivorship rules', NEW.attribute
            USING ERRCODE = 'program_limit_exceeded';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION ci.survivorship_rule_check() IS 'trigger: validates a survivorship rule (attribute, sources, fit of rule and column type, chain length)';

CREATE TRIGGER survivorship_rule_check
    BEFORE INSERT OR UPDATE ON ci.survivorship_rule
    FOR EACH ROW EXECUTE FUNCTION ci.survivorship_rule_check();

-- The default rule set: the demo works unconfigured.
INSERT INTO ci.survivorship_rule (attribute, priority, kind, sources, tie_break, half_life, condition, builtin, description) VALUES
    ('given_name',  1, 'most_frequent',   NULL, 'longest', NULL, NULL, true, 'the name most records agree on; the fuller spelling on a tie'),
    ('family_name', 1, 'most_frequent',   NULL, 'longest', NULL, NULL, true, 'the name most records agree on; the fuller spelling on a tie'),
    ('email',       1, 'source_priority', '{crm}', NULL, NULL, '{"email_verified": true}', true, 'a verified CRM address first'),
    ('email',       2, 'trust_recency',   NULL, NULL, '180 days', NULL, true, 'else the most trusted recent address'),
    ('phone',       1, 'most_recent',     NULL, NULL, NULL, NULL, true, 'phones change: the latest wins'),
    ('birth_date',  1, 'most_frequent',   '{crm,pos,support,web}', 'source_priority', NULL, NULL, true, 'the date most records agree on; the most trusted source on a tie'),
    ('national_id', 1, 'source_priority', '{crm,pos,support,web}', NULL, NULL, NULL, true, 'strong identifiers from the most trusted source'),
    ('street',      1, 'trust_recency',   NULL, NULL, '365 days', NULL, true, 'trusted and recent address'),
    ('city',        1, 'trust_recency',   NULL, NULL, '365 days', NULL, true, 'trusted and recent address'),
    ('postcode',    1, 'trust_recency',   NULL, NULL, '365 days', NULL, true, 'trusted and recent address'),
    ('country',     1, 'most_frequent',   NULL, 'most_recent', NULL, NULL, true, 'the country most records agree on; the latest on a tie');

SELECT pg_catalog.pg_extension_config_dump('ci.survivorship_rule', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('ci.survivorship_rule_rule_id_seq', '');

-- The rule chain of one attribute as the jsonb ci.survive_lineage takes:
-- trust maps are filled in from ci.source, half-lives given in seconds so
-- that IntervalStyle cannot change them.
CREATE FUNCTION ci.survivorship_rules(p_attribute text)
RETURNS jsonb LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
               'kind', r.kind,
               'sources', to_jsonb(r.sources),
               'tie_break', r.tie_break,
               'order_by', r.order_by,
               'descending', CASE WHEN 'first_non_null' IN (r.kind, r.tie_break) THEN r.descending END,
               'half_life', CASE WHEN 'trust_recency' IN (r.kind, r.tie_break)
                                 THEN extract(epoch FROM coalesce(r.half_life, interval '365 days'))::text || ' seconds' END,
               'trust', CASE WHEN 'trust_recency' IN (r.kind, r.tie_break)
                             THEN (SELECT jsonb_object_agg(s.source, s.trust) FROM ci.source s) END,
               'rule_id', r.rule_id))
           ORDER BY r.priority)
      FROM ci.survivorship_rule r
     WHERE r.attribute = p_attribute
$$;
COMMENT ON FUNCTION ci.survivorship_rules(text) IS 'the survivorship rule chain of an attribute as jsonb for ci.survive_lineage (NULL when the attribute has no rule)';

-- ---- src/survive/20_aggregates.sql ----
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

-- ---- src/survive/30_golden.sql ----
-- Golden profiles: one survivor record per identity, with per-field lineage,
-- steward overrides, and the queue of identities whose profile is stale.

CREATE TABLE ci.golden_profile (
    identity_id  bigint PRIMARY KEY REFERENCES ci.identity ON DELETE CASCADE,
    given_name   text,
    family_name  text,
    email        text,
    phone        text,
    birth_date   date,
    national_id  text,
    street       text,
    city         text,
    postcode     text,
    country      text,
    record_count integer NOT NULL DEFAULT 0,
    sources      text[] NOT NULL DEFAULT '{}',
    lineage      jsonb NOT NULL DEFAULT '{}',
    changed_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ci.golden_profile IS 'One survivor record per identity; lineage holds, per field, the winning record, source, rule and the candidates it beat';
COMMENT ON COLUMN ci.golden_profile.lineage IS 'per attribute: {"value", "record_id", "source", "updated_at", "rule", "rule_id", "rule_index", "candidates", "nulls", "support", "beaten": [...], "beaten_total"} (NULL when no record had a value), plus "pinned" when a steward override holds';
COMMENT ON COLUMN ci.golden_profile.changed_at IS 'when a refresh last changed this row';

CREATE TABLE ci.golden_override (
    identity_id  bigint NOT NULL REFERENCES ci.identity ON DELETE CASCADE,
    attribute    text NOT NULL REFERENCES ci.golden_attribute ON UPDATE CASCADE,
    value        text,
    actor        text NOT NULL DEFAULT current_user,
    reason       text NOT NULL CHECK (btrim(reason) <> ''),
    at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (identity_id, attribute)
);
COMMENT ON TABLE ci.golden_override IS 'Values pinned by data stewards: they replace the survivor in every refresh until unpinned';

-- A pinned value must be castable to the attribute's type.
CREATE FUNCTION ci.golden_override_check()
RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_type regtype;
BEGIN
    SELECT a.atttypid::regtype INTO v_type
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = 'ci.golden_profile'::regclass AND a.attname = NEW.attribute AND NOT a.attisdropped;
    IF v_type IS NULL THEN
        RAISE EXCEPTION 'unknown golden attribute "%"', NEW.attribute USING ERRCODE = 'undefined_column';
    END IF;
    IF NEW.value IS NOT NULL AND v_type <> 'text'::regtype THEN
        EXECUTE format('SELECT %L::%s', NEW.value, v_type);
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION ci.golden_override_check() IS 'trigger: a pinned value must name a golden attribute and cast to its type';
CREATE TRIGGER golden_override_check
    BEFORE INSERT OR UPDATE ON ci.golden_override
    FOR EACH ROW EXECUTE FUNCTION ci.golden_override_check();

-- The dirty-identity queue.  Triggers append (never update), so a writer
-- never waits for a refresher and a change committed after a refresher took
-- its snapshot always leaves a row behind for the next refresh.
CREATE TABLE ci.golden_dirty (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    identity_id  bigint NOT NULL,
    queued_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX golden_dirty_identity_idx ON ci.golden_dirty (identity_id);
COMMENT ON TABLE ci.golden_dirty IS 'Identities whose golden profile must be recomputed (filled by triggers, drained by ci.refresh_golden_profiles)';

-- Unmerge decisions go to ci.match_decision, which identity resolution
-- (src/match) owns and honours on every run.

SELECT pg_catalog.pg_extension_config_dump('ci.golden_profile', '');
SELECT pg_catalog.pg_extension_config_dump('ci.golden_override', '');
-- The two work queues, ci.golden_dirty and ci.golden_stale, are not dumped:
-- restoring ci.identity_link fires the queue triggers, which queue every
-- linked identity again, and dumped queue rows would collide with those on
-- their sequence numbers.  After a restore, run ci.build_golden_profiles()
-- (or ci.refresh_golden_profiles(), which recomputes the queued identities).

-- Queue triggers: statement level, one set-based INSERT per statement.
CREATE FUNCTION ci.golden_queue_record_change()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ci.golden_dirty (identity_id)
    SELECT DISTINCT l.identity_id
      FROM new_rows n
      JOIN old_rows o ON o.record_id = n.record_id
      JOIN ci.identity_link l ON l.record_id = n.record_id
     WHERE (n.source, n.given_name, n.family_name, n.email, n.phone, n.birth_date, n.national_id,
            n.street, n.city, n.postcode, n.country, n.attributes, n.updated_at)
           IS DISTINCT FROM
           (o.source, o.given_name, o.family_name, o.email, o.phone, o.birth_date, o.national_id,
            o.street, o.city, o.postcode, o.country, o.attributes, o.updated_at)
     ORDER BY 1;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION ci.golden_queue_record_change() IS 'trigger: queues the identities of changed source records for a golden refresh';

CREATE TRIGGER golden_queue_record_update
    AFTER UPDATE ON ci.source_record
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ci.golden_queue_record_change();

CREATE FUNCTION ci.golden_queue_link_change()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO ci.golden_dirty (identity_id)
        SELECT DISTINCT identity_id FROM new_rows ORDER BY 1;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO ci.golden_dirty (identity_id)
        SELECT identity_id FROM new_rows UNION SELECT identity_id FROM old_rows ORDER BY 1;
    ELSE
        INSERT INTO ci.golden_dirty (identity_id)
        SELECT DISTINCT identity_id FROM old_rows ORDER BY 1;
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION ci.golden_queue_link_change() IS 'trigger: queues the identities a link was added to, moved between or removed from';

CREATE TRIGGER golden_queue_link_insert
    AFTER INSERT ON ci.identity_link
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ci.golden_queue_link_change();
CREATE TRIGGER golden_queue_link_update
    AFTER UPDATE ON ci.identity_link
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ci.golden_queue_link_change();
CREATE TRIGGER golden_queue_link_delete
    AFTER DELETE ON ci.identity_link
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ci.golden_queue_link_change();

CREATE FUNCTION ci.golden_queue_override_change()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO ci.golden_dirty (identity_id) SELECT DISTINCT identity_id FROM old_rows ORDER BY 1;
    ELSE
        INSERT INTO ci.golden_dirty (identity_id) SELECT DISTINCT identity_id FROM new_rows ORDER BY 1;
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION ci.golden_queue_override_change() IS 'trigger: queues identities whose pinned values changed';
CREATE TRIGGER golden_queue_override_insert
    AFTER INSERT ON ci.golden_override REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ci.golden_queue_override_change();
CREATE TRIGGER golden_queue_override_update
    AFTER UPDATE ON ci.golden_override REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ci.golden_queue_override_change();
CREATE TRIGGER golden_queue_override_delete
    AFTER DELETE ON ci.golden_override REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ci.golden_queue_override_change();

-- Lineage is a few kB per profile: lz4 compresses it several times faster
-- than pglz.  Servers built without lz4 keep the default.
DO $$
BEGIN
    ALTER TABLE ci.golden_profile ALTER COLUMN lineage SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    NULL;
END;
$$;

-- Rule, attribute and trust changes make every profile stale.  Rather than
-- queue every identity, a statement-level trigger appends one row to
-- ci.golden_stale; the next ci.refresh_golden_profiles() sees it and
-- rebuilds everything (ci.build_golden_profiles, which empties the table).
-- Appending never blocks another writer, and a change committed after a
-- rebuild's snapshot leaves its row behind for the next refresh.
CREATE TABLE ci.golden_stale (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reason     text NOT NULL,
    flagged_at timestamptz NOT NULL DEFAULT now(),
    flagged_by text NOT NULL DEFAULT current_user
);
COMMENT ON TABLE ci.golden_stale IS 'Changes to survivorship rules, golden attributes or source trust since the last full build: while a row is here, ci.refresh_golden_profiles rebuilds every profile';

CREATE FUNCTION ci.golden_flag_stale()
RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_TABLE_NAME = 'source' AND TG_OP = 'UPDATE' THEN
        -- only trust (which trust_recency weighs) and names (which rules list) matter
        IF NOT EXISTS (SELECT 1 FROM new_rows n FULL JOIN old_rows o ON o.source = n.source
                        WHERE n.source IS NULL OR o.source IS NULL OR n.trust IS DISTINCT FROM o.trust) THEN
            RETURN NULL;
        END IF;
    END IF;
    INSERT INTO ci.golden_stale (reason) VALUES (format('%s on ci.%s', lower(TG_OP), TG_TABLE_NAME));
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION ci.golden_flag_stale() IS 'trigger: a change to survivorship rules, golden attributes or source trust marks every golden profile stale (ci.golden_stale)';

CREATE TRIGGER golden_stale_rule
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ci.survivorship_rule
    FOR EACH STATEMENT EXECUTE FUNCTION ci.golden_flag_stale();
CREATE TRIGGER golden_stale_attribute
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ci.golden_attribute
    FOR EACH STATEMENT EXECUTE FUNCTION ci.golden_flag_stale();
CREATE TRIGGER golden_stale_source_trust
    AFTER UPDATE ON ci.source
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ci.golden_flag_stale();

-- ---- src/survive/40_build.sql ----
-- Building and refreshing golden profiles.
--
-- One generated, set-based statement computes every profile it is asked
-- for: a GROUP BY identity over identity_link ⋈ source_record with one
-- ci.survive_lineage aggregate per attribute, the attribute's rule chain as
-- a constant and the rules' scopes as a bit mask.  Steward overrides replace
-- survivors; rows whose content did not change are not rewritten.
--
-- Concurrency: a full build takes advisory lock (1667825665, 1) exclusively,
-- incremental refreshes take it shared.  An incremental refresh locks the
-- golden rows of the identities it recomputes (inserting an empty row first
-- for a new identity) in identity order and only then reads the records, so
-- the last refresh of an identity always sees every change committed before
-- it: no lost update, one row per identity, no lock-order deadlock between
-- refreshers.

-- The SELECT that computes profiles: all of them, or (p_incremental) those
-- whose identity_id = ANY($1).
--
-- Values are prepared per record before they reach the aggregates:
--  * text values lose surrounding white space (space, tab, CR, LF, FF, VT);
--    one that is blank becomes NULL (no value);
--  * an attribute with a display column (ci.golden_value_column: phone ->
--    phone_e164) shows that column, or the trimmed value when it is NULL;
--  * a text attribute whose chain has a most_frequent rule and that has a
--    comparison key (ci.golden_compare_key) passes the key to the
--    aggregate (the trimmed value when the key is NULL or empty): the
--    aggregate counts keys ('Köhler' and 'KÖHLER' are one value) and shows
--    the key's best-written spelling (see ci.survive_lineage).
--
-- Attributes of one survive_group: the member with the lowest position
-- leads; the other members take the values of the record that won the lead
-- (joined by the lead's lineage record_id).  When no record has a value for
-- the lead, a member survives by its own rules (a subquery that runs only
-- then).
CREATE FUNCTION ci.golden_compare_key(p_attribute text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE p_attribute
               WHEN 'given_name'  THEN 'given_name_norm'
               WHEN 'family_name' THEN 'family_name_norm'
               WHEN 'email'       THEN 'email_norm'
               WHEN 'phone'       THEN 'phone_e164'
               WHEN 'national_id' THEN 'national_id_norm'
               WHEN 'street'      THEN 'street_norm'
               WHEN 'city'        THEN 'city_norm'
               WHEN 'postcode'    THEN 'postcode_norm'
           END
$$;
COMMENT ON FUNCTION ci.golden_compare_key(text) IS 'the ci.source_record column most_frequent compares a golden attribute by (its normalised form), or NULL when values are compared as they are';

CREATE FUNCTION ci.golden_value_column(p_attribute text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE p_attribute
               WHEN 'phone' THEN 'phone_e164'
           END
$$;
COMMENT ON FUNCTION ci.golden_value_column(text) IS 'the ci.source_record column a golden attribute shows instead of the value as received (phone: phone_e164), or NULL; the value as received is shown when that column is NULL';

-- The value expression of an attribute over source_record alias p_alias.
CREATE FUNCTION ci.golden_value_sql(p_attribute text, p_is_text boolean, p_alias text DEFAULT 'r')
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN NOT coalesce(p_is_text, false) THEN format('%I.%I', p_alias, p_attribute)
        WHEN ci.golden_value_column(p_attribute) IS NOT NULL
        THEN format(E'coalesce(nullif(%1$I.%2$I, \'\'), nullif(pg_catalog.btrim(%1$I.%3$I, E\' \\t\\n\\r\\f\\v\'), \'\'))',
                    p_alias, ci.golden_value_column(p_attribute), p_attribute)
        ELSE format(E'nullif(pg_catalog.btrim(%I.%I, E\' \\t\\n\\r\\f\\v\'), \'\')', p_alias, p_attribute)
    END
$$;
COMMENT ON FUNCTION ci.golden_value_sql(text, boolean, text) IS 'internal: the SQL expression of a golden attribute''s value over a ci.source_record alias (trimmed, blank as NULL, display column first)';

CREATE FUNCTION ci.golden_profile_sql(p_incremental boolean DEFAULT false)
RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    v_aggs   text := '';
    v_outer  text := '';
    v_joins  text := '';
    v_chain  jsonb;
    v_scope  text;
    v_key    text;
    v_value  text;
    v_agg    text;
    v_where  text := CASE WHEN p_incremental THEN 'l.identity_id = ANY($1)' END;
    a        record;
BEGIN
    FOR a IN SELECT g.attribute, att.atttypid = 'text'::regtype AS is_text, g.survive_group,
                    (SELECT m.attribute FROM ci.golden_attribute m
                      WHERE m.survive_group = g.survive_group ORDER BY m.position LIMIT 1) AS lead,
                    (SELECT count(*) FROM ci.golden_attribute m WHERE m.survive_group = g.survive_group) AS group_size,
                    'w_' || g.survive_group AS w
               FROM ci.golden_attribute g
               LEFT JOIN pg_catalog.pg_attribute att
                 ON att.attrelid = 'ci.golden_profile'::regclass AND att.attname = g.attribute
                AND NOT att.attisdropped
              ORDER BY g.position LOOP
        -- an attribute without rules: the most recent value (documented)
        v_chain := coalesce(ci.survivorship_rules(a.attribute), '[{"kind": "most_recent"}]');
        SELECT CASE WHEN bool_or(s.condition IS NOT NULL) THEN
                   '(' || string_agg(CASE WHEN s.condition IS NULL THEN (1 << (s.ord - 1)::integer)::text
                                          ELSE format('CASE WHEN r.attributes @> %L::jsonb THEN %s ELSE 0 END',
                                                      s.condition, 1 << (s.ord - 1)::integer) END,
                                     ' | ' ORDER BY s.ord) || ')'
               END
          INTO v_scope
          FROM (SELECT condition, row_number() OVER (ORDER BY priority) AS ord
                  FROM ci.survivorship_rule WHERE attribute = a.attribute) s;
        v_value := ci.golden_value_sql(a.attribute, a.is_text, 'r');
        v_key := CASE WHEN a.is_text AND (v_chain @> '[{"kind": "most_frequent"}]' OR v_chain @> '{"kind": "most_frequent"}')
                      THEN ci.golden_compare_key(a.attribute) END;
        IF v_key IS NOT NULL AND v_key IS DISTINCT FROM ci.golden_value_column(a.attribute) THEN
            v_key := format('coalesce(nullif(r.%I, ''''), %s), ', v_key, v_value);
        ELSE
            v_key := '';
        END IF;
        v_agg := format('ci.survive_lineage(%s, %sr.record_id, r.source, r.updated_at, %L::jsonb%s)',
                        v_value, v_key, v_chain, coalesce(', ' || v_scope, ''));
        IF a.lead IS NULL OR a.lead = a.attribute THEN
            -- survives by its own rules (a group's lead, or no group)
            v_aggs := v_aggs || format(E',\n               %s AS %I', v_agg, a.attribute);
            v_outer := v_outer || format(E',\n       g.%I', a.attribute);
            IF a.lead = a.attribute AND a.group_size > 1 THEN
                v_joins := v_joins || format(E'\n  LEFT JOIN ci.source_record %1$I ON %1$I.record_id = (g.%2$I ->> ''record_id'')::bigint',
                                             a.w, a.lead);
            END IF;
        ELSE
            -- a group member: the lead's winning record, else its own rules
            v_outer := v_outer || format(
                E',\n       CASE WHEN g.%1$I IS NOT NULL'
                || E'\n            THEN ci.survive_group_member(g.%1$I, %2$s, %3$L, %1$L)'
                || E'\n            ELSE (SELECT %4$s'
                || E'\n                    FROM ci.identity_link l JOIN ci.source_record r ON r.record_id = l.record_id'
                || E'\n                   WHERE l.identity_id = g.identity_id) END AS %5$I',
                a.lead, ci.golden_value_sql(a.attribute, a.is_text, a.w), a.survive_group, v_agg, a.attribute);
        END IF;
    END LOOP;
    RETURN 'SELECT g.identity_id, g.record_count, g.sources'
        || v_outer
        || E'\n  FROM (SELECT l.identity_id, count(*)::integer AS record_count, array_agg(r.source) AS sources'
        || v_aggs
        || E'\n          FROM ci.identity_link l JOIN ci.source_record r ON r.record_id = l.record_id'
        || coalesce(E'\n         WHERE ' || v_where, '')
        || E'\n         GROUP BY l.identity_id) g'
        || v_joins;
END;
$$;
COMMENT ON FUNCTION ci.golden_profile_sql(boolean) IS 'the generated statement that computes golden profiles from the current rules and attribute groups (for inspection and EXPLAIN)';

-- Computes and upserts the profiles of p_ids (NULL: every identity with a
-- link).  Returns how many rows it inserted or changed.  Callers lock.
CREATE FUNCTION ci.golden_upsert(p_ids bigint[])
RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_cols    text := '';
    v_vals    text := '';
    v_set     text := '';
    v_lineage text := '';
    v_n       bigint;
    v_empty   boolean;
    a         record;
BEGIN
    v_empty := p_ids IS NULL AND NOT EXISTS (SELECT 1 FROM ci.golden_profile);
    FOR a IN SELECT g.attribute, format_type(att.atttypid, att.atttypmod) AS typ
               FROM ci.golden_attribute g
               JOIN pg_catalog.pg_attribute att
                 ON att.attrelid = 'ci.golden_profile'::regclass AND att.attname = g.attribute
              ORDER BY g.position LOOP
        v_cols := v_cols || format('%I, ', a.attribute);
        v_vals := v_vals || format(E'CASE WHEN o.pins ? %1$L THEN (o.pins -> %1$L ->> ''value'')::%2$s\n                 ELSE (g.%1$I ->> ''value'')::%2$s END, ', a.attribute, a.typ);
        v_set := v_set || format('%1$I = EXCLUDED.%1$I, ', a.attribute);
        v_lineage := v_lineage || format(E'%1$L, CASE WHEN o.pins ? %1$L THEN coalesce(g.%1$I, ''{}'') || jsonb_build_object(''pinned'', o.pins -> %1$L) ELSE g.%1$I END, ', a.attribute);
    END LOOP;
    -- OFFSET 0 keeps the profile statement a subquery: its columns (a group
    -- member's lineage is an expression) are computed once, not once per
    -- reference below.
    EXECUTE format($sql$
        WITH g AS (SELECT * FROM (%s) q OFFSET 0),
        o AS (SELECT identity_id,
                     jsonb_object_agg(attribute, jsonb_build_object('value', value, 'actor', actor, 'reason', reason, 'at', at)) AS pins
                FROM ci.golden_override %s
               GROUP BY identity_id),
        up AS (
            INSERT INTO ci.golden_profile AS gp (identity_id, %s record_count, sources, lineage, changed_at)
            SELECT g.identity_id, %s g.record_count,
                   ci.golden_sources(g.sources),
                   jsonb_build_object(%s), pg_catalog.now()
              FROM g LEFT JOIN o ON o.identity_id = g.identity_id
            %s
            RETURNING 1)
        SELECT count(*) FROM up$sql$,
        ci.golden_profile_sql(p_ids IS NOT NULL),
        CASE WHEN p_ids IS NOT NULL THEN 'WHERE identity_id = ANY($1)' ELSE '' END,
        v_cols, v_vals, rtrim(v_lineage, ', '),
        -- into an empty table (a first build) a plain INSERT: no speculative insertion
        CASE WHEN v_empty THEN '' ELSE format($c$ON CONFLICT (identity_id) DO UPDATE
               SET %s record_count = EXCLUDED.record_count, sources = EXCLUDED.sources,
                   lineage = EXCLUDED.lineage, changed_at = EXCLUDED.changed_at
             WHERE (gp.record_count, gp.sources, gp.lineage) IS DISTINCT FROM
                   (EXCLUDED.record_count, EXCLUDED.sources, EXCLUDED.lineage)$c$, v_set) END)
    INTO v_n USING p_ids;
    RETURN v_n;
END;
$$;
COMMENT ON FUNCTION ci.golden_upsert(bigint[]) IS 'internal: computes and writes the golden profiles of the given identities (NULL: all); callers take the locks';

CREATE FUNCTION ci.build_golden_profiles()
RETURNS bigint LANGUAGE plpgsql VOLATILE
SET work_mem = '256MB' SET jit = off
AS $$
DECLARE
    v_n bigint;
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock(1667825665, 1);
    DELETE FROM ci.golden_dirty;
    DELETE FROM ci.golden_stale;
    v_n := ci.golden_upsert(NULL);
    DELETE FROM ci.golden_profile gp
     WHERE NOT EXISTS (SELECT 1 FROM ci.identity_link l WHERE l.identity_id = gp.identity_id);
    RETURN v_n;
END;
$$;
COMMENT ON FUNCTION ci.build_golden_profiles() IS 'builds or rebuilds every golden profile in one set-based statement (emptying the refresh queue and the stale flag); returns how many rows were written';

CREATE FUNCTION ci.refresh_golden_profiles_for(p_identity_ids bigint[])
RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_ids bigint[];
    v_n   bigint;
BEGIN
    SELECT array_agg(DISTINCT i ORDER BY i) INTO v_ids FROM unnest(p_identity_ids) i WHERE i IS NOT NULL;
    IF v_ids IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(1667825665, 1);
    -- a row to lock for every live identity, then the locks, in identity order
    INSERT INTO ci.golden_profile (identity_id)
    SELECT i.identity_id FROM ci.identity i WHERE i.identity_id = ANY(v_ids) ORDER BY 1
    ON CONFLICT (identity_id) DO NOTHING;
    PERFORM 1 FROM ci.golden_profile WHERE identity_id = ANY(v_ids) ORDER BY identity_id FOR UPDATE;
    -- queue entries we can see are covered by the computation below, whose
    -- snapshot is taken after this statement's and after the locks
    DELETE FROM ci.golden_dirty d
     WHERE d.seq IN (SELECT q.seq FROM ci.golden_dirty q WHERE q.identity_id = ANY(v_ids) FOR UPDATE SKIP LOCKED);
    v_n := ci.golden_upsert(v_ids);
    DELETE FROM ci.golden_profile gp
     WHERE gp.identity_id = ANY(v_ids)
       AND NOT EXISTS (SELECT 1 FROM ci.identity_link l WHERE l.identity_id = gp.identity_id);
    RETURN v_n;
END;
$$;
COMMENT ON FUNCTION ci.refresh_golden_profiles_for(bigint[]) IS 'recomputes the golden profiles of the given identities now (deleting those left without records); returns how many rows were written';

CREATE FUNCTION ci.refresh_golden_profiles(p_batch_size integer DEFAULT 10000)
RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_max   bigint;
    v_ids   bigint[];
    v_total bigint := 0;
BEGIN
    IF p_batch_size IS NULL OR p_batch_size < 1 THEN
        RAISE EXCEPTION 'batch size must be a positive integer'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('The batch size given was %s.', coalesce(p_batch_size::text, 'NULL'));
    END IF;
    -- rules, attributes or trust changed since the last build: rebuild all
    -- (exclusive lock, then look again: a concurrent refresher may have
    -- rebuilt and committed meanwhile)
    IF EXISTS (SELECT 1 FROM ci.golden_stale) THEN
        PERFORM pg_catalog.pg_advisory_xact_lock(1667825665, 1);
        IF EXISTS (SELECT 1 FROM ci.golden_stale) THEN
            PERFORM ci.build_golden_profiles();
            RETURN (SELECT count(*) FROM ci.golden_profile);
        END IF;
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock_shared(1667825665, 1);
    SELECT max(seq) INTO v_max FROM ci.golden_dirty;
    LOOP
        -- claim queue entries; entries another refresher holds are skipped
        WITH claimed AS (
            DELETE FROM ci.golden_dirty d
             WHERE d.seq IN (SELECT q.seq FROM ci.golden_dirty q WHERE q.seq <= v_max
                              ORDER BY q.seq LIMIT p_batch_size FOR UPDATE SKIP LOCKED)
            RETURNING d.identity_id)
        SELECT array_agg(DISTINCT identity_id) INTO v_ids FROM claimed;
        EXIT WHEN v_ids IS NULL;
        PERFORM ci.refresh_golden_profiles_for(v_ids);
        v_total := v_total + cardinality(v_ids);
    END LOOP;
    RETURN v_total;
END;
$$;
COMMENT ON FUNCTION ci.refresh_golden_profiles(integer) IS 'incremental refresh: recomputes the profiles of identities queued in ci.golden_dirty by changes to records, links or overrides, or every profile when rules, attributes or source trust changed (ci.golden_stale); returns how many identities were refreshed';

-- ---- src/survive/50_steward.sql ----
-- Data stewards: pinned values, unmerge, the conflict queue, and reading a
-- profile with its lineage.

CREATE FUNCTION ci.pin_golden_value(p_identity_id bigint, p_attribute text, p_value text, p_reason text)
RETURNS void LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF p_reason IS NULL OR btrim(p_reason) = '' THEN
        RAISE EXCEPTION 'a pinned value needs a reason'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Say why the steward overrides the survivor.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM ci.identity WHERE identity_id = p_identity_id AND retired_at IS NULL) THEN
        RAISE EXCEPTION 'identity % does not exist or is retired', p_identity_id
            USING ERRCODE = 'no_data_found';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM ci.golden_attribute WHERE attribute = p_attribute) THEN
        RAISE EXCEPTION 'unknown golden attribute "%"', p_attribute
            USING ERRCODE = 'undefined_column',
                  HINT = 'Known attributes: ' || (SELECT string_agg(attribute, ', ' ORDER BY position) FROM ci.golden_attribute) || '.';
    END IF;
    INSERT INTO ci.golden_override AS o (identity_id, attribute, value, reason)
    VALUES (p_identity_id, p_attribute, p_value, p_reason)
    ON CONFLICT (identity_id, attribute) DO UPDATE
       SET value = EXCLUDED.value, reason = EXCLUDED.reason, actor = current_user, at = now();
    PERFORM ci.refresh_golden_profiles_for(ARRAY[p_identity_id]);
END;
$$;
COMMENT ON FUNCTION ci.pin_golden_value(bigint, text, text, text) IS 'steward override: pins a value (NULL pins "no value") for one field of a golden profile, recording who and why; survives refreshes';

CREATE FUNCTION ci.unpin_golden_value(p_identity_id bigint, p_attribute text)
RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_found boolean;
BEGIN
    DELETE FROM ci.golden_override WHERE identity_id = p_identity_id AND attribute = p_attribute;
    v_found := FOUND;
    IF v_found THEN
        PERFORM ci.refresh_golden_profiles_for(ARRAY[p_identity_id]);
    END IF;
    RETURN v_found;
END;
$$;
COMMENT ON FUNCTION ci.unpin_golden_value(bigint, text) IS 'removes a steward override, so the survivor shows again; false when nothing was pinned';

CREATE FUNCTION ci.unmerge_records(p_record_ids bigint[], p_into_identity bigint DEFAULT NULL, p_reason text DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_ids      bigint[];
    v_from     bigint;
    v_nfrom    integer;
    v_target   bigint := p_into_identity;
    v_created  boolean := false;
BEGIN
    SELECT array_agg(DISTINCT r ORDER BY r) INTO v_ids FROM unnest(p_record_ids) r;
    IF v_ids IS NULL OR array_position(v_ids, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'unmerge needs a non-empty list of record ids without NULLs'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- lock the links of every identity involved, in record order
    PERFORM 1 FROM ci.identity_link l
     WHERE l.identity_id IN (SELECT identity_id FROM ci.identity_link WHERE record_id = ANY(v_ids))
     ORDER BY l.record_id FOR UPDATE;
    IF (SELECT count(*) FROM ci.identity_link WHERE record_id = ANY(v_ids)) <> cardinality(v_ids) THEN
        RAISE EXCEPTION 'record % is not linked to any identity',
              (SELECT min(r) FROM unnest(v_ids) r WHERE NOT EXISTS (SELECT 1 FROM ci.identity_link l WHERE l.record_id = r))
            USING ERRCODE = 'no_data_found';
    END IF;
    IF (SELECT count(DISTINCT identity_id) FROM ci.identity_link WHERE record_id = ANY(v_ids)) > 1 THEN
        RAISE EXCEPTION 'records to unmerge belong to more than one identity'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = (SELECT format('The records belong to identities %s.', array_agg(DISTINCT identity_id))
                              FROM ci.identity_link WHERE record_id = ANY(v_ids));
    END IF;
    SELECT identity_id INTO v_from FROM ci.identity_link WHERE record_id = v_ids[1];
    SELECT count(*) INTO v_nfrom FROM ci.identity_link WHERE identity_id = v_from;
    IF v_nfrom = cardinality(v_ids) THEN
        RAISE EXCEPTION 'cannot unmerge every record of identity %', v_from
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Leave at least one record behind; to move them all, relink them.';
    END IF;
    IF v_target IS NULL THEN
        INSERT INTO ci.identity DEFAULT VALUES RETURNING identity_id INTO v_target;
        v_created := true;
        INSERT INTO ci.identity_event (event, identity_id, other_id, record_ids, detail)
        VALUES ('create', v_target, v_from, v_ids, jsonb_build_object('reason', p_reason, 'by', 'unmerge'));
    ELSIF v_target = v_from THEN
        RAISE EXCEPTION 'records already belong to identity %', v_target USING ERRCODE = 'invalid_parameter_value';
    -- NO KEY UPDATE: keeps the identity from being retired meanwhile, without
    -- blocking the KEY SHARE locks of foreign-key checks (a refresher's)
    ELSIF NOT EXISTS (SELECT 1 FROM ci.identity WHERE identity_id = v_target AND retired_at IS NULL FOR NO KEY UPDATE) THEN
        RAISE EXCEPTION 'identity % does not exist or is retired', v_target USING ERRCODE = 'no_data_found';
    END IF;

    UPDATE ci.identity_link
       SET identity_id = v_target, rule = 'steward_unmerge', match_probability = NULL, linked_at = now()
     WHERE record_id = ANY(v_ids);
    UPDATE ci.identity SET updated_at = now() WHERE identity_id IN (v_from, v_target);

    -- remembered for identity resolution: these records stay apart from those left behind
    INSERT INTO ci.match_decision AS d (record_a, record_b, decision, note)
    SELECT least(m.r, k.record_id), greatest(m.r, k.record_id), 'no_link', coalesce(p_reason, 'steward unmerge')
      FROM unnest(v_ids) m(r)
      JOIN ci.identity_link k ON k.identity_id = v_from
    ON CONFLICT (record_a, record_b) DO UPDATE
       SET decision = 'no_link', note = EXCLUDED.note, actor = current_user, decided_at = now();

    INSERT INTO ci.identity_event (event, identity_id, other_id, record_ids, detail)
    VALUES ('unmerge', v_from, v_target, v_ids,
            jsonb_build_object('reason', p_reason, 'new_identity', v_created));

    PERFORM ci.refresh_golden_profiles_for(ARRAY[v_from, v_target]);
    RETURN v_target;
END;
$$;
COMMENT ON FUNCTION ci.unmerge_records(bigint[], bigint, text) IS 'steward unmerge: moves records out of their identity into a new (or the given) identity, logs it, records no_link decisions against the records left behind, and recomputes both golden profiles; returns the identity the records now belong to';

-- Fields where an identity's sources disagree strongly: a steward's queue.
CREATE VIEW ci.golden_conflict AS
WITH v AS (
    SELECT l.identity_id, a.attribute, a.reason, a.value, a.norm, r.record_id, r.source
      FROM ci.identity_link l
      JOIN ci.source_record r ON r.record_id = l.record_id
     CROSS JOIN LATERAL (VALUES
        ('birth_date', 'different birth dates', to_char(r.birth_date, 'YYYY-MM-DD'), to_char(r.birth_date, 'YYYY-MM-DD')),
        ('national_id', 'different national ids', r.national_id,
             upper(regexp_replace(r.national_id, '[^[:alnum:]]', '', 'g'))),
        ('email', 'emails in different domains', r.email,
             lower(substring(r.email FROM '@([^@]*)$')))
     ) AS a(attribute, reason, value, norm)
     WHERE a.norm IS NOT NULL AND a.norm <> ''
)
SELECT v.identity_id,
       v.attribute,
       min(v.reason) AS reason,
       count(DISTINCT v.norm) AS distinct_values,
       jsonb_agg(jsonb_build_object('value', v.value, 'record_id', v.record_id, 'source', v.source)
                 ORDER BY v.record_id) AS candidates,
       min(g.lineage -> v.attribute ->> 'value') AS survivor,
       bool_or(o.identity_id IS NOT NULL) AS pinned
  FROM v
  LEFT JOIN ci.golden_profile g ON g.identity_id = v.identity_id
  LEFT JOIN ci.golden_override o ON o.identity_id = v.identity_id AND o.attribute = v.attribute
 GROUP BY v.identity_id, v.attribute
HAVING count(DISTINCT v.norm) > 1;
COMMENT ON VIEW ci.golden_conflict IS 'steward queue: identities whose records disagree on birth date, national id (ignoring punctuation and case) or e-mail domain; pinned says a steward already decided';

-- One profile with its lineage, a row per field.
CREATE FUNCTION ci.golden_lineage(p_identity_id bigint)
RETURNS TABLE (attribute text, value text, pinned boolean, record_id bigint, source text, rule text,
               rule_id bigint, updated_at timestamptz, support integer, beaten jsonb, pinned_by text, pin_reason text)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT a.attribute,
           CASE WHEN f ? 'pinned' THEN f -> 'pinned' ->> 'value' ELSE f ->> 'value' END,
           coalesce(f ? 'pinned', false),
           (f ->> 'record_id')::bigint,
           f ->> 'source',
           f ->> 'rule',
           (f ->> 'rule_id')::bigint,
           (f ->> 'updated_at')::timestamptz,
           (f ->> 'support')::integer,
           f -> 'beaten',
           f -> 'pinned' ->> 'actor',
           f -> 'pinned' ->> 'reason'
      FROM ci.golden_profile g
     CROSS JOIN ci.golden_attribute a
     CROSS JOIN LATERAL (SELECT g.lineage -> a.attribute AS f) l
     WHERE g.identity_id = p_identity_id
     ORDER BY a.position
$$;
COMMENT ON FUNCTION ci.golden_lineage(bigint) IS 'a golden profile field by field: value, whether pinned, the winning record, source and rule, how many records agree, and the candidates it beat';

CREATE FUNCTION ci.golden_profile_json(p_identity_id bigint)
RETURNS jsonb LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_object(
               'identity_id', g.identity_id,
               'record_count', g.record_count,
               'sources', to_jsonb(g.sources),
               'changed_at', g.changed_at,
               'profile', (SELECT jsonb_object_agg(l.attribute, l.value) FROM ci.golden_lineage(g.identity_id) l),
               'lineage', g.lineage)
      FROM ci.golden_profile g
     WHERE g.identity_id = p_identity_id
$$;
COMMENT ON FUNCTION ci.golden_profile_json(bigint) IS 'a golden profile with its lineage as one jsonb document (NULL when the identity has no profile)';

-- ---- src/survive/60_roles.sql ----
-- What each kind of role needs on the survivorship objects (see
-- src/common/90_roles.sql).  Applications write source records, whose
-- queue triggers append to ci.golden_dirty as the writing role, and run
-- incremental refreshes; stewards pin values and unmerge (which moves links
-- and records decisions); admins change rules, whose trigger flags every
-- profile stale in ci.golden_stale as the extension owner (SECURITY DEFINER),
-- and an application's next refresh rebuilds them (DELETE on that table).
INSERT INTO ci.role_privilege VALUES
    ('reader',      'TABLE',    'ci.golden_profile',     'SELECT'),
    ('reader',      'TABLE',    'ci.golden_attribute',   'SELECT'),
    ('reader',      'TABLE',    'ci.survivorship_rule',  'SELECT'),
    ('reader',      'TABLE',    'ci.golden_override',    'SELECT'),
    ('reader',      'TABLE',    'ci.golden_conflict',    'SELECT'),
    ('reader',      'TABLE',    'ci.golden_dirty',       'SELECT'),
    ('reader',      'TABLE',    'ci.golden_stale',       'SELECT'),
    ('application', 'TABLE',    'ci.golden_dirty',       'INSERT, UPDATE, DELETE'),
    ('application', 'TABLE',    'ci.golden_profile',     'INSERT, UPDATE, DELETE'),
    ('application', 'TABLE',    'ci.golden_stale',       'DELETE'),
    ('steward',     'TABLE',    'ci.golden_override',    'INSERT, UPDATE, DELETE'),
    ('steward',     'TABLE',    'ci.identity',           'INSERT, UPDATE'),
    ('steward',     'SEQUENCE', 'ci.identity_identity_id_seq', 'USAGE'),
    ('steward',     'TABLE',    'ci.identity_link',      'UPDATE'),
    ('steward',     'TABLE',    'ci.identity_event',     'INSERT'),
    ('admin',       'TABLE',    'ci.survivorship_rule',  'INSERT, UPDATE, DELETE'),
    ('admin',       'SEQUENCE', 'ci.survivorship_rule_rule_id_seq', 'USAGE')
ON CONFLICT DO NOTHING;
