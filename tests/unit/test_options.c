/* test_options: the original command line, letter for letter; every bad
 * value refused with a message that names it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "options.h"

static char err[512];
static struct config parsed;	/* freed by the next parse, or at the end */
static struct cmdline cmdline;	/* the last parse's */

/* cf gets a copy of the result; its watch stays owned by parsed */
static bool
parse(struct config *cf, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;
	bool ok;

	argv[argc++] = (char *)"tuninetd";
	va_start(ap, cf);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	err[0] = '\0';
	config_free(&parsed);
	ok = options_parse(&parsed, &cmdline, argc, argv, err, sizeof err);
	*cf = parsed;
	return ok;
}

static int
free_parsed(void **state)
{
	(void)state;
	config_free(&parsed);
	return 0;
}

#define PARSE(cf, ...)	parse(cf, __VA_ARGS__, (char *)NULL)

static void
refused(const char *needle, bool ok)
{
	assert_false(ok);
	if (strstr(err, needle) == NULL)
		fail_msg("wanted `%s' in: %s", needle, err);
}

static void
test_defaults(void **state)
{
	struct config cf;

	(void)state;
	assert_true(PARSE(&cf, "-i", "tun0", "-c", "/bin/true"));
	assert_int_equal(cf.mode, RUN_DAEMON);
	assert_string_equal(cf.watches->ifname, "tun0");
	assert_string_equal(cf.watches->hook, "/bin/true");
	assert_int_equal(cf.watches->ttl, 600);
	assert_int_equal(cf.watches->hook_timeout, 60);
	assert_int_equal(cf.watches->nflog_group, -1);
	assert_null(cf.watches->filter);
	assert_null(cf.watches->savefile);
	assert_false(cf.watches->ack_only);
	assert_false(cf.daemonize);
	assert_false(cf.watches->wait_interface);
}

/* every example of the original README */
static void
test_original_examples(void **state)
{
	struct config cf;

	(void)state;
	assert_true(PARSE(&cf, "-i", "tun0", "-f", "! host 1.2.3.4", "-c",
	    "/path/to/launcher", "-t", "3600"));
	assert_string_equal(cf.watches->filter, "! host 1.2.3.4");
	assert_int_equal(cf.watches->ttl, 3600);
	assert_true(PARSE(&cf, "-n", "1", "-c", "/path/to/launcher"));
	assert_int_equal(cf.watches->nflog_group, 1);
	assert_null(cf.watches->ifname);
	assert_true(PARSE(&cf, "-i", "enp3s0", "-f", "arp and host 4.3.2.1",
	    "-n", "1", "-c", "/x/toggletunnel.sh"));
	assert_int_equal(cf.watches->nflog_group, 1);
	assert_string_equal(cf.watches->ifname, "enp3s0");
	assert_true(PARSE(&cf, "-n", "1", "-c", "/x", "-w", "/p/savefile"));
	assert_string_equal(cf.watches->savefile, "/p/savefile");
	assert_true(PARSE(&cf, "-i", "tap0", "-c", "/x", "-a"));
	assert_true(cf.watches->ack_only);
	assert_true(PARSE(&cf, "-i", "tun0", "-f", "! host 1.2.3.4", "-c",
	    "/x", "-t", "3600", "-d"));
	assert_true(cf.daemonize);
	assert_true(PARSE(&cf, "-adi", "tun0", "-c/x", "-t5"));
	assert_true(cf.watches->ack_only && cf.daemonize);
	assert_int_equal(cf.watches->ttl, 5);
}

static void
test_long_options(void **state)
{
	struct config cf;

	(void)state;
	assert_true(PARSE(&cf, "--interface", "eth0", "--filter", "udp",
	    "--nflog-group=65535", "--command", "/x", "--ttl", "1",
	    "--ack-only", "--daemon", "--savefile", "/s",
	    "--hook-timeout", "0", "--wait-interface"));
	assert_string_equal(cf.watches->ifname, "eth0");
	assert_string_equal(cf.watches->filter, "udp");
	assert_int_equal(cf.watches->nflog_group, 65535);
	assert_int_equal(cf.watches->ttl, 1);
	assert_int_equal(cf.watches->hook_timeout, 0);
	assert_true(cf.watches->ack_only && cf.daemonize && cf.watches->wait_interface);
	assert_string_equal(cf.watches->savefile, "/s");
}

static void
test_help_version(void **state)
{
	struct config cf;
	char buf[8192];
	const char *o[] = { "-a", "-c", "-d", "-f", "-i", "-n", "-t", "-w",
	    "-h", "-v", "--hook-timeout", "--pid-file <path>", "SIGHUP",
	    "SIGUSR1" };
	size_t i;

	(void)state;
	assert_true(PARSE(&cf, "-h"));
	assert_int_equal(cf.mode, RUN_HELP);
	assert_true(PARSE(&cf, "-v"));
	assert_int_equal(cf.mode, RUN_VERSION);
	/* -h wins even over bad input that follows it */
	assert_true(PARSE(&cf, "--help", "-t", "abc"));
	assert_int_equal(cf.mode, RUN_HELP);
	options_usage(buf, sizeof buf, "tuninetd");
	for (i = 0; i < sizeof o / sizeof o[0]; i++)
		assert_non_null(strstr(buf, o[i]));
}

static void
test_bad_ttl(void **state)
{
	struct config cf;

	(void)state;
	refused("`abc'", PARSE(&cf, "-i", "x", "-c", "/x", "-t", "abc"));
	refused("`0'", PARSE(&cf, "-i", "x", "-c", "/x", "-t", "0"));
	refused("`-5'", PARSE(&cf, "-i", "x", "-c", "/x", "-t", "-5"));
	refused("`99999999999999999999'", PARSE(&cf, "-i", "x", "-c", "/x",
	    "-t", "99999999999999999999"));
	refused("`2147483648'", PARSE(&cf, "-i", "x", "-c", "/x", "-t",
	    "2147483648"));
	refused("`1.5'", PARSE(&cf, "-i", "x", "-c", "/x", "-t", "1.5"));
	refused("` 5'", PARSE(&cf, "-i", "x", "-c", "/x", "-t", " 5"));
	refused("`+5'", PARSE(&cf, "-i", "x", "-c", "/x", "-t", "+5"));
	refused("`'", PARSE(&cf, "-i", "x", "-c", "/x", "-t", ""));
	assert_true(PARSE(&cf, "-i", "x", "-c", "/x", "-t", "2147483647"));
	assert_int_equal(cf.watches->ttl, 2147483647u);
	refused("`x'", PARSE(&cf, "-i", "x", "-c", "/x", "--hook-timeout",
	    "x"));
}

static void
test_bad_group(void **state)
{
	struct config cf;

	(void)state;
	refused("`x'", PARSE(&cf, "-n", "x", "-c", "/x"));
	refused("`70000'", PARSE(&cf, "-n", "70000", "-c", "/x"));
	refused("`65536'", PARSE(&cf, "-n", "65536", "-c", "/x"));
	refused("`-1'", PARSE(&cf, "-n", "-1", "-c", "/x"));
	assert_true(PARSE(&cf, "-n", "0", "-c", "/x"));
	assert_int_equal(cf.watches->nflog_group, 0);
}

static void
test_missing(void **state)
{
	struct config cf;

	(void)state;
	refused("no sensor", PARSE(&cf, "-c", "/x"));
	assert_false(parse(&cf, (char *)NULL));
	refused("no command", PARSE(&cf, "-i", "tbd"));
	refused("no command", PARSE(&cf, "-i", "tbd", "-c", ""));
	refused("-f `udp' needs -i", PARSE(&cf, "-n", "7", "-f", "udp", "-c",
	    "/x"));
	refused("-t needs an argument", PARSE(&cf, "-i", "x", "-c", "/x",
	    "-t"));
	refused("--hook-timeout needs an argument", PARSE(&cf, "-i", "x", "-c",
	    "/x", "--hook-timeout"));
	refused("--wait-interface needs -i", PARSE(&cf, "-n", "1", "-c", "/x",
	    "--wait-interface"));
	refused("empty interface", PARSE(&cf, "-i", "", "-c", "/x"));
}

static void
test_unknown(void **state)
{
	struct config cf;

	(void)state;
	refused("`-Z'", PARSE(&cf, "-i", "x", "-c", "/x", "-Z"));
	refused("`--bogus'", PARSE(&cf, "-i", "x", "-c", "/x", "--bogus"));
	refused("`extra'", PARSE(&cf, "-i", "x", "-c", "/x", "extra"));
}

/* what is new beside the original's letters */
static void
test_demand_options(void **state)
{
	struct config cf;

	(void)state;
	assert_true(PARSE(&cf, "-q", "3", "-c", "/x"));
	assert_int_equal(cf.watches->queue, 3);
	assert_int_equal(cf.watches->queue_hold_max, 1024);
	assert_true(PARSE(&cf, "--queue", "65535", "--queue-hold-max", "10",
	    "-c", "/x", "--strict-start"));
	assert_int_equal(cf.watches->queue_hold_max, 10);
	assert_true(cf.watches->strict_start);
	refused("-q: `65536'", PARSE(&cf, "-q", "65536", "-c", "/x"));
	refused("--queue-hold-max: `0'", PARSE(&cf, "-q", "1",
	    "--queue-hold-max", "0", "-c", "/x"));
	refused("--queue-hold-max needs -q", PARSE(&cf, "-n", "1",
	    "--queue-hold-max", "9", "-c", "/x"));
	assert_true(PARSE(&cf, "-n", "1", "--keep-connections", "0x5", "-c",
	    "/x"));
	assert_true(cf.watches->keep_connections);
	assert_int_equal(cf.watches->keep_mark, 5);
	assert_int_equal(cf.watches->keep_mask, 0xffffffff);
	assert_true(PARSE(&cf, "-n", "1", "--keep-connections", "0x50/0xf0",
	    "-c", "/x"));
	assert_int_equal(cf.watches->keep_mark, 0x50);
	assert_int_equal(cf.watches->keep_mask, 0xf0);
	refused("`0x1g'", PARSE(&cf, "-n", "1", "--keep-connections", "0x1g",
	    "-c", "/x"));
	refused("`5/0'", PARSE(&cf, "-n", "1", "--keep-connections", "5/0",
	    "-c", "/x"));
	refused("`4294967296'", PARSE(&cf, "-n", "1", "--keep-connections",
	    "4294967296", "-c", "/x"));
	refused("`'", PARSE(&cf, "-n", "1", "--keep-connections", "", "-c",
	    "/x"));
}

static void
test_watch_options(void **state)
{
	struct config cf;
	char prefix[200];

	(void)state;
	assert_true(PARSE(&cf, "-n", "8", "--nflog-prefix", "office", "-c",
	    "/x", "--holdoff", "5", "--min-up", "10", "--max-up", "3600"));
	assert_string_equal(cf.watches->nflog_prefix, "office");
	assert_int_equal(cf.watches->holdoff, 5);
	assert_int_equal(cf.watches->min_up, 10);
	assert_int_equal(cf.watches->max_up, 3600);
	refused("--nflog-prefix needs -n", PARSE(&cf, "-i", "x",
	    "--nflog-prefix", "a", "-c", "/x"));
	memset(prefix, 'p', 128);
	prefix[128] = '\0';
	refused("is not a log prefix", PARSE(&cf, "-n", "1", "--nflog-prefix",
	    prefix, "-c", "/x"));
	refused("--min-up 20 is more than --max-up 10", PARSE(&cf, "-n", "1",
	    "--min-up", "20", "--max-up", "10", "-c", "/x"));
	refused("--keepalive-filter needs -i", PARSE(&cf, "-n", "1",
	    "--keepalive-filter", "tcp", "-c", "/x"));
	refused("`--ack-only=yes': --ack-only takes no value", PARSE(&cf,
	    "-i", "x", "-c", "/x", "--ack-only=yes"));
}

static void
test_config_mode(void **state)
{
	struct config cf;

	(void)state;
	assert_true(PARSE(&cf, "-C", "/etc/tuninetd/tuninetd.conf"));
	assert_null(cf.watches);
	assert_string_equal(cf.config_file, "/etc/tuninetd/tuninetd.conf");
	assert_true(PARSE(&cf, "--check-config", "-C", "/f"));
	assert_int_equal(cf.mode, RUN_CHECK_CONFIG);
	refused("give no watch setting beside it", PARSE(&cf, "-C", "/f",
	    "-i", "eth0"));
	refused("give no watch setting beside it", PARSE(&cf, "-C", "/f",
	    "-t", "5"));
	refused("--check-config needs -C", PARSE(&cf, "--check-config", "-i",
	    "x", "-c", "/x"));
}

/* a long option given an argument it takes not is named as given, not
 * as the letter getopt_long reports; an empty -w path is no path */
static void
test_unwanted_argument(void **state)
{
	struct config cf;

	(void)state;
	refused("`--help=foo': --help takes no value", PARSE(&cf,
	    "--help=foo"));
	refused("`--wait-interface=1': --wait-interface takes no value",
	    PARSE(&cf, "-i", "x", "-c", "/x", "--wait-interface=1"));
	refused("`--he=x': --help takes no value", PARSE(&cf, "--he=x"));
	refused("unknown option `-x'", PARSE(&cf, "-i", "x", "-c", "/x",
	    "--ttl=5", "-xa"));
	refused("-w: empty savefile name", PARSE(&cf, "-i", "x", "-c", "/x",
	    "-w", ""));
}

/* --pid-file: a process option, as -d is: on the command line, also
 * with -C; the path as given (tuninetd makes it absolute and checks it);
 * not empty, not with -r */
static void
test_pid_file(void **state)
{
	struct config cf;

	(void)state;
	assert_true(PARSE(&cf, "-n", "1", "-c", "/x", "-d", "--pid-file",
	    "/run/tuninetd.pid"));
	assert_true(cf.daemonize);
	assert_string_equal(cmdline.pid_file, "/run/tuninetd.pid");
	assert_true(PARSE(&cf, "-C", "/f", "-d", "--pid-file=t.pid"));
	assert_string_equal(cmdline.pid_file, "t.pid");
	assert_string_equal(cf.config_file, "/f");
	assert_true(PARSE(&cf, "-n", "1", "-c", "/x", "-d"));
	assert_null(cmdline.pid_file);
	refused("--pid-file: empty path", PARSE(&cf, "-n", "1", "-c", "/x",
	    "--pid-file", ""));
	refused("--pid-file needs an argument", PARSE(&cf, "-n", "1", "-c",
	    "/x", "--pid-file"));
	refused("--pid-file does not go with it", PARSE(&cf, "-r", "c",
	    "--pid-file", "/p"));
}

/* -r: the capture is the sensor and no hook runs, so -f alone is a
 * watch; the rest of the rules hold, and the daemon's options do not go
 * with it */
static void
test_replay(void **state)
{
	struct config cf;

	(void)state;
	assert_true(PARSE(&cf, "-r", "c.pcap", "-f", "udp", "-t", "5"));
	assert_int_equal(cf.mode, RUN_REPLAY);
	assert_string_equal(cf.replay_file, "c.pcap");
	assert_string_equal(cf.watches->filter, "udp");
	assert_null(cf.watches->hook);
	assert_int_equal(cf.watches->ttl, 5);
	assert_null(cf.ttl_sweep);
	assert_false(cf.json);
	assert_true(PARSE(&cf, "--replay", "c.pcap"));
	assert_int_equal(cf.mode, RUN_REPLAY);
	/* the daemon's own command line, plus -r */
	assert_true(PARSE(&cf, "-i", "eth0", "-f", "udp", "-c", "/x", "-a",
	    "-r", "c.pcap", "--json"));
	assert_true(cf.json);
	assert_true(cf.watches->ack_only);
	assert_true(PARSE(&cf, "-r", "c.pcap", "-f", "udp", "--ttl-sweep",
	    "30,60,300,600"));
	assert_int_equal(cf.nttl_sweep, 4);
	assert_int_equal(cf.ttl_sweep[0], 30);
	assert_int_equal(cf.ttl_sweep[3], 600);
	assert_true(PARSE(&cf, "-r", "c.pcap", "-C", "/f", "--ttl-sweep", "5"));
	assert_int_equal(cf.mode, RUN_REPLAY);
	assert_string_equal(cf.config_file, "/f");
	assert_null(cf.watches);

	refused("--ttl-sweep: `30,,60': `' is not a number of seconds",
	    PARSE(&cf, "-r", "c", "--ttl-sweep", "30,,60"));
	refused("`30,x': `x' is not", PARSE(&cf, "-r", "c", "--ttl-sweep",
	    "30,x"));
	refused("`0' is not", PARSE(&cf, "-r", "c", "--ttl-sweep", "0"));
	refused("`5,': `' is not", PARSE(&cf, "-r", "c", "--ttl-sweep", "5,"));
	refused("more than 64 TTLs", PARSE(&cf, "-r", "c", "--ttl-sweep",
	    "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,"
	    "25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,"
	    "46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65"));
	refused("give no -t beside it", PARSE(&cf, "-r", "c", "-t", "5",
	    "--ttl-sweep", "5,6"));
	refused("--ttl-sweep needs -r", PARSE(&cf, "-i", "x", "-c", "/x",
	    "--ttl-sweep", "5"));
	refused("--json needs -r", PARSE(&cf, "-i", "x", "-c", "/x", "--json"));
	refused("-d does not go with it", PARSE(&cf, "-r", "c", "-d"));
	refused("--control does not go with it", PARSE(&cf, "-r", "c",
	    "--control", "/s"));
	refused("--check-config does not go with it", PARSE(&cf, "-r", "c",
	    "-C", "/f", "--check-config"));
	refused("give no watch setting beside it", PARSE(&cf, "-r", "c", "-C",
	    "/f", "-t", "5"));
	refused("--nflog-prefix needs -n", PARSE(&cf, "-r", "c",
	    "--nflog-prefix", "a"));
	refused("--min-up 20 is more than --max-up 10", PARSE(&cf, "-r", "c",
	    "--min-up", "20", "--max-up", "10"));
	refused("-r needs an argument", PARSE(&cf, "-f", "udp", "-r"));
	/* without -r, the daemon's rules stand */
	refused("-f `udp' needs -i", PARSE(&cf, "-n", "1", "-f", "udp", "-c",
	    "/x"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_original_examples),
		cmocka_unit_test(test_long_options),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_bad_ttl),
		cmocka_unit_test(test_bad_group),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_demand_options),
		cmocka_unit_test(test_watch_options),
		cmocka_unit_test(test_config_mode),
		cmocka_unit_test(test_unwanted_argument),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_pid_file),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, free_parsed);
}
