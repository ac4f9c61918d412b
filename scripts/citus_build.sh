#!/usr/bin/env bash
# Builds Citus (the scale-out tests' distributed engine) from the vendored
# tarball and prepares a private PostgreSQL install that has Citus and this
# tree's customer_intel in it; nothing of the system PostgreSQL is touched.
#
#   scripts/citus_build.sh [PREFIX]     prints PREFIX (default /tmp/ci-citus-$USER)
#
# Citus is not packaged for Debian bookworm. Building it takes about three
# minutes on two cores, so the result (a DESTDIR-style tree of Citus's files
# alone) is cached outside the clone, keyed on the tarball's sha256:
# $CITUS_CACHE/citus-<sha256>/ (default /var/cache/customer_intel). A cache
# that is present is reused as it is.
#
# The private install is a copy of /usr/lib/postgresql/$PG_MAJOR and
# /usr/share/postgresql/$PG_MAJOR under PREFIX (Debian's PostgreSQL is
# relocatable: see scripts/dev-sandbox.sh), with the cached Citus tree laid
# over it and `make install DESTDIR=PREFIX` of this tree.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_MAJOR=${PG_MAJOR:-15}
PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config
here=$(pwd)
tarball=${CITUS_TARBALL:-$here/../shared/vendor/citus-13.2.2.tar.gz}
[ -f "$tarball" ] || tarball=/work/shared/vendor/citus-13.2.2.tar.gz
cache_root=${CITUS_CACHE:-/var/cache/customer_intel}
prefix=${1:-/tmp/ci-citus-${USER:-root}}

log() { echo "citus_build: $*" >&2; }

[ -f "$tarball" ] || { log "no Citus tarball at $tarball (set CITUS_TARBALL)"; exit 1; }
sha=$(sha256sum "$tarball" | cut -d' ' -f1)
cache=$cache_root/citus-$sha

# Debian packages Citus's configure and link need, besides the server headers.
build_packages=(libzstd-dev liblz4-dev libcurl4-openssl-dev libkrb5-dev libssl-dev
                libselinux1-dev libpam0g-dev libxml2-dev libxslt1-dev)

install_packages() {
  local missing=() p
  for p in "${build_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    log "missing packages: ${missing[*]}; run as root or install them"; return 1
  fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build_citus() {
  install_packages
  local work
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  log "building Citus from $(basename "$tarball") (about 3 minutes) into $cache"
  tar -xzf "$tarball" -C "$work"
  local src
  src=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -1)
  # PostgreSQL 15.20 exports have_createdb_privilege(), which Citus 13.2.2
  # also defines as a static inline: rename Citus's copy.
  perl -0pi -e 's/\nstatic inline bool\nhave_createdb_privilege\(void\)/\n#define have_createdb_privilege citus_have_createdb_privilege\nstatic inline bool\nhave_createdb_privilege(void)/' \
    "$src/src/include/pg_version_compat.h"
  grep -q 'define have_createdb_privilege citus_have_createdb_privilege' "$src/src/include/pg_version_compat.h" ||
    { log "the have_createdb_privilege patch did not apply"; return 1; }
  (
    cd "$src"
    ./configure -q PG_CONFIG="$PG_CONFIG" --without-libcurl --without-lz4 --without-zstd >/dev/null
    make -s -j2 >/dev/null
    rm -rf "$cache.tmp"
    make -s install DESTDIR="$cache.tmp" >/dev/null
  )
  mkdir -p "$cache_root"
  rm -rf "$cache"
  mv "$cache.tmp" "$cache"
}

[ -f "$cache/.complete" ] || { build_citus; touch "$cache/.complete"; }

# The private PostgreSQL: a fresh copy each time, so a stale customer_intel or
# Citus never survives a rebuild (a running cluster keeps its open files).
if [ ! -x "$prefix/usr/lib/postgresql/$PG_MAJOR/bin/postgres" ]; then
  mkdir -p "$prefix/usr/lib/postgresql" "$prefix/usr/share/postgresql"
  cp -a "/usr/lib/postgresql/$PG_MAJOR" "$prefix/usr/lib/postgresql/"
  cp -a "/usr/share/postgresql/$PG_MAJOR" "$prefix/usr/share/postgresql/"
fi
cp -a "$cache/usr/lib/postgresql/$PG_MAJOR/." "$prefix/usr/lib/postgresql/$PG_MAJOR/"
cp -a "$cache/usr/share/postgresql/$PG_MAJOR/." "$prefix/usr/share/postgresql/$PG_MAJOR/"
make -s -j2 WERROR=1 PG_CONFIG="$PG_CONFIG" >&2
make -s install DESTDIR="$prefix" PG_CONFIG="$PG_CONFIG" >&2
id postgres >/dev/null 2>&1 && chown -R postgres "$prefix"
echo "$prefix"
