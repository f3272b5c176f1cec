/* safepath.h: whether only root (or the daemon's user) can change what a
 * path leads to */
#ifndef TUNINETD_SAFEPATH_H
#define TUNINETD_SAFEPATH_H

#include <stdbool.h>
#include <stddef.h>

bool	safe_path(const char *what, const char *path, bool writable_dir,
	    char *err, size_t len);

#endif
