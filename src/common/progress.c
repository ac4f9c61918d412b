/*
 * progress.c — rate-limited progress NOTICEs for long computations (a full
 * identity-resolution run), so that a client sees it is alive without a
 * NOTICE per row.  The caller owns the interval (its own GUC).
 */
#include "ci_common.h"

#include "utils/timestamp.h"

void
ci_progress_start(CiProgress *p, const char *task, const char *what,
				  int interval_ms)
{
	p->task = task;
	p->what = what;
	p->interval_ms = interval_ms;
	p->last = GetCurrentTimestamp();
}

void
ci_progress_report(CiProgress *p, int64 done, int64 total)
{
	TimestampTz now;

	if (p == NULL || p->interval_ms <= 0)
		return;
	now = GetCurrentTimestamp();
	if (!TimestampDifferenceExceeds(p->last, now, p->interval_ms))
		return;
	p->last = now;
	if (total > 0)
		ereport(NOTICE,
				(errmsg("%s: %s " INT64_FORMAT " of " INT64_FORMAT " (%.0f%%)",
						p->task, p->what, done, total,
						100.0 * (double) done / (double) total)));
	else
		ereport(NOTICE,
				(errmsg("%s: %s " INT64_FORMAT, p->task, p->what, done)));
}
