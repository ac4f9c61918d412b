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

-- Given and family name are each other's swap partner: names found
-- swapped score close, not else twice.  The birth date is read by its
-- usable parts (birth_date, or birth_date_raw as written), placeholders
-- treated as missing.  Postcode and city are one piece of evidence, the
-- place (a town named at another level, or a postcode with a slip, still
-- agrees loosely); the street stays a comparison of its own: grouping it
-- too cost FEBRL4 recall (0.9989 against 0.9998 F1), where many true pairs
-- have every personal field corrupted and only the address left.
INSERT INTO ci.match_comparison (model, comparison, ordinal, field, similarity, close_threshold, loose_threshold, tf_adjust, m, u, fields) VALUES
    ('default', 'given_name',  1, 'given_name_norm',  'given_name',          0.92, 0.80, true,  '{0.85,0.07,0.03,0.05}', '{0.005,0.005,0.03,0.96}', '{family_name_norm}'),
    ('default', 'family_name', 2, 'family_name_norm', 'jaro_winkler',        0.92, 0.80, true,  '{0.85,0.07,0.03,0.05}', '{0.002,0.003,0.02,0.975}', '{given_name_norm}'),
    ('default', 'birth_date',  3, 'birth_date',       'date',                NULL, NULL, false, '{0.85,0.05,0.05,0.05}', '{0.0002,0.0005,0.02,0.9793}', '{birth_date_raw}'),
    ('default', 'email',       4, 'email_norm',       'damerau_levenshtein', 1,    NULL, false, '{0.85,0.05,0,0.10}',    '{0.00001,0.00001,0,0.99998}', NULL),
    ('default', 'phone',       5, 'phone_e164',       'damerau_levenshtein', 1,    NULL, false, '{0.80,0.05,0,0.15}',    '{0.0001,0.0005,0,0.9994}', NULL),
    ('default', 'national_id', 6, 'national_id_norm', 'damerau_levenshtein', 1,    2,    false, '{0.85,0.07,0.03,0.05}', '{0.00001,0.0001,0.001,0.99889}', NULL),
    ('default', 'street',      7, 'street_norm',      'jaro_winkler',        0.92, 0.80, false, '{0.80,0.08,0.04,0.08}', '{0.0005,0.002,0.02,0.9775}', NULL),
    ('default', 'place',       8, 'postcode_norm',    'grouped',             0.92, NULL, false, '{0.80,0.08,0.05,0.07}', '{0.003,0.002,0.02,0.975}', '{city_norm}');

-- The place is shared by people who live together (household-aware
-- scoring, 81_match_household.sql, gives the other roles).
UPDATE ci.match_comparison SET role = 'household' WHERE model = 'default' AND comparison = 'place';

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

-- Rules that need no contact field, for sparse records (one with an
-- e-mail, the other with an address; a place key typed wrong): any
-- given-name token with any family-name token (a record yields one key per
-- pair of tokens, so Anna Maria Schmidt-Weber meets Anna Weber); a phonetic
-- family name with the given name's initial and the birth date or the
-- city.  Each key is, or is taken from, a compared column, so that the
-- rule's training session leaves those comparisons out (a key such as
-- name_pair_norm or birth_year would force agreement on comparisons the
-- session still estimates, and bias their m).  Blocks over max_block_size
-- are skipped and reported.  The names-only rule stops at 10 records: a name shared by
-- k records brings the posterior odds of a pair that agrees on it alone to
-- about 1/k whatever the table's size (its evidence grows with N/k as the
-- prior shrinks with 1/N), so a larger block cannot link on names and
-- costs k^2/2 comparisons; its pairs with more in common meet through the
-- other rules.  phonetic_names is its companion for names with a slip
-- (Daaniel Shelhurst, or given and family swapped): the sorted phonetic
-- name pair alone, also up to 10 records, for people whose every place key
-- differs (moved, blanked, typed in the wrong field).
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys, deterministic, max_block_size) VALUES
    ('default', 'name_tokens',               25, ARRAY['tokens(given_name_norm)', 'tokens(family_name_norm)'], false, 10),
    ('default', 'phonetic_names',            28, '{name_pair_dm}', false, 10),
    ('default', 'phonetic_family_initial_birth_date', 26, ARRAY['dmetaphone(family_name_norm)', 'left(given_name_norm, 1)', 'birth_date'], false, NULL),
    ('default', 'phonetic_family_initial_city',       27, ARRAY['dmetaphone(family_name_norm)', 'left(given_name_norm, 1)', 'city_norm'], false, NULL);

-- The names-only rule once more, for a nickname that keeps the initial
-- (Chris / Christopher, Hanna / Hannah) or a slip in the given name: the
-- family name's Double Metaphone code with the given name's initial, at
-- most 10 records a block like the two above.  phonetic_names needs both
-- names alike as sounds; this one only the family name and an initial.
-- Its index is the phonetic rules' one below
-- (source_record_family_dm_initial_idx).
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys, deterministic, max_block_size) VALUES
    ('default', 'phonetic_family_initial',   29, ARRAY['dmetaphone(family_name_norm)', 'left(given_name_norm, 1)'], false, 10);


-- Indexes that serve the default blocking rules, so that resolving one
-- record (ci.resolve_record) finds its candidates by index scans.  One
-- index per selective leading key, not one per rule: every index costs
-- each insert (a bulk load rebuilds them, ci.load_source_records), and a
-- rule whose other keys are not in the index reads a few more rows and
-- filters them.  Rows per key value in 1,000,000 generated records
-- (expected block a record meets): e-mail 2.5, phone 2.2, name pair 31,
-- birth date 33, national id 1.5, street 5, phonetic name pair 56,
-- postcode 147.
--   email_norm      same_email_given_name, email
--   phone_e164      same_phone_birth_date_given_name, phone
--   name_pair_norm  names_birth_year, names_postcode_area, names_national_id_head
--   birth_date      family_name_birth_date, given_name_birth_date,
--                   birth_date_postcode, birth_date_city, birth_date_postcode_area
--   street_norm     street_postcode, street_city, street_postcode_area
--   name_pair_dm    phonetic_names_birth_year, phonetic_names_postcode, phonetic_names_city,
--                   phonetic_names
--   postcode_norm   given_name_postcode, family_name_postcode
--   national ids    national_id, national_id_head, national_id_tail, national_id_ends
-- Each B-tree leaves out the records whose leading key is NULL (WHERE key
-- IS NOT NULL): a rule compares its keys with =, which never finds a NULL,
-- so those entries could never be read.  Real records lack most keys (in
-- generated data 80 % have no national id, about half no birth date,
-- postcode or street, 40 % no phone): each missing key is one index insertion
-- less for a single-row INSERT, and fewer rows to sort in a bulk load.  The
-- planner uses a partial index for a rule's = on its key (the = is strict,
-- so it implies IS NOT NULL), the candidate search's generic plan too.
CREATE INDEX source_record_email_norm_idx ON ci.source_record (email_norm, given_name_norm) WHERE email_norm IS NOT NULL;
CREATE INDEX source_record_phone_birth_idx ON ci.source_record (phone_e164, birth_date, given_name_norm) WHERE phone_e164 IS NOT NULL;
CREATE INDEX source_record_names_idx ON ci.source_record (name_pair_norm, birth_year) WHERE name_pair_norm IS NOT NULL;
CREATE INDEX source_record_birth_postcode_idx ON ci.source_record (birth_date, postcode_norm) WHERE birth_date IS NOT NULL;
CREATE INDEX source_record_street_postcode_idx ON ci.source_record (street_norm, postcode_norm) WHERE street_norm IS NOT NULL;
CREATE INDEX source_record_names_dm_idx ON ci.source_record (name_pair_dm, birth_year) WHERE name_pair_dm IS NOT NULL;
CREATE INDEX source_record_postcode_idx ON ci.source_record (postcode_norm) WHERE postcode_norm IS NOT NULL;
CREATE INDEX source_record_national_id_idx ON ci.source_record (national_id_norm) WHERE national_id_norm IS NOT NULL;
CREATE INDEX source_record_national_id_head_idx ON ci.source_record (left(national_id_norm, 4), left(postcode_norm, 2)) WHERE national_id_norm IS NOT NULL;
CREATE INDEX source_record_national_id_tail_idx ON ci.source_record (right(national_id_norm, 4), left(postcode_norm, 2)) WHERE national_id_norm IS NOT NULL;
CREATE INDEX source_record_national_id_ends_idx ON ci.source_record (left(national_id_norm, 3), right(national_id_norm, 2)) WHERE national_id_norm IS NOT NULL;
-- name_tokens is served by a GIN index over the family name's tokens (the
-- given name's are filtered); the two phonetic rules by one index on their
-- two leading keys.  The GIN index has no pending list (fastupdate off):
-- every search would scan the entries inserted since the last vacuum, and
-- a record is resolved right after it is inserted.
CREATE INDEX source_record_family_token_key_idx ON ci.source_record
    USING gin (pg_catalog.string_to_array(pg_catalog.translate(family_name_norm, '-', ' '), ' '))
    WITH (fastupdate = off);
CREATE INDEX source_record_family_dm_initial_idx ON ci.source_record (ci.dmetaphone(family_name_norm), left(given_name_norm, 1))
    WHERE family_name_norm IS NOT NULL;
