/* privsep_msg.h: the worker's requests to the monitor, as it reads them */
#ifndef TUNINETD_PRIVSEP_MSG_H
#define TUNINETD_PRIVSEP_MSG_H

#include <stdbool.h>
#include <stddef.h>

#define PRIVSEP_MSG_MAX		8192	/* bytes of one message */
#define PRIVSEP_ENV_MAX		32	/* variables of one run */
#define PRIVSEP_VALUE_MAX	4096	/* bytes of one value */
#define PRIVSEP_ID_MAX		1000000	/* runs at once, numbered */
#define PRIVSEP_TIMEOUT_MAX	86400	/* seconds */
#define PRIVSEP_WATCH_MAX	128	/* a watch's name, NUL included */

enum privsep_kind {
	PRIVSEP_NONE, PRIVSEP_RUN, PRIVSEP_TIMEOUT, PRIVSEP_KILL,
	PRIVSEP_CONFIG, PRIVSEP_RELOADED, PRIVSEP_KEPT
};

struct privsep_request {
	enum privsep_kind kind;
	unsigned	 id;
	char		 event[8];		/* start, stop */
	char		 watch[PRIVSEP_WATCH_MAX];	/* `-': -i/-n/-q */
	unsigned	 seconds;
	int		 nenv;
	char		*env[PRIVSEP_ENV_MAX];	/* NAME=VALUE, in the message */
};

bool	privsep_parse(char *msg, size_t len, struct privsep_request *,
	    char *why, size_t);

#endif
