-- Load one FEBRL file into ci.source_record as source :'src'.
-- The CSV comes on psql's standard input; psql variable src names the source.
-- Mapping: given_name, surname -> given_name, family_name; street_number +
-- address_1 -> street; address_2, state -> attributes; suburb -> city;
-- postcode; country AU; date_of_birth YYYYMMDD -> birth_date, or
-- birth_date_raw as written when it is not a valid date; soc_sec_id -> national_id; rec_id -> source_key.  rec_id
-- carries the truth: only bench/febrl_eval.sql reads source_key.
CREATE TEMP TABLE IF NOT EXISTS febrl_raw (
    rec_id text, given_name text, surname text, street_number text, address_1 text,
    address_2 text, suburb text, postcode text, state text, date_of_birth text, soc_sec_id text);
TRUNCATE febrl_raw;
\copy febrl_raw FROM pstdin WITH (FORMAT csv, HEADER true, DELIMITER ',')

CREATE OR REPLACE FUNCTION pg_temp.febrl_date(s text) RETURNS date
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF s !~ '^[0-9]{8}$' THEN RETURN NULL; END IF;
    RETURN make_date(substr(s, 1, 4)::int, substr(s, 5, 2)::int, substr(s, 7, 2)::int);
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;

INSERT INTO ci.source (source, description) VALUES (:'src', 'FEBRL benchmark file') ON CONFLICT DO NOTHING;
INSERT INTO ci.source_record (source, source_key, given_name, family_name, street, city, postcode,
                              country, birth_date, birth_date_raw, national_id, attributes)
SELECT :'src', btrim(rec_id), nullif(btrim(given_name), ''), nullif(btrim(surname), ''),
       nullif(concat_ws(' ', nullif(btrim(street_number), ''), nullif(btrim(address_1), '')), ''),
       nullif(btrim(suburb), ''), nullif(btrim(postcode), ''), 'AU',
       pg_temp.febrl_date(btrim(date_of_birth)),
       CASE WHEN pg_temp.febrl_date(btrim(date_of_birth)) IS NULL THEN nullif(btrim(date_of_birth), '') END,
       nullif(btrim(soc_sec_id), ''),
       jsonb_strip_nulls(jsonb_build_object('address_2', nullif(btrim(address_2), ''), 'state', nullif(btrim(state), '')))
FROM febrl_raw;
