/* stats.c: histograms with fixed bounds, from half a millisecond (a
 * start's latency) to a minute (a hook's run); pure */
#include "stats.h"

const double hist_bounds[HIST_BUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
	1, 2.5, 5, 10, 30, 60,
};

void
hist_add(struct histogram *h, double seconds)
{
	int i;

	for (i = 0; i < HIST_BUCKETS; i++)
		if (seconds <= hist_bounds[i]) {
			h->bucket[i]++;
			break;
		}
	h->count++;		/* above the last bound: +Inf only */
	h->sum += seconds;
}
