/*
 * match_block.c — blocking: the candidate pairs of a run are the record
 * pairs that agree on all keys of at least one blocking rule.  Each rule's
 * records are sorted by a hash of their key value ids and pairs are
 * enumerated within equal keys; a pair that an earlier rule already
 * produced is skipped, so the union has no duplicates without any set of
 * seen pairs.  Every candidate pair is compared at once and kept as
 * (a, b, class), where a class is a distinct (pattern, rules satisfied).
 */
#include "match.h"

#include "common/hashfn.h"
#include "miscadmin.h"

typedef struct KeyEntry
{
	uint64		hash;
	uint32		source;
	uint32		rec;
} KeyEntry;

static inline int
key_entry_cmp(const KeyEntry *a, const KeyEntry *b)
{
	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	if (a->source != b->source)
		return a->source < b->source ? -1 : 1;
	return a->rec < b->rec ? -1 : (a->rec > b->rec ? 1 : 0);
}

/*
 * key_entry_sort(): PostgreSQL's sort template with the comparison inlined.
 * Every rule's entries are sorted twice per run (counting, then pairing);
 * inlining took about a fifth off the blocking phase.
 */
#define ST_SORT key_entry_sort
#define ST_ELEMENT_TYPE KeyEntry
#define ST_COMPARE(a, b) key_entry_cmp(a, b)
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

/* Bit r set when records a and b agree on every key of rule r. */
uint32
match_rule_mask(MatchStore *st, uint32 a, uint32 b)
{
	MatchModel *model = st->model;
	uint32		mask = 0;

	for (int r = 0; r < model->nrules; r++)
	{
		const MatchRule *rule = &model->rule[r];
		bool		equal = true;

		for (int k = 0; k < rule->nkeys && equal; k++)
		{
			uint32		va = MATCH_VAL(st, a, rule->column[k]);

			equal = va != 0 && va == MATCH_VAL(st, b, rule->column[k]);
		}
		if (equal)
			mask |= (uint32) 1 << r;
	}
	return mask;
}

/* Entries of one rule: records whose keys are all non-NULL, sorted. */
static KeyEntry *
rule_entries(MatchStore *st, int r, int *nentries)
{
	const MatchRule *rule = &st->model->rule[r];
	KeyEntry   *e = match_alloc(st, sizeof(KeyEntry) * (Size) Max(st->n, 1));
	int			n = 0;

	for (int i = 0; i < st->n; i++)
	{
		uint64		h = UINT64CONST(0x9E3779B97F4A7C15) * (uint64) (r + 1);
		bool		ok = true;

		for (int k = 0; k < rule->nkeys; k++)
		{
			uint32		v = MATCH_VAL(st, i, rule->column[k]);

			if (v == 0)
			{
				ok = false;
				break;
			}
			h = hash_combine64(h, match_mix64((uint64) v + ((uint64) k << 32)));
		}
		if (!ok)
			continue;
		e[n].hash = h;
		e[n].source = st->source[i];
		e[n].rec = (uint32) i;
		n++;
	}
	key_entry_sort(e, n);
	*nentries = n;
	return e;
}

/* Pairs a group [from, to) of equal keys yields (across sources only when asked). */
static int64
group_pairs(const KeyEntry *e, int from, int to, bool within_source)
{
	int64		g = to - from;
	int64		pairs = g * (g - 1) / 2;

	if (!within_source)
	{
		int			s = from;

		while (s < to)
		{
			int			t = s;

			while (t < to && e[t].source == e[s].source)
				t++;
			pairs -= (int64) (t - s) * (t - s - 1) / 2;
			s = t;
		}
	}
	return pairs;
}

/*
 * Pairs each rule yields on its own (before the union removes the pairs an
 * earlier rule produced), and the largest single block.
 */
void
match_block_count(MatchStore *st, int64 *per_rule, int64 *largest)
{
	MatchModel *model = st->model;

	for (int r = 0; r < model->nrules; r++)
	{
		int			n;
		KeyEntry   *e = rule_entries(st, r, &n);
		int			i = 0;

		per_rule[r] = 0;
		largest[r] = 0;
		while (i < n)
		{
			int			j = i;

			while (j < n && e[j].hash == e[i].hash)
				j++;
			per_rule[r] += group_pairs(e, i, j, model->within_source);
			largest[r] = Max(largest[r], (int64) (j - i));
			i = j;
		}
		pfree(e);
		st->mem -= sizeof(KeyEntry) * (Size) Max(st->n, 1);
	}
}

static uint32
class_of(MatchStore *st, MatchPairs *p, uint64 pattern, uint32 rules)
{
	uint32		h = (uint32) (match_mix64(pattern ^ ((uint64) rules << 40) ^ rules)) & (p->class_nslots - 1);

	for (;;)
	{
		uint32		c = p->class_slots[h];

		if (c == 0)
			break;
		if (p->classes[c - 1].pattern == pattern && p->classes[c - 1].rules == rules)
			return c - 1;
		h = (h + 1) & (p->class_nslots - 1);
	}
	if (p->nclasses >= p->class_capacity)
	{
		MatchClass *nc;

		nc = match_alloc(st, sizeof(MatchClass) * p->class_capacity * 2);
		memcpy(nc, p->classes, sizeof(MatchClass) * p->class_capacity);
		p->classes = nc;
		p->class_capacity *= 2;
	}
	p->classes[p->nclasses].pattern = pattern;
	p->classes[p->nclasses].rules = rules;
	p->classes[p->nclasses].count = 0;
	p->class_slots[h] = ++p->nclasses;
	if (p->nclasses * 2 > p->class_nslots)
	{
		uint32		ns = p->class_nslots * 2;
		uint32	   *slots = match_alloc(st, sizeof(uint32) * ns);

		memset(slots, 0, sizeof(uint32) * ns);
		for (uint32 c = 0; c < p->nclasses; c++)
		{
			uint32		hh = (uint32) (match_mix64(p->classes[c].pattern ^ ((uint64) p->classes[c].rules << 40) ^ p->classes[c].rules)) & (ns - 1);

			while (slots[hh] != 0)
				hh = (hh + 1) & (ns - 1);
			slots[hh] = c + 1;
		}
		p->class_slots = slots;
		p->class_nslots = ns;
	}
	return p->nclasses - 1;
}

static void
add_pair(MatchStore *st, MatchPairs *p, uint32 a, uint32 b, uint32 cls)
{
	if (p->npairs >= p->capacity)
	{
		int64		ncap = p->capacity * 2;
		MatchPair  *np;

		match_check_memory(st, sizeof(MatchPair) * (Size) ncap, "candidate pairs");
		np = MemoryContextAllocExtended(st->cxt, sizeof(MatchPair) * (Size) ncap, MCXT_ALLOC_HUGE);
		st->mem += sizeof(MatchPair) * (Size) ncap;
		memcpy(np, p->pairs, sizeof(MatchPair) * (Size) p->npairs);
		pfree(p->pairs);
		st->mem -= sizeof(MatchPair) * (Size) p->capacity;
		p->pairs = np;
		p->capacity = ncap;
	}
	p->pairs[p->npairs].a = a;
	p->pairs[p->npairs].b = b;
	p->pairs[p->npairs].cls = cls;
	p->npairs++;
	p->classes[cls].count++;
}

/*
 * Whether the union of the rules' pairs (each pair once, however many rules
 * produce it) has more than limit pairs.  Enumerates the rules' pairs as
 * the comparison loop does, without comparing them, and stops at the first
 * pair past the limit; as a pair is produced by at most nrules rules, that
 * is at most nrules * (limit + 1) key checks.  Called only when the sum of
 * the rules' pairs, an upper bound of the union, exceeds the limit.
 */
static bool
union_exceeds(MatchStore *st, int64 limit)
{
	MatchModel *model = st->model;
	int64		found = 0;

	for (int r = 0; r < model->nrules && found <= limit; r++)
	{
		int			n;
		KeyEntry   *e = rule_entries(st, r, &n);
		uint32		earlier = ((uint32) 1 << r) - 1;
		uint32		self = (uint32) 1 << r;
		int			i = 0;

		while (i < n && found <= limit)
		{
			int			j = i;

			while (j < n && e[j].hash == e[i].hash)
				j++;
			for (int x = i; x < j && found <= limit; x++)
			{
				CHECK_FOR_INTERRUPTS();
				for (int y = x + 1; y < j; y++)
				{
					uint32		mask;

					if (!model->within_source && e[x].source == e[y].source)
						continue;
					mask = match_rule_mask(st, e[x].rec, e[y].rec);
					if ((mask & self) != 0 && (mask & earlier) == 0)
						found++;
				}
			}
			i = j;
		}
		pfree(e);
		st->mem -= sizeof(KeyEntry) * (Size) Max(st->n, 1);
	}
	return found > limit;
}

/*
 * All candidate pairs, compared.  Fails before comparing anything when the
 * rules would together produce more than the model's max_candidate_pairs
 * distinct pairs.
 */
MatchPairs *
match_block_pairs(MatchStore *st, CiProgress *progress)
{
	MatchModel *model = st->model;
	MatchPairs *p = MemoryContextAllocZero(st->cxt, sizeof(MatchPairs));
	int64		per_rule[MATCH_MAX_RULES] = {0};
	int64		largest[MATCH_MAX_RULES] = {0};
	int64		total = 0;
	int64		done = 0;
	int			worst = 0;

	match_block_count(st, per_rule, largest);
	for (int r = 0; r < model->nrules; r++)
	{
		total += per_rule[r];
		if (per_rule[r] > per_rule[worst])
			worst = r;
	}
	/* the sum counts a pair once per rule producing it: count the union */
	if (total > model->max_pairs && union_exceeds(st, model->max_pairs))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("blocking rules of match model \"%s\" would produce more than max_candidate_pairs (" INT64_FORMAT ") distinct candidate pairs",
						model->name, model->max_pairs),
				 errdetail("Rule \"%s\" alone produces " INT64_FORMAT " pairs; its largest block has " INT64_FORMAT " records.",
						   model->rule[worst].name, per_rule[worst], largest[worst]),
				 errhint("Make that rule more selective (add a key), or raise ci.match_model.max_candidate_pairs; ci.estimate_blocking() shows each rule's pairs.")));

	p->capacity = Max(Min(total, (int64) 1024 * 1024), 1024);
	match_check_memory(st, sizeof(MatchPair) * (Size) p->capacity, "candidate pairs");
	p->pairs = MemoryContextAllocExtended(st->cxt, sizeof(MatchPair) * (Size) p->capacity, MCXT_ALLOC_HUGE);
	st->mem += sizeof(MatchPair) * (Size) p->capacity;
	p->class_capacity = 1024;
	p->classes = match_alloc(st, sizeof(MatchClass) * p->class_capacity);
	p->class_nslots = 4096;
	p->class_slots = match_alloc(st, sizeof(uint32) * p->class_nslots);
	memset(p->class_slots, 0, sizeof(uint32) * p->class_nslots);

	for (int r = 0; r < model->nrules; r++)
	{
		int			n;
		KeyEntry   *e = rule_entries(st, r, &n);
		uint32		earlier = ((uint32) 1 << r) - 1;
		uint32		self = (uint32) 1 << r;
		int			i = 0;

		while (i < n)
		{
			int			j = i;

			while (j < n && e[j].hash == e[i].hash)
				j++;
			for (int x = i; x < j; x++)
			{
				CHECK_FOR_INTERRUPTS();
				for (int y = x + 1; y < j; y++)
				{
					uint32		a = e[x].rec;
					uint32		b = e[y].rec;
					uint32		mask;

					if (!model->within_source && e[x].source == e[y].source)
						continue;
					done++;
					mask = match_rule_mask(st, a, b);
					if ((mask & self) == 0 || (mask & earlier) != 0)
						continue;	/* a hash collision, or an earlier rule's pair */
					p->rule_new[r]++;
					if (a > b)
					{
						uint32		t = a;

						a = b;
						b = t;
					}
					add_pair(st, p, a, b, class_of(st, p, match_pattern(st, a, b), mask));
				}
				if (progress && (x & 255) == 0)
					ci_progress_report(progress, done, total);
			}
			i = j;
		}
		pfree(e);
		st->mem -= sizeof(KeyEntry) * (Size) Max(st->n, 1);
	}
	for (uint32 c = 0; c < p->nclasses; c++)
		for (int r = 0; r < model->nrules; r++)
			if (p->classes[c].rules & ((uint32) 1 << r))
				p->rule_pairs[r] += p->classes[c].count;
	return p;
}
