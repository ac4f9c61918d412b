/*
 * match_init.c — GUCs of the matching capability.
 */
#include "ci_common.h"

void
ci_match_init(void)
{
}
