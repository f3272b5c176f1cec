/* privsep.h: the monitor that keeps root and the worker that does not */
#ifndef TUNINETD_PRIVSEP_H
#define TUNINETD_PRIVSEP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct env;
struct hook;
struct watch_conf;

/* a hook's pid in the worker while the monitor runs it: no kill of the
 * worker's reaches it (hook.c asks the monitor instead) */
#define PRIVSEP_PID	INT_MAX

struct privsep_conf {
	const char	*config_file;		/* read again after a reload */
	char *const	*argv;			/* to start again */
	const char	*cwd;			/* where it started, or NULL */
	bool		 daemonized;
	int		 restarts;		/* privsep_restarts() */
	/* the monitor's end (final) or a start again (not): the files of
	 * the worker's that it cannot remove */
	void		(*cleanup)(void *arg, bool final);
	void		*arg;
};

int	privsep_restarts(void);
void	privsep_table(const struct watch_conf *);
int	privsep_split(const struct privsep_conf *, char *err, size_t);
pid_t	privsep_main_pid(void);
bool	privsep_worker(void);
void	privsep_worker_join(void);
void	privsep_worker_jailed(void);
int	privsep_hook_start(struct hook *, const char *event,
	    const struct env *);
void	privsep_hook_forget(struct hook *);
void	privsep_hook_timeout(struct hook *, unsigned seconds);
int	privsep_hook_kill_all(void);
void	privsep_reloaded(void);

#endif
