#!/usr/bin/env bash
# Retention benchmark (bench/README.md records its figures).
#   1. purge: EXPIRED expired rows out of ROWS, while a writer inserts and
#      updates the same table continuously: ci.run_retention against one
#      plain DELETE of the same rows; the writer's worst statement latency
#      during each;
#   2. the same on a table partitioned by quarter (whole partitions dropped);
#   3. erasure of one customer on a database of RECORDS source records.
# Runs against the server in the PG* variables (a dev sandbox):
#   eval "$(scripts/dev-sandbox.sh env NAME PORT)"; ROWS=5000000 EXPIRED=1000000 RECORDS=1000000 bench/retention.sh
#   (BATCH: batch_rows, default 10000; SKIP_ERASURE=1: purges only)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-5000000} EXPIRED=${EXPIRED:-1000000} RECORDS=${RECORDS:-1000000} BATCH=${BATCH:-10000}
DB=${BENCH_DB:-ci_bench_retention}
q() { psql -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
psql -X -q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
q -c "CREATE EXTENSION customer_intel"
echo "# set-up: $ROWS rows, $EXPIRED expired"
q -v rows="$ROWS" -v expired="$EXPIRED" -f bench/retention_setup.sql > /dev/null

# run_with_writer LABEL TABLE SQL: runs SQL while a writer works on TABLE; prints seconds
run_with_writer() {
  local label=$1 table=$2 sql=$3
  q -c "CALL bench_writer('$table', '$label', $ROWS)" &
  local wpid=$!
  sleep 2
  local t0 t1
  t0=$(date +%s.%N); q -c "$sql"; t1=$(date +%s.%N)
  sleep 1
  q -c "INSERT INTO bench_stop VALUES ('$label')"; wait $wpid
  echo "$label $(echo "$t1 - $t0" | bc)"
}
restore_expired() {  # put the expired rows back where they were
  q -c "VACUUM $1" -c "INSERT INTO $1 (id, identity_id, at, payload)
        SELECT g, g % 100000, now() - interval '3 years' + g * interval '1 second', md5(g::text)
          FROM generate_series(1, $EXPIRED) g ON CONFLICT DO NOTHING" -c "VACUUM ANALYZE $1" > /dev/null
}

plain=$(run_with_writer plain bench_event "DELETE FROM bench_event WHERE at < now() - interval '2 years'")
restore_expired bench_event
purge=$(run_with_writer purge bench_event "CALL ci.run_retention(batch_rows => $BATCH)")
q -c "SELECT ci.create_retention_policy('2 years', table_name => 'bench_event_p')" > /dev/null
q -c "DELETE FROM ci.retention_policy WHERE table_name = 'bench_event'::regclass" > /dev/null
pplain=$(run_with_writer pplain bench_event_p "BEGIN; DELETE FROM bench_event_p WHERE at < now() - interval '2 years'; ROLLBACK;")
ppurge=$(run_with_writer ppurge bench_event_p "CALL ci.run_retention(batch_rows => $BATCH)")

q -At -F ' ' <<SQL
SELECT 'left expired (plain table): ' || count(*) FROM bench_event WHERE at < now() - interval '2 years';
SELECT 'left expired (partitioned): ' || count(*) FROM bench_event_p WHERE at < now() - interval '2 years';
SELECT 'partitions dropped: ' || sum(partitions_removed) || ', rows in them: ' || sum(rows_deleted) FILTER (WHERE kind = 'partition')
  FROM ci.retention_run_step s JOIN ci.retention_run r USING (run_id) WHERE s.table_name = 'bench_event_p'::regclass;
SELECT format('writer during %-7s: %s statements, worst %s ms, p99 %s ms', label, statements, round(max_ms::numeric, 1), round(p99_ms::numeric, 1))
  FROM bench_writer_result ORDER BY at;
SQL
read -r _ tp <<< "$plain"; read -r _ tr <<< "$purge"; read -r _ tpp <<< "$pplain"; read -r _ tpr <<< "$ppurge"
echo "plain DELETE     : $tp s  ($(echo "$EXPIRED / $tp" | bc) rows/s)"
echo "ci.run_retention : $tr s  ($(echo "$EXPIRED / $tr" | bc) rows/s)  rate ratio purge/plain = $(echo "scale=2; $tp / $tr" | bc)"
echo "partitioned plain DELETE (rolled back): $tpp s; ci.run_retention: $tpr s  ratio = $(echo "scale=2; $tpp / $tpr" | bc)"

[ -n "${SKIP_ERASURE:-}" ] && exit 0
echo "# erasure: $RECORDS source records"
q -v records="$RECORDS" -f bench/retention_erasure.sql
