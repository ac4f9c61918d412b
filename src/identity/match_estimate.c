/*
 * match_estimate.c — ci.estimate_blocking(): how many candidate pairs each
 * blocking rule of a model would produce, counted with one GROUP BY per
 * rule in the database (no record is loaded into memory), so a rule that
 * would explode is caught before any run.
 */
#include "match.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(match_estimate_blocking);

Datum
match_estimate_blocking(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	MatchModel *model;
	MemoryContext per_query = rsinfo->econtext->ecxt_per_query_memory;
	MemoryContext old;
	int64		cumulative = 0;
	CiSecureContext sc,
				osc;

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	ci_secure_begin(&sc, InvalidOid);
	model = match_load_model(name);
	for (int r = 0; r < model->nrules; r++)
	{
		const MatchRule *rule = &model->rule[r];
		StringInfoData keys;
		StringInfoData notnull;
		StringInfoData q;
		Datum		values[6];
		bool		nulls[6] = {0};
		Datum	   *keytexts = palloc(sizeof(Datum) * rule->nkeys);
		bool		isnull;
		int64		pairs,
					largest;

		initStringInfo(&keys);
		initStringInfo(&notnull);
		for (int k = 0; k < rule->nkeys; k++)
		{
			appendStringInfo(&keys, "%s%s", k ? ", " : "", model->column[rule->column[k]].sql);
			appendStringInfo(&notnull, "%s(%s) IS NOT NULL", k ? " AND " : "", model->column[rule->column[k]].sql);
			keytexts[k] = CStringGetTextDatum(rule->key_sql[k]);
		}
		initStringInfo(&q);
		if (model->within_source || model->source_column == NULL)
			appendStringInfo(&q,
							 "SELECT coalesce(sum(n * (n - 1) / 2), 0)::int8, coalesce(max(n), 0)::int8"
							 " FROM (SELECT count(*)::numeric AS n FROM %s t WHERE %s GROUP BY %s) s",
							 model->relation, notnull.data, keys.data);
		else
			appendStringInfo(&q,
							 "SELECT coalesce(sum((n * n - ss) / 2), 0)::int8, coalesce(max(n), 0)::int8"
							 " FROM (SELECT sum(c) AS n, sum(c * c) AS ss FROM"
							 " (SELECT count(*)::numeric AS c, %s FROM %s t WHERE %s GROUP BY %s, t.%s) g"
							 " GROUP BY %s) s",
							 keys.data, model->relation, notnull.data, keys.data,
							 quote_identifier(model->source_column), keys.data);
		/* the relation is read as the model's owner, restricted (secure_context.c) */
		ci_secure_begin(&osc, model->owner);
		if (SPI_execute(q.data, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not count the pairs of blocking rule \"%s\"", rule->name);
		ci_secure_end(&osc);
		pairs = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		largest = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
		cumulative += pairs;

		old = MemoryContextSwitchTo(per_query);
		values[0] = CStringGetTextDatum(rule->name);
		values[1] = PointerGetDatum(construct_array(keytexts, rule->nkeys, TEXTOID, -1, false, TYPALIGN_INT));
		values[2] = BoolGetDatum(rule->deterministic);
		values[3] = Int64GetDatum(pairs);
		values[4] = Int64GetDatum(largest);
		values[5] = Int64GetDatum(cumulative);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		MemoryContextSwitchTo(old);
		CHECK_FOR_INTERRUPTS();
	}
	ci_secure_end(&sc);
	SPI_finish();
	return (Datum) 0;
}
