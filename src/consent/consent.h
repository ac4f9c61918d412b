/*
 * consent.h — the consent capability's C: session settings (ci.purpose,
 * ci.channel), the snapshot-bound cache of consent answers, and the
 * SQL-callable check.
 */
#ifndef CONSENT_H
#define CONSENT_H

#include "postgres.h"

#include "miscadmin.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

/* Longest purpose name (ci.consent_purpose's CHECK allows 63 characters). */
#define CONSENT_MAX_PURPOSE	63

/* ci.channel values, in the order of ci.consent_channels(). */
typedef enum ConsentChannel
{
	CONSENT_CHANNEL_ALL = 0,
	CONSENT_CHANNEL_EMAIL,
	CONSENT_CHANNEL_SMS,
	CONSENT_CHANNEL_PUSH,
	CONSENT_CHANNEL_PHONE,
	CONSENT_CHANNEL_POST
} ConsentChannel;

extern const char *const consent_channel_names[];
extern int	consent_channel_from_name(const char *name, int len);

/* Session settings (consent_guc.c). */
extern char *consent_purpose_guc;
extern int	consent_channel_guc;
extern uint64 consent_guc_epoch;	/* bumped when either setting changes */
extern uint64 consent_abort_epoch;	/* bumped when a subtransaction aborts */

/* The answers of one (purpose, channel) for the current snapshot (consent_cache.c). */
typedef struct ConsentSet ConsentSet;

/*
 * What cached answers were checked for: the active snapshot (equal fields
 * see the same rows), the user and the settings.  consent_key is the one
 * the cache was last checked for; consent_key_epoch changes whenever it
 * changes or a set is freed, so that a call site that remembers the epoch
 * it filled itself under knows its pointers are still good.
 */
typedef struct ConsentKey
{
	TransactionId xmin;
	TransactionId xmax;
	uint32		xcnt;
	int32		subxcnt;
	CommandId	curcid;
	bool		suboverflowed;
	Oid			userid;
	uint64		guc_epoch;
	uint64		abort_epoch;
} ConsentKey;

extern ConsentKey consent_key;
extern uint64 consent_key_epoch;

/* The key of the active snapshot, user and settings (false: no active snapshot). */
static inline bool
consent_key_of_now(ConsentKey *k)
{
	Snapshot	snap;

	if (!ActiveSnapshotSet())
		return false;
	snap = GetActiveSnapshot();
	k->xmin = snap->xmin;
	k->xmax = snap->xmax;
	k->xcnt = snap->xcnt;
	/* a serialized snapshot (parallel worker) drops an overflowed subxip */
	k->subxcnt = (snap->suboverflowed && !snap->takenDuringRecovery) ? 0 : snap->subxcnt;
	k->curcid = snap->curcid;
	k->suboverflowed = snap->suboverflowed;
	k->userid = GetUserId();
	k->guc_epoch = consent_guc_epoch;
	k->abort_epoch = consent_abort_epoch;
	return true;
}

/*
 * Per row: is the cache still checked for the active snapshot?  Field by
 * field from the snapshot (no copy: this runs once per row).
 */
static inline bool
consent_key_current(void)
{
	Snapshot	snap;
	int32		subxcnt;

	if (unlikely(!ActiveSnapshotSet()))
		return false;
	snap = GetActiveSnapshot();
	subxcnt = (snap->suboverflowed && !snap->takenDuringRecovery) ? 0 : snap->subxcnt;
	return snap->xmin == consent_key.xmin && snap->xmax == consent_key.xmax &&
		snap->curcid == consent_key.curcid && snap->xcnt == consent_key.xcnt &&
		subxcnt == consent_key.subxcnt && snap->suboverflowed == consent_key.suboverflowed &&
		consent_guc_epoch == consent_key.guc_epoch && consent_abort_epoch == consent_key.abort_epoch &&
		GetUserId() == consent_key.userid;
}

/*
 * The set of the session's declared purpose and channel, or NULL when no
 * purpose is declared.  Validates the purpose and the role's binding
 * (ERROR otherwise) once per snapshot.
 */
extern ConsentSet *consent_session_set(void);

/* The set of an explicit purpose and channel (validated; ERROR if unknown). */
extern ConsentSet *consent_explicit_set(const char *purpose, int purposelen, int channel);

/* Whether the customer allows the set's purpose on its channel now. */
extern bool consent_set_allows(ConsentSet *set, int64 customer);

extern const char *consent_set_purpose(ConsentSet *set);

/*
 * A complete set's answers as one bit per identity id from *base (ids
 * outside get *fallback); NULL while incomplete or kept as a hash table.
 * Valid while consent_key_epoch is unchanged.
 */
extern const uint64 *consent_set_bitmap(ConsentSet *set, int64 *base, uint64 *nbits, bool *fallback);

/* Sharing the session's answers with parallel workers (consent_share.c). */
extern ConsentSet *consent_session_set_complete(void);
extern TimestampTz consent_set_expiry(ConsentSet *set);
extern ConsentSet *consent_adopt_set(const char *purpose, int channel, bool fallback, TimestampTz expires_at,
									 int64 base, uint64 nbits, const uint64 *bits);
extern ConsentSet *consent_share_adopt(const ConsentKey *k);
extern void consent_share_init(void);
struct QueryDesc;
extern void consent_share_for_run(struct QueryDesc *qd);

/*
 * The executor run in progress (consent_run.c): a number new for every
 * ExecutorRun call (0: none known), and its per-query memory, where the
 * plan's function call sites live.  A call site allocated there is only
 * evaluated while that run is in progress, under that run's snapshot.
 */
extern uint64 consent_run_id;
extern MemoryContext consent_run_cxt;
extern void consent_run_init(void);

/* Purpose check used by the GUC hook (consent_cache.c): 0 ok, 1 unknown, 2 not bound. */
extern int	consent_purpose_status(const char *purpose, Oid role1, Oid role2);

extern void consent_cache_init(void);

/* The declared purpose on Citus (consent_citus.c). */
extern bool consent_markers_planned;
extern void consent_citus_init(void);
extern void consent_citus_settings_changed(void);
extern bool consent_in_citus_shard_backend(void);

/*
 * The set of a purpose and channel a statement declared (the first element
 * "=purpose:channel" of the filter's purpose list), validated as
 * ci.purpose is (unknown purpose, binding); NULL for an empty purpose.
 */
extern ConsentSet *consent_declared_set(const char *purpose, int channel);

#endif							/* CONSENT_H */
