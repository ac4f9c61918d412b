-- Household-aware scoring and the clustering guard's settings for the
-- shipped default model (doc/identity.md, "Households").  People who live
-- together share an address, a landline and often a family name: once a
-- personal field disagrees with both values present (another given name,
-- another birth date), those shared fields are what a household explains
-- as well as one person, so together they may add at most
-- household_weight_cap bits (0: nothing) — twins and household members are
-- not linked on their shared address alone.  The roles ship set; the cap
-- ships off (NULL) for now: at 0 it lifts precision on household-rich data
-- from 0.63 to 0.97 but costs FEBRL3 recall (given names typed badly enough
-- to be "else", 0.9997 -> 0.990 F1), below its target (doc/identity.md,
-- "Households"; bench/README.md).  Turn it on per model:
--   UPDATE ci.match_model SET household_weight_cap = 0 WHERE model = 'default';
UPDATE ci.match_comparison SET role = 'personal'
 WHERE model = 'default' AND comparison IN ('given_name', 'birth_date');
UPDATE ci.match_comparison SET role = 'household'
 WHERE model = 'default' AND comparison IN ('family_name', 'phone', 'street', 'city', 'postcode');
