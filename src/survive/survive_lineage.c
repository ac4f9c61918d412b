/*
 * survive_lineage.c — the jsonb that ci.survive_lineage returns: the winner,
 * the rule that chose it, and the candidates it beat.
 *
 *   {"value": "...", "record_id": 17, "source": "crm",
 *    "updated_at": "2024-05-01T10:00:00+00:00",
 *    "rule": "source_priority", "rule_id": 3,
 *    "support": 2, "nulls": 1,
 *    "beaten": [{"value": "...", "record_id": 18, "source": "web"}],
 *    "beaten_total": 1}
 *
 * "rule_id" is echoed from the rule when it has one, else "rule_index" (1 =
 * the chain's first rule) says which rule decided.
 *
 * value is the type's text form, except that dates and timestamps are ISO
 * 8601 (timestamptz in UTC) whatever DateStyle says, and jsonb is embedded as
 * jsonb.  "support" counts candidates holding the winning value; "beaten"
 * lists candidates holding other values, best first by the deciding rule,
 * at most SURVIVE_MAX_BEATEN of them; "beaten_total" says how many there were.
 *
 * Keyed (ci.survive_lineage(value, key, ...)): "value" is the winning key
 * group's representative spelling, "record_id", "source" and "updated_at"
 * name the record that won by the rule, "support" counts the group's members,
 * and "beaten" lists candidates of other keys with the values they hold.
 */
#include "survive.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

static void
push_key(JsonbParseState **ps, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	pushJsonbValue(ps, WJB_KEY, &k);
}

static void
push_string(JsonbParseState **ps, const char *key, const char *s)
{
	JsonbValue	v;

	push_key(ps, key);
	if (s == NULL)
		v.type = jbvNull;
	else
	{
		size_t		len = strlen(s);

		if (len > JENTRY_OFFLENMASK)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("survivorship lineage value exceeds the maximum jsonb string of %d bytes",
							JENTRY_OFFLENMASK)));
		v.type = jbvString;
		v.val.string.val = (char *) s;
		v.val.string.len = len;
	}
	pushJsonbValue(ps, WJB_VALUE, &v);
}

static void
push_int(JsonbParseState **ps, const char *key, int64 n)
{
	JsonbValue	v;

	push_key(ps, key);
	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(n);
	pushJsonbValue(ps, WJB_VALUE, &v);
}

static void
push_ts(JsonbParseState **ps, const SurviveCand *c)
{
	if (c->ts_null)
		push_string(ps, "updated_at", NULL);
	else
	{
		char		buf[MAXDATELEN + 1];
		int			utc = 0;

		push_string(ps, "updated_at",
					pstrdup(JsonEncodeDateTime(buf, TimestampTzGetDatum(c->ts), TIMESTAMPTZOID, &utc)));
	}
}

void
survive_push_value(JsonbParseState **ps, SurviveType *type, FunctionCallInfo fcinfo, Datum value)
{
	char		buf[MAXDATELEN + 1];
	int			utc = 0;

	switch (type->typid)
	{
		case DATEOID:
		case TIMESTAMPOID:
			push_string(ps, "value", pstrdup(JsonEncodeDateTime(buf, value, type->typid, NULL)));
			return;
		case TIMESTAMPTZOID:
			push_string(ps, "value", pstrdup(JsonEncodeDateTime(buf, value, type->typid, &utc)));
			return;
		case JSONBOID:
			{
				Jsonb	   *jb = DatumGetJsonbP(value);
				JsonbValue	v;

				push_key(ps, "value");
				if (JB_ROOT_IS_SCALAR(jb))
				{
					JsonbValue	scalar;

					(void) JsonbExtractScalar(&jb->root, &scalar);
					pushJsonbValue(ps, WJB_VALUE, &scalar);
				}
				else
				{
					v.type = jbvBinary;
					v.val.binary.data = &jb->root;
					v.val.binary.len = VARSIZE(jb) - VARHDRSZ;
					pushJsonbValue(ps, WJB_VALUE, &v);
				}
				return;
			}
		default:
			{
				SurviveCache *cache = survive_cache(fcinfo);

				if (cache->out_typid != type->typid)
				{
					Oid			outfn;
					bool		varlena;

					getTypeOutputInfo(type->typid, &outfn, &varlena);
					fmgr_info_cxt(outfn, &cache->out, fcinfo->flinfo->fn_mcxt);
					cache->out_typid = type->typid;
				}
				push_string(ps, "value", OutputFunctionCall(&cache->out, value));
			}
	}
}

static void
push_record_id(JsonbParseState **ps, const SurviveCand *c)
{
	JsonbValue	v;

	push_key(ps, "record_id");
	if (c->has_record_id)
	{
		v.type = jbvNumeric;
		v.val.numeric = int64_to_numeric(c->record_id);
	}
	else
		v.type = jbvNull;
	pushJsonbValue(ps, WJB_VALUE, &v);
}

/*
 * Keys are pushed in jsonb's own order (shorter first, then bytewise), so
 * the sort jsonb does on every object finds them already sorted.
 */
static void
push_beaten(JsonbParseState **ps, SurviveState *state, FunctionCallInfo fcinfo, const SurviveCand *c)
{
	pushJsonbValue(ps, WJB_BEGIN_OBJECT, NULL);
	survive_push_value(ps, state->type, fcinfo, c->value);	/* value (5) */
	push_string(ps, "source", c->source);	/* source (6) */
	push_record_id(ps, c);		/* record_id (9) */
	pushJsonbValue(ps, WJB_END_OBJECT, NULL);
}

Datum
survive_lineage_jsonb(SurviveState *state, FunctionCallInfo fcinfo)
{
	int		   *order = palloc(sizeof(int) * state->ncands);
	int			n,
				ri;
	SurviveCand *w;
	SurviveRule *rule;
	JsonbParseState *ps = NULL;
	JsonbValue *res;
	int64		support = 0,
				beaten_total = 0;
	int			listed = 0;

	n = survive_rank_all(state, order, &ri);
	if (n == 0)
	{
		survive_rank_done(state);
		PG_RETURN_NULL();
	}
	w = &state->cands[order[0]];
	rule = &state->rules->rules[ri];

	/* count first: the keys go out in jsonb order, "beaten" before "support" */
	for (int i = 0; i < n; i++)
	{
		if (i == 0 || survive_same_group(state, order[i], order[0]))
			support++;
		else
			beaten_total++;
	}

	pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	push_string(&ps, "rule", survive_kind_name(rule->kind));	/* 4 */
	push_int(&ps, "nulls", state->nnulls);	/* 5 */
	survive_push_value(&ps, state->type, fcinfo, survive_shown(state, w)->value);	/* 5 */
	push_key(&ps, "beaten");	/* 6 */
	pushJsonbValue(&ps, WJB_BEGIN_ARRAY, NULL);
	for (int i = 1; i < n && listed < SURVIVE_MAX_BEATEN && listed < beaten_total; i++)
	{
		SurviveCand *c = &state->cands[order[i]];

		if (survive_same_group(state, order[i], order[0]))
			continue;
		push_beaten(&ps, state, fcinfo, c);
		listed++;
	}
	pushJsonbValue(&ps, WJB_END_ARRAY, NULL);
	push_string(&ps, "source", w->source);	/* 6 */
	if (rule->has_rule_id)
		push_int(&ps, "rule_id", rule->rule_id);	/* 7 */
	push_int(&ps, "support", support);	/* 7 */
	push_record_id(&ps, w);		/* 9 */
	if (!rule->has_rule_id)
		push_int(&ps, "rule_index", ri + 1);	/* 10 */
	push_ts(&ps, w);			/* updated_at, 10 */
	push_int(&ps, "beaten_total", beaten_total);	/* 12 */
	res = pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
	survive_rank_done(state);
	pfree(order);
	PG_RETURN_JSONB_P(JsonbValueToJsonb(res));
}
