/*
 * match_cluster.c — from scored candidate pairs to identities: links
 * (pairs at or above the link threshold, deterministic-rule pairs, and a
 * steward's forced links) are joined into connected components with a
 * union-find that refuses any union putting a steward's forced non-link
 * into one component.  Components then receive identity ids that stay
 * stable: each existing identity stays with the component holding most of
 * its records, a component holding several keeps the oldest (smallest) id
 * and retires the others as merged, and a component with none gets a new
 * id (logged as a split when its records came from an existing identity).
 * Everything is written with set-based statements over arrays.
 */
#include "match.h"

#include <math.h>

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "nodes/makefuncs.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "match_cluster.h"
#include "match_link_guard.h"

#define WRITE_CHUNK 100000

typedef struct Edge
{
	uint32		a;
	uint32		b;
	double		weight;
	int			rule;			/* -1 probabilistic, -2 steward, else deterministic rule */
} Edge;

static int
edge_cmp(const void *x, const void *y)
{
	const Edge *a = x;
	const Edge *b = y;

	if (a->weight != b->weight)
		return a->weight > b->weight ? -1 : 1;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return a->b < b->b ? -1 : (a->b > b->b ? 1 : 0);
}

static uint32
uf_find(uint32 *parent, uint32 x)
{
	while (parent[x] != x)
	{
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

/* Constraint lists per union-find root (forced non-links). */
typedef struct Constraints
{
	int			n;
	uint32	   *x;
	uint32	   *y;
	int		   *head;			/* per record: first node, -1 none */
	int		   *tail;
	int		   *size;
	int		   *next;			/* per node (2 per constraint) */
	int		   *node_cons;
} Constraints;

static bool
union_allowed(Constraints *c, uint32 *parent, uint32 ra, uint32 rb)
{
	uint32		small;

	if (c->n == 0)
		return true;
	small = c->size[ra] <= c->size[rb] ? ra : rb;
	for (int node = c->head[small]; node >= 0; node = c->next[node])
	{
		int			k = c->node_cons[node];
		uint32		fx = uf_find(parent, c->x[k]);
		uint32		fy = uf_find(parent, c->y[k]);

		if ((fx == ra && fy == rb) || (fx == rb && fy == ra))
			return false;
	}
	return true;
}

static void
union_do(Constraints *c, uint32 *parent, uint32 ra, uint32 rb, uint32 *ranksz)
{
	uint32		keep = ra,
				gone = rb;

	if (ranksz[ra] < ranksz[rb])
	{
		keep = rb;
		gone = ra;
	}
	parent[gone] = keep;
	ranksz[keep] += ranksz[gone];
	if (c->n > 0 && c->head[gone] >= 0)
	{
		if (c->head[keep] < 0)
			c->head[keep] = c->head[gone];
		else
			c->next[c->tail[keep]] = c->head[gone];
		c->tail[keep] = c->tail[gone];
		c->size[keep] += c->size[gone];
	}
}

static void
cons_add_node(Constraints *c, uint32 rec, int node, int k)
{
	c->node_cons[node] = k;
	c->next[node] = -1;
	if (c->head[rec] < 0)
		c->head[rec] = node;
	else
		c->next[c->tail[rec]] = node;
	c->tail[rec] = node;
	c->size[rec]++;
}

typedef struct Claim
{
	int64		old;
	uint32		comp;
	uint32		rec;
} Claim;

static int
claim_cmp(const void *x, const void *y)
{
	const Claim *a = x;
	const Claim *b = y;

	if (a->old != b->old)
		return a->old < b->old ? -1 : 1;
	if (a->comp != b->comp)
		return a->comp < b->comp ? -1 : 1;
	return a->rec < b->rec ? -1 : (a->rec > b->rec ? 1 : 0);
}

/* Growable parallel arrays of the events to log: (event, identity, other, record). */
typedef struct EventRows
{
	int64		n,
				cap;
	Datum	   *event;
	Datum	   *identity;
	Datum	   *other;
	bool	   *other_null;
	Datum	   *record;
} EventRows;

static void
event_add(EventRows *e, Datum ev, int64 identity, int64 other, int64 record)
{
	if (e->n >= e->cap)
	{
		int64		nc = e->cap ? e->cap * 2 : 1024;

		e->event = e->cap ? repalloc_huge(e->event, sizeof(Datum) * nc) : palloc_extended(sizeof(Datum) * nc, MCXT_ALLOC_HUGE);
		e->identity = e->cap ? repalloc_huge(e->identity, sizeof(Datum) * nc) : palloc_extended(sizeof(Datum) * nc, MCXT_ALLOC_HUGE);
		e->other = e->cap ? repalloc_huge(e->other, sizeof(Datum) * nc) : palloc_extended(sizeof(Datum) * nc, MCXT_ALLOC_HUGE);
		e->other_null = e->cap ? repalloc_huge(e->other_null, sizeof(bool) * nc) : palloc_extended(sizeof(bool) * nc, MCXT_ALLOC_HUGE);
		e->record = e->cap ? repalloc_huge(e->record, sizeof(Datum) * nc) : palloc_extended(sizeof(Datum) * nc, MCXT_ALLOC_HUGE);
		e->cap = nc;
	}
	e->event[e->n] = ev;
	e->identity[e->n] = Int64GetDatum(identity);
	e->other[e->n] = Int64GetDatum(other);
	e->other_null[e->n] = other == 0;
	e->record[e->n] = Int64GetDatum(record);
	e->n++;
}

static ArrayType *
int8_array(Datum *d, bool *nulls, int64 n)
{
	int			dims[1] = {(int) n};
	int			lbs[1] = {1};

	return construct_md_array(d, nulls, 1, dims, lbs, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/*
 * A bulk writer (ci_bulk.h) for one of the run's tables, vouching for the
 * foreign keys named; NULL when the rows must be written with SQL (then
 * every check runs).  Only at READ COMMITTED: the run read its records
 * under its lock on ci.identity_link, which every statement deleting
 * records or changing their ids must take too (match_link_guard.c), and
 * with a fresh snapshot taken after that lock.
 */
static CiBulkInsert *
run_bulk_begin(const char *table, int ncols, const char *const *cols, const Oid *types,
			   const char *const *fks, int nfks)
{
	Oid			relid;
	Oid			vouched[4];

	Assert(nfks <= lengthof(vouched));
	if (IsolationUsesXactSnapshot())
		return NULL;
	relid = RangeVarGetRelid(makeRangeVar("ci", (char *) table, -1), NoLock, false);
	for (int i = 0; i < nfks; i++)
		vouched[i] = ci_bulk_constraint(relid, fks[i]);
	return ci_bulk_begin(relid, ncols, cols, types, vouched, nfks);
}

/*
 * Cluster-level guard against transitive chaining: two components are not
 * joined when some record of one and some record of the other are, by the
 * model itself, almost surely different people (match_conflict_pair,
 * match_compare.c: e.g. twins or a couple linked through a shared landline
 * or e-mail).  The link being added is one such cross pair.  Steward links
 * bypass the guard.  Components with more than the model's guard_max_pairs
 * cross pairs are not checked (bounded cost).  Member lists are circular,
 * so a union concatenates them in O(1).  ci.resolve_record applies the same
 * rule (match_incremental.c).
 */
static bool
components_conflict(MatchStore *st, const uint32 *next_member, const uint32 *ranksz,
					uint32 ra, uint32 rb)
{
	uint32		x = ra;

	if ((int64) ranksz[ra] * (int64) ranksz[rb] > st->model->guard_max_pairs)
		return false;
	do
	{
		uint32		y = rb;

		do
		{
			if (match_conflict_pair(st, x, y))
				return true;
			y = next_member[y];
		} while (y != rb);
		x = next_member[x];
	} while (x != ra);
	return false;
}

/* rows of one event: same event, identity and other identity */
static int
event_row_cmp(const void *a, const void *b, void *arg)
{
	const EventRows *e = (const EventRows *) arg;
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;
	int64		ix = DatumGetInt64(e->identity[x]),
				iy = DatumGetInt64(e->identity[y]);
	int64		ox = DatumGetInt64(e->other[x]),
				oy = DatumGetInt64(e->other[y]);
	int64		rx = DatumGetInt64(e->record[x]),
				ry = DatumGetInt64(e->record[y]);

	if (ix != iy)
		return ix < iy ? -1 : 1;
	if (ox != oy)
		return ox < oy ? -1 : 1;
	if (e->event[x] != e->event[y])
		return e->event[x] < e->event[y] ? -1 : 1;
	if (rx != ry)
		return rx < ry ? -1 : 1;
	return 0;
}

typedef struct EventGroup
{
	int64		start;			/* into the sorted row order */
	int64		n;
	int64		min_record;
} EventGroup;

static int
event_group_cmp(const void *a, const void *b)
{
	const EventGroup *x = (const EventGroup *) a;
	const EventGroup *y = (const EventGroup *) b;

	if (x->min_record != y->min_record)
		return x->min_record < y->min_record ? -1 : 1;
	return 0;
}

/*
 * Write the events: one row per (event, identity, other identity) with its
 * records.  The rows of one event are brought together first and a
 * statement never splits them, so that an event over records far apart in
 * record order is one row, not one per statement; events go in the order
 * of their smallest record.
 */
static void
write_events(EventRows *e)
{
	Oid			types[4] = {TEXTARRAYOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID};
	int64	   *order;
	EventGroup *groups;
	int64		ngroups = 0;
	Datum	   *cev,
			   *cid,
			   *cother,
			   *crec;
	bool	   *cnull;
	int64		g = 0;

	if (e->n == 0)
		return;
	order = palloc_extended(sizeof(int64) * e->n, MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < e->n; i++)
		order[i] = i;
	qsort_arg(order, e->n, sizeof(int64), event_row_cmp, e);
	groups = palloc_extended(sizeof(EventGroup) * e->n, MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < e->n; i++)
	{
		int64		r = order[i];

		if (i == 0 ||
			e->identity[r] != e->identity[order[i - 1]] ||
			e->other[r] != e->other[order[i - 1]] ||
			e->event[r] != e->event[order[i - 1]])
		{
			groups[ngroups].start = i;
			groups[ngroups].n = 0;
			groups[ngroups].min_record = DatumGetInt64(e->record[r]);
			ngroups++;
		}
		groups[ngroups - 1].n++;
	}
	qsort(groups, ngroups, sizeof(EventGroup), event_group_cmp);

	/* in bulk: one row per event, its records in order, events by their smallest record */
	{
		static const char *const cols[4] = {"event", "identity_id", "other_id", "record_ids"};
		static const Oid ctypes[4] = {TEXTOID, INT8OID, INT8OID, INT8ARRAYOID};
		CiBulkInsert *b = run_bulk_begin("identity_event", 4, cols, ctypes, NULL, 0);

		if (b != NULL)
		{
			Datum	   *recs = palloc(sizeof(Datum) * 64);
			int64		cap = 64;

			(void) ci_bulk_sort_indexes(b, (double) ngroups);

			for (g = 0; g < ngroups; g++)
			{
				int64		first = order[groups[g].start];
				Datum		values[4];
				bool		nulls[4] = {false, false, false, false};

				if (groups[g].n > cap)
				{
					cap = groups[g].n;
					recs = repalloc_huge(recs, sizeof(Datum) * cap);
				}
				for (int64 k = 0; k < groups[g].n; k++)
					recs[k] = e->record[order[groups[g].start + k]];
				values[0] = e->event[first];
				values[1] = e->identity[first];
				values[2] = e->other[first];
				nulls[2] = e->other_null[first];
				values[3] = PointerGetDatum(int8_array(recs, NULL, groups[g].n));
				ci_bulk_put(b, values, nulls);
				pfree(DatumGetPointer(values[3]));
			}
			(void) ci_bulk_end(b);
			pfree(recs);
			pfree(order);
			pfree(groups);
			return;
		}
	}

	cev = palloc_extended(sizeof(Datum) * e->n, MCXT_ALLOC_HUGE);
	cid = palloc_extended(sizeof(Datum) * e->n, MCXT_ALLOC_HUGE);
	cother = palloc_extended(sizeof(Datum) * e->n, MCXT_ALLOC_HUGE);
	cnull = palloc_extended(sizeof(bool) * e->n, MCXT_ALLOC_HUGE);
	crec = palloc_extended(sizeof(Datum) * e->n, MCXT_ALLOC_HUGE);
	while (g < ngroups)
	{
		int64		n = 0;
		Datum		args[4];
		int			dims[1];
		int			lbs[1] = {1};

		/* whole events, about WRITE_CHUNK rows (more only for one huge event) */
		do
		{
			for (int64 k = 0; k < groups[g].n; k++)
			{
				int64		r = order[groups[g].start + k];

				cev[n] = e->event[r];
				cid[n] = e->identity[r];
				cother[n] = e->other[r];
				cnull[n] = e->other_null[r];
				crec[n] = e->record[r];
				n++;
			}
			g++;
		} while (g < ngroups && n + groups[g].n <= WRITE_CHUNK);

		dims[0] = (int) n;
		args[0] = PointerGetDatum(construct_md_array(cev, NULL, 1, dims, lbs, TEXTOID, -1, false, TYPALIGN_INT));
		args[1] = PointerGetDatum(int8_array(cid, NULL, n));
		args[2] = PointerGetDatum(int8_array(cother, cnull, n));
		args[3] = PointerGetDatum(int8_array(crec, NULL, n));
		if (SPI_execute_with_args(
								  "INSERT INTO ci.identity_event (event, identity_id, other_id, record_ids)"
								  " SELECT ev, id, other, array_agg(rec ORDER BY rec)"
								  " FROM unnest($1, $2, $3, $4) AS x(ev, id, other, rec)"
								  " GROUP BY ev, id, other ORDER BY min(rec)",
								  4, types, args, NULL, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not write ci.identity_event");
		CHECK_FOR_INTERRUPTS();
	}
	pfree(order);
	pfree(groups);
	pfree(cev);
	pfree(cid);
	pfree(cother);
	pfree(cnull);
	pfree(crec);
}

/*
 * Review rows in bulk: true when written, false when they must go through
 * SQL.  The model's row is locked as its foreign key would lock it, once;
 * the records are the run's (see run_bulk_begin).  skip[i], when given,
 * leaves row i out.
 */
static bool
review_bulk(const char *model, const Datum *ra, const Datum *rb, const Datum *rp,
			const Datum *rw, const bool *skip, int64 n)
{
	static const char *const cols[5] = {"model", "record_a", "record_b", "match_probability", "match_weight"};
	static const Oid ctypes[5] = {TEXTOID, INT8OID, INT8OID, FLOAT8OID, FLOAT8OID};
	static const char *const fks[3] = {"match_review_model_fkey", "match_review_record_a_fkey", "match_review_record_b_fkey"};
	Oid			t1[1] = {TEXTOID};
	Datum		name = CStringGetTextDatum(model);
	CiBulkInsert *b;

	if (n == 0)
		return true;
	b = run_bulk_begin("match_review", 5, cols, ctypes, fks, 3);
	if (b == NULL)
		return false;
	(void) ci_bulk_sort_indexes(b, (double) n);
	if (SPI_execute_with_args("SELECT 1 FROM ci.match_model WHERE model = $1 FOR KEY SHARE",
							  1, t1, &name, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not lock the row of match model \"%s\"", model);
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("match model \"%s\" was deleted during the resolution run", model)));
	for (int64 i = 0; i < n; i++)
	{
		Datum		values[5] = {name, ra[i], rb[i], rp[i], rw[i]};

		if (skip == NULL || !skip[i])
			ci_bulk_put(b, values, NULL);
	}
	(void) ci_bulk_end(b);
	return true;
}

static int
edge_pair_cmp(const void *x, const void *y)
{
	const Edge *a = x;
	const Edge *b = y;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return a->b < b->b ? -1 : (a->b > b->b ? 1 : 0);
}

/*
 * Links the clustering guard refused go to the review queue with their own
 * weight (a steward decides; ci.decide_match 'link' then bypasses the
 * guard), as ci.resolve_record queues the links it refuses.
 */
static void
write_refused(MatchStore *st, Edge *refused, int64 n)
{
	Oid			types[5] = {TEXTOID, INT8ARRAYOID, INT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID};
	Datum		args[5];
	Datum	   *ra = palloc_extended(sizeof(Datum) * n, MCXT_ALLOC_HUGE);
	Datum	   *rb = palloc_extended(sizeof(Datum) * n, MCXT_ALLOC_HUGE);
	Datum	   *rp = palloc_extended(sizeof(Datum) * n, MCXT_ALLOC_HUGE);
	Datum	   *rw = palloc_extended(sizeof(Datum) * n, MCXT_ALLOC_HUGE);
	bool	   *dup = palloc_extended(sizeof(bool) * n, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	int64		written = 0;

	/* a pair once (ON CONFLICT DO NOTHING does it below), in pair order */
	for (int64 i = 0; i < n; i++)
	{
		uint32		a = Min(refused[i].a, refused[i].b);

		refused[i].b = Max(refused[i].a, refused[i].b);
		refused[i].a = a;
	}
	qsort(refused, n, sizeof(Edge), edge_pair_cmp);
	for (int64 i = 0; i < n; i++)
	{
		uint32		a = refused[i].a;
		uint32		b = refused[i].b;
		/* a probabilistic link carries its scored weight; a rule's was raised */
		double		w = refused[i].rule == -1 ? refused[i].weight
			: match_pair_weight(st, a, b, match_pattern(st, a, b));

		dup[i] = i > 0 && refused[i - 1].a == a && refused[i - 1].b == b;
		ra[i] = Int64GetDatum(st->ids[a]);
		rb[i] = Int64GetDatum(st->ids[b]);
		rp[i] = Float8GetDatum(match_weight_to_probability(w));
		rw[i] = Float8GetDatum(w);
	}
	/* refused links weigh at least the link threshold: no pair of the review band */
	if (review_bulk(st->model->name, ra, rb, rp, rw, dup, n))
		written = n;
	args[0] = CStringGetTextDatum(st->model->name);
	for (int64 off = written; off < n; off += WRITE_CHUNK)
	{
		int64		k = Min(WRITE_CHUNK, n - off);

		args[1] = PointerGetDatum(int8_array(ra + off, NULL, k));
		args[2] = PointerGetDatum(int8_array(rb + off, NULL, k));
		args[3] = PointerGetDatum(construct_array(rp + off, (int) k, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		args[4] = PointerGetDatum(construct_array(rw + off, (int) k, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		if (SPI_execute_with_args("INSERT INTO ci.match_review (model, record_a, record_b, match_probability, match_weight)"
								  " SELECT $1, a, b, p, w FROM unnest($2, $3, $4, $5) AS x(a, b, p, w)"
								  " ON CONFLICT (model, record_a, record_b) DO NOTHING",
								  5, types, args, NULL, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not write ci.match_review");
	}
	pfree(ra);
	pfree(rb);
	pfree(rp);
	pfree(rw);
	pfree(dup);
}

/* A record's link evidence: its best link's probability and rule (none: a singleton). */
static void
link_evidence(double best, int best_rule, const Datum *det_names, Datum rule_prob,
			  Datum rule_single, Datum rule_steward, Datum *prob, bool *probnull, Datum *rule)
{
	if (best_rule == -3)
	{
		*probnull = true;
		*prob = (Datum) 0;
		*rule = rule_single;
	}
	else
	{
		*probnull = false;
		*prob = Float8GetDatum(best_rule == -1 ? match_weight_to_probability(best) : 1.0);
		*rule = best_rule == -1 ? rule_prob : best_rule == -2 ? rule_steward : det_names[best_rule];
	}
}

/*
 * Cluster the scored pairs and write identities, links, events and the
 * review queue.  weights[i] is pair i's match weight.
 */
void
match_cluster_and_write(MatchStore *st, MatchPairs *pairs, const double *weights,
						MatchRunStats *stats)
{
	MatchModel *model = st->model;
	double		link_w = match_probability_to_weight(model->link_threshold);
	double		review_w = match_probability_to_weight(model->review_threshold);
	uint32	   *parent;
	uint32	   *next_member;
	uint32	   *ranksz;
	Edge	   *edges;
	int64		nedges = 0;
	int64		cap = 1024;
	Constraints cons;
	double	   *best;
	int		   *best_rule;
	uint32	   *comp_of;
	int64	   *comp_id;
	uint32		ncomp = 0;
	Datum		det_names[MATCH_MAX_RULES];
	Datum		rule_prob,
				rule_single,
				rule_steward;
	int64		nreview = 0;
	Edge	   *refused = NULL;
	int64		nrefused = 0;
	int64		refused_cap = 0;
	Oid			seqoid;
	EventRows	ev = {0};
	Datum		ev_create = CStringGetTextDatum("create");
	Datum		ev_merge = CStringGetTextDatum("merge");
	Datum		ev_split = CStringGetTextDatum("split");
	bool		none_live_before = false;

	for (int r = 0; r < model->nrules; r++)
		det_names[r] = CStringGetTextDatum(psprintf("deterministic:%s", model->rule[r].name));
	rule_prob = CStringGetTextDatum("probabilistic");
	rule_single = CStringGetTextDatum("singleton");
	rule_steward = CStringGetTextDatum("steward");

	edges = palloc_extended(sizeof(Edge) * cap, MCXT_ALLOC_HUGE);

	/* edges from candidate pairs; the review band */
	{
		Datum	   *ra = NULL,
				   *rb = NULL,
				   *rp = NULL,
				   *rw = NULL;
		int64		rcap = 0;
		Oid			types[5] = {TEXTOID, INT8ARRAYOID, INT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID};
		Datum		args[5];
		int64		nreview_written = 0;

		for (int64 i = 0; i < pairs->npairs; i++)
		{
			const MatchPair *p = &pairs->pairs[i];
			uint32		rules = pairs->classes[p->cls].rules;
			int			det = -1;

			for (int r = 0; r < model->nrules; r++)
				if ((rules & ((uint32) 1 << r)) && model->rule[r].deterministic)
				{
					det = r;
					break;
				}
			if (det >= 0 || weights[i] >= link_w)
			{
				if (nedges >= cap)
				{
					cap *= 2;
					match_check_memory(st, sizeof(Edge) * cap, "links");
					edges = repalloc_huge(edges, sizeof(Edge) * cap);
				}
				edges[nedges].a = p->a;
				edges[nedges].b = p->b;
				edges[nedges].weight = det >= 0 ? Max(weights[i], 1000.0) : weights[i];
				edges[nedges].rule = det;
				nedges++;
			}
			else if (weights[i] >= review_w)
			{
				if (nreview >= rcap)
				{
					rcap = rcap ? rcap * 2 : 256;
					ra = ra ? repalloc_huge(ra, sizeof(Datum) * rcap) : palloc_extended(sizeof(Datum) * rcap, MCXT_ALLOC_HUGE);
					rb = rb ? repalloc_huge(rb, sizeof(Datum) * rcap) : palloc_extended(sizeof(Datum) * rcap, MCXT_ALLOC_HUGE);
					rp = rp ? repalloc_huge(rp, sizeof(Datum) * rcap) : palloc_extended(sizeof(Datum) * rcap, MCXT_ALLOC_HUGE);
					rw = rw ? repalloc_huge(rw, sizeof(Datum) * rcap) : palloc_extended(sizeof(Datum) * rcap, MCXT_ALLOC_HUGE);
				}
				ra[nreview] = Int64GetDatum(st->ids[p->a]);
				rb[nreview] = Int64GetDatum(st->ids[p->b]);
				rp[nreview] = Float8GetDatum(match_weight_to_probability(weights[i]));
				rw[nreview] = Float8GetDatum(weights[i]);
				nreview++;
			}
		}
		args[0] = CStringGetTextDatum(model->name);
		if (SPI_execute_with_args("DELETE FROM ci.match_review WHERE model = $1", 1, types, args, NULL, false, 0) != SPI_OK_DELETE)
			elog(ERROR, "could not clear ci.match_review");
		if (review_bulk(model->name, ra, rb, rp, rw, NULL, nreview))
			nreview_written = nreview;
		for (int64 off = nreview_written; off < nreview; off += WRITE_CHUNK)
		{
			int64		n = Min(WRITE_CHUNK, nreview - off);

			args[1] = PointerGetDatum(int8_array(ra + off, NULL, n));
			args[2] = PointerGetDatum(int8_array(rb + off, NULL, n));
			args[3] = PointerGetDatum(construct_array(rp + off, (int) n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
			args[4] = PointerGetDatum(construct_array(rw + off, (int) n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
			if (SPI_execute_with_args("INSERT INTO ci.match_review (model, record_a, record_b, match_probability, match_weight)"
									  " SELECT $1, a, b, p, w FROM unnest($2, $3, $4, $5) AS x(a, b, p, w)",
									  5, types, args, NULL, false, 0) != SPI_OK_INSERT)
				elog(ERROR, "could not write ci.match_review");
		}
	}
	stats->review_pairs = nreview;

	/* steward decisions */
	memset(&cons, 0, sizeof(cons));
	if (SPI_execute("SELECT record_a, record_b, decision = 'link' FROM ci.match_decision ORDER BY 1, 2",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read ci.match_decision");
	{
		uint64		nd = SPI_processed;
		SPITupleTable *tt = SPI_tuptable;

		cons.x = palloc(sizeof(uint32) * (nd + 1));
		cons.y = palloc(sizeof(uint32) * (nd + 1));
		for (uint64 i = 0; i < nd; i++)
		{
			bool		isnull;
			int			a = match_store_find(st, DatumGetInt64(SPI_getbinval(tt->vals[i], tt->tupdesc, 1, &isnull)));
			int			b = match_store_find(st, DatumGetInt64(SPI_getbinval(tt->vals[i], tt->tupdesc, 2, &isnull)));
			bool		link = DatumGetBool(SPI_getbinval(tt->vals[i], tt->tupdesc, 3, &isnull));

			if (a < 0 || b < 0)
				continue;
			if (link)
			{
				if (nedges >= cap)
				{
					cap *= 2;
					edges = repalloc_huge(edges, sizeof(Edge) * cap);
				}
				edges[nedges].a = (uint32) a;
				edges[nedges].b = (uint32) b;
				edges[nedges].weight = 1e9;
				edges[nedges].rule = -2;
				nedges++;
			}
			else
			{
				cons.x[cons.n] = (uint32) a;
				cons.y[cons.n] = (uint32) b;
				cons.n++;
			}
		}
		SPI_freetuptable(tt);
	}

	/* union-find, strongest links first */
	parent = match_alloc(st, sizeof(uint32) * (Size) st->n);
	ranksz = match_alloc(st, sizeof(uint32) * (Size) st->n);
	best = match_alloc(st, sizeof(double) * (Size) st->n);
	best_rule = match_alloc(st, sizeof(int) * (Size) st->n);
	for (int i = 0; i < st->n; i++)
	{
		parent[i] = (uint32) i;
		ranksz[i] = 1;
		best[i] = -INFINITY;
		best_rule[i] = -3;
	}
	if (cons.n > 0)
	{
		cons.head = palloc(sizeof(int) * st->n);
		cons.tail = palloc(sizeof(int) * st->n);
		cons.size = palloc0(sizeof(int) * st->n);
		cons.next = palloc(sizeof(int) * 2 * cons.n);
		cons.node_cons = palloc(sizeof(int) * 2 * cons.n);
		for (int i = 0; i < st->n; i++)
			cons.head[i] = cons.tail[i] = -1;
		for (int k = 0; k < cons.n; k++)
		{
			cons_add_node(&cons, cons.x[k], 2 * k, k);
			cons_add_node(&cons, cons.y[k], 2 * k + 1, k);
		}
	}
	next_member = match_alloc(st, sizeof(uint32) * (Size) st->n);
	for (int i = 0; i < st->n; i++)
		next_member[i] = (uint32) i;
	qsort(edges, nedges, sizeof(Edge), edge_cmp);
	stats->links = 0;
	for (int64 i = 0; i < nedges; i++)
	{
		uint32		ra = uf_find(parent, edges[i].a);
		uint32		rb = uf_find(parent, edges[i].b);

		if ((i & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
		if (ra != rb)
		{
			if (!union_allowed(&cons, parent, ra, rb))
			{
				stats->blocked_by_steward++;
				continue;
			}
			if (edges[i].rule != -2 &&
				components_conflict(st, next_member, ranksz, ra, rb))
			{
				/* queued for review, as ci.resolve_record does */
				if (nrefused >= refused_cap)
				{
					refused_cap = refused_cap ? refused_cap * 2 : 64;
					refused = refused ? repalloc_huge(refused, sizeof(Edge) * refused_cap)
						: palloc_extended(sizeof(Edge) * refused_cap, MCXT_ALLOC_HUGE);
				}
				refused[nrefused++] = edges[i];
				stats->blocked_by_conflict++;
				continue;
			}
			{
				uint32		t = next_member[ra];

				next_member[ra] = next_member[rb];
				next_member[rb] = t;
			}
			union_do(&cons, parent, ra, rb, ranksz);
		}
		stats->links++;
		for (int s = 0; s < 2; s++)
		{
			uint32		r = s ? edges[i].b : edges[i].a;

			if (edges[i].weight > best[r])
			{
				best[r] = edges[i].weight;
				best_rule[r] = edges[i].rule;
			}
		}
	}

	if (nrefused > 0)
		write_refused(st, refused, nrefused);
	stats->review_pairs += nrefused;

	/* components */
	comp_of = match_alloc(st, sizeof(uint32) * (Size) st->n);
	{
		uint32	   *root_comp = match_alloc(st, sizeof(uint32) * (Size) st->n);

		for (int i = 0; i < st->n; i++)
			root_comp[i] = PG_UINT32_MAX;
		for (int i = 0; i < st->n; i++)
		{
			uint32		r = uf_find(parent, (uint32) i);

			if (root_comp[r] == PG_UINT32_MAX)
				root_comp[r] = ncomp++;
			comp_of[i] = root_comp[r];
		}
	}
	stats->identities = ncomp;
	comp_id = match_alloc(st, sizeof(int64) * (Size) Max(ncomp, 1));
	memset(comp_id, 0, sizeof(int64) * (Size) Max(ncomp, 1));

	/* stable ids: who owns each existing identity */
	{
		int64		nclaims = 0;
		Claim	   *claims;
		int64		i = 0;
		Datum	   *mid = NULL,
				   *minto = NULL;
		int64		nmerge = 0;
		uint32	   *owner_of;

		for (int r = 0; r < st->n; r++)
			if (st->identity[r] != 0)
				nclaims++;
		claims = palloc_extended(sizeof(Claim) * Max(nclaims, 1), MCXT_ALLOC_HUGE);
		nclaims = 0;
		for (int r = 0; r < st->n; r++)
			if (st->identity[r] != 0)
			{
				claims[nclaims].old = st->identity[r];
				claims[nclaims].comp = comp_of[r];
				claims[nclaims].rec = (uint32) r;
				nclaims++;
			}
		qsort(claims, nclaims, sizeof(Claim), claim_cmp);
		mid = palloc_extended(sizeof(Datum) * Max(nclaims, 1), MCXT_ALLOC_HUGE);
		minto = palloc_extended(sizeof(Datum) * Max(nclaims, 1), MCXT_ALLOC_HUGE);

		/* owner component of each old identity: most records, ties to the smallest record */
		owner_of = palloc_extended(sizeof(uint32) * Max(nclaims, 1), MCXT_ALLOC_HUGE);
		while (i < nclaims)
		{
			int64		j = i;
			uint32		owner = claims[i].comp;
			int64		owner_n = 0;
			uint32		owner_min = PG_UINT32_MAX;

			while (j < nclaims && claims[j].old == claims[i].old)
			{
				int64		k = j;

				while (k < nclaims && claims[k].old == claims[i].old && claims[k].comp == claims[j].comp)
					k++;
				if (k - j > owner_n || (k - j == owner_n && claims[j].rec < owner_min))
				{
					owner = claims[j].comp;
					owner_n = k - j;
					owner_min = claims[j].rec;
				}
				j = k;
			}
			for (int64 k = i; k < j; k++)
				owner_of[k] = owner;
			/* a component keeps the oldest (smallest) id it owns */
			if (comp_id[owner] == 0 || claims[i].old < comp_id[owner])
				comp_id[owner] = claims[i].old;
			i = j;
		}

		/*
		 * No record had an identity and no identity is live (a first run):
		 * afterwards every live identity is one of this run's, with links,
		 * so the search for identities left without records is skipped.
		 */
		if (nclaims == 0)
		{
			if (SPI_execute("SELECT 1 FROM ci.identity WHERE retired_at IS NULL LIMIT 1", true, 0) != SPI_OK_SELECT)
				elog(ERROR, "could not read ci.identity");
			none_live_before = SPI_processed == 0;
		}

		/* new ids for components owning none */
		seqoid = RangeVarGetRelid(makeRangeVar("ci", "identity_identity_id_seq", -1), NoLock, false);
		{
			Datum	   *newids = palloc_extended(sizeof(Datum) * Max(ncomp, 1), MCXT_ALLOC_HUGE);
			bool	   *is_new = palloc0(sizeof(bool) * Max(ncomp, 1));
			int64		nnew = 0;
			int64		nnew_sql = 0;
			Oid			t1[1] = {INT8ARRAYOID};

			for (uint32 c = 0; c < ncomp; c++)
				if (comp_id[c] == 0)
				{
					comp_id[c] = nextval_internal(seqoid, false);
					newids[nnew++] = Int64GetDatum(comp_id[c]);
					is_new[c] = true;
				}
			{
				static const char *const cols[1] = {"identity_id"};
				static const Oid ctypes[1] = {INT8OID};
				static const char *const fks[1] = {"identity_merged_into_fkey"};	/* NULL: nothing to check */
				CiBulkInsert *b = nnew > 0 ? run_bulk_begin("identity", 1, cols, ctypes, fks, 1) : NULL;

				if (b != NULL)
				{
					(void) ci_bulk_sort_indexes(b, (double) nnew);
					for (int64 k = 0; k < nnew; k++)
						ci_bulk_put(b, &newids[k], NULL);
					(void) ci_bulk_end(b);
				}
				else
					nnew_sql = nnew;
			}
			for (int64 off = 0; off < nnew_sql; off += WRITE_CHUNK)
			{
				Datum		a1[1];

				a1[0] = PointerGetDatum(int8_array(newids + off, NULL, Min(WRITE_CHUNK, nnew - off)));
				if (SPI_execute_with_args("INSERT INTO ci.identity (identity_id) SELECT unnest($1)",
										  1, t1, a1, NULL, false, 0) != SPI_OK_INSERT)
					elog(ERROR, "could not write ci.identity");
			}
			stats->new_identities = nnew;
			pfree(newids);

			/* creations: new components none of whose records had an identity */
			for (int r = 0; r < st->n; r++)
				if (st->identity[r] != 0)
					is_new[comp_of[r]] = false;
			for (int r = 0; r < st->n; r++)
				if (is_new[comp_of[r]])
					event_add(&ev, ev_create, comp_id[comp_of[r]], 0, st->ids[r]);
			pfree(is_new);
		}

		/* merges (an owned id that is not its component's id) and splits (records leaving their owner) */
		i = 0;
		while (i < nclaims)
		{
			int64		j = i;
			uint32		owner = owner_of[i];
			int64		old = claims[i].old;

			while (j < nclaims && claims[j].old == old)
				j++;
			if (comp_id[owner] != old)
			{
				mid[nmerge] = Int64GetDatum(old);
				minto[nmerge] = Int64GetDatum(comp_id[owner]);
				nmerge++;
			}
			for (int64 k = i; k < j; k++)
			{
				if (claims[k].comp == owner)
				{
					if (comp_id[owner] != old)
						event_add(&ev, ev_merge, comp_id[owner], old, st->ids[claims[k].rec]);
				}
				else
				{
					event_add(&ev, ev_split, old, comp_id[claims[k].comp], st->ids[claims[k].rec]);
					stats->split_records++;
				}
			}
			i = j;
		}
		stats->merged = nmerge;

		/* retire merged identities */
		if (nmerge > 0)
		{
			Oid			t2[2] = {INT8ARRAYOID, INT8ARRAYOID};
			Datum		a2[2];

			a2[0] = PointerGetDatum(int8_array(mid, NULL, nmerge));
			a2[1] = PointerGetDatum(int8_array(minto, NULL, nmerge));
			if (SPI_execute_with_args("UPDATE ci.identity i SET retired_at = now(), updated_at = now(), merged_into = m.tgt"
									  " FROM unnest($1, $2) AS m(id, tgt) WHERE i.identity_id = m.id",
									  2, t2, a2, NULL, false, 0) != SPI_OK_UPDATE)
				elog(ERROR, "could not update ci.identity");
		}
		pfree(claims);
	}

	/*
	 * links: only what changed is written.  A record without a link gets one
	 * by a plain INSERT (under the run's SHARE ROW EXCLUSIVE lock nobody else
	 * writes links, and in READ COMMITTED the store was loaded after taking
	 * it, so none can exist); a record whose link differs is UPDATEd, which
	 * leaves its record_id unchanged and so skips that foreign-key check;
	 * unchanged links are not touched.  Rows go in record_id order.
	 */
	{
		bool		plain_insert = !IsolationUsesXactSnapshot();
		int64		changed = 0;

		for (int pass = 0; pass < 2; pass++)
		{
			bool		inserting = pass == 0;
			int			r = 0;

			/* new links in bulk, one statement (see match_links_bulk_begin) */
			if (inserting && plain_insert)
			{
				CiBulkInsert *b = match_links_bulk_begin();

				if (b != NULL)
				{
					int64		nlinks = 0;

					for (int k = 0; k < st->n; k++)
						nlinks += st->identity[k] == 0;
					(void) ci_bulk_sort_indexes(b, (double) nlinks);
					for (; r < st->n; r++)
					{
						Datum		values[4];
						bool		nulls[4] = {false, false, false, false};

						if (st->identity[r] != 0)
							continue;
						values[0] = Int64GetDatum(st->ids[r]);
						values[1] = Int64GetDatum(comp_id[comp_of[r]]);
						link_evidence(best[r], best_rule[r], det_names, rule_prob, rule_single, rule_steward,
									  &values[2], &nulls[2], &values[3]);
						ci_bulk_put(b, values, nulls);
					}
					changed += match_links_bulk_end(b);
				}
			}

			while (r < st->n)
			{
				Oid			types[4] = {INT8ARRAYOID, INT8ARRAYOID, FLOAT8ARRAYOID, TEXTARRAYOID};
				Datum	   *ids = palloc_extended(sizeof(Datum) * WRITE_CHUNK, MCXT_ALLOC_HUGE);
				Datum	   *iid = palloc_extended(sizeof(Datum) * WRITE_CHUNK, MCXT_ALLOC_HUGE);
				Datum	   *prob = palloc_extended(sizeof(Datum) * WRITE_CHUNK, MCXT_ALLOC_HUGE);
				bool	   *probnull = palloc_extended(sizeof(bool) * WRITE_CHUNK, MCXT_ALLOC_HUGE);
				Datum	   *rule = palloc_extended(sizeof(Datum) * WRITE_CHUNK, MCXT_ALLOC_HUGE);
				int			n = 0;
				Datum		args[4];
				int			dims[1];
				int			lbs[1] = {1};
				const char *sql;

				for (; r < st->n && n < WRITE_CHUNK; r++)
				{
					if ((st->identity[r] == 0) != inserting)
						continue;
					ids[n] = Int64GetDatum(st->ids[r]);
					iid[n] = Int64GetDatum(comp_id[comp_of[r]]);
					link_evidence(best[r], best_rule[r], det_names, rule_prob, rule_single, rule_steward,
								  &prob[n], &probnull[n], &rule[n]);
					n++;
				}
				if (n > 0)
				{
					dims[0] = n;
					args[0] = PointerGetDatum(int8_array(ids, NULL, n));
					args[1] = PointerGetDatum(int8_array(iid, NULL, n));
					args[2] = PointerGetDatum(construct_md_array(prob, probnull, 1, dims, lbs, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
					args[3] = PointerGetDatum(construct_md_array(rule, NULL, 1, dims, lbs, TEXTOID, -1, false, TYPALIGN_INT));
					if (inserting && plain_insert)
						sql = "INSERT INTO ci.identity_link (record_id, identity_id, match_probability, rule)"
							" SELECT * FROM unnest($1, $2, $3, $4)";
					else if (inserting)
						sql = "INSERT INTO ci.identity_link AS l (record_id, identity_id, match_probability, rule, linked_at)"
							" SELECT *, now() FROM unnest($1, $2, $3, $4)"
							" ON CONFLICT (record_id) DO UPDATE SET identity_id = excluded.identity_id,"
							" match_probability = excluded.match_probability, rule = excluded.rule, linked_at = excluded.linked_at"
							" WHERE (l.identity_id, l.match_probability, l.rule)"
							" IS DISTINCT FROM (excluded.identity_id, excluded.match_probability, excluded.rule)";
					else
						sql = "UPDATE ci.identity_link l SET identity_id = x.iid, match_probability = x.p, rule = x.rule,"
							" linked_at = now() FROM unnest($1, $2, $3, $4) AS x(id, iid, p, rule)"
							" WHERE l.record_id = x.id AND (l.identity_id, l.match_probability, l.rule)"
							" IS DISTINCT FROM (x.iid, x.p, x.rule)";
					/* the run vouches for its identity ids: see match_link_guard.h */
					if (match_execute_trusted_links(sql, 4, types, args) < 0)
						elog(ERROR, "could not write ci.identity_link");
					changed += SPI_processed;
				}
				pfree(ids);
				pfree(iid);
				pfree(prob);
				pfree(probnull);
				pfree(rule);
				CHECK_FOR_INTERRUPTS();
			}
		}
		stats->links_written = changed;
	}
	write_events(&ev);
	/*
	 * Identities left without any record (their records deleted) are
	 * retired.  On one node, an anti-join probing ci.identity_link: any
	 * plan of it is fine, a nested loop probes the identity_id index.  On
	 * Citus the links (record side) and identities (identity side) are not
	 * co-located: the linked identities are read first, as a materialised
	 * set that becomes an intermediate result every identity shard reads
	 * (on one node that form risks a nested loop rescanning the set per
	 * identity when ci.identity's statistics are stale).
	 */
	if (!none_live_before &&
		SPI_execute(OidIsValid(get_extension_oid("citus", true))
					? "WITH live AS MATERIALIZED (SELECT DISTINCT l.identity_id FROM ci.identity_link l),"
					" gone AS (UPDATE ci.identity i SET retired_at = now(), updated_at = now()"
					" WHERE i.retired_at IS NULL AND NOT EXISTS (SELECT 1 FROM live l WHERE l.identity_id = i.identity_id)"
					" RETURNING i.identity_id)"
					" INSERT INTO ci.identity_event (event, identity_id) SELECT 'retire', identity_id FROM gone"
					: "WITH gone AS (UPDATE ci.identity i SET retired_at = now(), updated_at = now()"
					" WHERE i.retired_at IS NULL"
					" AND NOT EXISTS (SELECT 1 FROM ci.identity_link l WHERE l.identity_id = i.identity_id)"
					" RETURNING i.identity_id)"
					" INSERT INTO ci.identity_event (event, identity_id) SELECT 'retire', identity_id FROM gone",
					false, 0) < 0)
		elog(ERROR, "could not retire empty identities");
	stats->retired = none_live_before ? 0 : SPI_processed;
	/*
	 * Distributed (Citus): the link shards have no queue triggers; a run
	 * that changed links marks every golden profile stale instead, so the
	 * next refresh rebuilds them on the identity shards.
	 */
	if ((stats->links_written > 0 || stats->retired > 0) &&
		OidIsValid(get_extension_oid("citus", true)) &&
		SPI_execute("INSERT INTO ci.golden_stale (reason) SELECT 'identity resolution run'"
					" WHERE ci.scale_distributed()", false, 0) < 0)
		elog(ERROR, "could not flag the golden profiles stale");
}
