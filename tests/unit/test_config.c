/* test_config: configuration files, written to a temporary directory and
 * read back: sections, keys, defaults from [daemon], include, relative
 * paths; every error as file:line: key: what, all of them at once. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"

static char dir[64];
static char path[128];
static struct config cf;
static struct config_errors errs;

static void
write_file(const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	assert_non_null(f = fopen(p, "w"));
	fputs(text, f);
	fclose(f);
}

/* text as t.conf, loaded into an empty cf; checks may be NULL */
static bool
load_with(const char *text, const struct config_checks *checks)
{
	config_free(&cf);
	config_errors_free(&errs);
	memset(&cf, 0, sizeof cf);
	write_file("t.conf", text);
	return config_load(path, &cf, checks, &errs);
}

static bool
load(const char *text)
{
	return load_with(text, NULL);
}

/* the error text holds "t.conf:LINE: what" */
static void
refused_at(int line, const char *what)
{
	char want[256];

	snprintf(want, sizeof want, "t.conf:%d: %s", line, what);
	if (errs.text == NULL || strstr(errs.text, want) == NULL)
		fail_msg("wanted `%s' in: %s", want, errs.text ? errs.text : "");
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/tuninetd-config.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/t.conf", dir);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	config_free(&cf);
	config_errors_free(&errs);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd);
}

static struct watch_conf *
watch(const char *name)
{
	struct watch_conf *wc;

	for (wc = cf.watches; wc != NULL; wc = wc->next)
		if (strcmp(wc->name, name) == 0)
			return wc;
	fail_msg("no watch %s", name);
	return NULL;
}

static void
test_good(void **state)
{
	char want[256];

	(void)state;
	assert_true(load(
	    "# comment\n"
	    "; another\n"
	    "[daemon]\n"
	    "hook-timeout = 30\n"
	    "ttl = 120\n"
	    "control = /run/x/ctl\n"
	    "\n"
	    "[watch office-vpn]\n"
	    "interface = tun0\n"
	    "filter = \"udp port 53; or tcp\"\n"
	    "command = hooks/vpn\n"
	    "ttl = 2\n"
	    "ack-only = yes\n"
	    "\n"
	    "[ watch   beta ]\n"
	    "nflog-group = 8\n"
	    "nflog-prefix = beta\n"
	    "command = /bin/true\n"
	    "hook-timeout = 5\n"
	    "strict-start = no\n"
	    "keep-connections = 0x5/0xff\n"));
	assert_int_equal(cf.nwatches, 2);
	assert_string_equal(cf.watches->name, "office-vpn");
	assert_string_equal(watch("office-vpn")->ifname, "tun0");
	/* quotes removed, `;' kept: no inline comments */
	assert_string_equal(watch("office-vpn")->filter, "udp port 53; or tcp");
	snprintf(want, sizeof want, "%s/hooks/vpn", dir);
	assert_string_equal(watch("office-vpn")->hook, want);
	assert_int_equal(watch("office-vpn")->ttl, 2);
	assert_int_equal(watch("office-vpn")->hook_timeout, 30);  /* default */
	assert_true(watch("office-vpn")->ack_only);
	assert_int_equal(watch("office-vpn")->line, 8);
	assert_int_equal(watch("beta")->ttl, 120);		/* default */
	assert_int_equal(watch("beta")->hook_timeout, 5);	/* its own */
	assert_string_equal(watch("beta")->nflog_prefix, "beta");
	assert_int_equal(watch("beta")->keep_mask, 0xff);
	assert_int_equal(watch("beta")->line, 15);
	assert_string_equal(cf.control, "/run/x/ctl");
	assert_string_equal(cf.state_dir, "/run/tuninetd/state");
	assert_int_equal(errs.n, 0);
}

static void
test_errors(void **state)
{
	(void)state;
	assert_false(load(
	    "ttl = 5\n"						/* 1 */
	    "[watch a]\n"					/* 2 */
	    "nflog-group = 70000\n"				/* 3 */
	    "ttl = 2x\n"					/* 4 */
	    "nflog-prefx = beta\n"				/* 5 */
	    "command = /bin/true\n"				/* 6 */
	    "ttl = 3\n"						/* 7 */
	    "[watch a]\n"					/* 8 */
	    "[nonsense]\n"					/* 9 */
	    "[watch bad/name]\n"				/* 10 */
	    "this line has no equals sign\n"			/* 11 */
	    "[watch b]\n"					/* 12 */
	    "command = /bin/true\n"				/* 13 */
	    "[watch c]\n"					/* 14 */
	    "interface = eth0\n"				/* 15 */
	    "min-up = 20\n"					/* 16 */
	    "max-up = 10\n"					/* 17 */
	    "command = /bin/true\n"				/* 18 */
	    "wait-interface = maybe\n"));			/* 19 */
	refused_at(1, "ttl: outside any section");
	refused_at(3, "nflog-group: `70000' is not an NFLOG group (0-65535)");
	refused_at(4, "ttl: `2x' is not a number of seconds");
	refused_at(5, "nflog-prefx: unknown key");
	refused_at(7, "ttl: given twice in this section (first at line 4)");
	refused_at(8, "[watch a]: a watch of that name is defined already");
	refused_at(9, "[nonsense]: unknown section");
	refused_at(10, "[watch bad/name]: a watch name is 1-32 letters");
	refused_at(11, "not `key = value'");
	refused_at(12, "[watch b]: no sensor: give interface, nflog-group, "
	    "queue and/or match");
	refused_at(16, "min-up 20 is more than max-up 10");
	refused_at(19, "wait-interface: `maybe' is neither yes nor no");
	assert_true(errs.n >= 12);
}

/* [daemon] only in the main file; include reads a directory of watches,
 * in order, errors named by the included file */
static void
test_include(void **state)
{
	char sub[128];

	(void)state;
	snprintf(sub, sizeof sub, "%s/watches.d", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	write_file("watches.d/10-a.conf",
	    "[watch a]\nnflog-group = 1\ncommand = /bin/true\n");
	write_file("watches.d/20-b.conf",
	    "[watch b]\nnflog-group = 2\ncommand = /bin/true\n");
	write_file("watches.d/README", "not a watch file\n");
	assert_true(load("[daemon]\ninclude = watches.d/*.conf\nttl = 7\n"));
	assert_int_equal(cf.nwatches, 2);
	assert_string_equal(cf.watches->name, "a");
	assert_int_equal(watch("b")->ttl, 7);
	write_file("watches.d/30-c.conf",
	    "[daemon]\nttl = 1\n[watch c]\nnflog-group = x\n");
	assert_false(load("[daemon]\ninclude = watches.d/*.conf\n"));
	if (strstr(errs.text, "30-c.conf:1: [daemon]: only in the main") ==
	    NULL || strstr(errs.text, "30-c.conf:4: nflog-group: `x'") == NULL)
		fail_msg("%s", errs.text);
	/* an empty match is no error: a directory of no watches yet */
	assert_true(load("[daemon]\ninclude = nothing.d/*.conf\n"));
	assert_int_equal(cf.nwatches, 0);
}

/* privsep: the files as the monitor read them (config_read keeps their
 * bytes), parsed again without opening a file (config_parse), are the
 * same configuration, errors named by the same files and lines; what
 * changed on disk since is not seen */
static void
test_kept_files(void **state)
{
	struct config_files files = { 0 };
	struct config again = { 0 };
	struct config_errors e2;
	char sub[128];

	(void)state;
	snprintf(sub, sizeof sub, "%s/kept.d", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	write_file("kept.d/a.conf", "[watch a]\nnflog-group = 1\n"
	    "command = /bin/true\n");
	write_file("t.conf", "[daemon]\ninclude = kept.d/*.conf\nttl = 9\n"
	    "[watch m]\nnflog-group = 2\ncommand = /bin/true\n");
	config_free(&cf);
	memset(&cf, 0, sizeof cf);
	assert_true(config_read(path, &cf, NULL, &errs, &files));
	config_errors_free(&errs);
	assert_int_equal(files.n, 2);
	assert_string_equal(files.f[0].path, path);
	write_file("t.conf", "garbage\n");	/* the disk changed since */
	assert_true(config_parse(&files, &again, NULL, &e2));
	config_errors_free(&e2);
	assert_int_equal(again.nwatches, 2);
	assert_string_equal(again.watches->name, "m");
	assert_string_equal(again.watches->next->name, "a");
	assert_int_equal(again.watches->next->ttl, 9);
	config_free(&again);
	config_files_free(&files);
	/* an error of the kept bytes, at its file and line */
	write_file("kept.d/a.conf", "[watch a]\nnflog-group = x\n");
	write_file("t.conf", "[daemon]\ninclude = kept.d/*.conf\n");
	config_free(&cf);
	memset(&cf, 0, sizeof cf);
	assert_false(config_read(path, &cf, NULL, &errs, &files));
	memset(&again, 0, sizeof again);
	assert_false(config_parse(&files, &again, NULL, &e2));
	if (strstr(e2.text, "kept.d/a.conf:2: nflog-group: `x'") == NULL)
		fail_msg("%s", e2.text);
	config_errors_free(&e2);
	config_free(&again);
	config_files_free(&files);
}

/* a filter longer than inih's default line, and control = off */
static void
test_long_line(void **state)
{
	char *text, *f;
	size_t i;

	(void)state;
	assert_non_null(f = malloc(3000));
	strcpy(f, "udp port 1");
	for (i = 2; strlen(f) < 2900; i++)
		sprintf(f + strlen(f), " or udp port %zu", i);
	assert_true(asprintf(&text, "[daemon]\ncontrol = off\n[watch long]\n"
	    "interface = eth0\nfilter = %s\ncommand = /bin/true\nttl = 9\n",
	    f) > 0);
	assert_true(load(text));
	assert_string_equal(watch("long")->filter, f);
	assert_int_equal(watch("long")->ttl, 9);
	assert_null(cf.control);
	free(text);
	free(f);
}

static bool
fake_filter(const char *filter, char *err, size_t len)
{
	if (strstr(filter, "prot") == NULL)
		return true;
	snprintf(err, len, "`%s': syntax error", filter);
	return false;
}

static bool
fake_hook(const char *p, char *err, size_t len)
{
	if (strcmp(p, "/bin/true") == 0)
		return true;
	snprintf(err, len, "command: `%s': No such file or directory", p);
	return false;
}

/* what only the system can tell is checked at the key's own line */
static void
test_checks(void **state)
{
	const struct config_checks checks = { .filter = fake_filter,
	    .hook = fake_hook };

	(void)state;
	assert_false(load_with("[daemon]\nfilter = udp prot 1\n"
	    "[watch a]\ninterface = x\ncommand = /bin/true\n"
	    "[watch b]\ninterface = y\nfilter = udp dst prot 9\n"
	    "command = /nope\n", &checks));
	refused_at(2, "filter: `udp prot 1': syntax error");	/* a's default */
	refused_at(8, "filter: `udp dst prot 9': syntax error");
	refused_at(9, "command: `/nope': No such file or directory");
	assert_int_equal(errs.n, 3);
}

static bool
fake_state_dir(const char *sd, char *err, size_t len)
{
	if (strcmp(sd, "/unsafe") != 0)
		return true;
	snprintf(err, len, "state-dir: `%s' is writable by group or others "
	    "(mode 0777)", sd);
	return false;
}

static bool
fake_group(const char *group, char *err, size_t len)
{
	if (strcmp(group, "nosuchgroup") != 0)
		return true;
	snprintf(err, len, "control-group: `%s': no such group", group);
	return false;
}

static bool
fake_interface(const char *ifname, bool wait, char *err, size_t len)
{
	if (wait || strncmp(ifname, "nosuch", 6) != 0)
		return true;
	snprintf(err, len, "`%s': no such interface", ifname);
	return false;
}

/* what start-up would refuse is found by the check alone: a queue or an
 * NFLOG prefix two watches read (naming the other watch and where), an
 * interface that is not there unless the watch waits for it; a missing
 * command shared by two watches is said for each, with its own words */
static void
test_whole_checks(void **state)
{
	const struct config_checks checks = { .filter = fake_filter,
	    .hook = fake_hook, .interface = fake_interface };

	(void)state;
	assert_false(load_with(
	    "[watch a]\n"					/* 1 */
	    "queue = 12\n"					/* 2 */
	    "command = /nope\n"					/* 3 */
	    "[watch b]\n"					/* 4 */
	    "command = /nope\n"					/* 5 */
	    "queue = 12\n"					/* 6 */
	    "filter = udp prot 1\n"				/* 7 */
	    "interface = nosuch9\n"				/* 8 */
	    "[watch c]\n"					/* 9 */
	    "nflog-group = 8\n"					/* 10 */
	    "command = /bin/true\n"				/* 11 */
	    "[watch d]\n"					/* 12 */
	    "nflog-group = 8\n"					/* 13 */
	    "command = /bin/true\n"				/* 14 */
	    "nflog-prefix = p\n"				/* 15 */
	    "keepalive-prefix = ka\n"				/* 16 */
	    "[watch e]\n"					/* 17 */
	    "nflog-group = 8\n"					/* 18 */
	    "nflog-prefix = ka\n"				/* 19 */
	    "command = /bin/true\n"				/* 20 */
	    "[watch f]\n"					/* 21 */
	    "nflog-group = 8\n"					/* 22 */
	    "command = /bin/true\n"				/* 23 */
	    "[watch g]\n"					/* 24 */
	    "interface = nosuch1\n"				/* 25 */
	    "wait-interface = yes\n"				/* 26 */
	    "command = /bin/true\n", &checks));			/* 27 */
	refused_at(3, "command: `/nope': No such file or directory");
	refused_at(5, "command: `/nope': No such file or directory");
	refused_at(6, "queue: NFQUEUE queue 12 is read by watch a already "
	    "(");
	refused_at(7, "filter: `udp prot 1': syntax error");
	refused_at(8, "interface: `nosuch9': no such interface");
	refused_at(19, "nflog-prefix: NFLOG group 8, prefix `ka' is read by "
	    "watch d already (");
	refused_at(22, "nflog-group: NFLOG group 8, every record (no prefix) "
	    "is read by watch c already (");
	assert_null(strstr(errs.text, "nosuch1"));
	assert_int_equal(errs.n, 7);
}

/* a watch-wide error (a filter without an interface) is said at the line
 * of the key at fault, and does not hide what the system says of another
 * key (a command that cannot run); the [daemon] section's state-dir and
 * control-group are checked as start-up checks them */
static void
test_no_masking(void **state)
{
	const struct config_checks checks = { .filter = fake_filter,
	    .hook = fake_hook, .interface = fake_interface,
	    .state_dir = fake_state_dir, .group = fake_group };

	(void)state;
	assert_false(load_with(
	    "[daemon]\n"					/* 1 */
	    "state-dir = /unsafe\n"				/* 2 */
	    "control-group = nosuchgroup\n"			/* 3 */
	    "[watch e]\n"					/* 4 */
	    "queue = 6\n"					/* 5 */
	    "command = /nope\n"				/* 6 */
	    "filter = udp\n", &checks));			/* 7 */
	refused_at(2, "state-dir: `/unsafe' is writable by group or others");
	refused_at(3, "control-group: `nosuchgroup': no such group");
	refused_at(6, "command: `/nope': No such file or directory");
	refused_at(7, "filter `udp' needs interface");
	assert_int_equal(errs.n, 4);
}

/* errors come in the order of the lines, whichever check found them; a
 * value refused says so once, with no error that follows from its
 * absence; a UTF-8 byte-order mark is no error */
static void
test_order(void **state)
{
	const char *a, *b, *c;

	(void)state;
	assert_false(load(
	    "\xef\xbb\xbf[watch a]\n"				/* 1 */
	    "ttl = abc\n"					/* 2 */
	    "\n"						/* 3 */
	    "[watch b]\n"					/* 4 */
	    "nflog-group = 8\n"				/* 5 */
	    "ttl = -4\n"					/* 6 */
	    "command = /bin/true\n"				/* 7 */
	    "[watch c]\n"					/* 8 */
	    "queue = 70000\n"					/* 9 */
	    "command = /bin/true\n"));				/* 10 */
	assert_non_null(a = strstr(errs.text, "t.conf:1: [watch a]: no sensor"));
	assert_non_null(b = strstr(errs.text, "t.conf:2: ttl:"));
	assert_non_null(c = strstr(errs.text, "t.conf:6: ttl:"));
	assert_true(a < b && b < c);
	refused_at(9, "queue: `70000' is not an NFQUEUE number");
	assert_null(strstr(errs.text, "[watch c]"));	/* no follow-on */
	assert_null(strstr(errs.text, "outside any section"));
	assert_int_equal(errs.n, 4);
	assert_true(load("\xef\xbb\xbf[watch a]\nqueue = 3\n"
	    "command = /bin/true\n"));
	assert_int_equal(watch("a")->queue, 3);
}

/* a [daemon] default of a sensor's own setting goes to the watches with
 * that sensor only */
static void
test_sensor_defaults(void **state)
{
	(void)state;
	assert_true(load("[daemon]\nqueue-hold-max = 10\nfilter = udp\n"
	    "nflog-prefix = p\n"
	    "[watch q]\nqueue = 3\ncommand = /bin/true\n"
	    "[watch n]\nnflog-group = 8\ncommand = /bin/true\n"
	    "[watch i]\ninterface = eth0\ncommand = /bin/true\n"));
	assert_int_equal(watch("q")->queue_hold_max, 10);
	assert_null(watch("q")->filter);
	assert_int_equal(watch("n")->queue_hold_max, 1024);
	assert_string_equal(watch("n")->nflog_prefix, "p");
	assert_string_equal(watch("i")->filter, "udp");
	assert_null(watch("i")->nflog_prefix);
}

static uint32_t had_bit;
static uint32_t
keep_had(const char *name)
{
	return strcmp(name, "late") == 0 ? had_bit : 0;
}

/* --keep-connections auto: a ct mark bit of its own per watch, never one
 * a given mark uses; a reload's running watch keeps its own; a ninth
 * watch finds none left, said at its line */
static void
test_keep_auto(void **state)
{
	struct config_checks checks = { .keep_bit = keep_had };
	char text[4096];
	size_t n = 0;
	int i;

	(void)state;
	assert_true(load("[watch a]\nmatch = tcp dport 1\n"
	    "keep-connections = auto\ncommand = /bin/true\n"
	    "[watch b]\nmatch = tcp dport 2\n"
	    "keep-connections = 0x3000000/0x3000000\ncommand = /bin/true\n"
	    "[watch late]\nmatch = tcp dport 3\n"
	    "keep-connections = auto\ncommand = /bin/true\n"));
	assert_int_equal(watch("a")->keep_mask, 0x04000000);
	assert_int_equal(watch("a")->keep_mark, 0x04000000);
	assert_int_equal(watch("late")->keep_mask, 0x08000000);
	had_bit = 0x40000000;		/* running with it: kept */
	assert_true(load_with("[watch a]\nmatch = tcp dport 1\n"
	    "keep-connections = auto\ncommand = /bin/true\n"
	    "[watch late]\nmatch = tcp dport 3\n"
	    "keep-connections = auto\ncommand = /bin/true\n", &checks));
	assert_int_equal(watch("late")->keep_mask, 0x40000000);
	assert_int_equal(watch("a")->keep_mask, 0x01000000);
	/* bits watches of this run have had are given out last */
	checks.keep_worn = 0x03000000;
	assert_true(load_with("[watch a]\nmatch = tcp dport 1\n"
	    "keep-connections = auto\ncommand = /bin/true\n", &checks));
	assert_int_equal(watch("a")->keep_mask, 0x04000000);
	checks.keep_worn = 0xff000000;
	assert_true(load_with("[watch a]\nmatch = tcp dport 1\n"
	    "keep-connections = auto\ncommand = /bin/true\n", &checks));
	assert_int_equal(watch("a")->keep_mask, 0x01000000);
	assert_false(load("[watch n]\nnflog-group = 3\n"
	    "keep-connections = auto\ncommand = /bin/true\n"));
	refused_at(3, "keep-connections auto needs match");
	for (i = 0; i < 9; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "[watch w%d]\n"
		    "match = tcp dport %d\nkeep-connections = auto\n"
		    "command = /bin/true\n", i, i + 1);
	assert_false(load(text));
	refused_at(35, "keep-connections: no conntrack mark bit of "
	    "0xff000000 is left for auto");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_kept_files),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_sensor_defaults),
		cmocka_unit_test(test_whole_checks),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_no_masking),
		cmocka_unit_test(test_keep_auto),
	};

	return cmocka_run_group_tests_name("config", tests, setup, teardown);
}
