/* conf.h: what the process is told to do: settings of the daemon and a
 * list of watches. The command line gives one watch, a configuration
 * file any number; both are run by the same code. */
#ifndef TUNINETD_CONF_H
#define TUNINETD_CONF_H

#include <stdbool.h>
#include <stddef.h>

#define TTL_DEFAULT		600
#define HOOK_TIMEOUT_DEFAULT	60
#define SECONDS_MAX		2147483647u

enum run_mode { RUN_DAEMON, RUN_HELP, RUN_VERSION };

/* One watch: its sensors, its timing, its hook. Strings are its own. */
struct watch_conf {
	char		*name;		/* [watch NAME]; NULL on the command line */
	char		*ifname;	/* pcap sensor, or NULL */
	char		*filter;	/* its tcpdump filter, or NULL */
	int		 nflog_group;	/* NFLOG sensor: 0-65535, or -1 */
	char		*hook;
	unsigned	 ttl;		/* seconds */
	unsigned	 hook_timeout;	/* seconds, 0 = none */
	bool		 ack_only;
	bool		 wait_interface;
	char		*savefile;	/* or NULL */
	struct watch_conf *next;
};

struct config {
	enum run_mode	 mode;
	bool		 daemonize;
	struct watch_conf *watches;
	int		 nwatches;
};

struct watch_conf *watch_conf_new(void);
void		 watch_conf_free(struct watch_conf *);
bool		 watch_conf_equal(const struct watch_conf *,
		    const struct watch_conf *);
void		 config_free(struct config *);
bool		 parse_seconds(const char *, unsigned min, unsigned *out);
bool		 parse_uint(const char *, unsigned long long min,
		    unsigned long long max, unsigned long long *out);

#endif
