/*
 * consent_cache.c — consent answers for the current snapshot, one hash
 * probe per row.
 *
 * A row filter over millions of rows cannot run a query per row.  Instead
 * the answers for one (purpose, channel) are kept in a hash table keyed by
 * customer (identity id) that lives exactly as long as the snapshot it was
 * read with:
 *
 *   - the cache is keyed by the active snapshot's content (xmin, xmax, the
 *     number of in-progress transactions and subtransactions, the command
 *     id).  With xmax unchanged no transaction can join the in-progress
 *     list (new xids are >= xmax), only leave it, so equal counts mean
 *     equal lists: equal keys see exactly the same rows.  Any commit a new
 *     snapshot could see changes the key, so a withdrawal committed by
 *     another session is honoured by this session's next statement (READ
 *     COMMITTED takes a new snapshot per statement); REPEATABLE READ keeps
 *     its answers for the transaction, as it keeps its view of the tables;
 *   - the session's settings (ci.purpose, ci.channel), the current user,
 *     and subtransaction aborts are part of the key;
 *   - the memory is a child of TopTransactionContext, freed at the end of
 *     the transaction at the latest.
 *
 * Loading is adaptive: the first CONSENT_LAZY_LIMIT customers asked for are
 * looked up one by one (an index probe each, so a single-customer query
 * stays cheap); past that the whole set is read in one pass.  Both use the
 * rule in SQL, ci.consent_allowed_ids(), read as the owner of
 * ci.consent_state (like a foreign-key check): the querying role needs no
 * privilege on the consent tables.
 */
#include "ci_common.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "consent/consent.h"

#define CONSENT_LAZY_LIMIT	64
#define CONSENT_MAX_EXPLICIT 8
#define CONSENT_FETCH_BATCH 10000

typedef struct ConsentEntry
{
	int64		id;
	char		status;			/* simplehash's */
	bool		allowed;
} ConsentEntry;

#define SH_PREFIX consent_ht
#define SH_ELEMENT_TYPE ConsentEntry
#define SH_KEY_TYPE int64
#define SH_KEY id
#define SH_HASH_KEY(tb, key) murmurhash32((uint32) (key) ^ (uint32) ((uint64) (key) >> 32))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

struct ConsentSet
{
	char		purpose[CONSENT_MAX_PURPOSE + 1];
	int			channel;
	bool		complete;		/* every identity with state is in the table */
	bool		fallback;		/* the answer for an identity without state */
	int			lookups;		/* one-by-one look-ups made so far */
	uint64		generation;
	consent_ht_hash *ht;
};

/* What the cache was built for. */
typedef struct ConsentKey
{
	TransactionId xmin;
	TransactionId xmax;
	uint32		xcnt;
	int32		subxcnt;
	CommandId	curcid;
	bool		suboverflowed;
	Oid			userid;
	uint64		guc_epoch;
	uint64		abort_epoch;
} ConsentKey;

static MemoryContext consent_cxt = NULL;
static bool key_valid = false;
static ConsentKey cur_key;
static ConsentSet *session_set = NULL;
static bool session_set_none = false;	/* no purpose declared */
static ConsentSet *explicit_sets[CONSENT_MAX_EXPLICIT];
static int	n_explicit = 0;
static uint64 next_generation = 1;

static SPIPlanPtr plan_status = NULL;
static SPIPlanPtr plan_one = NULL;
static SPIPlanPtr plan_all = NULL;

static void
consent_forget(void)
{
	if (consent_cxt != NULL)
		MemoryContextDelete(consent_cxt);
	consent_cxt = NULL;
	key_valid = false;
	session_set = NULL;
	session_set_none = false;
	n_explicit = 0;
}

static void
consent_xact_callback(XactEvent event, void *arg)
{
	/* TopTransactionContext and our child go away: forget the pointers */
	consent_cxt = NULL;
	consent_forget();
}

static void
consent_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						 SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		consent_abort_epoch++;
}

void
consent_cache_init(void)
{
	RegisterXactCallback(consent_xact_callback, NULL);
	RegisterSubXactCallback(consent_subxact_callback, NULL);
}

/* Drop everything cached unless it was built for the current snapshot and settings. */
static inline void
consent_validate_key(void)
{
	Snapshot	snap;
	ConsentKey	k;

	if (!ActiveSnapshotSet())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("consent can only be checked inside a query")));
	snap = GetActiveSnapshot();
	k.xmin = snap->xmin;
	k.xmax = snap->xmax;
	k.xcnt = snap->xcnt;
	k.subxcnt = snap->subxcnt;
	k.curcid = snap->curcid;
	k.suboverflowed = snap->suboverflowed;
	k.userid = GetUserId();
	k.guc_epoch = consent_guc_epoch;
	k.abort_epoch = consent_abort_epoch;
	if (key_valid &&
		k.xmin == cur_key.xmin && k.xmax == cur_key.xmax && k.xcnt == cur_key.xcnt &&
		k.subxcnt == cur_key.subxcnt && k.curcid == cur_key.curcid &&
		k.suboverflowed == cur_key.suboverflowed && k.userid == cur_key.userid &&
		k.guc_epoch == cur_key.guc_epoch && k.abort_epoch == cur_key.abort_epoch)
		return;
	consent_forget();
	consent_cxt = AllocSetContextCreate(TopTransactionContext, "customer_intel consent cache",
										ALLOCSET_DEFAULT_SIZES);
	cur_key = k;
	key_valid = true;
}

/* The OID of ci.<name>, or InvalidOid (no search path involved). */
static Oid
consent_relid(const char *name)
{
	Oid			ns = get_namespace_oid("ci", true);

	return OidIsValid(ns) ? get_relname_relid(name, ns) : InvalidOid;
}

/*
 * Runs the consent queries as the owner of ci.consent_state, restricted, in
 * the current snapshot.  Callers SPI_connect first.
 */
static Oid
consent_owner(void)
{
	Oid			rel = consent_relid("consent_state");
	HeapTuple	tup;
	Oid			owner;

	if (!OidIsValid(rel))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("customer_intel's consent tables are missing in this database"),
				 errhint("Run CREATE EXTENSION customer_intel or ALTER EXTENSION customer_intel UPDATE.")));
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(rel));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", rel);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

static SPIPlanPtr
consent_plan(SPIPlanPtr *slot, const char *sql, int nargs, Oid *types)
{
	if (*slot == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(sql, nargs, types);

		if (p == NULL)
			elog(ERROR, "could not prepare consent query: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		*slot = p;
	}
	return *slot;
}

typedef struct AsOwner
{
	Oid			save_userid;
	int			save_sec;
} AsOwner;

static void
as_owner_begin(AsOwner *a)
{
	Oid			owner;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	owner = consent_owner();
	GetUserIdAndSecContext(&a->save_userid, &a->save_sec);
	SetUserIdAndSecContext(owner, a->save_sec | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
}

static void
as_owner_end(AsOwner *a)
{
	SetUserIdAndSecContext(a->save_userid, a->save_sec);
	SPI_finish();
}

/*
 * 0: purpose known and allowed for both roles; 1: unknown; 2: a binding
 * refuses it.  The fallback (answer for identities without state) is
 * returned through *fallback when not NULL.
 */
static int
purpose_status_internal(const char *purpose, Oid role1, Oid role2, bool *fallback)
{
	Oid			types[3] = {TEXTOID, OIDOID, OIDOID};
	Datum		args[3];
	AsOwner		a;
	int			result;
	bool		isnull;
	SPIPlanPtr	plan;

	args[0] = CStringGetTextDatum(purpose);
	args[1] = ObjectIdGetDatum(role1);
	args[2] = ObjectIdGetDatum(role2);
	as_owner_begin(&a);
	plan = consent_plan(&plan_status,
						"SELECT EXISTS (SELECT 1 FROM ci.consent_purpose WHERE purpose = $1),"
						" coalesce(ci.consent_purpose_allowed($2, $1), false) AND coalesce(ci.consent_purpose_allowed($3, $1), false),"
						" ci.consent_default_allows('DEFAULT', $1)",
						3, types);
	if (SPI_execute_plan(plan, args, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read ci.consent_purpose");
	if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)))
		result = 1;
	else if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull)))
		result = 2;
	else
		result = 0;
	if (fallback)
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull);

		*fallback = !isnull && DatumGetBool(d);
	}
	as_owner_end(&a);
	return result;
}

int
consent_purpose_status(const char *purpose, Oid role1, Oid role2)
{
	/* the GUC check hook: the extension may not be installed in this database */
	if (!OidIsValid(consent_relid("consent_purpose")))
		return 0;
	return purpose_status_internal(purpose, role1, role2, NULL);
}

static ConsentSet *
consent_new_set(const char *purpose, int channel, bool fallback)
{
	ConsentSet *set = MemoryContextAllocZero(consent_cxt, sizeof(ConsentSet));

	strlcpy(set->purpose, purpose, sizeof(set->purpose));
	set->channel = channel;
	set->fallback = fallback;
	set->generation = next_generation++;
	set->ht = consent_ht_create(consent_cxt, 256, NULL);
	return set;
}

ConsentSet *
consent_session_set(void)
{
	const char *p = consent_purpose_guc;
	int			status;
	bool		fallback;

	consent_validate_key();
	if (session_set != NULL)
		return session_set;
	if (session_set_none || p == NULL || p[0] == '\0')
	{
		session_set_none = true;
		return NULL;
	}
	/* the setting may have bypassed the check hook (postgresql.conf, a placeholder): check now */
	status = purpose_status_internal(p, GetUserId(), GetSessionUserId(), &fallback);
	if (status == 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown consent purpose \"%.*s\"", CONSENT_MAX_PURPOSE + 1, p),
				 errdetail("ci.purpose names a purpose that is not in ci.consent_purpose."),
				 errhint("SET ci.purpose to a known purpose, or RESET it.")));
	if (status == 2)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("role may not declare consent purpose \"%s\"", p),
				 errdetail("A purpose binding in ci.consent_purpose_binding applies to the current or the session user and does not name this purpose."),
				 errhint("Use one of the role's bound purposes.")));
	session_set = consent_new_set(p, consent_channel_guc, fallback);
	return session_set;
}

ConsentSet *
consent_explicit_set(const char *purpose, int purposelen, int channel)
{
	char		buf[CONSENT_MAX_PURPOSE + 1];
	bool		fallback;
	ConsentSet *set;

	consent_validate_key();
	if (purposelen <= CONSENT_MAX_PURPOSE)
	{
		memcpy(buf, purpose, purposelen);
		buf[purposelen] = '\0';
		for (int i = 0; i < n_explicit; i++)
			if (explicit_sets[i]->channel == channel && strcmp(explicit_sets[i]->purpose, buf) == 0)
				return explicit_sets[i];
	}
	if (purposelen > CONSENT_MAX_PURPOSE || memchr(purpose, '\0', purposelen) != NULL ||
		purpose_status_internal(buf, GetUserId(), GetUserId(), &fallback) == 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown consent purpose \"%.*s\"",
						Min(purposelen, CONSENT_MAX_PURPOSE + 1), purpose),
				 errhint("Known purposes are the rows of ci.consent_purpose.")));
	/* an explicit question is not a declaration: bindings do not apply */
	set = consent_new_set(buf, channel, fallback);
	if (n_explicit == CONSENT_MAX_EXPLICIT)
		n_explicit = 0;			/* the old ones stay allocated until the key changes */
	explicit_sets[n_explicit++] = set;
	return set;
}

/* Looks one customer up (insert into the table) or, past the limit, loads all. */
static void
consent_load(ConsentSet *set, int64 customer, bool all)
{
	Oid			types[3] = {TEXTOID, TEXTOID, INT8OID};
	Datum		args[3];
	AsOwner		a;

	args[0] = CStringGetTextDatum(set->purpose);
	args[1] = CStringGetTextDatum(consent_channel_names[set->channel]);
	args[2] = Int64GetDatum(customer);
	as_owner_begin(&a);
	if (!all)
	{
		SPIPlanPtr	plan = consent_plan(&plan_one,
										"SELECT allowed FROM ci.consent_allowed_ids($1, $2, ARRAY[$3])",
										3, types);
		bool		found;
		bool		allowed = set->fallback;
		ConsentEntry *e;

		if (SPI_execute_plan(plan, args, NULL, true, 2) != SPI_OK_SELECT)
			elog(ERROR, "could not read consent state");
		if (SPI_processed > 0)
		{
			bool		isnull;
			Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

			allowed = !isnull && DatumGetBool(d);
		}
		e = consent_ht_insert(set->ht, customer, &found);
		e->allowed = allowed;
	}
	else
	{
		SPIPlanPtr	plan = consent_plan(&plan_all,
										"SELECT identity_id, allowed FROM ci.consent_allowed_ids($1, $2)",
										2, types);
		Portal		portal = SPI_cursor_open(NULL, plan, args, NULL, true);

		for (;;)
		{
			SPI_cursor_fetch(portal, true, CONSENT_FETCH_BATCH);
			if (SPI_processed == 0)
				break;
			for (uint64 i = 0; i < SPI_processed; i++)
			{
				bool		n1,
							n2;
				Datum		id = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &n1);
				Datum		ok = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &n2);
				bool		found;
				ConsentEntry *e;

				if (n1)
					continue;
				/* the table grows in consent_cxt (given at creation), not in SPI's memory */
				e = consent_ht_insert(set->ht, DatumGetInt64(id), &found);
				e->allowed = !n2 && DatumGetBool(ok);
			}
			SPI_freetuptable(SPI_tuptable);
			CHECK_FOR_INTERRUPTS();
		}
		SPI_cursor_close(portal);
		set->complete = true;
	}
	as_owner_end(&a);
}

bool
consent_set_allows(ConsentSet *set, int64 customer)
{
	ConsentEntry *e = consent_ht_lookup(set->ht, customer);

	if (e != NULL)
		return e->allowed;
	if (set->complete)
		return set->fallback;
	consent_load(set, customer, ++set->lookups > CONSENT_LAZY_LIMIT);
	if (set->complete)
	{
		e = consent_ht_lookup(set->ht, customer);
		return e != NULL ? e->allowed : set->fallback;
	}
	return consent_ht_lookup(set->ht, customer)->allowed;
}

uint64
consent_set_generation(ConsentSet *set)
{
	return set->generation;
}

const char *
consent_set_purpose(ConsentSet *set)
{
	return set->purpose;
}
