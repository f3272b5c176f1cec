/* duration.h: a length of time for people, written the same by
 * tuninetctl and by a replay's report (tuninetd -r) */
#ifndef TUNINETD_DURATION_H
#define TUNINETD_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* duration.c */
const char	*duration_format(char *buf, size_t len, int64_t ns);

#endif
