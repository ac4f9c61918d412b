/*
 * match_cluster.h — clustering scored pairs into identities (match_cluster.c)
 * and the counters of a run.
 */
#ifndef MATCH_CLUSTER_H
#define MATCH_CLUSTER_H

#include "match.h"

typedef struct MatchRunStats
{
	int64		links;			/* accepted links */
	int64		review_pairs;
	int64		identities;
	int64		new_identities;
	int64		merged;
	int64		split_records;
	int64		retired;
	int64		links_written;
	int64		blocked_by_steward;
	int64		blocked_by_conflict;	/* unions refused: strong negative evidence */
} MatchRunStats;

extern void match_cluster_and_write(MatchStore *st, MatchPairs *pairs,
									const double *weights, MatchRunStats *stats);

#endif							/* MATCH_CLUSTER_H */
