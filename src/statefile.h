/* statefile.h: a watch's state, kept across a restart of the daemon */
#ifndef TUNINETD_STATEFILE_H
#define TUNINETD_STATEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fsm.h"

enum saved_state { SAVED_IDLE, SAVED_STARTING, SAVED_UP, SAVED_STOPPING };

struct saved {
	enum saved_state state;
	int64_t		 up_since;	/* CLOCK_REALTIME ns */
	int64_t		 last_packet;
	bool		 held;		/* tuninetctl hold, until release */
	char		 trigger[256];	/* the start's packet, one line */
	char		 source[512];	/* the configuration file, or "-" */
	char		 session[160];	/* --session: the client, or "" */
};

/* statefile_read */
/* a directory of state files: opened once, by root, and every file
 * reached from it (the worker may not walk the path); path for messages */
struct statedir {
	int		 fd;		/* -1: none */
	char		 path[4096];
};

#define STATEFILE_OK	0
#define STATEFILE_NONE	(-1)	/* no file: a watch never saved */
#define STATEFILE_BAD	(-2)	/* one that cannot be trusted: err says */

enum saved_state statefile_state(enum fsm_state);
int	statefile_dir(const char *dir, struct statedir *, char *err, size_t);
void	statefile_dir_close(struct statedir *);
bool	statefile_dir_ok(const char *dir, char *err, size_t);
int	statefile_write(const struct statedir *, const char *name,
	    const struct saved *, gid_t group);
int	statefile_read(const struct statedir *, const char *name,
	    struct saved *, char *err, size_t);
void	statefile_remove(const struct statedir *, const char *name);
int	statefile_sessions(const struct statedir *, const char *watch,
	    bool make, gid_t group, struct statedir *out);
int	statefile_sessions_read(const struct statedir *, const char *watch,
	    void (*each)(const char *name, const struct saved *,
	    const char *err, void *), void *arg, char *err, size_t);
void	statefile_sessions_remove(const struct statedir *, const char *watch);

#endif
