-- 0.1.0 -> 0.2.0 (comparison kinds, after 60_training.sql added roles): the
-- default model's place (postcode and city, 50_comparison_kinds.sql) is a
-- household field, as in src/identity/80_match_default.sql.
UPDATE ci.match_comparison SET role = 'household' WHERE model = 'default' AND comparison = 'place';
