/*
 * similarity.h — string and date similarity on code points, callable from C
 * by the rest of the match capability (pair scoring) without fmgr overhead.
 * The SQL wrappers (ci.jaro, ci.jaro_winkler, …) call these too.
 *
 * Strings are arrays of code points (pg_wchar) with explicit lengths; an
 * empty string has length 0.  Every function also exists in a "_bytes"
 * form over unsigned char arrays, for strings where one byte is one
 * character (7-bit ASCII, or any single-byte server encoding): the two forms
 * are compiled from one source (similarity_kernels.h) and give identical
 * results for the same character sequence.
 *
 * Memory: O(alen + blen) at most, on the stack for strings up to
 * MATCH_STACK_CHARS characters (no palloc then).  Time: O(alen * blen) at
 * worst, interruptible.  Callers bound lengths by CI_MAX_COMPARE_CHARS
 * (the SQL wrappers refuse longer strings with PROGRAM_LIMIT_EXCEEDED);
 * the functions here assume lengths at most that bound.
 */
#ifndef MATCH_SIMILARITY_H
#define MATCH_SIMILARITY_H

#include "ci_common.h"
#include "port/pg_bitutils.h"
#include "utils/date.h"

/* Strings up to this many characters are compared with stack buffers only. */
#define MATCH_STACK_CHARS	256

/* Jaro-Winkler defaults and the bound that keeps the result in [0, 1]. */
#define MATCH_JW_PREFIX_SCALE		0.1
#define MATCH_JW_BOOST_THRESHOLD	0.7
#define MATCH_JW_MAX_PREFIX_SCALE	0.25
#define MATCH_JW_MAX_PREFIX			4

/*
 * Jaro similarity in [0, 1]; two empty strings give 1, one empty gives 0.
 * Characters match when equal and at most max(alen, blen) / 2 - 1 positions
 * apart (each character matched once, greedily, scanning a left to right);
 * with m matches and t half the number of matched characters out of order,
 * jaro = (m/alen + m/blen + (m - t)/m) / 3, and 0 when m = 0.
 */
extern double match_jaro(const pg_wchar *a, int alen, const pg_wchar *b, int blen);

/*
 * Jaro-Winkler: jaro + l * prefix_scale * (1 - jaro) where l is the common
 * prefix length capped at 4, applied only when jaro > boost_threshold.
 * prefix_scale must be in [0, 0.25] (callers validate; see
 * match_check_jaro_winkler_options).
 */
extern double match_jaro_winkler(const pg_wchar *a, int alen,
								 const pg_wchar *b, int blen,
								 double prefix_scale, double boost_threshold);

/*
 * Levenshtein distance (insert, delete, substitute, each cost 1).  When
 * max_distance >= 0 the computation stops as soon as the distance is known
 * to exceed it and returns max_distance + 1; max_distance < 0 means no bound.
 */
extern int	match_levenshtein(const pg_wchar *a, int alen,
							  const pg_wchar *b, int blen, int max_distance);

/*
 * Damerau-Levenshtein, optimal string alignment variant (adjacent
 * transpositions cost 1; no substring is edited twice).  max_distance as
 * for match_levenshtein.
 */
extern int	match_damerau_osa(const pg_wchar *a, int alen,
							  const pg_wchar *b, int blen, int max_distance);

/* The same on single-byte characters (ASCII or a single-byte encoding). */
extern double match_jaro_bytes(const unsigned char *a, int alen,
							   const unsigned char *b, int blen);
extern double match_jaro_winkler_bytes(const unsigned char *a, int alen,
									   const unsigned char *b, int blen,
									   double prefix_scale, double boost_threshold);
extern int	match_levenshtein_bytes(const unsigned char *a, int alen,
									const unsigned char *b, int blen,
									int max_distance);
extern int	match_damerau_osa_bytes(const unsigned char *a, int alen,
									const unsigned char *b, int blen,
									int max_distance);

/*
 * Token-set similarity of multi-part names (see similarity_kernels.h for
 * the exact formula): order-insensitive, tokens split at whitespace and
 * hyphens, tokens compared with Jaro-Winkler, a subset scores high.
 * ERROR PROGRAM_LIMIT_EXCEEDED when a string has more than
 * MATCH_MAX_TOKENS distinct tokens.
 */
#define MATCH_MAX_TOKENS				256
#define MATCH_STACK_TOKENS				8
#define MATCH_TOKEN_UNMATCHED_WEIGHT	0.1
extern double match_token_set_similarity(const pg_wchar *a, int alen,
										 const pg_wchar *b, int blen);
extern double match_token_set_similarity_bytes(const unsigned char *a, int alen,
											   const unsigned char *b, int blen);

/* A token: a slice of a string, in characters. */
typedef struct MatchToken
{
	int			start;
	int			len;
} MatchToken;

/*
 * Token separators: ASCII whitespace and '-' always; when the characters
 * are Unicode code points (a UTF-8 database), also the other Unicode
 * White_Space characters and the dashes U+2010..U+2015, U+2212, U+FE58,
 * U+FE63, U+FF0D.  (In single-byte encodings a byte >= 0x80 is not a code
 * point, so only the ASCII separators apply there.)
 */
static inline bool
match_is_token_separator(pg_wchar c, bool unicode)
{
	if (c < 0x80)
		return c == ' ' || c == '-' || (c >= '\t' && c <= '\r');
	if (!unicode)
		return false;
	return c == 0x85 || c == 0xA0 || c == 0x1680 ||
		(c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
		c == 0x202F || c == 0x205F || c == 0x3000 ||
		(c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0xFE58 ||
		c == 0xFE63 || c == 0xFF0D;
}

/*
 * The largest sum of score[i * m + j] over one-to-one assignments of the n
 * rows to distinct columns (n <= m), by the Hungarian method in O(n^2 m).
 */
extern double match_best_assignment(const double *score, int n, int m);
extern void match_too_many_tokens(void) pg_attribute_noreturn();

/*
 * ERROR (INVALID_PARAMETER_VALUE) unless prefix_scale is in [0, 0.25] and
 * boost_threshold in [0, 1] (NaN is out of range).
 */
extern void match_check_jaro_winkler_options(double prefix_scale,
											 double boost_threshold);

/*
 * Birth-date similarity in [0, 1]: 1 for equal dates, lower documented
 * values for day/month transposition and one-digit slips, 0 otherwise:
 *   1.0  equal dates
 *   0.9  day and month swapped, same year (1985-03-12 / 1985-12-03)
 *   0.8  one field differs in exactly one digit, the others equal; fields
 *        written as DD, MM and YYYY (1985-03-12 / 1985-03-13, 1985-08-12,
 *        1986-03-12, 1975-03-12); the year only for years 1..9999
 *   0.7  one field has two adjacent digits swapped, the others equal
 *        (1985-03-12 / 1985-03-21, 1958-03-12)
 *   0.0  anything else, and whenever either date is infinite
 * When several levels apply the highest is returned.
 */
#define MATCH_BIRTHDATE_EQUAL		1.0
#define MATCH_BIRTHDATE_SWAPPED		0.9
#define MATCH_BIRTHDATE_ONE_DIGIT	0.8
#define MATCH_BIRTHDATE_TRANSPOSED	0.7
extern double match_birthdate_similarity(DateADT a, DateADT b);

/*
 * Character signatures: which classes of characters an ASCII string holds,
 * as bits 0..30 (letters without case, digits in four classes, everything
 * else one class), bit 31 telling a signature from none (0).  From two
 * signatures and lengths come bounds of the similarities that need no
 * byte of either string: identity resolution rules out most dissimilar
 * pairs with them before the kernels read the strings.  Classes only ever
 * merge characters, so the bounds hold (see match_jaro_winkler_upper).
 */
#define MATCH_SIG_VALID		((uint32) 1 << 31)
extern uint32 match_char_signature(const char *s, int len);

/*
 * An upper bound of Jaro-Winkler (Jaro when prefix_scale is 0) of two
 * ASCII strings of la and lb >= 1 characters with signatures sa, sb.  Jaro
 * matches pair equal characters one to one, so m <= sum over shared
 * characters of the smaller count <= (shared classes) + (the smaller
 * number of repeats, length less distinct classes); then t = 0 and the
 * longest prefix give the bound.  Every step of the kernel's arithmetic is
 * monotone in m but the boost; callers keep a margin (MATCH_SIG_MARGIN).
 */
#define MATCH_SIG_MARGIN	1e-9
static inline double
match_jaro_winkler_upper(uint32 sa, int la, uint32 sb, int lb,
						 double prefix_scale, double boost_threshold)
{
	uint32		ca = sa & ~MATCH_SIG_VALID,
				cb = sb & ~MATCH_SIG_VALID;
	int			ra = la - pg_popcount32(ca),
				rb = lb - pg_popcount32(cb);
	int			m = pg_popcount32(ca & cb) + Min(ra, rb);
	double		j;

	if (la <= 0 || lb <= 0)
		return 1.0;
	m = Min(m, Min(la, lb));
	if (m <= 0)
		return 0.0;
	j = ((double) m / la + (double) m / lb + 1.0) / 3.0;
	if (j > boost_threshold)
		j += MATCH_JW_MAX_PREFIX * prefix_scale * (1.0 - j);
	return j;
}

/*
 * A lower bound of the edit distances (Levenshtein, optimal string
 * alignment): the length difference, and the classes one string has and
 * the other lacks (each needs an edit of its own; a transposition moves
 * characters, it never removes one).
 */
static inline int
match_edit_distance_lower(uint32 sa, int la, uint32 sb, int lb)
{
	int			d = Abs(la - lb);
	int			x = pg_popcount32(sa & ~sb & ~MATCH_SIG_VALID);
	int			y = pg_popcount32(sb & ~sa & ~MATCH_SIG_VALID);

	return Max(d, Max(x, y));
}

/*
 * A text argument prepared for comparison: either its bytes (when one byte
 * is one character) or its code points, decoded into the stack buffer when
 * short enough.  Used by the SQL wrappers; lengths are checked against
 * CI_MAX_COMPARE_CHARS (ERROR PROGRAM_LIMIT_EXCEEDED naming fname).
 */
typedef struct MatchTextPair
{
	bool		bytes;			/* true: a_bytes/b_bytes valid, else a_chars/b_chars */
	const unsigned char *a_bytes;
	const unsigned char *b_bytes;
	const pg_wchar *a_chars;
	const pg_wchar *b_chars;
	int			alen;			/* in characters */
	int			blen;
	pg_wchar	a_buf[MATCH_STACK_CHARS + 1];
	pg_wchar	b_buf[MATCH_STACK_CHARS + 1];
} MatchTextPair;

extern void match_prepare_pair(MatchTextPair *pair,
							   const char *a, int abytes,
							   const char *b, int bbytes,
							   const char *fname);
extern void match_release_pair(MatchTextPair *pair);

#endif							/* MATCH_SIMILARITY_H */
