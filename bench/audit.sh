#!/usr/bin/env bash
# Audit benchmark: builds and installs the extension (scripts/setup.sh,
# scripts/build.sh), then in a throwaway cluster runs bench/audit.sql
# (INSERT and UPDATE of ROWS rows: no trigger, ci.audit, ci.audit with a PII
# column, the classic PL/pgSQL jsonb trigger, and two cases that split
# ci.audit's cost: transition tables kept by do-nothing statement triggers,
# ci.audit without the log's record_key index; sealing and verification
# throughput) and pgbench -c 2 on audited against unaudited tables
# (alternating, PGB_ROUNDS rounds of TXNS transactions each), and
# pgbench -S with read logging on and off.
#   ROWS=200000 ROUNDS=3 TXNS=3000 PGB_ROUNDS=3 bench/audit.sh
#   CI_BENCH_NO_BUILD=1 bench/audit.sh   use the server in PG* variables (a dev sandbox) instead
set -euo pipefail
cd "$(dirname "$0")/.."
export PG_MAJOR=${PG_MAJOR:-15}
ROWS=${ROWS:-200000} ROUNDS=${ROUNDS:-3} TXNS=${TXNS:-3000} PGB_ROUNDS=${PGB_ROUNDS:-3}

run() {
  set -euo pipefail
  psql -X -q -v ON_ERROR_STOP=1 -v rows="$ROWS" -v rounds="$ROUNDS" -f bench/audit.sql
  echo
  # With synchronous_commit on, a TPC-B transaction mostly waits for its
  # commit's WAL flush (on a shared disk, noisy); off, the rounds compare
  # the work the transactions do, the audit trigger's included.
  pgbench -q -i -s 2 >/dev/null 2>&1
  tables="pgbench_accounts pgbench_tellers pgbench_branches pgbench_history"
  for sync in on off; do
    echo "== pgbench -c 2 -t $TXNS (TPC-B-like), synchronous_commit=$sync, unaudited vs audited, $PGB_ROUNDS alternating rounds =="
    tps() { PGOPTIONS="-c synchronous_commit=$sync" pgbench -n -c 2 -j 2 -t "$TXNS" 2>/dev/null |
              sed -n 's/^tps = \([0-9.]*\) .*/\1/p'; }
    for r in $(seq 1 "$PGB_ROUNDS"); do
      psql -X -q -At -c "SELECT ci.unaudit(t::regclass) FROM unnest(string_to_array('$tables', ' ')) t" >/dev/null
      plain=$(tps)
      psql -X -q -c "SELECT ci.audit('pgbench_accounts'), ci.audit('pgbench_tellers'), ci.audit('pgbench_branches'),
                            ci.audit('pgbench_history', key_columns => ARRAY['tid', 'aid', 'mtime'])" >/dev/null
      audited=$(tps)
      echo "round $r: unaudited tps $plain, audited tps $audited, audited/unaudited $(awk "BEGIN { printf \"%.3f\", $audited / $plain }")"
    done
  done
  echo
  echo "== pgbench -S -c 2 -T 15 (reads), library preloaded: read logging off, on, on with ci.audit_read_sync=off =="
  rtps() { PGOPTIONS="-c session_preload_libraries=customer_intel $1" pgbench -n -S -c 2 -j 2 -T 15 2>/dev/null |
             sed -n 's/^tps = \([0-9.]*\) .*/\1/p'; }
  off=$(rtps "")
  psql -X -q -c "SELECT ci.audit('pgbench_accounts', log_reads => true)" >/dev/null
  on=$(rtps "")
  async=$(rtps "-c ci.audit_read_sync=off")
  echo "read logging off tps $off; on tps $on ($(awk "BEGIN { printf \"%.3f\", $on / $off }") of off);" \
       "on, ci.audit_read_sync=off tps $async ($(awk "BEGIN { printf \"%.3f\", $async / $off }") of off)"
  echo "read rows logged: $(psql -X -At -c "SELECT count(*) FROM ci.audit_log WHERE operation = 'SELECT'")"
}
export -f run
export ROWS ROUNDS TXNS PGB_ROUNDS
if [ -n "${CI_BENCH_NO_BUILD:-}" ]; then
  run
else
  scripts/setup.sh
  scripts/build.sh
  pg_virtualenv -v "$PG_MAJOR" bash -c run
fi
