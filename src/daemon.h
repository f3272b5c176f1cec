/* daemon.h: the process: its watches, its signals, its exit, its reload,
 * its word to systemd */
#ifndef TUNINETD_DAEMON_H
#define TUNINETD_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsm.h"
#include "hook.h"

struct statedir;

struct config_checks;
struct daemon;
struct watch;
struct watch_conf;

/* a hook run, for tuninetctl events */
struct daemon_event {
	int64_t			 when;		/* CLOCK_REALTIME ns it began */
	char			 watch[40];
	char			 event[8];	/* start, stop */
	enum fsm_reason		 reason;
	struct hook_result	 result;	/* how it ended, how long */
};

struct daemon	*daemon_new(const char *config_file, const struct statedir *,
		    const struct config_checks *);
int		 daemon_add(struct daemon *, struct watch_conf *, char *err,
		    size_t);
int		 daemon_run(struct daemon *, int (*jail)(char *, size_t));
void		 daemon_settings(struct daemon *, const char *control,
		    const char *control_group, int (*move)(void *,
		    const char *path, const char *group, char *err, size_t),
		    void *arg);
void		 daemon_free(struct daemon *);

/* for the control socket */
int		 daemon_count(const struct daemon *);
struct watch	*daemon_watch(const struct daemon *, int i);
struct watch	*daemon_find(const struct daemon *, const char *name);
int		 daemon_events(const struct daemon *,
		    const struct daemon_event **, int max);
bool		 daemon_reload(struct daemon *, char *why, size_t);

#endif
