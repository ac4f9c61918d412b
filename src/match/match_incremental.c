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
 */
#include "match.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(match_resolve_record);

#define MAX_CANDIDATE_PARAMS (MATCH_MAX_RULES * MATCH_MAX_KEYS + 1)

static void
exec_check(const char *sql, int nargs, Oid *types, Datum *args, int expect)
{
	int			rc = SPI_execute_with_args(sql, nargs, types, args, NULL, false, 0);

	if (rc != expect)
		elog(ERROR, "identity resolution statement failed (%s): %s", SPI_result_code_string(rc), sql);
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
	Oid			types[MAX_CANDIDATE_PARAMS];
	Datum		args[MAX_CANDIDATE_PARAMS];
	int			nargs = 0;
	StringInfoData where;
	Datum		lockkeys[MATCH_MAX_RULES];
	int			nlocks = 0;
	double		link_w,
				review_w;
	int64	   *linked_ids;
	int			nlinked = 0;
	int64		keep = 0;
	double		best_w = -1e300;
	const char *best_rule = NULL;
	int64		result;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "ci resolve record", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	SPI_connect();
	MemoryContextSwitchTo(cxt);

	exec_check("LOCK TABLE ci.identity_link IN ROW EXCLUSIVE MODE", 0, NULL, NULL, SPI_OK_UTILITY);
	model = match_load_model(name);
	link_w = match_probability_to_weight(model->link_threshold);
	review_w = match_probability_to_weight(model->review_threshold);
	st = match_store_create(model, cxt);

	/* the record itself */
	{
		Oid			t1[1] = {INT8OID};
		Datum		a1[1] = {Int64GetDatum(record_id)};
		StringInfoData w;

		initStringInfo(&w);
		appendStringInfo(&w, "t.%s = $1", quote_identifier(model->id_column));
		match_store_load(st, w.data, 1, t1, a1, true, NULL);
	}
	if (st->n == 0)
	{
		/* deleted meanwhile (its link went with it): nothing to resolve */
		SPI_finish();
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
		PG_RETURN_NULL();
	}

	/* lock its blocking keys, then find candidates sharing any of them */
	initStringInfo(&where);
	types[nargs] = INT8OID;
	args[nargs++] = Int64GetDatum(record_id);
	appendStringInfo(&where, "t.%s <> $1 AND (false", quote_identifier(model->id_column));
	for (int r = 0; r < model->nrules; r++)
	{
		const MatchRule *rule = &model->rule[r];
		uint64		h = hash_bytes_extended((const unsigned char *) model->name, strlen(model->name), (uint64) r);
		bool		complete = true;

		for (int k = 0; k < rule->nkeys; k++)
			if (MATCH_VAL(st, 0, rule->column[k]) == 0)
				complete = false;
		if (!complete)
			continue;
		appendStringInfoString(&where, " OR (");
		for (int k = 0; k < rule->nkeys; k++)
		{
			const MatchColumn *col = &model->column[rule->column[k]];
			const MatchValue *v = &st->dicts[rule->column[k]].values[MATCH_VAL(st, 0, rule->column[k])];

			h = hash_combine64(h, hash_bytes_extended((const unsigned char *) v->bytes, v->nbytes, (uint64) k));
			if (col->is_date)
			{
				types[nargs] = DATEOID;
				args[nargs++] = DateADTGetDatum(v->date);
				appendStringInfo(&where, "%st.%s = $%d", k ? " AND " : "", quote_identifier(col->field), nargs);
			}
			else
			{
				types[nargs] = TEXTOID;
				args[nargs++] = PointerGetDatum(cstring_to_text_with_len(v->bytes, v->nbytes));
				appendStringInfo(&where, "%s%s = $%d", k ? " AND " : "", col->sql, nargs);
			}
		}
		appendStringInfoChar(&where, ')');
		lockkeys[nlocks++] = Int64GetDatum((int64) h);
	}
	appendStringInfoChar(&where, ')');
	if (nlocks > 0)
	{
		Oid			t1[1] = {INT8ARRAYOID};
		Datum		a1[1];

		a1[0] = PointerGetDatum(construct_array(lockkeys, nlocks, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		exec_check("SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT unnest($1) AS k ORDER BY 1) s",
				   1, t1, a1, SPI_OK_SELECT);
		match_store_load(st, where.data, nargs, types, args, true, NULL);
	}
	match_store_tf_from_table(st);

	/* score the candidates; steward decisions win */
	linked_ids = palloc(sizeof(int64) * (st->n + 1));
	{
		Oid			t1[1] = {INT8OID};
		Datum		a1[1] = {Int64GetDatum(record_id)};
		int64	   *no_link = NULL;
		int			nno = 0;
		Datum	   *rv_b = palloc(sizeof(Datum) * (st->n + 1));
		Datum	   *rv_p = palloc(sizeof(Datum) * (st->n + 1));
		Datum	   *rv_w = palloc(sizeof(Datum) * (st->n + 1));
		int			nrv = 0;

		exec_check("SELECT CASE WHEN d.record_a = $1 THEN d.record_b ELSE d.record_a END, d.decision = 'link',"
				   " l.identity_id FROM ci.match_decision d"
				   " LEFT JOIN ci.identity_link l ON l.record_id = CASE WHEN d.record_a = $1 THEN d.record_b ELSE d.record_a END"
				   " WHERE d.record_a = $1 OR d.record_b = $1",
				   1, t1, a1, SPI_OK_SELECT);
		no_link = palloc(sizeof(int64) * (SPI_processed + 1));
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
		for (int c = 1; c < st->n; c++)
		{
			uint64		pattern = match_pattern(st, 0, (uint32) c);
			uint32		mask = match_rule_mask(st, 0, (uint32) c);
			double		w = match_pair_weight(st, 0, (uint32) c, pattern);
			const char *rule = NULL;
			bool		refused = false;

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
				if (st->identity[c] != 0)
					linked_ids[nlinked++] = st->identity[c];
				if (best_rule == NULL || strcmp(best_rule, "steward") != 0)
				{
					double		ew = strncmp(rule, "det", 3) == 0 ? Max(w, 1000.0) : w;

					if (ew > best_w)
					{
						best_w = ew;
						best_rule = rule;
					}
				}
			}
			else if (rule == NULL && w >= review_w)
			{
				rv_b[nrv] = Int64GetDatum(st->ids[c]);
				rv_p[nrv] = Float8GetDatum(match_weight_to_probability(w));
				rv_w[nrv] = Float8GetDatum(w);
				nrv++;
			}
		}
		if (nrv > 0)
		{
			Oid			t5[5] = {TEXTOID, INT8OID, INT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID};
			Datum		a5[5];

			a5[0] = CStringGetTextDatum(model->name);
			a5[1] = Int64GetDatum(record_id);
			a5[2] = PointerGetDatum(construct_array(rv_b, nrv, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
			a5[3] = PointerGetDatum(construct_array(rv_p, nrv, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
			a5[4] = PointerGetDatum(construct_array(rv_w, nrv, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
			exec_check("INSERT INTO ci.match_review (model, record_a, record_b, match_probability, match_weight)"
					   " SELECT $1, least($2, b), greatest($2, b), p, w FROM unnest($3, $4, $5) AS x(b, p, w)"
					   " ON CONFLICT (model, record_a, record_b) DO UPDATE SET match_probability = excluded.match_probability,"
					   " match_weight = excluded.match_weight, found_at = now()",
					   5, t5, a5, SPI_OK_INSERT);
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
		exec_check("WITH i AS (INSERT INTO ci.identity DEFAULT VALUES RETURNING identity_id)"
				   " INSERT INTO ci.identity_event (event, identity_id, record_ids)"
				   " SELECT 'create', identity_id, ARRAY[$1::int8] FROM i RETURNING identity_id",
				   1, (Oid[]) {INT8OID}, (Datum[]) {Int64GetDatum(record_id)}, SPI_OK_INSERT_RETURNING);
		{
			bool		isnull;

			keep = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
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
			Oid			t2[2] = {INT8OID, INT8ARRAYOID};
			Datum		a2[2];

			a2[0] = Int64GetDatum(keep);
			a2[1] = PointerGetDatum(construct_array(others, nothers, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
			exec_check("INSERT INTO ci.identity_event (event, identity_id, other_id, record_ids)"
					   " SELECT 'merge', $1, o, (SELECT array_agg(record_id ORDER BY record_id) FROM ci.identity_link WHERE identity_id = o)"
					   " FROM unnest($2) AS o ORDER BY o",
					   2, t2, a2, SPI_OK_INSERT);
			exec_check("UPDATE ci.identity_link SET identity_id = $1, linked_at = now() WHERE identity_id = ANY ($2)",
					   2, t2, a2, SPI_OK_UPDATE);
			exec_check("UPDATE ci.identity SET retired_at = now(), updated_at = now(), merged_into = $1"
					   " WHERE identity_id = ANY ($2) AND retired_at IS NULL",
					   2, t2, a2, SPI_OK_UPDATE);
		}
	}

	/* the record's link, and candidates that had none yet */
	{
		Oid			t4[4] = {INT8OID, INT8OID, FLOAT8OID, TEXTOID};
		Datum		a4[4];
		char		nulls[4] = {' ', ' ', ' ', ' '};

		a4[0] = Int64GetDatum(record_id);
		a4[1] = Int64GetDatum(keep);
		if (best_rule == NULL)
		{
			nulls[2] = 'n';
			a4[2] = (Datum) 0;
			a4[3] = CStringGetTextDatum("singleton");
		}
		else
		{
			a4[2] = Float8GetDatum(strcmp(best_rule, "probabilistic") == 0 ? match_weight_to_probability(best_w) : 1.0);
			a4[3] = CStringGetTextDatum(best_rule);
		}
		if (SPI_execute_with_args("INSERT INTO ci.identity_link AS l (record_id, identity_id, match_probability, rule)"
								  " VALUES ($1, $2, $3, $4) ON CONFLICT (record_id) DO UPDATE"
								  " SET identity_id = excluded.identity_id, match_probability = excluded.match_probability,"
								  " rule = excluded.rule, linked_at = now()"
								  " WHERE (l.identity_id, l.match_probability, l.rule)"
								  " IS DISTINCT FROM (excluded.identity_id, excluded.match_probability, excluded.rule)",
								  4, t4, a4, nulls, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not write ci.identity_link");
		exec_check("UPDATE ci.identity SET updated_at = now() WHERE identity_id = $1",
				   1, (Oid[]) {INT8OID}, (Datum[]) {Int64GetDatum(keep)}, SPI_OK_UPDATE);
	}
	result = keep;
	SPI_finish();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	PG_RETURN_INT64(result);
}
