/*
 * audit_write.c — writes ci.audit_log rows in bulk, straight into the heap
 * with table_multi_insert and the table's indexes (as COPY FROM does).
 *
 * No SQL runs per row, and the auditing role needs no privilege on the log:
 * the rows are the extension's, written on the role's behalf.  The statement
 * metadata (actor, session user, application, client address, transaction,
 * statement time, declared purpose) is read once per writer.
 */
#include "postgres.h"

#include "access/brin.h"
#include "access/genam.h"
#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_am_d.h"
#include "catalog/pg_sequence.h"
#include "commands/sequence.h"
#include "executor/executor.h"
#include "libpq/libpq-be.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inet.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"
#include "utils/xid8.h"

#include "audit.h"

#define AUDIT_BATCH 1000


/* ci.audit_log's columns, in order (checked when the writer opens). */
enum
{
	A_ID, A_TXID, A_STMT_TIME, A_RELID, A_TABLE_NAME, A_OPERATION, A_RECORD_KEY,
	A_RECORD_PK, A_CUSTOMER_ID, A_OLD, A_NEW, A_ROWS, A_ACTOR, A_SESSION_ACTOR,
	A_APPLICATION, A_CLIENT_ADDR, A_PURPOSE, A_REDACTED_HASH, A_NCOLS
};
static const char *const audit_log_columns[A_NCOLS] = {
	"id", "txid", "stmt_time", "relid", "table_name", "operation", "record_key",
	"record_pk", "customer_id", "old", "new", "rows", "actor", "session_actor",
	"application", "client_addr", "purpose", "redacted_hash"
};

/* The text datum of the last string an entry passed for a column. */
typedef struct TextCache
{
	bool		valid;
	Datum		text;
} TextCache;

struct AuditWriter
{
	MemoryContext cxt;			/* the writer and its slots */
	MemoryContext batch_cxt;	/* row values until the batch is flushed */
	Relation	rel;
	ResultRelInfo *rri;
	EState	   *estate;
	BulkInsertState bistate;
	bool	   *per_block;		/* per index: insert once per heap block (see below) */
	BlockNumber *last_block;
	TupleTableSlot *slots[AUDIT_BATCH];
	int			nused;
	int			nslots;
	Oid			seqid;
	int64		id_block;		/* the sequence's increment */
	int64		next_id;		/* ids reserved from the sequence: next_id .. end_id - 1 */
	int64		end_id;
	CommandId	cid;
	TextCache	table_name;		/* last text made of an entry's table, operation */
	TextCache	operation;
	Datum		meta[A_NCOLS];	/* statement metadata, fixed per writer */
	bool		metanull[A_NCOLS];
};

static void plan_indexes(AuditWriter *w);

Oid
audit_log_relid(bool missing_ok)
{
	Oid			nsp = get_namespace_oid("ci", missing_ok);

	if (!OidIsValid(nsp))
		return InvalidOid;
	return get_relname_relid("audit_log", nsp);
}

char *
audit_qualified_name(Relation rel)
{
	return quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
									  RelationGetRelationName(rel));
}

/*
 * ci.audit_log_id_seq counts in steps (10_audit_log.sql): each nextval
 * reserves the ids up to the next step for this writer, used in order, so
 * ids still grow within a transaction (the chain orders by (txid, id)) and
 * the sequence is locked once per block instead of once per row.  Whatever
 * the step is, no other nextval can return an id inside a reserved block.
 */
static int64
sequence_increment(Oid seqid)
{
	HeapTuple	tup = SearchSysCache1(SEQRELID, ObjectIdGetDatum(seqid));
	int64		inc;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for sequence %u", seqid);
	inc = ((Form_pg_sequence) GETSTRUCT(tup))->seqincrement;
	ReleaseSysCache(tup);
	return inc > 0 ? inc : 1;
}

static void
writer_metadata(AuditWriter *w)
{
	const char *app = GetConfigOption("application_name", true, false);
	const char *purpose = GetConfigOption("ci.purpose", true, false);
	LOCAL_FCINFO(fc, 0);
	Datum		addr;

	w->meta[A_TXID] = Int64GetDatum((int64) U64FromFullTransactionId(GetTopFullTransactionId()));
	w->meta[A_STMT_TIME] = TimestampTzGetDatum(GetCurrentStatementStartTimestamp());
	w->meta[A_ACTOR] = CStringGetTextDatum(GetUserNameFromId(GetUserId(), false));
	w->meta[A_SESSION_ACTOR] = CStringGetTextDatum(GetUserNameFromId(GetSessionUserId(), false));
	w->metanull[A_APPLICATION] = (app == NULL || app[0] == '\0');
	if (!w->metanull[A_APPLICATION])
		w->meta[A_APPLICATION] = CStringGetTextDatum(app);
	w->metanull[A_PURPOSE] = (purpose == NULL || purpose[0] == '\0');
	if (!w->metanull[A_PURPOSE])
		w->meta[A_PURPOSE] = CStringGetTextDatum(purpose);

	/* inet_client_addr() returns NULL for Unix-socket and background sessions */
	InitFunctionCallInfoData(*fc, NULL, 0, InvalidOid, NULL, NULL);
	addr = inet_client_addr(fc);
	w->metanull[A_CLIENT_ADDR] = fc->isnull;
	if (!fc->isnull)
		w->meta[A_CLIENT_ADDR] = addr;
	w->metanull[A_REDACTED_HASH] = true;
}

AuditWriter *
audit_writer_open(void)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "audit writer",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	AuditWriter *w = palloc0(sizeof(AuditWriter));
	Oid			relid = audit_log_relid(false);
	TupleDesc	desc;
	int			i;

	w->cxt = cxt;
	w->batch_cxt = AllocSetContextCreate(cxt, "audit batch", ALLOCSET_DEFAULT_SIZES);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table ci.audit_log does not exist")));
	w->rel = table_open(relid, RowExclusiveLock);
	desc = RelationGetDescr(w->rel);
	if (w->rel->rd_rel->relkind != RELKIND_RELATION || desc->natts < A_NCOLS)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("ci.audit_log is not the table this library writes"),
				 errhint("Run ALTER EXTENSION customer_intel UPDATE.")));
	for (i = 0; i < A_NCOLS; i++)
		if (strcmp(NameStr(TupleDescAttr(desc, i)->attname), audit_log_columns[i]) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("column %d of ci.audit_log is \"%s\", expected \"%s\"", i + 1,
							NameStr(TupleDescAttr(desc, i)->attname), audit_log_columns[i]),
					 errhint("Run ALTER EXTENSION customer_intel UPDATE.")));
	w->seqid = get_relname_relid("audit_log_id_seq", RelationGetNamespace(w->rel));
	if (!OidIsValid(w->seqid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("sequence ci.audit_log_id_seq does not exist")));
	w->id_block = sequence_increment(w->seqid);

	w->estate = CreateExecutorState();
	w->rri = makeNode(ResultRelInfo);
	InitResultRelInfo(w->rri, w->rel, 1, NULL, 0);
	ExecOpenIndices(w->rri, false);
	plan_indexes(w);
	w->cid = GetCurrentCommandId(true);
	w->estate->es_output_cid = w->cid;
	writer_metadata(w);
	MemoryContextSwitchTo(old);
	return w;
}

MemoryContext
audit_writer_row_context(AuditWriter *w)
{
	return w->batch_cxt;
}

/*
 * A BRIN index whose columns are all statement metadata (the chain index on
 * (txid, stmt_time)) sees the same values in every row a writer adds, so
 * after one row on a heap block the block's range summary already covers
 * the rest: brininsert would find them consistent and do nothing, at the
 * price of a revmap set-up per row (a tenth of the trigger).  Such an index
 * gets the first row of each heap block only; every other index every row.
 */
static bool
metadata_column(AttrNumber a)
{
	switch (a - 1)
	{
		case A_TXID:
		case A_STMT_TIME:
		case A_ACTOR:
		case A_SESSION_ACTOR:
		case A_APPLICATION:
		case A_CLIENT_ADDR:
		case A_PURPOSE:
			return true;
		default:
			return false;
	}
}

static void
plan_indexes(AuditWriter *w)
{
	int			n = w->rri->ri_NumIndices;
	int			i,
				k;

	w->per_block = palloc0(sizeof(bool) * Max(n, 1));
	w->last_block = palloc(sizeof(BlockNumber) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		Relation	ir = w->rri->ri_IndexRelationDescs[i];
		IndexInfo  *ii = w->rri->ri_IndexRelationInfo[i];
		bool		ok = ir->rd_rel->relam == BRIN_AM_OID &&
			ii->ii_Predicate == NIL && ii->ii_Expressions == NIL;

		for (k = 0; ok && k < ii->ii_NumIndexAttrs; k++)
			ok = metadata_column(ii->ii_IndexAttrNumbers[k]);
		w->per_block[i] = ok;
		w->last_block[i] = InvalidBlockNumber;
	}
}

/* What ExecInsertIndexTuples does, but with the per-block rule above. */
static void
insert_index_entries(AuditWriter *w, TupleTableSlot *slot)
{
	ExprContext *econtext = GetPerTupleExprContext(w->estate);
	BlockNumber blk = ItemPointerGetBlockNumber(&slot->tts_tid);
	int			i;

	econtext->ecxt_scantuple = slot;
	for (i = 0; i < w->rri->ri_NumIndices; i++)
	{
		Relation	ir = w->rri->ri_IndexRelationDescs[i];
		IndexInfo  *ii = w->rri->ri_IndexRelationInfo[i];
		Datum		values[INDEX_MAX_KEYS];
		bool		isnull[INDEX_MAX_KEYS];

		if (!ii->ii_ReadyForInserts)
			continue;
		if (w->per_block[i])
		{
			if (w->last_block[i] == blk)
				continue;
			w->last_block[i] = blk;
		}
		if (ii->ii_Predicate != NIL)
		{
			if (ii->ii_PredicateState == NULL)
				ii->ii_PredicateState = ExecPrepareQual(ii->ii_Predicate, w->estate);
			if (!ExecQual(ii->ii_PredicateState, econtext))
				continue;
		}
		FormIndexDatum(ii, slot, w->estate, values, isnull);
		index_insert(ir, values, isnull, &slot->tts_tid, w->rel,
					 ii->ii_Unique ? UNIQUE_CHECK_YES : UNIQUE_CHECK_NO, false, ii);
	}
}

static void
writer_flush(AuditWriter *w)
{
	int			i;
	MemoryContext old;

	if (w->nused == 0)
		return;
	old = MemoryContextSwitchTo(w->cxt);
	if (w->bistate == NULL && w->nused == AUDIT_BATCH)
		w->bistate = GetBulkInsertState();
	table_multi_insert(w->rel, w->slots, w->nused, w->cid, 0, w->bistate);
	for (i = 0; i < w->nused; i++)
	{
		insert_index_entries(w, w->slots[i]);
		ExecClearTuple(w->slots[i]);
		ResetPerTupleExprContext(w->estate);
	}
	w->nused = 0;
	MemoryContextSwitchTo(old);
	MemoryContextReset(w->batch_cxt);
}

/* A statement's entries share their table and operation: one text each. */
static Datum
cached_text(AuditWriter *w, TextCache *c, const char *str)
{
	size_t		len = strlen(str);

	if (!c->valid || VARSIZE_ANY_EXHDR(DatumGetPointer(c->text)) != len ||
		memcmp(VARDATA_ANY(DatumGetPointer(c->text)), str, len) != 0)
	{
		MemoryContext old = MemoryContextSwitchTo(w->cxt);

		if (c->valid)
			pfree(DatumGetPointer(c->text));
		c->text = PointerGetDatum(cstring_to_text_with_len(str, len));
		c->valid = true;
		MemoryContextSwitchTo(old);
	}
	return c->text;
}

/* Adds one row; its jsonb values must live in audit_writer_row_context(w). */
void
audit_writer_add(AuditWriter *w, const AuditEntry *e)
{
	TupleTableSlot *slot;
	Datum	   *v;
	bool	   *n;
	MemoryContext old;

	if (w->nused == w->nslots)
	{
		old = MemoryContextSwitchTo(w->cxt);
		w->slots[w->nslots++] = table_slot_create(w->rel, NULL);
		MemoryContextSwitchTo(old);
	}
	slot = w->slots[w->nused];
	ExecClearTuple(slot);
	v = slot->tts_values;
	n = slot->tts_isnull;
	memcpy(v, w->meta, sizeof(Datum) * A_NCOLS);
	memcpy(n, w->metanull, sizeof(bool) * A_NCOLS);
	memset(n + A_NCOLS, true, sizeof(bool) * (slot->tts_tupleDescriptor->natts - A_NCOLS));

	old = MemoryContextSwitchTo(w->batch_cxt);
	if (w->next_id == w->end_id)
	{
		w->next_id = nextval_internal(w->seqid, false);
		w->end_id = w->next_id + w->id_block;
	}
	v[A_ID] = Int64GetDatum(w->next_id++);
	n[A_RELID] = !OidIsValid(e->relid);
	v[A_RELID] = ObjectIdGetDatum(e->relid);
	n[A_TABLE_NAME] = (e->table_name == NULL);
	if (e->table_name)
		v[A_TABLE_NAME] = cached_text(w, &w->table_name, e->table_name);
	v[A_OPERATION] = cached_text(w, &w->operation, e->operation);
	n[A_RECORD_KEY] = (e->record_key == NULL);
	if (e->record_key)
	{
		pg_uuid_t  *u = palloc(sizeof(pg_uuid_t));

		memcpy(u, e->record_key, sizeof(pg_uuid_t));
		v[A_RECORD_KEY] = UUIDPGetDatum(u);
	}
	n[A_RECORD_PK] = (e->record_pk == NULL);
	v[A_RECORD_PK] = PointerGetDatum(e->record_pk);
	n[A_CUSTOMER_ID] = !e->has_customer;
	v[A_CUSTOMER_ID] = Int64GetDatum(e->customer_id);
	n[A_OLD] = (e->old == NULL);
	v[A_OLD] = PointerGetDatum(e->old);
	n[A_NEW] = (e->new == NULL);
	v[A_NEW] = PointerGetDatum(e->new);
	n[A_ROWS] = !e->has_rows;
	v[A_ROWS] = Int64GetDatum(e->rows);
	MemoryContextSwitchTo(old);

	ExecStoreVirtualTuple(slot);
	if (++w->nused == AUDIT_BATCH)
		writer_flush(w);
}

void
audit_writer_close(AuditWriter *w)
{
	int			i;

	writer_flush(w);
	if (w->bistate)
	{
		FreeBulkInsertState(w->bistate);
		table_finish_bulk_insert(w->rel, 0);
	}
	for (i = 0; i < w->nslots; i++)
		ExecDropSingleTupleTableSlot(w->slots[i]);
	ExecCloseIndices(w->rri);
	FreeExecutorState(w->estate);
	table_close(w->rel, NoLock);
	MemoryContextDelete(w->cxt);
}
