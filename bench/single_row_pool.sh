#!/usr/bin/env bash
# Single-row INSERTs into ci.source_record from pools of several sizes, and
# what each pool waits for (issue 13, "single-row inserts >= 5,000/s").
# For each of CLIENTS (default "1 4 8 16") connections, ROUNDS times, runs
# bench/insert_client.c for SECONDS_EACH (prepared, one row per
# transaction, synchronous_commit on) and prints records/s, the server's
# CPU per insert, WAL bytes and full-page images per insert (pg_stat_wal),
# and where the inserting backends were, sampled every 20 ms from
# pg_stat_activity (a wait event, or on CPU).
#
# AFTER_CHECKPOINT=1 runs a CHECKPOINT before each measurement, so that
# every run starts where full-page images are most frequent; otherwise the
# runs follow each other as the checkpoints fall.
# PGBENCH=1 also measures each pool with pgbench sending the same rows as
# INSERT ... SELECT from a side table (what bench/load_speed.sh did before
# it had insert_client), interleaved with insert_client.
#
# Run it on a throwaway database left by `KEEP_DB=1 RECORDS_FILE=...
# bench/load_speed.sh` (DB, default ci_load), with the same RECORDS_FILE;
# every run adds rows.  The server must run on this machine (CPU time is
# read from /proc).
#   DB=ci_load RECORDS_FILE=/tmp/1m.copy CLIENTS="4 8" ROUNDS=2 bench/single_row_pool.sh
set -euo pipefail
: "${RECORDS_FILE:?set RECORDS_FILE to the file bench/load_speed.sh loaded}"
DB=${DB:-ci_load} ROUNDS=${ROUNDS:-2} SECONDS_EACH=${SECONDS_EACH:-15} CLIENTS=${CLIENTS:-1 4 8 16}
export PGOPTIONS='-c client_min_messages=warning' PGDATABASE=$DB
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"
build_insert_client "$work"
psql -X -q -c "CREATE UNLOGGED TABLE IF NOT EXISTS pool_wait_sample (taken int, state text)"
if [ -n "${PGBENCH:-}" ]; then
  psql -X -q -c "DROP TABLE IF EXISTS pool_side" \
       -c "CREATE TABLE pool_side AS SELECT record_id, source, source_key, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country, attributes, updated_at FROM ci.source_record WITH NO DATA" \
       -c "\\copy pool_side FROM '$RECORDS_FILE'" -c "ALTER TABLE pool_side ADD COLUMN n bigserial UNIQUE" \
       -c "CREATE SEQUENCE IF NOT EXISTS pool_key" -c "VACUUM ANALYZE pool_side"
  cat > "$work/pgbench.sql" <<SQL
\\set i random(1, $(psql -X -At -c "SELECT count(*) FROM pool_side"))
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country, attributes)
SELECT source, 'pool-' || nextval('pool_key'), given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country, attributes
FROM pool_side WHERE n = :i;
SQL
fi
harnesses="insert_client${PGBENCH:+ pgbench}"

# $1 harness, $2 clients: one measurement
measure() {
  local c0 c1 w0 w1 n secs sampler
  [ -n "${AFTER_CHECKPOINT:-}" ] && psql -X -q -c "CHECKPOINT"
  psql -X -q -c "TRUNCATE pool_wait_sample"
  w0=$(psql -X -At -c "SELECT wal_bytes || ' ' || wal_fpi FROM pg_stat_wal")
  c0=$(cluster_cpu)
  psql -X -q -c "DO \$\$ BEGIN FOR i IN 1..$((SECONDS_EACH * 50 - 25)) LOOP
      PERFORM pg_stat_clear_snapshot();
      INSERT INTO pool_wait_sample SELECT i, coalesce(wait_event_type || ':' || wait_event, 'CPU')
        FROM pg_stat_activity WHERE backend_type = 'client backend' AND query LIKE 'INSERT%' AND pid <> pg_backend_pid();
      PERFORM pg_sleep(0.02); END LOOP; END \$\$" &
  sampler=$!
  if [ "$1" = pgbench ]; then
    n=$(pgbench -n -M prepared -c "$2" -j "$(( $2 < 2 ? 1 : 2 ))" -T "$SECONDS_EACH" -f "$work/pgbench.sql" 2>"$work/err" \
        | awk '/actually processed/ {print $NF}' | cut -d/ -f1) || true
    secs=$SECONDS_EACH
  else
    read -r n secs < <("$work/insert_client" -f "$RECORDS_FILE" -c "$2" -T "$SECONDS_EACH" -k "pool-$RANDOM$RANDOM" 2>"$work/err") || true
  fi
  c1=$(cluster_cpu)
  wait "$sampler"
  [ "${n:-0}" -gt 0 ] || { cat "$work/err"; exit 1; }
  w1=$(psql -X -At -c "SELECT wal_bytes || ' ' || wal_fpi FROM pg_stat_wal")
  printf '%-13s %2s clients: %5.0f records/s, %5.1f us server CPU, %6.0f WAL bytes, %.2f full-page images per insert; %s\n' \
    "$1" "$2" "$(echo "$n / $secs" | bc -l)" "$(echo "1000000 * ($c1 - $c0) / $n" | bc -l)" \
    "$(echo "(${w1% *} - ${w0% *}) / $n" | bc -l)" "$(echo "(${w1#* } - ${w0#* }) / $n" | bc -l)" \
    "$(psql -X -At -c "SELECT string_agg(state || ' ' || pct || '%', ', ' ORDER BY pct DESC) FROM (SELECT state, round(100.0 * count(*) / sum(count(*)) OVER ()) AS pct FROM pool_wait_sample GROUP BY state) s WHERE pct >= 1")"
}

echo "ci.source_record: $(psql -X -At -c "SELECT count(*) FROM ci.source_record") rows; shared_buffers $(psql -X -At -c "SHOW shared_buffers"), max_wal_size $(psql -X -At -c "SHOW max_wal_size"), $(nproc) cores"
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round  (load average $(cut -d' ' -f1 /proc/loadavg))"
  for clients in $CLIENTS; do
    for h in $harnesses; do measure "$h" "$clients"; done
  done
done
psql -X -q -c "DROP TABLE pool_wait_sample" ${PGBENCH:+-c "DROP TABLE pool_side"}
