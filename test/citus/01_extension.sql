-- CREATE EXTENSION customer_intel on the coordinator reaches every worker,
-- and the workers compute what the coordinator computes.
BEGIN;
SELECT plan(5);

SELECT is((SELECT count(*)::int FROM pg_dist_node WHERE noderole = 'primary' AND shouldhaveshards), 2,
          'the cluster has two workers');

SELECT ok(EXISTS (SELECT 1 FROM pg_dist_object o JOIN pg_extension e ON o.classid = 'pg_extension'::regclass AND o.objid = e.oid
                  WHERE e.extname = 'customer_intel'),
          'customer_intel is a distributed object: Citus propagates it');

SELECT is_empty($$SELECT nodeport FROM run_command_on_workers(
                      $q$SELECT extversion FROM pg_extension WHERE extname = 'customer_intel'$q$)
                  WHERE NOT success OR result IS DISTINCT FROM
                        (SELECT extversion FROM pg_extension WHERE extname = 'customer_intel')$$,
                'every worker has customer_intel at the coordinator''s version');

SELECT is_empty($$SELECT nodeport FROM run_command_on_workers(
                      $q$SELECT count(*) FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
                         WHERE d.deptype = 'e' AND e.extname = 'customer_intel'$q$)
                  WHERE NOT success OR result::bigint <>
                        (SELECT count(*) FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
                         WHERE d.deptype = 'e' AND e.extname = 'customer_intel')$$,
                'every worker has the same extension members as the coordinator');

SELECT is_empty($$SELECT nodeport FROM run_command_on_workers(
                      $q$SELECT concat_ws('|', ci.normalize_name('  José  MÜLLER-Łukasz '), ci.normalize_email('John.Doe+x@GoogleMail.com'),
                                 ci.normalize_phone('(02) 9876 5432', 'AU'), ci.dmetaphone('Schmidt'),
                                 round(ci.jaro_winkler('martha', 'marhta')::numeric, 6))$q$)
                  WHERE NOT success OR result IS DISTINCT FROM
                        concat_ws('|', ci.normalize_name('  José  MÜLLER-Łukasz '), ci.normalize_email('John.Doe+x@GoogleMail.com'),
                                  ci.normalize_phone('(02) 9876 5432', 'AU'), ci.dmetaphone('Schmidt'),
                                  round(ci.jaro_winkler('martha', 'marhta')::numeric, 6))$$,
                'the workers compute the coordinator''s normalised forms and similarities (same ICU, libphonenumber)');

SELECT * FROM finish();
ROLLBACK;
