/*
 * audit_event.c — ci.audit_event(kind, details): a maintenance event that is
 * not a row change (a retention run, an erasure certificate) as a row of
 * ci.audit_log, written through the same writer as the trigger's rows and
 * so sealed into the chain like them.
 *
 * The row: operation EVENT, no table, new = {"event": kind, "details": …}.
 * Callers pass no personal data (counts, ids of requests and runs, digests).
 * Who may: whoever holds UPDATE on ci.audit_log (the admin kind, which runs
 * the log's maintenance); an application cannot forge trail entries.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "audit.h"

#define AUDIT_EVENT_MAX_DETAILS (1024 * 1024)

static bool
event_kind_valid(const char *s)
{
	int			len = strlen(s);

	if (len == 0 || len > 63 || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '.'))
			return false;
	return true;
}

PG_FUNCTION_INFO_V1(audit_event);
Datum
audit_event(PG_FUNCTION_ARGS)
{
	char	   *kind;
	Jsonb	   *details;
	Oid			logid = audit_log_relid(true);
	AuditWriter *w;
	AuditEntry	e = {0};
	JsonbParseState *ps = NULL;
	JsonbValue	k,
				v;
	MemoryContext old;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("an audit event needs a kind")));
	kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (!event_kind_valid(kind))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid audit event kind \"%s\"", kind),
				 errhint("A kind is 1 to 63 lower-case letters, digits, '_' or '.', starting with a letter, e.g. retention_run.")));
	details = PG_ARGISNULL(1) ? NULL : PG_GETARG_JSONB_P(1);
	if (details != NULL && !JB_ROOT_IS_OBJECT(details))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the details of an audit event must be a JSON object"),
				 errhint("Pass counts, ids and digests as an object, e.g. '{\"run_id\": 7}'; never personal data.")));
	if (details != NULL && VARSIZE(details) > AUDIT_EVENT_MAX_DETAILS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the details of an audit event are too large (%zu bytes)", (size_t) VARSIZE(details)),
				 errdetail("The limit is %d bytes.", AUDIT_EVENT_MAX_DETAILS),
				 errhint("Record a summary and a digest; keep the full record in its own table.")));
	if (!OidIsValid(logid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table ci.audit_log does not exist")));
	if (pg_class_aclcheck(logid, GetUserId(), ACL_UPDATE) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to record an audit event"),
				 errdetail("ci.audit_event needs UPDATE on ci.audit_log, which the log's maintenance uses."),
				 errhint("Run it as a role of the admin kind (ci.grant_role(role, 'admin')).")));

	w = audit_writer_open();
	old = MemoryContextSwitchTo(audit_writer_row_context(w));
	pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	k.type = jbvString;
	k.val.string.val = "event";
	k.val.string.len = 5;
	pushJsonbValue(&ps, WJB_KEY, &k);
	v.type = jbvString;
	v.val.string.val = kind;
	v.val.string.len = strlen(kind);
	pushJsonbValue(&ps, WJB_VALUE, &v);
	k.val.string.val = "details";
	k.val.string.len = 7;
	pushJsonbValue(&ps, WJB_KEY, &k);
	if (details == NULL)
	{
		pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
		pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
	}
	else
	{
		v.type = jbvBinary;
		v.val.binary.data = &details->root;
		v.val.binary.len = VARSIZE(details) - VARHDRSZ;
		pushJsonbValue(&ps, WJB_VALUE, &v);
	}
	e.new = JsonbValueToJsonb(pushJsonbValue(&ps, WJB_END_OBJECT, NULL));
	MemoryContextSwitchTo(old);
	e.operation = "EVENT";
	audit_writer_add(w, &e);
	audit_writer_close(w);
	PG_RETURN_VOID();
}
