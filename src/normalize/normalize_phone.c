/*
 * normalize_phone.c — ci.normalize_phone, ci.phone_is_valid and
 * ci.phone_info: telephone numbers to E.164 with libphonenumber.
 *
 * libphonenumber is C++; it is reached only through phone_shim.h, whose
 * calls return before anything here can ereport, so no PostgreSQL longjmp
 * ever crosses a C++ frame and no C++ exception reaches this file.
 *
 * Rules (doc/normalisation.md is the reference):
 *   - the default region is NULL (only "+<country code>..." input is
 *     accepted) or a two-letter region code known to libphonenumber, in
 *     either case; anything else is an error (22023), raised even when the
 *     phone is NULL so that a bad constant fails on every row alike;
 *   - input over MATCH_PHONE_MAX_INPUT_BYTES (UTF-8) is not a number, and is
 *     not handed to the library;
 *   - normalize_phone is the E.164 form when libphonenumber parses the input
 *     and IsValidNumber accepts it, else NULL; an extension is not part of
 *     E.164 and is dropped (phone_info reports it).
 */
#include "normalize.h"

#include "funcapi.h"
#include "utils/builtins.h"

#include "phone_shim.h"

PG_FUNCTION_INFO_V1(match_normalize_phone);
PG_FUNCTION_INFO_V1(match_phone_is_valid);
PG_FUNCTION_INFO_V1(match_phone_info);

/* Room for the region codes libphonenumber supports (245 in 8.12). */
#define PHONE_MAX_REGIONS	400

static bool phone_ready = false;
static char phone_regions[2 * PHONE_MAX_REGIONS];	/* sorted, 2 letters each */
static int	phone_nregions = 0;

static const char *const phone_type_names[] = {
	[MATCH_PHONE_TYPE_FIXED_LINE] = "fixed_line",
	[MATCH_PHONE_TYPE_MOBILE] = "mobile",
	[MATCH_PHONE_TYPE_FIXED_LINE_OR_MOBILE] = "fixed_line_or_mobile",
	[MATCH_PHONE_TYPE_TOLL_FREE] = "toll_free",
	[MATCH_PHONE_TYPE_PREMIUM_RATE] = "premium_rate",
	[MATCH_PHONE_TYPE_SHARED_COST] = "shared_cost",
	[MATCH_PHONE_TYPE_VOIP] = "voip",
	[MATCH_PHONE_TYPE_PERSONAL_NUMBER] = "personal_number",
	[MATCH_PHONE_TYPE_PAGER] = "pager",
	[MATCH_PHONE_TYPE_UAN] = "uan",
	[MATCH_PHONE_TYPE_VOICEMAIL] = "voicemail",
	[MATCH_PHONE_TYPE_UNKNOWN] = "unknown",
};

static const char *const phone_error_names[] = {
	[MATCH_PHONE_PARSED] = NULL,
	[MATCH_PHONE_ERR_INVALID_COUNTRY_CODE] = "invalid_country_code",
	[MATCH_PHONE_ERR_NOT_A_NUMBER] = "not_a_number",
	[MATCH_PHONE_ERR_TOO_SHORT_AFTER_IDD] = "too_short_after_idd",
	[MATCH_PHONE_ERR_TOO_SHORT_NSN] = "too_short_nsn",
	[MATCH_PHONE_ERR_TOO_LONG] = "too_long",
};

/* Turn a shim status into an error; the shim has returned by now. */
static void
phone_check(match_phone_status status, const char *message, const char *operation)
{
	if (status == MATCH_PHONE_OK)
		return;
	if (status == MATCH_PHONE_OUT_OF_MEMORY)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("libphonenumber could not allocate memory while %s.", operation)));
	ereport(ERROR,
			(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
			 errmsg("libphonenumber failed while %s: %s", operation, message)));
}

/* Load libphonenumber once per backend (its first use costs ~10 ms). */
static void
phone_init(void)
{
	char		message[MATCH_PHONE_MESSAGE_SIZE] = "";
	match_phone_status status;

	if (phone_ready)
		return;
	status = match_phone_init(phone_regions, PHONE_MAX_REGIONS, &phone_nregions, message);
	phone_check(status, message, "loading its metadata");
	phone_ready = true;
}

static int
phone_region_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 2);
}

/*
 * True when s (len bytes) is a region code libphonenumber knows, in either
 * case; buf then holds it upper-cased.
 */
static bool
phone_region_lookup(const char *s, int len, char *buf)
{
	if (len != 2)
		return false;
	buf[0] = pg_ascii_toupper((unsigned char) s[0]);
	buf[1] = pg_ascii_toupper((unsigned char) s[1]);
	buf[2] = '\0';
	return bsearch(buf, phone_regions, phone_nregions, 2, phone_region_cmp) != NULL;
}

/*
 * The default-region argument as two upper-case letters in buf, or NULL when
 * the argument is NULL; an unknown region is an error.
 */
static const char *
phone_region_arg(FunctionCallInfo fcinfo, int argno, char *buf)
{
	text	   *t;
	const char *s;
	int			len;

	phone_init();
	if (PG_ARGISNULL(argno))
		return NULL;
	t = PG_GETARG_TEXT_PP(argno);
	s = VARDATA_ANY(t);
	len = VARSIZE_ANY_EXHDR(t);

	if (phone_region_lookup(s, len, buf))
		return buf;

	{
		/* show at most 16 bytes of what was given */
		int			shown = pg_mbcliplen(s, len, 16);

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown phone region \"%s%s\"",
						pnstrdup(s, shown), shown < len ? "..." : ""),
				 errdetail("The default region must be a two-letter ISO 3166-1 region code known to libphonenumber, such as AU, GB or US (either case)."),
				 errhint("Pass NULL to accept only numbers written in international format, with + and the country code.")));
	}
	return NULL;				/* not reached */
}

/*
 * Parse a phone argument.  Input longer than the library accepts is
 * reported as too_long without calling it.
 */
static void
phone_parse(text *phone, const char *region, bool details, match_phone_result *result)
{
	int			len = VARSIZE_ANY_EXHDR(phone);
	const char *s = NULL;
	char		message[MATCH_PHONE_MESSAGE_SIZE] = "";
	match_phone_status status;

	/* a conversion to UTF-8 at most quadruples bytes per character */
	if (len <= 4 * MATCH_PHONE_MAX_INPUT_BYTES)
	{
		s = match_text_to_utf8_or_null(phone, &len);
		if (s == NULL)
		{
			/* SQL_ASCII bytes that are not UTF-8: not a number */
			memset(result, 0, sizeof(*result));
			result->parse_error = MATCH_PHONE_ERR_NOT_A_NUMBER;
			return;
		}
	}
	if (len > MATCH_PHONE_MAX_INPUT_BYTES)
	{
		memset(result, 0, sizeof(*result));
		result->parse_error = MATCH_PHONE_ERR_TOO_LONG;
		return;
	}
	status = match_phone_parse(s, len, region, details ? 1 : 0, result, message);
	phone_check(status, message, "parsing a phone number");
}

/*
 * ci.phone_region(region text): the region upper-cased when libphonenumber
 * knows it, else NULL.  Lets a generated column fall back to "international
 * format only" for a dirty country instead of failing the INSERT.
 */
PG_FUNCTION_INFO_V1(match_phone_region);
Datum
match_phone_region(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	char		buf[3];

	phone_init();
	if (!phone_region_lookup(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), buf))
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(buf));
}

/*
 * Memo of phone_e164's answers, keyed on the region (two letters, or two
 * zero bytes for none) and the input's bytes: a number seen again (one
 * person in several sources, a household's landline) skips libphonenumber.
 */
#define PHONE_MEMO_KEY	64
static CiMemo phone_memo = CI_MEMO_INIT(8192, PHONE_MEMO_KEY, MATCH_PHONE_E164_SIZE);

/*
 * The E.164 form of a phone argument when libphonenumber parses it and
 * finds it valid, else NULL: what normalize_phone returns and
 * phone_is_valid tests.  Palloc'd.
 */
static char *
phone_e164(text *phone, const char *region)
{
	int			len = VARSIZE_ANY_EXHDR(phone);
	char		key[PHONE_MEMO_KEY];
	int			key_len = 2 + len;
	uint32		hash = 0;
	const char *value;
	int			value_len;
	match_phone_result result;
	char	   *e164 = NULL;

	if (key_len <= PHONE_MEMO_KEY)
	{
		key[0] = region ? region[0] : '\0';
		key[1] = region ? region[1] : '\0';
		memcpy(key + 2, VARDATA_ANY(phone), len);
		/* computed ahead by a bulk load's parallel pass (phone_prepass.c) */
		if (phone_prepass_get(key, key_len, &value, &value_len))
			return value_len < 0 ? NULL : pnstrdup(value, value_len);
		if (ci_memo_get(&phone_memo, key, key_len, &hash, &value, &value_len))
			return value_len < 0 ? NULL : pnstrdup(value, value_len);
	}
	phone_parse(phone, region, false, &result);
	if (result.parse_error == MATCH_PHONE_PARSED && result.valid)
		e164 = pstrdup(result.e164);
	if (key_len <= PHONE_MEMO_KEY)
		ci_memo_put(&phone_memo, key, key_len, hash,
					e164, e164 ? (int) strlen(e164) : -1);
	return e164;
}

/* ci.normalize_phone(phone text, default_region text) */
Datum
match_normalize_phone(PG_FUNCTION_ARGS)
{
	char		regionbuf[3];
	const char *region = phone_region_arg(fcinfo, 1, regionbuf);
	char	   *e164;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	e164 = phone_e164(PG_GETARG_TEXT_PP(0), region);
	if (e164 == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(e164));
}

/* ci.phone_is_valid(phone text, default_region text) */
Datum
match_phone_is_valid(PG_FUNCTION_ARGS)
{
	char		regionbuf[3];
	const char *region = phone_region_arg(fcinfo, 1, regionbuf);

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_BOOL(phone_e164(PG_GETARG_TEXT_PP(0), region) != NULL);
}

/*
 * ci.phone_info(phone text, default_region text, OUT e164, OUT valid,
 * OUT possible, OUT region, OUT number_type, OUT extension, OUT parse_error)
 */
Datum
match_phone_info(PG_FUNCTION_ARGS)
{
	char		regionbuf[3];
	const char *region = phone_region_arg(fcinfo, 1, regionbuf);
	match_phone_result result;
	TupleDesc	tupdesc;
	Datum		values[7];
	bool		nulls[7];
	bool		parsed;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("function returning record called in context that cannot accept type record")));
	tupdesc = BlessTupleDesc(tupdesc);

	phone_parse(PG_GETARG_TEXT_PP(0), region, true, &result);
	parsed = result.parse_error == MATCH_PHONE_PARSED;

	memset(nulls, 0, sizeof(nulls));
	/* e164 */
	nulls[0] = !parsed;
	if (parsed)
		values[0] = CStringGetTextDatum(result.e164);
	/* valid, possible */
	values[1] = BoolGetDatum(parsed && result.valid);
	values[2] = BoolGetDatum(parsed && result.possible);
	/* region */
	nulls[3] = !parsed || result.region[0] == '\0';
	if (!nulls[3])
		values[3] = CStringGetTextDatum(result.region);
	/* number_type */
	nulls[4] = !parsed;
	if (parsed)
		values[4] = CStringGetTextDatum(phone_type_names[result.number_type]);
	/* extension */
	nulls[5] = !parsed || result.extension[0] == '\0';
	if (!nulls[5])
		values[5] = CStringGetTextDatum(result.extension);
	/* parse_error */
	nulls[6] = parsed;
	if (!parsed)
		values[6] = CStringGetTextDatum(phone_error_names[result.parse_error]);

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
