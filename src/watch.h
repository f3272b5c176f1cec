/* watch.h: a watch at work: its sensors feed its state machine, which
 * runs its hook */
#ifndef TUNINETD_WATCH_H
#define TUNINETD_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "fsm.h"

struct savefile;
struct sensor;
struct watch;
struct watch_conf;

/* The process's side of a watch: told of every transition. */
struct watch_owner {
	void	(*changed)(struct watch *, void *arg);
	void	 *arg;
};

struct watch	*watch_new(struct watch_conf *, struct sensor **, int n,
		    struct savefile *, const struct watch_owner *);
int		 watch_start(struct watch *);
void		 watch_stop_now(struct watch *);
void		 watch_exit(struct watch *);
void		 watch_retire(struct watch *);
const struct watch_conf *watch_conf(const struct watch *);
void		 watch_describe(struct watch *);
bool		 watch_done(const struct watch *);
enum fsm_state	 watch_state(const struct watch *);
const char	*watch_name(const struct watch *);
void		 watch_status(const struct watch *, char *, size_t);
void		 watch_free(struct watch *);

#endif
