/* options.h: the command line -> struct config; pure, no I/O */
#ifndef TUNINETD_OPTIONS_H
#define TUNINETD_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

bool	options_parse(struct config *, int argc, char *argv[],
	    char *err, size_t errlen);
void	options_usage(char *buf, size_t len, const char *prog);

#endif
