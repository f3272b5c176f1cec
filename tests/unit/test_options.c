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

static bool
parse(struct config *cf, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	argv[argc++] = (char *)"tuninetd";
	va_start(ap, cf);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	err[0] = '\0';
	return options_parse(cf, argc, argv, err, sizeof err);
}

#define PARSE(cf, ...)	parse(cf, __VA_ARGS__, (char *)NULL)

static void
refused(const char *needle, bool ok)
{
	assert_false(ok);
	assert_non_null(strstr(err, needle));
}

static void
test_defaults(void **state)
{
	struct config cf;

	(void)state;
	assert_true(PARSE(&cf, "-i", "tun0", "-c", "/bin/true"));
	assert_int_equal(cf.mode, RUN_DAEMON);
	assert_string_equal(cf.ifname, "tun0");
	assert_string_equal(cf.hook, "/bin/true");
	assert_int_equal(cf.ttl, 600);
	assert_int_equal(cf.hook_timeout, 60);
	assert_int_equal(cf.nflog_group, -1);
	assert_null(cf.filter);
	assert_null(cf.savefile);
	assert_false(cf.ack_only);
	assert_false(cf.daemonize);
	assert_false(cf.wait_interface);
}

/* every example of the original README */
static void
test_original_examples(void **state)
{
	struct config cf;

	(void)state;
	assert_true(PARSE(&cf, "-i", "tun0", "-f", "! host 1.2.3.4", "-c",
	    "/path/to/launcher", "-t", "3600"));
	assert_string_equal(cf.filter, "! host 1.2.3.4");
	assert_int_equal(cf.ttl, 3600);
	assert_true(PARSE(&cf, "-n", "1", "-c", "/path/to/launcher"));
	assert_int_equal(cf.nflog_group, 1);
	assert_null(cf.ifname);
	assert_true(PARSE(&cf, "-i", "enp3s0", "-f", "arp and host 4.3.2.1",
	    "-n", "1", "-c", "/x/toggletunnel.sh"));
	assert_int_equal(cf.nflog_group, 1);
	assert_string_equal(cf.ifname, "enp3s0");
	assert_true(PARSE(&cf, "-n", "1", "-c", "/x", "-w", "/p/savefile"));
	assert_string_equal(cf.savefile, "/p/savefile");
	assert_true(PARSE(&cf, "-i", "tap0", "-c", "/x", "-a"));
	assert_true(cf.ack_only);
	assert_true(PARSE(&cf, "-i", "tun0", "-f", "! host 1.2.3.4", "-c",
	    "/x", "-t", "3600", "-d"));
	assert_true(cf.daemonize);
	assert_true(PARSE(&cf, "-adi", "tun0", "-c/x", "-t5"));
	assert_true(cf.ack_only && cf.daemonize);
	assert_int_equal(cf.ttl, 5);
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
	assert_string_equal(cf.ifname, "eth0");
	assert_string_equal(cf.filter, "udp");
	assert_int_equal(cf.nflog_group, 65535);
	assert_int_equal(cf.ttl, 1);
	assert_int_equal(cf.hook_timeout, 0);
	assert_true(cf.ack_only && cf.daemonize && cf.wait_interface);
	assert_string_equal(cf.savefile, "/s");
}

static void
test_help_version(void **state)
{
	struct config cf;
	char buf[4096];
	const char *o[] = { "-a", "-c", "-d", "-f", "-i", "-n", "-t", "-w",
	    "-h", "-v", "--hook-timeout", "SIGHUP", "SIGUSR1" };
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
	assert_int_equal(cf.ttl, 2147483647u);
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
	assert_int_equal(cf.nflog_group, 0);
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

/* a long option given an argument it takes not is named as given, not
 * as the letter getopt_long reports; an empty -w path is no path */
static void
test_unwanted_argument(void **state)
{
	struct config cf;

	(void)state;
	refused("`--help' takes no argument: `--help=foo'", PARSE(&cf,
	    "--help=foo"));
	refused("`--wait-interface' takes no argument: `--wait-interface=1'",
	    PARSE(&cf, "-i", "x", "-c", "/x", "--wait-interface=1"));
	refused("`--he' takes no argument: `--he=x'", PARSE(&cf, "--he=x"));
	refused("unknown option `-x'", PARSE(&cf, "-i", "x", "-c", "/x",
	    "--ttl=5", "-xa"));
	refused("-w: empty path", PARSE(&cf, "-i", "x", "-c", "/x", "-w", ""));
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
		cmocka_unit_test(test_unwanted_argument),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
