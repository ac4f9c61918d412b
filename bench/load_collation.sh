#!/usr/bin/env bash
# What COLLATE "C" on ci.source_record's normalised keys saves, on one
# build: two databases of LOCALE (default en_US.utf8; it must exist on the
# server's machine: locale -a), one as installed (keys COLLATE "C"), one
# with the ten keys altered back to the database's collation; RECORDS_FILE
# (written by `RECORDS_FILE=... bench/load_speed.sh`) bulk-loaded, then
# 5,000 single-row INSERTs, ROUNDS times alternated.  Prints the server's
# CPU for the load (every process of the cluster, from /proc) and the
# backend's CPU per INSERT.
#
#   RECORDS_FILE=/tmp/200k.copy ROUNDS=3 bench/load_collation.sh
set -euo pipefail
: "${RECORDS_FILE:?set RECORDS_FILE to a file written by bench/load_speed.sh}"
LOCALE=${LOCALE:-en_US.utf8} ROUNDS=${ROUNDS:-3}
export PGOPTIONS='-c client_min_messages=warning'
file=$RECORDS_FILE
cols="record_id, source, source_key, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country, attributes, updated_at"
# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"
for db in ci_coll_c ci_coll_db; do
  psql -X -q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db TEMPLATE template0 LOCALE '$LOCALE'"
  psql -X -q -d $db -c "CREATE EXTENSION customer_intel" \
    -c "CREATE TABLE staging AS SELECT $cols FROM ci.source_record WITH NO DATA" \
    -c "\\copy staging FROM '$file'" -c "ALTER TABLE staging SET (autovacuum_enabled=false)" -c "VACUUM ANALYZE staging" \
    -c "CREATE FUNCTION cpu() RETURNS double precision LANGUAGE sql AS \$\$ SELECT (f[12]::bigint + f[13]::bigint) / 100.0 FROM (SELECT string_to_array(split_part(pg_read_file('/proc/self/stat'), ') ', 2), ' ') AS f) s \$\$" \
    -c "CREATE TABLE src AS SELECT row_number() OVER () AS i, source, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country FROM staging ORDER BY hashtext(source_key) LIMIT 5000"
done
psql -X -q -d ci_coll_db -c "DO \$\$ BEGIN EXECUTE format('CREATE OR REPLACE VIEW ci.golden_conflict AS %s', replace(pg_get_viewdef('ci.golden_conflict'), 'r.email_norm', 'r.email')); END \$\$" -c "ALTER TABLE ci.source_record $(for c in given_name_norm family_name_norm email_norm phone_e164 national_id_norm street_norm city_norm postcode_norm name_pair_norm name_pair_dm; do printf 'ALTER COLUMN %s TYPE text COLLATE "default",' $c; done | sed 's/,$//')"
for round in $(seq 1 "$ROUNDS"); do
 for db in ci_coll_db ci_coll_c; do
  psql -X -q -d $db -c "TRUNCATE ci.source_record CASCADE" -c CHECKPOINT
  c0=$(cluster_cpu)
  r=$(psql -X -q -At -d $db -c "SET maintenance_work_mem='256MB'" -c "SELECT round(insert_ms) || ' ms insert, ' || round(index_ms) || ' ms index+analyze' FROM ci.load_source_records('staging')")
  c1=$(cluster_cpu)
  s=$(psql -X -At -d $db <<SQL
SET synchronous_commit = off;
SELECT cpu() AS c0 \gset
DO \$\$ DECLARE r record; BEGIN
  FOR r IN SELECT * FROM src LOOP
    INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country)
    VALUES (r.source, 'single-$round-' || r.i, r.given_name, r.family_name, r.email, r.phone, r.birth_date, r.national_id, r.street, r.city, r.postcode, r.country);
  END LOOP; END \$\$;
SELECT round((cpu() - :c0) * 1e6 / 5000) || ' us/stmt';
SQL
)
  echo "round $round $db: bulk server CPU $(echo "$c1 - $c0" | bc) s ($r); single-row $(echo "$s" | tail -1)  (load $(cut -d' ' -f1 /proc/loadavg))"
 done
done
for db in ci_coll_c ci_coll_db; do psql -X -q -c "DROP DATABASE $db"; done
