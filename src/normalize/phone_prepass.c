/*
 * phone_prepass.c — ci.normalize_phone computed for a whole bulk load in a
 * parallel query before the INSERT (ci.load_source_records).
 *
 * libphonenumber's parser (ICU regular expressions, ~25-40 us a number) is
 * the largest cost of writing a row of ci.source_record, and a generated
 * column is computed by the inserting backend alone: PostgreSQL 15 has no
 * parallel INSERT.  So before the INSERT, one query over the staging
 * relation computes ci.normalize_phone(phone, ci.phone_region(country))
 * below a Gather, in parallel workers (and the leader), and this backend
 * keeps the answers in a hash map, keyed exactly as phone_e164's memo is
 * (region, then the input's bytes).  The generated column then finds each
 * number there instead of parsing it.  The map holds answers of the
 * function itself, for the function's own arguments, so a hit returns what
 * a parse would; it is filled only here, in C (nothing SQL-callable can
 * put a value into it), and lives until the transaction ends or the load
 * releases it.  Its memory is bounded by maintenance_work_mem; numbers
 * beyond the bound are simply parsed by the INSERT.
 */
#include "normalize.h"

#include "access/xact.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "tcop/dest.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(match_phone_prepass);

#define PREPASS_MAX_KEY		64		/* as phone_e164's memo key (normalize_phone.c); longer: not kept */
#define PREPASS_NULL		0xFF	/* value length of a NULL answer */

/* Entries live in one arena: key length, value length, key, value. */
typedef struct PrepassMap
{
	MemoryContext cxt;
	uint32	   *slots;			/* arena offset + 1, 0 = empty */
	uint32	   *hashes;
	uint32		mask;
	uint32		used;
	char	   *arena;
	Size		arena_len;
	Size		arena_cap;
	Size		limit;			/* bytes of arena and slots together */
	bool		full;
} PrepassMap;

static PrepassMap *prepass = NULL;
static bool prepass_callback_registered = false;

static void
prepass_xact_callback(XactEvent event, void *arg)
{
	/* its memory belongs to the transaction, which is ending */
	prepass = NULL;
}

static void
prepass_release(void)
{
	if (prepass != NULL)
	{
		MemoryContextDelete(prepass->cxt);
		prepass = NULL;
	}
}

static void
prepass_create(Size limit)
{
	MemoryContext cxt = AllocSetContextCreate(TopTransactionContext,
											  "ci phone prepass",
											  ALLOCSET_DEFAULT_SIZES);
	PrepassMap *m = MemoryContextAllocZero(cxt, sizeof(PrepassMap));

	if (!prepass_callback_registered)
	{
		RegisterXactCallback(prepass_xact_callback, NULL);
		prepass_callback_registered = true;
	}
	m->cxt = cxt;
	m->mask = 1024 - 1;
	m->slots = MemoryContextAllocZero(cxt, 1024 * sizeof(uint32));
	m->hashes = MemoryContextAlloc(cxt, 1024 * sizeof(uint32));
	m->arena_cap = 64 * 1024;
	m->arena = MemoryContextAlloc(cxt, m->arena_cap);
	m->arena_len = 0;
	m->limit = limit;
	prepass = m;
}

static inline const char *
prepass_entry(PrepassMap *m, uint32 slot)
{
	return m->arena + (m->slots[slot] - 1);
}

static bool
prepass_key_equal(PrepassMap *m, uint32 slot, const char *key, int key_len)
{
	const char *e = prepass_entry(m, slot);

	return (unsigned char) e[0] == key_len && memcmp(e + 2, key, key_len) == 0;
}

/* Double the slot array (load factor stays at most 1/2). */
static bool
prepass_grow(PrepassMap *m)
{
	uint32		nslots = (m->mask + 1) * 2;
	uint32	   *slots;
	uint32	   *hashes;

	if ((Size) nslots * 2 * sizeof(uint32) + m->arena_cap > m->limit ||
		(Size) nslots * sizeof(uint32) > MaxAllocSize)
		return false;
	slots = MemoryContextAllocZero(m->cxt, nslots * sizeof(uint32));
	hashes = MemoryContextAlloc(m->cxt, nslots * sizeof(uint32));
	for (uint32 i = 0; i <= m->mask; i++)
	{
		uint32		j;

		if (m->slots[i] == 0)
			continue;
		for (j = m->hashes[i] & (nslots - 1); slots[j] != 0; j = (j + 1) & (nslots - 1))
			;
		slots[j] = m->slots[i];
		hashes[j] = m->hashes[i];
	}
	pfree(m->slots);
	pfree(m->hashes);
	m->slots = slots;
	m->hashes = hashes;
	m->mask = nslots - 1;
	return true;
}

static void
prepass_put(PrepassMap *m, const char *key, int key_len, const char *value, int value_len)
{
	uint32		hash = hash_bytes((const unsigned char *) key, key_len);
	uint32		i;
	Size		need = 2 + key_len + (value_len < 0 ? 0 : value_len);

	if (m->full)
		return;
	for (i = hash & m->mask; m->slots[i] != 0; i = (i + 1) & m->mask)
		if (m->hashes[i] == hash && prepass_key_equal(m, i, key, key_len))
			return;				/* a number seen again */
	if ((m->used + 1) * 2 > m->mask + 1)
	{
		if (!prepass_grow(m))
		{
			m->full = true;
			return;
		}
		for (i = hash & m->mask; m->slots[i] != 0; i = (i + 1) & m->mask)
			;
	}
	if (m->arena_len + need > m->arena_cap)
	{
		Size		cap = m->arena_cap * 2;

		if (cap + (Size) (m->mask + 1) * 2 * sizeof(uint32) > m->limit ||
			cap > MaxAllocSize || cap >= PG_UINT32_MAX)
		{
			m->full = true;
			return;
		}
		m->arena = repalloc(m->arena, cap);
		m->arena_cap = cap;
	}
	m->arena[m->arena_len] = (char) key_len;
	m->arena[m->arena_len + 1] = (char) (value_len < 0 ? PREPASS_NULL : value_len);
	memcpy(m->arena + m->arena_len + 2, key, key_len);
	if (value_len > 0)
		memcpy(m->arena + m->arena_len + 2 + key_len, value, value_len);
	m->slots[i] = (uint32) m->arena_len + 1;
	m->hashes[i] = hash;
	m->arena_len += need;
	m->used++;
}

/*
 * The prepass's answer for key (two region bytes, then the phone's bytes):
 * true when known, *value_len -1 for NULL.
 */
bool
phone_prepass_get(const char *key, int key_len, const char **value, int *value_len)
{
	PrepassMap *m = prepass;
	uint32		hash;

	if (m == NULL || key_len > PREPASS_MAX_KEY)
		return false;
	hash = hash_bytes((const unsigned char *) key, key_len);
	for (uint32 i = hash & m->mask; m->slots[i] != 0; i = (i + 1) & m->mask)
	{
		if (m->hashes[i] == hash && prepass_key_equal(m, i, key, key_len))
		{
			const char *e = prepass_entry(m, i);
			unsigned char vlen = (unsigned char) e[1];

			*value_len = vlen == PREPASS_NULL ? -1 : vlen;
			*value = e + 2 + key_len;
			return true;
		}
	}
	return false;
}

/* Receives (phone, region, normalize_phone(phone, region)) rows. */
typedef struct PrepassReceiver
{
	DestReceiver pub;
	PrepassMap *map;
} PrepassReceiver;

static bool
prepass_receive(TupleTableSlot *slot, DestReceiver *self)
{
	PrepassReceiver *r = (PrepassReceiver *) self;
	char		key[PREPASS_MAX_KEY];
	text	   *phone;
	int			len;

	slot_getallattrs(slot);
	if (slot->tts_isnull[0])
		return true;
	phone = DatumGetTextPP(slot->tts_values[0]);
	len = VARSIZE_ANY_EXHDR(phone);
	if (2 + len > PREPASS_MAX_KEY)
		return true;
	if (slot->tts_isnull[1])
		key[0] = key[1] = '\0';
	else
	{
		text	   *region = DatumGetTextPP(slot->tts_values[1]);

		if (VARSIZE_ANY_EXHDR(region) != 2)
			return true;		/* not what phone_region gives */
		memcpy(key, VARDATA_ANY(region), 2);
	}
	memcpy(key + 2, VARDATA_ANY(phone), len);
	if (slot->tts_isnull[2])
		prepass_put(r->map, key, 2 + len, NULL, -1);
	else
	{
		text	   *e164 = DatumGetTextPP(slot->tts_values[2]);

		prepass_put(r->map, key, 2 + len, VARDATA_ANY(e164), VARSIZE_ANY_EXHDR(e164));
	}
	return true;
}

static void
prepass_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
prepass_shutdown(DestReceiver *self)
{
}

static void
prepass_destroy(DestReceiver *self)
{
}

/* does rel have a column named attname (not dropped)? */
static bool
prepass_has_column(Oid rel, const char *attname)
{
	return get_attnum(rel, attname) != InvalidAttrNumber;
}

/*
 * ci.phone_prepass(staging regclass) RETURNS bigint: computes the E.164
 * form of every phone of the staging relation (its columns phone and
 * country, as ci.source_record's generated column reads them) in a parallel
 * query and keeps the answers for the rest of the transaction; returns how
 * many numbers it keeps.  NULL releases them.
 */
Datum
match_phone_prepass(PG_FUNCTION_ARGS)
{
	Oid			staging;
	char	   *relname;
	const char *region;
	StringInfoData sql;
	PrepassReceiver r;
	SPIExecuteOptions options;
	int			rc;

	prepass_release();
	if (PG_ARGISNULL(0))
		PG_RETURN_INT64(0);
	staging = PG_GETARG_OID(0);
	relname = get_rel_name(staging);
	if (relname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", staging)));
	if (!prepass_has_column(staging, "phone"))
		PG_RETURN_INT64(0);
	region = prepass_has_column(staging, "country")
		? "ci.phone_region(s.country::pg_catalog.text)" : "NULL::pg_catalog.text";

	/* the generated column's own expression, over the staging columns as text */
	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "SELECT s.phone::pg_catalog.text, %s, ci.normalize_phone(s.phone::pg_catalog.text, %s) "
					 "FROM %s s WHERE s.phone IS NOT NULL",
					 region, region,
					 quote_qualified_identifier(get_namespace_name(get_rel_namespace(staging)), relname));

	prepass_create((Size) maintenance_work_mem * 1024);
	memset(&r, 0, sizeof(r));
	r.pub.receiveSlot = prepass_receive;
	r.pub.rStartup = prepass_startup;
	r.pub.rShutdown = prepass_shutdown;
	r.pub.rDestroy = prepass_destroy;
	r.pub.mydest = DestNone;
	r.map = prepass;

	memset(&options, 0, sizeof(options));
	options.read_only = false;
	options.tcount = 0;
	options.dest = &r.pub;

	SPI_connect();
	rc = SPI_execute_extended(sql.data, &options);
	if (rc < 0)				/* SPI_OK_UTILITY: rows went to our receiver */
		elog(ERROR, "phone prepass query failed: %s", SPI_result_code_string(rc));
	SPI_finish();

	PG_RETURN_INT64(prepass ? prepass->used : 0);
}
