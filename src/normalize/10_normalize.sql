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
'Personal name as lower-case ASCII tokens: NFKC, case folding, transliteration to Latin then ASCII (ICU); apostrophes removed, hyphens kept between letters, other punctuation and white space folded to one space; leading titles (Mr, Dr, Sir …) and trailing suffixes (Jr, III, PhD …) dropped; NULL when no letter or digit (or only an honorific) remains';

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
