/*
 * audit_value.c — row values to jsonb for ci.audit_log, PII masking with
 * HMAC-SHA-256, and the stable record key.
 *
 * Common scalar types (bool, integers, numeric, text, varchar) become jsonb
 * values directly; every other type goes through to_jsonb(), so arrays,
 * jsonb, composites, domains and dates look exactly as to_jsonb shows them.
 *
 * A PII value is replaced by "hmac-sha256:<hex>" over its canonical JSON text
 * (the string's characters, the number's digits, the JSON of a container),
 * keyed by ci.audit_key: equal values give equal masks, and nobody without
 * the key can invert or test a guess.
 *
 * The record key is the table's OID and its key: an integer key as it is,
 * other keys as 96 bits of hash with the type's extended hash function —
 * the one hash partitioning relies on staying stable — so equal keys give
 * equal record keys in every session, and a rename of the table or of its
 * columns changes nothing.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/typcache.h"

#include "audit.h"

#define AUDIT_MAX_KEY_BYTES 64
#define HMAC_PREFIX "hmac-sha256:"

void
audit_load_hmac_key(uint8 *key, int *keylen)
{
	Oid			nsp = get_namespace_oid("ci", false);
	Oid			relid = get_relname_relid("audit_key", nsp);
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	bool		found = false;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table ci.audit_key does not exist")));
	/* Read without an ACL check: the auditing role must not see the key. */
	rel = table_open(relid, AccessShareLock);
	scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, 2, RelationGetDescr(rel), &isnull);
		bytea	   *b;

		if (isnull)
			continue;
		b = DatumGetByteaPP(d);
		if (VARSIZE_ANY_EXHDR(b) < 32 || VARSIZE_ANY_EXHDR(b) > AUDIT_MAX_KEY_BYTES)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the key in ci.audit_key must be 32 to %d bytes long",
							AUDIT_MAX_KEY_BYTES)));
		*keylen = VARSIZE_ANY_EXHDR(b);
		memcpy(key, VARDATA_ANY(b), *keylen);
		found = true;
		break;
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	if (!found)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("ci.audit_key holds no key, so PII columns cannot be masked"),
				 errhint("As the extension's owner: INSERT INTO ci.audit_key (key_id, key) "
						 "VALUES (1, ci.audit_random_bytes(32)).")));
}

static TupleDesc sort_desc;

/* jsonb's own key order: shorter first, then bytewise */
static int
key_order_cmp(const void *a, const void *b)
{
	const char *na = NameStr(TupleDescAttr(sort_desc, *(const int *) a)->attname);
	const char *nb = NameStr(TupleDescAttr(sort_desc, *(const int *) b)->attname);
	size_t		la = strlen(na),
				lb = strlen(nb);

	if (la != lb)
		return la < lb ? -1 : 1;
	return memcmp(na, nb, la);
}

void
audit_value_init(AuditValueState *st, TupleDesc desc, AuditTableConfig *cfg)
{
	int			k;

	memset(st, 0, sizeof(*st));
	st->cxt = CurrentMemoryContext;
	st->desc = desc;
	st->cfg = cfg;
	st->to_jsonb = palloc0(sizeof(FmgrInfo) * Max(desc->natts, 1));
	st->to_jsonb_ready = palloc0(sizeof(bool) * Max(desc->natts, 1));

	/*
	 * Pushing keys in the order jsonb stores them leaves its per-object sort
	 * (uniqueifyJsonbObject) a presorted input: one pass instead of a sort.
	 */
	st->order = palloc(sizeof(int) * Max(desc->natts, 1));
	for (k = 0; k < desc->natts; k++)
		st->order[k] = k;
	sort_desc = desc;
	qsort(st->order, desc->natts, sizeof(int), key_order_cmp);
	st->names = palloc(sizeof(char *) * Max(desc->natts, 1));
	st->namelens = palloc(sizeof(int) * Max(desc->natts, 1));
	st->vals = palloc(sizeof(JsonbValue) * Max(desc->natts, 1));
	st->keys_sorted = palloc(sizeof(const char *) * Max(desc->natts, 1));
	st->keylens_sorted = palloc(sizeof(int) * Max(desc->natts, 1));
	st->last_time = palloc0(sizeof(Datum) * 2 * Max(desc->natts, 1));
	st->last_time_text = palloc0(sizeof(char *) * 2 * Max(desc->natts, 1));
	st->last_time_next = palloc0(sizeof(uint8) * Max(desc->natts, 1));
	for (k = 0; k < desc->natts; k++)
	{
		st->names[k] = NameStr(TupleDescAttr(desc, k)->attname);
		st->namelens[k] = strlen(st->names[k]);
	}
	/* the key columns in jsonb order, each once */
	st->key_order = palloc(sizeof(int) * Max(desc->natts, 1));
	st->nkey_order = 0;
	for (k = 0; k < desc->natts; k++)
	{
		int			j;

		for (j = 0; j < cfg->nkey; j++)
			if (cfg->key[j] - 1 == st->order[k])
			{
				st->key_order[st->nkey_order++] = st->order[k];
				break;
			}
	}
	st->hash_fn = palloc0(sizeof(FmgrInfo) * Max(cfg->nkey, 1));
	st->hash_coll = palloc0(sizeof(Oid) * Max(cfg->nkey, 1));
	st->out_fn = palloc0(sizeof(FmgrInfo) * Max(cfg->nkey, 1));
	for (k = 0; k < cfg->nkey; k++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, cfg->key[k] - 1);
		TypeCacheEntry *tc = lookup_type_cache(att->atttypid,
											   TYPECACHE_HASH_EXTENDED_PROC_FINFO);

		st->hash_coll[k] = att->attcollation;
		if (OidIsValid(tc->hash_extended_proc_finfo.fn_oid))
			fmgr_info_copy(&st->hash_fn[k], &tc->hash_extended_proc_finfo,
						   CurrentMemoryContext);
		else
		{
			Oid			outfn;
			bool		isvarlena;

			getTypeOutputInfo(att->atttypid, &outfn, &isvarlena);
			fmgr_info(outfn, &st->out_fn[k]);
		}
	}
}

void
audit_value_done(AuditValueState *st)
{
	if (st->hmac)
		audit_hmac_free(st->hmac);
	st->hmac = NULL;
}

/*
 * int64_to_numeric(v), built directly.  An integer's numeric is always in
 * numeric's short on-disk format (numeric.c; being on disk, pg_upgrade
 * keeps it stable): a 16-bit header holding the sign and the weight of the
 * leading base-10000 digit, then the digits, most significant first, without
 * trailing zero digits; dscale 0.  int64_to_numeric goes through a
 * NumericVar and two allocations, a tenth of the trigger's time for a table
 * with two integer columns.  The tests compare the bytes with to_jsonb's.
 */
#define AUDIT_NUMERIC_SHORT			0x8000
#define AUDIT_NUMERIC_SHORT_NEG		0x2000
#define AUDIT_NUMERIC_WEIGHT_MASK	0x003F

static Numeric
int64_numeric(int64 v)
{
	uint64		u = v < 0 ? (uint64) 0 - (uint64) v : (uint64) v;
	int16		digit[5];		/* 2^63 has 19 decimal digits: 5 base-10000 ones */
	int			n = 0,
				low = 0,
				k;
	uint16		header;
	char	   *res,
			   *p;

	while (u > 0)
	{
		digit[n++] = (int16) (u % 10000);	/* least significant first */
		u /= 10000;
	}
	while (low < n && digit[low] == 0)
		low++;
	header = AUDIT_NUMERIC_SHORT | (v < 0 ? AUDIT_NUMERIC_SHORT_NEG : 0) |
		((n > 0 ? n - 1 : 0) & AUDIT_NUMERIC_WEIGHT_MASK);
	res = palloc(VARHDRSZ + sizeof(uint16) + (n - low) * sizeof(int16));
	SET_VARSIZE(res, VARHDRSZ + sizeof(uint16) + (n - low) * sizeof(int16));
	p = res + VARHDRSZ;
	memcpy(p, &header, sizeof(uint16));
	p += sizeof(uint16);
	for (k = n - 1; k >= low; k--, p += sizeof(int16))
		memcpy(p, &digit[k], sizeof(int16));
	return (Numeric) res;
}

/* The to_jsonb() of one value, for types without a fast path. */
static void
value_via_to_jsonb(AuditValueState *st, int i, Datum v, JsonbValue *jv)
{
	Jsonb	   *j;

	if (!st->to_jsonb_ready[i])
	{
		Form_pg_attribute att = TupleDescAttr(st->desc, i);
		MemoryContext old = MemoryContextSwitchTo(st->cxt);
		Node	   *arg = (Node *) makeNullConst(att->atttypid, att->atttypmod,
												 att->attcollation);

		fmgr_info(F_TO_JSONB, &st->to_jsonb[i]);
		fmgr_info_set_expr((Node *) makeFuncExpr(F_TO_JSONB, JSONBOID, list_make1(arg),
												 InvalidOid, InvalidOid,
												 COERCE_EXPLICIT_CALL),
						   &st->to_jsonb[i]);
		st->to_jsonb_ready[i] = true;
		MemoryContextSwitchTo(old);
	}
	j = DatumGetJsonbP(FunctionCall1(&st->to_jsonb[i], v));
	if (JB_ROOT_IS_SCALAR(j))
		JsonbExtractScalar(&j->root, jv);
	else
	{
		jv->type = jbvBinary;
		jv->val.binary.data = &j->root;
		jv->val.binary.len = VARSIZE(j) - VARHDRSZ;
	}
}

static void
value_to_jsonb(AuditValueState *st, int i, Datum v, JsonbValue *jv)
{
	switch (TupleDescAttr(st->desc, i)->atttypid)
	{
		case BOOLOID:
			jv->type = jbvBool;
			jv->val.boolean = DatumGetBool(v);
			return;
		case INT2OID:
			jv->type = jbvNumeric;
			jv->val.numeric = int64_numeric(DatumGetInt16(v));
			return;
		case INT4OID:
			jv->type = jbvNumeric;
			jv->val.numeric = int64_numeric(DatumGetInt32(v));
			return;
		case INT8OID:
			jv->type = jbvNumeric;
			jv->val.numeric = int64_numeric(DatumGetInt64(v));
			return;
		case NUMERICOID:
			{
				Numeric		n = DatumGetNumeric(v);

				if (numeric_is_nan(n) || numeric_is_inf(n))
					break;		/* to_jsonb writes these as strings */
				jv->type = jbvNumeric;
				jv->val.numeric = n;
				return;
			}
		case DATEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			{
				/*
				 * What to_jsonb writes: ISO 8601, "infinity" for infinities.
				 * Rows of one statement often share a time (now(), a
				 * default), so the two texts per column used last are kept:
				 * an UPDATE alternates a column's old and new values.
				 */
				Datum	   *tv = &st->last_time[2 * i];
				char	  **tt = &st->last_time_text[2 * i];
				char	   *iso;

				if (tt[0] != NULL && tv[0] == v)
				{
					iso = tt[0];
					st->last_time_next[i] = 1;
				}
				else if (tt[1] != NULL && tv[1] == v)
				{
					iso = tt[1];
					st->last_time_next[i] = 0;
				}
				else
				{
					MemoryContext old = MemoryContextSwitchTo(st->cxt);
					int			slot = st->last_time_next[i];

					if (tt[slot])
						pfree(tt[slot]);
					iso = JsonEncodeDateTime(NULL, v, TupleDescAttr(st->desc, i)->atttypid, NULL);
					tv[slot] = v;
					tt[slot] = iso;
					st->last_time_next[i] = slot ^ 1;
					MemoryContextSwitchTo(old);
				}

				jv->type = jbvString;
				jv->val.string.val = iso;
				jv->val.string.len = strlen(iso);
				return;
			}
		case TEXTOID:
		case VARCHAROID:
			{
				text	   *t = DatumGetTextPP(v);

				jv->type = jbvString;
				jv->val.string.val = VARDATA_ANY(t);
				jv->val.string.len = VARSIZE_ANY_EXHDR(t);
				return;
			}
		default:
			break;
	}
	value_via_to_jsonb(st, i, v, jv);
}

static void
mask_value(AuditValueState *st, JsonbValue *jv)
{
	const char *data;
	size_t		len;
	uint8		mac[32];
	char	   *out;
	int			k;
	static const char hex[] = "0123456789abcdef";

	switch (jv->type)
	{
		case jbvString:
			data = jv->val.string.val;
			len = jv->val.string.len;
			break;
		case jbvNumeric:
			data = DatumGetCString(DirectFunctionCall1(numeric_out,
													   NumericGetDatum(jv->val.numeric)));
			len = strlen(data);
			break;
		case jbvBool:
			data = jv->val.boolean ? "true" : "false";
			len = strlen(data);
			break;
		case jbvBinary:
			data = JsonbToCString(NULL, jv->val.binary.data, jv->val.binary.len);
			len = strlen(data);
			break;
		default:
			data = "null";
			len = 4;
			break;
	}
	if (st->hmac == NULL)
	{
		uint8		key[AUDIT_MAX_KEY_BYTES];
		int			keylen;

		audit_load_hmac_key(key, &keylen);
		st->hmac = audit_hmac_create(key, keylen);
		explicit_bzero(key, sizeof(key));
	}
	audit_hmac(st->hmac, (const uint8 *) data, len, mac);
	out = palloc(strlen(HMAC_PREFIX) + 64 + 1);
	memcpy(out, HMAC_PREFIX, strlen(HMAC_PREFIX));
	for (k = 0; k < 32; k++)
	{
		out[strlen(HMAC_PREFIX) + 2 * k] = hex[mac[k] >> 4];
		out[strlen(HMAC_PREFIX) + 2 * k + 1] = hex[mac[k] & 15];
	}
	out[strlen(HMAC_PREFIX) + 64] = '\0';
	jv->type = jbvString;
	jv->val.string.val = out;
	jv->val.string.len = strlen(HMAC_PREFIX) + 64;
}

/* One column's value as a jsonb value, masked if asked. */
static void
column_value(AuditValueState *st, int i, Datum v, bool isnull, bool mask, JsonbValue *jv)
{
	if (isnull)
		jv->type = jbvNull;
	else
	{
		value_to_jsonb(st, i, v, jv);
		if (mask)
			mask_value(st, jv);
	}
}

/* The row as a jsonb object: logged columns (only those set in only[], if given). */
Jsonb *
audit_row_jsonb(AuditValueState *st, Datum *values, bool *nulls, const bool *only)
{
	int			n = 0;

	for (int o = 0; o < st->desc->natts; o++)
	{
		int			i = st->order[o];
		AuditColumnKind kind = st->cfg->kind[i];

		if (kind == AUDIT_COL_EXCLUDED || (only && !only[i]))
			continue;
		column_value(st, i, values[i], nulls[i], kind == AUDIT_COL_PII, &st->vals[n]);
		st->keys_sorted[n] = st->names[i];
		st->keylens_sorted[n] = st->namelens[i];
		n++;
	}
	return audit_jsonb_object(n, st->keys_sorted, st->keylens_sorted, st->vals);
}

/* The key columns as a jsonb object; PII and excluded key columns masked. */
Jsonb *
audit_key_jsonb(AuditValueState *st, Datum *values, bool *nulls)
{
	int			k;

	for (k = 0; k < st->nkey_order; k++)
	{
		int			i = st->key_order[k];

		column_value(st, i, values[i], nulls[i], st->cfg->kind[i] != AUDIT_COL_LOGGED,
					 &st->vals[k]);
		st->keys_sorted[k] = st->names[i];
		st->keylens_sorted[k] = st->namelens[i];
	}
	return audit_jsonb_object(st->nkey_order, st->keys_sorted, st->keylens_sorted, st->vals);
}

/*
 * The record key; false when the table has no key columns.  Bytes 0-3 are
 * the table's OID.  For a single integer key, bytes 4-11 are its value,
 * order-preserving, and the key is exact: rows inserted in key order then
 * land at the right end of the log's record_key index instead of at random
 * pages.  Otherwise bytes 4-15 are 96 bits of two 64-bit hash chains over
 * the key values.
 */
bool
audit_record_key(AuditValueState *st, Oid relid, Datum *values, bool *nulls,
				 pg_uuid_t *out)
{
	uint64		h[2];
	int			k,
				s;

	if (st->cfg->nkey == 0)
		return false;
	memset(out->data, 0, UUID_LEN);
	for (k = 0; k < 4; k++)
		out->data[k] = (unsigned char) (relid >> (24 - 8 * k));
	if (st->cfg->nkey == 1 && !nulls[st->cfg->key[0] - 1])
	{
		int			i = st->cfg->key[0] - 1;
		Oid			typid = TupleDescAttr(st->desc, i)->atttypid;

		if (typid == INT2OID || typid == INT4OID || typid == INT8OID)
		{
			int64		v = typid == INT2OID ? DatumGetInt16(values[i]) :
				typid == INT4OID ? DatumGetInt32(values[i]) : DatumGetInt64(values[i]);
			uint64		u = ((uint64) v) ^ (UINT64CONST(1) << 63);

			for (k = 0; k < 8; k++)
				out->data[4 + k] = (unsigned char) (u >> (56 - 8 * k));
			return true;
		}
	}
	h[0] = 0;
	h[1] = 1;
	for (k = 0; k < st->cfg->nkey; k++)
	{
		int			i = st->cfg->key[k] - 1;

		for (s = 0; s < 2; s++)
		{
			uint64		hv;

			if (nulls[i])
				hv = UINT64CONST(0x9e3779b97f4a7c15) + s;
			else if (OidIsValid(st->hash_fn[k].fn_oid))
				hv = DatumGetUInt64(FunctionCall2Coll(&st->hash_fn[k], st->hash_coll[k],
													  values[i], Int64GetDatum(s)));
			else
			{
				char	   *txt = OutputFunctionCall(&st->out_fn[k], values[i]);

				hv = DatumGetUInt64(hash_any_extended((unsigned char *) txt,
													  strlen(txt), s));
			}
			h[s] = hash_combine64(h[s], hv);
		}
	}
	for (k = 0; k < 8; k++)
		out->data[4 + k] = (unsigned char) (h[0] >> (56 - 8 * k));
	for (k = 0; k < 4; k++)
		out->data[12 + k] = (unsigned char) (h[1] >> (56 - 8 * k));
	return true;
}

bool
audit_values_equal(Form_pg_attribute att, Datum a, Datum b)
{
	if (att->attbyval)
		return a == b;
	if (datumIsEqual(a, b, false, att->attlen))
		return true;
	if (att->attlen == -1)
	{
		struct varlena *va = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(a));
		struct varlena *vb = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(b));

		return VARSIZE_ANY_EXHDR(va) == VARSIZE_ANY_EXHDR(vb) &&
			memcmp(VARDATA_ANY(va), VARDATA_ANY(vb), VARSIZE_ANY_EXHDR(va)) == 0;
	}
	return false;
}
