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

#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
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

struct AuditWriter
{
	MemoryContext cxt;			/* the writer and its slots */
	MemoryContext batch_cxt;	/* row values until the batch is flushed */
	Relation	rel;
	ResultRelInfo *rri;
	EState	   *estate;
	BulkInsertState bistate;
	TupleTableSlot *slots[AUDIT_BATCH];
	int			nused;
	int			nslots;
	Oid			seqid;
	CommandId	cid;
	Datum		meta[A_NCOLS];	/* statement metadata, fixed per writer */
	bool		metanull[A_NCOLS];
};

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

static void
writer_metadata(AuditWriter *w)
{
	const char *app = GetConfigOption("application_name", true, false);
	const char *purpose = GetConfigOption("ci.purpose", true, false);
	LOCAL_FCINFO(fc, 0);
	Datum		addr;

	w->meta[A_TXID] = Int64GetDatum((int64) U64FromFullTransactionId(GetTopFullTransactionId()));
	w->meta[A_STMT_TIME] = TimestampTzGetDatum(GetCurrentStatementStartTimestamp());
	w->meta[A_ACTOR] = DirectFunctionCall1(namein,
										   CStringGetDatum(GetUserNameFromId(GetUserId(), false)));
	w->meta[A_SESSION_ACTOR] = DirectFunctionCall1(namein,
												   CStringGetDatum(GetUserNameFromId(GetSessionUserId(), false)));
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

	w->estate = CreateExecutorState();
	w->rri = makeNode(ResultRelInfo);
	InitResultRelInfo(w->rri, w->rel, 1, NULL, 0);
	ExecOpenIndices(w->rri, false);
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
		if (w->rri->ri_NumIndices > 0)
			list_free(ExecInsertIndexTuples(w->rri, w->slots[i], w->estate,
											false, false, NULL, NIL));
		ExecClearTuple(w->slots[i]);
		ResetPerTupleExprContext(w->estate);
	}
	w->nused = 0;
	MemoryContextSwitchTo(old);
	MemoryContextReset(w->batch_cxt);
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
	v[A_ID] = Int64GetDatum(nextval_internal(w->seqid, false));
	n[A_RELID] = !OidIsValid(e->relid);
	v[A_RELID] = ObjectIdGetDatum(e->relid);
	n[A_TABLE_NAME] = (e->table_name == NULL);
	if (e->table_name)
		v[A_TABLE_NAME] = CStringGetTextDatum(e->table_name);
	v[A_OPERATION] = CStringGetTextDatum(e->operation);
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
