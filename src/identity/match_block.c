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

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "common/hashfn.h"
#include "miscadmin.h"
#include "port/pg_bitutils.h"

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

/*
 * Sort a rule's n entries by (hash, source, rec), the order pairing needs.
 * Hashes are uniform, so one counting pass on their top bits spreads the
 * entries over buckets of about four, each finished by the comparison sort:
 * three passes over memory instead of a quicksort's twenty-odd (the sort
 * was a sixth of blocking at a million records).  Returns the sorted array:
 * a new one of size bytes (e is freed), or e sorted in place by quicksort
 * when there is no room for a second array.
 */
static KeyEntry *
key_entries_sort(MatchStore *st, KeyEntry *e, int n, Size size)
{
	int			bits = 8;
	Size		nb;
	Size		count_size;
	uint32	   *start;
	KeyEntry   *out;

	if (n < 4096)
	{
		key_entry_sort(e, n);
		return e;
	}
	while (bits < 24 && ((Size) 1 << (bits + 2)) < (Size) n)
		bits++;
	nb = (Size) 1 << bits;
	count_size = sizeof(uint32) * (nb + 1);
	if (st->mem + size + count_size > (Size) match_work_mem_limit_kb() * 1024)
	{
		key_entry_sort(e, n);
		return e;
	}
	out = MemoryContextAllocExtended(st->cxt, size, MCXT_ALLOC_HUGE);
	match_advise_huge(out, size);
	start = MemoryContextAllocExtended(st->cxt, count_size, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	for (int i = 0; i < n; i++)
		start[(e[i].hash >> (64 - bits)) + 1]++;
	for (Size b = 1; b <= nb; b++)
		start[b] += start[b - 1];
	for (int i = 0; i < n; i++)
		out[start[e[i].hash >> (64 - bits)]++] = e[i];
	/* start[b] is now the end of bucket b, the start of bucket b + 1 */
	for (Size b = 0; b < nb; b++)
	{
		uint32		from = b == 0 ? 0 : start[b - 1];

		if (start[b] - from > 1)
			key_entry_sort(out + from, start[b] - from);
	}
	pfree(start);
	pfree(e);
	return out;
}

/*
 * Tokens of a value of a tokens(column) key: the runs of bytes between
 * spaces and hyphens, at most MATCH_MAX_KEY_TOKENS of them.
 */
int
match_value_tokens(const MatchValue *v, const char **tok, int *len)
{
	int			n = 0;
	int			i = 0;

	while (i < v->nbytes && n < MATCH_MAX_KEY_TOKENS)
	{
		int			j;

		while (i < v->nbytes && (v->bytes[i] == ' ' || v->bytes[i] == '-'))
			i++;
		j = i;
		while (j < v->nbytes && v->bytes[j] != ' ' && v->bytes[j] != '-')
			j++;
		if (j > i)
		{
			tok[n] = v->bytes + i;
			len[n] = j - i;
			n++;
		}
		i = j;
	}
	return n;
}

/*
 * The first token of value a (in its order) that value b has too; -1 when
 * they share none.
 */
static int
first_shared_token_bytes(const MatchValue *a, const MatchValue *b)
{
	const char *ta[MATCH_MAX_KEY_TOKENS],
			   *tb[MATCH_MAX_KEY_TOKENS];
	int			la[MATCH_MAX_KEY_TOKENS],
				lb[MATCH_MAX_KEY_TOKENS];
	int			na = match_value_tokens(a, ta, la);
	int			nb = match_value_tokens(b, tb, lb);

	for (int i = 0; i < na; i++)
		for (int j = 0; j < nb; j++)
			if (la[i] == lb[j] && memcmp(ta[i], tb[j], la[i]) == 0)
				return i;
	return -1;
}

static inline uint64
token_hash_of(uint64 hx, int k)
{
	return match_mix64(hx + ((uint64) (k + 1) << 56));
}

static inline uint64
token_hash(const char *tok, int len, int k)
{
	return token_hash_of(hash_bytes_extended((const unsigned char *) tok, len, 0), k);
}

/* Does the column's token memo cover value v? */
static inline const MatchTokenMemo *
memo_of(const MatchStore *st, int col, uint32 v)
{
	const MatchTokenMemo *m = st->tokens[col];

	return m != NULL && v < m->nvalues ? m : NULL;
}

/* first_shared_token by the memo's token ids, when it covers both values */
static int
first_shared_token(const MatchStore *st, int col, uint32 va, uint32 vb)
{
	const MatchTokenMemo *m = memo_of(st, col, Max(va, vb));

	if (m == NULL)
		return first_shared_token_bytes(&st->dicts[col].values[va], &st->dicts[col].values[vb]);
	for (uint32 i = m->start[va]; i < m->start[va + 1]; i++)
		for (uint32 j = m->start[vb]; j < m->start[vb + 1]; j++)
			if (m->ids[i] == m->ids[j])
				return (int) (i - m->start[va]);
	return -1;
}

/*
 * Build the token memo of each column a tokens(column) key reads: its
 * values split as match_value_tokens does, tokens interned in a dictionary
 * of their own.
 */
static void
token_memos_build(MatchStore *st)
{
	MatchModel *model = st->model;

	for (int r = 0; r < model->nrules; r++)
		for (int k = 0; k < model->rule[r].nkeys; k++)
		{
			int			col = model->rule[r].column[k];
			MatchDict  *d = &st->dicts[col];
			MatchDict	td;
			MatchTokenMemo *m;
			Size		cap;
			Size		n = 0;

			if (!model->rule[r].tokens[k] || st->tokens[col] != NULL)
				continue;
			m = match_alloc(st, sizeof(MatchTokenMemo));
			m->nvalues = d->nvalues;
			m->start = match_alloc(st, sizeof(uint32) * ((Size) d->nvalues + 1));
			cap = (Size) d->nvalues * 2 + 16;
			m->ids = match_alloc(st, sizeof(uint32) * cap);
			memset(&td, 0, sizeof(td));
			td.capacity = 16;
			td.values = match_alloc(st, sizeof(MatchValue) * td.capacity);
			memset(&td.values[0], 0, sizeof(MatchValue));
			td.nvalues = 1;
			td.nslots = 32;
			td.slots = match_alloc(st, sizeof(uint32) * td.nslots);
			memset(td.slots, 0, sizeof(uint32) * td.nslots);
			for (uint32 v = 0; v < d->nvalues; v++)
			{
				const char *tok[MATCH_MAX_KEY_TOKENS];
				int			len[MATCH_MAX_KEY_TOKENS];
				int			nt = v == 0 ? 0 : match_value_tokens(&d->values[v], tok, len);

				m->start[v] = (uint32) n;
				if (n + nt > cap)
				{
					uint32	   *ids = match_alloc(st, sizeof(uint32) * cap * 2);

					memcpy(ids, m->ids, sizeof(uint32) * n);
					pfree(m->ids);
					st->mem -= sizeof(uint32) * cap;
					m->ids = ids;
					cap *= 2;
				}
				for (int i = 0; i < nt; i++)
					m->ids[n++] = match_dict_intern(st, &td, tok[i], len[i], false, 0, false);
				if ((v & 8191) == 0)
					CHECK_FOR_INTERRUPTS();
			}
			m->start[d->nvalues] = (uint32) n;
			m->hash = match_alloc(st, sizeof(uint64) * td.nvalues);
			for (uint32 t = 1; t < td.nvalues; t++)
				m->hash[t] = hash_bytes_extended((const unsigned char *) td.values[t].bytes,
												 td.values[t].nbytes, 0);
			st->tokens[col] = m;
		}
}

static inline uint64
rule_seed(int r)
{
	return UINT64CONST(0x9E3779B97F4A7C15) * (uint64) (r + 1);
}

/*
 * The next combination of token positions of rule's tokens(...) keys, an
 * odometer: at[k] runs over 0 .. n[k] - 1; false after the last.
 */
bool
match_tokens_next(const MatchRule *rule, int *at, const int *n)
{
	for (int k = 0; k < rule->nkeys; k++)
	{
		if (!rule->tokens[k])
			continue;
		if (++at[k] < n[k])
			return true;
		at[k] = 0;
	}
	return false;
}

static uint64 *skipped_hash[MATCH_MAX_RULES];

/*
 * Rules of plain keys with a skipped block a record sits in, packed:
 * skip_rules are the rules that skipped any block, and record i's bits for
 * them (in rule order) are skip_width bits at i * skip_width of skip_bits.
 * A pair reads them only when one of those rules holds for it: a uint32
 * per record read at random was a sixth of pairing at a million records,
 * and one bit per record stays in cache.  Set by match_block_pairs.
 */
static uint32 skip_rules;
static int	skip_width;
static uint64 *skip_bits;

static uint32
record_skipped(uint32 rec)
{
	uint64		word = skip_bits[((uint64) rec * skip_width) >> 6];
	uint32		packed = (uint32) (word >> (((uint64) rec * skip_width) & 63));
	uint32		rules = skip_rules;
	uint32		out = 0;

	for (int i = 0; rules != 0; i++, rules &= rules - 1)
		if (packed & ((uint32) 1 << i))
			out |= rules & (~rules + 1);
	return out;
}

static void
skipped_pack(MatchStore *st, const uint32 *in_skipped)
{
	int			k;
	Size		words;

	skip_rules = 0;
	for (int i = 0; i < st->n; i++)
		skip_rules |= in_skipped[i];
	k = pg_popcount32(skip_rules);
	skip_width = 1;
	while (skip_width < k)
		skip_width *= 2;		/* a power of two: a record's bits never straddle words */
	words = ((Size) Max(st->n, 1) * skip_width + 63) / 64;
	skip_bits = match_alloc(st, sizeof(uint64) * words);
	memset(skip_bits, 0, sizeof(uint64) * words);
	if (skip_rules == 0)
		return;
	for (int i = 0; i < st->n; i++)
	{
		uint32		rules = skip_rules;
		uint64		packed = 0;

		for (int b = 0; rules != 0; b++, rules &= rules - 1)
			if (in_skipped[i] & rules & (~rules + 1))
				packed |= UINT64CONST(1) << b;
		skip_bits[((uint64) i * skip_width) >> 6] |= packed << (((uint64) i * skip_width) & 63);
	}
}

static int	nskipped_hash[MATCH_MAX_RULES];
static bool canonical_hash(MatchStore *st, int r, uint32 a, uint32 b, uint64 *out);

/* Do records a and b agree on every key of rule r? */
static inline bool
rule_holds(MatchStore *st, const MatchRule *rule, uint32 a, uint32 b)
{
	for (int k = 0; k < rule->nkeys; k++)
	{
		int			col = rule->column[k];
		uint32		va = MATCH_VAL(st, a, col);
		uint32		vb = MATCH_VAL(st, b, col);

		if (va == 0 || vb == 0)
			return false;
		if (rule->tokens[k])
		{
			if (first_shared_token(st, col, va, vb) < 0)
				return false;
		}
		else if (va != vb)
			return false;
	}
	return true;
}

/* Bit r set when records a and b agree on every key of rule r. */
uint32
match_rule_mask(MatchStore *st, uint32 a, uint32 b)
{
	MatchModel *model = st->model;
	uint32		mask = 0;

	for (int r = 0; r < model->nrules; r++)
		if (rule_holds(st, &model->rule[r], a, b))
			mask |= (uint32) 1 << r;
	return mask;
}

/*
 * Rules whose keys are all plain columns, as masks of store columns, when
 * the model has at most 64 columns (set by match_block_pairs): such a
 * rule holds for a pair when all its columns are in the pair's agreement
 * mask (agree_columns), one word test instead of a branch per key.
 */
static bool columns_fast = false;
static uint32 plain_rules;
static uint64 rule_columns[MATCH_MAX_RULES];

static void
rule_columns_setup(const MatchModel *model)
{
	columns_fast = model->ncolumns <= 64;
	plain_rules = 0;
	for (int r = 0; r < model->nrules && columns_fast; r++)
	{
		rule_columns[r] = 0;
		if (model->rule[r].has_tokens)
			continue;
		for (int k = 0; k < model->rule[r].nkeys; k++)
			rule_columns[r] |= UINT64CONST(1) << model->rule[r].column[k];
		plain_rules |= (uint32) 1 << r;
	}
}

/* Bit c set when records a and b both have a value in column c, the same. */
static inline uint64
agree_columns(const MatchStore *st, uint32 a, uint32 b)
{
	const uint32 *ra = &MATCH_VAL(st, a, 0);
	const uint32 *rb = &MATCH_VAL(st, b, 0);
	int			ncol = st->model->ncolumns;
	uint64		eq = 0;
	int			c = 0;

	/* no branch per column: which columns agree is data, not a pattern to predict */
#ifdef __SSE2__
	for (; c + 4 <= ncol; c += 4)
	{
		__m128i		x = _mm_loadu_si128((const __m128i *) (ra + c));
		__m128i		y = _mm_loadu_si128((const __m128i *) (rb + c));
		__m128i		same = _mm_andnot_si128(_mm_cmpeq_epi32(x, _mm_setzero_si128()),
											_mm_cmpeq_epi32(x, y));

		eq |= (uint64) _mm_movemask_ps(_mm_castsi128_ps(same)) << c;
	}
#endif
	for (; c < ncol; c++)
		eq |= (uint64) ((ra[c] == rb[c]) & (ra[c] != 0)) << c;
	return eq;
}

/*
 * The rules a pair of rule r's block satisfies, or 0 when an earlier rule
 * (not skipped for the pair) already produced it or the pair does not
 * satisfy rule r (a hash collision).  Earlier rules are checked first: most
 * pairs of later rules are earlier rules' pairs, and they cost no more.
 */
static uint32
new_pair_mask(MatchStore *st, int r, uint32 a, uint32 b)
{
	MatchModel *model = st->model;
	uint32		mask;
	uint32		skipped = 0;

	if (columns_fast)
	{
		uint64		eq = agree_columns(st, a, b);
		uint32		below = ((uint32) 1 << r) - 1;
		uint32		holds = 0;

		for (int q = 0; q < model->nrules; q++)
			holds |= (uint32) ((rule_columns[q] & ~eq) == 0) << q;
		holds &= plain_rules;
		/* only plain rules skip records' blocks: none of them holds, nothing to read */
		if (holds & skip_rules)
			skipped = record_skipped(a);
		/* the same tests as below, in a different order: the same answer */
		if (holds & below & ~skipped)
			return 0;
		for (int q = 0; q < r; q++)
			if (model->rule[q].has_tokens && !(skipped & ((uint32) 1 << q)) &&
				rule_holds(st, &model->rule[q], a, b) &&
				(nskipped_hash[q] == 0 || canonical_hash(st, q, a, b, &(uint64) {0})))
				return 0;
		if (model->rule[r].has_tokens ? !rule_holds(st, &model->rule[r], a, b) : !(holds & ((uint32) 1 << r)))
			return 0;
		mask = holds & ~below;
		for (int q = r; q < model->nrules; q++)
			if (model->rule[q].has_tokens && rule_holds(st, &model->rule[q], a, b))
				mask |= (uint32) 1 << q;
		return mask & ~skipped;
	}
	if (skip_rules)
		skipped = record_skipped(a);
	for (int q = 0; q < r; q++)
		if (!(skipped & ((uint32) 1 << q)) && rule_holds(st, &model->rule[q], a, b) &&
			(!model->rule[q].has_tokens || nskipped_hash[q] == 0 || canonical_hash(st, q, a, b, &(uint64) {0})))
			return 0;
	if (!rule_holds(st, &model->rule[r], a, b))
		return 0;
	mask = (uint32) 1 << r;
	for (int q = r + 1; q < model->nrules; q++)
		if (rule_holds(st, &model->rule[q], a, b))
			mask |= (uint32) 1 << q;
	return mask & ~skipped;
}

/*
 * skipped_hash[r]: blocks of rule r (with tokens(column) keys) over its
 * max_block_size, by key hash (sorted), so that a pair is taken in a block
 * that is compared.  Filled by match_block_count for the run under way.
 */

static int
u64_cmp(const void *x, const void *y)
{
	uint64		a = *(const uint64 *) x,
				b = *(const uint64 *) y;

	return a < b ? -1 : a > b;
}

static bool
hash_skipped(int r, uint64 h)
{
	return nskipped_hash[r] > 0 &&
		bsearch(&h, skipped_hash[r], nskipped_hash[r], sizeof(uint64), u64_cmp) != NULL;
}

/*
 * A pair of a rule with tokens(column) keys shares one key per combination
 * of shared tokens, so it sits in several of the rule's blocks: it is taken
 * only in the block of its canonical key, the first combination (the lower
 * record's tokens in order, by store index) whose block is compared.
 * Returns false when every block the pair shares is skipped.
 */
static bool
canonical_hash(MatchStore *st, int r, uint32 a, uint32 b, uint64 *out)
{
	const MatchRule *rule = &st->model->rule[r];
	const char *tok[MATCH_MAX_KEYS][MATCH_MAX_KEY_TOKENS];
	int			len[MATCH_MAX_KEYS][MATCH_MAX_KEY_TOKENS];
	int			shared[MATCH_MAX_KEYS][MATCH_MAX_KEY_TOKENS];
	int			nshared[MATCH_MAX_KEYS] = {0};
	int			at[MATCH_MAX_KEYS] = {0};
	uint64		hx[MATCH_MAX_KEYS][MATCH_MAX_KEY_TOKENS];
	bool		by_memo[MATCH_MAX_KEYS] = {0};

	if (a > b)
	{
		uint32		t = a;

		a = b;
		b = t;
	}
	for (int k = 0; k < rule->nkeys; k++)
	{
		int			col = rule->column[k];
		const char *tb[MATCH_MAX_KEY_TOKENS];
		int			lb[MATCH_MAX_KEY_TOKENS];
		int			na,
					nb;
		uint32		va = MATCH_VAL(st, a, col),
					vb = MATCH_VAL(st, b, col);
		const MatchTokenMemo *m = memo_of(st, col, Max(va, vb));

		if (!rule->tokens[k])
			continue;
		if (m != NULL)
		{
			/* the same as below, by token ids */
			const uint32 *ia = m->ids + m->start[va],
					   *ib = m->ids + m->start[vb];

			na = (int) (m->start[va + 1] - m->start[va]);
			nb = (int) (m->start[vb + 1] - m->start[vb]);
			for (int i = 0; i < na; i++)
			{
				bool		in_b = false,
							dup = false;

				for (int j = 0; j < nb && !in_b; j++)
					in_b = ia[i] == ib[j];
				for (int j = 0; j < i && !dup; j++)
					dup = ia[i] == ia[j];
				hx[k][i] = m->hash[ia[i]];
				if (in_b && !dup)
					shared[k][nshared[k]++] = i;
			}
			by_memo[k] = true;
			if (nshared[k] == 0)
				return false;
			continue;
		}
		na = match_value_tokens(&st->dicts[col].values[MATCH_VAL(st, a, col)], tok[k], len[k]);
		nb = match_value_tokens(&st->dicts[col].values[MATCH_VAL(st, b, col)], tb, lb);
		for (int i = 0; i < na; i++)
		{
			bool		in_b = false,
						dup = false;

			for (int j = 0; j < nb && !in_b; j++)
				in_b = len[k][i] == lb[j] && memcmp(tok[k][i], tb[j], lb[j]) == 0;
			for (int j = 0; j < i && !dup; j++)
				dup = len[k][i] == len[k][j] && memcmp(tok[k][i], tok[k][j], len[k][j]) == 0;
			if (in_b && !dup)
				shared[k][nshared[k]++] = i;
		}
		if (nshared[k] == 0)
			return false;
	}
	for (;;)
	{
		uint64		h = rule_seed(r);
		int			k;

		for (k = 0; k < rule->nkeys; k++)
		{
			if (rule->tokens[k])
			{
				int			i = shared[k][at[k]];

				h = hash_combine64(h, by_memo[k] ? token_hash_of(hx[k][i], k)
								   : token_hash(tok[k][i], len[k][i], k));
			}
			else
				h = hash_combine64(h, match_mix64((uint64) MATCH_VAL(st, a, rule->column[k]) + ((uint64) k << 32)));
		}
		if (!hash_skipped(r, h))
		{
			*out = h;
			return true;
		}
		if (!match_tokens_next(rule, at, nshared))
			return false;
	}
}

static bool
canonical_block(MatchStore *st, int r, uint32 a, uint32 b, uint64 block_hash)
{
	uint64		h;

	return canonical_hash(st, r, a, b, &h) && h == block_hash;
}

/* Entries of one record: one per combination of its tokens. */
static int
record_entries(MatchStore *st, const MatchRule *rule, int k, uint64 h, uint32 rec,
			   KeyEntry *e, int n)
{
	int			col;
	uint32		v;

	if (k == rule->nkeys)
	{
		e[n].hash = h;
		e[n].source = st->source[rec];
		e[n].rec = rec;
		return n + 1;
	}
	col = rule->column[k];
	v = MATCH_VAL(st, rec, col);
	if (v == 0)
		return n;
	if (rule->tokens[k] && memo_of(st, col, v) != NULL)
	{
		const MatchTokenMemo *m = st->tokens[col];
		const uint32 *ids = m->ids + m->start[v];
		int			nt = (int) (m->start[v + 1] - m->start[v]);

		/* the same as below, by token ids */
		for (int i = 0; i < nt; i++)
		{
			bool		dup = false;

			for (int j = 0; j < i && !dup; j++)
				dup = ids[j] == ids[i];
			if (!dup)
				n = record_entries(st, rule, k + 1, hash_combine64(h, token_hash_of(m->hash[ids[i]], k)), rec, e, n);
		}
		return n;
	}
	if (rule->tokens[k])
	{
		const char *tok[MATCH_MAX_KEY_TOKENS];
		int			len[MATCH_MAX_KEY_TOKENS];
		int			nt = match_value_tokens(&st->dicts[col].values[v], tok, len);

		for (int i = 0; i < nt; i++)
		{
			bool		dup = false;

			/* a token repeated within the value is one key */
			for (int j = 0; j < i && !dup; j++)
				dup = len[j] == len[i] && memcmp(tok[j], tok[i], len[i]) == 0;
			if (!dup)
				n = record_entries(st, rule, k + 1, hash_combine64(h, token_hash(tok[i], len[i], k)), rec, e, n);
		}
		return n;
	}
	return record_entries(st, rule, k + 1, hash_combine64(h, match_mix64((uint64) v + ((uint64) k << 32))), rec, e, n);
}

/* Entries of one rule: records whose keys are all non-NULL, sorted. */
static KeyEntry *
rule_entries(MatchStore *st, int r, int *nentries, Size *size)
{
	const MatchRule *rule = &st->model->rule[r];
	Size		cap = (Size) Max(st->n, 1);
	KeyEntry   *e;
	int			n = 0;

	if (rule->has_tokens)
	{
		/* one entry per combination of tokens: count them first */
		Size		total = 0;

		for (int i = 0; i < st->n; i++)
		{
			Size		c = 1;

			for (int k = 0; k < rule->nkeys; k++)
			{
				uint32		v = MATCH_VAL(st, i, rule->column[k]);
				const char *tok[MATCH_MAX_KEY_TOKENS];
				int			len[MATCH_MAX_KEY_TOKENS];

				if (v == 0)
					c = 0;
				else if (rule->tokens[k] && memo_of(st, rule->column[k], v) != NULL)
					c *= st->tokens[rule->column[k]]->start[v + 1] - st->tokens[rule->column[k]]->start[v];
				else if (rule->tokens[k])
					c *= match_value_tokens(&st->dicts[rule->column[k]].values[v], tok, len);
			}
			total += c;
		}
		if (total >= (Size) PG_INT32_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("blocking rule \"%s\" of match model \"%s\" yields too many keys", rule->name, st->model->name),
					 errhint("Use fewer tokens(column) keys in one rule.")));
		cap = Max(total, 1);
	}
	*size = sizeof(KeyEntry) * cap;
	match_check_memory(st, *size, "blocking keys");
	e = MemoryContextAllocExtended(st->cxt, *size, MCXT_ALLOC_HUGE);
	match_advise_huge(e, *size);
	st->mem += *size;
	for (int i = 0; i < st->n; i++)
	{
		if (rule->has_tokens)
		{
			n = record_entries(st, rule, 0, rule_seed(r), (uint32) i, e, n);
			continue;
		}
		{
			uint64		h = rule_seed(r);
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
	}
	e = key_entries_sort(st, e, n, *size);
	*nentries = n;
	return e;
}

static void
free_entries(MatchStore *st, KeyEntry *e, Size size)
{
	pfree(e);
	st->mem -= size;
}

/*
 * The sorted entries of each rule, kept from counting to pairing (each
 * rule's are built and sorted once, not twice) while they take at most a
 * quarter of the run's memory limit; NULL: build them again.  Only while
 * match_block_pairs runs.
 */
static bool keep_entries = false;
static KeyEntry *kept[MATCH_MAX_RULES];
static int	kept_n[MATCH_MAX_RULES];
static Size kept_size[MATCH_MAX_RULES];

static void
entries_done(MatchStore *st, int r, KeyEntry *e, int n, Size size)
{
	Size		total = size;

	for (int q = 0; q < r; q++)
		total += kept[q] ? kept_size[q] : 0;
	if (keep_entries && total <= (Size) match_work_mem_limit_kb() * 1024 / 4)
	{
		kept[r] = e;
		kept_n[r] = n;
		kept_size[r] = size;
	}
	else
		free_entries(st, e, size);
}

/* Rule r's entries, the kept ones when there are. */
static KeyEntry *
rule_entries_again(MatchStore *st, int r, int *n, Size *size)
{
	if (kept[r] != NULL)
	{
		KeyEntry   *e = kept[r];

		*n = kept_n[r];
		*size = kept_size[r];
		kept[r] = NULL;
		return e;
	}
	return rule_entries(st, r, n, size);
}

/* Is a block of rule r with this many records over its max_block_size? */
static inline bool
block_skipped(const MatchModel *model, int r, int64 records)
{
	return model->rule[r].max_block > 0 && records > model->rule[r].max_block;
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
match_block_count(MatchStore *st, int64 *per_rule, int64 *largest,
				  int64 *skipped_blocks, int64 *skipped_pairs, uint32 *in_skipped)
{
	MatchModel *model = st->model;

	for (int r = 0; r < model->nrules; r++)
	{
		int			n;
		Size		size;
		KeyEntry   *e = rule_entries(st, r, &n, &size);
		int			i = 0;

		per_rule[r] = 0;
		largest[r] = 0;
		skipped_blocks[r] = 0;
		skipped_pairs[r] = 0;
		while (i < n)
		{
			int			j = i;
			int64		g;

			while (j < n && e[j].hash == e[i].hash)
				j++;
			g = group_pairs(e, i, j, model->within_source);
			if (block_skipped(model, r, j - i))
			{
				skipped_blocks[r]++;
				skipped_pairs[r] += g;
				/* a record sits in one block of a rule without tokens keys */
				if (in_skipped && !model->rule[r].has_tokens)
					for (int x = i; x < j; x++)
						in_skipped[e[x].rec] |= (uint32) 1 << r;
				if (in_skipped && model->rule[r].has_tokens)
				{
					if (nskipped_hash[r] % 64 == 0)
						skipped_hash[r] = nskipped_hash[r] == 0 ?
							MemoryContextAlloc(st->cxt, sizeof(uint64) * 64) :
							repalloc(skipped_hash[r], sizeof(uint64) * (nskipped_hash[r] + 64));
					skipped_hash[r][nskipped_hash[r]++] = e[i].hash;
				}
			}
			else
				per_rule[r] += g;
			largest[r] = Max(largest[r], (int64) (j - i));
			i = j;
		}
		if (nskipped_hash[r] > 1)
			qsort(skipped_hash[r], nskipped_hash[r], sizeof(uint64), u64_cmp);
		entries_done(st, r, e, n, size);
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
		match_advise_huge(np, sizeof(MatchPair) * (Size) ncap);
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
 * New pairs wait in batches of PAIR_BATCH to be compared: the values a
 * comparison reads sit at random in the dictionaries, so the batch's values
 * and then their bytes are asked for first (match_pattern_prefetch), and
 * the pairs are compared while they arrive instead of one miss after
 * another.  Compared and added in the order found: the same classes.
 */
#define PAIR_BATCH 16

typedef struct PendingPair
{
	uint32		a;
	uint32		b;
	uint32		mask;
} PendingPair;

static int
compare_pending(MatchStore *st, MatchPairs *p, const PendingPair *pend, int n)
{
	for (int i = 0; i < n; i++)
		match_pattern_prefetch(st, pend[i].a, pend[i].b, false);
	for (int i = 0; i < n; i++)
		match_pattern_prefetch(st, pend[i].a, pend[i].b, true);
	for (int i = 0; i < n; i++)
		add_pair(st, p, pend[i].a, pend[i].b,
				 class_of(st, p, match_pattern(st, pend[i].a, pend[i].b), pend[i].mask));
	return 0;
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
		Size		size;
		KeyEntry   *e = rule_entries(st, r, &n, &size);
		bool		tokens = model->rule[r].has_tokens;
		int			i = 0;

		while (i < n && found <= limit)
		{
			int			j = i;

			while (j < n && e[j].hash == e[i].hash)
				j++;
			if (block_skipped(model, r, j - i))
			{
				i = j;
				continue;
			}
			for (int x = i; x < j && found <= limit; x++)
			{
				CHECK_FOR_INTERRUPTS();
				for (int y = x + 1; y < j; y++)
				{
					uint32		mask;

					if (!model->within_source && e[x].source == e[y].source)
						continue;
					mask = new_pair_mask(st, r, e[x].rec, e[y].rec);
					if (mask != 0 &&
						(!tokens || canonical_block(st, r, e[x].rec, e[y].rec, e[x].hash)))
						found++;
				}
			}
			i = j;
		}
		free_entries(st, e, size);
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
	uint32	   *in_skipped;
	PendingPair pend[PAIR_BATCH];
	int			npend = 0;

	/*
	 * Records in a skipped block of a rule: their pairs do not count as
	 * that rule's, so a later rule still produces them.
	 */
	memset(nskipped_hash, 0, sizeof(nskipped_hash));	/* the arrays went with an earlier run's context */
	memset(kept, 0, sizeof(kept));
	rule_columns_setup(model);
	token_memos_build(st);
	in_skipped = match_alloc(st, sizeof(uint32) * (Size) Max(st->n, 1));
	memset(in_skipped, 0, sizeof(uint32) * (Size) Max(st->n, 1));
	keep_entries = true;
	PG_TRY();
	{
		match_block_count(st, per_rule, largest, p->rule_skipped_blocks, p->rule_skipped_pairs, in_skipped);
	}
	PG_FINALLY();
	{
		keep_entries = false;
	}
	PG_END_TRY();
	skipped_pack(st, in_skipped);
	pfree(in_skipped);
	st->mem -= sizeof(uint32) * (Size) Max(st->n, 1);
	for (int r = 0; r < model->nrules; r++)
	{
		total += per_rule[r];
		if (per_rule[r] > per_rule[worst])
			worst = r;
		if (p->rule_skipped_blocks[r] > 0)
			ereport(NOTICE,
					(errmsg("blocking rule \"%s\" of match model \"%s\" skipped " INT64_FORMAT " blocks of more than " INT64_FORMAT " records (" INT64_FORMAT " pairs not compared)",
							model->rule[r].name, model->name, p->rule_skipped_blocks[r], model->rule[r].max_block,
							p->rule_skipped_pairs[r]),
					 errdetail("Its largest block has " INT64_FORMAT " records: a key value shared that widely (a placeholder, a very common name) says little.",
							   largest[r]),
					 errhint("Pairs in those blocks are still compared when another rule produces them; ci.estimate_blocking() lists the skipped blocks, max_block_size of the rule (ci.match_blocking_rule) or of the model (ci.match_model) sets the limit.")));
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
	match_advise_huge(p->pairs, sizeof(MatchPair) * (Size) p->capacity);
	st->mem += sizeof(MatchPair) * (Size) p->capacity;
	p->class_capacity = 1024;
	p->classes = match_alloc(st, sizeof(MatchClass) * p->class_capacity);
	p->class_nslots = 4096;
	p->class_slots = match_alloc(st, sizeof(uint32) * p->class_nslots);
	memset(p->class_slots, 0, sizeof(uint32) * p->class_nslots);

	for (int r = 0; r < model->nrules; r++)
	{
		int			n;
		Size		size;
		KeyEntry   *e = rule_entries_again(st, r, &n, &size);
		bool		tokens = model->rule[r].has_tokens;
		int			i = 0;

		while (i < n)
		{
			int			j = i;

			while (j < n && e[j].hash == e[i].hash)
				j++;
			if (block_skipped(model, r, j - i))
			{
				i = j;			/* counted and reported by match_block_count */
				continue;
			}
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
					mask = new_pair_mask(st, r, a, b);
					if (mask == 0)
						continue;	/* a hash collision, or an earlier rule's pair */
					if (tokens && !canonical_block(st, r, a, b, e[x].hash))
						continue;	/* the pair's other shared tokens' block takes it */
					p->rule_new[r]++;
					if (a > b)
					{
						uint32		t = a;

						a = b;
						b = t;
					}
					pend[npend].a = a;
					pend[npend].b = b;
					pend[npend].mask = mask;
					if (++npend == PAIR_BATCH)
						npend = compare_pending(st, p, pend, npend);
				}
				if (progress && (x & 255) == 0)
					ci_progress_report(progress, done, total);
			}
			i = j;
		}
		npend = compare_pending(st, p, pend, npend);
		free_entries(st, e, size);
	}
	for (uint32 c = 0; c < p->nclasses; c++)
		for (int r = 0; r < model->nrules; r++)
			if (p->classes[c].rules & ((uint32) 1 << r))
				p->rule_pairs[r] += p->classes[c].count;
	return p;
}

/*
 * Mark met[i] for every record i that shares a block of some rule with
 * another record (a block within max_block_size; across sources only when
 * the model links across sources only).  For ci.blocking_coverage().
 */
void
match_block_met(MatchStore *st, bool *met)
{
	MatchModel *model = st->model;

	for (int r = 0; r < model->nrules; r++)
	{
		int			n;
		Size		size;
		KeyEntry   *e = rule_entries(st, r, &n, &size);
		int			i = 0;

		while (i < n)
		{
			int			j = i;

			while (j < n && e[j].hash == e[i].hash)
				j++;
			CHECK_FOR_INTERRUPTS();
			if (j - i > 1 && !block_skipped(model, r, j - i) && group_pairs(e, i, j, model->within_source) > 0)
			{
				/* hash collisions aside (2^-64), the block's records share the rule's keys */
				for (int x = i; x < j; x++)
				{
					if (met[e[x].rec])
						continue;
					if (model->within_source)
						met[e[x].rec] = true;
					else
						for (int y = i; y < j && !met[e[x].rec]; y++)
							met[e[x].rec] = e[y].source != e[x].source;
				}
			}
			i = j;
		}
		free_entries(st, e, size);
	}
}
