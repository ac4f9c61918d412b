#!/usr/bin/env bash
# Accuracy of the default model with and without one blocking rule, on the
# same generated sets (bench/accuracy.sh's generation and evaluation): each
# set is generated once per seed, resolved (retrain => true) without the
# rule, then with it.  Used for "phonetic_family_initial beside
# phonetic_names" in bench/README.md.  Against the server in PGHOST/PGPORT:
#   SETS="crm historical voters voters_names" SEEDS="1 2" bench/accuracy_rule.sh
# RULE_SQL: how the rule is taken out for "without" (default: the shipped
# phonetic_family_initial).
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(sed -n '/^set_opts() {/,/^}/p' bench/accuracy.sh)"
export PGOPTIONS='-c client_min_messages=warning'
PERSONS=${PERSONS:-4000}
RULE_SQL=${RULE_SQL:-"DELETE FROM ci.match_blocking_rule WHERE model = 'default' AND rule = 'phonetic_family_initial'"}
for set in ${SETS:-crm historical voters voters_names}; do
  for seed in ${SEEDS:-1 2}; do
    db="ci_accuracy_rule_${set}_$seed"
    opts="$(set_opts "$set")"
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
    psql -X -q -d "$db" -c "CREATE EXTENSION customer_intel"
    psql -X -q -d "$db" -v n_persons="$PERSONS" -v seed="$seed" -f bench/generate_customers.sql >/dev/null
    # shellcheck disable=SC2086
    psql -X -q -d "$db" -v seed="$seed" $opts -f bench/generate_messy.sql >/dev/null
    rules=$(psql -X -At -d "$db" -c "SELECT json_agg(r) FROM ci.match_blocking_rule r WHERE model = 'default'")
    for variant in without with; do
      if [ $variant = without ]; then
        psql -X -q -d "$db" -c "$RULE_SQL"
      else
        echo "INSERT INTO ci.match_blocking_rule SELECT * FROM json_populate_recordset(NULL::ci.match_blocking_rule, :'rules') ON CONFLICT DO NOTHING" |
          psql -X -q -d "$db" -v rules="$rules"
      fi
      echo "== $set, seed $seed, $variant the rule"
      psql -X -q -d "$db" <<'SQL' | grep -E "^ *all |^ *records|^ *[0-9]+ *\|" | head -3
SET maintenance_work_mem = '1GB';
SELECT records, candidate_pairs, links, identities FROM ci.resolve_identities('default', retrain => true);
CREATE TEMP TABLE acc_candidates AS SELECT record_a, record_b FROM ci.candidate_pairs('default');
\ir bench/accuracy_eval.sql
SQL
    done
    psql -X -q -d postgres -c "DROP DATABASE $db"
  done
done
