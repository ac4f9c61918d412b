#!/usr/bin/env bash
# Installs what building, testing and the demo need on Debian bookworm.
# Idempotent: packages already present are not fetched again.
set -euo pipefail

PG_MAJOR=${PG_MAJOR:-15}
packages=(
  "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" postgresql-contrib
  "postgresql-$PG_MAJOR-pgtap" libtap-parser-sourcehandler-pgtap-perl
  libicu-dev libphonenumber-dev libssl-dev pkg-config
  libkrb5-dev  # the server headers include gssapi.h (libpq/libpq-be.h); on bookworm with 15.20 nothing above pulls it in
  build-essential cppcheck clang-tidy
  python3 python3-jellyfish "postgresql-$PG_MAJOR-similarity"
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages: ${missing[*]}; run as root or install them" >&2
  exit 1
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The Debian package would otherwise create and start a default cluster we never use.
mkdir -p /etc/postgresql-common
grep -qs '^create_main_cluster' /etc/postgresql-common/createcluster.conf ||
  echo 'create_main_cluster = false' >> /etc/postgresql-common/createcluster.conf
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
