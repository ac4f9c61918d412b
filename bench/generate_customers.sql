-- bench/generate_customers.sql — messy multi-source customer records for
-- customer_intel's benchmarks, tests and demo.
--
-- Usage (psql, in a database where CREATE EXTENSION customer_intel was run):
--
--   psql -v n_persons=400000 -v seed=1 -f bench/generate_customers.sql
--   psql -v n_records=1000000 -v seed=1 -f bench/generate_customers.sql
--   psql -v n_persons=1000 -v seed=7 -v replace=true -f bench/generate_customers.sql
--
--   n_persons  number of underlying persons (default 1000); about 2.4
--              records are made per person
--   n_records  instead of n_persons: exactly this many records (enough
--              persons are made, the last one may lose records)
--   seed       any integer (default 1): the same seed and size give the
--              same rows, byte for byte, on any machine of the same
--              endianness and PostgreSQL major version
--   replace    true to empty ci.source_record (and the identity tables,
--              steward decisions and review pairs, which reference its
--              records) first; without it a non-empty
--              ci.source_record is an error
--   generate   false to only (re)define the generator objects
--
-- The script (re)defines schema ci_bench's generator objects, then calls
--   ci_bench.generate_customers(n_persons, seed, replace, n_records)
-- which may also be called directly once the script has run.  It fills
--   ci.source_record   the records, as the extension sees them
--   ci_bench.truth     (record_id, person_id): the ground truth, for
--                      evaluation only — never read it in a model
--   ci_bench.person    the underlying persons (household, twin, event flags)
--   ci_bench.household the households (shared address, landline, email)
-- record_id values are a seeded permutation of 1..N, so nothing about a
-- record's identity can be read from its id or its physical position.
-- The ci_bench tables are UNLOGGED (bench data, like pgbench
-- --unlogged-tables): after a crash they are empty; generate again.
--
-- What makes the records messy (rates are per record unless said otherwise;
-- see the comments of generate_customers for the full list):
--   several records per person across crm / pos / support / web, each source
--   with its own completeness; typos (insert, delete, substitute with a
--   keyboard neighbour, transpose); nicknames (Bob/Robert, Liz/Elizabeth,
--   Kasia/Katarzyna …); transliterations (Müller/Mueller/Muller,
--   Łukasz/Lukasz, José/Jose, Sergey/Sergei/Сергей, Γιώργος …); swapped
--   name fields, initials, case and whitespace noise; email variants (case,
--   gmail dots, +tags, googlemail.com, domain typos, invalid addresses);
--   phone numbers valid under libphonenumber for AU, GB, US, DE and FR in
--   national, international, IDD, dashed, dotted and bracketed formats,
--   with some invalid ones; households sharing an address, a landline and
--   sometimes an email; twins (same family name, address and birth date);
--   name changes, moves and new email addresses at a life event; birth-date
--   slips (day/month swap, year digit, placeholder 1900-01-01); updated_at
--   spread over 2014–2024.

\set ci_bench_on_error_stop :ON_ERROR_STOP
\set ON_ERROR_STOP on
\if :{?n_persons}
\else
\set n_persons NULL
\endif
\if :{?n_records}
\else
\set n_records NULL
\endif
\if :{?seed}
\else
\set seed 1
\endif
\if :{?replace}
\else
\set replace false
\endif
\if :{?generate}
\else
\set generate true
\endif
\set ci_bench_quiet :QUIET
\set QUIET on
SELECT current_setting('client_min_messages') AS ci_bench_cmm \gset
SET client_min_messages = warning;

CREATE SCHEMA IF NOT EXISTS ci_bench;
COMMENT ON SCHEMA ci_bench IS 'customer_intel benchmark data: generator, ground truth (never read by a model), results';

-- ---------------------------------------------------------------------------
-- Deterministic randomness: every draw is a hash of (seed, entity key, salt),
-- so rows do not depend on evaluation order, parallelism or plan shape.
-- hashint8extended is PostgreSQL's own 64-bit hash with a seed.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION ci_bench.u(seed bigint, k bigint) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (hashint8extended(k, seed) & 4503599627370495)::double precision / 4503599627370496.0 $$;
COMMENT ON FUNCTION ci_bench.u(bigint, bigint) IS 'uniform draw in [0,1) from (seed, key)';

CREATE OR REPLACE FUNCTION ci_bench.pick(seed bigint, k bigint, n integer) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT 1 + ((hashint8extended(k, seed) & 2147483647) % greatest(n, 1))::integer $$;
COMMENT ON FUNCTION ci_bench.pick(bigint, bigint, integer) IS 'uniform draw in 1..n from (seed, key)';

CREATE OR REPLACE FUNCTION ci_bench.digits(seed bigint, k bigint, n integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN n <= 0 THEN '' ELSE
          lpad(((hashint8extended(k, seed) & 2147483647) % (10::bigint ^ least(n, 9))::bigint)::text, least(n, 9), '0')
       || CASE WHEN n > 9 THEN lpad(((hashint8extended(k + 1, seed) & 2147483647) % (10::bigint ^ (n - 9))::bigint)::text, n - 9, '0') ELSE '' END
       END $$;
COMMENT ON FUNCTION ci_bench.digits(bigint, bigint, integer) IS 'n (<= 18) random decimal digits from (seed, key) and (seed, key + 1)';

-- Latin letters without diacritics (Müller → Muller, Łukasz → Lukasz,
-- Straße → Strasse) and the German convention (Müller → Mueller).
CREATE OR REPLACE FUNCTION ci_bench.ascii_fold(s text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT translate(replace(replace(replace(replace(replace(s, 'ß', 'ss'), 'Æ', 'AE'), 'æ', 'ae'), 'Œ', 'OE'), 'œ', 'oe'),
    'ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝýÿŁłŚśŹźŻżĆćŃńĄąĘęŠšŽžČčŘřĚěŮůŐőŰű',
    'AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOOooooooUUUUuuuuYyyLlSsZzZzCcNnAaEeSsZzCcRrEeUuOoUu') $$;
COMMENT ON FUNCTION ci_bench.ascii_fold(text) IS 'strip Latin diacritics (generator helper)';

CREATE OR REPLACE FUNCTION ci_bench.german_fold(s text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ci_bench.ascii_fold(replace(replace(replace(replace(replace(replace(s,
    'ä', 'ae'), 'ö', 'oe'), 'ü', 'ue'), 'Ä', 'Ae'), 'Ö', 'Oe'), 'Ü', 'Ue')) $$;
COMMENT ON FUNCTION ci_bench.german_fold(text) IS 'German umlaut convention then diacritic stripping (generator helper)';

-- Spelling variants of a name as other systems store it: German umlaut
-- convention, stripped diacritics, and explicit extras; never the name itself.
CREATE OR REPLACE FUNCTION ci_bench.variants(s text, extra text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT coalesce(array_agg(DISTINCT v ORDER BY v), '{}')
        FROM unnest(ARRAY[ci_bench.german_fold(s), ci_bench.ascii_fold(s)] || coalesce(extra, '{}')) AS v
       WHERE v <> s $$;

-- One typing error at a position other than the first: h's low two bits
-- choose substitution by a QWERTY neighbour, a doubled letter, a dropped
-- letter or two swapped letters.  Strings under 3 characters stay intact.
CREATE OR REPLACE FUNCTION ci_bench.typo(s text, h bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE
    WHEN s IS NULL OR length(s) < 3 THEN s
    WHEN h & 3 = 0 THEN overlay(s PLACING translate(substr(s, 2 + ((h >> 2) & 1023)::int % (length(s) - 1), 1),
                                                   'qwertyuiopasdfghjklzxcvbnmQWERTYUIOPASDFGHJKLZXCVBNM0123456789',
                                                   'wertyuiopqsdfghjkladxcvbnmzWERTYUIOPQSDFGHJKLAXCVBNMZ1234567890')
                                FROM 2 + ((h >> 2) & 1023)::int % (length(s) - 1) FOR 1)
    WHEN h & 3 = 1 THEN substr(s, 1, 2 + ((h >> 2) & 1023)::int % (length(s) - 1))
                        || substr(s, 2 + ((h >> 2) & 1023)::int % (length(s) - 1))
    WHEN h & 3 = 2 THEN substr(s, 1, 1 + ((h >> 2) & 1023)::int % (length(s) - 1))
                        || substr(s, 3 + ((h >> 2) & 1023)::int % (length(s) - 1))
    ELSE substr(s, 1, 1 + ((h >> 2) & 1023)::int % (length(s) - 2))
         || substr(s, 3 + ((h >> 2) & 1023)::int % (length(s) - 2), 1)
         || substr(s, 2 + ((h >> 2) & 1023)::int % (length(s) - 2), 1)
         || substr(s, 4 + ((h >> 2) & 1023)::int % (length(s) - 2))
    END $$;
COMMENT ON FUNCTION ci_bench.typo(text, bigint) IS 'one keyboard typo (substitute, insert, delete, transpose) chosen by h (generator helper)';

-- Digits grouped as a country writes them: group_digits('412345678',
-- '{3,3,3}') = '412 345 678'; the last group takes the rest.
CREATE OR REPLACE FUNCTION ci_bench.group_digits(d text, g integer[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT rtrim(substr(d, 1, g[1]) || ' ' || substr(d, 1 + g[1], coalesce(g[2], 0))
             || ' ' || substr(d, 1 + g[1] + coalesce(g[2], 0), coalesce(g[3], 0))
             || ' ' || substr(d, 1 + g[1] + coalesce(g[2], 0) + coalesce(g[3], 0), coalesce(g[4], 0))
             || ' ' || substr(d, 1 + g[1] + coalesce(g[2], 0) + coalesce(g[3], 0) + coalesce(g[4], 0))) $$;
COMMENT ON FUNCTION ci_bench.group_digits(text, integer[]) IS 'digits in groups of the given lengths, blank-separated (generator helper)';

-- A phone number written in one of the styles people and systems use.
-- grouped: national significant number in national grouping ('412 345 678',
-- '20 7946 0123', '212 555 0123'); cc: country calling code; trunk: national
-- prefix ('0', or '' for NANP); idd: international call prefix from that country.
--   0 national spaced      0412 345 678     (212) 555-0123 for NANP
--   1 international        +61 412 345 678
--   2 national digits      0412345678
--   3 E.164                +61412345678
--   4 IDD from the country 0011 61 412 345 678
--   5 national dashed      0412-345-678     212-555-0123
--   6 +cc (0)              +61 (0)412 345 678    1-212-555-0123 for NANP
--   7 area in brackets     (0412) 345 678   (212) 555 0123
--   8 dotted               0412.345.678     212.555.0123
CREATE OR REPLACE FUNCTION ci_bench.format_phone(grouped text, cc text, trunk text, idd text, style integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE style
    WHEN 0 THEN CASE WHEN trunk = '' THEN '(' || split_part(grouped, ' ', 1) || ') ' || replace(substr(grouped, strpos(grouped, ' ') + 1), ' ', '-')
                     ELSE trunk || grouped END
    WHEN 1 THEN '+' || cc || ' ' || grouped
    WHEN 2 THEN trunk || replace(grouped, ' ', '')
    WHEN 3 THEN '+' || cc || replace(grouped, ' ', '')
    WHEN 4 THEN idd || ' ' || cc || ' ' || grouped
    WHEN 5 THEN trunk || replace(grouped, ' ', '-')
    WHEN 6 THEN CASE WHEN trunk = '' THEN cc || '-' || replace(grouped, ' ', '-')
                     ELSE '+' || cc || ' (' || trunk || ')' || grouped END
    WHEN 7 THEN '(' || trunk || split_part(grouped, ' ', 1) || ') ' || substr(grouped, strpos(grouped, ' ') + 1)
    ELSE trunk || replace(grouped, ' ', '.')
    END $$;
COMMENT ON FUNCTION ci_bench.format_phone(text, text, text, text, integer) IS 'write a grouped national number in one of nine common styles (generator helper)';

-- ---------------------------------------------------------------------------
-- Pools.  Countries with their numbering plans (ranges checked valid with
-- libphonenumber), cultures, names, cities and streets.
-- ---------------------------------------------------------------------------
DROP TABLE IF EXISTS ci_bench.country_slot, ci_bench.culture_slot, ci_bench.domain_slot;
DROP TABLE IF EXISTS ci_bench.pool_country, ci_bench.pool_culture, ci_bench.pool_domain,
    ci_bench.pool_given, ci_bench.pool_family, ci_bench.pool_city, ci_bench.pool_street,
    ci_bench.pool_count;

CREATE TABLE ci_bench.pool_country (
    country          text PRIMARY KEY,
    weight           integer NOT NULL,      -- share of households, in percent
    cc               text NOT NULL,         -- country calling code
    trunk            text NOT NULL,         -- national (trunk) prefix
    idd              text NOT NULL,         -- international call prefix dialled from there
    mobile_prefixes  text[],                -- national significant number prefixes of mobiles
    mobile_len       integer NOT NULL,      -- digits of a mobile's national significant number
    mobile_groups    integer[] NOT NULL,    -- how the country groups them
    street_style     text NOT NULL          -- 'en' 12 Oak Street, 'de' Hauptstraße 12, 'fr' 12 rue Victor Hugo
);
INSERT INTO ci_bench.pool_country VALUES
 ('AU', 25, '61', '0', '0011', '{40,41,42,43}', 9, '{3,3,3}', 'en'),
 ('GB', 25, '44', '0', '00', '{710,711,712,713,714,715,716,717,718,719,720,721,722,723,724,725,726,727,728,729,730,731,732,733,734,735,736,737,738,739,740,741,742,743,744,746,747,748,749,751,753,754,755,756,757,758,759,780,781,784,785,786,787,788,789,790,792,794,795,796,797,798,799}', 10, '{4,6}', 'en'),
 ('US', 25, '1', '', '011', NULL, 10, '{3,3,4}', 'en'),    -- NANP: a mobile uses its city's area codes
 ('DE', 15, '49', '0', '00', '{151,152,155,157,159,160,162,163,170,171,172,173,174,175,176,177,178,179}', 11, '{3,8}', 'de'),
 ('FR', 10, '33', '0', '00', '{60,61,62,64,65,66,67,68,73,74,75,76,77,78}', 9, '{1,2,2,2,2}', 'fr');

-- Name culture of a household by country, in percent.
CREATE TABLE ci_bench.pool_culture (country text, culture text, weight integer);
INSERT INTO ci_bench.pool_culture VALUES
 ('AU','en',72),('AU','el',7),('AU','es',4),('AU','pl',3),('AU','ru',4),('AU','de',5),('AU','fr',5),
 ('GB','en',74),('GB','pl',8),('GB','fr',4),('GB','de',4),('GB','es',4),('GB','ru',4),('GB','el',2),
 ('US','en',70),('US','es',15),('US','pl',4),('US','ru',4),('US','de',3),('US','fr',2),('US','el',2),
 ('DE','de',74),('DE','pl',8),('DE','ru',8),('DE','el',4),('DE','es',3),('DE','fr',2),('DE','en',1),
 ('FR','fr',74),('FR','es',8),('FR','de',4),('FR','pl',3),('FR','ru',4),('FR','el',2),('FR','en',5);

-- Email providers by country, in percent ('*' = any country).
CREATE TABLE ci_bench.pool_domain (country text, domain text, weight integer);
INSERT INTO ci_bench.pool_domain VALUES
 ('AU','gmail.com',38),('AU','outlook.com',12),('AU','hotmail.com',10),('AU','yahoo.com.au',8),('AU','bigpond.com',14),('AU','optusnet.com.au',8),('AU','icloud.com',10),
 ('GB','gmail.com',36),('GB','outlook.com',10),('GB','hotmail.co.uk',12),('GB','yahoo.co.uk',10),('GB','btinternet.com',14),('GB','sky.com',8),('GB','icloud.com',10),
 ('US','gmail.com',42),('US','yahoo.com',14),('US','outlook.com',10),('US','aol.com',6),('US','comcast.net',8),('US','icloud.com',14),('US','hotmail.com',6),
 ('DE','gmail.com',28),('DE','web.de',22),('DE','gmx.de',22),('DE','t-online.de',14),('DE','outlook.de',6),('DE','icloud.com',8),
 ('FR','gmail.com',34),('FR','orange.fr',22),('FR','free.fr',14),('FR','laposte.net',10),('FR','hotmail.fr',12),('FR','sfr.fr',8);

-- Given names: culture, gender, the name, its nicknames, explicit spelling
-- variants (diacritic-free and umlaut forms are added automatically), and
-- the native-script form for Cyrillic and Greek names.
CREATE TABLE ci_bench.pool_given (
    culture text, gender text, idx integer, name text, nicks text[], alts text[], native text,
    PRIMARY KEY (culture, gender, idx));
INSERT INTO ci_bench.pool_given (culture, gender, idx, name, nicks, alts, native)
SELECT culture, gender, row_number() OVER (PARTITION BY culture, gender ORDER BY name),
       name, coalesce(nicks::text[], '{}'), ci_bench.variants(name, alts::text[]), native FROM (VALUES
 -- English
 ('en','M','Robert','{Bob,Rob,Bobby}',NULL,NULL),('en','M','William','{Bill,Will,Billy}',NULL,NULL),
 ('en','M','James','{Jim,Jimmy,Jamie}',NULL,NULL),('en','M','John','{Jack,Johnny}',NULL,NULL),
 ('en','M','Michael','{Mike,Mick}',NULL,NULL),('en','M','David','{Dave}',NULL,NULL),
 ('en','M','Richard','{Rick,Dick,Richie}',NULL,NULL),('en','M','Thomas','{Tom,Tommy}',NULL,NULL),
 ('en','M','Charles','{Charlie,Chuck}',NULL,NULL),('en','M','Christopher','{Chris}',NULL,NULL),
 ('en','M','Daniel','{Dan,Danny}',NULL,NULL),('en','M','Matthew','{Matt}',NULL,NULL),
 ('en','M','Anthony','{Tony}',NULL,NULL),('en','M','Andrew','{Andy,Drew}',NULL,NULL),
 ('en','M','Joseph','{Joe,Joey}',NULL,NULL),('en','M','Edward','{Ed,Ted,Eddie}',NULL,NULL),
 ('en','M','Benjamin','{Ben}',NULL,NULL),('en','M','Nicholas','{Nick}',NULL,NULL),
 ('en','M','Jonathan','{Jon}',NULL,NULL),('en','M','Timothy','{Tim}',NULL,NULL),
 ('en','M','Stephen','{Steve}','{Steven}',NULL),('en','M','Alexander','{Alex}',NULL,NULL),
 ('en','M','Samuel','{Sam}',NULL,NULL),('en','M','Peter','{Pete}',NULL,NULL),
 ('en','M','Gregory','{Greg}',NULL,NULL),('en','M','Lawrence','{Larry}','{Laurence}',NULL),
 ('en','M','Henry','{Harry,Hank}',NULL,NULL),('en','M','Frederick','{Fred,Freddie}',NULL,NULL),
 ('en','M','Patrick','{Pat,Paddy}',NULL,NULL),('en','M','Oliver','{Ollie}',NULL,NULL),
 ('en','M','George',NULL,NULL,NULL),('en','M','Mark',NULL,'{Marc}',NULL),('en','M','Paul',NULL,NULL,NULL),
 ('en','M','Kevin',NULL,NULL,NULL),('en','M','Brian',NULL,'{Bryan}',NULL),('en','M','Liam',NULL,NULL,NULL),
 ('en','M','Noah',NULL,NULL,NULL),('en','M','Ethan',NULL,NULL,NULL),('en','M','Jack',NULL,NULL,NULL),
 ('en','M','Scott',NULL,NULL,NULL),('en','M','Jason',NULL,NULL,NULL),('en','M','Ryan',NULL,NULL,NULL),
 ('en','F','Elizabeth','{Liz,Beth,Betty,Eliza,Lizzie}',NULL,NULL),('en','F','Margaret','{Maggie,Peggy,Meg}',NULL,NULL),
 ('en','F','Katherine','{Kate,Kathy,Katie}','{Catherine,Kathryn}',NULL),('en','F','Jennifer','{Jen,Jenny}',NULL,NULL),
 ('en','F','Patricia','{Pat,Trish,Patty}',NULL,NULL),('en','F','Susan','{Sue,Susie}',NULL,NULL),
 ('en','F','Rebecca','{Becky,Becca}',NULL,NULL),('en','F','Victoria','{Vicky,Tori}',NULL,NULL),
 ('en','F','Samantha','{Sam}',NULL,NULL),('en','F','Deborah','{Debbie,Deb}','{Debra}',NULL),
 ('en','F','Stephanie','{Steph}',NULL,NULL),('en','F','Jessica','{Jess,Jessie}',NULL,NULL),
 ('en','F','Abigail','{Abby}',NULL,NULL),('en','F','Alexandra','{Alex,Sandra}',NULL,NULL),
 ('en','F','Christine','{Chris,Chrissy}','{Kristine}',NULL),('en','F','Jacqueline','{Jackie}',NULL,NULL),
 ('en','F','Dorothy','{Dot,Dottie}',NULL,NULL),('en','F','Barbara','{Barb}',NULL,NULL),
 ('en','F','Kimberly','{Kim}','{Kimberley}',NULL),('en','F','Amanda','{Mandy}',NULL,NULL),
 ('en','F','Pamela','{Pam}',NULL,NULL),('en','F','Cynthia','{Cindy}',NULL,NULL),
 ('en','F','Emily','{Em}',NULL,NULL),('en','F','Olivia','{Liv}',NULL,NULL),
 ('en','F','Charlotte','{Charlie,Lottie}',NULL,NULL),('en','F','Amelia','{Amy}',NULL,NULL),
 ('en','F','Isabella','{Bella,Izzy}',NULL,NULL),('en','F','Madison','{Maddie}',NULL,NULL),
 ('en','F','Megan','{Meg}',NULL,NULL),('en','F','Sarah',NULL,'{Sara}',NULL),('en','F','Emma',NULL,NULL,NULL),
 ('en','F','Sophie',NULL,NULL,NULL),('en','F','Hannah',NULL,'{Hanna}',NULL),('en','F','Lucy',NULL,NULL,NULL),
 ('en','F','Grace',NULL,NULL,NULL),('en','F','Chloe',NULL,NULL,NULL),('en','F','Ashley',NULL,NULL,NULL),
 ('en','F','Lauren',NULL,NULL,NULL),('en','F','Rachel',NULL,NULL,NULL),('en','F','Laura',NULL,NULL,NULL),
 ('en','F','Claire',NULL,'{Clare}',NULL),('en','F','Mary',NULL,NULL,NULL),('en','F','Linda',NULL,NULL,NULL),
 -- German
 ('de','M','Jürgen',NULL,NULL,NULL),('de','M','Johannes','{Hans,Jo}',NULL,NULL),('de','M','Friedrich','{Fritz}',NULL,NULL),
 ('de','M','Wolfgang','{Wolf}',NULL,NULL),('de','M','Günter',NULL,'{Günther}',NULL),('de','M','Klaus',NULL,'{Claus}',NULL),
 ('de','M','Stefan',NULL,'{Stephan}',NULL),('de','M','Andreas','{Andi}',NULL,NULL),('de','M','Michael','{Micha}',NULL,NULL),
 ('de','M','Thomas','{Tom}',NULL,NULL),('de','M','Matthias','{Matze}',NULL,NULL),('de','M','Sebastian','{Basti}',NULL,NULL),
 ('de','M','Maximilian','{Max}',NULL,NULL),('de','M','Jörg',NULL,NULL,NULL),('de','M','Uwe',NULL,NULL,NULL),
 ('de','M','Dieter',NULL,NULL,NULL),('de','M','Lukas',NULL,'{Lucas}',NULL),('de','M','Felix',NULL,NULL,NULL),
 ('de','M','Jonas',NULL,NULL,NULL),('de','M','Björn',NULL,NULL,NULL),('de','M','Tobias','{Tobi}',NULL,NULL),
 ('de','M','Florian','{Flo}',NULL,NULL),('de','M','Jörn',NULL,NULL,NULL),('de','M','Ralf',NULL,'{Ralph}',NULL),
 ('de','M','Bernd',NULL,NULL,NULL),('de','M','Karl-Heinz',NULL,'{Karlheinz,Karl Heinz}',NULL),
 ('de','F','Ursula','{Uschi}',NULL,NULL),('de','F','Franziska','{Franzi}',NULL,NULL),('de','F','Katharina','{Kathi}',NULL,NULL),
 ('de','F','Sabine',NULL,NULL,NULL),('de','F','Monika',NULL,NULL,NULL),('de','F','Jutta',NULL,NULL,NULL),
 ('de','F','Birgit',NULL,NULL,NULL),('de','F','Brigitte',NULL,NULL,NULL),('de','F','Anja',NULL,NULL,NULL),
 ('de','F','Susanne','{Susi}',NULL,NULL),('de','F','Gabriele','{Gabi}',NULL,NULL),('de','F','Christina','{Tina}',NULL,NULL),
 ('de','F','Stefanie','{Steffi}','{Stephanie}',NULL),('de','F','Jana',NULL,NULL,NULL),('de','F','Lea',NULL,NULL,NULL),
 ('de','F','Hannah',NULL,'{Hanna}',NULL),('de','F','Käthe',NULL,NULL,NULL),('de','F','Dörte',NULL,NULL,NULL),
 ('de','F','Bärbel',NULL,NULL,NULL),('de','F','Renate',NULL,NULL,NULL),('de','F','Heike',NULL,NULL,NULL),
 ('de','F','Annegret',NULL,NULL,NULL),('de','F','Hildegard','{Hilde}',NULL,NULL),
 -- French
 ('fr','M','François',NULL,NULL,NULL),('fr','M','Jérôme',NULL,NULL,NULL),('fr','M','Stéphane',NULL,NULL,NULL),
 ('fr','M','Frédéric','{Fred}',NULL,NULL),('fr','M','Sébastien','{Seb}',NULL,NULL),('fr','M','Jean-Pierre','{JP}','{Jean Pierre}',NULL),
 ('fr','M','Jean-Luc',NULL,'{Jean Luc}',NULL),('fr','M','Pierre',NULL,NULL,NULL),('fr','M','Nicolas','{Nico}',NULL,NULL),
 ('fr','M','Julien',NULL,NULL,NULL),('fr','M','Mathieu',NULL,'{Matthieu}',NULL),('fr','M','Guillaume',NULL,NULL,NULL),
 ('fr','M','Antoine',NULL,NULL,NULL),('fr','M','Hugo',NULL,NULL,NULL),('fr','M','Théo',NULL,NULL,NULL),
 ('fr','M','Benoît',NULL,NULL,NULL),('fr','M','Gaël',NULL,NULL,NULL),('fr','M','Noël',NULL,NULL,NULL),
 ('fr','M','Thierry',NULL,NULL,NULL),('fr','M','Olivier',NULL,NULL,NULL),
 ('fr','F','Hélène',NULL,NULL,NULL),('fr','F','Élodie',NULL,NULL,NULL),('fr','F','Cécile',NULL,NULL,NULL),
 ('fr','F','Amélie',NULL,NULL,NULL),('fr','F','Françoise',NULL,NULL,NULL),('fr','F','Geneviève',NULL,NULL,NULL),
 ('fr','F','Chloé',NULL,NULL,NULL),('fr','F','Léa',NULL,NULL,NULL),('fr','F','Zoé',NULL,NULL,NULL),
 ('fr','F','Marie-Claire',NULL,'{Marie Claire}',NULL),('fr','F','Anne-Sophie',NULL,'{Anne Sophie}',NULL),
 ('fr','F','Camille',NULL,NULL,NULL),('fr','F','Manon',NULL,NULL,NULL),('fr','F','Juliette',NULL,NULL,NULL),
 ('fr','F','Isabelle','{Isa}',NULL,NULL),('fr','F','Nathalie',NULL,NULL,NULL),('fr','F','Sandrine',NULL,NULL,NULL),
 ('fr','F','Céline',NULL,NULL,NULL),('fr','F','Mélanie',NULL,NULL,NULL),('fr','F','Valérie',NULL,NULL,NULL),
 -- Spanish
 ('es','M','José','{Pepe}',NULL,NULL),('es','M','Jesús','{Chuy}',NULL,NULL),('es','M','Ángel',NULL,NULL,NULL),
 ('es','M','Andrés',NULL,NULL,NULL),('es','M','Sebastián',NULL,NULL,NULL),('es','M','Joaquín',NULL,NULL,NULL),
 ('es','M','Raúl',NULL,NULL,NULL),('es','M','Rubén',NULL,NULL,NULL),('es','M','Francisco','{Paco,Pancho,Frank}',NULL,NULL),
 ('es','M','Alejandro','{Alex}',NULL,NULL),('es','M','Javier',NULL,'{Xavier}',NULL),('es','M','Enrique','{Quique}',NULL,NULL),
 ('es','M','Manuel','{Manolo,Manu}',NULL,NULL),('es','M','Luis',NULL,NULL,NULL),('es','M','Carlos',NULL,NULL,NULL),
 ('es','M','Jorge',NULL,NULL,NULL),('es','M','Pedro',NULL,NULL,NULL),('es','M','Diego',NULL,NULL,NULL),
 ('es','M','José Luis',NULL,'{Jose-Luis,Joseluis}',NULL),('es','M','Íñigo',NULL,NULL,NULL),
 ('es','F','María','{Mari}',NULL,NULL),('es','F','María José','{Majo}','{Maria-Jose,Mariajose}',NULL),('es','F','Lucía',NULL,NULL,NULL),
 ('es','F','Sofía',NULL,NULL,NULL),('es','F','Inés',NULL,NULL,NULL),('es','F','Mónica',NULL,NULL,NULL),
 ('es','F','Verónica',NULL,NULL,NULL),('es','F','Begoña',NULL,NULL,NULL),('es','F','Nuria',NULL,NULL,NULL),
 ('es','F','Pilar','{Pili}',NULL,NULL),('es','F','Dolores','{Lola}',NULL,NULL),('es','F','Concepción','{Concha,Conchita}',NULL,NULL),
 ('es','F','Guadalupe','{Lupe}',NULL,NULL),('es','F','Rosario','{Charo}',NULL,NULL),('es','F','Carmen',NULL,NULL,NULL),
 ('es','F','Ana',NULL,NULL,NULL),('es','F','Elena',NULL,NULL,NULL),('es','F','Isabel','{Isa}',NULL,NULL),
 ('es','F','Marta',NULL,NULL,NULL),('es','F','Raquel',NULL,NULL,NULL),
 -- Polish
 ('pl','M','Łukasz',NULL,NULL,NULL),('pl','M','Paweł',NULL,NULL,NULL),('pl','M','Michał',NULL,NULL,NULL),
 ('pl','M','Grzegorz','{Grzesiek}',NULL,NULL),('pl','M','Krzysztof','{Krzysiek}',NULL,NULL),('pl','M','Wojciech','{Wojtek}',NULL,NULL),
 ('pl','M','Przemysław','{Przemek}',NULL,NULL),('pl','M','Mikołaj',NULL,NULL,NULL),('pl','M','Jakub','{Kuba}',NULL,NULL),
 ('pl','M','Tomasz','{Tomek}',NULL,NULL),('pl','M','Piotr','{Piotrek}',NULL,NULL),('pl','M','Marcin',NULL,NULL,NULL),
 ('pl','M','Bartłomiej','{Bartek}',NULL,NULL),('pl','M','Stanisław','{Staszek}',NULL,NULL),('pl','M','Zbigniew','{Zbyszek}',NULL,NULL),
 ('pl','M','Jarosław','{Jarek}',NULL,NULL),('pl','M','Mateusz',NULL,NULL,NULL),('pl','M','Kacper',NULL,NULL,NULL),
 ('pl','F','Małgorzata','{Gosia,Małgosia}',NULL,NULL),('pl','F','Agnieszka','{Aga}',NULL,NULL),('pl','F','Katarzyna','{Kasia}',NULL,NULL),
 ('pl','F','Joanna','{Asia}',NULL,NULL),('pl','F','Magdalena','{Magda}',NULL,NULL),('pl','F','Aleksandra','{Ola}',NULL,NULL),
 ('pl','F','Dorota',NULL,NULL,NULL),('pl','F','Barbara','{Basia}',NULL,NULL),('pl','F','Elżbieta','{Ela}',NULL,NULL),
 ('pl','F','Grażyna',NULL,NULL,NULL),('pl','F','Jadwiga',NULL,NULL,NULL),('pl','F','Bożena',NULL,NULL,NULL),
 ('pl','F','Wiesława',NULL,NULL,NULL),('pl','F','Zofia','{Zosia}',NULL,NULL),('pl','F','Justyna',NULL,NULL,NULL),
 ('pl','F','Anna','{Ania}',NULL,NULL),('pl','F','Ewa',NULL,NULL,NULL),('pl','F','Iwona',NULL,NULL,NULL),
 -- Russian and Ukrainian (Latin form as the person writes it, other romanisations, Cyrillic)
 ('ru','M','Sergey',NULL,'{Sergei,Sergej}','Сергей'),('ru','M','Dmitry','{Dima}','{Dmitri,Dmitriy,Dmitrij}','Дмитрий'),
 ('ru','M','Alexey','{Lyosha}','{Aleksei,Alexei,Aleksey}','Алексей'),('ru','M','Ivan','{Vanya}',NULL,'Иван'),
 ('ru','M','Mikhail','{Misha}','{Michail,Mikhael}','Михаил'),('ru','M','Nikolai','{Kolya}','{Nikolay}','Николай'),
 ('ru','M','Vladimir','{Volodya,Vova}',NULL,'Владимир'),('ru','M','Andrei','{Andryusha}','{Andrey}','Андрей'),
 ('ru','M','Yuri','{Yura}','{Yury,Iurii,Juri}','Юрий'),('ru','M','Pyotr','{Petya}','{Petr,Piotr}','Пётр'),
 ('ru','M','Evgeny','{Zhenya}','{Yevgeny,Evgeniy}','Евгений'),('ru','M','Konstantin','{Kostya}',NULL,'Константин'),
 ('ru','M','Aleksandr','{Sasha}','{Alexander,Aleksander}','Александр'),('ru','M','Oleg',NULL,NULL,'Олег'),
 ('ru','M','Taras',NULL,NULL,'Тарас'),('ru','M','Bogdan',NULL,'{Bohdan}','Богдан'),
 ('ru','F','Natalya','{Natasha}','{Natalia,Nataliya}','Наталья'),('ru','F','Yulia','{Yulya}','{Julia,Yuliya,Iuliia}','Юлия'),
 ('ru','F','Ekaterina','{Katya}','{Yekaterina,Katerina}','Екатерина'),('ru','F','Tatiana','{Tanya}','{Tatyana,Tatjana}','Татьяна'),
 ('ru','F','Olga',NULL,NULL,'Ольга'),('ru','F','Svetlana','{Sveta}',NULL,'Светлана'),
 ('ru','F','Irina','{Ira}',NULL,'Ирина'),('ru','F','Anastasia','{Nastya}','{Anastasiya}','Анастасия'),
 ('ru','F','Elena','{Lena}','{Yelena,Jelena}','Елена'),('ru','F','Maria','{Masha}','{Mariya}','Мария'),
 ('ru','F','Ksenia',NULL,'{Xenia,Kseniya}','Ксения'),('ru','F','Lyudmila','{Luda}','{Ludmila}','Людмила'),
 ('ru','F','Oksana',NULL,NULL,'Оксана'),('ru','F','Daria','{Dasha}','{Darya}','Дарья'),
 -- Greek
 ('el','M','Georgios','{Giorgos,George}','{Yiorgos}','Γεώργιος'),('el','M','Dimitrios','{Dimitris,Jim}',NULL,'Δημήτριος'),
 ('el','M','Konstantinos','{Kostas,Gus}',NULL,'Κωνσταντίνος'),('el','M','Ioannis','{Giannis,John}','{Yiannis}','Ιωάννης'),
 ('el','M','Nikolaos','{Nikos,Nick}',NULL,'Νικόλαος'),('el','M','Panagiotis','{Panos}',NULL,'Παναγιώτης'),
 ('el','M','Christos','{Chris}',NULL,'Χρήστος'),('el','M','Vasileios','{Vasilis,Bill}',NULL,'Βασίλειος'),
 ('el','M','Athanasios','{Thanos}',NULL,'Αθανάσιος'),('el','M','Spyridon','{Spyros}',NULL,'Σπυρίδων'),
 ('el','F','Maria',NULL,NULL,'Μαρία'),('el','F','Eleni','{Helen}',NULL,'Ελένη'),
 ('el','F','Aikaterini','{Katerina,Kate}','{Ekaterini}','Αικατερίνη'),('el','F','Vasiliki','{Vaso,Vicky}',NULL,'Βασιλική'),
 ('el','F','Sofia',NULL,NULL,'Σοφία'),('el','F','Anastasia','{Natasa}',NULL,'Αναστασία'),
 ('el','F','Georgia',NULL,NULL,'Γεωργία'),('el','F','Dimitra',NULL,NULL,'Δήμητρα'),
 ('el','F','Paraskevi','{Voula,Evi}',NULL,'Παρασκευή'),('el','F','Eirini','{Irene}','{Irini}','Ειρήνη')
) AS v(culture, gender, name, nicks, alts, native);

-- Family names: masculine and feminine forms (the same unless the culture
-- inflects them), their explicit variants and native script.  Common names
-- first; then, for en/de/fr, a long tail built from plausible stems and
-- endings (Ashford, Rosenthal …) so that the name space is realistic at a
-- million records.
CREATE TABLE ci_bench.pool_family (
    culture text, idx integer, name_m text, alts_m text[], native_m text,
    name_f text, alts_f text[], native_f text, common boolean,
    PRIMARY KEY (culture, idx));
WITH v(culture, name_m, alts_m, native_m, name_f, alts_f, native_f) AS (VALUES
 ('en','Smith',NULL,NULL,NULL,NULL,NULL),('en','Johnson',NULL,NULL,NULL,NULL,NULL),('en','Williams',NULL,NULL,NULL,NULL,NULL),
 ('en','Brown',NULL,NULL,NULL,NULL,NULL),('en','Jones',NULL,NULL,NULL,NULL,NULL),('en','Miller',NULL,NULL,NULL,NULL,NULL),
 ('en','Davis',NULL,NULL,NULL,NULL,NULL),('en','Wilson',NULL,NULL,NULL,NULL,NULL),('en','Anderson',NULL,NULL,NULL,NULL,NULL),
 ('en','Taylor',NULL,NULL,NULL,NULL,NULL),('en','Thomas',NULL,NULL,NULL,NULL,NULL),('en','Moore',NULL,NULL,NULL,NULL,NULL),
 ('en','Martin',NULL,NULL,NULL,NULL,NULL),('en','Jackson',NULL,NULL,NULL,NULL,NULL),('en','Thompson',NULL,NULL,NULL,NULL,NULL),
 ('en','White',NULL,NULL,NULL,NULL,NULL),('en','Harris',NULL,NULL,NULL,NULL,NULL),('en','Clark',NULL,NULL,NULL,NULL,NULL),
 ('en','Lewis',NULL,NULL,NULL,NULL,NULL),('en','Robinson',NULL,NULL,NULL,NULL,NULL),('en','Walker',NULL,NULL,NULL,NULL,NULL),
 ('en','Young',NULL,NULL,NULL,NULL,NULL),('en','Allen',NULL,NULL,NULL,NULL,NULL),('en','King',NULL,NULL,NULL,NULL,NULL),
 ('en','Wright',NULL,NULL,NULL,NULL,NULL),('en','Scott',NULL,NULL,NULL,NULL,NULL),('en','Hill',NULL,NULL,NULL,NULL,NULL),
 ('en','Green',NULL,NULL,NULL,NULL,NULL),('en','Adams',NULL,NULL,NULL,NULL,NULL),('en','Baker',NULL,NULL,NULL,NULL,NULL),
 ('en','Nelson',NULL,NULL,NULL,NULL,NULL),('en','Mitchell',NULL,NULL,NULL,NULL,NULL),('en','Campbell',NULL,NULL,NULL,NULL,NULL),
 ('en','Roberts',NULL,NULL,NULL,NULL,NULL),('en','Carter',NULL,NULL,NULL,NULL,NULL),('en','Phillips',NULL,NULL,NULL,NULL,NULL),
 ('en','Evans',NULL,NULL,NULL,NULL,NULL),('en','Turner',NULL,NULL,NULL,NULL,NULL),('en','Parker',NULL,NULL,NULL,NULL,NULL),
 ('en','Collins',NULL,NULL,NULL,NULL,NULL),('en','Edwards',NULL,NULL,NULL,NULL,NULL),('en','Stewart',NULL,NULL,NULL,NULL,NULL),
 ('en','Morris',NULL,NULL,NULL,NULL,NULL),('en','Murphy',NULL,NULL,NULL,NULL,NULL),('en','Cook',NULL,NULL,NULL,NULL,NULL),
 ('en','Rogers',NULL,NULL,NULL,NULL,NULL),('en','Morgan',NULL,NULL,NULL,NULL,NULL),('en','Cooper',NULL,NULL,NULL,NULL,NULL),
 ('en','Peterson',NULL,NULL,NULL,NULL,NULL),('en','Reed',NULL,NULL,NULL,NULL,NULL),('en','Bailey',NULL,NULL,NULL,NULL,NULL),
 ('en','Bell',NULL,NULL,NULL,NULL,NULL),('en','Kelly',NULL,NULL,NULL,NULL,NULL),('en','Howard',NULL,NULL,NULL,NULL,NULL),
 ('en','Ward',NULL,NULL,NULL,NULL,NULL),('en','Richardson',NULL,NULL,NULL,NULL,NULL),('en','Wood',NULL,NULL,NULL,NULL,NULL),
 ('en','Watson',NULL,NULL,NULL,NULL,NULL),('en','Brooks',NULL,NULL,NULL,NULL,NULL),('en','Bennett',NULL,NULL,NULL,NULL,NULL),
 ('en','Gray','{Grey}',NULL,NULL,NULL,NULL),('en','Hughes',NULL,NULL,NULL,NULL,NULL),('en','Price',NULL,NULL,NULL,NULL,NULL),
 ('en','Russell',NULL,NULL,NULL,NULL,NULL),('en','Sullivan',NULL,NULL,NULL,NULL,NULL),('en','Hamilton',NULL,NULL,NULL,NULL,NULL),
 ('en','Graham',NULL,NULL,NULL,NULL,NULL),('en','Wallace',NULL,NULL,NULL,NULL,NULL),('en','Fisher',NULL,NULL,NULL,NULL,NULL),
 ('en','O''Brien','{OBrien,O Brien}',NULL,NULL,NULL,NULL),('en','O''Connor','{OConnor,O Connor}',NULL,NULL,NULL,NULL),
 ('en','McDonald','{MacDonald,Mc Donald}',NULL,NULL,NULL,NULL),('en','MacKenzie','{McKenzie}',NULL,NULL,NULL,NULL),
 ('en','Fitzgerald',NULL,NULL,NULL,NULL,NULL),('en','Nguyen',NULL,NULL,NULL,NULL,NULL),('en','Singh',NULL,NULL,NULL,NULL,NULL),
 ('en','Patel',NULL,NULL,NULL,NULL,NULL),('en','Chen',NULL,NULL,NULL,NULL,NULL),('en','Kim',NULL,NULL,NULL,NULL,NULL),
 ('de','Müller',NULL,NULL,NULL,NULL,NULL),('de','Schmidt',NULL,NULL,NULL,NULL,NULL),('de','Schneider',NULL,NULL,NULL,NULL,NULL),
 ('de','Fischer',NULL,NULL,NULL,NULL,NULL),('de','Weber',NULL,NULL,NULL,NULL,NULL),('de','Meyer',NULL,NULL,NULL,NULL,NULL),
 ('de','Wagner',NULL,NULL,NULL,NULL,NULL),('de','Becker',NULL,NULL,NULL,NULL,NULL),('de','Schulz',NULL,NULL,NULL,NULL,NULL),
 ('de','Hoffmann',NULL,NULL,NULL,NULL,NULL),('de','Schäfer',NULL,NULL,NULL,NULL,NULL),('de','Koch',NULL,NULL,NULL,NULL,NULL),
 ('de','Bauer',NULL,NULL,NULL,NULL,NULL),('de','Richter',NULL,NULL,NULL,NULL,NULL),('de','Klein',NULL,NULL,NULL,NULL,NULL),
 ('de','Wolf',NULL,NULL,NULL,NULL,NULL),('de','Schröder',NULL,NULL,NULL,NULL,NULL),('de','Neumann',NULL,NULL,NULL,NULL,NULL),
 ('de','Schwarz',NULL,NULL,NULL,NULL,NULL),('de','Zimmermann',NULL,NULL,NULL,NULL,NULL),('de','Braun',NULL,NULL,NULL,NULL,NULL),
 ('de','Krüger',NULL,NULL,NULL,NULL,NULL),('de','Hartmann',NULL,NULL,NULL,NULL,NULL),('de','Lange',NULL,NULL,NULL,NULL,NULL),
 ('de','Werner',NULL,NULL,NULL,NULL,NULL),('de','Krause',NULL,NULL,NULL,NULL,NULL),('de','Lehmann',NULL,NULL,NULL,NULL,NULL),
 ('de','Köhler',NULL,NULL,NULL,NULL,NULL),('de','Weiß',NULL,NULL,NULL,NULL,NULL),('de','Jäger',NULL,NULL,NULL,NULL,NULL),
 ('de','Groß',NULL,NULL,NULL,NULL,NULL),('de','Vogel',NULL,NULL,NULL,NULL,NULL),('de','Günther',NULL,NULL,NULL,NULL,NULL),
 ('de','Böhm',NULL,NULL,NULL,NULL,NULL),('de','von Bülow','{Bülow}',NULL,NULL,NULL,NULL),('de','von der Heide','{von der Heyde}',NULL,NULL,NULL,NULL),
 ('de','Fuß',NULL,NULL,NULL,NULL,NULL),('de','Schulze',NULL,NULL,NULL,NULL,NULL),('de','Hahn',NULL,NULL,NULL,NULL,NULL),
 ('fr','Lefèvre','{Lefebvre}',NULL,NULL,NULL,NULL),('fr','Dubois',NULL,NULL,NULL,NULL,NULL),('fr','Durand',NULL,NULL,NULL,NULL,NULL),
 ('fr','Leroy',NULL,NULL,NULL,NULL,NULL),('fr','Moreau',NULL,NULL,NULL,NULL,NULL),('fr','Bernard',NULL,NULL,NULL,NULL,NULL),
 ('fr','Petit',NULL,NULL,NULL,NULL,NULL),('fr','Lambert',NULL,NULL,NULL,NULL,NULL),('fr','Rousseau',NULL,NULL,NULL,NULL,NULL),
 ('fr','Faure',NULL,NULL,NULL,NULL,NULL),('fr','Mercier',NULL,NULL,NULL,NULL,NULL),('fr','Girard',NULL,NULL,NULL,NULL,NULL),
 ('fr','Bonnet',NULL,NULL,NULL,NULL,NULL),('fr','François',NULL,NULL,NULL,NULL,NULL),('fr','Gauthier','{Gautier}',NULL,NULL,NULL,NULL),
 ('fr','Chevalier',NULL,NULL,NULL,NULL,NULL),('fr','Lemaître',NULL,NULL,NULL,NULL,NULL),('fr','Ménard',NULL,NULL,NULL,NULL,NULL),
 ('fr','Delacroix',NULL,NULL,NULL,NULL,NULL),('fr','de La Fontaine','{Delafontaine,La Fontaine}',NULL,NULL,NULL,NULL),
 ('fr','Le Gall','{Legall,Le-Gall}',NULL,NULL,NULL,NULL),('fr','Bérenger',NULL,NULL,NULL,NULL,NULL),('fr','Noël',NULL,NULL,NULL,NULL,NULL),
 ('fr','Boucher',NULL,NULL,NULL,NULL,NULL),('fr','Fournier',NULL,NULL,NULL,NULL,NULL),('fr','Morel',NULL,NULL,NULL,NULL,NULL),
 ('fr','Garnier',NULL,NULL,NULL,NULL,NULL),('fr','Lefèbvre',NULL,NULL,NULL,NULL,NULL),('fr','Rivière',NULL,NULL,NULL,NULL,NULL),
 ('es','García',NULL,NULL,NULL,NULL,NULL),('es','Fernández',NULL,NULL,NULL,NULL,NULL),('es','González',NULL,NULL,NULL,NULL,NULL),
 ('es','Rodríguez',NULL,NULL,NULL,NULL,NULL),('es','López',NULL,NULL,NULL,NULL,NULL),('es','Martínez',NULL,NULL,NULL,NULL,NULL),
 ('es','Sánchez',NULL,NULL,NULL,NULL,NULL),('es','Pérez',NULL,NULL,NULL,NULL,NULL),('es','Gómez',NULL,NULL,NULL,NULL,NULL),
 ('es','Martín',NULL,NULL,NULL,NULL,NULL),('es','Jiménez',NULL,NULL,NULL,NULL,NULL),('es','Ruiz',NULL,NULL,NULL,NULL,NULL),
 ('es','Hernández',NULL,NULL,NULL,NULL,NULL),('es','Díaz',NULL,NULL,NULL,NULL,NULL),('es','Muñoz',NULL,NULL,NULL,NULL,NULL),
 ('es','Álvarez',NULL,NULL,NULL,NULL,NULL),('es','Romero',NULL,NULL,NULL,NULL,NULL),('es','Núñez',NULL,NULL,NULL,NULL,NULL),
 ('es','Peña',NULL,NULL,NULL,NULL,NULL),('es','Ibáñez',NULL,NULL,NULL,NULL,NULL),('es','Castillo',NULL,NULL,NULL,NULL,NULL),
 ('es','Ortega',NULL,NULL,NULL,NULL,NULL),('es','de la Cruz','{De La Cruz,Delacruz}',NULL,NULL,NULL,NULL),
 ('es','García López','{García-López,García}',NULL,NULL,NULL,NULL),('es','Fernández de Córdoba','{Fernández-Córdoba}',NULL,NULL,NULL,NULL),
 ('es','Vázquez',NULL,NULL,NULL,NULL,NULL),('es','Ramírez',NULL,NULL,NULL,NULL,NULL),('es','Torres',NULL,NULL,NULL,NULL,NULL),
 ('pl','Nowak',NULL,NULL,NULL,NULL,NULL),('pl','Kowalski',NULL,NULL,'Kowalska',NULL,NULL),('pl','Wiśniewski',NULL,NULL,'Wiśniewska',NULL,NULL),
 ('pl','Wójcik',NULL,NULL,NULL,NULL,NULL),('pl','Kowalczyk',NULL,NULL,NULL,NULL,NULL),('pl','Kamiński',NULL,NULL,'Kamińska',NULL,NULL),
 ('pl','Lewandowski',NULL,NULL,'Lewandowska',NULL,NULL),('pl','Zieliński',NULL,NULL,'Zielińska',NULL,NULL),
 ('pl','Szymański',NULL,NULL,'Szymańska',NULL,NULL),('pl','Woźniak',NULL,NULL,NULL,NULL,NULL),('pl','Dąbrowski',NULL,NULL,'Dąbrowska',NULL,NULL),
 ('pl','Kozłowski',NULL,NULL,'Kozłowska',NULL,NULL),('pl','Jankowski',NULL,NULL,'Jankowska',NULL,NULL),('pl','Mazur',NULL,NULL,NULL,NULL,NULL),
 ('pl','Wojciechowski',NULL,NULL,'Wojciechowska',NULL,NULL),('pl','Kwiatkowski',NULL,NULL,'Kwiatkowska',NULL,NULL),
 ('pl','Krawczyk',NULL,NULL,NULL,NULL,NULL),('pl','Piotrowski',NULL,NULL,'Piotrowska',NULL,NULL),('pl','Grabowski',NULL,NULL,'Grabowska',NULL,NULL),
 ('pl','Pawłowski',NULL,NULL,'Pawłowska',NULL,NULL),('pl','Michalski',NULL,NULL,'Michalska',NULL,NULL),('pl','Zając',NULL,NULL,NULL,NULL,NULL),
 ('pl','Król',NULL,NULL,NULL,NULL,NULL),('pl','Wróbel',NULL,NULL,NULL,NULL,NULL),('pl','Jabłoński',NULL,NULL,'Jabłońska',NULL,NULL),
 ('pl','Górski',NULL,NULL,'Górska',NULL,NULL),('pl','Łuczak',NULL,NULL,NULL,NULL,NULL),('pl','Sołtys',NULL,NULL,NULL,NULL,NULL),
 ('ru','Ivanov',NULL,'Иванов','Ivanova',NULL,'Иванова'),('ru','Smirnov',NULL,'Смирнов','Smirnova',NULL,'Смирнова'),
 ('ru','Kuznetsov','{Kuznecov}','Кузнецов','Kuznetsova','{Kuznecova}','Кузнецова'),('ru','Popov',NULL,'Попов','Popova',NULL,'Попова'),
 ('ru','Sokolov',NULL,'Соколов','Sokolova',NULL,'Соколова'),('ru','Lebedev',NULL,'Лебедев','Lebedeva',NULL,'Лебедева'),
 ('ru','Kozlov',NULL,'Козлов','Kozlova',NULL,'Козлова'),('ru','Novikov',NULL,'Новиков','Novikova',NULL,'Новикова'),
 ('ru','Morozov',NULL,'Морозов','Morozova',NULL,'Морозова'),('ru','Volkov',NULL,'Волков','Volkova',NULL,'Волкова'),
 ('ru','Fedorov','{Fyodorov,Fiodorov}','Фёдоров','Fedorova','{Fyodorova}','Фёдорова'),
 ('ru','Zaitsev','{Zaytsev,Saizew}','Зайцев','Zaitseva','{Zaytseva}','Зайцева'),
 ('ru','Solovyov','{Soloviev,Solovyev}','Соловьёв','Solovyova','{Solovieva}','Соловьёва'),
 ('ru','Vasiliev','{Vasilyev,Wassiljew}','Васильев','Vasilieva','{Vasilyeva}','Васильева'),
 ('ru','Pavlov',NULL,'Павлов','Pavlova',NULL,'Павлова'),('ru','Shevchenko','{Schewtschenko,Chevtchenko}','Шевченко',NULL,NULL,NULL),
 ('ru','Kovalenko',NULL,'Коваленко',NULL,NULL,NULL),('ru','Bondarenko',NULL,'Бондаренко',NULL,NULL,NULL),
 ('ru','Tkachenko',NULL,'Ткаченко',NULL,NULL,NULL),('ru','Melnyk','{Melnik}','Мельник',NULL,NULL,NULL),
 ('el','Papadopoulos',NULL,'Παπαδόπουλος','Papadopoulou',NULL,'Παπαδοπούλου'),('el','Papadakis',NULL,'Παπαδάκης','Papadaki',NULL,'Παπαδάκη'),
 ('el','Nikolaidis',NULL,'Νικολαΐδης','Nikolaidou',NULL,'Νικολαΐδου'),('el','Georgiou',NULL,'Γεωργίου',NULL,NULL,NULL),
 ('el','Oikonomou','{Economou}','Οικονόμου',NULL,NULL,NULL),('el','Pappas','{Papas}','Παππάς','Pappa',NULL,'Παππά'),
 ('el','Karagiannis','{Karayannis}','Καραγιάννης','Karagianni',NULL,'Καραγιάννη'),('el','Vlachos',NULL,'Βλάχος','Vlachou',NULL,'Βλάχου'),
 ('el','Antoniou',NULL,'Αντωνίου',NULL,NULL,NULL),('el','Dimitriou',NULL,'Δημητρίου',NULL,NULL,NULL),
 ('el','Makris',NULL,'Μακρής','Makri',NULL,'Μακρή'),('el','Alexiou',NULL,'Αλεξίου',NULL,NULL,NULL),
 ('el','Christodoulou',NULL,'Χριστοδούλου',NULL,NULL,NULL),('el','Konstantinidis',NULL,'Κωνσταντινίδης','Konstantinidou',NULL,'Κωνσταντινίδου')
), tail(culture, name_m) AS (
    SELECT 'en', s || e FROM unnest('{Ash,Black,Brad,Brook,Cald,Chester,Craw,Dun,Ells,Fair,Farn,Gold,Green,Hart,Hay,Holl,Kings,Lang,Lock,Mar,Mid,Mor,North,Oak,Pen,Ray,Red,Ring,Rad,Sher,Stan,Stock,Sut,Thorn,Under,Wake,Wal,Wey,Whit,Wind,Win,Brom,Hather,Rams,Shel,Ather,Bing,Col,Dal,Ever}'::text[]) s,
                          unnest('{ford,wood,ley,ton,well,worth,by,field,ham,more,stone,bridge,dale,hurst,wick,combe,cliffe,den,land,shaw}'::text[]) e
    UNION ALL
    SELECT 'de', s || e FROM unnest('{Stein,Rosen,Linden,Berg,Wald,Eichen,Birken,Tannen,Gold,Silber,Grün,Schön,Lieb,Hoch,Klein,Neu,Alt,Frei,Weiß,Rot,Schwarz,Sonnen,Stern,Blum,Feld,Wies,Brunn,Hirsch,Kirch,Müh}'::text[]) s,
                          unnest('{berg,berger,mann,thal,feld,bach,stein,hof,meier,baum,hauser,dorf,wald,mayer,reuter}'::text[]) e
    UNION ALL
    SELECT 'fr', s || e FROM unnest('{Beau,Bel,Bon,Chaumont,Clair,Fontaine,Grand,Mont,Roche,Val,Ville,Belle,Champ,Mal,Haute,Longue,Vieille,Blanc,Roux,Petit}'::text[]) s,
                          unnest('{fort,champ,mont,val,lieu,pré,bois,mare,ville,court,fosse,noue,fond,croix}'::text[]) e
), allnames AS (
    SELECT culture, name_m, alts_m::text[] AS alts_m, native_m, name_f, alts_f::text[] AS alts_f, native_f, true AS common,
           row_number() OVER (PARTITION BY culture ORDER BY name_m) AS rn FROM v
    UNION ALL
    SELECT culture, name_m, NULL::text[], NULL, NULL, NULL::text[], NULL, false,
           1000 + row_number() OVER (PARTITION BY culture ORDER BY name_m)
      FROM tail WHERE NOT EXISTS (SELECT FROM v WHERE v.culture = tail.culture AND v.name_m = tail.name_m)
)
INSERT INTO ci_bench.pool_family
SELECT culture, row_number() OVER (PARTITION BY culture ORDER BY rn),
       name_m, ci_bench.variants(name_m, alts_m), native_m,
       coalesce(name_f, name_m), ci_bench.variants(coalesce(name_f, name_m), CASE WHEN name_f IS NULL THEN alts_m ELSE alts_f END),
       coalesce(native_f, native_m), common
  FROM allnames;

-- Cities: postcode range (or outward codes for GB), landline prefixes
-- (national significant number, before a local first digit from
-- landline_first), landline length and grouping, and NANP area codes.
CREATE TABLE ci_bench.pool_city (
    country text, idx integer, city text, alts text[], pc_lo integer, pc_hi integer, pc_len integer,
    pc_codes text[], landline_prefixes text[], landline_first text, landline_len integer, landline_groups integer[],
    PRIMARY KEY (country, idx));
INSERT INTO ci_bench.pool_city
SELECT country, row_number() OVER (PARTITION BY country ORDER BY city), city, ci_bench.variants(city, alts::text[]),
       pc_lo, pc_hi, pc_len, pc_codes::text[], landline_prefixes::text[], landline_first, landline_len, landline_groups::integer[]
  FROM (VALUES
 ('AU','Sydney',NULL,2000,2234,4,NULL,'{29}','23456789',9,'{1,4,4}'),
 ('AU','Melbourne',NULL,3000,3207,4,NULL,'{39}','23456789',9,'{1,4,4}'),
 ('AU','Brisbane',NULL,4000,4179,4,NULL,'{73}','23456789',9,'{1,4,4}'),
 ('AU','Perth',NULL,6000,6199,4,NULL,'{89}','23456789',9,'{1,4,4}'),
 ('AU','Adelaide',NULL,5000,5199,4,NULL,'{88}','23456789',9,'{1,4,4}'),
 ('GB','London',NULL,NULL,NULL,NULL,'{SW1A,SW6,SE1,SE15,N1,N16,E1,E14,NW3,W2,W11,EC1V,WC2H}','{207,208}','23456789',10,'{2,4,4}'),
 ('GB','Manchester',NULL,NULL,NULL,NULL,'{M1,M4,M14,M20}','{161}','234',10,'{3,3,4}'),
 ('GB','Birmingham',NULL,NULL,NULL,NULL,'{B1,B15,B29}','{121}','234',10,'{3,3,4}'),
 ('GB','Leeds',NULL,NULL,NULL,NULL,'{LS1,LS6,LS17}','{113}','234',10,'{3,3,4}'),
 ('GB','Glasgow',NULL,NULL,NULL,NULL,'{G1,G12,G41}','{141}','234',10,'{3,3,4}'),
 ('GB','Edinburgh',NULL,NULL,NULL,NULL,'{EH1,EH3,EH10}','{131}','234',10,'{3,3,4}'),
 ('GB','Bristol',NULL,NULL,NULL,NULL,'{BS1,BS6,BS8}','{117}','234',10,'{3,3,4}'),
 ('US','New York','{NYC,New York City}',10001,10282,5,NULL,'{212,646,917}','6789',10,'{3,3,4}'),
 ('US','San Francisco','{SF}',94102,94134,5,NULL,'{415,628}','6789',10,'{3,3,4}'),
 ('US','Chicago',NULL,60601,60661,5,NULL,'{312,773}','6789',10,'{3,3,4}'),
 ('US','Boston',NULL,2108,2137,5,NULL,'{617,857}','6789',10,'{3,3,4}'),
 ('US','Seattle',NULL,98101,98199,5,NULL,'{206}','6789',10,'{3,3,4}'),
 ('US','Austin',NULL,78701,78759,5,NULL,'{512,737}','6789',10,'{3,3,4}'),
 ('US','Denver',NULL,80202,80239,5,NULL,'{303,720}','6789',10,'{3,3,4}'),
 ('DE','Berlin',NULL,10115,14199,5,NULL,'{30}','23456789',10,'{2,8}'),
 ('DE','München','{Munich}',80331,81929,5,NULL,'{89}','23456789',10,'{2,8}'),
 ('DE','Hamburg',NULL,20095,22769,5,NULL,'{40}','23456789',10,'{2,8}'),
 ('DE','Köln','{Cologne}',50667,51149,5,NULL,'{221}','23456789',10,'{3,7}'),
 ('DE','Frankfurt am Main','{Frankfurt,Frankfurt a. M.}',60306,60599,5,NULL,'{69}','23456789',10,'{2,8}'),
 ('DE','Düsseldorf',NULL,40210,40629,5,NULL,'{211}','23456789',10,'{3,7}'),
 ('FR','Paris',NULL,75001,75020,5,NULL,'{1}','23456789',9,'{1,2,2,2,2}'),
 ('FR','Lyon',NULL,69001,69009,5,NULL,'{47}','23456789',9,'{1,2,2,2,2}'),
 ('FR','Marseille',NULL,13001,13016,5,NULL,'{49}','23456789',9,'{1,2,2,2,2}'),
 ('FR','Toulouse',NULL,31000,31500,5,NULL,'{56}','23456789',9,'{1,2,2,2,2}'),
 ('FR','Bordeaux',NULL,33000,33800,5,NULL,'{55}','23456789',9,'{1,2,2,2,2}'),
 ('FR','Nice',NULL,6000,6300,5,NULL,'{49}','23456789',9,'{1,2,2,2,2}')
) AS v(country, city, alts, pc_lo, pc_hi, pc_len, pc_codes, landline_prefixes, landline_first, landline_len, landline_groups);

-- Streets by country style, with the abbreviated form clerks type.
CREATE TABLE ci_bench.pool_street (country_style text, idx integer, full_name text, short_name text,
    PRIMARY KEY (country_style, idx));
INSERT INTO ci_bench.pool_street
SELECT style, row_number() OVER (PARTITION BY style ORDER BY f), f, s FROM (
    SELECT 'en' AS style, b || ' ' || t AS f, b || ' ' || a AS s
      FROM unnest('{Oak,Maple,Elm,Pine,Cedar,Birch,Willow,Church,Station,Park,High,Main,King,Queen,Victoria,Albert,George,Mill,Bridge,Market,Castle,Manor,Hill,Green,Spring,Lake,River,North,South,West,Harbour,Garden,School,Chapel,Orchard,Kingsway,Beach,Forest,Meadow,Union}'::text[]) b,
           (VALUES ('Street','St'),('Road','Rd'),('Avenue','Ave'),('Lane','Ln'),('Drive','Dr'),('Court','Ct'),('Place','Pl'),('Crescent','Cres')) AS st(t, a)
    UNION ALL
    SELECT 'de', b || t, b || a
      FROM unnest('{Haupt,Bahnhof,Schul,Garten,Dorf,Berg,Linden,Goethe,Schiller,Kirch,Wald,Ring,Mühlen,Rosen,Birken,Friedhof,Feld,Wiesen,Sonnen,Jahn,Buchen,Eichen,Tannen,Uhland,Mozart,Lessing,Post,Markt,Brunnen,Heide}'::text[]) b,
           (VALUES ('straße','str.'),('weg','weg'),('allee','allee'),('platz','pl.'),('gasse','g.')) AS st(t, a)
    UNION ALL
    SELECT 'fr', t || ' ' || b, a || ' ' || b
      FROM unnest('{Victor Hugo,de la République,Jean Jaurès,des Lilas,du Général de Gaulle,Pasteur,de la Gare,des Écoles,Saint-Michel,de Verdun,Émile Zola,des Acacias,de la Paix,Voltaire,du Moulin,de l''Église,Gambetta,Jean Moulin,Foch,des Tilleuls}'::text[]) b,
           (VALUES ('rue','r.'),('avenue','av.'),('boulevard','bd'),('place','pl.'),('allée','all.'),('impasse','imp.'),('chemin','ch.')) AS st(t, a)
) s;

-- How each name appears in an email address: lower case ASCII, no blanks
-- or apostrophes (German names by the umlaut convention: mueller).
CREATE OR REPLACE FUNCTION ci_bench.email_form(s text, culture text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT translate(lower(CASE culture WHEN 'de' THEN ci_bench.german_fold(s) ELSE ci_bench.ascii_fold(s) END), ' ''', '') $$;
ALTER TABLE ci_bench.pool_given ADD COLUMN email_form text;
UPDATE ci_bench.pool_given SET email_form = ci_bench.email_form(name, culture);
ALTER TABLE ci_bench.pool_family ADD COLUMN email_m text, ADD COLUMN email_f text;
UPDATE ci_bench.pool_family SET email_m = ci_bench.email_form(name_m, culture), email_f = ci_bench.email_form(name_f, culture);

-- Source-specific attributes (jsonb): 128 variants per source and culture,
-- drawn once here (from the fixed pool seed 0), picked per record by its seed.
DROP TABLE IF EXISTS ci_bench.pool_attributes;
CREATE TABLE ci_bench.pool_attributes AS
SELECT s.source, c.culture, i AS idx,
       CASE s.source
         WHEN 'crm' THEN jsonb_build_object('segment', ('{gold,silver,bronze,prospect}'::text[])[ci_bench.pick(0, k + 1, 4)],
                                            'customer_since', 1994 + ci_bench.pick(0, k + 2, 30),
                                            'marketing_opt_in', ci_bench.u(0, k + 3) < 0.6)
         WHEN 'pos' THEN jsonb_build_object('store_id', 100 + ci_bench.pick(0, k + 1, 400),
                                            'loyalty_points', ci_bench.pick(0, k + 2, 20000) - 1)
         WHEN 'support' THEN jsonb_build_object('tickets', ci_bench.pick(0, k + 1, 12), 'language', c.culture,
                                                'last_channel', ('{phone,chat,email}'::text[])[ci_bench.pick(0, k + 2, 3)])
         ELSE jsonb_build_object('newsletter', ci_bench.u(0, k + 1) < 0.4,
                                 'signup_channel', ('{organic,google,facebook,referral,newsletter}'::text[])[ci_bench.pick(0, k + 2, 5)],
                                 'device', ('{mobile,desktop,tablet}'::text[])[ci_bench.pick(0, k + 3, 3)])
       END AS attributes
  FROM (VALUES (1, 'crm'), (2, 'pos'), (3, 'support'), (4, 'web')) AS s(n, source)
 CROSS JOIN (SELECT culture, row_number() OVER (ORDER BY culture) AS n FROM (SELECT DISTINCT culture FROM ci_bench.pool_culture) x) c
 CROSS JOIN generate_series(1, 128) i
 CROSS JOIN LATERAL (SELECT ((s.n * 16 + c.n) * 256 + i) * 8 AS k) kk;
ALTER TABLE ci_bench.pool_attributes ADD PRIMARY KEY (source, culture, idx);

-- Pool sizes, for uniform picks by index.
CREATE TABLE ci_bench.pool_count AS
SELECT c.culture,
       (SELECT count(*) FROM ci_bench.pool_given g WHERE g.culture = c.culture AND g.gender = 'M')::int AS n_given_m,
       (SELECT count(*) FROM ci_bench.pool_given g WHERE g.culture = c.culture AND g.gender = 'F')::int AS n_given_f,
       (SELECT count(*) FROM ci_bench.pool_family f WHERE f.culture = c.culture AND f.common)::int AS n_family_common,
       (SELECT count(*) FROM ci_bench.pool_family f WHERE f.culture = c.culture)::int AS n_family
  FROM (SELECT DISTINCT culture FROM ci_bench.pool_given) c;

-- Weighted picks as lookup tables: slot 0..99 → value.
CREATE TABLE ci_bench.country_slot AS
SELECT slot, country FROM (
    SELECT country, sum(weight) OVER (ORDER BY country) - weight AS lo, sum(weight) OVER (ORDER BY country) AS hi
      FROM ci_bench.pool_country) w, generate_series(0, 99) slot
 WHERE slot >= lo AND slot < hi;
CREATE TABLE ci_bench.culture_slot AS
SELECT country, slot, culture FROM (
    SELECT country, culture, sum(weight) OVER (PARTITION BY country ORDER BY culture) - weight AS lo,
           sum(weight) OVER (PARTITION BY country ORDER BY culture) AS hi
      FROM ci_bench.pool_culture) w, generate_series(0, 99) slot
 WHERE slot >= lo AND slot < hi;
CREATE TABLE ci_bench.domain_slot AS
SELECT country, slot, domain FROM (
    SELECT country, domain, sum(weight) OVER (PARTITION BY country ORDER BY domain) - weight AS lo,
           sum(weight) OVER (PARTITION BY country ORDER BY domain) AS hi
      FROM ci_bench.pool_domain) w, generate_series(0, 99) slot
 WHERE slot >= lo AND slot < hi;
ALTER TABLE ci_bench.country_slot ADD PRIMARY KEY (slot);
ALTER TABLE ci_bench.culture_slot ADD PRIMARY KEY (country, slot);
ALTER TABLE ci_bench.domain_slot ADD PRIMARY KEY (country, slot);

ALTER TABLE ci_bench.pool_country ADD COLUMN n_cities integer, ADD COLUMN n_streets integer,
    ADD COLUMN mobile_free integer GENERATED ALWAYS AS (mobile_len - length(mobile_prefixes[1])) STORED,
    ADD COLUMN mobile_space bigint GENERATED ALWAYS AS (cardinality(mobile_prefixes) * (10::bigint ^ (mobile_len - length(mobile_prefixes[1])))::bigint) STORED;
UPDATE ci_bench.pool_country c
   SET n_cities = (SELECT count(*) FROM ci_bench.pool_city y WHERE y.country = c.country),
       n_streets = (SELECT count(*) FROM ci_bench.pool_street s WHERE s.country_style = c.street_style);
ANALYZE ci_bench.pool_country, ci_bench.pool_culture, ci_bench.pool_domain, ci_bench.pool_given, ci_bench.pool_family,
        ci_bench.pool_city, ci_bench.pool_street, ci_bench.pool_count, ci_bench.country_slot, ci_bench.culture_slot, ci_bench.domain_slot,
        ci_bench.pool_attributes;

-- A seeded bijection of 0..space-1: x ↦ (x·P + offset) mod space, P a prime
-- (Knuth's 2654435761) larger than any space used here, so coprime to it;
-- (space-1)·P stays below 2^63 for spaces up to 3.4e9.  Numbers derived from distinct person or
-- household ids therefore never collide (two persons never share a mobile
-- number or a national id by accident; households share landlines on purpose).
CREATE OR REPLACE FUNCTION ci_bench.perm(seed bigint, x bigint, space bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ((x % space) * 2654435761 % space + (hashint8extended(space, seed) & 2147483647) % space) % space $$;

-- The x-th number (through the bijection above) of a numbering range:
-- prefix, one digit from firsts ('' for none), then free digits, written in
-- the given groups.  A range holds cardinality(prefixes) *
-- max(length(firsts), 1) * 10^free numbers.  PL/pgSQL: one cheap call
-- where the equivalent SQL expression could not be inlined.
CREATE OR REPLACE FUNCTION ci_bench.phone_number(seed bigint, x bigint, prefixes text[], firsts text, free integer, groups integer[])
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    nf integer := greatest(length(firsts), 1);
    p10 bigint := (10::bigint ^ free)::bigint;
    idx bigint := ci_bench.perm(seed, x, cardinality(prefixes) * nf * p10);
BEGIN
    RETURN ci_bench.group_digits(prefixes[1 + (idx / (nf * p10))::integer]
                                 || substr(firsts, 1 + ((idx / p10) % nf)::integer, 1)
                                 || lpad((idx % p10)::text, free, '0'), groups);
END
$$;
COMMENT ON FUNCTION ci_bench.phone_number(bigint, bigint, text[], text, integer, integer[]) IS
  'the x-th number of a numbering range, distinct for distinct x, grouped (generator helper)';

-- The idx-th number of a range (prefix, one digit from firsts, free digits):
-- the inlinable form of the same arithmetic, for a precomputed idx.
CREATE OR REPLACE FUNCTION ci_bench.range_number(idx bigint, prefixes text[], firsts text, free integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT prefixes[1 + (idx / (greatest(length(firsts), 1) * (10::bigint ^ free)::bigint))::integer]
          || substr(firsts, 1 + ((idx / (10::bigint ^ free)::bigint) % greatest(length(firsts), 1))::integer, 1)
          || lpad((idx % (10::bigint ^ free)::bigint)::text, free, '0') $$;
COMMENT ON FUNCTION ci_bench.range_number(bigint, text[], text, integer) IS 'the idx-th number of a numbering range (generator helper)';

CREATE OR REPLACE FUNCTION ci_bench.postcode(seed bigint, k bigint, pc_codes text[], pc_lo integer, pc_hi integer, pc_len integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN pc_codes IS NOT NULL
    THEN pc_codes[ci_bench.pick(seed, k, cardinality(pc_codes))] || ' ' || (ci_bench.pick(seed, k + 1, 10) - 1)::text
         || substr('ABDEFGHJLNPQRSTUWXYZ', ci_bench.pick(seed, k + 2, 20), 1) || substr('ABDEFGHJLNPQRSTUWXYZ', ci_bench.pick(seed, k + 3, 20), 1)
    ELSE lpad((pc_lo + ci_bench.pick(seed, k + 4, pc_hi - pc_lo + 1) - 1)::text, pc_len, '0') END $$;

-- Australian tax file number: d1 then seven digits r, check digit last
-- (weights 1 4 3 7 5 8 6 9 10, sum ≡ 0 mod 11); d1 moves by one where the
-- check digit would be 10, so r alone keeps numbers distinct.
CREATE OR REPLACE FUNCTION ci_bench.tfn(d1 integer, r text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    s integer := 4 * substr(r, 1, 1)::int + 3 * substr(r, 2, 1)::int + 7 * substr(r, 3, 1)::int + 5 * substr(r, 4, 1)::int
               + 8 * substr(r, 5, 1)::int + 6 * substr(r, 6, 1)::int + 9 * substr(r, 7, 1)::int;
BEGIN
    IF (d1 + s) % 11 = 10 THEN
        d1 := (d1 + 1) % 10;
    END IF;
    RETURN d1::text || r || ((d1 + s) % 11)::text;
END
$$;
COMMENT ON FUNCTION ci_bench.tfn(integer, text) IS 'Australian tax file number with its check digit from a first digit and seven more (generator helper)';

-- Noise on a text field, driven by the bits of h: a typo with probability
-- p_typo, else upper case with p_upper, lower case 3 %, padding blanks 1 %.
CREATE OR REPLACE FUNCTION ci_bench.mess(s text, h bigint, p_typo double precision, p_upper double precision) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE
    WHEN s IS NULL THEN NULL
    WHEN (h & 1023) < p_typo * 1024 THEN ci_bench.typo(s, h >> 20)
    WHEN ((h >> 10) & 1023) < p_upper * 1024 THEN upper(s)
    WHEN ((h >> 10) & 1023) < (p_upper + 0.03) * 1024 THEN lower(s)
    WHEN ((h >> 10) & 1023) < (p_upper + 0.04) * 1024 THEN ' ' || s || ' '
    ELSE s END $$;

-- ---------------------------------------------------------------------------
-- Records: one INSERT … SELECT over ci_bench.truth ⋈ ci_bench.person, in
-- stages (OFFSET 0 keeps each stage's columns computed once per row):
--   a  source (crm 35 %, pos 20 %, support 15 %, web 30 %), updated_at
--      (uniform over 2014–2024), which address and name were current then
--   b  which value each field shows, by the source's completeness profile:
--      nickname, transliteration, native script (Cyrillic 20 % / Greek 15 %
--      of the records of persons of that culture), initial, middle initial,
--      maiden name, old or shared email, landline or mobile
--   c  noise: typos, case, blanks, email variants (gmail dots 12 %,
--      googlemail 6 %, +tag 7 %, case 9 %, domain typo 1 %, invalid 1.2 %),
--      phone formats and slips (a digit dropped 1.2 %, one wrong 0.8 %,
--      junk 0.3 %), birth-date slips (day/month swap 2 %, year ±1/±10 1 %,
--      day ±1 1 %, 1900-01-01 0.5 %), national-id formats, postcode variants
--   d  swapped given and family names (1 %)
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION ci_bench.insert_records(seed bigint) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET jit = off
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
-- The rows go to a staging table, then through the bulk-load path (indexes
-- built once at the end, doc/identity.md "Loading records in bulk").
DROP TABLE IF EXISTS pg_temp.ci_gen_records;
CREATE TEMP TABLE ci_gen_records AS
SELECT record_id, source, source_key, given_name, family_name, email, phone, birth_date,
       national_id, street, city, postcode, country, attributes, updated_at
  FROM ci.source_record WITH NO DATA;
INSERT INTO pg_temp.ci_gen_records (record_id, source, source_key, given_name, family_name, email, phone, birth_date,
                              national_id, street, city, postcode, country, attributes, updated_at)
SELECT d.record_id, d.source,
       CASE d.source WHEN 'crm' THEN 'CRM-' || lpad(d.record_id::text, 8, '0')
                     WHEN 'pos' THEN 'LOY' || lpad(((d.record_id * 48271) % 2147483647)::text, 10, '0')
                     WHEN 'support' THEN 'SUP' || lpad(d.record_id::text, 7, '0')
                     ELSE 'web-' || lpad(to_hex((d.record_id * 2654435761) & 1099511627775), 10, '0') END,
       CASE WHEN d.swap THEN d.family_c ELSE d.given_c END,
       CASE WHEN d.swap THEN d.given_c ELSE d.family_c END,
       d.email_c, d.phone_c, d.birth_c, d.natid_c, d.street_c, d.city_c, d.postcode_c, d.country_c, d.attributes, d.updated_at
FROM (
  SELECT c.*,
         ci_bench.u(seed, c.rk + 40) < 0.01 AS swap,
         ci_bench.mess(c.given_b, hashint8extended(c.rk + 41, seed), 0.04, c.p_upper) AS given_c,
         ci_bench.mess(c.family_b, hashint8extended(c.rk + 42, seed), 0.05, c.p_upper) AS family_c,
         CASE WHEN c.e_local IS NULL THEN NULL
              WHEN ci_bench.u(seed, c.rk + 43) < 0.012 THEN
                   CASE ci_bench.pick(seed, c.rk + 44, 4)
                        WHEN 1 THEN c.e_local || '.' || c.e_domain             -- @ lost
                        WHEN 2 THEN c.e_local || '@@' || c.e_domain
                        WHEN 3 THEN c.e_local || '@' || split_part(c.e_domain, '.', 1)   -- no top-level domain
                        ELSE replace(c.e_local, '.', ' ') || ' @' || c.e_domain END
              WHEN c.r45 < 0.09 THEN initcap(c.e_local) || '@' || initcap(c.e_domain)
              WHEN c.r45 < 0.12 THEN upper(c.e_local || '@' || c.e_domain)
              WHEN c.r45 < 0.13 THEN ' ' || c.e_local || '@' || c.e_domain || ' '
              ELSE c.e_local || '@' || c.e_domain END AS email_c,
         CASE WHEN c.phone_g IS NULL THEN NULL
              WHEN ci_bench.u(seed, c.rk + 46) < 0.003 THEN ('{0000000000,n/a,unknown,123,none,0}'::text[])[ci_bench.pick(seed, c.rk + 47, 6)]
              ELSE ci_bench.format_phone(c.phone_g, c.cc, c.trunk, c.idd,
                       ('{0,0,0,0,0,0,0,0,1,1,1,2,2,2,3,3,4,5,5,6,7,8}'::int[])[ci_bench.pick(seed, c.rk + 48, 22)]) END AS phone_c,
         CASE WHEN c.birth_b IS NULL THEN NULL
              WHEN c.r49 < 0.02 THEN
                   CASE WHEN extract(day FROM c.birth_b) <= 12 AND extract(day FROM c.birth_b) <> extract(month FROM c.birth_b)
                        THEN make_date(extract(year FROM c.birth_b)::int, extract(day FROM c.birth_b)::int, extract(month FROM c.birth_b)::int)
                        ELSE c.birth_b END
              WHEN c.r49 < 0.03 THEN
                   (c.birth_b + ('{1,-1,10,-10}'::int[])[ci_bench.pick(seed, c.rk + 50, 4)] * interval '1 year')::date
              WHEN c.r49 < 0.04 THEN c.birth_b + ('{1,-1}'::int[])[ci_bench.pick(seed, c.rk + 50, 2)]
              WHEN c.r49 < 0.045 THEN date '1900-01-01'
              ELSE c.birth_b END AS birth_c,
         CASE WHEN c.natid_b IS NULL THEN NULL
              WHEN ci_bench.u(seed, c.rk + 51) < 0.01 THEN ci_bench.typo(c.natid_b, hashint8extended(c.rk + 52, seed) | 3)
              WHEN c.country = 'US' THEN CASE WHEN c.r53 < 0.3 THEN replace(c.natid_b, '-', '')
                                              WHEN c.r53 < 0.4 THEN replace(c.natid_b, '-', ' ') ELSE c.natid_b END
              WHEN c.country = 'GB' THEN CASE WHEN c.r53 < 0.4
                                              THEN concat_ws(' ', substr(c.natid_b, 1, 2), substr(c.natid_b, 3, 2), substr(c.natid_b, 5, 2), substr(c.natid_b, 7, 2), substr(c.natid_b, 9, 1))
                                              WHEN c.r53 < 0.45 THEN lower(c.natid_b) ELSE c.natid_b END
              WHEN c.country = 'AU' THEN CASE WHEN c.r53 < 0.5
                                              THEN concat_ws(' ', substr(c.natid_b, 1, 3), substr(c.natid_b, 4, 3), substr(c.natid_b, 7, 3)) ELSE c.natid_b END
              WHEN c.country = 'FR' THEN CASE WHEN c.r53 < 0.5
                                              THEN concat_ws(' ', substr(c.natid_b, 1, 1), substr(c.natid_b, 2, 2), substr(c.natid_b, 4, 2), substr(c.natid_b, 6, 2),
                                                             substr(c.natid_b, 8, 3), substr(c.natid_b, 11, 3), substr(c.natid_b, 14, 2)) ELSE c.natid_b END
              ELSE c.natid_b END AS natid_c,
         ci_bench.mess(c.street_b, hashint8extended(c.rk + 54, seed), 0.03, 0.04) AS street_c,
         ci_bench.mess(c.city_b, hashint8extended(c.rk + 55, seed), 0.02, 0.05) AS city_c,
         CASE WHEN c.postcode_b IS NULL THEN NULL
              WHEN ci_bench.u(seed, c.rk + 56) < 0.01 THEN ci_bench.typo(c.postcode_b, hashint8extended(c.rk + 57, seed) & ~3::bigint)
              WHEN c.country = 'GB' AND c.r58 < 0.15 THEN replace(c.postcode_b, ' ', '')
              WHEN c.country = 'GB' AND c.r58 < 0.20 THEN lower(c.postcode_b)
              WHEN c.country = 'US' AND c.r58 < 0.10 THEN c.postcode_b || '-' || ci_bench.digits(seed, c.rk + 59, 4)
              ELSE c.postcode_b END AS postcode_c
    FROM (
      SELECT b.*,
             split_part(b.email_b, '@', 1) AS e_local0,
             CASE WHEN b.email_b IS NULL THEN NULL
                  ELSE CASE WHEN split_part(b.email_b, '@', 2) = 'gmail.com' AND ci_bench.u(seed, b.rk + 30) < 0.12
                            THEN replace(split_part(b.email_b, '@', 1), '.', '') ELSE split_part(b.email_b, '@', 1) END
                       || CASE WHEN ci_bench.u(seed, b.rk + 31) < 0.07
                               THEN '+' || ('{shop,news,promo,2019,amazon,orders,spam,work}'::text[])[ci_bench.pick(seed, b.rk + 32, 8)] ELSE '' END
                  END AS e_local,
             CASE WHEN split_part(b.email_b, '@', 2) = 'gmail.com' AND b.r33 < 0.06 THEN 'googlemail.com'
                  WHEN b.r33 > 0.99 THEN ci_bench.typo(split_part(b.email_b, '@', 2), hashint8extended(b.rk + 34, seed))
                  ELSE split_part(b.email_b, '@', 2) END AS e_domain,
             CASE WHEN b.phone_b IS NULL THEN NULL
                  WHEN b.r35 < 0.012 THEN left(b.phone_b, -1)
                  WHEN b.r35 < 0.020 THEN ci_bench.typo(b.phone_b, hashint8extended(b.rk + 36, seed) << 2)
                  ELSE b.phone_b END AS phone_g
        FROM (
          SELECT a.record_id, a.rk, a.source, a.updated_at, a.country, a.cc, a.trunk, a.idd, a.culture, sp.p_upper, pa.attributes,
                 a.r33, a.r35, a.r45, a.r49, a.r53, a.r58,
                 CASE WHEN ci_bench.u(seed, a.rk + 4) >= sp.p_given THEN NULL
                      WHEN a.script THEN a.given_native
                      WHEN ci_bench.u(seed, a.rk + 5) < 0.02 THEN left(a.given_name, 1) || '.'
                      WHEN a.nick IS NOT NULL AND ci_bench.u(seed, a.rk + 6) < sp.p_nick THEN a.nick
                      WHEN a.nick IS NULL AND cardinality(a.nicks) > 0 AND ci_bench.u(seed, a.rk + 6) < 0.04
                           THEN a.nicks[ci_bench.pick(seed, a.rk + 7, cardinality(a.nicks))]
                      WHEN cardinality(a.given_alts) > 0 AND ci_bench.u(seed, a.rk + 8) < 0.3
                           THEN a.given_alts[ci_bench.pick(seed, a.rk + 9, cardinality(a.given_alts))]
                      WHEN ci_bench.u(seed, a.rk + 10) < 0.03 THEN a.given_name || ' ' || a.middle_initial || '.'
                      ELSE a.given_name END AS given_b,
                 CASE WHEN ci_bench.u(seed, a.rk + 11) >= sp.p_family THEN NULL
                      WHEN a.script THEN CASE WHEN a.maiden THEN a.maiden_native ELSE a.family_native END
                      WHEN a.maiden THEN CASE WHEN cardinality(a.maiden_alts) > 0 AND ci_bench.u(seed, a.rk + 12) < 0.3
                                              THEN a.maiden_alts[ci_bench.pick(seed, a.rk + 13, cardinality(a.maiden_alts))] ELSE a.maiden_name END
                      WHEN cardinality(a.family_alts) > 0 AND ci_bench.u(seed, a.rk + 12) < 0.3
                           THEN a.family_alts[ci_bench.pick(seed, a.rk + 13, cardinality(a.family_alts))]
                      ELSE a.family_name END AS family_b,
                 CASE WHEN ci_bench.u(seed, a.rk + 14) >= sp.p_email THEN NULL
                      WHEN a.shared_email IS NOT NULL AND ci_bench.u(seed, a.rk + 15) < 0.2 THEN a.shared_email
                      WHEN a.old AND a.old_email IS NOT NULL THEN a.old_email
                      ELSE a.email END AS email_b,
                 CASE WHEN ci_bench.u(seed, a.rk + 16) >= sp.p_phone THEN NULL
                      WHEN a.landline IS NOT NULL AND NOT a.prev AND (a.mobile IS NULL OR ci_bench.u(seed, a.rk + 17) < 0.25) THEN a.landline
                      ELSE a.mobile END AS phone_b,
                 CASE WHEN ci_bench.u(seed, a.rk + 18) >= sp.p_birth THEN NULL ELSE a.birth_date END AS birth_b,
                 CASE WHEN ci_bench.u(seed, a.rk + 19) >= sp.p_natid THEN NULL ELSE a.national_id END AS natid_b,
                 CASE WHEN a.r20 >= sp.p_address THEN NULL
                      WHEN a.street_style = 'en' THEN a.a_no || ' ' || CASE WHEN a.r21 < 0.4 THEN a.a_short ELSE a.a_full END
                      WHEN a.street_style = 'de' THEN CASE WHEN a.r21 < 0.3 THEN a.a_short
                                                           WHEN a.r21 < 0.45 THEN ci_bench.german_fold(a.a_full)
                                                           ELSE a.a_full END || ' ' || a.a_no
                      ELSE a.a_no || ' ' || CASE WHEN a.r21 < 0.3 THEN a.a_short
                                                 WHEN a.r21 < 0.45 THEN ci_bench.ascii_fold(a.a_full)
                                                 ELSE a.a_full END END AS street_b,
                 CASE WHEN a.r20 >= sp.p_address OR ci_bench.u(seed, a.rk + 22) < 0.04 THEN NULL
                      WHEN cardinality(a.a_city_alts) > 0 AND ci_bench.u(seed, a.rk + 23) < 0.25
                           THEN a.a_city_alts[ci_bench.pick(seed, a.rk + 24, cardinality(a.a_city_alts))]
                      ELSE a.a_city END AS city_b,
                 CASE WHEN a.r20 >= sp.p_address OR ci_bench.u(seed, a.rk + 25) < 0.05 THEN NULL
                      ELSE a.a_postcode END AS postcode_b,
                 CASE WHEN ci_bench.u(seed, a.rk + 26) < 0.03 THEN NULL ELSE a.country END AS country_c
            FROM (
              SELECT a0.*,
                     a0.updated_at < a0.event_at AS old,
                     a0.updated_at < a0.event_at AND a0.maiden_name IS NOT NULL AS maiden,
                     a0.updated_at < a0.event_at AND a0.moved AS prev,
                     a0.given_native IS NOT NULL AND ci_bench.u(seed, a0.rk + 3) < CASE a0.culture WHEN 'ru' THEN 0.2 ELSE 0.15 END AS script,
                     CASE WHEN a0.updated_at < a0.event_at AND a0.moved THEN a0.prev_street_full ELSE a0.street_full END AS a_full,
                     CASE WHEN a0.updated_at < a0.event_at AND a0.moved THEN a0.prev_street_short ELSE a0.street_short END AS a_short,
                     CASE WHEN a0.updated_at < a0.event_at AND a0.moved THEN a0.prev_house_no ELSE a0.house_no END AS a_no,
                     CASE WHEN a0.updated_at < a0.event_at AND a0.moved THEN a0.prev_city ELSE a0.city END AS a_city,
                     CASE WHEN a0.updated_at < a0.event_at AND a0.moved THEN a0.prev_city_alts ELSE a0.city_alts END AS a_city_alts,
                     CASE WHEN a0.updated_at < a0.event_at AND a0.moved THEN a0.prev_postcode ELSE a0.postcode END AS a_postcode
                FROM (
                  SELECT t.record_id, t.record_id * 64 AS rk, p.*,
                         h.cc, h.trunk, h.idd, h.street_style, h.street_full, h.street_short, h.house_no,
                         h.city, h.city_alts, h.postcode, h.landline,
                         ('{crm,pos,support,web}'::text[])[1 + width_bucket(ci_bench.u(seed, t.record_id * 64 + 1), '{0.35,0.55,0.70}'::float8[])] AS source,
                         -- draws used by several fields or several branches, made once
                         ci_bench.u(seed, t.record_id * 64 + 20) AS r20, ci_bench.u(seed, t.record_id * 64 + 21) AS r21,
                         ci_bench.u(seed, t.record_id * 64 + 33) AS r33, ci_bench.u(seed, t.record_id * 64 + 35) AS r35,
                         ci_bench.u(seed, t.record_id * 64 + 45) AS r45, ci_bench.u(seed, t.record_id * 64 + 49) AS r49,
                         ci_bench.u(seed, t.record_id * 64 + 53) AS r53, ci_bench.u(seed, t.record_id * 64 + 58) AS r58,
                         timestamptz '2014-01-01 00:00:00+00' + floor(ci_bench.u(seed, t.record_id * 64 + 2) * 347155200) * interval '1 second' AS updated_at
                    FROM ci_bench.truth t
                    JOIN ci_bench.person p ON p.person_id = t.person_id
                    JOIN ci_bench.household h ON h.household_id = p.household_id
                  OFFSET 0) a0
              OFFSET 0) a
            -- completeness and habits of each source: share of records showing each field,
            -- of persons who go by a nickname using it, of records in capitals
            JOIN (VALUES ('crm',     0.99, 0.995, 0.85, 0.85, 0.80, 0.60, 0.90, 0.25, 0.03),
                         ('pos',     0.90, 0.95,  0.50, 0.70, 0.20, 0.00, 0.30, 0.60, 0.15),
                         ('support', 0.95, 0.90,  0.95, 0.60, 0.10, 0.10, 0.20, 0.60, 0.03),
                         ('web',     0.97, 0.95,  1.00, 0.40, 0.50, 0.00, 0.50, 0.60, 0.02))
                 AS sp(source, p_given, p_family, p_email, p_phone, p_birth, p_natid, p_address, p_nick, p_upper)
              ON sp.source = a.source
            JOIN ci_bench.pool_attributes pa
              ON pa.source = a.source AND pa.culture = a.culture AND pa.idx = ci_bench.pick(seed, a.rk + 60, 128)
          OFFSET 0) b
      OFFSET 0) c
  OFFSET 0) d;
-- No ORDER BY: rows come in the order of ci_bench.truth (record_id, itself a
-- random permutation of the persons), so physical order says nothing about
-- which records belong together, and 1M wide rows need no sort.
IF pg_catalog.to_regprocedure('ci.load_source_records(regclass,boolean)') IS NOT NULL THEN
    PERFORM 1 FROM ci.load_source_records('pg_temp.ci_gen_records');
ELSE    -- an install older than 0.2.0 (the upgrade test loads 0.1.0)
    INSERT INTO ci.source_record (record_id, source, source_key, given_name, family_name, email, phone, birth_date,
                                  national_id, street, city, postcode, country, attributes, updated_at)
    SELECT * FROM pg_temp.ci_gen_records;
END IF;
DROP TABLE pg_temp.ci_gen_records;
END
$fn$;
COMMENT ON FUNCTION ci_bench.insert_records(bigint) IS 'generator stage: write ci.source_record from ci_bench.truth and ci_bench.person';

-- ---------------------------------------------------------------------------
-- The generator.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION ci_bench.generate_customers(
    n_persons integer DEFAULT NULL,
    seed bigint DEFAULT 1,
    replace_existing boolean DEFAULT false,
    n_records bigint DEFAULT NULL)
RETURNS TABLE (persons bigint, households bigint, records bigint, seconds numeric)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET work_mem = '256MB'
SET jit = off                 -- compiling these wide expressions costs more than it saves
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    t0 timestamptz := clock_timestamp();
    n_households integer;
BEGIN
    IF n_persons IS NULL AND n_records IS NULL THEN
        n_persons := 1000;
    ELSIF n_persons IS NULL THEN
        IF n_records < 1 OR n_records > 100000000 THEN
            RAISE EXCEPTION 'n_records must be between 1 and 100000000, not %', n_records
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        -- 2.41 records per person on average: a margin, then the cut below
        n_persons := least(ceil(n_records / 2.3)::bigint + 50, 40000000)::integer;
    END IF;
    IF n_persons < 1 OR n_persons > 40000000 THEN
        RAISE EXCEPTION 'n_persons must be between 1 and 40000000, not %', n_persons
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF seed IS NULL THEN
        RAISE EXCEPTION 'seed must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;

    IF EXISTS (SELECT FROM ci.source_record) THEN
        IF NOT replace_existing THEN
            RAISE EXCEPTION 'ci.source_record is not empty'
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'The generator fills an empty table so that its ground truth covers every record.',
                      HINT = 'Pass replace_existing => true (psql: -v replace=true) to empty ci.source_record and the identity tables first.';
        END IF;
        -- steward decisions and review pairs name record ids of the old rows
        TRUNCATE ci.source_record, ci.identity, ci.identity_event, ci.match_decision, ci.match_review, ci.golden_dirty CASCADE;
    END IF;
    DROP TABLE IF EXISTS ci_bench.truth, ci_bench.person, ci_bench.household;

    -- enough households for n_persons even at the low end of the mean size
    n_households := ceil(n_persons / 1.7)::integer + 20;

    -- Households: size (1 45 %, 2 30 %, 3 12 %, 4 9 %, 5 4 %), country,
    -- name culture, family name, address, landline (more likely the larger
    -- the household), twins ('siblings': the two adults of a 2-person
    -- household; 'kids': members 3 and 4), a shared family email (8 % of
    -- households of 2 or more), the first adult's birth date.
    CREATE UNLOGGED TABLE ci_bench.household AS
    WITH h AS (
        SELECT id AS household_id, id * 64 AS k,
               1 + width_bucket(ci_bench.u(seed, id * 64 + 1), '{0.45,0.75,0.87,0.96}'::float8[]) AS size
          FROM generate_series(1, n_households) id
    ), h1 AS (
        SELECT h.*, sum(size) OVER (ORDER BY household_id) - size + 1 AS first_person_id,
               floor(ci_bench.u(seed, h.k + 3) * 100)::integer AS country_slot,
               floor(ci_bench.u(seed, h.k + 4) * 100)::integer AS culture_slot
          FROM h
    ), h2 AS (
        SELECT h1.household_id, h1.k, least(h1.size, n_persons - h1.first_person_id + 1)::integer AS size, h1.first_person_id,
               cs.country, cu.culture
          FROM h1
          JOIN ci_bench.country_slot cs ON cs.slot = h1.country_slot
          JOIN ci_bench.culture_slot cu ON cu.country = cs.country AND cu.slot = h1.culture_slot
         WHERE h1.first_person_id <= n_persons
    ), h3 AS (
        SELECT h2.*, c.cc, c.trunk, c.idd, c.street_style, c.n_cities, c.n_streets,
               CASE WHEN h2.size = 2 AND ci_bench.u(seed, h2.k + 2) < 0.06 THEN 'siblings'
                    WHEN h2.size >= 4 AND ci_bench.u(seed, h2.k + 2) < 0.2 THEN 'kids' END AS twins,
               CASE WHEN pc.n_family > pc.n_family_common AND ci_bench.u(seed, h2.k + 5) >= 0.65
                    THEN pc.n_family_common + ci_bench.pick(seed, h2.k + 6, pc.n_family - pc.n_family_common)
                    ELSE ci_bench.pick(seed, h2.k + 6, pc.n_family_common) END AS family_idx,
               ci_bench.pick(seed, h2.k + 7, c.n_cities) AS city_idx,
               ci_bench.pick(seed, h2.k + 8, c.n_streets) AS street_idx,
               ci_bench.pick(seed, h2.k + 9, CASE c.street_style WHEN 'en' THEN 250 ELSE 120 END) AS house_no,
               ci_bench.u(seed, h2.k + 10) < 0.35 + 0.1 * h2.size AS has_landline,
               h2.size >= 2 AND ci_bench.u(seed, h2.k + 14) < 0.08 AS has_shared_email,
               -- first adult born 1942–2003; 1945–1980 where there are children
               CASE WHEN h2.size >= 3 THEN date '1945-01-01' + floor(ci_bench.u(seed, h2.k + 16) * 12783)::integer
                    ELSE date '1942-01-01' + floor(ci_bench.u(seed, h2.k + 16) * 22645)::integer END AS hb,
               (hashint8extended(h2.k + 17, seed) & 1048575)::integer AS kid_base,
               floor(ci_bench.u(seed, h2.k + 18) * 100)::integer AS domain_slot
          FROM h2
          JOIN ci_bench.pool_country c ON c.country = h2.country
          JOIN ci_bench.pool_count pc ON pc.culture = h2.culture
    )
    SELECT h3.household_id, h3.size, h3.first_person_id, h3.twins, h3.country, h3.culture, h3.cc, h3.trunk, h3.idd,
           h3.n_cities, h3.n_streets, h3.family_idx, h3.hb, h3.kid_base,
           h3.street_style, st.full_name AS street_full, st.short_name AS street_short, h3.house_no,
           y.city, y.alts AS city_alts, y.landline_prefixes AS area_codes,
           ci_bench.postcode(seed, h3.k + 20, y.pc_codes, y.pc_lo, y.pc_hi, y.pc_len) AS postcode,
           CASE WHEN h3.has_landline THEN ci_bench.phone_number(seed, h3.household_id, y.landline_prefixes, y.landline_first,
                                                                y.landline_len - length(y.landline_prefixes[1]) - 1, y.landline_groups) END AS landline,
           CASE WHEN h3.has_shared_email THEN
                CASE ci_bench.pick(seed, h3.k + 15, 4)
                     WHEN 1 THEN 'the' || f.email_m || 's' WHEN 2 THEN f.email_m || 'family'
                     WHEN 3 THEN 'the.' || f.email_m || 's' ELSE f.email_m || '.home' END END AS shared_local,
           CASE WHEN h3.has_shared_email THEN d.domain END AS shared_domain
      FROM h3
      JOIN ci_bench.pool_family f ON f.culture = h3.culture AND f.idx = h3.family_idx
      JOIN ci_bench.pool_city y ON y.country = h3.country AND y.idx = h3.city_idx
      JOIN ci_bench.pool_street st ON st.country_style = h3.street_style AND st.idx = h3.street_idx
      JOIN ci_bench.domain_slot d ON d.country = h3.country AND d.slot = h3.domain_slot;
    ALTER TABLE ci_bench.household ADD PRIMARY KEY (household_id);
    RAISE NOTICE 'generate_customers: households done at % s', round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1);

    -- Persons, first as keys into the pools.  Members 1 and 2 are the adults
    -- (2 is a partner, or 1's twin in a 'siblings' household), 3+ their
    -- children.  A partner keeps their own family name 20 % of the time and
    -- may have their own culture (15 %); a partner who took the household's
    -- name has a maiden name half of the time, used by records older than
    -- their life event.  Life event (one date per person): 15 % move, 20 %
    -- change email, the maiden-named change name (and email).
    CREATE TEMP TABLE ci_gen_pkey ON COMMIT DROP AS
    WITH m AS (
        SELECT hh.household_id, hh.first_person_id, hh.twins, hh.country, hh.culture, hh.family_idx, hh.hb, hh.kid_base,
               hh.street_style, hh.n_cities, hh.n_streets, hh.area_codes,
               mem AS member_no, hh.first_person_id + mem - 1 AS person_id, (hh.first_person_id + mem - 1) * 64 AS pk,
               CASE WHEN ci_bench.u(seed, hh.household_id * 64 + 40) < 0.5 THEN 'F' ELSE 'M' END AS g1
          FROM ci_bench.household hh, generate_series(1, hh.size) mem
    ), m1 AS (
        SELECT m.*,
               CASE WHEN member_no = 1 THEN g1
                    WHEN member_no = 2 AND twins = 'siblings' THEN CASE WHEN ci_bench.u(seed, pk + 1) < 0.5 THEN 'F' ELSE 'M' END
                    WHEN member_no = 2 THEN CASE WHEN ci_bench.u(seed, pk + 1) < 0.08 THEN g1 WHEN g1 = 'F' THEN 'M' ELSE 'F' END
                    ELSE CASE WHEN ci_bench.u(seed, pk + 1) < 0.5 THEN 'F' ELSE 'M' END END AS gender,
               CASE WHEN member_no = 2 AND twins IS NULL AND ci_bench.u(seed, pk + 2) < 0.15 THEN cu.culture ELSE m.culture END AS own_culture,
               member_no = 2 AND twins IS NULL AND ci_bench.u(seed, pk + 6) < 0.2 AS own_family,
               coalesce((twins = 'siblings' AND member_no <= 2) OR (twins = 'kids' AND member_no IN (3, 4)), false) AS is_twin
          FROM m
          JOIN ci_bench.culture_slot cu ON cu.country = m.country AND cu.slot = floor(ci_bench.u(seed, m.pk + 3) * 100)::integer
    ), m2 AS (
        SELECT m1.*, pc.n_family, pc.n_family_common,
               CASE WHEN gender = 'M' THEN pc.n_given_m ELSE pc.n_given_f END AS n_given,
               CASE WHEN g1 = 'M' THEN pc.n_given_m ELSE pc.n_given_f END AS n_given_1,
               CASE WHEN own_family THEN
                    CASE WHEN pc.n_family > pc.n_family_common AND ci_bench.u(seed, pk + 7) >= 0.65
                         THEN pc.n_family_common + ci_bench.pick(seed, pk + 8, pc.n_family - pc.n_family_common)
                         ELSE ci_bench.pick(seed, pk + 8, pc.n_family_common) END
                    ELSE family_idx END AS fam_idx,
               CASE WHEN own_family THEN own_culture ELSE m1.culture END AS fam_culture,
               CASE WHEN member_no = 2 AND twins IS NULL AND NOT own_family AND gender = 'F' AND ci_bench.u(seed, pk + 9) < 0.5
                    THEN ci_bench.pick(seed, pk + 10, pc.n_family_common) END AS maiden_idx
          FROM m1 JOIN ci_bench.pool_count pc ON pc.culture = m1.own_culture
    )
    SELECT m2.person_id, m2.household_id, m2.member_no, m2.is_twin, m2.gender, m2.own_culture, m2.country, m2.pk,
           m2.fam_culture, m2.fam_idx, m2.maiden_idx, m2.street_style, m2.area_codes,
           -- twins in a 'siblings' household get different given names; children get consecutive pool entries
           CASE WHEN member_no = 1 THEN ci_bench.pick(seed, pk + 5, n_given)
                WHEN member_no = 2 AND twins = 'siblings' AND gender = g1
                     THEN 1 + (ci_bench.pick(seed, first_person_id * 64 + 5, n_given_1) - 1 + ci_bench.pick(seed, pk + 5, n_given - 1)) % n_given
                WHEN member_no = 2 THEN ci_bench.pick(seed, pk + 5, n_given)
                ELSE 1 + (kid_base + member_no) % n_given END AS given_idx,
           -- partners within eight years of each other; children 22–40 years after the first adult, twins on one day
           CASE WHEN member_no = 1 OR (member_no = 2 AND twins = 'siblings') THEN hb
                WHEN member_no = 2 THEN
                     CASE WHEN hb + (ci_bench.pick(seed, pk + 11, 17) - 9) * 365 + ci_bench.pick(seed, pk + 12, 365) > date '2004-12-31'
                          THEN hb - 3650 + ci_bench.pick(seed, pk + 12, 365)
                          ELSE hb + (ci_bench.pick(seed, pk + 11, 17) - 9) * 365 + ci_bench.pick(seed, pk + 12, 365) END
                WHEN hb + (22 + ci_bench.pick(seed, household_id * 64 + 30 + CASE WHEN is_twin THEN 3 ELSE member_no END, 18)) * 365
                        + ci_bench.pick(seed, household_id * 64 + 50 + CASE WHEN is_twin THEN 3 ELSE member_no END, 365) > date '2012-12-31'
                THEN hb + (12 + ci_bench.pick(seed, household_id * 64 + 30 + CASE WHEN is_twin THEN 3 ELSE member_no END, 18)) * 365
                        + ci_bench.pick(seed, household_id * 64 + 50 + CASE WHEN is_twin THEN 3 ELSE member_no END, 365)
                ELSE hb + (22 + ci_bench.pick(seed, household_id * 64 + 30 + CASE WHEN is_twin THEN 3 ELSE member_no END, 18)) * 365
                        + ci_bench.pick(seed, household_id * 64 + 50 + CASE WHEN is_twin THEN 3 ELSE member_no END, 365)
                END AS birth_date,
           timestamptz '2014-01-01 00:00:00+00' + floor(ci_bench.u(seed, pk + 13) * 347155200) * interval '1 second' AS event_at,
           ci_bench.u(seed, pk + 14) < 0.15 AS moved,
           ci_bench.u(seed, pk + 15) < 0.92 AS has_email,
           ci_bench.u(seed, pk + 16) < 0.2 OR maiden_idx IS NOT NULL AS new_email,
           CASE WHEN ci_bench.u(seed, pk + 14) < 0.15 THEN ci_bench.pick(seed, pk + 25, n_cities) END AS prev_city_idx,
           CASE WHEN ci_bench.u(seed, pk + 14) < 0.15 THEN ci_bench.pick(seed, pk + 26, n_streets) END AS prev_street_idx,
           floor(ci_bench.u(seed, pk + 27) * 100)::integer AS domain_slot,
           floor(ci_bench.u(seed, pk + 28) * 100)::integer AS old_domain_slot,
           -- 1 to 6 records per person (30 30 20 12 5 3 %: 2.41 on average)
           1 + width_bucket(ci_bench.u(seed, pk + 34), '{0.30,0.60,0.80,0.92,0.97}'::float8[]) AS record_count
      FROM m2;
    ANALYZE ci_gen_pkey (own_culture, gender, given_idx, fam_culture, fam_idx, maiden_idx, country, street_style);

    -- The parts of email addresses: names ASCII-folded (precomputed in the
    -- pools), the nickname a person goes by (30 % of those whose name has
    -- one), providers.
    CREATE TEMP TABLE ci_gen_name ON COMMIT DROP AS
    SELECT m3.person_id, m3.household_id, m3.pk, m3.birth_date, m3.has_email, m3.new_email,
           CASE WHEN cardinality(g.nicks) > 0 AND ci_bench.u(seed, m3.pk + 17) < 0.3
                THEN g.nicks[ci_bench.pick(seed, m3.pk + 18, cardinality(g.nicks))] END AS nick,
           m3.own_culture AS culture, g.email_form AS gl,
           CASE WHEN m3.gender = 'F' THEN f.email_f ELSE f.email_m END AS fl,
           coalesce(mf.email_f, CASE WHEN m3.gender = 'F' THEN f.email_f ELSE f.email_m END) AS old_fl,
           d1.domain AS domain, d2.domain AS old_domain
      FROM ci_gen_pkey m3
      JOIN ci_bench.pool_given g ON g.culture = m3.own_culture AND g.gender = m3.gender AND g.idx = m3.given_idx
      JOIN ci_bench.pool_family f ON f.culture = m3.fam_culture AND f.idx = m3.fam_idx
      LEFT JOIN ci_bench.pool_family mf ON mf.culture = m3.own_culture AND mf.idx = m3.maiden_idx
      JOIN ci_bench.domain_slot d1 ON d1.country = m3.country AND d1.slot = m3.domain_slot
      JOIN ci_bench.domain_slot d2 ON d2.country = m3.country AND d2.slot = m3.old_domain_slot
     WHERE m3.has_email;

    -- Email addresses, unique per owner: the same mailbox (gmail ignores
    -- dots) never goes to two persons by accident; a suffix _N separates them.
    -- Kinds: 1 current, 2 before the life event, 3 shared by a household.
    CREATE TEMP TABLE ci_gen_email ON COMMIT DROP AS
    WITH raw AS (
        SELECT person_id AS owner, 1 AS kind, domain,
               CASE ci_bench.pick(seed, pk + 30, 8)
                    WHEN 1 THEN eg || '.' || fl WHEN 2 THEN eg || fl WHEN 3 THEN left(eg, 1) || fl WHEN 4 THEN fl || '.' || eg
                    WHEN 5 THEN eg || '_' || fl WHEN 6 THEN eg || '.' || fl || to_char(birth_date, 'YY')
                    WHEN 7 THEN eg || fl || ci_bench.digits(seed, pk + 31, 2) ELSE eg || '.' || left(fl, 1) || ci_bench.digits(seed, pk + 31, 3) END AS local
          FROM (SELECT n.person_id, n.pk, n.domain, n.fl, n.birth_date,
                       CASE WHEN n.nick IS NOT NULL AND ci_bench.u(seed, n.pk + 29) < 0.6
                            THEN ci_bench.email_form(n.nick, n.culture) ELSE n.gl END AS eg
                  FROM ci_gen_name n OFFSET 0) p
        UNION ALL
        SELECT person_id, 2, old_domain,
               CASE ci_bench.pick(seed, pk + 32, 4)
                    WHEN 1 THEN gl || '.' || old_fl WHEN 2 THEN gl || old_fl || ci_bench.digits(seed, pk + 33, 2)
                    WHEN 3 THEN left(gl, 1) || '.' || old_fl ELSE old_fl || gl END
          FROM ci_gen_name WHERE new_email
        UNION ALL
        SELECT -household_id, 3, shared_domain, shared_local FROM ci_bench.household WHERE shared_local IS NOT NULL
    )
    SELECT owner, kind,
           local || CASE WHEN rn > 1 THEN '_' || (rn - 1)::text ELSE '' END || '@' || domain AS email
      FROM (SELECT raw.*, row_number() OVER (PARTITION BY CASE WHEN domain = 'gmail.com' THEN replace(local, '.', '') ELSE local END, domain
                                             ORDER BY kind, owner) AS rn
              FROM raw) r;
    RAISE NOTICE 'generate_customers: email addresses done at % s', round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1);

    -- The persons, in one write.  Phone numbers in three steps (range index,
    -- digits, groups) so that each helper is inlined.
    CREATE UNLOGGED TABLE ci_bench.person AS
    SELECT q.person_id, q.household_id, q.member_no, q.is_twin, q.gender, q.culture, q.country, q.record_count,
           q.given_name, q.nicks, q.given_alts, q.given_native, q.nick, q.middle_initial,
           q.family_name, q.family_alts, q.family_native, q.maiden_name, q.maiden_alts, q.maiden_native,
           q.birth_date, q.event_at, q.moved, q.email, q.old_email, q.shared_email,
           ci_bench.group_digits(q.mobile_nsn, q.mobile_groups) AS mobile,
           q.national_id,
           q.prev_street_full, q.prev_street_short, q.prev_house_no, q.prev_city, q.prev_city_alts, q.prev_postcode
      FROM (
        SELECT r.*,
               CASE WHEN r.mobile_idx IS NOT NULL
                    THEN ci_bench.range_number(r.mobile_idx, r.mobile_prefixes, r.mobile_firsts, r.mobile_free) END AS mobile_nsn
          FROM (
            SELECT m3.person_id, m3.household_id, m3.member_no, m3.is_twin, m3.gender, m3.own_culture AS culture, m3.country,
                   m3.record_count,
                   g.name AS given_name, g.nicks, g.alts AS given_alts, g.native AS given_native,
                   -- the same draw as for the email address
                   CASE WHEN cardinality(g.nicks) > 0 AND ci_bench.u(seed, m3.pk + 17) < 0.3
                        THEN g.nicks[ci_bench.pick(seed, m3.pk + 18, cardinality(g.nicks))] END AS nick,
                   substr('ABCDEFGHJKLMNPRSTW', ci_bench.pick(seed, m3.pk + 19, 18), 1) AS middle_initial,
                   CASE WHEN m3.gender = 'F' THEN f.name_f ELSE f.name_m END AS family_name,
                   CASE WHEN m3.gender = 'F' THEN f.alts_f ELSE f.alts_m END AS family_alts,
                   CASE WHEN m3.gender = 'F' THEN f.native_f ELSE f.native_m END AS family_native,
                   mf.name_f AS maiden_name, mf.alts_f AS maiden_alts, mf.native_f AS maiden_native,
                   m3.birth_date, m3.event_at, m3.moved, e1.email, e2.email AS old_email, e3.email AS shared_email,
                   -- a mobile for 90 % of adults and 30 % of the young, one number per person; NANP
                   -- mobiles use the city's area codes with exchanges 2xx–5xx (landlines 6xx–9xx)
                   CASE WHEN ci_bench.u(seed, m3.pk + 20) < CASE WHEN m3.birth_date > date '2008-01-01' THEN 0.3 ELSE 0.9 END
                        THEN ci_bench.perm(seed, m3.person_id, CASE WHEN m3.country = 'US' THEN cardinality(m3.area_codes) * 4000000::bigint
                                                                     ELSE c.mobile_space END) END AS mobile_idx,
                   CASE WHEN m3.country = 'US' THEN m3.area_codes ELSE c.mobile_prefixes END AS mobile_prefixes,
                   CASE WHEN m3.country = 'US' THEN '2345' ELSE '' END AS mobile_firsts,
                   CASE WHEN m3.country = 'US' THEN 6 ELSE c.mobile_free END AS mobile_free,
                   c.mobile_groups,
                   -- national identifiers, one per person: US SSN, GB National Insurance number,
                   -- AU tax file number (check digit), FR NIR (sex, birth year and month, key); none for DE
                   CASE m3.country
                     WHEN 'US' THEN (SELECT lpad((CASE WHEN a >= 666 THEN a + 1 ELSE a END)::text, 3, '0') || '-' || lpad((1 + (i / 9999) % 99)::text, 2, '0')
                                            || '-' || lpad((1 + i % 9999)::text, 4, '0')
                                       FROM (SELECT ci_bench.perm(seed, m3.person_id, 898 * 99 * 9999) AS i) x,
                                            LATERAL (SELECT 1 + (x.i / (99 * 9999))::integer AS a) y)
                     WHEN 'GB' THEN (SELECT ('{AB,AE,CE,JB,JE,JH,JK,JL,JM,JP,JR,JS,JT,KA,KB,KC,NA,NB,NE,NH,NL,NM,NP,NR,NS,NW,NX,NY,NZ,PA,PB,PC,SA,SB,SC,SE,SH,SJ,SK,SL,SM,SN,SP,SR,SS,ST,SW,SX,SY,SZ,TA,TB,WA,WB,WE,WK,WL,WM,WP,WR,WT,YA,YB,YE,YH,YK,YL,YM,YP,YR,YS,YT,YW,YX,YZ,ZA,ZB,ZE,ZH,ZL}'::text[])[1 + (i / 4000000)::integer]
                                            || lpad(((i / 4) % 1000000)::text, 6, '0') || substr('ABCD', 1 + (i % 4)::integer, 1)
                                       FROM (SELECT ci_bench.perm(seed, m3.person_id, 80 * 4000000) AS i) x)
                     WHEN 'AU' THEN ci_bench.tfn(ci_bench.pick(seed, m3.pk + 21, 10) - 1, lpad(ci_bench.perm(seed, m3.person_id, 10000000)::text, 7, '0'))
                     WHEN 'FR' THEN (SELECT n::text || lpad((97 - n % 97)::text, 2, '0')
                                       FROM (SELECT (CASE m3.gender WHEN 'M' THEN '1' ELSE '2' END || to_char(m3.birth_date, 'YYMM')
                                                     || lpad((ci_bench.pick(seed, m3.pk + 22, 94) + CASE WHEN ci_bench.pick(seed, m3.pk + 22, 94) >= 20 THEN 1 ELSE 0 END)::text, 2, '0')
                                                     || lpad(ci_bench.perm(seed, m3.person_id, 1000000)::text, 6, '0'))::bigint AS n) x)
                     END AS national_id,
                   ps.full_name AS prev_street_full, ps.short_name AS prev_street_short,
                   CASE WHEN m3.moved THEN ci_bench.pick(seed, m3.pk + 23, CASE m3.street_style WHEN 'en' THEN 250 ELSE 120 END) END AS prev_house_no,
                   py.city AS prev_city, py.alts AS prev_city_alts,
                   CASE WHEN m3.moved THEN ci_bench.postcode(seed, m3.pk + 24, py.pc_codes, py.pc_lo, py.pc_hi, py.pc_len) END AS prev_postcode
              FROM ci_gen_pkey m3
              JOIN ci_bench.pool_country c ON c.country = m3.country
              JOIN ci_bench.pool_given g ON g.culture = m3.own_culture AND g.gender = m3.gender AND g.idx = m3.given_idx
              JOIN ci_bench.pool_family f ON f.culture = m3.fam_culture AND f.idx = m3.fam_idx
              LEFT JOIN ci_bench.pool_family mf ON mf.culture = m3.own_culture AND mf.idx = m3.maiden_idx
              LEFT JOIN ci_bench.pool_city py ON py.country = m3.country AND py.idx = m3.prev_city_idx
              LEFT JOIN ci_bench.pool_street ps ON ps.country_style = m3.street_style AND ps.idx = m3.prev_street_idx
              LEFT JOIN (SELECT owner, email FROM ci_gen_email WHERE kind = 1) e1 ON e1.owner = m3.person_id
              LEFT JOIN (SELECT owner, email FROM ci_gen_email WHERE kind = 2) e2 ON e2.owner = m3.person_id
              LEFT JOIN (SELECT -owner AS household_id, email FROM ci_gen_email WHERE kind = 3) e3 ON e3.household_id = m3.household_id
            OFFSET 0) r
        OFFSET 0) q;
    RAISE NOTICE 'generate_customers: persons done at % s', round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1);

    -- The ground truth.  record_id is a seeded permutation of 1..N; with
    -- n_records, the first n_records records in person order are kept.
    IF generate_customers.n_records IS NOT NULL THEN
        -- keep the persons whose records fit, in person order; the last one may lose some
        WITH c AS (SELECT p.person_id, sum(p.record_count) OVER (ORDER BY p.person_id) AS upto FROM ci_bench.person p),
             cut AS (SELECT min(c.person_id) AS last_person FROM c WHERE c.upto >= generate_customers.n_records)
        DELETE FROM ci_bench.person p USING cut WHERE p.person_id > cut.last_person;
        UPDATE ci_bench.person p
           SET record_count = p.record_count - ((SELECT sum(q.record_count) FROM ci_bench.person q) - generate_customers.n_records)
         WHERE p.person_id = (SELECT max(q.person_id) FROM ci_bench.person q);
        DELETE FROM ci_bench.household h WHERE h.first_person_id > (SELECT max(p.person_id) FROM ci_bench.person p);
        UPDATE ci_bench.household h SET size = (SELECT count(*) FROM ci_bench.person p WHERE p.household_id = h.household_id)
         WHERE h.household_id = (SELECT p.household_id FROM ci_bench.person p ORDER BY p.person_id DESC LIMIT 1);
    END IF;
    CREATE UNLOGGED TABLE ci_bench.truth AS
    SELECT row_number() OVER (ORDER BY hashint8extended(p.person_id * 8 + r, seed), p.person_id, r) AS record_id,
           p.person_id, r AS record_no
      FROM ci_bench.person p, generate_series(1, p.record_count) r;   -- in record_id order: the window's sort
    ALTER TABLE ci_bench.person ADD PRIMARY KEY (person_id);
    ALTER TABLE ci_bench.truth ADD PRIMARY KEY (record_id);
    CREATE INDEX truth_person_idx ON ci_bench.truth (person_id);
    COMMENT ON TABLE ci_bench.truth IS 'ground truth of the generated records: which person each belongs to (evaluation only)';
    COMMENT ON TABLE ci_bench.person IS 'the persons behind the generated records (evaluation only)';
    COMMENT ON TABLE ci_bench.household IS 'the households of the generated persons (evaluation only)';
    RAISE NOTICE 'generate_customers: truth done at % s', round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1);

    PERFORM ci_bench.insert_records(seed);
    RAISE NOTICE 'generate_customers: source records done at % s', round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1);

    PERFORM setval(pg_get_serial_sequence('ci.source_record', 'record_id'), greatest((SELECT max(t.record_id) FROM ci_bench.truth t), 1));
    ANALYZE ci.source_record;
    ANALYZE ci_bench.truth;

    RETURN QUERY SELECT (SELECT count(*) FROM ci_bench.person), (SELECT count(*) FROM ci_bench.household),
                        (SELECT count(*) FROM ci_bench.truth), round(extract(epoch FROM clock_timestamp() - t0)::numeric, 2);
END
$fn$;
COMMENT ON FUNCTION ci_bench.generate_customers(integer, bigint, boolean, bigint) IS
  'fill ci.source_record with messy multi-source records of n_persons persons (or n_records records), deterministic for seed; truth in ci_bench.truth';

SET client_min_messages = :'ci_bench_cmm';
\if :generate
SELECT * FROM ci_bench.generate_customers(:n_persons, :seed, :replace, :n_records);
\endif
\set QUIET :ci_bench_quiet
\set ON_ERROR_STOP :ci_bench_on_error_stop
