/*
 * ci_bulk.h — inserting many rows into one table from C the way COPY FROM
 * does (bulk_insert.c): heap pages filled by table_multi_insert, indexes,
 * NOT NULL and CHECK constraints, column defaults, and every trigger fired
 * as an INSERT statement would fire it (statement triggers with their
 * transition tables, AFTER ROW triggers), without one executor start and
 * one SPI round trip per statement chunk.
 *
 * What it leaves out, on purpose: the per-row check of foreign keys the
 * caller names in `vouched` — the caller guarantees, by the locks it holds,
 * that every referenced row exists and stays (see match_cluster.c).  That
 * per-row check is one query and one row lock per inserted row, the
 * largest cost of writing a million links.
 *
 * ci_bulk_begin returns NULL when the table cannot take this path (not a
 * plain table, row-level security on, BEFORE ROW or INSTEAD OF triggers,
 * stored generated columns, no INSERT privilege on the whole table, Citus
 * installed, PostgreSQL before 14): the caller then writes with SQL.
 */
#ifndef CI_BULK_H
#define CI_BULK_H

#include "postgres.h"

typedef struct CiBulkInsert CiBulkInsert;

/*
 * Begin inserting into relid the columns cols[0..ncols-1], whose values
 * the caller passes with types types[] (checked against the table).
 * vouched[0..nvouched-1]: foreign-key constraint oids of the table whose
 * per-row check the caller answers for.  The table is locked in ROW
 * EXCLUSIVE mode.  Allocates in the current memory context.
 */
extern CiBulkInsert *ci_bulk_begin(Oid relid, int ncols, const char *const *cols,
								   const Oid *types, const Oid *vouched, int nvouched);

/*
 * The same, for a table with stored generated columns whose values the
 * caller computes (with the table's own generation expressions: see
 * src/identity/load_rows.c) and passes among cols; every generated column
 * must be given.  Not computed again here.
 */
extern CiBulkInsert *ci_bulk_begin_ex(Oid relid, int ncols, const char *const *cols,
									  const Oid *types, const Oid *vouched, int nvouched,
									  bool generated_given);

/* Whether ci_bulk_begin(_ex) would take relid (locks it in ROW EXCLUSIVE mode). */
extern bool ci_bulk_possible(Oid relid, bool generated_given);

/* One row: values[i] / nulls[i] of cols[i]; the other columns take their defaults. */
extern void ci_bulk_put(CiBulkInsert *b, const Datum *values, const bool *nulls);

/*
 * Before the first row: insert no entries into the table's indexes (but
 * partial ones) and build them anew instead, by sort, as REINDEX does,
 * before the statement's AFTER triggers fire (at ci_bulk_end) -- when the
 * rows to come (about `rows`) are more than a quarter of those already
 * there, the role could LOCK TABLE it in ACCESS EXCLUSIVE mode, and such
 * locks on the table and those indexes are granted without waiting (they
 * are then held to the end of the transaction: readers of the table wait
 * for it).  Returns whether it will.
 */
extern bool ci_bulk_sort_indexes(CiBulkInsert *b, double rows);

/* Write what is buffered, fire the statement's AFTER triggers; returns the row count. */
extern uint64 ci_bulk_end(CiBulkInsert *b);

/* The oid of constraint conname on relid, InvalidOid when it has none of that name. */
extern Oid	ci_bulk_constraint(Oid relid, const char *conname);

#endif							/* CI_BULK_H */
