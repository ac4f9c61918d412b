#!/usr/bin/env bash
# Similarity benchmark: times ci.jaro_winkler and ci.levenshtein against
# pg_similarity's jarowinkler, contrib fuzzystrmatch's levenshtein and the
# floor length(a) + length(b) over 1,000,000 generated name pairs, in one
# run on one cluster, and prints each as a ratio to the floor (see
# bench/similarity.sql and bench/README.md).
#
#   bench/similarity.sh          like scripts/test.sh: install what is missing
#                                (scripts/setup.sh), build and install the
#                                extension into the system PostgreSQL
#                                (scripts/build.sh), run in a throwaway
#                                cluster (pg_virtualenv)
#   CI_BENCH_NO_BUILD=1 bench/similarity.sh   run against the server the PG* environment
#                                variables name; customer_intel, pg_similarity
#                                and fuzzystrmatch must be installed there
#
# PAIRS (default 1000000) and RUNS (interleaved rounds, best kept; default 5) tune the run.  The
# output is also saved under bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_MAJOR=${PG_MAJOR:-15}
export PAIRS=${PAIRS:-1000000} RUNS=${RUNS:-5}

mkdir -p bench/results
out=bench/results/similarity-$(date -u +%Y%m%dT%H%M%SZ).txt
run_sql='psql -X -q -v pairs="$PAIRS" -v runs="$RUNS" -f bench/similarity.sql'

if [ -n "${CI_BENCH_NO_BUILD:-}" ]; then
  bash -c "$run_sql" | tee "$out"
else
  scripts/setup.sh
  scripts/build.sh
  pg_virtualenv -v "$PG_MAJOR" bash -c "$run_sql" | tee "$out"
fi
echo "saved in $out"
