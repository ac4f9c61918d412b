-- The hash chain: sealing, verification, tampering caught, redaction
-- reported as such, chain-head export, retention with an anchor.
CREATE SCHEMA audit_c;
CREATE TABLE audit_c.account (id int PRIMARY KEY, owner text, balance numeric);
SELECT ci.audit('audit_c.account', pii_columns => ARRAY['owner']);
INSERT INTO audit_c.account SELECT g, 'owner ' || g, g * 10 FROM generate_series(1, 20) g;
UPDATE audit_c.account SET balance = balance + 1 WHERE id <= 5;
DELETE FROM audit_c.account WHERE id = 20;
\set SHOW_CONTEXT never

-- Seal everything written so far (other tests' rows too: there is one chain).
SELECT ci.audit_seal() > 0 AS sealed_some;
SELECT ci.audit_seal() AS nothing_left;
SELECT status FROM ci.audit_verify();
SELECT h.link = (SELECT s.link FROM ci.audit_seal s ORDER BY s.txid DESC, s.log_id DESC LIMIT 1) AS head_is_last_link,
       octet_length(h.link) AS link_bytes
FROM ci.audit_chain_head() h;
-- Each link is SHA-256(previous || metadata || payload hash): recomputable in SQL.
WITH c AS (SELECT s.link, ci.audit_link(lag(s.link) OVER w, ci.audit_meta(l),
                                        ci.audit_payload_hash(l.old, l.new)) AS recomputed
           FROM ci.audit_seal s JOIN ci.audit_log l ON l.txid = s.txid AND l.id = s.log_id
           WINDOW w AS (ORDER BY s.txid, s.log_id))
SELECT count(*) FILTER (WHERE recomputed IS NOT NULL AND recomputed <> link) AS mismatches FROM c;
SELECT h.link AS exported_head FROM ci.audit_chain_head() h \gset

-- Redaction (right to erasure) replaces the payload of one record's rows and
-- logs itself; verification reports the rows as redacted, not altered.
SELECT ci.audit_redact('audit_c.account', 'erasure request 17', '3') AS redacted_rows;
SELECT operation, old, new, redacted_hash IS NOT NULL AS has_hash
FROM ci.audit_history('audit_c.account', '3');
SELECT ci.audit_seal() AS sealed_the_redaction_row;
SELECT status, count(*) FROM ci.audit_verify() GROUP BY status ORDER BY status;
SELECT ci.audit_redact('audit_c.account', 'again', '3') AS redacted_again;

-- The chain head exported before still occurs in the chain.
SELECT status FROM ci.audit_verify(:'exported_head') WHERE status <> 'redacted';
SELECT status FROM ci.audit_verify('\x00'::bytea);

-- Tampering, as a superuser who disables the guard: each kind is caught.
-- Each case runs in a subtransaction that the check undoes after recording
-- what verification said.
CREATE TABLE audit_c.caught (n int, status text, detail text);
CREATE FUNCTION audit_c.check(n int, stmt text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE st text; dt text;
BEGIN
    BEGIN
        ALTER TABLE ci.audit_log DISABLE TRIGGER audit_log_append_only;
        EXECUTE stmt;
        ALTER TABLE ci.audit_log ENABLE TRIGGER audit_log_append_only;
        SELECT v.status, v.detail INTO st, dt FROM ci.audit_verify() v WHERE v.status <> 'redacted';
        RAISE EXCEPTION '%|%', st, dt;
    EXCEPTION WHEN raise_exception THEN
        INSERT INTO audit_c.caught
        VALUES (n, split_part(SQLERRM, '|', 1),
                regexp_replace(split_part(SQLERRM, '|', 2), 'the \d+ rows', 'the n rows'));
    END;
END $$;
SELECT audit_c.check(1, $$UPDATE ci.audit_log SET new = jsonb_set(new, '{balance}', '1000000')
                          WHERE relid = 'audit_c.account'::regclass AND record_pk = '{"id": 7}'$$);
SELECT audit_c.check(2, $$UPDATE ci.audit_log SET actor = 'mallory'
                          WHERE relid = 'audit_c.account'::regclass AND record_pk = '{"id": 8}'$$);
SELECT audit_c.check(3, $$DELETE FROM ci.audit_log
                          WHERE relid = 'audit_c.account'::regclass AND record_pk = '{"id": 9}'$$);
SELECT audit_c.check(4, $$INSERT INTO ci.audit_log (txid, stmt_time, operation, actor, session_actor)
                          SELECT s.txid, now(), 'SELECT', 'ghost', 'ghost' FROM ci.audit_seal s
                          ORDER BY s.txid LIMIT 1$$);
SELECT audit_c.check(5, $$UPDATE ci.audit_log SET id = -id
                          WHERE relid = 'audit_c.account'::regclass AND record_pk = '{"id": 10}'$$);
SELECT audit_c.check(6, $$UPDATE ci.audit_log SET redacted_hash = '\x00', new = '{"redacted": "fake"}'
                          WHERE relid = 'audit_c.account'::regclass AND record_pk = '{"id": 11}'$$);
SELECT n, status, detail FROM audit_c.caught ORDER BY n;
-- and nothing was left changed
SELECT status FROM ci.audit_verify() WHERE status <> 'redacted';

-- Retention: export, then prune what was sealed before now; the chain then
-- starts from the kept anchor and still verifies.
SELECT count(*) AS exported, bool_and(link IS NOT NULL) AS with_links
FROM ci.audit_export(clock_timestamp()) \gset
SELECT :exported > 0 AS exported_some, :'with_links' AS with_links;
SELECT ci.audit_prune(clock_timestamp()) = :exported AS pruned_all_exported;
SELECT (SELECT count(*) FROM ci.audit_seal) AS seals_left,
       c.anchor_link = c.head_link AS anchor_is_head, c.pruned_rows > 0 AS counted
FROM ci.audit_chain c;
SELECT status FROM ci.audit_verify();
INSERT INTO audit_c.account VALUES (100, 'late', 0);
SELECT ci.audit_seal() AS sealed_after_prune;
SELECT status, detail FROM ci.audit_verify();

-- Bad input.
SELECT ci.audit_seal(0);
SELECT ci.audit_seal(NULL);
SELECT ci.audit_redact('audit_c.account', 'x', 'not a number');
SELECT ci.audit_link('\x', '', '\x') IS NOT NULL AS link_of_empty;
SELECT ci.audit_payload_hash(NULL, NULL) = sha256(convert_to(E'null\nnull', 'UTF8')) AS null_payload;

-- Leave nothing that depends on the extension (install.sql drops it).
SET client_min_messages = warning;
DROP SCHEMA audit_c CASCADE;
RESET client_min_messages;
