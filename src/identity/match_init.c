/*
 * match_init.c — GUCs of the matching capability.
 */
#include "ci_common.h"

#include <limits.h>

#include "miscadmin.h"
#include "utils/guc.h"

#include "match.h"

int			match_work_mem_kb = -1;	/* -1: maintenance_work_mem */
int			match_progress_interval_ms = 10000;

/* 0 would refuse every run; as for autovacuum_work_mem, -1 or at least 1MB */
static bool
check_match_work_mem(int *newval, void **extra, GucSource source)
{
	if (*newval == -1 || *newval >= 1024)
		return true;
	GUC_check_errdetail("ci.match_work_mem must be -1 (use maintenance_work_mem) or at least 1MB.");
	return false;
}

/* The limit a run counts its memory against, in kB. */
int
match_work_mem_limit_kb(void)
{
	return match_work_mem_kb == -1 ? maintenance_work_mem : match_work_mem_kb;
}

void
ci_match_init(void)
{
	/*
	 * Like autovacuum_work_mem: -1 follows maintenance_work_mem (a full run
	 * is maintenance, as CREATE INDEX is); a superuser (or a role granted
	 * SET on it) may instead fix a limit, for example per role with ALTER
	 * ROLE ... SET, that the role cannot raise.
	 */
	DefineCustomIntVariable("ci.match_work_mem",
							"Memory a full identity-resolution run may use for records, candidate pairs and links; -1 uses maintenance_work_mem.",
							"A run that would need more fails with an error naming this setting, before anything is written.",
							&match_work_mem_kb,
							-1, -1, MAX_KILOBYTES,
							PGC_SUSET, GUC_UNIT_KB,
							check_match_work_mem, NULL, NULL);
	DefineCustomIntVariable("ci.match_progress_interval",
							"Least time between two progress NOTICEs of a long identity-resolution run; 0 turns them off.",
							NULL,
							&match_progress_interval_ms,
							10000, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
}
