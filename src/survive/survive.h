/*
 * survive.h — survivorship: rules, candidates and the aggregate state shared
 * by survive_rules.c (parsing), survive_rank.c (ordering candidates),
 * survive_agg.c (transition, combine, serialisation, final functions) and
 * survive_lineage.c (the lineage jsonb).
 */
#ifndef SURVIVE_H
#define SURVIVE_H

#include "ci_common.h"
#include "fmgr.h"
#include "utils/timestamp.h"

/* The rule kinds; SURVIVE_NONE marks "no tie-break given". */
typedef enum SurviveKind
{
	SURVIVE_NONE = 0,
	SURVIVE_SOURCE_PRIORITY,
	SURVIVE_MOST_RECENT,
	SURVIVE_MOST_FREQUENT,
	SURVIVE_LONGEST,
	SURVIVE_FIRST_NON_NULL,
	SURVIVE_MIN,
	SURVIVE_MAX,
	SURVIVE_TRUST_RECENCY
} SurviveKind;

/* What first_non_null orders candidates by. */
typedef enum SurviveOrderBy
{
	SURVIVE_ORDER_INPUT = 0,	/* aggregate input order (use ORDER BY in the call) */
	SURVIVE_ORDER_UPDATED_AT,
	SURVIVE_ORDER_RECORD_ID
} SurviveOrderBy;

/* Most rules in one chain: the scope argument is a 31-bit mask. */
#define SURVIVE_MAX_RULES		31
/* Most sources in one priority list or trust map. */
#define SURVIVE_MAX_SOURCES		1000
/* Lineage lists at most this many beaten candidates (and says how many there were). */
#define SURVIVE_MAX_BEATEN		25

typedef struct SurviveRule
{
	SurviveKind kind;
	SurviveKind tie_break;		/* most_frequent only */
	int			nsources;		/* ranked list: source_priority, or tie_break */
	char	  **sources;
	SurviveOrderBy order_by;	/* first_non_null */
	bool		descending;		/* first_non_null */
	double		half_life_sec;	/* trust_recency */
	int			ntrust;			/* trust_recency: -1 = read ci.source lazily */
	char	  **trust_src;
	double	   *trust_val;
	bool		has_default_trust;
	double		default_trust;
	bool		has_rule_id;
	int64		rule_id;		/* echoed in lineage when the caller gave one */
} SurviveRule;

/*
 * A parsed rule or chain of rules: in the call site's cache (fn_mcxt, the
 * query), or, past the cache's size, in the aggregate context of the state
 * that points at it (survive_rules_from_raw).
 */
typedef struct SurviveRuleSet
{
	MemoryContext mcxt;			/* where lazily loaded trust maps go */
	int			nrules;
	bool		needs_length;	/* some rule measures "longest" */
	bool		needs_all;		/* keep every candidate (most_frequent, lineage) */
	bool		is_text;		/* given as text, not jsonb */
	int			rawlen;			/* the rule argument's bytes, to spot a change */
	char	   *raw;
	SurviveRule rules[FLEXIBLE_ARRAY_MEMBER];
} SurviveRuleSet;

/* One input row. */
typedef struct SurviveCand
{
	Datum		value;
	bool		isnull;
	bool		ts_null;
	bool		has_record_id;
	const char *source;			/* NULL when the row had no source */
	uint32		scope;			/* bit i: row is in the scope of rule i */
	TimestampTz ts;
	int64		record_id;
	int64		seq;			/* input order within the state */
	int64		length;			/* "completeness", when a rule needs it */
	struct varlena *key;		/* comparison key (keyed aggregates), NULL: none */
} SurviveCand;

/* Type facts about the value column, cached per call site. */
typedef struct SurviveType
{
	Oid			typid;
	int16		typlen;
	bool		typbyval;
	char		typcategory;
	Oid			collation;
	bool		has_cmp;
	bool		has_eq;
	FmgrInfo	cmp;			/* btree comparison support, when has_cmp */
	FmgrInfo	eq;				/* equality operator's function, when has_eq */
} SurviveType;

typedef struct SurviveState
{
	MemoryContext mcxt;			/* the aggregate context values are copied into */
	SurviveType *type;
	SurviveRuleSet *rules;
	bool		rule_is_const;	/* the rule argument is a Const: no per-row check */
	bool		lineage;		/* keep every candidate for lineage */
	bool		keep_all;		/* lineage || has_key || rules->needs_all */
	bool		has_key;		/* called with a comparison key argument */
	int64		nrows;			/* rows seen, NULL values included */
	int64		nnulls;			/* rows whose value was NULL */
	int64		nextseq;
	int			nsources;		/* interned source names (the first few distinct) */
	char	   *sources[32];
	int64	   *freq;			/* transient: most_frequent counts, by candidate */
	int		   *group;			/* transient (keyed): key group of each candidate */
	int		   *rep;			/* transient (keyed): the candidate whose value a
								 * candidate shows (its group's representative) */
	int			ncands;
	int			maxcands;
	SurviveCand *cands;			/* every non-NULL candidate, or just the best */
} SurviveState;

/* Per call site cache in fn_extra (fn_mcxt): parsed rules and type facts. */
#define SURVIVE_CACHED_RULESETS		8
typedef struct SurviveCache
{
	int			nsets;
	SurviveRuleSet *sets[SURVIVE_CACHED_RULESETS];
	SurviveType *type;
	bool		trust_loaded;	/* ci.source read for this call site */
	int			ntrust;
	char	  **trust_src;
	double	   *trust_val;
	Oid			out_typid;		/* output function, for lineage */
	FmgrInfo	out;
} SurviveCache;

extern SurviveCache *survive_cache(FunctionCallInfo fcinfo);

/* survive_rules.c */
extern SurviveRuleSet *survive_rules_from_jsonb(Datum rule, MemoryContext mcxt);
extern SurviveRuleSet *survive_rules_from_text(text *rule, MemoryContext mcxt);
extern SurviveRuleSet *survive_rules_cached(FunctionCallInfo fcinfo, Datum rule, bool is_text,
											MemoryContext owner);
extern SurviveRuleSet *survive_rules_from_raw(FunctionCallInfo fcinfo, const char *raw, int rawlen,
											  bool is_text, MemoryContext owner);
extern void survive_rules_check_type(SurviveRuleSet *rules, SurviveType *type);
extern const char *survive_kind_name(SurviveKind kind);
extern double survive_source_trust(SurviveRuleSet *set, SurviveRule *rule, const char *source);
extern void survive_rules_bind_trust(FunctionCallInfo fcinfo, SurviveRuleSet *set);

/* survive_rank.c */
extern SurviveType *survive_type_cached(FunctionCallInfo fcinfo, Oid typid, Oid collation);
extern int	survive_compare(SurviveState *state, SurviveRule *rule,
							const SurviveCand *a, const SurviveCand *b);
extern bool survive_values_equal(SurviveType *type, Datum a, Datum b);
extern int	survive_values_cmp(SurviveType *type, Datum a, Datum b);
extern int64 survive_value_length(SurviveType *type, Datum value);
extern int	survive_rank_all(SurviveState *state, int *order, int *rule_index);
extern void survive_rank_done(SurviveState *state);
extern bool survive_same_group(SurviveState *state, int a, int b);

/* The candidate whose value (and length) c shows: its key group's representative. */
static inline const SurviveCand *
survive_shown(const SurviveState *state, const SurviveCand *c)
{
	return state->rep ? &state->cands[state->rep[c - state->cands]] : c;
}

/* survive_lineage.c */
struct JsonbParseState;
extern Datum survive_lineage_jsonb(SurviveState *state, FunctionCallInfo fcinfo);
extern void survive_push_value(struct JsonbParseState **ps, SurviveType *type, FunctionCallInfo fcinfo,
							   Datum value);

#endif							/* SURVIVE_H */
