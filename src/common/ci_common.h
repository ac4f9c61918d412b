/*
 * ci_common.h — the shared C core of customer_intel: limits, text helpers,
 * module initialisation hooks.  Capabilities include this header and never
 * each other's.
 */
#ifndef CI_COMMON_H
#define CI_COMMON_H

#include "postgres.h"
#include "fmgr.h"
#include "datatype/timestamp.h"
#include "mb/pg_wchar.h"
#include "ci_compat.h"

/*
 * Longest string, in characters, that a pairwise comparison accepts.  The
 * edit distances and Jaro are O(n*m) in time; past this bound one call could
 * run for minutes, so it is refused with ERRCODE_PROGRAM_LIMIT_EXCEEDED.
 * Names, emails and phones are far shorter.
 */
#define CI_MAX_COMPARE_CHARS	65535

/*
 * Decode a text argument's bytes (server encoding) into code points.
 * Fails with PROGRAM_LIMIT_EXCEEDED, naming fname, when the string has more
 * than maxchars characters.  *nchars receives the count.  The array is
 * palloc'd in the current memory context, with room for one terminator.
 */
extern pg_wchar *ci_text_to_wchars(const char *s, int bytelen, int maxchars,
								   const char *fname, int *nchars);

/* True when all bytes are 7-bit ASCII: the fast paths compare bytes then. */
extern bool ci_is_ascii(const char *s, int bytelen);

/*
 * The context the extension's own statements run in (secure_context.c):
 * search_path = pg_catalog, pg_temp; with a valid owner, also that role's
 * user id in a security-restricted operation (reading another role's
 * relation).  Begin after SPI_connect, end before SPI_finish; an error
 * needs no end.
 */
typedef struct CiSecureContext
{
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
	bool		switched;
} CiSecureContext;

extern void ci_secure_begin(CiSecureContext *sc, Oid owner);
extern void ci_secure_end(CiSecureContext *sc);

/*
 * Progress NOTICEs of a long computation, at most one per interval_ms
 * (progress.c): "<task>: <what> <done> of <total> (p%)", or without the
 * total when it is not known (total <= 0).  interval_ms <= 0 is silent.
 */
typedef struct CiProgress
{
	const char *task;			/* e.g. "identity resolution" */
	const char *what;			/* the phase, e.g. "scoring, scored pairs" */
	int			interval_ms;
	TimestampTz last;
} CiProgress;

extern void ci_progress_start(CiProgress *p, const char *task,
							  const char *what, int interval_ms);
extern void ci_progress_report(CiProgress *p, int64 done, int64 total);

/*
 * A bounded per-backend memo of a pure function's results (memo.c), keyed
 * on exact bytes.  Declare one static per function:
 *     static CiMemo memo = CI_MEMO_INIT(4096, 64, 64);
 * nslots must be a power of two.  ci_memo_get: true when key is remembered,
 * *value / *value_len (-1 for a NULL result) then point into the memo,
 * valid until the next ci_memo_put; always sets *hash for ci_memo_put.
 */
typedef struct CiMemo
{
	uint32		nslots;
	int			max_key;
	int			max_value;
	Size		slot_size;
	bool		allocated;
	char	   *slots;
} CiMemo;

#define CI_MEMO_INIT(nslots, max_key, max_value) \
	{(nslots), (max_key), (max_value), 0, false, NULL}

extern bool ci_memo_get(CiMemo *m, const char *key, int key_len, uint32 *hash,
						const char **value, int *value_len);
extern void ci_memo_put(CiMemo *m, const char *key, int key_len, uint32 hash,
						const char *value, int value_len);

/* Per-capability initialisation, called from _PG_init (src/common/module.c). */
extern void ci_match_init(void);
extern void ci_consent_init(void);
extern void ci_audit_init(void);

#endif							/* CI_COMMON_H */
