-- ci.normalize_email, ci.email_is_valid and ci.email_providers: e-mail
-- addresses in one canonical form; NULL for what is not an address.

-- Trimmed; local part and domain lower-cased.
SELECT to_json(e) AS email, ci.normalize_email(e) AS normalized
FROM unnest(ARRAY['John.Smith@Example.COM', '  mary@example.org  ', E'\tbob@example.net\n',
                  chr(65279) || 'bom@example.com', chr(160) || 'nbsp@example.com' || chr(8203),
                  'first.last-1+x@sub.example.co.uk', 'a!#$%&''*/=?^_`{|}~-@example.com']) AS e;

-- Provider rules (fold_provider, the default): Gmail ignores dots and
-- answers under googlemail.com; these providers deliver user+tag to user.
SELECT * FROM ci.email_providers() ORDER BY domain;
SELECT e AS email, ci.normalize_email(e) AS folded, ci.normalize_email(e, false) AS not_folded
FROM unnest(ARRAY['John.Smith+news@gmail.com', 'j.o.h.n.smith@GoogleMail.com', 'mary+shop@outlook.com',
                  'mary.jones+a+b@hotmail.com', 'tim+x@icloud.com', 'ann+x@proton.me',
                  '+only@gmail.com', 'x.y+z@yahoo.com', 'x.y+z@example.com']) AS e;

-- Every provider rule is applied as listed, for the domain in any case.
SELECT count(*) AS providers,
       count(*) FILTER (WHERE ci.normalize_email('A.B+tag@' || upper(domain)) IS DISTINCT FROM
                              CASE WHEN removes_dots THEN 'ab' ELSE 'a.b' END ||
                              CASE WHEN removes_subaddress THEN '' ELSE '+tag' END || '@' || canonical_domain)
           AS not_applied
FROM ci.email_providers();

-- More domains whose +tags should go (your own, a Google Workspace domain …):
-- written in any case or in Unicode, they are compared in canonical form.
SELECT ci.normalize_email('Jane.Doe+crm@Example.com', true, ARRAY['example.com']) AS own_domain,
       ci.normalize_email('jane+crm@bücher.de', false, ARRAY['BÜCHER.de']) AS idn_domain,
       ci.normalize_email('jane+crm@other.com', true, ARRAY['example.com']) AS other_domain;

-- International domains become punycode (IDNA UTS #46); non-ASCII local
-- parts (RFC 6531) are kept, lower-cased; full-width forms become ASCII.
SELECT e AS email, ci.normalize_email(e) AS normalized
FROM unnest(ARRAY['a@bücher.de', 'a@MÜNCHEN.DE', 'a@xn--bcher-kva.de', 'info@例え.jp', 'JÖRG@example.de',
                  'ΔΟΚΙΜΗ@παράδειγμα.δοκιμή', 'ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ', 'user@faß.de']) AS e;

-- Not addresses: NULL.  No '@' or more than one, empty parts, dots out of
-- place, spaces or specials in the local part, quoted local parts and domain
-- literals (valid in RFC 5322 but not accepted here), bad domains (one label,
-- empty label, trailing dot, numeric top-level label, bad hyphens, bad
-- punycode, '_'), and the empty or blank string.
SELECT to_json(e) AS email, ci.normalize_email(e) IS NULL AS is_null, ci.email_is_valid(e) AS valid
FROM unnest(ARRAY['john.example.com', 'a@b@example.com', '@example.com', 'john@', 'john.@example.com',
                  '.john@example.com', 'jo..hn@example.com', 'john doe@example.com', 'jo(hn)@example.com',
                  'jo\hn@example.com', '"john doe"@example.com', 'john@[192.0.2.1]', 'john@localhost',
                  'john@example..com', 'john@.example.com', 'john@example.com.', 'john@192.0.2.1',
                  'john@-example.com', 'john@example-.com', 'john@ab--cd.com', 'john@xn--zz.com',
                  'john@exa_mple.com', 'john@exa mple.com', '', '   ', E'\n']) AS e;

-- RFC 5321 lengths, counted in octets after normalisation: local part
-- at most 64, whole address at most 254; a label at most 63.
SELECT length(e) AS input_length, ci.normalize_email(e) IS NOT NULL AS accepted
FROM unnest(ARRAY[repeat('x', 64) || '@example.com',
                  repeat('x', 65) || '@example.com',
                  repeat('é', 32) || '@example.com',
                  repeat('é', 33) || '@example.com',
                  'x@' || repeat('a', 63) || '.com',
                  'x@' || repeat('a', 64) || '.com',
                  repeat('x', 64) || '@' || repeat('d', 63) || '.' || repeat('d', 63) || '.' || repeat('d', 57) || '.com',
                  repeat('x', 64) || '@' || repeat('d', 63) || '.' || repeat('d', 63) || '.' || repeat('d', 58) || '.com']) AS e;

-- Huge input is simply not an address: after trimming, more than 1016 bytes
-- (4 x 254) cannot normalise to a 254-octet address, and is not looked at.
SELECT ci.normalize_email(repeat('x', 1100000)) IS NULL AS ascii_null,
       ci.normalize_email(repeat('é', 600000) || '@example.com') IS NULL AS multibyte_null,
       ci.normalize_email(repeat(' ', 1100000) || 'a@example.com' || repeat(' ', 1100000)) AS padded;

-- STRICT: a NULL argument gives NULL; email_is_valid agrees with normalize_email.
SELECT ci.normalize_email(NULL) IS NULL AS null_email,
       ci.normalize_email('a@b.com', NULL) IS NULL AS null_fold,
       ci.email_is_valid(NULL) IS NULL AS null_valid;
SELECT count(*) AS checked,
       count(*) FILTER (WHERE ci.email_is_valid(e) <> (ci.normalize_email(e) IS NOT NULL)) AS disagree
FROM unnest(ARRAY['a@b.com', 'a@b', '+x@gmail.com', 'a.b@googlemail.com', 'x@例え.jp', '', 'a@@b.com']) AS e;

-- Bad subaddress_domains are errors, not silently ignored.
SELECT ci.normalize_email('a@b.com', true, ARRAY['not a domain']);
SELECT ci.normalize_email('a@b.com', true, ARRAY['@example.com']);
SELECT ci.normalize_email('a@b.com', true, ARRAY['example.com', NULL]);
SELECT ci.normalize_email('a@b.com', true, ARRAY[repeat('x', 1100000)]);

-- In a stored generated column and a unique index, two spellings of one
-- mailbox collide.
CREATE TABLE norm_email_t (
    email text,
    email_key text GENERATED ALWAYS AS (ci.normalize_email(email)) STORED
);
CREATE UNIQUE INDEX ON norm_email_t (email_key);
INSERT INTO norm_email_t (email) VALUES ('John.Smith@gmail.com');
INSERT INTO norm_email_t (email) VALUES ('johnsmith+promo@googlemail.com');
SELECT * FROM norm_email_t;
DROP TABLE norm_email_t;
