/* replay.h: a capture run through watches' filters and state machines at
 * its own timestamps (-r); no hook runs, nothing needs a privilege */
#ifndef TUNINETD_REPLAY_H
#define TUNINETD_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fsm.h"
#include "packet.h"

#define REPLAY_SUMMARY_LEN	192

struct group_map;
struct replay;
struct watch_conf;

/* A start or a stop, where the daemon would have run the hook. */
struct replay_event {
	int64_t		 time;		/* capture time, ns since the epoch */
	bool		 start;		/* or a stop */
	enum fsm_reason	 reason;
	bool		 after_end;	/* after the capture's last packet */
	int64_t		 up;		/* stop: how long it was up, ns */
	/* start: the packet that fired it */
	bool		 have_packet;
	char		 summary[REPLAY_SUMMARY_LEN];
	struct packet_fields fields;
	char		 nflog_prefix[NFLOG_PREFIX_MAX + 1];
};

/* One watch at one TTL. Times up and down count within the capture
 * only; a cycle's own length (longest_up, a stop's up) counts whole. */
struct replay_result {
	const char	*name;		/* the watch's, or NULL */
	unsigned	 ttl;
	bool		 timeline;	/* events kept (no --ttl-sweep) */
	int		 cycles;	/* starts */
	int		 hook_runs;	/* starts and stops */
	int64_t		 up;		/* ns */
	int64_t		 longest_up, longest_down;
	const struct replay_event *events;
	size_t		 nevents;
};

struct replay_capture {
	const char	*path;
	int		 linktype;	/* LINKTYPE_* */
	const char	*linktype_name;	/* "Ethernet" */
	unsigned long	 packets;
	int64_t		 first, last;	/* ns since the epoch */
	char		 cut[256];	/* why reading ended early, or "" */
};

/* replay.c */
struct replay	*replay_open(const char *path, char *err, size_t);
int		 replay_add(struct replay *, const struct watch_conf *,
		    const unsigned *ttls, int nttls, char *err, size_t);
int		 replay_map_group(struct replay *, const struct group_map *,
		    char *err, size_t);
int		 replay_run(struct replay *, char *err, size_t);
bool		 replay_groups_unread(const struct replay *, char *, size_t);
const struct replay_capture *replay_capture(const struct replay *);
int		 replay_nresults(const struct replay *);
const struct replay_result *replay_result(const struct replay *, int);
void		 replay_free(struct replay *);

/* replay_report.c */
void		 replay_print_text(const struct replay *, FILE *);
int		 replay_print_json(const struct replay *, FILE *);

#endif
