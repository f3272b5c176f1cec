/*
 * fsm.c: idle -> starting -> up -> stopping -> idle.
 *
 * One transition function; the caller runs the hook it asks for and feeds
 * back FSM_HOOK_DONE (or FSM_HOOK_FAILED), so start and stop can never
 * overlap: a hook is only ever asked for on entering STARTING or
 * STOPPING, and both leave only when the hook is done.
 *
 * Up, the deadline is last + ttl exactly ("last" moves only forward, and
 * with -a only for packets the sensor marked keeps_up, except the packet
 * that starts a cycle), but never before up_since + min-up, and never
 * after up_since + max-up (then the reason is max-up).
 *
 * Idle, a start may have to wait: after a failed start with
 * --strict-start (a back-off of 1 s, doubling to 60 s, reset by a start
 * that succeeds) or after a stop with --holdoff. A packet meanwhile makes
 * the start due at the end of the wait (so held packets go through then),
 * and the start counts as activity, so the watch gets a whole TTL; so
 * does a start that follows a stop (a packet came while it ran), however
 * long the stop hook took.
 *
 * A packet that passed before the last stop began, reported late (a batch
 * the kernel still held at SIGHUP), belongs to the cycle that ended: it
 * starts nothing.
 */
#include "fsm.h"

void
fsm_init(struct fsm *w, const struct fsm_conf *conf)
{
	*w = (struct fsm){ .conf = *conf, .state = FSM_IDLE };
}

static void
touch(struct fsm *w, int64_t now, bool keeps_up)
{
	if ((keeps_up || !w->conf.ack_only) && now > w->last)
		w->last = now;
}

static void
go(struct fsm *w, struct fsm_step *st, enum fsm_state to,
    enum fsm_action action, enum fsm_reason reason)
{
	if (to == FSM_STOPPING && w->state != FSM_STOPPING)
		w->stopped_at = st->now;
	if (to == FSM_STARTING) {
		w->up_since = st->now;
		w->start_pending = w->start_due = false;
		w->not_before = 0;
	}
	w->state = to;
	st->to = to;
	st->action = action;
	st->reason = reason;
}

/* While up: when the watch stops, and why, unless packets come. */
static int64_t
up_until(const struct fsm *w, enum fsm_reason *why)
{
	int64_t due = w->last + w->conf.ttl;

	if (w->conf.min_up > 0 && due < w->up_since + w->conf.min_up)
		due = w->up_since + w->conf.min_up;
	*why = REASON_IDLE;
	if (w->conf.max_up > 0 && w->up_since + w->conf.max_up <= due) {
		due = w->up_since + w->conf.max_up;
		*why = REASON_MAX_UP;
	}
	return due;
}

static void
start_done(struct fsm *w, struct fsm_step *st, bool ok)
{
	enum fsm_reason why;

	if (!ok && w->conf.strict_start) {
		/* not up: back to idle, the next attempt after a back-off */
		w->failures++;
		w->backoff = BACKOFF_MIN;
		for (unsigned i = 1; i < w->failures && w->backoff < BACKOFF_MAX;
		    i++)
			w->backoff *= 2;
		if (w->backoff > BACKOFF_MAX)
			w->backoff = BACKOFF_MAX;
		w->not_before = st->now + w->backoff;
		w->stop_pending = REASON_NONE;
		go(w, st, FSM_IDLE, FSM_NOTHING, REASON_NONE);
		return;
	}
	if (ok)
		w->failures = 0;
	if (w->stop_pending != REASON_NONE)
		go(w, st, FSM_STOPPING, FSM_RUN_STOP, w->stop_pending);
	else if (st->now >= up_until(w, &why))
		go(w, st, FSM_STOPPING, FSM_RUN_STOP, why);
	else
		go(w, st, FSM_UP, FSM_NOTHING, REASON_NONE);
	w->stop_pending = REASON_NONE;
}

static void
stop_done(struct fsm *w, struct fsm_step *st)
{
	bool again = w->start_pending && !w->exiting;

	w->start_pending = false;
	if (w->conf.holdoff > 0)
		w->not_before = st->now + w->conf.holdoff;
	if (again && w->not_before == 0) {
		/* the start counts as activity: however long the stop ran,
		 * the new cycle gets a whole TTL */
		touch(w, st->now, true);
		go(w, st, FSM_STARTING, FSM_RUN_START, w->start_reason);
		return;
	}
	go(w, st, FSM_IDLE, FSM_NOTHING, REASON_NONE);
	w->start_due = again;
}

static void
packet_idle(struct fsm *w, struct fsm_step *st)
{
	if (w->exiting || w->held)
		return;
	if (st->now < w->not_before) {
		/* back-off or hold-off: the start comes when it ends */
		if (!w->start_due)
			w->start_reason = REASON_PACKET;
		w->start_due = true;
		touch(w, st->now, true);
		return;
	}
	w->last = st->now;
	go(w, st, FSM_STARTING, FSM_RUN_START, REASON_PACKET);
}

static void
stop_now(struct fsm *w, struct fsm_step *st, enum fsm_reason why)
{
	switch (w->state) {
	case FSM_IDLE:
		w->start_due = false;
		break;
	case FSM_STARTING:
		if (w->stop_pending == REASON_NONE || why == REASON_EXIT)
			w->stop_pending = why;
		break;
	case FSM_UP:
		go(w, st, FSM_STOPPING, FSM_RUN_STOP, why);
		break;
	case FSM_STOPPING:
		w->start_pending = false;
		break;
	}
}

static void
control_start(struct fsm *w, struct fsm_step *st)
{
	if (w->exiting)
		return;
	if (w->state == FSM_IDLE) {
		touch(w, st->now, true);
		go(w, st, FSM_STARTING, FSM_RUN_START, REASON_CONTROL);
	} else if (w->state == FSM_STOPPING) {
		w->start_pending = true;
		w->start_reason = REASON_CONTROL;
		touch(w, st->now, true);
	}
}

struct fsm_step
fsm_input(struct fsm *w, enum fsm_input in, int64_t now, bool keeps_up)
{
	struct fsm_step st = { .from = w->state, .to = w->state,
	    .action = FSM_NOTHING, .reason = REASON_NONE, .now = now };
	enum fsm_reason why;

	if (in == FSM_PACKET && now < w->stopped_at &&
	    (w->state == FSM_IDLE || w->state == FSM_STOPPING))
		return st;
	switch (in) {
	case FSM_PACKET:
		if (w->state == FSM_IDLE)
			packet_idle(w, &st);
		else if (w->state == FSM_STOPPING && !w->start_pending &&
		    !w->exiting && !w->held) {
			w->start_pending = true;
			w->start_reason = REASON_PACKET;
			w->last = now;
		} else
			touch(w, now, keeps_up);
		break;
	case FSM_HOOK_DONE:
	case FSM_HOOK_FAILED:
		if (w->state == FSM_STARTING)
			start_done(w, &st, in == FSM_HOOK_DONE);
		else if (w->state == FSM_STOPPING)
			stop_done(w, &st);
		break;
	case FSM_DEADLINE:
		if (w->state == FSM_UP && now >= up_until(w, &why))
			go(w, &st, FSM_STOPPING, FSM_RUN_STOP, why);
		else if (w->state == FSM_IDLE && w->start_due &&
		    now >= w->not_before && !w->held && !w->exiting) {
			touch(w, now, true);
			go(w, &st, FSM_STARTING, FSM_RUN_START, w->start_reason);
		}
		break;
	case FSM_HANGUP:
		stop_now(w, &st, REASON_SIGNAL);
		break;
	case FSM_CONTROL_STOP:
		stop_now(w, &st, REASON_CONTROL);
		break;
	case FSM_RELOAD:	/* removed or replaced: stops for good */
		w->exiting = true;
		stop_now(w, &st, REASON_RELOAD);
		break;
	case FSM_CONTROL_START:
		control_start(w, &st);
		break;
	case FSM_HOLD:		/* nothing of packets' may start it */
		w->held = true;
		w->start_due = false;
		if (w->start_reason == REASON_PACKET)
			w->start_pending = false;
		break;
	case FSM_RELEASE:
		w->held = false;
		break;
	case FSM_EXIT:
		w->exiting = true;
		stop_now(w, &st, REASON_EXIT);
		break;
	}
	return st;
}

/* A restarted daemon takes over a watch that was up: no start hook; the
 * stop comes at the saved last packet + TTL, or at once if that passed,
 * or if a stop was running when the daemon died (it may not have ended). */
struct fsm_step
fsm_adopt(struct fsm *w, int64_t up_since, int64_t last, bool stopping,
    int64_t now)
{
	struct fsm_step st = { .from = w->state, .to = FSM_UP,
	    .action = FSM_NOTHING, .reason = REASON_NONE, .now = now };
	enum fsm_reason why;

	w->state = FSM_UP;
	w->up_since = up_since;
	w->last = last;
	if (stopping || now >= up_until(w, &why))
		go(w, &st, FSM_STOPPING, FSM_RUN_STOP, REASON_RECOVERED);
	return st;
}

/* The one instant at which FSM_DEADLINE can move the watch: while up, its
 * stop; while idle, the end of a back-off or hold-off with a start due. */
bool
fsm_deadline(const struct fsm *w, int64_t *due)
{
	enum fsm_reason why;

	if (w->state == FSM_UP) {
		*due = up_until(w, &why);
		return true;
	}
	if (w->state == FSM_IDLE && w->start_due && !w->held) {
		*due = w->not_before;
		return true;
	}
	return false;
}

enum fsm_listen
fsm_listen(const struct fsm *w)
{
	switch (w->state) {
	case FSM_UP:
		return LISTEN_UP;
	case FSM_STARTING:
		return LISTEN_PENDING;
	case FSM_STOPPING:
		if (w->start_pending)
			return LISTEN_PENDING;
		return w->held ? LISTEN_UP : LISTEN_FIRST;
	case FSM_IDLE:
		break;
	}
	if (w->held)		/* packets start nothing: cheapest is best */
		return LISTEN_UP;
	return w->start_due ? LISTEN_PENDING : LISTEN_FIRST;
}

/* Whether a packet that passed at `when' would fire the next start were
 * the watch not exiting: a watch a reload retired owes that start to the
 * one that replaces it. */
bool
fsm_would_trigger(const struct fsm *w, int64_t when)
{
	if (when < w->stopped_at || w->held)
		return false;
	if (w->state == FSM_IDLE)
		return !w->start_due;
	return w->state == FSM_STOPPING && !w->start_pending;
}

/* Whether a packet that passed at `when' fires the next start: the watch
 * keeps it for the hook, the log and the savefile. */
bool
fsm_is_trigger(const struct fsm *w, int64_t when)
{
	return !w->exiting && fsm_would_trigger(w, when);
}

/* Whether a start runs or is to come: what a sensor holds waits for it,
 * and is let go or dropped once it has ended; with none to come, nothing
 * may wait. */
bool
fsm_start_coming(const struct fsm *w)
{
	switch (w->state) {
	case FSM_STARTING:
		return true;
	case FSM_STOPPING:
		return w->start_pending && !w->exiting;
	case FSM_IDLE:
		return w->start_due && !w->held && !w->exiting;
	case FSM_UP:
		break;
	}
	return false;
}

/* The start to come that has not begun (a packet or tuninetctl start
 * while the stop runs; a start due once a back-off or hold-off ends): its
 * reason, or REASON_NONE. A reload that retires the watch owes it to the
 * watch that replaces it. */
enum fsm_reason
fsm_start_owed(const struct fsm *w)
{
	if ((w->state == FSM_STOPPING && w->start_pending) ||
	    (w->state == FSM_IDLE && w->start_due))
		return w->start_reason;
	return REASON_NONE;
}

/* A reload changed the timing: the cycle under way goes on with it (the
 * deadline, fsm_deadline, follows at once; a back-off already begun
 * keeps its end). */
void
fsm_tune(struct fsm *w, const struct fsm_conf *conf)
{
	w->conf = *conf;
	if (!conf->strict_start)
		w->failures = 0;
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
		[REASON_EXIT] = "exit", [REASON_CONTROL] = "control",
		[REASON_RELOAD] = "reload", [REASON_MAX_UP] = "max-up",
		[REASON_RECOVERED] = "recovered",
	};

	return names[r];
}

/* as tuninetctl shows it */
const char *
fsm_state_name(const struct fsm *w)
{
	static const char *const names[] = {
		[FSM_IDLE] = "idle", [FSM_STARTING] = "starting",
		[FSM_UP] = "up", [FSM_STOPPING] = "stopping",
	};

	if (w->state == FSM_IDLE && w->held)
		return "held";
	return names[w->state];
}
