/*
 * consent_citus.c — the declared purpose reaches the Citus workers.
 *
 * On Citus the row filter of a protected distributed or reference table
 * runs on the workers, in the shard queries, where the session's ci.purpose
 * and ci.channel are not set: Citus sends a session's SET nowhere, and SET
 * LOCAL only inside a transaction block.  So the purpose travels inside the
 * statement itself, as a planner hook on every node (the library must be
 * preloaded, doc/scaling.md):
 *
 *   - on the node that plans a query over Citus tables (the coordinator),
 *     every query level that reads a protected Citus table gets the
 *     condition ci.consent_declared(<customer>, <purpose>, <channel>) — the
 *     session's settings as constants — added to its WHERE clause (to an
 *     upsert's DO UPDATE WHERE, whose row checks run the filter too).  It
 *     is always true; Citus deparses it into every shard query that reads
 *     the table (it names the table's column, so it follows the table
 *     wherever Citus puts its scan);
 *   - on the node that plans a shard query (a worker, or the coordinator
 *     executing a shard locally), the declared values found there are
 *     written into the shard policy's own filter: ci.consent_check's
 *     purpose list gets "=purpose:channel" as its first element, which
 *     consent_check.c reads instead of the session's settings; the
 *     condition's customer becomes NULL so that it folds to a constant.
 *
 * The values are part of the plan: nothing is left behind on a pooled
 * worker connection, and each statement carries the purpose its session
 * had when it was planned.  A cached plan holding one is thrown away when
 * ci.purpose or ci.channel change (consent_citus_settings_changed).  A
 * shard query that reaches a filter without a declared purpose (the
 * library was not preloaded on the coordinator or on the worker) is
 * refused by consent_check.c, never answered from the worker's own
 * settings.
 */
#include "ci_common.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_collation.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/planner.h"
#include "parser/parsetree.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/plancache.h"
#include "utils/syscache.h"

#include "consent/consent.h"

/* A plan of this session carries a declared purpose (see consent_guc.c). */
bool		consent_markers_planned = false;

static planner_hook_type prev_planner = NULL;
static Oid	check_fn = InvalidOid;
static Oid	declared_fn = InvalidOid;
static bool fns_known = false;

static void
forget_fns(Datum arg, int cacheid, uint32 hashvalue)
{
	fns_known = false;
}

static Oid
ci_function(Oid nsp, const char *name, int nargs, Oid *types)
{
	return GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid, CStringGetDatum(name),
						   PointerGetDatum(buildoidvector(types, nargs)), ObjectIdGetDatum(nsp));
}

/* The filter's and the condition's OIDs (InvalidOid: no extension here). */
static void
lookup_fns(void)
{
	Oid			nsp;
	Oid			check_args[2] = {INT8OID, TEXTARRAYOID};
	Oid			declared_args[3] = {INT8OID, TEXTOID, TEXTOID};

	if (fns_known)
		return;
	nsp = get_namespace_oid("ci", true);
	check_fn = OidIsValid(nsp) ? ci_function(nsp, "consent_check", 2, check_args) : InvalidOid;
	declared_fn = OidIsValid(nsp) ? ci_function(nsp, "consent_declared", 3, declared_args) : InvalidOid;
	fns_known = true;
}

/* Whether relid is a Citus table (distributed, reference or Citus local). */
static bool
is_citus_table(Oid dist_partition, Oid relid)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	bool		found;

	rel = table_open(dist_partition, AccessShareLock);
	/* pg_dist_partition.logicalrelid is its first column; a few rows per table */
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 1, &key);
	found = HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

/* The customer argument of the first ci.consent_check call in node, or NULL. */
static bool
find_check(Node *node, Node **customer)
{
	if (node == NULL)
		return false;
	if (IsA(node, FuncExpr) && ((FuncExpr *) node)->funcid == check_fn &&
		list_length(((FuncExpr *) node)->args) == 2)
	{
		*customer = linitial(((FuncExpr *) node)->args);
		return true;
	}
	return expression_tree_walker(node, find_check, customer);
}

/* ---- on the planning node: add the session's settings ---- */

typedef struct DeclareContext
{
	Oid			dist_partition; /* pg_dist_partition */
	Const	   *purpose;
	Const	   *channel;
} DeclareContext;

static bool
declare_walker(Node *node, DeclareContext *c)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
	{
		Query	   *q = (Query *) node;
		ListCell   *lc;

		foreach(lc, q->rtable)
		{
			RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);
			Node	   *customer = NULL;
			FuncExpr   *cond;

			if (rte->rtekind != RTE_RELATION || rte->securityQuals == NIL ||
				!find_check((Node *) rte->securityQuals, &customer) ||
				!is_citus_table(c->dist_partition, rte->relid))
				continue;
			/* the policy's Vars name this level's entry: valid in its WHERE */
			cond = makeFuncExpr(declared_fn, BOOLOID,
								list_make3(copyObject(customer), copyObject(c->purpose), copyObject(c->channel)),
								InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
			if (q->jointree == NULL)
				q->jointree = makeFromExpr(NIL, NULL);
			q->jointree->quals = make_and_qual(q->jointree->quals, (Node *) cond);
			consent_markers_planned = true;
		}
		/*
		 * An upsert into a protected table checks the filter on the new and
		 * the existing row (row-level security's check options): the
		 * condition goes into its DO UPDATE's WHERE, which Citus sends.
		 */
		if (q->commandType == CMD_INSERT && q->onConflict != NULL &&
			q->onConflict->action == ONCONFLICT_UPDATE && q->resultRelation > 0)
		{
			Node	   *customer = NULL;
			RangeTblEntry *target = rt_fetch(q->resultRelation, q->rtable);

			if (find_check((Node *) q->withCheckOptions, &customer) &&
				is_citus_table(c->dist_partition, target->relid))
			{
				FuncExpr   *cond = makeFuncExpr(declared_fn, BOOLOID,
												list_make3(copyObject(customer), copyObject(c->purpose),
														   copyObject(c->channel)),
												InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);

				q->onConflict->onConflictWhere = make_and_qual(q->onConflict->onConflictWhere, (Node *) cond);
				consent_markers_planned = true;
			}
		}
		return query_tree_walker(q, declare_walker, c, 0);
	}
	return expression_tree_walker(node, declare_walker, c);
}

/* ---- on the node that runs a shard query: apply the declared values ---- */

typedef struct ApplyContext
{
	char	   *purpose;		/* first declaration found; NULL: none */
	char	   *channel;
	bool		rewrite;		/* second pass: rewrite the filters */
} ApplyContext;

static char *
const_text(Node *arg)
{
	if (arg == NULL || !IsA(arg, Const) || ((Const *) arg)->constisnull ||
		((Const *) arg)->consttype != TEXTOID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ci.consent_declared() takes the declared purpose and channel as constants"),
				 errhint("It is written by customer_intel into queries over protected Citus tables; do not call it.")));
	return TextDatumGetCString(((Const *) arg)->constvalue);
}

static bool
apply_walker(Node *node, ApplyContext *c)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, apply_walker, c, 0);
	if (IsA(node, FuncExpr) && ((FuncExpr *) node)->funcid == declared_fn &&
		list_length(((FuncExpr *) node)->args) == 3)
	{
		FuncExpr   *f = (FuncExpr *) node;

		if (!c->rewrite)
		{
			char	   *p = const_text(lsecond(f->args));
			char	   *ch = const_text(lthird(f->args));

			if (c->purpose == NULL)
			{
				c->purpose = p;
				c->channel = ch;
			}
			else if (strcmp(p, c->purpose) != 0 || strcmp(ch, c->channel) != 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("a query declares two consent purposes: \"%s\" on %s and \"%s\" on %s",
								c->purpose, c->channel, p, ch)));
		}
		else
			linitial(f->args) = makeNullConst(INT8OID, -1, InvalidOid);	/* folds to true */
		return false;
	}
	if (c->rewrite && IsA(node, FuncExpr) && ((FuncExpr *) node)->funcid == check_fn &&
		list_length(((FuncExpr *) node)->args) == 2 && IsA(lsecond(((FuncExpr *) node)->args), Const) &&
		!((Const *) lsecond(((FuncExpr *) node)->args))->constisnull)
	{
		FuncExpr   *f = (FuncExpr *) node;
		Const	   *list = (Const *) lsecond(f->args);
		ArrayType  *arr = DatumGetArrayTypeP(list->constvalue);
		Datum	   *elems;
		bool	   *nulls;
		int			n;
		Datum	   *out;
		bool	   *outnulls;
		int			dims[1];
		int			lbs[1] = {1};

		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
		/* an already declared list (a re-planned shard query) keeps its declaration */
		if (n > 0 && !nulls[0] && VARSIZE_ANY_EXHDR(DatumGetTextPP(elems[0])) > 0 &&
			VARDATA_ANY(DatumGetTextPP(elems[0]))[0] == '=')
			return false;
		out = palloc((n + 1) * sizeof(Datum));
		outnulls = palloc0((n + 1) * sizeof(bool));
		out[0] = CStringGetTextDatum(psprintf("=%s:%s", c->purpose, c->channel));
		memcpy(out + 1, elems, n * sizeof(Datum));
		memcpy(outnulls + 1, nulls, n * sizeof(bool));
		dims[0] = n + 1;
		lsecond(f->args) = makeConst(TEXTARRAYOID, -1, InvalidOid, -1,
									 PointerGetDatum(construct_md_array(out, outnulls, 1, dims, lbs,
																		TEXTOID, -1, false, TYPALIGN_INT)),
									 false, false);
		return false;
	}
	return expression_tree_walker(node, apply_walker, c);
}

static PlannedStmt *
consent_planner(Query *parse, const char *query_string, int cursorOptions, ParamListInfo boundParams)
{
	/* only queries that row-level security filtered can hold the filter */
	if (parse->hasRowSecurity && IsTransactionState())
	{
		lookup_fns();
		if (OidIsValid(check_fn) && OidIsValid(declared_fn))
		{
			ApplyContext a = {NULL, NULL, false};
			Oid			dist_partition = get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE);

			/* first what the query brought (a shard query), then what it sends */
			(void) apply_walker((Node *) parse, &a);
			if (a.purpose != NULL)
			{
				a.rewrite = true;
				(void) apply_walker((Node *) parse, &a);
			}
			if (OidIsValid(dist_partition))
			{
				DeclareContext d;
				const char *p = consent_purpose_guc != NULL ? consent_purpose_guc : "";

				d.dist_partition = dist_partition;
				d.purpose = makeConst(TEXTOID, -1, DEFAULT_COLLATION_OID, -1, CStringGetTextDatum(p), false, false);
				d.channel = makeConst(TEXTOID, -1, DEFAULT_COLLATION_OID, -1,
									  CStringGetTextDatum(consent_channel_names[consent_channel_guc]), false, false);
				(void) declare_walker((Node *) parse, &d);
			}
		}
	}
	if (prev_planner)
		return prev_planner(parse, query_string, cursorOptions, boundParams);
	return standard_planner(parse, query_string, cursorOptions, boundParams);
}

/*
 * ci.purpose or ci.channel changed: plans that carry the old values are
 * planned again.  Only in a session that planned one (an assign hook: no
 * errors, no catalog access; ResetPlanCache only marks plans invalid).
 */
void
consent_citus_settings_changed(void)
{
	if (consent_markers_planned)
		ResetPlanCache();
}

/*
 * Whether this backend runs a Citus coordinator's shard queries (Citus
 * names its connections so): the filter then needs the declared purpose.
 */
bool
consent_in_citus_shard_backend(void)
{
	return application_name != NULL &&
		strncmp(application_name, "citus_internal gpid=", strlen("citus_internal gpid=")) == 0;
}

void
consent_citus_init(void)
{
	prev_planner = planner_hook;
	planner_hook = consent_planner;
	CacheRegisterSyscacheCallback(PROCOID, forget_fns, (Datum) 0);
	CacheRegisterSyscacheCallback(NAMESPACEOID, forget_fns, (Datum) 0);
}

/*
 *   ci.consent_declared(customer bigint, purpose text, channel text) -> true
 *       the condition the planner hook adds (above); always true.
 */
PG_FUNCTION_INFO_V1(consent_declared);

Datum
consent_declared(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(true);
}
