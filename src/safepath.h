/* safepath.h: whether only root (or the daemon's user) can change what a
 * path leads to */
#ifndef TUNINETD_SAFEPATH_H
#define TUNINETD_SAFEPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

void	safepath_trust(uid_t);
bool	safepath_ours(uid_t);
bool	safe_path(const char *what, const char *path, bool writable_dir,
	    char *err, size_t len);

#endif
