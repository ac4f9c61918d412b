/*
 * match_name_pair.c — the swap-invariant name keys of ci.source_record
 * (name_pair_norm, name_pair_dm) as one C call each.
 *
 * As SQL CASE expressions these keys named ci.normalize_name six times and
 * ci.dmetaphone six times; PostgreSQL 15 reads and plans every generated
 * column's expression again at each executor start, so a single-row INSERT
 * paid for those two expressions (7 kB of stored node text, 60% of the
 * table's) on every statement.  One function call each costs a few hundred
 * bytes.  The results are the expressions' own: both values in sorted order
 * under the call's collation, joined by a space, NULL unless both exist.
 */
#include "ci_common.h"

#include "catalog/pg_collation.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/varlena.h"

extern Datum match_normalize_name(PG_FUNCTION_ARGS);
extern Datum match_sql_dmetaphone(PG_FUNCTION_ARGS);

PG_FUNCTION_INFO_V1(match_name_pair_norm);
PG_FUNCTION_INFO_V1(match_name_pair_dm);

/* fn(arg) for a STRICT one-argument text function that may return NULL */
static text *
name_pair_call(PGFunction fn, Oid collation, Datum arg)
{
	LOCAL_FCINFO(fcinfo, 1);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, NULL, 1, collation, NULL, NULL);
	fcinfo->args[0].value = arg;
	fcinfo->args[0].isnull = false;
	result = fn(fcinfo);
	return fcinfo->isnull ? NULL : DatumGetTextPP(result);
}

/* a || ' ' || b with a and b in sorted order; NULL unless both are non-empty */
static Datum
name_pair_join(text *a, text *b, Oid collation, FunctionCallInfo fcinfo)
{
	int			alen,
				blen;
	text	   *result;
	char	   *p;

	if (a == NULL || b == NULL)
		PG_RETURN_NULL();
	alen = VARSIZE_ANY_EXHDR(a);
	blen = VARSIZE_ANY_EXHDR(b);
	if (alen == 0 || blen == 0)
		PG_RETURN_NULL();
	if (varstr_cmp(VARDATA_ANY(a), alen, VARDATA_ANY(b), blen, collation) > 0)
	{
		text	   *t = a;

		a = b;
		b = t;
		alen = VARSIZE_ANY_EXHDR(a);
		blen = VARSIZE_ANY_EXHDR(b);
	}
	result = (text *) palloc(VARHDRSZ + alen + 1 + blen);
	SET_VARSIZE(result, VARHDRSZ + alen + 1 + blen);
	p = VARDATA(result);
	memcpy(p, VARDATA_ANY(a), alen);
	p[alen] = ' ';
	memcpy(p + alen + 1, VARDATA_ANY(b), blen);
	PG_RETURN_TEXT_P(result);
}

static Oid
name_pair_collation(FunctionCallInfo fcinfo)
{
	Oid			collation = PG_GET_COLLATION();

	return OidIsValid(collation) ? collation : DEFAULT_COLLATION_OID;
}

/* ci.name_pair(given_name text, family_name text) */
Datum
match_name_pair_norm(PG_FUNCTION_ARGS)
{
	Oid			collation = name_pair_collation(fcinfo);

	return name_pair_join(name_pair_call(match_normalize_name, collation, PG_GETARG_DATUM(0)),
						  name_pair_call(match_normalize_name, collation, PG_GETARG_DATUM(1)),
						  collation, fcinfo);
}

/* ci.name_pair_dmetaphone(given_name text, family_name text) */
Datum
match_name_pair_dm(PG_FUNCTION_ARGS)
{
	Oid			collation = name_pair_collation(fcinfo);
	text	   *given = name_pair_call(match_normalize_name, collation, PG_GETARG_DATUM(0));
	text	   *family = name_pair_call(match_normalize_name, collation, PG_GETARG_DATUM(1));

	if (given == NULL || family == NULL)
		PG_RETURN_NULL();
	return name_pair_join(name_pair_call(match_sql_dmetaphone, collation, PointerGetDatum(given)),
						  name_pair_call(match_sql_dmetaphone, collation, PointerGetDatum(family)),
						  collation, fcinfo);
}
