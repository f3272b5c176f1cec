/*
 * replay.c: -r FILE. A pcap or pcapng capture is run through watches as
 * if their sensors had seen it: each packet at its own timestamp (the
 * state machine's clock is the capture's, in ns since the epoch), each
 * deadline fired in time order before the next packet, hooks run and
 * succeed in no time. The state machine is the daemon's own (fsm.c).
 *
 * What a sensor would have reported:
 *  - a pcap watch: packets its filter takes, compiled for the capture's
 *    link type; while a start is due, running or done, those of its
 *    up-mode filter (--keepalive-filter, -a), as the sensor swaps them;
 *  - an NFLOG watch, from a capture of LINKTYPE_NFLOG records (tcpdump
 *    -i nflog:N): records of its group, routed by log prefix as the
 *    sensor routes them (a watch's prefix or keep-alive prefix, else the
 *    group's watch with no prefix), at the kernel's time stamp in the
 *    record where it has one. A group has one listener, so while the
 *    daemon holds group 8 tcpdump records a second rule's group 18: with
 *    --replay-group 18=8 its records are read as group 8's;
 *  - a queue watch cannot be replayed: its firewall rule, which no
 *    capture holds, chooses its packets. Open connections
 *    (--keep-connections) are not in a capture either.
 *
 * A packet stamped at the very instant of a deadline is heard before it,
 * as the daemon reads its sensors before deciding (watch.c). A packet
 * stamped earlier than the one before it counts at that one's time: the
 * clock never runs backwards. It runs from the epoch to 2^32 s after it
 * (2106), as a pcap record's 32-bit seconds do; a pcapng record may be
 * stamped beyond (a coarse if_tsresol), and is refused by number.
 *
 * The end of the capture: no packet is invented and none is assumed. A
 * watch still up then stops at its deadline, as the daemon would if the
 * traffic ended where the capture ends; that stop (and a start still due
 * after a hold-off) is an event like the others, marked after_end, and
 * counts as a cycle's stop and a hook run. Time up and time down count
 * only within the capture, so the share up never exceeds it.
 *
 * One pass over the file serves every watch at every TTL of a sweep:
 * each (watch, TTL) is a lane with a state machine of its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture.h"
#include "conf.h"
#include "dns.h"
#include "replay.h"
#include "text.h"

/* The end of a replay's clock, in seconds since the epoch: that of a
 * pcap record's 32-bit seconds. A watch's durations are below 2^31 s
 * (SECONDS_MAX), so a time plus the most it adds to one (a hold-off,
 * then a TTL or min-up) stays below 2^33 s, within an int64_t of ns. */
#define CLOCK_END	((int64_t)1 << 32)

#define GROUPS_LISTED	8	/* NFLOG groups a message names; then "N more" */

enum source { SOURCE_FILTER, SOURCE_NFLOG };

struct rwatch {
	struct watch_conf	*conf;		/* a copy of its own */
	enum source		 source;
	struct capture_programs	 progs;
	/* the packet being replayed: -1 not tested yet, else 0 or 1 */
	int			 idle_match, up_match;
	bool			 routed, keepalive;	/* NFLOG */
};

struct lane {
	size_t			 watch;		/* index in r->watches */
	struct replay_result	 res;
	struct fsm		 fsm;
	struct replay_event	 trigger;	/* of the start due next */
	int64_t			 cycle_start, down_since;
	struct replay_event	*events;
	size_t			 cap;
};

struct replay {
	pcap_t			*p;
	char			*path;
	struct replay_capture	 capture;
	struct rwatch		*watches;
	size_t			 nwatches;
	struct lane		*lanes;
	size_t			 nlanes;
	int64_t			 now;		/* of the last packet */
	int64_t			 end;		/* last packet; INT64_MAX until read */
	struct group_map	*maps;		/* --replay-group */
	size_t			 nmaps;
	uint8_t			 groups[65536 / 8];	/* of the records, a bit each */
};

static void *
grow(void *v, size_t n, size_t size)
{
	if ((v = reallocarray(v, n, size)) == NULL)
		abort();
	return v;
}

struct replay *
replay_open(const char *path, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct replay *r;
	struct stat st;
	FILE *f;
	int dlt;

	if (strcmp(path, "-") == 0)
		f = stdin;
	else if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "-r: `%s': %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size == 0) {
		snprintf(err, errlen, "-r: `%s': an empty file, not a capture",
		    path);
		fclose(f);
		return NULL;
	}
	if ((r = calloc(1, sizeof *r)) == NULL)
		abort();
	r->p = pcap_fopen_offline_with_tstamp_precision(f,
	    PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (r->p == NULL) {
		/* libpcap's words: "unknown file format", "truncated dump
		 * file; tried to read 4 file header bytes, only got 0" */
		snprintf(err, errlen, "-r: `%s': not a pcap or pcapng capture "
		    "(%s)", path, ebuf);
		if (f != stdin)
			fclose(f);
		free(r);
		return NULL;
	}
	if ((r->path = strdup(path)) == NULL)
		abort();
	dlt = pcap_datalink(r->p);
	r->capture.path = r->path;
	r->capture.linktype = linktype_of_dlt(dlt);
	r->capture.linktype_name = pcap_datalink_val_to_description_or_dlt(dlt);
	r->end = INT64_MAX;
	return r;
}

/* How a message names a watch's setting: its key in a file, its option
 * on the command line. */
static const char *
named(const struct watch_conf *wc, const char *key, const char *option,
    char *buf, size_t len)
{
	if (wc->name != NULL)
		snprintf(buf, len, "watch %s: %s", wc->name, key);
	else
		snprintf(buf, len, "%s", option);
	return buf;
}

static int
compile(struct replay *r, struct rwatch *w, char *err, size_t errlen)
{
	const struct watch_conf *wc = w->conf;
	const char *f = wc->filter != NULL ? wc->filter : "";
	char name[64];

	switch (capture_compile(r->p, wc->filter, wc->keepalive_filter,
	    wc->ack_only, &w->progs)) {
	case CAPTURE_OK:
		return 0;
	case CAPTURE_BAD_FILTER:
		snprintf(err, errlen, "%s `%s': %s (for a capture of %s)",
		    named(wc, "filter", "-f", name, sizeof name), f,
		    pcap_geterr(r->p), r->capture.linktype_name);
		break;
	case CAPTURE_BAD_KEEPALIVE:
		snprintf(err, errlen, "%s `%s': %s (for a capture of %s)",
		    named(wc, "keepalive-filter", "--keepalive-filter", name,
		    sizeof name), wc->keepalive_filter, pcap_geterr(r->p),
		    r->capture.linktype_name);
		break;
	case CAPTURE_BAD_ACK_FILTER:
		snprintf(err, errlen, "%s `%s' with -a: %s (for a capture of "
		    "%s)", named(wc, "filter", "-f", name, sizeof name), f,
		    pcap_geterr(r->p), r->capture.linktype_name);
		break;
	}
	return -1;
}

/* Which of its sensors the capture stands for: NFLOG records for an
 * NFLOG watch, anything else for a pcap watch (or a command line that
 * names no sensor: the capture is one). */
static int
choose_source(const struct replay *r, const struct watch_conf *wc,
    enum source *src, char *err, size_t errlen)
{
	char who[64] = "";
	bool nflog = r->capture.linktype == LINKTYPE_NFLOG;

	if (wc->name != NULL)
		snprintf(who, sizeof who, "watch %s: ", wc->name);
	if (nflog && wc->nflog_group >= 0) {
		*src = SOURCE_NFLOG;
		return 0;
	}
	if (wc->ifname != NULL || wc->filter != NULL ||
	    wc->keepalive_filter != NULL ||
	    (wc->nflog_group < 0 && wc->queue < 0)) {
		*src = SOURCE_FILTER;
		return 0;
	}
	if (wc->nflog_group >= 0)
		/* the daemon holds the group: tcpdump takes a second one */
		snprintf(err, errlen, "%san NFLOG watch (group %d) is replayed "
		    "from a capture of its records (tcpdump -i nflog:N -w FILE, "
		    "N a second group the same packets are logged to, then "
		    "--replay-group N=%d); `%s' is a capture of %s", who,
		    wc->nflog_group, wc->nflog_group, r->path,
		    r->capture.linktype_name);
	else
		snprintf(err, errlen, "%san NFQUEUE watch (queue %d) cannot be "
		    "replayed: its firewall rule chooses its packets, and a "
		    "capture does not hold the rule; replay a filter that "
		    "takes what the rule queues instead (-r FILE -f FILTER)",
		    who, wc->queue);
	return -1;
}

/* A watch to replay: with its own TTL and a timeline, or at each TTL of
 * a sweep. -1 with err set when the capture cannot serve it. */
int
replay_add(struct replay *r, const struct watch_conf *wc,
    const unsigned *ttls, int nttls, char *err, size_t errlen)
{
	struct rwatch *w;
	struct lane *l;
	enum source src;
	int i, n = nttls > 0 ? nttls : 1;

	if (choose_source(r, wc, &src, err, errlen) == -1)
		return -1;
	r->watches = grow(r->watches, r->nwatches + 1, sizeof *r->watches);
	w = &r->watches[r->nwatches];
	memset(w, 0, sizeof *w);
	w->source = src;
	if ((w->conf = watch_conf_dup(wc)) == NULL)
		abort();
	if (src == SOURCE_FILTER && compile(r, w, err, errlen) == -1) {
		watch_conf_free(w->conf);
		return -1;
	}
	r->lanes = grow(r->lanes, r->nlanes + (size_t)n, sizeof *r->lanes);
	for (i = 0; i < n; i++) {
		l = &r->lanes[r->nlanes++];
		memset(l, 0, sizeof *l);
		l->watch = r->nwatches;
		l->res.name = w->conf->name;
		l->res.ttl = nttls > 0 ? ttls[i] : wc->ttl;
		l->res.timeline = nttls == 0;
		fsm_init(&l->fsm, &(const struct fsm_conf){
		    .ttl = (int64_t)l->res.ttl * NSEC_PER_SEC,
		    .holdoff = (int64_t)wc->holdoff * NSEC_PER_SEC,
		    .min_up = (int64_t)wc->min_up * NSEC_PER_SEC,
		    .max_up = (int64_t)wc->max_up * NSEC_PER_SEC,
		    .ack_only = wc->ack_only });
	}
	r->nwatches++;
	return 0;
}

/* --replay-group: the capture's records of one group read as another's.
 * -1 with err set when the capture holds no NFLOG records. */
int
replay_map_group(struct replay *r, const struct group_map *m, char *err,
    size_t errlen)
{
	if (r->capture.linktype != LINKTYPE_NFLOG) {
		snprintf(err, errlen, "--replay-group %u=%u: `%s' is a capture "
		    "of %s, not of NFLOG records", (unsigned)m->capture,
		    (unsigned)m->watch, r->path, r->capture.linktype_name);
		return -1;
	}
	r->maps = grow(r->maps, r->nmaps + 1, sizeof *r->maps);
	r->maps[r->nmaps++] = *m;
	return 0;
}

/* NFLOG groups as a set, a bit each */
static bool
has_group(const uint8_t *set, int group)
{
	return set[group / 8] & 1 << group % 8;
}

static void
add_group(uint8_t *set, int group)
{
	set[group / 8] |= 1 << group % 8;
}

/* The group a record of the capture's group counts in. */
static uint16_t
group_read_as(const struct replay *r, uint16_t group)
{
	size_t i;

	for (i = 0; i < r->nmaps; i++)
		if (r->maps[i].capture == group)
			return r->maps[i].watch;
	return group;
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* A hook the daemon would have run, counted, and kept with a timeline. */
static void
record(struct replay *r, struct lane *l, const struct fsm_step *st)
{
	struct replay_result *res = &l->res;
	struct replay_event ev;
	int64_t now = min64(st->now, r->end);

	res->hook_runs++;
	if (st->action == FSM_RUN_START) {
		res->cycles++;
		if (now - l->down_since > res->longest_down)
			res->longest_down = now - l->down_since;
		l->cycle_start = st->now;
		ev = l->trigger;
	} else {
		memset(&ev, 0, sizeof ev);
		ev.up = st->now - l->cycle_start;
		if (ev.up > res->longest_up)
			res->longest_up = ev.up;
		res->up += now - min64(l->cycle_start, r->end);
		l->down_since = now;
	}
	ev.time = st->now;
	ev.start = st->action == FSM_RUN_START;
	ev.reason = st->reason;
	ev.after_end = st->now > r->end;
	if (!res->timeline)
		return;
	if (res->nevents == l->cap) {
		l->cap = l->cap != 0 ? l->cap * 2 : 16;
		l->events = grow(l->events, l->cap, sizeof *l->events);
	}
	l->events[res->nevents++] = ev;
	res->events = l->events;
}

/* One input; a hook asked for runs and succeeds at once. Whether the
 * watch moved. */
static bool
step(struct replay *r, struct lane *l, enum fsm_input in, int64_t now,
    bool keeps_up)
{
	struct fsm_step st = fsm_input(&l->fsm, in, now, keeps_up);
	bool moved = st.from != st.to;

	while (st.action != FSM_NOTHING) {
		record(r, l, &st);
		st = fsm_input(&l->fsm, FSM_HOOK_DONE, now, false);
		moved = true;
	}
	return moved;
}

/* Every deadline due before `before', in time order. */
static void
settle(struct replay *r, struct lane *l, int64_t before)
{
	int64_t due;

	while (fsm_deadline(&l->fsm, &due) && due < before)
		if (!step(r, l, FSM_DEADLINE, due, false))
			break;		/* never: a deadline always moves it */
}

/* The trigger packet's summary line and the values its hook would get. */
static void
keep_trigger(struct lane *l, const struct packet_info *pi, uint32_t len)
{
	struct replay_event *t = &l->trigger;

	memset(t, 0, sizeof *t);
	t->have_packet = true;
	packet_summary(pi, len, t->summary, sizeof t->summary);
	packet_fields(pi, &t->fields);
	if (pi->has_nflog)
		memcpy(t->nflog_prefix, pi->nflog_prefix, sizeof t->nflog_prefix);
}

/* An NFLOG record goes to one watch of its group, as the sensor sends
 * it: the watch whose prefix it carries, or whose keep-alive prefix, or
 * else the group's watch with no prefix. */
static void
route(struct replay *r, const struct packet_info *pi)
{
	struct rwatch *w, *to = NULL, *any = NULL;
	bool keepalive = false;
	size_t i;

	for (i = 0; i < r->nwatches; i++)
		r->watches[i].routed = false;
	if (!pi->has_nflog)
		return;
	for (i = 0; i < r->nwatches && to == NULL; i++) {
		w = &r->watches[i];
		if (w->source != SOURCE_NFLOG ||
		    w->conf->nflog_group != pi->nflog_group)
			continue;
		if (w->conf->nflog_prefix == NULL && any == NULL)
			any = w;
		if (pi->nflog_prefix[0] == '\0')
			continue;
		if (w->conf->nflog_prefix != NULL &&
		    strcmp(w->conf->nflog_prefix, pi->nflog_prefix) == 0)
			to = w;
		else if (w->conf->keepalive_prefix != NULL &&
		    strcmp(w->conf->keepalive_prefix, pi->nflog_prefix) == 0) {
			to = w;
			keepalive = true;
		}
	}
	if (to == NULL)
		to = any;
	if (to != NULL) {
		to->routed = true;
		to->keepalive = keepalive;
	}
}

static bool
filter_match(struct bpf_program *prog, int *cache,
    const struct pcap_pkthdr *h, const u_char *data)
{
	if (*cache < 0)
		*cache = pcap_offline_filter(prog, h, data) != 0;
	return *cache;
}

/* --dns-name: only a query for one of the watch's names starts it */
static bool
starts(const struct rwatch *w, const struct packet_info *pi)
{
	struct dns_query q;

	return w->conf->dns_names == NULL || (dns_query_of(pi, &q) ==
	    DNS_QUERY && dns_match(w->conf->dns_names, q.name));
}

/* Whether the watch's sensor reports the packet in this mode, and
 * whether it may keep the watch up (-a). */
static bool
takes(struct rwatch *w, bool up, const struct pcap_pkthdr *h,
    const u_char *data, const struct packet_info *pi, bool *keeps_up)
{
	bool ack = packet_is_tcp_ack(pi), ack_only = w->conf->ack_only;

	if (w->source == SOURCE_FILTER) {
		if (up && w->progs.have_up) {
			*keeps_up = true;
			return filter_match(&w->progs.up, &w->up_match, h, data);
		}
		*keeps_up = !ack_only || ack;
		return filter_match(&w->progs.idle, &w->idle_match, h, data);
	}
	if (!w->routed)
		return false;
	if (!up) {		/* keep-alive records start nothing */
		*keeps_up = !ack_only || ack;
		return !w->keepalive;
	}
	*keeps_up = true;
	return (w->conf->keepalive_prefix == NULL || w->keepalive) &&
	    (!ack_only || ack);
}

/* When the packet passed: the capture's time stamp, or the kernel's that
 * an NFLOG record carries, as the NFLOG sensor takes it (tcpdump -i
 * nflog stamps a record when it reads it, and the kernel sends records
 * in batches, up to a second late). -1 with err set when the capture's
 * is not a time of the replay's clock. */
static int
packet_time(const struct replay *r, const struct pcap_pkthdr *h,
    const u_char *data, int64_t *t, char *err, size_t errlen)
{
	struct nflog_parts np;
	int64_t ns;

	if (r->capture.linktype == LINKTYPE_NFLOG &&
	    packet_nflog_split(data, h->caplen, &np) && np.has_timestamp &&
	    np.ts_usec < 1000000 && np.ts_sec < CLOCK_END) {
		*t = (int64_t)np.ts_sec * NSEC_PER_SEC +
		    (int64_t)np.ts_usec * 1000;
		return 0;
	}
	/* nanosecond precision was asked for: tv_usec holds nanoseconds;
	 * libpcap checks neither, and a pcapng if_tsresol of 1 s or 2^-0
	 * makes seconds of whatever 64 bits the record holds */
	if (__builtin_mul_overflow((int64_t)h->ts.tv_sec, NSEC_PER_SEC, &ns) ||
	    __builtin_add_overflow(ns, (int64_t)h->ts.tv_usec, &ns) ||
	    ns < 0 || ns >= CLOCK_END * NSEC_PER_SEC) {
		snprintf(err, errlen, "-r: `%s': packet %lu: time stamp "
		    "%lld.%09lld s since the epoch: a replay counts from 1970 "
		    "to 2106 only (a pcapng if_tsresol too coarse for the "
		    "capture's time stamps?)", r->path, r->capture.packets + 1,
		    (long long)h->ts.tv_sec, (long long)h->ts.tv_usec);
		return -1;
	}
	*t = ns;
	return 0;
}

static int
replay_packet(struct replay *r, const struct pcap_pkthdr *h,
    const u_char *data, char *err, size_t errlen)
{
	struct packet_info pi;
	struct lane *l;
	struct rwatch *w;
	bool up, keeps_up;
	int64_t t;
	size_t i;

	if (packet_time(r, h, data, &t, err, errlen) == -1)
		return -1;
	if (r->capture.packets++ == 0) {
		r->capture.first = r->now = t;
		for (i = 0; i < r->nlanes; i++)
			r->lanes[i].down_since = t;
	}
	if (t < r->now)
		t = r->now;
	r->now = r->capture.last = t;
	packet_decode(r->capture.linktype, data, h->caplen, &pi);
	if (pi.has_nflog) {
		add_group(r->groups, pi.nflog_group);
		pi.nflog_group = group_read_as(r, pi.nflog_group);
	}
	route(r, &pi);
	for (i = 0; i < r->nwatches; i++)
		r->watches[i].idle_match = r->watches[i].up_match = -1;
	for (i = 0; i < r->nlanes; i++) {
		l = &r->lanes[i];
		w = &r->watches[l->watch];
		settle(r, l, t);
		up = fsm_listen(&l->fsm) != LISTEN_FIRST;
		if (!takes(w, up, h, data, &pi, &keeps_up))
			continue;
		if (fsm_is_trigger(&l->fsm, t)) {
			if (!starts(w, &pi))
				continue;
			keep_trigger(l, &pi, h->len);
		}
		step(r, l, FSM_PACKET, t, keeps_up);
	}
	return 0;
}

/* Read the whole capture; then let every watch settle past its end. */
int
replay_run(struct replay *r, char *err, size_t errlen)
{
	struct replay_capture *c = &r->capture;
	struct pcap_pkthdr *h;
	const u_char *data;
	struct lane *l;
	size_t i;
	int rc;

	while ((rc = pcap_next_ex(r->p, &h, &data)) == 1)
		if (replay_packet(r, h, data, err, errlen) == -1)
			return -1;
	if (rc == PCAP_ERROR) {
		if (c->packets == 0) {
			snprintf(err, errlen, "-r: `%s': %s", r->path,
			    pcap_geterr(r->p));
			return -1;
		}
		/* a capture cut short (tcpdump killed): what came before it
		 * is still a capture */
		snprintf(c->cut, sizeof c->cut, "%s", pcap_geterr(r->p));
	}
	if (c->packets == 0) {
		snprintf(err, errlen, "-r: `%s': the capture holds no packet",
		    r->path);
		return -1;
	}
	r->end = c->last;
	for (i = 0; i < r->nlanes; i++) {
		l = &r->lanes[i];
		settle(r, l, INT64_MAX);
		if (c->last - l->down_since > l->res.longest_down)
			l->res.longest_down = c->last - l->down_since;
	}
	return 0;
}

/* "group 18", "groups 7 and 8", "groups 1, 2, 3 and 4": the members of
 * set, a capture's with " (read as 9)" where --replay-group maps one */
static void
append_groups(const struct replay *r, const uint8_t *set, bool capture,
    char *buf, size_t len, size_t *n)
{
	int g, total = 0, i = 0;

	for (g = 0; g < 65536; g++)
		total += has_group(set, g);
	text_append(buf, len, n, "group%s", total == 1 ? "" : "s");
	for (g = 0; g < 65536; g++) {
		if (!has_group(set, g))
			continue;
		if (i == GROUPS_LISTED) {
			text_append(buf, len, n, " and %d more", total - i);
			return;
		}
		text_append(buf, len, n, "%s%d", i == 0 ? " " :
		    i == total - 1 ? " and " : ", ", g);
		if (capture && group_read_as(r, (uint16_t)g) != g)
			text_append(buf, len, n, " (read as %u)",
			    (unsigned)group_read_as(r, (uint16_t)g));
		i++;
	}
}

/* Why no watch started, when it is that the capture's NFLOG records
 * (read as --replay-group says) are of none of the NFLOG watches'
 * groups: "the capture holds NFLOG group 18; the watch reads group 8
 * (...)". False when one started, when there is no NFLOG watch or
 * record, or when a watch reads the group of one. */
bool
replay_groups_unread(const struct replay *r, char *buf, size_t len)
{
	uint8_t read[sizeof r->groups] = { 0 };
	int g, nread = 0, ncapture = 0, read_one = -1, capture_one = -1;
	size_t i, nwatches = 0, n = 0;

	for (i = 0; i < r->nlanes; i++)
		if (r->lanes[i].res.cycles > 0)
			return false;
	for (i = 0; i < r->nwatches; i++) {
		if (r->watches[i].source != SOURCE_NFLOG)
			continue;
		nwatches++;
		g = r->watches[i].conf->nflog_group;
		if (!has_group(read, g)) {
			add_group(read, g);
			nread++;
			read_one = g;
		}
	}
	for (g = 0; g < 65536; g++) {
		if (!has_group(r->groups, g))
			continue;
		if (has_group(read, group_read_as(r, (uint16_t)g)))
			return false;
		ncapture++;
		capture_one = g;
	}
	if (nwatches == 0 || ncapture == 0)
		return false;
	text_append(buf, len, &n, "the capture holds NFLOG ");
	append_groups(r, r->groups, true, buf, len, &n);
	text_append(buf, len, &n, "; the watch%s ", nwatches == 1 ?
	    " reads" : "es read");
	append_groups(r, read, false, buf, len, &n);
	if (ncapture == 1 && nread == 1)
		text_append(buf, len, &n, " (--replay-group %d=%d reads the "
		    "one as the other)", capture_one, read_one);
	return true;
}

const struct replay_capture *
replay_capture(const struct replay *r)
{
	return &r->capture;
}

int
replay_nresults(const struct replay *r)
{
	return (int)r->nlanes;
}

const struct replay_result *
replay_result(const struct replay *r, int i)
{
	return &r->lanes[i].res;
}

void
replay_free(struct replay *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nwatches; i++) {
		capture_programs_free(&r->watches[i].progs);
		watch_conf_free(r->watches[i].conf);
	}
	for (i = 0; i < r->nlanes; i++)
		free(r->lanes[i].events);
	free(r->watches);
	free(r->lanes);
	free(r->maps);
	free(r->path);
	pcap_close(r->p);
	free(r);
}
