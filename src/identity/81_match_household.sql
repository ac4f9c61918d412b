-- Household-aware scoring and the clustering guard's settings for the
-- shipped default model (doc/identity.md, "Households").  People who live
-- together share an address, a landline and often a family name: once a
-- personal field disagrees with both values present (another given name,
-- another birth date), those shared fields are what a household explains
-- as well as one person, so together they may add at most
-- household_weight_cap bits (0: nothing) — twins and household members are
-- not linked on their shared address alone.  A swap of fields (a given
-- name in the family-name field) is not a disagreement, and an agreeing
-- identifier of the person's own (national id, e-mail) lifts the cap.
UPDATE ci.match_comparison SET role = 'personal'
 WHERE model = 'default' AND comparison IN ('given_name', 'birth_date');
UPDATE ci.match_comparison SET role = 'household'
 WHERE model = 'default' AND comparison IN ('family_name', 'phone', 'street', 'city', 'postcode');
UPDATE ci.match_model SET household_weight_cap = 0 WHERE model = 'default';
