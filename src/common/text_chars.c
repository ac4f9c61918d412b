/*
 * text_chars.c — turning text into code points for character-wise
 * comparison, with the length bound checked before any large allocation.
 */
#include "ci_common.h"

#include "miscadmin.h"

bool
ci_is_ascii(const char *s, int bytelen)
{
	const unsigned char *p = (const unsigned char *) s;
	const unsigned char *end = p + bytelen;

	for (; p < end; p++)
		if (*p & 0x80)
			return false;
	return true;
}

pg_wchar *
ci_text_to_wchars(const char *s, int bytelen, int maxchars,
				  const char *fname, int *nchars)
{
	int			n;
	pg_wchar   *buf;

	n = pg_mbstrlen_with_len(s, bytelen);
	if (n > maxchars)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s argument exceeds maximum length of %d characters",
						fname, maxchars),
				 errdetail("The argument has %d characters.", n),
				 errhint("Compare a prefix, or normalise the value first.")));

	buf = (pg_wchar *) palloc((n + 1) * sizeof(pg_wchar));
	*nchars = pg_mb2wchar_with_len(s, buf, bytelen);
	return buf;
}
