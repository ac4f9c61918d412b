# shellcheck shell=bash
# Sourced by the bench scripts that measure ci.source_record's loading.

# CPU seconds used so far by the server on port $1 (default: libpq's own
# choice): the postmaster with its reaped children (cutime, cstime) and every
# live child.  The server must run on this machine.
cluster_cpu() {
  local pm tck
  pm=$(psql -X -At ${1:+-p "$1"} -d postgres -c "SELECT pg_catalog.split_part(pg_catalog.pg_read_file('postmaster.pid'), E'\n', 1)")
  tck=$(getconf CLK_TCK)
  # a process may end while its file is read
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pm="$pm" -v tck="$tck" '
    { pid = $1; sub(/^.*\) /, ""); }   # then $2 ppid, $12 utime, $13 stime, $14 cutime, $15 cstime
    pid == pm { t += $12 + $13 + $14 + $15; next }
    $2 == pm { t += $12 + $13 }
    END { printf "%.2f", t / tck }'
}

# Compiles bench/insert_client.c (single-row INSERTs as an application
# sends them) against libpq into $1/insert_client.
build_insert_client() {
  cc -O2 -Wall -Wextra -o "$1/insert_client" "$(dirname "${BASH_SOURCE[0]}")/insert_client.c" \
     -I"$(pg_config --includedir)" -L"$(pg_config --libdir)" -lpq -lpthread
}
