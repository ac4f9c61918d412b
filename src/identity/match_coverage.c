/*
 * match_coverage.c — ci.blocking_coverage(): which records can meet another
 * record at all.  Records are grouped by which compared fields they have
 * (names only; e-mail only; …); for each group, how many records have every
 * key of some blocking rule, and how many share a block with another
 * record.  A group that never meets anyone is a gap in the blocking rules
 * that no threshold or training can make up for.
 */
#include "match.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(match_blocking_coverage);

typedef struct Profile
{
	uint32		fields;			/* bit k: comparison k's column has a value */
	int64		records;
	int64		with_keys;
	int64		met;
} Profile;

static int
profile_cmp(const void *x, const void *y)
{
	const Profile *a = x;
	const Profile *b = y;

	if (a->records != b->records)
		return a->records > b->records ? -1 : 1;
	return a->fields < b->fields ? -1 : a->fields > b->fields;
}

Datum
match_blocking_coverage(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	MemoryContext cxt,
				old;
	CiSecureContext sc;
	MatchModel *model;
	MatchStore *st;
	bool	   *met;
	Profile    *prof;
	int			nprof = 0;
	CiProgress	progress;

	InitMaterializedSRF(fcinfo, 0);
	cxt = AllocSetContextCreate(CurrentMemoryContext, "ci blocking coverage", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	SPI_connect();
	ci_secure_begin(&sc, InvalidOid);
	MemoryContextSwitchTo(cxt);
	model = match_load_model(name);
	st = match_store_create(model, cxt);
	ci_progress_start(&progress, "blocking coverage", "loaded records", match_progress_interval_ms);
	match_store_load(st, NULL, 0, NULL, NULL, false, &progress);
	met = match_alloc(st, sizeof(bool) * (Size) Max(st->n, 1));
	memset(met, 0, sizeof(bool) * (Size) Max(st->n, 1));
	match_block_met(st, met);

	/* at most one profile per record; few in practice, found by linear search */
	prof = match_alloc(st, sizeof(Profile) * (Size) Max(st->n, 1));
	for (int i = 0; i < st->n; i++)
	{
		uint32		fields = 0;
		bool		with_keys = false;
		int			p;

		for (int k = 0; k < model->ncomparisons; k++)
			if (MATCH_VAL(st, i, model->comp[k].column) != 0)
				fields |= (uint32) 1 << k;
		for (int r = 0; r < model->nrules && !with_keys; r++)
		{
			with_keys = true;
			for (int k = 0; k < model->rule[r].nkeys && with_keys; k++)
				with_keys = MATCH_VAL(st, i, model->rule[r].column[k]) != 0;
		}
		for (p = 0; p < nprof && prof[p].fields != fields; p++)
			;
		if (p == nprof)
		{
			prof[p].fields = fields;
			prof[p].records = prof[p].with_keys = prof[p].met = 0;
			nprof++;
		}
		prof[p].records++;
		prof[p].with_keys += with_keys;
		prof[p].met += met[i];
		if ((i & 65535) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	qsort(prof, nprof, sizeof(Profile), profile_cmp);

	for (int p = 0; p < nprof; p++)
	{
		Datum		values[5];
		bool		nulls[5] = {0};
		Datum		names[MATCH_MAX_COMPARISONS];
		int			nn = 0;
		MemoryContext o2 = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);

		for (int k = 0; k < model->ncomparisons; k++)
			if (prof[p].fields & ((uint32) 1 << k))
				names[nn++] = CStringGetTextDatum(model->comp[k].name);
		values[0] = PointerGetDatum(construct_array(names, nn, TEXTOID, -1, false, TYPALIGN_INT));
		values[1] = Int64GetDatum(prof[p].records);
		values[2] = Int64GetDatum(prof[p].with_keys);
		values[3] = Int64GetDatum(prof[p].met);
		values[4] = Float8GetDatum((double) prof[p].met / (double) prof[p].records);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		MemoryContextSwitchTo(o2);
	}
	ci_secure_end(&sc);
	SPI_finish();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return (Datum) 0;
}
