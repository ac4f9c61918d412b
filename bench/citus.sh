#!/usr/bin/env bash
# Citus benchmark: builds Citus and a private PostgreSQL with this tree
# (scripts/citus_build.sh, cached), starts a coordinator and two workers on
# this machine (scripts/citus_cluster.sh) and runs bench/citus.sql on the
# coordinator: full resolution, a golden-profile build and a 1,000-identity
# refresh, each on plain tables of one node and on distributed tables, as
# ratios (speedup = single-node time / Citus time).
# Then bench/citus_api.sql: the API on the canonical tables, on one node
# and after ci.distribute().
#   RECORDS=1000000 bench/citus.sh
#   BENCH_FILES=bench/citus_api.sql RECORDS=200000 bench/citus.sh
#   CITUS_PORTS="55441 55442 55443" CITUS_PREFIX=/tmp/ci-citus-me RECORDS=200000 bench/citus.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PG_MAJOR=${PG_MAJOR:-15}
prefix=$(scripts/citus_build.sh "${CITUS_PREFIX:-/tmp/ci-citus-bench}")
read -r -a ports <<< "${CITUS_PORTS:-56501 56502 56503}"
dir=$prefix/cluster
trap 'scripts/citus_cluster.sh stop "$dir"' EXIT
scripts/citus_cluster.sh start "$prefix" "${ports[@]}" "$dir"
for f in ${BENCH_FILES:-bench/citus.sql bench/citus_api.sql}; do
  "$prefix/usr/lib/postgresql/$PG_MAJOR/bin/psql" -X -h 127.0.0.1 -p "${ports[0]}" -U postgres -d postgres \
    -v n_records="${RECORDS:-1000000}" -f "$f"
done
