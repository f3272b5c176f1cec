/*
 * options.c: the original tuninetd's command line, letter for letter, plus
 * long options for what is new: the watch's settings are conf.c's table
 * (a long option is a configuration key), the process's own are here.
 * Pure: fills a struct config with one watch (or names a configuration
 * file), with -r names a capture to replay it against, and a struct
 * cmdline with what no file gives; or writes a message naming the bad
 * value into err; never prints, never exits.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

/* the process's own options: values above any letter */
enum {
	OPT_SETTING = 256,	/* + index in watch_settings */
	OPT_CHECK_CONFIG = 512,
	OPT_CONTROL,
	OPT_STATE_DIR,
	OPT_USER,
	OPT_TTL_SWEEP,
	OPT_JSON,
	OPT_PID_FILE,
	OPT_REPLAY_GROUP,
};

static const struct option process_options[] = {
	{ "daemon",		no_argument,		NULL, 'd' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, 'v' },
	{ "config",		required_argument,	NULL, 'C' },
	{ "check-config",	no_argument,		NULL, OPT_CHECK_CONFIG },
	{ "control",		required_argument,	NULL, OPT_CONTROL },
	{ "state-dir",		required_argument,	NULL, OPT_STATE_DIR },
	{ "user",		required_argument,	NULL, OPT_USER },
	{ "replay",		required_argument,	NULL, 'r' },
	{ "ttl-sweep",		required_argument,	NULL, OPT_TTL_SWEEP },
	{ "json",		no_argument,		NULL, OPT_JSON },
	{ "pid-file",		required_argument,	NULL, OPT_PID_FILE },
	{ "replay-group",	required_argument,	NULL, OPT_REPLAY_GROUP },
};

#define NOPTIONS	(SETTINGS_MAX + sizeof process_options / \
			    sizeof process_options[0] + 1)

/* getopt's tables: every watch setting, then the process's options */
static void
build_tables(struct option *longopts, char *shortopts, size_t len)
{
	const struct setting *s;
	size_t n = 0, i, k;

	k = (size_t)snprintf(shortopts, len, ":dhvC:r:");
	for (s = watch_settings; s->key != NULL && n < SETTINGS_MAX; s++, n++) {
		longopts[n] = (struct option){ s->key,
		    s->flag ? no_argument : required_argument, NULL,
		    s->letter != 0 ? s->letter : OPT_SETTING + (int)n };
		if (s->letter != 0 && k + 3 < len) {
			shortopts[k++] = (char)s->letter;
			if (!s->flag)
				shortopts[k++] = ':';
			shortopts[k] = '\0';
		}
	}
	for (i = 0; i < sizeof process_options / sizeof process_options[0]; i++)
		longopts[n++] = process_options[i];
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };
}

static const struct setting *
setting_of(int c)
{
	const struct setting *s;

	if (c >= OPT_SETTING && c < OPT_SETTING + SETTINGS_MAX)
		return &watch_settings[c - OPT_SETTING];
	for (s = watch_settings; s->key != NULL; s++)
		if (s->letter == c)
			return s;
	return NULL;
}

/* How the user wrote the option getopt complains of. */
static const char *
optname(int c, const struct option *longopts, char *buf, size_t len)
{
	const struct option *o;

	if (c < 256) {
		snprintf(buf, len, "-%c", c);
		return buf;
	}
	for (o = longopts; o->name != NULL; o++)
		if (o->val == c)
			break;
	snprintf(buf, len, "--%s", o->name != NULL ? o->name : "?");
	return buf;
}

static bool
take(char **field, const char *arg)
{
	free(*field);
	if ((*field = strdup(arg)) == NULL)
		abort();
	return true;
}

/* --ttl-sweep 30,60,300,600: in the order given */
static bool
ttl_list(struct config *cf, const char *arg, char *err, size_t errlen)
{
	char item[32];
	const char *p = arg;
	size_t n;
	unsigned v;

	free(cf->ttl_sweep);
	if ((cf->ttl_sweep = calloc(TTL_SWEEP_MAX, sizeof *cf->ttl_sweep)) ==
	    NULL)
		abort();
	cf->nttl_sweep = 0;
	for (;;) {
		n = strcspn(p, ",");
		if (cf->nttl_sweep == TTL_SWEEP_MAX) {
			snprintf(err, errlen, "--ttl-sweep: `%s': more than %d "
			    "TTLs", arg, TTL_SWEEP_MAX);
			return false;
		}
		if (n >= sizeof item || (memcpy(item, p, n), item[n] = '\0',
		    !parse_seconds(item, 1, &v))) {
			snprintf(err, errlen, "--ttl-sweep: `%s': `%.*s' is not a "
			    "number of seconds (1-%u)", arg, (int)n, p,
			    SECONDS_MAX);
			return false;
		}
		cf->ttl_sweep[cf->nttl_sweep++] = v;
		if (p[n] == '\0')
			return true;
		p += n + 1;
	}
}

/* --replay-group 18=8: the capture's NFLOG group 18 read as group 8, so
 * that a capture of a second rule's group (the daemon holds the first)
 * serves the watches; a group is read as one group only */
static bool
group_map(struct config *cf, const char *arg, char *err, size_t errlen)
{
	unsigned long long capture, watch;
	size_t n = strcspn(arg, "=");
	char left[8];
	int i;

	if (arg[n] != '=') {
		snprintf(err, errlen, "--replay-group: `%s' is not CAPTURE=WATCH, "
		    "the capture's NFLOG group and the watches' (e.g. 18=8)",
		    arg);
		return false;
	}
	if (n >= sizeof left || (memcpy(left, arg, n), left[n] = '\0',
	    !parse_uint(left, 0, 65535, &capture))) {
		snprintf(err, errlen, "--replay-group: `%s': `%.*s' is not an "
		    "NFLOG group (0-65535)", arg, (int)n, arg);
		return false;
	}
	if (!parse_uint(arg + n + 1, 0, 65535, &watch)) {
		snprintf(err, errlen, "--replay-group: `%s': `%s' is not an "
		    "NFLOG group (0-65535)", arg, arg + n + 1);
		return false;
	}
	for (i = 0; i < cf->nreplay_groups; i++)
		if (cf->replay_groups[i].capture == capture) {
			snprintf(err, errlen, "--replay-group: `%s': group %llu "
			    "is read as %u already", arg, capture,
			    (unsigned)cf->replay_groups[i].watch);
			return false;
		}
	if (cf->nreplay_groups == REPLAY_GROUPS_MAX) {
		snprintf(err, errlen, "--replay-group: `%s': more than %d "
		    "groups", arg, REPLAY_GROUPS_MAX);
		return false;
	}
	cf->replay_groups[cf->nreplay_groups++] = (struct group_map){
	    (uint16_t)capture, (uint16_t)watch };
	return true;
}

/* getopt says only `?': tell an unknown option from a value given to one
 * that takes none (--help=foo, or --he=foo: getopt takes a unique
 * prefix). For both, optopt holds a value: the unknown letter, or the
 * option's; argv[optind - 1] is the last word read, which for a letter in
 * a cluster (-xa) is the word before it. */
static void
unknown(const char *arg, int opt, const struct option *longopts, char *err,
    size_t errlen)
{
	const struct option *o;
	size_t n;

	if (strncmp(arg, "--", 2) == 0 && arg[2 + (n = strcspn(arg + 2,
	    "="))] == '=')
		for (o = longopts; o->name != NULL; o++)
			if (o->val == opt && o->has_arg == no_argument &&
			    strncmp(o->name, arg + 2, n) == 0) {
				snprintf(err, errlen, "`%s': --%s takes no "
				    "value", arg, o->name);
				return;
			}
	if (opt != 0)
		snprintf(err, errlen, "unknown option `-%c'", opt);
	else
		snprintf(err, errlen, "unknown option `%s'", arg);
}

static bool
parse(struct config *cf, struct cmdline *cl, struct watch_conf *wc,
    int *given, bool *ttl_given, int argc, char *argv[], char *err,
    size_t errlen)
{
	struct option longopts[NOPTIONS];
	const struct setting *s;
	char shortopts[64], name[48], why[256];
	int c;

	build_tables(longopts, shortopts, sizeof shortopts);
	optind = 0;	/* GNU: full re-initialisation, so tests can parse again */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cf->daemonize = true;
			continue;
		case 'h':
			cf->mode = RUN_HELP;
			return true;
		case 'v':
			cf->mode = RUN_VERSION;
			return true;
		case 'C':
			take(&cf->config_file, optarg);
			continue;
		case OPT_CHECK_CONFIG:
			cf->mode = RUN_CHECK_CONFIG;
			continue;
		case OPT_CONTROL:
			take(&cf->control, optarg);
			continue;
		case OPT_STATE_DIR:
			take(&cf->state_dir, optarg);
			continue;
		case OPT_USER:
			take(&cf->user, optarg);
			continue;
		case 'r':
			take(&cf->replay_file, optarg);
			continue;
		case OPT_TTL_SWEEP:
			if (!ttl_list(cf, optarg, err, errlen))
				return false;
			continue;
		case OPT_JSON:
			cf->json = true;
			continue;
		case OPT_PID_FILE:
			if (*optarg == '\0') {
				snprintf(err, errlen, "--pid-file: empty path");
				return false;
			}
			cl->pid_file = optarg;
			continue;
		case OPT_REPLAY_GROUP:
			if (!group_map(cf, optarg, err, errlen))
				return false;
			continue;
		case ':':
			snprintf(err, errlen, "%s needs an argument",
			    optopt ? optname(optopt, longopts, name,
			    sizeof name) : argv[optind - 1]);
			return false;
		case '?':
			unknown(argv[optind - 1], optopt, longopts, err,
			    errlen);
			return false;
		}
		if ((s = setting_of(c)) == NULL)
			continue;
		(*given)++;
		if (strcmp(s->key, "ttl") == 0)
			*ttl_given = true;
		if (!s->set(wc, s->flag ? NULL : optarg, why, sizeof why)) {
			snprintf(err, errlen, "%s: %s",
			    optname(c, longopts, name, sizeof name), why);
			return false;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument `%s'", argv[optind]);
		return false;
	}
	return true;
}

/* -r: the process options that go with a replay, and those that do not */
static bool
replay_options(struct config *cf, const struct cmdline *cl, bool ttl_given,
    char *err, size_t errlen)
{
	const char *no = cf->daemonize ? "-d" : cf->control != NULL ?
	    "--control" : cf->state_dir != NULL ? "--state-dir" :
	    cl->pid_file != NULL ? "--pid-file" :
	    cf->mode == RUN_CHECK_CONFIG ? "--check-config" : NULL;

	if (cf->replay_file == NULL) {
		if (cf->ttl_sweep != NULL || cf->json ||
		    cf->nreplay_groups > 0) {
			snprintf(err, errlen, "%s needs -r <capture>",
			    cf->ttl_sweep != NULL ? "--ttl-sweep" : cf->json ?
			    "--json" : "--replay-group");
			return false;
		}
		return true;
	}
	if (no != NULL) {
		/* a replay reads a file and prints: no daemon, no hook */
		snprintf(err, errlen, "-r `%s': a replay runs in the "
		    "foreground and starts nothing; %s does not go with it",
		    cf->replay_file, no);
		return false;
	}
	if (cf->ttl_sweep != NULL && ttl_given) {
		snprintf(err, errlen, "--ttl-sweep gives the TTLs to replay "
		    "with; give no -t beside it");
		return false;
	}
	cf->mode = RUN_REPLAY;
	return true;
}

bool
options_parse(struct config *cf, struct cmdline *cl, int argc, char *argv[],
    char *err, size_t errlen)
{
	struct watch_conf *wc;
	const char *key;
	bool ttl_given = false;
	int given = 0;

	memset(cf, 0, sizeof *cf);
	memset(cl, 0, sizeof *cl);
	cf->mode = RUN_DAEMON;
	if ((wc = watch_conf_new()) == NULL)
		abort();
	if (!parse(cf, cl, wc, &given, &ttl_given, argc, argv, err, errlen))
		goto fail;
	if (cf->mode == RUN_HELP || cf->mode == RUN_VERSION) {
		/* nothing but the mode is used: the rest goes */
		watch_conf_free(wc);
		config_free(cf);
		return true;
	}
	if (!replay_options(cf, cl, ttl_given, err, errlen))
		goto fail;
	if (cf->config_file != NULL) {
		/* the watches come from the file: none on the command line */
		if (cf->control != NULL || cf->state_dir != NULL) {
			snprintf(err, errlen, "-C `%s': give %s in the file's "
			    "[daemon] section", cf->config_file, cf->control !=
			    NULL ? "control = <path>" : "state-dir = <path>");
			goto fail;
		}
		if (given > 0) {
			snprintf(err, errlen, "-C `%s': the watches are in the "
			    "file; give no watch setting beside it",
			    cf->config_file);
			goto fail;
		}
		watch_conf_free(wc);
		return true;
	}
	if (cf->mode == RUN_CHECK_CONFIG) {
		snprintf(err, errlen, "--check-config needs -C <file>");
		goto fail;
	}
	/* err names the option: the key at fault is not needed here */
	if (!watch_conf_check(wc, cf->mode == RUN_REPLAY ? WC_REPLAY : 0, 0,
	    &key, err, errlen))
		goto fail;
	(void)watch_confs_keep_bits(wc, NULL, 0); /* one watch: the first bit */
	cf->watches = wc;
	cf->nwatches = 1;
	return true;
fail:
	watch_conf_free(wc);
	config_free(cf);
	return false;
}

void
options_usage(char *buf, size_t len, const char *prog)
{
	snprintf(buf, len,
"usage: %s -i <ifname> -c <path> [-a] [-d] [-f <filter>] [-n <nflog-group>] [-t <ttl>] [-w <path>]\n"
"       %s -n <nflog-group> -c <path> [-a] [-d] [-i <ifname> [-f <filter>]] [-t <ttl>] [-w <path>]\n"
"       %s -q <queue> -c <path> [options]\n"
"       %s --match <expression> -c <path> [--match-hooks <hooks>] [--hold-first]\n"
"                [--session saddr|daddr|flow] [-d] [-t <ttl>] [-w <path>]\n"
"       %s -C <file> [-d] [--check-config]\n"
"       %s -r <capture> [-f <filter> | -n <nflog-group> [--replay-group <n>=<m>]...] [-t <ttl> | --ttl-sweep <list>]\n"
"                [--json] [watch options]\n"
"       %s -r <capture> -C <file> [--ttl-sweep <list>] [--replay-group <n>=<m>]... [--json]\n"
"\n"
"  -a, --ack-only           only TCP packets with the ACK flag reset the idle timer while up\n"
"  -c, --command <path>     executable, run as `<path> start' and `<path> stop'\n"
"  -d, --daemon             daemonize after every check has passed; log to syslog\n"
"      --pid-file <path>    write the daemon's PID there (once -d has detached); removed at exit\n"
"  -f, --filter <filter>    tcpdump filter for the pcap sensor\n"
"  -i, --interface <ifname> network interface for the pcap sensor\n"
"  -n, --nflog-group <n>    netfilter NFLOG group (0-65535)\n"
"      --nflog-prefix <p>   only NFLOG records whose rule's log prefix is p\n"
"  -q, --queue <n>          NFQUEUE sensor: hold the packets of queue n until start is done\n"
"      --queue-hold-max <n> hold at most n packets (default %u)\n"
"      --match <expression> nft sensor: tuninetd writes its own rules for what this\n"
"                           nftables expression matches; the kernel keeps the time\n"
"      --match-hooks <list> its netfilter hooks (default output,forward)\n"
"      --hold-first         with --match: hold the first packets until start is done\n"
"      --session saddr|daddr|flow  with --match: a start/stop cycle per client\n"
"      --session-max <n>    sessions at once (default %u)\n"
"      --session-hooks <n>  session hooks running at once (default %u)\n"
"      --dns-name <patterns> start only on a DNS query for one of these names\n"
"                           (host.example, *.example, .example)\n"
"      --dns-keep           with --match: the answers' addresses keep it up\n"
"      --dns-keep-max <n>   addresses kept at once (default %u)\n"
"  -t, --ttl <seconds>      idle seconds before `stop' (default %u)\n"
"  -w, --savefile <path>    append the packets that fired `start' to this pcap savefile\n"
"      --hook-timeout <s>   kill a hook still running after s seconds (default %u, 0 = never)\n"
"      --wait-interface     start even if the -i interface does not exist or is down\n"
"      --keep-connections <mark>[/<mask>]|auto\n"
"                           while up, open conntrack connections with this mark keep it up\n"
"                           (auto, with --match: the daemon marks them itself)\n"
"      --strict-start       a failed start hook leaves it down; retry after a back-off\n"
"      --keepalive-filter <filter>  while up, only pcap packets matching it keep it up\n"
"      --keepalive-prefix <p>       while up, only NFLOG records with prefix p keep it up\n"
"      --holdoff <s>        after a stop, start again no sooner than s seconds later\n"
"      --min-up <s>         once started, stay up at least s seconds\n"
"      --max-up <s>         stop after s seconds up, even with traffic\n"
"  -C, --config <file>      the watches of a configuration file (see tuninetd.conf(5))\n"
"      --check-config       check the -C file, print `configuration OK: N watches'\n"
"      --control <path>     answer tuninetctl on this Unix socket\n"
"      --state-dir <dir>    keep the watch's state there, to take it over after a crash\n"
"      --user <name>        read packets as this user, in a sandbox; hooks still run as root\n"
"  -r, --replay <capture>   run a pcap or pcapng capture through the watch (or the -C file's)\n"
"                           at its own timestamps; print when start and stop would run;\n"
"                           no hook runs, no privilege needed\n"
"      --ttl-sweep <list>   with -r: one row per TTL (e.g. 30,60,300,600) instead\n"
"      --json               with -r: print JSON\n"
"      --replay-group <n>=<m>  with -r: read the capture's NFLOG group n as group m\n"
"                           (a capture of a second rule's group, while the daemon holds m)\n"
"  -h, --help               print this help\n"
"  -v, --version            print the version\n"
"\n"
"signals: SIGHUP  run `stop' now, without waiting for the TTL (-C: reload the file)\n"
"         SIGUSR1 log the configuration and the current state\n"
"         SIGTERM run `stop' if up, wait for the hooks, exit\n",
	    prog, prog, prog, prog, prog, prog, prog, QUEUE_HOLD_DEFAULT,
	    SESSION_MAX_DEFAULT, SESSION_HOOKS_DEFAULT, DNS_KEEP_MAX_DEFAULT,
	    TTL_DEFAULT,
	    HOOK_TIMEOUT_DEFAULT);
}
