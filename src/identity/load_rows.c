/*
 * load_rows.c — the insert of a bulk load of ci.source_record
 * (ci.load_source_records): the rows of a staging relation, their stored
 * generated columns computed in a parallel query, written the way COPY
 * writes (src/common/bulk_insert.c).
 *
 * An INSERT … SELECT computes the generated columns (name, e-mail, phone
 * and postcode normalisation, phonetic keys: most of a load's CPU) in the
 * inserting backend alone, since PostgreSQL 15 has no parallel INSERT, and
 * writes one heap tuple and one WAL record at a time.  Here one SELECT
 * evaluates the table's own generation expressions, read from the catalog
 * and deparsed, over the staging rows below a Gather, so parallel workers
 * (and the leader between rows) compute them; the leader receives finished
 * rows and writes them in batches with table_multi_insert, as
 * CREATE TABLE AS does with a parallel query.  NOT NULL and CHECK
 * constraints, the indexes in place, foreign keys and the DBA's AFTER
 * triggers (row and statement, with transition tables) are honoured as in
 * an INSERT; the bulk writer refuses tables with BEFORE ROW triggers or
 * row-level security, and then this function returns NULL and the caller
 * inserts with SQL.
 *
 * Defaults, CHECK constraints and the indexes in place are evaluated by
 * the leader while the parallel query runs, where nothing PARALLEL UNSAFE
 * may run: nextval (the identity column's default, when the staging rows
 * bring no record_id) or a DBA's unsafe function.  Then the query runs
 * serially, in the staging relation's order, as the INSERT … SELECT would.
 */
#include "match.h"

#include "access/genam.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "ci_bulk.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "rewrite/rewriteHandler.h"
#include "tcop/dest.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

PG_FUNCTION_INFO_V1(match_load_source_rows);

typedef struct LoadReceiver
{
	DestReceiver pub;
	Oid			target;
	int			ncols;
	const char **cols;
	Oid		   *types;
	MemoryContext cxt;
	CiBulkInsert *bulk;
} LoadReceiver;

static void
load_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	LoadReceiver *r = (LoadReceiver *) self;
	MemoryContext old = MemoryContextSwitchTo(r->cxt);

	/*
	 * Begun here, after SPI has taken the query's snapshot: the rows written
	 * carry the snapshot's own command id, so the query never sees them (a
	 * staging view over ci.source_record reads what was there before).
	 */
	r->bulk = ci_bulk_begin_ex(r->target, r->ncols, r->cols, r->types, NULL, 0, true);
	MemoryContextSwitchTo(old);
	if (r->bulk == NULL)
		elog(ERROR, "ci.source_record cannot be written in bulk");
}

static bool
load_receive(TupleTableSlot *slot, DestReceiver *self)
{
	LoadReceiver *r = (LoadReceiver *) self;

	slot_getallattrs(slot);
	ci_bulk_put(r->bulk, slot->tts_values, slot->tts_isnull);
	return true;
}

static void
load_noop(DestReceiver *self)
{
}

static bool
unsafe_function(Oid func_id, void *context)
{
	return func_parallel(func_id) == PROPARALLEL_UNSAFE;
}

/* Does expr call anything the leader may not run during a parallel query? */
static bool
parallel_unsafe_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, NextValueExpr) || IsA(node, SubLink))
		return true;
	if (check_functions_in_node(node, unsafe_function, context))
		return true;
	return expression_tree_walker(node, parallel_unsafe_walker, context);
}

/*
 * What the inserting backend evaluates for each row while the query runs:
 * CHECK constraints and the expressions and predicates of the indexes in
 * place.  (Defaults are checked where they are taken.)
 */
static bool
row_checks_parallel_safe(Relation rel)
{
	TupleConstr *constr = rel->rd_att->constr;
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;
	bool		safe = true;

	for (int i = 0; constr && i < constr->num_check && safe; i++)
		safe = !parallel_unsafe_walker(stringToNode(constr->check[i].ccbin), NULL);
	foreach(lc, indexes)
	{
		Relation	index = index_open(lfirst_oid(lc), AccessShareLock);

		if (safe)
			safe = !parallel_unsafe_walker((Node *) RelationGetIndexExpressions(index), NULL) &&
				!parallel_unsafe_walker((Node *) RelationGetIndexPredicate(index), NULL);
		index_close(index, AccessShareLock);
	}
	list_free(indexes);
	return safe;
}

/*
 * ci.load_source_rows(staging regclass) RETURNS bigint: inserts every row
 * of staging into ci.source_record (see the file comment); returns the
 * number of rows, or NULL when the table cannot be written this way (the
 * caller then runs INSERT … SELECT).  Staging columns must carry
 * ci.source_record's names and types (NULL otherwise).
 */
Datum
match_load_source_rows(PG_FUNCTION_ARGS)
{
	Oid			staging;
	Oid			target;
	Relation	rel;
	TupleDesc	desc;
	List	   *context;
	StringInfoData outer;
	StringInfoData inner;
	bool		parallel = true;
	bool		usable = true;
	LoadReceiver r;
	MemoryContext cxt;
	SPIPlanPtr	plan;
	SPIExecuteOptions options;
	int			rc;
	uint64		count;
	char	   *stagingname;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("staging relation must not be NULL")));
	staging = PG_GETARG_OID(0);
	stagingname = get_rel_name(staging);
	if (stagingname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", staging)));
	switch (get_rel_relkind(staging))
	{
		case RELKIND_RELATION:
		case RELKIND_PARTITIONED_TABLE:
		case RELKIND_VIEW:
		case RELKIND_MATVIEW:
		case RELKIND_FOREIGN_TABLE:
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("staging relation \"%s\" is not a table or view", stagingname),
					 errhint("Load the records into a table (COPY) and pass that.")));
	}
	target = RangeVarGetRelid(makeRangeVar("ci", "source_record", -1), NoLock, false);
	if (staging == target)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot load ci.source_record from itself")));
	/* an INSERT's own checks (ExecCheckXactReadOnly), which this bypasses */
	PreventCommandIfReadOnly("ci.load_source_rows()");
	PreventCommandIfParallelMode("ci.load_source_rows()");
	if (!ci_bulk_possible(target, true))
		PG_RETURN_NULL();

	/* every staging column must be an input column of the table */
	{
		Relation	srel = relation_open(staging, AccessShareLock);
		TupleDesc	sdesc = RelationGetDescr(srel);
		bool		all = true;

		for (int i = 0; i < sdesc->natts && all; i++)
		{
			Form_pg_attribute satt = TupleDescAttr(sdesc, i);
			AttrNumber	a;

			if (satt->attisdropped)
				continue;
			a = get_attnum(target, NameStr(satt->attname));
			all = a > 0 && get_attgenerated(target, a) == '\0';
		}
		relation_close(srel, NoLock);
		if (!all)
			PG_RETURN_NULL();
	}

	memset(&r, 0, sizeof(r));
	r.target = target;
	rel = table_open(target, AccessShareLock);
	desc = RelationGetDescr(rel);
	r.cols = palloc(sizeof(char *) * desc->natts);
	r.types = palloc(sizeof(Oid) * desc->natts);
	context = deparse_context_for(RelationGetRelationName(rel), target);
	initStringInfo(&outer);
	initStringInfo(&inner);

	/*
	 * Inner query: every input column of the table, from the staging
	 * relation or NULL; outer query: the staging columns and every generated
	 * column's expression over the inner columns, which carry the table's
	 * column names, so the deparsed expressions read them.
	 */
	for (int i = 0; i < desc->natts && usable; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		const char *name = NameStr(att->attname);
		AttrNumber	sattnum;

		if (att->attisdropped)
			continue;
		sattnum = get_attnum(staging, name);
		if (att->attgenerated)
		{
			Node	   *expr = build_column_default(rel, i + 1);
			Bitmapset  *refs = NULL;
			int			ref = -1;

			if (sattnum != InvalidAttrNumber || expr == NULL)
			{
				usable = false; /* the caller's checks report it */
				break;
			}
			/* an input column it reads must not take a default here */
			pull_varattnos(expr, 1, &refs);
			while ((ref = bms_next_member(refs, ref)) >= 0)
			{
				AttrNumber	a = ref + FirstLowInvalidHeapAttributeNumber;

				if (a > 0 && get_attnum(staging, get_attname(target, a, false)) == InvalidAttrNumber &&
					(TupleDescAttr(desc, a - 1)->atthasdef || TupleDescAttr(desc, a - 1)->attidentity))
					usable = false;
			}
			appendStringInfo(&outer, "%s%s", outer.len ? ", " : "",
							 deparse_expression(expr, context, false, false));
		}
		else if (sattnum != InvalidAttrNumber)
		{
			if (get_atttype(staging, sattnum) != att->atttypid)
			{
				usable = false; /* INSERT … SELECT coerces it */
				break;
			}
			appendStringInfo(&inner, "%ss.%s", inner.len ? ", " : "", quote_identifier(name));
			appendStringInfo(&outer, "%st.%s", outer.len ? ", " : "", quote_identifier(name));
		}
		else
		{
			/* the leader evaluates its default, if any, for each row */
			Node	   *def = build_column_default(rel, i + 1);

			if (att->attidentity || (def != NULL && (contain_volatile_functions(def) ||
														 parallel_unsafe_walker(def, NULL))))
				parallel = false;
			appendStringInfo(&inner, "%sNULL::%s AS %s", inner.len ? ", " : "",
							 format_type_with_typemod(att->atttypid, att->atttypmod),
							 quote_identifier(name));
			continue;
		}
		r.cols[r.ncols] = pstrdup(name);
		r.types[r.ncols] = att->atttypid;
		r.ncols++;
	}
	if (usable && parallel)
		parallel = row_checks_parallel_safe(rel);
	table_close(rel, NoLock);
	if (!usable)
		PG_RETURN_NULL();

	{
		StringInfoData sql;

		initStringInfo(&sql);
		appendStringInfo(&sql, "SELECT %s FROM (SELECT %s FROM %s s) t", outer.data, inner.data,
						 quote_qualified_identifier(get_namespace_name(get_rel_namespace(staging)),
													stagingname));
		outer = sql;
	}

	/* no transaction id can be assigned while the parallel query runs */
	(void) GetCurrentTransactionId();

	cxt = AllocSetContextCreate(CurrentMemoryContext, "ci load rows", ALLOCSET_DEFAULT_SIZES);
	r.cxt = cxt;
	r.pub.receiveSlot = load_receive;
	r.pub.rStartup = load_startup;
	r.pub.rShutdown = load_noop;
	r.pub.rDestroy = load_noop;
	r.pub.mydest = DestNone;

	SPI_connect();
	plan = SPI_prepare_cursor(outer.data, 0, NULL, parallel ? CURSOR_OPT_PARALLEL_OK : 0);
	if (plan == NULL)
		elog(ERROR, "load query failed to prepare: %s", SPI_result_code_string(SPI_result));
	memset(&options, 0, sizeof(options));
	options.read_only = false;
	options.tcount = 0;
	options.dest = &r.pub;
	rc = SPI_execute_plan_extended(plan, &options);
	if (rc < 0)
		elog(ERROR, "load query failed: %s", SPI_result_code_string(rc));
	/* an empty result never starts the receiver when the plan is not run */
	if (r.bulk == NULL)
		load_startup(&r.pub, CMD_SELECT, NULL);
	count = ci_bulk_end(r.bulk);
	SPI_finish();
	MemoryContextDelete(cxt);
	PG_RETURN_INT64((int64) count);
}
