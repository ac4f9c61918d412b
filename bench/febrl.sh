#!/usr/bin/env bash
# Accuracy of identity resolution on the FEBRL benchmark (one command).
# Sets up and builds like scripts/test.sh, then in a throwaway cluster
# (pg_virtualenv) loads each FEBRL set into ci.source_record, resolves it
# with the DEFAULT model trained unsupervised on the data during the run,
# and prints blocking recall, candidate pairs, pairwise precision / recall /
# F1 and run times.  The truth (rec_id) is read only by bench/febrl_eval.sql.
#
#   bench/febrl.sh                 build, install, run in pg_virtualenv
#   CI_BENCH_NO_BUILD=1 bench/febrl.sh   run against the server in PGHOST/PGPORT
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(git rev-parse --show-toplevel)
export FEBRL_DIR=${FEBRL_DIR:-$root/../shared/data/febrl}
export PG_MAJOR=${PG_MAJOR:-15}
[ -f "$FEBRL_DIR/dataset3.csv" ] || { echo "febrl: no data in $FEBRL_DIR" >&2; exit 1; }

run() {
  set -euo pipefail
  export PGOPTIONS='-c client_min_messages=warning'
  one() {  # name, linkage, files...
    local name=$1 linkage=$2; shift 2
    local db="febrl_$name" sources=""
    psql -X -q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
    psql -X -q -d "$db" -c "CREATE EXTENSION customer_intel"
    for f in "$@"; do
      local src="febrl${f#dataset}"
      psql -X -q -d "$db" -v src="$src" -f bench/febrl_load.sql < "$FEBRL_DIR/$f.csv"
      sources="${sources:+$sources,}$src"
    done
    echo "== FEBRL $name ($([ "$linkage" = true ] && echo "linkage ${sources/,/ x }" || echo "deduplication $sources"))"
    psql -X -d "$db" -v sources="$sources" -v linkage="$linkage" -f bench/febrl_run.sql
    psql -X -q -c "DROP DATABASE $db"
  }
  one 4 true dataset4a dataset4b
  one 3 false dataset3
  one 1 false dataset1
  one 2 false dataset2
  echo "Targets: F1 >= 0.9995 (FEBRL4), >= 0.995 (FEBRL3); blocking recall >= 0.999 with <= ~60,000 candidate pairs; each run well under a second."
  echo "Splink, default 0.5 threshold (its published notebooks): F1 0.9992 (FEBRL4), 0.9929 (FEBRL3); recordlinkage's FEBRL4 example: 0.79."
}
export -f run

if [ -n "${CI_BENCH_NO_BUILD:-}" ]; then
  run
else
  scripts/setup.sh
  scripts/build.sh
  pg_virtualenv -v "$PG_MAJOR" bash -c run
fi
