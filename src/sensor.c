/* sensor.c: what the sensors share, and the table of sensor kinds */
#include <errno.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "loop.h"
#include "sensor.h"

/* A new kind of sensor is one file and one row here: whether a watch's
 * settings ask for it, and how to open it. The order is the order of a
 * watch's sensors: the savefile takes the first one's link type, so
 * whole frames (pcap) come before NFLOG records and raw IP packets
 * (NFQUEUE), then the nft sensor, which reads its first packets with
 * one of those two; conntrack, which never starts a watch and has no packets,
 * comes last, and its sync, at a deadline, after the others have said
 * what they still held. */
static const struct sensor_kind {
	bool		 (*wanted)(const struct watch_conf *);
	struct sensor	*(*open)(const struct watch_conf *, char *, size_t);
} kinds[] = {
	{ pcap_sensor_wanted, pcap_sensor_open },
	{ nflog_sensor_wanted, nflog_sensor_open },
	{ nfqueue_sensor_wanted, nfqueue_sensor_open },
	{ nft_sensor_wanted, nft_sensor_open },
	{ conntrack_sensor_wanted, conntrack_sensor_open },
};

int
sensors_open(const struct watch_conf *wc, struct sensor **out, char *err,
    size_t errlen)
{
	size_t k;
	int n = 0;

	for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		if (!kinds[k].wanted(wc))
			continue;
		if ((out[n] = kinds[k].open(wc, err, errlen)) == NULL) {
			while (n-- > 0)
				out[n]->ops->close(out[n]);
			return -1;
		}
		n++;
	}
	if (n == 0) {
		snprintf(err, errlen, "no sensor for this watch");
		return -1;
	}
	return n;
}

/* A sensor's common part, for the watch wc. */
void
sensor_init(struct sensor *s, const struct sensor_ops *ops,
    const struct watch_conf *wc)
{
	s->ops = ops;
	s->ack_only = wc->ack_only;
	s->ttl = (int64_t)wc->ttl * NSEC_PER_SEC;
}

/* Whether the effective set holds cap; asked so that an EPERM can be told
 * apart: missing privilege, or a resource someone else holds. */
bool
have_capability(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };

	if (syscall(SYS_capget, &hdr, data) == -1)
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

/* Packets carry CLOCK_REALTIME stamps, deadlines run on the loop's clock.
 * A stamp from the future (the clock was stepped) counts as now. */
int64_t
realtime_to_loop(const struct timespec *ts)
{
	struct timespec real;
	int64_t now = now_ns(), age;

	clock_gettime(CLOCK_REALTIME, &real);
	age = ((int64_t)real.tv_sec - ts->tv_sec) * NSEC_PER_SEC +
	    (real.tv_nsec - ts->tv_nsec);
	return age > 0 ? now - age : now;
}

/* A time of the loop's clock as CLOCK_REALTIME ns, for people and files. */
int64_t
loop_to_realtime(int64_t t)
{
	struct timespec real;

	clock_gettime(CLOCK_REALTIME, &real);
	return (int64_t)real.tv_sec * NSEC_PER_SEC + real.tv_nsec -
	    (now_ns() - t);
}

/* A sensor's log line, its watch's name first in config mode, as the
 * watch's own lines; errno kept for log_warn. */
void
sensor_log(const struct sensor *s, void (*out)(const char *, ...),
    const char *fmt, ...)
{
	int saved = errno;
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	errno = saved;
	if (s->watch != NULL)
		out("%s: %s", s->watch, line);
	else
		out("%s", line);
}
