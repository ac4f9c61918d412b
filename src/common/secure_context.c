/*
 * secure_context.c — the context in which the extension runs SQL it builds
 * itself, and code that other roles wrote.
 *
 * Every statement the extension builds (SPI plans, kept plans) runs with
 * search_path = pg_catalog, pg_temp: a function or operator that a role
 * created in a schema on the caller's search_path (for example public)
 * can never be chosen by name resolution in the extension's statements
 * (the CVE-2018-1058 pattern).  Kept plans follow: the plan cache replans
 * a statement whose search_path differs from the one it was planned with.
 *
 * Reading the relation of a match model runs, in addition, as the model's
 * owner in a security-restricted operation, as PostgreSQL runs another
 * role's code in VACUUM, ANALYZE and REFRESH MATERIALIZED VIEW: a function
 * a view calls runs with its author's rights, never with those of whoever
 * runs the model, and cannot change the session (SET ROLE, temporary
 * objects, ...).
 *
 * Errors need no clean-up: transaction and subtransaction abort restore
 * the user id, the security context and the GUC nesting level.
 */
#include "ci_common.h"

#include "catalog/namespace.h"
#include "miscadmin.h"
#include "utils/guc.h"

#define CI_SEARCH_PATH "pg_catalog, pg_temp"

void
ci_secure_begin(CiSecureContext *sc, Oid owner)
{
	GetUserIdAndSecContext(&sc->save_userid, &sc->save_sec_context);
	sc->switched = OidIsValid(owner);
	if (sc->switched)
		SetUserIdAndSecContext(owner, sc->save_sec_context |
							   SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
	sc->save_nestlevel = NewGUCNestLevel();
	/* nested in another secure context, the path is set already: setting it costs a search-path recomputation */
	if (namespace_search_path == NULL || strcmp(namespace_search_path, CI_SEARCH_PATH) != 0)
		(void) set_config_option("search_path", CI_SEARCH_PATH,
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

void
ci_secure_end(CiSecureContext *sc)
{
	/*
	 * Another role's code may have changed settings: undo them (as REFRESH
	 * MATERIALIZED VIEW does); our own statements only keep function-SET
	 * semantics.
	 */
	AtEOXact_GUC(!sc->switched, sc->save_nestlevel);
	if (sc->switched)
		SetUserIdAndSecContext(sc->save_userid, sc->save_sec_context);
}
