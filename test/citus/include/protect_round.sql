-- The comparisons of one step of 07_protect.sql (:label), for several
-- purposes and channels: 15 tests.
\set purpose marketing
\set channel all
\ir protect_compare.sql
\set channel email
\ir protect_compare.sql
\set purpose analytics
\set channel all
\ir protect_compare.sql
\set purpose profiling
\set channel sms
\ir protect_compare.sql
\set purpose personalization
\set channel all
\ir protect_compare.sql
