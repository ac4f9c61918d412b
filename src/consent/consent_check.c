/*
 * consent_check.c — the SQL-callable consent check.
 *
 *   ci.consent_check(customer bigint, table_purposes text[]) -> boolean
 *       the row filter ci.protect puts on a table: the session's purpose
 *       (ci.purpose) must be one of the table's purposes, and the customer
 *       must allow it on the session's channel (ci.channel) now.  False for
 *       a NULL customer and when no purpose is declared.
 *   ci.consent_allows(customer bigint, purpose text, channel text) -> boolean
 *       the same answer for an explicit purpose and channel (STRICT).
 *
 * Both are STABLE (they read tables, and answer the same within a
 * snapshot) and PARALLEL SAFE (each worker builds its own cache from the
 * same snapshot and settings).  Neither is LEAKPROOF: row-level security
 * then keeps the user's non-leakproof conditions after the filter, so no
 * user function ever sees a row the filter refuses.
 */
#include "ci_common.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "consent/consent.h"

PG_FUNCTION_INFO_V1(consent_check);
PG_FUNCTION_INFO_V1(consent_allows);

/* Per call site: is the session's purpose one of this table's purposes? */
typedef struct CheckSite
{
	uint64		generation;
	bool		purpose_listed;
} CheckSite;

static bool
purpose_listed(ArrayType *purposes, const char *purpose)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	size_t		plen = strlen(purpose);

	if (ARR_NDIM(purposes) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("table purposes must be a one-dimensional array")));
	deconstruct_array(purposes, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
	{
		text	   *t;

		if (nulls[i])
			continue;
		t = DatumGetTextPP(elems[i]);
		if (VARSIZE_ANY_EXHDR(t) == plen && memcmp(VARDATA_ANY(t), purpose, plen) == 0)
			return true;
	}
	return false;
}

Datum
consent_check(PG_FUNCTION_ARGS)
{
	CheckSite  *site = (CheckSite *) fcinfo->flinfo->fn_extra;
	ConsentSet *set;

	if (PG_ARGISNULL(0))
		PG_RETURN_BOOL(false);
	set = consent_session_set();
	if (set == NULL)
		PG_RETURN_BOOL(false);
	if (site == NULL)
	{
		site = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CheckSite));
		fcinfo->flinfo->fn_extra = site;
	}
	if (site->generation != consent_set_generation(set))
	{
		site->purpose_listed = !PG_ARGISNULL(1) &&
			purpose_listed(PG_GETARG_ARRAYTYPE_P(1), consent_set_purpose(set));
		site->generation = consent_set_generation(set);
	}
	if (!site->purpose_listed)
		PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(consent_set_allows(set, PG_GETARG_INT64(0)));
}

Datum
consent_allows(PG_FUNCTION_ARGS)
{
	int64		customer = PG_GETARG_INT64(0);
	text	   *purpose = PG_GETARG_TEXT_PP(1);
	text	   *channel = PG_GETARG_TEXT_PP(2);
	int			ch = consent_channel_from_name(VARDATA_ANY(channel), VARSIZE_ANY_EXHDR(channel));

	if (ch < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown consent channel \"%.*s\"",
						(int) Min(VARSIZE_ANY_EXHDR(channel), 64), VARDATA_ANY(channel)),
				 errhint("Use one of all, email, sms, push, phone, post.")));
	PG_RETURN_BOOL(consent_set_allows(consent_explicit_set(VARDATA_ANY(purpose), VARSIZE_ANY_EXHDR(purpose), ch),
									  customer));
}
