/*
 * match_link_guard.h — the identity-link reference check of
 * match_link_guard.c, and how a full resolution run vouches for its own
 * links.
 */
#ifndef MATCH_LINK_GUARD_H
#define MATCH_LINK_GUARD_H

#include "executor/spi.h"

#include "ci_bulk.h"

/*
 * Run one link-writing statement of a full resolution run without the
 * per-statement identity check: the run holds ci.identity_link in SHARE ROW
 * EXCLUSIVE mode (so no identity can be deleted meanwhile: a delete needs
 * SHARE on ci.identity_link) and links only to identities it inserted
 * itself or that existing links named when it loaded them.
 */
extern int	match_execute_trusted_links(const char *sql, int nargs, Oid *types, Datum *args);

/*
 * A full run's new links written in bulk (ci_bulk.h), in one statement:
 * columns record_id, identity_id, match_probability, rule.  Neither the
 * identity check above nor the per-row check of the record_id foreign key
 * runs: the run vouches for both (match_link_guard.c says why).  NULL when
 * the bulk path is not available; only at READ COMMITTED.
 */
extern CiBulkInsert *match_links_bulk_begin(void);
extern uint64 match_links_bulk_end(CiBulkInsert *b);

#endif							/* MATCH_LINK_GUARD_H */
