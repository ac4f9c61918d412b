/*
 * consent_share.c — a parallel query's workers use the answers the leader
 * already holds instead of reading them again.
 *
 * Parallel workers are new processes: each would otherwise read every
 * answer through SQL for its one statement, which costs more than the scan
 * it helps with.  So when a parallel plan uses the row filter
 * (ci.consent_check among the functions it depends on), the leader, just
 * before running it, makes sure its session set is complete and copies its
 * bitmap into a dynamic shared memory segment it keeps for the session; the
 * segment's handle reaches the workers in a hidden setting
 * (ci.consent_shared), which workers restore from the leader like every
 * other setting.
 *
 * A worker adopts the answers only if the segment says they were read by
 * its own leader, in its database, for its user and session user, its
 * purpose and channel, its transaction start (expiry) and a snapshot with
 * the same key as its own: exactly what it would have read itself.
 * Otherwise (sparse ids kept as a hash table, no segment, a mismatch) it
 * reads the answers itself, as before.  The leader rewrites the segment
 * only outside parallel mode, when no worker can be reading it.
 */
#include "ci_common.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "nodes/plannodes.h"
#include "storage/dsm.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/syscache.h"

#include "consent/consent.h"

#define CONSENT_SHARE_MAGIC 0x43494353	/* "CICS" */

typedef struct ConsentShared
{
	uint32		magic;			/* 0 while the contents are not valid */
	int			leader_pid;
	Oid			dboid;
	Oid			session_userid;
	TimestampTz xact_start;
	ConsentKey	key;
	char		purpose[CONSENT_MAX_PURPOSE + 1];
	int			channel;
	bool		fallback;
	TimestampTz expires_at;
	int64		base;
	uint64		nbits;
	uint64		bits[FLEXIBLE_ARRAY_MEMBER];
} ConsentShared;

static char *consent_shared_guc = NULL;
static dsm_segment *share_seg = NULL;	/* the leader's, kept for the session */
static bool in_publish = false;

/* The OID of ci.consent_check(bigint, text[]), or InvalidOid. */
static Oid
consent_check_oid(void)
{
	Oid			ns = get_namespace_oid("ci", true);
	Oid			argtypes[2] = {INT8OID, TEXTARRAYOID};
	oidvector  *args;

	if (!OidIsValid(ns))
		return InvalidOid;
	args = buildoidvector(argtypes, 2);
	return GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid, CStringGetDatum("consent_check"),
						   PointerGetDatum(args), ObjectIdGetDatum(ns));
}

/*
 * Whether the plan may call the row filter: the planner lists every
 * non-built-in function a plan calls among its invalidation items (a hash
 * collision only costs a needless share).
 */
static bool
plan_uses_check(PlannedStmt *stmt)
{
	ListCell   *lc;
	Oid			fn = InvalidOid;
	uint32		hash = 0;

	foreach(lc, stmt->invalItems)
	{
		PlanInvalItem *item = lfirst_node(PlanInvalItem, lc);

		if (item->cacheId != PROCOID)
			continue;
		if (!OidIsValid(fn))
		{
			fn = consent_check_oid();
			if (!OidIsValid(fn))
				return false;
			hash = GetSysCacheHashValue1(PROCOID, ObjectIdGetDatum(fn));
		}
		if (item->hashValue == hash)
			return true;
	}
	return false;
}

/* The leader: the session's answers into the segment, for this statement. */
static void
consent_publish(void)
{
	ConsentSet *set;
	const uint64 *bits;
	int64		base;
	uint64		nbits;
	bool		fallback;
	Size		size;
	ConsentShared *sh;
	char		handle[32];

	if (share_seg != NULL)
		((ConsentShared *) dsm_segment_address(share_seg))->magic = 0;
	set = consent_session_set_complete();
	if (set == NULL)
		return;
	bits = consent_set_bitmap(set, &base, &nbits, &fallback);
	if (bits == NULL)
		return;
	size = add_size(offsetof(ConsentShared, bits), mul_size((nbits + 63) / 64, sizeof(uint64)));
	if (share_seg != NULL && dsm_segment_map_length(share_seg) < size)
	{
		dsm_unpin_mapping(share_seg);
		dsm_detach(share_seg);
		share_seg = NULL;
	}
	if (share_seg == NULL)
	{
		share_seg = dsm_create(size, DSM_CREATE_NULL_IF_MAXSEGMENTS);
		if (share_seg == NULL)
			return;				/* workers read the answers themselves */
		dsm_pin_mapping(share_seg);
	}
	sh = dsm_segment_address(share_seg);
	sh->leader_pid = MyProcPid;
	sh->dboid = MyDatabaseId;
	sh->session_userid = GetSessionUserId();
	sh->xact_start = GetCurrentTransactionStartTimestamp();
	sh->key = consent_key;
	strlcpy(sh->purpose, consent_set_purpose(set), sizeof(sh->purpose));
	sh->channel = consent_channel_guc;
	sh->fallback = fallback;
	sh->expires_at = consent_set_expiry(set);
	sh->base = base;
	sh->nbits = nbits;
	memcpy(sh->bits, bits, ((nbits + 63) / 64) * sizeof(uint64));
	pg_write_barrier();
	sh->magic = CONSENT_SHARE_MAGIC;

	/* the handle travels with the settings; set again if a rollback undid it */
	snprintf(handle, sizeof(handle), "%u", dsm_segment_handle(share_seg));
	if (consent_shared_guc == NULL || strcmp(consent_shared_guc, handle) != 0)
		(void) set_config_option("ci.consent_shared", handle, PGC_SUSET, PGC_S_SESSION,
								 GUC_ACTION_SET, true, 0, false);
}

/* Called by the ExecutorRun hook (consent_run.c) before a plan runs. */
void
consent_share_for_run(QueryDesc *qd)
{
	if (qd->plannedstmt->parallelModeNeeded && !in_publish &&
		!IsParallelWorker() && !IsInParallelMode() && ActiveSnapshotSet() &&
		plan_uses_check(qd->plannedstmt))
	{
		in_publish = true;
		PG_TRY();
		{
			consent_publish();
		}
		PG_FINALLY();
		{
			in_publish = false;
		}
		PG_END_TRY();
	}
}

/* The key's snapshot fields and user (the epochs are per process). */
static bool
same_snapshot_and_user(const ConsentKey *a, const ConsentKey *b)
{
	return a->xmin == b->xmin && a->xmax == b->xmax && a->xcnt == b->xcnt &&
		a->subxcnt == b->subxcnt && a->curcid == b->curcid &&
		a->suboverflowed == b->suboverflowed && a->userid == b->userid;
}

/* A worker: the leader's answers, if they are exactly those it would read. */
ConsentSet *
consent_share_adopt(const ConsentKey *k)
{
	dsm_handle h;
	dsm_segment *seg;
	ConsentShared *sh;
	ConsentSet *set = NULL;
	char	   *end;
	const char *purpose = consent_purpose_guc;

	if (consent_shared_guc == NULL || consent_shared_guc[0] == '\0' ||
		purpose == NULL || purpose[0] == '\0' ||
		MyProc->lockGroupLeader == NULL || MyProc->lockGroupLeader == MyProc)
		return NULL;
	h = (dsm_handle) strtoul(consent_shared_guc, &end, 10);
	if (*end != '\0')
		return NULL;
	seg = dsm_attach(h);
	if (seg == NULL)
		return NULL;
	sh = dsm_segment_address(seg);
	if (dsm_segment_map_length(seg) >= offsetof(ConsentShared, bits) &&
		sh->magic == CONSENT_SHARE_MAGIC &&
		dsm_segment_map_length(seg) >= offsetof(ConsentShared, bits) + ((sh->nbits + 63) / 64) * sizeof(uint64))
	{
		pg_read_barrier();
		if (sh->leader_pid == MyProc->lockGroupLeader->pid &&
			sh->dboid == MyDatabaseId &&
			sh->session_userid == GetSessionUserId() &&
			sh->xact_start == GetCurrentTransactionStartTimestamp() &&
			same_snapshot_and_user(&sh->key, k) &&
			strcmp(sh->purpose, purpose) == 0 &&
			sh->channel == consent_channel_guc)
		{
			set = consent_adopt_set(sh->purpose, sh->channel, sh->fallback, sh->expires_at,
									sh->base, sh->nbits, sh->bits);
			elog(DEBUG1, "consent answers for purpose \"%s\" taken from the parallel leader", sh->purpose);
		}
	}
	dsm_detach(seg);
	return set;
}

void
consent_share_init(void)
{
	DefineCustomStringVariable("ci.consent_shared",
							   "Internal: where a parallel query's leader shares its consent answers with its workers.",
							   NULL,
							   &consent_shared_guc,
							   "",
							   PGC_SUSET,
							   GUC_NO_SHOW_ALL | GUC_NO_RESET_ALL | GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE,
							   NULL, NULL, NULL);
}
