/* metrics.h: the watches in the Prometheus text exposition format */
#ifndef TUNINETD_METRICS_H
#define TUNINETD_METRICS_H

struct watch_info;

/* the text, malloc'd; NULL when out of memory */
char	*metrics_text(const struct watch_info *, int n);

#endif
