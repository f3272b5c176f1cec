/*
 * options.c: the original tuninetd's command line, letter for letter, plus
 * long options for what is new. Pure: fills a struct config or writes a
 * message naming the bad value into err; never prints, never exits.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "options.h"

enum { OPT_HOOK_TIMEOUT = 256, OPT_WAIT_INTERFACE };

static const struct option longopts[] = {
	{ "ack-only",		no_argument,		NULL, 'a' },
	{ "command",		required_argument,	NULL, 'c' },
	{ "daemon",		no_argument,		NULL, 'd' },
	{ "filter",		required_argument,	NULL, 'f' },
	{ "interface",		required_argument,	NULL, 'i' },
	{ "nflog-group",	required_argument,	NULL, 'n' },
	{ "ttl",		required_argument,	NULL, 't' },
	{ "savefile",		required_argument,	NULL, 'w' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, 'v' },
	{ "hook-timeout",	required_argument,	NULL, OPT_HOOK_TIMEOUT },
	{ "wait-interface",	no_argument,		NULL, OPT_WAIT_INTERFACE },
	{ NULL, 0, NULL, 0 }
};

/* A whole decimal number in [min, max]: digits only, no sign, no blanks. */
static bool
parse_uint(const char *s, unsigned long long min, unsigned long long max,
    unsigned long long *out)
{
	unsigned long long v = 0;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (max - (unsigned)(*s - '0')) / 10)
			return false;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v < min)
		return false;
	*out = v;
	return true;
}

bool
parse_seconds(const char *s, unsigned min, unsigned *out)
{
	unsigned long long v;

	if (!parse_uint(s, min, SECONDS_MAX, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

static const char *
optname(int c, char *buf, size_t len)
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

/* getopt_long reports a long option given an argument it does not take
 * (--help=foo) with optopt set to that option's value, as it reports an
 * unknown short option with optopt set to its letter: tell them apart. */
static bool
unwanted_argument(const char *arg, int c)
{
	const struct option *o;
	size_t n = strcspn(arg, "=");

	if (c == 0 || strncmp(arg, "--", 2) != 0 || arg[n] != '=')
		return false;
	for (o = longopts; o->name != NULL; o++)
		if (o->val == c && strncmp(o->name, arg + 2, n - 2) == 0)
			return true;
	return false;
}

bool
options_parse(struct config *cf, int argc, char *argv[], char *err,
    size_t errlen)
{
	unsigned long long group;
	char name[32];
	int c;

	memset(cf, 0, sizeof *cf);
	cf->mode = RUN_DAEMON;
	cf->nflog_group = -1;
	cf->ttl = TTL_DEFAULT;
	cf->hook_timeout = HOOK_TIMEOUT_DEFAULT;

	optind = 0;	/* GNU: full re-initialisation, so tests can parse again */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ac:df:i:n:t:w:hv", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'a':
			cf->ack_only = true;
			break;
		case 'c':
			cf->hook = optarg;
			break;
		case 'd':
			cf->daemonize = true;
			break;
		case 'f':
			cf->filter = optarg;
			break;
		case 'i':
			if (*optarg == '\0') {
				snprintf(err, errlen, "-i: empty interface name");
				return false;
			}
			cf->ifname = optarg;
			break;
		case 'n':
			if (!parse_uint(optarg, 0, 65535, &group)) {
				snprintf(err, errlen, "-n: `%s' is not an NFLOG "
				    "group (0-65535)", optarg);
				return false;
			}
			cf->nflog_group = (int)group;
			break;
		case 't':
			if (!parse_seconds(optarg, 1, &cf->ttl)) {
				snprintf(err, errlen, "-t: `%s' is not a number "
				    "of seconds (1-%u)", optarg, SECONDS_MAX);
				return false;
			}
			break;
		case 'w':
			if (*optarg == '\0') {
				snprintf(err, errlen, "-w: empty path");
				return false;
			}
			cf->savefile = optarg;
			break;
		case 'h':
			cf->mode = RUN_HELP;
			return true;
		case 'v':
			cf->mode = RUN_VERSION;
			return true;
		case OPT_HOOK_TIMEOUT:
			if (!parse_seconds(optarg, 0, &cf->hook_timeout)) {
				snprintf(err, errlen, "--hook-timeout: `%s' is "
				    "not a number of seconds (0-%u, 0 = no "
				    "limit)", optarg, SECONDS_MAX);
				return false;
			}
			break;
		case OPT_WAIT_INTERFACE:
			cf->wait_interface = true;
			break;
		case ':':
			snprintf(err, errlen, "%s needs an argument",
			    optopt ? optname(optopt, name, sizeof name) :
			    argv[optind - 1]);
			return false;
		default:
			if (unwanted_argument(argv[optind - 1], optopt))
				snprintf(err, errlen, "`%.*s' takes no argument: "
				    "`%s'", (int)strcspn(argv[optind - 1], "="),
				    argv[optind - 1], argv[optind - 1]);
			else if (optopt)
				snprintf(err, errlen, "unknown option `-%c'",
				    optopt);
			else
				snprintf(err, errlen, "unknown option `%s'",
				    argv[optind - 1]);
			return false;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument `%s'", argv[optind]);
		return false;
	}
	if (cf->ifname == NULL && cf->nflog_group < 0) {
		snprintf(err, errlen, "no sensor: give -i <ifname> (pcap) "
		    "and/or -n <nflog-group>");
		return false;
	}
	if (cf->filter != NULL && cf->ifname == NULL) {
		snprintf(err, errlen, "-f `%s' needs -i: the filter belongs to "
		    "the pcap sensor (NFLOG filters live in the firewall rule)",
		    cf->filter);
		return false;
	}
	if (cf->hook == NULL || *cf->hook == '\0') {
		snprintf(err, errlen, "no command: give -c <path> to run as "
		    "`<path> start' and `<path> stop'");
		return false;
	}
	if (cf->wait_interface && cf->ifname == NULL) {
		snprintf(err, errlen, "--wait-interface needs -i");
		return false;
	}
	return true;
}

void
options_usage(char *buf, size_t len, const char *prog)
{
	snprintf(buf, len,
"usage: %s -i <ifname> -c <path> [-a] [-d] [-f <filter>] [-n <nflog-group>] [-t <ttl>] [-w <path>]\n"
"       %s -n <nflog-group> -c <path> [-a] [-d] [-i <ifname> [-f <filter>]] [-t <ttl>] [-w <path>]\n"
"\n"
"  -a, --ack-only           only TCP packets with the ACK flag reset the idle timer while up\n"
"  -c, --command <path>     executable, run as `<path> start' and `<path> stop'\n"
"  -d, --daemon             daemonize after every check has passed; log to syslog\n"
"  -f, --filter <filter>    tcpdump filter for the pcap sensor\n"
"  -i, --interface <ifname> network interface for the pcap sensor\n"
"  -n, --nflog-group <n>    netfilter NFLOG group (0-65535)\n"
"  -t, --ttl <seconds>      idle seconds before `stop' (default %u)\n"
"  -w, --savefile <path>    append the packets that fired `start' to this pcap savefile\n"
"      --hook-timeout <s>   kill a hook still running after s seconds (default %u, 0 = never)\n"
"      --wait-interface     start even if the -i interface is missing or down\n"
"  -h, --help               print this help\n"
"  -v, --version            print the version\n"
"\n"
"signals: SIGHUP  run `stop' now, without waiting for the TTL\n"
"         SIGUSR1 log the configuration and the current state\n",
	    prog, prog, TTL_DEFAULT, HOOK_TIMEOUT_DEFAULT);
}
