#!/usr/bin/env bash
# Speed of identity resolution (one command): generates N messy customer
# records with bench/generate_customers.sql, resolves them end to end with
# the default model (training included), then resolves K new records one at
# a time against the stored ones.  Prints time per phase, compared-and-
# scored pairs per second, incremental p50/p99 latency and records/s.
#
#   bench/resolve_speed.sh                     build, install, run in pg_virtualenv (N=1,000,000)
#   N=100000 K=500 bench/resolve_speed.sh      smaller
#   CI_BENCH_NO_BUILD=1 bench/resolve_speed.sh against the server in PGHOST/PGPORT
#   KEEP=1 ...                                 keep the database ci_speed afterwards (e.g. for bench/resolve_rerun.sql)
set -euo pipefail
cd "$(dirname "$0")/.."
export N=${N:-1000000} K=${K:-1000} SEED=${SEED:-1} PG_MAJOR=${PG_MAJOR:-15}

run() {
  set -euo pipefail
  export PGOPTIONS='-c client_min_messages=warning'
  psql -X -q -c "DROP DATABASE IF EXISTS ci_speed" -c "CREATE DATABASE ci_speed"
  psql -X -q -d ci_speed -c "CREATE EXTENSION customer_intel"
  local t0=$(date +%s.%N)
  psql -X -q -d ci_speed -v n_records="$N" -v seed="$SEED" -f bench/generate_customers.sql >/dev/null
  echo "generated $N records in $(echo "$(date +%s.%N) - $t0" | bc) s (not part of the resolution time)"
  psql -X -q -d ci_speed -c "VACUUM ANALYZE ci.source_record"
  unset PGOPTIONS
  psql -X -d ci_speed -v k="$K" -f bench/resolve_speed.sql
  echo "Targets: 1,000,000 records end to end < 60 s; >= 300,000 scored pairs/s; incremental p99 < 50 ms and >= 500 records/s against 1M stored."
  echo "Splink's headline: a million records in about a minute on a laptop (more cores); its published benchmark is about 128,000 pairs/s per vCPU."
  [ -n "${KEEP:-}" ] || psql -X -q -c "DROP DATABASE ci_speed"
}
export -f run

if [ -n "${CI_BENCH_NO_BUILD:-}" ]; then
  run
else
  scripts/setup.sh
  scripts/build.sh
  pg_virtualenv -v "$PG_MAJOR" bash -c run
fi
