#!/usr/bin/env bash
# Upgrade test with each released version's own library: scripts/upgrade_test.sh
# installs old versions' SQL under the current library, so data it loads
# already has the current normalisers' keys.  Here the released version's
# sources (the commit before its install script was frozen in versions/)
# are built and installed into a private PostgreSQL copy, data is loaded
# with them, then the current library is installed and the database is
# updated.  Checks:
#   1. every stored generated column of ci.source_record equals what the
#      current code computes from the same raw values;
#   2. a resolution run on the updated database and one on a fresh install
#      holding the same raw records give the same identities.
# Needs the repository's history (a full clone): without it each release is
# reported as a TAP skip.  Prints TAP.
set -uo pipefail
cd "$(dirname "$0")/.."
PG_MAJOR=${PG_MAJOR:-15}
current=$(sed -n "s/^default_version = '\(.*\)'/\1/p" customer_intel.control)
port=${CI_UPGRADE_LIBRARY_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
sbname=uplib-$$
work=$(mktemp -d)
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - upgrade with the released library: $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - upgrade with the released library: $1"; sed 's/^/#   /' "$work/log" | tail -40; }
cleanup() {
  scripts/dev-sandbox.sh stop "$sbname" >/dev/null 2>&1
  rm -rf "/tmp/ci-sb-$sbname" "$work"
}
trap cleanup EXIT
eval "$(scripts/dev-sandbox.sh env "$sbname" "$port")"
psql_q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# Raw columns of ci.source_record in every version (the generated ones are what is checked).
raw="record_id, source, source_key, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country, attributes, updated_at"

for f in versions/customer_intel--*.sql; do
  old=$(basename "$f" .sql); old=${old#customer_intel--}
  [ "$old" = "$current" ] && continue
  freeze=$(git log --diff-filter=A --format=%H -- "$f" 2>/dev/null | tail -1)
  if [ -z "$freeze" ] || ! git cat-file -e "$freeze^" 2>/dev/null; then
    # a shallow clone or an export: nothing to build the release from
    n=$((n + 1)); echo "ok $n - upgrade with the released library: $old # SKIP its sources are not in this checkout's history"
    continue
  fi

  # The released tree, built and installed into a private copy of PostgreSQL
  # by the current sandbox script, loaded with its own generator's data
  # and a few records its normalisers treat differently (titles, suffixes,
  # scripts other than Latin, formatted phones and ids).
  load_old() {
    mkdir -p "$work/$old/scripts" &&
    git archive "$freeze^" | tar -x -C "$work/$old" &&
    cp scripts/dev-sandbox.sh "$work/$old/scripts/" &&
    "$work/$old/scripts/dev-sandbox.sh" start "$sbname" "$port" &&
    psql_q -c "CREATE DATABASE ci_uplib" &&
    psql_q -d ci_uplib -c "CREATE EXTENSION customer_intel VERSION '$old'" &&
    psql_q -d ci_uplib -v n_persons=2000 -v seed=5 -f "$work/$old/bench/generate_customers.sql" >/dev/null &&
    psql_q -d ci_uplib <<'SQL'
INSERT INTO ci.source (source) VALUES ('manual');
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, phone, national_id, street, city, postcode, country) VALUES
 ('manual', 't1', 'Dr. Anne-Sophie', 'Petit', 'Anne.Sophie+news@GMAIL.com', '+33 1 42 68 53 00', '1 85 05 78 006 084 36', '12, Rue de l''Église', 'Saint-Étienne', '42 000', 'FR'),
 ('manual', 't2', 'Mr John', 'Smith Jr.', 'JOHN@example.COM', '(020) 7946 0958', 'AB 12 34 56 C', '1 High St', 'London', 'sw1a 1aa', 'GB'),
 ('manual', 't3', 'Jürgen', 'Müller-Lüdenscheidt', 'jürgen@bücher.de', '030 1234567', '12345678901', 'Hauptstraße 5', 'München', '80331', 'DE'),
 ('manual', 't4', 'Владимир', 'Иванов', 'vlad@mail.ru', '+7 495 123-45-67', NULL, 'ул. Ленина, 1', 'Москва', '101000', 'RU'),
 ('manual', 't5', '太郎', '山田', NULL, '03-1234-5678', NULL, NULL, '東京', '100-0001', 'JP'),
 ('manual', 't6', 'Mrs', 'Sir', 'a@b', '123', ' ', ' ', ' ', ' ', 'US'),
 ('manual', 't7', 'José María', 'de la Cruz III', 'JOSE@Hotmail.ES', '+34 912 345 678', '12345678-Z', 'Calle Mayor 1', 'Madrid', '28013', 'ES'),
 ('manual', 't8', 'O''Brien', 'Prof. Seán', 'sean.obrien@googlemail.com', '087 123 4567', '1234567T', 'Main St.', 'Dublin 4', 'D04 X1Y2', 'IE');
SQL
  }
  if load_old > "$work/log" 2>&1; then ok "$old's own library built, installed and loaded with data"
  else not_ok "$old's own library built, installed and loaded with data"; continue; fi

  update() {
    scripts/dev-sandbox.sh install "$sbname" &&
    psql_q -d ci_uplib -c "ALTER EXTENSION customer_intel UPDATE" &&
    [ "$(psql_q -At -d ci_uplib -c "SELECT extversion FROM pg_extension WHERE extname = 'customer_intel'")" = "$current" ]
  }
  if update > "$work/log" 2>&1; then ok "$old -> $current under the current library"
  else not_ok "$old -> $current under the current library"; continue; fi

  # A copy of the raw columns in a table with the same generation
  # expressions computes every key afresh.
  keys_recomputed() {
    psql_q -At -d ci_uplib > "$work/differ" <<SQL &&
CREATE TEMP TABLE fresh (LIKE ci.source_record INCLUDING GENERATED);
INSERT INTO fresh ($raw) SELECT $raw FROM ci.source_record;
SELECT format('%s: %s of %s rows differ, e.g. %s', a.attname, count(*), (SELECT count(*) FROM fresh), min(s.source_key))
  FROM pg_catalog.pg_attribute a
  CROSS JOIN ci.source_record s JOIN fresh f USING (record_id)
 WHERE a.attrelid = 'ci.source_record'::regclass AND a.attgenerated = 's'
   AND (to_jsonb(s) -> a.attname::text) IS DISTINCT FROM (to_jsonb(f) -> a.attname::text)
 GROUP BY a.attname;
SQL
    { [ ! -s "$work/differ" ] || { cat "$work/differ"; false; }; }
  }
  if keys_recomputed > "$work/log" 2>&1; then ok "$old -> $current: every stored key equals the current normalisers' value"
  else not_ok "$old -> $current: every stored key equals the current normalisers' value"; fi

  # Identities as partitions of records (each record named by the smallest
  # record_id of its identity): identity ids may differ, the partition may not.
  partition() {
    psql_q -At -d "$1" -c "SELECT ci.resolve_identities(retrain => true)" >/dev/null &&
    psql_q -At -d "$1" -c "
      SELECT record_id, min(record_id) OVER (PARTITION BY identity_id)
        FROM ci.identity_link ORDER BY 1"
  }
  same_identities() {
    psql_q -c "CREATE DATABASE ci_uplib_fresh" &&
    psql_q -d ci_uplib_fresh -c "CREATE EXTENSION customer_intel" &&
    psql_q -d ci_uplib -c "COPY ci.source TO STDOUT" |
      psql_q -d ci_uplib_fresh -c "CREATE TEMP TABLE s (LIKE ci.source)" -c "COPY s FROM STDIN" \
                               -c "INSERT INTO ci.source SELECT * FROM s ON CONFLICT DO NOTHING" &&
    psql_q -d ci_uplib -c "COPY ci.source_record ($raw) TO STDOUT" |
      psql_q -d ci_uplib_fresh -c "COPY ci.source_record ($raw) FROM STDIN" &&
    partition ci_uplib > "$work/updated" && partition ci_uplib_fresh > "$work/fresh" &&
    [ -s "$work/fresh" ] && diff -q "$work/fresh" "$work/updated"
  }
  if same_identities > "$work/log" 2>&1; then ok "$old -> $current: a resolution run gives the identities of a fresh install"
  else not_ok "$old -> $current: a resolution run gives the identities of a fresh install"; fi
  scripts/dev-sandbox.sh stop "$sbname" >/dev/null 2>&1
  rm -rf "/tmp/ci-sb-$sbname"
done
echo "# upgrade with the released library: $((n - fail)) passed, $fail failed"
[ $n -gt 0 ] && [ $fail -eq 0 ]
