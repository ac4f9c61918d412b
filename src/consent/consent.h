/*
 * consent.h — the consent capability's C: session settings (ci.purpose,
 * ci.channel), the snapshot-bound cache of consent answers, and the
 * SQL-callable check.
 */
#ifndef CONSENT_H
#define CONSENT_H

#include "postgres.h"

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
 * The set of the session's declared purpose and channel, or NULL when no
 * purpose is declared.  Validates the purpose and the role's binding
 * (ERROR otherwise) once per snapshot.
 */
extern ConsentSet *consent_session_set(void);

/* The set of an explicit purpose and channel (validated; ERROR if unknown). */
extern ConsentSet *consent_explicit_set(const char *purpose, int purposelen, int channel);

/* Whether the customer allows the set's purpose on its channel now. */
extern bool consent_set_allows(ConsentSet *set, int64 customer);

/* A number that changes whenever a set is rebuilt (for per-call-site caches). */
extern uint64 consent_set_generation(ConsentSet *set);
extern const char *consent_set_purpose(ConsentSet *set);

/* Purpose check used by the GUC hook (consent_cache.c): 0 ok, 1 unknown, 2 not bound. */
extern int	consent_purpose_status(const char *purpose, Oid role1, Oid role2);

extern void consent_cache_init(void);

#endif							/* CONSENT_H */
