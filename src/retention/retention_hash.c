/*
 * retention_hash.c — the keyed hash erasure keeps of a customer's contact
 * points.  An erasure must later prove, and re-check, that an e-mail address
 * or phone number is gone without keeping it: it keeps HMAC-SHA-256(key,
 * normalised value) instead, with the key in ci.retention_secret (readable by
 * the extension owner only).  A plain SHA-256 of an address is reversible by
 * hashing a list of addresses; a keyed hash is not, without the key.
 *
 * Contract: ci.retention_hmac(key bytea, value text) -> bytea (32 bytes),
 * IMMUTABLE STRICT PARALLEL SAFE; any key and value length the server can
 * hold (HMAC hashes long keys first).  Uses src/common/hmac.h.
 */
#include "ci_common.h"

#include "common/cryptohash.h"
#include "common/hmac.h"
#include "common/sha2.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(retention_hmac);

Datum
retention_hmac(PG_FUNCTION_ARGS)
{
	bytea	   *key = PG_GETARG_BYTEA_PP(0);
	text	   *value = PG_GETARG_TEXT_PP(1);
	bytea	   *result = (bytea *) palloc(VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	pg_hmac_ctx *ctx = pg_hmac_create(PG_SHA256);

	if (ctx == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while computing an HMAC")));

	if (pg_hmac_init(ctx, (const uint8 *) VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key)) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value)) < 0 ||
		pg_hmac_final(ctx, (uint8 *) VARDATA(result), PG_SHA256_DIGEST_LENGTH) < 0)
	{
		const char *why = pg_hmac_error(ctx);

		pg_hmac_free(ctx);
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute HMAC-SHA-256: %s", why)));
	}
	pg_hmac_free(ctx);
	SET_VARSIZE(result, VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	PG_FREE_IF_COPY(key, 0);
	PG_FREE_IF_COPY(value, 1);
	PG_RETURN_BYTEA_P(result);
}
