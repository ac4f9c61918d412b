/*
 * survive_agg.c — the survivorship aggregates' transition, combine,
 * serialisation and final functions.
 *
 *   ci.survive(value anyelement, [key text,] source text, updated_at timestamptz, rule text|jsonb)
 *       -> anyelement: the winning value
 *   ci.survive_lineage(value anyelement, [key text,] record_id bigint, source text,
 *                      updated_at timestamptz, rules jsonb [, scope integer])
 *       -> jsonb: the winner with its lineage (survive_lineage.c)
 *
 * With a key, values are compared by their key (bytes; a row with a NULL key
 * is compared by its value among the other NULL-key rows): most_frequent
 * counts keys, and every value shows its key group's representative spelling
 * (survive_rank.c).  Keyed states keep every candidate.
 *
 * The state lives in the aggregate context.  Values of any type are
 * detoasted and copied there (datumCopy honours typlen/typbyval, so by-value,
 * fixed-length by-reference and varlena types all work).  ci.survive keeps
 * only the best candidate so far, except for most_frequent, which must see
 * every value; the lineage aggregate keeps every non-NULL candidate, since
 * it reports whom the winner beat.  Memory then grows with the group's size.
 *
 * Parallel aggregation: states are serialised to bytea (value images through
 * datumSerialize, the rule as its raw bytes, re-parsed and cached on the
 * other side) and combined by merging candidate lists.
 */
#include "survive.h"

#include "catalog/pg_type.h"
#include "libpq/pqformat.h"
#include "nodes/primnodes.h"
#include "nodes/pg_list.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(survive_transfn_text);
PG_FUNCTION_INFO_V1(survive_transfn_jsonb);
PG_FUNCTION_INFO_V1(survive_lineage_transfn);
PG_FUNCTION_INFO_V1(survive_transfn_text_key);
PG_FUNCTION_INFO_V1(survive_transfn_jsonb_key);
PG_FUNCTION_INFO_V1(survive_lineage_key_transfn);
PG_FUNCTION_INFO_V1(survive_finalfn);
PG_FUNCTION_INFO_V1(survive_lineage_finalfn);
PG_FUNCTION_INFO_V1(survive_combinefn);
PG_FUNCTION_INFO_V1(survive_serialize);
PG_FUNCTION_INFO_V1(survive_deserialize);

#define SURVIVE_SERIAL_MAGIC	0x53525632	/* "SRV2" */
#define ALL_SCOPES				((uint32) 0x7FFFFFFF)

static MemoryContext
agg_context(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", fname)));
	return aggcxt;
}

static SurviveState *
state_new(MemoryContext aggcxt, SurviveType *type, SurviveRuleSet *rules, bool lineage, bool has_key)
{
	SurviveState *state = MemoryContextAllocZero(aggcxt, sizeof(SurviveState));

	state->mcxt = aggcxt;
	state->type = type;
	state->rules = rules;
	state->lineage = lineage;
	state->has_key = has_key;
	state->keep_all = lineage || has_key || rules->needs_all;
	return state;
}

/* A copy of a comparison key in the state's context. */
static struct varlena *
copy_key(SurviveState *state, const struct varlena *key)
{
	Size		len = VARSIZE_ANY_EXHDR(key);
	struct varlena *copy = MemoryContextAlloc(state->mcxt, len + VARHDRSZ);

	SET_VARSIZE(copy, len + VARHDRSZ);
	memcpy(VARDATA(copy), VARDATA_ANY(key), len);
	return copy;
}

/* Intern the first few distinct sources of a state; copy the rest. */
static const char *
state_source(SurviveState *state, const char *s)
{
	char	   *copy;

	if (s == NULL)
		return NULL;
	for (int i = 0; i < state->nsources; i++)
		if (strcmp(state->sources[i], s) == 0)
			return state->sources[i];
	copy = MemoryContextStrdup(state->mcxt, s);
	if (state->nsources < (int) lengthof(state->sources))
		state->sources[state->nsources++] = copy;
	return copy;
}

static void
state_grow(SurviveState *state)
{
	if (state->ncands < state->maxcands)
		return;
	if ((Size) state->maxcands * 2 * sizeof(SurviveCand) >= MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("survivorship group exceeds the maximum of %zu candidates",
						MaxAllocSize / sizeof(SurviveCand) / 2),
				 errhint("Split the group, or use a rule that keeps only the best candidate.")));
	state->maxcands = state->maxcands ? state->maxcands * 2 : 4;
	state->cands = state->cands
		? repalloc(state->cands, sizeof(SurviveCand) * state->maxcands)
		: MemoryContextAlloc(state->mcxt, sizeof(SurviveCand) * state->maxcands);
}

static Datum
copy_value(SurviveState *state, Datum v)
{
	MemoryContext old = MemoryContextSwitchTo(state->mcxt);
	Datum		copy = datumCopy(v, state->type->typbyval, state->type->typlen);

	MemoryContextSwitchTo(old);
	return copy;
}

static void
free_value(SurviveState *state, Datum v)
{
	if (!state->type->typbyval)
		pfree(DatumGetPointer(v));
}

/*
 * Offer a candidate whose value is not yet in the state's context; it is
 * copied only if kept.
 */
static void
state_offer(SurviveState *state, SurviveCand *c, const char *source)
{
	if (state->keep_all)
	{
		state_grow(state);
		c->value = copy_value(state, c->value);
		c->source = state_source(state, source);
		if (c->key != NULL)
			c->key = copy_key(state, c->key);
		state->cands[state->ncands++] = *c;
		return;
	}
	c->source = source;
	if (state->ncands == 0)
	{
		state_grow(state);
		state->ncands = 1;
	}
	else if (survive_compare(state, &state->rules->rules[0], c, &state->cands[0]) > 0)
	{
		free_value(state, state->cands[0].value);
		if (state->cands[0].source != NULL)
			pfree((void *) state->cands[0].source);
	}
	else
		return;
	c->value = copy_value(state, c->value);
	c->source = source ? MemoryContextStrdup(state->mcxt, source) : NULL;
	state->cands[0] = *c;
}

/* Is the aggregate's rule argument a constant (then it cannot change)? */
static bool
rule_arg_is_const(FunctionCallInfo fcinfo, int argno)
{
	Aggref	   *aggref = AggGetAggref(fcinfo);
	TargetEntry *tle;

	if (aggref == NULL || list_length(aggref->args) < argno)
		return false;
	tle = (TargetEntry *) list_nth(aggref->args, argno - 1);
	return tle != NULL && IsA(tle->expr, Const);
}

static void
check_same_rule(SurviveState *state, FunctionCallInfo fcinfo, int argno, bool is_text)
{
	struct varlena *v;
	const char *raw;
	int			len;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("survivorship rule must not be NULL")));
	if (state->rule_is_const)
		return;
	if (is_text)
	{
		v = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(argno));
		raw = VARDATA_ANY(v);
		len = VARSIZE_ANY_EXHDR(v);
	}
	else
	{
		v = PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));
		raw = VARDATA(v);
		len = VARSIZE(v) - VARHDRSZ;
	}
	if (len == state->rules->rawlen && memcmp(raw, state->rules->raw, len) == 0)
		return;
	ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("survivorship rule must be the same for every row of a group"),
				 errdetail("The rule changed from \"%.100s\" to \"%.*s\".", state->rules->raw,
						   Min(len, 100), raw)));
}

/*
 * The common transition: arguments at the given positions (-1: absent).
 */
static SurviveState *
survive_transition(FunctionCallInfo fcinfo, const char *fname, int a_key, int a_record, int a_source,
				   int a_ts, int a_rule, bool rule_is_text, int a_scope, bool lineage)
{
	MemoryContext aggcxt = agg_context(fcinfo, fname);
	SurviveState *state = PG_ARGISNULL(0) ? NULL : (SurviveState *) PG_GETARG_POINTER(0);
	SurviveCand c;
	char	   *source = NULL;

	if (state == NULL)
	{
		SurviveRuleSet *rules;
		SurviveType *type;

		if (PG_ARGISNULL(a_rule))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("survivorship rule must not be NULL")));
		rules = survive_rules_cached(fcinfo, PG_GETARG_DATUM(a_rule), rule_is_text, aggcxt);
		type = survive_type_cached(fcinfo, get_fn_expr_argtype(fcinfo->flinfo, 1), PG_GET_COLLATION());
		survive_rules_check_type(rules, type);
		survive_rules_bind_trust(fcinfo, rules);
		if (a_record < 0)
			for (int i = 0; i < rules->nrules; i++)
				if (rules->rules[i].kind == SURVIVE_FIRST_NON_NULL &&
					rules->rules[i].order_by == SURVIVE_ORDER_RECORD_ID)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("first_non_null by record_id needs a record id"),
							 errhint("Use ci.survive_lineage, which takes one, or order by updated_at or input.")));
		if (!lineage && rules->nrules > 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s takes a single rule, not a chain", fname),
					 errhint("Use ci.survive_lineage with a scope for rule chains.")));
		state = state_new(aggcxt, type, rules, lineage, a_key >= 0);
		state->rule_is_const = rule_arg_is_const(fcinfo, a_rule);
	}
	else
		check_same_rule(state, fcinfo, a_rule, rule_is_text);

	state->nrows++;
	if (PG_ARGISNULL(1))
	{
		state->nnulls++;
		return state;
	}

	memset(&c, 0, sizeof(c));
	c.value = PG_GETARG_DATUM(1);
	if (state->type->typlen == -1)
		c.value = PointerGetDatum(PG_DETOAST_DATUM_PACKED(c.value));
	c.ts_null = PG_ARGISNULL(a_ts);
	if (!c.ts_null)
		c.ts = PG_GETARG_TIMESTAMPTZ(a_ts);
	if (a_record >= 0 && !PG_ARGISNULL(a_record))
	{
		c.has_record_id = true;
		c.record_id = PG_GETARG_INT64(a_record);
	}
	c.scope = (a_scope < 0 || PG_ARGISNULL(a_scope)) ? ALL_SCOPES
		: ((uint32) PG_GETARG_INT32(a_scope) & ALL_SCOPES);
	c.seq = state->nextseq++;
	if (a_key >= 0 && !PG_ARGISNULL(a_key))
		c.key = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(a_key));
	if (state->rules->needs_length)
		c.length = survive_value_length(state->type, c.value);
	if (!PG_ARGISNULL(a_source))
		source = text_to_cstring(PG_GETARG_TEXT_PP(a_source));
	if (c.scope == 0)
		return state;			/* in no rule's scope: not a candidate */
	/* every candidate's source must have a trust, not only those compared */
	for (int i = 0; i < state->rules->nrules; i++)
	{
		SurviveRule *r = &state->rules->rules[i];

		if ((r->kind == SURVIVE_TRUST_RECENCY || r->tie_break == SURVIVE_TRUST_RECENCY) &&
			(c.scope & ((uint32) 1 << i)))
			(void) survive_source_trust(state->rules, r, source);
	}
	state_offer(state, &c, source);
	if (source)
		pfree(source);
	return state;
}

Datum
survive_transfn_text(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(survive_transition(fcinfo, "ci.survive", -1, -1, 2, 3, 4, true, -1, false));
}

Datum
survive_transfn_jsonb(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(survive_transition(fcinfo, "ci.survive", -1, -1, 2, 3, 4, false, -1, false));
}

Datum
survive_lineage_transfn(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(survive_transition(fcinfo, "ci.survive_lineage", -1, 2, 3, 4, 5, false,
										 PG_NARGS() > 6 ? 6 : -1, true));
}

/* The keyed forms: (value, key, ...). */
Datum
survive_transfn_text_key(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(survive_transition(fcinfo, "ci.survive", 2, -1, 3, 4, 5, true, -1, false));
}

Datum
survive_transfn_jsonb_key(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(survive_transition(fcinfo, "ci.survive", 2, -1, 3, 4, 5, false, -1, false));
}

Datum
survive_lineage_key_transfn(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(survive_transition(fcinfo, "ci.survive_lineage", 2, 3, 4, 5, 6, false,
										 PG_NARGS() > 7 ? 7 : -1, true));
}

Datum
survive_finalfn(PG_FUNCTION_ARGS)
{
	SurviveState *state;
	Datum		winner;

	agg_context(fcinfo, "ci.survive");
	state = PG_ARGISNULL(0) ? NULL : (SurviveState *) PG_GETARG_POINTER(0);
	if (state == NULL || state->ncands == 0)
		PG_RETURN_NULL();		/* no rows, or every value NULL */
	if (state->keep_all)
	{
		int		   *order = palloc(sizeof(int) * state->ncands);
		int			ri;

		if (survive_rank_all(state, order, &ri) == 0)
		{
			survive_rank_done(state);
			PG_RETURN_NULL();
		}
		winner = survive_shown(state, &state->cands[order[0]])->value;
		survive_rank_done(state);
		pfree(order);
	}
	else
		winner = state->cands[0].value;
	PG_RETURN_DATUM(datumCopy(winner, state->type->typbyval, state->type->typlen));
}

Datum
survive_lineage_finalfn(PG_FUNCTION_ARGS)
{
	SurviveState *state;

	agg_context(fcinfo, "ci.survive_lineage");
	state = PG_ARGISNULL(0) ? NULL : (SurviveState *) PG_GETARG_POINTER(0);
	if (state == NULL || state->ncands == 0)
		PG_RETURN_NULL();
	return survive_lineage_jsonb(state, fcinfo);
}

/* ---- parallel aggregation ---- */

Datum
survive_combinefn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context(fcinfo, "ci.survive combine");
	SurviveState *s1 = PG_ARGISNULL(0) ? NULL : (SurviveState *) PG_GETARG_POINTER(0);
	SurviveState *s2 = PG_ARGISNULL(1) ? NULL : (SurviveState *) PG_GETARG_POINTER(1);
	MemoryContext old;

	if (s2 == NULL)
	{
		if (s1 == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s1);
	}
	old = MemoryContextSwitchTo(aggcxt);
	if (s1 == NULL)
	{
		/*
		 * s2 comes from survive_deserialize, in per-row memory: its rules
		 * may live there too.  s1 takes rules that live as long as it does.
		 */
		SurviveRuleSet *rules = survive_rules_from_raw(fcinfo, s2->rules->raw, s2->rules->rawlen,
													   s2->rules->is_text, aggcxt);

		survive_rules_bind_trust(fcinfo, rules);
		s1 = state_new(aggcxt, s2->type, rules, s2->lineage, s2->has_key);
	}
	else if (s1->rules->rawlen != s2->rules->rawlen ||
			 memcmp(s1->rules->raw, s2->rules->raw, s1->rules->rawlen) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("survivorship rule must be the same for every row of a group")));
	for (int i = 0; i < s2->ncands; i++)
	{
		SurviveCand c = s2->cands[i];

		c.seq += s1->nextseq;
		state_offer(s1, &c, c.source);
	}
	s1->nrows += s2->nrows;
	s1->nnulls += s2->nnulls;
	s1->nextseq += s2->nextseq;
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(s1);
}

Datum
survive_serialize(PG_FUNCTION_ARGS)
{
	SurviveState *state;
	StringInfoData buf;

	agg_context(fcinfo, "ci.survive serialize");
	state = (SurviveState *) PG_GETARG_POINTER(0);
	pq_begintypsend(&buf);
	pq_sendint32(&buf, SURVIVE_SERIAL_MAGIC);
	pq_sendint32(&buf, state->type->typid);
	pq_sendint32(&buf, state->type->collation);
	pq_sendbyte(&buf, state->lineage);
	pq_sendbyte(&buf, state->has_key);
	pq_sendbyte(&buf, state->rules->is_text);
	pq_sendint32(&buf, state->rules->rawlen);
	pq_sendbytes(&buf, state->rules->raw, state->rules->rawlen);
	pq_sendint64(&buf, state->nrows);
	pq_sendint64(&buf, state->nnulls);
	pq_sendint64(&buf, state->nextseq);
	pq_sendint32(&buf, state->ncands);
	for (int i = 0; i < state->ncands; i++)
	{
		SurviveCand *c = &state->cands[i];
		Size		sz;
		char	   *p;

		pq_sendbyte(&buf, (c->ts_null ? 1 : 0) | (c->has_record_id ? 2 : 0) | (c->source ? 4 : 0) |
					(c->key ? 8 : 0));
		pq_sendint32(&buf, c->scope);
		pq_sendint64(&buf, c->ts);
		pq_sendint64(&buf, c->record_id);
		pq_sendint64(&buf, c->seq);
		pq_sendint64(&buf, c->length);
		if (c->source)
		{
			int			len = strlen(c->source);

			pq_sendint32(&buf, len);
			pq_sendbytes(&buf, c->source, len);
		}
		if (c->key)
		{
			int			len = VARSIZE_ANY_EXHDR(c->key);

			pq_sendint32(&buf, len);
			pq_sendbytes(&buf, VARDATA_ANY(c->key), len);
		}
		sz = datumEstimateSpace(c->value, false, state->type->typbyval, state->type->typlen);
		enlargeStringInfo(&buf, sz);
		p = buf.data + buf.len;
		datumSerialize(c->value, false, state->type->typbyval, state->type->typlen, &p);
		buf.len += sz;
		buf.data[buf.len] = '\0';
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum
survive_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = agg_context(fcinfo, "ci.survive deserialize");
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	SurviveState *state;
	SurviveType *type;
	SurviveRuleSet *rules;
	Oid			typid,
				collation;
	bool		lineage,
				has_key,
				is_text;
	int			rawlen,
				ncands;

	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	if (pq_getmsgint(&buf, 4) != SURVIVE_SERIAL_MAGIC)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid serialized survivorship state")));
	typid = pq_getmsgint(&buf, 4);
	collation = pq_getmsgint(&buf, 4);
	lineage = pq_getmsgbyte(&buf) != 0;
	has_key = pq_getmsgbyte(&buf) != 0;
	is_text = pq_getmsgbyte(&buf) != 0;
	rawlen = pq_getmsgint(&buf, 4);
	if (rawlen < 0 || rawlen > buf.len - buf.cursor)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid serialized survivorship state")));
	/* the state lives in the current (per-row) context; so may its rules */
	rules = survive_rules_from_raw(fcinfo, pq_getmsgbytes(&buf, rawlen), rawlen, is_text,
								   CurrentMemoryContext);
	type = survive_type_cached(fcinfo, typid, collation);

	/* the state goes where combine expects it; values are copied from here */
	state = state_new(CurrentMemoryContext, type, rules, lineage, has_key);
	state->keep_all = true;		/* keep what the worker kept */
	state->nrows = pq_getmsgint64(&buf);
	state->nnulls = pq_getmsgint64(&buf);
	state->nextseq = pq_getmsgint64(&buf);
	ncands = pq_getmsgint(&buf, 4);
	for (int i = 0; i < ncands; i++)
	{
		SurviveCand c;
		int			flags = pq_getmsgbyte(&buf);
		char	   *p;
		bool		isnull;

		memset(&c, 0, sizeof(c));
		c.ts_null = (flags & 1) != 0;
		c.has_record_id = (flags & 2) != 0;
		c.scope = pq_getmsgint(&buf, 4);
		c.ts = pq_getmsgint64(&buf);
		c.record_id = pq_getmsgint64(&buf);
		c.seq = pq_getmsgint64(&buf);
		c.length = pq_getmsgint64(&buf);
		if (flags & 4)
		{
			int			len = pq_getmsgint(&buf, 4);

			c.source = pnstrdup(pq_getmsgbytes(&buf, len), len);
		}
		if (flags & 8)
		{
			int			len = pq_getmsgint(&buf, 4);
			const char *bytes;

			if (len < 0 || len > buf.len - buf.cursor)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("invalid serialized survivorship state")));
			bytes = pq_getmsgbytes(&buf, len);
			c.key = palloc(len + VARHDRSZ);
			SET_VARSIZE(c.key, len + VARHDRSZ);
			memcpy(VARDATA(c.key), bytes, len);
		}
		p = buf.data + buf.cursor;
		c.value = datumRestore(&p, &isnull);
		buf.cursor = p - buf.data;
		if (buf.cursor > buf.len || isnull)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("invalid serialized survivorship state")));
		state_grow(state);
		state->cands[state->ncands++] = c;
	}
	pq_getmsgend(&buf);
	(void) aggcxt;
	PG_RETURN_POINTER(state);
}
