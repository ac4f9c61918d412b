/*
 * similarity.c — the C API of similarity.h: Jaro, Jaro-Winkler, Levenshtein
 * and optimal-string-alignment distance over code points and over single
 * bytes (both compiled from similarity_kernels.h), option checks, and the
 * preparation of text arguments shared by the SQL wrappers.
 */
#include "similarity.h"

#include "miscadmin.h"
#include "port/pg_bitutils.h"
#include "utils/datetime.h"
#include "utils/float.h"

/*
 * Position masks for the bit-parallel kernels (b of at most 64 characters):
 * the positions of character c in b as the bits of one word.  Characters
 * below 256 index a table of which only the entries of characters present
 * in a or b are initialised (cheaper than clearing it for short names) and
 * only those are read; wider code points (pg_wchar instance only) live in a
 * short list searched linearly — a name has few distinct ones.
 */
typedef struct SimMasks
{
	uint64		low[256];
	int			nwide;
	pg_wchar	wide_char[64];
	uint64		wide_mask[64];
} SimMasks;

/* one byte per character: 7-bit ASCII or a single-byte server encoding */
#define SIM_CHAR unsigned char
#define SIM_FN(name) name##_bytes
#include "similarity_kernels.h"
#undef SIM_CHAR
#undef SIM_FN

/* decoded code points */
#define SIM_CHAR pg_wchar
#define SIM_FN(name) name##_wchar
#define SIM_WIDE
#include "similarity_kernels.h"
#undef SIM_CHAR
#undef SIM_FN
#undef SIM_WIDE

double
match_jaro(const pg_wchar *a, int alen, const pg_wchar *b, int blen)
{
	return sim_jaro_wchar(a, alen, b, blen);
}

double
match_jaro_winkler(const pg_wchar *a, int alen, const pg_wchar *b, int blen,
				   double prefix_scale, double boost_threshold)
{
	return sim_jaro_winkler_wchar(a, alen, b, blen, prefix_scale, boost_threshold);
}

int
match_levenshtein(const pg_wchar *a, int alen, const pg_wchar *b, int blen,
				  int max_distance)
{
	return sim_levenshtein_wchar(a, alen, b, blen, max_distance);
}

int
match_damerau_osa(const pg_wchar *a, int alen, const pg_wchar *b, int blen,
				  int max_distance)
{
	return sim_damerau_osa_wchar(a, alen, b, blen, max_distance);
}

double
match_jaro_bytes(const unsigned char *a, int alen, const unsigned char *b, int blen)
{
	return sim_jaro_bytes(a, alen, b, blen);
}

double
match_jaro_winkler_bytes(const unsigned char *a, int alen,
						 const unsigned char *b, int blen,
						 double prefix_scale, double boost_threshold)
{
	return sim_jaro_winkler_bytes(a, alen, b, blen, prefix_scale, boost_threshold);
}

int
match_levenshtein_bytes(const unsigned char *a, int alen,
						const unsigned char *b, int blen, int max_distance)
{
	return sim_levenshtein_bytes(a, alen, b, blen, max_distance);
}

int
match_damerau_osa_bytes(const unsigned char *a, int alen,
						const unsigned char *b, int blen, int max_distance)
{
	return sim_damerau_osa_bytes(a, alen, b, blen, max_distance);
}

double
match_token_set_similarity(const pg_wchar *a, int alen, const pg_wchar *b, int blen)
{
	return sim_token_set_wchar(a, alen, b, blen);
}

double
match_token_set_similarity_bytes(const unsigned char *a, int alen,
								 const unsigned char *b, int blen)
{
	return sim_token_set_bytes(a, alen, b, blen);
}

/* Class of a character for match_char_signature: 0..30. */
static inline int
sig_class(unsigned char c)
{
	if ((unsigned char) ((c | 0x20) - 'a') < 26)
		return (c | 0x20) - 'a';
	if ((unsigned char) (c - '0') < 10)
		return 26 + (c - '0') % 4;
	return 30;
}

uint32
match_char_signature(const char *s, int len)
{
	uint32		sig = MATCH_SIG_VALID;

	for (int i = 0; i < len; i++)
		sig |= (uint32) 1 << sig_class((unsigned char) s[i]);
	return sig;
}

void
match_too_many_tokens(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("token_set_similarity argument exceeds maximum of %d distinct tokens",
					MATCH_MAX_TOKENS),
			 errdetail("Tokens are separated by whitespace and hyphens."),
			 errhint("Compare names, not documents; use ci.jaro_winkler for long text.")));
}

/*
 * Hungarian method (Kuhn-Munkres with potentials), minimising the cost
 * 1 - score over assignments of rows 1..n to distinct columns 1..m, n <= m.
 * p[j] is the row assigned to column j (0: none); way[] records the
 * augmenting path.  The answer is summed from the scores of the final
 * assignment (in ascending order), so it is exact for the assignment found.
 */
double
match_best_assignment(const double *score, int n, int m)
{
	double		u_stack[MATCH_STACK_TOKENS + 1],
				v_stack[MATCH_STACK_TOKENS + 1],
				minv_stack[MATCH_STACK_TOKENS + 1];
	int			p_stack[MATCH_STACK_TOKENS + 1],
				way_stack[MATCH_STACK_TOKENS + 1];
	bool		used_stack[MATCH_STACK_TOKENS + 1];
	double	   *u,
			   *v,
			   *minv;
	int		   *p,
			   *way;
	bool	   *used;
	double		chosen_stack[MATCH_STACK_TOKENS];
	double	   *chosen;
	double		total = 0.0;
	int			i,
				j,
				k;

	Assert(n >= 1 && n <= m);

	if (n == 1)
	{
		/* one row: its best column */
		total = score[0];
		for (j = 1; j < m; j++)
			if (score[j] > total)
				total = score[j];
		return total;
	}

	if (m <= MATCH_STACK_TOKENS)
	{
		u = u_stack, v = v_stack, minv = minv_stack;
		p = p_stack, way = way_stack, used = used_stack;
	}
	else
	{
		u = palloc((n + 1) * sizeof(double));
		v = palloc((m + 1) * sizeof(double));
		minv = palloc((m + 1) * sizeof(double));
		p = palloc((m + 1) * sizeof(int));
		way = palloc((m + 1) * sizeof(int));
		used = palloc((m + 1) * sizeof(bool));
	}
	for (i = 0; i <= n; i++)
		u[i] = 0.0;
	for (j = 0; j <= m; j++)
		v[j] = 0.0, p[j] = 0, way[j] = 0;

#define COST(r, c) (1.0 - score[((r) - 1) * m + ((c) - 1)])
	for (i = 1; i <= n; i++)
	{
		int			j0 = 0;

		p[0] = i;
		for (j = 0; j <= m; j++)
			minv[j] = get_float8_infinity(), used[j] = false;
		do
		{
			int			i0 = p[j0];
			int			j1 = 0;
			double		delta = get_float8_infinity();

			used[j0] = true;
			for (j = 1; j <= m; j++)
			{
				if (!used[j])
				{
					double		cur = COST(i0, j) - u[i0] - v[j];

					if (cur < minv[j])
						minv[j] = cur, way[j] = j0;
					if (minv[j] < delta)
						delta = minv[j], j1 = j;
				}
			}
			for (j = 0; j <= m; j++)
			{
				if (used[j])
					u[p[j]] += delta, v[j] -= delta;
				else
					minv[j] -= delta;
			}
			j0 = j1;
		} while (p[j0] != 0);
		do
		{
			int			j1 = way[j0];

			p[j0] = p[j1];
			j0 = j1;
		} while (j0 != 0);
		CHECK_FOR_INTERRUPTS();
	}
#undef COST

	/*
	 * Sum the chosen scores in ascending order: the rounding then depends
	 * only on which scores were chosen, not on which string gave the rows
	 * or in which order its tokens came.
	 */
	chosen = (n <= MATCH_STACK_TOKENS) ? chosen_stack
		: (double *) palloc(n * sizeof(double));
	k = 0;
	for (j = 1; j <= m; j++)
		if (p[j] != 0)
			chosen[k++] = score[(p[j] - 1) * m + (j - 1)];
	Assert(k == n);
	for (i = 1; i < n; i++)
	{
		double		x = chosen[i];

		for (j = i - 1; j >= 0 && chosen[j] > x; j--)
			chosen[j + 1] = chosen[j];
		chosen[j + 1] = x;
	}
	for (i = 0; i < n; i++)
		total += chosen[i];
	if (chosen != chosen_stack)
		pfree(chosen);

	if (u != u_stack)
	{
		pfree(u), pfree(v), pfree(minv);
		pfree(p), pfree(way), pfree(used);
	}
	return total;
}

void
match_check_jaro_winkler_options(double prefix_scale, double boost_threshold)
{
	/* written so that NaN fails both comparisons and is refused */
	if (!(prefix_scale >= 0.0 && prefix_scale <= MATCH_JW_MAX_PREFIX_SCALE))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("jaro_winkler prefix_scale %g is out of range", prefix_scale),
				 errdetail("The prefix scale must be between 0 and %g, or the result could exceed 1.",
						   MATCH_JW_MAX_PREFIX_SCALE),
				 errhint("Use the default 0.1, which Winkler proposed.")));
	if (!(boost_threshold >= 0.0 && boost_threshold <= 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("jaro_winkler boost_threshold %g is out of range", boost_threshold),
				 errdetail("The boost threshold is a Jaro similarity and must be between 0 and 1."),
				 errhint("Use the default 0.7, which Winkler proposed; 1 disables the prefix boost.")));
}

/*
 * Similarity of two decimal fields written with `width` digits (zero
 * padded): ONE_DIGIT when exactly one digit differs, TRANSPOSED when
 * exactly two adjacent digits are swapped, else 0.  x != y.
 */
static double
birthdate_field_slip(int x, int y, int width)
{
	int			dx[4] = {0},
				dy[4] = {0};
	int			ndiff = 0;
	int			first = -1;
	int			i;

	Assert(width <= 4);
	for (i = width - 1; i >= 0; i--)
	{
		dx[i] = x % 10;
		dy[i] = y % 10;
		x /= 10;
		y /= 10;
	}
	for (i = 0; i < width; i++)
	{
		if (dx[i] != dy[i])
		{
			if (ndiff++ == 0)
				first = i;
		}
	}
	if (ndiff == 1)
		return MATCH_BIRTHDATE_ONE_DIGIT;
	if (ndiff == 2 && first + 1 < width &&
		dx[first] == dy[first + 1] && dx[first + 1] == dy[first])
		return MATCH_BIRTHDATE_TRANSPOSED;
	return 0.0;
}

double
match_birthdate_similarity(DateADT a, DateADT b)
{
	int			ya,
				ma,
				da,
				yb,
				mb,
				db;

	/* -infinity / infinity are placeholders, not birth dates */
	if (DATE_NOT_FINITE(a) || DATE_NOT_FINITE(b))
		return 0.0;
	if (a == b)
		return MATCH_BIRTHDATE_EQUAL;

	j2date(a + POSTGRES_EPOCH_JDATE, &ya, &ma, &da);
	j2date(b + POSTGRES_EPOCH_JDATE, &yb, &mb, &db);

	if (ya == yb && ma == db && da == mb)
		return MATCH_BIRTHDATE_SWAPPED;
	/* exactly one field differs (the dates differ, so at least one does) */
	if (ya == yb && ma == mb)
		return birthdate_field_slip(da, db, 2);
	if (ya == yb && da == db)
		return birthdate_field_slip(ma, mb, 2);
	if (ma == mb && da == db && ya >= 1 && ya <= 9999 && yb >= 1 && yb <= 9999)
		return birthdate_field_slip(ya, yb, 4);
	return 0.0;
}

static void
prepare_one(const char *s, int bytes, const pg_wchar **chars, int *len,
			pg_wchar *buf, const char *fname)
{
	if (bytes <= MATCH_STACK_CHARS)
	{
		/* at most `bytes` characters: fits the buffer and the limit */
		*len = pg_mb2wchar_with_len(s, buf, bytes);
		*chars = buf;
	}
	else
		*chars = ci_text_to_wchars(s, bytes, CI_MAX_COMPARE_CHARS, fname, len);
}

/* True when both strings are 7-bit ASCII; eight bytes at a time. */
static inline bool
pair_is_ascii(const char *a, int abytes, const char *b, int bbytes)
{
	uint64		acc = 0;
	uint64		w;

	for (; abytes >= 8; a += 8, abytes -= 8)
	{
		memcpy(&w, a, 8);
		acc |= w;
	}
	for (; bbytes >= 8; b += 8, bbytes -= 8)
	{
		memcpy(&w, b, 8);
		acc |= w;
	}
	while (abytes-- > 0)
		acc |= (unsigned char) *a++;
	while (bbytes-- > 0)
		acc |= (unsigned char) *b++;
	return (acc & UINT64CONST(0x8080808080808080)) == 0;
}

void
match_prepare_pair(MatchTextPair *pair, const char *a, int abytes,
				   const char *b, int bbytes, const char *fname)
{
	if (pair_is_ascii(a, abytes, b, bbytes) ||
		pg_database_encoding_max_length() == 1)
	{
		int			n;

		/* one byte per character; ci_text_to_wchars raises the limit error */
		if (abytes > CI_MAX_COMPARE_CHARS)
			(void) ci_text_to_wchars(a, abytes, CI_MAX_COMPARE_CHARS, fname, &n);
		if (bbytes > CI_MAX_COMPARE_CHARS)
			(void) ci_text_to_wchars(b, bbytes, CI_MAX_COMPARE_CHARS, fname, &n);
		pair->bytes = true;
		pair->a_bytes = (const unsigned char *) a;
		pair->b_bytes = (const unsigned char *) b;
		pair->a_chars = pair->b_chars = NULL;
		pair->alen = abytes;
		pair->blen = bbytes;
		return;
	}
	pair->bytes = false;
	pair->a_bytes = pair->b_bytes = NULL;
	prepare_one(a, abytes, &pair->a_chars, &pair->alen, pair->a_buf, fname);
	prepare_one(b, bbytes, &pair->b_chars, &pair->blen, pair->b_buf, fname);
}

void
match_release_pair(MatchTextPair *pair)
{
	if (pair->a_chars && pair->a_chars != pair->a_buf)
		pfree((void *) pair->a_chars);
	if (pair->b_chars && pair->b_chars != pair->b_buf)
		pfree((void *) pair->b_chars);
}
