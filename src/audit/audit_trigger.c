/*
 * audit_trigger.c — ci.audit_trigger(): the statement-level AFTER trigger
 * that ci.audit() puts on a table.  It reads the statement's transition
 * tables and writes one ci.audit_log row per changed row, in bulk.
 *
 * UPDATE pairs the old and new transition tables by position: PostgreSQL
 * appends a row's old and new images together (AfterTriggerSaveEvent ->
 * TransitionTableAddTuple, and for a row moved across partitions the delete
 * half and the insert half back to back), so the n-th old row is the n-th
 * new row's predecessor.  If the two counts ever differ (a BEFORE trigger on
 * the destination partition dropped a moved row), the rows are written
 * unpaired, each with its whole image, rather than paired wrongly.
 *
 * The settings and the descriptor are resolved at every call (audit_config.c),
 * so ALTER TABLE between statements is always seen.
 */
#include "postgres.h"

#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

#include "audit.h"

typedef struct TriggerRun
{
	Relation	rel;
	TupleDesc	desc;
	AuditTableConfig cfg;
	AuditValueState vs;
	AuditWriter *w;
	char	   *table_name;
} TriggerRun;

static TupleTableSlot *
open_transition(Tuplestorestate *ts, TupleDesc desc)
{
	int			ptr = tuplestore_alloc_read_pointer(ts, EXEC_FLAG_REWIND);

	tuplestore_select_read_pointer(ts, ptr);
	tuplestore_rescan(ts);
	return MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
}

static void
fill_identity(TriggerRun *run, AuditEntry *e, TupleTableSlot *slot, pg_uuid_t *key)
{
	Datum	   *v = slot->tts_values;
	bool	   *n = slot->tts_isnull;

	e->relid = RelationGetRelid(run->rel);
	e->table_name = run->table_name;
	if (audit_record_key(&run->vs, e->relid, v, n, key))
	{
		e->record_key = key;
		e->record_pk = audit_key_jsonb(&run->vs, v, n);
	}
	if (run->cfg.customer != InvalidAttrNumber && !n[run->cfg.customer - 1])
	{
		Datum		c = v[run->cfg.customer - 1];

		e->has_customer = true;
		switch (run->cfg.customer_type)
		{
			case INT2OID:
				e->customer_id = DatumGetInt16(c);
				break;
			case INT4OID:
				e->customer_id = DatumGetInt32(c);
				break;
			case INT8OID:
				e->customer_id = DatumGetInt64(c);
				break;
			default:
				e->has_customer = false;
		}
	}
}

/* INSERT (new rows) or DELETE (old rows): the whole logged row. */
static void
write_images(TriggerRun *run, Tuplestorestate *ts, const char *op, bool is_new)
{
	TupleTableSlot *slot = open_transition(ts, run->desc);

	while (tuplestore_gettupleslot(ts, true, false, slot))
	{
		AuditEntry	e = {0};
		pg_uuid_t	key;
		MemoryContext old;
		Jsonb	   *img;

		CHECK_FOR_INTERRUPTS();
		slot_getallattrs(slot);
		old = MemoryContextSwitchTo(audit_writer_row_context(run->w));
		e.operation = op;
		fill_identity(run, &e, slot, &key);
		img = audit_row_jsonb(&run->vs, slot->tts_values, slot->tts_isnull, NULL);
		if (is_new)
			e.new = img;
		else
			e.old = img;
		audit_writer_add(run->w, &e);
		MemoryContextSwitchTo(old);
	}
	ExecDropSingleTupleTableSlot(slot);
}

/* UPDATE: the changed logged columns, old and new, filed under the new key. */
static void
write_updates(TriggerRun *run, Tuplestorestate *olds, Tuplestorestate *news)
{
	TupleTableSlot *os,
			   *ns;
	bool	   *changed = palloc(sizeof(bool) * Max(run->desc->natts, 1));
	int			natts = run->desc->natts;

	if (tuplestore_tuple_count(olds) != tuplestore_tuple_count(news))
	{
		write_images(run, olds, "UPDATE", false);
		write_images(run, news, "UPDATE", true);
		return;
	}
	os = open_transition(olds, run->desc);
	ns = open_transition(news, run->desc);
	while (tuplestore_gettupleslot(olds, true, false, os) &&
		   tuplestore_gettupleslot(news, true, false, ns))
	{
		AuditEntry	e = {0};
		pg_uuid_t	key;
		MemoryContext old;
		bool		any = false;
		int			i;

		CHECK_FOR_INTERRUPTS();
		slot_getallattrs(os);
		slot_getallattrs(ns);
		old = MemoryContextSwitchTo(audit_writer_row_context(run->w));
		for (i = 0; i < natts; i++)
		{
			bool		on = os->tts_isnull[i],
						nn = ns->tts_isnull[i];

			changed[i] = false;
			if (run->cfg.kind[i] == AUDIT_COL_EXCLUDED)
				continue;
			if (on != nn)
				changed[i] = true;
			else if (!on)
				changed[i] = !audit_values_equal(TupleDescAttr(run->desc, i),
												 os->tts_values[i], ns->tts_values[i]);
			any |= changed[i];
		}
		if (any)
		{
			e.operation = "UPDATE";
			fill_identity(run, &e, ns, &key);
			e.old = audit_row_jsonb(&run->vs, os->tts_values, os->tts_isnull, changed);
			e.new = audit_row_jsonb(&run->vs, ns->tts_values, ns->tts_isnull, changed);
			audit_writer_add(run->w, &e);
		}
		MemoryContextSwitchTo(old);
	}
	ExecDropSingleTupleTableSlot(os);
	ExecDropSingleTupleTableSlot(ns);
}

PG_FUNCTION_INFO_V1(audit_trigger);
Datum
audit_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TriggerEvent ev;
	TriggerRun	run;
	int			op;
	MemoryContext cxt,
				old;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("ci.audit_trigger() must be called as a trigger"),
				 errhint("Use ci.audit(table) to audit a table.")));
	ev = td->tg_event;
	if (!TRIGGER_FIRED_AFTER(ev) || !TRIGGER_FIRED_FOR_STATEMENT(ev))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("ci.audit_trigger() must be an AFTER ... FOR EACH STATEMENT trigger"),
				 errhint("Use ci.audit(table) to create the audit triggers.")));

	op = TRIGGER_FIRED_BY_INSERT(ev) ? AUDIT_OP_INSERT :
		TRIGGER_FIRED_BY_UPDATE(ev) ? AUDIT_OP_UPDATE :
		TRIGGER_FIRED_BY_DELETE(ev) ? AUDIT_OP_DELETE : AUDIT_OP_TRUNCATE;
	if ((op == AUDIT_OP_INSERT && td->tg_newtable == NULL) ||
		(op == AUDIT_OP_UPDATE && (td->tg_oldtable == NULL || td->tg_newtable == NULL)) ||
		(op == AUDIT_OP_DELETE && td->tg_oldtable == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("ci.audit_trigger() needs the statement's transition tables"),
				 errhint("Use ci.audit(table) to create the audit triggers.")));

	cxt = AllocSetContextCreate(CurrentMemoryContext, "audit trigger",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	run.rel = td->tg_relation;
	run.desc = RelationGetDescr(run.rel);
	audit_config_resolve(run.rel, td->tg_trigger->tgnargs, td->tg_trigger->tgargs, &run.cfg);
	if (!(run.cfg.ops & op))
	{
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
		return PointerGetDatum(NULL);
	}
	run.table_name = audit_qualified_name(run.rel);
	audit_value_init(&run.vs, run.desc, &run.cfg);
	run.w = audit_writer_open();
	PG_TRY();
	{
		if (op == AUDIT_OP_INSERT)
			write_images(&run, td->tg_newtable, "INSERT", true);
		else if (op == AUDIT_OP_DELETE)
			write_images(&run, td->tg_oldtable, "DELETE", false);
		else if (op == AUDIT_OP_UPDATE)
			write_updates(&run, td->tg_oldtable, td->tg_newtable);
		else
		{
			AuditEntry	e = {0};

			e.relid = RelationGetRelid(run.rel);
			e.table_name = run.table_name;
			e.operation = "TRUNCATE";
			audit_writer_add(run.w, &e);
		}
		audit_writer_close(run.w);
	}
	PG_FINALLY();
	{
		audit_value_done(&run.vs);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return PointerGetDatum(NULL);
}
