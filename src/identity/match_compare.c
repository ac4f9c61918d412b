/*
 * match_compare.c — comparing two records: the level of each comparison,
 * the pair's pattern, and its match weight (log2 of the Bayes factor,
 * with term-frequency adjustment on exact agreement).  The similarity
 * kernels are called directly (similarity.h), never through fmgr.
 */
#include "match.h"

#include <math.h>

#include "similarity/similarity.h"

static const uint64 pow5[MATCH_MAX_COMPARISONS + 1] = {
	UINT64CONST(1), UINT64CONST(5), UINT64CONST(25), UINT64CONST(125), UINT64CONST(625),
	UINT64CONST(3125), UINT64CONST(15625), UINT64CONST(78125), UINT64CONST(390625),
	UINT64CONST(1953125), UINT64CONST(9765625), UINT64CONST(48828125), UINT64CONST(244140625),
	UINT64CONST(1220703125), UINT64CONST(6103515625), UINT64CONST(30517578125),
	UINT64CONST(152587890625), UINT64CONST(762939453125), UINT64CONST(3814697265625),
	UINT64CONST(19073486328125), UINT64CONST(95367431640625), UINT64CONST(476837158203125),
	UINT64CONST(2384185791015625), UINT64CONST(11920928955078125), UINT64CONST(59604644775390625)
};

static int
alias_cmp(const char *a, int alen, const char *b, int blen)
{
	int			r = memcmp(a, b, Min(alen, blen));

	return r != 0 ? r : (alen > blen) - (alen < blen);
}

/* first entry of name in the sorted entries, or -1 */
static int
alias_find(const MatchAliases *al, const char *s, int len)
{
	int			lo = 0,
				hi = al->n;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (alias_cmp(al->entries[mid].name, al->entries[mid].len, s, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < al->n && alias_cmp(al->entries[lo].name, al->entries[lo].len, s, len) == 0 ? lo : -1;
}

static bool
all_ascii(const char *s, int len)
{
	for (int i = 0; i < len; i++)
		if ((unsigned char) s[i] >= 0x80)
			return false;
	return true;
}

/*
 * Is a, a name ci.name_alias does not know, at least threshold alike
 * (Jaro-Winkler) to a name of one of the groups of b (b's first entry:
 * j): a nickname with a slip (Blly, Willia against Billy; Debprah against
 * Debbie)?
 */
static bool
alias_near(const MatchAliases *al, const char *a, int alen, int j, const char *b, int blen,
		   double threshold)
{
	if (al->group_start == NULL || alen < 3 || blen < 3 || !all_ascii(a, alen))
		return false;
	for (int y = j; y < al->n && alias_cmp(al->entries[y].name, al->entries[y].len, b, blen) == 0; y++)
	{
		int			g = al->entries[y].group;

		for (int k = al->group_start[g]; k < al->group_start[g + 1]; k++)
		{
			const MatchAliasEntry *e = &al->entries[al->by_group[k]];

			/*
			 * a slip keeps the first letter and about the length (Jaro-
			 * Winkler at the close threshold needs both): most members
			 * are passed over without computing it
			 */
			if (e->name[0] != a[0] || abs(e->len - alen) > 2 || !all_ascii(e->name, e->len))
				continue;
			if (match_jaro_winkler_bytes((const unsigned char *) a, alen,
										 (const unsigned char *) e->name, e->len,
										 MATCH_JW_PREFIX_SCALE, MATCH_JW_BOOST_THRESHOLD) >= threshold)
				return true;
		}
	}
	return false;
}

/*
 * Nicknames of ci.name_alias for two (normalised) names: MATCH_NICKNAME
 * when they share a nickname group; MATCH_NICKNAME_SLIP when near > 0, one
 * of them is a known name and the other, unknown, is at least near alike
 * to a name of the known one's groups (a nickname with a slip: two known
 * names that share no group are two names, not a slip); else 0.
 */
int
match_names_nickname(const MatchAliases *al, const char *a, int alen, const char *b, int blen,
					 double near)
{
	int			i,
				j;

	if (al == NULL || al->n == 0)
		return 0;
	i = alias_find(al, a, alen);
	j = alias_find(al, b, blen);
	if (i >= 0 && j >= 0)
	{
		for (int x = i; x < al->n && alias_cmp(al->entries[x].name, al->entries[x].len, a, alen) == 0; x++)
			for (int y = j; y < al->n && alias_cmp(al->entries[y].name, al->entries[y].len, b, blen) == 0; y++)
				if (al->entries[x].group == al->entries[y].group)
					return MATCH_NICKNAME;
		return 0;
	}
	if (near <= 0 || (i < 0 && j < 0))
		return 0;
	if (j >= 0 ? alias_near(al, a, alen, j, b, blen, near) : alias_near(al, b, blen, i, a, alen, near))
		return MATCH_NICKNAME_SLIP;
	return 0;
}

/* Is one value a lone initial (one character) that begins the other? */
static bool
initial_of(const MatchValue *a, const MatchValue *b)
{
	const MatchValue *s = a->nchars == 1 ? a : b;
	const MatchValue *l = s == a ? b : a;

	if (s->nchars != 1 || l->nchars <= 1 || l->nbytes < s->nbytes)
		return false;
	return memcmp(s->bytes, l->bytes, s->nbytes) == 0;
}

/* Similarity (or distance: levenshtein, damerau_levenshtein, at most bound + 1) of two non-NULL values. */
double
match_value_similarity(MatchSimilarity sim, int bound, const MatchValue *a,
					   const MatchValue *b, const char *what)
{
	if (sim == MATCH_SIM_BIRTHDATE)
		return match_birthdate_similarity(a->date, b->date);

	if (a->ascii && b->ascii)
	{
		const unsigned char *x = (const unsigned char *) a->bytes;
		const unsigned char *y = (const unsigned char *) b->bytes;

		switch (sim)
		{
			case MATCH_SIM_JARO_WINKLER:
			case MATCH_SIM_GIVEN_NAME:
				return match_jaro_winkler_bytes(x, a->nbytes, y, b->nbytes,
												MATCH_JW_PREFIX_SCALE, MATCH_JW_BOOST_THRESHOLD);
			case MATCH_SIM_JARO:
				return match_jaro_bytes(x, a->nbytes, y, b->nbytes);
			case MATCH_SIM_LEVENSHTEIN:
				return match_levenshtein_bytes(x, a->nbytes, y, b->nbytes, bound);
			case MATCH_SIM_DAMERAU:
				return match_damerau_osa_bytes(x, a->nbytes, y, b->nbytes, bound);
			case MATCH_SIM_TOKEN_SET:
				return match_token_set_similarity_bytes(x, a->nbytes, y, b->nbytes);
			default:
				return 0;
		}
	}
	else
	{
		MatchTextPair p;
		double		r = 0;

		match_prepare_pair(&p, a->bytes, a->nbytes, b->bytes, b->nbytes, what);
		if (p.bytes)
		{
			switch (sim)
			{
				case MATCH_SIM_JARO_WINKLER:
				case MATCH_SIM_GIVEN_NAME:
					r = match_jaro_winkler_bytes(p.a_bytes, p.alen, p.b_bytes, p.blen,
												 MATCH_JW_PREFIX_SCALE, MATCH_JW_BOOST_THRESHOLD);
					break;
				case MATCH_SIM_JARO:
					r = match_jaro_bytes(p.a_bytes, p.alen, p.b_bytes, p.blen);
					break;
				case MATCH_SIM_LEVENSHTEIN:
					r = match_levenshtein_bytes(p.a_bytes, p.alen, p.b_bytes, p.blen, bound);
					break;
				case MATCH_SIM_DAMERAU:
					r = match_damerau_osa_bytes(p.a_bytes, p.alen, p.b_bytes, p.blen, bound);
					break;
				case MATCH_SIM_TOKEN_SET:
					r = match_token_set_similarity_bytes(p.a_bytes, p.alen, p.b_bytes, p.blen);
					break;
				default:
					break;
			}
		}
		else
		{
			switch (sim)
			{
				case MATCH_SIM_JARO_WINKLER:
				case MATCH_SIM_GIVEN_NAME:
					r = match_jaro_winkler(p.a_chars, p.alen, p.b_chars, p.blen,
										   MATCH_JW_PREFIX_SCALE, MATCH_JW_BOOST_THRESHOLD);
					break;
				case MATCH_SIM_JARO:
					r = match_jaro(p.a_chars, p.alen, p.b_chars, p.blen);
					break;
				case MATCH_SIM_LEVENSHTEIN:
					r = match_levenshtein(p.a_chars, p.alen, p.b_chars, p.blen, bound);
					break;
				case MATCH_SIM_DAMERAU:
					r = match_damerau_osa(p.a_chars, p.alen, p.b_chars, p.blen, bound);
					break;
				case MATCH_SIM_TOKEN_SET:
					r = match_token_set_similarity(p.a_chars, p.alen, p.b_chars, p.blen);
					break;
				default:
					break;
			}
		}
		match_release_pair(&p);
		return r;
	}
}

/*
 * Level of comparison c for two values (NULL pointers: missing).  When
 * similarity is not NULL it receives the similarity or distance computed
 * (NaN when none was: missing, equal, or an exact comparison).
 */
int
match_compare_values(const MatchComparison *c, const MatchValue *a,
					 const MatchValue *b, double *similarity)
{
	double		s;

	if (similarity)
		*similarity = NAN;
	if (a == NULL || b == NULL)
		return MATCH_LEVEL_NULL;
	if (c->sim >= MATCH_SIM_GROUPED)
		return match_compare_kind(c, a, b, similarity);
	if (a == b || (a->nbytes == b->nbytes && memcmp(a->bytes, b->bytes, a->nbytes) == 0))
		return MATCH_LEVEL_EXACT;
	if (c->sim == MATCH_SIM_EXACT || (!c->has_close && !c->has_loose))
		return MATCH_LEVEL_ELSE;
	s = match_value_similarity(c->sim,
							   c->sim == MATCH_SIM_LEVENSHTEIN || c->sim == MATCH_SIM_DAMERAU
							   ? (int) (c->has_loose ? c->loose : c->has_close ? c->close : 0) : -1,
							   a, b, c->name);
	if (similarity)
		*similarity = s;
	if (c->sim == MATCH_SIM_GIVEN_NAME)
	{
		/*
		 * a nickname is close, a nickname with a slip loose (a slip and a
		 * nickname at once); a lone initial of the other name is loose
		 */
		if (!c->has_close || s < c->close)
		{
			int			nick = match_names_nickname(c->aliases, a->bytes, a->nbytes, b->bytes, b->nbytes,
													(c->has_close && c->has_loose && s < c->loose) ? c->close : 0);

			if (nick == MATCH_NICKNAME)
				return c->has_close ? MATCH_LEVEL_CLOSE : MATCH_LEVEL_LOOSE;
			if (nick == MATCH_NICKNAME_SLIP)
				return MATCH_LEVEL_LOOSE;
		}
		if ((!c->has_loose || s < c->loose) && (!c->has_close || s < c->close) && initial_of(a, b))
			return c->has_loose ? MATCH_LEVEL_LOOSE : MATCH_LEVEL_ELSE;
	}
	if (c->sim == MATCH_SIM_LEVENSHTEIN || c->sim == MATCH_SIM_DAMERAU)
	{
		if (c->has_close && s <= c->close)
			return MATCH_LEVEL_CLOSE;
		if (c->has_loose && s <= c->loose)
			return MATCH_LEVEL_LOOSE;
	}
	else
	{
		if (c->has_close && s >= c->close)
			return MATCH_LEVEL_CLOSE;
		if (c->has_loose && s >= c->loose)
			return MATCH_LEVEL_LOOSE;
	}
	return MATCH_LEVEL_ELSE;
}

/* Pattern of records a and b (store indexes). */
uint64
match_pattern(MatchStore *st, uint32 a, uint32 b)
{
	MatchModel *model = st->model;
	uint64		pattern = 0;

	for (int k = 0; k < model->ncomparisons; k++)
	{
		const MatchComparison *c = &model->comp[k];
		MatchDict  *d = &st->dicts[c->column];
		uint32		va = MATCH_VAL(st, a, c->column);
		uint32		vb = MATCH_VAL(st, b, c->column);
		int			level;

		if (c->nparts > 0)
			level = match_compare_parts(st, c, a, b, NULL, NULL);
		else if (va == 0 || vb == 0)
			level = MATCH_LEVEL_NULL;
		else if (va == vb && (c->sim < MATCH_SIM_GROUPED ||
								 !(d->values[va].flags & (MATCH_VALUE_MISSING | MATCH_VALUE_PARTIAL))))
			level = MATCH_LEVEL_EXACT;
		else
			level = match_compare_values(c, &d->values[va], &d->values[vb], NULL);
		pattern += pow5[k] * (uint64) level;
	}
	return pattern;
}

int
match_pattern_level(uint64 pattern, int k)
{
	return (int) ((pattern / pow5[k]) % 5);
}

double
match_prior_weight(const MatchModel *model)
{
	return log2(model->prior / (1.0 - model->prior));
}

/*
 * Is comparison k's disagreement between records a and b a swap of two
 * fields: by k's own similarity, a's value is at least close to b's value
 * of another comparison with a role, and b's value to a's (given and family
 * name written into each other's fields)?  Such an "else" is a data-entry
 * slip, not evidence of another person.
 */
static bool
personal_swapped(MatchStore *st, uint32 a, uint32 b, int k)
{
	const MatchModel *model = st->model;
	const MatchComparison *c = &model->comp[k];
	uint32		va = MATCH_VAL(st, a, c->column);
	uint32		vb = MATCH_VAL(st, b, c->column);

	if (c->sim == MATCH_SIM_BIRTHDATE)
		return false;
	for (int j = 0; j < model->ncomparisons; j++)
	{
		const MatchComparison *o = &model->comp[j];
		uint32		oa,
					ob;

		/* partners: other name-like fields (compared by Jaro or Jaro-Winkler) */
		if (j == k || o->role == MATCH_ROLE_NONE ||
			(o->sim != MATCH_SIM_JARO_WINKLER && o->sim != MATCH_SIM_JARO && o->sim != MATCH_SIM_GIVEN_NAME) ||
			st->model->column[o->column].is_date)
			continue;
		oa = MATCH_VAL(st, a, o->column);
		ob = MATCH_VAL(st, b, o->column);
		/* both ways: one side's given name is the other's family name and back */
		if (va && vb && oa && ob &&
			match_compare_values(c, &st->dicts[c->column].values[va], &st->dicts[o->column].values[ob], NULL) <= MATCH_LEVEL_CLOSE &&
			match_compare_values(c, &st->dicts[c->column].values[vb], &st->dicts[o->column].values[oa], NULL) <= MATCH_LEVEL_CLOSE)
			return true;
	}
	return false;
}

/*
 * Household-aware scoring: when some comparison of role personal is at
 * level else (both values present, and not a swap of fields), and no
 * comparison without a role (an identifier of the person's own: national
 * id, e-mail) speaks for the pair, the positive weights of the comparisons
 * of role household count at most model->household_cap bits together.
 * Returns how many bits the cap takes off (0 when it does not apply);
 * *personal, if not NULL, receives the disagreeing personal comparison (-1
 * none).  lw[k] is comparison k's weight for the pair's level (term
 * frequency included).
 */
double
match_household_excess(MatchStore *st, uint32 a, uint32 b, uint64 pattern, const double *lw,
					   int *personal)
{
	const MatchModel *model = st->model;
	double		household = 0;
	uint32		disagree = 0;	/* personal comparisons at else */

	if (personal)
		*personal = -1;
	if (isnan(model->household_cap) || !model->households)
		return 0;
	for (int k = 0; k < model->ncomparisons; k++)
	{
		int			level = (int) (pattern % 5);

		pattern /= 5;
		if (level == MATCH_LEVEL_NULL)
			continue;
		if (model->comp[k].role == MATCH_ROLE_PERSONAL)
		{
			if (level == MATCH_LEVEL_ELSE)
				disagree |= (uint32) 1 << k;
		}
		else if (model->comp[k].role == MATCH_ROLE_HOUSEHOLD)
		{
			if (lw[k] > 0)
				household += lw[k];
		}
		else if (lw[k] > 0)
			return 0;			/* an identifier of the person's own agrees */
	}
	if (disagree == 0 || household <= model->household_cap)
		return 0;
	/* the costly test last: string comparisons, for the few pairs it can change */
	for (int k = 0; k < model->ncomparisons; k++)
		if ((disagree & ((uint32) 1 << k)) && !personal_swapped(st, a, b, k))
		{
			if (personal)
				*personal = k;
			return household - model->household_cap;
		}
	return 0;
}

/*
 * Match weight of a pair with a known pattern, prior included: the sum of
 * each comparison's log2(m/u) for its level, where an exact agreement of a
 * term-frequency-adjusted comparison uses the value's frequency in place of
 * u (a rare surname says more than a common one), less what the household
 * cap takes off (match_household_excess).
 */
double
match_pair_weight(MatchStore *st, uint32 a, uint32 b, uint64 pattern)
{
	MatchModel *model = st->model;
	double		w = match_prior_weight(model);
	double		lw[MATCH_MAX_COMPARISONS];
	uint64		p = pattern;

	for (int k = 0; k < model->ncomparisons; k++)
	{
		const MatchComparison *c = &model->comp[k];
		int			level = (int) (p % 5);

		p /= 5;
		lw[k] = 0;
		if (level == MATCH_LEVEL_NULL)
			continue;
		lw[k] = c->weight[level];
		if (level == MATCH_LEVEL_EXACT && c->tf_adjust)
		{
			float		tf = st->dicts[c->column].values[MATCH_VAL(st, a, c->column)].tf;

			if (tf > 0)
				lw[k] = log2(c->m[MATCH_LEVEL_EXACT] / tf);
		}
		w += lw[k];
	}
	return w - match_household_excess(st, a, b, pattern, lw, NULL);
}

/*
 * Do records a and b come from one source of the model's
 * duplicate_free_sources (which hold each person at most once)?  Then they
 * are different people, whatever their fields say.
 */
bool
match_same_unique_source(MatchStore *st, uint32 a, uint32 b)
{
	const MatchModel *model = st->model;
	uint32		s = st->source[a];
	const MatchValue *v;

	if (model->nunique_sources == 0 || s == 0 || s != st->source[b])
		return false;
	v = &st->sources.values[s];
	for (int i = 0; i < model->nunique_sources; i++)
		if ((int) strlen(model->unique_sources[i]) == v->nbytes &&
			memcmp(model->unique_sources[i], v->bytes, v->nbytes) == 0)
			return true;
	return false;
}

/*
 * Are records a and b, by the model itself, almost surely different people?
 * (Two records of one duplicate-free source always are.)
 * Their own match weight (prior included) is the model's guard_weight or
 * less (default -14: below the prior, so the comparisons themselves say
 * "different", not merely too little), and that comes from
 * evidence against (the comparisons with negative weight sum to
 * guard_against or less, default -6), not from missing values and the
 * prior alone.  The clustering guard of the full run and of
 * ci.resolve_record refuses to join two groups of records when any cross
 * pair is such a conflict.
 */
bool
match_conflict_pair(MatchStore *st, uint32 a, uint32 b)
{
	const MatchModel *model = st->model;
	uint64		pattern;
	double		against = 0;

	if (match_same_unique_source(st, a, b))
		return true;
	pattern = match_pattern(st, a, b);

	/*
	 * The weight after the household cap: a twin whom only the shared
	 * household fields would have linked is a conflict, so a sparse record
	 * does not bridge the twins either.
	 */
	if (match_pair_weight(st, a, b, pattern) > model->guard_weight)
		return false;
	for (int k = 0; k < model->ncomparisons; k++)
	{
		int			l = match_pattern_level(pattern, k);

		if (l != MATCH_LEVEL_NULL && model->comp[k].weight[l] < 0)
			against += model->comp[k].weight[l];
	}
	return against <= model->guard_against;
}

double
match_weight_to_probability(double w)
{
	if (w > 60)
		return 1.0;
	if (w < -60)
		return 0.0;
	return exp2(w) / (1.0 + exp2(w));
}

double
match_probability_to_weight(double p)
{
	return log2(p / (1.0 - p));
}
