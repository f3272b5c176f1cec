/*
 * duration.c: a length of time for people: 0.4 s, 27.9 s, 12m05s,
 * 3h04m, 2d03h. tuninetctl's status and a replay's report both write
 * it, so that a time up reads the same in either. Cut, never rounded:
 * 59.99 s is 59.9 s, not a "60.0 s" that should have been "1m00s", and
 * a countdown never shows more than is left. In whole ns, so that no
 * binary fraction turns 2.3 s into 2.2 s.
 */
#include <inttypes.h>
#include <stdio.h>

#include "duration.h"

#define NS_PER_SEC	1000000000LL

/* buf, with the length of ns (0 when negative) */
const char *
duration_format(char *buf, size_t len, int64_t ns)
{
	int64_t s;

	if (ns < 0)
		ns = 0;
	s = ns / NS_PER_SEC;
	if (s < 60)
		snprintf(buf, len, "%d.%d s", (int)s,
		    (int)(ns % NS_PER_SEC / (NS_PER_SEC / 10)));
	else if (s < 3600)
		snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)(s % 60));
	else if (s < 86400)
		snprintf(buf, len, "%dh%02dm", (int)(s / 3600),
		    (int)(s % 3600 / 60));
	else
		snprintf(buf, len, "%" PRId64 "d%02dh", s / 86400,
		    (int)(s % 86400 / 3600));
	return buf;
}
