/*
 * match_dupfree.c — which sources hold each person at most once, read from
 * a full run's scored pairs before clustering.
 *
 * A voter file, a customer master or a registry usually holds a person
 * once.  Transitive closure does not know it: two records of such a source
 * that each link to a third record end up in one identity, and so do the
 * source's own near-threshold false links.  ci.match_model's
 * duplicate_free_sources says so by hand; this file finds such sources by
 * themselves, so that a new user gets the benefit without knowing the
 * setting.
 *
 * The signal: among the pairs the run will link (at or above the link
 * threshold, or by a deterministic rule), a duplicate-free source's records
 * link to records of other sources but almost never to each other, and the
 * few links among them are the model's false links.  A source with real
 * duplicates links within itself in proportion to them (in the generated
 * sets of bench/accuracy.sh: 9-12 % of its links against under 1 % for the
 * duplicate-free ones; 6-22 % on the demo sample, whose four sources all
 * hold duplicates).  A source is taken as duplicate-free when
 *   - it has at least DUPFREE_MIN_LINKS links to other sources (enough to
 *     read a share from), and
 *   - at most DUPFREE_MAX_SHARE of its links are within itself.
 * The cost of a wrong call is bounded by the same share: a source with
 * fewer real duplicates than that is split where its records would meet,
 * and the refused joins go to the review queue, as every refused join does.
 * Detection needs within-source pairs to be compared at all: a model with
 * link_within_source = false detects nothing.  detect_duplicate_free =
 * false turns it off; duplicate_free_sources lists sources regardless.
 */
#include "match.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/json.h"

/* cross-source links a source needs before its within share is read */
#define DUPFREE_MIN_LINKS	100
/* the largest share of a source's links within itself that still counts */
#define DUPFREE_MAX_SHARE	0.02

static bool
dupfree_listed(const MatchModel *model, const MatchValue *v)
{
	for (int i = 0; i < model->nunique_sources; i++)
		if ((int) strlen(model->unique_sources[i]) == v->nbytes &&
			memcmp(model->unique_sources[i], v->bytes, v->nbytes) == 0)
			return true;
	return false;
}

/*
 * Count each source's links within and across, add the sources found
 * duplicate-free to st->model->unique_sources (the clustering guard's list,
 * for this run only) and write the report, a jsonb object, into report.
 */
void
match_detect_duplicate_free(MatchStore *st, MatchPairs *pairs, const double *weights,
							StringInfo report)
{
	MatchModel *model = st->model;
	uint32		nsources = st->sources.nvalues;
	int64	   *records,
			   *within,
			   *across;
	uint32		detmask = 0;
	double		link_w = match_probability_to_weight(model->link_threshold);
	bool		can_detect = model->detect_duplicate_free && model->within_source &&
		model->source_column != NULL;
	char	  **names;
	int			nnames = model->nunique_sources;
	bool		first = true;

	appendStringInfo(report, "{\"detect\": %s, \"sources\": [",
					 can_detect ? "true" : "false");
	if (model->source_column == NULL || nsources <= 1)
	{
		appendStringInfoString(report, "]}");
		return;
	}

	records = palloc0(sizeof(int64) * nsources);
	within = palloc0(sizeof(int64) * nsources);
	across = palloc0(sizeof(int64) * nsources);
	for (int r = 0; r < model->nrules; r++)
		if (model->rule[r].deterministic)
			detmask |= (uint32) 1 << r;

	for (int i = 0; i < st->n; i++)
		records[st->source[i]]++;
	for (int64 i = 0; i < pairs->npairs; i++)
	{
		const MatchPair *p = &pairs->pairs[i];
		uint32		sa,
					sb;

		if (weights[i] < link_w && (pairs->classes[p->cls].rules & detmask) == 0)
			continue;
		sa = st->source[p->a];
		sb = st->source[p->b];
		if (sa == sb)
			within[sa]++;
		else
		{
			across[sa]++;
			across[sb]++;
		}
		if ((i & 65535) == 0)
			CHECK_FOR_INTERRUPTS();
	}

	names = palloc(sizeof(char *) * (model->nunique_sources + nsources));
	for (int i = 0; i < model->nunique_sources; i++)
		names[i] = model->unique_sources[i];

	for (uint32 s = 1; s < nsources; s++)
	{
		const MatchValue *v = &st->sources.values[s];
		const char *how = "false";

		if (dupfree_listed(model, v))
			how = "\"listed\"";
		else if (can_detect && across[s] >= DUPFREE_MIN_LINKS &&
				 within[s] <= DUPFREE_MAX_SHARE * (double) (within[s] + across[s]))
		{
			how = "\"detected\"";
			names[nnames++] = pnstrdup(v->bytes, v->nbytes);
		}
		if (!first)
			appendStringInfoString(report, ", ");
		first = false;
		appendStringInfoString(report, "{\"source\": ");
		escape_json(report, pnstrdup(v->bytes, v->nbytes));
		appendStringInfo(report,
						 ", \"records\": " INT64_FORMAT ", \"links_within\": " INT64_FORMAT
						 ", \"links_across\": " INT64_FORMAT ", \"duplicate_free\": %s}",
						 records[s], within[s], across[s], how);
	}
	appendStringInfoString(report, "]}");

	model->unique_sources = names;
	model->nunique_sources = nnames;
	pfree(records);
	pfree(within);
	pfree(across);
}
