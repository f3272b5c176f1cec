/* daemon.h: the process: its watches, its signals, its exit, its reload,
 * its word to systemd */
#ifndef TUNINETD_DAEMON_H
#define TUNINETD_DAEMON_H

#include <stddef.h>

struct config_checks;
struct daemon;
struct watch_conf;

struct daemon	*daemon_new(const char *config_file,
		    const struct config_checks *);
int		 daemon_add(struct daemon *, struct watch_conf *, char *err,
		    size_t);
int		 daemon_run(struct daemon *);
void		 daemon_free(struct daemon *);

#endif
