/*
 * audit_jsonb.c — writes a flat jsonb object (the audit trigger's row
 * images and key objects) straight into jsonb's on-disk format.
 *
 * pushJsonbValue + JsonbValueToJsonb build a JsonbValue tree, sort and
 * de-duplicate its keys, then walk it to serialise; for a row image whose
 * keys are a table's column names, already unique and put in jsonb's order
 * once per statement (audit_value.c), all of that is work thrown away, and
 * it was a fifth of the trigger's time.  The layout written here is the one
 * convertToJsonb writes (src/backend/utils/adt/jsonb_util.c, described in
 * utils/jsonb.h): header, one JEntry per key then per value (every
 * JB_OFFSET_STRIDE-th holding an end offset instead of a length), the keys'
 * bytes, then the values', numerics and containers int-aligned.  Equal
 * inputs give byte-identical jsonb, which the tests check against
 * to_jsonb().
 */
#include "postgres.h"

#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "audit.h"

/* Bytes a value takes at offset off (from the varlena's start), its padding included. */
static Size
value_end(Size off, const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvString:
			return off + v->val.string.len;
		case jbvNumeric:
			return INTALIGN(off) + VARSIZE_ANY(v->val.numeric);
		case jbvBinary:
			return INTALIGN(off) + v->val.binary.len;
		default:
			return off;
	}
}

/* Writes one scalar or binary-container value at buf + *off; returns its JEntry (type | length). */
static JEntry
write_value(char *buf, Size *off, const JsonbValue *v)
{
	Size		start = *off,
				pad = INTALIGN(start) - start;

	switch (v->type)
	{
		case jbvNull:
			return JENTRY_ISNULL;
		case jbvBool:
			return v->val.boolean ? JENTRY_ISBOOL_TRUE : JENTRY_ISBOOL_FALSE;
		case jbvString:
			memcpy(buf + start, v->val.string.val, v->val.string.len);
			*off = start + v->val.string.len;
			return JENTRY_ISSTRING | v->val.string.len;
		case jbvNumeric:
			memset(buf + start, 0, pad);
			memcpy(buf + start + pad, v->val.numeric, VARSIZE_ANY(v->val.numeric));
			*off = start + pad + VARSIZE_ANY(v->val.numeric);
			return JENTRY_ISNUMERIC | (*off - start);
		case jbvBinary:
			/* a container from to_jsonb(): position-independent once int-aligned */
			memset(buf + start, 0, pad);
			memcpy(buf + start + pad, v->val.binary.data, v->val.binary.len);
			*off = start + pad + v->val.binary.len;
			return JENTRY_ISCONTAINER | (*off - start);
		default:
			elog(ERROR, "audit: unexpected jsonb value type %d", (int) v->type);
	}
	return 0;					/* keep the compiler quiet */
}

/*
 * The object {keys[i]: vals[i]}.  The keys must be distinct and in jsonb's
 * order (shorter first, then bytewise); values are scalars or jbvBinary
 * containers.  The size is computed first, so the result is one allocation
 * of exactly its length (a row image per audit row adds up).
 */
Jsonb *
audit_jsonb_object(int n, const char *const *keys, const int *keylens,
				   const JsonbValue *vals)
{
	Size		jentries = VARHDRSZ + sizeof(uint32);
	Size		base = jentries + 2 * (Size) n * sizeof(JEntry);	/* keys' start */
	Size		off = base;
	Size		len = base;
	uint32		header = (uint32) n | JB_FOBJECT;
	char	   *buf;
	int			i;

	for (i = 0; i < n; i++)
		len += keylens[i];
	for (i = 0; i < n; i++)
		len = value_end(len, &vals[i]);
	/* the elements' total must fit a JEntry's offset field */
	if (len - base > JENTRY_OFFLENMASK)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("total size of jsonb object elements exceeds the maximum of %u bytes",
						JENTRY_OFFLENMASK)));
	buf = palloc(len);
	memcpy(buf + VARHDRSZ, &header, sizeof(uint32));
	for (i = 0; i < 2 * n; i++)
	{
		JEntry		meta;

		if (i < n)
		{
			memcpy(buf + off, keys[i], keylens[i]);
			off += keylens[i];
			meta = JENTRY_ISSTRING | keylens[i];
		}
		else
			meta = write_value(buf, &off, &vals[i - n]);
		if ((i % JB_OFFSET_STRIDE) == 0)
			meta = (meta & JENTRY_TYPEMASK) | (uint32) (off - base) | JENTRY_HAS_OFF;
		memcpy(buf + jentries + i * sizeof(JEntry), &meta, sizeof(JEntry));
	}
	Assert(off == len);
	SET_VARSIZE(buf, len);
	return (Jsonb *) buf;
}
