/*
 * match_model.c — reading a match model from ci.match_model and its
 * comparison and blocking-rule tables, validating it against its relation,
 * and writing trained parameters back.
 */
#include "match.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/regproc.h"

const char *const match_level_names[5] = {"exact", "close", "loose", "else", "null"};

static char *
spi_text(HeapTuple tup, TupleDesc desc, int col)
{
	char	   *s = SPI_getvalue(tup, desc, col);

	return s;
}

static double
spi_float8(HeapTuple tup, TupleDesc desc, int col, bool *isnull)
{
	Datum		d = SPI_getbinval(tup, desc, col, isnull);

	return *isnull ? 0.0 : DatumGetFloat8(d);
}

/* The attribute of the model's relation named field, or an error. */
static Oid
check_field(MatchModel *model, const char *field, const char *what, const char *whatname)
{
	AttrNumber	att = get_attnum(model->relid, field);

	if (att == InvalidAttrNumber || att < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" named by %s \"%s\" of match model \"%s\" does not exist in %s",
						field, what, whatname, model->name, model->relation),
				 errhint("Name a column of the model's relation; ci.source_record offers the normalised columns given_name_norm, family_name_norm, email_norm, phone_e164, national_id_norm, street_norm, city_norm and postcode_norm.")));
	return get_atttype(model->relid, att);
}

/* Whether role may read column field of the model's relation. */
static bool
role_may_read(MatchModel *model, Oid role, const char *field)
{
	AttrNumber	att = get_attnum(model->relid, field);

	return att != InvalidAttrNumber &&
		pg_attribute_aclcheck(model->relid, att, role, ACL_SELECT) == ACLCHECK_OK;
}

/* The first column the model reads that role may not, or NULL. */
static const char *
column_denied(MatchModel *model, Oid role)
{
	if (pg_class_aclcheck(model->relid, role, ACL_SELECT) == ACLCHECK_OK)
		return NULL;
	if (!role_may_read(model, role, model->id_column))
		return model->id_column;
	if (model->source_column && !role_may_read(model, role, model->source_column))
		return model->source_column;
	for (int c = 0; c < model->ncolumns; c++)
		if (!role_may_read(model, role, model->column[c].field))
			return model->column[c].field;
	return NULL;
}

/*
 * A model reads its relation as its owner (match_store.c): refuse, before
 * anything runs, a model whose owner is gone or may not read every column
 * the model reads.  So a model never reads more than its author could.
 */
static void
check_owner_reads(MatchModel *model)
{
	const char *denied;

	if (!SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(model->owner)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("owner of match model \"%s\" does not exist", model->name),
				 errdetail("The role with OID %u was dropped.", model->owner),
				 errhint("A superuser gives the model an owner: UPDATE ci.match_model SET owner = 'role' WHERE model = '%s'.",
						 model->name)));
	denied = column_denied(model, model->owner);
	if (denied)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("owner %s of match model \"%s\" may not read column \"%s\" of %s",
						GetUserNameFromId(model->owner, false), model->name, denied, model->relation),
				 errdetail("A match model reads its relation with its owner's privileges, whoever runs it."),
				 errhint("Grant SELECT on the relation to the model's owner, or create the model as a role that may read it.")));
}

/*
 * For what shows the values themselves (ci.explain_match): the caller must
 * also be able to read every column the model reads.
 */
void
match_check_caller_reads(MatchModel *model)
{
	const char *denied = column_denied(model, GetUserId());

	if (denied)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to show column \"%s\" of %s", denied, model->relation),
				 errdetail("ci.explain_match shows the values match model \"%s\" compares; the caller must be able to read them.",
						   model->name)));
}

/* Index of the column with this SQL, appended when new. */
static int
add_column(MatchModel *model, const char *sql, const char *field, bool is_date)
{
	int			i;

	for (i = 0; i < model->ncolumns; i++)
		if (strcmp(model->column[i].sql, sql) == 0)
		{
			model->column[i].is_date |= is_date;
			return i;
		}
	if (model->ncolumns >= MATCH_MAX_COLUMNS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("match model \"%s\" uses more than %d distinct columns and keys",
						model->name, MATCH_MAX_COLUMNS)));
	model->column[i].sql = pstrdup(sql);
	model->column[i].field = pstrdup(field);
	model->column[i].is_date = is_date;
	model->ncolumns++;
	return i;
}

/* Is s (len bytes) an SQL identifier of lower-case letters, digits, _? */
static bool
is_plain_identifier(const char *s, int len)
{
	int			i;

	if (len <= 0 || len >= NAMEDATALEN)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return false;
	for (i = 1; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static void
bad_key(MatchModel *model, const char *rule, const char *key)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
			 errmsg("malformed key \"%s\" in blocking rule \"%s\" of match model \"%s\"",
					key, rule, model->name),
			 errdetail("A key is a column name, left(column, n) or right(column, n) with 1 <= n <= 1000, or dmetaphone(column)."),
			 errhint("Write keys in lower case, for example {family_name_norm, left(given_name_norm, 1)}.")));
}

/* Parse one blocking key into a store column. */
static int
parse_key(MatchModel *model, const char *rule, const char *key, char **field_out)
{
	const char *s = key;
	const char *open;
	const char *close;
	char		field[NAMEDATALEN];
	int			flen;
	bool		is_date = false;
	StringInfoData sql;

	while (*s == ' ')
		s++;
	open = strchr(s, '(');
	initStringInfo(&sql);
	if (open == NULL)
	{
		flen = strlen(s);
		while (flen > 0 && s[flen - 1] == ' ')
			flen--;
		if (!is_plain_identifier(s, flen))
			bad_key(model, rule, key);
		memcpy(field, s, flen);
		field[flen] = '\0';
		is_date = check_field(model, field, "blocking rule", rule) == DATEOID;
		appendStringInfo(&sql, "t.%s::text", quote_identifier(field));
	}
	else
	{
		int			fnlen = open - s;
		const char *arg = open + 1;
		const char *comma;
		long		n = 0;

		close = strrchr(s, ')');
		if (close == NULL || close < open)
			bad_key(model, rule, key);
		for (const char *p = close + 1; *p; p++)
			if (*p != ' ')
				bad_key(model, rule, key);
		while (*arg == ' ')
			arg++;
		comma = memchr(arg, ',', close - arg);
		flen = (comma ? comma : close) - arg;
		while (flen > 0 && arg[flen - 1] == ' ')
			flen--;
		if (!is_plain_identifier(arg, flen))
			bad_key(model, rule, key);
		memcpy(field, arg, flen);
		field[flen] = '\0';
		check_field(model, field, "blocking rule", rule);
		if (((fnlen == 4 && strncmp(s, "left", 4) == 0) ||
			 (fnlen == 5 && strncmp(s, "right", 5) == 0)) && comma)
		{
			char	   *end;

			n = strtol(comma + 1, &end, 10);
			while (*end == ' ')
				end++;
			if (end != close || n < 1 || n > 1000)
				bad_key(model, rule, key);
			appendStringInfo(&sql, "%s(t.%s::text, %ld)", fnlen == 4 ? "left" : "right",
							 quote_identifier(field), n);
		}
		else if (fnlen == 10 && strncmp(s, "dmetaphone", 10) == 0 && !comma)
			appendStringInfo(&sql, "ci.dmetaphone(t.%s::text)", quote_identifier(field));
		else
			bad_key(model, rule, key);
	}
	*field_out = pstrdup(field);
	return add_column(model, sql.data, field, is_date);
}

static int
alias_entry_cmp(const void *x, const void *y)
{
	const MatchAliasEntry *a = x;
	const MatchAliasEntry *b = y;
	int			r = memcmp(a->name, b->name, Min(a->len, b->len));

	if (r == 0)
		r = (a->len > b->len) - (a->len < b->len);
	return r != 0 ? r : (a->group > b->group) - (a->group < b->group);
}

/*
 * The nicknames of ci.name_alias, normalised as given_name_norm is
 * (ci.normalize_name), for the given_name similarity: one group per formal
 * name, holding it and its nicknames.
 */
static const MatchAliases *
load_aliases(MemoryContext cxt)
{
	MatchAliases *al;
	uint64		n;

	if (SPI_execute("SELECT ci.normalize_name(a.name), ci.normalize_name(a.alias),"
					" dense_rank() OVER (ORDER BY ci.normalize_name(a.name))::int4"
					" FROM ci.name_alias a", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read ci.name_alias");
	MemoryContextSwitchTo(cxt);
	n = SPI_processed;
	al = palloc0(sizeof(MatchAliases));
	al->entries = palloc(sizeof(MatchAliasEntry) * (2 * n + 1));
	for (uint64 i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int			group = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));

		for (int c = 1; c <= 2; c++)
		{
			char	   *v = SPI_getvalue(tup, desc, c);

			if (v == NULL || v[0] == '\0')
				continue;
			al->entries[al->n].name = pstrdup(v);
			al->entries[al->n].len = (int) strlen(v);
			al->entries[al->n].group = group;
			al->n++;
		}
	}
	if (al->n > 1)
		qsort(al->entries, al->n, sizeof(MatchAliasEntry), alias_entry_cmp);
	SPI_freetuptable(SPI_tuptable);
	return al;
}

static MatchSimilarity
parse_similarity(MatchModel *model, const char *comp, const char *s)
{
	if (strcmp(s, "exact") == 0)
		return MATCH_SIM_EXACT;
	if (strcmp(s, "jaro_winkler") == 0)
		return MATCH_SIM_JARO_WINKLER;
	if (strcmp(s, "jaro") == 0)
		return MATCH_SIM_JARO;
	if (strcmp(s, "levenshtein") == 0)
		return MATCH_SIM_LEVENSHTEIN;
	if (strcmp(s, "damerau_levenshtein") == 0)
		return MATCH_SIM_DAMERAU;
	if (strcmp(s, "birthdate") == 0)
		return MATCH_SIM_BIRTHDATE;
	if (strcmp(s, "given_name") == 0)
		return MATCH_SIM_GIVEN_NAME;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
			 errmsg("unknown similarity \"%s\" in comparison \"%s\" of match model \"%s\"",
					s, comp, model->name),
			 errhint("Use exact, jaro_winkler, jaro, levenshtein, damerau_levenshtein, birthdate or given_name.")));
	return MATCH_SIM_EXACT;		/* keep compiler quiet */
}

static void
read_probabilities(MatchModel *model, MatchComparison *c, HeapTuple tup,
				   TupleDesc desc, int col, double *out, const char *which)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	double		sum = 0;
	bool		avail[MATCH_NLEVELS] = {true, c->has_close, c->has_loose, true};

	arr = DatumGetArrayTypeP(d);
	deconstruct_array(arr, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, &n);
	if (n != MATCH_NLEVELS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("%s of comparison \"%s\" of match model \"%s\" must have 4 elements",
						which, c->name, model->name)));
	for (int l = 0; l < MATCH_NLEVELS; l++)
	{
		out[l] = (avail[l] && !nulls[l]) ? DatumGetFloat8(elems[l]) : 0.0;
		sum += out[l];
	}
	if (!(sum > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("%s of comparison \"%s\" of match model \"%s\" are all zero",
						which, c->name, model->name),
				 errhint("Give a positive probability to at least one level.")));
	/* levels the comparison does not have carry nothing; the rest sum to 1 */
	for (int l = 0; l < MATCH_NLEVELS; l++)
	{
		if (fabs(sum - 1.0) > 1e-9)
			out[l] /= sum;
		if (avail[l] && out[l] < MATCH_PROB_FLOOR)
			out[l] = MATCH_PROB_FLOOR;
	}
}

MatchModel *
match_load_model(const char *name)
{
	MatchModel *model = palloc0(sizeof(MatchModel));
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;
	uint64		i;
	MemoryContext cxt = CurrentMemoryContext;
	const char *owner_sql = "owner";
	const char *settings_sql = "household_weight_cap, guard_weight, guard_against, guard_max_pairs, m_prior_pairs, train_on_decisions,"
		" coalesce((training->'households'->>'detected')::boolean, true)";
	const char *role_sql = "role";

	args[0] = CStringGetTextDatum(name);

	/*
	 * 0.1.0's ci.match_model has no owner (until ALTER EXTENSION UPDATE):
	 * its models read as their relation's owner, as the update sets them.
	 */
	if (get_attnum(get_relname_relid("match_model", get_namespace_oid("ci", false)), "owner") == InvalidAttrNumber)
		owner_sql = "(SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = relation)";
	/* nor the settings of 0.2.0 (household cap, guard, smoothing): defaults */
	if (get_attnum(get_relname_relid("match_model", get_namespace_oid("ci", false)), "household_weight_cap") == InvalidAttrNumber)
	{
		settings_sql = psprintf("NULL::float8, %g::float8, %g::float8, %d, 0::float8, false, true",
								MATCH_CONFLICT_WEIGHT, MATCH_CONFLICT_AGAINST, MATCH_CONFLICT_MAX_PAIRS);
		role_sql = "NULL::text";
	}
	if (SPI_execute_with_args(psprintf(
									   "SELECT relation::oid, id_column::text, source_column::text, link_within_source,"
									   " link_threshold, review_threshold, prior, max_candidate_pairs, u_sample_pairs,"
									   " em_max_iterations, em_tolerance, seed, trained_at IS NOT NULL,"
									   " relation::regclass::text, %s::oid, %s"
									   " FROM ci.match_model WHERE model = $1", owner_sql, settings_sql),
							  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read ci.match_model");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("match model \"%s\" does not exist", name),
				 errhint("The shipped model is named \"default\"; models are rows of ci.match_model.")));
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	MemoryContextSwitchTo(cxt);
	model->name = pstrdup(name);
	model->relid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
	model->id_column = pstrdup(spi_text(tup, desc, 2));
	model->source_column = spi_text(tup, desc, 3);
	model->within_source = DatumGetBool(SPI_getbinval(tup, desc, 4, &isnull));
	model->link_threshold = spi_float8(tup, desc, 5, &isnull);
	model->review_threshold = spi_float8(tup, desc, 6, &isnull);
	model->prior = spi_float8(tup, desc, 7, &isnull);
	model->max_pairs = DatumGetInt64(SPI_getbinval(tup, desc, 8, &isnull));
	model->u_sample = DatumGetInt32(SPI_getbinval(tup, desc, 9, &isnull));
	model->em_max_iterations = DatumGetInt32(SPI_getbinval(tup, desc, 10, &isnull));
	model->em_tolerance = spi_float8(tup, desc, 11, &isnull);
	model->seed = DatumGetInt64(SPI_getbinval(tup, desc, 12, &isnull));
	model->trained = DatumGetBool(SPI_getbinval(tup, desc, 13, &isnull));
	model->relation = pstrdup(spi_text(tup, desc, 14));
	model->owner = DatumGetObjectId(SPI_getbinval(tup, desc, 15, &isnull));
	model->household_cap = spi_float8(tup, desc, 16, &isnull);
	if (isnull)
		model->household_cap = NAN;
	model->guard_weight = spi_float8(tup, desc, 17, &isnull);
	model->guard_against = spi_float8(tup, desc, 18, &isnull);
	model->guard_max_pairs = DatumGetInt32(SPI_getbinval(tup, desc, 19, &isnull));
	model->m_prior_pairs = spi_float8(tup, desc, 20, &isnull);
	model->train_on_decisions = DatumGetBool(SPI_getbinval(tup, desc, 21, &isnull));
	model->households = DatumGetBool(SPI_getbinval(tup, desc, 22, &isnull));

	if (get_rel_relkind(model->relid) == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation of match model \"%s\" does not exist", name)));
	check_field(model, model->id_column, "id_column of", "model");
	if (model->source_column)
		check_field(model, model->source_column, "source_column of", "model");

	/* comparisons */
	if (SPI_execute_with_args(psprintf(
									   "SELECT comparison, field::text, similarity, close_threshold, loose_threshold,"
									   " tf_adjust, m, u, %s FROM ci.match_comparison WHERE model = $1 ORDER BY ordinal",
									   role_sql),
							  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read ci.match_comparison");
	MemoryContextSwitchTo(cxt); /* SPI returns in its own context; the model lives in the caller's */
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("match model \"%s\" has no comparisons", name),
				 errhint("Add rows to ci.match_comparison.")));
	if (SPI_processed > MATCH_MAX_COMPARISONS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("match model \"%s\" has more than %d comparisons", name, MATCH_MAX_COMPARISONS)));
	desc = SPI_tuptable->tupdesc;
	for (i = 0; i < SPI_processed; i++)
	{
		MatchComparison *c = &model->comp[i];
		Oid			type;
		StringInfoData sql;

		tup = SPI_tuptable->vals[i];
		c->name = pstrdup(spi_text(tup, desc, 1));
		c->field = pstrdup(spi_text(tup, desc, 2));
		c->sim = parse_similarity(model, c->name, spi_text(tup, desc, 3));
		c->close = spi_float8(tup, desc, 4, &isnull);
		c->has_close = !isnull && c->sim != MATCH_SIM_EXACT;
		c->loose = spi_float8(tup, desc, 5, &isnull);
		c->has_loose = !isnull && c->sim != MATCH_SIM_EXACT;
		c->tf_adjust = DatumGetBool(SPI_getbinval(tup, desc, 6, &isnull));
		read_probabilities(model, c, tup, desc, 7, c->m, "m probabilities");
		read_probabilities(model, c, tup, desc, 8, c->u, "u probabilities");
		{
			char	   *role = spi_text(tup, desc, 9);

			c->role = role == NULL ? MATCH_ROLE_NONE
				: strcmp(role, "personal") == 0 ? MATCH_ROLE_PERSONAL : MATCH_ROLE_HOUSEHOLD;
		}
		type = check_field(model, c->field, "comparison", c->name);
		if (c->sim == MATCH_SIM_GIVEN_NAME && type == DATEOID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("comparison \"%s\" of match model \"%s\" uses given_name similarity on column \"%s\" of type date",
							c->name, name, c->field),
					 errhint("The given_name similarity compares names.")));
		if (c->sim == MATCH_SIM_BIRTHDATE && type != DATEOID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("comparison \"%s\" of match model \"%s\" uses birthdate similarity on column \"%s\" of type %s",
							c->name, name, c->field, format_type_be(type)),
					 errhint("The birthdate similarity compares columns of type date.")));
		initStringInfo(&sql);
		appendStringInfo(&sql, "t.%s::text", quote_identifier(c->field));
		c->column = add_column(model, sql.data, c->field, c->sim == MATCH_SIM_BIRTHDATE || type == DATEOID);
	}
	model->ncomparisons = (int) SPI_processed;
	for (i = 0; i < (uint64) model->ncomparisons; i++)
		if (model->comp[i].sim == MATCH_SIM_GIVEN_NAME)
		{
			const MatchAliases *al = load_aliases(cxt);

			for (int k = 0; k < model->ncomparisons; k++)
				if (model->comp[k].sim == MATCH_SIM_GIVEN_NAME)
					model->comp[k].aliases = al;
			break;
		}

	/* blocking rules */
	if (SPI_execute_with_args(
							  "SELECT rule, keys, deterministic FROM ci.match_blocking_rule"
							  " WHERE model = $1 ORDER BY ordinal",
							  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read ci.match_blocking_rule");
	MemoryContextSwitchTo(cxt);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("match model \"%s\" has no blocking rules", name),
				 errhint("Add rows to ci.match_blocking_rule: without them no pair would ever be compared.")));
	if (SPI_processed > MATCH_MAX_RULES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("match model \"%s\" has more than %d blocking rules", name, MATCH_MAX_RULES)));
	desc = SPI_tuptable->tupdesc;
	for (i = 0; i < SPI_processed; i++)
	{
		MatchRule  *r = &model->rule[i];
		ArrayType  *arr;
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		tup = SPI_tuptable->vals[i];
		r->name = pstrdup(spi_text(tup, desc, 1));
		arr = DatumGetArrayTypeP(SPI_getbinval(tup, desc, 2, &isnull));
		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
		if (n < 1 || n > MATCH_MAX_KEYS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("blocking rule \"%s\" of match model \"%s\" must have 1 to %d keys",
							r->name, name, MATCH_MAX_KEYS)));
		r->nkeys = n;
		r->deterministic = DatumGetBool(SPI_getbinval(tup, desc, 3, &isnull));
		for (int k = 0; k < n; k++)
		{
			char	   *field;

			if (nulls[k])
				bad_key(model, r->name, "NULL");
			r->key_sql[k] = TextDatumGetCString(elems[k]);
			r->column[k] = parse_key(model, r->name, r->key_sql[k], &field);
			/*
			 * The rule forces a comparison to agree only when a key is the
			 * comparison's own column: left(postcode, 1) or dmetaphone(name)
			 * leave room for every level, so the comparison stays in the
			 * rule's training session.
			 */
			for (int c = 0; c < model->ncomparisons; c++)
				if (model->comp[c].column == r->column[k])
					r->comparisons |= (uint32) 1 << c;
		}
	}
	model->nrules = (int) SPI_processed;
	check_owner_reads(model);
	match_model_weights(model);
	return model;
}

void
match_model_weights(MatchModel *model)
{
	for (int k = 0; k < model->ncomparisons; k++)
	{
		MatchComparison *c = &model->comp[k];

		for (int l = 0; l < MATCH_NLEVELS; l++)
			c->weight[l] = (c->m[l] > 0 && c->u[l] > 0) ? log2(c->m[l] / c->u[l]) : 0.0;
	}
}

/* Store trained m, u, prior and the training report in the model's rows. */
void
match_save_parameters(MatchModel *model, const char *training_json)
{
	Oid			types[4] = {TEXTOID, TEXTOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID};
	Datum		args[4];

	for (int k = 0; k < model->ncomparisons; k++)
	{
		MatchComparison *c = &model->comp[k];
		Datum		md[MATCH_NLEVELS];
		Datum		ud[MATCH_NLEVELS];

		for (int l = 0; l < MATCH_NLEVELS; l++)
		{
			md[l] = Float8GetDatum(c->m[l]);
			ud[l] = Float8GetDatum(c->u[l]);
		}
		args[0] = CStringGetTextDatum(model->name);
		args[1] = CStringGetTextDatum(c->name);
		args[2] = PointerGetDatum(construct_array(md, MATCH_NLEVELS, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		args[3] = PointerGetDatum(construct_array(ud, MATCH_NLEVELS, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		if (SPI_execute_with_args("UPDATE ci.match_comparison SET m = $3, u = $4"
								  " WHERE model = $1 AND comparison = $2",
								  4, types, args, NULL, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "could not update ci.match_comparison");
	}
	{
		Oid			t2[3] = {TEXTOID, FLOAT8OID, TEXTOID};
		Datum		a2[3];

		a2[0] = CStringGetTextDatum(model->name);
		a2[1] = Float8GetDatum(model->prior);
		a2[2] = CStringGetTextDatum(training_json);
		if (SPI_execute_with_args("UPDATE ci.match_model SET prior = $2, trained_at = now(),"
								  " training = $3::jsonb WHERE model = $1",
								  3, t2, a2, NULL, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "could not update ci.match_model");
	}
	model->trained = true;
}
