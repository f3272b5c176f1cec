/* fsm.h: the start/stop state machine of one watch; pure, no I/O */
#ifndef TUNINETD_FSM_H
#define TUNINETD_FSM_H

#include <stdbool.h>
#include <stdint.h>

/* Times are nanoseconds of the loop's clock (CLOCK_BOOTTIME). */
#define NSEC_PER_SEC	1000000000LL

enum fsm_state { FSM_IDLE, FSM_STARTING, FSM_UP, FSM_STOPPING };

enum fsm_input {
	FSM_PACKET,		/* a sensor saw a matching packet at .now */
	FSM_HOOK_DONE,	/* the running hook has exited */
	FSM_DEADLINE,		/* the deadline timer fired */
	FSM_HANGUP,		/* SIGHUP: stop now */
	FSM_EXIT,		/* SIGTERM/SIGINT: stop if up, then quit */
};

enum fsm_action { FSM_NOTHING, FSM_RUN_START, FSM_RUN_STOP };

enum fsm_reason {
	REASON_NONE, REASON_PACKET, REASON_IDLE, REASON_SIGNAL, REASON_EXIT
};

struct fsm {
	int64_t			ttl;
	bool			ack_only;	/* -a */
	enum fsm_state	state;
	int64_t			last;		/* last packet that keeps it up */
	int64_t			up_since;	/* when start began */
	int64_t			stopped_at;	/* when the last stop began */
	bool			start_pending;	/* packet seen while stopping */
	enum fsm_reason	stop_pending;	/* HUP/EXIT seen while starting */
	bool			exiting;
};

struct fsm_step {
	enum fsm_state	from, to;
	enum fsm_action	action;
	enum fsm_reason	reason;
	int64_t			now;
};

void			fsm_init(struct fsm *, int64_t ttl, bool ack_only);
struct fsm_step	fsm_input(struct fsm *, enum fsm_input,
			    int64_t now, bool keeps_up);
bool			fsm_deadline(const struct fsm *, int64_t *due);
bool			fsm_sensors_up(const struct fsm *);
bool			fsm_may_quit(const struct fsm *);
const char		*fsm_reason_name(enum fsm_reason);

#endif
