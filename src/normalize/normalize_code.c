/*
 * normalize_code.c — ci.normalize_national_id and ci.normalize_postcode:
 * identifiers and postcodes reduced to the key identity resolution
 * compares, as one C call each.
 *
 * They compute exactly what 0.1.0's generated columns wrote as SQL,
 *   national id:  nullif(upper(regexp_replace(v, '[^0-9A-Za-z]', '', 'g')), '')
 *   postcode:     nullif(upper(regexp_replace(v, '\s', '', 'g')), '')
 * (upper() under the call's collation, as before), so stored keys do not
 * change; they exist because PostgreSQL 15 reads and plans every generation
 * expression again at each INSERT's executor start, and those two
 * expressions were 2.3 kB of the 5.8 kB stored for ci.source_record's
 * generated columns (doc/identity.md, "Loading records").
 *
 * Why the byte loops are exact: every server encoding is ASCII-safe (no
 * byte of a multibyte character is below 0x80), so dropping each byte that
 * is not an ASCII letter or digit drops the same characters as the regular
 * expression.  White space is a property of the collation's character
 * classes for characters outside printable ASCII (ICU counts U+001C..U+001F,
 * libc locales differ above U+007F), so a postcode holding any such byte
 * takes the regular-expression path itself.
 */
#include "normalize.h"

#include "utils/formatting.h"
#include "utils/pg_locale.h"

PG_FUNCTION_INFO_V1(match_normalize_national_id);
PG_FUNCTION_INFO_V1(match_normalize_postcode);

static inline bool
code_is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/*
 * The key from n kept bytes of buf (ASCII): NULL when empty, else upper()
 * under the collation.  Upper case of ASCII upper-case letters and digits is
 * themselves in every collation; only lower-case letters need upper()
 * (whose answer a collation may choose: Turkish makes 'i' a dotted 'I').
 */
static Datum
code_result(FunctionCallInfo fcinfo, char *buf, int n)
{
	bool		has_lower = false;

	if (n == 0)
		PG_RETURN_NULL();
	for (int i = 0; i < n && !has_lower; i++)
		has_lower = buf[i] >= 'a' && buf[i] <= 'z';
	if (has_lower)
	{
		char	   *up = str_toupper(buf, n, PG_GET_COLLATION());

		PG_RETURN_TEXT_P(cstring_to_text(up));
	}
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf, n));
}

/* ci.normalize_national_id(text): letters and digits only, upper case; NULL when none */
Datum
match_normalize_national_id(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	const unsigned char *s = (const unsigned char *) VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);
	char	   *buf = palloc(len + 1);
	int			n = 0;

	for (int i = 0; i < len; i++)
		if (code_is_alnum(s[i]))
			buf[n++] = (char) s[i];
	buf[n] = '\0';
	return code_result(fcinfo, buf, n);
}

/* ci.normalize_postcode(text): white space removed, upper case; NULL when nothing is left */
Datum
match_normalize_postcode(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	const unsigned char *s = (const unsigned char *) VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);
	char	   *buf;
	int			n = 0;

	for (int i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
		{
			/* tabs, line breaks, non-ASCII: the collation's \s decides */
			Oid			coll = PG_GET_COLLATION();
			Datum		d;
			text	   *r;

			d = DirectFunctionCall4Coll(textregexreplace, coll, PointerGetDatum(t),
										CStringGetTextDatum("\\s"), CStringGetTextDatum(""),
										CStringGetTextDatum("g"));
			d = DirectFunctionCall1Coll(upper, coll, d);
			r = DatumGetTextPP(d);
			if (VARSIZE_ANY_EXHDR(r) == 0)
				PG_RETURN_NULL();
			PG_RETURN_DATUM(d);
		}
	buf = palloc(len + 1);
	for (int i = 0; i < len; i++)
		if (s[i] != ' ')
			buf[n++] = (char) s[i];
	buf[n] = '\0';
	return code_result(fcinfo, buf, n);
}
