/*
 * similarity_kernels.h — the string similarity algorithms, written once over
 * a character type and compiled twice by similarity.c:
 *
 *   SIM_CHAR = unsigned char   SIM_FN(x) = x##_bytes   one byte per character
 *   SIM_CHAR = pg_wchar        SIM_FN(x) = x##_wchar   decoded code points
 *
 * so the fast single-byte path and the generic path cannot drift apart.
 * No include guard: this file is a template, included once per character
 * type with SIM_CHAR and SIM_FN defined.
 *
 * Scratch memory lives on the stack up to MATCH_STACK_CHARS characters and
 * is palloc'd (and freed) beyond.  Outer loops call CHECK_FOR_INTERRUPTS.
 *
 * When b has at most 64 characters, Jaro and Levenshtein run bit-parallel
 * (b's positions as the bits of one word); they compute exactly what the
 * general code computes, and sql/similarity.sql checks every path against
 * the others and against independent implementations.  SIM_WIDE is defined
 * for the pg_wchar instance: characters may then be >= 256.
 */
#if !defined(SIM_CHAR) || !defined(SIM_FN)
#error "define SIM_CHAR and SIM_FN before including similarity_kernels.h"
#endif

/* Build the position masks of b (blen <= 64); see SimMasks. */
static inline void
SIM_FN(sim_masks_build) (SimMasks *pm, const SIM_CHAR *a, int alen,
						 const SIM_CHAR *b, int blen)
{
	int			i;

	pm->nwide = 0;
	for (i = 0; i < alen; i++)
	{
#ifdef SIM_WIDE
		if (a[i] >= 256)
			continue;
#endif
		pm->low[a[i]] = 0;
	}
	for (i = 0; i < blen; i++)
	{
#ifdef SIM_WIDE
		if (b[i] >= 256)
			continue;
#endif
		pm->low[b[i]] = 0;
	}
	for (i = 0; i < blen; i++)
	{
		uint64		bit = UINT64CONST(1) << i;

#ifdef SIM_WIDE
		if (b[i] >= 256)
		{
			int			k;

			for (k = 0; k < pm->nwide && pm->wide_char[k] != b[i]; k++)
				;
			if (k == pm->nwide)
			{
				pm->wide_char[k] = b[i];
				pm->wide_mask[k] = 0;
				pm->nwide++;
			}
			pm->wide_mask[k] |= bit;
			continue;
		}
#endif
		pm->low[b[i]] |= bit;
	}
}

static inline uint64
SIM_FN(sim_masks_get) (const SimMasks *pm, SIM_CHAR c)
{
#ifdef SIM_WIDE
	if (c >= 256)
	{
		int			k;

		for (k = 0; k < pm->nwide; k++)
			if (pm->wide_char[k] == c)
				return pm->wide_mask[k];
		return 0;
	}
#endif
	return pm->low[c];
}

/*
 * Jaro with b's match flags as one word: a[i] takes the lowest position of
 * an equal, unmatched character of b within [i - window, i + window] —
 * exactly the greedy first match of sim_jaro.  1 <= blen <= 64, alen >= 1.
 */
static double
SIM_FN(sim_jaro_bitpar) (const SIM_CHAR *a, int alen, const SIM_CHAR *b, int blen,
						 int window)
{
	SimMasks	pm;
	SIM_CHAR	amatch[64];
	uint64		matched = 0;
	uint64		bits;
	int			imax = Min(alen, blen + window);
	int			m = 0;
	int			t = 0;
	int			i;

	Assert(window >= 0 && window <= CI_MAX_COMPARE_CHARS);
	Assert(alen >= 1 && alen <= CI_MAX_COMPARE_CHARS && blen >= 1 && blen <= 64);
	SIM_FN(sim_masks_build) (&pm, a, alen, b, blen);
	for (i = 0; i < imax; i++)
	{
		uint64		cand = SIM_FN(sim_masks_get) (&pm, a[i]) & ~matched;
		int			lo = i - window;
		int			hi = i + window;

		if (cand == 0)
			continue;
		/* the window as bits lo..hi; lo < blen <= 64 since i < blen + window */
		if (hi < 63)
			cand &= (UINT64CONST(1) << (hi + 1)) - 1;
		if (lo > 0)
			cand &= ~((UINT64CONST(1) << lo) - 1);
		if (cand)
		{
			matched |= cand & (~cand + 1);
			amatch[m++] = a[i];
		}
	}
	if (m == 0)
		return 0.0;
	/* one bit of matched per matched character of a: i < m */
	for (bits = matched, i = 0; bits; bits &= bits - 1, i++)
	{
		Assert(i < m);
		if (b[pg_rightmost_one_pos64(bits)] != amatch[i])
			t++;
	}
	t /= 2;
	return ((double) m / alen + (double) m / blen + (double) (m - t) / m) / 3.0;
}

/*
 * Levenshtein distance by Hyyrö's bit-vector formulation of Myers'
 * algorithm: a column of the DP matrix is held as vertical +1/-1 deltas
 * (vp, vn) over b's positions, and each character of a updates the whole
 * column with a handful of word operations; dist follows the last row.
 * 1 <= blen <= 64.
 */
static int
SIM_FN(sim_levenshtein_bitpar) (const SIM_CHAR *a, int alen, const SIM_CHAR *b, int blen)
{
	SimMasks	pm;
	uint64		vp = ~UINT64CONST(0);
	uint64		vn = 0;
	uint64		last = UINT64CONST(1) << (blen - 1);
	int			dist = blen;
	int			i;

	SIM_FN(sim_masks_build) (&pm, a, alen, b, blen);
	for (i = 0; i < alen; i++)
	{
		uint64		x = SIM_FN(sim_masks_get) (&pm, a[i]);
		uint64		d0 = (((x & vp) + vp) ^ vp) | x | vn;
		uint64		hp = vn | ~(d0 | vp);
		uint64		hn = d0 & vp;

		if (hp & last)
			dist++;
		if (hn & last)
			dist--;
		hp = (hp << 1) | 1;		/* row 0 grows by one per column */
		hn <<= 1;
		vp = hn | ~(d0 | hp);
		vn = hp & d0;
	}
	return dist;
}

/*
 * Jaro similarity.  Scans a left to right; each a[i] matches the first
 * not-yet-matched equal character of b within the window
 * [i - w, i + w], w = max(alen, blen) / 2 - 1 (at least 0).  The matched
 * characters of a (in a's order) and of b (in b's order) are then compared
 * position by position; t is half the number of positions that differ.
 */
static double
SIM_FN(sim_jaro) (const SIM_CHAR *a, int alen, const SIM_CHAR *b, int blen)
{
	bool		bflag_stack[MATCH_STACK_CHARS];
	SIM_CHAR	amatch_stack[MATCH_STACK_CHARS];
	bool	   *bflag;
	SIM_CHAR   *amatch;
	int			window;
	int			m = 0;
	int			t = 0;
	int			i,
				j,
				k;
	double		result;

	if (alen == 0 || blen == 0)
		return (alen == 0 && blen == 0) ? 1.0 : 0.0;
	if (alen == blen && memcmp(a, b, alen * sizeof(SIM_CHAR)) == 0)
		return 1.0;

	window = Max(alen, blen) / 2 - 1;
	if (window < 0)
		window = 0;

	/* the same greedy matching with b's positions as bits of one word */
	if (blen <= 64)
		return SIM_FN(sim_jaro_bitpar) (a, alen, b, blen, window);

	if (blen <= MATCH_STACK_CHARS)
	{
		bflag = bflag_stack;
		memset(bflag, 0, blen * sizeof(bool));
	}
	else
		bflag = (bool *) palloc0(blen * sizeof(bool));
	/* at most min(alen, blen) characters of a are matched */
	if (Min(alen, blen) <= MATCH_STACK_CHARS)
		amatch = amatch_stack;
	else
		amatch = (SIM_CHAR *) palloc(Min(alen, blen) * sizeof(SIM_CHAR));

	for (i = 0; i < alen; i++)
	{
		SIM_CHAR	c = a[i];
		int			lo = Max(0, i - window);
		int			hi = Min(blen - 1, i + window);

		for (j = lo; j <= hi; j++)
		{
			if (b[j] == c && !bflag[j])
			{
				bflag[j] = true;
				amatch[m++] = c;
				break;
			}
		}
		if (window > MATCH_STACK_CHARS)
			CHECK_FOR_INTERRUPTS();
	}

	if (m == 0)
		result = 0.0;
	else
	{
		for (j = 0, k = 0; j < blen; j++)
		{
			if (bflag[j])
			{
				Assert(k < m);	/* one flag per match */
				if (b[j] != amatch[k])
					t++;
				k++;
			}
		}
		t /= 2;
		result = ((double) m / alen + (double) m / blen +
				  (double) (m - t) / m) / 3.0;
	}

	if (bflag != bflag_stack)
		pfree(bflag);
	if (amatch != amatch_stack)
		pfree(amatch);
	return result;
}

/*
 * Jaro-Winkler: the Jaro value, raised towards 1 by l * prefix_scale of the
 * remaining gap when it exceeds boost_threshold, l = common prefix length
 * capped at 4.
 */
static double
SIM_FN(sim_jaro_winkler) (const SIM_CHAR *a, int alen, const SIM_CHAR *b, int blen,
						  double prefix_scale, double boost_threshold)
{
	double		jaro = SIM_FN(sim_jaro) (a, alen, b, blen);

	if (jaro > boost_threshold)
	{
		int			lim = Min(Min(alen, blen), MATCH_JW_MAX_PREFIX);
		int			l = 0;

		while (l < lim && a[l] == b[l])
			l++;
		jaro += l * prefix_scale * (1.0 - jaro);
	}
	return jaro;
}

/*
 * Levenshtein distance with one row of the DP matrix, over the shorter
 * string after stripping the common prefix and suffix (which never changes
 * the distance).
 *
 * Bounded form (max_d >= 0): every cell is clamped at K = max_d + 1 and
 * only cells with |i - j| <= max_d are computed (the others are >= K
 * anyway); clamping commutes with the min/+1 recurrence, so each computed
 * cell equals min(true value, K).  Any alignment path crosses every row, so
 * once a whole row is >= K the answer is K: stop there.
 */
static int
SIM_FN(sim_levenshtein) (const SIM_CHAR *a, int alen, const SIM_CHAR *b, int blen,
						 int max_d)
{
	int			row_stack[MATCH_STACK_CHARS + 1];
	int		   *row;
	int			i,
				j;
	int			K;
	int			result;

	/* strip common prefix and suffix */
	while (alen > 0 && blen > 0 && *a == *b)
		a++, b++, alen--, blen--;
	while (alen > 0 && blen > 0 && a[alen - 1] == b[blen - 1])
		alen--, blen--;

	/* let b be the shorter: the row has blen + 1 cells */
	if (blen > alen)
	{
		const SIM_CHAR *ts = a;
		int			tl = alen;

		a = b, alen = blen;
		b = ts, blen = tl;
	}

	/* the distance is at most alen and at least alen - blen */
	if (max_d >= alen)
		max_d = -1;				/* the bound cannot bite */
	if (max_d >= 0 && alen - blen > max_d)
		return max_d + 1;
	if (blen == 0)
		return alen;

	/* short b: the exact distance bit-parallel in O(alen), then the bound */
	if (blen <= 64)
	{
		result = SIM_FN(sim_levenshtein_bitpar) (a, alen, b, blen);
		return (max_d >= 0 && result > max_d) ? max_d + 1 : result;
	}

	row = (blen <= MATCH_STACK_CHARS) ? row_stack
		: (int *) palloc((blen + 1) * sizeof(int));

	if (max_d < 0)
	{
		for (j = 0; j <= blen; j++)
			row[j] = j;
		for (i = 1; i <= alen; i++)
		{
			SIM_CHAR	ca = a[i - 1];
			int			diag = row[0];
			int			left = i;

			row[0] = i;
			for (j = 1; j <= blen; j++)
			{
				int			up = row[j];
				int			v = diag + (ca != b[j - 1]);

				if (up + 1 < v)
					v = up + 1;
				if (left + 1 < v)
					v = left + 1;
				row[j] = left = v;
				diag = up;
			}
			if (blen > MATCH_STACK_CHARS)
				CHECK_FOR_INTERRUPTS();
		}
		result = row[blen];
	}
	else
	{
		K = max_d + 1;
		for (j = 0; j <= blen; j++)
			row[j] = Min(j, K);
		result = -1;
		for (i = 1; i <= alen; i++)
		{
			SIM_CHAR	ca = a[i - 1];
			int			lo = Max(1, i - max_d);
			int			hi = Min(blen, i + max_d);
			int			diag = row[lo - 1];
			int			left;
			int			rowmin;

			/* column lo - 1 of row i: the border, or outside the band */
			left = (lo == 1) ? Min(i, K) : K;
			row[lo - 1] = left;
			rowmin = left;
			for (j = lo; j <= hi; j++)
			{
				int			up = row[j];
				int			v = diag + (ca != b[j - 1]);

				if (up + 1 < v)
					v = up + 1;
				if (left + 1 < v)
					v = left + 1;
				if (v > K)
					v = K;
				row[j] = left = v;
				diag = up;
				if (v < rowmin)
					rowmin = v;
			}
			if (rowmin >= K)
			{
				result = K;
				break;
			}
			if (blen > MATCH_STACK_CHARS)
				CHECK_FOR_INTERRUPTS();
		}
		if (result < 0)
			result = row[blen];
	}

	if (row != row_stack)
		pfree(row);
	return result;
}

/*
 * Optimal string alignment distance (restricted Damerau-Levenshtein): the
 * Levenshtein recurrence plus D(i-2, j-2) + 1 when the last two characters
 * are an adjacent transposition.  Three rows; the same prefix/suffix
 * stripping, band and clamping as sim_levenshtein.  A path may skip row i
 * only by a transposition from row i-1, so the answer is at least
 * min(min row i, min row i-1 + 1): stop when that reaches K.
 */
static int
SIM_FN(sim_damerau_osa) (const SIM_CHAR *a, int alen, const SIM_CHAR *b, int blen,
						 int max_d)
{
	int			rows_stack[3 * (MATCH_STACK_CHARS + 1)];
	int		   *rows;
	int		   *prev2,
			   *prev,
			   *cur;
	int			i,
				j;
	int			K;
	int			prevmin;
	int			result = -1;

	while (alen > 0 && blen > 0 && *a == *b)
		a++, b++, alen--, blen--;
	while (alen > 0 && blen > 0 && a[alen - 1] == b[blen - 1])
		alen--, blen--;

	if (blen > alen)
	{
		const SIM_CHAR *ts = a;
		int			tl = alen;

		a = b, alen = blen;
		b = ts, blen = tl;
	}

	if (max_d >= alen)
		max_d = -1;
	if (max_d >= 0 && alen - blen > max_d)
		return max_d + 1;
	if (blen == 0)
		return alen;

	/*
	 * At most one edit (e-mails and phones that differ): the ends differ
	 * after stripping what they share, so only swapping two adjacent
	 * characters of two-character remainders is one edit; anything else is
	 * at least two.  No table needed.
	 */
	if (max_d == 1)
		return (alen == 2 && blen == 2 && a[0] == b[1] && a[1] == b[0]) ? 1 : 2;

	/* unbounded: K above any possible distance, no band */
	K = (max_d < 0) ? alen + 1 : max_d + 1;
	if (max_d < 0)
		max_d = alen;

	rows = (blen <= MATCH_STACK_CHARS) ? rows_stack
		: (int *) palloc(3 * (blen + 1) * sizeof(int));
	prev2 = rows;
	prev = rows + (blen + 1);
	cur = rows + 2 * (blen + 1);
	for (j = 0; j <= blen; j++)
		prev[j] = prev2[j] = cur[j] = Min(j, K);
	prevmin = 0;

	for (i = 1; i <= alen; i++)
	{
		SIM_CHAR	ca = a[i - 1];
		SIM_CHAR	ca_prev = (i > 1) ? a[i - 2] : 0;
		int			lo = Max(1, i - max_d);
		int			hi = Min(blen, i + max_d);
		int			rowmin;
		int		   *tmp;

		cur[0] = Min(i, K);
		if (lo > 1)
			cur[lo - 1] = K;
		rowmin = cur[lo - 1];
		for (j = lo; j <= hi; j++)
		{
			SIM_CHAR	cb = b[j - 1];
			int			v = prev[j - 1] + (ca != cb);

			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && ca == b[j - 2] && ca_prev == cb &&
				prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			if (v > K)
				v = K;
			cur[j] = v;
			if (v < rowmin)
				rowmin = v;
		}
		if (rowmin >= K && prevmin + 1 >= K)
		{
			result = K;
			break;
		}
		prevmin = rowmin;
		tmp = prev2;
		prev2 = prev;
		prev = cur;
		cur = tmp;
		if (blen > MATCH_STACK_CHARS)
			CHECK_FOR_INTERRUPTS();
	}
	if (result < 0)
		result = prev[blen];

	if (rows != rows_stack)
		pfree(rows);
	return result;
}

/*
 * Token-set similarity, for multi-part names.  Both strings are split into
 * tokens at separators (match_is_token_separator: whitespace and hyphens);
 * empty tokens are dropped and repeated tokens counted once.  With n tokens
 * in the smaller set and m in the larger,
 *
 *   M  = the largest sum of Jaro-Winkler similarities (default options)
 *        over one-to-one pairings of the n tokens with n of the m tokens
 *        (an optimal assignment, so the value does not depend on order)
 *   TS = M / (n + MATCH_TOKEN_UNMATCHED_WEIGHT * (m - n))
 *
 * so a token subset scores high but below 1 (each unpaired token of the
 * larger set costs a tenth of a paired one); no tokens on either side
 * gives 1, on exactly one side 0.
 */
static int
SIM_FN(sim_tokenize) (const SIM_CHAR *s, int len, MatchToken *tok, int maxtok,
					  bool *overflow)
{
	int			n = 0;
	int			i = 0;
#ifdef SIM_WIDE
	bool		unicode = (GetDatabaseEncoding() == PG_UTF8);
#else
	bool		unicode = false;	/* bytes: ASCII, or not code points */
#endif

	*overflow = false;
	while (i < len)
	{
		int			start,
					k;

		while (i < len && match_is_token_separator(s[i], unicode))
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && !match_is_token_separator(s[i], unicode))
			i++;
		/* a repeated token is counted once */
		for (k = 0; k < n; k++)
			if (tok[k].len == i - start &&
				memcmp(s + tok[k].start, s + start, (i - start) * sizeof(SIM_CHAR)) == 0)
				break;
		if (k < n)
			continue;
		if (n == maxtok)
		{
			*overflow = true;
			break;
		}
		tok[n].start = start;
		tok[n].len = i - start;
		n++;
	}
	return n;
}

/* Order of two strings: by characters, then the shorter first. */
static int
SIM_FN(sim_compare) (const SIM_CHAR *a, int alen, const SIM_CHAR *b, int blen)
{
	int			n = Min(alen, blen);
	int			i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return (alen > blen) - (alen < blen);
}

static double
SIM_FN(sim_token_set) (const SIM_CHAR *a, int alen, const SIM_CHAR *b, int blen)
{
	MatchToken	atok_stack[MATCH_STACK_TOKENS],
				btok_stack[MATCH_STACK_TOKENS];
	double		score_stack[MATCH_STACK_TOKENS * MATCH_STACK_TOKENS];
	MatchToken *atok = atok_stack,
			   *btok = btok_stack;
	double	   *score;
	int			na,
				nb,
				n,
				m,
				i,
				j;
	bool		overflow;
	double		result;

	na = SIM_FN(sim_tokenize) (a, alen, atok, MATCH_STACK_TOKENS, &overflow);
	if (overflow)
	{
		atok = (MatchToken *) palloc(MATCH_MAX_TOKENS * sizeof(MatchToken));
		na = SIM_FN(sim_tokenize) (a, alen, atok, MATCH_MAX_TOKENS, &overflow);
		if (overflow)
			match_too_many_tokens();
	}
	nb = SIM_FN(sim_tokenize) (b, blen, btok, MATCH_STACK_TOKENS, &overflow);
	if (overflow)
	{
		btok = (MatchToken *) palloc(MATCH_MAX_TOKENS * sizeof(MatchToken));
		nb = SIM_FN(sim_tokenize) (b, blen, btok, MATCH_MAX_TOKENS, &overflow);
		if (overflow)
			match_too_many_tokens();
	}

	if (na == 0 || nb == 0)
		result = (na == 0 && nb == 0) ? 1.0 : 0.0;
	else
	{
		/*
		 * Rows: the smaller token set.  With as many tokens on both sides,
		 * the string that sorts first (code points, then length): the
		 * assignment and the order in which its scores are summed then do
		 * not depend on the order of the arguments, so the result is
		 * symmetric to the last bit, not only up to rounding.
		 */
		bool		swap = na > nb ||
			(na == nb && SIM_FN(sim_compare) (a, alen, b, blen) > 0);
		const SIM_CHAR *rs = swap ? b : a,
				   *cs = swap ? a : b;
		MatchToken *rt = swap ? btok : atok,
				   *ct = swap ? atok : btok;

		n = Min(na, nb);
		m = Max(na, nb);
		score = (n * m <= MATCH_STACK_TOKENS * MATCH_STACK_TOKENS) ? score_stack
			: (double *) palloc(n * m * sizeof(double));
		for (i = 0; i < n; i++)
		{
			for (j = 0; j < m; j++)
				score[i * m + j] =
					SIM_FN(sim_jaro_winkler) (rs + rt[i].start, rt[i].len,
											  cs + ct[j].start, ct[j].len,
											  MATCH_JW_PREFIX_SCALE,
											  MATCH_JW_BOOST_THRESHOLD);
			CHECK_FOR_INTERRUPTS();
		}
		result = match_best_assignment(score, n, m) /
			(n + MATCH_TOKEN_UNMATCHED_WEIGHT * (m - n));
		if (score != score_stack)
			pfree(score);
	}
	if (atok != atok_stack)
		pfree(atok);
	if (btok != btok_stack)
		pfree(btok);
	return result;
}
