/*
 * match_link_guard.h — the identity-link reference check of
 * match_link_guard.c, and how a full resolution run vouches for its own
 * links.
 */
#ifndef MATCH_LINK_GUARD_H
#define MATCH_LINK_GUARD_H

#include "executor/spi.h"

/*
 * Run one link-writing statement of a full resolution run without the
 * per-statement identity check: the run holds ci.identity_link in SHARE ROW
 * EXCLUSIVE mode (so no identity can be deleted meanwhile: a delete needs
 * SHARE on ci.identity_link) and links only to identities it inserted
 * itself or that existing links named when it loaded them.
 */
extern int	match_execute_trusted_links(const char *sql, int nargs, Oid *types, Datum *args);

#endif							/* MATCH_LINK_GUARD_H */
