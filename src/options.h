/* options.h: the command line -> struct config; pure, no I/O */
#ifndef TUNINETD_OPTIONS_H
#define TUNINETD_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#define TTL_DEFAULT		600
#define HOOK_TIMEOUT_DEFAULT	60
#define SECONDS_MAX		2147483647u

enum run_mode { RUN_DAEMON, RUN_HELP, RUN_VERSION };

struct config {
	enum run_mode	 mode;
	const char	*ifname;	/* -i: pcap sensor, or NULL */
	const char	*filter;	/* -f: tcpdump filter, or NULL */
	int		 nflog_group;	/* -n: 0-65535, or -1 */
	const char	*hook;		/* -c */
	unsigned	 ttl;		/* -t: seconds */
	unsigned	 hook_timeout;	/* --hook-timeout: seconds, 0 = none */
	bool		 ack_only;	/* -a */
	bool		 daemonize;	/* -d */
	const char	*savefile;	/* -w, or NULL */
	bool		 wait_interface; /* --wait-interface */
};

bool	options_parse(struct config *, int argc, char *argv[],
	    char *err, size_t errlen);
bool	parse_seconds(const char *, unsigned min, unsigned *out);
void	options_usage(char *buf, size_t len, const char *prog);

#endif
