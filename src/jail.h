/* jail.h: the worker's user, capabilities and seccomp filter */
#ifndef TUNINETD_JAIL_H
#define TUNINETD_JAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define JAIL_DEFAULT_USER	"tuninetd"	/* made by the package */
#define JAIL_FALLBACK_USER	"nobody"	/* when it does not exist */

struct jail {
	char		 user[64];
	uid_t		 uid;
	gid_t		 gid;
	int		 write_dir;	/* the state directory's fd, or -1 */
	bool		 no_caps;	/* -r: not even the worker's two */
	bool		 fallback;	/* JAIL_FALLBACK_USER, for the default */
	int		 landlock;	/* its ABI once jailed; 0: none */
};

int	jail_user(const char *name, bool fallback, struct jail *, char *err,
	    size_t);
int	jail_enter(struct jail *, char *err, size_t);
const struct jail *jail_current(void);

#endif
