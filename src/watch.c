/*
 * watch.c: idle -> starting -> up -> stopping -> idle.
 *
 * One transition function; the caller runs the hook it asks for and feeds
 * back WATCH_HOOK_DONE, so start and stop can never overlap: a hook is only
 * ever asked for from STARTING's or STOPPING's entry, and both leave only
 * on WATCH_HOOK_DONE. The deadline is last + ttl exactly; "last" moves only
 * forward, and with -a (ack_only) only for packets the sensor marked
 * keeps_up, except the packet that starts a cycle. A packet that passed
 * before the last stop began, reported late (a batch the kernel still
 * held at SIGHUP), belongs to the cycle that ended: it starts nothing.
 */
#include "watch.h"

void
watch_init(struct watch *w, int64_t ttl, bool ack_only)
{
	*w = (struct watch){ .ttl = ttl, .ack_only = ack_only,
	    .state = WATCH_IDLE };
}

static void
touch(struct watch *w, int64_t now, bool keeps_up)
{
	if ((keeps_up || !w->ack_only) && now > w->last)
		w->last = now;
}

static void
go(struct watch *w, struct watch_step *st, enum watch_state to,
    enum watch_action action, enum watch_reason reason)
{
	if (to == WATCH_STOPPING && w->state != WATCH_STOPPING)
		w->stopped_at = st->now;
	w->state = to;
	st->to = to;
	st->action = action;
	st->reason = reason;
}

struct watch_step
watch_input(struct watch *w, enum watch_input in, int64_t now, bool keeps_up)
{
	struct watch_step st = { .from = w->state, .to = w->state,
	    .action = WATCH_NOTHING, .reason = REASON_NONE, .now = now };

	if (in == WATCH_PACKET && now < w->stopped_at &&
	    (w->state == WATCH_IDLE || w->state == WATCH_STOPPING))
		return st;
	switch (w->state) {
	case WATCH_IDLE:
		if (in == WATCH_PACKET && !w->exiting) {
			w->last = now;
			w->up_since = now;
			go(w, &st, WATCH_STARTING, WATCH_RUN_START,
			    REASON_PACKET);
		} else if (in == WATCH_EXIT)
			w->exiting = true;
		break;
	case WATCH_STARTING:
		if (in == WATCH_PACKET)
			touch(w, now, keeps_up);
		else if (in == WATCH_HANGUP && w->stop_pending == REASON_NONE)
			w->stop_pending = REASON_SIGNAL;
		else if (in == WATCH_EXIT) {
			w->exiting = true;
			w->stop_pending = REASON_EXIT;
		} else if (in == WATCH_HOOK_DONE) {
			if (w->stop_pending != REASON_NONE)
				go(w, &st, WATCH_STOPPING, WATCH_RUN_STOP,
				    w->stop_pending);
			else if (now >= w->last + w->ttl)
				go(w, &st, WATCH_STOPPING, WATCH_RUN_STOP,
				    REASON_IDLE);
			else
				go(w, &st, WATCH_UP, WATCH_NOTHING,
				    REASON_NONE);
			w->stop_pending = REASON_NONE;
		}
		break;
	case WATCH_UP:
		if (in == WATCH_PACKET)
			touch(w, now, keeps_up);
		else if (in == WATCH_DEADLINE && now >= w->last + w->ttl)
			go(w, &st, WATCH_STOPPING, WATCH_RUN_STOP, REASON_IDLE);
		else if (in == WATCH_HANGUP)
			go(w, &st, WATCH_STOPPING, WATCH_RUN_STOP,
			    REASON_SIGNAL);
		else if (in == WATCH_EXIT) {
			w->exiting = true;
			go(w, &st, WATCH_STOPPING, WATCH_RUN_STOP, REASON_EXIT);
		}
		break;
	case WATCH_STOPPING:
		if (in == WATCH_PACKET && !w->exiting) {
			if (!w->start_pending) {
				w->start_pending = true;
				w->last = now;
			} else
				touch(w, now, keeps_up);
		} else if (in == WATCH_HANGUP)
			w->start_pending = false;
		else if (in == WATCH_EXIT) {
			w->exiting = true;
			w->start_pending = false;
		} else if (in == WATCH_HOOK_DONE) {
			if (w->start_pending) {
				w->start_pending = false;
				w->up_since = now;
				go(w, &st, WATCH_STARTING, WATCH_RUN_START,
				    REASON_PACKET);
			} else
				go(w, &st, WATCH_IDLE, WATCH_NOTHING,
				    REASON_NONE);
		}
		break;
	}
	return st;
}

/* The one instant at which WATCH_DEADLINE can move the watch: only while up. */
bool
watch_deadline(const struct watch *w, int64_t *due)
{
	if (w->state != WATCH_UP)
		return false;
	*due = w->last + w->ttl;
	return true;
}

/* Sensors need only the time of the last packet while a start is running,
 * done or due; otherwise they must report the next packet at once, whole. */
bool
watch_sensors_up(const struct watch *w)
{
	return w->state == WATCH_STARTING || w->state == WATCH_UP ||
	    (w->state == WATCH_STOPPING && w->start_pending);
}

/* On exit, the daemon waits only for a start hook, so that stop follows it. */
bool
watch_may_quit(const struct watch *w)
{
	return w->exiting &&
	    (w->state == WATCH_IDLE || w->state == WATCH_STOPPING);
}


const char *
watch_reason_name(enum watch_reason r)
{
	static const char *const names[] = {
		[REASON_NONE] = "", [REASON_PACKET] = "packet",
		[REASON_IDLE] = "idle", [REASON_SIGNAL] = "signal",
		[REASON_EXIT] = "exit",
	};

	return names[r];
}
