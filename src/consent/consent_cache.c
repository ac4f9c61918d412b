/*
 * consent_cache.c — consent answers with one probe per row.
 *
 * A row filter over millions of rows cannot run a query per row.  The
 * answers for one (purpose, channel) are kept per session: a bitmap over
 * identity ids (a hash table when the ids are sparse), read once and kept
 * while nothing they depend on has changed:
 *
 *   - every statement that changes consent (state, subjects, defaults,
 *     purposes, jurisdictions) appends a row to ci.consent_change (and
 *     prunes old rows).  At the start of each statement (a new snapshot:
 *     xmin, xmax, in-progress counts, command id — equal keys see the same
 *     rows) the cache reads the set of change ids visible to that snapshot;
 *     if it differs from the set the answers were read under, they are
 *     dropped.  A withdrawal committed by another session is thus honoured
 *     by this session's next statement; a REPEATABLE READ transaction keeps
 *     seeing what its snapshot sees; own and rolled-back changes change the
 *     visible set too;
 *   - answers depend on the time through valid_from and valid_until: a set
 *     is dropped at the first statement of a transaction whose now() has
 *     reached the earliest such boundary after it was read;
 *   - the session's purpose and the role's binding are checked again at
 *     every statement (consent_session_set), not cached.
 *
 * Loading is adaptive: the first CONSENT_LAZY_LIMIT (16) customers asked
 * for in a statement are looked up one by one (index probes: a
 * single-customer query stays cheap, and such sets live for one statement
 * only); past that every answer is read in one pass and kept.  Both use the
 * rule in SQL, ci.consent_allowed_one() and ci.consent_allowed_ids(), read
 * as the owner of ci.consent_state (like a foreign-key check): the querying
 * role needs no privilege on the consent tables.
 *
 * Where the tables are read: on one node and on a Citus coordinator, the
 * coordinator's own tables.  On a Citus worker, where the filter of a
 * distributed table runs inside the shard queries, the copies that
 * ci.distribute() made reference tables (src/consent/80_node.sql), read
 * through the worker's own shard of each (a query on the Citus table
 * itself would be a distributed query from a shard query, which Citus
 * refuses).  The queries are written with @name for each table
 * (consent_expand); which relations they name is found once per
 * transaction (consent_locate), and the prepared queries are dropped when
 * it changes.
 */
#include "ci_common.h"

#include "access/htup_details.h"
#include "access/parallel.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "consent/consent.h"

#define CONSENT_LAZY_LIMIT	16
#define CONSENT_MAX_SETS 8
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
	MemoryContext cxt;			/* the set's own memory */
	TimestampTz expires_at;		/* first valid_from/valid_until boundary after loading */
	consent_ht_hash *ht;
	/* once complete, when the ids are dense enough: one bit per id from base */
	uint64	   *bits;
	int64		base;
	uint64		nbits;
};

/* A bitmap is used when it costs at most this many bits per answer (or 4 Mbit). */
#define CONSENT_BITS_PER_ANSWER 64
#define CONSENT_BITMAP_MIN_BITS (UINT64CONST(1) << 22)

/* Per statement: the key the cache was checked for (consent.h). */
static bool key_valid = false;
ConsentKey	consent_key;
uint64		consent_key_epoch = 1;
static ConsentSet *session_set = NULL;
static bool session_set_none = false;	/* no purpose declared */
static ConsentSet *declared_set = NULL; /* a statement's declared one, checked */

/* Across statements: the answers, and the change ids they were read under. */
static MemoryContext consent_cxt = NULL;
static ConsentSet *sets[CONSENT_MAX_SETS];
static int	n_sets = 0;
static int64 *token = NULL;
static int	token_n = -1;		/* -1: not read yet */
static Oid	token_rel = InvalidOid; /* ci.consent_change: a new one after DROP/CREATE EXTENSION */

static SPIPlanPtr plan_status = NULL;
static SPIPlanPtr plan_one = NULL;
static SPIPlanPtr plan_all = NULL;
static SPIPlanPtr plan_token = NULL;
static SPIPlanPtr plan_expiry = NULL;

/*
 * The tables the queries read, as @name in their text, and the relation
 * each names in this backend (consent_locate).
 */
enum
{
	CT_STATE, CT_SUBJECT, CT_PURPOSE, CT_DEFAULT, CT_BINDING, CT_CHANGE, CT_COUNT
};
static const char *const ct_names[CT_COUNT] = {
	"consent_state", "consent_subject", "consent_purpose", "consent_default", "consent_purpose_binding",
	"consent_change"
};
static const char *const ct_node_names[CT_COUNT] = {
	"consent_node_state", "consent_node_subject", "consent_node_purpose", "consent_node_default",
	"consent_node_binding", "consent_node_change"
};
static char ct_sql[CT_COUNT][2 * NAMEDATALEN + 8];	/* quoted, qualified */
static Oid	ct_token_rel = InvalidOid;	/* the change notes' relation named now */
static bool ct_located = false;	/* in this transaction */
static bool ct_no_copies = false;	/* a Citus worker without the copies: no answers */

static void consent_locate(void);
static void consent_read_token(int64 **ids, int *n);
static void consent_load(ConsentSet *set, int64 customer, bool all);
static Oid	consent_relid(const char *name);

static void
consent_drop_set(int i)
{
	ConsentSet *set = sets[i];
	MemoryContext cxt = set->cxt;

	sets[i] = sets[--n_sets];
	if (set == session_set)
		session_set = NULL;
	if (set == declared_set)
		declared_set = NULL;
	MemoryContextDelete(cxt);
	consent_key_epoch++;		/* call sites may point into it */
}

static void
consent_drop_all(void)
{
	while (n_sets > 0)
		consent_drop_set(n_sets - 1);
}

static void
consent_xact_callback(XactEvent event, void *arg)
{
	/* the next transaction checks its first statement again */
	key_valid = false;
	ct_located = false;
	session_set = NULL;
	session_set_none = false;
	declared_set = NULL;
	consent_key_epoch++;
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

/*
 * A new statement (snapshot): keep the answers only if the visible change
 * ids are those they were read under, drop one-statement and expired sets.
 */
static void
consent_new_statement(void)
{
	int64	   *ids;
	int			n;
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	Oid			rel;

	if (consent_cxt == NULL)
		consent_cxt = AllocSetContextCreate(TopMemoryContext, "customer_intel consent cache",
											ALLOCSET_SMALL_SIZES);
	consent_read_token(&ids, &n);
	/*
	 * A worker's own copies of the extension's tables are never written:
	 * answering from them would answer by the DEFAULT jurisdiction for
	 * everyone (allowing its opt-out purposes), so refuse instead.
	 */
	if (ct_no_copies)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("consent cannot be checked on this Citus worker yet"),
				 errdetail("The workers read copies of the coordinator's consent state (ci.consent_node_*), which ci.distribute() makes."),
				 errhint("Run SELECT ci.distribute(); on the coordinator.")));
	rel = ct_token_rel;
	if (rel != token_rel || n != token_n || (n > 0 && memcmp(ids, token, n * sizeof(int64)) != 0))
	{
		token_rel = rel;
		consent_drop_all();
		if (token != NULL)
			pfree(token);
		token = MemoryContextAlloc(consent_cxt, Max(n, 1) * sizeof(int64));
		if (n > 0)
			memcpy(token, ids, n * sizeof(int64));
		token_n = n;
	}
	pfree(ids);
	for (int i = n_sets - 1; i >= 0; i--)
		if (!sets[i]->complete || now >= sets[i]->expires_at)
			consent_drop_set(i);
}

/*
 * Everything cached stays only if it was built for the current snapshot's
 * view.  In a parallel worker, the answers the leader shared for this very
 * snapshot are adopted instead of read again (consent_share.c).
 */
static void
consent_validate_key(void)
{
	ConsentKey	k;

	if (key_valid && consent_key_current())
		return;
	if (!consent_key_of_now(&k))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("consent can only be checked inside a query")));
	key_valid = false;
	session_set = NULL;
	session_set_none = false;
	declared_set = NULL;
	consent_key_epoch++;
	if (IsParallelWorker() && (session_set = consent_share_adopt(&k)) != NULL)
	{
		/* the leader checked the purpose and read the answers under this key */
		consent_key = k;
		key_valid = true;
		return;
	}
	consent_new_statement();
	consent_key = k;
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

/* The query text with each @name replaced by the relation it names here. */
static char *
consent_expand(const char *tmpl)
{
	StringInfoData buf;
	const char *p = tmpl;

	initStringInfo(&buf);
	while (*p)
	{
		const char *at = strchr(p, '@');
		int			i;

		if (at == NULL)
		{
			appendStringInfoString(&buf, p);
			break;
		}
		appendBinaryStringInfo(&buf, p, at - p);
		p = at + 1;
		for (i = 0; i < CT_COUNT; i++)
		{
			size_t		len = strlen(ct_names[i]);

			if (strncmp(p, ct_names[i], len) == 0 && !(p[len] == '_' || (p[len] >= 'a' && p[len] <= 'z')))
			{
				appendStringInfoString(&buf, ct_sql[i]);
				p += len;
				break;
			}
		}
		if (i == CT_COUNT)
			elog(ERROR, "unknown consent table in query: %s", p);
	}
	return buf.data;
}

static void
consent_forget_plans(void)
{
	SPIPlanPtr *slots[] = {&plan_status, &plan_one, &plan_all, &plan_token, &plan_expiry};

	for (int i = 0; i < (int) lengthof(slots); i++)
		if (*slots[i] != NULL)
		{
			SPI_freeplan(*slots[i]);
			*slots[i] = NULL;
		}
}

/*
 * Which relations the queries read, found once per transaction (SPI
 * connected).  Without Citus (no pg_dist_partition): ci's own tables, with
 * one catalog look-up.  With Citus, on a node other than the coordinator
 * whose copies are reference tables with a shard here: those shards.
 */
static void
consent_locate(void)
{
	Oid			ns;
	Oid			rels[CT_COUNT];
	bool		node = false;
	bool		worker = false;

	if (ct_located)
		return;
	ns = get_namespace_oid("ci", false);
	if (OidIsValid(get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE)))
	{
		int			found = 0;

		/* this node's group (0: the coordinator) and its shards of the copies */
		if (SPI_execute("SELECT g.groupid <> 0, x.relname, x.shardid FROM pg_catalog.pg_dist_local_group g"
						" LEFT JOIN (SELECT c.relname::text, s.shardid, p.groupid FROM pg_catalog.pg_dist_shard s"
						"            JOIN pg_catalog.pg_class c ON c.oid = s.logicalrelid"
						"            JOIN pg_catalog.pg_dist_placement p ON p.shardid = s.shardid"
						"           WHERE c.relnamespace = 'ci'::pg_catalog.regnamespace"
						"             AND c.relname LIKE 'consent\\_node\\_%') x ON x.groupid = g.groupid AND g.groupid <> 0",
						true, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read the Citus placements of the consent copies");
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			bool		isnull;
			char	   *relname = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2);
			int64		shardid;

			worker = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull));
			if (relname == NULL)
				continue;
			shardid = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 3, &isnull));
			for (int i = 0; i < CT_COUNT; i++)
				if (strcmp(relname, ct_node_names[i]) == 0)
				{
					char	   *shard = psprintf("%s_" INT64_FORMAT, relname, shardid);

					rels[i] = get_relname_relid(shard, ns);
					if (OidIsValid(rels[i]))
					{
						snprintf(ct_sql[i], sizeof(ct_sql[i]), "ci.%s", quote_identifier(shard));
						found++;
					}
				}
		}
		node = (found == CT_COUNT);
	}
	if (!node)
		for (int i = 0; i < CT_COUNT; i++)
		{
			rels[i] = get_relname_relid(ct_names[i], ns);
			snprintf(ct_sql[i], sizeof(ct_sql[i]), "ci.%s", ct_names[i]);
		}
	if (rels[CT_CHANGE] != ct_token_rel)
		consent_forget_plans();
	ct_token_rel = rels[CT_CHANGE];
	ct_no_copies = worker && !node;
	ct_located = true;
}

static SPIPlanPtr
consent_plan(SPIPlanPtr *slot, const char *sql, int nargs, Oid *types)
{
	if (*slot == NULL)
	{
		/*
		 * Generic plans from the first execution: these run once per
		 * statement, where planning would cost more than running.
		 */
		SPIPlanPtr	p = SPI_prepare_cursor(consent_expand(sql), nargs, types, CURSOR_OPT_GENERIC_PLAN);

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
	int			nestlevel;
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
	/* as the owner, names resolve in pg_catalog only (like a SET clause; allowed in workers) */
	a->nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	consent_locate();
}

static void
as_owner_end(AsOwner *a)
{
	AtEOXact_GUC(true, a->nestlevel);
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
						/* plain SQL, planned once: no SQL-function calls to plan per execution */
						"SELECT EXISTS (SELECT 1 FROM @consent_purpose WHERE purpose = $1),"
						" (SELECT bool_and(r.rolsuper"
						"   OR NOT EXISTS (SELECT 1 FROM @consent_purpose_binding b JOIN pg_catalog.pg_roles br ON br.rolname = b.role_name"
						"                   WHERE pg_catalog.pg_has_role(r.oid, br.oid, 'MEMBER'))"
						"   OR EXISTS (SELECT 1 FROM @consent_purpose_binding b JOIN pg_catalog.pg_roles br ON br.rolname = b.role_name"
						"               WHERE b.purpose = $1 AND pg_catalog.pg_has_role(r.oid, br.oid, 'MEMBER')))"
						"    FROM pg_catalog.pg_roles r WHERE r.oid IN ($2, $3)),"
						" (SELECT d.absent <> 'denied' FROM @consent_default d WHERE d.jurisdiction = 'DEFAULT' AND d.purpose = $1)",
						3, types);
	if (SPI_execute_plan(plan, args, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read ci.consent_purpose");
	if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)))
		result = 1;
	else if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull)) || isnull)
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

/* The change rows visible to the current snapshot, in order (palloc'd). */
static void
consent_read_token(int64 **ids, int *n)
{
	AsOwner		a;
	MemoryContext upper = CurrentMemoryContext;

	as_owner_begin(&a);
	if (SPI_execute_plan(consent_plan(&plan_token,
									  "SELECT change_id, bumps FROM @consent_change ORDER BY change_id", 0, NULL),
						 NULL, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read ci.consent_change");
	/* (change id, bumps) pairs: a transaction bumps its own row for each change */
	*n = (int) SPI_processed * 2;
	*ids = MemoryContextAlloc(upper, Max(*n, 1) * sizeof(int64));
	for (int i = 0; i < (int) SPI_processed; i++)
	{
		bool		isnull;

		(*ids)[2 * i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		(*ids)[2 * i + 1] = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
	}
	as_owner_end(&a);
}

static ConsentSet *
consent_find_set(const char *purpose, int channel)
{
	for (int i = 0; i < n_sets; i++)
		if (sets[i]->channel == channel && strcmp(sets[i]->purpose, purpose) == 0)
			return sets[i];
	return NULL;
}

static ConsentSet *
consent_new_set(const char *purpose, int channel, bool fallback)
{
	MemoryContext cxt;
	ConsentSet *set;

	if (n_sets == CONSENT_MAX_SETS)
		consent_drop_set(0);
	cxt = AllocSetContextCreate(consent_cxt, "customer_intel consent answers", ALLOCSET_DEFAULT_SIZES);
	set = MemoryContextAllocZero(cxt, sizeof(ConsentSet));
	set->cxt = cxt;
	strlcpy(set->purpose, purpose, sizeof(set->purpose));
	set->channel = channel;
	set->fallback = fallback;
	set->expires_at = DT_NOEND;
	set->ht = consent_ht_create(cxt, 256, NULL);
	sets[n_sets++] = set;
	return set;
}

/*
 * The session's set; with noerror, NULL instead of the errors (the check
 * of the rows raises them).
 */
static ConsentSet *
session_set_internal(bool noerror)
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
	/*
	 * Once per statement: the setting may have bypassed the check hook
	 * (postgresql.conf, a placeholder), or a binding may have changed.
	 */
	status = purpose_status_internal(p, GetUserId(), GetSessionUserId(), &fallback);
	if (status != 0 && noerror)
		return NULL;
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
	session_set = consent_find_set(p, consent_channel_guc);
	if (session_set == NULL)
		session_set = consent_new_set(p, consent_channel_guc, fallback);
	return session_set;
}

ConsentSet *
consent_session_set(void)
{
	return session_set_internal(false);
}

/*
 * A statement's declared purpose (consent_citus.c): checked like ci.purpose
 * (known, and allowed by the bindings of the current and the session user),
 * once per statement.
 */
ConsentSet *
consent_declared_set(const char *p, int channel)
{
	int			status;
	bool		fallback;

	consent_validate_key();
	if (p[0] == '\0')
		return NULL;
	if (declared_set != NULL && declared_set->channel == channel && strcmp(declared_set->purpose, p) == 0)
		return declared_set;
	status = purpose_status_internal(p, GetUserId(), GetSessionUserId(), &fallback);
	if (status == 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown consent purpose \"%.*s\"", CONSENT_MAX_PURPOSE + 1, p),
				 errdetail("The purpose the statement declared is not in ci.consent_purpose.")));
	if (status == 2)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("role may not declare consent purpose \"%s\"", p),
				 errdetail("A purpose binding in ci.consent_purpose_binding applies to the current or the session user and does not name this purpose."),
				 errhint("Use one of the role's bound purposes.")));
	declared_set = consent_find_set(p, channel);
	if (declared_set == NULL)
		declared_set = consent_new_set(p, channel, fallback);
	return declared_set;
}

/*
 * The session's set with every answer loaded (for a parallel query's
 * workers), or NULL: no purpose, or one the rows' check will refuse.
 */
ConsentSet *
consent_session_set_complete(void)
{
	ConsentSet *set = session_set_internal(true);

	if (set != NULL && !set->complete)
		consent_load(set, 0, true);
	return set;
}

/* A complete set made from answers the leader shared (a parallel worker). */
ConsentSet *
consent_adopt_set(const char *purpose, int channel, bool fallback, TimestampTz expires_at,
				  int64 base, uint64 nbits, const uint64 *bits)
{
	ConsentSet *set;
	Size		words = (nbits + 63) / 64;

	if (consent_cxt == NULL)
		consent_cxt = AllocSetContextCreate(TopMemoryContext, "customer_intel consent cache",
											ALLOCSET_SMALL_SIZES);
	/* no answers of another snapshot are kept alongside */
	consent_drop_all();
	token_n = -1;
	set = consent_new_set(purpose, channel, fallback);
	consent_ht_destroy(set->ht);
	set->ht = NULL;
	set->complete = true;
	set->expires_at = expires_at;
	set->base = base;
	set->nbits = nbits;
	set->bits = MemoryContextAllocHuge(set->cxt, Max(words, 1) * sizeof(uint64));
	memcpy(set->bits, bits, words * sizeof(uint64));
	return set;
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
		set = consent_find_set(buf, channel);
		if (set != NULL)
			return set;
	}
	if (purposelen > CONSENT_MAX_PURPOSE || memchr(purpose, '\0', purposelen) != NULL ||
		purpose_status_internal(buf, GetUserId(), GetUserId(), &fallback) == 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown consent purpose \"%.*s\"",
						Min(purposelen, CONSENT_MAX_PURPOSE + 1), purpose),
				 errhint("Known purposes are the rows of ci.consent_purpose.")));
	/* an explicit question is not a declaration: bindings do not apply */
	return consent_new_set(buf, channel, fallback);
}

/*
 * Identity ids are dense integers: once every answer is loaded, one bit per
 * id (12.5 kB for 100,000 customers) answers from the CPU cache where a
 * hash table of the same answers would not.  Ids without state get the
 * fallback answer.  Sparse ids keep the hash table.
 */
static void
consent_make_bitmap(ConsentSet *set)
{
	consent_ht_iterator it;
	ConsentEntry *e;
	int64		lo = PG_INT64_MAX,
				hi = PG_INT64_MIN;
	uint64		n = set->ht->members,
				span;

	if (n == 0)
		return;
	consent_ht_start_iterate(set->ht, &it);
	while ((e = consent_ht_iterate(set->ht, &it)) != NULL)
	{
		lo = Min(lo, e->id);
		hi = Max(hi, e->id);
	}
	span = (uint64) hi - (uint64) lo + 1;	/* no overflow in unsigned arithmetic */
	if (span == 0 || span > Max(CONSENT_BITMAP_MIN_BITS, n * CONSENT_BITS_PER_ANSWER))
		return;
	set->bits = MemoryContextAllocHuge(set->cxt, ((span + 63) / 64) * sizeof(uint64));
	memset(set->bits, set->fallback ? 0xFF : 0, ((span + 63) / 64) * sizeof(uint64));
	consent_ht_start_iterate(set->ht, &it);
	while ((e = consent_ht_iterate(set->ht, &it)) != NULL)
	{
		uint64		off = (uint64) e->id - (uint64) lo;

		if (e->allowed)
			set->bits[off / 64] |= UINT64CONST(1) << (off % 64);
		else
			set->bits[off / 64] &= ~(UINT64CONST(1) << (off % 64));
	}
	set->base = lo;
	set->nbits = span;
	consent_ht_destroy(set->ht);
	set->ht = NULL;
}

/*
 * The consent rule (ci.consent_allowed_ids() in SQL, which the docs show),
 * written out here: SQL functions with a SET clause are not inlined, and
 * one call per answer would cost more than the answer.  $1 purpose, $2
 * channel; the arguments add a filter on the subject and the state.
 */
#define CONSENT_RULE_SQL(subject_filter, state_filter) \
	"WITH s AS (SELECT s.identity_id, s.jurisdiction, s.suppressed_channels, s.blocked_reason" \
	"             FROM @consent_subject s" subject_filter ")," \
	" d AS (SELECT DISTINCT ON (st.identity_id) st.identity_id, st.decision = 'granted' AS granted," \
	"              (st.valid_from IS NULL OR st.valid_from <= now()) AND (st.valid_until IS NULL OR st.valid_until > now()) AS in_force" \
	"         FROM @consent_state st WHERE st.purpose = $1 AND st.channel IN ($2, 'all')" state_filter \
	"        ORDER BY st.identity_id, st.decided_at DESC, (st.decision = 'granted'), (st.channel = 'all'))," \
	" r AS (SELECT coalesce(s.identity_id, d.identity_id) AS identity_id," \
	"        CASE WHEN s.blocked_reason IS NOT NULL THEN false" \
	"             WHEN p.contacts AND s.suppressed_channels && ARRAY['all', $2]::text[] THEN false" \
	"             WHEN d.in_force THEN d.granted" \
	"             ELSE coalesce(coalesce(jd.absent, dd.absent) <> 'denied', false) END AS allowed" \
	"   FROM s FULL JOIN d ON d.identity_id = s.identity_id" \
	"  CROSS JOIN (SELECT contacts FROM @consent_purpose WHERE purpose = $1) p" \
	"   LEFT JOIN @consent_default jd ON jd.jurisdiction = coalesce(s.jurisdiction, 'DEFAULT') AND jd.purpose = $1" \
	"   LEFT JOIN @consent_default dd ON dd.jurisdiction = 'DEFAULT' AND dd.purpose = $1)"

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
										CONSENT_RULE_SQL(" WHERE s.identity_id = $3", " AND st.identity_id = $3")
										" SELECT allowed FROM r",
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

			allowed = isnull ? set->fallback : DatumGetBool(d);
		}
		e = consent_ht_insert(set->ht, customer, &found);
		e->allowed = allowed;
	}
	else
	{
		SPIPlanPtr	plan = consent_plan(&plan_all,
										CONSENT_RULE_SQL("", "")
										" SELECT identity_id, allowed FROM r",
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
		/* the answers hold until the first validity boundary after now() */
		if (SPI_execute_plan(consent_plan(&plan_expiry,
										  "SELECT min(t) FROM (SELECT valid_from FROM @consent_state WHERE purpose = $1 AND valid_from > now()"
										  " UNION ALL SELECT valid_until FROM @consent_state WHERE purpose = $1 AND valid_until > now()) b(t)",
										  1, types),
							 args, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "could not read consent validity");
		{
			bool		isnull;
			Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

			set->expires_at = isnull ? DT_NOEND : DatumGetTimestampTz(d);
		}
		set->complete = true;
		consent_make_bitmap(set);
	}
	as_owner_end(&a);
}

bool
consent_set_allows(ConsentSet *set, int64 customer)
{
	ConsentEntry *e;

	if (set->bits != NULL)
	{
		uint64		off = (uint64) customer - (uint64) set->base;

		if (off < set->nbits)
			return (set->bits[off / 64] >> (off % 64)) & 1;
		return set->fallback;
	}
	e = consent_ht_lookup(set->ht, customer);

	if (e != NULL)
		return e->allowed;
	if (set->complete)
		return set->fallback;
	consent_load(set, customer, ++set->lookups > CONSENT_LAZY_LIMIT);
	if (set->complete)
		return consent_set_allows(set, customer);
	return consent_ht_lookup(set->ht, customer)->allowed;
}

const uint64 *
consent_set_bitmap(ConsentSet *set, int64 *base, uint64 *nbits, bool *fallback)
{
	*base = set->base;
	*nbits = set->nbits;
	*fallback = set->fallback;
	return set->bits;
}

TimestampTz
consent_set_expiry(ConsentSet *set)
{
	return set->expires_at;
}

const char *
consent_set_purpose(ConsentSet *set)
{
	return set->purpose;
}
