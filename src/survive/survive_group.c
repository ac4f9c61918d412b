/*
 * survive_group.c — helpers of the golden build: the lineage of an
 * attribute that survives with its group (ci.golden_attribute.survive_group),
 * which takes its value from the record that won the group's lead attribute,
 * and a profile's sorted distinct sources.
 *
 *   ci.survive_group_member(lead jsonb, value anyelement,
 *                           survive_group text, lead_attribute text) -> jsonb
 *
 *   {"lead": "street", "rule": "group", "group": "address", "value": "York",
 *    "source": "web", "record_id": 2, "updated_at": "2024-06-01T00:00:00+00:00"}
 *
 * source, record_id and updated_at are copied from the lead's lineage (the
 * object ci.survive_lineage returned); value is written as the lineage
 * aggregate writes values.  A NULL lead (no record had a lead value) gives
 * NULL.  Built with pushJsonbValue in jsonb's key order: no per-argument
 * type lookups as jsonb_build_object does, which matters at one call per
 * member per profile.
 */
#include "survive.h"

#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/varlena.h"

PG_FUNCTION_INFO_V1(survive_group_member);

static void
push_cstring(JsonbParseState **ps, JsonbIteratorToken seq, const char *s, int len)
{
	JsonbValue	v;

	if (s == NULL)
		v.type = jbvNull;
	else
	{
		if (len > JENTRY_OFFLENMASK)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("survivorship group name exceeds the maximum jsonb string of %d bytes",
							JENTRY_OFFLENMASK)));
		v.type = jbvString;
		v.val.string.val = (char *) s;
		v.val.string.len = len;
	}
	pushJsonbValue(ps, seq, &v);
}

static void
push_text_arg(JsonbParseState **ps, FunctionCallInfo fcinfo, const char *key, int argno)
{
	push_cstring(ps, WJB_KEY, key, strlen(key));
	if (PG_ARGISNULL(argno))
		push_cstring(ps, WJB_VALUE, NULL, 0);
	else
	{
		text	   *t = PG_GETARG_TEXT_PP(argno);

		push_cstring(ps, WJB_VALUE, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	}
}

/* Copy one key of the lead's lineage (NULL when it has none). */
static void
push_from_lead(JsonbParseState **ps, Jsonb *lead, const char *key)
{
	JsonbValue *v = getKeyJsonValueFromContainer(&lead->root, key, strlen(key), NULL);

	push_cstring(ps, WJB_KEY, key, strlen(key));
	if (v == NULL)
		push_cstring(ps, WJB_VALUE, NULL, 0);
	else
		pushJsonbValue(ps, WJB_VALUE, v);
}

Datum
survive_group_member(PG_FUNCTION_ARGS)
{
	Jsonb	   *lead;
	JsonbParseState *ps = NULL;
	JsonbValue *res;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();		/* no record had a value for the lead */
	lead = PG_GETARG_JSONB_P(0);
	if (!JB_ROOT_IS_OBJECT(lead) || JB_ROOT_IS_SCALAR(lead))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lead lineage must be a jsonb object"),
				 errhint("Pass the lead attribute's ci.survive_lineage result.")));

	pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	push_text_arg(&ps, fcinfo, "lead", 3);	/* 4 */
	push_cstring(&ps, WJB_KEY, "rule", 4);	/* 4 */
	push_cstring(&ps, WJB_VALUE, "group", 5);
	push_text_arg(&ps, fcinfo, "group", 2); /* 5 */
	if (PG_ARGISNULL(1))
	{
		push_cstring(&ps, WJB_KEY, "value", 5); /* 5 */
		push_cstring(&ps, WJB_VALUE, NULL, 0);
	}
	else
	{
		SurviveType *type = survive_type_cached(fcinfo, get_fn_expr_argtype(fcinfo->flinfo, 1),
												PG_GET_COLLATION());

		survive_push_value(&ps, type, fcinfo, PG_GETARG_DATUM(1));
	}
	push_from_lead(&ps, lead, "source");	/* 6 */
	push_from_lead(&ps, lead, "record_id"); /* 9 */
	push_from_lead(&ps, lead, "updated_at");	/* 10 */
	res = pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
	PG_RETURN_JSONB_P(JsonbValueToJsonb(res));
}

/*
 * ci.golden_sources(text[]) -> text[]: the distinct non-NULL elements in
 * the collation's order — a profile's sources, from array_agg(source) over
 * its records, without a sort subquery per profile.
 */
PG_FUNCTION_INFO_V1(survive_sorted_sources);

static int
text_datum_cmp(const void *a, const void *b, void *arg)
{
	text	   *ta = DatumGetTextPP(*(const Datum *) a);
	text	   *tb = DatumGetTextPP(*(const Datum *) b);

	return varstr_cmp(VARDATA_ANY(ta), VARSIZE_ANY_EXHDR(ta), VARDATA_ANY(tb), VARSIZE_ANY_EXHDR(tb),
					  *(Oid *) arg);
}

Datum
survive_sorted_sources(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	Oid			collation = OidIsValid(PG_GET_COLLATION()) ? PG_GET_COLLATION() : DEFAULT_COLLATION_OID;
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				m = 0,
				k = 0;

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
		if (!nulls[i])
			elems[m++] = elems[i];
	if (m > 1)
		qsort_arg(elems, m, sizeof(Datum), text_datum_cmp, &collation);
	for (int i = 0; i < m; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (k == 0 || text_datum_cmp(&elems[k - 1], &elems[i], &collation) != 0)
			elems[k++] = elems[i];
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, k, TEXTOID, -1, false, TYPALIGN_INT));
}
