/*
 * match.h — what the identity-resolution files of the match capability
 * share: a loaded match model, the in-memory record store (values interned
 * per column), candidate pairs and their comparison patterns, and the
 * entry points of training, blocking, scoring and clustering.
 *
 * A comparison's outcome for a pair is a level: exact, close, loose, else,
 * or null (a value missing on either side: no evidence).  A pair's levels
 * over all comparisons form its pattern, coded base 5 in a uint64.
 */
#ifndef MATCH_MATCH_H
#define MATCH_MATCH_H

#include "ci_common.h"

#include "datatype/timestamp.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "portability/instr_time.h"
#include "utils/date.h"
#include "utils/palloc.h"

#define MATCH_LEVEL_EXACT	0
#define MATCH_LEVEL_CLOSE	1
#define MATCH_LEVEL_LOOSE	2
#define MATCH_LEVEL_ELSE	3
#define MATCH_LEVEL_NULL	4
#define MATCH_NLEVELS		4		/* levels carrying m and u */

#define MATCH_MAX_COMPARISONS	24	/* 5^24 < 2^64 */
#define MATCH_MAX_RULES			32	/* rule masks are uint32 */
#define MATCH_MAX_KEYS			8
#define MATCH_MAX_COLUMNS		(MATCH_MAX_COMPARISONS + MATCH_MAX_RULES * MATCH_MAX_KEYS)

/* Floor of a trained m or u, so no level ever has a weight of -infinity. */
#define MATCH_PROB_FLOOR	1e-6

typedef enum MatchSimilarity
{
	MATCH_SIM_EXACT,
	MATCH_SIM_JARO_WINKLER,
	MATCH_SIM_JARO,
	MATCH_SIM_LEVENSHTEIN,
	MATCH_SIM_DAMERAU,
	MATCH_SIM_BIRTHDATE,
	MATCH_SIM_GIVEN_NAME,		/* Jaro-Winkler, nicknames (ci.name_alias), initials */
	/* the kinds of match_kinds.c */
	MATCH_SIM_GROUPED,			/* related fields as one piece of evidence */
	MATCH_SIM_TOKEN_SET,		/* sorted token sets of one or more fields */
	MATCH_SIM_PREFIX,			/* the first k characters equal */
	MATCH_SIM_NUMERIC,			/* absolute difference of numbers */
	MATCH_SIM_YEAR_DIFFERENCE,	/* difference of years */
	MATCH_SIM_DATE				/* partial dates, placeholders missing */
} MatchSimilarity;

/* How a column's text is read into its dictionary (match_kinds.c). */
typedef enum MatchParse
{
	MATCH_PARSE_TEXT,			/* as is */
	MATCH_PARSE_TOKENS,			/* tokens sorted and deduplicated */
	MATCH_PARSE_DATE_PARTS,		/* year, month, day as far as usable */
	MATCH_PARSE_NUMBER			/* a number */
} MatchParse;

/* MatchValue.flags */
#define MATCH_VALUE_MISSING		0x01	/* unusable or placeholder: no evidence */
#define MATCH_VALUE_PARTIAL		0x02	/* equal values are not an exact agreement */
#define MATCH_VALUE_PARSED		0x04
#define MATCH_VALUE_COMMON		0x08	/* a date too common to be a birthday (placeholder) */

/* most fields one comparison reads (its field and its fields) */
#define MATCH_MAX_FIELDS		8

/*
 * Nicknames of ci.name_alias, normalised: entries sorted by name, each
 * naming one group (a formal name and its nicknames).  Two names are
 * aliases when they share a group.
 */
typedef struct MatchAliasEntry
{
	const char *name;
	int			len;
	int			group;
	uint32		chars;			/* match_char_signature of an ASCII name, else 0 */
	char		first;			/* name[0], read without the name */
} MatchAliasEntry;

typedef struct MatchAliases
{
	MatchAliasEntry *entries;	/* sorted by name, then group */
	int			n;
	int		   *by_group;		/* entries' indexes sorted by group */
	int		   *group_start;	/* group g: by_group[group_start[g] .. group_start[g + 1] - 1] */
	int			ngroups;
} MatchAliases;

#define MATCH_NICKNAME		1	/* match_names_nickname: one nickname group */
#define MATCH_NICKNAME_SLIP	2	/* a known name and a slip of a name of its groups */
extern int	match_names_nickname(const MatchAliases *al, const char *a, int alen,
								 const char *b, int blen, double near);
extern bool match_names_alias(const MatchAliases *al, const char *a, int alen,
							  const char *b, int blen);

extern const char *const match_level_names[5];

typedef struct MatchComparison
{
	char	   *name;
	char	   *field;
	int			column;			/* index into the store's columns */
	MatchSimilarity sim;
	bool		has_close;
	bool		has_loose;
	double		close;
	double		loose;
	bool		tf_adjust;
	double		m[MATCH_NLEVELS];
	double		u[MATCH_NLEVELS];
	double		weight[MATCH_NLEVELS];	/* log2(m/u), filled by match_model_weights */
	const MatchAliases *aliases;	/* given_name similarity: the nicknames */
	/*
	 * Fields beside field (ci.match_comparison.fields), as store columns:
	 * grouped: all parts, field first (column is then their joint value);
	 * token_set: none (column joins them); string kinds: the swap partner;
	 * date: none (column reads the raw text when field is NULL).
	 */
	int			nparts;
	int			part[MATCH_MAX_FIELDS];
	bool		fuzzy_parts;	/* grouped: a part also agrees at Jaro-Winkler >= close */
	int			role;			/* MATCH_ROLE_*: household-aware scoring */
	/* date: the placeholders training found by frequency, as y*10000+m*100+d */
	int			nplaceholders;
	int		   *placeholders;
} MatchComparison;

#define MATCH_ROLE_NONE		0
#define MATCH_ROLE_PERSONAL	1
#define MATCH_ROLE_HOUSEHOLD 2

typedef struct MatchRule
{
	char	   *name;
	int			nkeys;
	int			column[MATCH_MAX_KEYS];	/* store columns of the keys */
	char	   *key_sql[MATCH_MAX_KEYS];	/* display form */
	bool		deterministic;
	uint32		comparisons;	/* bit k: comparison k's field is a key field */
	bool		tokens[MATCH_MAX_KEYS];	/* tokens(column): multi-valued key */
	bool		has_tokens;
	int64		max_block;		/* blocks of more records are skipped (0: none) */
} MatchRule;

/*
 * A multi-valued key tokens(column) yields one key per token of the value
 * (tokens are separated by spaces and hyphens; at most MATCH_MAX_KEY_TOKENS
 * per value are used): two records agree on it when they share a token.
 */
#define MATCH_MAX_KEY_TOKENS	8

/* A column the store loads: an SQL expression over the relation. */
typedef struct MatchColumn
{
	char	   *sql;			/* expression, with the relation aliased t */
	char	   *field;			/* the relation's column it reads */
	bool		is_date;		/* loaded as date (birthdate similarity) */
	MatchParse	parse;			/* how its text is read */
} MatchColumn;

typedef struct MatchModel
{
	char	   *name;
	Oid			relid;
	Oid			owner;			/* the relation is read as this role */
	char	   *relation;		/* quoted, qualified */
	char	   *id_column;
	char	   *source_column;	/* NULL: one source */
	bool		within_source;
	double		link_threshold;
	double		review_threshold;
	double		prior;
	int64		max_pairs;
	int64		max_block;		/* blocks of more records are skipped (0: none) */
	int			nunique_sources;	/* duplicate-free sources */
	char	  **unique_sources;
	bool		detect_duplicate_free;	/* a full run adds the ones it finds */
	int			u_sample;
	int			em_max_iterations;
	double		em_tolerance;
	int64		seed;
	bool		trained;
	double		household_cap;	/* bits; NAN: no household-aware cap */
	bool		households;		/* training found households (or untrained): the cap applies */
	double		guard_weight;	/* clustering guard (match_conflict_pair) */
	double		guard_against;
	int64		guard_max_pairs;
	double		m_prior_pairs;	/* Dirichlet smoothing of trained m */
	bool		train_on_decisions;
	int			ncomparisons;
	MatchComparison comp[MATCH_MAX_COMPARISONS];
	int			nrules;
	MatchRule	rule[MATCH_MAX_RULES];
	int			ncolumns;
	MatchColumn column[MATCH_MAX_COLUMNS];
} MatchModel;

/* One distinct value of a column. */
typedef struct MatchValue
{
	const char *bytes;
	int			nbytes;
	uint16		nchars;			/* at most CI_MAX_COMPARE_CHARS */
	bool		ascii;
	uint8		flags;			/* MATCH_VALUE_* */
	uint32		chars;			/* match_char_signature of an ASCII value, else 0 */
	DateADT		date;			/* a date; date parts: y * 10000 + m * 100 + d (0: unknown) */
	double		num;			/* parse number: the number */
	uint32		count;			/* records carrying it */
	uint32		hash;
	float		tf;				/* term frequency used by scoring */
	int32		alias;			/* memo of match_values_alias: 0 not looked up,
								 * -1 not in ci.name_alias, -2 in too many
								 * entries to memo, else its entries as
								 * (first + 1) << 8 | how many */
} MatchValue;

extern bool match_values_alias(const MatchAliases *al, const MatchValue *a, const MatchValue *b);
extern bool match_values_alias_slip(const MatchAliases *al, const MatchValue *a, const MatchValue *b,
									double near);

typedef struct MatchDict
{
	MatchValue *values;			/* values[0] unused: id 0 is NULL */
	uint32		nvalues;		/* including the unused slot */
	uint32		capacity;
	uint32	   *slots;			/* open addressing: value ids, 0 = empty */
	uint32		nslots;
	int64		nonnull;		/* records with a value */
	char	   *arena;			/* bytes of the values */
	Size		arena_used;
	Size		arena_size;
	List	   *arenas;
} MatchDict;

/*
 * The tokens of the values of a column that a tokens(column) key reads
 * (match_block.c), each value split once per run instead of per record
 * and per pair: value v's tokens (in its order, repeats kept) are
 * ids[start[v] .. start[v + 1] - 1], interned (equal ids, equal tokens),
 * and token id t's hash_bytes_extended is hash[t].  Values interned after
 * it was built (v >= nvalues) are split from their bytes.
 */
typedef struct MatchTokenMemo
{
	uint32		nvalues;
	uint32	   *start;
	uint32	   *ids;
	uint64	   *hash;
} MatchTokenMemo;

typedef struct MatchStore
{
	MatchModel *model;
	MemoryContext cxt;
	int			n;
	int			capacity;
	int64	   *ids;
	uint32	   *source;			/* interned source (0 = NULL) */
	uint32	   *vals;			/* n x ncolumns value ids */
	int64	   *identity;		/* current identity (0 = none) */
	MatchDict	dicts[MATCH_MAX_COLUMNS];
	MatchDict	sources;
	Size		mem;			/* bytes allocated, against ci.match_work_mem */
	Size		arena_first;	/* first value arena of a column (1 MB; less for a few records) */
	MatchTokenMemo *tokens[MATCH_MAX_COLUMNS];	/* tokens(column) keys' columns, or NULL */
} MatchStore;

#define MATCH_VAL(st, rec, col)	((st)->vals[(Size) (rec) * (st)->model->ncolumns + (col)])

/* A candidate pair: records a < b (store indexes) and its pattern class. */
typedef struct MatchPair
{
	uint32		a;
	uint32		b;
	uint32		cls;
} MatchPair;

/* A distinct (pattern, rules satisfied) combination and its pair count. */
typedef struct MatchClass
{
	uint64		pattern;
	uint32		rules;
	int64		count;
} MatchClass;

typedef struct MatchPairs
{
	MatchPair  *pairs;
	int64		npairs;
	int64		capacity;
	MatchClass *classes;
	uint32		nclasses;
	uint32		class_capacity;
	uint32	   *class_slots;
	uint32		class_nslots;
	int64		rule_pairs[MATCH_MAX_RULES];	/* pairs satisfying each rule */
	int64		rule_new[MATCH_MAX_RULES];	/* pairs each rule added */
	int64		rule_skipped_blocks[MATCH_MAX_RULES];	/* blocks over max_block_size */
	int64		rule_skipped_pairs[MATCH_MAX_RULES];	/* their pairs, not compared */
} MatchPairs;

/* A 64-bit integer mixer (the splitmix64 finaliser). */
static inline uint64
match_mix64(uint64 z)
{
	z = (z ^ (z >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* GUCs (match_init.c) */
extern int	match_work_mem_kb;
extern int	match_work_mem_limit_kb(void);
extern int	match_progress_interval_ms;

/* match_model.c */
extern MatchModel *match_load_model(const char *name);
extern void match_check_caller_reads(MatchModel *model);
extern void match_model_weights(MatchModel *model);
extern void match_save_parameters(MatchModel *model, const char *training_json);

/* match_store.c */
extern MatchStore *match_store_create(MatchModel *model, MemoryContext cxt);
extern void match_store_load(MatchStore *st, const char *where, int nargs,
							 Oid *argtypes, Datum *args, bool with_identity,
							 CiProgress *progress);
struct _SPI_plan;
extern char *match_store_sql(MatchModel *model, const char *where, bool with_identity);
extern void match_store_load_plan(MatchStore *st, struct _SPI_plan *plan, Datum *args,
								  const char *nulls, bool read_only, CiProgress *progress);
extern uint32 match_dict_intern(MatchStore *st, MatchDict *d, const char *s, int len,
								bool is_date, DateADT date, bool count);
extern uint32 match_dict_lookup(MatchDict *d, const char *s, int len);
extern void *match_alloc(MatchStore *st, Size size);
#define MATCH_HUGE_PAGE ((Size) 2 * 1024 * 1024)
extern void match_advise_huge(void *p, Size size);
extern int	match_store_find(const MatchStore *st, int64 record_id);
extern void match_store_tf_from_counts(MatchStore *st);
extern void match_store_tf_from_table(MatchStore *st);

/* match_kinds.c */
extern void match_flag_stored_placeholders(MatchStore *st);
extern int	match_parse_date_parts(const char *s, int len, int *y, int *m, int *d);
extern void match_value_parse(MatchValue *v, MatchParse parse);
extern int	match_tokens_sorted(const char *s, int len, char **out);
extern void match_flag_common_dates(MatchStore *st);
extern int	match_compare_kind(const MatchComparison *c, const MatchValue *a,
							   const MatchValue *b, double *similarity);
extern int	match_compare_parts(MatchStore *st, const MatchComparison *c, uint32 a, uint32 b,
								double *similarity, bool *swapped);

/* match_compare.c */
extern double match_value_similarity(MatchSimilarity sim, int bound, const MatchValue *a,
									 const MatchValue *b, const char *what);
extern int	match_compare_values(const MatchComparison *c, const MatchValue *a,
								 const MatchValue *b, double *similarity);
extern int	match_compare_distinct(const MatchComparison *c, const MatchValue *a,
								   const MatchValue *b, double *similarity);
extern uint64 match_pattern(MatchStore *st, uint32 a, uint32 b);
extern void match_pattern_prefetch(MatchStore *st, uint32 a, uint32 b, bool bytes);

/* Dirichlet pseudo-count (records) shrinking term frequencies toward u_exact */
#define MATCH_TF_PSEUDO 100.0
/* a value's own record, not counted in its term frequency (match_tf_shrunk) */
#define MATCH_TF_SELF 1.0
extern double match_tf_shrunk(const MatchModel *model, const MatchComparison *c, double count, double nonnull);
extern int	match_pattern_level(uint64 pattern, int k);
extern double match_pair_weight(MatchStore *st, uint32 a, uint32 b, uint64 pattern);
extern void match_weight_prefetch(MatchStore *st, uint32 a, uint32 b, uint64 pattern, int step);
extern double match_household_excess(MatchStore *st, uint32 a, uint32 b, uint64 pattern,
									 const double *lw, int *personal);
extern double match_prior_weight(const MatchModel *model);
extern double match_weight_to_probability(double w);

/* the clustering guard (full run and ci.resolve_record): defaults of the
 * model's guard_weight, guard_against and guard_max_pairs */
#define MATCH_CONFLICT_WEIGHT (-14.0)
#define MATCH_CONFLICT_AGAINST (-6.0)
#define MATCH_CONFLICT_MAX_PAIRS 10000
extern bool match_conflict_pair(MatchStore *st, uint32 a, uint32 b);
extern double match_probability_to_weight(double p);

/* match_block.c */
extern uint32 match_rule_mask(MatchStore *st, uint32 a, uint32 b);
extern bool match_tokens_next(const MatchRule *rule, int *at, const int *n);
extern void match_block_met(MatchStore *st, bool *met);
extern int	match_value_tokens(const MatchValue *v, const char **tok, int *len);
extern bool match_same_unique_source(MatchStore *st, uint32 a, uint32 b);

/* match_dupfree.c */
extern void match_detect_duplicate_free(MatchStore *st, MatchPairs *pairs,
										const double *weights, StringInfo report);
extern void match_block_count(MatchStore *st, int64 *per_rule, int64 *largest,
							  int64 *skipped_blocks, int64 *skipped_pairs, uint32 *in_skipped);
extern MatchPairs *match_block_pairs(MatchStore *st, CiProgress *progress);

/* match_train.c */
extern char *match_train(MatchStore *st, MatchPairs *pairs, CiProgress *progress);

extern double match_elapsed_ms(instr_time start);

/* errors */
extern void match_check_memory(MatchStore *st, Size more, const char *what);

#endif							/* MATCH_MATCH_H */
