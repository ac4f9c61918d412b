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
	uint32		asig;

	if (al->group_start == NULL || alen < 3 || blen < 3 || !all_ascii(a, alen))
		return false;
	asig = match_char_signature(a, alen);
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
			if (e->first != a[0] || abs(e->len - alen) > 2 || e->chars == 0)
				continue;		/* e->chars == 0: not ASCII */
			if (match_jaro_winkler_upper(asig, alen, e->chars, e->len, MATCH_JW_PREFIX_SCALE,
										 MATCH_JW_BOOST_THRESHOLD) < threshold - MATCH_SIG_MARGIN)
				continue;		/* surely below, by the characters alone */
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

/*
 * The entries of a value's name in ci.name_alias, looked up once per value
 * of the run (the binary search and its string comparisons were a quarter
 * of comparing a pair's given names): the memo is MatchValue.alias.  One
 * model has one alias table, so the memo is the same whichever comparison
 * asks.
 */
static int32
value_alias(const MatchAliases *al, const MatchValue *v)
{
	if (v->alias == 0)
	{
		int			i = alias_find(al, v->bytes, v->nbytes);
		int			n = 0;

		if (i >= 0)
			while (i + n < al->n &&
				   alias_cmp(al->entries[i + n].name, al->entries[i + n].len, v->bytes, v->nbytes) == 0)
				n++;
		/* a memo only, the value itself is unchanged; -2: too many entries to memo */
		unconstify(MatchValue *, v)->alias = i < 0 ? -1 : n > 255 ? -2 : ((i + 1) << 8) | n;
	}
	return v->alias;
}

/* match_names_alias() of two values of the store, by their memo. */
bool
match_values_alias(const MatchAliases *al, const MatchValue *a, const MatchValue *b)
{
	int32		xa,
				xb;

	/* too many entries for the memo's 23 bits (or none): look up each time */
	if (al == NULL || al->n == 0 || al->n >= (1 << 23) - 1)
		return match_names_alias(al, a->bytes, a->nbytes, b->bytes, b->nbytes);
	xa = value_alias(al, a);
	if (xa == -1)
		return false;
	xb = value_alias(al, b);
	if (xb == -1)
		return false;
	if (xa == -2 || xb == -2)
		return match_names_alias(al, a->bytes, a->nbytes, b->bytes, b->nbytes);
	for (int x = (xa >> 8) - 1, xe = x + (xa & 255); x < xe; x++)
		for (int y = (xb >> 8) - 1, ye = y + (xb & 255); y < ye; y++)
			if (al->entries[x].group == al->entries[y].group)
				return true;
	return false;
}

/* Do two (normalised) names share a nickname group of ci.name_alias? */
bool
match_names_alias(const MatchAliases *al, const char *a, int alen, const char *b, int blen)
{
	return match_names_nickname(al, a, alen, b, blen, 0) == MATCH_NICKNAME;
}

/*
 * A nickname with a slip between two values of the store (see
 * match_names_nickname), the known name found by its memo: one of the two
 * is in ci.name_alias, the other is not and is at least near alike to a
 * name of the known one's groups.
 */
bool
match_values_alias_slip(const MatchAliases *al, const MatchValue *a, const MatchValue *b, double near)
{
	int32		xa,
				xb;
	const MatchValue *known,
			   *other;
	int32		x;

	if (al == NULL || al->n == 0 || al->n >= (1 << 23) - 1)
		return match_names_nickname(al, a->bytes, a->nbytes, b->bytes, b->nbytes, near) == MATCH_NICKNAME_SLIP;
	xa = value_alias(al, a);
	xb = value_alias(al, b);
	if ((xa == -1) == (xb == -1))
		return false;			/* both known (two names) or neither */
	known = xa == -1 ? b : a;
	other = xa == -1 ? a : b;
	x = xa == -1 ? xb : xa;
	return alias_near(al, other->bytes, other->nbytes,
					  x == -2 ? alias_find(al, known->bytes, known->nbytes) : (x >> 8) - 1,
					  known->bytes, known->nbytes, near);
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
 * Is comparison c's similarity of two different values surely worse than
 * each of its thresholds, by their character signatures alone?  Then *s
 * gets a value that is (the bound), and the level follows from it as from
 * the kernel's answer, without reading the strings: most compared values
 * of a block (household members' given names, given against family name
 * crosswise, other people's e-mails) are nothing alike.
 */
static inline bool
surely_below(const MatchComparison *c, const MatchValue *a, const MatchValue *b, double *s)
{
	if (!(a->chars & b->chars & MATCH_SIG_VALID))
		return false;			/* not both ASCII */
	switch (c->sim)
	{
		case MATCH_SIM_JARO_WINKLER:
		case MATCH_SIM_GIVEN_NAME:
		case MATCH_SIM_JARO:
			{
				double		thr = c->has_close ? c->close : c->loose;

				if (c->has_close && c->has_loose)
					thr = Min(c->close, c->loose);
				*s = match_jaro_winkler_upper(a->chars, a->nchars, b->chars, b->nchars,
											  c->sim == MATCH_SIM_JARO ? 0.0 : MATCH_JW_PREFIX_SCALE,
											  MATCH_JW_BOOST_THRESHOLD);
				return *s < thr - MATCH_SIG_MARGIN;
			}
		case MATCH_SIM_LEVENSHTEIN:
		case MATCH_SIM_DAMERAU:
			{
				double		thr = c->has_close ? c->close : c->loose;

				if (c->has_close && c->has_loose)
					thr = Max(c->close, c->loose);
				*s = match_edit_distance_lower(a->chars, a->nchars, b->chars, b->nchars);
				return *s > thr;
			}
		default:
			return false;
	}
}

/*
 * Level of comparison c for two values (NULL pointers: missing).  When
 * similarity is not NULL it receives the similarity or distance computed
 * (NaN when none was: missing, equal, or an exact comparison).
 */
static inline int
compare_values(const MatchComparison *c, const MatchValue *a,
			   const MatchValue *b, double *similarity, bool distinct)
{
	double		s;

	if (similarity)
		*similarity = NAN;
	if (a == NULL || b == NULL)
		return MATCH_LEVEL_NULL;
	if (c->sim >= MATCH_SIM_GROUPED)
		return match_compare_kind(c, a, b, similarity);
	/* equal bytes have equal signatures: most different values need no memcmp */
	if (!distinct && (a == b || (a->nbytes == b->nbytes &&
								 (!(a->chars & b->chars & MATCH_SIG_VALID) || a->chars == b->chars) &&
								 memcmp(a->bytes, b->bytes, a->nbytes) == 0)))
		return MATCH_LEVEL_EXACT;
	if (c->sim == MATCH_SIM_EXACT || (!c->has_close && !c->has_loose))
		return MATCH_LEVEL_ELSE;
	if (similarity == NULL && surely_below(c, a, b, &s))
		;						/* s is below every threshold: the same level */
	else
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
		if ((!c->has_close || s < c->close) &&
			match_values_alias(c->aliases, a, b))
			return c->has_close ? MATCH_LEVEL_CLOSE : MATCH_LEVEL_LOOSE;
		if (c->has_close && c->has_loose && s < c->loose &&
			match_values_alias_slip(c->aliases, a, b, c->close))
			return MATCH_LEVEL_LOOSE;
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

int
match_compare_values(const MatchComparison *c, const MatchValue *a,
					 const MatchValue *b, double *similarity)
{
	return compare_values(c, a, b, similarity, false);
}

/*
 * match_compare_values() of two different values of one dictionary: they
 * are interned, so their bytes differ and need no comparing.
 */
int
match_compare_distinct(const MatchComparison *c, const MatchValue *a,
					   const MatchValue *b, double *similarity)
{
	return compare_values(c, a, b, similarity, true);
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
			level = va == vb ? match_compare_values(c, &d->values[va], &d->values[vb], NULL)
				: match_compare_distinct(c, &d->values[va], &d->values[vb], NULL);
		pattern += pow5[k] * (uint64) level;
	}
	return pattern;
}

static inline void
prefetch_values(const MatchStore *st, int col, uint32 va, uint32 vb, bool bytes)
{
	const MatchDict *d = &st->dicts[col];

	if (va == 0 || vb == 0 || va == vb)
		return;
	if (bytes)
	{
		__builtin_prefetch(d->values[va].bytes);
		__builtin_prefetch(d->values[vb].bytes);
	}
	else
	{
		__builtin_prefetch(&d->values[va]);
		__builtin_prefetch(&d->values[vb]);
	}
}

/*
 * Ask for what match_pattern(st, a, b) will read (the rows must be there
 * already): the two records' values of each comparison that differ, or
 * with bytes, the bytes of those values (whose MatchValue was asked for
 * before).  Nothing is computed; a hint to the memory system only.
 */
void
match_pattern_prefetch(MatchStore *st, uint32 a, uint32 b, bool bytes)
{
	const MatchModel *model = st->model;

	for (int k = 0; k < model->ncomparisons; k++)
	{
		const MatchComparison *c = &model->comp[k];
		uint32		va = MATCH_VAL(st, a, c->column);
		uint32		vb = MATCH_VAL(st, b, c->column);

		if (va == vb && va != 0)
			continue;			/* exact: nothing more is read */
		if (c->sim == MATCH_SIM_GROUPED)
		{
			/* the parts are compared, not the joint value */
			for (int i = 0; i < c->nparts; i++)
				prefetch_values(st, c->part[i], MATCH_VAL(st, a, c->part[i]),
								MATCH_VAL(st, b, c->part[i]), bytes);
			continue;
		}
		if (va == 0 || vb == 0)
			continue;
		prefetch_values(st, c->column, va, vb, bytes);
		/* the swap partner, compared crosswise when the values disagree */
		if (c->nparts > 0)
			prefetch_values(st, c->part[0], MATCH_VAL(st, a, c->part[0]),
							MATCH_VAL(st, b, c->part[0]), bytes);
	}
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
 * Ask for what match_pair_weight(st, a, b, pattern) will read, in three
 * steps a few pairs apart (scoring reads the pairs in the order blocking
 * found them, so each pair's records are anywhere in the store): 0 the two
 * rows, 1 the values of the term-frequency-adjusted exact agreements and of
 * the comparisons the household cap's swap test may read, 2 those values'
 * bytes.  A hint to the memory system only.
 */
void
match_weight_prefetch(MatchStore *st, uint32 a, uint32 b, uint64 pattern, int step)
{
	const MatchModel *model = st->model;
	bool		swap_test = false;

	if (step == 0)
	{
		__builtin_prefetch(&MATCH_VAL(st, a, 0));
		__builtin_prefetch(&MATCH_VAL(st, a, model->ncolumns - 1));
		__builtin_prefetch(&MATCH_VAL(st, b, 0));
		__builtin_prefetch(&MATCH_VAL(st, b, model->ncolumns - 1));
		return;
	}
	for (int k = 0; k < model->ncomparisons; k++)
	{
		const MatchComparison *c = &model->comp[k];
		int			level = (int) (pattern % 5);

		pattern /= 5;
		if (level == MATCH_LEVEL_EXACT && c->tf_adjust)
		{
			const MatchValue *v = &st->dicts[c->column].values[MATCH_VAL(st, a, c->column)];

			if (step == 1)
				__builtin_prefetch(v);
		}
		if (level == MATCH_LEVEL_ELSE && c->role == MATCH_ROLE_PERSONAL)
			swap_test = true;
	}
	if (!swap_test || isnan(model->household_cap) || !model->households)
		return;
	/* the swap test compares the name-like fields with a role crosswise */
	for (int k = 0; k < model->ncomparisons; k++)
	{
		const MatchComparison *c = &model->comp[k];
		const MatchDict *d = &st->dicts[c->column];
		uint32		va,
					vb;

		if (c->role == MATCH_ROLE_NONE || c->sim == MATCH_SIM_BIRTHDATE || c->sim >= MATCH_SIM_GROUPED)
			continue;
		va = MATCH_VAL(st, a, c->column);
		vb = MATCH_VAL(st, b, c->column);
		if (va == 0 || vb == 0)
			continue;
		if (step == 1)
		{
			__builtin_prefetch(&d->values[va]);
			__builtin_prefetch(&d->values[vb]);
		}
		else
		{
			__builtin_prefetch(d->values[va].bytes);
			__builtin_prefetch(d->values[vb].bytes);
		}
	}
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
