#!/usr/bin/env bash
# Developer aid: a private PostgreSQL install and cluster per work tree, so
# several people (or agents) can build and test the extension at once
# without overwriting each other's installed copy.
#
#   scripts/dev-sandbox.sh start NAME PORT   copy PG into /tmp/ci-sb-NAME, install this tree there, start a cluster
#   scripts/dev-sandbox.sh install NAME      rebuild and reinstall this tree into the sandbox (server keeps running; reconnect)
#   scripts/dev-sandbox.sh stop NAME
#   eval "$(scripts/dev-sandbox.sh env NAME PORT)"   then psql, make installcheck, pg_prove use it
#
# Debian's PostgreSQL is relocatable: a copy of /usr/lib/postgresql/15 and
# /usr/share/postgresql/15 under one prefix finds its own share and lib
# directories, and `make install DESTDIR=prefix` installs exactly there.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_MAJOR=${PG_MAJOR:-15}
cmd=$1 name=$2 port=${3:-}
sb=/tmp/ci-sb-$name
bin=$sb/usr/lib/postgresql/$PG_MAJOR/bin

install_tree() {
  make -s -j2 WERROR=1 PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
  make -s install DESTDIR="$sb" PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
}

case $cmd in
  start)
    # a copy of an older minor release cannot load a library built against the new headers
    if [ -x "$bin/postgres" ] && [ "$("$bin/postgres" --version)" != "$(/usr/lib/postgresql/$PG_MAJOR/bin/postgres --version)" ]; then
      echo "sandbox $name: PostgreSQL was upgraded; copying it again (the cluster is kept)" >&2
      rm -rf "$sb/usr"
    fi
    if [ ! -d "$sb/usr/lib" ]; then
      mkdir -p "$sb/usr/lib/postgresql" "$sb/usr/share/postgresql"
      cp -a /usr/lib/postgresql/$PG_MAJOR "$sb/usr/lib/postgresql/"
      cp -a /usr/share/postgresql/$PG_MAJOR "$sb/usr/share/postgresql/"
      chown -R postgres "$sb"
    fi
    install_tree
    if [ ! -d "$sb/data" ]; then
      install -d -o postgres "$sb/data"
      runuser -u postgres -- "$bin/initdb" -D "$sb/data" -A trust -U postgres >/dev/null
    fi
    runuser -u postgres -- "$bin/pg_ctl" -D "$sb/data" -l "$sb/server.log" \
      -o "-p $port -k /tmp -c listen_addresses=''" -w start >/dev/null
    echo "sandbox $name on port $port; eval \"\$(scripts/dev-sandbox.sh env $name $port)\""
    ;;
  install) install_tree ;;
  stop) runuser -u postgres -- "$bin/pg_ctl" -D "$sb/data" -m fast stop ;;
  env) echo "export PGHOST=/tmp PGPORT=$port PGUSER=postgres PGDATABASE=postgres" ;;
  *) echo "usage: $0 start|install|stop|env NAME [PORT]" >&2; exit 2 ;;
esac
