-- The audit log and its hash chain.
--
-- ci.audit_log is written by the C trigger ci.audit_trigger() (row changes)
-- and by the read-logging executor hook (reads), directly into the heap in
-- bulk: no role needs, or gets, INSERT on it.  It is append-only: a guard
-- trigger refuses INSERT, UPDATE, DELETE and TRUNCATE from SQL unless the
-- extension's own maintenance (redaction, retention) is running in this
-- backend; see src/audit/audit_guard.c.
--
-- The chain order is (txid, id): rows of one transaction in id order,
-- transactions in transaction-id order.  A sealer seals only rows of
-- transactions older than its snapshot's xmin, which are all finished, so no
-- row can ever appear before a sealed one and sealing never waits for a
-- writer.  See doc/audit.md.

-- Ids are handed out in blocks: the C writer takes one nextval per 1024
-- rows and uses the ids of its block in order (src/audit/audit_write.c), so
-- ids grow within a transaction but have gaps.
CREATE SEQUENCE ci.audit_log_id_seq INCREMENT BY 1024;

CREATE TABLE ci.audit_log (
    id            bigint      NOT NULL DEFAULT nextval('ci.audit_log_id_seq'),
    txid          bigint      NOT NULL,
    stmt_time     timestamptz NOT NULL,
    relid         oid,
    table_name    text,
    operation     text        NOT NULL
                  CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'SELECT', 'REDACT', 'EVENT')),
    record_key    uuid,
    record_pk     jsonb,
    customer_id   bigint,
    old           jsonb,
    new           jsonb,
    rows          bigint,
    actor         text        NOT NULL,
    session_actor text        NOT NULL,
    application   text,
    client_addr   inet,
    purpose       text,
    redacted_hash bytea
);
ALTER SEQUENCE ci.audit_log_id_seq OWNED BY ci.audit_log.id;
COMMENT ON TABLE ci.audit_log IS
    'Append-only audit trail of row changes and reads of audited tables; PII columns hold HMAC-SHA-256 values';
COMMENT ON COLUMN ci.audit_log.txid IS 'Top-level transaction id of the writer (as pg_current_xact_id()::text::bigint); with id, the chain order';
COMMENT ON COLUMN ci.audit_log.record_key IS
    'Stable key of the row: a 128-bit hash of the table''s OID and its primary-key values (ci.audit_record_key)';
COMMENT ON COLUMN ci.audit_log.record_pk IS 'Primary-key values of the row, as jsonb';
COMMENT ON COLUMN ci.audit_log.old IS 'DELETE: the whole row; UPDATE: the changed columns before';
COMMENT ON COLUMN ci.audit_log.new IS 'INSERT: the whole row; UPDATE: the changed columns after';
COMMENT ON COLUMN ci.audit_log.rows IS 'SELECT: rows the statement returned or processed';
COMMENT ON COLUMN ci.audit_log.redacted_hash IS
    'Set by ci.audit_redact: SHA-256 of the payload it replaced, so the chain still verifies';

-- History of one record: a btree.  Chain order and time ranges: one BRIN
-- over (txid, stmt_time), nearly free to maintain on an append-only heap
-- where both grow with the row's position; the sealer reads the few block
-- ranges past the chain's head and sorts them.  (A btree on (txid, id) cost
-- a sixth of the trigger's time in bench/audit.sh.)
CREATE INDEX audit_log_record_idx ON ci.audit_log (record_key);
CREATE INDEX audit_log_chain_idx ON ci.audit_log USING brin (txid, stmt_time);

-- One row per sealed audit row: the hash of its payload when sealed and its
-- link, SHA-256(previous link || metadata || payload hash).
CREATE TABLE ci.audit_seal (
    txid          bigint      NOT NULL,
    log_id        bigint      NOT NULL,
    payload_hash  bytea       NOT NULL,
    link          bytea       NOT NULL,
    sealed_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (txid, log_id)
);
COMMENT ON TABLE ci.audit_seal IS 'The hash chain over ci.audit_log, in (txid, id) order; written by ci.audit_seal()';

-- The chain's state: one row.  The anchor is the link (and position) the
-- chain starts from: zeroes at first, the last pruned row's link after
-- ci.audit_prune.  The head is the last sealed row.  Sealers lock this row,
-- and only each other.  The first ci.audit_seal() creates it, so that a
-- restore of a dump (which carries it) does not collide with an install row.
CREATE TABLE ci.audit_chain (
    chain_id      int         PRIMARY KEY CHECK (chain_id = 1),
    anchor_txid   bigint      NOT NULL DEFAULT 0,
    anchor_id     bigint      NOT NULL DEFAULT 0,
    anchor_link   bytea       NOT NULL DEFAULT '\x0000000000000000000000000000000000000000000000000000000000000000',
    head_txid     bigint      NOT NULL DEFAULT 0,
    head_id       bigint      NOT NULL DEFAULT 0,
    head_link     bytea       NOT NULL DEFAULT '\x0000000000000000000000000000000000000000000000000000000000000000',
    sealed_rows   bigint      NOT NULL DEFAULT 0,
    pruned_rows   bigint      NOT NULL DEFAULT 0,
    sealed_at     timestamptz
);
COMMENT ON TABLE ci.audit_chain IS 'The audit chain''s anchor (where verification starts) and head (last sealed row)';

-- The HMAC key for PII columns.  Nobody but the owner (the extension's
-- installer) may read it; the trigger reads it from C without an ACL check.
-- Not registered with pg_extension_config_dump: a dump must not carry it
-- (see doc/audit.md for keeping it across a restore).
CREATE TABLE ci.audit_key (
    key_id        int         PRIMARY KEY CHECK (key_id = 1),
    key           bytea       NOT NULL CHECK (octet_length(key) >= 32),
    created_at    timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON ci.audit_key FROM PUBLIC;
COMMENT ON TABLE ci.audit_key IS 'Secret key of the HMAC-SHA-256 that masks PII columns in ci.audit_log; readable by its owner only';

CREATE FUNCTION ci.audit_random_bytes(n int)
RETURNS bytea
AS 'MODULE_PATHNAME', 'audit_random_bytes'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ci.audit_random_bytes(int) IS 'n bytes from the server''s strong random source (1 to 1024)';

INSERT INTO ci.audit_key (key_id, key) VALUES (1, ci.audit_random_bytes(32));

-- Append-only guard.
CREATE FUNCTION ci.audit_guard()
RETURNS trigger
AS 'MODULE_PATHNAME', 'audit_guard'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ci.audit_guard() IS
    'Trigger: refuses changes to the audit tables unless the extension''s maintenance runs in this backend';

CREATE TRIGGER audit_log_append_only BEFORE INSERT OR UPDATE OR DELETE ON ci.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION ci.audit_guard();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON ci.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION ci.audit_guard();
CREATE TRIGGER audit_seal_append_only BEFORE INSERT OR UPDATE OR DELETE ON ci.audit_seal
    FOR EACH STATEMENT EXECUTE FUNCTION ci.audit_guard();
CREATE TRIGGER audit_seal_no_truncate BEFORE TRUNCATE ON ci.audit_seal
    FOR EACH STATEMENT EXECUTE FUNCTION ci.audit_guard();
CREATE TRIGGER audit_chain_guard BEFORE INSERT OR UPDATE OR DELETE ON ci.audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION ci.audit_guard();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON ci.audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION ci.audit_guard();

REVOKE ALL ON ci.audit_log, ci.audit_seal, ci.audit_chain FROM PUBLIC;

-- The log, its seals and the chain state are data: pg_dump keeps them (a
-- restore runs as a superuser, whom the guard lets INSERT).  The key is not.
SELECT pg_catalog.pg_extension_config_dump('ci.audit_log', '');
SELECT pg_catalog.pg_extension_config_dump('ci.audit_log_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ci.audit_seal', '');
SELECT pg_catalog.pg_extension_config_dump('ci.audit_chain', '');
