-- 0.1.0 -> 0.2.0: the shipped configuration survives pg_dump and restore
-- (src/survive/90_shipped_config.sql).  This part runs first, while the
-- database is still as 0.1.0 left it: it makes the bookkeeping tables and
-- fills them by comparing each shipped row with what 0.1.0 shipped
-- (replayed below, frozen from versions/customer_intel--0.1.0.sql):
-- untouched rows may be replaced by a restore, deleted ones get a
-- tombstone.  The triggers that keep them come in the survive part.

CREATE TABLE ci.shipped_row (
    tab         text NOT NULL CHECK (tab IN ('source', 'match_model', 'name_alias', 'golden_attribute')),
    key         text[] NOT NULL,
    as_shipped  boolean NOT NULL DEFAULT true,
    PRIMARY KEY (tab, key)
);
COMMENT ON TABLE ci.shipped_row IS 'Keys of the configuration rows CREATE EXTENSION ships (not dumped: CREATE EXTENSION recreates it)';
COMMENT ON COLUMN ci.shipped_row.tab IS 'table of ci holding the row: source, match_model (with its comparisons and blocking rules), name_alias, golden_attribute (with its survivorship rules)';
COMMENT ON COLUMN ci.shipped_row.as_shipped IS 'true while the row and its family are exactly as CREATE EXTENSION made them: an INSERT of its key (a restore) replaces it';

CREATE TABLE ci.shipped_row_deleted (
    tab         text NOT NULL CHECK (tab IN ('source', 'match_model', 'name_alias', 'golden_attribute')),
    key         text[] NOT NULL,
    deleted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tab, key)
);
COMMENT ON TABLE ci.shipped_row_deleted IS 'Shipped configuration rows that were deleted (or renamed); dumped, so that a restore deletes them again';
SELECT pg_catalog.pg_extension_config_dump('ci.shipped_row_deleted', '');

-- What 0.1.0 shipped, in temporary tables of the same shape.

CREATE TEMP TABLE shipped_010_source (LIKE ci.source INCLUDING DEFAULTS INCLUDING IDENTITY);
CREATE TEMP TABLE shipped_010_name_alias (LIKE ci.name_alias INCLUDING DEFAULTS INCLUDING IDENTITY);
CREATE TEMP TABLE shipped_010_match_model (LIKE ci.match_model INCLUDING DEFAULTS INCLUDING IDENTITY);
CREATE TEMP TABLE shipped_010_match_comparison (LIKE ci.match_comparison INCLUDING DEFAULTS INCLUDING IDENTITY);
CREATE TEMP TABLE shipped_010_match_blocking_rule (LIKE ci.match_blocking_rule INCLUDING DEFAULTS INCLUDING IDENTITY);
CREATE TEMP TABLE shipped_010_golden_attribute (LIKE ci.golden_attribute INCLUDING DEFAULTS INCLUDING IDENTITY);
CREATE TEMP TABLE shipped_010_survivorship_rule (LIKE ci.survivorship_rule INCLUDING DEFAULTS INCLUDING IDENTITY);

INSERT INTO pg_temp.shipped_010_source (source, trust_rank, trust, description) VALUES
    ('crm',     10, 0.9, 'customer relationship management system'),
    ('pos',     20, 0.7, 'point of sale'),
    ('support', 30, 0.6, 'support desk'),
    ('web',     40, 0.5, 'web sign-ups and forms');

INSERT INTO pg_temp.shipped_010_name_alias (name, alias, shipped)
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

INSERT INTO pg_temp.shipped_010_match_model (model, description, link_threshold, review_threshold, prior)
VALUES ('default', 'person-like customer records of ci.source_record: names, birth date, e-mail, phone, national id, address', 0.9, 0.5, 0.0001);

INSERT INTO pg_temp.shipped_010_match_comparison (model, comparison, ordinal, field, similarity, close_threshold, loose_threshold, tf_adjust, m, u) VALUES
    ('default', 'given_name',  1, 'given_name_norm',  'given_name',          0.92, 0.80, true,  '{0.85,0.07,0.03,0.05}', '{0.005,0.005,0.03,0.96}'),
    ('default', 'family_name', 2, 'family_name_norm', 'jaro_winkler',        0.92, 0.80, true,  '{0.85,0.07,0.03,0.05}', '{0.002,0.003,0.02,0.975}'),
    ('default', 'birth_date',  3, 'birth_date',       'birthdate',           0.85, 0.70, false, '{0.85,0.05,0.05,0.05}', '{0.0002,0.0005,0.002,0.9973}'),
    ('default', 'email',       4, 'email_norm',       'damerau_levenshtein', 1,    NULL, false, '{0.85,0.05,0,0.10}',    '{0.00001,0.00001,0,0.99998}'),
    ('default', 'phone',       5, 'phone_e164',       'damerau_levenshtein', 1,    NULL, false, '{0.80,0.05,0,0.15}',    '{0.0001,0.0005,0,0.9994}'),
    ('default', 'national_id', 6, 'national_id_norm', 'damerau_levenshtein', 1,    2,    false, '{0.85,0.07,0.03,0.05}', '{0.00001,0.0001,0.001,0.99889}'),
    ('default', 'street',      7, 'street_norm',      'jaro_winkler',        0.92, 0.80, false, '{0.80,0.08,0.04,0.08}', '{0.0005,0.002,0.02,0.9775}'),
    ('default', 'city',        8, 'city_norm',        'jaro_winkler',        0.92, 0.80, true,  '{0.85,0.05,0.03,0.07}', '{0.005,0.005,0.02,0.97}'),
    ('default', 'postcode',    9, 'postcode_norm',    'damerau_levenshtein', 1,    NULL, false, '{0.85,0.07,0,0.08}',    '{0.005,0.02,0,0.975}');

INSERT INTO pg_temp.shipped_010_match_blocking_rule (model, rule, ordinal, keys, deterministic) VALUES
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

INSERT INTO pg_temp.shipped_010_golden_attribute (attribute, position, survive_group, description) VALUES
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

INSERT INTO pg_temp.shipped_010_survivorship_rule (attribute, priority, kind, sources, tie_break, half_life, condition, builtin, description) VALUES
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

-- Keys present now, and whether each (with its family) is still as shipped.
INSERT INTO ci.shipped_row (tab, key, as_shipped)
SELECT 'source', ARRAY[s.source], to_jsonb(c) = to_jsonb(s)
  FROM pg_temp.shipped_010_source s JOIN ci.source c USING (source)
UNION ALL
SELECT 'name_alias', ARRAY[s.name, s.alias], to_jsonb(c) = to_jsonb(s)
  FROM pg_temp.shipped_010_name_alias s JOIN ci.name_alias c USING (name, alias)
UNION ALL
SELECT 'match_model', ARRAY[s.model],
       to_jsonb(c) = to_jsonb(s)
       AND (SELECT jsonb_agg(to_jsonb(x) ORDER BY x.comparison) FROM ci.match_comparison x WHERE x.model = s.model)
           IS NOT DISTINCT FROM
           (SELECT jsonb_agg(to_jsonb(x) ORDER BY x.comparison) FROM pg_temp.shipped_010_match_comparison x WHERE x.model = s.model)
       AND (SELECT jsonb_agg(to_jsonb(x) ORDER BY x.rule) FROM ci.match_blocking_rule x WHERE x.model = s.model)
           IS NOT DISTINCT FROM
           (SELECT jsonb_agg(to_jsonb(x) ORDER BY x.rule) FROM pg_temp.shipped_010_match_blocking_rule x WHERE x.model = s.model)
  FROM pg_temp.shipped_010_match_model s JOIN ci.match_model c USING (model)
UNION ALL
SELECT 'golden_attribute', ARRAY[s.attribute],
       to_jsonb(c) = to_jsonb(s)
       AND (SELECT jsonb_agg(to_jsonb(x) ORDER BY x.rule_id) FROM ci.survivorship_rule x WHERE x.attribute = s.attribute)
           IS NOT DISTINCT FROM
           (SELECT jsonb_agg(to_jsonb(x) ORDER BY x.rule_id) FROM pg_temp.shipped_010_survivorship_rule x WHERE x.attribute = s.attribute)
  FROM pg_temp.shipped_010_golden_attribute s JOIN ci.golden_attribute c USING (attribute);

-- Shipped keys deleted (or renamed) under 0.1.0: tombstones, so that a
-- dump of this database restores without them.
INSERT INTO ci.shipped_row_deleted (tab, key)
SELECT 'source', ARRAY[s.source] FROM pg_temp.shipped_010_source s
 WHERE NOT EXISTS (SELECT 1 FROM ci.source c WHERE c.source = s.source)
UNION ALL
SELECT 'name_alias', ARRAY[s.name, s.alias] FROM pg_temp.shipped_010_name_alias s
 WHERE NOT EXISTS (SELECT 1 FROM ci.name_alias c WHERE c.name = s.name AND c.alias = s.alias)
UNION ALL
SELECT 'match_model', ARRAY[s.model] FROM pg_temp.shipped_010_match_model s
 WHERE NOT EXISTS (SELECT 1 FROM ci.match_model c WHERE c.model = s.model)
UNION ALL
SELECT 'golden_attribute', ARRAY[s.attribute] FROM pg_temp.shipped_010_golden_attribute s
 WHERE NOT EXISTS (SELECT 1 FROM ci.golden_attribute c WHERE c.attribute = s.attribute);

DROP TABLE pg_temp.shipped_010_source;
DROP TABLE pg_temp.shipped_010_name_alias;
DROP TABLE pg_temp.shipped_010_match_model;
DROP TABLE pg_temp.shipped_010_match_comparison;
DROP TABLE pg_temp.shipped_010_match_blocking_rule;
DROP TABLE pg_temp.shipped_010_golden_attribute;
DROP TABLE pg_temp.shipped_010_survivorship_rule;
