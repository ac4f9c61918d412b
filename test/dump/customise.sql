-- A database a DBA has lived with: sample records, the shipped
-- configuration tuned, edited, deleted from and added to, runs done,
-- profiles built.  scripts/dump_restore_test.sh dumps it, restores it and
-- compares.  Every change below must survive pg_dump and restore.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-- records (about 2.4 per person, four sources)
\set n_persons 300
\set seed 5
\i bench/generate_customers.sql

-- sources: a user source, a shipped one's trust changed
INSERT INTO ci.source (source, trust_rank, trust, description) VALUES ('shop', 15, 0.8, 'online shop');
UPDATE ci.source SET trust = 0.95, trust_rank = 5 WHERE source = 'crm';
UPDATE ci.source_record SET source = 'shop' WHERE record_id IN (SELECT record_id FROM ci.source_record WHERE source = 'web' ORDER BY record_id LIMIT 20);

-- nicknames: a shipped pair deleted, one added
DELETE FROM ci.name_alias WHERE name = 'William' AND alias = 'Bill';
INSERT INTO ci.name_alias (name, alias) VALUES ('Wilhelmina', 'Mina');

-- the default model: trained, thresholds and m values changed, a shipped
-- blocking rule deleted and its ordinal given to a rule of our own
SELECT ci.train_model('default') IS NOT NULL AS trained;
UPDATE ci.match_model SET link_threshold = 0.93, review_threshold = 0.4 WHERE model = 'default';
UPDATE ci.match_comparison SET m = '{0.8,0.1,0.05,0.05}' WHERE model = 'default' AND comparison = 'street';
DELETE FROM ci.match_blocking_rule WHERE model = 'default' AND rule = 'street_city';
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys) VALUES
    ('default', 'street_city_area', 10, ARRAY['street_norm', 'left(city_norm, 3)']),
    ('default', 'family_name_city', 30, '{family_name_norm,city_norm}');

-- a model of our own, copied from the default one
INSERT INTO ci.match_model (model, description, link_threshold, review_threshold)
VALUES ('strict', 'stricter copy of default', 0.98, 0.9);
-- (every column, whichever version made the table: 0.2.0's comparisons read fields and path)
INSERT INTO ci.match_comparison
SELECT (jsonb_populate_record(NULL::ci.match_comparison, to_jsonb(c) || '{"model": "strict"}')).*
FROM ci.match_comparison c WHERE model = 'default';
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys, deterministic)
SELECT 'strict', rule, ordinal, keys, false FROM ci.match_blocking_rule WHERE model = 'default' AND ordinal <= 6;

-- survivorship: a built-in rule edited, one deleted and its priority
-- given to a rule of our own, a rule added, a golden attribute changed
UPDATE ci.survivorship_rule SET half_life = '90 days', description = 'recent addresses matter more here'
WHERE attribute = 'street' AND builtin;
DELETE FROM ci.survivorship_rule WHERE attribute = 'email' AND priority = 2;
INSERT INTO ci.survivorship_rule (attribute, priority, kind, sources, description)
VALUES ('email', 2, 'source_priority', '{shop,crm,web}', 'the shop''s address next');
INSERT INTO ci.survivorship_rule (attribute, priority, kind, description)
VALUES ('phone', 2, 'longest', 'else the longest');
UPDATE ci.golden_attribute SET survive_group = NULL, description = 'country on its own' WHERE attribute = 'country';

-- runs, steward decisions, golden profiles and a pinned value
SELECT records > 0 AS resolved FROM ci.resolve_identities('default', retrain => false);
SELECT records > 0 AS resolved FROM ci.resolve_identities('strict', retrain => true);
SELECT records > 0 AS resolved FROM ci.resolve_identities('default', retrain => false);
SELECT ci.decide_match(a, b, 'no_link', 'steward says two people')
FROM (SELECT min(record_id) a, max(record_id) b FROM ci.identity_link GROUP BY identity_id HAVING count(*) > 1 ORDER BY identity_id LIMIT 1) p;
SELECT ci.build_golden_profiles() > 0 AS built;
SELECT ci.pin_golden_value((SELECT min(identity_id) FROM ci.golden_profile), 'email', 'pinned@example.org', 'customer asked');
SELECT ci.refresh_golden_profiles() >= 0 AS refreshed;

-- an audited table: its settings (trigger arguments), the log, the chain
-- and a redaction come back row for row (doc/audit.md; 0.2.0 on)
SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_proc WHERE proname = 'audit'
               AND pronamespace = 'ci'::regnamespace) AS has_audit \gset
\if :has_audit
CREATE TABLE public.audited_note (id int PRIMARY KEY, body text, email text);
SELECT ci.audit('public.audited_note', pii_columns => ARRAY['email'], log_reads => true);
INSERT INTO public.audited_note VALUES (1, 'first', 'a@example.org'), (2, 'second', NULL);
UPDATE public.audited_note SET body = 'changed', email = 'b@example.org' WHERE id = 1;
DELETE FROM public.audited_note WHERE id = 2;
SELECT ci.audit_seal() > 0 AS sealed;
SELECT ci.audit_redact('public.audited_note', 'erasure', '2') > 0 AS redacted;
SELECT ci.audit_seal() > 0 AS sealed;
\endif
