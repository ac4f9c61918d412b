/*
 * match_link_guard.c — referential integrity between ci.identity_link and
 * ci.identity, checked per statement instead of per row.
 *
 * A foreign key checks each inserted link with its own query and row lock
 * (PostgreSQL 15 runs RI checks row by row); for the million links of a
 * first resolution run that took seconds.  These triggers give the same
 * guarantee with one set-based query per statement:
 *
 *   ci.identity_link  AFTER INSERT / AFTER UPDATE, per statement, with the
 *       new rows as a transition table: every identity_id must exist in
 *       ci.identity (else 23503, like the foreign key).
 *   ci.identity       BEFORE DELETE / TRUNCATE, per statement: lock
 *       ci.identity_link in SHARE mode, so no link can be written
 *       concurrently; AFTER DELETE, per statement, with the deleted rows:
 *       no link may still point at one (else 23503, like NO ACTION);
 *       AFTER TRUNCATE: ci.identity_link must be empty (truncate both
 *       tables in one command);
 *       BEFORE UPDATE OF identity_id, per row: an id never changes.
 *
 * Both checks read with the latest snapshot, as the server's RI triggers
 * do, so that under REPEATABLE READ a writer cannot link to an identity a
 * transaction that committed after its snapshot deleted, nor a deleter miss
 * a link committed after its own.  The SHARE lock orders a deleter after
 * every writer in progress (writers hold ROW EXCLUSIVE or stronger) and
 * every later writer after the deleter.
 *
 * A full resolution run's own link statements skip the check
 * (match_execute_trusted_links, see match_link_guard.h).
 *
 * A full run at READ COMMITTED also writes its new links without the
 * per-row check of the record_id foreign key (match_links_bulk_begin),
 * which takes one query and one row lock on ci.source_record per link.
 * The run answers for it: it holds ci.identity_link in SHARE ROW EXCLUSIVE
 * mode from before it reads the records until it commits, and it links
 * only records it read after taking that lock.  Every statement that
 * deletes records or changes their record_id first takes ROW EXCLUSIVE
 * on ci.identity_link (the statement trigger source_record_link_lock,
 * match_source_record_lock below): it waits for a run in progress, or the
 * run waits for it and then no longer reads its records.  After the run
 * commits, the deleter's cascade sees the new links and removes them (and
 * under REPEATABLE READ fails with a serialization error, as with any
 * link committed after its snapshot), and a record_id change meets them
 * in its foreign-key check.  The lock is taken by the statement trigger,
 * before the deleter's foreign-key actions take their snapshots.
 */
#include "ci_common.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/makefuncs.h"
#include "storage/lmgr.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "match_link_guard.h"

PG_FUNCTION_INFO_V1(match_identity_link_check);
PG_FUNCTION_INFO_V1(match_identity_guard);
PG_FUNCTION_INFO_V1(match_source_record_lock);

static SPIPlanPtr link_check_plan = NULL;

/* set only while match_execute_trusted_links() runs its statement */
static bool links_trusted = false;

int
match_execute_trusted_links(const char *sql, int nargs, Oid *types, Datum *args)
{
	volatile int rc = 0;

	Assert(!links_trusted);
	links_trusted = true;
	PG_TRY();
	{
		rc = SPI_execute_with_args(sql, nargs, types, args, NULL, false, 0);
	}
	PG_FINALLY();
	{
		links_trusted = false;
	}
	PG_END_TRY();
	return rc;
}

CiBulkInsert *
match_links_bulk_begin(void)
{
	static const char *const cols[4] = {"record_id", "identity_id", "match_probability", "rule"};
	static const Oid types[4] = {INT8OID, INT8OID, FLOAT8OID, TEXTOID};
	Oid			links = RangeVarGetRelid(makeRangeVar("ci", "identity_link", -1), NoLock, false);
	Oid			vouched[1];

	/* under a transaction snapshot the records read may have been deleted since */
	if (IsolationUsesXactSnapshot())
		return NULL;
	vouched[0] = ci_bulk_constraint(links, "identity_link_record_id_fkey");
	return ci_bulk_begin(links, 4, cols, types, vouched, 1);
}

uint64
match_links_bulk_end(CiBulkInsert *b)
{
	volatile uint64 n = 0;

	Assert(!links_trusted);
	links_trusted = true;
	PG_TRY();
	{
		n = ci_bulk_end(b);
	}
	PG_FINALLY();
	{
		links_trusted = false;
	}
	PG_END_TRY();
	return n;
}

static TriggerData *
guard_trigger_data(FunctionCallInfo fcinfo, const char *name)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by the trigger manager", name)));
	return (TriggerData *) fcinfo->context;
}

/* The triggers belong to one table each: refuse any other. */
static void
guard_check_table(TriggerData *td, const char *table)
{
	Oid			expected = RangeVarGetRelid(makeRangeVar("ci", (char *) table, -1), NoLock, false);

	if (RelationGetRelid(td->tg_relation) != expected)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("trigger \"%s\" may only be attached to table ci.%s", td->tg_trigger->tgname, table)));
}

/*
 * Run a query over the statement's transition table with the latest
 * snapshot; true when it returns a row, whose first column (an identity
 * id) goes to *id.
 */
static bool
guard_find(TriggerData *td, const char *sql, SPIPlanPtr *cached, int64 *id)
{
	SPIPlanPtr	plan;
	bool		found = false;
	CiSecureContext sc;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ci_secure_begin(&sc, InvalidOid);
	if (td && SPI_register_trigger_data(td) != SPI_OK_TD_REGISTER)
		elog(ERROR, "could not register the transition tables");
	/*
	 * With cached set, the plan is kept for the session (ci.resolve_record
	 * writes one link per statement, so planning would cost more than the
	 * check); the plan cache replans it when the tables change, and the
	 * transition table is registered under the same name and row type on
	 * every call.  Only a query whose plan suits any number of rows is
	 * cached; the others are planned for the rows at hand.
	 */
	plan = cached ? *cached : NULL;
	if (plan == NULL)
	{
		plan = SPI_prepare(sql, 0, NULL);
		if (plan == NULL)
			elog(ERROR, "could not prepare the identity link check: %s",
				 SPI_result_code_string(SPI_result));
		if (cached)
		{
			if (SPI_keepplan(plan) != 0)
				elog(ERROR, "could not keep the identity link check's plan");
			*cached = plan;
		}
	}
	/* not read-only: SPI advances the command counter, so this statement's rows are seen */
	if (SPI_execute_snapshot(plan, NULL, NULL, GetLatestSnapshot(), InvalidSnapshot,
							 false, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not run the identity link check");
	if (SPI_processed > 0)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		*id = isnull ? 0 : DatumGetInt64(d);
		found = true;
	}
	ci_secure_end(&sc);
	SPI_finish();
	return found;
}

static void
guard_lock_links(void)
{
	Oid			links = RangeVarGetRelid(makeRangeVar("ci", "identity_link", -1), NoLock, false);

	LockRelationOid(links, ShareLock);
}

/*
 * ci.identity_link: AFTER INSERT and AFTER UPDATE FOR EACH STATEMENT
 * REFERENCING NEW TABLE AS new_links.
 */
Datum
match_identity_link_check(PG_FUNCTION_ARGS)
{
	TriggerData *td = guard_trigger_data(fcinfo, "identity_link_check");
	int64		id;

	if (!TRIGGER_FIRED_FOR_STATEMENT(td->tg_event) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		td->tg_newtable == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("identity_link_check must run AFTER INSERT or UPDATE FOR EACH STATEMENT with REFERENCING NEW TABLE AS new_links")));
	guard_check_table(td, "identity_link");
	/* a full run's own statement (see match_link_guard.h) */
	if (links_trusted)
		return PointerGetDatum(NULL);

	/*
	 * A scalar subquery, not NOT EXISTS: the plan is kept for the session
	 * (ci.resolve_record writes one link per statement), and this form
	 * stays one primary-key probe per distinct id whatever row count the
	 * plan was made for -- an anti-join planned for a 100,000-link
	 * statement would scan all of ci.identity for every later single link.
	 * (For 100,000 links a hash anti-join measured no faster.)
	 */
	if (guard_find(td,
				   "SELECT n.identity_id FROM (SELECT DISTINCT identity_id FROM new_links) n"
				   " WHERE (SELECT true FROM ci.identity i WHERE i.identity_id = n.identity_id) IS NULL",
				   &link_check_plan, &id))
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("insert or update on table \"identity_link\" violates the reference to \"identity\""),
				 errdetail("Identity %lld is not present in table \"identity\".", (long long) id),
				 errhint("Create the identity in ci.identity first; identity ids are never reused.")));
	return PointerGetDatum(NULL);
}

/*
 * ci.identity: BEFORE DELETE and BEFORE TRUNCATE FOR EACH STATEMENT, AFTER
 * DELETE FOR EACH STATEMENT REFERENCING OLD TABLE AS old_identities, and
 * BEFORE UPDATE OF identity_id FOR EACH ROW.
 */
Datum
match_identity_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = guard_trigger_data(fcinfo, "identity_guard");
	TriggerEvent ev = td->tg_event;
	int64		id;

	guard_check_table(td, "identity");
	if (TRIGGER_FIRED_FOR_ROW(ev))
	{
		bool		isnull_old,
					isnull_new;
		Datum		o,
					n;
		int			att;

		if (!TRIGGER_FIRED_BY_UPDATE(ev) || !TRIGGER_FIRED_BEFORE(ev))
			ereport(ERROR,
					(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
					 errmsg("identity_guard runs per row only BEFORE UPDATE OF identity_id")));
		att = SPI_fnumber(td->tg_relation->rd_att, "identity_id");
		if (att <= 0)
			elog(ERROR, "table \"%s\" has no column identity_id", RelationGetRelationName(td->tg_relation));
		o = heap_getattr(td->tg_trigtuple, att, td->tg_relation->rd_att, &isnull_old);
		n = heap_getattr(td->tg_newtuple, att, td->tg_relation->rd_att, &isnull_new);
		if (isnull_old != isnull_new || (!isnull_old && DatumGetInt64(o) != DatumGetInt64(n)))
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("the id of identity %lld cannot be changed", (long long) DatumGetInt64(o)),
					 errdetail("Identity ids are stable: links, events and golden profiles refer to them."),
					 errhint("Move records between identities with ci.unmerge_records, or let resolution merge them.")));
		return PointerGetDatum(td->tg_newtuple);
	}

	if (TRIGGER_FIRED_BEFORE(ev) && (TRIGGER_FIRED_BY_DELETE(ev) || TRIGGER_FIRED_BY_TRUNCATE(ev)))
	{
		guard_lock_links();
		return PointerGetDatum(NULL);
	}

	/*
	 * After the whole TRUNCATE command, so that truncating both tables at
	 * once works.  The lowest id is named, so the message does not depend on
	 * the rows' physical order.
	 */
	if (TRIGGER_FIRED_AFTER(ev) && TRIGGER_FIRED_BY_TRUNCATE(ev))
	{
		if (guard_find(NULL, "SELECT identity_id FROM ci.identity_link ORDER BY identity_id LIMIT 1", NULL, &id))
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("cannot truncate table \"identity\" while table \"identity_link\" has rows"),
					 errdetail("Identity %lld still has linked records.", (long long) id),
					 errhint("Truncate ci.identity_link in the same command, or retire identities instead of removing them.")));
		return PointerGetDatum(NULL);
	}

	if (TRIGGER_FIRED_AFTER(ev) && TRIGGER_FIRED_BY_DELETE(ev) && td->tg_oldtable != NULL)
	{
		if (guard_find(td,
					   "SELECT l.identity_id FROM ci.identity_link l"
					   " WHERE l.identity_id IN (SELECT identity_id FROM old_identities) LIMIT 1",
					   NULL, &id))
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("update or delete on table \"identity\" violates the reference from table \"identity_link\""),
					 errdetail("Identity %lld is still referenced from table \"identity_link\".", (long long) id),
					 errhint("Retire identities (retired_at) instead of deleting them, or delete their links first.")));
		return PointerGetDatum(NULL);
	}

	ereport(ERROR,
			(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
			 errmsg("identity_guard was fired by an event it does not handle")));
	PG_RETURN_NULL();
}

/*
 * ci.source_record: BEFORE DELETE and BEFORE UPDATE OF record_id FOR EACH
 * STATEMENT.  Takes the ROW EXCLUSIVE lock on ci.identity_link that the
 * foreign-key actions would take later, at the start of the statement, so
 * that it waits for a full resolution run in progress (see the top of this
 * file).
 */
Datum
match_source_record_lock(PG_FUNCTION_ARGS)
{
	TriggerData *td = guard_trigger_data(fcinfo, "source_record_link_lock");

	if (!TRIGGER_FIRED_FOR_STATEMENT(td->tg_event) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!(TRIGGER_FIRED_BY_DELETE(td->tg_event) || TRIGGER_FIRED_BY_UPDATE(td->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("source_record_link_lock must run BEFORE DELETE or UPDATE FOR EACH STATEMENT")));
	guard_check_table(td, "source_record");
	LockRelationOid(RangeVarGetRelid(makeRangeVar("ci", "identity_link", -1), NoLock, false),
					RowExclusiveLock);
	return PointerGetDatum(NULL);
}
