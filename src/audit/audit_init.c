/*
 * audit_init.c — the audit capability's part of _PG_init.
 */
#include "postgres.h"

#include "ci_common.h"
#include "audit.h"

void
ci_audit_init(void)
{
	audit_read_init();
}
