#!/usr/bin/env bash
# Static analysis of the C and C++ sources with cppcheck and (when installed)
# clang-tidy.  Exits non-zero on any finding.  cppcheck suppressions, each
# with its reason:
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
  -I src -I src/common -I "$(pg_config --includedir-server)" \
  --config-exclude="$(pg_config --includedir-server)" --suppress='*:'"$(pg_config --includedir-server)"'/*' \
  $(find src -name '*.c' | sort)
if find src -name '*.cpp' | grep -q .; then
  cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
    --std=c++17 --language=c++ --inline-suppr \
    --suppress=missingIncludeSystem --suppress=unusedFunction \
    $(find src -name '*.cpp' | sort)
fi
echo "lint: cppcheck clean"

# clang-tidy: the clang static analyser and the bugprone checks, with the
# include paths of the build and USE_ASSERT_CHECKING (so that Assert()s tell
# the analyser the invariants it cannot infer).  Disabled, each with its
# reason:
#   clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling
#       flags every memcpy/memset and asks for C11 Annex K memcpy_s, which
#       glibc does not provide and PostgreSQL does not use.
#   bugprone-easily-swappable-parameters
#       the API is (a, alen, b, blen, ...) by design, as in the server's own
#       varstr_levenshtein; this is a naming-style check.
#   bugprone-narrowing-conversions
#       int -> char and size_t -> int conversions of values already bounded
#       (ASCII case mapping, lengths under CI_MAX_COMPARE_CHARS); PostgreSQL
#       is written the same way and builds with -fwrapv.
#   bugprone-reserved-identifier
#       _PG_init is the name PostgreSQL requires of a module's entry point.
#   bugprone-implicit-widening-of-multiplication-result
#       int index arithmetic on buffers of at most a few kB.
if command -v clang-tidy >/dev/null; then
  tidy_checks='-*,clang-analyzer-*,bugprone-*'
  tidy_checks+=',-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling'
  tidy_checks+=',-bugprone-easily-swappable-parameters,-bugprone-narrowing-conversions'
  tidy_checks+=',-bugprone-reserved-identifier,-bugprone-implicit-widening-of-multiplication-result'
  server_inc=$(pg_config --includedir-server)
  out=$(clang-tidy --quiet --warnings-as-errors='*' -checks="$tidy_checks" \
          $(find src -name '*.c' | sort) -- \
          -Isrc -Isrc/common -I"$server_inc" $(pkg-config --cflags icu-uc icu-i18n) \
          -D_GNU_SOURCE -DUSE_ASSERT_CHECKING 2>&1) || { echo "$out" | grep -v 'warnings generated' >&2; exit 1; }
  if find src -name '*.cpp' | grep -q .; then
    out=$(clang-tidy --quiet --warnings-as-errors='*' -checks="$tidy_checks" \
            $(find src -name '*.cpp' | sort) -- -std=c++17 -Isrc -Isrc/common 2>&1) \
      || { echo "$out" | grep -v 'warnings generated' >&2; exit 1; }
  fi
  echo "lint: clang-tidy clean"
else
  echo "lint: clang-tidy not installed, skipped" >&2
fi
