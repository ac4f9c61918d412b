#!/usr/bin/env bash
# Peak private memory of a backend during a full identity resolution and a
# golden profile build, on N generated records (bench/generate_customers.sql).
# RssAnon of the backend is sampled every 20 ms (VmHWM would also count the
# shared buffers the backend touched).  Runs against the database in
# PGDATABASE (default ci_bench_mem, re-created), as a superuser (it sets
# maintenance_work_mem high so that the limit is not what is measured).
#   N=200000 bench/memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-200000}
db=${PGDATABASE:-ci_bench_mem}
export PGDATABASE=$db
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql -X -q -c "CREATE EXTENSION customer_intel"
psql -X -q -v n_records="$N" -v seed=1 -f bench/generate_customers.sql >/dev/null 2>&1
psql -X -q -c "VACUUM ANALYZE"

# run LABEL PSQL-ARGS...: one session; prints its peak RssAnon above the idle backend
run() {
  local label=$1 out pid base peak=0 v ppid
  shift
  out=$(mktemp)
  psql -X -q -At -c "SET application_name = 'ci_bench_mem'" -c "SELECT pg_sleep(0.5)" "$@" > "$out" 2>&1 &
  ppid=$!
  sleep 0.3
  pid=$(psql -X -At -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'ci_bench_mem'")
  base=$(awk '/RssAnon/ {print $2}' "/proc/$pid/status")
  while kill -0 "$ppid" 2>/dev/null; do
    v=$(awk '/RssAnon/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$v" ] && [ "$v" -gt "$peak" ] && peak=$v
    sleep 0.02
  done
  printf '%-55s %6d MB above the idle backend  %s\n' "$label" $(((peak - base) / 1024)) \
    "$(grep -E '^Time|^[0-9]+\|' "$out" | tr '\n' ' ')"
  rm -f "$out"
}
big=(-c "SET maintenance_work_mem = '4GB'" -c '\timing on')
run "resolve_identities(retrain => true), N=$N" "${big[@]}" -c "SELECT records, candidate_pairs FROM ci.resolve_identities(retrain => true)"
run "resolve_identities(), N=$N" "${big[@]}" -c "SELECT records, candidate_pairs FROM ci.resolve_identities()"
for wm in 1MB 4MB 64MB 256MB; do
  run "build_golden_profiles() from empty, work_mem=$wm" -c "TRUNCATE ci.golden_profile" -c "SET work_mem = '$wm'" \
      -c '\timing on' -c "SELECT ci.build_golden_profiles()"
done
