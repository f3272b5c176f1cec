/* test_fsm: the state machine, every state against every input, then
 * the semantics of DESIGN.md as sequences, then a random walk that checks
 * the invariants (hooks never overlap, stop never early) on a million
 * steps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "fsm.h"

#define S	NSEC_PER_SEC
#define TTL	(10 * S)

static struct fsm_step
in(struct fsm *w, enum fsm_input i, int64_t now)
{
	return fsm_input(w, i, now, true);
}

/* Drive a fresh watch into state s at time 100 s. */
static void
put_in(struct fsm *w, enum fsm_state s, bool ack_only)
{
	fsm_init(w, TTL, ack_only);
	if (s == FSM_IDLE)
		return;
	in(w, FSM_PACKET, 100 * S);
	if (s == FSM_STARTING)
		return;
	in(w, FSM_HOOK_DONE, 100 * S);
	if (s == FSM_UP)
		return;
	in(w, FSM_HANGUP, 101 * S);
	assert_int_equal(w->state, FSM_STOPPING);
}

static void
expect(enum fsm_state from, enum fsm_input i, int64_t now,
    enum fsm_state to, enum fsm_action a, enum fsm_reason r)
{
	struct fsm w;
	struct fsm_step st;

	put_in(&w, from, false);
	st = in(&w, i, now);
	assert_int_equal(st.from, from);
	assert_int_equal(st.to, to);
	assert_int_equal(w.state, to);
	assert_int_equal(st.action, a);
	if (a != FSM_NOTHING)
		assert_int_equal(st.reason, r);
}

/* The whole transition table: 4 states x 5 inputs. */
static void
test_table(void **state)
{
	(void)state;
	expect(FSM_IDLE, FSM_PACKET, 200 * S, FSM_STARTING,
	    FSM_RUN_START, REASON_PACKET);
	expect(FSM_IDLE, FSM_HOOK_DONE, 200 * S, FSM_IDLE, FSM_NOTHING, 0);
	expect(FSM_IDLE, FSM_DEADLINE, 200 * S, FSM_IDLE, FSM_NOTHING, 0);
	expect(FSM_IDLE, FSM_HANGUP, 200 * S, FSM_IDLE, FSM_NOTHING, 0);
	expect(FSM_IDLE, FSM_EXIT, 200 * S, FSM_IDLE, FSM_NOTHING, 0);

	expect(FSM_STARTING, FSM_PACKET, 101 * S, FSM_STARTING,
	    FSM_NOTHING, 0);
	expect(FSM_STARTING, FSM_HOOK_DONE, 101 * S, FSM_UP,
	    FSM_NOTHING, 0);
	expect(FSM_STARTING, FSM_DEADLINE, 200 * S, FSM_STARTING,
	    FSM_NOTHING, 0);
	expect(FSM_STARTING, FSM_HANGUP, 101 * S, FSM_STARTING,
	    FSM_NOTHING, 0);
	expect(FSM_STARTING, FSM_EXIT, 101 * S, FSM_STARTING,
	    FSM_NOTHING, 0);

	expect(FSM_UP, FSM_PACKET, 105 * S, FSM_UP, FSM_NOTHING, 0);
	expect(FSM_UP, FSM_HOOK_DONE, 105 * S, FSM_UP, FSM_NOTHING, 0);
	expect(FSM_UP, FSM_DEADLINE, 110 * S - 1, FSM_UP, FSM_NOTHING, 0);
	expect(FSM_UP, FSM_DEADLINE, 110 * S, FSM_STOPPING,
	    FSM_RUN_STOP, REASON_IDLE);
	expect(FSM_UP, FSM_HANGUP, 105 * S, FSM_STOPPING, FSM_RUN_STOP,
	    REASON_SIGNAL);
	expect(FSM_UP, FSM_EXIT, 105 * S, FSM_STOPPING, FSM_RUN_STOP,
	    REASON_EXIT);

	expect(FSM_STOPPING, FSM_PACKET, 102 * S, FSM_STOPPING,
	    FSM_NOTHING, 0);
	expect(FSM_STOPPING, FSM_HOOK_DONE, 102 * S, FSM_IDLE,
	    FSM_NOTHING, 0);
	expect(FSM_STOPPING, FSM_DEADLINE, 200 * S, FSM_STOPPING,
	    FSM_NOTHING, 0);
	expect(FSM_STOPPING, FSM_HANGUP, 102 * S, FSM_STOPPING,
	    FSM_NOTHING, 0);
	expect(FSM_STOPPING, FSM_EXIT, 102 * S, FSM_STOPPING,
	    FSM_NOTHING, 0);
}

/* stop at exactly last packet + TTL, wherever the packets fell */
static void
test_deadline_exact(void **state)
{
	struct fsm w;
	int64_t due;

	(void)state;
	put_in(&w, FSM_UP, false);
	assert_true(fsm_deadline(&w, &due));
	assert_int_equal(due, 100 * S + TTL);
	in(&w, FSM_PACKET, 103 * S + 7);
	assert_true(fsm_deadline(&w, &due));
	assert_int_equal(due, 113 * S + 7);
	/* an older packet reported late does not move it back */
	in(&w, FSM_PACKET, 102 * S);
	assert_true(fsm_deadline(&w, &due));
	assert_int_equal(due, 113 * S + 7);
	assert_int_equal(in(&w, FSM_DEADLINE, 113 * S + 6).action,
	    FSM_NOTHING);
	assert_int_equal(in(&w, FSM_DEADLINE, 113 * S + 7).action,
	    FSM_RUN_STOP);
	assert_false(fsm_deadline(&w, &due));
}

/* packets while starting move the deadline; a start that outlives the TTL
 * goes straight to stop when it ends */
static void
test_starting(void **state)
{
	struct fsm w;
	struct fsm_step st;
	int64_t due;

	(void)state;
	put_in(&w, FSM_STARTING, false);
	assert_false(fsm_deadline(&w, &due));
	in(&w, FSM_PACKET, 104 * S);
	st = in(&w, FSM_HOOK_DONE, 105 * S);
	assert_int_equal(st.to, FSM_UP);
	assert_true(fsm_deadline(&w, &due));
	assert_int_equal(due, 114 * S);

	put_in(&w, FSM_STARTING, false);
	st = in(&w, FSM_HOOK_DONE, 110 * S);
	assert_int_equal(st.to, FSM_STOPPING);
	assert_int_equal(st.action, FSM_RUN_STOP);
	assert_int_equal(st.reason, REASON_IDLE);
}

/* a packet while stopping: start right after the stop, once */
static void
test_packet_while_stopping(void **state)
{
	struct fsm w;
	struct fsm_step st;
	int64_t due;

	(void)state;
	put_in(&w, FSM_UP, false);
	assert_int_equal(in(&w, FSM_DEADLINE, 110 * S).action, FSM_RUN_STOP);
	assert_false(fsm_sensors_up(&w));
	assert_int_equal(in(&w, FSM_PACKET, 111 * S).action, FSM_NOTHING);
	assert_true(fsm_sensors_up(&w));
	assert_int_equal(in(&w, FSM_PACKET, 112 * S).action, FSM_NOTHING);
	st = in(&w, FSM_HOOK_DONE, 113 * S);
	assert_int_equal(st.from, FSM_STOPPING);
	assert_int_equal(st.to, FSM_STARTING);
	assert_int_equal(st.action, FSM_RUN_START);
	assert_int_equal(st.reason, REASON_PACKET);
	st = in(&w, FSM_HOOK_DONE, 114 * S);
	assert_int_equal(st.to, FSM_UP);
	assert_true(fsm_deadline(&w, &due));
	assert_int_equal(due, 122 * S);	/* last packet 112 s + TTL */
}

/* a packet that passed before the stop began, reported after it (a batch
 * the kernel still held), starts nothing; one after it does */
static void
test_late_report(void **state)
{
	struct fsm w;

	(void)state;
	put_in(&w, FSM_UP, false);
	in(&w, FSM_HANGUP, 105 * S);
	assert_int_equal(in(&w, FSM_PACKET, 104 * S).action, FSM_NOTHING);
	assert_false(w.start_pending);
	assert_int_equal(in(&w, FSM_HOOK_DONE, 106 * S).to, FSM_IDLE);
	assert_int_equal(in(&w, FSM_PACKET, 105 * S - 1).action,
	    FSM_NOTHING);
	assert_int_equal(w.state, FSM_IDLE);
	assert_int_equal(in(&w, FSM_PACKET, 105 * S).action, FSM_RUN_START);
}

/* SIGHUP: stop now when up, after the start when starting, never when
 * idle; while stopping it cancels a pending start */
static void
test_hangup(void **state)
{
	struct fsm w;
	struct fsm_step st;

	(void)state;
	put_in(&w, FSM_STARTING, false);
	in(&w, FSM_HANGUP, 100 * S);
	in(&w, FSM_HANGUP, 100 * S);
	st = in(&w, FSM_HOOK_DONE, 101 * S);
	assert_int_equal(st.action, FSM_RUN_STOP);
	assert_int_equal(st.reason, REASON_SIGNAL);
	st = in(&w, FSM_HOOK_DONE, 102 * S);
	assert_int_equal(st.to, FSM_IDLE);

	put_in(&w, FSM_STOPPING, false);
	in(&w, FSM_PACKET, 102 * S);
	in(&w, FSM_HANGUP, 102 * S);
	st = in(&w, FSM_HOOK_DONE, 103 * S);
	assert_int_equal(st.to, FSM_IDLE);
	assert_int_equal(st.action, FSM_NOTHING);
}

/* SIGTERM: quit at once when idle or stopping; stop (reason exit) when up;
 * when starting, stop once the start is done, then quit */
static void
test_exit(void **state)
{
	struct fsm w;
	struct fsm_step st;

	(void)state;
	put_in(&w, FSM_IDLE, false);
	assert_false(fsm_may_quit(&w));
	in(&w, FSM_EXIT, 1);
	assert_true(fsm_may_quit(&w));
	assert_int_equal(in(&w, FSM_PACKET, 2).action, FSM_NOTHING);

	put_in(&w, FSM_UP, false);
	st = in(&w, FSM_EXIT, 101 * S);
	assert_int_equal(st.action, FSM_RUN_STOP);
	assert_int_equal(st.reason, REASON_EXIT);
	assert_false(fsm_may_quit(&w));		/* the stop hook runs */
	in(&w, FSM_HOOK_DONE, 102 * S);
	assert_true(fsm_may_quit(&w));

	put_in(&w, FSM_STARTING, false);
	in(&w, FSM_EXIT, 100 * S);
	assert_false(fsm_may_quit(&w));
	st = in(&w, FSM_HOOK_DONE, 101 * S);
	assert_int_equal(st.action, FSM_RUN_STOP);
	assert_int_equal(st.reason, REASON_EXIT);
	assert_false(fsm_may_quit(&w));
	in(&w, FSM_HOOK_DONE, 102 * S);
	assert_true(fsm_may_quit(&w));

	put_in(&w, FSM_STOPPING, false);
	in(&w, FSM_PACKET, 102 * S);
	in(&w, FSM_EXIT, 102 * S);
	assert_false(fsm_may_quit(&w));		/* the stop hook runs */
	st = in(&w, FSM_HOOK_DONE, 103 * S);
	assert_int_equal(st.action, FSM_NOTHING);
	assert_true(fsm_may_quit(&w));
}

/* -a: while up only keeps_up packets move the deadline; while idle any
 * packet starts, and that packet's time counts */
static void
test_ack_only(void **state)
{
	struct fsm w;
	int64_t due;

	(void)state;
	fsm_init(&w, TTL, true);
	assert_int_equal(fsm_input(&w, FSM_PACKET, 100 * S, false).action,
	    FSM_RUN_START);
	fsm_input(&w, FSM_PACKET, 101 * S, false);
	fsm_input(&w, FSM_HOOK_DONE, 101 * S, false);
	assert_true(fsm_deadline(&w, &due));
	assert_int_equal(due, 110 * S);
	fsm_input(&w, FSM_PACKET, 105 * S, false);
	assert_true(fsm_deadline(&w, &due));
	assert_int_equal(due, 110 * S);
	fsm_input(&w, FSM_PACKET, 106 * S, true);
	assert_true(fsm_deadline(&w, &due));
	assert_int_equal(due, 116 * S);

	/* without -a, keeps_up is ignored */
	fsm_init(&w, TTL, false);
	fsm_input(&w, FSM_PACKET, 100 * S, false);
	fsm_input(&w, FSM_HOOK_DONE, 100 * S, false);
	fsm_input(&w, FSM_PACKET, 105 * S, false);
	assert_true(fsm_deadline(&w, &due));
	assert_int_equal(due, 115 * S);
}

/* A million random inputs, fed as the core feeds them (HOOK_DONE only
 * while a hook runs, DEADLINE only at or after the deadline), against a
 * model: hooks never overlap, start and stop alternate, stop never comes
 * before last + TTL, a packet while stopping always brings a start. */
static void
test_random_walk(void **state)
{
	struct fsm w;
	struct fsm_step st;
	bool running = false, last_was_start = false, owed_start = false;
	int64_t now = 0, last_pkt = -1, due;
	unsigned seed = 12345;
	long i, starts = 0, stops = 0;

	(void)state;
	fsm_init(&w, TTL, false);
	for (i = 0; i < 1000000; i++) {
		enum fsm_input x;
		int r = rand_r(&seed) % 100;

		now += rand_r(&seed) % (3 * S);
		if (r < 50)
			x = FSM_PACKET;
		else if (r < 80)
			x = running ? FSM_HOOK_DONE : FSM_PACKET;
		else if (r < 97) {
			if (!fsm_deadline(&w, &due))
				continue;
			if (now < due)
				now = due;
			x = FSM_DEADLINE;
		} else
			x = FSM_HANGUP;

		if (x == FSM_PACKET) {
			if (w.state == FSM_STOPPING)
				owed_start = true;
			last_pkt = now;
		}
		if (x == FSM_HANGUP && w.state == FSM_STOPPING)
			owed_start = false;
		st = in(&w, x, now);
		if (x == FSM_HOOK_DONE)
			running = false;
		if (st.action != FSM_NOTHING) {
			assert_false(running);
			running = true;
			if (st.action == FSM_RUN_START) {
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
		if (w.state == FSM_IDLE)
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

	return cmocka_run_group_tests_name("fsm", tests, NULL, NULL);
}
