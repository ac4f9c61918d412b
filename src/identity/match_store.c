/*
 * match_store.c — the in-memory record store of a resolution run: record
 * ids, sources, current identities and, per model column, interned value
 * ids (so exact agreement is an integer comparison, term frequencies are
 * counts, and each distinct string is kept once).  Every allocation is
 * counted against ci.match_work_mem.
 */
#include "match.h"

#include <sys/mman.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "similarity/similarity.h"
#include "utils/builtins.h"
#include "utils/datetime.h"

#define ARENA_CHUNK		(1024 * 1024)
#define FETCH_ROWS		10000

void
match_check_memory(MatchStore *st, Size more, const char *what)
{
	int			limit_kb = match_work_mem_limit_kb();

	if (st->mem + more > (Size) limit_kb * 1024)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("identity resolution needs more than %s (%d kB) for %s",
						match_work_mem_kb == -1 ? "maintenance_work_mem" : "ci.match_work_mem",
						limit_kb, what),
				 errdetail("%zu kB are in use and %zu kB more were requested.",
						   st->mem / 1024, more / 1024),
				 match_work_mem_kb == -1
				 ? errhint("Raise maintenance_work_mem for this session (a run needs about 25 MB plus 0.4 kB per record; see doc/identity.md), or make the blocking rules of match model \"%s\" tighter.",
						   st->model->name)
				 : errhint("A superuser set ci.match_work_mem; ask one to raise it, or make the blocking rules of match model \"%s\" tighter.",
						   st->model->name)));
}

/*
 * Ask the kernel for huge pages under a large array (Linux, transparent
 * huge pages in "madvise" mode, the usual default): pairs and scoring read
 * the record store and the blocking keys at random, and with 4 kB pages
 * nearly every such read also missed the TLB.  Only the 2 MB-aligned
 * interior is advised; elsewhere this does nothing.
 */
void
match_advise_huge(void *p, Size size)
{
#ifdef MADV_HUGEPAGE
	uintptr_t	start = TYPEALIGN(MATCH_HUGE_PAGE, (uintptr_t) p);
	uintptr_t	end = TYPEALIGN_DOWN(MATCH_HUGE_PAGE, (uintptr_t) p + size);

	if (size >= 2 * MATCH_HUGE_PAGE && end > start)
		(void) madvise((void *) start, end - start, MADV_HUGEPAGE);
#endif
}

void *
match_alloc(MatchStore *st, Size size)
{
	void	   *p;

	match_check_memory(st, size, "the record store");
	st->mem += size;
	p = MemoryContextAllocExtended(st->cxt, size, MCXT_ALLOC_HUGE);
	match_advise_huge(p, size);
	return p;
}

static void
dict_init(MatchStore *st, MatchDict *d)
{
	d->capacity = 16;
	d->values = match_alloc(st, sizeof(MatchValue) * d->capacity);
	memset(&d->values[0], 0, sizeof(MatchValue));
	d->nvalues = 1;
	d->nslots = 32;
	d->slots = match_alloc(st, sizeof(uint32) * d->nslots);
	memset(d->slots, 0, sizeof(uint32) * d->nslots);
	d->arena = NULL;
	d->arena_used = d->arena_size = 0;
	d->nonnull = 0;
}

static void
dict_grow_slots(MatchStore *st, MatchDict *d)
{
	uint32		nslots = d->nslots * 2;
	uint32	   *slots = match_alloc(st, sizeof(uint32) * nslots);

	memset(slots, 0, sizeof(uint32) * nslots);
	for (uint32 id = 1; id < d->nvalues; id++)
	{
		uint32		h = d->values[id].hash & (nslots - 1);

		while (slots[h] != 0)
			h = (h + 1) & (nslots - 1);
		slots[h] = id;
	}
	pfree(d->slots);
	st->mem -= sizeof(uint32) * d->nslots;
	d->slots = slots;
	d->nslots = nslots;
}

uint32
match_dict_lookup(MatchDict *d, const char *s, int len)
{
	uint32		hash = hash_bytes((const unsigned char *) s, len);
	uint32		h = hash & (d->nslots - 1);

	for (;;)
	{
		uint32		id = d->slots[h];

		if (id == 0)
			return 0;
		if (d->values[id].hash == hash && d->values[id].nbytes == len &&
			memcmp(d->values[id].bytes, s, len) == 0)
			return id;
		h = (h + 1) & (d->nslots - 1);
	}
}

uint32
match_dict_intern(MatchStore *st, MatchDict *d, const char *s, int len,
				  bool is_date, DateADT date, bool count)
{
	uint32		hash = hash_bytes((const unsigned char *) s, len);
	uint32		h = hash & (d->nslots - 1);
	uint32		id;
	MatchValue *v;
	int			nchars;

	for (;;)
	{
		id = d->slots[h];
		if (id == 0)
			break;
		if (d->values[id].hash == hash && d->values[id].nbytes == len &&
			memcmp(d->values[id].bytes, s, len) == 0)
		{
			if (count)
			{
				d->values[id].count++;
				d->nonnull++;
			}
			return id;
		}
		h = (h + 1) & (d->nslots - 1);
	}

	/* a new value */
	if (d->nvalues == PG_UINT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many distinct values in one column for identity resolution")));
	if (d->nvalues >= d->capacity)
	{
		Size		oldsize = sizeof(MatchValue) * d->capacity;
		MatchValue *nv;

		match_check_memory(st, oldsize * 2, "the value dictionaries");
		nv = MemoryContextAllocExtended(st->cxt, oldsize * 2, MCXT_ALLOC_HUGE);
		/* compared values are read at random: one TLB entry per 2 MB */
		match_advise_huge(nv, oldsize * 2);
		memcpy(nv, d->values, oldsize);
		pfree(d->values);
		st->mem += oldsize;
		d->values = nv;
		d->capacity *= 2;
	}
	if (d->arena == NULL || d->arena_used + len + 1 > d->arena_size)
	{
		/* arenas grow from st->arena_first to 1 MB */
		Size		sz = Max(d->arena_size ? Min(ARENA_CHUNK, d->arena_size * 2) : st->arena_first, (Size) len + 1);

		d->arena = match_alloc(st, sz);
		d->arena_size = sz;
		d->arena_used = 0;
	}
	memcpy(d->arena + d->arena_used, s, len);
	d->arena[d->arena_used + len] = '\0';
	id = d->nvalues++;
	v = &d->values[id];
	v->bytes = d->arena + d->arena_used;
	d->arena_used += len + 1;
	v->nbytes = len;
	v->ascii = ci_is_ascii(s, len);
	nchars = v->ascii ? len : pg_mbstrlen_with_len(s, len);
	if (nchars > CI_MAX_COMPARE_CHARS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a value of %d characters exceeds the comparison limit of %d characters",
						nchars, CI_MAX_COMPARE_CHARS),
				 errhint("Compared columns hold names, e-mails, phones and the like; shorten or exclude longer values.")));
	StaticAssertStmt(CI_MAX_COMPARE_CHARS <= PG_UINT16_MAX, "MatchValue.nchars is 16 bits");
	v->nchars = (uint16) nchars;
	v->chars = v->ascii ? match_char_signature(s, len) : 0;
	v->date = is_date ? date : 0;
	v->flags = 0;
	v->num = 0;
	v->count = count ? 1 : 0;
	v->hash = hash;
	v->tf = 0;
	v->alias = 0;
	if (count)
		d->nonnull++;
	d->slots[h] = id;
	if ((Size) d->nvalues * 2 > d->nslots)
		dict_grow_slots(st, d);
	return id;
}

MatchStore *
match_store_create(MatchModel *model, MemoryContext cxt)
{
	MatchStore *st = MemoryContextAllocZero(cxt, sizeof(MatchStore));

	st->model = model;
	st->cxt = cxt;
	st->arena_first = ARENA_CHUNK;
	for (int c = 0; c < model->ncolumns; c++)
		dict_init(st, &st->dicts[c]);
	dict_init(st, &st->sources);
	return st;
}

static void
store_grow(MatchStore *st)
{
	int			ncol = st->model->ncolumns;
	int			newcap = st->capacity == 0 ? 1024 : st->capacity * 2;
	int64	   *ids = match_alloc(st, sizeof(int64) * newcap);
	uint32	   *source = match_alloc(st, sizeof(uint32) * newcap);
	uint32	   *vals = match_alloc(st, sizeof(uint32) * (Size) newcap * ncol);
	int64	   *identity = match_alloc(st, sizeof(int64) * newcap);

	if (st->n > 0)
	{
		memcpy(ids, st->ids, sizeof(int64) * st->n);
		memcpy(source, st->source, sizeof(uint32) * st->n);
		memcpy(vals, st->vals, sizeof(uint32) * (Size) st->n * ncol);
		memcpy(identity, st->identity, sizeof(int64) * st->n);
		pfree(st->ids);
		pfree(st->source);
		pfree(st->vals);
		pfree(st->identity);
		st->mem -= (sizeof(int64) * 2 + sizeof(uint32) * (1 + ncol)) * (Size) st->capacity;
	}
	st->ids = ids;
	st->source = source;
	st->vals = vals;
	st->identity = identity;
	st->capacity = newcap;
}

/* ISO text of a date, independent of DateStyle. */
static int
date_iso(DateADT d, char *buf)
{
	int			y,
				m,
				day;

	if (DATE_NOT_FINITE(d))
		return snprintf(buf, 16, "%s", DATE_IS_NOBEGIN(d) ? "-infinity" : "infinity");
	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
	if (y > 0)
		return snprintf(buf, 16, "%04d-%02d-%02d", y, m, day);
	return snprintf(buf, 20, "%04d-%02d-%02d BC", -y + 1, m, day);
}

/*
 * Load the records of the model's relation (optionally restricted by a
 * WHERE clause over alias t with parameters), ordered by id so that
 * sampling with a seed is repeatable.
 */
/*
 * Index of a record in the store by its id, or -1: the store is loaded in
 * record-id order, so a binary search.
 */
int
match_store_find(const MatchStore *st, int64 record_id)
{
	int			lo = 0,
				hi = st->n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (st->ids[mid] == record_id)
			return mid;
		if (st->ids[mid] < record_id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

char *
match_store_sql(MatchModel *model, const char *where, bool with_identity)
{
	StringInfoData q;
	int			ncol = model->ncolumns;

	initStringInfo(&q);
	appendStringInfo(&q, "SELECT t.%s::int8, ", quote_identifier(model->id_column));
	if (model->source_column)
		appendStringInfo(&q, "t.%s::text", quote_identifier(model->source_column));
	else
		appendStringInfoString(&q, "NULL::text");
	for (int c = 0; c < ncol; c++)
	{
		if (model->column[c].is_date)
			appendStringInfo(&q, ", t.%s::date", quote_identifier(model->column[c].field));
		else
			appendStringInfo(&q, ", %s", model->column[c].sql);
	}
	if (with_identity)
		appendStringInfo(&q, ", l.identity_id FROM %s t LEFT JOIN ci.identity_link l ON l.record_id = t.%s::int8",
						 model->relation, quote_identifier(model->id_column));
	else
		appendStringInfo(&q, ", NULL::int8 FROM %s t", model->relation);
	if (where)
		appendStringInfo(&q, " WHERE %s", where);
	appendStringInfo(&q, " ORDER BY 1");
	return q.data;
}

void
match_store_load(MatchStore *st, const char *where, int nargs, Oid *argtypes,
				 Datum *args, bool with_identity, CiProgress *progress)
{
	SPIPlanPtr	plan;
	CiSecureContext sc;

	/* parsed as the owner too: the relation's schema is the owner's to use */
	ci_secure_begin(&sc, st->model->owner);
	plan = SPI_prepare(match_store_sql(st->model, where, with_identity), nargs, argtypes);
	ci_secure_end(&sc);
	if (plan == NULL)
		elog(ERROR, "could not prepare the record query of match model \"%s\": %s",
			 st->model->name, SPI_result_code_string(SPI_result));
	/* resolutions read with a fresh snapshot: they must see what committed while they waited for a lock */
	match_store_load_plan(st, plan, args, NULL, !with_identity, progress);
	SPI_freeplan(plan);
	/* the whole relation: dates shared by too many records are placeholders */
	if (where == NULL)
		match_flag_common_dates(st);
}

/* Load the rows of a plan prepared from match_store_sql(). */
void
match_store_load_plan(MatchStore *st, SPIPlanPtr plan, Datum *args, const char *nulls,
					  bool read_only, CiProgress *progress)
{
	MatchModel *model = st->model;
	Portal		portal;
	int			ncol = model->ncolumns;
	char		datebuf[32];
	CiSecureContext sc;
	Datum	   *rowvals = NULL;
	bool	   *rownulls = NULL;

#define ROW_VALUE(att, isnullp) (*(isnullp) = rownulls[(att) - 1], rowvals[(att) - 1])

	/* the relation is read as the model's owner, restricted (secure_context.c) */
	ci_secure_begin(&sc, model->owner);
	portal = SPI_cursor_open(NULL, plan, args, nulls, read_only);

	for (;;)
	{
		SPITupleTable *tt;
		TupleDesc	desc;

		SPI_cursor_fetch(portal, true, FETCH_ROWS);
		if (SPI_processed == 0)
			break;
		tt = SPI_tuptable;
		desc = tt->tupdesc;
		if (rowvals == NULL)
		{
			rowvals = palloc(sizeof(Datum) * desc->natts);
			rownulls = palloc(sizeof(bool) * desc->natts);
		}
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			bool		isnull;
			Datum		d;
			int			r;

			CHECK_FOR_INTERRUPTS();
			/* all columns at once: one pass over the row, not one per column */
			heap_deform_tuple(tt->vals[i], desc, rowvals, rownulls);
			if (st->n >= st->capacity)
			{
				if (st->n >= (int) (PG_INT32_MAX / 2))
					ereport(ERROR,
							(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
							 errmsg("identity resolution handles at most %d records in one run", PG_INT32_MAX / 2)));
				store_grow(st);
			}
			r = st->n;
			d = ROW_VALUE(1, &isnull);
			if (isnull)
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("id column \"%s\" of %s is NULL in a record",
								model->id_column, model->relation)));
			st->ids[r] = DatumGetInt64(d);
			d = ROW_VALUE(2, &isnull);
			if (isnull)
				st->source[r] = 0;
			else
			{
				text	   *t = DatumGetTextPP(d);

				st->source[r] = match_dict_intern(st, &st->sources, VARDATA_ANY(t),
												  VARSIZE_ANY_EXHDR(t), false, 0, true);
			}
			for (int c = 0; c < ncol; c++)
			{
				uint32		id = 0;

				d = ROW_VALUE(3 + c, &isnull);
				if (!isnull)
				{
					if (model->column[c].is_date)
					{
						DateADT		dt = DatumGetDateADT(d);
						int			len = date_iso(dt, datebuf);

						id = match_dict_intern(st, &st->dicts[c], datebuf, len, true, dt, true);
					}
					else
					{
						text	   *t = DatumGetTextPP(d);
						int			len = VARSIZE_ANY_EXHDR(t);

						const char *bytes = VARDATA_ANY(t);
						char	   *sorted = NULL;
						MatchParse	parse = model->column[c].parse;

						if (parse == MATCH_PARSE_TOKENS && len > 0)
						{
							len = match_tokens_sorted(bytes, len, &sorted);
							bytes = sorted;
						}
						/* empty strings carry no evidence: treated as NULL */
						if (len > 0)
						{
							id = match_dict_intern(st, &st->dicts[c], bytes, len, false, 0, true);
							if (parse != MATCH_PARSE_TEXT && !(st->dicts[c].values[id].flags & MATCH_VALUE_PARSED))
								match_value_parse(&st->dicts[c].values[id], parse);
						}
						if (sorted)
							pfree(sorted);
						if ((Pointer) t != DatumGetPointer(d))
							pfree(t);
					}
				}
				MATCH_VAL(st, r, c) = id;
			}
			d = ROW_VALUE(3 + ncol, &isnull);
			st->identity[r] = isnull ? 0 : DatumGetInt64(d);
			st->n++;
		}
		SPI_freetuptable(tt);
		if (progress)
			ci_progress_report(progress, st->n, -1);
	}
	SPI_cursor_close(portal);
	ci_secure_end(&sc);
	if (rowvals)
	{
		pfree(rowvals);
		pfree(rownulls);
	}
#undef ROW_VALUE
	match_flag_stored_placeholders(st);
}

/*
 * The u of an exact agreement on one value: the share of the records with a
 * value that carry it, not counting the copies of the person who holds it,
 * shrunk toward the comparison's exact-level u with a Dirichlet prior worth
 * MATCH_TF_PSEUDO records,
 *     u_tf = (max(count - copies, 0) + K * u_exact) / (nonnull + K).
 * u is about pairs of different people: a value's own record and the other
 * records of its person (prior * (nonnull - 1) of them, agreeing with
 * probability m_exact) share it whoever else does.  Counted in, they make a
 * rare name held by one person with three records look three times as
 * common as it is among other people, which costs a true pair agreeing on
 * two such names a few bits.  On a large table with common values this is
 * the plain share; on a tiny one (two of four records share a phone) it
 * stays near u_exact instead of reaching 1/2 or 1, so an exact agreement
 * keeps its evidence.
 */
double
match_tf_shrunk(const MatchModel *model, const MatchComparison *c, double count, double nonnull)
{
	double		copies = MATCH_TF_SELF + model->prior * Max(nonnull - 1.0, 0.0) * c->m[MATCH_LEVEL_EXACT];

	return (Max(count - copies, 0.0) + MATCH_TF_PSEUDO * c->u[MATCH_LEVEL_EXACT]) / (nonnull + MATCH_TF_PSEUDO);
}

/* Term frequencies from the loaded data itself (match_tf_shrunk). */
void
match_store_tf_from_counts(MatchStore *st)
{
	MatchModel *model = st->model;

	for (int k = 0; k < model->ncomparisons; k++)
	{
		MatchDict  *d = &st->dicts[model->comp[k].column];

		if (!model->comp[k].tf_adjust || d->nonnull == 0)
			continue;
		for (uint32 id = 1; id < d->nvalues; id++)
			d->values[id].tf = (float) match_tf_shrunk(model, &model->comp[k], (double) d->values[id].count,
													   (double) d->nonnull);
	}
}

/*
 * Term frequencies stored by training (ci.match_term_frequency), for runs
 * over a few records (incremental resolution, explanations).  A value
 * training never saw gets the smallest stored frequency of its comparison.
 */
void
match_store_tf_from_table(MatchStore *st)
{
	MatchModel *model = st->model;

	for (int k = 0; k < model->ncomparisons; k++)
	{
		MatchComparison *c = &model->comp[k];
		MatchDict  *d = &st->dicts[c->column];
		Datum	   *vals;
		Oid			types[3] = {TEXTOID, TEXTOID, TEXTARRAYOID};
		Datum		args[3];
		double		floor_tf = 0.0;
		bool		isnull;

		if (!c->tf_adjust || d->nvalues <= 1)
			continue;
		vals = palloc(sizeof(Datum) * d->nvalues);
		for (uint32 id = 1; id < d->nvalues; id++)
			vals[id - 1] = PointerGetDatum(cstring_to_text_with_len(d->values[id].bytes, d->values[id].nbytes));
		args[0] = CStringGetTextDatum(model->name);
		args[1] = CStringGetTextDatum(c->name);
		args[2] = PointerGetDatum(construct_array(vals, d->nvalues - 1, TEXTOID, -1, false, TYPALIGN_INT));
		if (SPI_execute_with_args(
								  "SELECT (m.training->'tf_floor'->>$2)::float8 FROM ci.match_model m WHERE m.model = $1",
								  2, types, args, NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not read ci.match_model");
		if (SPI_processed == 1)
		{
			Datum		f = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

			if (!isnull)
				floor_tf = DatumGetFloat8(f);
		}
		/* an untrained model has no stored frequencies: no adjustment */
		if (floor_tf <= 0)
			continue;
		for (uint32 id = 1; id < d->nvalues; id++)
			d->values[id].tf = (float) floor_tf;
		if (SPI_execute_with_args(
								  "SELECT value, frequency FROM ci.match_term_frequency"
								  " WHERE model = $1 AND comparison = $2 AND value = ANY ($3)",
								  3, types, args, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read ci.match_term_frequency");
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			text	   *v = DatumGetTextPP(SPI_getbinval(tup, SPI_tuptable->tupdesc, 1, &isnull));
			double		f = DatumGetFloat8(SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull));
			uint32		id = match_dict_lookup(d, VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));

			if (id)
				d->values[id].tf = (float) f;
		}
	}
}
