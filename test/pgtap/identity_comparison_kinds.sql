-- API of the comparison kinds (doc/identity.md "Comparison kinds"): bad
-- comparison definitions are refused, by a CHECK when the row is written
-- or when the model is loaded, each with its SQLSTATE.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS customer_intel;
SELECT plan(16);

CREATE TABLE ck_rec (id bigint PRIMARY KEY, given text, family text, born date, raw text, n integer, attributes jsonb);
INSERT INTO ck_rec VALUES (1, 'ann', 'lee', '1980-01-02', NULL, 1, '{"a": {"b": "x"}}'), (2, 'lee', 'ann', NULL, '1980', 2, '{}');
INSERT INTO ci.match_model (model, relation, id_column, source_column) VALUES ('ck', 'ck_rec', 'id', NULL);
INSERT INTO ci.match_blocking_rule (model, rule, ordinal, keys) VALUES ('ck', 'r', 1, '{given}');

CREATE FUNCTION ck_try(p_similarity text, p_field name, p_fields name[], p_path text[],
                       p_close double precision DEFAULT NULL, p_loose double precision DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM ci.match_comparison WHERE model = 'ck';
    INSERT INTO ci.match_comparison (model, comparison, ordinal, field, similarity, close_threshold, loose_threshold, fields, path)
    VALUES ('ck', 'c', 1, p_field, p_similarity, p_close, p_loose, p_fields, p_path);
    PERFORM * FROM ci.explain_match(1, 2, 'ck');
END
$$;

-- CHECKs on the row
SELECT throws_ok($$SELECT ck_try('date', 'born', NULL, NULL, 0.5)$$, '23514', NULL, 'a date comparison takes no thresholds');
SELECT throws_ok($$SELECT ck_try('grouped', 'given', '{family}', NULL, 0.9, 0.8)$$, '23514', NULL, 'a grouped comparison takes no loose_threshold');
SELECT throws_ok($$SELECT ck_try('prefix', 'given', NULL, NULL, 2, 3)$$, '23514', NULL, 'a prefix''s close length exceeds its loose length');
SELECT throws_ok($$SELECT ck_try('prefix', 'given', NULL, NULL, 1.5)$$, '23514', NULL, 'a prefix length is a whole number');
SELECT throws_ok($$SELECT ck_try('numeric', 'n', NULL, NULL, -1)$$, '23514', NULL, 'a numeric bound is not negative');
SELECT throws_ok($$SELECT ck_try('given_name', 'given', '{}', NULL, 0.9)$$, '23514', NULL, 'fields is not empty');
SELECT throws_ok($$SELECT ck_try('exact', 'attributes', NULL, '{}')$$, '23514', NULL, 'path is not empty');

-- checks when the model is loaded
SELECT throws_ok($$SELECT ck_try('grouped', 'given', NULL, NULL)$$, '42P17', NULL, 'a grouped comparison needs fields');
SELECT throws_ok($$SELECT ck_try('jaro_winkler', 'given', '{family,raw}', NULL, 0.9)$$, '42P17', NULL, 'a name has one swap partner');
SELECT throws_ok($$SELECT ck_try('jaro_winkler', 'given', '{family}', NULL)$$, '42P17', NULL, 'a swap partner needs a close level');
SELECT throws_ok($$SELECT ck_try('prefix', 'given', '{family}', NULL, 2)$$, '42P17', NULL, 'a prefix reads no other fields');
SELECT throws_ok($$SELECT ck_try('grouped', 'given', '{given}', NULL)$$, '42P17', NULL, 'fields does not repeat field');
SELECT throws_ok($$SELECT ck_try('grouped', 'given', '{nosuch}', NULL)$$, '42703', NULL, 'fields name columns of the relation');
SELECT throws_ok($$SELECT ck_try('exact', 'given', NULL, '{a}')$$, '42804', NULL, 'path applies to json columns');
SELECT throws_ok($$SELECT ck_try('date', 'born', '{n}', NULL)$$, '42804', NULL, 'a date''s raw field is text');
SELECT lives_ok($$SELECT ck_try('exact', 'attributes', NULL, '{a,b}')$$, 'a json key path is read');

SELECT * FROM finish();
ROLLBACK;
