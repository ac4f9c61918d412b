-- 0.1.0 -> 0.2.0 (issue 13, accuracy): ci.normalize_name drops leading
-- titles and trailing suffixes (doc/normalisation.md, rule 4).  The C code
-- is new with the library; its comment says so, and the stored generated
-- columns computed with it (given_name_norm, family_name_norm, street_norm,
-- city_norm, name_pair_norm, name_pair_dm) are recomputed.  Only the rows
-- whose value changes are rewritten, after 82_load5_keys.sql, which re-adds
-- the name-pair columns.  An UPDATE recomputes only the generated columns
-- whose inputs it sets, so it sets all four.  Term frequencies trained before count
-- the old keys: retrain.
COMMENT ON FUNCTION ci.normalize_name(text) IS
'Personal name as lower-case ASCII tokens: NFKC, case folding, transliteration to Latin then ASCII (ICU); apostrophes removed, hyphens kept between letters, other punctuation and white space folded to one space; leading titles (Mr, Dr, Sir …) and trailing suffixes (Jr, III, PhD …) dropped; NULL when no letter or digit (or only an honorific) remains';

UPDATE ci.source_record
   SET given_name = given_name, family_name = family_name, street = street, city = city
 WHERE given_name_norm IS DISTINCT FROM ci.normalize_name(given_name)
    OR family_name_norm IS DISTINCT FROM ci.normalize_name(family_name)
    OR street_norm IS DISTINCT FROM ci.normalize_name(street)
    OR city_norm IS DISTINCT FROM ci.normalize_name(city);

-- A full run finds duplicate-free sources by itself (src/identity/match_dupfree.c).
ALTER TABLE ci.match_model ADD COLUMN detect_duplicate_free boolean NOT NULL DEFAULT true;
COMMENT ON COLUMN ci.match_model.detect_duplicate_free IS 'a full run also treats as duplicate-free the sources whose records link across sources but almost never within (at least 100 links across, at most 2 % within), reported in ci.match_run.summary; false: only duplicate_free_sources';

-- The clustering guard's default weight is -14 (doc/identity.md, "The
-- clustering guard's settings" says why).  60_training.sql added the column
-- in this same update with -10, so no model holds a value of its own yet.
ALTER TABLE ci.match_model ALTER COLUMN guard_weight SET DEFAULT -14;
UPDATE ci.match_model SET guard_weight = -14 WHERE guard_weight = -10;
