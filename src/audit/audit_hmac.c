/*
 * audit_hmac.c — HMAC-SHA-256 of many values under one key, for PII masks.
 *
 * PostgreSQL's pg_hmac (common/hmac.h) takes the key at every pg_hmac_init:
 * with OpenSSL that is a fresh key schedule and three digest set-ups per
 * masked value, about 3 µs, which made masking one column cost a third of
 * the trigger.  OpenSSL's EVP_MAC keeps the key's inner and outer pad state
 * once EVP_MAC_init has had the key, and re-initialising it without a key
 * only copies that state back, so each value costs its two SHA-256 passes.
 * The server itself is linked with the same libcrypto.
 *
 * The contexts are OpenSSL's (malloc'd), not in a memory context: the
 * callers free them in PG_FINALLY, and a transaction-end callback frees any
 * an error path left behind.
 */
#include "postgres.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "access/xact.h"

#include "audit.h"

struct AuditHmac
{
	EVP_MAC    *mac;
	EVP_MAC_CTX *ctx;
	AuditHmac  *next;			/* live ones, for the transaction-end sweep */
};

static AuditHmac *live = NULL;
static bool callback_registered = false;

static void
hmac_release(AuditHmac *h)
{
	if (h->ctx)
		EVP_MAC_CTX_free(h->ctx);
	if (h->mac)
		EVP_MAC_free(h->mac);
	free(h);
}

static void
sweep_at_xact_end(XactEvent event, void *arg)
{
	(void) arg;
	if (event != XACT_EVENT_ABORT && event != XACT_EVENT_PARALLEL_ABORT &&
		event != XACT_EVENT_COMMIT && event != XACT_EVENT_PARALLEL_COMMIT &&
		event != XACT_EVENT_PREPARE)
		return;
	while (live)
	{
		AuditHmac  *h = live;

		live = h->next;
		hmac_release(h);
	}
}

static void
hmac_error(AuditHmac *h, const char *what)
{
	unsigned long e = ERR_get_error();

	audit_hmac_free(h);
	ereport(ERROR,
			(errcode(ERRCODE_INTERNAL_ERROR),
			 errmsg("could not compute HMAC-SHA-256: %s failed: %s", what,
					e ? ERR_reason_error_string(e) : "no OpenSSL error")));
}

AuditHmac *
audit_hmac_create(const uint8 *key, int keylen)
{
	AuditHmac  *h = calloc(1, sizeof(AuditHmac));
	OSSL_PARAM	params[2];

	if (h == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	if (!callback_registered)
	{
		RegisterXactCallback(sweep_at_xact_end, NULL);
		callback_registered = true;
	}
	h->next = live;
	live = h;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *) "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	h->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (h->mac == NULL)
		hmac_error(h, "EVP_MAC_fetch");
	h->ctx = EVP_MAC_CTX_new(h->mac);
	if (h->ctx == NULL)
		hmac_error(h, "EVP_MAC_CTX_new");
	if (!EVP_MAC_init(h->ctx, key, keylen, params))
		hmac_error(h, "EVP_MAC_init");
	return h;
}

void
audit_hmac(AuditHmac *h, const uint8 *data, size_t len, uint8 *mac)
{
	size_t		outlen = 0;

	/* no key: back to the state the key left, without redoing its schedule */
	if (!EVP_MAC_init(h->ctx, NULL, 0, NULL) ||
		!EVP_MAC_update(h->ctx, data, len) ||
		!EVP_MAC_final(h->ctx, mac, &outlen, 32) || outlen != 32)
		hmac_error(h, "HMAC-SHA-256");
}

void
audit_hmac_free(AuditHmac *h)
{
	AuditHmac **p;

	for (p = &live; *p; p = &(*p)->next)
		if (*p == h)
		{
			*p = h->next;
			hmac_release(h);
			return;
		}
}
