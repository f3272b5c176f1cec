/* daemon.h: the process: its watches, its signals, its exit, its word to
 * systemd */
#ifndef TUNINETD_DAEMON_H
#define TUNINETD_DAEMON_H

struct daemon;
struct savefile;
struct sensor;
struct watch_conf;

struct daemon	*daemon_new(void);
void		 daemon_add(struct daemon *, struct watch_conf *,
		    struct sensor **, int n, struct savefile *);
int		 daemon_run(struct daemon *);
void		 daemon_free(struct daemon *);

#endif
