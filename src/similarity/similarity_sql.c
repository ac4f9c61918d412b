/*
 * similarity_sql.c — SQL-callable wrappers of similarity.h: ci.jaro,
 * ci.jaro_winkler, ci.levenshtein, ci.damerau_levenshtein,
 * ci.birthdate_similarity.  Arguments are read without a detoast copy when
 * stored inline (PG_GETARG_TEXT_PP); single-byte strings are compared as
 * bytes, others as code points decoded into stack buffers when short.
 */
#include "similarity.h"

#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(match_sql_jaro);
PG_FUNCTION_INFO_V1(match_sql_jaro_winkler);
PG_FUNCTION_INFO_V1(match_sql_levenshtein);
PG_FUNCTION_INFO_V1(match_sql_levenshtein_bounded);
PG_FUNCTION_INFO_V1(match_sql_damerau_osa);
PG_FUNCTION_INFO_V1(match_sql_damerau_osa_bounded);
PG_FUNCTION_INFO_V1(match_sql_birthdate_similarity);

#define PREPARE_PAIR(pair, ta, tb, fname) \
	match_prepare_pair((pair), VARDATA_ANY(ta), VARSIZE_ANY_EXHDR(ta), \
					   VARDATA_ANY(tb), VARSIZE_ANY_EXHDR(tb), (fname))

static void
check_max_distance(int32 max_distance, const char *fname)
{
	if (max_distance < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s max_distance must not be negative", fname),
				 errdetail("max_distance was %d.", max_distance),
				 errhint("Pass 0 or more, or call the two-argument form for the exact distance.")));
}

Datum
match_sql_jaro(PG_FUNCTION_ARGS)
{
	text	   *ta = PG_GETARG_TEXT_PP(0);
	text	   *tb = PG_GETARG_TEXT_PP(1);
	MatchTextPair pair;
	double		result;

	PREPARE_PAIR(&pair, ta, tb, "jaro");
	if (pair.bytes)
		result = match_jaro_bytes(pair.a_bytes, pair.alen, pair.b_bytes, pair.blen);
	else
		result = match_jaro(pair.a_chars, pair.alen, pair.b_chars, pair.blen);
	match_release_pair(&pair);
	PG_FREE_IF_COPY(ta, 0);
	PG_FREE_IF_COPY(tb, 1);
	PG_RETURN_FLOAT8(result);
}

Datum
match_sql_jaro_winkler(PG_FUNCTION_ARGS)
{
	text	   *ta = PG_GETARG_TEXT_PP(0);
	text	   *tb = PG_GETARG_TEXT_PP(1);
	float8		prefix_scale = PG_GETARG_FLOAT8(2);
	float8		boost_threshold = PG_GETARG_FLOAT8(3);
	MatchTextPair pair;
	double		result;

	match_check_jaro_winkler_options(prefix_scale, boost_threshold);
	PREPARE_PAIR(&pair, ta, tb, "jaro_winkler");
	if (pair.bytes)
		result = match_jaro_winkler_bytes(pair.a_bytes, pair.alen,
										  pair.b_bytes, pair.blen,
										  prefix_scale, boost_threshold);
	else
		result = match_jaro_winkler(pair.a_chars, pair.alen,
									pair.b_chars, pair.blen,
									prefix_scale, boost_threshold);
	match_release_pair(&pair);
	PG_FREE_IF_COPY(ta, 0);
	PG_FREE_IF_COPY(tb, 1);
	PG_RETURN_FLOAT8(result);
}

static int
levenshtein_common(FunctionCallInfo fcinfo, int max_distance, bool osa,
				   const char *fname)
{
	text	   *ta = PG_GETARG_TEXT_PP(0);
	text	   *tb = PG_GETARG_TEXT_PP(1);
	MatchTextPair pair;
	int			result;

	PREPARE_PAIR(&pair, ta, tb, fname);
	if (pair.bytes)
		result = osa
			? match_damerau_osa_bytes(pair.a_bytes, pair.alen, pair.b_bytes, pair.blen, max_distance)
			: match_levenshtein_bytes(pair.a_bytes, pair.alen, pair.b_bytes, pair.blen, max_distance);
	else
		result = osa
			? match_damerau_osa(pair.a_chars, pair.alen, pair.b_chars, pair.blen, max_distance)
			: match_levenshtein(pair.a_chars, pair.alen, pair.b_chars, pair.blen, max_distance);
	match_release_pair(&pair);
	PG_FREE_IF_COPY(ta, 0);
	PG_FREE_IF_COPY(tb, 1);
	return result;
}

Datum
match_sql_levenshtein(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(levenshtein_common(fcinfo, -1, false, "levenshtein"));
}

Datum
match_sql_levenshtein_bounded(PG_FUNCTION_ARGS)
{
	int32		max_distance = PG_GETARG_INT32(2);

	check_max_distance(max_distance, "levenshtein");
	PG_RETURN_INT32(levenshtein_common(fcinfo, max_distance, false, "levenshtein"));
}

Datum
match_sql_damerau_osa(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(levenshtein_common(fcinfo, -1, true, "damerau_levenshtein"));
}

Datum
match_sql_damerau_osa_bounded(PG_FUNCTION_ARGS)
{
	int32		max_distance = PG_GETARG_INT32(2);

	check_max_distance(max_distance, "damerau_levenshtein");
	PG_RETURN_INT32(levenshtein_common(fcinfo, max_distance, true, "damerau_levenshtein"));
}

Datum
match_sql_birthdate_similarity(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(match_birthdate_similarity(PG_GETARG_DATEADT(0),
												PG_GETARG_DATEADT(1)));
}

PG_FUNCTION_INFO_V1(match_sql_token_set_similarity);

Datum
match_sql_token_set_similarity(PG_FUNCTION_ARGS)
{
	text	   *ta = PG_GETARG_TEXT_PP(0);
	text	   *tb = PG_GETARG_TEXT_PP(1);
	MatchTextPair pair;
	double		result;

	PREPARE_PAIR(&pair, ta, tb, "token_set_similarity");
	if (pair.bytes)
		result = match_token_set_similarity_bytes(pair.a_bytes, pair.alen,
												  pair.b_bytes, pair.blen);
	else
		result = match_token_set_similarity(pair.a_chars, pair.alen,
											pair.b_chars, pair.blen);
	match_release_pair(&pair);
	PG_FREE_IF_COPY(ta, 0);
	PG_FREE_IF_COPY(tb, 1);
	PG_RETURN_FLOAT8(result);
}
