-- Consent: configuration.  Purposes, channels, jurisdictions and what the
-- absence of a decision means in each, which roles may declare which
-- purpose, and which roles are exempt from consent filtering.
--
-- The shipped jurisdiction defaults are DEFAULTS, NOT LEGAL ADVICE: a DBA
-- reviews them with counsel and changes the rows (see doc/consent.md).

CREATE TABLE ci.consent_purpose (
    purpose     text PRIMARY KEY CHECK (purpose ~ '^[a-z][a-z0-9_]{0,62}$'),
    contacts    boolean NOT NULL,
    shipped     boolean NOT NULL DEFAULT false,
    description text
);
COMMENT ON TABLE ci.consent_purpose IS 'Purposes a customer''s data may be used for; contacts = the purpose reaches the customer (contact suppressions apply to it)';

INSERT INTO ci.consent_purpose (purpose, contacts, shipped, description) VALUES
    ('marketing',           true,  true, 'direct marketing: newsletters, offers, campaigns'),
    ('analytics',           false, true, 'aggregate analysis and reporting'),
    ('profiling',           false, true, 'automated profiling and segmentation of the person'),
    ('personalization',     false, true, 'personalising content and recommendations'),
    ('third_party_sharing', false, true, 'sharing or selling data to third parties');

-- The channels a decision or a suppression can name; 'all' covers every channel.
CREATE FUNCTION ci.consent_channels()
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ARRAY['all', 'email', 'sms', 'push', 'phone', 'post']::text[] $$;
COMMENT ON FUNCTION ci.consent_channels() IS 'The contact channels consent knows: all, email, sms, push, phone, post';

CREATE TABLE ci.consent_jurisdiction (
    jurisdiction text PRIMARY KEY CHECK (jurisdiction ~ '^[A-Z][A-Z0-9_]{0,31}$'),
    strictness   integer NOT NULL,
    shipped      boolean NOT NULL DEFAULT false,
    description  text
);
COMMENT ON TABLE ci.consent_jurisdiction IS 'Privacy regimes; when an identity''s records name several, the strictest (highest strictness) applies. DEFAULT applies when no country maps to one';

CREATE TABLE ci.consent_jurisdiction_country (
    country      text PRIMARY KEY CHECK (country ~ '^[A-Z]{2}$'),
    jurisdiction text NOT NULL REFERENCES ci.consent_jurisdiction ON UPDATE CASCADE,
    shipped      boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE ci.consent_jurisdiction_country IS 'Which jurisdiction a record''s country (ISO 3166-1 alpha-2) puts a customer under';

CREATE TABLE ci.consent_default (
    jurisdiction text NOT NULL REFERENCES ci.consent_jurisdiction ON UPDATE CASCADE ON DELETE CASCADE,
    purpose      text NOT NULL REFERENCES ci.consent_purpose ON UPDATE CASCADE ON DELETE CASCADE,
    absent       text NOT NULL CHECK (absent IN ('allowed', 'denied', 'notice')),
    shipped      boolean NOT NULL DEFAULT false,
    note         text,
    PRIMARY KEY (jurisdiction, purpose)
);
COMMENT ON TABLE ci.consent_default IS 'What the absence of a decision means per jurisdiction and purpose: allowed (opt-out regime), denied (opt-in), notice (allowed once notice is given). A missing row means the DEFAULT jurisdiction''s row, else denied. Defaults, not legal advice';

INSERT INTO ci.consent_jurisdiction (jurisdiction, strictness, shipped, description) VALUES
    ('DEFAULT', 1000, true, 'no known country: treated as the strictest regime'),
    ('GDPR',     900, true, 'EU/EEA GDPR and UK GDPR: opt-in'),
    ('LGPD',     800, true, 'Brazil LGPD: consent or another legal basis'),
    ('CASL',     700, true, 'Canada CASL (messages) and PIPEDA: express or implied consent for marketing'),
    ('CCPA',     500, true, 'United States (CCPA/CPRA and similar state laws): opt-out');

INSERT INTO ci.consent_jurisdiction_country (country, jurisdiction, shipped)
SELECT c, 'GDPR', true FROM unnest(ARRAY['AT','BE','BG','HR','CY','CZ','DK','EE','FI','FR','DE','GR','HU','IE',
    'IT','LV','LT','LU','MT','NL','PL','PT','RO','SK','SI','ES','SE','IS','LI','NO','GB']) c
UNION ALL SELECT 'BR', 'LGPD', true
UNION ALL SELECT 'CA', 'CASL', true
UNION ALL SELECT 'US', 'CCPA', true;

INSERT INTO ci.consent_default (jurisdiction, purpose, absent, shipped, note)
SELECT j, p, a, true, n FROM (VALUES
    ('DEFAULT', 'marketing', 'denied', 'unknown regime: ask first'),
    ('DEFAULT', 'analytics', 'notice', 'aggregate use under a notice'),
    ('DEFAULT', 'profiling', 'denied', NULL),
    ('DEFAULT', 'personalization', 'denied', NULL),
    ('DEFAULT', 'third_party_sharing', 'denied', NULL),
    ('GDPR', 'marketing', 'denied', 'Art. 6(1)(a) and ePrivacy: opt-in'),
    ('GDPR', 'analytics', 'notice', 'legitimate interest with notice (Art. 6(1)(f), 13)'),
    ('GDPR', 'profiling', 'denied', 'Art. 22 and 6(1)(a)'),
    ('GDPR', 'personalization', 'denied', NULL),
    ('GDPR', 'third_party_sharing', 'denied', NULL),
    ('LGPD', 'marketing', 'denied', NULL),
    ('LGPD', 'analytics', 'notice', 'legitimate interest with notice'),
    ('LGPD', 'profiling', 'denied', NULL),
    ('LGPD', 'personalization', 'notice', NULL),
    ('LGPD', 'third_party_sharing', 'denied', NULL),
    ('CASL', 'marketing', 'denied', 'commercial electronic messages need consent'),
    ('CASL', 'analytics', 'notice', 'PIPEDA: reasonable purpose with notice'),
    ('CASL', 'profiling', 'notice', NULL),
    ('CASL', 'personalization', 'notice', NULL),
    ('CASL', 'third_party_sharing', 'denied', NULL),
    ('CCPA', 'marketing', 'allowed', 'opt-out regime'),
    ('CCPA', 'analytics', 'allowed', NULL),
    ('CCPA', 'profiling', 'allowed', 'opt-out of profiling'),
    ('CCPA', 'personalization', 'allowed', NULL),
    ('CCPA', 'third_party_sharing', 'allowed', 'opt-out of sale and sharing (GPC honoured as a withdrawal)')
) v(j, p, a, n);

-- Which purposes a role may declare (SET ci.purpose).  A role to which no
-- binding applies (directly or through a role it is a member of) may
-- declare any known purpose; once one applies, only the bound purposes.
CREATE TABLE ci.consent_purpose_binding (
    role_name  name NOT NULL,
    purpose    text NOT NULL REFERENCES ci.consent_purpose ON UPDATE CASCADE ON DELETE CASCADE,
    granted_by name NOT NULL DEFAULT current_user,
    granted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (role_name, purpose)
);
COMMENT ON TABLE ci.consent_purpose_binding IS 'Purposes a role (and its members) may declare with SET ci.purpose; a role with no binding may declare any purpose';

-- Roles that see protected tables unfiltered (a DPO, a DBA's maintenance
-- role).  ci.exempt_role maintains the exempt policy of every protected table.
CREATE TABLE ci.consent_exempt_role (
    role_name  name PRIMARY KEY,
    reason     text NOT NULL CHECK (btrim(reason) <> ''),
    granted_by name NOT NULL DEFAULT current_user,
    granted_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ci.consent_exempt_role IS 'Roles exempt from consent filtering on protected tables, and why';

-- The key of the contact-point HMAC: suppressed e-mail addresses and phone
-- numbers are kept only as HMAC-SHA-256 of their normalised form.  Readable
-- by the extension owner only; made by the first contact suppression
-- (ci.suppress) and dumped, so that restored hashes still match.
CREATE TABLE ci.consent_secret (
    id   boolean PRIMARY KEY DEFAULT true CHECK (id),
    key  bytea NOT NULL CHECK (length(key) >= 32)
);
REVOKE ALL ON ci.consent_secret FROM PUBLIC;
COMMENT ON TABLE ci.consent_secret IS 'HMAC key for hashed contact points (suppression lists); owner only';

-- pg_dump keeps a DBA's changes to shipped rows (main's convention: every
-- configuration row is dumped).  A shipped row that is changed stops being
-- "shipped" (shipped = false); a restore runs CREATE EXTENSION first, and an
-- INSERT of the key of a row that is still shipped overwrites it with the
-- inserted values instead of failing.  Deleting a shipped row is not
-- remembered by a dump: change it instead.
CREATE FUNCTION ci.consent_config_touch()
RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF OLD.shipped AND NEW.shipped AND (to_jsonb(NEW) - 'shipped') IS DISTINCT FROM (to_jsonb(OLD) - 'shipped') THEN
        NEW.shipped := false;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION ci.consent_config_touch() IS 'trigger: a shipped consent configuration row that is changed becomes the DBA''s (shipped = false), so pg_dump''s copy of it wins on restore';

CREATE FUNCTION ci.consent_config_overwrite()
RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    CASE TG_TABLE_NAME
        WHEN 'consent_purpose' THEN
            UPDATE ci.consent_purpose t SET contacts = NEW.contacts, shipped = NEW.shipped, description = NEW.description
             WHERE t.purpose = NEW.purpose AND t.shipped;
        WHEN 'consent_jurisdiction' THEN
            UPDATE ci.consent_jurisdiction t SET strictness = NEW.strictness, shipped = NEW.shipped, description = NEW.description
             WHERE t.jurisdiction = NEW.jurisdiction AND t.shipped;
        WHEN 'consent_jurisdiction_country' THEN
            UPDATE ci.consent_jurisdiction_country t SET jurisdiction = NEW.jurisdiction, shipped = NEW.shipped
             WHERE t.country = NEW.country AND t.shipped;
        WHEN 'consent_default' THEN
            UPDATE ci.consent_default t SET absent = NEW.absent, shipped = NEW.shipped, note = NEW.note
             WHERE t.jurisdiction = NEW.jurisdiction AND t.purpose = NEW.purpose AND t.shipped;
    END CASE;
    IF FOUND THEN
        RETURN NULL;    -- the shipped row now holds the inserted values
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION ci.consent_config_overwrite() IS 'trigger: an INSERT of the key of a still-shipped consent configuration row overwrites it (what a restore does after CREATE EXTENSION)';

CREATE TRIGGER consent_config_0_overwrite BEFORE INSERT ON ci.consent_purpose
    FOR EACH ROW EXECUTE FUNCTION ci.consent_config_overwrite();
CREATE TRIGGER consent_config_0_overwrite BEFORE INSERT ON ci.consent_jurisdiction
    FOR EACH ROW EXECUTE FUNCTION ci.consent_config_overwrite();
CREATE TRIGGER consent_config_0_overwrite BEFORE INSERT ON ci.consent_jurisdiction_country
    FOR EACH ROW EXECUTE FUNCTION ci.consent_config_overwrite();
CREATE TRIGGER consent_config_0_overwrite BEFORE INSERT ON ci.consent_default
    FOR EACH ROW EXECUTE FUNCTION ci.consent_config_overwrite();
CREATE TRIGGER consent_config_touch BEFORE UPDATE ON ci.consent_purpose
    FOR EACH ROW EXECUTE FUNCTION ci.consent_config_touch();
CREATE TRIGGER consent_config_touch BEFORE UPDATE ON ci.consent_jurisdiction
    FOR EACH ROW EXECUTE FUNCTION ci.consent_config_touch();
CREATE TRIGGER consent_config_touch BEFORE UPDATE ON ci.consent_jurisdiction_country
    FOR EACH ROW EXECUTE FUNCTION ci.consent_config_touch();
CREATE TRIGGER consent_config_touch BEFORE UPDATE ON ci.consent_default
    FOR EACH ROW EXECUTE FUNCTION ci.consent_config_touch();

-- A data-only restore with --disable-triggers cannot overwrite: it needs the
-- untouched shipped rows out of the way first (ci.prepare_data_restore()).
CREATE FUNCTION ci.consent_prepare_data_restore()
RETURNS bigint LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
    m bigint;
BEGIN
    DELETE FROM ci.consent_default WHERE shipped;
    GET DIAGNOSTICS n = ROW_COUNT;
    DELETE FROM ci.consent_jurisdiction_country WHERE shipped;
    GET DIAGNOSTICS m = ROW_COUNT; n := n + m;
    DELETE FROM ci.consent_jurisdiction j WHERE shipped
       AND NOT EXISTS (SELECT 1 FROM ci.consent_jurisdiction_country c WHERE c.jurisdiction = j.jurisdiction)
       AND NOT EXISTS (SELECT 1 FROM ci.consent_default d WHERE d.jurisdiction = j.jurisdiction);
    GET DIAGNOSTICS m = ROW_COUNT; n := n + m;
    DELETE FROM ci.consent_purpose p WHERE shipped
       AND NOT EXISTS (SELECT 1 FROM ci.consent_default d WHERE d.purpose = p.purpose)
       AND NOT EXISTS (SELECT 1 FROM ci.consent_event e WHERE e.purpose = p.purpose);
    GET DIAGNOSTICS m = ROW_COUNT; n := n + m;
    RETURN n;
END;
$$;
COMMENT ON FUNCTION ci.consent_prepare_data_restore() IS 'Deletes the untouched shipped consent configuration rows so that a data-only restore without triggers can load the dumped ones; returns how many were deleted';
REVOKE ALL ON FUNCTION ci.consent_prepare_data_restore() FROM PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('ci.consent_purpose', '');
SELECT pg_catalog.pg_extension_config_dump('ci.consent_jurisdiction', '');
SELECT pg_catalog.pg_extension_config_dump('ci.consent_jurisdiction_country', '');
SELECT pg_catalog.pg_extension_config_dump('ci.consent_default', '');
SELECT pg_catalog.pg_extension_config_dump('ci.consent_purpose_binding', '');
SELECT pg_catalog.pg_extension_config_dump('ci.consent_exempt_role', '');
SELECT pg_catalog.pg_extension_config_dump('ci.consent_secret', '');
