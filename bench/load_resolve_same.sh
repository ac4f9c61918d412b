#!/usr/bin/env bash
# Same results, and incremental latency, on two builds (issue 13: a change
# of loading or indexes must leave resolution's results as they were):
# loads RECORDS_FILE (written by `RECORDS_FILE=... bench/load_speed.sh`)
# through ci.load_source_records on every server of PORTS, runs a full
# resolution with training, prints an md5 of the loaded table (every
# column of every row), of the links (record, identity,
# rule, probability) and of the identities, then resolves K new records (copies of
# stored ones with a typo, as bench/resolve_speed.sql) one at a time and
# prints p50 / p99 latency.  The servers are run in turn, ROUNDS times for
# the incremental part.
#
#   RECORDS_FILE=/tmp/1m.copy PORTS="5552 5542" K=1000 bench/load_resolve_same.sh
set -euo pipefail
: "${RECORDS_FILE:?set RECORDS_FILE to a file written by bench/load_speed.sh}"
PORTS=${PORTS:-${PGPORT:-5432}} K=${K:-1000} ROUNDS=${ROUNDS:-2}
export PGOPTIONS='-c client_min_messages=warning'
db=ci_load_same
cols="record_id, source, source_key, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country, attributes, updated_at"
for port in $PORTS; do
  psql -X -q -p "$port" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  psql -X -q -p "$port" -d $db -c "CREATE EXTENSION customer_intel" \
    -c "CREATE TABLE staging AS SELECT $cols FROM ci.source_record WITH NO DATA" \
    -c "\\copy staging FROM '$RECORDS_FILE'" -c "SET maintenance_work_mem = '256MB'" \
    -c "SELECT records FROM ci.load_source_records('staging')" -c "DROP TABLE staging" >/dev/null
  psql -X -At -p "$port" -d $db <<'SQL'
SET maintenance_work_mem = '2GB';
SELECT 'port ' || current_setting('port') || ': loaded table md5 '
       || md5(string_agg(md5(r::text), '' ORDER BY r.record_id)) FROM ci.source_record r;
SELECT 'port ' || current_setting('port') || ': full run ' || round((total_ms / 1000)::numeric, 1) || ' s, '
       || records || ' records, ' || candidate_pairs || ' pairs, ' || links || ' links, ' || identities || ' identities'
  FROM ci.resolve_identities('default', retrain => true);
SELECT 'port ' || current_setting('port') || ': links md5 '
       || md5(string_agg(record_id || ':' || identity_id || ':' || rule || ':' || round(match_probability::numeric, 9), ',' ORDER BY record_id))
  FROM ci.identity_link;
SELECT 'port ' || current_setting('port') || ': identities md5 '
       || md5(string_agg(identity_id || ':' || coalesce(retired_at IS NULL, true)::text, ',' ORDER BY identity_id))
  FROM ci.identity;
SELECT 'port ' || current_setting('port') || ': review md5 '
       || coalesce(md5(string_agg(record_a || ':' || record_b || ':' || round(match_probability::numeric, 9), ',' ORDER BY record_a, record_b)), '-')
  FROM ci.match_review;
SQL
done
for round in $(seq 1 "$ROUNDS"); do
  for port in $PORTS; do
    psql -X -At -p "$port" -d $db -v k="$K" -v round="$round" <<'SQL'
\set QUIET on
CREATE TEMP TABLE inc_src AS
SELECT r.* FROM ci.source_record r WHERE r.source_key NOT LIKE 'inc-%' ORDER BY hashint8(r.record_id + :round) LIMIT :k;
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country)
SELECT source, 'inc-' || :round || '-' || record_id, given_name, overlay(family_name placing 'x' from 2 for 1), email, phone, birth_date, national_id, street, city, postcode, country
FROM inc_src;
ANALYZE ci.source_record;
CREATE FUNCTION pg_temp.resolve_each() RETURNS TABLE (ms double precision) LANGUAGE plpgsql AS $$
DECLARE r bigint; t0 timestamptz;
BEGIN
    FOR r IN SELECT record_id FROM ci.source_record WHERE source_key LIKE 'inc-' || current_setting('ci_bench.round') || '-%' ORDER BY record_id LOOP
        t0 := clock_timestamp();
        PERFORM ci.resolve_record(r);
        ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
        RETURN NEXT;
    END LOOP;
END $$;
SELECT set_config('ci_bench.round', :'round', false);
\set QUIET off
SELECT 'round ' || :round || ', port ' || current_setting('port') || ': incremental ' || count(*) || ' records, p50 '
       || round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2) || ' ms, p99 '
       || round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2) || ' ms  (load average '
       || split_part(pg_read_file('/proc/loadavg'), ' ', 1) || ')'
  FROM pg_temp.resolve_each();
SQL
  done
done
[ -n "${KEEP_DB:-}" ] || for port in $PORTS; do psql -X -q -p "$port" -c "DROP DATABASE $db"; done
