/* test_loop: the loop's time arithmetic (saturating, clamped to what a
 * 32-bit time_t holds) and its timer heap (fired in order of due time,
 * whatever the order of arming, moving and stopping). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include "loop.h"

#define S	NSEC_PER_SEC

static void
test_ns_after(void **state)
{
	int64_t boot = 3600 * S;

	(void)state;
	assert_true(ns_after(boot, 600) == boot + 600 * S);
	assert_true(ns_after(boot, 2147483647u) == boot + 2147483647LL * S);
	assert_true(ns_after(boot, 0) == boot);
	/* would pass INT64_MAX: saturates, never wraps into the past */
	assert_true(ns_after(INT64_MAX - S, 2) == INT64_MAX);
	assert_true(ns_after(boot, UINT64_MAX / 2) == INT64_MAX);
	assert_true(ns_after(boot, 9223372036ULL) == INT64_MAX);
}

static void
test_timespec_clamped(void **state)
{
	struct timespec ts;

	(void)state;
	ts = ns_to_timespec(5 * S + 7, INT32_MAX);
	assert_int_equal(ts.tv_sec, 5);
	assert_int_equal(ts.tv_nsec, 7);
	/* a TTL of 2^31-1 s after an hour of uptime: past a 32-bit time_t */
	ts = ns_to_timespec(3600 * S + 2147483647LL * S, INT32_MAX);
	assert_int_equal(ts.tv_sec, INT32_MAX);
	assert_int_equal(ts.tv_nsec, 0);
	ts = ns_to_timespec(INT64_MAX, INT32_MAX);
	assert_int_equal(ts.tv_sec, INT32_MAX);
	ts = ns_to_timespec(-1, INT32_MAX);
	assert_int_equal(ts.tv_sec, 0);
	assert_int_equal(ts.tv_nsec, 0);
	ts = ns_to_timespec(INT64_MAX, INT64_MAX / S);
	assert_true((int64_t)ts.tv_sec == INT64_MAX / S);
}

#define NT	3000
static struct timer timers[NT + 1];
static int64_t fired[NT + 1];
static int nfired;

static void
on_fire(struct timer *t)
{
	fired[nfired++] = t->due;
	if (t == &timers[NT])
		loop_quit(0);
}

/* Timers due in the past fire at the first wake-up, earliest first. */
static void
test_heap_order(void **state)
{
	int64_t base = now_ns() - 10 * S;
	int i, armed = 0;

	(void)state;
	assert_int_equal(loop_init(), 0);
	srandom(7);
	for (i = 0; i < NT; i++) {
		timers[i] = (struct timer){ .cb = on_fire };
		timer_set(&timers[i], base + random() % S);
	}
	for (i = 0; i < NT; i += 3)
		timer_stop(&timers[i]);
	for (i = 1; i < NT; i += 5)	/* moved, earlier or later */
		timer_set(&timers[i], base + random() % S);
	for (i = 0; i < NT; i += 6)	/* armed again */
		timer_set(&timers[i], base + random() % S);
	for (i = 0; i < NT; i++)
		armed += timers[i].armed;
	timers[NT] = (struct timer){ .cb = on_fire };
	timer_set(&timers[NT], base + S);	/* the last one: quits */
	assert_int_equal(loop_run(), 0);
	assert_int_equal(nfired, armed + 1);
	for (i = 1; i < nfired; i++)
		assert_true(fired[i - 1] <= fired[i]);
	for (i = 0; i <= NT; i++)
		assert_false(timers[i].armed);
}

/* The loop's clock goes on in suspend: it is CLOCK_BOOTTIME. */
static void
test_boottime(void **state)
{
	struct timespec b;
	int64_t before, boot, after;

	(void)state;
	before = now_ns();
	clock_gettime(CLOCK_BOOTTIME, &b);
	after = now_ns();
	boot = (int64_t)b.tv_sec * S + b.tv_nsec;
	assert_true(before <= boot && boot <= after);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ns_after),
		cmocka_unit_test(test_timespec_clamped),
		cmocka_unit_test(test_heap_order),
		cmocka_unit_test(test_boottime),
	};

	return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
