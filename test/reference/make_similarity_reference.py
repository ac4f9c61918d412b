#!/usr/bin/python3
"""Generate sql/similarity_reference.sql: ci's string similarities checked
against independent implementations.

    /usr/bin/python3 test/reference/make_similarity_reference.py > sql/similarity_reference.sql

Use Debian's /usr/bin/python3 with python3-jellyfish (0.8.9), not another
python3 on PATH.  The output is deterministic (fixed seed); regenerate it and
its expected output (expected/similarity_reference.out) together.

References, per function:
  ci.jaro, ci.jaro_winkler  jellyfish.jaro_similarity / jaro_winkler_similarity
                            (its C library, which works on code points)
  ci.levenshtein            jellyfish.levenshtein_distance; the bounded form
                            is checked against min(distance, k + 1)
  ci.damerau_levenshtein    a textbook optimal-string-alignment DP below (full
                            matrix, no shortcuts).  jellyfish's
                            damerau_levenshtein_distance is the unrestricted
                            distance, which can only be smaller: the test
                            checks OSA >= unrestricted everywhere, and
                            equality wherever the textbook OSA equals it.
  ci.token_set_similarity   the documented formula evaluated by brute force
                            over all token pairings (itertools.permutations)
                            with jellyfish's Jaro-Winkler; pairs with more
                            than 7 tokens on a side are not checked.

Deliberate difference: for two empty strings jellyfish's Jaro is 0, ci's is
1 (identical strings); that pair is left out here and specified in
sql/similarity.sql.
"""
import importlib.metadata
import itertools
import random
import sys

if sys.executable != "/usr/bin/python3":
    sys.exit("run with /usr/bin/python3 (Debian's python3-jellyfish)")

import jellyfish  # noqa: E402

assert jellyfish.library == "C", "expected jellyfish's C implementation"

random.seed(20240607)

GIVEN = """anna maria john jon jonathan elizabeth elisabeth catherine katherine
kathryn michael micheal mohammed muhammad mohamed peter pete sophie sofie
alexander aleksander alexandra william bill robert roberto james jim charlotte
olivia noah liam emma isabella lucas benjamin amelia harper evelyn abigail
daniel danielle matthew mathew joseph josef david dave christopher kristopher
stephen steven thomas tomas nicholas nikolas jennifer jenifer jessica rebecca
rebekah margaret marguerite francis frances jean joan jeanne luis louis lewis
sean shaun shawn zoe chloe""".split()

FAMILY = """smith smyth schmidt johnson jonson williams brown browne jones miller
muller davis garcia rodriguez wilson martinez anderson andersen taylor thomas
hernandez moore martin jackson thompson white lopez lee gonzalez harris clark
lewis robinson walker perez hall young allen sanchez wright king scott green
baker adams nelson hill ramirez campbell mitchell roberts carter phillips
evans turner torres parker collins edwards stewart flores morris nguyen murphy
rivera cook rogers morgan peterson cooper reed bailey bell gomez kelly howard
ward cox diaz richardson wood watson brooks bennett gray james reyes cruz
hughes price myers long foster sanders ross morales powell sullivan russell
ortiz jenkins gutierrez perry butler barnes fisher henderson coleman simmons
patterson jordan reynolds hamilton graham kim o'brien mcdonald macdonald
van-der-berg""".split()

# names with letters beyond ASCII, paired with plausible variants
MULTIBYTE = [
    ("müller", "muller"), ("müller", "mueller"), ("müller", "mxller"),
    ("müller", "müler"), ("josé", "jose"), ("josé garcía", "garcia jose"),
    ("zoë", "zoe"), ("chloé", "chloe"), ("søren", "soren"), ("søren", "sören"),
    ("łukasz", "lukasz"), ("łukasz", "łukas"), ("straße", "strasse"),
    ("straße", "strase"), ("françois", "francois"), ("françoise", "françois"),
    ("björn", "bjorn"), ("ångström", "angstrom"), ("dvořák", "dvorak"),
    ("żółć", "zolc"), ("nuñez", "nunez"), ("nuñez", "núñez"),
    ("дмитрий", "дмитрии"), ("дмитрий иванов", "иванов дмитрий"),
    ("александр", "александра"), ("γιώργος", "γιωργος"), ("γιώργος", "γιώργιος"),
    ("山田太郎", "山田 太郎"), ("山田 太郎", "太郎 山田"), ("李小龙", "李小龍"),
    ("🎉party", "party🎉"), ("a😀b", "a😀c"), ("😀😀😀", "😀😀"),
    ("e\u0301", "é"), ("mañana", "manana"), ("zürich", "zurich"),
    ("anne-marie", "anne marie"), ("anne–marie", "marie anne"),
    ("jean\u00a0paul", "jean paul"), ("o’brien", "o'brien"),
    ("ümit", "umit"), ("şahin", "sahin"), ("çelik", "celik"), ("ödön", "odon"),
    ("åsa", "asa"), ("ærø", "aero"), ("þór", "thor"), ("ðóra", "dora"),
]


def typo(s):
    """One keyboard-style slip: insert, delete, substitute or transpose."""
    if not s:
        return random.choice("abc")
    op = random.randrange(4)
    p = random.randrange(len(s))
    c = random.choice("abcdefghijklmnopqrstuvwxyz")
    if op == 0:
        return s[:p] + c + s[p:]
    if op == 1:
        return s[:p] + s[p + 1:]
    if op == 2:
        return s[:p] + c + s[p + 1:]
    if p + 1 < len(s):
        return s[:p] + s[p + 1] + s[p] + s[p + 2:]
    return s + c


def name_pairs(n):
    out = []
    for _ in range(n):
        g, f = random.choice(GIVEN), random.choice(FAMILY)
        kind = random.randrange(7)
        if kind == 0:
            out.append((g, typo(g)))
        elif kind == 1:
            out.append((f, typo(typo(f))))
        elif kind == 2:
            out.append((g + " " + f, f + " " + g))
        elif kind == 3:
            m = random.choice(GIVEN)
            out.append((g + " " + m + " " + f, f + " " + typo(g)))
        elif kind == 4:
            out.append((g + " " + f, typo(g) + "-" + f))
        elif kind == 5:
            out.append((g, random.choice(GIVEN)))
        else:
            out.append((f, random.choice(FAMILY)))
    return out


def random_pairs(n, alphabet, lo, hi, related=True):
    out = []
    for _ in range(n):
        a = "".join(random.choice(alphabet) for _ in range(random.randint(lo, hi)))
        if related and random.random() < 0.6:
            b = a
            for _ in range(random.randint(0, 4)):
                b = typo(b) if random.random() < 0.7 else b[::-1][: len(b)]
            b = "".join(ch if random.random() < 0.9 else random.choice(alphabet) for ch in b)
        else:
            b = "".join(random.choice(alphabet) for _ in range(random.randint(lo, hi)))
        out.append((a, b))
    return out


def osa(a, b):
    """Optimal string alignment distance, the textbook full-matrix DP."""
    n, m = len(a), len(b)
    d = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        d[i][0] = i
    for j in range(m + 1):
        d[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[n][m]


SEPARATORS = set(" \t\n\v\f\r-\x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"
                 "\u2212\ufe58\ufe63\uff0d") | {chr(c) for c in range(0x2000, 0x200B)} \
    | {chr(c) for c in range(0x2010, 0x2016)}


def tokens(s):
    out, cur = [], []
    for ch in s + " ":
        if ch in SEPARATORS:
            if cur:
                t = "".join(cur)
                if t not in out:
                    out.append(t)
                cur = []
        else:
            cur.append(ch)
    return out


def token_set(a, b):
    ta, tb = tokens(a), tokens(b)
    if not ta or not tb:
        return 1.0 if not ta and not tb else 0.0
    small, large = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    n, m = len(small), len(large)
    if m > 7:
        return None
    best = max(sum(jellyfish.jaro_winkler_similarity(small[i], large[p[i]]) for i in range(n))
               for p in itertools.permutations(range(m), n))
    return best / (n + 0.1 * (m - n))


def lit(s):
    return "'" + s.replace("'", "''") + "'"


def num(x):
    return "NULL" if x is None else repr(float(x))


pairs = []
pairs += name_pairs(180)
pairs += MULTIBYTE
pairs += [(b, a) for a, b in MULTIBYTE[:12]]                 # argument order
pairs += random_pairs(60, "abcd", 0, 12)                      # small alphabet: many ties
pairs += random_pairs(40, "aäbé€😀ßДz", 0, 15)                 # multibyte, 2-4 byte characters
pairs += random_pairs(20, "ab cd-ef", 1, 30)                  # separators for token sets
pairs += random_pairs(8, "abcdefgh", 270, 420)                # beyond the 256-character stack buffers
pairs += random_pairs(4, "aäbé€😀", 270, 420)
pairs += [("", "x"), ("x", ""), ("", "müller"), ("a", "a"), ("a", "b"), ("ab", "ba"),
          ("ca", "abc"), ("abcdef", "badcfe"), ("martha", "marhta"), ("dwayne", "duane"),
          ("dixon", "dicksonx"), ("jellyfish", "smellyfish"), ("crate", "trace"),
          ("   ", "-"), ("anna maria smith", "smith anna")]

assert all(a or b for a, b in pairs), "the empty/empty pair is specified in sql/similarity.sql"

rows = []
for i, (a, b) in enumerate(pairs, 1):
    rows.append("(%d, %s, %s, %s, %s, %d, %d, %d, %s)" % (
        i, lit(a), lit(b),
        num(jellyfish.jaro_similarity(a, b)),
        num(jellyfish.jaro_winkler_similarity(a, b)),
        jellyfish.levenshtein_distance(a, b),
        jellyfish.damerau_levenshtein_distance(a, b),
        osa(a, b),
        num(token_set(a, b))))

print("""-- GENERATED by test/reference/make_similarity_reference.py; do not edit.
--   /usr/bin/python3 test/reference/make_similarity_reference.py > sql/similarity_reference.sql
-- ci's similarities against independent implementations (jellyfish %s,
-- a textbook OSA DP, a brute-force token-set evaluation): %d pairs of names
-- with typos, multibyte names, random strings (some past the 256-character
-- stack buffers).  Each block prints the number of mismatches (beyond 1e-9
-- for similarities) and then the mismatching rows: both must be empty/0.
SET extra_float_digits = 0;
CREATE TEMP TABLE ref (id int, a text, b text, jaro float8, jaro_winkler float8,
                       levenshtein int, damerau_unrestricted int, osa int, token_set float8);
INSERT INTO ref VALUES
%s;

SELECT count(*) AS pairs,
       count(*) FILTER (WHERE a ~ '[^[:ascii:]]' OR b ~ '[^[:ascii:]]') AS multibyte_pairs,
       count(*) FILTER (WHERE greatest(length(a), length(b)) > 256) AS long_pairs,
       count(token_set) AS token_set_checked
FROM ref;

-- Jaro and Jaro-Winkler against jellyfish.
SELECT count(*) FILTER (WHERE abs(ci.jaro(a, b) - jaro) > 1e-9) AS jaro_mismatches,
       count(*) FILTER (WHERE abs(ci.jaro_winkler(a, b) - jaro_winkler) > 1e-9) AS jaro_winkler_mismatches
FROM ref;
SELECT id, a, b, jaro, ci.jaro(a, b), jaro_winkler, ci.jaro_winkler(a, b)
FROM ref
WHERE abs(ci.jaro(a, b) - jaro) > 1e-9 OR abs(ci.jaro_winkler(a, b) - jaro_winkler) > 1e-9;

-- Levenshtein against jellyfish, exact and bounded at k = 0..4 (the bound
-- returns k + 1 whenever the distance exceeds k).
SELECT count(*) FILTER (WHERE ci.levenshtein(a, b) <> levenshtein) AS levenshtein_mismatches,
       count(*) FILTER (WHERE EXISTS (SELECT FROM generate_series(0, 4) k
                                      WHERE ci.levenshtein(a, b, k) <> least(levenshtein, k + 1)))
         AS bounded_mismatches
FROM ref;
SELECT id, a, b, levenshtein, ci.levenshtein(a, b),
       (SELECT array_agg(ci.levenshtein(a, b, k) ORDER BY k) FROM generate_series(0, 4) k) AS bounded
FROM ref
WHERE ci.levenshtein(a, b) <> levenshtein
   OR EXISTS (SELECT FROM generate_series(0, 4) k WHERE ci.levenshtein(a, b, k) <> least(levenshtein, k + 1));

-- Optimal string alignment against the textbook DP, exact and bounded;
-- never below jellyfish's unrestricted Damerau-Levenshtein, equal to it
-- wherever the textbook OSA is.
SELECT count(*) FILTER (WHERE ci.damerau_levenshtein(a, b) <> osa) AS osa_mismatches,
       count(*) FILTER (WHERE EXISTS (SELECT FROM generate_series(0, 4) k
                                      WHERE ci.damerau_levenshtein(a, b, k) <> least(osa, k + 1)))
         AS bounded_mismatches,
       count(*) FILTER (WHERE ci.damerau_levenshtein(a, b) < damerau_unrestricted) AS below_unrestricted,
       count(*) FILTER (WHERE osa = damerau_unrestricted
                          AND ci.damerau_levenshtein(a, b) <> damerau_unrestricted) AS unrestricted_mismatches,
       count(*) FILTER (WHERE osa > damerau_unrestricted) AS pairs_where_osa_exceeds_unrestricted
FROM ref;
SELECT id, a, b, osa, damerau_unrestricted, ci.damerau_levenshtein(a, b)
FROM ref
WHERE ci.damerau_levenshtein(a, b) <> osa
   OR EXISTS (SELECT FROM generate_series(0, 4) k WHERE ci.damerau_levenshtein(a, b, k) <> least(osa, k + 1));

-- Token-set similarity against the brute-force evaluation of its formula.
SELECT count(*) FILTER (WHERE abs(ci.token_set_similarity(a, b) - token_set) > 1e-9) AS token_set_mismatches
FROM ref WHERE token_set IS NOT NULL;
SELECT id, a, b, token_set, ci.token_set_similarity(a, b)
FROM ref WHERE abs(ci.token_set_similarity(a, b) - token_set) > 1e-9;
""" % (importlib.metadata.version("jellyfish"), len(rows), ",\n".join(rows)))
