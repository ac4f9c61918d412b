/*
 * normalize_email.c — ci.normalize_email, ci.email_is_valid and
 * ci.email_providers: e-mail addresses reduced to one canonical form, so
 * that the same mailbox written differently compares equal.
 *
 * Rules (doc/normalisation.md is the reference):
 *   - leading and trailing white space and default-ignorable characters
 *     (BOM, zero-width space) are trimmed;
 *   - exactly one '@'; the local part is a dot-atom (RFC 5322 atext, dots
 *     neither first, last nor doubled) that may hold non-ASCII letters, marks,
 *     digits, punctuation and symbols (RFC 6531); quoted local parts
 *     ("john doe"@x) and domain literals (x@[192.0.2.1]) are not accepted;
 *   - input that is not pure ASCII is put in NFKC first (full-width forms
 *     typed with an East Asian input method become ASCII, as UTS #46 would
 *     map them in the domain anyway);
 *   - the local part is lower-cased (Unicode lower case, then NFC): RFC 5321
 *     lets a server treat case as significant, no mainstream one does;
 *   - the domain goes through IDNA UTS #46 (non-transitional, STD3 rules,
 *     Bidi and ContextJ checks) to lower-case ASCII, Unicode labels becoming
 *     punycode; it needs at least two labels, no empty label, and a top-level
 *     label that is not all digits;
 *   - lengths (after normalisation): local part at most 64 octets, address
 *     at most 254 octets (RFC 5321 with its path-length erratum); the input
 *     is refused unread past EMAIL_MAX_INPUT_BYTES after trimming;
 *   - with fold_provider, the provider rules of email_providers[] apply;
 *     subaddress_domains adds domains whose "+tag" is removed.
 * An address that breaks a rule is not an e-mail address: NULL, no error.
 *
 * The UTS #46 object is opened once per backend and kept (it is immutable).
 */
#include "normalize.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include <unicode/uchar.h>
#include <unicode/uidna.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

PG_FUNCTION_INFO_V1(match_normalize_email);
PG_FUNCTION_INFO_V1(match_email_is_valid);
PG_FUNCTION_INFO_V1(match_email_providers);

#define EMAIL_MAX_LOCAL_OCTETS	64
#define EMAIL_MAX_OCTETS		254
#define EMAIL_MAX_DOMAIN_OCTETS	253

/*
 * Longest trimmed input looked at.  Normalisation can shrink text (NFC,
 * lower case, IDNA mapping of full-width forms), but never by 4x; anything
 * longer cannot be a 254-octet address.
 */
#define EMAIL_MAX_INPUT_BYTES	(4 * EMAIL_MAX_OCTETS)

/*
 * Mailbox providers whose addresses have a documented equivalence: Gmail
 * ignores dots in the local part and answers under googlemail.com too; these
 * all deliver user+tag@ to user@ (sub-addressing).  Kept sorted by domain.
 */
typedef struct EmailProvider
{
	const char *domain;
	const char *canonical_domain;	/* NULL: unchanged */
	bool		removes_dots;
	bool		removes_subaddress;
} EmailProvider;

static const EmailProvider email_providers[] = {
	{"fastmail.com", NULL, false, true},
	{"fastmail.fm", NULL, false, true},
	{"gmail.com", NULL, true, true},
	{"googlemail.com", "gmail.com", true, true},
	{"hotmail.com", NULL, false, true},
	{"icloud.com", NULL, false, true},
	{"live.com", NULL, false, true},
	{"mac.com", NULL, false, true},
	{"me.com", NULL, false, true},
	{"msn.com", NULL, false, true},
	{"outlook.com", NULL, false, true},
	{"pm.me", NULL, false, true},
	{"proton.me", NULL, false, true},
	{"protonmail.ch", NULL, false, true},
	{"protonmail.com", NULL, false, true},
	{"ya.ru", NULL, false, true},
	{"yandex.com", NULL, false, true},
	{"yandex.ru", NULL, false, true},
};

/* The normalised subaddress_domains argument, cached per call site. */
typedef struct EmailDomainList
{
	Size		rawlen;			/* the array datum it was made from */
	char	   *raw;
	int			n;
	char	  **domains;
} EmailDomainList;

static UIDNA *email_idna = NULL;

static UIDNA *
email_get_idna(void)
{
	if (email_idna == NULL)
	{
		UErrorCode	status = U_ZERO_ERROR;
		UIDNA	   *idna;

		idna = uidna_openUTS46(UIDNA_USE_STD3_RULES | UIDNA_CHECK_BIDI |
							   UIDNA_CHECK_CONTEXTJ |
							   UIDNA_NONTRANSITIONAL_TO_ASCII, &status);
		match_icu_check(status, "opening the IDNA UTS #46 converter");
		email_idna = idna;
	}
	return email_idna;
}

static inline bool
email_is_trimmable(UChar32 c)
{
	return u_isUWhiteSpace(c) ||
		u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
}

/* atext of RFC 5322: what a dot-atom holds besides dots. */
static inline bool
email_is_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL;
}

/*
 * The domain in canonical form (lower-case ASCII, punycode labels) into
 * out (at least EMAIL_MAX_DOMAIN_OCTETS + 1 bytes); its length, or -1 when
 * it is not an acceptable mail domain.
 */
static int
email_domain_to_ascii(const char *d, int dlen, char *out)
{
	UIDNAInfo	info = UIDNA_INFO_INITIALIZER;
	UErrorCode	status = U_ZERO_ERROR;
	int32_t		n;
	int32_t		i;
	int32_t		label_start = 0;
	int			labels = 0;
	bool		tld_all_digits = true;

	if (dlen == 0)
		return -1;
	n = uidna_nameToASCII_UTF8(email_get_idna(), d, dlen, out,
							   EMAIL_MAX_DOMAIN_OCTETS + 1, &info, &status);
	if (status == U_BUFFER_OVERFLOW_ERROR || status == U_STRING_NOT_TERMINATED_WARNING)
		return -1;				/* longer than a domain may be */
	match_icu_check(status, "IDNA conversion of an e-mail domain");
	if (info.errors != 0 || n == 0 || n > EMAIL_MAX_DOMAIN_OCTETS)
		return -1;

	/* labels: none empty (this also refuses a trailing root dot), at least two */
	for (i = 0; i <= n; i++)
	{
		if (i == n || out[i] == '.')
		{
			if (i == label_start)
				return -1;
			labels++;
			tld_all_digits = true;
			for (int32_t k = label_start; k < i; k++)
				if (out[k] < '0' || out[k] > '9')
					tld_all_digits = false;
			label_start = i + 1;
		}
	}
	if (labels < 2 || tld_all_digits)
		return -1;
	out[n] = '\0';
	return n;
}

/*
 * Lower-case the local part (UTF-8 [s, s+len), already validated) into out
 * as UTF-8; false when the result is longer than EMAIL_MAX_LOCAL_OCTETS.
 */
static bool
email_local_lower(const char *s, int len, bool ascii, StringInfo out)
{
	UChar	   *u16;
	UChar	   *lower;
	UChar	   *nfc;
	int32_t		n16;
	int32_t		nlower;
	int32_t		nnfc;
	int32_t		nutf8;
	UErrorCode	status = U_ZERO_ERROR;
	const UNormalizer2 *nfc_norm;

	if (ascii)
	{
		if (len > EMAIL_MAX_LOCAL_OCTETS)
			return false;
		for (int i = 0; i < len; i++)
		{
			char		c = s[i];

			appendStringInfoChar(out, (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c);
		}
		return true;
	}

	/* Lower case can grow a string by 3x, NFC does not grow it further. */
	u16 = palloc((len + 1) * sizeof(UChar));
	u_strFromUTF8(u16, len + 1, &n16, s, len, &status);
	match_icu_check(status, "UTF-8 to UTF-16 conversion");
	lower = palloc((3 * n16 + 1) * sizeof(UChar));
	nlower = u_strToLower(lower, 3 * n16 + 1, u16, n16, "", &status);
	match_icu_check(status, "lower-casing an e-mail local part");
	nfc_norm = unorm2_getNFCInstance(&status);
	match_icu_check(status, "loading the NFC normaliser");
	nfc = palloc((3 * nlower + 1) * sizeof(UChar));
	nnfc = unorm2_normalize(nfc_norm, lower, nlower, nfc, 3 * nlower + 1, &status);
	match_icu_check(status, "NFC normalisation of an e-mail local part");

	enlargeStringInfo(out, EMAIL_MAX_LOCAL_OCTETS + 1);
	u_strToUTF8(out->data + out->len, EMAIL_MAX_LOCAL_OCTETS + 1, &nutf8,
				nfc, nnfc, &status);
	if (status == U_BUFFER_OVERFLOW_ERROR || nutf8 > EMAIL_MAX_LOCAL_OCTETS)
		return false;
	match_icu_check(status, "UTF-16 to UTF-8 conversion");
	out->len += nutf8;
	out->data[out->len] = '\0';
	return true;
}

/* NFKC of UTF-8 [s, s+len), palloc'd and NUL-terminated; *outlen its length. */
static const char *
email_nfkc(const char *s, int32_t len, int32_t *outlen)
{
	UErrorCode	status = U_ZERO_ERROR;
	const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&status);
	UChar	   *u16;
	UChar	   *norm;
	int32_t		n16;
	int32_t		nnorm;
	int32_t		cap;
	char	   *out;

	match_icu_check(status, "loading the NFKC normaliser");
	u16 = palloc((len + 1) * sizeof(UChar));
	u_strFromUTF8(u16, len + 1, &n16, s, len, &status);
	match_icu_check(status, "UTF-8 to UTF-16 conversion");

	/* a compatibility decomposition expands a character to at most 18 */
	cap = 18 * n16 + 1;
	norm = palloc(cap * sizeof(UChar));
	nnorm = unorm2_normalize(nfkc, u16, n16, norm, cap, &status);
	match_icu_check(status, "NFKC normalisation of an e-mail address");

	cap = 3 * nnorm + 1;
	out = palloc(cap);
	u_strToUTF8(out, cap, outlen, norm, nnorm, &status);
	match_icu_check(status, "UTF-16 to UTF-8 conversion");
	return out;
}

static const EmailProvider *
email_find_provider(const char *domain, int dlen)
{
	int			lo = 0;
	int			hi = lengthof(email_providers) - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		const char *p = email_providers[mid].domain;
		int			plen = strlen(p);
		int			cmp = memcmp(domain, p, Min(dlen, plen));

		if (cmp == 0)
			cmp = (dlen > plen) - (dlen < plen);
		if (cmp == 0)
			return &email_providers[mid];
		if (cmp < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * Normalise UTF-8 bytes [s, s+len) into out (local@domain, UTF-8); false
 * when they are not an acceptable address.
 */
static bool
email_normalize(const char *s, int len, bool fold, const EmailDomainList *extra,
				StringInfo out)
{
	const uint8_t *u = (const uint8_t *) s;
	int32_t		b = 0;
	int32_t		e = len;
	const char *at;
	int			local_len;
	bool		local_ascii = true;
	char		domain[EMAIL_MAX_DOMAIN_OCTETS + 1];
	int			dlen;
	int			local_start;
	int			local_end;
	const EmailProvider *provider = NULL;
	bool		strip_tag = false;

	/* trim */
	while (b < e)
	{
		int32_t		next = b;
		UChar32		c;

		U8_NEXT(u, next, e, c);
		if (c < 0 || !email_is_trimmable(c))
			break;
		b = next;
	}
	while (e > b)
	{
		int32_t		prev = e;
		UChar32		c;

		U8_PREV(u, b, prev, c);
		if (c < 0 || !email_is_trimmable(c))
			break;
		e = prev;
	}
	if (e - b > EMAIL_MAX_INPUT_BYTES || e == b)
		return false;

	/* full-width and other compatibility forms: NFKC first */
	if (!ci_is_ascii(s + b, e - b))
	{
		s = email_nfkc(s + b, e - b, &e);
		u = (const uint8_t *) s;
		b = 0;
	}

	/* exactly one '@', with something on both sides */
	at = memchr(s + b, '@', e - b);
	if (at == NULL || at == s + b || at == s + e - 1 ||
		memchr(at + 1, '@', s + e - (at + 1)) != NULL)
		return false;
	local_len = at - (s + b);

	/* the local part: a dot-atom */
	if (s[b] == '.' || at[-1] == '.')
		return false;
	for (int32_t i = b; i < b + local_len;)
	{
		if (u[i] < 0x80)
		{
			if (u[i] == '.')
			{
				if (u[i + 1] == '.')
					return false;
			}
			else if (!email_is_atext(u[i]))
				return false;
			i++;
		}
		else
		{
			UChar32		c;

			U8_NEXT(u, i, b + local_len, c);
			if (c < 0 ||
				!(U_GET_GC_MASK(c) & (U_GC_L_MASK | U_GC_M_MASK | U_GC_N_MASK |
									  U_GC_P_MASK | U_GC_S_MASK)))
				return false;
			local_ascii = false;
		}
	}

	/* the domain */
	dlen = email_domain_to_ascii(at + 1, s + e - (at + 1), domain);
	if (dlen < 0)
		return false;

	local_start = out->len;
	if (!email_local_lower(s + b, local_len, local_ascii, out))
		return false;
	local_end = out->len;
	if (local_end - local_start + 1 + dlen > EMAIL_MAX_OCTETS)
		return false;

	/* provider rules */
	if (fold)
		provider = email_find_provider(domain, dlen);
	if (provider != NULL)
		strip_tag = provider->removes_subaddress;
	if (!strip_tag && extra != NULL)
	{
		for (int i = 0; i < extra->n; i++)
			if (strcmp(extra->domains[i], domain) == 0)
				strip_tag = true;
	}
	if (strip_tag)
	{
		char	   *plus = memchr(out->data + local_start, '+', local_end - local_start);

		/* user+tag -> user; a local part that starts with '+' has no user */
		if (plus != NULL && plus > out->data + local_start)
			local_end = plus - out->data;
	}
	if (provider != NULL && provider->removes_dots)
	{
		int			w = local_start;

		for (int r = local_start; r < local_end; r++)
			if (out->data[r] != '.')
				out->data[w++] = out->data[r];
		local_end = w;
	}
	out->len = local_end;
	appendStringInfoChar(out, '@');
	if (provider != NULL && provider->canonical_domain != NULL)
		appendStringInfoString(out, provider->canonical_domain);
	else
		appendBinaryStringInfo(out, domain, dlen);
	return true;
}

/*
 * The subaddress_domains argument, normalised like a domain; cached in
 * fn_extra for as long as the same array comes in.
 */
static const EmailDomainList *
email_extra_domains(FunctionCallInfo fcinfo, ArrayType *arr)
{
	EmailDomainList *cache = (EmailDomainList *) fcinfo->flinfo->fn_extra;
	Size		rawlen = VARSIZE(arr);
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	MemoryContext old;

	if (cache != NULL && cache->rawlen == rawlen && memcmp(cache->raw, arr, rawlen) == 0)
		return cache;

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &nelems);

	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	if (cache == NULL)
		cache = palloc0(sizeof(EmailDomainList));
	else
	{
		for (int i = 0; i < cache->n; i++)
			pfree(cache->domains[i]);
		if (cache->domains)
			pfree(cache->domains);
		if (cache->raw)
			pfree(cache->raw);
	}
	cache->n = 0;
	cache->rawlen = 0;
	cache->raw = NULL;
	cache->domains = palloc(Max(nelems, 1) * sizeof(char *));
	fcinfo->flinfo->fn_extra = cache;
	MemoryContextSwitchTo(old);

	for (int i = 0; i < nelems; i++)
	{
		text	   *t;
		int			len;
		const char *d;
		char		ascii[EMAIL_MAX_DOMAIN_OCTETS + 1];
		int			n;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("subaddress_domains must not contain NULL")));
		t = DatumGetTextPP(elems[i]);
		d = match_text_to_utf8(t, &len);
		n = email_domain_to_ascii(d, len, ascii);
		if (n < 0)
		{
			const char *raw = VARDATA_ANY(t);
			int			rawlen = VARSIZE_ANY_EXHDR(t);
			int			shown = pg_mbcliplen(raw, rawlen, 64);

			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid domain \"%s%s\" in subaddress_domains",
							pnstrdup(raw, shown), shown < rawlen ? "..." : ""),
					 errdetail("Each element must be a mail domain such as example.com, without '@'.")));
		}
		cache->domains[cache->n++] = MemoryContextStrdup(fcinfo->flinfo->fn_mcxt, ascii);
	}
	cache->raw = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, rawlen);
	memcpy(cache->raw, arr, rawlen);
	cache->rawlen = rawlen;
	return cache;
}

/* ci.normalize_email(email text, fold_provider boolean, subaddress_domains text[]) */
Datum
match_normalize_email(PG_FUNCTION_ARGS)
{
	text	   *email = PG_GETARG_TEXT_PP(0);
	bool		fold = PG_GETARG_BOOL(1);
	const EmailDomainList *extra = NULL;
	int			len;
	const char *s;
	StringInfoData out;
	text	   *result;

	if (PG_NARGS() > 2)
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(2);

		if (ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr)) > 0)
			extra = email_extra_domains(fcinfo, arr);
	}

	s = match_text_to_utf8_or_null(email, &len);
	if (s == NULL)
		PG_RETURN_NULL();		/* SQL_ASCII bytes that are not UTF-8 */
	initStringInfo(&out);
	if (!email_normalize(s, len, fold, extra, &out))
		PG_RETURN_NULL();
	/* NULL, not 22P05, when the canonical form does not fit the encoding */
	result = match_utf8_to_text_noerror(out.data, out.len);
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(result);
}

/* ci.email_is_valid(email text) */
Datum
match_email_is_valid(PG_FUNCTION_ARGS)
{
	text	   *email = PG_GETARG_TEXT_PP(0);
	int			len;
	const char *s = match_text_to_utf8_or_null(email, &len);
	StringInfoData out;
	bool		valid;

	if (s == NULL)
		PG_RETURN_BOOL(false);	/* SQL_ASCII bytes that are not UTF-8 */
	initStringInfo(&out);
	/* valid exactly when ci.normalize_email gives a value */
	valid = email_normalize(s, len, false, NULL, &out) &&
		match_utf8_to_text_noerror(out.data, out.len) != NULL;
	pfree(out.data);
	PG_RETURN_BOOL(valid);
}

/* ci.email_providers(): the built-in provider rules, one row each. */
Datum
match_email_providers(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;
		TupleDesc	tupdesc;

		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("function returning record called in context that cannot accept type record")));
		funcctx->tuple_desc = BlessTupleDesc(tupdesc);
		funcctx->max_calls = lengthof(email_providers);
		MemoryContextSwitchTo(old);
	}
	funcctx = SRF_PERCALL_SETUP();
	if (funcctx->call_cntr < funcctx->max_calls)
	{
		const EmailProvider *p = &email_providers[funcctx->call_cntr];
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};
		HeapTuple	tuple;

		values[0] = CStringGetTextDatum(p->domain);
		values[1] = CStringGetTextDatum(p->canonical_domain ? p->canonical_domain : p->domain);
		values[2] = BoolGetDatum(p->removes_dots);
		values[3] = BoolGetDatum(p->removes_subaddress);
		tuple = heap_form_tuple(funcctx->tuple_desc, values, nulls);
		SRF_RETURN_NEXT(funcctx, HeapTupleGetDatum(tuple));
	}
	SRF_RETURN_DONE(funcctx);
}
