#!/usr/bin/env bash
# Runs every test: installs what is missing, builds with -Werror, then in a
# throwaway cluster (pg_virtualenv) runs pg_regress (make installcheck), the
# pgTAP suites (pg_prove) and the doc-tests (scripts/doctest.py: every SQL
# example of README.md and doc/*.md, one test per page).  Ends with one
# line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export PG_MAJOR=${PG_MAJOR:-15}

scripts/setup.sh || exit 1
scripts/build.sh || { echo "0 passed, 1 failed"; exit 1; }
# Static analysis counts as one test.
if scripts/lint.sh; then l_pass=1 l_fail=0; else l_pass=0 l_fail=1; fi

log=$(mktemp -d)
# -s: the cluster gets the extension's library preloaded nowhere; every test
# creates the extension itself.
pg_virtualenv -v "$PG_MAJOR" bash -c '
  set -uo pipefail
  make -s installcheck PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config > "$1/regress.log" 2>&1
  echo $? > "$1/regress.rc"
  if ls test/pgtap/*.sql >/dev/null 2>&1; then
    psql -q -X -c "CREATE DATABASE ci_pgtap" >/dev/null
    pg_prove -v -d ci_pgtap --ext .sql test/pgtap/ test/fuzz/ > "$1/pgtap.log" 2>&1
    echo $? > "$1/pgtap.rc"
  fi
  python3 scripts/doctest.py > "$1/doctest.log" 2>&1
  echo $? > "$1/doctest.rc"
' _ "$log"

cat "$log/regress.log"
[ -f "$log/pgtap.log" ] && cat "$log/pgtap.log"
[ -f "$log/doctest.log" ] && cat "$log/doctest.log"
[ -f regression.diffs ] && { echo "---- regression.diffs ----"; cat regression.diffs; }

r_pass=$(grep -cE '^(ok|test) .* \.\.\. ok|^ok [0-9]+ +[-+] ' "$log/regress.log")
r_fail=$(grep -cE '\.\.\. FAILED|^not ok [0-9]+ +[-+] ' "$log/regress.log")
t_pass=0; t_fail=0
if [ -f "$log/pgtap.log" ]; then
  t_pass=$(grep -cE '^ *ok [0-9]+' "$log/pgtap.log")
  t_fail=$(grep -cE '^ *not ok [0-9]+' "$log/pgtap.log")
fi
d_pass=0; d_fail=0
if [ -f "$log/doctest.log" ]; then
  d_pass=$(grep -cE '^ok [0-9]+ - ' "$log/doctest.log")
  d_fail=$(grep -cE '^not ok [0-9]+ - ' "$log/doctest.log")
fi
rc=0
[ "$(cat "$log/regress.rc" 2>/dev/null || echo 1)" = 0 ] || rc=1
[ ! -f "$log/pgtap.rc" ] || [ "$(cat "$log/pgtap.rc")" = 0 ] || rc=1
[ "$(cat "$log/doctest.rc" 2>/dev/null || echo 1)" = 0 ] || rc=1
[ $l_fail -eq 0 ] || rc=1
passed=$((r_pass + t_pass + d_pass + l_pass)); failed=$((r_fail + t_fail + d_fail + l_fail))
# A runner that died counts as a failure even when no line said so.
[ $rc -ne 0 ] && [ $failed -eq 0 ] && failed=1
[ $passed -eq 0 ] && { echo "no test ran"; rc=1; }
echo "pg_regress + isolation: $r_pass passed, $r_fail failed; pgTAP + fuzz: $t_pass passed, $t_fail failed; doc-tests: $d_pass passed, $d_fail failed; lint: $l_pass passed, $l_fail failed"
echo "$passed passed, $failed failed"
exit $rc
