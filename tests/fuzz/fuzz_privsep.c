/* fuzz_privsep: libFuzzer target for the monitor's reader of the worker's
 * requests (privsep_msg.c): whatever a worker taken over may send. A
 * request read must be one the monitor can act on: a known kind, an ID
 * in range, an event start or stop, each variable NAME=VALUE without a
 * control byte but a tab. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "privsep_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct privsep_request rq;
	char why[128], *msg;
	const char *c;
	int i;

	if ((msg = malloc(size + 1)) == NULL)
		return 0;
	memcpy(msg, data, size);
	if (privsep_parse(msg, size, &rq, why, sizeof why)) {
		if (rq.kind == PRIVSEP_RUN && (rq.id == 0 || rq.id >
		    PRIVSEP_ID_MAX || (strcmp(rq.event, "start") != 0 &&
		    strcmp(rq.event, "stop") != 0) || rq.nenv < 0 ||
		    rq.nenv > PRIVSEP_ENV_MAX))
			abort();
		for (i = 0; i < rq.nenv; i++) {
			if (strncmp(rq.env[i], "TUNINETD_", 9) != 0 ||
			    strchr(rq.env[i], '=') == NULL)
				abort();
			for (c = rq.env[i]; *c != '\0'; c++)
				if (((unsigned char)*c < 0x20 && *c != '\t') ||
				    *c == 0x7f)
					abort();
		}
	}
	free(msg);
	return 0;
}
