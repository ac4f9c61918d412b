/*
 * audit_config.c — a table's audit settings, kept as the arguments of its
 * ci_audit_* triggers (so pg_dump carries them and no lookup is needed per
 * statement), and their resolution against the table's current descriptor.
 *
 * Arguments: "ops=<letters>" (I U D T S), then triples  kind attnum name
 * with kind one of  i (only these columns are logged)  x (excluded)
 * p (PII: HMAC)  k (record-key column)  c (customer identity column).
 *
 * A column is found by attnum when the name there still matches, else by
 * name (a dump restored without dropped columns renumbers attnums), else by
 * attnum (a rename the DDL event trigger has not yet written back).  So
 * ALTER TABLE ... RENAME, ADD and DROP COLUMN all keep the settings right.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/index.h"
#include "catalog/pg_index.h"
#include "catalog/pg_trigger.h"
#include "commands/trigger.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "audit.h"

int
audit_parse_ops(const char *s)
{
	int			ops = 0;

	for (; *s; s++)
	{
		switch (*s)
		{
			case 'I':
				ops |= AUDIT_OP_INSERT;
				break;
			case 'U':
				ops |= AUDIT_OP_UPDATE;
				break;
			case 'D':
				ops |= AUDIT_OP_DELETE;
				break;
			case 'T':
				ops |= AUDIT_OP_TRUNCATE;
				break;
			case 'S':
				ops |= AUDIT_OP_SELECT;
				break;
			default:
				break;
		}
	}
	return ops;
}

static AttrNumber
resolve_column(TupleDesc desc, const char *attnum_s, const char *name)
{
	int			attnum = atoi(attnum_s);
	int			i;

	if (attnum >= 1 && attnum <= desc->natts)
	{
		Form_pg_attribute att = TupleDescAttr(desc, attnum - 1);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return attnum;
	}
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return i + 1;
	}
	if (attnum >= 1 && attnum <= desc->natts &&
		!TupleDescAttr(desc, attnum - 1)->attisdropped)
		return attnum;
	return InvalidAttrNumber;
}

static void
primary_key_columns(Relation rel, AuditTableConfig *cfg)
{
	Oid			pk = RelationGetPrimaryKeyIndex(rel);
	HeapTuple	tup;
	Form_pg_index idx;
	int			i;

	cfg->nkey = 0;
	if (!OidIsValid(pk))
		return;
	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(pk));
	if (!HeapTupleIsValid(tup))
		return;
	idx = (Form_pg_index) GETSTRUCT(tup);
	cfg->key = palloc(sizeof(AttrNumber) * idx->indnkeyatts);
	for (i = 0; i < idx->indnkeyatts; i++)
		cfg->key[cfg->nkey++] = idx->indkey.values[i];
	ReleaseSysCache(tup);
}

void
audit_config_resolve(Relation rel, int nargs, char **args, AuditTableConfig *cfg)
{
	TupleDesc	desc = RelationGetDescr(rel);
	bool		has_include = false;
	int			i,
				pass;

	memset(cfg, 0, sizeof(*cfg));
	cfg->natts = desc->natts;
	cfg->kind = palloc0(sizeof(AuditColumnKind) * Max(desc->natts, 1));
	cfg->key = palloc(sizeof(AttrNumber) * Max(nargs / 3, 1));

	if (nargs >= 1 && strncmp(args[0], "ops=", 4) == 0)
		cfg->ops = audit_parse_ops(args[0] + 4);

	for (i = 1; i + 2 <= nargs - 1; i += 3)
		if (args[i][0] == 'i')
			has_include = true;
	if (has_include)
		for (i = 0; i < desc->natts; i++)
			cfg->kind[i] = AUDIT_COL_EXCLUDED;

	/* includes first, then PII, then exclusions: an exclusion always wins */
	for (pass = 0; pass < 3; pass++)
	{
		for (i = 1; i + 2 <= nargs - 1; i += 3)
		{
			char		kind = args[i][0];
			AttrNumber	a;

			if ((pass == 0 && kind != 'i' && kind != 'k' && kind != 'c') ||
				(pass == 1 && kind != 'p') || (pass == 2 && kind != 'x'))
				continue;
			a = resolve_column(desc, args[i + 1], args[i + 2]);
			if (a == InvalidAttrNumber)
				continue;		/* the column was dropped */
			switch (kind)
			{
				case 'i':
					cfg->kind[a - 1] = AUDIT_COL_LOGGED;
					break;
				case 'p':
					cfg->kind[a - 1] = AUDIT_COL_PII;
					break;
				case 'x':
					cfg->kind[a - 1] = AUDIT_COL_EXCLUDED;
					break;
				case 'k':
					cfg->key[cfg->nkey++] = a;
					break;
				case 'c':
					cfg->customer = a;
					cfg->customer_type = TupleDescAttr(desc, a - 1)->atttypid;
					break;
			}
		}
	}
	for (i = 0; i < desc->natts; i++)
		if (TupleDescAttr(desc, i)->attisdropped)
			cfg->kind[i] = AUDIT_COL_EXCLUDED;
	if (cfg->nkey == 0)
		primary_key_columns(rel, cfg);
}

/*
 * ci.audit_columns(tbl): the table's column settings as they resolve now,
 * read from its first ci.audit_trigger trigger: (setting, attnum, name).
 */
PG_FUNCTION_INFO_V1(audit_columns);
Datum
audit_columns(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Relation	rel;
	TupleDesc	desc;
	Oid			fn = audit_trigger_fn_oid();
	int			t;

	InitMaterializedSRF(fcinfo, 0);
	rel = try_relation_open(relid, AccessShareLock);
	if (rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	desc = RelationGetDescr(rel);
	for (t = 0; rel->trigdesc && t < rel->trigdesc->numtriggers; t++)
	{
		Trigger    *trig = &rel->trigdesc->triggers[t];
		int			i;

		if (trig->tgfoid != fn)
			continue;
		for (i = 1; i + 2 <= trig->tgnargs - 1; i += 3)
		{
			Datum		values[4];
			bool		nulls[4] = {false, false, false, false};
			AttrNumber	a = resolve_column(desc, trig->tgargs[i + 1], trig->tgargs[i + 2]);
			const char *k;

			switch (trig->tgargs[i][0])
			{
				case 'i':
					k = "include";
					break;
				case 'x':
					k = "exclude";
					break;
				case 'p':
					k = "pii";
					break;
				case 'k':
					k = "key";
					break;
				case 'c':
					k = "customer";
					break;
				default:
					continue;
			}
			if (a == InvalidAttrNumber)
				continue;
			values[0] = CStringGetTextDatum(k);
			values[1] = Int16GetDatum(a);
			values[2] = NameGetDatum(&TupleDescAttr(desc, a - 1)->attname);
			values[3] = DirectFunctionCall1(namein, CStringGetDatum(trig->tgargs[i + 2]));
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
		break;
	}
	relation_close(rel, AccessShareLock);
	return (Datum) 0;
}
