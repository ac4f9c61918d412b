/*
 * consent_guc.c — the session settings ci.purpose and ci.channel.
 *
 * ci.purpose is checked when it is set (SET, SET LOCAL, ALTER ROLE … SET,
 * a function's SET clause): it must name a row of ci.consent_purpose, and
 * when a purpose binding applies to the current user or to the session
 * user (directly or through membership) it must be one of the bound
 * purposes.  Where the check cannot read tables (postgresql.conf, outside
 * a transaction, a parallel worker restoring the leader's settings, a
 * database without the extension) the value is accepted here and checked
 * by the next statement that reads a protected table (consent_cache.c),
 * which raises the same errors.  So a bound role cannot switch purpose to
 * escape its binding by any route.
 */
#include "ci_common.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "consent/consent.h"

char	   *consent_purpose_guc = NULL;
int			consent_channel_guc = CONSENT_CHANNEL_ALL;
uint64		consent_guc_epoch = 1;
uint64		consent_abort_epoch = 1;

const char *const consent_channel_names[] = {"all", "email", "sms", "push", "phone", "post", NULL};

static const struct config_enum_entry channel_options[] = {
	{"all", CONSENT_CHANNEL_ALL, false},
	{"email", CONSENT_CHANNEL_EMAIL, false},
	{"sms", CONSENT_CHANNEL_SMS, false},
	{"push", CONSENT_CHANNEL_PUSH, false},
	{"phone", CONSENT_CHANNEL_PHONE, false},
	{"post", CONSENT_CHANNEL_POST, false},
	{NULL, 0, false}
};

int
consent_channel_from_name(const char *name, int len)
{
	for (int i = 0; consent_channel_names[i] != NULL; i++)
		if ((int) strlen(consent_channel_names[i]) == len && memcmp(consent_channel_names[i], name, len) == 0)
			return i;
	return -1;
}

static bool
purpose_syntax_ok(const char *p)
{
	int			n = 0;

	if (!(p[0] >= 'a' && p[0] <= 'z'))
		return false;
	for (; p[n]; n++)
		if (!((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= '0' && p[n] <= '9') || p[n] == '_'))
			return false;
	return n <= CONSENT_MAX_PURPOSE;
}

static bool
check_purpose(char **newval, void **extra, GucSource source)
{
	const char *p = *newval;
	int			status;

	if (p == NULL || p[0] == '\0')
		return true;			/* no purpose: protected tables show nothing */
	if (!purpose_syntax_ok(p))
	{
		GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
		GUC_check_errmsg("unknown consent purpose \"%.*s\"", CONSENT_MAX_PURPOSE + 1, p);
		GUC_check_errhint("A purpose is a row of ci.consent_purpose: lower-case letters, digits and underscores.");
		return false;
	}
	/* where tables cannot be read, the next statement checks (see above) */
	if (!IsTransactionState() || IsParallelWorker() || source <= PGC_S_FILE)
		return true;
	status = consent_purpose_status(p, GetUserId(), GetSessionUserId());
	if (status == 1)
	{
		GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
		GUC_check_errmsg("unknown consent purpose \"%s\"", p);
		GUC_check_errhint("Known purposes are the rows of ci.consent_purpose.");
		return false;
	}
	if (status == 2)
	{
		GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
		GUC_check_errmsg("role may not declare consent purpose \"%s\"", p);
		GUC_check_errdetail("A purpose binding in ci.consent_purpose_binding applies to the role and does not name this purpose.");
		GUC_check_errhint("Ask the DBA to bind the role to the purpose, or use one of its bound purposes.");
		return false;
	}
	return true;
}

static void
assign_bump(const char *newval, void *extra)
{
	consent_guc_epoch++;
	consent_citus_settings_changed();
}

static void
assign_channel(int newval, void *extra)
{
	consent_guc_epoch++;
	consent_citus_settings_changed();
}

void
ci_consent_init(void)
{
	DefineCustomStringVariable("ci.purpose",
							   "Purpose this session uses customer data for; protected tables show only the rows of customers who allow it.",
							   "Empty (the default): protected tables show no rows to roles that are not exempt.",
							   &consent_purpose_guc,
							   "",
							   PGC_USERSET, 0,
							   check_purpose, assign_bump, NULL);
	DefineCustomEnumVariable("ci.channel",
							 "Contact channel this session uses; consent given or suppressed for one channel applies only when it is declared.",
							 NULL,
							 &consent_channel_guc,
							 CONSENT_CHANNEL_ALL, channel_options,
							 PGC_USERSET, 0,
							 NULL, assign_channel, NULL);
	consent_cache_init();
	consent_share_init();
	consent_run_init();
	consent_citus_init();
}
