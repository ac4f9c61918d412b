#!/usr/bin/env bash
# Accuracy of identity resolution on generated messy data (issue 13's six
# patterns: sparse records, swapped names, place-level variants, corrupted
# postcodes, partial dates, households/twins, duplicate-free sources), then
# FEBRL (bench/febrl.sh).  The DEFAULT model is trained unsupervised during
# the run and links at its fixed threshold; prints pairwise precision,
# recall, F1 and blocking recall, overall and per pattern.
#
#   bench/accuracy.sh                      build, install, run in pg_virtualenv
#   CI_BENCH_NO_BUILD=1 bench/accuracy.sh  run against the server in PGHOST/PGPORT
# Environment: PERSONS (default 4000), SEEDS (default "1 2"), NO_FEBRL=1 to
# skip FEBRL, MESSY_OPTS (extra psql -v options for bench/generate_messy.sql,
# e.g. "-v p_swap=0 -v dupfree=false").
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_MAJOR=${PG_MAJOR:-15} PERSONS=${PERSONS:-4000} SEEDS=${SEEDS:-1 2} MESSY_OPTS=${MESSY_OPTS:-}

run() {
  set -euo pipefail
  export PGOPTIONS='-c client_min_messages=warning'
  for seed in $SEEDS; do
    local db="ci_accuracy_$seed"
    psql -X -q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
    psql -X -q -d "$db" -c "CREATE EXTENSION customer_intel"
    psql -X -q -d "$db" -v n_persons="$PERSONS" -v seed="$seed" -f bench/generate_customers.sql >/dev/null
    # shellcheck disable=SC2086
    psql -X -q -d "$db" -v seed="$seed" $MESSY_OPTS -f bench/generate_messy.sql
    echo "== generated, $PERSONS persons, seed $seed ${MESSY_OPTS:+($MESSY_OPTS)}"
    psql -X -d "$db" <<'SQL'
\set QUIET on
SET maintenance_work_mem = '1GB';
\set QUIET off
SELECT records, candidate_pairs, links, review_pairs, identities, round(total_ms::numeric) AS run_ms
  FROM ci.resolve_identities('default', retrain => true);
SELECT training->'households' AS households_found_by_training FROM ci.match_model WHERE model = 'default';
\set QUIET on
CREATE TEMP TABLE acc_candidates AS SELECT record_a, record_b FROM ci.candidate_pairs('default');
\ir bench/accuracy_eval.sql
SQL
    psql -X -q -c "DROP DATABASE $db"
  done
  if [ -z "${NO_FEBRL:-}" ]; then CI_BENCH_NO_BUILD=1 bench/febrl.sh; fi
}
export -f run

if [ -n "${CI_BENCH_NO_BUILD:-}" ]; then
  run
else
  scripts/setup.sh
  scripts/build.sh
  pg_virtualenv -v "$PG_MAJOR" bash -c run
fi
