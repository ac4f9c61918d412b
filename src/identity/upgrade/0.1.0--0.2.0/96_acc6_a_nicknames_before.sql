-- 0.1.0 -> 0.2.0 (issue 13, acc6): more shipped nicknames.  The rows are
-- inserted by 96_acc6_b_nicknames.sql (the install file itself); the keys
-- present before it are noted here, so that 96_acc6_c_nicknames_after.sql
-- marks as shipped only the rows the update added (a user's own row with
-- the same key stays the user's).
CREATE TEMP TABLE acc6_name_alias_before AS SELECT name, alias FROM ci.name_alias;
