/*
 * survive_rank.c — ordering survivorship candidates.
 *
 * survive_compare(a, b) > 0 means a beats b.  Each rule kind decides first;
 * when it cannot tell two candidates apart, the same deterministic chain
 * always follows, so the winner never depends on input order:
 *   1. the more recent updated_at (a NULL timestamp is the oldest),
 *   2. the source name, ascending by bytes (a NULL source last),
 *   3. the value, ascending by the type's default btree order (bytes of the
 *      value when the type has none),
 *   4. the record id, ascending (lineage aggregate only),
 *   5. input order (only candidates equal in all of the above remain, and
 *      they agree on value, source and time).
 * NULL values are never candidates here: the aggregates count them apart.
 *
 * Keyed aggregates first sort the candidates into key groups (equal key
 * bytes; a candidate without a key is grouped with the key-less candidates
 * of an equal value).  Each group shows one representative spelling: the
 * value most of its members hold, then the most recent, then the smallest
 * source and value (bytes, the C collation), then record id and input order.
 * Every candidate then competes with its group's representative value (and
 * its length); most_frequent counts group members.
 */
#include "survive.h"

#include <math.h>

#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/datum.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

SurviveType *
survive_type_cached(FunctionCallInfo fcinfo, Oid typid, Oid collation)
{
	SurviveCache *cache = survive_cache(fcinfo);
	SurviveType *t = cache->type;
	TypeCacheEntry *tce;
	bool		preferred;

	if (t != NULL && t->typid == typid && t->collation == collation)
		return t;
	if (!OidIsValid(typid))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("could not determine the type of the survivorship value")));
	/* a new entry, never an overwrite: states made earlier may point at the old one */
	t = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(SurviveType));
	t->typid = typid;
	t->collation = collation;
	get_typlenbyval(typid, &t->typlen, &t->typbyval);
	get_type_category_preferred(typid, &t->typcategory, &preferred);
	tce = lookup_type_cache(typid, TYPECACHE_CMP_PROC_FINFO | TYPECACHE_EQ_OPR_FINFO);
	t->has_cmp = OidIsValid(tce->cmp_proc_finfo.fn_oid);
	if (t->has_cmp)
		fmgr_info_copy(&t->cmp, &tce->cmp_proc_finfo, fcinfo->flinfo->fn_mcxt);
	t->has_eq = OidIsValid(tce->eq_opr_finfo.fn_oid);
	if (t->has_eq)
		fmgr_info_copy(&t->eq, &tce->eq_opr_finfo, fcinfo->flinfo->fn_mcxt);
	cache->type = t;
	return t;
}

/* Bytes of a value, for types without an ordering: deterministic, not meaningful. */
static int
image_cmp(SurviveType *type, Datum a, Datum b)
{
	if (type->typbyval)
		return a < b ? -1 : (a > b ? 1 : 0);
	if (type->typlen > 0)
		return memcmp(DatumGetPointer(a), DatumGetPointer(b), type->typlen);
	if (type->typlen == -2)
		return strcmp(DatumGetCString(a), DatumGetCString(b));
	{
		int			la = VARSIZE_ANY_EXHDR(DatumGetPointer(a));
		int			lb = VARSIZE_ANY_EXHDR(DatumGetPointer(b));
		int			c = memcmp(VARDATA_ANY(DatumGetPointer(a)), VARDATA_ANY(DatumGetPointer(b)), Min(la, lb));

		return c != 0 ? c : (la < lb ? -1 : (la > lb ? 1 : 0));
	}
}

int
survive_values_cmp(SurviveType *type, Datum a, Datum b)
{
	if (type->has_cmp)
		return DatumGetInt32(FunctionCall2Coll(&type->cmp, type->collation, a, b));
	return image_cmp(type, a, b);
}

bool
survive_values_equal(SurviveType *type, Datum a, Datum b)
{
	if (type->has_eq)
		return DatumGetBool(FunctionCall2Coll(&type->eq, type->collation, a, b));
	if (type->has_cmp)
		return survive_values_cmp(type, a, b) == 0;
	return datum_image_eq(a, b, type->typbyval, type->typlen);
}

/* Order of values under the C collation (bytes) when the type is collatable. */
static int
values_cmp_c(SurviveType *type, Datum a, Datum b)
{
	if (type->has_cmp)
		return DatumGetInt32(FunctionCall2Coll(&type->cmp,
											   OidIsValid(type->collation) ? C_COLLATION_OID : InvalidOid,
											   a, b));
	return image_cmp(type, a, b);
}

/* How complete a value is: characters, array elements or jsonb keys. */
int64
survive_value_length(SurviveType *type, Datum value)
{
	if (type->typid == JSONBOID)
		return JB_ROOT_COUNT(DatumGetJsonbP(value));
	if (type->typcategory == TYPCATEGORY_ARRAY && type->typlen == -1)
	{
		ArrayType  *arr = DatumGetArrayTypeP(value);

		return ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	}
	if (type->typlen == -1)
		return pg_mbstrlen_with_len(VARDATA_ANY(DatumGetPointer(value)),
									VARSIZE_ANY_EXHDR(DatumGetPointer(value)));
	if (type->typlen == -2)
		return pg_mbstrlen(DatumGetCString(value));
	if (!type->typbyval && type->typlen > 0)
		return pg_mbstrlen_with_len(DatumGetPointer(value),
									strnlen(DatumGetPointer(value), type->typlen));
	return 0;
}

/* > 0 when a is more recent; a NULL timestamp is the oldest. */
static inline int
cmp_recent(const SurviveCand *a, const SurviveCand *b)
{
	if (a->ts_null || b->ts_null)
		return (a->ts_null ? 0 : 1) - (b->ts_null ? 0 : 1);
	return a->ts > b->ts ? 1 : (a->ts < b->ts ? -1 : 0);
}

/* > 0 when a's source wins a tie: the smaller name; a NULL source loses. */
static inline int
cmp_source_tiebreak(const SurviveCand *a, const SurviveCand *b)
{
	if (a->source == b->source)
		return 0;
	if (a->source == NULL || b->source == NULL)
		return a->source == NULL ? -1 : 1;
	return -strcmp(a->source, b->source);
}

/* Position of a source in a ranked list: unlisted sources after all listed, NULL last. */
static inline int
source_rank(const SurviveRule *r, const char *source)
{
	if (source == NULL)
		return r->nsources + 1;
	for (int i = 0; i < r->nsources; i++)
		if (strcmp(r->sources[i], source) == 0)
			return i;
	return r->nsources;
}

static inline int
cmp_int64(int64 a, int64 b)
{
	return a > b ? 1 : (a < b ? -1 : 0);
}

static double
trust_score(SurviveState *state, SurviveRule *r, const SurviveCand *c)
{
	double		trust = survive_source_trust(state->rules, r, c->source);

	/* log of trust * 2^((ts - epoch) / half_life): the age reference cancels out */
	return log(trust) + ((double) c->ts / 1000000.0) * M_LN2 / r->half_life_sec;
}

static int
compare_kind(SurviveState *state, SurviveRule *r, SurviveKind kind,
			 const SurviveCand *a, const SurviveCand *b)
{
	switch (kind)
	{
		case SURVIVE_NONE:
			return 0;
		case SURVIVE_SOURCE_PRIORITY:
			return cmp_int64(source_rank(r, b->source), source_rank(r, a->source));
		case SURVIVE_MOST_RECENT:
			return cmp_recent(a, b);
		case SURVIVE_MOST_FREQUENT:
			{
				int			c = cmp_int64(state->freq[a - state->cands], state->freq[b - state->cands]);

				return c != 0 ? c : compare_kind(state, r, r->tie_break, a, b);
			}
		case SURVIVE_LONGEST:
			return cmp_int64(survive_shown(state, a)->length, survive_shown(state, b)->length);
		case SURVIVE_FIRST_NON_NULL:
			{
				int			c;	/* > 0 when a comes later in the order */

				switch (r->order_by)
				{
					case SURVIVE_ORDER_UPDATED_AT:
						c = cmp_recent(a, b);
						break;
					case SURVIVE_ORDER_RECORD_ID:
						c = cmp_int64(a->record_id, b->record_id);
						break;
					default:
						c = cmp_int64(a->seq, b->seq);
						break;
				}
				return r->descending ? c : -c;
			}
		case SURVIVE_MIN:
			return -survive_values_cmp(state->type, survive_shown(state, a)->value,
									   survive_shown(state, b)->value);
		case SURVIVE_MAX:
			return survive_values_cmp(state->type, survive_shown(state, a)->value,
									  survive_shown(state, b)->value);
		case SURVIVE_TRUST_RECENCY:
			if (a->ts_null || b->ts_null)
			{
				if (a->ts_null != b->ts_null)
					return a->ts_null ? -1 : 1;
				/* both undated: trust alone decides */
				{
					double		ta = survive_source_trust(state->rules, r, a->source);
					double		tb = survive_source_trust(state->rules, r, b->source);

					return ta > tb ? 1 : (ta < tb ? -1 : 0);
				}
			}
			{
				double		sa = trust_score(state, r, a);
				double		sb = trust_score(state, r, b);

				return sa > sb ? 1 : (sa < sb ? -1 : 0);
			}
	}
	return 0;
}

int
survive_compare(SurviveState *state, SurviveRule *rule,
				const SurviveCand *a, const SurviveCand *b)
{
	int			c = compare_kind(state, rule, rule->kind, a, b);

	if (c != 0)
		return c;
	if ((c = cmp_recent(a, b)) != 0)
		return c;
	if ((c = cmp_source_tiebreak(a, b)) != 0)
		return c;
	if ((c = survive_values_cmp(state->type, survive_shown(state, a)->value,
								survive_shown(state, b)->value)) != 0)
		return -c;
	if (a->has_record_id && b->has_record_id && (c = cmp_int64(a->record_id, b->record_id)) != 0)
		return -c;
	return -cmp_int64(a->seq, b->seq);
}

/* ---- ranking every candidate (lineage, most_frequent) ---- */

typedef struct RankCtx
{
	SurviveState *state;
	SurviveRule *rule;
} RankCtx;

static int
rank_qsort_cmp(const void *pa, const void *pb, void *arg)
{
	RankCtx    *ctx = (RankCtx *) arg;
	const SurviveCand *a = &ctx->state->cands[*(const int *) pa];
	const SurviveCand *b = &ctx->state->cands[*(const int *) pb];

	return -survive_compare(ctx->state, ctx->rule, a, b);
}

static int
value_qsort_cmp(const void *pa, const void *pb, void *arg)
{
	SurviveState *state = (SurviveState *) arg;

	return survive_values_cmp(state->type, state->cands[*(const int *) pa].value,
							  state->cands[*(const int *) pb].value);
}

/* freq[i] = how many of idx[0..n) hold a value equal to candidate i's (keyed: are in its group). */
static void
count_frequencies(SurviveState *state, int *idx, int n)
{
	if (state->group)
	{
		int64	   *count = palloc0(sizeof(int64) * Max(state->ncands, 1));

		for (int i = 0; i < n; i++)
			count[state->group[idx[i]]]++;
		for (int i = 0; i < n; i++)
			state->freq[idx[i]] = count[state->group[idx[i]]];
		pfree(count);
		return;
	}
	/* small groups (the usual identity): pairwise equality beats sorting */
	if (state->type->has_cmp && n > 16)
	{
		int		   *sorted = palloc(sizeof(int) * Max(n, 1));
		int			start = 0;

		memcpy(sorted, idx, sizeof(int) * n);
		qsort_arg(sorted, n, sizeof(int), value_qsort_cmp, state);
		for (int i = 1; i <= n; i++)
		{
			if (i == n || survive_values_cmp(state->type, state->cands[sorted[start]].value,
											 state->cands[sorted[i]].value) != 0)
			{
				for (int j = start; j < i; j++)
					state->freq[sorted[j]] = i - start;
				start = i;
			}
		}
		pfree(sorted);
	}
	else
	{
		/* pairwise equality: quadratic, used for small groups and unordered types */
		for (int i = 0; i < n; i++)
		{
			int64		f = 0;

			CHECK_FOR_INTERRUPTS();
			for (int j = 0; j < n; j++)
				if (survive_values_equal(state->type, state->cands[idx[i]].value,
										 state->cands[idx[j]].value))
					f++;
			state->freq[idx[i]] = f;
		}
	}
}

/* ---- key groups and their representatives (keyed aggregates) ---- */

static int
key_cmp(const struct varlena *a, const struct varlena *b)
{
	int			la = VARSIZE_ANY_EXHDR(a);
	int			lb = VARSIZE_ANY_EXHDR(b);
	int			c = memcmp(VARDATA_ANY(a), VARDATA_ANY(b), Min(la, lb));

	return c != 0 ? c : (la < lb ? -1 : (la > lb ? 1 : 0));
}

/* Same group: equal keys, or both key-less with equal values. */
static bool
cands_same_key(SurviveState *state, const SurviveCand *a, const SurviveCand *b)
{
	if (a->key != NULL && b->key != NULL)
		return key_cmp(a->key, b->key) == 0;
	if (a->key != NULL || b->key != NULL)
		return false;
	return survive_values_equal(state->type, a->value, b->value);
}

/* Sort order that brings a group together: keyed first by key, then key-less by value. */
static int
group_qsort_cmp(const void *pa, const void *pb, void *arg)
{
	SurviveState *state = (SurviveState *) arg;
	const SurviveCand *a = &state->cands[*(const int *) pa];
	const SurviveCand *b = &state->cands[*(const int *) pb];

	if (a->key != NULL && b->key != NULL)
		return key_cmp(a->key, b->key);
	if (a->key != NULL || b->key != NULL)
		return a->key != NULL ? -1 : 1;
	return survive_values_cmp(state->type, a->value, b->value);
}

/* Within a group then by value: spellings together. */
static int
spelling_qsort_cmp(const void *pa, const void *pb, void *arg)
{
	SurviveState *state = (SurviveState *) arg;
	int			ia = *(const int *) pa;
	int			ib = *(const int *) pb;

	if (state->group[ia] != state->group[ib])
		return state->group[ia] < state->group[ib] ? -1 : 1;
	return survive_values_cmp(state->type, state->cands[ia].value, state->cands[ib].value);
}

/* > 0 when candidate a is the better spelling of its group (spell: counts of equal values). */
static int
spelling_better(SurviveState *state, const int64 *spell, int ia, int ib)
{
	const SurviveCand *a = &state->cands[ia];
	const SurviveCand *b = &state->cands[ib];
	int			c;

	if (spell[ia] != spell[ib])
		return spell[ia] > spell[ib] ? 1 : -1;
	if ((c = cmp_recent(a, b)) != 0)
		return c;
	if ((c = cmp_source_tiebreak(a, b)) != 0)
		return c;
	if ((c = values_cmp_c(state->type, a->value, b->value)) != 0)
		return -c;
	if (a->has_record_id && b->has_record_id && (c = cmp_int64(a->record_id, b->record_id)) != 0)
		return -c;
	return -cmp_int64(a->seq, b->seq);
}

/*
 * Fill state->group (each candidate's group, named by one member's index) and
 * state->rep (each candidate's representative).
 */
static void
assign_groups(SurviveState *state)
{
	int			n = state->ncands;
	int64	   *spell = palloc0(sizeof(int64) * Max(n, 1));
	int		   *best;

	state->group = MemoryContextAlloc(state->mcxt, sizeof(int) * Max(n, 1));
	state->rep = MemoryContextAlloc(state->mcxt, sizeof(int) * Max(n, 1));
	best = palloc(sizeof(int) * Max(n, 1));

	if (n <= 16 || !state->type->has_cmp)
	{
		/* small groups (the usual identity): pairwise comparison */
		for (int i = 0; i < n; i++)
		{
			CHECK_FOR_INTERRUPTS();
			state->group[i] = i;
			for (int j = 0; j < i; j++)
				if (cands_same_key(state, &state->cands[i], &state->cands[j]))
				{
					state->group[i] = state->group[j];
					break;
				}
		}
		for (int i = 0; i < n; i++)
		{
			CHECK_FOR_INTERRUPTS();
			for (int j = 0; j < n; j++)
				if (state->group[j] == state->group[i] &&
					survive_values_equal(state->type, state->cands[i].value, state->cands[j].value))
					spell[i]++;
		}
	}
	else
	{
		int		   *sorted = palloc(sizeof(int) * n);
		int			start = 0;

		for (int i = 0; i < n; i++)
			sorted[i] = i;
		qsort_arg(sorted, n, sizeof(int), group_qsort_cmp, state);
		for (int i = 1; i <= n; i++)
		{
			if (i == n || group_qsort_cmp(&sorted[start], &sorted[i], state) != 0)
			{
				for (int j = start; j < i; j++)
					state->group[sorted[j]] = sorted[start];
				start = i;
			}
		}
		CHECK_FOR_INTERRUPTS();
		qsort_arg(sorted, n, sizeof(int), spelling_qsort_cmp, state);
		start = 0;
		for (int i = 1; i <= n; i++)
		{
			if (i == n || spelling_qsort_cmp(&sorted[start], &sorted[i], state) != 0)
			{
				for (int j = start; j < i; j++)
					spell[sorted[j]] = i - start;
				start = i;
			}
		}
		pfree(sorted);
	}

	/* the best spelling of each group, indexed by the group's name */
	for (int i = 0; i < n; i++)
		best[i] = -1;
	for (int i = 0; i < n; i++)
	{
		int			g = state->group[i];

		if (best[g] < 0 || spelling_better(state, spell, i, best[g]) > 0)
			best[g] = i;
	}
	for (int i = 0; i < n; i++)
		state->rep[i] = best[state->group[i]];
	pfree(best);
	pfree(spell);
}

/* Do candidates a and b (indexes) hold the same value (keyed: the same key)? */
bool
survive_same_group(SurviveState *state, int a, int b)
{
	if (state->group)
		return state->group[a] == state->group[b];
	return survive_values_equal(state->type, state->cands[a].value, state->cands[b].value);
}

/* Drop what survive_rank_all left for the caller (key groups). */
void
survive_rank_done(SurviveState *state)
{
	if (state->group)
		pfree(state->group);
	if (state->rep)
		pfree(state->rep);
	state->group = NULL;
	state->rep = NULL;
}

/*
 * Rank every (non-NULL) candidate of a keep-all state.  The chain's first
 * rule with a candidate in its scope decides; order[] receives the
 * candidates in scope ranked by that rule (winner first), then the others
 * ranked by the same rule.  Returns how many were ranked (0: no candidate in
 * any rule's scope) and sets *rule_index.  Keyed states keep their groups
 * (survive_shown, survive_same_group) until survive_rank_done.
 */
int
survive_rank_all(SurviveState *state, int *order, int *rule_index)
{
	int			ri;
	int			nin = 0,
				nout = 0;
	int		   *out;
	RankCtx		ctx;

	*rule_index = -1;
	for (ri = 0; ri < state->rules->nrules; ri++)
	{
		uint32		bit = (uint32) 1 << ri;

		for (int i = 0; i < state->ncands; i++)
			if (state->cands[i].scope & bit)
			{
				*rule_index = ri;
				break;
			}
		if (*rule_index >= 0)
			break;
	}
	if (*rule_index < 0)
		return 0;
	if (state->has_key)
		assign_groups(state);

	out = palloc(sizeof(int) * Max(state->ncands, 1));
	for (int i = 0; i < state->ncands; i++)
	{
		if (state->cands[i].scope & ((uint32) 1 << ri))
			order[nin++] = i;
		else
			out[nout++] = i;
	}

	ctx.state = state;
	ctx.rule = &state->rules->rules[ri];
	if (ctx.rule->kind == SURVIVE_MOST_FREQUENT)
	{
		state->freq = palloc0(sizeof(int64) * state->ncands);
		count_frequencies(state, order, nin);
		count_frequencies(state, out, nout);
	}
	qsort_arg(order, nin, sizeof(int), rank_qsort_cmp, &ctx);
	qsort_arg(out, nout, sizeof(int), rank_qsort_cmp, &ctx);
	memcpy(order + nin, out, sizeof(int) * nout);
	pfree(out);
	if (state->freq)
	{
		pfree(state->freq);
		state->freq = NULL;
	}
	return nin + nout;
}
