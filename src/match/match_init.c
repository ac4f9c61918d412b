/*
 * match_init.c — GUCs of the matching capability.
 */
#include "ci_common.h"

#include <limits.h>

#include "utils/guc.h"

#include "match.h"

int			match_work_mem_kb = 1024 * 1024;
int			match_progress_interval_ms = 10000;

void
ci_match_init(void)
{
	DefineCustomIntVariable("ci.match_work_mem",
							"Memory a full identity-resolution run may use for records, candidate pairs and links.",
							"A run that would need more fails with an error naming this setting, before anything is written.",
							&match_work_mem_kb,
							1024 * 1024, 1024, INT_MAX,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomIntVariable("ci.match_progress_interval",
							"Least time between two progress NOTICEs of a long identity-resolution run; 0 turns them off.",
							NULL,
							&match_progress_interval_ms,
							10000, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
}
