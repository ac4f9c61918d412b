/*
 * similarity.h — string and date similarity on code points, callable from C
 * by the rest of the match capability (pair scoring) without fmgr overhead.
 * The SQL wrappers (ci.jaro, ci.jaro_winkler, …) call these too.
 *
 * Strings are arrays of code points (pg_wchar) with explicit lengths; an
 * empty string has length 0.  None of these allocate more than
 * O(min(alen, blen)) memory, and all are bounded by CI_MAX_COMPARE_CHARS.
 */
#ifndef MATCH_SIMILARITY_H
#define MATCH_SIMILARITY_H

#include "ci_common.h"
#include "utils/date.h"

/* Jaro similarity in [0, 1]; two empty strings give 1, one empty gives 0. */
extern double match_jaro(const pg_wchar *a, int alen, const pg_wchar *b, int blen);

/*
 * Jaro-Winkler: jaro + l * prefix_scale * (1 - jaro) where l is the common
 * prefix length capped at 4, applied only when jaro > boost_threshold.
 * prefix_scale must be in [0, 0.25].
 */
extern double match_jaro_winkler(const pg_wchar *a, int alen,
								 const pg_wchar *b, int blen,
								 double prefix_scale, double boost_threshold);

/*
 * Levenshtein distance (insert, delete, substitute, each cost 1).  When
 * max_distance >= 0 the computation stops as soon as the distance is known
 * to exceed it and returns max_distance + 1; max_distance < 0 means no bound.
 */
extern int	match_levenshtein(const pg_wchar *a, int alen,
							  const pg_wchar *b, int blen, int max_distance);

/* Damerau-Levenshtein, optimal string alignment variant (adjacent transpositions). */
extern int	match_damerau_osa(const pg_wchar *a, int alen,
							  const pg_wchar *b, int blen, int max_distance);

/*
 * Birth-date similarity in [0, 1]: 1 for equal dates, lower documented
 * values for day/month transposition and one-digit slips, 0 otherwise.
 */
extern double match_birthdate_similarity(DateADT a, DateADT b);

#endif							/* MATCH_SIMILARITY_H */
