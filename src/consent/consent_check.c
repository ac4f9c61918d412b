/*
 * consent_check.c — the SQL-callable consent check.
 *
 *   ci.consent_check(customer bigint, table_purposes text[]) -> boolean
 *       the row filter ci.protect puts on a table: the session's purpose
 *       (ci.purpose) must be one of the table's purposes, and the customer
 *       must allow it on the session's channel (ci.channel) now.  False for
 *       a NULL customer and when no purpose is declared.  A first element
 *       "=purpose:channel" is the purpose the statement declared (on Citus,
 *       consent_citus.c), used instead of the session's.
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

/*
 * Per call site (the policy's expression in one plan), what the row check
 * needs, filled once per statement: whether the session's purpose is one of
 * this table's, and the answers' bitmap.  It holds while consent_key_epoch
 * is the one it was filled under (no set freed, no new key) and either the
 * executor run it was filled in is still the one in progress (a plan's own
 * call site: consent_run.c) or the cache's key is the active snapshot's
 * (consent_key_current).  A row of a plan thus costs a few loads and
 * compares and one bit test, without a call.
 */
typedef struct CheckSite
{
	uint64		epoch;			/* consent_key_epoch when filled; 0: never */
	uint64		run_id;			/* consent_run_id when filled, or PG_UINT64_MAX */
	uint64		guc_epoch;		/* consent_guc_epoch when filled */
	bool		purposes_const; /* the table purposes are the same on every call */
	ConsentSet *session;		/* the session's set when filled */
	ConsentSet *set;			/* NULL: no purpose declared, or not listed */
	const uint64 *bits;			/* the set's bitmap, once it has one */
	int64		base;
	uint64		nbits;
	bool		fallback;
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

static inline bool
site_answer(CheckSite *site, int64 customer)
{
	uint64		off = (uint64) customer - (uint64) site->base;

	if (off < site->nbits)
		return (site->bits[off / 64] >> (off % 64)) & 1;
	return site->fallback;
}

/*
 * The purpose a statement declared in the filter itself: the purpose list's
 * first element "=purpose:channel", written there on Citus by the planner
 * (consent_citus.c).  False when the list has none.
 */
static bool
declared_purpose(FunctionCallInfo fcinfo, ConsentSet **set)
{
	ArrayType  *purposes;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	text	   *t;
	char	   *decl;
	char	   *colon;
	int			ch;

	if (PG_ARGISNULL(1))
		return false;
	purposes = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_NDIM(purposes) != 1)
		return false;
	deconstruct_array(purposes, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	if (n == 0 || nulls[0])
		return false;
	t = DatumGetTextPP(elems[0]);
	if (VARSIZE_ANY_EXHDR(t) == 0 || VARDATA_ANY(t)[0] != '=')
		return false;
	decl = text_to_cstring(t);
	colon = strrchr(decl, ':');
	ch = colon != NULL ? consent_channel_from_name(colon + 1, strlen(colon + 1)) : -1;
	if (ch < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("malformed declared consent purpose \"%.*s\"", CONSENT_MAX_PURPOSE + 16, decl),
				 errdetail("A declared purpose is written \"=purpose:channel\", channel one of all, email, sms, push, phone, post.")));
	*colon = '\0';
	*set = consent_declared_set(decl + 1, ch);
	return true;
}

/*
 * The set the statement is filtered for: the purpose it declared, else the
 * session's.  A Citus shard query must bring its coordinator session's
 * purpose: the worker's own settings are not that session's.
 */
static ConsentSet *
statement_set(FunctionCallInfo fcinfo)
{
	ConsentSet *set = NULL;

	if (declared_purpose(fcinfo, &set))
		return set;
	if (consent_in_citus_shard_backend())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the consent purpose did not reach this Citus node"),
				 errdetail("A shard query reads a table protected by ci.protect without the purpose its coordinator session declared."),
				 errhint("Add customer_intel to shared_preload_libraries (after citus) on the coordinator and on every worker, and restart them.")));
	return consent_session_set();
}

/* Fills the site for the current statement (and validates the purpose). */
static void
site_fill(FunctionCallInfo fcinfo, CheckSite *site)
{
	ConsentSet *set = statement_set(fcinfo);

	/* the same answers as when filled, only a new run: the purposes are listed as they were */
	if (!(site->epoch == consent_key_epoch && site->guc_epoch == consent_guc_epoch &&
		  site->session == set && site->purposes_const))
	{
		site->session = set;
		site->set = NULL;
		site->bits = NULL;
		if (set != NULL && !PG_ARGISNULL(1) &&
			purpose_listed(PG_GETARG_ARRAYTYPE_P(1), consent_set_purpose(set)))
			site->set = set;
		/* purposes that vary from row to row are looked at on every call */
		if (site->set != NULL && site->purposes_const)
			site->bits = consent_set_bitmap(set, &site->base, &site->nbits, &site->fallback);
	}
	site->epoch = consent_key_epoch;
	site->guc_epoch = consent_guc_epoch;
	/* the plan being run owns this call site: checked for the whole run */
	site->run_id = (consent_run_id != 0 && fcinfo->flinfo->fn_mcxt == consent_run_cxt) ?
		consent_run_id : PG_UINT64_MAX;
}

/*
 * The first row of a statement, or one whose answers are not a bitmap yet
 * (kept out of line: the per-row path stays a leaf without a stack frame).
 */
static pg_noinline bool
check_slow(FunctionCallInfo fcinfo)
{
	CheckSite  *site = (CheckSite *) fcinfo->flinfo->fn_extra;
	bool		allowed;

	if (site == NULL)
	{
		site = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CheckSite));
		site->purposes_const = get_fn_expr_arg_stable(fcinfo->flinfo, 1);
		fcinfo->flinfo->fn_extra = site;
	}
	/* the statement's purpose is validated even for a NULL customer */
	if (site->epoch != consent_key_epoch || site->guc_epoch != consent_guc_epoch ||
		!site->purposes_const || (site->run_id != consent_run_id && !consent_key_current()))
		site_fill(fcinfo, site);
	if (site->set == NULL || PG_ARGISNULL(0))
		return false;
	if (site->bits != NULL)
		return site_answer(site, PG_GETARG_INT64(0));
	/* first customers of a statement: looked up one by one, or everything loaded */
	allowed = consent_set_allows(site->set, PG_GETARG_INT64(0));
	if (site->epoch == consent_key_epoch && site->purposes_const)
		site->bits = consent_set_bitmap(site->set, &site->base, &site->nbits, &site->fallback);
	return allowed;
}

Datum
consent_check(PG_FUNCTION_ARGS)
{
	CheckSite  *site = (CheckSite *) fcinfo->flinfo->fn_extra;

	if (likely(site != NULL && site->bits != NULL && site->epoch == consent_key_epoch &&
			   site->guc_epoch == consent_guc_epoch && !PG_ARGISNULL(0)) &&
		likely(site->run_id == consent_run_id || consent_key_current()))
		PG_RETURN_BOOL(site_answer(site, PG_GETARG_INT64(0)));
	PG_RETURN_BOOL(check_slow(fcinfo));
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
