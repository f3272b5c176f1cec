/* stats.h: what a watch counts, for tuninetctl status and its metrics */
#ifndef TUNINETD_STATS_H
#define TUNINETD_STATS_H

#include <stdint.h>

#include "fsm.h"

#define HIST_BUCKETS	16
#define REASONS		(REASON_RECOVERED + 1)

/* Prometheus-style: counts per upper bound (not cumulative here), the
 * count and the sum; the bounds in seconds are hist_bounds[]. */
struct histogram {
	uint32_t	bucket[HIST_BUCKETS];	/* 32 bits: a thousand watches */
	uint32_t	count;
	double		sum;
};

enum { HOOK_START, HOOK_STOP };

struct watch_stats {
	uint64_t	 starts;		/* start hooks run */
	uint64_t	 stops[REASONS];	/* stop hooks run, by reason */
	uint64_t	 hook_failures[2];	/* HOOK_START, HOOK_STOP */
	int64_t		 up_ns;			/* of the cycles that ended */
	struct histogram hook_duration[2];
	struct histogram start_latency;		/* first packet -> exec */
	/* --dns-name: packets that would have started it and did not, by
	 * enum dns_kind: not DNS, malformed, not a query for its names */
	uint64_t	 dns_ignored[3];
};

extern const double hist_bounds[HIST_BUCKETS];

void	hist_add(struct histogram *, double seconds);

#endif
