/*
 * consent_run.c — the ExecutorRun hook: which executor run is in progress,
 * so that the row filter checks its cache once per run instead of per row.
 *
 * A plan's expressions are initialised in its executor state's per-query
 * memory, and a plan runs under one snapshot (the portal's, the cursor's,
 * SPI's): nested statements push and pop their own around a row, never
 * across it.  So a call site of ci.consent_check whose memory is the
 * running plan's, once checked in this run, stays checked until the run
 * returns; each run, and each FETCH of a cursor, starts a new one.  Call
 * sites elsewhere (PL/pgSQL simple expressions keep theirs across
 * statements) compare the snapshot on every call instead.
 *
 * Parallel plans that call the filter also share the leader's answers with
 * their workers before they start (consent_share.c).
 */
#include "ci_common.h"

#include "executor/executor.h"

#include "consent/consent.h"

uint64		consent_run_id = 0;
MemoryContext consent_run_cxt = NULL;

static uint64 run_counter = 0;
static ExecutorRun_hook_type prev_executor_run = NULL;

static void
consent_executor_run(QueryDesc *qd, ScanDirection direction, uint64 count, bool execute_once)
{
	uint64		save_id = consent_run_id;
	MemoryContext save_cxt = consent_run_cxt;

	consent_run_id = ++run_counter;
	consent_run_cxt = qd->estate->es_query_cxt;
	PG_TRY();
	{
		consent_share_for_run(qd);
		if (prev_executor_run)
			prev_executor_run(qd, direction, count, execute_once);
		else
			standard_ExecutorRun(qd, direction, count, execute_once);
	}
	PG_FINALLY();
	{
		consent_run_id = save_id;
		consent_run_cxt = save_cxt;
	}
	PG_END_TRY();
}

void
consent_run_init(void)
{
	prev_executor_run = ExecutorRun_hook;
	ExecutorRun_hook = consent_executor_run;
}
