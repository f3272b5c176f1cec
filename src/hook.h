/* hook.h: run the user's executable without a shell, never blocking */
#ifndef TUNINETD_HOOK_H
#define TUNINETD_HOOK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "env.h"
#include "loop.h"

#define HOOK_LINE_MAX	512	/* logged characters of output per line */
#define HOOK_KILL_GRACE	5	/* seconds between SIGTERM and SIGKILL */

/* How the last run ended; set before done() is called. */
struct hook_result {
	bool	 spawned;	/* false: it could not run (why says why) */
	char	 why[160];
	int	 code;		/* CLD_EXITED, CLD_KILLED or CLD_DUMPED */
	int	 status;	/* the exit status, or the signal */
	int64_t	 started, ended;	/* now_ns() */
};

struct hook_output;	/* a run's output, read until its end of file */

struct hook {
	char		*path;
	char		*tag;		/* its watch's name, or NULL */
	char		*prefix;	/* "TAG: " before each log line, or "" */
	unsigned	 timeout;	/* seconds, 0 = no limit */
	void		(*done)(struct hook *);
	void		*arg;

	/* one run at a time */
	const char	*event;
	pid_t		 pid;		/* 0 when not running */
	struct hook	*next_running;
	struct hook_output *out;	/* the running process's output */
	struct hook_output *outputs;	/* every run's output not at EOF */
	struct timer	 kill_timer;
	bool		 term_sent;
	pid_t		 remnant;	/* group of a killed hook, due SIGKILL */
	struct timer	 remnant_timer;
	struct hook_result result;
};

void	hook_init(struct hook *, const char *tag, const char *path,
	    unsigned timeout, void (*done)(struct hook *), void *arg);
int	hook_start(struct hook *, const char *event, struct env *);
void	hook_set_timeout(struct hook *, unsigned timeout);
int	hook_kill_all(void);
void	hook_free(struct hook *);
void	hook_reap(void);
void	hook_on_other_end(void (*)(const siginfo_t *));
bool	hook_result_ok(const struct hook_result *);
bool	hook_check(const char *what, const char *path, char *err, size_t len);
int	hook_close_from(int lowfd);

#endif
