/*
 * normalize.h — what the normalisation functions (normalize_name.c,
 * normalize_email.c, normalize_phone.c) share: moving text between the
 * server encoding and UTF-8, and reporting ICU failures.
 *
 * ICU and libphonenumber work on UTF-8 (or UTF-16).  In a UTF-8 database
 * the argument's bytes are used as they are; in any other database they are
 * converted with the server's own conversion routines, and results are
 * converted back.  In a SQL_ASCII database bytes are taken to be UTF-8 and
 * are verified: a value that is not UTF-8 has no normalised form (the
 * value functions give NULL, so a record with legacy bytes can still be
 * stored in ci.source_record, whose generated columns call them); a
 * parameter that is not UTF-8 raises 22021.
 */
#ifndef MATCH_NORMALIZE_H
#define MATCH_NORMALIZE_H

#include "ci_common.h"

#include "catalog/namespace.h"
#include "utils/builtins.h"

#include <unicode/utypes.h>

/*
 * The bytes of a text argument as UTF-8.  Returns the argument's own buffer
 * when no conversion is needed (UTF-8 database, or pure ASCII), else a
 * palloc'd copy.  *len receives the byte length.
 */
static inline const char *
match_text_to_utf8(text *t, int *len)
{
	const char *s = VARDATA_ANY(t);
	int			n = VARSIZE_ANY_EXHDR(t);

	if (GetDatabaseEncoding() != PG_UTF8 && !ci_is_ascii(s, n))
	{
		const char *c = pg_server_to_any(s, n, PG_UTF8);

		/* the input itself comes back when no conversion was needed */
		if (c != s)
			n = strlen(c);
		s = c;
	}
	*len = n;
	return s;
}

/*
 * As match_text_to_utf8, but NULL when the database is SQL_ASCII and the
 * bytes are not valid UTF-8 (there is no character to normalise), instead
 * of error 22021.
 */
static inline const char *
match_text_to_utf8_or_null(text *t, int *len)
{
	if (GetDatabaseEncoding() == PG_SQL_ASCII &&
		!pg_verify_mbstr(PG_UTF8, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), true))
		return NULL;
	return match_text_to_utf8(t, len);
}

/* A text datum in the server encoding from UTF-8 bytes. */
static inline text *
match_utf8_to_text(const char *s, int len)
{
	if (GetDatabaseEncoding() != PG_UTF8 && !ci_is_ascii(s, len))
	{
		const char *c = pg_any_to_server(s, len, PG_UTF8);

		if (c != s)
			len = strlen(c);
		s = c;
	}
	return cstring_to_text_with_len(s, len);
}

/*
 * As match_utf8_to_text, but NULL instead of error 22P05 when a character
 * has no equivalent in the server encoding (a normalised e-mail address in
 * a LATIN1 database whose NFKC form holds Greek mu, from U+00B5 MICRO SIGN,
 * or a fraction slash, from U+00BC).  Such a value cannot be stored in this
 * database, so the functions that promise "NULL, no error" for input they
 * cannot normalise say NULL.
 */
static inline text *
match_utf8_to_text_noerror(const char *s, int len)
{
#ifdef CI_HAVE_CONVERSION_NOERROR
	int			enc = GetDatabaseEncoding();
	Oid			proc;
	unsigned char *buf;
	int			converted;
	text	   *result;

	if (enc == PG_UTF8 || enc == PG_SQL_ASCII || ci_is_ascii(s, len))
		return match_utf8_to_text(s, len);
	proc = FindDefaultConversionProc(PG_UTF8, enc);
	if (!OidIsValid(proc))
		return match_utf8_to_text(s, len);	/* raises the server's own error */
	buf = palloc((Size) len * MAX_CONVERSION_GROWTH + 1);
	converted = pg_do_encoding_conversion_buf(proc, PG_UTF8, enc,
											  (unsigned char *) s, len,
											  buf, len * MAX_CONVERSION_GROWTH + 1,
											  true);
	result = (converted == len) ? cstring_to_text((char *) buf) : NULL;
	pfree(buf);
	return result;
#else
	return match_utf8_to_text(s, len);	/* PostgreSQL 13: 22P05 as before */
#endif
}

/*
 * Raise an error for a failed ICU call: out-of-memory as 53200, anything else
 * as an internal error naming the ICU status and the operation.
 */
static inline void
match_icu_check(UErrorCode status, const char *operation)
{
	if (U_SUCCESS(status))
		return;
	if (status == U_MEMORY_ALLOCATION_ERROR)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("ICU could not allocate memory during %s.", operation)));
	ereport(ERROR,
			(errcode(ERRCODE_INTERNAL_ERROR),
			 errmsg("ICU failed during %s: %s", operation, u_errorName(status))));
}

/* phone_prepass.c: a bulk load's answers of ci.normalize_phone, if any */
extern bool phone_prepass_get(const char *key, int key_len,
							  const char **value, int *value_len);

#endif							/* MATCH_NORMALIZE_H */
