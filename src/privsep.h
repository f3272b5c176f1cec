/* privsep.h: the monitor that keeps root and the worker that does not */
#ifndef TUNINETD_PRIVSEP_H
#define TUNINETD_PRIVSEP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct config_checks;
struct config_errors;
struct config_files;
struct env;
struct hook;
struct watch_conf;

/* a hook's pid in the worker while the monitor runs it: no kill of the
 * worker's reaches it (hook.c asks the monitor instead) */
#define PRIVSEP_PID	INT_MAX

struct privsep_conf {
	const char	*config_file;		/* read again for a reload */
	const struct config_checks *checks;	/* ... and checked so */
	const char	*control;		/* the socket, or NULL */
	const char	*control_group;
	const char	*state_dir;		/* or NULL */
	const char	*user;			/* as configured, or NULL */
	char *const	*argv;			/* to start again */
	const char	*cwd;			/* where it started, or NULL */
	bool		 daemonized;
	int		 restarts;		/* privsep_restarts() */
	/* a reload's control socket: a new one (0 and its fd, or -1 and
	 * err), or the same with another group (-1 and err if it cannot
	 * be) */
	int		(*control_listen)(const char *path, const char *group,
			    int *fd, char *err, size_t);
	int		(*control_regroup)(const char *path, const char *group,
			    char *err, size_t);
	/* the monitor's end: what it removes that the worker cannot */
	void		(*cleanup)(void *arg);
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
bool	privsep_config(struct config_files *, struct config_errors *);
int	privsep_control_fd(void);
void	privsep_reloaded(bool taken);

#endif
