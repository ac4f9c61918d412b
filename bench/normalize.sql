-- bench/normalize.sql — throughput of ci.normalize_name, ci.normalize_email
-- and ci.normalize_phone, with ratios against PostgreSQL peers doing less
-- (lower, lower(unaccent), regexp_replace).
--
--   psql -X -v rows=1000000 -f bench/normalize.sql
--
-- Every figure is the best of 3 runs of SELECT count(expr) FROM <table>, so
-- table scan and count are included in peers and subjects alike.  The data
-- are generated (generate_series), deterministic, and mix scripts the way a
-- European/Australian customer base might: mostly ASCII names, a third with
-- Latin diacritics, some Cyrillic, Greek and Han, drawn from small lists (so
-- ci.normalize_name's per-backend memo of ICU results hits, as it does on
-- real names, which repeat); "unique accented words" gives every row a word
-- of its own, so every one goes through ICU.
\set ON_ERROR_STOP on
\if :{?rows}
\else
\set rows 200000
\endif
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS customer_intel;

DROP TABLE IF EXISTS pg_temp.bench_people;
CREATE TEMP TABLE bench_people AS
SELECT i,
       (ARRAY['John', 'Mary', 'O''Brien', 'Jean-Luc', 'José', 'Zoë', 'Łukasz', 'Дмитрий', 'Γιώργος',
              'Anne-Marie', 'Søren', 'Wei', 'Peter', 'Sarah', 'Michael', 'Emma'])[1 + i % 16]
       || ' ' ||
       (ARRAY['Smith', 'Müller', 'García', 'van der Berg', 'Nguyễn', 'Jones', 'O''Neil', 'Kowalski',
              'Иванов', 'Παπαδόπουλος', '王', 'Brown', 'Taylor', 'Ørsted', 'Lee', 'Wilson', 'Dubois',
              'Martin', 'Schmidt', 'Rossi'])[1 + i % 20] AS name,
       'Customer ' || (ARRAY['Smith', 'Jones', 'Brown', 'Taylor'])[1 + i % 4] || ' ' || i AS ascii_name,
       -- a word of its own per row (digits spelt with accented letters): no memo hit
       (ARRAY['José', 'Zoë', 'Łukasz', 'Søren'])[1 + i % 4] || ' ' ||
       translate(i::text, '0123456789', 'àéîõüçñøåß') AS unique_name,
       (ARRAY['John.Smith', 'mary+news', 'o.brien', 'JANE_DOE'])[1 + i % 4] || i || '@' ||
       (ARRAY['gmail.com', 'Example.COM', 'outlook.com', 'bigpond.com.au', 'bücher.de'])[1 + i % 5] AS email,
       (ARRAY['04', '(02) ', '+61 4', '03 '])[1 + i % 4] || lpad((i::bigint * 7919 % 100000000)::text, 8, '0') AS phone
FROM generate_series(1, :rows) AS i;
ANALYZE bench_people;

CREATE FUNCTION pg_temp.best_ms(expr text) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    best numeric;
    ms numeric;
BEGIN
    FOR k IN 1..3 LOOP
        t0 := clock_timestamp();
        EXECUTE format('SELECT count(%s) FROM pg_temp.bench_people', expr);
        ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
        best := least(best, ms);
    END LOOP;
    RETURN round(best, 1);
END $$;

-- Warm the caches (ICU transliterators per script, libphonenumber metadata).
SELECT count(ci.normalize_name(name)), count(ci.normalize_phone(phone, 'AU')),
       count(ci.normalize_email(email)) FROM bench_people WHERE i <= 100 \gset warm_

WITH runs(subject, peer, subject_expr, peer_expr) AS (VALUES
    ('normalize_name, ASCII names', 'lower', 'ci.normalize_name(ascii_name)', 'lower(ascii_name)'),
    ('normalize_name, ASCII names', 'lower + regexp_replace', 'ci.normalize_name(ascii_name)',
     $e$regexp_replace(lower(ascii_name), '[^a-z0-9]+', ' ', 'g')$e$),
    ('normalize_name, mixed scripts', 'lower(unaccent)', 'ci.normalize_name(name)', 'lower(unaccent(name))'),
    ('normalize_name, unique accented words', 'lower(unaccent)', 'ci.normalize_name(unique_name)',
     'lower(unaccent(unique_name))'),
    ('name_tokens, mixed scripts', 'regexp_split_to_array(lower)', 'ci.name_tokens(name)',
     $e$regexp_split_to_array(lower(name), '[ -]+')$e$),
    ('normalize_email', 'lower(trim)', 'ci.normalize_email(email)', 'lower(trim(email))'),
    ('normalize_phone, AU', 'regexp_replace digits', $e$ci.normalize_phone(phone, 'AU')$e$,
     $e$regexp_replace(phone, '\D', '', 'g')$e$)
)
SELECT subject, peer,
       s_ms AS subject_ms, p_ms AS peer_ms,
       round(s_ms / nullif(p_ms, 0), 2) AS ratio,
       round(:rows / (s_ms / 1000)) AS subject_rows_per_s
FROM (SELECT subject, peer, pg_temp.best_ms(subject_expr) AS s_ms, pg_temp.best_ms(peer_expr) AS p_ms
      FROM runs) AS r;
