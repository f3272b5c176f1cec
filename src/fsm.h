/* fsm.h: the start/stop state machine of one watch; pure, no I/O */
#ifndef TUNINETD_FSM_H
#define TUNINETD_FSM_H

#include <stdbool.h>
#include <stdint.h>

/* Times are nanoseconds of the loop's clock (CLOCK_BOOTTIME). */
#define NSEC_PER_SEC	1000000000LL
#define BACKOFF_MIN	(1 * NSEC_PER_SEC)
#define BACKOFF_MAX	(60 * NSEC_PER_SEC)

enum fsm_state { FSM_IDLE, FSM_STARTING, FSM_UP, FSM_STOPPING };

enum fsm_input {
	FSM_PACKET,		/* a sensor saw a matching packet at .now */
	FSM_HOOK_DONE,		/* the running hook has exited 0 */
	FSM_HOOK_FAILED,	/* ... non-zero, killed, or could not run */
	FSM_DEADLINE,		/* the deadline timer fired */
	FSM_HANGUP,		/* SIGHUP: stop now */
	FSM_CONTROL_STOP,	/* tuninetctl stop */
	FSM_RELOAD,		/* a reload removed or changed it: stop, end */
	FSM_CONTROL_START,	/* tuninetctl start */
	FSM_HOLD,		/* tuninetctl hold: packets start nothing */
	FSM_RELEASE,		/* tuninetctl release */
	FSM_EXIT,		/* SIGTERM/SIGINT: stop if up, then quit */
};

enum fsm_action { FSM_NOTHING, FSM_RUN_START, FSM_RUN_STOP };

enum fsm_reason {
	REASON_NONE, REASON_PACKET, REASON_IDLE, REASON_SIGNAL, REASON_EXIT,
	REASON_CONTROL, REASON_RELOAD, REASON_MAX_UP, REASON_RECOVERED,
};

/* What the sensors must do for the state: report the next packet first
 * and whole, only the time of the last one while a start runs or is due,
 * or only the time of the last one at the least cost. */
enum fsm_listen { LISTEN_FIRST, LISTEN_PENDING, LISTEN_UP };

struct fsm_conf {
	int64_t		ttl;
	int64_t		holdoff;	/* after a stop, no start before */
	int64_t		min_up, max_up;	/* 0: none */
	bool		ack_only;	/* -a */
	bool		strict_start;	/* a failed start is not up */
};

struct fsm {
	struct fsm_conf	conf;
	enum fsm_state	state;
	int64_t		last;		/* last packet that keeps it up */
	int64_t		up_since;	/* when start began */
	int64_t		stopped_at;	/* when the last stop began */
	int64_t		not_before;	/* idle: back-off or hold-off, or 0 */
	bool		start_pending;	/* stopping: a start follows */
	bool		start_due;	/* idle: a start at not_before */
	enum fsm_reason	start_reason;	/* of the start pending or due */
	enum fsm_reason	stop_pending;	/* stop asked for while starting */
	bool		held;		/* maintenance: packets start nothing */
	bool		exiting;
	unsigned	failures;	/* failed starts in a row */
	int64_t		backoff;	/* the last back-off */
};

struct fsm_step {
	enum fsm_state	from, to;
	enum fsm_action	action;
	enum fsm_reason	reason;
	int64_t		now;
};

void		fsm_init(struct fsm *, const struct fsm_conf *);
struct fsm_step	fsm_input(struct fsm *, enum fsm_input, int64_t now,
		    bool keeps_up);
struct fsm_step	fsm_adopt(struct fsm *, int64_t up_since, int64_t last,
		    bool stopping, int64_t now);
bool		fsm_deadline(const struct fsm *, int64_t *due);
enum fsm_listen	fsm_listen(const struct fsm *);
bool		fsm_is_trigger(const struct fsm *, int64_t when);
bool		fsm_would_trigger(const struct fsm *, int64_t when);
bool		fsm_start_coming(const struct fsm *);
enum fsm_reason	fsm_start_owed(const struct fsm *);
void		fsm_tune(struct fsm *, const struct fsm_conf *);
bool		fsm_may_quit(const struct fsm *);
const char	*fsm_reason_name(enum fsm_reason);
const char	*fsm_state_name(const struct fsm *);

#endif
