/*
 * consent_hash.c — HMAC-SHA-256 with PostgreSQL's own implementation
 * (src/common/hmac.c), for contact points kept only as hashes on the
 * suppression lists (and reusable by retention and erasure).
 *
 *   ci.hmac_sha256(data bytea, key bytea) -> bytea (32 bytes)
 *
 * Inputs up to 1 GB (bytea's limit) are hashed in one pass; errors of the
 * underlying implementation (out of memory, a FIPS-mode OpenSSL refusing)
 * are reported with their reason.
 */
#include "ci_common.h"

#include "utils/builtins.h"

#if PG_VERSION_NUM >= 140000
#include "common/hmac.h"
#include "common/sha2.h"
#endif

PG_FUNCTION_INFO_V1(consent_hmac_sha256);

Datum
consent_hmac_sha256(PG_FUNCTION_ARGS)
{
#if PG_VERSION_NUM >= 140000
	bytea	   *data = PG_GETARG_BYTEA_PP(0);
	bytea	   *key = PG_GETARG_BYTEA_PP(1);
	bytea	   *result = palloc(VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	pg_hmac_ctx *ctx = pg_hmac_create(PG_SHA256);

	if (ctx == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	if (pg_hmac_init(ctx, (const uint8 *) VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key)) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) VARDATA_ANY(data), VARSIZE_ANY_EXHDR(data)) < 0 ||
		pg_hmac_final(ctx, (uint8 *) VARDATA(result), PG_SHA256_DIGEST_LENGTH) < 0)
	{
#if PG_VERSION_NUM >= 150000
		const char *reason = pg_hmac_error(ctx);
#else
		const char *reason = "internal error";
#endif

		pg_hmac_free(ctx);
		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("could not compute HMAC-SHA-256: %s", reason)));
	}
	pg_hmac_free(ctx);
	SET_VARSIZE(result, VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	PG_FREE_IF_COPY(data, 0);
	PG_FREE_IF_COPY(key, 1);
	PG_RETURN_BYTEA_P(result);
#else
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("ci.hmac_sha256 needs PostgreSQL 14 or later")));
	PG_RETURN_NULL();
#endif
}
