#!/usr/bin/env bash
# Runs every test: installs what is missing, builds with -Werror, then in a
# throwaway cluster (pg_virtualenv) runs pg_regress + isolation (make
# installcheck), the pgTAP and fuzz suites (pg_prove), the upgrade tests and
# the doc-tests (scripts/doctest.py: every SQL example of README.md and
# doc/*.md, one test per page) and the pg_dump/restore/pg_upgrade test;
# then the Citus suite on a three-node cluster of its own
# (scripts/citus_test.sh), and the pg_regress, isolation, pgTAP and fuzz
# suites again against a sanitizer (ASan/UBSan) build of the extension
# (scripts/sanitize.sh).  Ends with one line: "N passed, N failed".
#
# Counting: every log in $log is scanned for pg_regress result lines
# ("test x ... ok", "ok N - x" / "not ok N - x") and TAP lines ("ok N",
# "not ok N"); a suite whose exit status is non-zero without a failing line
# counts one failure.  A new suite only has to print TAP and exit non-zero
# on failure: run it with `suite NAME CMD...`.
set -uo pipefail
cd "$(dirname "$0")/.."
export PG_MAJOR=${PG_MAJOR:-15}

scripts/setup.sh || exit 1
scripts/build.sh || { echo "0 passed, 1 failed"; exit 1; }

log=$(mktemp -d)
export CI_TEST_LOG=$log
# suite NAME CMD...: runs CMD with its output in $log/NAME.log and its exit status in $log/NAME.rc.
suite() { local name=$1; shift; "$@" > "$CI_TEST_LOG/$name.log" 2>&1; echo $? > "$CI_TEST_LOG/$name.rc"; }
export -f suite

# Static analysis (one test).
suite lint bash -c 'scripts/lint.sh && echo "ok 1 - lint" || { echo "not ok 1 - lint"; exit 1; }'

# -t: a cluster of its own on a free port, even when another pg_virtualenv
# (a benchmark, say) runs beside it.
pg_virtualenv -t -v "$PG_MAJOR" bash -c '
  set -uo pipefail
  suite regress make -s installcheck PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
  psql -q -X -c "CREATE DATABASE ci_pgtap" >/dev/null
  suite pgtap pg_prove -v -d ci_pgtap --ext .sql test/pgtap/ test/fuzz/
  suite upgrade scripts/upgrade_test.sh
  suite doctest_tool python3 scripts/doctest.py --self-test
  suite doctest python3 scripts/doctest.py
  # pg_dump, restore and pg_upgrade of a customised database, also of one
  # updated from each released version.
  suite dump_restore scripts/dump_restore_test.sh
  for f in versions/customer_intel--*.sql; do
    v=${f#versions/customer_intel--}; v=${v%.sql}
    suite "dump_restore_from_$v" env FROM_VERSION="$v" scripts/dump_restore_test.sh
  done
'

# Updates from each released version's own library (built from the
# repository's history into a private PostgreSQL copy).
suite upgrade_library scripts/upgrade_library_test.sh

# Scale-out: a Citus coordinator and two workers on free loopback ports
# (Citus is built from ../shared/vendor once, cached under /var/cache).
suite citus scripts/citus_test.sh

# Memory safety: the same suites against an ASan/UBSan build (a server of its own).
suite sanitize scripts/sanitize.sh

status=0 passed=0 failed=0 summary=""
# A suite that never ran (its cluster did not start, say) is a failure too.
for name in lint regress pgtap upgrade upgrade_library doctest_tool doctest dump_restore citus sanitize; do
  [ -f "$log/$name.rc" ] || { echo "not ok - suite $name did not run" > "$log/$name.log"; echo 1 > "$log/$name.rc"; }
done
for f in "$log"/*.log; do
  name=$(basename "$f" .log)
  echo "==== $name ===="; cat "$f"
  p=$(grep -cE '^ *ok [0-9]+|^(ok|test) .* \.\.\. ok' "$f")
  x=$(grep -cE '^ *not ok [0-9]+|\.\.\. FAILED' "$f")
  rc=$(cat "$log/$name.rc" 2>/dev/null || echo 1)
  # A runner that died counts as a failure even when no line said so.
  [ "$rc" != 0 ] && [ "$x" -eq 0 ] && x=1
  [ "$rc" != 0 ] && status=1
  passed=$((passed + p)); failed=$((failed + x)); summary="$summary $name: $p passed, $x failed;"
done
[ -f regression.diffs ] && { echo "---- regression.diffs ----"; cat regression.diffs; }
[ $passed -eq 0 ] && { echo "no test ran"; status=1; }
echo "${summary% ;}"
echo "$passed passed, $failed failed"
exit $status
