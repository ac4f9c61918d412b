#!/usr/bin/env bash
# Upgrade test, run inside a cluster (PG* variables set, e.g. by pg_virtualenv):
# every released version is installed, given data, updated with
# ALTER EXTENSION customer_intel UPDATE, and compared with a fresh install:
#   1. catalog: every object, definition, privilege and config_dump filter;
#   2. shipped rows: the same on an updated and a fresh database without user data;
#   3. user data: counts of every table survive the update, and the pipeline
#      (resolve, golden profiles) still runs on the updated database.
# Prints one "ok"/"not ok" line per check (TAP style) and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
n=0 fail=0
check() {  # check NAME CMD...: one TAP line
  n=$((n + 1))
  if "${@:2}" > "$out/check.$n" 2>&1; then echo "ok $n - upgrade: $1"
  else echo "not ok $n - upgrade: $1"; sed 's/^/#   /' "$out/check.$n" | head -60; fail=$((fail + 1)); fi
}
psql_q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$@"; }
current=$(sed -n "s/^default_version = '\(.*\)'/\1/p" customer_intel.control)

describe() { psql_q -d "$1" -f test/upgrade/describe.sql > "$out/$1.describe"; }
contents() { psql_q -d "$1" -f test/upgrade/contents.sql > "$out/$1.contents"; }
counts() {
  psql_q -At -d "$1" <<'SQL' | sort
SELECT format('SELECT %L, count(*) FROM %s', c.oid::regclass, c.oid::regclass)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'ci'
WHERE c.relkind = 'r' ORDER BY 1
\gexec
SQL
}

fresh() {
  psql_q -c "DROP DATABASE IF EXISTS ci_up_fresh" -c "CREATE DATABASE ci_up_fresh" &&
  psql_q -d ci_up_fresh -c "CREATE EXTENSION customer_intel" && describe ci_up_fresh && contents ci_up_fresh
}
check "fresh install of $current" fresh

for f in versions/customer_intel--*.sql; do
  old=$(basename "$f" .sql); old=${old#customer_intel--}
  [ "$old" = "$current" ] && continue

  empty_update() {
    psql_q -c "DROP DATABASE IF EXISTS ci_up_empty" -c "CREATE DATABASE ci_up_empty" &&
    psql_q -d ci_up_empty -c "CREATE EXTENSION customer_intel VERSION '$old'" \
                          -c "ALTER EXTENSION customer_intel UPDATE" &&
    describe ci_up_empty && contents ci_up_empty
  }
  check "$old -> $current runs on an empty database" empty_update
  check "$old -> $current: catalog equals a fresh install" \
    diff -u "$out/ci_up_fresh.describe" "$out/ci_up_empty.describe"
  check "$old -> $current: shipped rows equal a fresh install" \
    diff -u "$out/ci_up_fresh.contents" "$out/ci_up_empty.contents"

  data_update() {
    psql_q -c "DROP DATABASE IF EXISTS ci_up_data" -c "CREATE DATABASE ci_up_data" &&
    psql_q -d ci_up_data -c "CREATE EXTENSION customer_intel VERSION '$old'" &&
    psql_q -d ci_up_data -v n_persons=300 -v seed=7 -f bench/generate_customers.sql >/dev/null &&
    psql_q -d ci_up_data -c "SELECT ci.resolve_identities(retrain => true)" \
                         -c "SELECT ci.build_golden_profiles()" >/dev/null &&
    counts ci_up_data > "$out/before" &&
    psql_q -d ci_up_data -c "ALTER EXTENSION customer_intel UPDATE" &&
    counts ci_up_data > "$out/after" &&
    # Tables new in this version start empty; every table that existed keeps
    # its rows (it may gain shipped rows, e.g. ci.role_privilege for a new
    # capability, never lose one).
    LC_ALL=C join -t '|' <(LC_ALL=C sort -t "|" -k1,1 "$out/before") <(LC_ALL=C sort -t "|" -k1,1 "$out/after") |
      awk -F '|' '$3 < $2' > "$out/lost" &&
    LC_ALL=C comm -23 <(cut -d '|' -f 1 "$out/before" | LC_ALL=C sort) \
                      <(cut -d '|' -f 1 "$out/after" | LC_ALL=C sort) >> "$out/lost" &&
    { [ ! -s "$out/lost" ] || { echo "rows lost by the update (table|before|after):"; cat "$out/lost"; false; }; } &&
    describe ci_up_data && diff -u "$out/ci_up_fresh.describe" "$out/ci_up_data.describe" &&
    psql_q -d ci_up_data -c "SELECT ci.resolve_identities()" -c "SELECT ci.refresh_golden_profiles()" >/dev/null
  }
  check "$old -> $current with data: rows kept, catalog equal, pipeline runs" data_update

  # 0.1.0 accepted survivorship parameters the rule's kind never reads (its
  # CHECKs were NULL when tie_break was NULL); the update clears them, says
  # which rows it changed, and keeps the rest.
  misplaced_update() {
    psql_q -c "DROP DATABASE IF EXISTS ci_up_rules" -c "CREATE DATABASE ci_up_rules" &&
    psql_q -d ci_up_rules -c "CREATE EXTENSION customer_intel VERSION '$old'" -c "
      INSERT INTO ci.survivorship_rule (rule_id, attribute, priority, kind, sources, tie_break, order_by, half_life) VALUES
        (101, 'phone', 2, 'most_recent', NULL, NULL, 'record_id', '30 days'),
        (102, 'given_name', 2, 'longest', '{crm}', NULL, NULL, NULL),
        (103, 'city', 2, 'trust_recency', NULL, NULL, NULL, '90 days'),
        (104, 'country', 2, 'most_frequent', '{crm,web}', 'source_priority', NULL, NULL)" &&
    psql -X -q -d ci_up_rules -c "ALTER EXTENSION customer_intel UPDATE" > "$out/rules.update" 2>&1 &&
    grep -q 'WARNING:  survivorship rules 101, 102 had parameters their kind does not read; they were cleared' "$out/rules.update" &&
    [ "$(psql_q -At -d ci_up_rules -c "SELECT string_agg(concat_ws(' ', rule_id, kind, sources, order_by, half_life), '; ' ORDER BY rule_id)
                                        FROM ci.survivorship_rule WHERE rule_id > 100")" = \
      "101 most_recent; 102 longest; 103 trust_recency 90 days; 104 most_frequent {crm,web}" ] ||
    { cat "$out/rules.update"; psql_q -d ci_up_rules -c "TABLE ci.survivorship_rule"; false; }
  }
  [ "$old" = 0.1.0 ] && check "$old -> $current clears survivorship parameters a rule's kind does not read" misplaced_update

  # Data loaded under 0.1.0 holds name keys computed by 0.1.0's
  # ci.normalize_name, which kept titles and suffixes; the update recomputes
  # them.  Only the new library is installed here, so the old keys are made
  # by a stand-in normaliser while loading, and the function's own
  # definition is put back before the update.
  stale_keys_update() {
    psql_q -c "DROP DATABASE IF EXISTS ci_up_keys" -c "CREATE DATABASE ci_up_keys" &&
    psql_q -d ci_up_keys -c "CREATE EXTENSION customer_intel VERSION '$old'" -f - <<'SQL' &&
SELECT pg_catalog.pg_get_functiondef('ci.normalize_name(text)'::regprocedure) AS def \gset
CREATE OR REPLACE FUNCTION ci.normalize_name(name text) RETURNS text
  LANGUAGE sql IMMUTABLE AS $$ SELECT pg_catalog.lower(name) $$;
INSERT INTO ci.source_record (source, source_key, given_name, family_name, street, city)
VALUES ('crm', '1', 'Mr John', 'Smith Jr', '1 High St', 'Leeds'),
       ('crm', '2', 'Anne', 'Dupont', NULL, NULL);
:def
SQL
    [ "$(psql_q -At -d ci_up_keys -c "SELECT given_name_norm FROM ci.source_record WHERE source_key = '1'")" = "mr john" ] &&
    psql_q -d ci_up_keys -c "ALTER EXTENSION customer_intel UPDATE" &&
    [ "$(psql_q -At -d ci_up_keys -c "
      SELECT string_agg(concat_ws('|', given_name_norm, family_name_norm, street_norm, city_norm, name_pair_norm), '; ' ORDER BY source_key)
        FROM ci.source_record")" = "john|smith|1 high st|leeds|john smith; anne|dupont|anne dupont" ] ||
    { psql_q -d ci_up_keys -c "TABLE ci.source_record"; false; }
  }
  [ "$old" = 0.1.0 ] && check "$old -> $current recomputes name keys stored by the old normaliser" stale_keys_update
done
for db in ci_up_fresh ci_up_empty ci_up_data ci_up_rules ci_up_keys; do psql_q -c "DROP DATABASE IF EXISTS $db" 2>/dev/null; done
echo "# upgrade: $((n - fail)) passed, $fail failed"
[ $fail -eq 0 ]
