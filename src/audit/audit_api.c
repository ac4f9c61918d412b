/*
 * audit_api.c — SQL-callable helpers over a table's audit settings: its
 * record key for given key values (ci.audit_record_key), the mask a value
 * would get (ci.audit_mask), and the operations it audits (ci.audit_ops).
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "commands/trigger.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "audit.h"

/* The settings of a table as its audit triggers say, or the defaults. */
static Relation
open_with_config(Oid relid, AuditTableConfig *cfg, const char **ops)
{
	Relation	rel = try_relation_open(relid, AccessShareLock);
	Oid			fn = audit_trigger_fn_oid();
	int			t;

	if (rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (ops)
		*ops = NULL;
	for (t = 0; rel->trigdesc && t < rel->trigdesc->numtriggers; t++)
	{
		Trigger    *trig = &rel->trigdesc->triggers[t];

		if (trig->tgfoid == fn)
		{
			audit_config_resolve(rel, trig->tgnargs, trig->tgargs, cfg);
			if (ops && trig->tgnargs >= 1 && strncmp(trig->tgargs[0], "ops=", 4) == 0)
				*ops = pstrdup(trig->tgargs[0] + 4);
			return rel;
		}
	}
	audit_config_resolve(rel, 0, NULL, cfg);
	return rel;
}

/* ci.audit_ops(tbl): the letters of the operations audited, NULL if none. */
PG_FUNCTION_INFO_V1(audit_ops);
Datum
audit_ops(PG_FUNCTION_ARGS)
{
	AuditTableConfig cfg;
	const char *ops;
	Relation	rel = open_with_config(PG_GETARG_OID(0), &cfg, &ops);

	relation_close(rel, AccessShareLock);
	if (ops == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(ops));
}

/* Reads the key values (text, in key-column order) with their types' input. */
static void
key_values(Relation rel, AuditTableConfig *cfg, ArrayType *arr, Datum *values, bool *nulls)
{
	Datum	   *elems;
	bool	   *enulls;
	int			n,
				k;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("key values must be a one-dimensional array")));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls, &n);
	if (cfg->nkey == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" has no primary key and no audit key columns",
						RelationGetRelationName(rel)),
				 errhint("Add a primary key, or audit it with ci.audit(..., key_columns => ...).")));
	if (n != cfg->nkey)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("table \"%s\" has %d key column%s, but %d value%s given",
						RelationGetRelationName(rel), cfg->nkey, cfg->nkey == 1 ? "" : "s",
						n, n == 1 ? " was" : "s were")));
	for (k = 0; k < n; k++)
	{
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), cfg->key[k] - 1);
		Oid			infn,
					ioparam;

		getTypeInputInfo(att->atttypid, &infn, &ioparam);
		nulls[cfg->key[k] - 1] = enulls[k];
		values[cfg->key[k] - 1] =
			OidInputFunctionCall(infn, enulls[k] ? NULL : TextDatumGetCString(elems[k]),
								 ioparam, att->atttypmod);
	}
}

/* ci.audit_record_key(tbl, VARIADIC key text[]): the record key of a row. */
PG_FUNCTION_INFO_V1(audit_record_key_sql);
Datum
audit_record_key_sql(PG_FUNCTION_ARGS)
{
	AuditTableConfig cfg;
	Relation	rel = open_with_config(PG_GETARG_OID(0), &cfg, NULL);
	int			natts = RelationGetDescr(rel)->natts;
	Datum	   *values = palloc0(sizeof(Datum) * Max(natts, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(natts, 1));
	AuditValueState st;
	pg_uuid_t  *key = palloc(sizeof(pg_uuid_t));

	memset(nulls, true, sizeof(bool) * Max(natts, 1));
	key_values(rel, &cfg, PG_GETARG_ARRAYTYPE_P(1), values, nulls);
	audit_value_init(&st, RelationGetDescr(rel), &cfg);
	audit_record_key(&st, RelationGetRelid(rel), values, nulls, key);
	audit_value_done(&st);
	relation_close(rel, AccessShareLock);
	PG_RETURN_UUID_P(key);
}

/*
 * ci.audit_mask(tbl, column, value): the jsonb a column's value is logged as
 * (the HMAC for a PII column).  It tests a guess against the log, so it
 * requires the right to read the key itself (SELECT on ci.audit_key).
 */
PG_FUNCTION_INFO_V1(audit_mask);
Datum
audit_mask(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	char	   *col = NameStr(*PG_GETARG_NAME(1));
	AuditTableConfig cfg;
	Relation	rel;
	AttrNumber	a;
	Oid			keyrel = get_relname_relid("audit_key", get_namespace_oid("ci", false));
	Form_pg_attribute att;
	Oid			infn,
				ioparam;
	Datum	   *values;
	bool	   *nulls,
			   *only;
	AuditValueState st;
	Jsonb	   *j;
	int			natts;

	if (!OidIsValid(keyrel) || pg_class_aclcheck(keyrel, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to compute audit masks"),
				 errdetail("A mask tests a guessed value against the log; it needs SELECT on ci.audit_key.")));
	rel = open_with_config(relid, &cfg, NULL);
	a = get_attnum(relid, col);
	if (a <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist", col,
						RelationGetRelationName(rel))));
	natts = RelationGetDescr(rel)->natts;
	att = TupleDescAttr(RelationGetDescr(rel), a - 1);
	values = palloc0(sizeof(Datum) * natts);
	nulls = palloc(sizeof(bool) * natts);
	only = palloc0(sizeof(bool) * natts);
	memset(nulls, true, sizeof(bool) * natts);
	getTypeInputInfo(att->atttypid, &infn, &ioparam);
	nulls[a - 1] = PG_ARGISNULL(2);
	values[a - 1] = OidInputFunctionCall(infn, PG_ARGISNULL(2) ? NULL :
										 TextDatumGetCString(PG_GETARG_DATUM(2)),
										 ioparam, att->atttypmod);
	only[a - 1] = true;
	if (cfg.kind[a - 1] == AUDIT_COL_EXCLUDED)
		cfg.kind[a - 1] = AUDIT_COL_PII;
	audit_value_init(&st, RelationGetDescr(rel), &cfg);
	j = audit_row_jsonb(&st, values, nulls, only);
	audit_value_done(&st);
	relation_close(rel, AccessShareLock);
	PG_RETURN_DATUM(DirectFunctionCall2(jsonb_object_field,
										JsonbPGetDatum(j), CStringGetTextDatum(col)));
}
