/* watch_int.h: a watch's insides, shared by the files that make the
 * object (watch.c drives it, watch_say.c logs it and tells its hook,
 * watch_show.c shows it); nothing else includes this */
#ifndef TUNINETD_WATCH_INT_H
#define TUNINETD_WATCH_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "env.h"
#include "fsm.h"
#include "hook.h"
#include "loop.h"
#include "sensor.h"
#include "stats.h"
#include "watch.h"

#define MOVED_EARLIER	0xff	/* a packet an earlier daemon saw (adopted) */

struct trigger {
	struct sensor	*sensor;
	int64_t		 when;		/* loop clock */
	bool		 have_data;
	uint8_t		*data;		/* its bytes, kept as long as needed */
	uint32_t	 room;		/* allocated for data */
	uint32_t	 caplen, len;
	int		 linktype;
	struct timespec	 ts;
};

struct watch {
	struct watch_conf	*conf;
	struct watch_owner	 owner;
	struct fsm		 fsm;
	struct sensor		*sensors[SENSORS_MAX];
	int			 nsensors;
	enum sensor_mode	 sensor_mode;
	struct hook		 hook;
	struct timer		 deadline;
	struct sensor		*last_sensor;	/* of the last packet */
	struct trigger		 trigger;	/* of the start running or due */
	struct savefile		*savefile;	/* -w, or NULL */
	struct timer		 flushed;	/* a signal's stop, once heard */
	enum fsm_input		 signalled;	/* FSM_HANGUP or FSM_EXIT */
	enum fsm_reason		 stop_reason;	/* of the stop running */
	enum fsm_reason		 hook_reason;	/* of the hook running */
	int64_t			 stop_up_since;	/* of the cycle a stop ends */
	enum fsm_reason		 started_by;	/* the last start's reason */
	int64_t			 since;		/* the state's, loop clock */
	struct watch_stats	 stats;
	/* the last packets that moved the deadline: when, which sensor
	 * (its index, or MOVED_EARLIER) */
	int64_t			 moved_when[WHY_MAX];
	uint8_t			 moved_sensor[WHY_MAX];
	bool			 moved_keepalive[WHY_MAX];
	unsigned		 nmoved;	/* in all; the ring holds WHY_MAX */
	int64_t			 last_seen;	/* fsm.last when last looked at */
	/* open connections (not a packet) moved the deadline last, at */
	bool			 by_connections;
	int64_t			 connections_at;
	struct timer		 persist;	/* at most once a second while up */
	bool			 started;	/* its sensors in the loop */
	bool			 retired;	/* by a reload: stops for good */
	/* a start this watch, retired by a reload, owes the watch that
	 * replaces it, and its reason: one that was to come (a packet's,
	 * whose trigger is kept, or tuninetctl start's), or a packet after
	 * its stop began; REASON_NONE: none */
	enum fsm_reason		 owed;
	struct sessions		*sessions;	/* --session, or NULL */
};

void		 watch_sync(struct watch *);
struct fsm_conf	 watch_timing(const struct watch_conf *);
void		 watch_trigger_keep(struct trigger *, const uint8_t *data,
		    uint32_t caplen);
void		 watch_save_trigger(struct watch *, const struct trigger *);

/* watch_say.c */
void		 watch_log(const struct watch *, void (*)(const char *, ...),
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int		 watch_run_hook(struct watch *, enum fsm_action,
		    enum fsm_reason, int64_t now);
void		 watch_hook_env(struct env *, const struct watch *,
		    const char *event, enum fsm_reason, struct sensor *,
		    const struct trigger *, int64_t up_since, int64_t now,
		    bool start);

void		 watch_adopted_times(int64_t *up_since, int64_t *last,
		    int64_t now);
void		 watch_adopted_words(char *, size_t, const struct fsm_step *,
		    int64_t up_since, int64_t due, int64_t now);

/* watch_session.c */
void		 watch_sessions_init(struct watch *);
void		 watch_session_report(struct watch *, struct sensor *,
		    const struct sensor_packet *);
void		 watch_sessions_input(struct watch *, enum fsm_input);
void		 watch_sessions_tune(struct watch *);
bool		 watch_sessions_done(const struct watch *);
void		 watch_sessions_free(struct watch *);
const char	*watch_trigger_tag(const struct watch *);
void		 watch_log_transition(struct watch *, const struct fsm_step *,
		    bool ended_ok);
void		 watch_log_stop_notes(const struct watch *);

#endif
