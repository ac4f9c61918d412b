#!/usr/bin/env bash
# Survivorship benchmark: builds and installs the extension (scripts/setup.sh,
# scripts/build.sh), then runs bench/survive.sql in a throwaway cluster.
#   RECORDS=1000000 IDENTITIES=400000 bench/survive.sh
#   CI_BENCH_NO_BUILD=1 bench/survive.sh     use the server in PG* variables (a dev sandbox) instead
# Prints the full-build and incremental timings, the plain-SQL timings and
# their ratios, and whether both computed the same profiles.
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_MAJOR=${PG_MAJOR:-15}
args=(-X -q -v ON_ERROR_STOP=1 -v records="${RECORDS:-1000000}" -v identities="${IDENTITIES:-400000}" -f bench/survive.sql)
if [ -n "${CI_BENCH_NO_BUILD:-}" ]; then
  psql "${args[@]}"
else
  scripts/setup.sh
  scripts/build.sh
  pg_virtualenv -v "$PG_MAJOR" psql "${args[@]}"
fi
