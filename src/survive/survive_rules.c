/*
 * survive_rules.c — survivorship rules: parsing the jsonb and text forms,
 * caching the parsed form per call site, checking that a rule fits the value
 * type, and source trust (from the rule or from ci.source).
 *
 * jsonb form: one object, or an array of objects (a chain, tried in order):
 *   {"kind": "source_priority", "sources": ["crm", "pos"]}
 *   {"kind": "most_recent"}
 *   {"kind": "most_frequent", "tie_break": "most_recent"}
 *   {"kind": "longest"}
 *   {"kind": "first_non_null", "order_by": "updated_at", "descending": false}
 *   {"kind": "min"}  {"kind": "max"}
 *   {"kind": "trust_recency", "half_life": "365 days",
 *    "trust": {"crm": 0.9}, "default_trust": 0.5}
 *   optional "rule_id": n, echoed in lineage.
 * text form: "kind" or "kind:argument", the argument being the source list
 * (source_priority), the tie-break (most_frequent), "updated_at|record_id|input
 * [desc]" (first_non_null) or the half-life (trust_recency).
 */
#include "survive.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#define SURVIVE_DEFAULT_HALF_LIFE_SEC	(365.0 * 86400.0)
#define SURVIVE_MAX_RULE_BYTES			65536

static const struct
{
	const char *name;
	SurviveKind kind;
}			kind_names[] =
{
	{"source_priority", SURVIVE_SOURCE_PRIORITY},
	{"most_recent", SURVIVE_MOST_RECENT},
	{"most_frequent", SURVIVE_MOST_FREQUENT},
	{"longest", SURVIVE_LONGEST},
	{"first_non_null", SURVIVE_FIRST_NON_NULL},
	{"min", SURVIVE_MIN},
	{"max", SURVIVE_MAX},
	{"trust_recency", SURVIVE_TRUST_RECENCY},
};

const char *
survive_kind_name(SurviveKind kind)
{
	for (size_t i = 0; i < lengthof(kind_names); i++)
		if (kind_names[i].kind == kind)
			return kind_names[i].name;
	return "none";
}

static SurviveKind
kind_from_name(const char *name, int len)
{
	for (size_t i = 0; i < lengthof(kind_names); i++)
		if (strlen(kind_names[i].name) == (size_t) len &&
			strncmp(kind_names[i].name, name, len) == 0)
			return kind_names[i].kind;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown survivorship rule kind \"%.*s\"", Min(len, 100), name),
			 errhint("Use one of source_priority, most_recent, most_frequent, longest, first_non_null, min, max, trust_recency.")));
	return SURVIVE_NONE;		/* keep compiler quiet */
}

static void
rule_defaults(SurviveRule *r)
{
	memset(r, 0, sizeof(*r));
	r->half_life_sec = SURVIVE_DEFAULT_HALF_LIFE_SEC;
	r->ntrust = -1;
}

static double
interval_seconds(const char *s)
{
	Interval   *iv;
	double		sec;

	iv = DatumGetIntervalP(DirectFunctionCall3(interval_in, CStringGetDatum(s),
											   ObjectIdGetDatum(InvalidOid),
											   Int32GetDatum(-1)));
	sec = (double) iv->time / 1000000.0 + (double) iv->day * 86400.0 +
		(double) iv->month * 30.0 * 86400.0;
	if (!(sec > 0) || isinf(sec))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("survivorship half_life must be a positive interval"),
				 errdetail("The half-life given was \"%s\".", s)));
	return sec;
}

static void
check_source_name(const char *s, int len)
{
	if (len == 0 || len > NAMEDATALEN * 4)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("survivorship source names must be 1 to %d bytes long", NAMEDATALEN * 4)));
}

static void
add_source(SurviveRule *r, const char *s, int len, int *cap)
{
	if (r->nsources >= SURVIVE_MAX_SOURCES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a survivorship rule may rank at most %d sources", SURVIVE_MAX_SOURCES)));
	check_source_name(s, len);
	if (r->nsources >= *cap)
	{
		*cap = *cap ? *cap * 2 : 8;
		r->sources = r->sources ? repalloc(r->sources, sizeof(char *) * *cap)
			: palloc(sizeof(char *) * *cap);
	}
	r->sources[r->nsources++] = pnstrdup(s, len);
}

static void
rule_finish(SurviveRuleSet *set, SurviveRule *r)
{
	if (r->kind == SURVIVE_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("survivorship rule has no \"kind\""),
				 errhint("Give {\"kind\": \"most_recent\"} or another kind.")));
	if (r->kind == SURVIVE_SOURCE_PRIORITY && r->nsources == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("survivorship rule source_priority needs a ranked list of sources"),
				 errhint("Give \"sources\": [\"crm\", \"pos\"] or write 'source_priority:crm,pos'.")));
	if (r->tie_break != SURVIVE_NONE && r->kind != SURVIVE_MOST_FREQUENT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("only most_frequent takes a tie_break"),
				 errdetail("The rule's kind is %s.", survive_kind_name(r->kind))));
	if (r->tie_break == SURVIVE_MOST_FREQUENT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("most_frequent cannot be its own tie_break")));
	if (r->tie_break == SURVIVE_SOURCE_PRIORITY && r->nsources == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tie_break source_priority needs a ranked list of sources"),
				 errhint("Give \"sources\" in the same rule.")));
	if (r->kind == SURVIVE_LONGEST || r->tie_break == SURVIVE_LONGEST)
		set->needs_length = true;
	if (r->kind == SURVIVE_MOST_FREQUENT)
		set->needs_all = true;
}

/* ---- jsonb form ---- */

static char *
jbv_string(JsonbValue *v, const char *key)
{
	if (v->type != jbvString)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("survivorship rule key \"%s\" must be a string", key)));
	return pnstrdup(v->val.string.val, v->val.string.len);
}

static double
jbv_number(JsonbValue *v, const char *key)
{
	if (v->type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("survivorship rule key \"%s\" must be a number", key)));
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v->val.numeric)));
}

/*
 * A rule_id: an integer that fits a bigint.  Checked on the numeric itself,
 * since casting an out-of-range double to int64 is undefined behaviour.
 */
static const char *
numeric_text(Datum n)
{
	return DatumGetCString(DirectFunctionCall1(numeric_out, n));
}

static int64
jbv_rule_id(JsonbValue *v)
{
	Datum		n;

	if (v->type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("survivorship rule key \"rule_id\" must be a number")));
	n = NumericGetDatum(v->val.numeric);
	if (!DatumGetBool(DirectFunctionCall2(numeric_eq, n,
										  DirectFunctionCall2(numeric_trunc, n, Int32GetDatum(0)))))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("survivorship rule_id must be an integer"),
				 errdetail("The rule_id given was %.40s%s.", numeric_text(n),
						   strlen(numeric_text(n)) > 40 ? "..." : "")));
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, n,
										  DirectFunctionCall1(int8_numeric, Int64GetDatum(PG_INT64_MAX)))) > 0 ||
		DatumGetInt32(DirectFunctionCall2(numeric_cmp, n,
										  DirectFunctionCall1(int8_numeric, Int64GetDatum(PG_INT64_MIN)))) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("survivorship rule_id is out of range for type bigint"),
				 errdetail("The rule_id given was %.40s%s.", numeric_text(n),
						   strlen(numeric_text(n)) > 40 ? "..." : "")));
	return DatumGetInt64(DirectFunctionCall1(numeric_int8, n));
}

static double
checked_trust(double t, const char *what)
{
	if (!(t > 0 && t <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("source trust must be in (0, 1]"),
				 errdetail("The trust given for %s was %g.", what, t)));
	return t;
}

static void
parse_rule_object(SurviveRuleSet *set, SurviveRule *r, JsonbContainer *obj)
{
	JsonbIterator *it = JsonbIteratorInit(obj);
	JsonbValue	k,
				v;
	JsonbIteratorToken tok;
	int			srccap = 0;

	rule_defaults(r);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		char	   *key;

		if (tok != WJB_KEY)
			continue;
		key = pnstrdup(k.val.string.val, k.val.string.len);
		tok = JsonbIteratorNext(&it, &v, true);
		Assert(tok == WJB_VALUE);

		if (strcmp(key, "kind") == 0)
		{
			char	   *s = jbv_string(&v, key);

			r->kind = kind_from_name(s, strlen(s));
		}
		else if (strcmp(key, "tie_break") == 0)
		{
			char	   *s = jbv_string(&v, key);

			r->tie_break = kind_from_name(s, strlen(s));
		}
		else if (strcmp(key, "sources") == 0)
		{
			JsonbIterator *ait;
			JsonbValue	e;

			if (v.type != jbvBinary || !JsonContainerIsArray(v.val.binary.data))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("survivorship rule key \"sources\" must be an array of source names")));
			ait = JsonbIteratorInit(v.val.binary.data);
			while ((tok = JsonbIteratorNext(&ait, &e, true)) != WJB_DONE)
			{
				if (tok != WJB_ELEM)
					continue;
				if (e.type != jbvString)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("survivorship rule key \"sources\" must be an array of source names")));
				add_source(r, e.val.string.val, e.val.string.len, &srccap);
			}
		}
		else if (strcmp(key, "order_by") == 0)
		{
			char	   *s = jbv_string(&v, key);

			if (strcmp(s, "updated_at") == 0)
				r->order_by = SURVIVE_ORDER_UPDATED_AT;
			else if (strcmp(s, "record_id") == 0)
				r->order_by = SURVIVE_ORDER_RECORD_ID;
			else if (strcmp(s, "input") == 0)
				r->order_by = SURVIVE_ORDER_INPUT;
			else
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown survivorship order_by \"%s\"", s),
						 errhint("Use updated_at, record_id or input.")));
		}
		else if (strcmp(key, "descending") == 0)
		{
			if (v.type != jbvBool)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("survivorship rule key \"descending\" must be a boolean")));
			r->descending = v.val.boolean;
		}
		else if (strcmp(key, "half_life") == 0)
			r->half_life_sec = interval_seconds(jbv_string(&v, key));
		else if (strcmp(key, "default_trust") == 0)
		{
			r->has_default_trust = true;
			r->default_trust = checked_trust(jbv_number(&v, key), "default_trust");
		}
		else if (strcmp(key, "trust") == 0)
		{
			JsonbIterator *tit;
			JsonbValue	tk,
						tv;
			int			n = 0;

			if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("survivorship rule key \"trust\" must be an object of source: trust")));
			n = JsonContainerSize(v.val.binary.data);
			if (n > SURVIVE_MAX_SOURCES)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("a survivorship trust map may name at most %d sources", SURVIVE_MAX_SOURCES)));
			r->trust_src = palloc(sizeof(char *) * Max(n, 1));
			r->trust_val = palloc(sizeof(double) * Max(n, 1));
			r->ntrust = 0;
			tit = JsonbIteratorInit(v.val.binary.data);
			while ((tok = JsonbIteratorNext(&tit, &tk, true)) != WJB_DONE)
			{
				char	   *name;

				if (tok != WJB_KEY)
					continue;
				name = pnstrdup(tk.val.string.val, tk.val.string.len);
				check_source_name(name, tk.val.string.len);
				(void) JsonbIteratorNext(&tit, &tv, true);
				r->trust_src[r->ntrust] = name;
				r->trust_val[r->ntrust] = checked_trust(jbv_number(&tv, "trust"), name);
				r->ntrust++;
			}
		}
		else if (strcmp(key, "rule_id") == 0)
		{
			r->has_rule_id = true;
			r->rule_id = jbv_rule_id(&v);
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown survivorship rule key \"%s\"", key),
					 errhint("Known keys: kind, sources, tie_break, order_by, descending, half_life, trust, default_trust, rule_id.")));
	}
	rule_finish(set, r);
}

static SurviveRuleSet *
new_set(int nrules, MemoryContext mcxt, const char *raw, int rawlen, bool is_text)
{
	SurviveRuleSet *set;

	if (nrules < 1 || nrules > SURVIVE_MAX_RULES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a survivorship rule chain must hold 1 to %d rules", SURVIVE_MAX_RULES),
				 errdetail("The chain given holds %d rules.", nrules)));
	set = palloc0(offsetof(SurviveRuleSet, rules) + sizeof(SurviveRule) * nrules);
	set->mcxt = mcxt;
	set->nrules = nrules;
	set->is_text = is_text;
	set->rawlen = rawlen;
	set->raw = palloc(rawlen + 1);
	memcpy(set->raw, raw, rawlen);
	set->raw[rawlen] = '\0';
	return set;
}

static void
check_rule_size(int len)
{
	if (len > SURVIVE_MAX_RULE_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("survivorship rule exceeds the maximum of %d bytes", SURVIVE_MAX_RULE_BYTES),
				 errdetail("The rule given is %d bytes long.", len)));
}

/* Parse a jsonb rule (object or array of objects) into mcxt. */
SurviveRuleSet *
survive_rules_from_jsonb(Datum rule, MemoryContext mcxt)
{
	Jsonb	   *jb = DatumGetJsonbP(rule);
	MemoryContext old = MemoryContextSwitchTo(mcxt);
	SurviveRuleSet *set;

	check_rule_size(VARSIZE(jb));
	if (JB_ROOT_IS_SCALAR(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a survivorship rule must be a jsonb object or an array of objects")));
	if (JB_ROOT_IS_OBJECT(jb))
	{
		set = new_set(1, mcxt, VARDATA(jb), VARSIZE(jb) - VARHDRSZ, false);
		parse_rule_object(set, &set->rules[0], &jb->root);
	}
	else
	{
		int			n = JB_ROOT_COUNT(jb);

		set = new_set(n, mcxt, VARDATA(jb), VARSIZE(jb) - VARHDRSZ, false);
		for (int i = 0; i < n; i++)
		{
			JsonbValue *e = getIthJsonbValueFromContainer(&jb->root, i);

			if (e == NULL || e->type != jbvBinary || !JsonContainerIsObject(e->val.binary.data))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("a survivorship rule chain must be an array of objects"),
						 errdetail("Element %d is not an object.", i + 1)));
			parse_rule_object(set, &set->rules[i], e->val.binary.data);
		}
	}
	MemoryContextSwitchTo(old);
	return set;
}

/* ---- text form ---- */

static const char *
skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

SurviveRuleSet *
survive_rules_from_text(text *rule, MemoryContext mcxt)
{
	const char *s = VARDATA_ANY(rule);
	int			len = VARSIZE_ANY_EXHDR(rule);
	const char *end = s + len;
	const char *colon;
	MemoryContext old;
	SurviveRuleSet *set;
	SurviveRule *r;
	const char *kend;

	check_rule_size(len);
	{
		const char *p = skip_space(s, end);

		/* a JSON rule given as text (an untyped literal resolves to text) */
		if (p < end && (*p == '{' || *p == '['))
		{
			Datum		jb = DirectFunctionCall1(jsonb_in, CStringGetDatum(text_to_cstring(rule)));

			set = survive_rules_from_jsonb(jb, mcxt);
			old = MemoryContextSwitchTo(mcxt);
			/* remember the text bytes, which is what later rows are compared with */
			set->is_text = true;
			set->rawlen = len;
			set->raw = pnstrdup(s, len);
			MemoryContextSwitchTo(old);
			return set;
		}
	}
	old = MemoryContextSwitchTo(mcxt);
	set = new_set(1, mcxt, s, len, true);
	r = &set->rules[0];
	rule_defaults(r);

	colon = memchr(s, ':', len);
	s = skip_space(s, end);
	kend = colon ? colon : end;
	while (kend > s && (kend[-1] == ' ' || kend[-1] == '\t'))
		kend--;
	r->kind = kind_from_name(s, kend - s);

	if (colon)
	{
		const char *a = skip_space(colon + 1, end);
		const char *aend = end;
		char	   *arg;

		while (aend > a && (aend[-1] == ' ' || aend[-1] == '\t'))
			aend--;
		arg = pnstrdup(a, aend - a);
		switch (r->kind)
		{
			case SURVIVE_SOURCE_PRIORITY:
				{
					int			cap = 0;
					const char *p = arg;

					for (;;)
					{
						const char *comma = strchr(p, ',');
						const char *e = comma ? comma : p + strlen(p);
						const char *b = skip_space(p, e);

						while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
							e--;
						add_source(r, b, e - b, &cap);
						if (!comma)
							break;
						p = comma + 1;
					}
				}
				break;
			case SURVIVE_MOST_FREQUENT:
				r->tie_break = kind_from_name(arg, strlen(arg));
				break;
			case SURVIVE_FIRST_NON_NULL:
				{
					char	   *sp = strchr(arg, ' ');
					char	   *dir = NULL;

					if (sp)
					{
						*sp = '\0';
						dir = sp + 1;
						while (*dir == ' ')
							dir++;
					}
					if (strcmp(arg, "updated_at") == 0)
						r->order_by = SURVIVE_ORDER_UPDATED_AT;
					else if (strcmp(arg, "record_id") == 0)
						r->order_by = SURVIVE_ORDER_RECORD_ID;
					else if (strcmp(arg, "input") == 0)
						r->order_by = SURVIVE_ORDER_INPUT;
					else
						ereport(ERROR,
								(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								 errmsg("unknown survivorship order_by \"%s\"", arg),
								 errhint("Use first_non_null:updated_at, first_non_null:record_id or first_non_null:input, optionally followed by asc or desc.")));
					if (dir && pg_strcasecmp(dir, "desc") == 0)
						r->descending = true;
					else if (dir && pg_strcasecmp(dir, "asc") != 0)
						ereport(ERROR,
								(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								 errmsg("survivorship order direction must be asc or desc"),
								 errdetail("The direction given was \"%s\".", dir)));
				}
				break;
			case SURVIVE_TRUST_RECENCY:
				r->half_life_sec = interval_seconds(arg);
				break;
			default:
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("survivorship rule %s takes no argument", survive_kind_name(r->kind)),
						 errdetail("The rule given was \"%s\".", set->raw)));
		}
	}
	rule_finish(set, r);
	MemoryContextSwitchTo(old);
	return set;
}

/* ---- per call site cache ---- */

SurviveCache *
survive_cache(FunctionCallInfo fcinfo)
{
	if (fcinfo->flinfo->fn_extra == NULL)
		fcinfo->flinfo->fn_extra = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(SurviveCache));
	return (SurviveCache *) fcinfo->flinfo->fn_extra;
}

/*
 * The parsed rule set for this call's rule argument.  A call site usually
 * passes one constant rule; up to SURVIVE_CACHED_RULESETS distinct rules are
 * kept for the query in fn_mcxt.  Past that, the set is parsed into owner,
 * which must live as long as the state that will point at it: the
 * aggregate context (AggCheckCallContext), never the per-row context the
 * transition and deserialisation functions are called in.
 */
SurviveRuleSet *
survive_rules_from_raw(FunctionCallInfo fcinfo, const char *raw, int rawlen, bool is_text,
					   MemoryContext owner)
{
	SurviveCache *cache = survive_cache(fcinfo);
	MemoryContext mcxt;
	SurviveRuleSet *set;

	for (int i = 0; i < cache->nsets; i++)
	{
		SurviveRuleSet *s = cache->sets[i];

		if (s->is_text == is_text && s->rawlen == rawlen && memcmp(s->raw, raw, rawlen) == 0)
			return s;
	}
	mcxt = cache->nsets < SURVIVE_CACHED_RULESETS ? fcinfo->flinfo->fn_mcxt : owner;
	if (is_text)
	{
		text	   *t = (text *) palloc(rawlen + VARHDRSZ);

		SET_VARSIZE(t, rawlen + VARHDRSZ);
		memcpy(VARDATA(t), raw, rawlen);
		set = survive_rules_from_text(t, mcxt);
	}
	else
	{
		Jsonb	   *jb = (Jsonb *) palloc(rawlen + VARHDRSZ);

		SET_VARSIZE(jb, rawlen + VARHDRSZ);
		memcpy(VARDATA(jb), raw, rawlen);
		set = survive_rules_from_jsonb(JsonbPGetDatum(jb), mcxt);
	}
	if (mcxt == fcinfo->flinfo->fn_mcxt)
		cache->sets[cache->nsets++] = set;
	return set;
}

SurviveRuleSet *
survive_rules_cached(FunctionCallInfo fcinfo, Datum rule, bool is_text, MemoryContext owner)
{
	struct varlena *v;

	if (is_text)
	{
		v = PG_DETOAST_DATUM_PACKED(rule);
		return survive_rules_from_raw(fcinfo, VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v), true, owner);
	}
	/* jsonb code reads the 4-byte header form only */
	v = PG_DETOAST_DATUM(rule);
	return survive_rules_from_raw(fcinfo, VARDATA(v), VARSIZE(v) - VARHDRSZ, false, owner);
}

/* ---- fit of rule and type ---- */

static void
check_kind_fits(SurviveKind kind, SurviveType *type)
{
	switch (kind)
	{
		case SURVIVE_LONGEST:
			if (type->typcategory != TYPCATEGORY_STRING &&
				type->typcategory != TYPCATEGORY_ARRAY &&
				type->typid != JSONBOID)
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("survivorship rule longest does not fit type %s", format_type_be(type->typid)),
						 errdetail("longest measures characters of a string, elements of an array or keys of a jsonb value."),
						 errhint("Use most_recent, most_frequent, min or max for this type.")));
			break;
		case SURVIVE_MIN:
		case SURVIVE_MAX:
			if (!type->has_cmp)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_FUNCTION),
						 errmsg("survivorship rule %s does not fit type %s", survive_kind_name(kind),
								format_type_be(type->typid)),
						 errdetail("The type has no default btree ordering.")));
			break;
		default:
			break;
	}
}

void
survive_rules_check_type(SurviveRuleSet *rules, SurviveType *type)
{
	for (int i = 0; i < rules->nrules; i++)
	{
		check_kind_fits(rules->rules[i].kind, type);
		check_kind_fits(rules->rules[i].tie_break, type);
	}
}

/* ---- trust ---- */

/* ci.source's trust map, read into mcxt (SPI_getvalue copies into the current context). */
static void
load_trust_from_catalog(MemoryContext mcxt, int *ntrust, char ***src, double **val)
{
	MemoryContext old;
	int			ret;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute("SELECT source, trust::float8 FROM ci.source", true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading ci.source failed: %s", SPI_result_code_string(ret));
	old = MemoryContextSwitchTo(mcxt);
	*src = palloc(sizeof(char *) * Max(SPI_processed, 1));
	*val = palloc(sizeof(double) * Max(SPI_processed, 1));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		d;

		(*src)[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull);
		(*val)[i] = isnull ? 0.5 : DatumGetFloat8(d);
	}
	*ntrust = (int) SPI_processed;
	MemoryContextSwitchTo(old);
	SPI_finish();
}

/*
 * Give the trust_recency rules of set that have no "trust" map of their own
 * the catalog's, read once per call site (fn_mcxt outlives every state), not
 * once per parsed rule: past the rule cache, every group parses its own.
 */
void
survive_rules_bind_trust(FunctionCallInfo fcinfo, SurviveRuleSet *set)
{
	SurviveCache *cache = NULL;

	for (int i = 0; i < set->nrules; i++)
	{
		SurviveRule *r = &set->rules[i];

		if (r->ntrust >= 0 || (r->kind != SURVIVE_TRUST_RECENCY && r->tie_break != SURVIVE_TRUST_RECENCY))
			continue;
		if (cache == NULL)
		{
			cache = survive_cache(fcinfo);
			if (!cache->trust_loaded)
			{
				load_trust_from_catalog(fcinfo->flinfo->fn_mcxt, &cache->ntrust,
										&cache->trust_src, &cache->trust_val);
				cache->trust_loaded = true;
			}
		}
		r->trust_src = cache->trust_src;
		r->trust_val = cache->trust_val;
		r->ntrust = cache->ntrust;
	}
}

/*
 * The trust of a source for a trust_recency rule: from the rule's "trust"
 * map, else from ci.source (read once per call site and query,
 * survive_rules_bind_trust).  An unknown or NULL source
 * takes "default_trust" when the rule gives one, else is an error: guessing
 * would silently shape the profile.
 */
double
survive_source_trust(SurviveRuleSet *set, SurviveRule *rule, const char *source)
{
	if (rule->ntrust < 0)		/* not bound to a call site's map: read it for this rule */
		load_trust_from_catalog(set->mcxt, &rule->ntrust, &rule->trust_src, &rule->trust_val);
	if (source != NULL)
		for (int i = 0; i < rule->ntrust; i++)
			if (strcmp(rule->trust_src[i], source) == 0)
				return rule->trust_val[i];
	if (rule->has_default_trust)
		return rule->default_trust;
	if (source == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("trust_recency needs a source for every non-NULL candidate"),
				 errhint("Give the rule a \"default_trust\" for candidates without a source.")));
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("source \"%s\" has no trust", source),
			 errdetail("trust_recency weighs each candidate by its source's trust."),
			 errhint("Add the source to ci.source, give the rule a \"trust\" map, or a \"default_trust\".")));
	return 0;					/* keep compiler quiet */
}
