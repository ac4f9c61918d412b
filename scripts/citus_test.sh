#!/usr/bin/env bash
# The Citus suite: builds Citus (cached, scripts/citus_build.sh) and a
# private PostgreSQL with this tree installed, starts a coordinator and two
# workers (scripts/citus_cluster.sh), loads the fixture (test/citus/setup.sql)
# and runs test/citus/[0-9]*.sql with pg_prove against the coordinator,
# then stops the cluster.  Prints TAP; exits non-zero on any failure.
#
#   scripts/citus_test.sh                     free loopback ports, prefix /tmp/ci-citus-test
#   CITUS_PORTS="55441 55442 55443" CITUS_PREFIX=/tmp/ci-citus-me scripts/citus_test.sh
#   scripts/citus_test.sh test/citus/03_resolve.sql     only these files
set -uo pipefail
cd "$(dirname "$0")/.."
PG_MAJOR=${PG_MAJOR:-15}
prefix=${CITUS_PREFIX:-/tmp/ci-citus-test}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_ports() {
  local p=${1:-56400} found=()
  while [ ${#found[@]} -lt 3 ] && [ "$p" -lt 65000 ]; do
    port_free "$p" && found+=("$p")
    p=$((p + 1))
  done
  echo "${found[@]}"
}

prefix=$(scripts/citus_build.sh "$prefix") || { echo "not ok 1 - build Citus and the private PostgreSQL"; exit 1; }
bin=$prefix/usr/lib/postgresql/$PG_MAJOR/bin
read -r -a ports <<< "${CITUS_PORTS:-$(free_ports $((56400 + RANDOM % 2000)))}"
dir=$prefix/cluster
trap 'scripts/citus_cluster.sh stop "$dir"' EXIT
if ! scripts/citus_cluster.sh start "$prefix" "${ports[@]}" "$dir"; then
  echo "not ok 1 - start the Citus cluster"; tail -20 "$dir"/node*.log; exit 1
fi

export PGHOST=127.0.0.1 PGPORT=${ports[0]} PGUSER=postgres PGDATABASE=postgres
if ! "$bin/psql" -X -q -f test/citus/setup.sql >"$dir/setup.log" 2>&1; then
  echo "not ok 1 - load the Citus suite's fixture"; cat "$dir/setup.log"; exit 1
fi
files=("$@")
[ ${#files[@]} -eq 0 ] && files=(test/citus/[0-9]*.sql)
pg_prove -v --psql-bin "$bin/psql" "${files[@]}"
