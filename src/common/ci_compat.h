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

/*
 * pg_do_encoding_conversion_buf, whose noError mode reports an
 * untranslatable character instead of raising 22P05, exists from 14 on.
 */
#if PG_VERSION_NUM >= 140000
#define CI_HAVE_CONVERSION_NOERROR 1
#endif

#endif							/* CI_COMPAT_H */
