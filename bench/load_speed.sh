#!/usr/bin/env bash
# Loading speed of ci.source_record (issue 13, "Loading at the speed of
# COPY").  Generates N records once (bench/generate_customers.sql) and writes
# their input columns to a file, then, ROUNDS times, interleaved:
#   plain    COPY of the file into a bare table with the same columns (no key, no index)
#   bulk     COPY into an unlogged staging table (as doc/identity.md does) + ci.load_source_records() into an empty
#            ci.source_record (normalised columns, constraints, every index built, ANALYZE)
#   indexed  (INDEXED=1 only; slow) COPY straight into ci.source_record with every index in place
# and prints wall times, the server's CPU time (every process of the
# cluster: the backend, its parallel workers, and whatever else ran), and
# ratios to plain COPY.  Then single-row inserts with every index in place,
# as an application sends them (bench/insert_client.c: one INSERT ... VALUES
# per transaction, a random record's values bound as parameters), each for
# SINGLE_SECONDS, SINGLE_ROUNDS times: one client with a new statement each
# time (unnamed, parsed and planned per INSERT), synchronous_commit on and
# off, records per second of wall time and per CPU second of the server
# (which leaves out the wait for the WAL flush at each commit, i.e. the
# disk); then a pool of each of CLIENTS (default "4 8") connections with
# prepared statements, synchronous_commit on.
#
# COMPARE_PORT: a second server (another build of the extension, e.g. a
# dev sandbox of main) measured in the same run, round by round, on the
# same file: "A" is COMPARE_PORT, "B" is PGPORT.
# RECORDS_FILE: keep the generated file there and reuse it when it exists.
#
#   N=1000000 bench/load_speed.sh          against the server in PGHOST/PGPORT (a dev sandbox)
#   N=1000000 ROUNDS=3 COMPARE_PORT=5543 RECORDS_FILE=/tmp/1m.copy bench/load_speed.sh
#   N=200000 ROUNDS=3 INDEXED=1 bench/load_speed.sh
#
# The server must run on this machine (CPU time is read from /proc).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000000} ROUNDS=${ROUNDS:-2} SINGLE_SECONDS=${SINGLE_SECONDS:-20} SINGLE_ROUNDS=${SINGLE_ROUNDS:-2}
export PGOPTIONS='-c client_min_messages=warning'
db=ci_load
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cols="record_id, source, source_key, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country, attributes, updated_at"
B=${PGPORT:-5432}
ports="$B"
[ -n "${COMPARE_PORT:-}" ] && ports="$COMPARE_PORT $B"
label() { if [ "$1" = "${COMPARE_PORT:-}" ]; then echo "A:$1"; else echo "B:$1"; fi; }
q() { local port=$1; shift; psql -X -q -p "$port" "$@"; }
# shellcheck source=bench/common.sh
. bench/common.sh

secs() { echo "$2 - $1" | bc; }

file=${RECORDS_FILE:-$work/records.copy}
if [ ! -s "$file" ]; then
  first=${ports%% *}
  q "$first" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  q "$first" -d $db -c "CREATE EXTENSION customer_intel"
  t0=$(date +%s.%N)
  q "$first" -d $db -v n_records="$N" -v seed=1 -f bench/generate_customers.sql >/dev/null
  echo "generated $N records in $(secs "$t0" "$(date +%s.%N)") s (the generator loads through ci.load_source_records; not a figure)"
  q "$first" -d $db -c "\\copy (SELECT $cols FROM ci.source_record ORDER BY record_id) TO '$file'"
fi
ls -l "$file" | awk '{printf "file: %.0f MB, ", $5 / 1e6}'; wc -l < "$file" | awk '{print $1 " records"}'

for port in $ports; do
  q "$port" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  q "$port" -d $db -c "CREATE EXTENSION customer_intel" \
       -c "CREATE TABLE bare AS SELECT $cols FROM ci.source_record WITH NO DATA" \
       -c "CREATE UNLOGGED TABLE staging AS SELECT $cols FROM ci.source_record WITH NO DATA" \
       -c "ALTER TABLE bare SET (autovacuum_enabled = false)" -c "ALTER TABLE staging SET (autovacuum_enabled = false)" \
       -c "CHECKPOINT"
  echo "$(label "$port"): $(psql -X -At -p "$port" -d $db -c "SELECT extversion FROM pg_extension WHERE extname = 'customer_intel'") at $(psql -X -At -p "$port" -d $db -c "SELECT pg_catalog.pg_read_file('postmaster.pid')" | sed -n 2p)"
done

declare -A plain bulk bulkcpu plaincpu
for round in $(seq 1 "$ROUNDS"); do
  for port in $ports; do
    q "$port" -d $db -c "TRUNCATE bare" -c "CHECKPOINT"
    c0=$(cluster_cpu "$port"); t0=$(date +%s.%N)
    q "$port" -d $db -c "\\copy bare FROM '$file'"
    t1=$(date +%s.%N); c1=$(cluster_cpu "$port")
    p=$(secs "$t0" "$t1") pc=$(secs "$c0" "$c1")
    q "$port" -d $db -c "TRUNCATE staging" -c "TRUNCATE ci.source_record CASCADE" -c "CHECKPOINT"
    c0=$(cluster_cpu "$port"); t0=$(date +%s.%N)
    q "$port" -At -d $db -c "SET maintenance_work_mem = '256MB'" -c "\\copy staging FROM '$file'" \
         -c "\\o $work/split" -c "SELECT round((insert_ms / 1000)::numeric, 1) || ' s insert, ' || round((index_ms / 1000)::numeric, 1) || ' s index builds + ANALYZE' FROM ci.load_source_records('staging')"
    t1=$(date +%s.%N); c1=$(cluster_cpu "$port")
    b=$(secs "$t0" "$t1") bc=$(secs "$c0" "$c1")
    plain[$port]+="$p " bulk[$port]+="$b " plaincpu[$port]+="$pc " bulkcpu[$port]+="$bc "
    line="round $round $(label "$port"): plain COPY $(printf %.2f "$p") s (CPU $pc s); COPY to staging + ci.load_source_records $(printf %.2f "$b") s (CPU $bc s; $(cat "$work/split")), ratio $(echo "scale=2; $b / $p" | bc)"
    if [ -n "${INDEXED:-}" ]; then
      q "$port" -d $db -c "TRUNCATE ci.source_record CASCADE" -c "CHECKPOINT"
      t0=$(date +%s.%N)
      q "$port" -d $db -c "\\copy ci.source_record ($cols) FROM '$file'"
      i=$(secs "$t0" "$(date +%s.%N)")
      line="$line; COPY into the indexed table $(printf %.2f "$i") s, ratio $(echo "scale=2; $i / $p" | bc)"
    fi
    echo "$line  (load average $(cut -d' ' -f1 /proc/loadavg))"
  done
done

# single-row inserts into the loaded table: one INSERT ... VALUES per
# transaction, the values of a random record of the file bound as parameters
# (bench/insert_client.c), under a new source_key
build_insert_client "$work"
# $1 port, $2 clients, $3 prepared|params, $4 synchronous_commit: prints "<records/s> <records per server CPU second>"
single() {
  local c0 c1 out n t
  c0=$(cluster_cpu "$1")
  out=$(PGPORT=$1 PGDATABASE=$db PGOPTIONS="$PGOPTIONS -c synchronous_commit=$4" \
        "$work/insert_client" -f "$file" -c "$2" -T "$SINGLE_SECONDS" -M "$3" -k "single-$RANDOM$RANDOM") || return 1
  c1=$(cluster_cpu "$1")
  n=${out% *} t=${out#* }
  echo "$(echo "scale=0; $n / $t" | bc) $(echo "scale=0; $n / ($c1 - $c0)" | bc)"
}
declare -A single_wall single_cpu single_async
for port in $ports; do
  q "$port" -d $db -c "TRUNCATE ci.source_record CASCADE" -c "TRUNCATE staging" -c "\\copy staging FROM '$file'" \
       -c "SELECT * FROM ci.load_source_records('staging')" -c "VACUUM ANALYZE ci.source_record" \
       -c "SELECT setval(pg_get_serial_sequence('ci.source_record', 'record_id'), max(record_id)) FROM ci.source_record" >/dev/null  # builds before load4 left it behind
  echo "$(label "$port") ci.source_record: $(psql -X -At -p "$port" -d $db -c "SELECT count(*) || ' indexes, ' || pg_size_pretty(sum(pg_relation_size(indexrelid))) || ' of index' FROM pg_index WHERE indrelid = 'ci.source_record'::regclass")"
done
for round in $(seq 1 "$SINGLE_ROUNDS"); do
  for port in $ports; do
    for mode in on off; do
      r=$(single "$port" 1 params $mode); rate=${r% *} per_cpu=${r#* }
      if [ $mode = on ]; then single_wall[$port]+="$rate "; else single_async[$port]+="$rate "; fi
      single_cpu[$port]+="$per_cpu "
      echo "single-row round $round $(label "$port") 1 client, synchronous_commit=$mode: $rate records/s, $per_cpu records per server CPU second  (load average $(cut -d' ' -f1 /proc/loadavg))"
    done
  done
done

declare -A pool
for round in $(seq 1 "$SINGLE_ROUNDS"); do
  for port in $ports; do
    for clients in ${CLIENTS:-4 8}; do
      r=$(single "$port" "$clients" prepared on); rate=${r% *} per_cpu=${r#* }
      pool[$port.$clients]+="$rate "
      echo "single-row round $round $(label "$port") $clients clients, prepared, synchronous_commit=on: $rate records/s, $per_cpu records per server CPU second  (load average $(cut -d' ' -f1 /proc/loadavg))"
    done
  done
done

med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
for port in $ports; do
  # shellcheck disable=SC2086
  line="median $(label "$port"): plain COPY $(med ${plain[$port]}) s (CPU $(med ${plaincpu[$port]}) s), bulk path $(med ${bulk[$port]}) s (CPU $(med ${bulkcpu[$port]}) s); single-row, 1 client $(med ${single_wall[$port]}) records/s (synchronous_commit=off $(med ${single_async[$port]})), $(med ${single_cpu[$port]}) records per CPU second"
  # shellcheck disable=SC2086
  for clients in ${CLIENTS:-4 8}; do line+="; $clients clients prepared $(med ${pool[$port.$clients]}) records/s"; done
  echo "$line"
done
echo "Targets: 1,000,000 records loaded (normalised, every index built) <= 30 s; single-row inserts >= 5,000 records/s."
[ -n "${KEEP_DB:-}" ] || for port in $ports; do q "$port" -c "DROP DATABASE $db"; done
