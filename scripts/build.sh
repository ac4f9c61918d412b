#!/usr/bin/env bash
# Builds the extension warning-free (-Werror) and installs it into the
# PostgreSQL found by pg_config.
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/${PG_MAJOR:-15}/bin/pg_config}
make -s clean >/dev/null
make -s -j"$(nproc)" WERROR=1
make -s install
