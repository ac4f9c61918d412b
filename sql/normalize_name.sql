-- ci.normalize_name and ci.name_tokens: personal names folded to lower-case
-- ASCII tokens (NFKC, case folding, ICU "Any-Latin; Latin-ASCII").

-- Latin names with diacritics lose them; letters ASCII has no form for are
-- spelt out (Æ -> ae, ß -> ss, Þ -> th, Ł -> l).
SELECT n AS name, ci.normalize_name(n) AS normalized
FROM unnest(ARRAY['Müller', 'ŁUKASZ', 'Ærø', 'José García', 'Straße', 'Þórr Ólafsdóttir',
                  'Đorđe Nguyễn Văn Ánh', 'Øystein Åsen', 'Ñoño', 'İSMAİL', 'Œuvre', 'Ǉubica Ǌegoš',
                  'François-Xavier', 'Zoë Brontë']) AS n;

-- Other scripts are transliterated to Latin first: Cyrillic, Greek, Han
-- (pinyin, one token per syllable), kana, Hangul, Arabic, Hebrew, Thai,
-- Devanagari.  Japanese kanji are read as Chinese: ICU has no Japanese readings.
SELECT n AS name, ci.normalize_name(n) AS normalized
FROM unnest(ARRAY['Дмитрий Иванов', 'ЩУКИН', 'Игорь', 'Ольга', 'Γιώργος', 'ΑΛΈΞΑΝΔΡΟΣ', 'Σίσυφος',
                  '王小明', '北京', 'さとう はなこ', 'カタカナ', '김민준', 'محمد', 'דוד', 'สมชาย', 'राहुल']) AS n;

-- Apostrophes (', `, ’, ʼ, ʻ, ´ …) are removed and join what they separate;
-- a hyphen or dash directly between letters is kept, once; anywhere else,
-- and every other punctuation mark or space, separates tokens: one space,
-- trimmed.  Particles stay.
SELECT n AS name, ci.normalize_name(n) AS normalized
FROM unnest(ARRAY['O''Brien', 'O’Brien', 'O`Brien', 'O´Brien', 'D’Angelo', 'ʻOkina', 'O'' Brien',
                  'Jean-Luc', 'Jean–Luc', 'Jean—Luc', 'Smith--Jones', 'Smith - Jones', '-Smith-',
                  'Smith-''Jones', '  van der  Berg ', 'de la Cruz', 'von Neumann', 'J.R.R. Tolkien',
                  'Smith, John', 'John (Jack) Smith', 'Dr. Mary-Jane O''Neil, Jr.']) AS n;

-- Tabs, line breaks and other control characters separate too (names shown as JSON).
SELECT to_json(n) AS name, ci.normalize_name(n) AS normalized
FROM unnest(ARRAY[E'Anne\tMarie\nSmith', E'\r\nJohn\u0001Smith\u007f']) AS n;

-- Compatibility forms and invisible characters: full-width letters, ligatures,
-- Roman numerals, no-break and ideographic spaces, a soft hyphen and a
-- zero-width joiner (removed), combining marks (composed, then dropped).
SELECT n AS shown, ci.normalize_name(n) AS normalized
FROM unnest(ARRAY['Ｊｏｈｎ　Ｓｍｉｔｈ', 'ﬁnn', 'Louis Ⅻ', 'Anne' || chr(160) || 'Marie',
                  'Schnee' || chr(173) || 'mann', 'Ma' || chr(8205) || 'ria',
                  'Jose' || chr(769), 'x' || chr(769) || chr(776) || 'y']) AS n;

-- Digits are kept; symbols and emoji separate; letters of scripts ICU does
-- not transliterate stay, case-folded (Cherokee folds to its capitals).
SELECT n AS name, ci.normalize_name(n) AS normalized
FROM unnest(ARRAY['John Smith 3rd', 'Smith & Sons', '😀 Smile', '★Anna★', 'ᏣᎳᎩ']) AS n;

-- Mixed case and script in one name.
SELECT ci.normalize_name('MÜLLER-lüdenscheidt, Hans-Jürgen') AS normalized;

-- No letter or digit left: NULL (not a name).  NULL in, NULL out.
SELECT to_json(n) AS name, quote_nullable(ci.normalize_name(n)) AS normalized,
       ci.name_tokens(n) AS tokens
FROM unnest(ARRAY['', '   ', E'\t\n', '---', '''''', '.,;', '😀', NULL]) AS n;

-- Tokens: split at spaces and hyphens, in order, duplicates kept.
SELECT n AS name, ci.name_tokens(n) AS tokens
FROM unnest(ARRAY['Jean-Luc Picard', 'Mary-Jane O''Neil', 'van der Berg', '王小明', 'John John',
                  'Smith - Jones']) AS n;

-- The tokens are exactly the normalized name split at ' ' and '-'.
SELECT count(*) AS names_checked,
       count(*) FILTER (WHERE ci.name_tokens(n) IS DISTINCT FROM
                              regexp_split_to_array(ci.normalize_name(n), '[ -]')) AS mismatches
FROM unnest(ARRAY['Jean-Luc Picard', 'O''Brien', 'Дмитрий Иванов-Петров', '北京', 'a b-c d',
                  'Ærø', 'x - y']) AS n;

-- Pure-ASCII input takes a fast path that never calls ICU; it gives what
-- ICU gives.  A word with an 'ü' goes through ICU whole, so s || 'ü' and
-- s || 'u' normalise the same exactly when the two paths agree.  First every
-- ASCII character between two letters, then 2000 random ASCII strings.
SELECT count(*) AS ascii_chars, count(*) FILTER (WHERE ci.normalize_name('A' || chr(c) || 'bü')
             IS DISTINCT FROM ci.normalize_name('A' || chr(c) || 'bu')) AS paths_differ
FROM generate_series(1, 127) AS c;
SELECT setseed(0.42);
SELECT count(*) AS strings, count(*) FILTER (WHERE ci.normalize_name(s || 'ü')
             IS DISTINCT FROM ci.normalize_name(s || 'u')) AS paths_differ
FROM (SELECT string_agg(chr(1 + floor(random() * 127)::int), '') AS s
      FROM generate_series(1, 2000) AS g, generate_series(1, 20) AS k GROUP BY g) AS r;

-- ICU's output for short words is memoised per backend (512 slots): 3000
-- distinct accented words, each normalised twice, evict and collide in the
-- memo yet always give the first answer; and the same word with 25 'ß'
-- appended, too long to be memoised, gives the same letters then 25 'ss'.
WITH words AS MATERIALIZED (
    SELECT g, translate(g::text, '0123456789', 'àéîõüçñøåß') AS w FROM generate_series(1, 3000) AS g
), first AS MATERIALIZED (
    SELECT g, w, ci.normalize_name(w) AS a FROM words
)
SELECT count(*) AS words,
       count(*) FILTER (WHERE ci.normalize_name(w) IS DISTINCT FROM a) AS memo_differs,
       count(*) FILTER (WHERE ci.normalize_name(w || repeat('ß', 25)) IS DISTINCT FROM a || repeat('ss', 25))
           AS unmemoised_differs
FROM first;

-- Huge input works, without truncation: 1.1 MB of ASCII, 2.2 MB of 'é'
-- (1.1M characters through ICU, in chunks), Cyrillic words, a Greek run
-- without spaces (chunked: ICU's Greek rules are quadratic in word length).
SELECT length(ci.normalize_name(repeat('x', 1100000))) AS ascii_len;
SELECT ci.normalize_name(repeat('é', 1100000)) = repeat('e', 1100000) AS e_acute_ok;
SELECT ci.normalize_name(repeat('Дмитрий ', 150000)) = rtrim(repeat('dmitrij ', 150000)) AS cyrillic_ok;
SELECT ci.normalize_name(repeat('ΓΙΏΡΓΟΣ', 100000)) = repeat('giorgos', 100000) AS greek_ok;
SELECT cardinality(ci.name_tokens(repeat('Ab-c ', 250000))) AS tokens;

-- Expression indexes and stored generated columns accept it (IMMUTABLE).
CREATE TABLE norm_name_t (
    name text,
    name_norm text GENERATED ALWAYS AS (ci.normalize_name(name)) STORED
);
CREATE INDEX ON norm_name_t USING gin (ci.name_tokens(name));
INSERT INTO norm_name_t (name) VALUES ('Jean-Luc Müller'), ('Дмитрий Иванов'), (NULL);
SELECT name, name_norm FROM norm_name_t ORDER BY name;
DROP TABLE norm_name_t;

-- Honorifics before a name and suffixes after it are dropped (a person's
-- records show them one day and not the next), whole tokens only: a title
-- goes while another token follows, a suffix while another precedes.  A
-- lone honorific (Mr, Dr) is no name; a lone word that can be a name (Sir,
-- Lord, Junior) stays; words that are also names (King, Major) and St
-- (street, saint) are never touched, nor a street's trailing Dr (Drive).
SELECT n AS name, ci.normalize_name(n) AS normalized, ci.name_tokens(n) AS tokens
FROM unnest(ARRAY['Dr. John', 'MR', 'Mrs Smith', 'Mrs.', 'Prof. Dr. Hans', 'Sir Isaac Newton', 'Sir', 'Lord',
                  'Smith, Jr.', 'John Smith III PhD', 'Junior', 'Mr Jr', 'King George III', 'Major Tom',
                  'St Albans', '12 Oak Dr', 'Dr-Jones', 'Frau Müller-Lüdenscheidt, Sr.', 'Ｍｒ． Иванов',
                  'Misses', 'Drake', 'Missy Jr']) AS n;
-- so the default model's keys and comparisons see the name itself
SELECT ci.name_pair('Dr. John', 'Smith Jr') AS name_pair, ci.name_pair('Mr', 'Smith') AS one_name_only;
-- Normalising a normalised name gives it back unchanged with titles and
-- suffixes too: every arrangement of up to three words drawn from titles,
-- suffixes, a name and an initial.
WITH w(x) AS (VALUES ('Mr'), ('Dr.'), ('Sir'), ('Lady'), ('Jr'), ('III'), ('PhD'), ('Senior'), ('Ann'), ('J.'), ('Frau'), ('Major')),
names AS (SELECT concat_ws(' ', a.x, b.x, c.x) AS n FROM w a CROSS JOIN w b CROSS JOIN (SELECT x FROM w UNION ALL SELECT NULL) c)
SELECT count(*) AS names,
       count(*) FILTER (WHERE ci.normalize_name(ci.normalize_name(n)) IS DISTINCT FROM ci.normalize_name(n)) AS not_idempotent,
       count(*) FILTER (WHERE ci.normalize_name(n) IS NULL) AS no_name
FROM names;
