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
#include "similarity/similarity.h"
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
add_column(MatchModel *model, const char *sql, const char *field, bool is_date, MatchParse parse)
{
	int			i;

	for (i = 0; i < model->ncolumns; i++)
		if (strcmp(model->column[i].sql, sql) == 0 && model->column[i].parse == parse)
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
	model->column[i].parse = parse;
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
			 errdetail("A key is a column name, left(column, n) or right(column, n) with 1 <= n <= 1000, dmetaphone(column) or tokens(column)."),
			 errhint("Write keys in lower case, for example {family_name_norm, left(given_name_norm, 1)}.")));
}

/* Parse one blocking key into a store column. */
static int
parse_key(MatchModel *model, const char *rule, const char *key, char **field_out, bool *tokens)
{
	const char *s = key;
	const char *open;
	const char *close;
	char		field[NAMEDATALEN];
	int			flen;
	bool		is_date = false;
	StringInfoData sql;

	*tokens = false;
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
		else if (fnlen == 6 && strncmp(s, "tokens", 6) == 0 && !comma)
		{
			/* the store holds the whole value; blocking splits it */
			appendStringInfo(&sql, "t.%s::text", quote_identifier(field));
			*tokens = true;
		}
		else
			bad_key(model, rule, key);
	}
	*field_out = pstrdup(field);
	return add_column(model, sql.data, field, is_date, MATCH_PARSE_TEXT);
}

/*
 * max_block_size and duplicate_free_sources (0.2.0): read on their own, so
 * that the new library also runs a 0.1.0 catalog before ALTER EXTENSION
 * UPDATE (no limit, no duplicate-free source there).
 */
static void
load_block_options(MatchModel *model, Datum name, MemoryContext cxt)
{
	Oid			rel = get_relname_relid("match_model", get_namespace_oid("ci", false));
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {name};
	bool		isnull;
	Datum		d;

	model->max_block = 0;
	model->nunique_sources = 0;
	model->unique_sources = NULL;
	model->detect_duplicate_free = false;
	for (int r = 0; r < model->nrules; r++)
		model->rule[r].max_block = 0;
	if (get_attnum(rel, "max_block_size") == InvalidAttrNumber ||
		get_attnum(rel, "duplicate_free_sources") == InvalidAttrNumber)
		return;
	if (SPI_execute_with_args("SELECT max_block_size::int8, duplicate_free_sources FROM ci.match_model WHERE model = $1",
							  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read ci.match_model");
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
		model->max_block = DatumGetInt64(d);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	if (!isnull)
	{
		MemoryContext old = MemoryContextSwitchTo(cxt);
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
		model->unique_sources = palloc(sizeof(char *) * Max(n, 1));
		for (int i = 0; i < n; i++)
			if (!nulls[i])
				model->unique_sources[model->nunique_sources++] = TextDatumGetCString(elems[i]);
		MemoryContextSwitchTo(old);
	}

	/* detect_duplicate_free (0.2.0, later than the two above) */
	model->detect_duplicate_free = false;
	if (get_attnum(rel, "detect_duplicate_free") != InvalidAttrNumber)
	{
		if (SPI_execute_with_args("SELECT detect_duplicate_free FROM ci.match_model WHERE model = $1",
								  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "could not read ci.match_model");
		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		model->detect_duplicate_free = !isnull && DatumGetBool(d);
	}

	/* each rule's limit: its own, else the model's */
	for (int r = 0; r < model->nrules; r++)
		model->rule[r].max_block = model->max_block;
	if (get_attnum(get_relname_relid("match_blocking_rule", get_namespace_oid("ci", false)), "max_block_size") == InvalidAttrNumber)
		return;
	if (SPI_execute_with_args("SELECT rule, max_block_size::int8 FROM ci.match_blocking_rule WHERE model = $1",
							  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read ci.match_blocking_rule");
	for (int r = 0; r < model->nrules; r++)
	{
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			char	   *rule = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);

			d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull);
			if (!isnull && strcmp(rule, model->rule[r].name) == 0)
				model->rule[r].max_block = DatumGetInt64(d);
		}
	}
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
			al->entries[al->n].first = v[0];
			al->entries[al->n].chars = ci_is_ascii(v, al->entries[al->n].len) ?
				match_char_signature(v, al->entries[al->n].len) : 0;
			al->n++;
		}
	}
	if (al->n > 1)
		qsort(al->entries, al->n, sizeof(MatchAliasEntry), alias_entry_cmp);
	/* the members of each group (groups are numbered 1 .. ngroups) */
	for (int i = 0; i < al->n; i++)
		al->ngroups = Max(al->ngroups, al->entries[i].group);
	al->group_start = palloc0(sizeof(int) * (al->ngroups + 2));
	al->by_group = palloc(sizeof(int) * (al->n + 1));
	for (int i = 0; i < al->n; i++)
		al->group_start[al->entries[i].group]++;
	for (int g = 1; g <= al->ngroups + 1; g++)
		al->group_start[g] += al->group_start[g - 1];
	for (int i = al->n - 1; i >= 0; i--)
		al->by_group[--al->group_start[al->entries[i].group]] = i;
	/* now group_start[g] is where group g begins; its end is group_start[g + 1] */
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
	if (strcmp(s, "grouped") == 0)
		return MATCH_SIM_GROUPED;
	if (strcmp(s, "token_set") == 0)
		return MATCH_SIM_TOKEN_SET;
	if (strcmp(s, "prefix") == 0)
		return MATCH_SIM_PREFIX;
	if (strcmp(s, "numeric") == 0)
		return MATCH_SIM_NUMERIC;
	if (strcmp(s, "year_difference") == 0)
		return MATCH_SIM_YEAR_DIFFERENCE;
	if (strcmp(s, "date") == 0)
		return MATCH_SIM_DATE;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
			 errmsg("unknown similarity \"%s\" in comparison \"%s\" of match model \"%s\"",
					s, comp, model->name),
			 errhint("Use exact, jaro_winkler, jaro, levenshtein, damerau_levenshtein, birthdate, given_name, grouped, token_set, prefix, numeric, year_difference or date.")));
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

static bool
is_date_type(Oid type)
{
	return type == DATEOID || type == TIMESTAMPOID || type == TIMESTAMPTZOID;
}

static bool
is_number_type(Oid type)
{
	return type == INT2OID || type == INT4OID || type == INT8OID || type == NUMERICOID ||
		type == FLOAT4OID || type == FLOAT8OID;
}

static void
bad_comparison(MatchModel *model, MatchComparison *c, int code, const char *msg, const char *hint)
{
	ereport(ERROR,
			(errcode(code),
			 errmsg("comparison \"%s\" of match model \"%s\": %s", c->name, model->name, msg),
			 errhint("%s", hint)));
}

/*
 * The store columns comparison c reads: its field (a key path into it when
 * path is set), as the kind reads it, and the parts named by fields.
 */
static void
load_comparison_columns(MatchModel *model, MatchComparison *c, HeapTuple tup, TupleDesc desc)
{
	bool		isnull;
	Datum		fd = SPI_getbinval(tup, desc, 9, &isnull);
	char	   *path = SPI_getvalue(tup, desc, 10);
	Datum	   *elems = NULL;
	bool	   *nulls = NULL;
	int			nfields = 0;
	char	   *fields[MATCH_MAX_FIELDS];
	Oid			types[MATCH_MAX_FIELDS];
	Oid			type;
	StringInfoData f;
	StringInfoData sql;
	MatchParse	parse = MATCH_PARSE_TEXT;
	bool		string_kind = c->sim <= MATCH_SIM_JARO_WINKLER || c->sim == MATCH_SIM_JARO ||
		c->sim == MATCH_SIM_LEVENSHTEIN || c->sim == MATCH_SIM_DAMERAU || c->sim == MATCH_SIM_GIVEN_NAME;

	type = check_field(model, c->field, "comparison", c->name);
	if (!isnull)
		deconstruct_array(DatumGetArrayTypeP(fd), TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &nfields);
	if (nfields > MATCH_MAX_FIELDS - 1)
		bad_comparison(model, c, ERRCODE_INVALID_OBJECT_DEFINITION, "too many fields",
					   "A comparison reads at most 8 fields: field and 7 more.");
	for (int k = 0; k < nfields; k++)
	{
		if (nulls[k])
			bad_comparison(model, c, ERRCODE_INVALID_OBJECT_DEFINITION, "fields holds a NULL",
						   "Name columns of the model's relation in fields.");
		fields[k] = TextDatumGetCString(elems[k]);
		types[k] = check_field(model, fields[k], "comparison", c->name);
		if (strcmp(fields[k], c->field) == 0)
			bad_comparison(model, c, ERRCODE_INVALID_OBJECT_DEFINITION,
						   psprintf("fields repeats its field \"%s\"", c->field),
						   "fields names the columns read beside field.");
	}

	/* which kinds read other fields, and how many */
	if (c->sim == MATCH_SIM_GROUPED && nfields == 0)
		bad_comparison(model, c, ERRCODE_INVALID_OBJECT_DEFINITION, "a grouped comparison needs fields",
					   "Name the related columns in fields, most specific first after field, for example field street_norm, fields {postcode_norm,city_norm}.");
	if (string_kind && nfields > 1)
		bad_comparison(model, c, ERRCODE_INVALID_OBJECT_DEFINITION, "a name comparison reads at most one other field",
					   "fields names the swap partner of a name comparison: the family name of a given-name comparison, or the reverse.");
	if (string_kind && nfields == 1 && !c->has_close)
		bad_comparison(model, c, ERRCODE_INVALID_OBJECT_DEFINITION, "a swap partner needs a close level",
					   "Names found swapped score the close level: set close_threshold.");
	if (c->sim == MATCH_SIM_DATE && nfields > 1)
		bad_comparison(model, c, ERRCODE_INVALID_OBJECT_DEFINITION, "a date comparison reads at most one other field",
					   "fields names the text column read when field is NULL, for example {birth_date_raw}.");
	if ((c->sim == MATCH_SIM_BIRTHDATE || c->sim == MATCH_SIM_PREFIX || c->sim == MATCH_SIM_NUMERIC ||
		 c->sim == MATCH_SIM_YEAR_DIFFERENCE) && nfields > 0)
		bad_comparison(model, c, ERRCODE_INVALID_OBJECT_DEFINITION,
					   "this kind of comparison reads no other fields",
					   "fields is for grouped, token_set and date comparisons and for the swap partner of a name comparison.");

	/* the field, or a key path into it */
	initStringInfo(&f);
	if (path)
	{
		if (type != JSONBOID && type != JSONOID)
			bad_comparison(model, c, ERRCODE_DATATYPE_MISMATCH,
						   psprintf("path applies to json or jsonb columns, and \"%s\" is %s", c->field, format_type_be(type)),
						   "Set path only for a comparison of a value in a json column such as attributes.");
		appendStringInfo(&f, "(t.%s OPERATOR(pg_catalog.#>>) %s::text[])", quote_identifier(c->field),
						 quote_literal_cstr(path));
		type = TEXTOID;
	}
	else if ((c->sim == MATCH_SIM_DATE || c->sim == MATCH_SIM_YEAR_DIFFERENCE) && is_date_type(type))
		appendStringInfo(&f, "pg_catalog.to_char(t.%s, 'YYYY-MM-DD')", quote_identifier(c->field));
	else
		appendStringInfo(&f, "t.%s::text", quote_identifier(c->field));

	if (c->sim == MATCH_SIM_GIVEN_NAME && type == DATEOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("comparison \"%s\" of match model \"%s\" uses given_name similarity on column \"%s\" of type date",
						c->name, model->name, c->field),
				 errhint("The given_name similarity compares names.")));
	if (c->sim == MATCH_SIM_BIRTHDATE && type != DATEOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("comparison \"%s\" of match model \"%s\" uses birthdate similarity on column \"%s\" of type %s",
						c->name, model->name, c->field, format_type_be(type)),
				 errhint("The birthdate similarity compares columns of type date.")));
	if (c->sim == MATCH_SIM_NUMERIC && is_date_type(type))
		bad_comparison(model, c, ERRCODE_DATATYPE_MISMATCH,
					   psprintf("numeric comparison of column \"%s\" of type %s", c->field, format_type_be(type)),
					   "Compare dates with the date or year_difference kinds.");
	if ((c->sim == MATCH_SIM_DATE || c->sim == MATCH_SIM_YEAR_DIFFERENCE) && !is_date_type(type) &&
		type != TEXTOID && type != VARCHAROID && !(c->sim == MATCH_SIM_YEAR_DIFFERENCE && is_number_type(type)))
		bad_comparison(model, c, ERRCODE_DATATYPE_MISMATCH,
					   psprintf("column \"%s\" of type %s holds no dates", c->field, format_type_be(type)),
					   "A date comparison reads a date, a timestamp or text written year first (1980, 1980-05, 1980-05-17); year_difference also reads a number of years.");
	if (c->sim == MATCH_SIM_DATE && nfields == 1 && types[0] != TEXTOID && types[0] != VARCHAROID)
		bad_comparison(model, c, ERRCODE_DATATYPE_MISMATCH,
					   psprintf("its raw field \"%s\" is %s, not text", fields[0], format_type_be(types[0])),
					   "fields of a date comparison names a text column of dates as written, such as birth_date_raw.");

	initStringInfo(&sql);
	switch (c->sim)
	{
		case MATCH_SIM_GROUPED:
			/* the joint value: all parts present, as one array literal */
			c->part[0] = add_column(model, f.data, c->field, false, MATCH_PARSE_TEXT);
			appendStringInfo(&sql, "CASE WHEN %s IS NOT NULL", f.data);
			for (int k = 0; k < nfields; k++)
			{
				char	   *p = psprintf("t.%s::text", quote_identifier(fields[k]));

				c->part[k + 1] = add_column(model, p, fields[k], false, MATCH_PARSE_TEXT);
				appendStringInfo(&sql, " AND %s IS NOT NULL", p);
			}
			appendStringInfo(&sql, " THEN ARRAY[%s", f.data);
			for (int k = 0; k < nfields; k++)
				appendStringInfo(&sql, ", t.%s::text", quote_identifier(fields[k]));
			appendStringInfoString(&sql, "]::text END");
			c->nparts = nfields + 1;
			break;
		case MATCH_SIM_TOKEN_SET:
			appendStringInfo(&sql, "pg_catalog.concat_ws(' ', %s", f.data);
			for (int k = 0; k < nfields; k++)
				appendStringInfo(&sql, ", t.%s::text", quote_identifier(fields[k]));
			appendStringInfoChar(&sql, ')');
			parse = MATCH_PARSE_TOKENS;
			break;
		case MATCH_SIM_DATE:
			if (nfields == 1)
				appendStringInfo(&sql, "COALESCE(%s, t.%s::text)", f.data, quote_identifier(fields[0]));
			else
				appendStringInfoString(&sql, f.data);
			parse = MATCH_PARSE_DATE_PARTS;
			break;
		case MATCH_SIM_NUMERIC:
			appendStringInfoString(&sql, f.data);
			parse = MATCH_PARSE_NUMBER;
			break;
		case MATCH_SIM_YEAR_DIFFERENCE:
			appendStringInfoString(&sql, f.data);
			parse = is_number_type(type) ? MATCH_PARSE_NUMBER : MATCH_PARSE_DATE_PARTS;
			break;
		default:
			appendStringInfoString(&sql, f.data);
			if (nfields == 1)
			{
				c->part[0] = add_column(model, psprintf("t.%s::text", quote_identifier(fields[0])),
										fields[0], false, MATCH_PARSE_TEXT);
				c->nparts = 1;
			}
			break;
	}
	c->column = add_column(model, sql.data, c->field,
						   parse == MATCH_PARSE_TEXT && !path && c->sim != MATCH_SIM_GROUPED &&
						   (c->sim == MATCH_SIM_BIRTHDATE || type == DATEOID), parse);
}

/*
 * The placeholder dates of the model's date comparisons that the last
 * training found by frequency (its report's placeholder_dates), for runs
 * over a few records, which cannot count them (match_kinds.c).
 */
static void
load_placeholders(MatchModel *model, Datum name, MemoryContext cxt)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		args[2];

	args[0] = name;
	for (int k = 0; k < model->ncomparisons; k++)
	{
		MatchComparison *c = &model->comp[k];

		if (c->sim != MATCH_SIM_DATE)
			continue;
		args[1] = CStringGetTextDatum(c->name);
		if (SPI_execute_with_args("SELECT pg_catalog.jsonb_array_elements_text(m.training->'placeholder_dates'->$2)"
								  " FROM ci.match_model m WHERE m.model = $1"
								  " AND pg_catalog.jsonb_typeof(m.training->'placeholder_dates'->$2) = 'array'",
								  2, types, args, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read ci.match_model");
		if (SPI_processed == 0)
			continue;
		c->placeholders = MemoryContextAlloc(cxt, sizeof(int) * SPI_processed);
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			char	   *s = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
			int			y,
						m,
						d;

			if (s != NULL && match_parse_date_parts(s, strlen(s), &y, &m, &d) == 2)
				c->placeholders[c->nplaceholders++] = y * 10000 + m * 100 + d;
		}
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

	/* comparisons (0.1.0's table has no fields, path and role until ALTER EXTENSION UPDATE) */
	if (SPI_execute_with_args(psprintf(
									   "SELECT comparison, field::text, similarity, close_threshold, loose_threshold,"
									   " tf_adjust, m, u, %s, %s FROM ci.match_comparison WHERE model = $1 ORDER BY ordinal",
									   get_attnum(get_relname_relid("match_comparison", get_namespace_oid("ci", false)), "fields") == InvalidAttrNumber
									   ? "NULL::text[], NULL::text" : "fields::text[], path::text",
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

		tup = SPI_tuptable->vals[i];
		c->name = pstrdup(spi_text(tup, desc, 1));
		c->field = pstrdup(spi_text(tup, desc, 2));
		c->sim = parse_similarity(model, c->name, spi_text(tup, desc, 3));
		c->close = spi_float8(tup, desc, 4, &isnull);
		c->has_close = !isnull && c->sim != MATCH_SIM_EXACT;
		c->loose = spi_float8(tup, desc, 5, &isnull);
		c->has_loose = !isnull && c->sim != MATCH_SIM_EXACT;
		if (c->sim == MATCH_SIM_GROUPED)
		{
			/* the levels are fixed; close_threshold lets a part agree by Jaro-Winkler */
			c->fuzzy_parts = c->has_close;
			c->has_close = c->has_loose = true;
		}
		if (c->sim == MATCH_SIM_DATE)
			c->has_close = c->has_loose = true;
		c->tf_adjust = DatumGetBool(SPI_getbinval(tup, desc, 6, &isnull));
		read_probabilities(model, c, tup, desc, 7, c->m, "m probabilities");
		read_probabilities(model, c, tup, desc, 8, c->u, "u probabilities");
		{
			char	   *role = spi_text(tup, desc, 11);

			c->role = role == NULL ? MATCH_ROLE_NONE
				: strcmp(role, "personal") == 0 ? MATCH_ROLE_PERSONAL : MATCH_ROLE_HOUSEHOLD;
		}
		load_comparison_columns(model, c, tup, desc);
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
	load_placeholders(model, args[0], cxt);

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
			r->column[k] = parse_key(model, r->name, r->key_sql[k], &field, &r->tokens[k]);
			r->has_tokens |= r->tokens[k];
			/*
			 * The rule forces a comparison to agree only when a key is the
			 * comparison's own column: left(postcode, 1) or dmetaphone(name)
			 * leave room for every level, so the comparison stays in the
			 * rule's training session.  tokens(column) reads the column
			 * itself: a shared token nearly fixes one-token names, so the
			 * comparison is left out, as for the column.
			 */
			for (int c = 0; c < model->ncomparisons; c++)
				if (model->comp[c].column == r->column[k])
					r->comparisons |= (uint32) 1 << c;
		}
	}
	model->nrules = (int) SPI_processed;
	load_block_options(model, args[0], cxt);
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
