/*
 * match_train.c — training a match model on the loaded records:
 *   u  exact level: from the value frequencies of all record pairs (exact);
 *      close, loose and else: from a seeded random sample of record pairs;
 *   m  by expectation–maximisation over the candidate pairs, one session
 *      per blocking rule with the comparisons of that rule's own keys left
 *      out (their agreement is forced by the rule), averaged over sessions,
 *      each estimate smoothed by a Dirichlet prior (m_prior_pairs pairs);
 *      then, where steward decisions link pairs, fitted to those labelled
 *      matches with the EM estimate as the prior;
 *   prior  from each session's match share scaled by the rule's recall;
 *   term frequencies  stored in ci.match_term_frequency.
 * The result is written to the model's rows, with a JSON report.
 */
#include "match.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/json.h"

typedef struct PatternCount
{
	uint64		pattern;
	double		count;
} PatternCount;

static uint64
splitmix64(uint64 *state)
{
	uint64		z = (*state += UINT64CONST(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static int
pattern_count_cmp(const void *x, const void *y)
{
	const PatternCount *a = x;
	const PatternCount *b = y;

	return a->pattern < b->pattern ? -1 : (a->pattern > b->pattern ? 1 : 0);
}

static void
normalise_levels(MatchComparison *c, double *p)
{
	bool		avail[MATCH_NLEVELS] = {true, c->has_close, c->has_loose, true};
	double		sum = 0;

	for (int l = 0; l < MATCH_NLEVELS; l++)
	{
		if (!avail[l])
			p[l] = 0;
		else if (p[l] < MATCH_PROB_FLOOR)
			p[l] = MATCH_PROB_FLOOR;
		sum += p[l];
	}
	for (int l = 0; l < MATCH_NLEVELS; l++)
		p[l] /= sum;
}

/* u: exact level from frequencies, the others from sampled random pairs. */
static void
train_u(MatchStore *st, int64 *sampled, bool *has_data)
{
	MatchModel *model = st->model;
	uint64		rng = (uint64) model->seed;
	int64		counts[MATCH_MAX_COMPARISONS][5];
	int64		want = model->u_sample;
	int64		got = 0;
	int64		tries = 0;

	memset(counts, 0, sizeof(counts));
	while (got < want && tries < want * 20)
	{
		uint32		a = (uint32) (splitmix64(&rng) % (uint64) st->n);
		uint32		b = (uint32) (splitmix64(&rng) % (uint64) st->n);
		uint64		pattern;

		tries++;
		if (a == b || (!model->within_source && st->source[a] == st->source[b]))
			continue;
		if ((got & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		pattern = match_pattern(st, a, b);
		for (int k = 0; k < model->ncomparisons; k++)
		{
			counts[k][pattern % 5]++;
			pattern /= 5;
		}
		got++;
	}
	*sampled = got;

	for (int k = 0; k < model->ncomparisons; k++)
	{
		MatchComparison *c = &model->comp[k];
		MatchDict  *d = &st->dicts[c->column];
		double		agree = 0;
		double		nn = (double) d->nonnull;
		int64		rest = counts[k][MATCH_LEVEL_CLOSE] + counts[k][MATCH_LEVEL_LOOSE] + counts[k][MATCH_LEVEL_ELSE];
		double		u[MATCH_NLEVELS];

		has_data[k] = nn >= 2;
		if (nn < 2)
			continue;			/* no pair has two values: keep the model's u */
		for (uint32 id = 1; id < d->nvalues; id++)
		{
			/* equal partial dates and placeholders are not exact agreements */
			if (d->values[id].flags & (MATCH_VALUE_MISSING | MATCH_VALUE_PARTIAL))
				continue;
			agree += (double) d->values[id].count * (double) (d->values[id].count - 1);
		}
		u[MATCH_LEVEL_EXACT] = agree / (nn * (nn - 1));
		for (int l = MATCH_LEVEL_CLOSE; l <= MATCH_LEVEL_ELSE; l++)
			u[l] = rest > 0 ? (1.0 - u[MATCH_LEVEL_EXACT]) * (double) counts[k][l] / (double) rest
				: (l == MATCH_LEVEL_ELSE ? 1.0 - u[MATCH_LEVEL_EXACT] : 0.0);
		normalise_levels(c, u);
		memcpy(c->u, u, sizeof(u));
	}
}

typedef struct Session
{
	int			rule;
	int64		pairs;
	int			iterations;
	bool		converged;
	double		lambda;
	double		prior;
} Session;

/* weight, in pairs, of the random-pair u as the prior of a session's u */
#define SESSION_U_PSEUDO 10.0

/* EM's starting m and the mean of the Dirichlet prior that smooths it */
static const double m_start[MATCH_NLEVELS] = {0.8, 0.1, 0.05, 0.05};

/*
 * m of comparison c from level counts (matches, possibly fractional):
 * (count + pseudo * prior) / (total + pseudo), so that a level no match
 * showed keeps a small share instead of a floor that would veto any pair
 * showing it (one disagreement among thousands of agreeing matches weighs
 * a few bits against, not twenty).
 */
static void
smooth_m(MatchComparison *c, const double *counts, const double *prior, double pseudo, double *out)
{
	bool		avail[MATCH_NLEVELS] = {true, c->has_close, c->has_loose, true};
	double		p[MATCH_NLEVELS];
	double		psum = 0,
				csum = 0;

	for (int l = 0; l < MATCH_NLEVELS; l++)
	{
		p[l] = avail[l] ? prior[l] : 0;
		psum += p[l];
		csum += avail[l] ? counts[l] : 0;
	}
	for (int l = 0; l < MATCH_NLEVELS; l++)
		out[l] = ((avail[l] ? counts[l] : 0) + (psum > 0 ? pseudo * p[l] / psum : 0)) / (csum + pseudo);
	normalise_levels(c, out);
}

/* One EM session over the candidate pairs satisfying rule r. */
static bool
em_session(MatchStore *st, MatchPairs *pairs, int r, double msum[][MATCH_NLEVELS],
		   int *mcount, Session *s)
{
	MatchModel *model = st->model;
	uint32		bit = (uint32) 1 << r;
	uint32		excluded = model->rule[r].comparisons;
	PatternCount *pc = palloc(sizeof(PatternCount) * Max(pairs->nclasses, 1));
	int			npc = 0;
	int			out = 0;
	double		m[MATCH_MAX_COMPARISONS][MATCH_NLEVELS];
	double		u[MATCH_MAX_COMPARISONS][MATCH_NLEVELS];
	double		lambda = 0.3;
	double		total = 0;
	int			ncomp = model->ncomparisons;
	bool		any = false;

	for (int k = 0; k < ncomp; k++)
		if (!(excluded & ((uint32) 1 << k)))
			any = true;
	if (!any)
		return false;

	/* patterns of this rule's pairs, the rule's own comparisons masked */
	for (uint32 c = 0; c < pairs->nclasses; c++)
	{
		uint64		p = pairs->classes[c].pattern;
		uint64		masked = 0;
		uint64		w = 1;

		if (!(pairs->classes[c].rules & bit))
			continue;
		for (int k = 0; k < ncomp; k++)
		{
			int			l = (int) (p % 5);

			p /= 5;
			if (excluded & ((uint32) 1 << k))
				l = MATCH_LEVEL_NULL;
			masked += w * (uint64) l;
			w *= 5;
		}
		pc[npc].pattern = masked;
		pc[npc].count = (double) pairs->classes[c].count;
		total += pc[npc].count;
		npc++;
	}
	if (npc == 0)
		return false;
	qsort(pc, npc, sizeof(PatternCount), pattern_count_cmp);
	for (int i = 0; i < npc; i++)
	{
		if (out > 0 && pc[out - 1].pattern == pc[i].pattern)
			pc[out - 1].count += pc[i].count;
		else
			pc[out++] = pc[i];
	}
	npc = out;

	/* a fixed starting point, so that training is repeatable */
	for (int k = 0; k < ncomp; k++)
	{
		memcpy(m[k], m_start, sizeof(m[k]));
		normalise_levels(&model->comp[k], m[k]);
		memcpy(u[k], model->comp[k].u, sizeof(u[k]));
	}

	s->rule = r;
	s->pairs = (int64) total;
	s->converged = false;
	for (s->iterations = 1; s->iterations <= model->em_max_iterations; s->iterations++)
	{
		double		acc[MATCH_MAX_COMPARISONS][MATCH_NLEVELS];
		double		uacc[MATCH_MAX_COMPARISONS][MATCH_NLEVELS];
		double		matched = 0;
		double		delta;

		CHECK_FOR_INTERRUPTS();
		memset(acc, 0, sizeof(acc));
		memset(uacc, 0, sizeof(uacc));
		for (int i = 0; i < npc; i++)
		{
			double		lm = lambda;
			double		lu = 1.0 - lambda;
			double		post;
			uint64		p = pc[i].pattern;

			for (int k = 0; k < ncomp; k++)
			{
				int			l = (int) (p % 5);

				p /= 5;
				if (l == MATCH_LEVEL_NULL)
					continue;
				lm *= m[k][l];
				lu *= u[k][l];
			}
			post = (lm + lu) > 0 ? lm / (lm + lu) : 0;
			matched += post * pc[i].count;
			p = pc[i].pattern;
			for (int k = 0; k < ncomp; k++)
			{
				int			l = (int) (p % 5);

				p /= 5;
				if (l != MATCH_LEVEL_NULL)
				{
					acc[k][l] += post * pc[i].count;
					uacc[k][l] += (1.0 - post) * pc[i].count;
				}
			}
		}
		delta = fabs(matched / total - lambda);
		lambda = matched / total;
		for (int k = 0; k < ncomp; k++)
		{
			double		sum = 0;
			double		usum = 0;
			double		nm[MATCH_NLEVELS];

			if (excluded & ((uint32) 1 << k))
				continue;
			/*
			 * The non-match class of the session is estimated too: pairs in a
			 * block are not random pairs (people in one household share a
			 * family name and an address), so the random-pair u would push
			 * them into the match class.  The random-pair u is the prior, with
			 * SESSION_U_PSEUDO pairs' weight.
			 */
			for (int l = 0; l < MATCH_NLEVELS; l++)
				usum += uacc[k][l];
			for (int l = 0; l < MATCH_NLEVELS; l++)
				nm[l] = (uacc[k][l] + SESSION_U_PSEUDO * model->comp[k].u[l]) / (usum + SESSION_U_PSEUDO);
			normalise_levels(&model->comp[k], nm);
			for (int l = 0; l < MATCH_NLEVELS; l++)
				u[k][l] = nm[l];
			for (int l = 0; l < MATCH_NLEVELS; l++)
				sum += acc[k][l];
			if (sum <= 0)
				continue;
			smooth_m(&model->comp[k], acc[k], m_start, model->m_prior_pairs, nm);
			for (int l = 0; l < MATCH_NLEVELS; l++)
			{
				delta = Max(delta, fabs(nm[l] - m[k][l]));
				m[k][l] = nm[l];
			}
		}
		if (delta < model->em_tolerance)
		{
			s->converged = true;
			break;
		}
	}
	if (s->iterations > model->em_max_iterations)
		s->iterations = model->em_max_iterations;
	s->lambda = lambda;

	/* fold this session's m into the running sums of the comparisons it estimated */
	for (int k = 0; k < ncomp; k++)
	{
		bool		seen = false;
		uint64		dummy;

		if (excluded & ((uint32) 1 << k))
			continue;
		/* only comparisons with a value in some pair of the session */
		for (int i = 0; i < npc && !seen; i++)
		{
			dummy = pc[i].pattern;
			for (int j = 0; j < k; j++)
				dummy /= 5;
			seen = (dummy % 5) != MATCH_LEVEL_NULL;
		}
		if (!seen)
			continue;
		for (int l = 0; l < MATCH_NLEVELS; l++)
			msum[k][l] += m[k][l];
		mcount[k]++;
	}
	pfree(pc);
	return true;
}

static int
double_cmp(const void *x, const void *y)
{
	double		a = *(const double *) x;
	double		b = *(const double *) y;

	return a < b ? -1 : (a > b ? 1 : 0);
}

/*
 * The dates found to be placeholders by frequency (match_flag_common_dates),
 * per date comparison, for ci.resolve_record and ci.explain_match, which
 * see a few records only and cannot count them.
 */
static void
report_placeholders(MatchStore *st, StringInfo report)
{
	MatchModel *model = st->model;
	bool		first = true;

	appendStringInfoString(report, ", \"placeholder_dates\": {");
	for (int k = 0; k < model->ncomparisons; k++)
	{
		MatchDict  *d = &st->dicts[model->comp[k].column];
		bool		first_value = true;

		if (model->comp[k].sim != MATCH_SIM_DATE)
			continue;
		appendStringInfoString(report, first ? "" : ", ");
		escape_json(report, model->comp[k].name);
		appendStringInfoString(report, ": [");
		for (uint32 id = 1; id < d->nvalues; id++)
		{
			const MatchValue *v = &d->values[id];

			if (!(v->flags & MATCH_VALUE_COMMON))
				continue;
			appendStringInfo(report, "%s\"%04d-%02d-%02d\"", first_value ? "" : ", ",
							 v->date / 10000, v->date / 100 % 100, v->date % 100);
			first_value = false;
		}
		appendStringInfoChar(report, ']');
		first = false;
	}
	appendStringInfoChar(report, '}');
}

static void
store_term_frequencies(MatchStore *st, StringInfo report)
{
	MatchModel *model = st->model;
	Oid			types[4] = {TEXTOID, TEXTOID, TEXTARRAYOID, FLOAT8ARRAYOID};
	bool		first = true;

	{
		Oid			t1[1] = {TEXTOID};
		Datum		a1[1] = {CStringGetTextDatum(model->name)};

		if (SPI_execute_with_args("DELETE FROM ci.match_term_frequency WHERE model = $1",
								  1, t1, a1, NULL, false, 0) != SPI_OK_DELETE)
			elog(ERROR, "could not clear ci.match_term_frequency");
	}
	appendStringInfoString(report, ", \"tf_floor\": {");
	for (int k = 0; k < model->ncomparisons; k++)
	{
		MatchComparison *c = &model->comp[k];
		MatchDict  *d = &st->dicts[c->column];
		Datum	   *vals;
		Datum	   *freqs;
		Datum		args[4];
		uint32		n = d->nvalues - 1;

		if (!c->tf_adjust || n == 0)
			continue;
		vals = palloc(sizeof(Datum) * n);
		freqs = palloc(sizeof(Datum) * n);
		for (uint32 id = 1; id <= n; id++)
		{
			vals[id - 1] = PointerGetDatum(cstring_to_text_with_len(d->values[id].bytes, d->values[id].nbytes));
			freqs[id - 1] = Float8GetDatum(match_tf_shrunk(model, c, (double) d->values[id].count,
														   (double) d->nonnull));
		}
		args[0] = CStringGetTextDatum(model->name);
		args[1] = CStringGetTextDatum(c->name);
		args[2] = PointerGetDatum(construct_array(vals, n, TEXTOID, -1, false, TYPALIGN_INT));
		args[3] = PointerGetDatum(construct_array(freqs, n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		if (SPI_execute_with_args("INSERT INTO ci.match_term_frequency (model, comparison, value, frequency)"
								  " SELECT $1, $2, v, f FROM unnest($3, $4) AS x(v, f)",
								  4, types, args, NULL, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not write ci.match_term_frequency");
		appendStringInfo(report, "%s\"%s\": %.17g", first ? "" : ", ", c->name,
						 match_tf_shrunk(model, c, 1.0, (double) d->nonnull));
		first = false;
		for (uint32 i = 0; i < n; i++)
			pfree(DatumGetPointer(vals[i]));
		pfree(vals);
		pfree(freqs);
	}
	appendStringInfoChar(report, '}');
}

/*
 * Labelled matches: pairs of loaded records a steward linked
 * (ci.match_decision).  Where they exist, each comparison's m is fitted to
 * their levels, with the unsupervised estimate as a Dirichlet prior worth
 * m_prior_pairs pairs (at least one): a few labels nudge it, many replace
 * it.  Returns the number of labelled pairs; counts[k] receives how many of
 * them had values on both sides for comparison k.
 */
static int64
fit_m_to_decisions(MatchStore *st, int *counts)
{
	MatchModel *model = st->model;
	double		lev[MATCH_MAX_COMPARISONS][MATCH_NLEVELS];
	int64		n = 0;
	uint64		nd;

	memset(counts, 0, sizeof(int) * MATCH_MAX_COMPARISONS);
	if (!model->train_on_decisions)
		return 0;
	if (SPI_execute("SELECT record_a, record_b FROM ci.match_decision WHERE decision = 'link' ORDER BY 1, 2",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read ci.match_decision");
	memset(lev, 0, sizeof(lev));
	nd = SPI_processed;
	for (uint64 i = 0; i < nd; i++)
	{
		bool		isnull;
		int			a = match_store_find(st, DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull)));
		int			b = match_store_find(st, DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull)));
		uint64		pattern;

		if (a < 0 || b < 0)
			continue;
		if ((i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		pattern = match_pattern(st, (uint32) a, (uint32) b);
		for (int k = 0; k < model->ncomparisons; k++)
		{
			int			l = (int) (pattern % 5);

			pattern /= 5;
			if (l == MATCH_LEVEL_NULL)
				continue;
			lev[k][l] += 1;
			counts[k]++;
		}
		n++;
	}
	SPI_freetuptable(SPI_tuptable);
	for (int k = 0; k < model->ncomparisons; k++)
	{
		double		prior[MATCH_NLEVELS];

		if (counts[k] == 0)
			continue;
		memcpy(prior, model->comp[k].m, sizeof(prior));
		smooth_m(&model->comp[k], lev[k], prior, Max(model->m_prior_pairs, 1.0), model->comp[k].m);
	}
	return n;
}

/*
 * Does the data hold households?  Among candidate pairs that agree exactly
 * on at least two household comparisons (an address, a landline and a
 * family name) and have values for every personal comparison the data has
 * (voter files may hold no birth date at all), the share
 * with a personal disagreement (level else) is compared with the share the
 * trained m predicts for true matches, 1 - prod(1 - m_k(else)).  Where the
 * pairs sharing an address are one person's records (FEBRL), the two agree;
 * where several people share it, the observed share is a multiple of the
 * predicted one.  The household cap applies only to data where it is at
 * least HOUSEHOLD_EXCESS_RATIO times the prediction: elsewhere a personal
 * disagreement among records sharing an address is a typing error.
 */
#define HOUSEHOLD_EXCESS_RATIO 2.0

static bool
detect_households(MatchStore *st, MatchPairs *pairs, const bool *has_data, StringInfo rep)
{
	MatchModel *model = st->model;
	double		shared = 0,
				disagree = 0,
				expected = 1;
	bool		any_personal = false,
				detected;

	for (int k = 0; k < model->ncomparisons; k++)
		if (model->comp[k].role == MATCH_ROLE_PERSONAL && has_data[k])
		{
			expected *= 1.0 - model->comp[k].m[MATCH_LEVEL_ELSE];
			any_personal = true;
		}
	expected = 1.0 - expected;
	for (uint32 c = 0; c < pairs->nclasses && any_personal; c++)
	{
		int			agree = 0;
		bool		complete = true,
					differ = false;

		for (int k = 0; k < model->ncomparisons; k++)
		{
			int			l = match_pattern_level(pairs->classes[c].pattern, k);

			if (model->comp[k].role == MATCH_ROLE_HOUSEHOLD && l == MATCH_LEVEL_EXACT)
				agree++;
			else if (model->comp[k].role == MATCH_ROLE_PERSONAL && has_data[k])
			{
				complete &= l != MATCH_LEVEL_NULL;
				differ |= l == MATCH_LEVEL_ELSE;
			}
		}
		if (agree < 2 || !complete)
			continue;
		shared += (double) pairs->classes[c].count;
		if (differ)
			disagree += (double) pairs->classes[c].count;
	}
	detected = shared > 0 && disagree / shared >= HOUSEHOLD_EXCESS_RATIO * expected;
	appendStringInfo(rep, ", \"households\": {\"shared_pairs\": %.0f, \"personal_else_share\": %.6g,"
					 " \"expected_share\": %.6g, \"detected\": %s}",
					 shared, shared > 0 ? disagree / shared : 0.0, expected, detected ? "true" : "false");
	return detected;
}

/* Train on the store and its candidate pairs; returns the JSON report. */
char *
match_train(MatchStore *st, MatchPairs *pairs, CiProgress *progress)
{
	MatchModel *model = st->model;
	int			ncomp = model->ncomparisons;
	bool		has_data[MATCH_MAX_COMPARISONS] = {0};	/* train_u fills it */
	double		msum[MATCH_MAX_COMPARISONS][MATCH_NLEVELS];
	int			mcount[MATCH_MAX_COMPARISONS];
	Session		sessions[MATCH_MAX_RULES];
	double		priors[MATCH_MAX_RULES];
	int			nsessions = 0;
	int			npriors = 0;
	int64		sampled;
	double		total_pairs;
	StringInfoData rep;
	int64		nlabels;
	int			lcount[MATCH_MAX_COMPARISONS];
	StringInfoData missing;
	int			nmissing = 0;

	if (st->n < 2)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot train match model \"%s\": %s has %d record%s",
						model->name, model->relation, st->n, st->n == 1 ? "" : "s"),
				 errdetail("Training estimates parameters from pairs of records."),
				 errhint("Load records first, or resolve with the model's stored parameters.")));

	/* total record pairs the model could compare */
	total_pairs = (double) st->n * (double) (st->n - 1) / 2.0;
	if (!model->within_source)
	{
		for (uint32 s = 1; s < st->sources.nvalues; s++)
			total_pairs -= (double) st->sources.values[s].count * (double) (st->sources.values[s].count - 1) / 2.0;
		if (total_pairs < 1)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot train match model \"%s\": it links across sources but all records are from one source",
							model->name),
					 errhint("Set link_within_source to true to deduplicate within a source.")));
	}

	train_u(st, &sampled, has_data);
	ci_progress_report(progress, 1, 3);

	memset(msum, 0, sizeof(msum));
	memset(mcount, 0, sizeof(mcount));
	for (int r = 0; r < model->nrules; r++)
		if (em_session(st, pairs, r, msum, mcount, &sessions[nsessions]))
			nsessions++;
	for (int k = 0; k < ncomp; k++)
		if (mcount[k] > 0)
		{
			for (int l = 0; l < MATCH_NLEVELS; l++)
				model->comp[k].m[l] = msum[k][l] / mcount[k];
			normalise_levels(&model->comp[k], model->comp[k].m);
		}
	nlabels = fit_m_to_decisions(st, lcount);
	ci_progress_report(progress, 2, 3);

	/* prior: matches a session found, divided by the share of matches its rule can see */
	for (int i = 0; i < nsessions; i++)
	{
		const MatchRule *rule = &model->rule[sessions[i].rule];
		double		recall = 1.0;

		for (int k = 0; k < rule->nkeys; k++)
		{
			double		nonnull = (double) st->dicts[rule->column[k]].nonnull / (double) st->n;
			double		agree = 1.0;

			for (int c = 0; c < ncomp; c++)
				if (model->comp[c].column == rule->column[k])
					agree = model->comp[c].m[MATCH_LEVEL_EXACT];
			recall *= agree * nonnull * nonnull;
		}
		sessions[i].prior = -1;
		if (recall > 0 && sessions[i].pairs > 0)
		{
			sessions[i].prior = sessions[i].lambda * (double) sessions[i].pairs / recall / total_pairs;
			if (sessions[i].prior > 0)
				priors[npriors++] = sessions[i].prior;
		}
	}
	if (npriors > 0)
	{
		qsort(priors, npriors, sizeof(double), double_cmp);
		model->prior = (npriors % 2) ? priors[npriors / 2]
			: (priors[npriors / 2 - 1] + priors[npriors / 2]) / 2.0;
		model->prior = Min(Max(model->prior, 1e-12), 0.5);
	}
	match_model_weights(model);

	initStringInfo(&rep);
	appendStringInfo(&rep, "{\"records\": %d, \"seed\": " INT64_FORMAT ", \"u_sampled_pairs\": " INT64_FORMAT
					 ", \"candidate_pairs\": " INT64_FORMAT ", \"prior\": %.17g, \"sessions\": [",
					 st->n, model->seed, sampled, pairs->npairs, model->prior);
	for (int i = 0; i < nsessions; i++)
	{
		appendStringInfo(&rep, "%s{\"rule\": ", i ? ", " : "");
		escape_json(&rep, model->rule[sessions[i].rule].name);
		appendStringInfo(&rep, ", \"pairs\": " INT64_FORMAT ", \"iterations\": %d, \"converged\": %s, \"match_share\": %.6g, \"prior\": %.6g}",
						 sessions[i].pairs, sessions[i].iterations,
						 sessions[i].converged ? "true" : "false", sessions[i].lambda,
						 sessions[i].prior);
	}
	appendStringInfoString(&rep, "], \"m_sessions\": {");
	for (int k = 0; k < ncomp; k++)
	{
		appendStringInfo(&rep, "%s", k ? ", " : "");
		escape_json(&rep, model->comp[k].name);
		appendStringInfo(&rep, ": %d", mcount[k]);
	}
	appendStringInfoString(&rep, "}, \"no_values\": [");
	{
		bool		first = true;

		for (int k = 0; k < ncomp; k++)
			if (!has_data[k])
			{
				appendStringInfo(&rep, "%s", first ? "" : ", ");
				escape_json(&rep, model->comp[k].name);
				first = false;
			}
	}
	appendStringInfoChar(&rep, ']');

	/*
	 * Comparisons with values whose m neither a session nor a labelled pair
	 * estimated keep their previous m: say so, in the report and a notice.
	 */
	initStringInfo(&missing);
	appendStringInfo(&rep, ", \"labelled_pairs\": " INT64_FORMAT ", \"m_labelled\": {", nlabels);
	for (int k = 0; k < ncomp; k++)
	{
		appendStringInfo(&rep, "%s", k ? ", " : "");
		escape_json(&rep, model->comp[k].name);
		appendStringInfo(&rep, ": %d", lcount[k]);
	}
	appendStringInfoString(&rep, "}, \"m_not_estimated\": [");
	for (int k = 0; k < ncomp; k++)
		if (has_data[k] && mcount[k] == 0 && lcount[k] == 0)
		{
			appendStringInfo(&rep, "%s", nmissing ? ", " : "");
			escape_json(&rep, model->comp[k].name);
			appendStringInfo(&missing, "%s%s", nmissing ? ", " : "", model->comp[k].name);
			nmissing++;
		}
	appendStringInfoChar(&rep, ']');
	model->households = detect_households(st, pairs, has_data, &rep);
	if (nmissing > 0)
		ereport(NOTICE,
				(errmsg("training of match model \"%s\" did not estimate m of %d comparison%s: %s",
						model->name, nmissing, nmissing == 1 ? "" : "s", missing.data),
				 errdetail("No training session had pairs with values of %s, and no steward decision links such a pair; %s previous m is kept.",
						   nmissing == 1 ? "it" : "them", nmissing == 1 ? "its" : "their"),
				 errhint("Add a blocking rule that does not have the comparison's field as a key, or record steward decisions (ci.decide_match).")));
	store_term_frequencies(st, &rep);
	report_placeholders(st, &rep);
	appendStringInfoChar(&rep, '}');
	match_save_parameters(model, rep.data);
	ci_progress_report(progress, 3, 3);
	return rep.data;
}
