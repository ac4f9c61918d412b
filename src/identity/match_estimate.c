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

static char *
keys_list(const MatchRule *rule)
{
	StringInfoData s;

	initStringInfo(&s);
	for (int k = 0; k < rule->nkeys; k++)
		appendStringInfo(&s, "%s%s", k ? ", " : "", rule->key_sql[k]);
	return s.data;
}

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
	StringInfoData never;

	InitMaterializedSRF(fcinfo, 0);
	initStringInfo(&never);
	SPI_connect();
	ci_secure_begin(&sc, InvalidOid);
	model = match_load_model(name);
	for (int r = 0; r < model->nrules; r++)
	{
		const MatchRule *rule = &model->rule[r];
		StringInfoData keys;
		StringInfoData notnull;
		StringInfoData from;
		StringInfoData q;
		Datum		values[8];
		bool		nulls[8] = {0};
		int64		skipped_blocks,
					skipped_pairs;
		Datum	   *keytexts = palloc(sizeof(Datum) * rule->nkeys);
		bool		isnull;
		int64		pairs,
					largest;

		initStringInfo(&keys);
		initStringInfo(&notnull);
		initStringInfo(&from);
		appendStringInfo(&from, "%s t", model->relation);
		for (int k = 0; k < rule->nkeys; k++)
		{
			const char *sql = model->column[rule->column[k]].sql;

			if (rule->tokens[k])
			{
				/* one row per distinct token among the value's first ones, as blocking does */
				appendStringInfo(&from,
								 " CROSS JOIN LATERAL (SELECT DISTINCT x FROM pg_catalog.unnest((pg_catalog.array_remove("
								 "pg_catalog.string_to_array(pg_catalog.translate(%s, '-', ' '), ' '), ''))[1:%d]) x) k%d(v)",
								 sql, MATCH_MAX_KEY_TOKENS, k);
				appendStringInfo(&keys, "%sk%d.v", k ? ", " : "", k);
			}
			else
				appendStringInfo(&keys, "%s%s", k ? ", " : "", sql);
			appendStringInfo(&notnull, "%s(%s) IS NOT NULL", k ? " AND " : "", sql);
			keytexts[k] = CStringGetTextDatum(rule->key_sql[k]);
		}
		initStringInfo(&q);
		if (model->within_source || model->source_column == NULL)
			appendStringInfo(&q,
							 "SELECT coalesce(sum(n * (n - 1) / 2) FILTER (WHERE NOT skip), 0)::int8, coalesce(max(n), 0)::int8,"
							  " count(*) FILTER (WHERE skip), coalesce(sum(n * (n - 1) / 2) FILTER (WHERE skip), 0)::int8, count(*)"
							 " FROM (SELECT n, $1 > 0 AND n > $1 AS skip FROM"
							 " (SELECT count(*)::numeric AS n FROM %s WHERE %s GROUP BY %s) g) s",
							 from.data, notnull.data, keys.data);
		else
			appendStringInfo(&q,
							 "SELECT coalesce(sum((n * n - ss) / 2) FILTER (WHERE NOT skip), 0)::int8, coalesce(max(n), 0)::int8,"
							  " count(*) FILTER (WHERE skip), coalesce(sum((n * n - ss) / 2) FILTER (WHERE skip), 0)::int8, count(*)"
							 " FROM (SELECT n, ss, $1 > 0 AND n > $1 AS skip FROM (SELECT sum(c) AS n, sum(c * c) AS ss FROM"
							 " (SELECT count(*)::numeric AS c, %s FROM %s WHERE %s GROUP BY %s, t.%s) g"
							 " GROUP BY %s) g2) s",
							 keys.data, from.data, notnull.data, keys.data,
							 quote_identifier(model->source_column), keys.data);
		/* the relation is read as the model's owner, restricted (secure_context.c) */
		ci_secure_begin(&osc, model->owner);
		if (SPI_execute_with_args(q.data, 1, (Oid[]) {INT8OID}, (Datum[]) {Int64GetDatum(rule->max_block)},
								  NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not count the pairs of blocking rule \"%s\"", rule->name);
		ci_secure_end(&osc);
		pairs = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		largest = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
		skipped_blocks = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
		skipped_pairs = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &isnull));
		if (largest == 0)
			appendStringInfo(&never, "%s%s", never.len ? ", " : "", rule->name);
		else if (DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5, &isnull)) == 1 && largest >= 100)
			ereport(WARNING,
					(errmsg("blocking rule \"%s\" of match model \"%s\" puts every record with its keys into one block", rule->name, model->name),
					 errdetail("Its keys (%s) have one value across all %lld records that have them: the rule pairs them all.",
							   keys_list(rule), (long long) largest),
					 errhint("Use a key that varies, or delete the rule.")));
		cumulative += pairs;

		old = MemoryContextSwitchTo(per_query);
		values[0] = CStringGetTextDatum(rule->name);
		values[1] = PointerGetDatum(construct_array(keytexts, rule->nkeys, TEXTOID, -1, false, TYPALIGN_INT));
		values[2] = BoolGetDatum(rule->deterministic);
		values[3] = Int64GetDatum(pairs);
		values[4] = Int64GetDatum(largest);
		values[5] = Int64GetDatum(cumulative);
		values[6] = Int64GetDatum(skipped_blocks);
		values[7] = Int64GetDatum(skipped_pairs);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		MemoryContextSwitchTo(old);
		CHECK_FOR_INTERRUPTS();
	}
	if (never.len > 0)
		ereport(WARNING,
				(errmsg("blocking rules of match model \"%s\" that can never fire: %s", model->name, never.data),
				 errdetail("No record of %s has a value for every key of these rules.", model->relation),
				 errhint("Check that their key columns are filled, or delete the rules.")));
	ci_secure_end(&sc);
	SPI_finish();
	return (Datum) 0;
}
