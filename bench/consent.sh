#!/usr/bin/env bash
# Consent row filter benchmark: builds and installs the extension, then runs
# bench/consent.sql in a throwaway cluster.
#   CUSTOMERS=100000 EVENTS=2000000 ROUNDS=9 bench/consent.sh
#   CI_BENCH_NO_BUILD=1 bench/consent.sh    use the server in PG* variables (a dev sandbox) instead
# Prints, from interleaved rounds, the median time of a full aggregate scan
# under no policy, the consent policy (ci.protect) and a naive EXISTS policy
# (serial and with 2 parallel workers), the per-round ratios to no policy
# (median, min, max), and the plan of a single-customer lookup under the policy.
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_MAJOR=${PG_MAJOR:-15}
args=(-X -v ON_ERROR_STOP=1 -v customers="${CUSTOMERS:-100000}" -v events="${EVENTS:-2000000}"
      -v rounds="${ROUNDS:-9}" -f bench/consent.sql)
if [ -n "${CI_BENCH_NO_BUILD:-}" ]; then
  psql "${args[@]}"
else
  scripts/setup.sh
  scripts/build.sh
  pg_virtualenv -v "$PG_MAJOR" psql "${args[@]}"
fi
