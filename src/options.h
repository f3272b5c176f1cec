/* options.h: the command line -> struct config, struct cmdline; pure, no I/O */
#ifndef TUNINETD_OPTIONS_H
#define TUNINETD_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

/* what the command line alone gives the process, beside struct config
 * (a configuration file has no key for it, as it has none for -d);
 * strings point into argv */
struct cmdline {
	const char	*pid_file;	/* --pid-file, or NULL */
};

bool	options_parse(struct config *, struct cmdline *, int argc,
	    char *argv[], char *err, size_t errlen);
void	options_usage(char *buf, size_t len, const char *prog);

#endif
