/* config.h: -C FILE, a configuration file of many watches -> struct config */
#ifndef TUNINETD_CONFIG_H
#define TUNINETD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

#define CONTROL_DEFAULT		"/run/tuninetd/control"
#define STATE_DIR_DEFAULT	"/run/tuninetd/state"

/* What only the system can tell of a value: whether a filter compiles,
 * whether an interface is there to capture on (unless the watch waits for
 * it), whether a hook may be run, whether the state directory may be
 * trusted (where it exists) and the control group exists. Each says what
 * is wrong naming its key, in start-up's words. NULL: not checked. */
struct config_checks {
	bool	(*filter)(const char *filter, char *err, size_t);
	bool	(*hook)(const char *path, char *err, size_t);
	bool	(*interface)(const char *ifname, bool wait, char *err, size_t);
	bool	(*state_dir)(const char *dir, char *err, size_t);
	bool	(*group)(const char *group, char *err, size_t);
	/* `user' (before state_dir: the worker's user owns it) */
	bool	(*user)(const char *name, char *err, size_t);
	bool	(*match)(const char *expression, char *err, size_t);
	/* the ct mark bit a running watch of that name has for
	 * --keep-connections auto, or 0: a reload keeps it */
	uint32_t (*keep_bit)(const char *watch);
	uint32_t  keep_worn;	/* the bits watches of this run have had */
};

/* Every error found, one "file:line: key: what is wrong" per line. */
struct config_errors {
	char	*text;
	size_t	 len;
	int	 n;
};

/* the bytes of the files a configuration was read from */
struct config_file {
	char	*path;
	char	*text;
	size_t	 len;
};

struct config_files {
	struct config_file *f;
	size_t	 n;
};

bool	config_load(const char *path, struct config *,
	    const struct config_checks *, struct config_errors *);
bool	config_read(const char *path, struct config *,
	    const struct config_checks *, struct config_errors *,
	    struct config_files *kept);
bool	config_parse(const struct config_files *, struct config *,
	    const struct config_checks *, struct config_errors *);
void	config_files_free(struct config_files *);
void	config_errors_free(struct config_errors *);

#endif
