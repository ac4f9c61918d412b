#!/usr/bin/env bash
# The README's main command: installs what is missing, builds and installs
# the extension into the system PostgreSQL, then in a throwaway cluster
# (pg_virtualenv) creates the extension, loads a generated sample of messy
# multi-source customer records and prints what the extension makes of them
# (scripts/demo.sql: normalisation, candidate pairs, identity resolution,
# golden profiles).  The cluster is removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_MAJOR=${PG_MAJOR:-15}

scripts/setup.sh
echo "demo: building and installing customer_intel"
scripts/build.sh

# demo.sql runs CREATE EXTENSION itself, so it also works in any database.
pg_virtualenv -t -v "$PG_MAJOR" bash -c '
  set -euo pipefail
  start=$(date +%s%N)
  psql -X -q -v ON_ERROR_STOP=1 -f scripts/demo.sql
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  printf "\ndemo: %d.%03d s in the cluster\n" $((ms / 1000)) $((ms % 1000))
'
