/* core.h: a watch at work: its sensors feed its state machine, which
 * runs its hook */
#ifndef TUNINETD_CORE_H
#define TUNINETD_CORE_H

#include "options.h"
#include "sensor.h"

struct core;

struct savefile;

struct core	*core_new(const struct config *, struct sensor **, int n,
		    struct savefile *);
int		 core_start(struct core *);
void		 core_signal(struct core *, int signo);
void		 core_free(struct core *);

#endif
