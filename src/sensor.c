/* sensor.c: what the sensors share */
#include <linux/capability.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "sensor.h"

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

/* Packets carry CLOCK_REALTIME stamps, deadlines run on CLOCK_MONOTONIC.
 * A stamp from the future (the clock was stepped) counts as now. */
int64_t
realtime_to_mono(const struct timespec *ts)
{
	struct timespec real;
	int64_t mono = now_ns(), age;

	clock_gettime(CLOCK_REALTIME, &real);
	age = ((int64_t)real.tv_sec - ts->tv_sec) * 1000000000LL +
	    (real.tv_nsec - ts->tv_nsec);
	return age > 0 ? mono - age : mono;
}
