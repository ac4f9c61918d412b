/*
 * audit_guard.c — append-only protection of ci.audit_log, ci.audit_seal and
 * ci.audit_chain.
 *
 * A privilege can be granted back by the table owner, and the owner is not
 * bound by privileges at all; a trigger is.  The guard refuses every UPDATE,
 * DELETE and TRUNCATE, and every INSERT by a non-superuser, unless the
 * extension's own maintenance (sealing, redaction, retention) is running in
 * this backend: a backend-local depth counter that only those C functions
 * raise, and that an error or abort always brings back to zero.  A superuser
 * may INSERT (pg_restore needs it) and can disable triggers; what a superuser
 * changes in sealed rows, ci.audit_verify() detects.
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "port.h"
#include "utils/builtins.h"
#include "utils/rel.h"

#include "audit.h"

static int	maintenance_depth = 0;
static bool xact_callback_registered = false;

static void
audit_guard_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT)
		maintenance_depth = 0;
}

bool
audit_in_maintenance(void)
{
	return maintenance_depth > 0;
}

void
audit_maintenance_begin(void)
{
	if (!xact_callback_registered)
	{
		RegisterXactCallback(audit_guard_xact_callback, NULL);
		xact_callback_registered = true;
	}
	maintenance_depth++;
}

void
audit_maintenance_end(void)
{
	if (maintenance_depth > 0)
		maintenance_depth--;
}

PG_FUNCTION_INFO_V1(audit_guard);
Datum
audit_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	const char *relname;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("ci.audit_guard() must be called as a trigger")));

	if (maintenance_depth > 0)
		return PointerGetDatum(TRIGGER_FIRED_BY_UPDATE(td->tg_event) ?
							   td->tg_newtuple : td->tg_trigtuple);

	relname = RelationGetRelationName(td->tg_relation);
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event) && superuser())
		return PointerGetDatum(td->tg_trigtuple);

	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("ci.%s is append-only", relname),
			 errdetail("%s on the audit trail is refused, for its owner too.",
					   TRIGGER_FIRED_BY_INSERT(td->tg_event) ? "INSERT" :
					   TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? "UPDATE" :
					   TRIGGER_FIRED_BY_DELETE(td->tg_event) ? "DELETE" : "TRUNCATE"),
			 errhint("Rows are written by ci.audit's triggers; use ci.audit_redact() to "
					 "erase a payload and ci.audit_prune() to remove old sealed rows.")));
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(audit_random_bytes);
Datum
audit_random_bytes(PG_FUNCTION_ARGS)
{
	int32		n = PG_GETARG_INT32(0);
	bytea	   *res;

	if (n < 1 || n > 1024)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of random bytes must be between 1 and 1024, not %d", n)));
	res = (bytea *) palloc(VARHDRSZ + n);
	SET_VARSIZE(res, VARHDRSZ + n);
	if (!pg_strong_random(VARDATA(res), n))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate random bytes")));
	PG_RETURN_BYTEA_P(res);
}
