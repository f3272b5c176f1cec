/* test_privsep_msg: the monitor's reader of the worker's requests: what
 * it takes, and what it refuses (a path or a variable of the worker's
 * own, a value with a newline or a control byte, an empty line, an event
 * neither start nor stop, a NUL byte, too long, a variable twice). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "privsep_msg.h"

static char buf[PRIVSEP_MSG_MAX + 2];

static bool
parse(const char *msg, size_t len, struct privsep_request *rq)
{
	char why[128];

	memcpy(buf, msg, len);
	return privsep_parse(buf, len, rq, why, sizeof why);
}

#define P(s, rq)	parse(s, sizeof s - 1, rq)

static void
test_taken(void **state)
{
	struct privsep_request rq;

	(void)state;
	assert_true(P("run 12 start alpha\nTUNINETD_EVENT=start\n"
	    "TUNINETD_NFT_MATCH=udp dport { 53, 853 }\n", &rq));
	assert_int_equal(rq.kind, PRIVSEP_RUN);
	assert_int_equal(rq.id, 12);
	assert_string_equal(rq.event, "start");
	assert_string_equal(rq.watch, "alpha");
	assert_int_equal(rq.nenv, 2);
	assert_string_equal(rq.env[1], "TUNINETD_NFT_MATCH=udp dport { 53, "
	    "853 }");
	assert_true(P("run 1 stop -", &rq));
	assert_int_equal(rq.nenv, 0);
	/* a tab in a value (a --match expression may hold one) */
	assert_true(P("run 2 start m\nTUNINETD_NFT_MATCH=udp\tdport 53", &rq));
	assert_true(P("timeout 4 30", &rq));
	assert_int_equal(rq.kind, PRIVSEP_TIMEOUT);
	assert_int_equal(rq.seconds, 30);
	assert_true(P("kill", &rq));
	assert_int_equal(rq.kind, PRIVSEP_KILL);
	assert_true(P("reloaded", &rq));
	assert_int_equal(rq.kind, PRIVSEP_RELOADED);
	assert_true(P("config", &rq));
	assert_int_equal(rq.kind, PRIVSEP_CONFIG);
	assert_true(P("kept", &rq));
	assert_int_equal(rq.kind, PRIVSEP_KEPT);
}

static void
test_refused(void **state)
{
	struct privsep_request rq;
	static char big[PRIVSEP_MSG_MAX + 1];
	int i;

	(void)state;
	assert_false(P("run 1 restart alpha", &rq));
	assert_false(P("run 0 start alpha", &rq));
	assert_false(P("run 1000001 start alpha", &rq));
	assert_false(P("run 01 start alpha", &rq));
	assert_false(P("run 1 start  alpha", &rq));
	assert_false(P("run 1 start alpha /bin/sh", &rq));
	assert_false(P("run 5 start alpha\nPATH=/tmp", &rq));
	/* a run refused is still a run of its ID: the worker is answered */
	assert_int_equal(rq.kind, PRIVSEP_RUN);
	assert_int_equal(rq.id, 5);
	assert_false(P("run 1 start alpha\nLD_PRELOAD=/tmp/x.so", &rq));
	assert_false(P("run 1 start alpha\nTUNINETD_SRC=a\nb", &rq));
	assert_false(P("run 1 start alpha\n\nTUNINETD_SRC=a", &rq));
	assert_false(P("run 1 start alpha\nTUNINETD_SRC=a\x7f", &rq));
	assert_false(P("run 1 start alpha\nTUNINETD_SRC=a\nTUNINETD_SRC=b",
	    &rq));
	assert_false(P("run 1 start alpha\nTUNINETD_SRC", &rq));
	assert_false(P("run 1 st\0rt alpha", &rq));
	assert_false(P("exec /bin/sh", &rq));
	assert_false(P("kill now", &rq));
	assert_false(P("config /etc/shadow", &rq));
	assert_false(P("kept\nTUNINETD_SRC=a", &rq));
	assert_false(P("timeout 1 86401", &rq));
	assert_int_equal(rq.kind, PRIVSEP_TIMEOUT);	/* not answered */
	assert_false(P("hello", &rq));
	assert_int_equal(rq.kind, PRIVSEP_NONE);
	assert_false(P("", &rq));
	memset(big, 'a', sizeof big);
	assert_false(parse(big, sizeof big, &rq));
	/* more variables than the list has */
	i = snprintf(big, sizeof big, "run 1 start a\n");
	while (i < 4000)
		i += snprintf(big + i, sizeof big - (size_t)i,
		    "TUNINETD_SRC=x\n");
	assert_false(parse(big, (size_t)i, &rq));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_taken),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
