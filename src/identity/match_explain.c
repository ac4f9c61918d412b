/*
 * match_explain.c — ci.explain_match(): the match weight of two records as
 * a waterfall of rows: the prior, then each comparison's level, similarity,
 * m, u (the value's term frequency when adjusted) and weight, with the
 * running total and its probability, then the decision.
 */
#include "match.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(match_explain);

#define EXPLAIN_COLS 12

static void
put_row(ReturnSetInfo *rsinfo, int step, const char *comparison,
		const MatchValue *a, const MatchValue *b, const char *level,
		double similarity, double m, double u, double weight, double total)
{
	Datum		v[EXPLAIN_COLS];
	bool		n[EXPLAIN_COLS] = {0};

	v[0] = Int32GetDatum(step);
	v[1] = CStringGetTextDatum(comparison);
	if (a)
		v[2] = PointerGetDatum(cstring_to_text_with_len(a->bytes, a->nbytes));
	else
		n[2] = true;
	if (b)
		v[3] = PointerGetDatum(cstring_to_text_with_len(b->bytes, b->nbytes));
	else
		n[3] = true;
	if (level)
		v[4] = CStringGetTextDatum(level);
	else
		n[4] = true;
	v[5] = Float8GetDatum(similarity);
	n[5] = isnan(similarity);
	v[6] = Float8GetDatum(m);
	n[6] = isnan(m);
	v[7] = Float8GetDatum(u);
	n[7] = isnan(u);
	v[8] = Float8GetDatum(isnan(weight) ? 0 : exp2(weight));
	n[8] = isnan(weight);
	v[9] = Float8GetDatum(weight);
	n[9] = isnan(weight);
	v[10] = Float8GetDatum(total);
	v[11] = Float8GetDatum(match_weight_to_probability(total));
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
}

/* A grouped comparison's parts of record r as one shown value: "a / b / -". */
static bool
group_value(MatchStore *st, const MatchComparison *c, uint32 r, MatchValue *out)
{
	StringInfoData s;
	bool		any = false;

	initStringInfo(&s);
	for (int i = 0; i < c->nparts; i++)
	{
		uint32		v = MATCH_VAL(st, r, c->part[i]);

		if (i > 0)
			appendStringInfoString(&s, " / ");
		if (v == 0)
			appendStringInfoChar(&s, '-');
		else
		{
			appendBinaryStringInfo(&s, st->dicts[c->part[i]].values[v].bytes,
								   st->dicts[c->part[i]].values[v].nbytes);
			any = true;
		}
	}
	memset(out, 0, sizeof(MatchValue));
	out->bytes = s.data;
	out->nbytes = s.len;
	return any;
}

Datum
match_explain(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64		ida = PG_GETARG_INT64(0);
	int64		idb = PG_GETARG_INT64(1);
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(2));
	MemoryContext cxt,
				old;
	MatchModel *model;
	MatchStore *st;
	Oid			types[2] = {INT8OID, INT8OID};
	Datum		args[2];
	StringInfoData w;
	double		total;
	uint32		a,
				b;
	uint32		mask;
	const char *decision;
	CiSecureContext sc;
	double		lw[MATCH_MAX_COMPARISONS];
	uint64		pattern = 0;
	uint64		pow5 = 1;
	int			step_total;

	InitMaterializedSRF(fcinfo, 0);
	cxt = AllocSetContextCreate(CurrentMemoryContext, "ci explain", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	SPI_connect();
	ci_secure_begin(&sc, InvalidOid);
	MemoryContextSwitchTo(cxt);
	model = match_load_model(name);
	match_check_caller_reads(model);	/* the rows show the values */
	st = match_store_create(model, cxt);
	args[0] = Int64GetDatum(ida);
	args[1] = Int64GetDatum(idb);
	initStringInfo(&w);
	appendStringInfo(&w, "t.%s IN ($1, $2)", quote_identifier(model->id_column));
	match_store_load(st, w.data, 2, types, args, false, NULL);
	if (st->n != 2 || ida == idb)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("records " INT64_FORMAT " and " INT64_FORMAT " are not two records of %s",
						ida, idb, model->relation),
				 errhint("Pass the ids of two different records of the model's relation.")));
	match_store_tf_from_table(st);
	a = st->ids[0] == ida ? 0 : 1;
	b = 1 - a;

	step_total = model->ncomparisons + 1;
	total = match_prior_weight(model);
	put_row(rsinfo, 0, "prior", NULL, NULL, NULL, NAN, NAN, NAN, total, total);
	for (int k = 0; k < model->ncomparisons; k++)
	{
		const MatchComparison *c = &model->comp[k];
		MatchDict  *d = &st->dicts[c->column];
		uint32		va = MATCH_VAL(st, a, c->column);
		uint32		vb = MATCH_VAL(st, b, c->column);
		double		sim = NAN;
		bool		swapped = false;
		int			level = c->nparts > 0
			? match_compare_parts(st, c, a, b, &sim, &swapped)
			: match_compare_values(c, va ? &d->values[va] : NULL, vb ? &d->values[vb] : NULL, &sim);
		MatchValue	ga,
					gb;
		double		u,
					weight;
		const char *lname = match_level_names[level];

		CHECK_FOR_INTERRUPTS();
		if (k > 0)
			pow5 *= 5;
		lw[k] = 0;
		if (c->sim == MATCH_SIM_GROUPED)
		{
			/* show the parts, also when some are missing */
			va = group_value(st, c, a, &ga) ? 1 : 0;
			vb = group_value(st, c, b, &gb) ? 1 : 0;
			d = NULL;
		}
		if (swapped)
			lname = level == MATCH_LEVEL_CLOSE ? "close (swapped)" : "loose (swapped)";
		else if (c->sim == MATCH_SIM_DATE && level != MATCH_LEVEL_NULL && va && vb &&
				 ((d->values[va].flags | d->values[vb].flags) & MATCH_VALUE_PARTIAL))
			lname = psprintf("%s (partial date)", lname);
		if (level == MATCH_LEVEL_NULL)
		{
			pattern += pow5 * (uint64) level;
			put_row(rsinfo, k + 1, c->name, !va ? NULL : d ? &d->values[va] : &ga,
					!vb ? NULL : d ? &d->values[vb] : &gb, lname, NAN, NAN, NAN, 0.0, total);
			continue;
		}
		u = c->u[level];
		weight = c->weight[level];
		if (!swapped && c->sim == MATCH_SIM_GIVEN_NAME && (level == MATCH_LEVEL_CLOSE || level == MATCH_LEVEL_LOOSE) &&
			!isnan(sim) && sim < (level == MATCH_LEVEL_CLOSE ? c->close : c->loose))
			lname = level == MATCH_LEVEL_CLOSE ? "close (nickname)" :
				(d && va && vb && (d->values[va].nchars == 1 || d->values[vb].nchars == 1)) ? "loose (initial)" :
				"loose (nickname with a slip)";
		if (level == MATCH_LEVEL_EXACT && c->tf_adjust && d == NULL)
		{
			uint32		j = MATCH_VAL(st, a, c->column);

			if (st->dicts[c->column].values[j].tf > 0)
			{
				u = st->dicts[c->column].values[j].tf;
				weight = log2(c->m[level] / u);
				lname = "exact (term frequency)";
			}
		}
		else if (level == MATCH_LEVEL_EXACT && c->tf_adjust && d->values[va].tf > 0)
		{
			u = d->values[va].tf;
			weight = log2(c->m[level] / u);
			lname = "exact (term frequency)";
		}
		total += weight;
		lw[k] = weight;
		pattern += pow5 * (uint64) level;
		put_row(rsinfo, k + 1, c->name, d ? &d->values[va] : &ga, d ? &d->values[vb] : &gb, lname, sim,
				c->m[level], u, weight, total);
	}

	/*
	 * Household-aware scoring (match_household_excess): a row of its own
	 * when a disagreeing personal field caps the shared household fields.
	 */
	{
		int			personal;
		double		excess;

		for (int k = model->ncomparisons; k < MATCH_MAX_COMPARISONS; k++)
			lw[k] = 0;
		excess = match_household_excess(st, a, b, pattern, lw, &personal);
		if (excess > 0)
		{
			total -= excess;
			put_row(rsinfo, model->ncomparisons + 1, "household_cap", NULL, NULL,
					psprintf("%s disagrees: household fields capped at %g bits",
							 model->comp[personal].name, model->household_cap),
					NAN, NAN, NAN, -excess, total);
			step_total++;
		}
	}
	mask = match_rule_mask(st, a, b);
	decision = NULL;
	for (int r = 0; r < model->nrules; r++)
		if ((mask & ((uint32) 1 << r)) && model->rule[r].deterministic)
		{
			decision = psprintf("link (deterministic rule %s)", model->rule[r].name);
			break;
		}
	if (decision == NULL)
	{
		if (mask == 0)
			decision = total >= match_probability_to_weight(model->link_threshold)
				? "not compared (no blocking rule pairs them)" : "non-link (no blocking rule pairs them)";
		else if (total >= match_probability_to_weight(model->link_threshold))
			decision = "link";
		else if (total >= match_probability_to_weight(model->review_threshold))
			decision = "review";
		else
			decision = "non-link";
	}
	put_row(rsinfo, step_total, "total", NULL, NULL, decision, NAN, NAN, NAN, NAN, total);
	ci_secure_end(&sc);
	SPI_finish();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return (Datum) 0;
}
