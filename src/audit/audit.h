/*
 * audit.h — the audit capability: the C trigger that writes ci.audit_log in
 * bulk, PII masking, read logging, the append-only guard and the hash chain.
 */
#ifndef AUDIT_H
#define AUDIT_H

#include "postgres.h"
#include "access/tupdesc.h"
#include "utils/jsonb.h"
#include "utils/relcache.h"
#include "utils/uuid.h"

/* Operations a table's audit covers (the "ops=" trigger argument). */
#define AUDIT_OP_INSERT		0x01
#define AUDIT_OP_UPDATE		0x02
#define AUDIT_OP_DELETE		0x04
#define AUDIT_OP_TRUNCATE	0x08
#define AUDIT_OP_SELECT		0x10

/* How a column is treated (trigger arguments are "kind attnum name" triples). */
typedef enum AuditColumnKind
{
	AUDIT_COL_LOGGED = 0,		/* written in clear */
	AUDIT_COL_EXCLUDED,			/* never written */
	AUDIT_COL_PII				/* written as HMAC-SHA-256 */
} AuditColumnKind;

/*
 * A table's audit settings resolved against its current tuple descriptor:
 * built at every trigger call, never cached across statements, so ALTER
 * TABLE between two statements is always seen.
 */
typedef struct AuditTableConfig
{
	int			ops;			/* AUDIT_OP_* */
	int			natts;			/* of the descriptor resolved against */
	AuditColumnKind *kind;		/* per attribute (0-based), natts long */
	int			nkey;			/* record-key columns: configured or the PK */
	AttrNumber *key;
	AttrNumber	customer;		/* column holding the customer identity, or 0 */
	Oid			customer_type;
} AuditTableConfig;

/* Column lists in trigger arguments and their resolution (audit_config.c). */
extern void audit_config_resolve(Relation rel, int nargs, char **args,
								 AuditTableConfig *cfg);
extern int	audit_parse_ops(const char *s);

/*
 * HMAC-SHA-256 under one key, the key's state prepared once (audit_hmac.c).
 * Free it before the transaction ends (it is not in a memory context).
 */
typedef struct AuditHmac AuditHmac;
extern AuditHmac *audit_hmac_create(const uint8 *key, int keylen);
extern void audit_hmac(AuditHmac *h, const uint8 *data, size_t len, uint8 *mac);
extern void audit_hmac_free(AuditHmac *h);

/* Converting row values to jsonb (audit_value.c). */
typedef struct AuditValueState
{
	MemoryContext cxt;			/* lives as long as the state: lazy set-up goes here */
	TupleDesc	desc;
	AuditTableConfig *cfg;
	int		   *order;			/* attributes in jsonb key order (length, bytes) */
	char	  **names;			/* per attribute: its name and length */
	int		   *namelens;
	int		   *key_order;		/* the key columns in jsonb key order */
	int			nkey_order;
	JsonbValue *vals;			/* scratch for one object's values and keys */
	const char **keys_sorted;
	int		   *keylens_sorted;
	Datum	   *last_time;		/* per date/time attribute: last two values, texts */
	char	  **last_time_text;
	uint8	   *last_time_next;	/* per attribute: the slot to replace next */
	FmgrInfo   *to_jsonb;		/* per attribute, set up on first use */
	bool	   *to_jsonb_ready;
	AuditHmac  *hmac;			/* NULL until a PII column is met */
	FmgrInfo   *hash_fn;		/* per key column: extended hash, or NULL */
	Oid		   *hash_coll;
	FmgrInfo   *out_fn;			/* per key column: output (no hash opclass) */
} AuditValueState;

/* Flat jsonb objects in jsonb's binary format (audit_jsonb.c). */
extern Jsonb *audit_jsonb_object(int n, const char *const *keys, const int *keylens,
								 const JsonbValue *vals);

extern void audit_value_init(AuditValueState *st, TupleDesc desc, AuditTableConfig *cfg);
extern void audit_value_done(AuditValueState *st);
extern Jsonb *audit_row_jsonb(AuditValueState *st, Datum *values, bool *nulls,
							  const bool *only);
extern Jsonb *audit_key_jsonb(AuditValueState *st, Datum *values, bool *nulls);
extern bool audit_record_key(AuditValueState *st, Oid relid, Datum *values,
							 bool *nulls, pg_uuid_t *out);
extern void audit_load_hmac_key(uint8 *key, int *keylen);
extern bool audit_values_equal(Form_pg_attribute att, Datum a, Datum b);

/* Writing ci.audit_log rows in bulk, bypassing SQL (audit_write.c). */
typedef struct AuditWriter AuditWriter;

typedef struct AuditEntry
{
	Oid			relid;
	const char *table_name;
	const char *operation;
	pg_uuid_t  *record_key;		/* NULL: none */
	Jsonb	   *record_pk;
	bool		has_customer;
	int64		customer_id;
	Jsonb	   *old;
	Jsonb	   *new;
	bool		has_rows;
	int64		rows;
} AuditEntry;

extern AuditWriter *audit_writer_open(void);
extern void audit_writer_add(AuditWriter *w, const AuditEntry *e);
extern MemoryContext audit_writer_row_context(AuditWriter *w);
extern void audit_writer_close(AuditWriter *w);
extern Oid	audit_log_relid(bool missing_ok);

/* The append-only guard (audit_guard.c). */
extern bool audit_in_maintenance(void);
extern void audit_maintenance_begin(void);
extern void audit_maintenance_end(void);

/* Read logging (audit_read.c). */
extern void audit_read_init(void);
extern Oid	audit_trigger_fn_oid(void);

/* Utilities. */
extern char *audit_qualified_name(Relation rel);

#endif							/* AUDIT_H */
