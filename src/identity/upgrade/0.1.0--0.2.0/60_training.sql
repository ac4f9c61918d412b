-- 0.1.0 -> 0.2.0 (issue 13, training and household-aware scoring): model
-- settings for the household cap, the clustering guard and training, the
-- comparisons' roles, and the default model's household settings (see
-- src/identity/70_match_model.sql and 81_match_household.sql).
ALTER TABLE ci.match_model
    ADD COLUMN household_weight_cap double precision,
    ADD COLUMN guard_weight double precision NOT NULL DEFAULT -10,
    ADD COLUMN guard_against double precision NOT NULL DEFAULT -6,
    ADD COLUMN guard_max_pairs integer NOT NULL DEFAULT 10000,
    ADD COLUMN m_prior_pairs double precision NOT NULL DEFAULT 20,
    ADD COLUMN train_on_decisions boolean NOT NULL DEFAULT true,
    ADD CONSTRAINT match_model_household_weight_cap_range CHECK (household_weight_cap >= 0),
    ADD CONSTRAINT match_model_guard_range CHECK (guard_weight < 0 AND guard_against < 0 AND guard_max_pairs >= 0),
    ADD CONSTRAINT match_model_m_prior_pairs_range CHECK (m_prior_pairs >= 0 AND m_prior_pairs <= 1000000);
ALTER TABLE ci.match_comparison
    ADD COLUMN role text CONSTRAINT match_comparison_role_known CHECK (role IN ('personal', 'household'));
COMMENT ON COLUMN ci.match_model.household_weight_cap IS 'household-aware scoring: when a comparison of role personal is at level else (both values present), the positive weight of the comparisons of role household counts at most this many bits; NULL: no cap';
COMMENT ON COLUMN ci.match_model.guard_weight IS 'clustering guard: a cross pair whose own match weight is at most this (and whose evidence against is at most guard_against) keeps two groups of records apart';
COMMENT ON COLUMN ci.match_model.guard_against IS 'clustering guard: the sum of the negative comparison weights of such a pair must be at most this (disagreements, not missing values)';
COMMENT ON COLUMN ci.match_model.guard_max_pairs IS 'clustering guard: groups with more cross pairs than this are not checked (bounded cost); 0 turns the guard off';
COMMENT ON COLUMN ci.match_model.m_prior_pairs IS 'training: weight, in pairs, of the Dirichlet prior that smooths every estimated m toward {0.8, 0.1, 0.05, 0.05} (0: no smoothing, only a floor)';
COMMENT ON COLUMN ci.match_model.train_on_decisions IS 'training: steward decisions (ci.match_decision, link) are labelled matches that fit m where they exist';
COMMENT ON COLUMN ci.match_comparison.role IS 'household-aware scoring (ci.match_model.household_weight_cap): personal (a person''s own: given name, birth date) or household (shared by people who live together: family name, address, landline); NULL: neither';
UPDATE ci.match_comparison SET role = 'personal'
 WHERE model = 'default' AND comparison IN ('given_name', 'birth_date');
UPDATE ci.match_comparison SET role = 'household'
 WHERE model = 'default' AND comparison IN ('family_name', 'phone', 'street', 'city', 'postcode');
UPDATE ci.match_model SET household_weight_cap = 0 WHERE model = 'default';
