#!/usr/bin/env bash
# Memory-safety job: the extension built with AddressSanitizer and
# UndefinedBehaviorSanitizer, installed into a private copy of PostgreSQL,
# loaded into a server started with the sanitizer runtime preloaded; the
# pg_regress, isolation, pgTAP and fuzz suites run against it.  Any
# sanitizer report, or any server process killed by a signal, fails the job.
#
#   scripts/sanitize.sh            (as root: the server runs as postgres)
#
# Prints the suites' result lines (pg_regress "test x ... ok", TAP "ok N"),
# then one TAP line for the sanitizer verdict; exits non-zero on any failure.
#
# What it catches: reads and writes of freed or out-of-bounds malloc'd
# memory, which includes memory contexts that were deleted (SPI_finish's,
# for example), and undefined behaviour in our code (overflowing casts,
# shifts, NULL dereferences...).  Chunks freed back to a memory context that
# stays alive are invisible to it: that is what the regression tests'
# answers, and a PostgreSQL built with --enable-cassert (which clobbers
# freed memory), catch.
set -uo pipefail
cd "$(dirname "$0")/.."
PG_MAJOR=${PG_MAJOR:-15}
sys_bin=/usr/lib/postgresql/$PG_MAJOR/bin
CC=${CC:-gcc}
SAN_FLAGS="-fsanitize=address,undefined -fsanitize=float-cast-overflow -fno-sanitize-recover=all -fno-omit-frame-pointer"

work=$(mktemp -d /tmp/ci-sanitize.XXXXXX)
chmod 755 "$work"
sb=$work/pg                   # the private PostgreSQL
tree=$work/tree               # a copy of this tree: its objects and test results stay apart
logs=$work/reports            # where the sanitizers write
mkdir -p "$sb/usr/lib/postgresql" "$sb/usr/share/postgresql" "$tree" "$logs"
chmod 1777 "$logs"
bin=$sb/usr/lib/postgresql/$PG_MAJOR/bin
port=${SANITIZE_PORT:-$(( 56000 + RANDOM % 2000 ))}
run_as=()
[ "$(id -u)" = 0 ] && run_as=(runuser -u postgres --)

cleanup() {
  [ -f "$work/data/postmaster.pid" ] && "${run_as[@]}" "$bin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1
  [ -n "${SANITIZE_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

echo "# sanitize: building with $CC $SAN_FLAGS"
cp -a "/usr/lib/postgresql/$PG_MAJOR" "$sb/usr/lib/postgresql/"
cp -a "/usr/share/postgresql/$PG_MAJOR" "$sb/usr/share/postgresql/"
git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$tree" 2>/dev/null ||
  tar --exclude='*.o' --exclude='*.so' --exclude=results -cf - . | tar -xf - -C "$tree"
if ! make -C "$tree" -s -j2 CC="$CC" PG_CONFIG="$sys_bin/pg_config" \
       COPT="$SAN_FLAGS" PG_CXXFLAGS="-std=c++17 $SAN_FLAGS" > "$work/build.log" 2>&1 ||
   ! make -C "$tree" -s install DESTDIR="$sb" PG_CONFIG="$sys_bin/pg_config" >> "$work/build.log" 2>&1; then
  cat "$work/build.log"; echo "not ok 1 - sanitize: build"; exit 1
fi
# (grep -c reads everything: grep -q would SIGPIPE nm and fail the pipeline)
[ "$(nm -D "$sb/usr/lib/postgresql/$PG_MAJOR/lib/customer_intel.so" | grep -c __asan_report)" -gt 0 ] ||
  { echo "not ok 1 - sanitize: the library is not instrumented"; exit 1; }

# The runtime must come first in the server (postgres itself is not
# instrumented).  Preloaded into an uninstrumented binary on glibc 2.36, the
# runtime deadlocks in the server's first bindtextdomain(): a shim after it
# turns message translation off (messages stay in English).
cat > "$work/nls_off.c" <<'SHIM'
char *bindtextdomain(const char *domain, const char *dir) { (void) domain; return (char *) dir; }
char *textdomain(const char *domain) { return (char *) (domain ? domain : "messages"); }
char *bind_textdomain_codeset(const char *domain, const char *codeset) { (void) domain; return (char *) codeset; }
SHIM
$CC -shared -fPIC -O2 -o "$work/nls_off.so" "$work/nls_off.c" || { echo "not ok 1 - sanitize: shim"; exit 1; }
preload="$($CC -print-file-name=libasan.so) $($CC -print-file-name=libubsan.so) $work/nls_off.so"
# detect_leaks=0: the postmaster and backends leak by design (memory contexts
# die with the process).  A report stops the process (halt_on_error) and is
# written to $logs.
# exitcode=86: the postmaster takes a backend's exit code 1 for a normal end.
asan="detect_leaks=0:halt_on_error=1:abort_on_error=0:exitcode=86:disable_coredump=1:detect_odr_violation=0:log_path=$logs/asan"
ubsan="print_stacktrace=1:halt_on_error=1:exitcode=86:log_path=$logs/ubsan"
chown -R postgres "$sb" "$work" 2>/dev/null || true
"${run_as[@]}" "$bin/initdb" -D "$work/data" -A trust -U postgres >/dev/null || { echo "not ok 1 - sanitize: initdb"; exit 1; }
"${run_as[@]}" env LD_PRELOAD="$preload" ASAN_OPTIONS="$asan" UBSAN_OPTIONS="$ubsan" \
  "$bin/pg_ctl" -D "$work/data" -l "$work/server.log" -w -t 120 \
  -o "-p $port -k $work -c listen_addresses='' -c max_parallel_workers_per_gather=2" start >/dev/null ||
  { cat "$work/server.log"; echo "not ok 1 - sanitize: server start"; exit 1; }

export PGHOST=$work PGPORT=$port PGUSER=postgres PGDATABASE=postgres
status=0
echo "# sanitize: pg_regress and isolation"
# SANITIZE_REGRESS="a b": only those pg_regress tests, and no pgTAP (for a quick check)
make -C "$tree" -s installcheck PG_CONFIG="$bin/pg_config" ${SANITIZE_REGRESS:+REGRESS="$SANITIZE_REGRESS" ISOLATION=} \
  > "$work/regress.log" 2>&1 || status=1
sed 's/^/  /' "$work/regress.log" | grep -E '\.\.\. |^  (not )?ok ' | sed 's/^  //'
[ -f "$tree/regression.diffs" ] && { echo "# regression.diffs:"; sed 's/^/# /' "$tree/regression.diffs" | head -200; }
if [ -z "${SANITIZE_REGRESS:-}" ]; then
  echo "# sanitize: pgTAP and fuzz"
  psql -q -X -c "CREATE DATABASE ci_pgtap" >/dev/null
  # the instrumented build is many times slower: the fuzz suites' hang guard is raised
  (cd "$tree" && PGOPTIONS="-c ci_test.fuzz_timeout=40min" pg_prove -v -d ci_pgtap --ext .sql test/pgtap/ test/fuzz/) \
    > "$work/pgtap.log" 2>&1 || status=1
  grep -E '^ *(not )?ok [0-9]+|^#|Result|^psql' "$work/pgtap.log"
fi

"${run_as[@]}" "$bin/pg_ctl" -D "$work/data" -m fast -w stop >/dev/null 2>&1
reports=$(ls "$logs" 2>/dev/null)
# A background worker's exit code 1 is an ERROR in a parallel worker; a
# backend's exit logged at all, or any other code, is a crash.  Reports the
# runtime wrote to stderr (UBSan beside ASan may ignore log_path) are in the
# server log.
crashes=$(grep -E 'terminated by signal|terminated by exception|server process .* exited with exit code|exited with exit code ([2-9]|[1-9][0-9])|runtime error:|ERROR: AddressSanitizer|SUMMARY: [A-Za-z]*Sanitizer' "$work/server.log")
if [ -z "$reports" ] && [ -z "$crashes" ]; then
  echo "ok 1 - sanitize: no AddressSanitizer or UndefinedBehaviorSanitizer report, no server process died"
else
  echo "not ok 1 - sanitize: sanitizer reports or dead server processes"
  for f in "$logs"/*; do [ -f "$f" ] && { echo "# ---- $(basename "$f")"; sed 's/^/# /' "$f" | head -80; }; done
  [ -n "$crashes" ] && echo "$crashes" | head -40 | sed 's/^/# /'
  status=1
fi
exit $status
