#!/usr/bin/env bash
# Does a partial index cost the single-row INSERT more than it saves?  Each
# of ci.source_record's partial B-tree indexes skips records whose key is
# NULL, but PostgreSQL prepares every index predicate once per statement.
# Measures the server CPU per one-INSERT transaction (pgbench, one client,
# prepared, synchronous_commit off, ROUNDS x SECONDS) with the shipped
# indexes, then rebuilds every partial B-tree index without its WHERE
# clause and measures again.  Destructive: run it on a throwaway database
# left by `KEEP_DB=1 bench/load_speed.sh` (DB, default ci_load: a loaded
# ci.source_record, bench_src and single_seq).  The server must run on this
# machine (CPU time is read from /proc).
set -euo pipefail
DB=${DB:-ci_load} ROUNDS=${ROUNDS:-2} SECONDS_EACH=${SECONDS_EACH:-10}
export PGOPTIONS='-c client_min_messages=warning'
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=$(psql -X -At -d "$DB" -c "SELECT max(record_id) FROM bench_src")
# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"
single_insert_script "$work/single.sql" "$n"
measure() {
  local r c0 c1 t
  echo "$1: $(psql -X -At -d "$DB" -c "SELECT count(*) FILTER (WHERE indpred IS NOT NULL) || ' partial of ' || count(*) || ' indexes, ' || pg_size_pretty(sum(pg_relation_size(indexrelid))) FROM pg_index WHERE indrelid = 'ci.source_record'::regclass")"
  for r in $(seq 1 "$ROUNDS"); do
    c0=$(cluster_cpu)
    t=$(PGOPTIONS="$PGOPTIONS -c synchronous_commit=off" pgbench -n -M prepared -c 1 -T "$SECONDS_EACH" -f "$work/single.sql" "$DB" 2>"$work/err" | awk '/actually processed/ {print $NF}' | cut -d/ -f1)
    c1=$(cluster_cpu)
    [ "${t:-0}" -gt 0 ] || { cat "$work/err"; exit 1; }
    echo "  round $r: $t transactions, $(echo "scale=1; 1000000 * ($c1 - $c0) / $t" | bc) us of server CPU each"
  done
}
measure "shipped indexes"
psql -X -q -d "$DB" <<'SQL'
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT i.indexrelid::regclass AS name, pg_catalog.pg_get_indexdef(i.indexrelid) AS def
               FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
               JOIN pg_catalog.pg_am a ON a.oid = c.relam
              WHERE i.indrelid = 'ci.source_record'::regclass AND i.indpred IS NOT NULL AND a.amname = 'btree'
    LOOP
        EXECUTE pg_catalog.format('DROP INDEX %s', r.name);
        EXECUTE pg_catalog.regexp_replace(r.def, ' WHERE .*$', '');
    END LOOP;
END
$$;
VACUUM ANALYZE ci.source_record;
SQL
measure "full B-tree indexes"
