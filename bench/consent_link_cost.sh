#!/usr/bin/env bash
# Cost of the consent capability's link triggers on a full resolution run:
# N generated records, resolved with the triggers enabled and disabled, alternated.
#   N=200000 CI_BENCH_NO_BUILD-style: against the server in PGHOST/PGPORT (a dev sandbox)
set -euo pipefail
N=${N:-200000}
export PGOPTIONS='-c client_min_messages=warning'
psql -X -q -c "DROP DATABASE IF EXISTS ci_ab" -c "CREATE DATABASE ci_ab"
psql -X -q -d ci_ab -c "CREATE EXTENSION customer_intel"
psql -X -q -d ci_ab -v n_records="$N" -v seed=1 -f bench/generate_customers.sql >/dev/null
psql -X -q -d ci_ab -c "VACUUM ANALYZE ci.source_record"
q="SELECT total_ms, cluster_ms FROM ci.resolve_identities(retrain => true)"
reset="TRUNCATE ci.identity, ci.identity_link, ci.golden_profile, ci.golden_override, ci.identity_event, ci.golden_dirty, ci.match_review CASCADE"
for round in 1 2 3; do
  psql -X -q -d ci_ab -c "$reset" >/dev/null
  echo "with consent triggers:    $(psql -X -At -d ci_ab -c "SET maintenance_work_mem='1GB'" -c "$q")"
  psql -X -q -d ci_ab -c "$reset" -c "ALTER TABLE ci.identity_link DISABLE TRIGGER consent_follow_link_insert, DISABLE TRIGGER consent_follow_link_update, DISABLE TRIGGER consent_follow_link_delete" -c "ALTER TABLE ci.identity DISABLE TRIGGER consent_follow_identity_update" >/dev/null
  echo "without consent triggers: $(psql -X -At -d ci_ab -c "SET maintenance_work_mem='1GB'" -c "$q")"
  psql -X -q -d ci_ab -c "ALTER TABLE ci.identity_link ENABLE TRIGGER ALL" -c "ALTER TABLE ci.identity ENABLE TRIGGER ALL" >/dev/null
done
