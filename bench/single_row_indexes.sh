#!/usr/bin/env bash
# Does a partial index cost the single-row INSERT more than it saves?  Each
# of ci.source_record's partial B-tree indexes skips records whose key is
# NULL, but PostgreSQL prepares every index predicate once per statement.
# Measures the server CPU per one-INSERT transaction (bench/insert_client.c,
# one client, prepared, synchronous_commit off, SECONDS_EACH, values of
# RECORDS_FILE's records) with the shipped indexes and with every partial
# B-tree index rebuilt without its WHERE clause, alternated ROUNDS times,
# each measurement after a rebuild and a CHECKPOINT.  Run it on a throwaway
# database left by `KEEP_DB=1 RECORDS_FILE=... bench/load_speed.sh` (DB,
# default ci_load: a loaded ci.source_record), with the same RECORDS_FILE;
# it leaves the shipped indexes.  The server must run on this machine (CPU
# time is read from /proc).
set -euo pipefail
: "${RECORDS_FILE:?set RECORDS_FILE to the file bench/load_speed.sh loaded}"
DB=${DB:-ci_load} ROUNDS=${ROUNDS:-2} SECONDS_EACH=${SECONDS_EACH:-10}
export PGOPTIONS='-c client_min_messages=warning'
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=bench/common.sh
. "$(dirname "$0")/common.sh"
build_insert_client "$work"
# $1 label: one measurement, after a CHECKPOINT (each starts with as many
# full-page images to write as the other)
measure() {
  local c0 c1 t out
  psql -X -q -d "$DB" -c "CHECKPOINT"
  c0=$(cluster_cpu)
  out=$(PGDATABASE=$DB PGOPTIONS="$PGOPTIONS -c synchronous_commit=off" \
        "$work/insert_client" -f "$RECORDS_FILE" -c 1 -T "$SECONDS_EACH" -k "indexes-$RANDOM$RANDOM")
  c1=$(cluster_cpu)
  t=${out% *}
  echo "  $1: $(psql -X -At -d "$DB" -c "SELECT count(*) FILTER (WHERE indpred IS NOT NULL) || ' partial of ' || count(*) || ' indexes, ' || pg_size_pretty(sum(pg_relation_size(indexrelid))) FROM pg_index WHERE indrelid = 'ci.source_record'::regclass"): $t transactions, $(echo "scale=1; 1000000 * ($c1 - $c0) / $t" | bc) us of server CPU each"
}
# $1 full: rebuild every shipped partial B-tree index without its WHERE
# clause; partial: rebuild it as shipped.  Both ways, so that each
# measurement follows a rebuild.
rebuild() {
  psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -v full="$([ "$1" = full ] && echo true || echo false)" <<'SQL'
SET ci_bench.full_indexes = :'full';
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT name, def FROM indexes_as_shipped LOOP
        EXECUTE pg_catalog.format('DROP INDEX %s', r.name);
        EXECUTE CASE WHEN current_setting('ci_bench.full_indexes')::boolean
                     THEN pg_catalog.regexp_replace(r.def, ' WHERE .*$', '') ELSE r.def END;
    END LOOP;
END
$$;
VACUUM ANALYZE ci.source_record;
SQL
}
psql -X -q -d "$DB" <<'SQL'
CREATE TABLE IF NOT EXISTS indexes_as_shipped AS
SELECT i.indexrelid::regclass::text AS name, pg_catalog.pg_get_indexdef(i.indexrelid) AS def
  FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
  JOIN pg_catalog.pg_am a ON a.oid = c.relam
 WHERE i.indrelid = 'ci.source_record'::regclass AND i.indpred IS NOT NULL AND a.amname = 'btree';
SQL
for r in $(seq 1 "$ROUNDS"); do
  echo "round $r"
  rebuild partial; measure "shipped indexes    "
  rebuild full;    measure "full B-tree indexes"
done
rebuild partial
psql -X -q -d "$DB" -c "DROP TABLE indexes_as_shipped"
