/*
 * ci_compat.h — the one place for PostgreSQL version shims (13–17).
 */
#ifndef CI_COMPAT_H
#define CI_COMPAT_H

#include "postgres.h"
#include "utils/guc.h"

#if PG_VERSION_NUM < 150000
#define MarkGUCPrefixReserved(prefix) EmitWarningsOnPlaceholders(prefix)
#endif

#endif							/* CI_COMPAT_H */
