/* conf.h: what the process is told to do: settings of the daemon and a
 * list of watches. The command line gives one watch, a configuration
 * file any number; both are run by the same code. */
#ifndef TUNINETD_CONF_H
#define TUNINETD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TTL_DEFAULT		600
#define HOOK_TIMEOUT_DEFAULT	60
#define QUEUE_HOLD_DEFAULT	1024
#define QUEUE_HOLD_MAX		65536
#define SECONDS_MAX		2147483647u
#define NFLOG_PREFIX_LEN	127	/* the kernel's NF_LOG_PREFIXLEN - 1 */
#define WATCH_NAME_MAX		32
#define SETTINGS_MAX		32	/* room in tables indexed by setting */
#define TTL_SWEEP_MAX		64
#define REPLAY_GROUPS_MAX	16
#define SESSION_MAX_DEFAULT	16384
#define SESSION_MAX_MAX		1048576
#define DNS_KEEP_MAX_DEFAULT	256	/* dns-keep: addresses at once */
#define DNS_KEEP_MAX_MAX	65536
#define SESSION_HOOKS_DEFAULT	16
#define SESSION_HOOKS_MAX	1024
#define MATCH_HOOKS_MASK	(1u << 3 | 1u << 2)	/* output,forward */
/* --keep-connections auto (with --match): the conntrack mark bits the
 * daemon's own rules set, a bit per watch */
#define KEEP_AUTO_FIELD		0xff000000u

/* watch_conf_check: names in messages are keys of a file, not options;
 * a replay needs no sensor (the capture is one) and no command (no hook
 * runs) */
#define WC_FILE			0x1
#define WC_REPLAY		0x2

/* --session: what tells one client's cycle from another's */
enum session_kind { SESSION_NONE, SESSION_SADDR, SESSION_DADDR,
	SESSION_FLOW };

enum run_mode { RUN_DAEMON, RUN_HELP, RUN_VERSION, RUN_CHECK_CONFIG,
	RUN_REPLAY };

/* One watch: its sensors, its timing, its hook. Strings are its own. */
struct watch_conf {
	char		*name;		/* [watch NAME]; NULL on the command line */
	char		*ifname;	/* pcap sensor, or NULL */
	char		*filter;	/* its tcpdump filter, or NULL */
	char		*keepalive_filter; /* while up, only these keep it up */
	int		 nflog_group;	/* NFLOG sensor: 0-65535, or -1 */
	char		*nflog_prefix;	/* only records with this prefix */
	char		*keepalive_prefix; /* while up, only these keep it up */
	int		 queue;		/* NFQUEUE sensor: 0-65535, or -1 */
	char		*match;		/* nft sensor: an nft expression */
	unsigned	 match_hooks;	/* its netfilter hooks, by NF_INET_* */
	bool		 hold_first;	/* its first packets queued */
	int		 session;	/* enum session_kind */
	unsigned	 session_max;	/* sessions at once, at most */
	unsigned	 session_hooks;	/* session hooks running at once */
	unsigned	 queue_hold_max; /* packets held at most */
	char		*dns_names;	/* --dns-name: patterns (dns.c), or
					   NULL */
	bool		 dns_keep;	/* answers' addresses keep it up */
	unsigned	 dns_keep_max;	/* addresses kept at once, at most */
	bool		 keep_connections;
	bool		 keep_auto;	/* `auto': a bit of KEEP_AUTO_FIELD */
	uint32_t	 keep_mark, keep_mask; /* conntrack mark/mask */
	char		*hook;
	unsigned	 ttl;		/* seconds */
	unsigned	 hook_timeout;	/* seconds, 0 = none */
	unsigned	 holdoff;	/* seconds after a stop, 0 = none */
	unsigned	 min_up, max_up; /* seconds, 0 = none */
	bool		 ack_only;
	bool		 strict_start;
	bool		 wait_interface;
	char		*savefile;	/* or NULL */
	char		*file;		/* the file of its [watch] line, or NULL */
	int		 line;		/* of its [watch] line in a file, or 0 */
	/* where each setting was written (by index in watch_settings), for
	 * messages: a line of file, or of defaults_file where its bit in
	 * from_defaults is set ([daemon]); 0: not written */
	int		 key_line[SETTINGS_MAX];
	uint32_t	 from_defaults;
	char		*defaults_file;
	struct watch_conf *next;
};

/* A resource only one watch of a daemon may have: an NFQUEUE queue, an
 * NFLOG group's records of one log prefix. Two claims with the same
 * `what' are the same resource; `key' is the setting that makes it. */
#define CLAIMS_MAX	3
struct claim {
	const char	*key;
	char		 what[NFLOG_PREFIX_LEN + 48];
};

/* The settings of a watch, by the name of their long option (and key in a
 * configuration file). */
struct setting {
	const char	*key;
	int		 letter;	/* its short option, or 0 */
	bool		 flag;		/* no value on the command line */
	const char	*sensor;	/* the sensor's setting it belongs to
					   ("interface"), or NULL */
	bool		 in_place;	/* a reload applies it to the running
					   watch: no stop, no sensor reopened */
	bool		 (*set)(struct watch_conf *, const char *value,
			    char *err, size_t);
};

/* --replay-group CAPTURE=WATCH: a capture's NFLOG group read as another */
struct group_map {
	uint16_t	 capture, watch;
};

struct config {
	enum run_mode	 mode;
	bool		 daemonize;
	char		*config_file;	/* -C */
	char		*control;	/* control socket path, or NULL */
	char		*control_group;
	char		*state_dir;
	char		*user;		/* the worker's (privsep.c), or NULL */
	struct watch_conf *watches;
	int		 nwatches;
	char		*replay_file;	/* -r: a capture to replay */
	unsigned	*ttl_sweep;	/* --ttl-sweep, or NULL */
	int		 nttl_sweep;
	bool		 json;		/* --json */
	struct group_map replay_groups[REPLAY_GROUPS_MAX];
	int		 nreplay_groups;
};

extern const struct setting watch_settings[];

const struct setting *setting_find(const char *key);
bool		 setting_fits(const struct setting *, const struct watch_conf *);
struct watch_conf *watch_conf_new(void);
struct watch_conf *watch_conf_dup(const struct watch_conf *);
void		 watch_conf_free(struct watch_conf *);
bool		 watch_conf_check(const struct watch_conf *, unsigned how,
		    uint32_t bad, const char **key, char *err, size_t);
int		 watch_conf_claims(const struct watch_conf *, struct claim *);
struct watch_conf *watch_confs_keep_bits(struct watch_conf *,
		    uint32_t (*had)(const char *name), uint32_t worn);
uint32_t	 watch_conf_diff(const struct watch_conf *,
		    const struct watch_conf *);
uint32_t	 settings_in_place(void);
int		 setting_index(const char *key);
void		 conf_refusal(const struct watch_conf *, const char *key,
		    char *err, size_t, const char *fmt, ...)
		    __attribute__((format(printf, 5, 6)));
void		 config_free(struct config *);
bool		 parse_seconds(const char *, unsigned min, unsigned *out);
bool		 parse_uint(const char *, unsigned long long min,
		    unsigned long long max, unsigned long long *out);
bool		 parse_bool(const char *, bool *out);
bool		 same_string(const char *, const char *);
const char	*netfilter_hook_name(int hook);
const char	*session_kind_name(int kind);
bool		 parse_hooks(const char *, unsigned *mask);

#endif
