#!/usr/bin/env bash
# A full pg_dump and restore of a customised database must give back the
# same database: every table of schema ci row for row (the work queues
# ci.golden_dirty and ci.golden_stale, and the flags of ci.shipped_row,
# excepted: see doc/identity.md, "Dump, restore and pg_upgrade"), the same
# sequences, and a resolution run that gives the same identities.
#
# Runs against the server of the environment (PGHOST, PGPORT, a superuser):
# scripts/test.sh calls it inside its pg_virtualenv.  Prints TAP ("ok N -",
# "not ok N -"); exits non-zero when a check failed.
#
#   scripts/dump_restore_test.sh            the current version
#   FROM_VERSION=0.1.0 scripts/dump_restore_test.sh
#       customises an installation of 0.1.0, runs ALTER EXTENSION UPDATE,
#       then dumps and restores it (needs customer_intel--0.1.0.sql and the
#       upgrade script installed)
set -uo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
psql=(psql -X -q -v ON_ERROR_STOP=1)
src=ci_dump_src
n=0 failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; [ -n "${2:-}" ] && sed "s/^/# /" <<< "$2" | cut -c1-240 | head -30; }
check() {  # check DESCRIPTION COMMAND...: ok when the command succeeds
  local desc=$1 out; shift
  if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$out"; fi
}

fresh_db() { "${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null; }

# Everything the comparison reads, one file per table or query, in $2.
snapshot() {
  local db=$1 dir=$2 t
  mkdir -p "$dir"
  for t in $("${psql[@]}" -d "$db" -At -c "
      SELECT c.relname FROM pg_catalog.pg_class c
      WHERE c.relnamespace = 'ci'::regnamespace AND c.relkind IN ('r', 'p')
        AND c.relname NOT IN ('golden_dirty', 'golden_stale', 'shipped_row', 'consent_change',
                              -- derived, not dumped: ci.consent_recompute() after a restore (doc/consent.md)
                              'consent_state', 'consent_subject',
                              'audit_key')  -- never dumped: a restore has its own key (doc/audit.md)
      ORDER BY 1"); do
    "${psql[@]}" -d "$db" -At -c "COPY (SELECT t::text FROM ci.$t t ORDER BY 1) TO STDOUT" > "$dir/$t" || return 1
  done
  "${psql[@]}" -d "$db" -At -c "SELECT sequencename, last_value FROM pg_catalog.pg_sequences
      WHERE schemaname = 'ci' AND sequencename NOT IN ('golden_dirty_seq_seq', 'golden_stale_seq_seq', 'consent_change_change_id_seq')
      ORDER BY 1" > "$dir/_sequences"
  "${psql[@]}" -d "$db" -At -c "SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname = 'customer_intel'" > "$dir/_version"
}

# A run of the default model, and what it decided.
resolve() {
  local db=$1 out=$2
  "${psql[@]}" -d "$db" -At -c "SET client_min_messages = warning" -c "
      SELECT s.records, s.candidate_pairs, s.links, s.review_pairs, s.identities,
             s.new_identities, s.merged_identities, s.split_records, s.trained
      FROM ci.resolve_identities('default', retrain => false) s" > "$out" || return 1
  "${psql[@]}" -d "$db" -At -c "COPY (SELECT identity_id, record_id FROM ci.identity_link ORDER BY 1, 2) TO STDOUT" >> "$out"
}

same() {  # same DESCRIPTION DIR_A DIR_B
  local d
  if d=$(diff -r "$2" "$3"); then ok "$1"; else not_ok "$1" "$d"; fi
}

# ---- the customised source database ----
fresh_db $src
if [ -n "${FROM_VERSION:-}" ]; then
  "${psql[@]}" -d $src -c "CREATE EXTENSION customer_intel VERSION '$FROM_VERSION'"
else
  "${psql[@]}" -d $src -c "CREATE EXTENSION customer_intel"
fi
check "customise the source database" "${psql[@]}" -d $src -f test/dump/customise.sql
if [ -n "${FROM_VERSION:-}" ]; then
  check "ALTER EXTENSION customer_intel UPDATE from $FROM_VERSION" \
    "${psql[@]}" -d $src -c "ALTER EXTENSION customer_intel UPDATE"
fi
snapshot $src "$work/src" || not_ok "snapshot of the source database"

# ---- dump it in three formats ----
check "pg_dump, custom format" pg_dump -Fc -f "$work/dump.custom" $src
check "pg_dump, plain format" pg_dump -Fp -f "$work/dump.sql" $src
check "pg_dump, directory format, 2 jobs" pg_dump -Fd -j 2 -f "$work/dump.dir" $src

# ---- restore each into a new database and compare ----
fresh_db ci_dump_custom
check "pg_restore of the custom dump (errors are fatal)" \
  pg_restore --exit-on-error -d ci_dump_custom "$work/dump.custom"
fresh_db ci_dump_plain
check "psql of the plain dump (errors are fatal)" \
  "${psql[@]}" -d ci_dump_plain -f "$work/dump.sql"
# One job: PostgreSQL 15's pg_restore -j loads the data of extension
# configuration tables in parallel, regardless of their foreign keys
# (doc/identity.md, "Dump, restore and pg_upgrade").
fresh_db ci_dump_dir
check "pg_restore --single-transaction of the directory dump" \
  pg_restore --exit-on-error --single-transaction -d ci_dump_dir "$work/dump.dir"
# Data-only without triggers: the schema first, then the documented
# ci.prepare_data_restore(), then the data.
fresh_db ci_dump_notrig
check "data-only restore with --disable-triggers after ci.prepare_data_restore()" bash -c "
  pg_restore --exit-on-error --schema-only -d ci_dump_notrig '$work/dump.custom' &&
  psql -X -q -v ON_ERROR_STOP=1 -d ci_dump_notrig -c 'SELECT ci.prepare_data_restore()' >/dev/null &&
  pg_restore --exit-on-error --data-only --disable-triggers -d ci_dump_notrig '$work/dump.custom'"

for db in ci_dump_custom ci_dump_plain ci_dump_dir ci_dump_notrig; do
  snapshot $db "$work/$db" || not_ok "snapshot of $db"
  same "$db: every table of schema ci and its sequences as dumped" "$work/src" "$work/$db"
done

# ---- the restored configuration resolves as the original does ----
resolve $src "$work/resolve.src" || not_ok "resolution in the source database"
for db in ci_dump_custom ci_dump_plain ci_dump_dir ci_dump_notrig; do
  if resolve $db "$work/resolve.$db"; then
    if d=$(diff "$work/resolve.src" "$work/resolve.$db"); then
      ok "$db: a resolution run gives the same identities"
    else
      not_ok "$db: a resolution run gives the same identities" "$d"
    fi
  else
    not_ok "$db: a resolution run gives the same identities" "the run failed"
  fi
done

# ---- pg_upgrade: the same customisation in a cluster of its own, carried
# over to a new cluster by pg_upgrade (same major version: it copies the
# files and runs no extension script), compared before and after ----
pg_upgrade_test() {
  local bin=${PG_BINDIR:-/usr/lib/postgresql/${PG_MAJOR:-15}/bin} d as=()
  [ -x "$bin/pg_upgrade" ] || { echo "no $bin/pg_upgrade"; return 1; }
  d=$(mktemp -d)
  if [ "$(id -u)" = 0 ]; then chown postgres "$d"; as=(runuser -u postgres --); fi
  (
    # (set -e does not hold inside an if condition: every step is chained)
    start() { "${as[@]}" "$bin/pg_ctl" -D "$d/$1" -l "$d/$1.log" -o "-p 5432 -k $d -c listen_addresses=''" -w start >/dev/null; }
    stop() { "${as[@]}" "$bin/pg_ctl" -D "$d/$1" -m fast stop >/dev/null; }
    export PGHOST=$d PGPORT=5432 PGUSER=postgres
    queues() {  # the golden work queues and ci.shipped_row, kept by pg_upgrade
      for t in golden_dirty golden_stale shipped_row; do
        "${psql[@]}" -d $src -At -c "COPY (SELECT t::text FROM ci.$t t ORDER BY 1) TO STDOUT" > "$1/_$t" || return 1
      done
    }
    repo=$PWD
    cd "$d" &&
    "${as[@]}" "$bin/initdb" -D "$d/old" -A trust -U postgres >/dev/null &&
    "${as[@]}" "$bin/initdb" -D "$d/new" -A trust -U postgres >/dev/null &&
    start old && cd "$repo" &&
    "${psql[@]}" -d postgres -c "CREATE DATABASE $src" >/dev/null &&
    "${psql[@]}" -d $src -c "CREATE EXTENSION customer_intel ${FROM_VERSION:+VERSION '$FROM_VERSION'}" \
                 -f test/dump/customise.sql >/dev/null &&
    { [ -z "${FROM_VERSION:-}" ] || "${psql[@]}" -d $src -c "ALTER EXTENSION customer_intel UPDATE"; } &&
    snapshot $src "$work/upgrade_before" && queues "$work/upgrade_before" &&
    stop old && cd "$d" &&
    "${as[@]}" "$bin/pg_upgrade" -b "$bin" -B "$bin" -d "$d/old" -D "$d/new" -p 5432 -P 5432 >/dev/null &&
    cd "$repo" && start new &&
    snapshot $src "$work/upgrade_after" && queues "$work/upgrade_after" &&
    resolve $src "$work/resolve.upgrade"
    st=$?
    stop old 2>/dev/null; stop new 2>/dev/null
    exit $st
  ) > "$d/test.log" 2>&1
  local rc=$?
  [ $rc = 0 ] || { cat "$d/test.log"; tail -n 5 "$d"/old.log "$d"/new.log 2>/dev/null; }
  rm -rf "$d"
  return $rc
}
if pg_upgrade_test > "$work/upgrade.log" 2>&1; then
  ok "pg_upgrade of the customised cluster"
  same "pg_upgrade: every table of schema ci (work queues and ci.shipped_row too) and its sequences as before" \
    "$work/upgrade_before" "$work/upgrade_after"
  if d=$(diff "$work/resolve.src" "$work/resolve.upgrade"); then
    ok "pg_upgrade: a resolution run gives the same identities"
  else
    not_ok "pg_upgrade: a resolution run gives the same identities" "$d"
  fi
else
  not_ok "pg_upgrade of the customised cluster" "$(cat "$work/upgrade.log")"
fi

for db in $src ci_dump_custom ci_dump_plain ci_dump_dir ci_dump_notrig; do
  "${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null
done
echo "1..$n"
[ $failed -eq 0 ]
