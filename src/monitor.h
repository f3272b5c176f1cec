/* monitor.h: privsep.c's split, the half that keeps root (monitor.c) */
#ifndef TUNINETD_MONITOR_H
#define TUNINETD_MONITOR_H

#include <sys/types.h>

struct privsep_conf;

/* how many times the monitor started the daemon again, for the new one */
#define RESTART_ENV	"TUNINETD_RESTARTS"

void	monitor_run(int fd, pid_t worker, const struct privsep_conf *,
	    const char *self) __attribute__((noreturn));
void	monitor_forget(void);

#endif
