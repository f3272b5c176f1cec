/*
 * fsm.c: idle -> starting -> up -> stopping -> idle.
 *
 * One transition function; the caller runs the hook it asks for and feeds
 * back FSM_HOOK_DONE, so start and stop can never overlap: a hook is only
 * ever asked for from STARTING's or STOPPING's entry, and both leave only
 * on FSM_HOOK_DONE. The deadline is last + ttl exactly; "last" moves only
 * forward, and with -a (ack_only) only for packets the sensor marked
 * keeps_up, except the packet that starts a cycle. A packet that passed
 * before the last stop began, reported late (a batch the kernel still
 * held at SIGHUP), belongs to the cycle that ended: it starts nothing.
 */
#include "fsm.h"

void
fsm_init(struct fsm *w, int64_t ttl, bool ack_only)
{
	*w = (struct fsm){ .ttl = ttl, .ack_only = ack_only,
	    .state = FSM_IDLE };
}

static void
touch(struct fsm *w, int64_t now, bool keeps_up)
{
	if ((keeps_up || !w->ack_only) && now > w->last)
		w->last = now;
}

static void
go(struct fsm *w, struct fsm_step *st, enum fsm_state to,
    enum fsm_action action, enum fsm_reason reason)
{
	if (to == FSM_STOPPING && w->state != FSM_STOPPING)
		w->stopped_at = st->now;
	w->state = to;
	st->to = to;
	st->action = action;
	st->reason = reason;
}

struct fsm_step
fsm_input(struct fsm *w, enum fsm_input in, int64_t now, bool keeps_up)
{
	struct fsm_step st = { .from = w->state, .to = w->state,
	    .action = FSM_NOTHING, .reason = REASON_NONE, .now = now };

	if (in == FSM_PACKET && now < w->stopped_at &&
	    (w->state == FSM_IDLE || w->state == FSM_STOPPING))
		return st;
	switch (w->state) {
	case FSM_IDLE:
		if (in == FSM_PACKET && !w->exiting) {
			w->last = now;
			w->up_since = now;
			go(w, &st, FSM_STARTING, FSM_RUN_START,
			    REASON_PACKET);
		} else if (in == FSM_EXIT)
			w->exiting = true;
		break;
	case FSM_STARTING:
		if (in == FSM_PACKET)
			touch(w, now, keeps_up);
		else if (in == FSM_HANGUP && w->stop_pending == REASON_NONE)
			w->stop_pending = REASON_SIGNAL;
		else if (in == FSM_EXIT) {
			w->exiting = true;
			w->stop_pending = REASON_EXIT;
		} else if (in == FSM_HOOK_DONE) {
			if (w->stop_pending != REASON_NONE)
				go(w, &st, FSM_STOPPING, FSM_RUN_STOP,
				    w->stop_pending);
			else if (now >= w->last + w->ttl)
				go(w, &st, FSM_STOPPING, FSM_RUN_STOP,
				    REASON_IDLE);
			else
				go(w, &st, FSM_UP, FSM_NOTHING,
				    REASON_NONE);
			w->stop_pending = REASON_NONE;
		}
		break;
	case FSM_UP:
		if (in == FSM_PACKET)
			touch(w, now, keeps_up);
		else if (in == FSM_DEADLINE && now >= w->last + w->ttl)
			go(w, &st, FSM_STOPPING, FSM_RUN_STOP, REASON_IDLE);
		else if (in == FSM_HANGUP)
			go(w, &st, FSM_STOPPING, FSM_RUN_STOP,
			    REASON_SIGNAL);
		else if (in == FSM_EXIT) {
			w->exiting = true;
			go(w, &st, FSM_STOPPING, FSM_RUN_STOP, REASON_EXIT);
		}
		break;
	case FSM_STOPPING:
		if (in == FSM_PACKET && !w->exiting) {
			if (!w->start_pending) {
				w->start_pending = true;
				w->last = now;
			} else
				touch(w, now, keeps_up);
		} else if (in == FSM_HANGUP)
			w->start_pending = false;
		else if (in == FSM_EXIT) {
			w->exiting = true;
			w->start_pending = false;
		} else if (in == FSM_HOOK_DONE) {
			if (w->start_pending) {
				w->start_pending = false;
				w->up_since = now;
				go(w, &st, FSM_STARTING, FSM_RUN_START,
				    REASON_PACKET);
			} else
				go(w, &st, FSM_IDLE, FSM_NOTHING,
				    REASON_NONE);
		}
		break;
	}
	return st;
}

/* The one instant at which FSM_DEADLINE can move the watch: only while up. */
bool
fsm_deadline(const struct fsm *w, int64_t *due)
{
	if (w->state != FSM_UP)
		return false;
	*due = w->last + w->ttl;
	return true;
}

/* Sensors need only the time of the last packet while a start is running,
 * done or due; otherwise they must report the next packet at once, whole. */
bool
fsm_sensors_up(const struct fsm *w)
{
	return w->state == FSM_STARTING || w->state == FSM_UP ||
	    (w->state == FSM_STOPPING && w->start_pending);
}

/* On exit, the daemon waits for the hooks: a running start, then the stop
 * it leads to, or a running stop, so that what stop undoes is undone. */
bool
fsm_may_quit(const struct fsm *w)
{
	return w->exiting && w->state == FSM_IDLE;
}


const char *
fsm_reason_name(enum fsm_reason r)
{
	static const char *const names[] = {
		[REASON_NONE] = "", [REASON_PACKET] = "packet",
		[REASON_IDLE] = "idle", [REASON_SIGNAL] = "signal",
		[REASON_EXIT] = "exit",
	};

	return names[r];
}
