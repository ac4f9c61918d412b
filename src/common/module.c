/*
 * module.c — the loadable module's entry: magic block and _PG_init, which
 * lets each capability define its GUCs under the reserved prefix "ci".
 */
#include "ci_common.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	ci_match_init();
	ci_audit_init();
	MarkGUCPrefixReserved("ci");
}
