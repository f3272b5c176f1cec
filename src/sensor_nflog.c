/*
 * sensor_nflog.c: a netfilter NFLOG group (nftables `log group N',
 * iptables -j NFLOG --nflog-group N), read with libmnl and
 * libnetfilter_log's message helpers.
 *
 * A group is bound once, by one socket, however many watches read it:
 * each watch's sensor is a member of the group, told apart from the others
 * by the rule's log prefix (`log prefix "office" group 8'), found in a
 * hash table, so a record costs the same with a thousand members as with
 * one. A member with no prefix takes every record of the group. All
 * groups share one receive buffer (the daemon has one thread). A member
 * joins the table when its watch starts, not when it is opened: a reload
 * opens the watches it makes before it touches the running ones, and a
 * prefix may move from a watch that is stopping to the one replacing it
 * (the configuration was checked for two watches reading one prefix).
 *
 * Idle: the kernel sends each packet at once (queue threshold 1) with its
 * first SNAPLEN bytes, so start fires on the first packet and knows it.
 *
 * Up: packets come batched (what fills UP_BUFSIZ, or UP_FLUSH_CS after
 * the first of a batch), with no payload (or just the headers -a needs).
 * A group whose only member takes every record parses only the last
 * message of each batch, for its kernel timestamp; a shared group reads
 * each message's prefix and timestamp. A batch can wait in the kernel for
 * UP_FLUSH_CS, so FINAL_NS before a member's deadline the group is
 * switched back to threshold 1: whatever is queued by then is flushed by
 * its timer before the deadline, and any later packet comes at once. At
 * the deadline the last packet is known exactly. A stop asked for now
 * (SIGHUP, SIGTERM) gets the same switch, and waits FLUSH_NS for what the
 * kernel held. The group is in the mode its neediest member needs: idle
 * if any is idle, else final if any is near its deadline, else up.
 *
 * Records logged in up mode carry a sequence number (NFULNL_CFG_F_SEQ,
 * set only in up mode): one that reaches a member after it went idle was
 * logged before its stop began, in a batch the kernel still held, and
 * belongs to the cycle that ended, timestamp or not (rules in the output
 * hook give none). It starts nothing.
 *
 * The receive buffer overflowing (ENOBUFS) means packets were lost, so
 * packets were passing: for the members that are up, that counts as a
 * packet now; the datagrams still queued are older and do not move it
 * back. A lone member that is idle starts, without the packet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_log/libnetfilter_log.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "hook.h"
#include "log.h"
#include "loop.h"
#include "nl.h"
#include "packet.h"
#include "sensor.h"

#define UP_QTHRESH	65535		/* UP_BUFSIZ ends a batch first */
#define UP_BUFSIZ	131072		/* bytes per batch, the kernel's most */
#define UP_FLUSH_CS	1		/* 1/100 s */
#define FINAL_NS	(50 * 1000000LL)
#define FLUSH_NS	(20 * 1000000LL)	/* UP_FLUSH_CS and a tick, and more */
#define READS_PER_WAKE	64

enum nflog_phase { NFLOG_IDLE, NFLOG_UP, NFLOG_FINAL };

struct nflog_sensor;

/* a prefix -> member, or a keep-alive prefix -> member */
struct slot {
	const char		*prefix;	/* NULL: empty slot */
	struct nflog_sensor	*member;
	bool			 keepalive;
};

struct nflog_group {
	int			 group;
	struct mnl_socket	*nl;
	unsigned		 portid, seq;
	enum nflog_phase	 phase;		/* as configured in the kernel */
	bool			 copy_acks;	/* a member needs -a's headers */
	struct io		 io;
	struct nl_rcvbuf	 rcvbuf;
	struct slot		*slots;		/* open addressing, power of 2 */
	size_t			 nslots, nkeys;
	struct nflog_sensor	*any;		/* the member with no prefix */
	int			 refs;		/* members opened */
	int			 members, idle, final;	/* in the table */
	struct nflog_group	*next;
};

struct nflog_sensor {
	struct sensor		 base;
	struct nflog_group	*g;
	bool			 joined;	/* in the table: started */
	char			*prefix;	/* NULL: every record */
	char			*keepalive;	/* while up, only these count */
	enum sensor_mode	 mode;
	bool			 final;		/* its deadline is near */
	struct timer		 final_timer;
	/* the newest record of the current read that may keep it up, and
	 * whether it came by the keep-alive prefix */
	bool			 have_last, last_keepalive;
	struct timespec		 last_ts;
	struct nflog_sensor	*next_pending;
};

static struct nflog_group *groups;
/* one receive buffer for every group, touched as it is used */
static uint8_t rbuf[UP_BUFSIZ + 8192];
static uint8_t first[RECORD_MAX];
static struct nflog_sensor *pending;	/* members with have_last */

static void	nflog_readable(struct io *, uint32_t);
static void	recount_acks(struct nflog_group *);

/* One NFULNL_MSG_CONFIG for the group: mode, range, threshold, timeout,
 * buffer size, flags, and optionally a command first. */
static int
send_config(struct nflog_group *g, int cmd, uint8_t copy, uint32_t range,
    uint32_t qthresh, uint16_t flags, bool ack)
{
	char buf[256] = { 0 };	/* zeroed: attribute padding goes out too */
	struct nlmsghdr *nlh;

	nlh = nflog_nlmsg_put_header(buf, NFULNL_MSG_CONFIG, AF_UNSPEC,
	    (uint16_t)g->group);
	nlh->nlmsg_seq = ++g->seq;
	if (ack)
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (cmd != 0)
		nflog_attr_put_cfg_cmd(nlh, (uint8_t)cmd);
	nflog_attr_put_cfg_mode(nlh, copy, range);
	mnl_attr_put_u32(nlh, NFULA_CFG_QTHRESH, htonl(qthresh));
	mnl_attr_put_u32(nlh, NFULA_CFG_TIMEOUT, htonl(UP_FLUSH_CS));
	mnl_attr_put_u32(nlh, NFULA_CFG_NLBUFSIZ, htonl(UP_BUFSIZ));
	mnl_attr_put_u16(nlh, NFULA_CFG_FLAGS, htons(flags));
	if (mnl_socket_sendto(g->nl, nlh, nlh->nlmsg_len) == -1)
		return -1;
	return 0;
}

static int
configure(struct nflog_group *g, enum nflog_phase phase)
{
	uint8_t copy = NFULNL_COPY_PACKET;
	uint32_t range = SNAPLEN, qthresh = 1;
	uint16_t flags = 0;

	if (phase != NFLOG_IDLE) {
		copy = g->copy_acks ? NFULNL_COPY_PACKET : NFULNL_COPY_META;
		range = g->copy_acks ? NL_ACK_RANGE : 0;
		qthresh = phase == NFLOG_UP ? UP_QTHRESH : 1;
		flags = NFULNL_CFG_F_SEQ;	/* marks up mode's records */
	}
	g->phase = phase;
	if (send_config(g, 0, copy, range, qthresh, flags, false) == -1) {
		log_warn("NFLOG: group %d: configuration", g->group);
		return -1;
	}
	return 0;
}

/* The mode the neediest member needs. */
static void
regroup(struct nflog_group *g)
{
	enum nflog_phase want = g->idle > 0 ? NFLOG_IDLE :
	    g->final > 0 ? NFLOG_FINAL : NFLOG_UP;

	if (g->members > 0 && want != g->phase)
		configure(g, want);
}

static void
set_final(struct nflog_sensor *ns, bool final)
{
	if (ns->final == final)
		return;
	ns->final = final;
	ns->g->final += final ? 1 : -1;
}

/* ---- the prefix table ---- */

static uint32_t
hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static struct slot *
lookup(const struct nflog_group *g, const char *prefix)
{
	size_t i, mask = g->nslots - 1;

	if (g->nslots == 0)
		return NULL;
	for (i = hash(prefix) & mask; g->slots[i].prefix != NULL;
	    i = (i + 1) & mask)
		if (strcmp(g->slots[i].prefix, prefix) == 0)
			return &g->slots[i];
	return NULL;
}

static void
place(struct slot *slots, size_t n, struct slot s)
{
	size_t i;

	for (i = hash(s.prefix) & (n - 1); slots[i].prefix != NULL;
	    i = (i + 1) & (n - 1))
		;
	slots[i] = s;
}

/* Keys in, out: the table is rebuilt (at most half full), which happens
 * only when watches come and go. */
static void
rebuild(struct nflog_group *g, struct nflog_sensor *add,
    struct nflog_sensor *remove)
{
	size_t n = 16, i;
	struct slot *slots;

	while (n < 2 * (g->nkeys + 2))
		n *= 2;
	if ((slots = calloc(n, sizeof *slots)) == NULL)
		fatal("calloc");
	g->nkeys = 0;
	for (i = 0; i < g->nslots; i++)
		if (g->slots[i].prefix != NULL &&
		    g->slots[i].member != remove) {
			place(slots, n, g->slots[i]);
			g->nkeys++;
		}
	if (add != NULL && add->prefix != NULL) {
		place(slots, n, (struct slot){ add->prefix, add, false });
		g->nkeys++;
	}
	if (add != NULL && add->keepalive != NULL) {
		place(slots, n, (struct slot){ add->keepalive, add, true });
		g->nkeys++;
	}
	free(g->slots);
	g->slots = slots;
	g->nslots = n;
}

/* ---- reading ---- */

static void
packet_time(struct nlattr **attr, struct timespec *ts)
{
	if (!nl_timestamp(attr[NFULA_TIMESTAMP], ts))
		clock_gettime(CLOCK_REALTIME, ts);
}

static bool
later(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec != b->tv_sec ? a->tv_sec > b->tv_sec :
	    a->tv_nsec > b->tv_nsec;
}

/* the newest record of this read that may keep ns up */
static void
note_last(struct nflog_sensor *ns, const struct timespec *ts, bool keepalive)
{
	if (!ns->have_last) {
		ns->have_last = true;
		ns->last_ts = *ts;
		ns->last_keepalive = keepalive;
		ns->next_pending = pending;
		pending = ns;
	} else if (later(ts, &ns->last_ts)) {
		ns->last_ts = *ts;
		ns->last_keepalive = keepalive;
	}
}

static bool
is_ack(const struct nlmsghdr *nlh)
{
	struct packet_info pi;

	packet_decode(LINKTYPE_NFLOG, mnl_nlmsg_get_payload(nlh),
	    mnl_nlmsg_get_payload_len(nlh), &pi);
	return packet_is_tcp_ack(&pi);
}

/* An idle member's first record, whole, reported at once: the watch
 * starts on it and keeps it. */
static void
report_first(struct nflog_sensor *ns, const struct nlmsghdr *nlh,
    struct nlattr **attr)
{
	struct sensor_packet sp = { .linktype = LINKTYPE_NFLOG };
	size_t n = mnl_nlmsg_get_payload_len(nlh);

	sp.len = (uint32_t)n;
	sp.caplen = (uint32_t)(n < RECORD_MAX ? n : RECORD_MAX);
	memcpy(first, mnl_nlmsg_get_payload(nlh), sp.caplen);
	sp.data = first;
	sp.keeps_up = !ns->base.ack_only || is_ack(nlh);
	packet_time(attr, &sp.ts);
	sp.when = realtime_to_loop(&sp.ts);
	ns->base.report(&ns->base, &sp);
}

static void
config_error(struct nflog_group *g, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof *e && e->error != 0)
		log_warnx("NFLOG: group %d: configuration refused: %s",
		    g->group, strerror(-e->error));
}

/* One record, to the member it is for. */
static void
dispatch(struct nflog_group *g, const struct nlmsghdr *nlh)
{
	struct nlattr *attr[NFULA_MAX + 1] = { NULL };
	struct nflog_sensor *ns = g->any;
	struct timespec ts;
	struct slot *s = NULL;
	bool keepalive = false;

	if (nflog_nlmsg_parse(nlh, attr) != MNL_CB_OK)
		return;
	if (attr[NFULA_PREFIX] != NULL &&
	    mnl_attr_validate(attr[NFULA_PREFIX], MNL_TYPE_NUL_STRING) >= 0)
		s = lookup(g, mnl_attr_get_str(attr[NFULA_PREFIX]));
	if (s != NULL) {
		ns = s->member;
		keepalive = s->keepalive;
	}
	if (ns == NULL)
		return;			/* a prefix no watch takes */
	if (ns->mode == SENSOR_IDLE) {
		/* logged in up mode: before its stop began, of that cycle */
		if (attr[NFULA_SEQ] != NULL || keepalive)
			return;
		report_first(ns, nlh, attr);
		return;
	}
	/* while up, with a keep-alive prefix only those records count */
	if (ns->keepalive != NULL && !keepalive)
		return;
	if (ns->base.ack_only && !is_ack(nlh))
		return;
	packet_time(attr, &ts);
	note_last(ns, &ts, keepalive);
}

/* A group's only member, taking every record, while up: only the last
 * message of a batch is parsed, for its time. */
static void
walk_alone(struct nflog_group *g, const uint8_t *buf, int len)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf, *last = NULL;
	const uint16_t packet = NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_PACKET;
	struct nlattr *attr[NFULA_MAX + 1] = { NULL };
	struct nflog_sensor *ns = g->any;
	struct timespec ts;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_type == NLMSG_ERROR)
			config_error(g, nlh);
		else if (nlh->nlmsg_type == packet &&
		    (!ns->base.ack_only || is_ack(nlh)))
			last = nlh;
	}
	if (last == NULL || nflog_nlmsg_parse(last, attr) != MNL_CB_OK)
		return;
	packet_time(attr, &ts);
	note_last(ns, &ts, false);
}

static void
walk(struct nflog_group *g, const uint8_t *buf, int len)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	const uint16_t packet = NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_PACKET;

	if (g->members == 1 && g->any != NULL && g->any->keepalive == NULL &&
	    g->any->mode != SENSOR_IDLE) {
		walk_alone(g, buf, len);
		return;
	}
	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_type == NLMSG_ERROR)
			config_error(g, nlh);
		else if (nlh->nlmsg_type == packet)
			dispatch(g, nlh);
	}
}

/* packets were lost: for the members up, a packet now */
static void
overflowed(struct nflog_group *g)
{
	struct sensor_packet sp = { .linktype = LINKTYPE_NFLOG,
	    .keeps_up = true };
	struct timespec now;
	unsigned long said;
	size_t i;

	if ((said = nl_overflowed(g->nl, &g->rcvbuf)) > 0)
		log_warnx("NFLOG: group %d: receive buffer overflowed, packets "
		    "lost (%lu times since last said); buffer now %d KiB",
		    g->group, said, g->rcvbuf.size / 1024);
	clock_gettime(CLOCK_REALTIME, &now);
	if (g->members == 1 && g->any != NULL) {
		if (g->any->mode != SENSOR_IDLE)
			note_last(g->any, &now, false);
		else {
			/* lost before any was read: start without it */
			sp.ts = now;
			sp.when = realtime_to_loop(&now);
			g->any->base.report(&g->any->base, &sp);
		}
		return;
	}
	if (g->any != NULL && g->any->mode != SENSOR_IDLE)
		note_last(g->any, &now, false);
	for (i = 0; i < g->nslots; i++)
		if (g->slots[i].prefix != NULL && !g->slots[i].keepalive &&
		    g->slots[i].member->mode != SENSOR_IDLE)
			note_last(g->slots[i].member, &now, false);
}

static void
nflog_readable(struct io *io, uint32_t events)
{
	struct nflog_group *g = io->arg;
	struct sensor_packet sp;
	struct nflog_sensor *ns;
	ssize_t n;
	int i;

	(void)events;
	for (i = 0; i < READS_PER_WAKE; i++) {
		n = recv(io->fd, rbuf, sizeof rbuf, MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == ENOBUFS) {
			overflowed(g);
			continue;
		}
		if (n == -1) {
			if (errno != EAGAIN)
				log_warn("NFLOG: group %d: recv", g->group);
			break;
		}
		walk(g, rbuf, (int)n);
	}
	/* each member that saw traffic: its newest record, once */
	while ((ns = pending) != NULL) {
		pending = ns->next_pending;
		ns->have_last = false;
		set_final(ns, false);	/* traffic again: batch it */
		sp = (struct sensor_packet){ .linktype = LINKTYPE_NFLOG,
		    .keeps_up = true, .keepalive = ns->last_keepalive,
		    .ts = ns->last_ts };
		sp.when = realtime_to_loop(&sp.ts);
		ns->base.report(&ns->base, &sp);
	}
	regroup(g);
}

/* ---- a member's operations ---- */

static void
nflog_final(struct timer *t)
{
	struct nflog_sensor *ns = t->arg;

	if (ns->mode == SENSOR_IDLE)
		return;
	set_final(ns, true);
	regroup(ns->g);
}

static void
nflog_sensor_mode(struct sensor *s, enum sensor_mode mode)
{
	struct nflog_sensor *ns = (struct nflog_sensor *)s;

	timer_stop(&ns->final_timer);
	set_final(ns, false);
	if (ns->joined && (ns->mode == SENSOR_IDLE) != (mode == SENSOR_IDLE))
		ns->g->idle += mode == SENSOR_IDLE ? 1 : -1;
	ns->mode = mode;
	if (ns->joined)
		regroup(ns->g);
}

static void
nflog_deadline(struct sensor *s, int64_t due)
{
	struct nflog_sensor *ns = (struct nflog_sensor *)s;

	if (due < 0 || ns->mode == SENSOR_IDLE)
		timer_stop(&ns->final_timer);
	else if (!ns->final)
		timer_set(&ns->final_timer, due - FINAL_NS);
}

static int64_t
nflog_flush(struct sensor *s)
{
	struct nflog_sensor *ns = (struct nflog_sensor *)s;

	if (ns->mode == SENSOR_IDLE || ns->g->phase != NFLOG_UP)
		return 0;
	timer_stop(&ns->final_timer);
	set_final(ns, true);
	return configure(ns->g, NFLOG_FINAL) == 0 ? FLUSH_NS : 0;
}

static void
nflog_sync(struct sensor *s)
{
	struct nflog_sensor *ns = (struct nflog_sensor *)s;

	nflog_readable(&ns->g->io, EPOLLIN);
}

/* A member into the group's table; false if its prefix is taken (which
 * the configuration's check rules out). */
static bool
join(struct nflog_sensor *ns)
{
	struct nflog_group *g = ns->g;

	if ((ns->prefix == NULL && g->any != NULL) ||
	    (ns->prefix != NULL && lookup(g, ns->prefix) != NULL) ||
	    (ns->keepalive != NULL && lookup(g, ns->keepalive) != NULL))
		return false;
	if (ns->prefix == NULL)
		g->any = ns;
	rebuild(g, ns, NULL);
	ns->joined = true;
	g->members++;
	if (ns->mode == SENSOR_IDLE)
		g->idle++;
	recount_acks(g);
	regroup(g);
	return true;
}

static int
nflog_start(struct sensor *s)
{
	struct nflog_sensor *ns = (struct nflog_sensor *)s;
	struct nflog_group *g = ns->g;

	if (!join(ns)) {
		sensor_log(&ns->base, log_warnx, "NFLOG: group %d: prefix %s "
		    "is read by another watch", g->group, ns->prefix != NULL ?
		    ns->prefix : "(none)");
		return -1;
	}
	if (ns->prefix != NULL)
		sensor_log(&ns->base, log_info,
		    "Start listening nflog-group %d, prefix %s", g->group,
		    ns->prefix);
	else
		sensor_log(&ns->base, log_info,
		    "Start listening nflog-group %d", g->group);
	if (g->io.fd != -1)
		return 0;
	g->io = (struct io){ .fd = mnl_socket_get_fd(g->nl),
	    .cb = nflog_readable, .arg = g };
	return io_add(&g->io, EPOLLIN);
}

static void
nflog_describe(struct sensor *s, void (*line)(const char *, ...))
{
	struct nflog_sensor *ns = (struct nflog_sensor *)s;

	if (ns->prefix != NULL)
		line("- capture engine: nflog group %d, prefix \"%s\"",
		    ns->g->group, ns->prefix);
	else
		line("- capture engine: nflog group %d", ns->g->group);
	if (ns->keepalive != NULL)
		line("-- while up, only prefix \"%s\" keeps it up",
		    ns->keepalive);
}

static void
nflog_label(const struct sensor *s, char *buf, size_t len)
{
	const struct nflog_sensor *ns = (const struct nflog_sensor *)s;

	if (ns->prefix != NULL)
		snprintf(buf, len, "nflog %d prefix %s", ns->g->group,
		    ns->prefix);
	else
		snprintf(buf, len, "nflog %d", ns->g->group);
}

static void
nflog_keepalive_label(const struct sensor *s, char *buf, size_t len)
{
	const struct nflog_sensor *ns = (const struct nflog_sensor *)s;

	snprintf(buf, len, "nflog %d keep-alive prefix %s", ns->g->group,
	    ns->keepalive != NULL ? ns->keepalive : "?");
}

static void
nflog_env(const struct sensor *s, struct env *e)
{
	const struct nflog_sensor *ns = (const struct nflog_sensor *)s;

	env_set(e, "TUNINETD_SENSOR", "nflog");
	env_set(e, "TUNINETD_NFLOG_GROUP", "%d", ns->g->group);
	if (ns->prefix != NULL)		/* the packet's says it too, at start */
		env_set(e, "TUNINETD_NFLOG_PREFIX", "%s", ns->prefix);
}

static int
nflog_linktype(const struct sensor *s)
{
	(void)s;
	return LINKTYPE_NFLOG;
}

/* whether a member still needs -a's headers copied while up */
static void
recount_acks(struct nflog_group *g)
{
	bool acks = g->any != NULL && g->any->base.ack_only;
	size_t i;

	for (i = 0; i < g->nslots && !acks; i++)
		acks = g->slots[i].prefix != NULL &&
		    g->slots[i].member->base.ack_only;
	if (acks != g->copy_acks) {
		g->copy_acks = acks;
		if (g->phase != NFLOG_IDLE)
			configure(g, g->phase);
	}
}

static void
close_group(struct nflog_group *g)
{
	char buf[256] = { 0 };
	struct nflog_group **pp;
	struct nlmsghdr *nlh;

	for (pp = &groups; *pp != NULL; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	if (g->io.fd != -1)
		io_del(&g->io);
	/* closing the socket unbinds too; saying so is immediate and polite */
	nlh = nflog_nlmsg_put_header(buf, NFULNL_MSG_CONFIG, AF_UNSPEC,
	    (uint16_t)g->group);
	nflog_attr_put_cfg_cmd(nlh, NFULNL_CFG_CMD_UNBIND);
	(void)mnl_socket_sendto(g->nl, nlh, nlh->nlmsg_len);
	mnl_socket_close(g->nl);
	free(g->slots);
	free(g);
}

static void
nflog_sensor_close(struct sensor *s)
{
	struct nflog_sensor *ns = (struct nflog_sensor *)s, **pp;
	struct nflog_group *g = ns->g;

	timer_stop(&ns->final_timer);
	for (pp = &pending; *pp != NULL; pp = &(*pp)->next_pending)
		if (*pp == ns) {
			*pp = ns->next_pending;
			break;
		}
	set_final(ns, false);
	if (ns->joined) {
		if (ns->mode == SENSOR_IDLE)
			g->idle--;
		if (g->any == ns)
			g->any = NULL;
		rebuild(g, NULL, ns);
		g->members--;
	}
	if (--g->refs == 0)
		close_group(g);
	else if (g->members > 0) {
		recount_acks(g);
		regroup(g);
	}
	free(ns->prefix);
	free(ns->keepalive);
	free(ns);
}

/* A reload changed the keep-alive prefix: the table takes the new one. */
static void
nflog_tune(struct sensor *s, const struct watch_conf *wc)
{
	struct nflog_sensor *ns = (struct nflog_sensor *)s;
	char *k = NULL;

	if (same_string(ns->keepalive, wc->keepalive_prefix))
		return;
	if (wc->keepalive_prefix != NULL &&
	    (k = strdup(wc->keepalive_prefix)) == NULL)
		fatal("strdup");
	free(ns->keepalive);
	ns->keepalive = k;
	if (ns->joined)
		rebuild(ns->g, ns, ns);
}

static const struct sensor_ops nflog_ops = {
	.kind = "nflog",
	.tag = "NFLOG",
	.start = nflog_start,
	.set_mode = nflog_sensor_mode,
	.sync = nflog_sync,
	.deadline = nflog_deadline,
	.flush = nflog_flush,
	.tune = nflog_tune,
	.describe = nflog_describe,
	.label = nflog_label,
	.keepalive_label = nflog_keepalive_label,
	.env = nflog_env,
	.linktype = nflog_linktype,
	.close = nflog_sensor_close,
};

/* ---- opening ---- */

/* A record that came before the kernel's answer to the bind: to its
 * member, as any other (a new group has none yet). */
static int
bind_record(const struct nlmsghdr *nlh, void *arg)
{
	if (nlh->nlmsg_type == (NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_PACKET))
		dispatch(arg, nlh);
	return MNL_CB_OK;
}

/* Bind the group in idle mode and wait for the kernel's answer, so that
 * a group held elsewhere or a missing privilege is a start-up error. */
static int
bind_group(struct nflog_group *g, const struct watch_conf *wc, char *err,
    size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], what[32];

	if (send_config(g, NFULNL_CFG_CMD_BIND, NFULNL_COPY_PACKET, SNAPLEN, 1,
	    0, true) == 0 && nl_wait(g->nl, buf, sizeof buf, g->seq, g->portid,
	    bind_record, g) == 0)
		return 0;
	snprintf(what, sizeof what, "NFLOG group %d", g->group);
	nl_bind_refusal(wc, "nflog-group", err, errlen, what);
	return -1;
}

static struct nflog_group *
open_group(const struct watch_conf *wc, char *err, size_t errlen)
{
	int group = wc->nflog_group;
	struct nflog_group *g;

	for (g = groups; g != NULL; g = g->next)
		if (g->group == group)
			return g;
	if ((g = calloc(1, sizeof *g)) == NULL)
		fatal("calloc");
	g->group = group;
	g->seq = (unsigned)time(NULL);
	g->io.fd = -1;
	g->phase = NFLOG_IDLE;
	if ((g->nl = nl_open(&g->portid, &g->rcvbuf)) == NULL) {
		conf_refusal(wc, "nflog-group", err, errlen, "NFLOG group %d: "
		    "netlink socket: %s", group, strerror(errno));
		free(g);
		return NULL;
	}
	/* NFULA_TIMESTAMP is only sent for packets the kernel stamped on
	 * receipt; asking for stamps on any socket makes it stamp them. */
	setsockopt(mnl_socket_get_fd(g->nl), SOL_SOCKET, SO_TIMESTAMP,
	    &(int){ 1 }, sizeof(int));
	if (bind_group(g, wc, err, errlen) == -1) {
		mnl_socket_close(g->nl);
		free(g);
		return NULL;
	}
	g->next = groups;
	groups = g;
	return g;
}

/* The group's receive buffer holds at least bytes: records that come in
 * a burst (a first packet per new session, sensor_nft.c) and would
 * otherwise be lost before the loop reads them. */
void
nflog_sensor_buffer(struct sensor *s, int bytes)
{
	struct nflog_sensor *ns = (struct nflog_sensor *)s;

	nl_rcvbuf_at_least(ns->g->nl, &ns->g->rcvbuf, bytes);
}

bool
nflog_sensor_wanted(const struct watch_conf *wc)
{
	return wc->nflog_group >= 0;
}

struct sensor *
nflog_sensor_open(const struct watch_conf *wc, char *err, size_t errlen)
{
	struct nflog_sensor *ns;
	struct nflog_group *g;

	if ((g = open_group(wc, err, errlen)) == NULL)
		return NULL;
	g->refs++;
	if ((ns = calloc(1, sizeof *ns)) == NULL)
		fatal("calloc");
	sensor_init(&ns->base, &nflog_ops, wc);
	ns->g = g;
	ns->mode = SENSOR_IDLE;
	ns->final_timer = (struct timer){ .cb = nflog_final, .arg = ns };
	if ((wc->nflog_prefix != NULL &&
	    (ns->prefix = strdup(wc->nflog_prefix)) == NULL) ||
	    (wc->keepalive_prefix != NULL &&
	    (ns->keepalive = strdup(wc->keepalive_prefix)) == NULL))
		fatal("strdup");
	return &ns->base;
}
