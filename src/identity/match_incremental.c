/*
 * match_incremental.c — ci.resolve_record(): resolve one new or changed
 * record against the identities already stored, through the indexes that
 * serve the blocking rules, in milliseconds.
 *
 * Concurrency: before looking for candidates the function takes a
 * transaction-level advisory lock on every blocking key of the record.  Two
 * sessions resolving records that could match share at least one key, so
 * the second waits until the first commits and then (READ COMMITTED: each
 * query takes a fresh snapshot) sees the first one's record and identity:
 * neither a split nor a duplicate identity results.  A full run locks
 * ci.identity_link in SHARE ROW EXCLUSIVE mode, which this function's ROW
 * EXCLUSIVE lock waits for.
 *
 * The keys are hashed into RESOLVE_LOCK_BUCKETS locks, so that one
 * transaction resolving thousands of records (a batch load with a trigger)
 * holds at most that many and never fills the shared lock table (sized
 * max_locks_per_transaction per connection): unbounded, a thousand records
 * took some 13,000 locks and failed with "out of shared memory".  Unrelated
 * records that land in one bucket wait for each other's commit, no more.
 */
#include "match.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/itemptr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(match_resolve_record);

#define MAX_CANDIDATE_PARAMS (MATCH_MAX_RULES * MATCH_MAX_KEYS + 1)

/* advisory locks of the blocking keys: (class "cirr", bucket) */
#define RESOLVE_LOCK_CLASS 1667854962
#define RESOLVE_LOCK_BUCKETS 2048

/*
 * Per-backend cache.  Parsing a model and planning its queries costs more
 * than resolving a record, so both are kept across calls:
 *
 * - the statements that do not depend on a model are prepared once
 *   (SPI_keepplan; the plan cache replans them after DDL);
 * - all plans are generic: every statement is a handful of index lookups
 *   whatever its parameters, and planning a custom plan per call (the
 *   candidate query is an OR of one arm per blocking rule) would cost more
 *   than running it;
 * - per model: the parsed model, its stored term-frequency floors and its
 *   two record queries (the record itself; candidates sharing a key of any
 *   blocking rule, each key a parameter — NULL when the record lacks it, so
 *   the rule's arm matches nothing).
 *
 * A model entry is valid while its ci.match_model row version (xmin, ctid)
 * is the one it was built from: one primary-key lookup per call.  Triggers
 * on ci.match_comparison, ci.match_blocking_rule and ci.match_term_frequency
 * (90_match_api.sql) rewrite the model's row on every change, and training
 * writes it anyway, so any change — committed by another session, made
 * earlier in this transaction, or rolled back — gives a new version.
 */
typedef enum IncStmt
{
	STMT_LOCK,
	STMT_VERSION,
	STMT_ADVISORY,
	STMT_DECISIONS,
	STMT_REVIEW,
	STMT_CREATE,
	STMT_MERGE_EVENTS,
	STMT_MERGE_LINKS,
	STMT_MERGE_RETIRE,
	STMT_LINK,
	STMT_RELINK,
	STMT_TOUCH,
	STMT_QUEUE,
	STMT_TF,
	NSTMTS
} IncStmt;

static const struct
{
	const char *sql;
	int			nargs;
	Oid			types[5];
	int			expect;
}			inc_stmt_def[NSTMTS] =
{
	[STMT_LOCK] = {"LOCK TABLE ci.identity_link IN ROW EXCLUSIVE MODE", 0, {0}, SPI_OK_UTILITY},
	[STMT_VERSION] = {"SELECT xmin, ctid FROM ci.match_model WHERE model = $1", 1, {TEXTOID}, SPI_OK_SELECT},
	[STMT_ADVISORY] = {"SELECT pg_catalog.pg_advisory_xact_lock(" CppAsString2(RESOLVE_LOCK_CLASS) ", k)"
		" FROM (SELECT DISTINCT unnest($1) AS k ORDER BY 1) s",
	1, {INT4ARRAYOID}, SPI_OK_SELECT},
	/*
	 * The decisions first, then the other records' links: on Citus a pair's
	 * second record lives on another shard, so the decisions are a set the
	 * link shards are joined with.
	 */
	[STMT_DECISIONS] = {"WITH x AS MATERIALIZED (SELECT CASE WHEN d.record_a = $1 THEN d.record_b ELSE d.record_a END AS other,"
		" d.decision = 'link' AS link FROM ci.match_decision d WHERE d.record_a = $1 OR d.record_b = $1)"
	" SELECT x.other, x.link, l.identity_id FROM x LEFT JOIN ci.identity_link l ON l.record_id = x.other",
	1, {INT8OID}, SPI_OK_SELECT},
	[STMT_REVIEW] = {"INSERT INTO ci.match_review (model, record_a, record_b, match_probability, match_weight, found_at)"
		" SELECT $1, least($2, b), greatest($2, b), p, w, now() FROM unnest($3, $4, $5) AS x(b, p, w)"
		" ON CONFLICT (model, record_a, record_b) DO UPDATE SET match_probability = excluded.match_probability,"
		" match_weight = excluded.match_weight, found_at = excluded.found_at",
	5, {TEXTOID, INT8OID, INT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID}, SPI_OK_INSERT},
	[STMT_CREATE] = {"WITH i AS (INSERT INTO ci.identity DEFAULT VALUES RETURNING identity_id)"
		" INSERT INTO ci.identity_event (event, identity_id, record_ids)"
	" SELECT 'create', identity_id, ARRAY[$1::int8] FROM i RETURNING identity_id", 1, {INT8OID}, SPI_OK_INSERT_RETURNING},
	[STMT_MERGE_EVENTS] = {"INSERT INTO ci.identity_event (event, identity_id, other_id, record_ids)"
		" SELECT 'merge', $1, u.o, m.ids FROM unnest($2) AS u(o)"
		" LEFT JOIN (SELECT l.identity_id, array_agg(l.record_id ORDER BY l.record_id) AS ids FROM ci.identity_link l"
		" WHERE l.identity_id = ANY ($2) GROUP BY l.identity_id) m ON m.identity_id = u.o"
	" ORDER BY u.o", 2, {INT8OID, INT8ARRAYOID}, SPI_OK_INSERT},
	[STMT_MERGE_LINKS] = {"UPDATE ci.identity_link SET identity_id = $1, linked_at = now() WHERE identity_id = ANY ($2)",
	2, {INT8OID, INT8ARRAYOID}, SPI_OK_UPDATE},
	[STMT_MERGE_RETIRE] = {"UPDATE ci.identity SET retired_at = now(), updated_at = now(), merged_into = $1"
	" WHERE identity_id = ANY ($2) AND retired_at IS NULL", 2, {INT8OID, INT8ARRAYOID}, SPI_OK_UPDATE},
	/*
	 * The record's link: an INSERT when it had none, an UPDATE when it had
	 * one (each also when the other finds the row state changed meanwhile),
	 * not one INSERT ... ON CONFLICT DO UPDATE: that statement fires the
	 * statement triggers of both INSERT and UPDATE on ci.identity_link
	 * (consent, golden queue, identity check: six trigger calls per record
	 * instead of three).
	 */
	[STMT_LINK] = {"INSERT INTO ci.identity_link (record_id, identity_id, match_probability, rule, linked_at)"
		" VALUES ($1, $2, $3, $4, now()) ON CONFLICT (record_id) DO NOTHING",
	4, {INT8OID, INT8OID, FLOAT8OID, TEXTOID}, SPI_OK_INSERT},
	[STMT_RELINK] = {"UPDATE ci.identity_link AS l SET identity_id = $2, match_probability = $3, rule = $4, linked_at = now()"
		" WHERE l.record_id = $1 AND (l.identity_id, l.match_probability, l.rule) IS DISTINCT FROM ($2, $3, $4)",
	4, {INT8OID, INT8OID, FLOAT8OID, TEXTOID}, SPI_OK_UPDATE},
	[STMT_TOUCH] = {"UPDATE ci.identity SET updated_at = now() WHERE identity_id = $1", 1, {INT8OID}, SPI_OK_UPDATE},
	/*
	 * Distributed (Citus): no queue triggers on the link shards, so the
	 * member copy (ci.identity_member) of the record and of the merged
	 * identities moves here, and the identities touched are queued for a
	 * golden refresh.  $1 record, $2 its identity, $3 identities touched.
	 */
	[STMT_QUEUE] = {"SELECT ci.scale_resolved($1, $2, $3)", 3, {INT8OID, INT8OID, INT8ARRAYOID}, SPI_OK_SELECT},
	[STMT_TF] = {"SELECT x.i, f.frequency FROM unnest($2, $3) WITH ORDINALITY AS x(c, v, i)"
		" JOIN ci.match_term_frequency f ON f.model = $1 AND f.comparison = x.c AND f.value = x.v",
	3, {TEXTOID, TEXTARRAYOID, TEXTARRAYOID}, SPI_OK_SELECT},
};

static SPIPlanPtr inc_stmt[NSTMTS];

typedef struct IncModel
{
	struct IncModel *next;
	MemoryContext cxt;			/* the model and this entry */
	MatchModel *model;
	TransactionId xmin;			/* version of the ci.match_model row */
	ItemPointerData ctid;
	SPIPlanPtr self_plan;		/* $1: record id */
	SPIPlanPtr cand_plan;		/* $1: record id, then every key of every rule */
	SPIPlanPtr	members_plan;	/* $1: identity ids, $2: record ids already loaded */
	int			cand_nargs;
	Oid			cand_types[MAX_CANDIDATE_PARAMS];
	double		tf_floor[MATCH_MAX_COMPARISONS];	/* 0: no stored frequencies */
} IncModel;

static IncModel *inc_models = NULL;

/* Run a kept statement; its result must be the expected SPI code. */
static void
stmt_exec(IncStmt s, Datum *args, const char *nulls)
{
	int			rc;

	if (inc_stmt[s] == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare_cursor(inc_stmt_def[s].sql, inc_stmt_def[s].nargs,
											  (Oid *) inc_stmt_def[s].types, CURSOR_OPT_GENERIC_PLAN);

		if (plan == NULL)
			elog(ERROR, "could not prepare identity resolution statement (%s): %s",
				 SPI_result_code_string(SPI_result), inc_stmt_def[s].sql);
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "could not keep identity resolution statement");
		inc_stmt[s] = plan;
	}
	rc = SPI_execute_plan(inc_stmt[s], args, nulls, false, 0);
	if (rc != inc_stmt_def[s].expect)
		elog(ERROR, "identity resolution statement failed (%s): %s",
			 SPI_result_code_string(rc), inc_stmt_def[s].sql);
}

static void
inc_model_free(IncModel *im)
{
	if (im->self_plan)
		SPI_freeplan(im->self_plan);
	if (im->cand_plan)
		SPI_freeplan(im->cand_plan);
	if (im->members_plan)
		SPI_freeplan(im->members_plan);
	MemoryContextDelete(im->cxt);
}

static SPIPlanPtr
prepare_plan(const char *sql, int nargs, Oid *types)
{
	SPIPlanPtr	plan = SPI_prepare_cursor(sql, nargs, types, CURSOR_OPT_GENERIC_PLAN);

	if (plan == NULL)
		elog(ERROR, "could not prepare identity resolution query (%s): %s",
			 SPI_result_code_string(SPI_result), sql);
	return plan;
}

/*
 * The cached model named name, rebuilt when its ci.match_model row changed.
 * Must be called inside SPI.
 */
static IncModel *
inc_model_get(const char *name)
{
	Datum		arg = CStringGetTextDatum(name);
	TransactionId xmin;
	ItemPointerData ctid;
	IncModel  **pp;
	IncModel   *im;
	MemoryContext cxt,
				old;
	bool		isnull;

	stmt_exec(STMT_VERSION, &arg, NULL);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("match model \"%s\" does not exist", name),
				 errhint("The shipped model is named \"default\"; models are rows of ci.match_model.")));
	xmin = DatumGetTransactionId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	ItemPointerCopy((ItemPointer) DatumGetPointer(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull)), &ctid);

	for (pp = &inc_models; *pp; pp = &(*pp)->next)
		if (strcmp((*pp)->model->name, name) == 0)
		{
			im = *pp;
			if (TransactionIdEquals(im->xmin, xmin) && ItemPointerEquals(&im->ctid, &ctid))
				return im;
			*pp = im->next;
			inc_model_free(im);
			break;
		}

	/* build a new entry in a context of its own, kept only when complete */
	cxt = AllocSetContextCreate(CurrentMemoryContext, "ci resolve record model", ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);
	im = palloc0(sizeof(IncModel));
	im->cxt = cxt;
	im->xmin = xmin;
	im->ctid = ctid;
	im->model = match_load_model(name);
	MemoryContextSwitchTo(cxt);
	{
		MatchModel *model = im->model;
		StringInfoData w;
		Oid			t1[1] = {INT8OID};
		CiSecureContext sc;

		/* the queries name the relation schema-qualified: they may be replanned under another search_path */
		model->relation = quote_qualified_identifier(get_namespace_name(get_rel_namespace(model->relid)),
													 get_rel_name(model->relid));

		/* the queries of the relation are parsed as the model's owner, as they run */
		ci_secure_begin(&sc, model->owner);
		initStringInfo(&w);
		appendStringInfo(&w, "t.%s = $1", quote_identifier(model->id_column));
		im->self_plan = prepare_plan(match_store_sql(model, w.data, true), 1, t1);

		/*
		 * One array of ids per rule, each an InitPlan, then the records by
		 * primary key: a rule whose block can be skipped reads at most
		 * max_block_size of it (enough to tell that it is over, see
		 * inc_pair_rules), so that a placeholder shared by thousands costs
		 * no more than a block of the limit.  A tokens(...) rule has a
		 * block per combination of tokens and is read whole.
		 */
		resetStringInfo(&w);
		im->cand_types[im->cand_nargs++] = INT8OID;
		appendStringInfo(&w, "t.%s = ANY ('{}'::int8[]", quote_identifier(model->id_column));
		for (int r = 0; r < model->nrules; r++)
		{
			const MatchRule *rule = &model->rule[r];

			appendStringInfo(&w, " OPERATOR(pg_catalog.||) ARRAY(SELECT t.%s::int8 FROM %s t WHERE t.%s <> $1 AND (",
							 quote_identifier(model->id_column), model->relation,
							 quote_identifier(model->id_column));
			for (int k = 0; k < rule->nkeys; k++)
			{
				const MatchColumn *col = &model->column[rule->column[k]];

				im->cand_types[im->cand_nargs] = rule->tokens[k] ? TEXTARRAYOID : col->is_date ? DATEOID : TEXTOID;
				im->cand_nargs++;
				if (rule->tokens[k])
					appendStringInfo(&w, "%spg_catalog.string_to_array(pg_catalog.translate(%s, '-', ' '), ' ') OPERATOR(pg_catalog.&&) $%d",
									 k ? " AND " : "", col->sql, im->cand_nargs);
				else if (col->is_date)
					appendStringInfo(&w, "%st.%s = $%d", k ? " AND " : "", quote_identifier(col->field), im->cand_nargs);
				else
					appendStringInfo(&w, "%s%s = $%d", k ? " AND " : "", col->sql, im->cand_nargs);
			}
			appendStringInfoChar(&w, ')');
			if (rule->max_block > 0 && !rule->has_tokens)
				appendStringInfo(&w, " LIMIT " INT64_FORMAT, rule->max_block);
			appendStringInfoChar(&w, ')');
		}
		appendStringInfoChar(&w, ')');
		im->cand_plan = prepare_plan(match_store_sql(model, w.data, true), im->cand_nargs, im->cand_types);

		/*
		 * the other members of identities the record would join (the guard):
		 * their ids first (an InitPlan), so that the plan is index lookups
		 * whatever the statistics of ci.identity_link say (a full run has
		 * just filled it, unanalysed)
		 */
		resetStringInfo(&w);
		appendStringInfo(&w, "t.%s = ANY (ARRAY(SELECT m.record_id FROM ci.identity_link m"
						 " WHERE m.identity_id = ANY ($1) LIMIT " INT64_FORMAT ")) AND t.%s <> ALL ($2)",
						 quote_identifier(model->id_column), model->guard_max_pairs,
						 quote_identifier(model->id_column));
		im->members_plan = prepare_plan(match_store_sql(model, w.data, true),
										2, (Oid[]) {INT8ARRAYOID, INT8ARRAYOID});
		ci_secure_end(&sc);

		/* floors of the stored term frequencies (0: untrained, no adjustment) */
		{
			Datum		names[MATCH_MAX_COMPARISONS];
			Datum		a2[2];

			for (int k = 0; k < model->ncomparisons; k++)
				names[k] = CStringGetTextDatum(model->comp[k].name);
			a2[0] = arg;
			a2[1] = PointerGetDatum(construct_array(names, model->ncomparisons, TEXTOID, -1, false, TYPALIGN_INT));
			if (SPI_execute_with_args("SELECT c.i::int4, (m.training->'tf_floor'->>c.comparison)::float8"
									  " FROM ci.match_model m, unnest($2::text[]) WITH ORDINALITY AS c(comparison, i)"
									  " WHERE m.model = $1",
									  2, (Oid[]) {TEXTOID, TEXTARRAYOID}, a2, NULL, false, 0) != SPI_OK_SELECT)
				elog(ERROR, "could not read ci.match_model");
			for (uint64 i = 0; i < SPI_processed; i++)
			{
				int			k = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull)) - 1;
				Datum		f = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull);

				if (!isnull && k >= 0 && k < model->ncomparisons && model->comp[k].tf_adjust)
					im->tf_floor[k] = Max(DatumGetFloat8(f), 0.0);
			}
		}
	}
	MemoryContextSwitchTo(old);

	/*
	 * A version written by this very transaction is used for this call only:
	 * the transaction could write another version of the row that, after a
	 * table rewrite, lands at the same ctid with the same xmin.  Versions
	 * committed before are unique by (xmin, ctid).
	 */
	if (TransactionIdIsCurrentTransactionId(xmin))
		return im;				/* its plans and context go with this call's */
	if (SPI_keepplan(im->self_plan) != 0 || SPI_keepplan(im->cand_plan) != 0 ||
		SPI_keepplan(im->members_plan) != 0)
		elog(ERROR, "could not keep identity resolution queries");
	MemoryContextSetParent(cxt, CacheMemoryContext);
	im->next = inc_models;
	inc_models = im;
	return im;
}

/*
 * Term frequencies stored by training for the values of the loaded records
 * (as match_store_tf_from_table, in one kept statement): a value training
 * never saw gets the smallest stored frequency of its comparison.  Values
 * with ids below from[column] (when from is not NULL) already have theirs.
 */
static void
inc_store_tf(IncModel *im, MatchStore *st, const uint32 *from)
{
	MatchModel *model = im->model;
	int			total = 0;
	Datum	   *cs,
			   *vs;
	int		   *col;
	uint32	   *vid;
	int			n = 0;
	Datum		args[3];

	for (int k = 0; k < model->ncomparisons; k++)
		if (model->comp[k].tf_adjust && im->tf_floor[k] > 0)
			total += st->dicts[model->comp[k].column].nvalues - (from ? from[model->comp[k].column] : 1);
	if (total <= 0)
		return;
	cs = palloc(sizeof(Datum) * total);
	vs = palloc(sizeof(Datum) * total);
	col = palloc(sizeof(int) * total);
	vid = palloc(sizeof(uint32) * total);
	for (int k = 0; k < model->ncomparisons; k++)
	{
		MatchDict  *d = &st->dicts[model->comp[k].column];
		Datum		cname;

		if (!model->comp[k].tf_adjust || im->tf_floor[k] <= 0 || d->nvalues <= (from ? from[model->comp[k].column] : 1))
			continue;
		cname = CStringGetTextDatum(model->comp[k].name);
		for (uint32 id = from ? from[model->comp[k].column] : 1; id < d->nvalues; id++)
		{
			d->values[id].tf = (float) im->tf_floor[k];
			cs[n] = cname;
			vs[n] = PointerGetDatum(cstring_to_text_with_len(d->values[id].bytes, d->values[id].nbytes));
			col[n] = model->comp[k].column;
			vid[n] = id;
			n++;
		}
	}
	args[0] = CStringGetTextDatum(model->name);
	args[1] = PointerGetDatum(construct_array(cs, n, TEXTOID, -1, false, TYPALIGN_INT));
	args[2] = PointerGetDatum(construct_array(vs, n, TEXTOID, -1, false, TYPALIGN_INT));
	stmt_exec(STMT_TF, args, NULL);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		int64		j = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull)) - 1;
		double		f = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));

		if (j >= 0 && j < n)
			st->dicts[col[j]].values[vid[j]].tf = (float) f;
	}
}

/* A link of the record being resolved to candidate c (store index). */
typedef struct IncEdge
{
	uint32		c;
	double		w;				/* its match weight */
	double		order;			/* strength: deterministic rules first */
	const char *rule;
} IncEdge;

static int
inc_edge_cmp(const void *x, const void *y)
{
	const IncEdge *a = x;
	const IncEdge *b = y;

	if (a->order != b->order)
		return a->order > b->order ? -1 : 1;
	return a->c < b->c ? -1 : a->c > b->c;
}

/*
 * Load the records of the identities the record could join (edges' targets
 * and its own group) that are not in the store yet, so that the guard sees
 * every member, as the full run does.  At most the model's guard_max_pairs are
 * read; the guard does not check groups larger than that anyway.
 */
static void
inc_load_members(IncModel *im, MatchStore *st, const IncEdge *edges, int nedges,
				 const int64 *group, int ngroup)
{
	MatchModel *model = im->model;
	Datum	   *iids = palloc(sizeof(Datum) * (nedges + ngroup));
	Datum	   *rids = palloc(sizeof(Datum) * st->n);
	int			niids = 0;
	int			before = st->n;
	uint32		from[MATCH_MAX_COLUMNS];
	Datum		a2[2];

	for (int e = 0; e < nedges; e++)
		if (st->identity[edges[e].c] != 0)
			iids[niids++] = Int64GetDatum(st->identity[edges[e].c]);
	for (int g = 0; g < ngroup; g++)
		iids[niids++] = Int64GetDatum(group[g]);
	if (niids == 0)
		return;
	for (int i = 0; i < st->n; i++)
		rids[i] = Int64GetDatum(st->ids[i]);
	for (int c = 0; c < model->ncolumns; c++)
		from[c] = st->dicts[c].nvalues;
	a2[0] = PointerGetDatum(construct_array(iids, niids, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	a2[1] = PointerGetDatum(construct_array(rids, st->n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	match_store_load_plan(st, im->members_plan, a2, NULL, false, NULL);
	if (st->n > before)
		inc_store_tf(im, st, from);
}

/*
 * Would joining identity target to the record's group join two records
 * that conflict?  The group is the record (store index 0) and the members
 * of the identities in group[]; as in the full run, groups with more than
 * guard_max_pairs cross pairs are not checked.
 */
static bool
inc_groups_conflict(MatchStore *st, const int64 *group, int ngroup, int64 target)
{
	int64		na = 0,
				nb = 0;

	for (int i = 0; i < st->n; i++)
	{
		bool		in_group = i == 0;

		for (int g = 0; g < ngroup && !in_group; g++)
			in_group = st->identity[i] == group[g];
		if (in_group)
			na++;
		else if (st->identity[i] == target)
			nb++;
	}
	if ((int64) na * (int64) nb > st->model->guard_max_pairs)
		return false;
	for (int i = 0; i < st->n; i++)
	{
		bool		in_group = i == 0;

		for (int g = 0; g < ngroup && !in_group; g++)
			in_group = st->identity[i] == group[g];
		if (!in_group)
			continue;
		for (int j = 1; j < st->n; j++)
		{
			if (st->identity[j] != target || j == i)
				continue;
			CHECK_FOR_INTERRUPTS();
			if (match_conflict_pair(st, (uint32) i, (uint32) j))
				return true;
		}
	}
	return false;
}

/*
 * The rules by which the full run would compare record 0 with candidate c
 * (rules[c]; 0: it would not compare them), so that one record resolved
 * alone meets the same pairs as in a full run:
 * - a rule's block holds the records sharing its key; with record 0 and
 *   every record sharing any of its keys in the store, the candidates that
 *   agree on rule r are its block (for a tokens(...) rule, one block per
 *   combination of record 0's tokens).  A block over the rule's
 *   max_block_size is skipped, as match_block.c skips it: without this, a
 *   placeholder shared by thousands (an e-mail such as none@none.com) that
 *   the full run leaves alone linked every one of them, deterministically,
 *   to the next record resolved with it;
 * - a model that links across sources only compares no pair of one source.
 */
static void
inc_pair_rules(MatchStore *st, uint32 *rules)
{
	MatchModel *model = st->model;
	int			n = st->n;

	for (int c = 1; c < n; c++)
		rules[c] = match_rule_mask(st, 0, (uint32) c);
	for (int r = 0; r < model->nrules; r++)
	{
		const MatchRule *rule = &model->rule[r];
		uint32		bit = (uint32) 1 << r;
		int64		records = 1;

		if (model->rule[r].max_block <= 0)
			continue;
		if (!rule->has_tokens)
		{
			for (int c = 1; c < n; c++)
				records += (rules[c] & bit) != 0;
			if (records > rule->max_block)
				for (int c = 1; c < n; c++)
					rules[c] &= ~bit;
			continue;
		}

		/*
		 * tokens(...): which of record 0's distinct tokens each candidate
		 * has, per key; then every combination of them is a block
		 */
		{
			const char *tok[MATCH_MAX_KEYS][MATCH_MAX_KEY_TOKENS];
			int			len[MATCH_MAX_KEYS][MATCH_MAX_KEY_TOKENS];
			int			ntok[MATCH_MAX_KEYS] = {0};
			uint32	   *has = palloc0(sizeof(uint32) * n * MATCH_MAX_KEYS);
			bool	   *keep = palloc0(sizeof(bool) * n);
			int			at[MATCH_MAX_KEYS] = {0};

			for (int k = 0; k < rule->nkeys; k++)
			{
				int			col = rule->column[k];
				const char *t[MATCH_MAX_KEY_TOKENS];
				int			l[MATCH_MAX_KEY_TOKENS];
				int			nt;

				if (!rule->tokens[k] || MATCH_VAL(st, 0, col) == 0)
					continue;
				nt = match_value_tokens(&st->dicts[col].values[MATCH_VAL(st, 0, col)], t, l);
				for (int i = 0; i < nt; i++)
				{
					bool		dup = false;

					for (int j = 0; j < ntok[k] && !dup; j++)
						dup = len[k][j] == l[i] && memcmp(tok[k][j], t[i], l[i]) == 0;
					if (!dup)
					{
						tok[k][ntok[k]] = t[i];
						len[k][ntok[k]++] = l[i];
					}
				}
			}
			for (int c = 1; c < n; c++)
			{
				if (!(rules[c] & bit))
					continue;
				for (int k = 0; k < rule->nkeys; k++)
				{
					int			col = rule->column[k];
					const char *t[MATCH_MAX_KEY_TOKENS];
					int			l[MATCH_MAX_KEY_TOKENS];
					int			nt;

					if (!rule->tokens[k])
						continue;
					nt = match_value_tokens(&st->dicts[col].values[MATCH_VAL(st, c, col)], t, l);
					for (int i = 0; i < ntok[k]; i++)
						for (int j = 0; j < nt; j++)
							if (len[k][i] == l[j] && memcmp(tok[k][i], t[j], l[j]) == 0)
							{
								has[c * MATCH_MAX_KEYS + k] |= (uint32) 1 << i;
								break;
							}
				}
			}
			/* an odometer over the combinations; the rule holds, so each key has a token */
			for (;;)
			{
				int			k;

				CHECK_FOR_INTERRUPTS();
				records = 1;
				for (int pass = 0; pass < 2; pass++)
					for (int c = 1; c < n; c++)
					{
						bool		in = (rules[c] & bit) != 0;

						for (k = 0; k < rule->nkeys && in; k++)
							in = !rule->tokens[k] || (has[c * MATCH_MAX_KEYS + k] & ((uint32) 1 << at[k]));
						if (in && pass == 0)
							records++;
						else if (in && records <= rule->max_block)
							keep[c] = true;
					}
				if (!match_tokens_next(rule, at, ntok))
					break;
			}
			for (int c = 1; c < n; c++)
				if (!keep[c])
					rules[c] &= ~bit;
			pfree(has);
			pfree(keep);
		}
	}
	if (!model->within_source)
		for (int c = 1; c < n; c++)
			if (st->source[c] == st->source[0])
				rules[c] = 0;
}

Datum
match_resolve_record(PG_FUNCTION_ARGS)
{
	int64		record_id = PG_GETARG_INT64(0);
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	MemoryContext cxt,
				old;
	MatchModel *model;
	MatchStore *st;
	Datum		args[MAX_CANDIDATE_PARAMS];
	char		nulls[MAX_CANDIDATE_PARAMS];
	int			nargs = 0;
	IncModel   *im;
	Datum	   *lockkeys;
	int			nlocks = 0;
	double		link_w,
				review_w;
	int64	   *linked_ids;
	int			nlinked = 0;
	int64		keep = 0;
	bool		created = false;
	double		best_w = -1e300;
	const char *best_rule = NULL;
	int64		result;
	CiSecureContext sc;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "ci resolve record", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	SPI_connect();
	ci_secure_begin(&sc, InvalidOid);	/* the kept plans run under search_path = pg_catalog, pg_temp */
	MemoryContextSwitchTo(cxt);

	stmt_exec(STMT_LOCK, NULL, NULL);
	im = inc_model_get(name);
	model = im->model;
	link_w = match_probability_to_weight(model->link_threshold);
	review_w = match_probability_to_weight(model->review_threshold);
	st = match_store_create(model, cxt);
	st->arena_first = 4096;		/* one record and its candidates: small arenas, no mmap per column */

	/* the record itself */
	{
		Datum		a1[1] = {Int64GetDatum(record_id)};

		match_store_load_plan(st, im->self_plan, a1, NULL, false, NULL);
	}
	if (st->n == 0)
	{
		/* deleted meanwhile (its link went with it): nothing to resolve */
		ci_secure_end(&sc);
		SPI_finish();
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
		PG_RETURN_NULL();
	}

	/*
	 * lock its blocking keys, then find candidates sharing any of them: each
	 * rule's keys are parameters, NULL for a rule the record lacks a key of
	 */
	nulls[nargs] = ' ';
	args[nargs++] = Int64GetDatum(record_id);
	lockkeys = palloc(sizeof(Datum) * MATCH_MAX_RULES * MATCH_MAX_KEY_TOKENS * MATCH_MAX_KEY_TOKENS);
	for (int r = 0; r < model->nrules; r++)
	{
		const MatchRule *rule = &model->rule[r];
		uint64		h = hash_bytes_extended((const unsigned char *) model->name, strlen(model->name), (uint64) r);
		bool		complete = true;
		const char *tok[MATCH_MAX_KEYS][MATCH_MAX_KEY_TOKENS];
		int			tlen[MATCH_MAX_KEYS][MATCH_MAX_KEY_TOKENS];
		int			ntok[MATCH_MAX_KEYS];

		for (int k = 0; k < rule->nkeys; k++)
		{
			const MatchValue *v = &st->dicts[rule->column[k]].values[MATCH_VAL(st, 0, rule->column[k])];

			/* a missing value, or a token key with no token, leaves no key */
			if (MATCH_VAL(st, 0, rule->column[k]) == 0 ||
				(rule->tokens[k] && (ntok[k] = match_value_tokens(v, tok[k], tlen[k])) == 0))
				complete = false;
		}
		for (int k = 0; k < rule->nkeys; k++)
		{
			const MatchColumn *col = &model->column[rule->column[k]];
			const MatchValue *v = &st->dicts[rule->column[k]].values[MATCH_VAL(st, 0, rule->column[k])];

			if (!complete)
			{
				nulls[nargs] = 'n';
				args[nargs++] = (Datum) 0;
				continue;
			}
			nulls[nargs] = ' ';
			if (rule->tokens[k])
			{
				Datum		t[MATCH_MAX_KEY_TOKENS];

				for (int i = 0; i < ntok[k]; i++)
					t[i] = PointerGetDatum(cstring_to_text_with_len(tok[k][i], tlen[k][i]));
				args[nargs++] = PointerGetDatum(construct_array(t, ntok[k], TEXTOID, -1, false, TYPALIGN_INT));
				continue;		/* locked per combination of tokens, below */
			}
			h = hash_combine64(h, hash_bytes_extended((const unsigned char *) v->bytes, v->nbytes, (uint64) k));
			if (col->is_date)
				args[nargs++] = DateADTGetDatum(v->date);
			else
				args[nargs++] = PointerGetDatum(cstring_to_text_with_len(v->bytes, v->nbytes));
		}
		if (complete && !rule->has_tokens)
			lockkeys[nlocks++] = Int32GetDatum((int32) (h % RESOLVE_LOCK_BUCKETS));
		else if (complete)
		{
			/* one lock per combination of tokens (an odometer over the keys) */
			int			at[MATCH_MAX_KEYS] = {0};

			for (;;)
			{
				uint64		hc = h;
				int			k;

				for (k = 0; k < rule->nkeys; k++)
					if (rule->tokens[k])
						hc = hash_combine64(hc, hash_bytes_extended((const unsigned char *) tok[k][at[k]], tlen[k][at[k]], (uint64) k + 64));
				if (nlocks < MATCH_MAX_RULES * MATCH_MAX_KEY_TOKENS * MATCH_MAX_KEY_TOKENS)
					lockkeys[nlocks++] = Int32GetDatum((int32) (hc % RESOLVE_LOCK_BUCKETS));
				if (!match_tokens_next(rule, at, ntok))
					break;
			}
		}
	}
	Assert(nargs == im->cand_nargs);
	if (nlocks > 0)
	{
		Datum		a1[1];

		a1[0] = PointerGetDatum(construct_array(lockkeys, nlocks, INT4OID, 4, true, TYPALIGN_INT));
		stmt_exec(STMT_ADVISORY, a1, NULL);
		match_store_load_plan(st, im->cand_plan, args, nulls, false, NULL);
	}
	inc_store_tf(im, st, NULL);

	/*
	 * score the candidates; steward decisions win.  Links to candidates
	 * are edges, taken strongest first under the full run's clustering
	 * guard (match_cluster.c): the record's group (itself and its own
	 * identity) does not join another identity when some record of the one
	 * and some record of the other are a conflict (match_conflict_pair);
	 * such a refused link is queued for review instead.  Steward links
	 * bypass the guard.
	 */
	linked_ids = palloc(sizeof(int64) * (st->n + 1));
	{
		Datum		a1[1] = {Int64GetDatum(record_id)};
		int64	   *no_link = NULL;
		int			nno = 0;
		int			ncand = st->n;
		Datum	   *rv_b = palloc(sizeof(Datum) * (st->n + 1));
		Datum	   *rv_p = palloc(sizeof(Datum) * (st->n + 1));
		Datum	   *rv_w = palloc(sizeof(Datum) * (st->n + 1));
		int			nrv = 0;
		IncEdge    *edges = palloc(sizeof(IncEdge) * (st->n + 1));
		int			nedges = 0;
		uint32	   *pair_rules = palloc(sizeof(uint32) * (st->n + 1));

		stmt_exec(STMT_DECISIONS, a1, NULL);
		no_link = palloc(sizeof(int64) * (SPI_processed + 1));
		/* steward links, links to candidates, the record's own identity */
		linked_ids = repalloc(linked_ids, sizeof(int64) * (SPI_processed + st->n + 2));
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			bool		isnull,
						inull;
			bool		link = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
			Datum		iid = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3, &inull);

			if (inull)
				continue;
			if (link)
			{
				linked_ids[nlinked++] = DatumGetInt64(iid);
				best_rule = "steward";
				best_w = 1e9;
			}
			else
				no_link[nno++] = DatumGetInt64(iid);
		}
		inc_pair_rules(st, pair_rules);
		for (int c = 1; c < ncand; c++)
		{
			uint32		mask = pair_rules[c];
			uint64		pattern;
			double		w;
			const char *rule = NULL;
			bool		refused = false;

			if (mask == 0)
				continue;		/* a pair the full run does not compare */
			pattern = match_pattern(st, 0, (uint32) c);
			w = match_pair_weight(st, 0, (uint32) c, pattern);

			for (int r = 0; r < model->nrules; r++)
				if ((mask & ((uint32) 1 << r)) && model->rule[r].deterministic)
				{
					rule = psprintf("deterministic:%s", model->rule[r].name);
					break;
				}
			if (rule == NULL && w >= link_w)
				rule = "probabilistic";
			for (int i = 0; i < nno; i++)
				if (st->identity[c] == no_link[i])
					refused = true;
			if (rule != NULL && !refused)
			{
				edges[nedges].c = (uint32) c;
				edges[nedges].w = w;
				edges[nedges].order = strncmp(rule, "det", 3) == 0 ? Max(w, 1000.0) : w;
				edges[nedges].rule = rule;
				nedges++;
			}
			else if (rule == NULL && w >= review_w)
			{
				rv_b[nrv] = Int64GetDatum(st->ids[c]);
				rv_p[nrv] = Float8GetDatum(match_weight_to_probability(w));
				rv_w[nrv] = Float8GetDatum(w);
				nrv++;
			}
		}

		if (nedges > 0)
		{
			int64	   *group = palloc(sizeof(int64) * (nlinked + nedges + 1));
			int			ngroup = 0;

			/* the record's group: its own identity and the steward-linked ones */
			if (st->identity[0] != 0)
				group[ngroup++] = st->identity[0];
			for (int i = 0; i < nlinked; i++)
				group[ngroup++] = linked_ids[i];
			inc_load_members(im, st, edges, nedges, group, ngroup);

			qsort(edges, nedges, sizeof(IncEdge), inc_edge_cmp);
			for (int e = 0; e < nedges; e++)
			{
				int64		target = st->identity[edges[e].c];
				bool		joined = false;

				for (int g = 0; g < ngroup && !joined; g++)
					joined = group[g] == target;
				if (target != 0 && !joined)
				{
					if (inc_groups_conflict(st, group, ngroup, target))
					{
						rv_b[nrv] = Int64GetDatum(st->ids[edges[e].c]);
						rv_p[nrv] = Float8GetDatum(match_weight_to_probability(edges[e].w));
						rv_w[nrv] = Float8GetDatum(edges[e].w);
						nrv++;
						ereport(DEBUG1,
								(errmsg_internal("record " INT64_FORMAT " not joined to identity " INT64_FORMAT
												 " through record " INT64_FORMAT ": conflicting records",
												 record_id, target, st->ids[edges[e].c])));
						continue;
					}
					group[ngroup++] = target;
					linked_ids[nlinked++] = target;
				}
				if (best_rule == NULL || strcmp(best_rule, "steward") != 0)
				{
					if (edges[e].order > best_w)
					{
						best_w = edges[e].order;
						best_rule = edges[e].rule;
					}
				}
			}
		}
		if (nrv > 0)
		{
			Datum		a5[5];

			a5[0] = CStringGetTextDatum(model->name);
			a5[1] = Int64GetDatum(record_id);
			a5[2] = PointerGetDatum(construct_array(rv_b, nrv, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
			a5[3] = PointerGetDatum(construct_array(rv_p, nrv, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
			a5[4] = PointerGetDatum(construct_array(rv_w, nrv, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
			stmt_exec(STMT_REVIEW, a5, NULL);
		}
	}

	/* the identity: the oldest of those linked (and the record's own), the others merged into it */
	if (st->identity[0] != 0)
		linked_ids[nlinked++] = st->identity[0];
	for (int i = 0; i < nlinked; i++)
		if (keep == 0 || linked_ids[i] < keep)
			keep = linked_ids[i];
	if (keep == 0)
	{
		{
			Datum		a1[1] = {Int64GetDatum(record_id)};
			bool		isnull;

			stmt_exec(STMT_CREATE, a1, NULL);

			keep = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
			created = true;
		}
	}
	else
	{
		Datum	   *others = palloc(sizeof(Datum) * (nlinked + 1));
		int			nothers = 0;

		for (int i = 0; i < nlinked; i++)
		{
			bool		dup = linked_ids[i] == keep;

			for (int j = 0; j < nothers && !dup; j++)
				dup = DatumGetInt64(others[j]) == linked_ids[i];
			if (!dup)
				others[nothers++] = Int64GetDatum(linked_ids[i]);
		}
		if (nothers > 0)
		{
			Datum		a2[2];

			a2[0] = Int64GetDatum(keep);
			a2[1] = PointerGetDatum(construct_array(others, nothers, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
			stmt_exec(STMT_MERGE_EVENTS, a2, NULL);
			stmt_exec(STMT_MERGE_LINKS, a2, NULL);
			stmt_exec(STMT_MERGE_RETIRE, a2, NULL);
		}
	}

	/* the record's link, and candidates that had none yet */
	{
		Datum		a4[4];
		Datum		a1[1] = {Int64GetDatum(keep)};
		char		lnulls[4] = {' ', ' ', ' ', ' '};

		a4[0] = Int64GetDatum(record_id);
		a4[1] = Int64GetDatum(keep);
		if (best_rule == NULL)
		{
			lnulls[2] = 'n';
			a4[2] = (Datum) 0;
			a4[3] = CStringGetTextDatum("singleton");
		}
		else
		{
			a4[2] = Float8GetDatum(strcmp(best_rule, "probabilistic") == 0 ? match_weight_to_probability(best_w) : 1.0);
			a4[3] = CStringGetTextDatum(best_rule);
		}
		if (st->identity[0] == 0)
		{
			stmt_exec(STMT_LINK, a4, lnulls);
			if (SPI_processed == 0)
				stmt_exec(STMT_RELINK, a4, lnulls);	/* linked meanwhile */
		}
		else
		{
			stmt_exec(STMT_RELINK, a4, lnulls);
			if (SPI_processed == 0)
				stmt_exec(STMT_LINK, a4, lnulls);	/* unchanged, or unlinked meanwhile */
		}
		/* an identity created by this call already has updated_at = now() */
		if (!created)
			stmt_exec(STMT_TOUCH, a1, NULL);
	}
	/* only where Citus is installed: on one node the link triggers queue */
	if (OidIsValid(get_extension_oid("citus", true)))
	{
		Datum	   *touched = palloc(sizeof(Datum) * (nlinked + 1));
		Datum		aq[3];

		for (int i = 0; i < nlinked; i++)
			touched[i] = Int64GetDatum(linked_ids[i]);
		touched[nlinked] = Int64GetDatum(keep);
		aq[0] = Int64GetDatum(record_id);
		aq[1] = Int64GetDatum(keep);
		aq[2] = PointerGetDatum(construct_array(touched, nlinked + 1, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		stmt_exec(STMT_QUEUE, aq, NULL);
	}
	result = keep;
	ci_secure_end(&sc);
	SPI_finish();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	PG_RETURN_INT64(result);
}
