#!/usr/bin/env bash
# A Citus cluster on this machine for the scale-out tests: a coordinator and
# two workers, each its own data directory on a loopback port, trust
# authentication on loopback only.
#
#   scripts/citus_cluster.sh start PREFIX PORT0 PORT1 PORT2 [DIR]
#   scripts/citus_cluster.sh stop DIR
#
# PREFIX is a private PostgreSQL install with Citus and customer_intel in it
# (scripts/citus_build.sh prints it). PORT0 is the coordinator, PORT1 and
# PORT2 the workers. DIR (default PREFIX/cluster) holds the data directories
# and logs; `start` on a DIR that exists starts it afresh (old data removed).
set -euo pipefail
PG_MAJOR=${PG_MAJOR:-15}
cmd=${1:-}

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

stop_dir() {
  local dir=$1 d
  [ -f "$dir/bin" ] || return 0
  local bin
  bin=$(cat "$dir/bin")
  for d in "$dir"/node*; do
    [ -f "$d/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$d" -m fast -w stop >/dev/null || true
  done
}

case $cmd in
  start)
    prefix=$2 ports=("$3" "$4" "$5") dir=${6:-$2/cluster}
    bin=$prefix/usr/lib/postgresql/$PG_MAJOR/bin
    [ -x "$bin/postgres" ] || { echo "citus_cluster: no PostgreSQL under $prefix (run scripts/citus_build.sh)" >&2; exit 1; }
    stop_dir "$dir"
    rm -rf "$dir"
    mkdir -p "$dir"
    echo "$bin" > "$dir/bin"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    for i in 0 1 2; do
      d=$dir/node$i
      as_pg "$bin/initdb" -D "$d" -A trust -U postgres --no-sync >/dev/null
      cat >> "$d/postgresql.conf" <<EOF
port = ${ports[$i]}
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
shared_preload_libraries = 'citus,customer_intel'
max_connections = 100
fsync = off
synchronous_commit = off
full_page_writes = off
citus.shard_count = 8
EOF
      # Loopback only, trusted: a throwaway test cluster.
      printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' > "$d/pg_hba.conf"
      as_pg "$bin/pg_ctl" -D "$d" -l "$dir/node$i.log" -w start >/dev/null
    done
    psql_at() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres -p "$1" -d postgres "${@:2}"; }
    for i in 0 1 2; do psql_at "${ports[$i]}" -c 'CREATE EXTENSION citus' >/dev/null; done
    psql_at "${ports[0]}" -c "SELECT citus_set_coordinator_host('127.0.0.1', ${ports[0]})" >/dev/null
    for i in 1 2; do
      psql_at "${ports[0]}" -c "SELECT citus_add_node('127.0.0.1', ${ports[$i]})" >/dev/null
    done
    echo "citus cluster in $dir: coordinator 127.0.0.1:${ports[0]}, workers ${ports[1]} ${ports[2]}"
    ;;
  stop) stop_dir "${2:?usage: $0 stop DIR}" ;;
  *) echo "usage: $0 start PREFIX PORT0 PORT1 PORT2 [DIR] | stop DIR" >&2; exit 2 ;;
esac
