/* watch.h: the start/stop state machine of one watch; pure, no I/O */
#ifndef TUNINETD_WATCH_H
#define TUNINETD_WATCH_H

#include <stdbool.h>
#include <stdint.h>

/* Times are CLOCK_MONOTONIC nanoseconds. */
#define NSEC_PER_SEC	1000000000LL

enum watch_state { WATCH_IDLE, WATCH_STARTING, WATCH_UP, WATCH_STOPPING };

enum watch_input {
	WATCH_PACKET,		/* a sensor saw a matching packet at .now */
	WATCH_HOOK_DONE,	/* the running hook has exited */
	WATCH_DEADLINE,		/* the deadline timer fired */
	WATCH_HANGUP,		/* SIGHUP: stop now */
	WATCH_EXIT,		/* SIGTERM/SIGINT: stop if up, then quit */
};

enum watch_action { WATCH_NOTHING, WATCH_RUN_START, WATCH_RUN_STOP };

enum watch_reason {
	REASON_NONE, REASON_PACKET, REASON_IDLE, REASON_SIGNAL, REASON_EXIT
};

struct watch {
	int64_t			ttl;
	bool			ack_only;	/* -a */
	enum watch_state	state;
	int64_t			last;		/* last packet that keeps it up */
	int64_t			up_since;	/* when start began */
	int64_t			stopped_at;	/* when the last stop began */
	bool			start_pending;	/* packet seen while stopping */
	enum watch_reason	stop_pending;	/* HUP/EXIT seen while starting */
	bool			exiting;
};

struct watch_step {
	enum watch_state	from, to;
	enum watch_action	action;
	enum watch_reason	reason;
	int64_t			now;
};

void			watch_init(struct watch *, int64_t ttl, bool ack_only);
struct watch_step	watch_input(struct watch *, enum watch_input,
			    int64_t now, bool keeps_up);
bool			watch_deadline(const struct watch *, int64_t *due);
bool			watch_sensors_up(const struct watch *);
bool			watch_may_quit(const struct watch *);
const char		*watch_reason_name(enum watch_reason);

#endif
