/* test_watch: the state machine, every state against every input, then
 * the semantics of DESIGN.md as sequences, then a random walk that checks
 * the invariants (hooks never overlap, stop never early) on a million
 * steps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "watch.h"

#define S	NSEC_PER_SEC
#define TTL	(10 * S)

static struct watch_step
in(struct watch *w, enum watch_input i, int64_t now)
{
	return watch_input(w, i, now, true);
}

/* Drive a fresh watch into state s at time 100 s. */
static void
put_in(struct watch *w, enum watch_state s, bool ack_only)
{
	watch_init(w, TTL, ack_only);
	if (s == WATCH_IDLE)
		return;
	in(w, WATCH_PACKET, 100 * S);
	if (s == WATCH_STARTING)
		return;
	in(w, WATCH_HOOK_DONE, 100 * S);
	if (s == WATCH_UP)
		return;
	in(w, WATCH_HANGUP, 101 * S);
	assert_int_equal(w->state, WATCH_STOPPING);
}

static void
expect(enum watch_state from, enum watch_input i, int64_t now,
    enum watch_state to, enum watch_action a, enum watch_reason r)
{
	struct watch w;
	struct watch_step st;

	put_in(&w, from, false);
	st = in(&w, i, now);
	assert_int_equal(st.from, from);
	assert_int_equal(st.to, to);
	assert_int_equal(w.state, to);
	assert_int_equal(st.action, a);
	if (a != WATCH_NOTHING)
		assert_int_equal(st.reason, r);
}

/* The whole transition table: 4 states x 5 inputs. */
static void
test_table(void **state)
{
	(void)state;
	expect(WATCH_IDLE, WATCH_PACKET, 200 * S, WATCH_STARTING,
	    WATCH_RUN_START, REASON_PACKET);
	expect(WATCH_IDLE, WATCH_HOOK_DONE, 200 * S, WATCH_IDLE, WATCH_NOTHING, 0);
	expect(WATCH_IDLE, WATCH_DEADLINE, 200 * S, WATCH_IDLE, WATCH_NOTHING, 0);
	expect(WATCH_IDLE, WATCH_HANGUP, 200 * S, WATCH_IDLE, WATCH_NOTHING, 0);
	expect(WATCH_IDLE, WATCH_EXIT, 200 * S, WATCH_IDLE, WATCH_NOTHING, 0);

	expect(WATCH_STARTING, WATCH_PACKET, 101 * S, WATCH_STARTING,
	    WATCH_NOTHING, 0);
	expect(WATCH_STARTING, WATCH_HOOK_DONE, 101 * S, WATCH_UP,
	    WATCH_NOTHING, 0);
	expect(WATCH_STARTING, WATCH_DEADLINE, 200 * S, WATCH_STARTING,
	    WATCH_NOTHING, 0);
	expect(WATCH_STARTING, WATCH_HANGUP, 101 * S, WATCH_STARTING,
	    WATCH_NOTHING, 0);
	expect(WATCH_STARTING, WATCH_EXIT, 101 * S, WATCH_STARTING,
	    WATCH_NOTHING, 0);

	expect(WATCH_UP, WATCH_PACKET, 105 * S, WATCH_UP, WATCH_NOTHING, 0);
	expect(WATCH_UP, WATCH_HOOK_DONE, 105 * S, WATCH_UP, WATCH_NOTHING, 0);
	expect(WATCH_UP, WATCH_DEADLINE, 110 * S - 1, WATCH_UP, WATCH_NOTHING, 0);
	expect(WATCH_UP, WATCH_DEADLINE, 110 * S, WATCH_STOPPING,
	    WATCH_RUN_STOP, REASON_IDLE);
	expect(WATCH_UP, WATCH_HANGUP, 105 * S, WATCH_STOPPING, WATCH_RUN_STOP,
	    REASON_SIGNAL);
	expect(WATCH_UP, WATCH_EXIT, 105 * S, WATCH_STOPPING, WATCH_RUN_STOP,
	    REASON_EXIT);

	expect(WATCH_STOPPING, WATCH_PACKET, 102 * S, WATCH_STOPPING,
	    WATCH_NOTHING, 0);
	expect(WATCH_STOPPING, WATCH_HOOK_DONE, 102 * S, WATCH_IDLE,
	    WATCH_NOTHING, 0);
	expect(WATCH_STOPPING, WATCH_DEADLINE, 200 * S, WATCH_STOPPING,
	    WATCH_NOTHING, 0);
	expect(WATCH_STOPPING, WATCH_HANGUP, 102 * S, WATCH_STOPPING,
	    WATCH_NOTHING, 0);
	expect(WATCH_STOPPING, WATCH_EXIT, 102 * S, WATCH_STOPPING,
	    WATCH_NOTHING, 0);
}

/* stop at exactly last packet + TTL, wherever the packets fell */
static void
test_deadline_exact(void **state)
{
	struct watch w;
	int64_t due;

	(void)state;
	put_in(&w, WATCH_UP, false);
	assert_true(watch_deadline(&w, &due));
	assert_int_equal(due, 100 * S + TTL);
	in(&w, WATCH_PACKET, 103 * S + 7);
	assert_true(watch_deadline(&w, &due));
	assert_int_equal(due, 113 * S + 7);
	/* an older packet reported late does not move it back */
	in(&w, WATCH_PACKET, 102 * S);
	assert_true(watch_deadline(&w, &due));
	assert_int_equal(due, 113 * S + 7);
	assert_int_equal(in(&w, WATCH_DEADLINE, 113 * S + 6).action,
	    WATCH_NOTHING);
	assert_int_equal(in(&w, WATCH_DEADLINE, 113 * S + 7).action,
	    WATCH_RUN_STOP);
	assert_false(watch_deadline(&w, &due));
}

/* packets while starting move the deadline; a start that outlives the TTL
 * goes straight to stop when it ends */
static void
test_starting(void **state)
{
	struct watch w;
	struct watch_step st;
	int64_t due;

	(void)state;
	put_in(&w, WATCH_STARTING, false);
	assert_false(watch_deadline(&w, &due));
	in(&w, WATCH_PACKET, 104 * S);
	st = in(&w, WATCH_HOOK_DONE, 105 * S);
	assert_int_equal(st.to, WATCH_UP);
	assert_true(watch_deadline(&w, &due));
	assert_int_equal(due, 114 * S);

	put_in(&w, WATCH_STARTING, false);
	st = in(&w, WATCH_HOOK_DONE, 110 * S);
	assert_int_equal(st.to, WATCH_STOPPING);
	assert_int_equal(st.action, WATCH_RUN_STOP);
	assert_int_equal(st.reason, REASON_IDLE);
}

/* a packet while stopping: start right after the stop, once */
static void
test_packet_while_stopping(void **state)
{
	struct watch w;
	struct watch_step st;
	int64_t due;

	(void)state;
	put_in(&w, WATCH_UP, false);
	assert_int_equal(in(&w, WATCH_DEADLINE, 110 * S).action, WATCH_RUN_STOP);
	assert_false(watch_sensors_up(&w));
	assert_int_equal(in(&w, WATCH_PACKET, 111 * S).action, WATCH_NOTHING);
	assert_true(watch_sensors_up(&w));
	assert_int_equal(in(&w, WATCH_PACKET, 112 * S).action, WATCH_NOTHING);
	st = in(&w, WATCH_HOOK_DONE, 113 * S);
	assert_int_equal(st.from, WATCH_STOPPING);
	assert_int_equal(st.to, WATCH_STARTING);
	assert_int_equal(st.action, WATCH_RUN_START);
	assert_int_equal(st.reason, REASON_PACKET);
	st = in(&w, WATCH_HOOK_DONE, 114 * S);
	assert_int_equal(st.to, WATCH_UP);
	assert_true(watch_deadline(&w, &due));
	assert_int_equal(due, 122 * S);	/* last packet 112 s + TTL */
}

/* a packet that passed before the stop began, reported after it (a batch
 * the kernel still held), starts nothing; one after it does */
static void
test_late_report(void **state)
{
	struct watch w;

	(void)state;
	put_in(&w, WATCH_UP, false);
	in(&w, WATCH_HANGUP, 105 * S);
	assert_int_equal(in(&w, WATCH_PACKET, 104 * S).action, WATCH_NOTHING);
	assert_false(w.start_pending);
	assert_int_equal(in(&w, WATCH_HOOK_DONE, 106 * S).to, WATCH_IDLE);
	assert_int_equal(in(&w, WATCH_PACKET, 105 * S - 1).action,
	    WATCH_NOTHING);
	assert_int_equal(w.state, WATCH_IDLE);
	assert_int_equal(in(&w, WATCH_PACKET, 105 * S).action, WATCH_RUN_START);
}

/* SIGHUP: stop now when up, after the start when starting, never when
 * idle; while stopping it cancels a pending start */
static void
test_hangup(void **state)
{
	struct watch w;
	struct watch_step st;

	(void)state;
	put_in(&w, WATCH_STARTING, false);
	in(&w, WATCH_HANGUP, 100 * S);
	in(&w, WATCH_HANGUP, 100 * S);
	st = in(&w, WATCH_HOOK_DONE, 101 * S);
	assert_int_equal(st.action, WATCH_RUN_STOP);
	assert_int_equal(st.reason, REASON_SIGNAL);
	st = in(&w, WATCH_HOOK_DONE, 102 * S);
	assert_int_equal(st.to, WATCH_IDLE);

	put_in(&w, WATCH_STOPPING, false);
	in(&w, WATCH_PACKET, 102 * S);
	in(&w, WATCH_HANGUP, 102 * S);
	st = in(&w, WATCH_HOOK_DONE, 103 * S);
	assert_int_equal(st.to, WATCH_IDLE);
	assert_int_equal(st.action, WATCH_NOTHING);
}

/* SIGTERM: quit at once when idle or stopping; stop (reason exit) when up;
 * when starting, stop once the start is done, then quit */
static void
test_exit(void **state)
{
	struct watch w;
	struct watch_step st;

	(void)state;
	put_in(&w, WATCH_IDLE, false);
	assert_false(watch_may_quit(&w));
	in(&w, WATCH_EXIT, 1);
	assert_true(watch_may_quit(&w));
	assert_int_equal(in(&w, WATCH_PACKET, 2).action, WATCH_NOTHING);

	put_in(&w, WATCH_UP, false);
	st = in(&w, WATCH_EXIT, 101 * S);
	assert_int_equal(st.action, WATCH_RUN_STOP);
	assert_int_equal(st.reason, REASON_EXIT);
	assert_true(watch_may_quit(&w));

	put_in(&w, WATCH_STARTING, false);
	in(&w, WATCH_EXIT, 100 * S);
	assert_false(watch_may_quit(&w));
	st = in(&w, WATCH_HOOK_DONE, 101 * S);
	assert_int_equal(st.action, WATCH_RUN_STOP);
	assert_int_equal(st.reason, REASON_EXIT);
	assert_true(watch_may_quit(&w));

	put_in(&w, WATCH_STOPPING, false);
	in(&w, WATCH_PACKET, 102 * S);
	in(&w, WATCH_EXIT, 102 * S);
	assert_true(watch_may_quit(&w));
	st = in(&w, WATCH_HOOK_DONE, 103 * S);
	assert_int_equal(st.action, WATCH_NOTHING);
}

/* -a: while up only keeps_up packets move the deadline; while idle any
 * packet starts, and that packet's time counts */
static void
test_ack_only(void **state)
{
	struct watch w;
	int64_t due;

	(void)state;
	watch_init(&w, TTL, true);
	assert_int_equal(watch_input(&w, WATCH_PACKET, 100 * S, false).action,
	    WATCH_RUN_START);
	watch_input(&w, WATCH_PACKET, 101 * S, false);
	watch_input(&w, WATCH_HOOK_DONE, 101 * S, false);
	assert_true(watch_deadline(&w, &due));
	assert_int_equal(due, 110 * S);
	watch_input(&w, WATCH_PACKET, 105 * S, false);
	assert_true(watch_deadline(&w, &due));
	assert_int_equal(due, 110 * S);
	watch_input(&w, WATCH_PACKET, 106 * S, true);
	assert_true(watch_deadline(&w, &due));
	assert_int_equal(due, 116 * S);

	/* without -a, keeps_up is ignored */
	watch_init(&w, TTL, false);
	watch_input(&w, WATCH_PACKET, 100 * S, false);
	watch_input(&w, WATCH_HOOK_DONE, 100 * S, false);
	watch_input(&w, WATCH_PACKET, 105 * S, false);
	assert_true(watch_deadline(&w, &due));
	assert_int_equal(due, 115 * S);
}

/* A million random inputs, fed as the core feeds them (HOOK_DONE only
 * while a hook runs, DEADLINE only at or after the deadline), against a
 * model: hooks never overlap, start and stop alternate, stop never comes
 * before last + TTL, a packet while stopping always brings a start. */
static void
test_random_walk(void **state)
{
	struct watch w;
	struct watch_step st;
	bool running = false, last_was_start = false, owed_start = false;
	int64_t now = 0, last_pkt = -1, due;
	unsigned seed = 12345;
	long i, starts = 0, stops = 0;

	(void)state;
	watch_init(&w, TTL, false);
	for (i = 0; i < 1000000; i++) {
		enum watch_input x;
		int r = rand_r(&seed) % 100;

		now += rand_r(&seed) % (3 * S);
		if (r < 50)
			x = WATCH_PACKET;
		else if (r < 80)
			x = running ? WATCH_HOOK_DONE : WATCH_PACKET;
		else if (r < 97) {
			if (!watch_deadline(&w, &due))
				continue;
			if (now < due)
				now = due;
			x = WATCH_DEADLINE;
		} else
			x = WATCH_HANGUP;

		if (x == WATCH_PACKET) {
			if (w.state == WATCH_STOPPING)
				owed_start = true;
			last_pkt = now;
		}
		if (x == WATCH_HANGUP && w.state == WATCH_STOPPING)
			owed_start = false;
		st = in(&w, x, now);
		if (x == WATCH_HOOK_DONE)
			running = false;
		if (st.action != WATCH_NOTHING) {
			assert_false(running);
			running = true;
			if (st.action == WATCH_RUN_START) {
				assert_false(last_was_start);
				last_was_start = true;
				owed_start = false;
				starts++;
			} else {
				assert_true(last_was_start);
				last_was_start = false;
				if (st.reason == REASON_IDLE)
					assert_true(now >= last_pkt + TTL);
				stops++;
			}
		}
		if (w.state == WATCH_IDLE)
			assert_false(owed_start);
	}
	assert_true(starts > 1000 && stops > 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_deadline_exact),
		cmocka_unit_test(test_starting),
		cmocka_unit_test(test_packet_while_stopping),
		cmocka_unit_test(test_late_report),
		cmocka_unit_test(test_hangup),
		cmocka_unit_test(test_exit),
		cmocka_unit_test(test_ack_only),
		cmocka_unit_test(test_random_walk),
	};

	return cmocka_run_group_tests_name("watch", tests, NULL, NULL);
}
