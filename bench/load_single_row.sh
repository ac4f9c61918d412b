#!/usr/bin/env bash
# CPU cost of one single-row INSERT into ci.source_record, without the
# commit's WAL flush (issue 13, "single-row inserts >= 5,000 records/s"):
# loads RECORDS_FILE (written by `RECORDS_FILE=... bench/load_speed.sh`)
# through ci.load_source_records, then runs 5,000 INSERT ... VALUES from a
# PL/pgSQL loop (a cached plan, as an application's prepared statement),
# synchronous_commit off, and prints the backend's CPU time per statement
# (read from /proc/self/stat: the server must run on this machine).
#
# PORTS: one or more servers (different builds), measured in turn, ROUNDS times.
#   RECORDS_FILE=/tmp/200k.copy PORTS="5552 5542" ROUNDS=3 bench/load_single_row.sh
set -euo pipefail
: "${RECORDS_FILE:?set RECORDS_FILE to a file written by bench/load_speed.sh}"
PORTS=${PORTS:-${PGPORT:-5432}} ROUNDS=${ROUNDS:-3}
export PGOPTIONS='-c client_min_messages=warning'
db=ci_load_single
cols="record_id, source, source_key, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country, attributes, updated_at"
for port in $PORTS; do
  psql -X -q -p "$port" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  psql -X -q -p "$port" -d $db -c "CREATE EXTENSION customer_intel" \
    -c "CREATE TABLE staging AS SELECT $cols FROM ci.source_record WITH NO DATA" \
    -c "\\copy staging FROM '$RECORDS_FILE'" -c "SET maintenance_work_mem = '256MB'" \
    -c "SELECT records FROM ci.load_source_records('staging')" \
    -c "SELECT setval(pg_get_serial_sequence('ci.source_record', 'record_id'), max(record_id)) FROM ci.source_record" \
    -c "CREATE TABLE src AS SELECT row_number() OVER () AS i, source, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country FROM staging ORDER BY random() LIMIT 5000" \
    -c "VACUUM ANALYZE ci.source_record" \
    -c "CREATE FUNCTION cpu() RETURNS double precision LANGUAGE sql AS \$\$ SELECT (f[12]::bigint + f[13]::bigint) / 100.0 FROM (SELECT string_to_array(split_part(pg_read_file('/proc/self/stat'), ') ', 2), ' ') AS f) s \$\$" >/dev/null
done
for round in $(seq 1 "$ROUNDS"); do
  for port in $PORTS; do
    r=$(psql -X -At -p "$port" -d $db <<SQL
SET synchronous_commit = off;
SELECT cpu() AS c0 \\gset
DO \$\$ DECLARE r record; BEGIN
  FOR r IN SELECT * FROM src LOOP
    INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country)
    VALUES (r.source, 'single-$round-' || r.i, r.given_name, r.family_name, r.email, r.phone, r.birth_date, r.national_id, r.street, r.city, r.postcode, r.country);
  END LOOP; END \$\$;
SELECT round((cpu() - :c0) * 1e6 / 5000) || ' us of backend CPU per statement, ' || round(5000 / (cpu() - :c0)) || ' statements per CPU second';
SQL
)
    echo "round $round, port $port: $(echo "$r" | tail -1)  (load average $(cut -d' ' -f1 /proc/loadavg))"
  done
done
echo "Target: single-row inserts >= 5,000 records/s."
for port in $PORTS; do psql -X -q -p "$port" -c "DROP DATABASE $db"; done
