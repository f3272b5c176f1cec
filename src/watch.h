/* watch.h: a watch at work: its sensors feed its state machine, which
 * runs its hook */
#ifndef TUNINETD_WATCH_H
#define TUNINETD_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "fsm.h"
#include "packet.h"
#include "sensor.h"

struct savefile;
struct sensor;
struct watch_stats;
struct watch;
struct watch_conf;

struct hook_result;
struct saved;

#define WHY_MAX		16	/* packets that moved the deadline, kept */
#define KEPT_SHOWN	64	/* dns-keep's addresses, shown by why */

/* The process's side of a watch: told of every transition, of every hook
 * run that ended, and when its state is worth saving (each transition,
 * and at most once a second while packets move its deadline); of a
 * session's, when it moves, when the kernel tells of a later last packet,
 * and when it is over (NULL). */
struct watch_owner {
	void	(*changed)(struct watch *, void *arg);
	void	(*hook_done)(struct watch *, const char *event,
		    enum fsm_reason, const struct hook_result *, void *arg);
	void	(*persist)(struct watch *, void *arg);
	void	(*persist_session)(struct watch *, const char *id,
		    const struct saved *, void *arg);
	void	 *arg;
};

/* What tuninetctl shows of a watch; times are CLOCK_REALTIME ns, 0 when
 * there is none. */
struct watch_info {
	const char		*name;		/* "default" on the command line */
	const char		*state;		/* idle starting up stopping held */
	bool			 held;
	int64_t			 since;		/* in this state since */
	int64_t			 up_since;	/* a start began, 0 if idle */
	const char		*started_by;	/* packet, control, recovered
						   (the state file); NULL if idle */
	int64_t			 last_moved;	/* what the deadline counts
						   from: a packet, a start */
	int64_t			 last_packet;	/* that moved the deadline */
	const char		*last_sensor;	/* its sensor's kind, or NULL */
	/* open connections (--keep-connections), not a packet, moved the
	 * deadline last, when they were last seen open */
	bool			 by_connections;
	int64_t			 connections_seen;
	int64_t			 deadline;	/* the stop, or the next start */
	int64_t			 up_ns;		/* in all, this cycle's too */
	unsigned		 failures;	/* --strict-start, in a row */
	int64_t			 backoff_until;
	struct sensor_counts	 counts;	/* -1: no such sensor */
	/* --session: alive, up, new clients refused beyond session-max;
	 * -1: not a watch with sessions */
	long			 sessions, sessions_up, sessions_refused;
	char			 sensors[256];	/* labels, ", " between */
	bool			 have_trigger;	/* of the start running or last */
	const char		*trigger_sensor;
	int64_t			 trigger_time;
	char			 trigger[256];	/* its one-line summary */
	struct packet_fields	 fields;	/* its values, as its hook's */
	const struct watch_stats *stats;
};

/* --session: a session as tuninetctl shows it (CLOCK_REALTIME ns) */
struct session_info {
	char			 name[136];
	const char		*state;
	int64_t			 since, deadline;
};

struct session_counts {
	size_t			 count, up;
	unsigned long		 refused;	/* new clients beyond the max */
	unsigned		 running;	/* hooks */
};

/* a packet that moved the deadline, as its sensor reported it */
struct watch_moved {
	int64_t			 when;		/* CLOCK_REALTIME ns */
	char			 sensor[64];	/* its label */
};

struct watch	*watch_new(struct watch_conf *, struct sensor **, int n,
		    struct savefile *, const struct watch_owner *);
int		 watch_start(struct watch *);
void		 watch_stop_now(struct watch *);
void		 watch_exit(struct watch *);
void		 watch_retire(struct watch *);
void		 watch_inherit(struct watch *, const struct watch *from);
void		 watch_inherit_start(struct watch *, const struct watch *from);
void		 watch_tune(struct watch *, struct watch_conf *);
void		 watch_restore_hold(struct watch *);
void		 watch_session_adopt(struct watch *, const char *id,
		    const struct saved *);
void		 watch_sessions_persist(struct watch *);
const struct watch_conf *watch_conf(const struct watch *);
void		 watch_describe(struct watch *);
bool		 watch_done(const struct watch *);
enum fsm_state	 watch_state(const struct watch *);
const char	*watch_name(const struct watch *);	/* NULL: -i/-n/-q */
const char	*watch_display_name(const struct watch *); /* or "default" */
void		 watch_status(const struct watch *, char *, size_t);
void		 watch_info(const struct watch *, struct watch_info *);
int		 watch_why(const struct watch *, struct watch_moved *, int max);
int		 watch_kept(const struct watch *, struct sensor_kept *, int max);
int		 watch_sessions_list(const struct watch *, struct session_info *,
		    int max, struct session_counts *);
int		 watch_control(struct watch *, enum fsm_input, char *why,
		    size_t);
void		 watch_adopt(struct watch *, int64_t up_since, int64_t last,
		    bool stopping);
void		 watch_free(struct watch *);

#endif
