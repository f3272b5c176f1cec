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

/* w set up by c with the TTL all tests share; what c leaves out is 0, off */
static void
init_with(struct fsm *w, struct fsm_conf c)
{
	c.ttl = TTL;
	fsm_init(w, &c);
}

static void
init(struct fsm *w)
{
	init_with(w, (struct fsm_conf){ 0 });
}

static struct fsm_step
in(struct fsm *w, enum fsm_input i, int64_t now)
{
	return fsm_input(w, i, now, true);
}

/* Drive a fresh watch into state s at time 100 s. */
static void
put_in(struct fsm *w, enum fsm_state s)
{
	init(w);
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

	put_in(&w, from);
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
	put_in(&w, FSM_UP);
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
	put_in(&w, FSM_STARTING);
	assert_false(fsm_deadline(&w, &due));
	in(&w, FSM_PACKET, 104 * S);
	st = in(&w, FSM_HOOK_DONE, 105 * S);
	assert_int_equal(st.to, FSM_UP);
	assert_true(fsm_deadline(&w, &due));
	assert_int_equal(due, 114 * S);

	put_in(&w, FSM_STARTING);
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
	put_in(&w, FSM_UP);
	assert_int_equal(in(&w, FSM_DEADLINE, 110 * S).action, FSM_RUN_STOP);
	assert_int_equal(fsm_listen(&w), LISTEN_FIRST);
	assert_int_equal(in(&w, FSM_PACKET, 111 * S).action, FSM_NOTHING);
	assert_int_equal(fsm_listen(&w), LISTEN_PENDING);
	assert_int_equal(in(&w, FSM_PACKET, 112 * S).action, FSM_NOTHING);
	st = in(&w, FSM_HOOK_DONE, 113 * S);
	assert_int_equal(st.from, FSM_STOPPING);
	assert_int_equal(st.to, FSM_STARTING);
	assert_int_equal(st.action, FSM_RUN_START);
	assert_int_equal(st.reason, REASON_PACKET);
	st = in(&w, FSM_HOOK_DONE, 114 * S);
	assert_int_equal(st.to, FSM_UP);
	assert_true(fsm_deadline(&w, &due));
	/* the restart at 113 s counts as activity, after the last packet */
	assert_int_equal(due, 123 * S);
	/* a stop that ran longer than the TTL: the start after it still gets
	 * a whole TTL, not a stop as soon as it is up */
	assert_int_equal(in(&w, FSM_DEADLINE, 123 * S).action, FSM_RUN_STOP);
	assert_int_equal(in(&w, FSM_PACKET, 124 * S).action, FSM_NOTHING);
	st = in(&w, FSM_HOOK_DONE, 150 * S);
	assert_int_equal(st.action, FSM_RUN_START);
	st = in(&w, FSM_HOOK_DONE, 150 * S + 1);
	assert_int_equal(st.to, FSM_UP);
	assert_true(fsm_deadline(&w, &due));
	assert_int_equal(due, 160 * S);
}

/* a packet that passed before the stop began, reported after it (a batch
 * the kernel still held), starts nothing; one after it does */
static void
test_late_report(void **state)
{
	struct fsm w;

	(void)state;
	put_in(&w, FSM_UP);
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
	put_in(&w, FSM_STARTING);
	in(&w, FSM_HANGUP, 100 * S);
	in(&w, FSM_HANGUP, 100 * S);
	st = in(&w, FSM_HOOK_DONE, 101 * S);
	assert_int_equal(st.action, FSM_RUN_STOP);
	assert_int_equal(st.reason, REASON_SIGNAL);
	st = in(&w, FSM_HOOK_DONE, 102 * S);
	assert_int_equal(st.to, FSM_IDLE);

	put_in(&w, FSM_STOPPING);
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
	put_in(&w, FSM_IDLE);
	assert_false(fsm_may_quit(&w));
	in(&w, FSM_EXIT, 1);
	assert_true(fsm_may_quit(&w));
	assert_int_equal(in(&w, FSM_PACKET, 2).action, FSM_NOTHING);

	put_in(&w, FSM_UP);
	st = in(&w, FSM_EXIT, 101 * S);
	assert_int_equal(st.action, FSM_RUN_STOP);
	assert_int_equal(st.reason, REASON_EXIT);
	assert_false(fsm_may_quit(&w));		/* the stop hook runs */
	in(&w, FSM_HOOK_DONE, 102 * S);
	assert_true(fsm_may_quit(&w));

	put_in(&w, FSM_STARTING);
	in(&w, FSM_EXIT, 100 * S);
	assert_false(fsm_may_quit(&w));
	st = in(&w, FSM_HOOK_DONE, 101 * S);
	assert_int_equal(st.action, FSM_RUN_STOP);
	assert_int_equal(st.reason, REASON_EXIT);
	assert_false(fsm_may_quit(&w));
	in(&w, FSM_HOOK_DONE, 102 * S);
	assert_true(fsm_may_quit(&w));

	put_in(&w, FSM_STOPPING);
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
	init_with(&w, (struct fsm_conf){ .ack_only = true });
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
	init(&w);
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
	init(&w);
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

/* --strict-start: a failed start goes back to idle, runs no stop, and
 * the next attempt waits 1 s, then 2, 4 ... 60 s; packets during the
 * back-off make it due at its end; a success resets the back-off. */
static void
test_strict_start(void **state)
{
	struct fsm w;
	struct fsm_step st;
	int64_t due, t = 100 * S, expect_backoff = S;
	int k;

	(void)state;
	init_with(&w, (struct fsm_conf){ .strict_start = true });
	st = in(&w, FSM_PACKET, t);
	assert_int_equal(st.action, FSM_RUN_START);
	for (k = 1; k <= 8; k++) {
		st = in(&w, FSM_HOOK_FAILED, t + S / 10);
		assert_int_equal(st.to, FSM_IDLE);
		assert_int_equal(st.action, FSM_NOTHING);	/* no stop */
		assert_true(w.backoff == expect_backoff);
		assert_false(fsm_deadline(&w, &due));	/* nothing due yet */
		assert_int_equal(fsm_listen(&w), LISTEN_FIRST);
		/* a packet during the back-off starts nothing now ... */
		st = in(&w, FSM_PACKET, t + S / 5);
		assert_int_equal(st.action, FSM_NOTHING);
		assert_int_equal(fsm_listen(&w), LISTEN_PENDING);
		assert_false(fsm_is_trigger(&w, t + S / 4));
		assert_true(fsm_deadline(&w, &due));
		assert_true(due == t + S / 10 + expect_backoff);
		assert_int_equal(in(&w, FSM_DEADLINE, due - 1).action,
		    FSM_NOTHING);
		/* ... but at its end */
		t = due;
		st = in(&w, FSM_DEADLINE, t);
		assert_int_equal(st.action, FSM_RUN_START);
		assert_int_equal(st.reason, REASON_PACKET);
		expect_backoff *= 2;
		if (expect_backoff > 60 * S)
			expect_backoff = 60 * S;
	}
	assert_true(w.backoff == 60 * S);
	st = in(&w, FSM_HOOK_DONE, t + 1);
	assert_int_equal(st.to, FSM_UP);
	assert_int_equal(w.failures, 0);
	/* stop, then a new failure starts the back-off from 1 s again */
	in(&w, FSM_HANGUP, t + 2);
	in(&w, FSM_HOOK_DONE, t + 3);
	in(&w, FSM_PACKET, t + 4);
	in(&w, FSM_HOOK_FAILED, t + 5);
	assert_true(w.backoff == S);

	/* without --strict-start a failed start is up, as in the original */
	init(&w);
	in(&w, FSM_PACKET, 100 * S);
	assert_int_equal(in(&w, FSM_HOOK_FAILED, 100 * S).to, FSM_UP);

	/* a failed start with a stop pending: idle, the stop is not run */
	init_with(&w, (struct fsm_conf){ .strict_start = true });
	in(&w, FSM_PACKET, 100 * S);
	in(&w, FSM_HANGUP, 100 * S);
	st = in(&w, FSM_HOOK_FAILED, 101 * S);
	assert_int_equal(st.to, FSM_IDLE);
	assert_int_equal(st.action, FSM_NOTHING);
}

/* --holdoff: after a stop, packets start nothing until it has passed;
 * one that came meanwhile (or during the stop) starts it then. */
static void
test_holdoff(void **state)
{
	struct fsm w;
	struct fsm_step st;
	int64_t due;

	(void)state;
	init_with(&w, (struct fsm_conf){ .holdoff = 5 * S });
	in(&w, FSM_PACKET, 100 * S);
	in(&w, FSM_HOOK_DONE, 100 * S);
	in(&w, FSM_DEADLINE, 110 * S);
	st = in(&w, FSM_HOOK_DONE, 111 * S);		/* stop ended */
	assert_int_equal(st.to, FSM_IDLE);
	assert_false(fsm_deadline(&w, &due));
	assert_int_equal(in(&w, FSM_PACKET, 112 * S).action, FSM_NOTHING);
	assert_true(fsm_deadline(&w, &due));
	assert_true(due == 116 * S);
	st = in(&w, FSM_DEADLINE, 116 * S);
	assert_int_equal(st.action, FSM_RUN_START);
	in(&w, FSM_HOOK_DONE, 116 * S);
	assert_true(fsm_deadline(&w, &due));
	assert_true(due == 126 * S);	/* the deferred start counts */

	/* a packet during the stop: the start waits for the hold-off */
	init_with(&w, (struct fsm_conf){ .holdoff = 5 * S });
	in(&w, FSM_PACKET, 100 * S);
	in(&w, FSM_HOOK_DONE, 100 * S);
	in(&w, FSM_DEADLINE, 110 * S);
	in(&w, FSM_PACKET, 110 * S + 1);
	st = in(&w, FSM_HOOK_DONE, 111 * S);
	assert_int_equal(st.to, FSM_IDLE);
	assert_int_equal(st.action, FSM_NOTHING);
	assert_true(fsm_deadline(&w, &due));
	assert_true(due == 116 * S);
	/* past the hold-off a packet starts at once */
	init_with(&w, (struct fsm_conf){ .holdoff = 5 * S });
	in(&w, FSM_PACKET, 100 * S);
	in(&w, FSM_HOOK_DONE, 100 * S);
	in(&w, FSM_DEADLINE, 110 * S);
	in(&w, FSM_HOOK_DONE, 111 * S);
	assert_int_equal(in(&w, FSM_PACKET, 116 * S).action, FSM_RUN_START);
}

/* --min-up holds the stop back; --max-up brings it forward, reason max-up */
static void
test_min_max_up(void **state)
{
	struct fsm w;
	struct fsm_step st;
	int64_t due;

	(void)state;
	init_with(&w, (struct fsm_conf){ .min_up = 30 * S });
	in(&w, FSM_PACKET, 100 * S);
	in(&w, FSM_HOOK_DONE, 101 * S);
	assert_true(fsm_deadline(&w, &due));
	assert_true(due == 130 * S);
	assert_int_equal(in(&w, FSM_DEADLINE, 110 * S).action, FSM_NOTHING);
	in(&w, FSM_PACKET, 125 * S);
	assert_true(fsm_deadline(&w, &due));
	assert_true(due == 135 * S);
	st = in(&w, FSM_DEADLINE, 135 * S);
	assert_int_equal(st.reason, REASON_IDLE);

	init_with(&w, (struct fsm_conf){ .max_up = 60 * S });
	in(&w, FSM_PACKET, 100 * S);
	in(&w, FSM_HOOK_DONE, 101 * S);
	for (int64_t t = 105 * S; t < 160 * S; t += 5 * S)
		in(&w, FSM_PACKET, t);
	assert_true(fsm_deadline(&w, &due));
	assert_true(due == 160 * S);
	st = in(&w, FSM_DEADLINE, 160 * S);
	assert_int_equal(st.action, FSM_RUN_STOP);
	assert_int_equal(st.reason, REASON_MAX_UP);
	assert_string_equal(fsm_reason_name(st.reason), "max-up");
	/* traffic idle before max-up: idle as usual */
	init_with(&w, (struct fsm_conf){ .max_up = 60 * S });
	in(&w, FSM_PACKET, 100 * S);
	in(&w, FSM_HOOK_DONE, 101 * S);
	assert_int_equal(in(&w, FSM_DEADLINE, 110 * S).reason, REASON_IDLE);
}

/* tuninetctl: start and stop now (reason control), a reload's stop, hold
 * and release */
static void
test_control(void **state)
{
	struct fsm w;
	struct fsm_step st;

	(void)state;
	init(&w);
	st = in(&w, FSM_CONTROL_START, 100 * S);
	assert_int_equal(st.action, FSM_RUN_START);
	assert_int_equal(st.reason, REASON_CONTROL);
	in(&w, FSM_HOOK_DONE, 100 * S);
	assert_int_equal(in(&w, FSM_CONTROL_START, 101 * S).action,
	    FSM_NOTHING);
	st = in(&w, FSM_CONTROL_STOP, 102 * S);
	assert_int_equal(st.action, FSM_RUN_STOP);
	assert_string_equal(fsm_reason_name(st.reason), "control");
	/* start asked for while stopping: right after it */
	in(&w, FSM_CONTROL_START, 102 * S);
	st = in(&w, FSM_HOOK_DONE, 103 * S);
	assert_int_equal(st.action, FSM_RUN_START);
	assert_int_equal(st.reason, REASON_CONTROL);
	in(&w, FSM_HOOK_DONE, 103 * S);
	st = in(&w, FSM_RELOAD, 104 * S);
	assert_string_equal(fsm_reason_name(st.reason), "reload");
	assert_int_equal(in(&w, FSM_PACKET, 104 * S + 1).action, FSM_NOTHING);
	in(&w, FSM_HOOK_DONE, 104 * S);
	assert_true(fsm_may_quit(&w));		/* it can go */
	assert_int_equal(in(&w, FSM_PACKET, 105 * S).action, FSM_NOTHING);

	/* held: packets start nothing, the state says so */
	init(&w);
	in(&w, FSM_HOLD, 105 * S);
	assert_string_equal(fsm_state_name(&w), "held");
	assert_int_equal(fsm_listen(&w), LISTEN_UP);
	assert_false(fsm_is_trigger(&w, 106 * S));
	assert_int_equal(in(&w, FSM_PACKET, 106 * S).action, FSM_NOTHING);
	in(&w, FSM_RELEASE, 107 * S);
	assert_string_equal(fsm_state_name(&w), "idle");
	assert_true(fsm_is_trigger(&w, 108 * S));
	assert_int_equal(in(&w, FSM_PACKET, 108 * S).action, FSM_RUN_START);
	/* held while up: stays up to its TTL, then idle and held */
	in(&w, FSM_HOOK_DONE, 108 * S);
	in(&w, FSM_HOLD, 109 * S);
	assert_string_equal(fsm_state_name(&w), "up");
	in(&w, FSM_DEADLINE, 118 * S);
	in(&w, FSM_HOOK_DONE, 118 * S);
	assert_string_equal(fsm_state_name(&w), "held");
	/* an explicit start overrides the hold */
	assert_int_equal(in(&w, FSM_CONTROL_START, 119 * S).action,
	    FSM_RUN_START);
	/* held while stopping: a packet then brings no start after it,
	 * nor one that came before the hold */
	in(&w, FSM_HOOK_DONE, 119 * S);
	in(&w, FSM_RELEASE, 119 * S);
	in(&w, FSM_CONTROL_STOP, 120 * S);
	assert_int_equal(in(&w, FSM_PACKET, 120 * S + 1).action, FSM_NOTHING);
	assert_true(w.start_pending);
	in(&w, FSM_HOLD, 120 * S + 2);
	assert_false(w.start_pending);
	in(&w, FSM_PACKET, 120 * S + 3);
	assert_false(w.start_pending);
	assert_false(fsm_is_trigger(&w, 120 * S + 4));
	assert_int_equal(in(&w, FSM_HOOK_DONE, 121 * S).to, FSM_IDLE);
	assert_string_equal(fsm_state_name(&w), "held");
}

/* a restarted daemon adopts a watch that was up */
static void
test_adopt(void **state)
{
	struct fsm w;
	struct fsm_step st;
	int64_t due;

	(void)state;
	init(&w);
	st = fsm_adopt(&w, 90 * S, 95 * S, false, 100 * S);
	assert_int_equal(st.to, FSM_UP);
	assert_int_equal(st.action, FSM_NOTHING);
	assert_true(fsm_deadline(&w, &due));
	assert_true(due == 105 * S);
	assert_int_equal(in(&w, FSM_DEADLINE, 105 * S).reason, REASON_IDLE);

	init(&w);
	st = fsm_adopt(&w, 80 * S, 85 * S, false, 100 * S);
	assert_int_equal(st.to, FSM_STOPPING);
	assert_int_equal(st.action, FSM_RUN_STOP);
	assert_string_equal(fsm_reason_name(st.reason), "recovered");

	/* a stop was running when the daemon died: it runs again, now */
	init(&w);
	st = fsm_adopt(&w, 90 * S, 99 * S, true, 100 * S);
	assert_int_equal(st.action, FSM_RUN_STOP);
	assert_string_equal(fsm_reason_name(st.reason), "recovered");
}

/* The random walk again with every setting on: hold-off, min-up, max-up,
 * strict start, control inputs, holds. Hooks never overlap and alternate;
 * an idle stop never comes before last + TTL nor before min-up; a max-up
 * stop comes at up_since + max-up; no start by a packet while held or
 * before the back-off or hold-off ended. */
static void
test_random_walk_all(void **state)
{
	struct fsm w;
	struct fsm_step st;
	bool running = false, last_was_start = false;
	int64_t now = 0, due, up_since = 0, no_start_before = 0;
	unsigned seed = 777;
	long i, starts = 0, stops = 0, failures = 0, maxups = 0;
	const int64_t min_up = 15 * S, max_up = 40 * S, holdoff = 4 * S;

	(void)state;
	init_with(&w, (struct fsm_conf){ .holdoff = holdoff,
	    .min_up = min_up, .max_up = max_up, .strict_start = true });
	for (i = 0; i < 1000000; i++) {
		enum fsm_input x;
		int r = rand_r(&seed) % 100;

		now += rand_r(&seed) % (2 * S);
		if (r < 45)
			x = FSM_PACKET;
		else if (r < 70) {
			if (!running)
				continue;
			x = rand_r(&seed) % 4 == 0 ? FSM_HOOK_FAILED :
			    FSM_HOOK_DONE;
		} else if (r < 92) {
			if (!fsm_deadline(&w, &due))
				continue;
			if (now < due)
				now = due;
			x = FSM_DEADLINE;
		} else {
			/* not FSM_RELOAD: it ends the watch for good */
			static const enum fsm_input other[] = { FSM_HANGUP,
			    FSM_CONTROL_STOP, FSM_CONTROL_START, FSM_HOLD,
			    FSM_RELEASE, FSM_HANGUP };
			x = other[rand_r(&seed) % 6];
		}
		enum fsm_state before = w.state;
		bool was_held = w.held;
		st = in(&w, x, now);
		if (x == FSM_HOOK_DONE || x == FSM_HOOK_FAILED) {
			running = false;
			if (before == FSM_STARTING && x == FSM_HOOK_FAILED &&
			    st.to == FSM_IDLE) {
				failures++;
				no_start_before = now + w.backoff;
				last_was_start = false;	/* no stop owed */
			}
			if (before == FSM_STOPPING && st.to == FSM_IDLE)
				no_start_before = now + holdoff;
		}
		if (st.action == FSM_NOTHING)
			continue;
		assert_false(running);
		running = true;
		if (st.action == FSM_RUN_START) {
			assert_false(last_was_start);
			last_was_start = true;
			if (st.reason == REASON_PACKET) {
				assert_true(now >= no_start_before);
				if (x == FSM_PACKET)
					assert_false(was_held);
			}
			up_since = now;
			starts++;
		} else {
			assert_true(last_was_start);
			last_was_start = false;
			if (st.reason == REASON_IDLE) {
				assert_true(now >= w.last + TTL);
				assert_true(now >= up_since + min_up);
			}
			if (st.reason == REASON_MAX_UP) {
				assert_true(now >= up_since + max_up);
				maxups++;
			}
			stops++;
		}
	}
	assert_true(starts > 1000 && stops > 1000);
	assert_true(failures > 100 && maxups > 10);
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
		cmocka_unit_test(test_strict_start),
		cmocka_unit_test(test_holdoff),
		cmocka_unit_test(test_min_max_up),
		cmocka_unit_test(test_control),
		cmocka_unit_test(test_adopt),
		cmocka_unit_test(test_random_walk_all),
	};

	return cmocka_run_group_tests_name("fsm", tests, NULL, NULL);
}
