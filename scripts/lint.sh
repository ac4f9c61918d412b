#!/usr/bin/env bash
# Static analysis of the C and C++ sources with cppcheck.  Exits non-zero on
# any finding.  Suppressions, each with its reason:
#   missingIncludeSystem  cppcheck is not given the system and server headers
#                         on purpose: analysing PostgreSQL's headers is slow and
#                         not ours to fix.
#   unusedFunction        SQL-callable entry points are called by the server
#                         through the install script, which cppcheck cannot see.
#   unknownMacro          PG_FUNCTION_INFO_V1 and friends come from the server
#                         headers that are not analysed.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cppcheck >/dev/null || { echo "lint: cppcheck is not installed" >&2; exit 1; }
cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
  --std=c99 --language=c --inline-suppr \
  --suppress=missingIncludeSystem --suppress=unusedFunction --suppress=unknownMacro \
  -I src/common -I src/match -I "$(pg_config --includedir-server)" \
  --config-exclude="$(pg_config --includedir-server)" --suppress='*:'"$(pg_config --includedir-server)"'/*' \
  $(find src -name '*.c' | sort)
if find src -name '*.cpp' | grep -q .; then
  cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
    --std=c++17 --language=c++ --inline-suppr \
    --suppress=missingIncludeSystem --suppress=unusedFunction \
    $(find src -name '*.cpp' | sort)
fi
echo "lint: cppcheck clean"
