/*
 * similarity.c — the C API of similarity.h: Jaro, Jaro-Winkler, Levenshtein
 * and optimal-string-alignment distance over code points and over single
 * bytes (both compiled from similarity_kernels.h), option checks, and the
 * preparation of text arguments shared by the SQL wrappers.
 */
#include "similarity.h"

#include "miscadmin.h"
#include "utils/datetime.h"

/* one byte per character: 7-bit ASCII or a single-byte server encoding */
#define SIM_CHAR unsigned char
#define SIM_FN(name) name##_bytes
#include "similarity_kernels.h"
#undef SIM_CHAR
#undef SIM_FN

/* decoded code points */
#define SIM_CHAR pg_wchar
#define SIM_FN(name) name##_wchar
#include "similarity_kernels.h"
#undef SIM_CHAR
#undef SIM_FN

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

void
match_prepare_pair(MatchTextPair *pair, const char *a, int abytes,
				   const char *b, int bbytes, const char *fname)
{
	if (pg_database_encoding_max_length() == 1 ||
		(ci_is_ascii(a, abytes) && ci_is_ascii(b, bbytes)))
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
