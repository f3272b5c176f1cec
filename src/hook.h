/* hook.h: run the user's executable without a shell, never blocking */
#ifndef TUNINETD_HOOK_H
#define TUNINETD_HOOK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "env.h"
#include "loop.h"

#define HOOK_LINE_MAX	512
#define HOOK_KILL_GRACE	5	/* seconds between SIGTERM and SIGKILL */

/* how the last run ended, for the watch and its counters */
struct hook_result {
	bool		 spawned;
	int		 code;		/* CLD_EXITED, CLD_KILLED, CLD_DUMPED */
	int		 status;	/* exit status, or the signal */
	int64_t		 started, ended;	/* now_ns() */
};

struct hook {
	char		*path;
	unsigned	 timeout;	/* seconds, 0 = no limit */
	void		(*done)(struct hook *);
	void		*arg;

	/* one run at a time */
	const char	*event;
	pid_t		 pid;		/* 0 when not running */
	struct hook	*next_running;
	struct io	 out_io;	/* read end of the stdout/stderr pipe */
	struct timer	 kill_timer;
	bool		 term_sent;
	pid_t		 remnant;	/* group of a killed hook, due SIGKILL */
	struct timer	 remnant_timer;
	struct hook_result result;
	size_t		 linelen;
	char		 line[HOOK_LINE_MAX];
};

void	hook_init(struct hook *, const char *path, unsigned timeout,
	    void (*done)(struct hook *), void *arg);
int	hook_start(struct hook *, const char *event, struct env *);
void	hook_free(struct hook *);
void	hook_reap(void);
bool	hook_result_ok(const struct hook_result *);


#endif
