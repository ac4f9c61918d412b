/*
 * match_resolve.c — the SQL entry points of a full resolution run
 * (ci.resolve_identities) and of training (ci.train_model): load, block and
 * compare, train, score, cluster and write, with progress NOTICEs at a
 * bounded rate and a summary with the time of each phase.  One call is one
 * transaction's work: on error or cancellation nothing is written.
 */
#include "match.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "match_cluster.h"

PG_FUNCTION_INFO_V1(match_resolve_identities);

/* scoring asks for a pair's memory in three steps this many pairs apart */
#define SCORE_AHEAD 4
PG_FUNCTION_INFO_V1(match_train_model);

/* A phase of a run: NOTICEs at most every ci.match_progress_interval. */
static void
match_progress_start(CiProgress *p, const char *what)
{
	ci_progress_start(p, "identity resolution", what, match_progress_interval_ms);
}

double
match_elapsed_ms(instr_time start)
{
	instr_time	now;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, start);
	return INSTR_TIME_GET_MILLISEC(now);
}

static MemoryContext
run_context(void)
{
	return AllocSetContextCreate(CurrentMemoryContext, "ci identity resolution",
								 ALLOCSET_DEFAULT_SIZES);
}

/*
 * ci.resolve_identities(model text, retrain boolean) returns ci.resolution_summary
 * retrain: true trains first, false never, NULL trains when the model never was.
 */
Datum
match_resolve_identities(PG_FUNCTION_ARGS)
{
	char	   *name;
	MemoryContext cxt,
				old;
	CiSecureContext sc;
	MatchModel *model;
	MatchStore *st;
	MatchPairs *pairs = NULL;
	CiProgress progress;
	MatchRunStats stats;
	instr_time	t0,
				t;
	double		load_ms = 0,
				block_ms = 0,
				train_ms = 0,
				score_ms = 0,
				cluster_ms = 0;
	bool		trained = false;
	double	   *weights = NULL;
	TupleDesc	tupdesc;
	Datum		values[16];
	bool		nulls[16];
	TimestampTz started = GetCurrentTimestamp();
	StringInfoData dupfree;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("match model name must not be NULL")));
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);

	INSTR_TIME_SET_CURRENT(t0);
	memset(&stats, 0, sizeof(stats));
	cxt = run_context();
	old = MemoryContextSwitchTo(cxt);
	SPI_connect();
	ci_secure_begin(&sc, InvalidOid);	/* our statements: search_path = pg_catalog, pg_temp */
	MemoryContextSwitchTo(cxt);

	/* one run at a time; incremental resolutions wait for it (and it for them) */
	if (SPI_execute("LOCK TABLE ci.identity_link IN SHARE ROW EXCLUSIVE MODE", false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not lock ci.identity_link");

	model = match_load_model(name);
	st = match_store_create(model, cxt);
	INSTR_TIME_SET_CURRENT(t);
	match_progress_start(&progress, "loaded records");
	match_store_load(st, NULL, 0, NULL, NULL, true, &progress);
	load_ms = match_elapsed_ms(t);

	if (st->n > 0)
	{
		INSTR_TIME_SET_CURRENT(t);
		match_progress_start(&progress, "blocking, rule pairs (duplicates included)");
		pairs = match_block_pairs(st, &progress);
		block_ms = match_elapsed_ms(t);

		if ((PG_ARGISNULL(1) && !model->trained) || (!PG_ARGISNULL(1) && PG_GETARG_BOOL(1)))
		{
			INSTR_TIME_SET_CURRENT(t);
			match_progress_start(&progress, "training, step");
			(void) match_train(st, pairs, &progress);
			train_ms = match_elapsed_ms(t);
			trained = true;
		}

		INSTR_TIME_SET_CURRENT(t);
		match_store_tf_from_counts(st);
		match_check_memory(st, sizeof(double) * (Size) Max(pairs->npairs, 1), "match weights");
		weights = MemoryContextAllocExtended(cxt, sizeof(double) * (Size) Max(pairs->npairs, 1), MCXT_ALLOC_HUGE);
		st->mem += sizeof(double) * (Size) Max(pairs->npairs, 1);
		match_progress_start(&progress, "scoring, scored pairs");
		for (int64 i = 0; i < pairs->npairs; i++)
		{
			const MatchPair *p = &pairs->pairs[i];

			/* the pairs' records are anywhere in the store: ask for them ahead */
			for (int step = 0; step < 3; step++)
			{
				int64		ahead = i + SCORE_AHEAD * (3 - step);

				if (ahead < pairs->npairs)
					match_weight_prefetch(st, pairs->pairs[ahead].a, pairs->pairs[ahead].b,
										  pairs->classes[pairs->pairs[ahead].cls].pattern, step);
			}
			weights[i] = match_pair_weight(st, p->a, p->b, pairs->classes[p->cls].pattern);
			if ((i & 65535) == 0)
			{
				CHECK_FOR_INTERRUPTS();
				ci_progress_report(&progress, i, pairs->npairs);
			}
		}
		score_ms = match_elapsed_ms(t);
	}

	INSTR_TIME_SET_CURRENT(t);
	initStringInfo(&dupfree);
	if (st->n > 0)
	{
		match_detect_duplicate_free(st, pairs, weights, &dupfree);
		match_cluster_and_write(st, pairs, weights, &stats);
	}
	else
		appendStringInfoString(&dupfree, "{}");
	cluster_ms = match_elapsed_ms(t);

	/*
	 * Every SPI call returns in SPI's procedure context, which SPI_finish
	 * frees: the summary row is built in the caller's context, where it is
	 * returned from.
	 */
	MemoryContextSwitchTo(old);
	memset(nulls, 0, sizeof(nulls));
	values[0] = CStringGetTextDatum(name);
	values[1] = Int64GetDatum(st->n);
	values[2] = Int64GetDatum(pairs ? pairs->npairs : 0);
	values[3] = Int64GetDatum(stats.links);
	values[4] = Int64GetDatum(stats.review_pairs);
	values[5] = Int64GetDatum(stats.identities);
	values[6] = Int64GetDatum(stats.new_identities);
	values[7] = Int64GetDatum(stats.merged);
	values[8] = Int64GetDatum(stats.split_records);
	values[9] = BoolGetDatum(trained);
	values[10] = Float8GetDatum(load_ms);
	values[11] = Float8GetDatum(block_ms);
	values[12] = Float8GetDatum(train_ms);
	values[13] = Float8GetDatum(score_ms);
	values[14] = Float8GetDatum(cluster_ms);
	values[15] = Float8GetDatum(match_elapsed_ms(t0));

	{
		HeapTuple	tup = heap_form_tuple(tupdesc, values, nulls);
		Oid			types[4] = {TEXTOID, TIMESTAMPTZOID, tupdesc->tdtypeid, TEXTOID};
		Datum		args[4];

		args[0] = values[0];
		args[1] = TimestampTzGetDatum(started);
		args[2] = HeapTupleGetDatum(tup);
		args[3] = CStringGetTextDatum(dupfree.data);
		/* the run's summary is kept in ci.match_run, with what it found of duplicate-free sources */
		if (SPI_execute_with_args("INSERT INTO ci.match_run (model, started_at, summary)"
								  " SELECT $1, $2, to_jsonb($3)"
								  " || pg_catalog.jsonb_build_object('duplicate_free_sources', $4::pg_catalog.jsonb)",
								  4, types, args, NULL, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not write ci.match_run");
		ci_secure_end(&sc);
		SPI_finish();
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
		PG_RETURN_DATUM(HeapTupleGetDatum(tup));
	}
}

/* ci.train_model(model text) returns jsonb: the training report. */
Datum
match_train_model(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	MemoryContext cxt,
				old;
	CiSecureContext sc;
	MatchModel *model;
	MatchStore *st;
	MatchPairs *pairs;
	CiProgress progress;
	char	   *report;
	Datum		result;

	cxt = run_context();
	old = MemoryContextSwitchTo(cxt);
	SPI_connect();
	ci_secure_begin(&sc, InvalidOid);	/* our statements: search_path = pg_catalog, pg_temp */
	MemoryContextSwitchTo(cxt);
	model = match_load_model(name);
	st = match_store_create(model, cxt);
	match_progress_start(&progress, "loaded records");
	match_store_load(st, NULL, 0, NULL, NULL, false, &progress);
	if (st->n < 2)
		(void) match_train(st, NULL, NULL);	/* raises the error */
	match_progress_start(&progress, "blocking, rule pairs (duplicates included)");
	pairs = match_block_pairs(st, &progress);
	match_progress_start(&progress, "training, step");
	report = match_train(st, pairs, &progress);
	/* the report may be in SPI's memory (SPI calls return there): convert it first */
	MemoryContextSwitchTo(old);
	result = DirectFunctionCall1(jsonb_in, CStringGetDatum(report));
	ci_secure_end(&sc);
	SPI_finish();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	PG_RETURN_DATUM(result);
}

PG_FUNCTION_INFO_V1(match_candidate_pairs);

/*
 * ci.candidate_pairs(model text): every candidate pair of a model with its
 * match weight, probability and the blocking rules it satisfies — what a
 * run would score, for inspection and for measuring blocking recall.
 */
Datum
match_candidate_pairs(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	MemoryContext cxt,
				old;
	CiSecureContext sc;
	MatchModel *model;
	MatchStore *st;
	MatchPairs *pairs;
	CiProgress progress;
	Datum		rule_names[MATCH_MAX_RULES];

	InitMaterializedSRF(fcinfo, 0);
	cxt = run_context();
	old = MemoryContextSwitchTo(cxt);
	SPI_connect();
	ci_secure_begin(&sc, InvalidOid);	/* our statements: search_path = pg_catalog, pg_temp */
	MemoryContextSwitchTo(cxt);
	model = match_load_model(name);
	st = match_store_create(model, cxt);
	match_progress_start(&progress, "loaded records");
	match_store_load(st, NULL, 0, NULL, NULL, false, &progress);
	match_progress_start(&progress, "blocking, rule pairs (duplicates included)");
	pairs = match_block_pairs(st, &progress);
	match_store_tf_from_counts(st);
	for (int r = 0; r < model->nrules; r++)
		rule_names[r] = CStringGetTextDatum(model->rule[r].name);
	for (int64 i = 0; i < pairs->npairs; i++)
	{
		const MatchPair *p = &pairs->pairs[i];
		const MatchClass *c = &pairs->classes[p->cls];
		double		w = match_pair_weight(st, p->a, p->b, c->pattern);
		Datum		values[5];
		bool		nulls[5] = {0};
		Datum		names[MATCH_MAX_RULES];
		int			nn = 0;

		for (int r = 0; r < model->nrules; r++)
			if (c->rules & ((uint32) 1 << r))
				names[nn++] = rule_names[r];
		values[0] = Int64GetDatum(st->ids[p->a]);
		values[1] = Int64GetDatum(st->ids[p->b]);
		values[2] = Float8GetDatum(w);
		values[3] = Float8GetDatum(match_weight_to_probability(w));
		values[4] = PointerGetDatum(construct_array(names, nn, TEXTOID, -1, false, TYPALIGN_INT));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		pfree(DatumGetPointer(values[4]));
		if ((i & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	ci_secure_end(&sc);
	SPI_finish();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return (Datum) 0;
}
