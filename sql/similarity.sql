-- ci's string and date similarity primitives: the specification.
-- (Independent reference values: sql/similarity_reference.sql.)
SET extra_float_digits = 0;

-- Errors are shown as SQLSTATE and message where many are listed at once.
CREATE FUNCTION pg_temp.outcome(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  EXECUTE q INTO r;
  RETURN coalesce(r, 'NULL');
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ' ' || SQLERRM;
END $$;

-- 1. Textbook values.  Jaro counts characters equal and at most
--    max(len)/2 - 1 apart (m) and half the matched characters out of order
--    (t): (m/|a| + m/|b| + (m-t)/m) / 3.  Jaro-Winkler adds
--    l * 0.1 * (1 - jaro) for a common prefix of l <= 4 characters when
--    jaro > 0.7.
SELECT a, b, round(ci.jaro(a, b)::numeric, 6) AS jaro,
       round(ci.jaro_winkler(a, b)::numeric, 6) AS jaro_winkler,
       ci.levenshtein(a, b) AS levenshtein,
       ci.damerau_levenshtein(a, b) AS osa
FROM (VALUES ('martha', 'marhta'), ('dwayne', 'duane'), ('dixon', 'dicksonx'),
             ('kitten', 'sitting'), ('jonathan', 'jonathon'), ('abc', 'xyz'),
             ('ca', 'abc'), ('smith', 'smith')) v(a, b);

-- 2. Every function is STRICT: NULL in, NULL out.
SELECT ci.jaro(NULL, 'a') IS NULL AS jaro, ci.jaro_winkler('a', NULL) IS NULL AS jw,
       ci.jaro_winkler('a', 'a', NULL) IS NULL AS jw_scale, ci.levenshtein(NULL, NULL) IS NULL AS lev,
       ci.levenshtein('a', 'b', NULL) IS NULL AS lev_bound, ci.damerau_levenshtein(NULL, 'a') IS NULL AS osa,
       ci.token_set_similarity('a', NULL) IS NULL AS token_set,
       ci.birthdate_similarity(NULL, '2000-01-01') IS NULL AS birthdate;

-- 3. Empty strings: two empty strings are identical (similarity 1,
--    distance 0); one empty string shares nothing (similarity 0, distance
--    the other's length).  A token set of only separators is empty.
SELECT ci.jaro('', '') AS jaro_ee, ci.jaro('', 'ab') AS jaro_e1,
       ci.jaro_winkler('', '') AS jw_ee, ci.jaro_winkler('ab', '') AS jw_1e,
       ci.levenshtein('', '') AS lev_ee, ci.levenshtein('', 'müller') AS lev_e1,
       ci.damerau_levenshtein('abc', '') AS osa_1e,
       ci.token_set_similarity('', ' - ') AS ts_ee, ci.token_set_similarity('', 'anna') AS ts_e1;

-- 4. Code points, not bytes: 'ü' is two bytes in UTF-8 but one character,
--    so 'müller' is one substitution from both 'muller' and 'mxller'.
--    Combining sequences are not normalised ('e' + U+0301 is two code
--    points); normalise first (doc/normalisation.md).
SELECT b, ci.levenshtein('müller', b) AS lev, ci.damerau_levenshtein('müller', b) AS osa,
       round(ci.jaro('müller', b)::numeric, 6) AS jaro,
       round(ci.jaro_winkler('müller', b)::numeric, 6) AS jw
FROM (VALUES ('muller'), ('mxller'), ('mueller'), ('müller'), ('mülelr')) v(b);
SELECT ci.levenshtein('é', 'e' || chr(769)) AS precomposed_vs_combining,
       ci.levenshtein('😀ab', '😀ac') AS emoji_is_one_character,
       ci.jaro_winkler('山田太郎', '山田太朗') = ci.jaro_winkler('abcd', 'abce') AS cjk_like_ascii;

-- 5. The single-byte fast path and the code-point path give identical
--    results: a bijective character mapping (ASCII -> multibyte) changes no
--    similarity, so every function must return exactly the same value on
--    the mapped pairs.  Seeded random pairs, some longer than the
--    256-character stack buffers.
SELECT setseed(0.42);
CREATE TEMP TABLE path_pairs AS
SELECT a, CASE WHEN random() < 0.5 THEN overlay(a placing substr('abcdef ', 1 + (random() * 6)::int, 1)
                                              from 1 + (random() * length(a))::int for (random() * 2)::int)
               ELSE b END AS b
FROM (SELECT (SELECT string_agg(substr('abcdef -', 1 + (random() * 7)::int, 1), '')
              FROM generate_series(1, n + g * 0)) AS a,
             (SELECT string_agg(substr('abcdef -', 1 + (random() * 7)::int, 1), '')
              FROM generate_series(1, (n * (0.5 + random()))::int + g * 0)) AS b
      FROM generate_series(1, 400) g, LATERAL (SELECT CASE WHEN g % 40 = 0 THEN 300 ELSE 1 + g % 13 END AS n) s) x;
CREATE TEMP TABLE path_mapped AS
SELECT a, b, translate(a, 'abcdef-', 'äбç€😀ß–') AS ma, translate(b, 'abcdef-', 'äбç€😀ß–') AS mb
FROM path_pairs;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE greatest(length(a), length(b)) > 256) AS long_pairs,
       count(*) FILTER (WHERE ci.jaro(a, b) <> ci.jaro(ma, mb)) AS jaro_differ,
       count(*) FILTER (WHERE ci.jaro_winkler(a, b, 0.2, 0.5) <> ci.jaro_winkler(ma, mb, 0.2, 0.5)) AS jw_differ,
       count(*) FILTER (WHERE ci.levenshtein(a, b) <> ci.levenshtein(ma, mb)) AS lev_differ,
       count(*) FILTER (WHERE ci.levenshtein(a, b, 3) <> ci.levenshtein(ma, mb, 3)) AS lev3_differ,
       count(*) FILTER (WHERE ci.damerau_levenshtein(a, b) <> ci.damerau_levenshtein(ma, mb)) AS osa_differ,
       count(*) FILTER (WHERE ci.damerau_levenshtein(a, b, 2) <> ci.damerau_levenshtein(ma, mb, 2)) AS osa2_differ,
       count(*) FILTER (WHERE ci.token_set_similarity(a, b) <> ci.token_set_similarity(ma, mb)) AS ts_differ
FROM path_mapped;
-- ... and the Levenshtein of the ASCII pairs agrees with PostgreSQL's own
-- (contrib fuzzystrmatch, an independent implementation).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch SCHEMA public;
RESET client_min_messages;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE ci.levenshtein(a, b) <> public.levenshtein(a, b)) AS lev_vs_fuzzystrmatch,
       count(*) FILTER (WHERE ci.levenshtein(a, b, 2) <> least(public.levenshtein(a, b), 3)) AS bounded_vs_fuzzystrmatch
FROM path_pairs WHERE greatest(length(a), length(b)) <= 255;  -- its limit

-- 6. Symmetry: every measure gives the same value with the arguments swapped.
SELECT count(*) FILTER (WHERE ci.jaro(a, b) <> ci.jaro(b, a)) AS jaro,
       count(*) FILTER (WHERE ci.levenshtein(a, b) <> ci.levenshtein(b, a)) AS lev,
       count(*) FILTER (WHERE ci.damerau_levenshtein(a, b) <> ci.damerau_levenshtein(b, a)) AS osa,
       count(*) FILTER (WHERE ci.token_set_similarity(a, b) <> ci.token_set_similarity(b, a)) AS token_set
FROM path_pairs;
-- ... exactly, not only up to rounding: token sets of equal size are paired
-- and summed the same way whichever argument comes first, so a threshold
-- (>= 0.555 here) never depends on the order of the arguments.
SELECT ci.token_set_similarity('bc gh efgh cde cde bcd', 'f cd fg bcde cde') =
       ci.token_set_similarity('f cd fg bcde cde', 'bc gh efgh cde cde bcd') AS exact_pair;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE ci.token_set_similarity(a, b) <> ci.token_set_similarity(b, a)) AS asymmetric,
       count(*) FILTER (WHERE ci.token_set_similarity(a || ' ñ', b || ' ñ') <>
                              ci.token_set_similarity(b || ' ñ', a || ' ñ')) AS asymmetric_multibyte
FROM (SELECT (SELECT string_agg(substr('abcdefgh', 1 + abs(hashint4(g * 64 + k)) % 8,
                                       1 + abs(hashint4(g * 64 + k + 16)) % 4), ' ')
              FROM generate_series(1, 2 + g % 6) k) AS a,
             (SELECT string_agg(substr('abcdefgh', 1 + abs(hashint4(g * 64 + k + 32)) % 8,
                                       1 + abs(hashint4(g * 64 + k + 48)) % 4), ' ')
              FROM generate_series(1, 2 + (g / 7) % 6) k) AS b
      FROM generate_series(1, 20000) g) s;

-- 7. Jaro-Winkler options.  prefix_scale in [0, 0.25] (above, a 4-character
--    prefix could push the result past 1); boost_threshold in [0, 1]
--    (1 disables the boost).  Anything else, NaN included, is refused with
--    22023.
SELECT round(ci.jaro_winkler('martha', 'marhta', 0)::numeric, 6) AS no_boost,
       round(ci.jaro_winkler('martha', 'marhta', 0.25)::numeric, 6) AS max_scale,
       round(ci.jaro_winkler('martha', 'marhta', 0.1, 1)::numeric, 6) AS threshold_1,
       round(ci.jaro_winkler('martha', 'marhta', 0.1, 0.95)::numeric, 6) AS threshold_above_jaro,
       round(ci.jaro_winkler('dixon', 'dicksonx', boost_threshold => 0)::numeric, 6) AS named_threshold,
       ci.jaro_winkler('abcdx', 'abcdy', 0.25) <= 1 AS stays_in_range;
SELECT ci.jaro_winkler('a', 'b', 0.3);
SELECT v AS options, pg_temp.outcome(format('SELECT ci.jaro_winkler(%L, %L, %s)', 'anna', 'ana', v)) AS outcome
FROM (VALUES ('-0.01'), ('0.26'), ($$'NaN'$$), ($$'Infinity'$$), ('0.1, 1.01'), ('0.1, -0.5'),
             ($$0.1, 'NaN'$$), ('0.25, 0'), ('0, 1')) t(v);

-- 8. Bounded edit distances: the exact distance when it is at most
--    max_distance, else max_distance + 1; the band and the early stop never
--    change a result within the bound.  A negative bound is an error.
SELECT k, ci.levenshtein('kitten', 'sitting', k) AS lev, ci.damerau_levenshtein('abcdef', 'badcfe', k) AS osa
FROM generate_series(0, 4) k;
SELECT ci.levenshtein('abc', 'abc', 0) AS equal_at_0, ci.levenshtein('a', 'xyz', 2147483647) AS huge_bound,
       ci.damerau_levenshtein(repeat('ab', 5000), repeat('ba', 5000), 3) AS long_but_bounded,
       ci.levenshtein(repeat('a', 65535), repeat('b', 65535), 2) AS stops_after_3_rows;
SELECT ci.levenshtein('a', 'b', -1);
SELECT ci.damerau_levenshtein('a', 'b', -5);

-- 9. Length limit: at most 65535 characters (not bytes) per argument; past
--    it, 54000 program_limit_exceeded naming the limit, for every function,
--    whatever the other argument.
SELECT ci.levenshtein(repeat('a', 65535), repeat('a', 65535)) AS at_limit_equal,
       ci.levenshtein(repeat('é', 65535), 'é') AS at_limit_multibyte,
       ci.jaro(repeat('ab', 32767) || 'c', repeat('ab', 32767) || 'c') AS jaro_at_limit;
SELECT ci.levenshtein(repeat('x', 1100000), 'x');
SELECT f AS call, pg_temp.outcome('SELECT ' || f) AS outcome
FROM (VALUES ('ci.jaro(repeat(''x'', 1100000), ''x'')'), ('ci.jaro_winkler(''x'', repeat(''x'', 1100000))'),
             ('ci.levenshtein(repeat(''x'', 65536), '''')'), ('ci.levenshtein(''a'', repeat(''é'', 65536), 1)'),
             ('ci.damerau_levenshtein(repeat(''😀'', 300000), ''a'')'),
             ('ci.damerau_levenshtein(repeat(''x'', 1100000), ''a'', 0)'),
             ('ci.token_set_similarity(repeat(''ab cd-'', 200000), ''ab'')')) t(f);

-- 10. Token-set similarity for multi-part names.  Tokens are split at
--    whitespace and hyphens, repeated tokens count once; the n tokens of the
--    smaller set are paired one-to-one with tokens of the larger set (m) so
--    as to maximise the sum M of Jaro-Winkler similarities, and the result
--    is M / (n + 0.1 * (m - n)): order never matters, a subset scores high
--    (each unpaired token costs a tenth of a paired one).
SELECT a, b, round(ci.token_set_similarity(a, b)::numeric, 6) AS token_set,
       round(ci.jaro_winkler(a, b)::numeric, 6) AS whole_string_jw
FROM (VALUES ('anna maria smith', 'smith anna'), ('smith anna', 'anna maria smith'),
             ('john smith', 'smith-john'), ('john smith', 'smith  john'), ('anna', 'anna maria smith'),
             ('jon smith', 'john smyth'), ('maria maria', 'maria'), ('ann marie', 'mary anne'),
             ('jean-paul sartre', 'sartre jean paul'), ('anna smith', 'bob jones')) v(a, b);
-- More than 256 distinct tokens is refused (names have a handful).
SELECT ci.token_set_similarity((SELECT string_agg(g::text, ' ') FROM generate_series(1, 257) g), 'x');
SELECT ci.token_set_similarity((SELECT string_agg((g % 256)::text, ' ') FROM generate_series(1, 5000) g), '1 2') > 0
       AS repeated_tokens_count_once;

-- 11. Birth dates.  1 equal; 0.9 day and month swapped in the same year;
--    0.8 one digit differs in exactly one of DD, MM, YYYY (the others
--    equal; the year only for years 1..9999); 0.7 two adjacent digits
--    swapped in one field; 0 otherwise.  Infinite dates are placeholders,
--    never a match, not even with themselves.
SELECT a, b, ci.birthdate_similarity(a::date, b::date) AS s,
       ci.birthdate_similarity(b::date, a::date) = ci.birthdate_similarity(a::date, b::date) AS symmetric
FROM (VALUES ('1985-03-12', '1985-03-12'), ('1985-03-12', '1985-12-03'), ('1985-03-12', '1985-03-13'),
             ('1985-03-12', '1985-03-22'), ('1985-03-12', '1985-08-12'), ('1985-01-12', '1985-11-12'),
             ('1985-03-12', '1986-03-12'), ('1985-03-12', '1975-03-12'), ('1985-03-12', '1885-03-12'),
             ('1985-03-12', '1958-03-12'), ('1985-03-12', '1895-03-12'), ('1985-03-12', '1985-03-21'),
             ('1985-01-05', '1985-10-05'), ('1985-03-12', '1987-03-21'), ('1985-03-12', '1985-03-19'),
             ('1985-03-12', '1986-12-03'), ('1985-03-12', '2085-03-12'), ('1985-02-01', '1985-01-02'),
             ('2000-02-29', '2000-02-28'), ('0044-03-15 BC', '0044-03-15 BC'), ('0044-03-15 BC', '0044-03-16 BC'),
             ('0044-03-15 BC', '0045-03-15 BC'), ('10000-01-01', '10001-01-01'), ('10000-01-01', '10000-01-02'),
             ('infinity', 'infinity'), ('-infinity', '1985-03-12'), ('1985-03-12', 'infinity')) v(a, b);

-- 12. A distance bounded by 1 is decided without the table (e-mails and
--    phones that differ): after stripping the shared ends, only two
--    swapped adjacent characters are one edit.  It must equal the
--    unbounded distance capped at 2 on every kind of pair: one
--    substitution, insertion, deletion or swap anywhere, two edits, and
--    unrelated strings, in ASCII and multibyte.
WITH base AS (
  SELECT s, i FROM (VALUES ('jane.doe@example.com'), ('+4915112345678'), ('ab'), ('x'), ('müller.zoë@beispiel.de')) v(s),
       generate_series(1, 22) i),
edits AS (
  SELECT s, overlay(s PLACING 'q' FROM i FOR 1) AS t FROM base WHERE i <= length(s)                      -- substitution
  UNION ALL SELECT s, overlay(s PLACING 'q' FROM i FOR 0) FROM base WHERE i <= length(s) + 1             -- insertion
  UNION ALL SELECT s, overlay(s PLACING '' FROM i FOR 1) FROM base WHERE i <= length(s)                  -- deletion
  UNION ALL SELECT s, overlay(s PLACING substr(s, i + 1, 1) || substr(s, i, 1) FROM i FOR 2)
            FROM base WHERE i < length(s)                                                                -- swap
  UNION ALL SELECT s, overlay(overlay(s PLACING 'q' FROM i FOR 1) PLACING 'z' FROM 1 FOR 1)
            FROM base WHERE i <= length(s)                                                               -- two edits
  UNION ALL SELECT s, reverse(s) FROM base WHERE i = 1
  UNION ALL SELECT a.s, b.s FROM base a, base b WHERE a.i = 1 AND b.i = 1)
SELECT count(*) > 300 AS enough_pairs,
       count(*) FILTER (WHERE ci.damerau_levenshtein(s, t, 1) <> least(ci.damerau_levenshtein(s, t), 2)) AS mismatches,
       count(*) FILTER (WHERE ci.damerau_levenshtein(s, t, 1) = 1) > 50 AS some_one_edit
FROM edits;
