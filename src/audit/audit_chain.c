/*
 * audit_chain.c — the SHA-256 hash chain over ci.audit_log: sealing,
 * verification, redaction and retention.
 *
 * Chain order is (txid, id).  link = SHA-256(previous link || metadata ||
 * payload hash), where the metadata is the canonical JSON text of the row's
 * columns other than old/new (ci.audit_meta) and the payload hash is
 * SHA-256 over old and new (ci.audit_payload_hash).  A redaction replaces
 * old/new and keeps the payload hash in redacted_hash, so the chain still
 * verifies and the row is reported as redacted, not altered.
 *
 * A sealer locks the ci.audit_chain row (only sealers and pruners do) and
 * seals rows of transactions below its snapshot's seal point (seal_point):
 * every such transaction has ended or runs in another database, so no row
 * can later appear before the head, and no writer is ever waited for.  All writes run with the guard's maintenance
 * flag raised and through SPI, so the caller's own privileges apply:
 * sealing needs INSERT on ci.audit_seal and UPDATE on ci.audit_chain,
 * redaction UPDATE on ci.audit_log, pruning DELETE on both tables.
 */
#include "postgres.h"

#include "common/cryptohash.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/uuid.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/xid8.h"
#include "access/transam.h"
#include "access/xact.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "utils/snapmgr.h"

#include "audit.h"

#define SEAL_BATCH 10000

static void
sha256(pg_cryptohash_ctx *ctx, const void *a, size_t alen, const void *b, size_t blen,
	   const void *c, size_t clen, uint8 *out)
{
	if (pg_cryptohash_init(ctx) < 0 ||
		(alen && pg_cryptohash_update(ctx, a, alen) < 0) ||
		(blen && pg_cryptohash_update(ctx, b, blen) < 0) ||
		(clen && pg_cryptohash_update(ctx, c, clen) < 0) ||
		pg_cryptohash_final(ctx, out, PG_SHA256_DIGEST_LENGTH) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute SHA-256: %s", pg_cryptohash_error(ctx))));
}

static bytea *
to_bytea(const uint8 *d, int len)
{
	bytea	   *b = palloc(VARHDRSZ + len);

	SET_VARSIZE(b, VARHDRSZ + len);
	memcpy(VARDATA(b), d, len);
	return b;
}

static bool
bytea_is(Datum d, const uint8 *h)
{
	bytea	   *b = DatumGetByteaPP(d);

	return VARSIZE_ANY_EXHDR(b) == PG_SHA256_DIGEST_LENGTH &&
		memcmp(VARDATA_ANY(b), h, PG_SHA256_DIGEST_LENGTH) == 0;
}

/*
 * ci.audit_payload_hash(old, new): SHA-256 of old's and new's JSON text,
 * "null" for a NULL, separated by a newline.
 */
PG_FUNCTION_INFO_V1(audit_payload_hash);
Datum
audit_payload_hash(PG_FUNCTION_ARGS)
{
	char	   *o = PG_ARGISNULL(0) ? "null" :
		JsonbToCString(NULL, &PG_GETARG_JSONB_P(0)->root, -1);
	char	   *n = PG_ARGISNULL(1) ? "null" :
		JsonbToCString(NULL, &PG_GETARG_JSONB_P(1)->root, -1);
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	uint8		h[PG_SHA256_DIGEST_LENGTH];

	sha256(ctx, o, strlen(o), "\n", 1, n, strlen(n), h);
	pg_cryptohash_free(ctx);
	PG_RETURN_BYTEA_P(to_bytea(h, sizeof(h)));
}

/*
 * ci.audit_link(previous, meta, payload_hash): one link of the chain.
 */
PG_FUNCTION_INFO_V1(audit_link);
Datum
audit_link(PG_FUNCTION_ARGS)
{
	bytea	   *prev = PG_GETARG_BYTEA_PP(0);
	text	   *meta = PG_GETARG_TEXT_PP(1);
	bytea	   *ph = PG_GETARG_BYTEA_PP(2);
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	uint8		h[PG_SHA256_DIGEST_LENGTH];

	sha256(ctx, VARDATA_ANY(prev), VARSIZE_ANY_EXHDR(prev),
		   VARDATA_ANY(meta), VARSIZE_ANY_EXHDR(meta),
		   VARDATA_ANY(ph), VARSIZE_ANY_EXHDR(ph), h);
	pg_cryptohash_free(ctx);
	PG_RETURN_BYTEA_P(to_bytea(h, sizeof(h)));
}

static void
spi_exec(const char *sql, int nargs, Oid *types, Datum *values, int expect)
{
	int			rc = SPI_execute_with_args(sql, nargs, types, values, NULL, false, 0);

	if (rc != expect)
		elog(ERROR, "audit chain: unexpected SPI result %d for: %s", rc, sql);
}

/* Locks the chain row (creating it at first use) and reads it. */
static void
chain_lock(Datum *head_txid, Datum *head_id, uint8 *head_link)
{
	bool		isnull;
	bytea	   *l;

	spi_exec("INSERT INTO ci.audit_chain (chain_id) VALUES (1) ON CONFLICT DO NOTHING",
			 0, NULL, NULL, SPI_OK_INSERT);
	spi_exec("SELECT head_txid, head_id, head_link "
			 "FROM ci.audit_chain WHERE chain_id = 1 FOR UPDATE",
			 0, NULL, NULL, SPI_OK_SELECT);
	if (SPI_processed != 1)
		elog(ERROR, "audit chain: the state row is missing");
	*head_txid = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	*head_id = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	l = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
	if (VARSIZE_ANY_EXHDR(l) != PG_SHA256_DIGEST_LENGTH)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("the audit chain's head link is not a SHA-256 value")));
	memcpy(head_link, VARDATA_ANY(l), PG_SHA256_DIGEST_LENGTH);
}

/* A 32-bit xid of the current epoch window as a 64-bit txid, as xid8 shows it. */
static uint64
full_xid(FullTransactionId next, TransactionId xid)
{
	return U64FromFullTransactionId(next) - (uint32) (XidFromFullTransactionId(next) - xid);
}

/* Is xid, running when looked at, a transaction of another database? */
static bool
xid_in_other_database(TransactionId xid)
{
	int			pid = BackendXidGetPid(xid);
	PGPROC	   *proc;
	Oid			db;

	if (pid == 0)
		return false;			/* not found, or a prepared transaction: assume ours */
	proc = BackendPidGetProc(pid);
	if (proc == NULL)
		return false;
	db = proc->databaseId;

	/*
	 * A backend serves one database for life, and while xid runs it runs in
	 * that backend (PREPARE keeps its database): if xid is still running now,
	 * db is its database.  If it ended, its database no longer matters to
	 * its visibility in the snapshot: stay on the safe side.
	 */
	return OidIsValid(db) && db != MyDatabaseId && TransactionIdIsInProgress(xid);
}

/*
 * The seal point of a snapshot: rows of transactions below it may be sealed.
 * A row can only be sealed if no row with a smaller txid can appear later,
 * that is if every transaction below the point has ended before the
 * snapshot (so its rows, if committed, are visible in it) or can never
 * write this database's log.  That excludes the snapshot's xmax and every
 * transaction it saw running, except those of other databases: a backend
 * writes only its own database, so a long transaction elsewhere in the
 * cluster (another suite, a report, a replication slot's export) no longer
 * holds sealing back.  A running transaction of this database still does,
 * whatever it has done so far: it may write audit rows before it ends.
 */
static int64
seal_point(Snapshot snap)
{
	FullTransactionId next = ReadNextFullTransactionId();
	uint64		point = full_xid(next, snap->xmax);
	TransactionId mine = GetTopTransactionIdIfAny();
	uint32		i;

	/* the sealer's own transaction is not in xip, and may still roll back */
	if (TransactionIdIsValid(mine) && full_xid(next, mine) < point)
		point = full_xid(next, mine);

	for (i = 0; i < snap->xcnt; i++)
	{
		uint64		x = full_xid(next, snap->xip[i]);

		if (x < point && !xid_in_other_database(snap->xip[i]))
			point = x;
	}
	return (int64) point;
}

/*
 * ci.audit_seal(max_rows): seals up to max_rows unsealed rows; returns how
 * many it sealed.
 */
PG_FUNCTION_INFO_V1(audit_seal);
Datum
audit_seal(PG_FUNCTION_ARGS)
{
	int64		max_rows = PG_GETARG_INT64(0);
	volatile int64 sealed = 0;
	Datum		head_txid,
				head_id;
	uint8		link[PG_SHA256_DIGEST_LENGTH];
	pg_cryptohash_ctx *ctx;
	SnapshotData *volatile snap = NULL;
	SPIPlanPtr	store;
	Portal		cur;
	MemoryContext batch;

	if (max_rows < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_rows must be at least 1")));
	ctx = pg_cryptohash_create(PG_SHA256);
	batch = AllocSetContextCreate(CurrentMemoryContext, "audit seal batch",
								  ALLOCSET_DEFAULT_SIZES);
	SPI_connect();
	audit_maintenance_begin();
	PG_TRY();
	{
		Oid			ft[4] = {INT8OID, INT8OID, INT8OID, INT8OID};
		Oid			st[4] = {INT8ARRAYOID, INT8ARRAYOID, BYTEAARRAYOID, BYTEAARRAYOID};

		Datum		cargs[4];

		chain_lock(&head_txid, &head_id, link);

		/*
		 * The rows sealed and the seal point must come from one snapshot,
		 * taken once the chain row is ours: a point from a later snapshot
		 * than the scan's could pass a transaction that committed in
		 * between, whose rows the scan does not see.
		 */
		snap = RegisterSnapshot(IsolationUsesXactSnapshot() ?
								GetTransactionSnapshot() : GetLatestSnapshot());
		cargs[0] = head_txid;
		cargs[1] = head_id;
		cargs[2] = Int64GetDatum(seal_point(snap));
		cargs[3] = Int64GetDatum(max_rows);
		/* one ordered scan past the head, fetched in batches, in snap */
		PushActiveSnapshot(snap);
		cur = SPI_cursor_open_with_args(NULL,
										"SELECT l.txid, l.id, ci.audit_meta(l), "
										"coalesce(l.redacted_hash, ci.audit_payload_hash(l.old, l.new)) "
										"FROM ci.audit_log l "
										"WHERE l.txid >= $1 AND (l.txid, l.id) > ($1, $2) AND l.txid < $3 "
										"ORDER BY l.txid, l.id LIMIT $4", 4, ft, cargs, NULL, true, 0);
		PopActiveSnapshot();
		store = SPI_prepare("INSERT INTO ci.audit_seal (txid, log_id, payload_hash, link) "
							"SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), "
							"pg_catalog.unnest($3), pg_catalog.unnest($4))", 4, st);
		if (store == NULL)
			elog(ERROR, "audit chain: SPI_prepare failed: %s",
				 SPI_result_code_string(SPI_result));
		while (sealed < max_rows)
		{
			Datum		args[4];
			uint64		n,
						i;
			Datum	   *txids,
					   *ids,
					   *hashes,
					   *links;
			MemoryContext old;

			CHECK_FOR_INTERRUPTS();
			SPI_cursor_fetch(cur, true, SEAL_BATCH);
			n = SPI_processed;
			if (n == 0)
				break;
			old = MemoryContextSwitchTo(batch);
			txids = palloc(sizeof(Datum) * n);
			ids = palloc(sizeof(Datum) * n);
			hashes = palloc(sizeof(Datum) * n);
			links = palloc(sizeof(Datum) * n);
			for (i = 0; i < n; i++)
			{
				HeapTuple	tup = SPI_tuptable->vals[i];
				TupleDesc	desc = SPI_tuptable->tupdesc;
				bool		isnull;
				text	   *meta;
				bytea	   *ph;

				txids[i] = SPI_getbinval(tup, desc, 1, &isnull);
				ids[i] = SPI_getbinval(tup, desc, 2, &isnull);
				meta = DatumGetTextPP(SPI_getbinval(tup, desc, 3, &isnull));
				ph = DatumGetByteaPCopy(SPI_getbinval(tup, desc, 4, &isnull));
				sha256(ctx, link, sizeof(link), VARDATA_ANY(meta), VARSIZE_ANY_EXHDR(meta),
					   VARDATA_ANY(ph), VARSIZE_ANY_EXHDR(ph), link);
				hashes[i] = PointerGetDatum(ph);
				links[i] = PointerGetDatum(to_bytea(link, sizeof(link)));
			}
			head_txid = txids[n - 1];
			head_id = ids[n - 1];
			args[0] = PointerGetDatum(construct_array(txids, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
			args[1] = PointerGetDatum(construct_array(ids, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
			args[2] = PointerGetDatum(construct_array(hashes, n, BYTEAOID, -1, false, TYPALIGN_INT));
			args[3] = PointerGetDatum(construct_array(links, n, BYTEAOID, -1, false, TYPALIGN_INT));
			MemoryContextSwitchTo(old);
			SPI_freetuptable(SPI_tuptable);
			if (SPI_execute_plan(store, args, NULL, false, 0) != SPI_OK_INSERT)
				elog(ERROR, "audit chain: storing seals failed");
			sealed += n;
			MemoryContextReset(batch);
		}
		SPI_cursor_close(cur);
		if (sealed > 0)
		{
			Oid			ut[4] = {INT8OID, INT8OID, BYTEAOID, INT8OID};
			Datum		ua[4] = {head_txid, head_id,
			PointerGetDatum(to_bytea(link, sizeof(link))), Int64GetDatum(sealed)};

			spi_exec("UPDATE ci.audit_chain SET head_txid = $1, head_id = $2, head_link = $3, "
					 "sealed_rows = sealed_rows + $4, sealed_at = pg_catalog.now() "
					 "WHERE chain_id = 1", 4, ut, ua, SPI_OK_UPDATE);
		}
	}
	PG_FINALLY();
	{
		audit_maintenance_end();
		pg_cryptohash_free(ctx);
		if (snap)
			UnregisterSnapshot(snap);
	}
	PG_END_TRY();
	SPI_finish();
	MemoryContextDelete(batch);
	PG_RETURN_INT64(sealed);
}

/*
 * ci.audit_verify(expected_head): recomputes the chain from its anchor and
 * returns the redacted rows, the first break if any, and a summary row.
 * expected_head, a link exported earlier, must occur in the chain (or be
 * its anchor): a chain rewritten from an earlier point fails that test.
 */
PG_FUNCTION_INFO_V1(audit_verify);
Datum
audit_verify(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bytea	   *expected = PG_ARGISNULL(0) ? NULL : PG_GETARG_BYTEA_PP(0);
	bool		expected_seen = false;
	uint8		link[PG_SHA256_DIGEST_LENGTH];
	uint8		head[PG_SHA256_DIGEST_LENGTH];
	pg_cryptohash_ctx *ctx;
	Portal		cur;
	int64		checked = 0,
				redacted = 0;
	bool		broken = false;
	char	   *detail = NULL;
	int64		break_id = 0;
	const char *break_status = NULL;
	MemoryContext fnctx = CurrentMemoryContext;
	Datum		anchor_txid,
				anchor_id,
				head_txid,
				head_id;

	InitMaterializedSRF(fcinfo, 0);
	if (expected && VARSIZE_ANY_EXHDR(expected) != PG_SHA256_DIGEST_LENGTH)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("expected_head must be a 32-byte SHA-256 link, not %d bytes",
						(int) VARSIZE_ANY_EXHDR(expected)),
				 errhint("Pass the link column of ci.audit_chain_head().")));
	ctx = pg_cryptohash_create(PG_SHA256);
	SPI_connect();
	PG_TRY();
	{
		bool		isnull;
		HeapTuple	t;
		TupleDesc	d;
		Oid			types[4] = {INT8OID, INT8OID, INT8OID, INT8OID};
		Datum		args[4];

		spi_exec("SELECT anchor_txid, anchor_id, anchor_link, head_txid, head_id, head_link "
				 "FROM ci.audit_chain WHERE chain_id = 1", 0, NULL, NULL, SPI_OK_SELECT);
		if (SPI_processed == 0)
		{
			memset(link, 0, sizeof(link));
			memset(head, 0, sizeof(head));
			anchor_txid = anchor_id = head_txid = head_id = Int64GetDatum(0);
		}
		else
		{
			t = SPI_tuptable->vals[0];
			d = SPI_tuptable->tupdesc;
			anchor_txid = SPI_getbinval(t, d, 1, &isnull);
			anchor_id = SPI_getbinval(t, d, 2, &isnull);
			memcpy(link, VARDATA_ANY(DatumGetByteaPP(SPI_getbinval(t, d, 3, &isnull))), sizeof(link));
			head_txid = SPI_getbinval(t, d, 4, &isnull);
			head_id = SPI_getbinval(t, d, 5, &isnull);
			memcpy(head, VARDATA_ANY(DatumGetByteaPP(SPI_getbinval(t, d, 6, &isnull))), sizeof(head));
		}
		if (expected && memcmp(VARDATA_ANY(expected), link, sizeof(link)) == 0)
			expected_seen = true;
		args[0] = anchor_txid;
		args[1] = anchor_id;
		args[2] = head_txid;
		args[3] = head_id;
		cur = SPI_cursor_open_with_args(NULL,
										"SELECT s.log_id, l.id, s.payload_hash, s.link, ci.audit_meta(l), "
										"l.redacted_hash, "
										"CASE WHEN l.redacted_hash IS NULL THEN ci.audit_payload_hash(l.old, l.new) END "
										"FROM ci.audit_seal s FULL JOIN ci.audit_log l "
										"ON l.txid = s.txid AND l.id = s.log_id "
										"WHERE (s.log_id IS NOT NULL OR (l.txid, l.id) <= ($3, $4)) "
										"AND (coalesce(s.txid, l.txid), coalesce(s.log_id, l.id)) > ($1, $2) "
										"ORDER BY coalesce(s.txid, l.txid), coalesce(s.log_id, l.id)",
										4, types, args, NULL, true, 0);
		while (!broken)
		{
			uint64		i;

			SPI_cursor_fetch(cur, true, SEAL_BATCH);
			if (SPI_processed == 0)
				break;
			for (i = 0; i < SPI_processed && !broken; i++)
			{
				bool		snull,
							lnull,
							rnull;
				Datum		sid,
							lid,
							rh;
				uint8		ph[PG_SHA256_DIGEST_LENGTH];
				text	   *meta;

				CHECK_FOR_INTERRUPTS();
				t = SPI_tuptable->vals[i];
				d = SPI_tuptable->tupdesc;
				sid = SPI_getbinval(t, d, 1, &snull);
				lid = SPI_getbinval(t, d, 2, &lnull);
				checked++;
				if (snull)
				{
					broken = true;
					break_id = DatumGetInt64(lid);
					break_status = "inserted";
					detail = "an audit row inside the sealed range has no seal";
					break;
				}
				if (lnull)
				{
					broken = true;
					break_id = DatumGetInt64(sid);
					break_status = "missing";
					detail = "a sealed audit row was deleted";
					break;
				}
				rh = SPI_getbinval(t, d, 6, &rnull);
				if (!rnull)
				{
					bytea	   *r = DatumGetByteaPP(rh);

					memset(ph, 0, sizeof(ph));
					if (VARSIZE_ANY_EXHDR(r) == sizeof(ph))
						memcpy(ph, VARDATA_ANY(r), sizeof(ph));
				}
				else
					memcpy(ph, VARDATA_ANY(DatumGetByteaPP(SPI_getbinval(t, d, 7, &lnull))), sizeof(ph));
				if (!bytea_is(SPI_getbinval(t, d, 3, &lnull), ph))
				{
					broken = true;
					break_id = DatumGetInt64(lid);
					break_status = "altered";
					detail = rnull ? "the row's payload differs from the one sealed" :
						"the row was redacted, but its recorded payload hash differs from the one sealed";
					break;
				}
				meta = DatumGetTextPP(SPI_getbinval(t, d, 5, &lnull));
				sha256(ctx, link, sizeof(link), VARDATA_ANY(meta), VARSIZE_ANY_EXHDR(meta),
					   ph, sizeof(ph), link);
				if (!bytea_is(SPI_getbinval(t, d, 4, &lnull), link))
				{
					broken = true;
					break_id = DatumGetInt64(lid);
					break_status = "altered";
					detail = "the link does not match: the row's metadata changed, or a row before it was removed or reordered";
					break;
				}
				if (expected && memcmp(VARDATA_ANY(expected), link, sizeof(link)) == 0)
					expected_seen = true;
				if (!rnull)
				{
					Datum		v[3];
					bool		nl[3] = {false, false, false};
					MemoryContext old = MemoryContextSwitchTo(fnctx);

					redacted++;
					v[0] = lid;
					v[1] = CStringGetTextDatum("redacted");
					v[2] = CStringGetTextDatum("payload replaced by ci.audit_redact; the chain verifies with its recorded hash");
					tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, nl);
					MemoryContextSwitchTo(old);
				}
			}
			SPI_freetuptable(SPI_tuptable);
		}
		SPI_cursor_close(cur);
	}
	PG_FINALLY();
	{
		pg_cryptohash_free(ctx);
	}
	PG_END_TRY();
	SPI_finish();

	if (!broken && memcmp(link, head, sizeof(link)) != 0)
	{
		broken = true;
		break_status = "altered";
		detail = "the chain's recorded head does not match the last sealed row";
	}
	if (!broken && expected && !expected_seen)
	{
		broken = true;
		break_status = "rewritten";
		detail = "the exported head link does not occur in the chain: it was rewritten or pruned past it";
	}
	{
		Datum		v[3];
		bool		nl[3] = {false, false, false};

		if (broken)
		{
			nl[0] = (break_id == 0);
			v[0] = Int64GetDatum(break_id);
			v[1] = CStringGetTextDatum(break_status);
			v[2] = CStringGetTextDatum(psprintf("%s; the %lld rows before it verified", detail,
												(long long) (checked - 1)));
		}
		else
		{
			nl[0] = true;
			v[1] = CStringGetTextDatum("verified");
			v[2] = CStringGetTextDatum(psprintf("%lld sealed rows verified, %lld redacted",
												(long long) checked, (long long) redacted));
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, nl);
	}
	return (Datum) 0;
}

/* Runs one maintenance statement with the guard's flag raised; returns rows. */
static uint64
maintenance_exec(const char *sql, int nargs, Oid *types, Datum *values, int expect)
{
	volatile uint64 n = 0;

	SPI_connect();
	audit_maintenance_begin();
	PG_TRY();
	{
		spi_exec(sql, nargs, types, values, expect);
		n = SPI_processed;
	}
	PG_FINALLY();
	{
		audit_maintenance_end();
	}
	PG_END_TRY();
	SPI_finish();
	return n;
}

/*
 * ci.audit_redact_rows(record_key, reason): replaces the payload of every
 * row of the record with a marker, keeping its payload hash; returns rows.
 * The SQL wrapper ci.audit_redact() takes a table and key values and logs the
 * redaction itself.
 */
PG_FUNCTION_INFO_V1(audit_redact_rows);
Datum
audit_redact_rows(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Oid			types[2] = {UUIDOID, TEXTOID};
	Datum		args[2] = {PG_GETARG_DATUM(1), PG_GETARG_DATUM(2)};
	uint64		n;
	AuditWriter *w;
	AuditEntry	e = {0};
	JsonbParseState *ps = NULL;
	JsonbValue	k,
				v;
	char	   *reason = text_to_cstring(PG_GETARG_TEXT_PP(2));
	char	   *nsp = get_namespace_name(get_rel_namespace(relid));

	if (nsp == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	n = maintenance_exec("UPDATE ci.audit_log SET "
						 "redacted_hash = ci.audit_payload_hash(old, new), "
						 "old = CASE WHEN old IS NOT NULL THEN pg_catalog.jsonb_build_object('redacted', $2) END, "
						 "new = CASE WHEN new IS NOT NULL THEN pg_catalog.jsonb_build_object('redacted', $2) END "
						 "WHERE record_key = $1 AND redacted_hash IS NULL "
						 "AND operation IN ('INSERT', 'UPDATE', 'DELETE')",
						 2, types, args, SPI_OK_UPDATE);

	/* the redaction is itself on the record */
	pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	k.type = jbvString;
	k.val.string.val = "reason";
	k.val.string.len = 6;
	pushJsonbValue(&ps, WJB_KEY, &k);
	v.type = jbvString;
	v.val.string.val = reason;
	v.val.string.len = strlen(reason);
	pushJsonbValue(&ps, WJB_VALUE, &v);
	e.new = JsonbValueToJsonb(pushJsonbValue(&ps, WJB_END_OBJECT, NULL));
	e.relid = relid;
	e.table_name = quote_qualified_identifier(nsp, get_rel_name(relid));
	e.operation = "REDACT";
	e.record_key = DatumGetUUIDP(PG_GETARG_DATUM(1));
	e.has_rows = true;
	e.rows = (int64) n;
	w = audit_writer_open();
	audit_writer_add(w, &e);
	audit_writer_close(w);
	PG_RETURN_INT64((int64) n);
}

/*
 * ci.audit_prune(before): removes sealed rows sealed before a time, up to the
 * last such chain position, and makes that position the chain's anchor.
 */
PG_FUNCTION_INFO_V1(audit_prune);
Datum
audit_prune(PG_FUNCTION_ARGS)
{
	Datum		before = PG_GETARG_DATUM(0);
	Oid			t1[1] = {TIMESTAMPTZOID};
	volatile uint64 n = 0;

	SPI_connect();
	audit_maintenance_begin();
	PG_TRY();
	{
		Datum		head_txid,
					head_id;
		uint8		link[PG_SHA256_DIGEST_LENGTH];

		chain_lock(&head_txid, &head_id, link);
		spi_exec("SELECT txid, log_id, link FROM ci.audit_seal WHERE sealed_at < $1 "
				 "ORDER BY txid DESC, log_id DESC LIMIT 1", 1, t1, &before, SPI_OK_SELECT);
		if (SPI_processed == 1)
		{
			bool		isnull;
			Oid			t3[3] = {INT8OID, INT8OID, BYTEAOID};
			Datum		a3[3];

			a3[0] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
			a3[1] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
			a3[2] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull);
			spi_exec("DELETE FROM ci.audit_log WHERE (txid, id) <= ($1, $2) "
					 "AND (txid, id) > (SELECT anchor_txid, anchor_id FROM ci.audit_chain)",
					 2, t3, a3, SPI_OK_DELETE);
			n = SPI_processed;
			spi_exec("DELETE FROM ci.audit_seal WHERE (txid, log_id) <= ($1, $2)",
					 2, t3, a3, SPI_OK_DELETE);
			spi_exec("UPDATE ci.audit_chain SET anchor_txid = $1, anchor_id = $2, "
					 "anchor_link = $3, pruned_rows = pruned_rows + $4 WHERE chain_id = 1",
					 4, (Oid[]) {INT8OID, INT8OID, BYTEAOID, INT8OID},
					 (Datum[]) {a3[0], a3[1], a3[2], Int64GetDatum((int64) n)}, SPI_OK_UPDATE);
		}
	}
	PG_FINALLY();
	{
		audit_maintenance_end();
	}
	PG_END_TRY();
	SPI_finish();
	PG_RETURN_INT64((int64) n);
}
