/*
 * bulk_insert.c — many rows into one table from C, as COPY FROM writes
 * them (contract in ci_bulk.h).  Rows are buffered in slots of the table's
 * access method and written BULK_BATCH at a time with table_multi_insert
 * (one WAL record per heap page instead of per row); then each row's index
 * entries are inserted and its AFTER ROW triggers queued, capturing the
 * transition table the statement triggers read.  BEFORE / AFTER STATEMENT
 * triggers fire once, at ci_bulk_begin and ci_bulk_end.
 *
 * Built for PostgreSQL 14 and 15, whose executor interfaces it uses
 * (ExecInitRangeTable, ExecInitResultRelation, ExecInsertIndexTuples);
 * elsewhere ci_bulk_begin returns NULL and callers write with SQL.
 */
#include "ci_bulk.h"

#include "catalog/pg_constraint.h"

#if PG_VERSION_NUM >= 140000 && PG_VERSION_NUM < 160000
#define CI_BULK_SUPPORTED 1
#include "access/genam.h"
#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/pg_trigger.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/plancat.h"
#include "rewrite/rewriteHandler.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"
#endif

#define BULK_BATCH 1000

struct CiBulkInsert
{
#ifdef CI_BULK_SUPPORTED
	Relation	rel;
	EState	   *estate;
	ResultRelInfo *rri;
	TransitionCaptureState *tcs;
	BulkInsertState bistate;
	CommandId	cid;
	int			natts;
	int		   *input_of;		/* per attribute: input column, -1 none */
	ExprState **defaults;		/* per attribute not given: its default, or NULL */
	TupleTableSlot **slots;
	int			nused;
	uint64		count;
	List	   *sorted_indexes;	/* built by sort at the end (ci_bulk_sort_indexes), else NIL */
#else
	int			unused;
#endif
};

Oid
ci_bulk_constraint(Oid relid, const char *conname)
{
	return get_relation_constraint_oid(relid, conname, true);
}

#ifndef CI_BULK_SUPPORTED

bool
ci_bulk_possible(Oid relid, bool generated_given)
{
	return false;
}

CiBulkInsert *
ci_bulk_begin(Oid relid, int ncols, const char *const *cols, const Oid *types,
			  const Oid *vouched, int nvouched)
{
	return NULL;
}

CiBulkInsert *
ci_bulk_begin_ex(Oid relid, int ncols, const char *const *cols, const Oid *types,
				 const Oid *vouched, int nvouched, bool generated_given)
{
	return NULL;
}

void
ci_bulk_put(CiBulkInsert *b, const Datum *values, const bool *nulls)
{
	elog(ERROR, "bulk insert is not supported on this PostgreSQL version");
}

bool
ci_bulk_sort_indexes(CiBulkInsert *b, double rows)
{
	return false;
}

uint64
ci_bulk_end(CiBulkInsert *b)
{
	elog(ERROR, "bulk insert is not supported on this PostgreSQL version");
	return 0;
}

#else

/*
 * Whether the table can be written past the executor's INSERT: a plain
 * table, no row-level security, no BEFORE ROW / INSTEAD OF triggers (they
 * may change or drop rows), no stored generated columns (unless the caller gives their values), INSERT granted on
 * the whole table, no Citus (its tables take writes through its planner).
 */
static bool
bulk_possible(Relation rel, bool generated_given)
{
	TriggerDesc *td = rel->trigdesc;

	if (rel->rd_rel->relkind != RELKIND_RELATION)
		return false;
	if (check_enable_rls(RelationGetRelid(rel), InvalidOid, true) == RLS_ENABLED)
		return false;
	if (td && (td->trig_insert_before_row || td->trig_insert_instead_row))
		return false;
	if (rel->rd_att->constr && rel->rd_att->constr->has_generated_stored && !generated_given)
		return false;
	if (pg_class_aclcheck(RelationGetRelid(rel), GetUserId(), ACL_INSERT) != ACLCHECK_OK)
		return false;
	if (OidIsValid(get_extension_oid("citus", true)))
		return false;
	return true;
}

/*
 * The triggers this insert fires: the table's, less the row-level checks
 * of the foreign keys the caller vouches for.
 */
static void
drop_vouched_checks(TriggerDesc *td, const Oid *vouched, int nvouched)
{
	int			keep = 0;
	bool		after_row = false;

	if (td == NULL)
		return;
	for (int i = 0; i < td->numtriggers; i++)
	{
		Trigger    *t = &td->triggers[i];
		bool		drop = false;

		if (t->tgisinternal && TRIGGER_FOR_INSERT(t->tgtype) &&
			RI_FKey_trigger_type(t->tgfoid) == RI_TRIGGER_FK)
			for (int v = 0; v < nvouched && !drop; v++)
				drop = t->tgconstraint == vouched[v];
		if (drop)
			continue;
		if (TRIGGER_FOR_ROW(t->tgtype) && TRIGGER_FOR_AFTER(t->tgtype) && TRIGGER_FOR_INSERT(t->tgtype))
			after_row = true;
		if (keep != i)
			td->triggers[keep] = *t;
		keep++;
	}
	td->numtriggers = keep;
	td->trig_insert_after_row = after_row;
}

bool
ci_bulk_possible(Oid relid, bool generated_given)
{
	Relation	rel = table_open(relid, RowExclusiveLock);
	bool		ok = bulk_possible(rel, generated_given);

	table_close(rel, NoLock);
	return ok;
}

CiBulkInsert *
ci_bulk_begin(Oid relid, int ncols, const char *const *cols, const Oid *types,
			  const Oid *vouched, int nvouched)
{
	return ci_bulk_begin_ex(relid, ncols, cols, types, vouched, nvouched, false);
}

CiBulkInsert *
ci_bulk_begin_ex(Oid relid, int ncols, const char *const *cols, const Oid *types,
				 const Oid *vouched, int nvouched, bool generated_given)
{
	Relation	rel = table_open(relid, RowExclusiveLock);
	CiBulkInsert *b;
	RangeTblEntry *rte;
	TupleDesc	desc;

	if (!bulk_possible(rel, generated_given))
	{
		table_close(rel, NoLock);	/* the lock stays, as a statement's would */
		return NULL;
	}
	b = palloc0(sizeof(CiBulkInsert));
	b->rel = rel;
	desc = RelationGetDescr(rel);
	b->natts = desc->natts;
	b->input_of = palloc(sizeof(int) * desc->natts);
	b->defaults = palloc0(sizeof(ExprState *) * desc->natts);
	for (int i = 0; i < desc->natts; i++)
		b->input_of[i] = -1;
	for (int c = 0; c < ncols; c++)
	{
		int			i;

		for (i = 0; i < desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);

			if (!att->attisdropped && strcmp(NameStr(att->attname), cols[c]) == 0)
				break;
		}
		if (i == desc->natts)
			elog(ERROR, "column \"%s\" of relation \"%s\" does not exist", cols[c], RelationGetRelationName(rel));
		if (TupleDescAttr(desc, i)->atttypid != types[c])
			elog(ERROR, "column \"%s\" of relation \"%s\" is not of the type given", cols[c], RelationGetRelationName(rel));
		b->input_of[i] = c;
	}

	b->estate = CreateExecutorState();
	rte = makeNode(RangeTblEntry);
	rte->rtekind = RTE_RELATION;
	rte->relid = relid;
	rte->relkind = rel->rd_rel->relkind;
	rte->rellockmode = RowExclusiveLock;
	rte->requiredPerms = ACL_INSERT;
	/* the columns given: an error on a CHECK constraint shows only those */
	for (int i = 0; i < desc->natts; i++)
		if (b->input_of[i] >= 0)
			rte->insertedCols = bms_add_member(rte->insertedCols,
											   i + 1 - FirstLowInvalidHeapAttributeNumber);
	ExecInitRangeTable(b->estate, list_make1(rte));
	b->rri = makeNode(ResultRelInfo);
	ExecInitResultRelation(b->estate, b->rri, 1);
	CheckValidResultRel(b->rri, CMD_INSERT);
	ExecOpenIndices(b->rri, false);
	drop_vouched_checks(b->rri->ri_TrigDesc, vouched, nvouched);
	b->cid = GetCurrentCommandId(true);
	b->estate->es_output_cid = b->cid;

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		Node	   *d;

		if (att->attisdropped || b->input_of[i] >= 0)
			continue;
		if (att->attgenerated)	/* only with generated_given: its value must come with the row */
			elog(ERROR, "generated column \"%s\" of relation \"%s\" is not given", NameStr(att->attname), RelationGetRelationName(rel));
		d = build_column_default(rel, i + 1);
		if (d != NULL)
			b->defaults[i] = ExecPrepareExpr((Expr *) d, b->estate);
	}

	b->slots = palloc(sizeof(TupleTableSlot *) * BULK_BATCH);
	for (int i = 0; i < BULK_BATCH; i++)
		b->slots[i] = table_slot_create(rel, NULL);
	b->bistate = GetBulkInsertState();

	AfterTriggerBeginQuery();
	b->tcs = MakeTransitionCaptureState(b->rri->ri_TrigDesc, relid, CMD_INSERT);
	ExecBSInsertTriggers(b->estate, b->rri);
	return b;
}

static void
bulk_flush(CiBulkInsert *b)
{
	MemoryContext old;

	if (b->nused == 0)
		return;
	old = MemoryContextSwitchTo(GetPerTupleMemoryContext(b->estate));
	table_multi_insert(b->rel, b->slots, b->nused, b->cid, 0, b->bistate);
	MemoryContextSwitchTo(old);
	for (int i = 0; i < b->nused; i++)
	{
		List	   *recheck = NIL;

		if (b->rri->ri_NumIndices > 0)
			recheck = ExecInsertIndexTuples(b->rri, b->slots[i], b->estate, false, false, NULL, NIL);
		ExecARInsertTriggers(b->estate, b->rri, b->slots[i], recheck, b->tcs);
		list_free(recheck);
		ExecClearTuple(b->slots[i]);
	}
	b->nused = 0;
	ResetPerTupleExprContext(b->estate);
	CHECK_FOR_INTERRUPTS();
}

void
ci_bulk_put(CiBulkInsert *b, const Datum *values, const bool *nulls)
{
	TupleTableSlot *slot = b->slots[b->nused];
	ExprContext *econtext = GetPerTupleExprContext(b->estate);

	ExecClearTuple(slot);
	for (int i = 0; i < b->natts; i++)
	{
		int			c = b->input_of[i];

		if (c >= 0)
		{
			slot->tts_values[i] = values[c];
			slot->tts_isnull[i] = nulls ? nulls[c] : false;
		}
		else if (b->defaults[i] != NULL)
			slot->tts_values[i] = ExecEvalExprSwitchContext(b->defaults[i], econtext, &slot->tts_isnull[i]);
		else
		{
			slot->tts_values[i] = (Datum) 0;
			slot->tts_isnull[i] = true;
		}
	}
	ExecStoreVirtualTuple(slot);
	if (b->rel->rd_att->constr)
		ExecConstraints(b->rri, slot, b->estate);
	ExecMaterializeSlot(slot);	/* the caller's values may go; the slot keeps a copy */
	b->count++;
	if (++b->nused == BULK_BATCH)
		bulk_flush(b);
}

/*
 * Index entries by sort: worth it when the rows to come are more than a
 * quarter of those already there (the planner's estimate), as
 * ci.load_source_records judges; possible only when no one else has the
 * table or one of its indexes open, since rebuilding an index gives it a
 * new file (as REINDEX does).  The locks are only tried, never waited for:
 * held, they make readers of the table wait for this transaction to end;
 * and only by a role that LOCK TABLE would let take them (UPDATE, DELETE
 * or TRUNCATE on the table).  Every index must be valid, ready and
 * checked immediately.
 */
bool
ci_bulk_sort_indexes(CiBulkInsert *b, double rows)
{
	Oid			relid = RelationGetRelid(b->rel);
	BlockNumber pages;
	double		tuples;
	double		allvisfrac;
	List	   *indexes = NIL;
	ListCell   *lc;
	ListCell   *lc2;
	List	   *locked = NIL;

	if (b->count > 0 || b->sorted_indexes != NIL || b->rri->ri_NumIndices == 0 || rows <= 0)
		return false;
	/* only a role that could LOCK TABLE the table in that mode */
	if (pg_class_aclmask(relid, GetUserId(), ACL_UPDATE | ACL_DELETE | ACL_TRUNCATE, ACLMASK_ANY) == 0)
		return false;
	estimate_rel_size(b->rel, NULL, &pages, &tuples, &allvisfrac);
	if (rows * 4 <= tuples)
		return false;
	for (int i = 0; i < b->rri->ri_NumIndices; i++)
	{
		Form_pg_index ix = b->rri->ri_IndexRelationDescs[i]->rd_index;

		if (!ix->indisvalid || !ix->indisready || !ix->indislive || !ix->indimmediate)
			return false;
	}
	/*
	 * Partial indexes keep their entries row by row: few rows usually pass
	 * their predicate, and testing it costs less than a scan of the table.
	 */
	for (int i = 0; i < b->rri->ri_NumIndices; i++)
		if (b->rri->ri_IndexRelationInfo[i]->ii_Predicate == NIL)
			indexes = lappend_oid(indexes, RelationGetRelid(b->rri->ri_IndexRelationDescs[i]));
	if (indexes == NIL || !ConditionalLockRelationOid(relid, AccessExclusiveLock))
	{
		list_free(indexes);
		return false;
	}
	foreach(lc, indexes)
	{
		if (!ConditionalLockRelationOid(lfirst_oid(lc), AccessExclusiveLock))
		{
			foreach(lc2, locked)
				UnlockRelationOid(lfirst_oid(lc2), AccessExclusiveLock);
			UnlockRelationOid(relid, AccessExclusiveLock);
			list_free(locked);
			list_free(indexes);
			return false;
		}
		locked = lappend_oid(locked, lfirst_oid(lc));
	}
	list_free(locked);

	/* no entries until the end in the others; REINDEX wants them closed */
	{
		int			keep = 0;

		for (int i = 0; i < b->rri->ri_NumIndices; i++)
		{
			Relation	ix = b->rri->ri_IndexRelationDescs[i];

			if (list_member_oid(indexes, RelationGetRelid(ix)))
				index_close(ix, RowExclusiveLock);
			else
			{
				b->rri->ri_IndexRelationDescs[keep] = ix;
				b->rri->ri_IndexRelationInfo[keep] = b->rri->ri_IndexRelationInfo[i];
				keep++;
			}
		}
		b->rri->ri_NumIndices = keep;
	}
	b->sorted_indexes = indexes;
	return true;
}

/* Each index built anew from the table, by sort, as REINDEX builds it. */
static void
bulk_build_indexes(CiBulkInsert *b)
{
	ListCell   *lc;
	ReindexParams params = {0};

	foreach(lc, b->sorted_indexes)
	{
		reindex_index(lfirst_oid(lc), false, b->rel->rd_rel->relpersistence, &params);
		CHECK_FOR_INTERRUPTS();
	}
	list_free(b->sorted_indexes);
	b->sorted_indexes = NIL;
	CommandCounterIncrement();
}

uint64
ci_bulk_end(CiBulkInsert *b)
{
	uint64		count = b->count;

	bulk_flush(b);
	/* the statement's AFTER triggers may read the table through its indexes */
	if (b->sorted_indexes != NIL)
		bulk_build_indexes(b);
	ExecASInsertTriggers(b->estate, b->rri, b->tcs);
	AfterTriggerEndQuery(b->estate);
	FreeBulkInsertState(b->bistate);
	table_finish_bulk_insert(b->rel, 0);
	for (int i = 0; i < BULK_BATCH; i++)
		ExecDropSingleTupleTableSlot(b->slots[i]);
	/* the slots the trigger machinery made in the estate (they pin the tuple descriptor) */
	ExecResetTupleTable(b->estate->es_tupleTable, false);
	ExecCloseResultRelations(b->estate);
	ExecCloseRangeTableRelations(b->estate);
	FreeExecutorState(b->estate);
	table_close(b->rel, NoLock);
	pfree(b->slots);
	pfree(b->input_of);
	pfree(b->defaults);
	pfree(b);
	/* later statements of the transaction see the rows */
	CommandCounterIncrement();
	return count;
}

#endif							/* CI_BULK_SUPPORTED */
