/*
 * match_kinds.c — the comparison kinds beyond one string against another:
 * grouped fields scored as one piece of evidence, swapped name fields,
 * token sets, prefixes, numbers, years, and partial dates with their
 * placeholders.  Values are parsed once, when a dictionary first interns
 * them (match_store.c), so that comparing a pair stays a few loads and
 * integer tests.
 */
#include "match.h"

#include <math.h>

#include "mb/pg_wchar.h"
#include "similarity/similarity.h"

/*
 * A date share above which a full date is a placeholder: more than this
 * share of the records with a value, and at least MATCH_COMMON_DATE_MIN
 * records.  Birthdays spread over some 30,000 days; 0.2% of the records on
 * one day is 60 times the even share, which no real birthday reaches.
 */
#define MATCH_COMMON_DATE_SHARE	0.002
#define MATCH_COMMON_DATE_MIN	25

static int
digits(const char *s, int len, int i, int max, int *val)
{
	int			n = 0;

	*val = 0;
	while (i + n < len && n < max && s[i + n] >= '0' && s[i + n] <= '9')
	{
		*val = *val * 10 + (s[i + n] - '0');
		n++;
	}
	return n;
}

static bool
is_sep(char c)
{
	return c == '-' || c == '/' || c == '.' || c == ' ';
}

static int
days_in_month(int y, int m)
{
	static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

/*
 * Year, month and day of a date written year first (1980, 1980-05,
 * 1980-05-17, 1980/5/17, 19800517, 1980-05-17T00:00), as far as they are
 * usable: a part that is missing, zero or not digits is 0, and the parts
 * after it too.  A month or day out of range is kept as written (a
 * transposed day and month are still recognisable).  Returns 2 for a
 * whole valid date, 1 for a usable partial or impossible one, 0 when not
 * even a year can be read.
 */
int
match_parse_date_parts(const char *s, int len, int *y, int *m, int *d)
{
	int			i = 0,
				n;

	*y = *m = *d = 0;
	while (i < len && s[i] == ' ')
		i++;
	while (len > i && s[len - 1] == ' ')
		len--;
	n = digits(s, len, i, 4, y);
	if (n != 4 || *y == 0)
		return 0;
	i += 4;
	if (i < len && s[i] >= '0' && s[i] <= '9')
	{
		/* 198005 or 19800517 */
		if (digits(s, len, i, 2, m) == 2)
		{
			i += 2;
			if (digits(s, len, i, 2, d) == 2)
				i += 2;
			else
				*d = 0;
		}
		if (i < len && s[i] != 'T' && s[i] != ' ')
		{
			*m = *d = 0;		/* more digits: not a date we can read */
			return 0;
		}
	}
	else if (i < len && is_sep(s[i]))
	{
		n = digits(s, len, i + 1, 2, m);
		if (n > 0 && (i + 1 + n == len || is_sep(s[i + 1 + n]) || s[i + 1 + n] == 'T'))
		{
			i += 1 + n;
			if (i < len && is_sep(s[i]))
			{
				n = digits(s, len, i + 1, 2, d);
				if (n == 0 || !(i + 1 + n == len || s[i + 1 + n] == 'T' || s[i + 1 + n] == ' '))
					*d = 0;
			}
		}
		else
			*m = 0;
	}
	else if (i < len)
		return 0;				/* 1980x: not a date */
	if (*m == 0)
		*d = 0;
	if (*m >= 1 && *m <= 12 && *d >= 1 && *d <= days_in_month(*y, *m))
		return 2;
	return 1;
}

/* Parse a newly interned value as its column reads it. */
void
match_value_parse(MatchValue *v, MatchParse parse)
{
	v->flags |= MATCH_VALUE_PARSED;
	if (parse == MATCH_PARSE_DATE_PARTS)
	{
		int			y,
					m,
					d;
		int			r = match_parse_date_parts(v->bytes, v->nbytes, &y, &m, &d);

		/* no year; the usual "unknown" markers 0001-01-01, 1900-01-01, 9999-12-31 */
		if (r == 0 || y <= 1 || y >= 9999 || (y == 1900 && m <= 1 && d <= 1))
		{
			v->flags |= MATCH_VALUE_MISSING;
			return;
		}
		/* 1 January stands for an unknown day of the year: keep the year */
		if (m == 1 && d == 1)
			m = d = 0, r = 1;
		if (r != 2)
			v->flags |= MATCH_VALUE_PARTIAL;
		v->date = y * 10000 + m * 100 + d;
		v->num = y;
	}
	else if (parse == MATCH_PARSE_NUMBER)
	{
		char		buf[64];
		char	   *end;
		int			len = v->nbytes;
		const char *s = v->bytes;

		while (len > 0 && *s == ' ')
			s++, len--;
		while (len > 0 && s[len - 1] == ' ')
			len--;
		if (len == 0 || len >= (int) sizeof(buf))
		{
			v->flags |= MATCH_VALUE_MISSING;
			return;
		}
		memcpy(buf, s, len);
		buf[len] = '\0';
		errno = 0;
		v->num = strtod(buf, &end);
		if (end != buf + len || errno != 0 || isnan(v->num) || isinf(v->num))
			v->flags |= MATCH_VALUE_MISSING;
	}
}

typedef struct Tok
{
	const char *s;
	int			len;
} Tok;

static int
tok_cmp(const void *x, const void *y)
{
	const Tok  *a = x;
	const Tok  *b = y;
	int			r = memcmp(a->s, b->s, Min(a->len, b->len));

	return r != 0 ? r : (a->len > b->len) - (a->len < b->len);
}

/*
 * The distinct tokens of s (split at ASCII white space and '-'), sorted
 * bytewise and joined by one space, in *out (palloc'd).  Returns the
 * length, 0 when s has no token.  Order, repetition and spacing of the
 * tokens no longer matter: "smith john" and "john  smith" are one value.
 */
int
match_tokens_sorted(const char *s, int len, char **out)
{
	Tok		   *t = palloc(sizeof(Tok) * (len / 2 + 1));
	int			n = 0,
				i = 0,
				o = 0;
	char	   *r;

	while (i < len)
	{
		int			j;

		while (i < len && (s[i] == ' ' || s[i] == '-' || (s[i] >= '\t' && s[i] <= '\r')))
			i++;
		j = i;
		while (j < len && !(s[j] == ' ' || s[j] == '-' || (s[j] >= '\t' && s[j] <= '\r')))
			j++;
		if (j > i)
		{
			t[n].s = s + i;
			t[n].len = j - i;
			n++;
		}
		i = j;
	}
	if (n > 1)
		qsort(t, n, sizeof(Tok), tok_cmp);
	r = palloc(len + 1);
	for (int k = 0; k < n; k++)
	{
		if (k > 0 && tok_cmp(&t[k], &t[k - 1]) == 0)
			continue;
		if (o > 0)
			r[o++] = ' ';
		memcpy(r + o, t[k].s, t[k].len);
		o += t[k].len;
	}
	r[o] = '\0';
	pfree(t);
	*out = r;
	return o;
}

/*
 * After a load of the whole relation: a full date that an unusually large
 * share of the records carries (a default of a form, 1970-01-01, the day
 * a system went live) is a placeholder, not a birthday.
 */
void
match_flag_common_dates(MatchStore *st)
{
	MatchModel *model = st->model;

	for (int k = 0; k < model->ncomparisons; k++)
	{
		MatchDict  *d = &st->dicts[model->comp[k].column];
		double		limit;

		if (model->comp[k].sim != MATCH_SIM_DATE)
			continue;
		limit = Max((double) MATCH_COMMON_DATE_MIN, MATCH_COMMON_DATE_SHARE * (double) d->nonnull);
		for (uint32 id = 1; id < d->nvalues; id++)
		{
			MatchValue *v = &d->values[id];

			if ((v->flags & MATCH_VALUE_MISSING) || v->date % 100 == 0)
				continue;		/* only dates with a day */
			if ((double) v->count > limit)
				v->flags |= MATCH_VALUE_MISSING | MATCH_VALUE_COMMON;
		}
	}
}

/*
 * After a load of some records (ci.resolve_record, ci.explain_match), which
 * cannot count how common a date is: the placeholders the last training
 * found by frequency (its report's placeholder_dates) are missing too, so
 * that a record scores against its candidates as in a full run.
 */
void
match_flag_stored_placeholders(MatchStore *st)
{
	MatchModel *model = st->model;

	for (int k = 0; k < model->ncomparisons; k++)
	{
		const MatchComparison *c = &model->comp[k];
		MatchDict  *d = &st->dicts[c->column];

		if (c->nplaceholders == 0)
			continue;
		for (uint32 id = 1; id < d->nvalues; id++)
		{
			MatchValue *v = &d->values[id];

			if ((v->flags & (MATCH_VALUE_MISSING | MATCH_VALUE_PARTIAL)) || !(v->flags & MATCH_VALUE_PARSED))
				continue;
			for (int i = 0; i < c->nplaceholders; i++)
				if (v->date == c->placeholders[i])
				{
					v->flags |= MATCH_VALUE_MISSING | MATCH_VALUE_COMMON;
					break;
				}
		}
	}
}

/* Are the first k characters of a and b equal (both at least k long)? */
static bool
prefix_equal(const MatchValue *a, const MatchValue *b, int k)
{
	int			la,
				lb;

	if (a->nchars < k || b->nchars < k)
		return false;
	la = a->ascii ? k : pg_mbcharcliplen(a->bytes, a->nbytes, k);
	lb = b->ascii ? k : pg_mbcharcliplen(b->bytes, b->nbytes, k);
	return la == lb && memcmp(a->bytes, b->bytes, la) == 0;
}

static bool
same_bytes(const MatchValue *a, const MatchValue *b)
{
	return a->nbytes == b->nbytes && memcmp(a->bytes, b->bytes, a->nbytes) == 0;
}

/* Days since a fixed epoch of a valid date (the proleptic Gregorian calendar). */
static int
date_days(int y, int m, int d)
{
	/* days_from_civil: March-based years, so that leap days come last */
	int			yy = y - (m <= 2);
	int			era = (yy >= 0 ? yy : yy - 399) / 400;
	int			yoe = yy - era * 400;
	int			doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int			doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe;
}

/* Years one apart, or written with one digit different (1975 / 1957 is not). */
static bool
one_year_slip(int ya, int yb)
{
	int			diff = 0;

	if (abs(ya - yb) == 1)
		return true;
	for (; ya > 0 || yb > 0; ya /= 10, yb /= 10)
		diff += (ya % 10) != (yb % 10);
	return diff == 1;
}

static int
date_level(const MatchValue *a, const MatchValue *b)
{
	int			ya = a->date / 10000,
				ma = a->date / 100 % 100,
				da = a->date % 100;
	int			yb = b->date / 10000,
				mb = b->date / 100 % 100,
				db = b->date % 100;
	bool		whole = !(a->flags & MATCH_VALUE_PARTIAL) && !(b->flags & MATCH_VALUE_PARTIAL);

	if (whole && a->date == b->date)
		return MATCH_LEVEL_EXACT;
	/*
	 * close: the slips one person's date goes through — a wrong day (same
	 * year and month), day and month transposed, a day or two off (a
	 * time-zone shift across a month's end), a wrong year digit (same day
	 * and month, years one apart or differing in one digit)
	 */
	if (ya == yb && ma != 0 && ma == mb)
		return MATCH_LEVEL_CLOSE;
	if (ya == yb && ma != 0 && da != 0 && ma == db && da == mb)
		return MATCH_LEVEL_CLOSE;
	if (whole && abs(date_days(ya, ma, da) - date_days(yb, mb, db)) <= 2)
		return MATCH_LEVEL_CLOSE;
	if (ma != 0 && da != 0 && ma == mb && da == db && one_year_slip(ya, yb))
		return MATCH_LEVEL_CLOSE;
	/*
	 * loose: the year agrees (a partial date says no more); a year without
	 * a month is a year or so either way.  Two whole dates merely within a
	 * year of each other are else: that is as common between strangers.
	 */
	if (ya == yb)
		return MATCH_LEVEL_LOOSE;
	if ((ma == 0 || mb == 0) && abs(ya - yb) <= 1)
		return MATCH_LEVEL_LOOSE;
	return MATCH_LEVEL_ELSE;
}

/*
 * Level of two non-NULL values for the single-column kinds of this file
 * (for grouped comparisons: their joint values, exact or else).
 */
int
match_compare_kind(const MatchComparison *c, const MatchValue *a,
				   const MatchValue *b, double *similarity)
{
	bool		same = a == b || (a->nbytes == b->nbytes && memcmp(a->bytes, b->bytes, a->nbytes) == 0);
	double		diff;

	if ((a->flags | b->flags) & MATCH_VALUE_MISSING)
		return MATCH_LEVEL_NULL;
	switch (c->sim)
	{
		case MATCH_SIM_DATE:
			return date_level(a, b);
		case MATCH_SIM_PREFIX:
			if (same)
				return MATCH_LEVEL_EXACT;
			if (c->has_close && prefix_equal(a, b, (int) c->close))
				return MATCH_LEVEL_CLOSE;
			if (c->has_loose && prefix_equal(a, b, (int) c->loose))
				return MATCH_LEVEL_LOOSE;
			return MATCH_LEVEL_ELSE;
		case MATCH_SIM_NUMERIC:
		case MATCH_SIM_YEAR_DIFFERENCE:
			if (same && !((a->flags | b->flags) & MATCH_VALUE_PARTIAL))
				return MATCH_LEVEL_EXACT;
			diff = fabs(a->num - b->num);
			if (similarity)
				*similarity = diff;
			if (c->sim == MATCH_SIM_NUMERIC && diff == 0)
				return MATCH_LEVEL_EXACT;
			if (c->has_close && diff <= c->close)
				return MATCH_LEVEL_CLOSE;
			if (c->has_loose && diff <= c->loose)
				return MATCH_LEVEL_LOOSE;
			return MATCH_LEVEL_ELSE;
		case MATCH_SIM_TOKEN_SET:
			{
				double		s;

				if (same)
					return MATCH_LEVEL_EXACT;
				if (!c->has_close && !c->has_loose)
					return MATCH_LEVEL_ELSE;
				s = match_value_similarity(MATCH_SIM_TOKEN_SET, -1, a, b, c->name);
				if (similarity)
					*similarity = s;
				if (c->has_close && s >= c->close)
					return MATCH_LEVEL_CLOSE;
				if (c->has_loose && s >= c->loose)
					return MATCH_LEVEL_LOOSE;
				return MATCH_LEVEL_ELSE;
			}
		default:
			return same ? MATCH_LEVEL_EXACT : MATCH_LEVEL_ELSE;
	}
}

/*
 * Are two values of different fields the same text, letters and digits
 * compared without case (a postcode_norm is upper case without blanks, a
 * city_norm lower case)?  Only ASCII is folded: normalised keys are ASCII.
 */
static bool
same_text_folded(const MatchValue *a, const MatchValue *b)
{
	int			i = 0,
				j = 0;

	for (;;)
	{
		while (i < a->nbytes && !isalnum((unsigned char) a->bytes[i]))
			i++;
		while (j < b->nbytes && !isalnum((unsigned char) b->bytes[j]))
			j++;
		if (i == a->nbytes || j == b->nbytes)
			return i == a->nbytes && j == b->nbytes;
		if (pg_ascii_tolower((unsigned char) a->bytes[i]) != pg_ascii_tolower((unsigned char) b->bytes[j]))
			return false;
		i++;
		j++;
	}
}

/*
 * Two parts typed into each other's boxes (the city in the postcode field
 * and the postcode in the city field on one record): each record's value
 * of one part is the other record's value of the other part.
 */
static bool
grouped_crossed(MatchStore *st, const MatchComparison *c, uint32 a, uint32 b)
{
	MatchDict  *d0 = &st->dicts[c->part[0]];
	MatchDict  *d1 = &st->dicts[c->part[1]];
	uint32		a0 = MATCH_VAL(st, a, c->part[0]),
				a1 = MATCH_VAL(st, a, c->part[1]),
				b0 = MATCH_VAL(st, b, c->part[0]),
				b1 = MATCH_VAL(st, b, c->part[1]);

	if (a0 == 0 || a1 == 0 || b0 == 0 || b1 == 0)
		return false;
	return same_text_folded(&d0->values[a0], &d1->values[b1]) &&
		same_text_folded(&d1->values[a1], &d0->values[b0]) &&
		!same_text_folded(&d0->values[a0], &d0->values[b0]);
}

static int
grouped_level(MatchStore *st, const MatchComparison *c, uint32 a, uint32 b, bool *swapped)
{
	uint32		ja = MATCH_VAL(st, a, c->column);
	uint32		jb = MATCH_VAL(st, b, c->column);
	bool		agree[MATCH_MAX_FIELDS];
	int			present = 0,
				equal = 0,
				others = 0;

	if (ja != 0 && ja == jb)
		return MATCH_LEVEL_EXACT;	/* every part present and equal */
	for (int i = 0; i < c->nparts; i++)
	{
		MatchDict  *d = &st->dicts[c->part[i]];
		uint32		pa = MATCH_VAL(st, a, c->part[i]);
		uint32		pb = MATCH_VAL(st, b, c->part[i]);

		agree[i] = false;
		if (pa == 0 || pb == 0)
			continue;
		present++;
		if (pa == pb)
		{
			agree[i] = true;
			equal++;
		}
		else if (c->fuzzy_parts)
		{
			const MatchValue *x = &d->values[pa];
			const MatchValue *y = &d->values[pb];

			/* surely below close by the characters alone: no string read */
			agree[i] = (!(x->chars & y->chars & MATCH_SIG_VALID) ||
						match_jaro_winkler_upper(x->chars, x->nchars, y->chars, y->nchars,
												 MATCH_JW_PREFIX_SCALE, MATCH_JW_BOOST_THRESHOLD)
						>= c->close - MATCH_SIG_MARGIN) &&
				match_value_similarity(MATCH_SIM_JARO_WINKLER, -1, x, y, c->name) >= c->close;
		}
		if (i > 0 && agree[i])
			others++;
	}
	if (present == 0)
		return MATCH_LEVEL_NULL;
	/* all parts the two records both have are equal, and that is at least two */
	if (equal == present && present >= 2)
		return MATCH_LEVEL_EXACT;
	if (agree[0] && others > 0)
		return MATCH_LEVEL_CLOSE;	/* the most specific part and another */
	if (c->nparts == 2 && present == 2 && equal == 0 && grouped_crossed(st, c, a, b))
	{
		if (swapped)
			*swapped = true;
		return MATCH_LEVEL_CLOSE;	/* both parts, in each other's fields */
	}
	if (others > 0 || (c->nparts == 2 && agree[0]))
		return MATCH_LEVEL_LOOSE;	/* a wider part alone */
	return MATCH_LEVEL_ELSE;
}

/* Is one of two normalised names a lone letter that begins the other? */
static bool
initial_pair(const MatchValue *x, const MatchValue *y)
{
	if (x->nbytes == 1 && y->nbytes > 1)
		return x->bytes[0] == y->bytes[0];
	if (y->nbytes == 1 && x->nbytes > 1)
		return y->bytes[0] == x->bytes[0];
	return false;
}

/*
 * Level of a comparison that reads more than its own column (c->nparts >
 * 0) for records a and b: grouped fields, or a name compared crosswise
 * with its partner when the two names look swapped.  *swapped (when not
 * NULL) tells whether the level came from the crosswise comparison.
 */
int
match_compare_parts(MatchStore *st, const MatchComparison *c, uint32 a, uint32 b,
					double *similarity, bool *swapped)
{
	MatchDict  *d = &st->dicts[c->column];
	MatchDict  *pd;
	uint32		va,
				vb,
				pa,
				pb;
	int			level,
				x,
				y,
				cross,
				initials;
	bool		one_initial;

	if (swapped)
		*swapped = false;
	if (similarity)
		*similarity = NAN;
	if (c->sim == MATCH_SIM_GROUPED)
		return grouped_level(st, c, a, b, swapped);

	/* a name and its swap partner */
	va = MATCH_VAL(st, a, c->column);
	vb = MATCH_VAL(st, b, c->column);
	if (va == 0 || vb == 0)
		return MATCH_LEVEL_NULL;
	if (va == vb)
		return MATCH_LEVEL_EXACT;
	level = match_compare_distinct(c, &d->values[va], &d->values[vb], similarity);
	if (level <= MATCH_LEVEL_CLOSE)
		return level;
	pa = MATCH_VAL(st, a, c->part[0]);
	pb = MATCH_VAL(st, b, c->part[0]);
	pd = &st->dicts[c->part[0]];
	if (pa == 0 && pb == 0)
		return level;
	if (pa == 0 || pb == 0)
	{
		/*
		 * One record has a single name, written into the other field than
		 * the other record has it in (Brian against Dunworth, Brian): its
		 * name is at least close to the other's partner, and the other's
		 * own two names are not one name.  Loose (swapped): the name
		 * agrees, just not where it stands; lone letters are too little.
		 */
		const MatchValue *one = pa == 0 ? &d->values[va] : &d->values[vb];
		const MatchValue *cross_v = pa == 0 ? &pd->values[pb] : &pd->values[pa];
		const MatchValue *own = pa == 0 ? &d->values[vb] : &d->values[va];

		if (!c->has_loose || level <= MATCH_LEVEL_LOOSE || one->nbytes <= 1 || cross_v->nbytes <= 1 ||
			same_bytes(own, cross_v) ||
			match_compare_values(c, one, cross_v, NULL) > MATCH_LEVEL_CLOSE)
			return level;
		if (swapped)
			*swapped = true;
		return MATCH_LEVEL_LOOSE;
	}

	/*
	 * Crosswise, each name must be close to the other's partner, or be its
	 * initial (B. Phillips against Phillips, Benjamin): a swap with an
	 * initial counts as a swap with a slip, as long as the other side
	 * agrees and no other of the four names is a lone letter (P. B.
	 * against B. Phillips is too little to call a swap).  One side equal
	 * and the other only loosely alike (Kevin Ward against Wsrd Kevin) is
	 * a swap with a worse slip: two fields written into each other's
	 * places and one of them mistyped, as common in keyed-in records as
	 * either alone.
	 */
	initials = (d->values[va].nbytes == 1) + (d->values[vb].nbytes == 1) +
		(pd->values[pa].nbytes == 1) + (pd->values[pb].nbytes == 1);
	one_initial = initials == 1;
	x = match_compare_values(c, &d->values[va], &pd->values[pb], NULL);
	if (x > MATCH_LEVEL_LOOSE && !(one_initial && initial_pair(&d->values[va], &pd->values[pb])))
		return level;			/* most pairs: no swap at all */
	y = match_compare_values(c, &pd->values[pa], &d->values[vb], NULL);
	if (!((x <= MATCH_LEVEL_CLOSE || (one_initial && initial_pair(&d->values[va], &pd->values[pb]))) &&
		  (y <= MATCH_LEVEL_CLOSE || (one_initial && initial_pair(&pd->values[pa], &d->values[vb])))) &&
		!(initials == 0 && x == MATCH_LEVEL_EXACT && y == MATCH_LEVEL_LOOSE) &&
		!(initials == 0 && y == MATCH_LEVEL_EXACT && x == MATCH_LEVEL_LOOSE))
		return level;
	/* a record whose two names are one name says nothing crosswise */
	if (same_bytes(&d->values[va], &pd->values[pa]) || same_bytes(&d->values[vb], &pd->values[pb]))
		return level;
	/* swapped exactly: close; swapped with a slip on one side: loose */
	cross = (x == MATCH_LEVEL_EXACT && y == MATCH_LEVEL_EXACT) ? MATCH_LEVEL_CLOSE : MATCH_LEVEL_LOOSE;
	if (cross == MATCH_LEVEL_LOOSE && !c->has_loose)
		return level;
	if (cross < level)
	{
		if (swapped)
			*swapped = true;
		return cross;
	}
	return level;
}
