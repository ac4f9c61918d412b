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

#include "lib/stringinfo.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "audit.h"

static void
pad_to_int(StringInfo buf, uint32 *padlen)
{
	int			pad = INTALIGN(buf->len) - buf->len;

	*padlen = pad;
	if (pad > 0)
	{
		enlargeStringInfo(buf, pad);
		memset(buf->data + buf->len, 0, pad);
		buf->len += pad;
	}
}

/* Appends one scalar or binary-container value; returns its JEntry (type | length). */
static JEntry
append_value(StringInfo buf, const JsonbValue *v)
{
	uint32		pad;
	int			len;

	switch (v->type)
	{
		case jbvNull:
			return JENTRY_ISNULL;
		case jbvBool:
			return v->val.boolean ? JENTRY_ISBOOL_TRUE : JENTRY_ISBOOL_FALSE;
		case jbvString:
			appendBinaryStringInfo(buf, v->val.string.val, v->val.string.len);
			return JENTRY_ISSTRING | v->val.string.len;
		case jbvNumeric:
			pad_to_int(buf, &pad);
			len = VARSIZE_ANY(v->val.numeric);
			appendBinaryStringInfo(buf, (const char *) v->val.numeric, len);
			return JENTRY_ISNUMERIC | (pad + len);
		case jbvBinary:
			/* a container from to_jsonb(): position-independent once int-aligned */
			pad_to_int(buf, &pad);
			appendBinaryStringInfo(buf, (const char *) v->val.binary.data, v->val.binary.len);
			return JENTRY_ISCONTAINER | (pad + v->val.binary.len);
		default:
			elog(ERROR, "audit: unexpected jsonb value type %d", (int) v->type);
	}
	return 0;					/* keep the compiler quiet */
}

/*
 * The object {keys[i]: vals[i]}.  The keys must be distinct and in jsonb's
 * order (shorter first, then bytewise); values are scalars or jbvBinary
 * containers.
 */
Jsonb *
audit_jsonb_object(int n, const char *const *keys, const int *keylens,
				   const JsonbValue *vals)
{
	StringInfoData buf;
	int			jentries;
	uint32		header = (uint32) n | JB_FOBJECT;
	uint32		totallen = 0;
	int			i;

	initStringInfo(&buf);
	/* varlena header, container header, then 2n JEntries, filled in below */
	jentries = VARHDRSZ + sizeof(uint32);
	enlargeStringInfo(&buf, jentries + 2 * n * sizeof(JEntry));
	buf.len = jentries + 2 * n * sizeof(JEntry);
	memcpy(buf.data + VARHDRSZ, &header, sizeof(uint32));

	for (i = 0; i < 2 * n; i++)
	{
		JEntry		meta;
		int			start = buf.len;

		if (i < n)
		{
			appendBinaryStringInfo(&buf, keys[i], keylens[i]);
			meta = JENTRY_ISSTRING | keylens[i];
		}
		else
			meta = append_value(&buf, &vals[i - n]);
		totallen += buf.len - start;
		if (totallen > JENTRY_OFFLENMASK)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("total size of jsonb object elements exceeds the maximum of %u bytes",
							JENTRY_OFFLENMASK)));
		if ((i % JB_OFFSET_STRIDE) == 0)
			meta = (meta & JENTRY_TYPEMASK) | totallen | JENTRY_HAS_OFF;
		memcpy(buf.data + jentries + i * sizeof(JEntry), &meta, sizeof(JEntry));
	}
	SET_VARSIZE(buf.data, buf.len);
	return (Jsonb *) buf.data;
}
