/*
 * audit_read.c — read-access logging: an ExecutorEnd hook that writes one
 * ci.audit_log row (operation SELECT) per statement and per table read that
 * is registered with ci.audit(..., log_reads => true).
 *
 * Registration is an "S" in the ops argument of the table's audit triggers,
 * so the check is a look at the relcache entry the query already holds: no
 * catalog query per statement, and DDL invalidates it like any relcache
 * entry.  A hook only runs where the library is loaded: the DBA preloads it
 * (shared_preload_libraries or session_preload_libraries), see doc/audit.md.
 *
 * Rows counts what the statement returned or processed (es_processed), not
 * rows scanned.  Reads in parallel workers are logged once, by the leader;
 * reads on a hot standby cannot be written and are not logged.
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "nodes/parsenodes.h"
#include "parser/parsetree.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/syscache.h"

#include "audit.h"

static ExecutorEnd_hook_type prev_executor_end = NULL;
static bool audit_read_sync = true;
static Oid	trigger_fn = InvalidOid;
static bool trigger_fn_known = false;

static void
forget_trigger_fn(Datum arg, int cacheid, uint32 hashvalue)
{
	trigger_fn_known = false;
}

/* OID of ci.audit_trigger(), InvalidOid where the extension is absent. */
Oid
audit_trigger_fn_oid(void)
{
	if (!trigger_fn_known)
	{
		Oid			nsp = get_namespace_oid("ci", true);

		trigger_fn = OidIsValid(nsp) ?
			GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid,
							CStringGetDatum("audit_trigger"),
							PointerGetDatum(buildoidvector(NULL, 0)),
							ObjectIdGetDatum(nsp)) : InvalidOid;
		trigger_fn_known = true;
	}
	return trigger_fn;
}

static bool
logs_reads(Relation rel, Oid fn)
{
	int			t;

	if (rel->trigdesc == NULL)
		return false;
	for (t = 0; t < rel->trigdesc->numtriggers; t++)
	{
		Trigger    *trig = &rel->trigdesc->triggers[t];

		if (trig->tgfoid == fn && trig->tgnargs >= 1 &&
			strncmp(trig->tgargs[0], "ops=", 4) == 0 &&
			(audit_parse_ops(trig->tgargs[0] + 4) & AUDIT_OP_SELECT))
			return true;
	}
	return false;
}

static bool
is_result_relation(PlannedStmt *ps, Index rti)
{
	ListCell   *lc;

	foreach(lc, ps->resultRelations)
		if ((Index) lfirst_int(lc) == rti)
		return true;
	return false;
}

static void
log_reads(QueryDesc *qd)
{
	PlannedStmt *ps = qd->plannedstmt;
	Oid			fn;
	ListCell   *lc;
	Index		rti = 0;
	AuditWriter *w = NULL;
	bool		only_reads = !IsTransactionBlock() &&
		!TransactionIdIsValid(GetTopTransactionIdIfAny());

	if (ps == NULL || ps->commandType == CMD_UTILITY)
		return;
	fn = audit_trigger_fn_oid();
	if (!OidIsValid(fn))
		return;
	foreach(lc, ps->rtable)
	{
		RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);
		Relation	rel;

		rti++;
		if (rte->rtekind != RTE_RELATION || rte->relkind == RELKIND_VIEW)
			continue;
#if PG_VERSION_NUM < 160000
		if (!(rte->requiredPerms & ACL_SELECT))
			continue;
#endif
		if (is_result_relation(ps, rti))
			continue;			/* its changes are audited by the trigger */
		rel = RelationIdGetRelation(rte->relid);
		if (rel == NULL)
			continue;
		if (logs_reads(rel, fn))
		{
			AuditEntry	e = {0};

			if (w == NULL)
				w = audit_writer_open();
			e.relid = rte->relid;
			e.table_name = audit_qualified_name(rel);
			e.operation = "SELECT";
			e.has_rows = true;
			e.rows = (int64) qd->estate->es_processed;
			audit_writer_add(w, &e);
		}
		RelationClose(rel);
	}
	if (w)
	{
		/*
		 * A read-only statement in autocommit commits only its read rows;
		 * with ci.audit_read_sync off, that commit need not wait for the WAL
		 * flush (a crash may lose the last read rows, never change one).
		 * Checked before writing: the transaction then had no xid of its own.
		 */
		audit_writer_close(w);
		if (only_reads && !audit_read_sync)
			(void) set_config_option("synchronous_commit", "off", PGC_USERSET, PGC_S_SESSION,
									 GUC_ACTION_LOCAL, true, 0, false);
	}
}

/*
 * A read-only transaction (a BI role's default_transaction_read_only, say)
 * is still logged: its read rows are the extension's writes, not the
 * role's, so the read-only flag is lowered around them, as a write to a
 * temporary table would be allowed.  Not under SERIALIZABLE, whose
 * read-only optimisations assume no writes at all: those reads are not
 * logged (doc/audit.md).
 */
static void
log_reads_guarded(QueryDesc *qd)
{
	bool		was_read_only = XactReadOnly;

	if (!was_read_only)
	{
		log_reads(qd);
		return;
	}
	if (IsolationIsSerializable())
		return;
	XactReadOnly = false;
	PG_TRY();
	{
		log_reads(qd);
	}
	PG_FINALLY();
	{
		XactReadOnly = was_read_only;
	}
	PG_END_TRY();
}

static void
audit_executor_end(QueryDesc *qd)
{
	/* EXPLAIN without ANALYZE starts and ends an executor that reads nothing */
	if (qd->estate != NULL && !(qd->estate->es_top_eflags & EXEC_FLAG_EXPLAIN_ONLY) &&
		!IsParallelWorker() && !RecoveryInProgress() &&
		IsTransactionState() && !IsAbortedTransactionBlockState())
		log_reads_guarded(qd);
	if (prev_executor_end)
		prev_executor_end(qd);
	else
		standard_ExecutorEnd(qd);
}

void
audit_read_init(void)
{
	DefineCustomBoolVariable("ci.audit_read_sync",
							 "Whether a read-only statement's read-log rows commit synchronously.",
							 "Off: a statement in autocommit that only read commits its read-log rows "
							 "without waiting for the WAL flush (synchronous_commit = off for that "
							 "transaction): much cheaper, and a crash may lose the last rows.",
							 &audit_read_sync, true, PGC_SUSET, 0, NULL, NULL, NULL);
	prev_executor_end = ExecutorEnd_hook;
	ExecutorEnd_hook = audit_executor_end;
	CacheRegisterSyscacheCallback(PROCOID, forget_trigger_fn, (Datum) 0);
}
