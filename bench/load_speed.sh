#!/usr/bin/env bash
# Loading speed of ci.source_record (issue 13, "Loading at the speed of
# COPY").  Generates N records once (bench/generate_customers.sql), writes
# their input columns to a file, then, ROUNDS times, interleaved:
#   plain    COPY of the file into a bare table with the same columns (no key, no index)
#   bulk     COPY into a staging table + ci.load_source_records() into an empty
#            ci.source_record (normalised columns, constraints, every index built, ANALYZE)
#   indexed  (INDEXED=1 only; slow) COPY straight into ci.source_record with every index in place
# and prints times and ratios.  Then single-row inserts with every index in
# place (pgbench, one INSERT per transaction, one client, SINGLE_SECONDS),
# with the shipped index set and with 0.1.0's (18 blocking indexes).
#
#   N=1000000 bench/load_speed.sh          against the server in PGHOST/PGPORT (a dev sandbox)
#   N=200000 ROUNDS=3 INDEXED=1 bench/load_speed.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000000} ROUNDS=${ROUNDS:-2} SINGLE_SECONDS=${SINGLE_SECONDS:-20}
export PGOPTIONS='-c client_min_messages=warning'
db=ci_load
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cols="record_id, source, source_key, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country, attributes, updated_at"

psql -X -q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql -X -q -d $db -c "CREATE EXTENSION customer_intel"
t0=$(date +%s.%N)
psql -X -q -d $db -v n_records="$N" -v seed=1 -f bench/generate_customers.sql >/dev/null
echo "generated $N records in $(echo "$(date +%s.%N) - $t0" | bc) s (the generator loads through ci.load_source_records; not a figure)"
psql -X -q -d $db -c "\\copy (SELECT $cols FROM ci.source_record ORDER BY record_id) TO '$work/records.copy'"
psql -X -q -d $db -c "CREATE TABLE bench_src AS SELECT $cols FROM ci.source_record" \
     -c "TRUNCATE ci.source_record, ci.identity, ci.identity_event, ci.match_decision, ci.match_review, ci.golden_dirty CASCADE" \
     -c "CREATE TABLE bare AS SELECT $cols FROM bench_src WITH NO DATA" \
     -c "CREATE TABLE staging AS SELECT $cols FROM bench_src WITH NO DATA" \
     -c "CHECKPOINT"
ls -l "$work/records.copy" | awk '{printf "file: %.0f MB\n", $5 / 1e6}'

secs() { local t=$(date +%s.%N); "$@" >/dev/null; echo "$(date +%s.%N) - $t" | bc; }
plain=() bulk=() indexed=()
for round in $(seq 1 "$ROUNDS"); do
  psql -X -q -d $db -c "TRUNCATE bare" -c "CHECKPOINT"
  p=$(secs psql -X -q -d $db -c "\\copy bare FROM '$work/records.copy'")
  psql -X -q -d $db -c "TRUNCATE staging" -c "TRUNCATE ci.source_record CASCADE" -c "CHECKPOINT"
  b=$(secs psql -X -q -At -d $db -c "SET maintenance_work_mem = '256MB'" -c "\\copy staging FROM '$work/records.copy'" \
           -c "\\o $work/split" -c "SELECT round((insert_ms / 1000)::numeric, 1) || ' s insert, ' || round((index_ms / 1000)::numeric, 1) || ' s index builds + ANALYZE' FROM ci.load_source_records('staging')")
  plain+=("$p") bulk+=("$b")
  line="round $round: plain COPY $(printf %.2f "$p") s; COPY to staging + ci.load_source_records $(printf %.2f "$b") s ($(cat "$work/split")), ratio $(echo "scale=2; $b / $p" | bc)"
  if [ -n "${INDEXED:-}" ]; then
    psql -X -q -d $db -c "TRUNCATE ci.source_record CASCADE" -c "CHECKPOINT"
    i=$(secs psql -X -q -d $db -c "\\copy ci.source_record ($cols) FROM '$work/records.copy'")
    indexed+=("$i")
    line="$line; COPY into the indexed table $(printf %.2f "$i") s, ratio $(echo "scale=2; $i / $p" | bc)"
  fi
  echo "$line  (load average $(cut -d' ' -f1 /proc/loadavg))"
done
psql -X -q -d $db -c "TRUNCATE ci.source_record CASCADE" -c "TRUNCATE staging" -c "\\copy staging FROM '$work/records.copy'" \
     -c "SELECT * FROM ci.load_source_records('staging')" -c "VACUUM ANALYZE ci.source_record" >/dev/null
psql -X -At -d $db -c "SELECT 'ci.source_record: ' || count(*) || ' indexes, ' || pg_size_pretty(sum(pg_relation_size(indexrelid))) || ' of index' FROM pg_index WHERE indrelid = 'ci.source_record'::regclass"

# single-row inserts: one INSERT per transaction, values of a random generated record
psql -X -q -d $db -c "CREATE SEQUENCE IF NOT EXISTS single_seq" -c "CREATE UNIQUE INDEX IF NOT EXISTS bench_src_id ON bench_src (record_id)"
cat > "$work/single.sql" <<EOF
\\set i random(1, $N)
INSERT INTO ci.source_record (source, source_key, given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country)
SELECT source, 'single-' || nextval('single_seq'), given_name, family_name, email, phone, birth_date, national_id, street, city, postcode, country
FROM bench_src WHERE record_id = :i;
EOF
single() { pgbench -n -c 1 -T "$SINGLE_SECONDS" -f "$work/single.sql" $db 2>/dev/null | awk '/^tps/ {printf "%.0f", $3}'; }
s_new=$(single)
psql -X -q -d $db <<'EOF'
DROP INDEX ci.source_record_postcode_idx;
CREATE INDEX old_family_birth ON ci.source_record (family_name_norm, birth_date);
CREATE INDEX old_given_birth ON ci.source_record (given_name_norm, birth_date);
CREATE INDEX old_birth_city ON ci.source_record (birth_date, city_norm);
CREATE INDEX old_street_city ON ci.source_record (street_norm, city_norm);
CREATE INDEX old_dm_postcode ON ci.source_record (name_pair_dm, postcode_norm);
CREATE INDEX old_dm_city ON ci.source_record (name_pair_dm, city_norm);
CREATE INDEX old_given_postcode ON ci.source_record (given_name_norm, postcode_norm);
CREATE INDEX old_family_postcode ON ci.source_record (family_name_norm, postcode_norm);
EOF
s_old=$(single)
echo "single-row inserts, one per transaction, $N stored: shipped indexes $s_new records/s; 0.1.0's index set $s_old records/s (ratio $(echo "scale=2; $s_new / $s_old" | bc))"
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
echo "median of $ROUNDS: plain COPY $(med "${plain[@]}") s, bulk path $(med "${bulk[@]}") s${indexed:+, indexed COPY $(med "${indexed[@]}") s}"
echo "Targets: 1,000,000 records loaded (normalised, every index built) <= 30 s; single-row inserts >= 5,000 records/s."
psql -X -q -c "DROP DATABASE $db"
