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
# skip FEBRL, SETS (default "crm historical voters voters_names", see below), MESSY_OPTS
# (extra psql -v options for bench/generate_messy.sql, added to every set's,
# e.g. "-v p_swap=0 -v dupfree=false").
#
# The sets, each bench/generate_messy.sql with some patterns switched on:
#   crm         the generator's CRM-like records with the six patterns of
#               issue 13 (households and twins, sparse records, swapped
#               names, place levels, corrupted postcodes, partial dates,
#               two duplicate-free sources): the script's defaults
#   historical  person records with names, birth date and place (filled in
#               where the generator left them out) and no contact fields:
#               names with titles and suffixes, nicknames, partial dates,
#               places named at other levels
#   voters      five duplicate-free voter files, 20 % of fields corrupted
#               (typos, blanks, swapped fields)
#   voters_names  the same voter files with names, city and postcode only
#               (no birth date, street, phone: files published that way)
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_MAJOR=${PG_MAJOR:-15} PERSONS=${PERSONS:-4000} SEEDS=${SEEDS:-1 2} MESSY_OPTS=${MESSY_OPTS:-}
export SETS=${SETS:-crm historical voters voters_names}

set_opts() {
  case $1 in
    crm) echo "" ;;
    historical) echo "-v fill=true -v contact=false -v p_title=0.15 -v p_suffix=0.05 -v p_nickname=0.15 -v p_date=0.15 -v p_place=0.25 -v p_sparse=0 -v dupfree=false" ;;
    voters) echo "-v voters=5 -v p_corrupt=0.2 -v p_sparse=0 -v p_swap=0 -v p_date=0 -v p_placeholder=0 -v dupfree=false" ;;
    voters_names) echo "$(set_opts voters) -v names_places=true" ;;
    *) echo "bench/accuracy.sh: unknown set $1 (crm, historical, voters, voters_names)" >&2; return 1 ;;
  esac
}
export -f set_opts

run() {
  set -euo pipefail
  export PGOPTIONS='-c client_min_messages=warning'
  for set in $SETS; do
  local opts
  opts="$(set_opts "$set") $MESSY_OPTS"
  for seed in $SEEDS; do
    local db="ci_accuracy_${set}_$seed"
    psql -X -q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
    psql -X -q -d "$db" -c "CREATE EXTENSION customer_intel"
    psql -X -q -d "$db" -v n_persons="$PERSONS" -v seed="$seed" -f bench/generate_customers.sql >/dev/null
    # shellcheck disable=SC2086
    psql -X -q -d "$db" -v seed="$seed" $opts -f bench/generate_messy.sql
    echo "== set $set, $PERSONS persons, seed $seed ($opts)"
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
