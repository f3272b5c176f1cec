/*
 * sensor_conntrack.c: --keep-connections MARK[/MASK]. Connections that
 * conntrack tracks with that mark keep a watch up while they are open,
 * however quiet. This sensor never starts a watch and costs nothing per
 * packet; it reads conntrack with libmnl and libnetfilter_conntrack's
 * message helpers.
 *
 * Open means: TCP in state ESTABLISHED (a FIN or an RST ends it, so a
 * connection being closed holds nothing), or a UDP flow conntrack calls
 * assured (replies seen, still active 2 s after its first packet), until
 * conntrack forgets it (nf_conntrack_udp_timeout_stream, 120 s after its
 * last packet by default). Other protocols do not count. Entries exist
 * per network namespace: this is the table of the daemon's own.
 *
 * A look at the table is one dump, filtered by mark in the kernel
 * (CTA_MARK and CTA_MARK_MASK on IPCTNL_MSG_CT_GET), read from the loop
 * like any other socket, at most DUMP_RECVS datagrams a wake-up: a table
 * of 100,000 marked entries (a dump of some 0.3 s) keeps queue verdicts,
 * the control socket and other watches waiting a few ms at most. The
 * kernel builds the reply a datagram at a time, as it is read; the part
 * of its walk that finds nothing to send (empty buckets, other marks,
 * other namespaces' entries) it does in one go, in the call that asks for
 * the next datagram, and no reading in parts can split that.
 *
 * Idle: nothing at all. Starting and up: nothing until a deadline nears.
 * A dump takes time, so it begins ahead of the watch's deadline, by twice
 * the last one's length and LEAD_NS (at most half the TTL): its answer,
 * in by then, is what the table says at the deadline. Once the deadline
 * has come and such connections are open, they hold the watch: a report
 * at now moves its deadline to now + TTL, and a dump begins every POLL_NS
 * while any stays open, each answer that finds some reporting again, at
 * the moment it is in. The first answer that finds none reports once
 * more, at the moment it is in, when we learnt they closed: the stop
 * comes TTL after that, at most POLL_NS and a dump after close + TTL,
 * never before.
 *
 * Nothing waits for the kernel. When a deadline comes before its answer
 * (the dump runs longer than the last one did), or a start hook that ran
 * about a TTL ends (as good as a deadline; nothing is read while it
 * runs), connections that held the watch at the last answer hold it on;
 * else a report moves the deadline to when the answer is due (a wait,
 * REPORT_WAIT: neither a packet nor open connections), and the answer
 * decides: open connections hold the watch, none let it stop, a dump's
 * length late as when the table was read at the deadline. At other
 * times (a signal's stop, SIGUSR1) what the last answer said is what is
 * said.
 *
 * A dump that fails (refused, ENOBUFS, NLM_F_DUMP_INTR) counts as an
 * empty table, said once: the TTL decides, as without the option. Its
 * socket, with whatever of the dump is left in it, is closed; the next
 * dump opens another.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_tcp.h>
#include <linux/capability.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>

#include "conf.h"
#include "env.h"
#include "log.h"
#include "loop.h"
#include "nl.h"
#include "sensor.h"

/* under 1 s, so that the dump and the stop hook's spawn fit in the 1 s
 * a stop may come after close + TTL */
#define POLL_NS		(900 * 1000000LL)
/* a start hook that ran about a TTL may end in a stop at once: check then
 * (the trigger packet passed a little before the sensor heard of it) */
#define START_SLACK_NS	(1 * NSEC_PER_SEC)
#define DUMP_BUFSIZ	32768		/* libmnl's advice for dumps */
/* datagrams read a wake-up: each up to DUMP_BUFSIZ, some 200 entries
 * that the kernel fills and we parse in about 0.5 ms here */
#define DUMP_RECVS	2
/* what a dump may take beyond twice the last one, or beyond its
 * expected end while a deadline waits for it */
#define LEAD_NS		(20 * 1000000LL)

struct ct_sensor {
	struct sensor		 base;
	uint32_t		 mark, mask;
	struct mnl_socket	*nl;		/* NULL after a failure */
	struct io		 io;
	bool			 started;	/* in the loop */
	unsigned		 portid, seq;
	enum sensor_mode	 mode;
	int64_t			 mode_since;	/* of starting or up */
	int64_t			 due;		/* the watch's deadline, or -1 */
	int64_t			 want;		/* the same, as packets and open
						   connections set it, not a
						   wait for an answer */
	bool			 extending;	/* a report of ours moves due */
	struct timer		 next;		/* the next dump begins */
	/* the dump under way, or the last: when it began, the latest
	 * deadline its answer is good for, how long the last answer took */
	bool			 dumping;
	int64_t			 asked, covers, took;
	int			 counted;	/* by the dump under way */
	bool			 awaited;	/* a deadline waits for it */
	bool			 failing;	/* the last dump failed, said */
	int			 open;		/* at the last answer */
	/* this cycle: whether open connections held the watch (and still
	 * did at the stop), since when, for how long before that, and how
	 * many at most */
	bool			 holding, held, still_open;
	int64_t			 held_since, held_ns;
	int			 peak;
	char			 req[256];	/* the dump request, built once */
	uint8_t			 buf[DUMP_BUFSIZ];
};

static bool
counts(const struct ct_sensor *cs, const struct nf_conntrack *ct)
{
	/* the kernel filtered by mark already; one too old for the filter
	 * sends every entry, so look again */
	if ((nfct_get_attr_u32(ct, ATTR_MARK) & cs->mask) != cs->mark)
		return false;
	switch (nfct_get_attr_u8(ct, ATTR_L4PROTO)) {
	case IPPROTO_TCP:
		return nfct_attr_is_set(ct, ATTR_TCP_STATE) > 0 &&
		    nfct_get_attr_u8(ct, ATTR_TCP_STATE) ==
		    TCP_CONNTRACK_ESTABLISHED;
	case IPPROTO_UDP:
		return (nfct_get_attr_u32(ct, ATTR_STATUS) & IPS_ASSURED) != 0;
	default:
		return false;
	}
}

static int
count_entry(const struct nlmsghdr *nlh, void *arg)
{
	struct ct_sensor *cs = arg;
	struct nf_conntrack *ct;

	/* one object per entry: parsing only adds attributes to one */
	if ((ct = nfct_new()) == NULL)
		fatal("nfct_new");
	if (nfct_nlmsg_parse(nlh, ct) == 0 && counts(cs, ct))
		cs->counted++;
	nfct_destroy(ct);
	return MNL_CB_OK;
}

static void	ct_readable(struct io *, uint32_t);

/* A socket for the dumps, in the loop once the sensor is; -1 with errno
 * set. */
static int
socket_open(struct ct_sensor *cs)
{
	int e;

	if ((cs->nl = nl_open(&cs->portid, NULL)) == NULL)
		return -1;
	cs->io = (struct io){ .fd = mnl_socket_get_fd(cs->nl),
	    .cb = ct_readable, .arg = cs };
	if (cs->started && io_add(&cs->io, EPOLLIN) == -1) {
		e = errno;
		mnl_socket_close(cs->nl);
		cs->nl = NULL;
		errno = e;
		return -1;
	}
	return 0;
}

static void
socket_close(struct ct_sensor *cs)
{
	if (cs->nl == NULL)
		return;
	if (cs->started)
		io_del(&cs->io);
	mnl_socket_close(cs->nl);
	cs->nl = NULL;
}

/* How far ahead of a deadline its dump begins. */
static int64_t
lead(const struct ct_sensor *cs)
{
	int64_t ns = 2 * cs->took + LEAD_NS;

	return ns < cs->base.ttl / 2 ? ns : cs->base.ttl / 2;
}

/* When the next dump begins: POLL_NS after the last while connections
 * hold the watch, else ahead of the deadline, unless its answer is in or
 * on its way. */
static void
plan(struct ct_sensor *cs)
{
	if (cs->mode == SENSOR_IDLE || cs->dumping)
		timer_stop(&cs->next);
	else if (cs->holding)
		timer_set(&cs->next, cs->asked + POLL_NS);
	else if (cs->want >= 0 && cs->covers < cs->want)
		timer_set(&cs->next, cs->want - lead(cs));
	else
		timer_stop(&cs->next);
}

/* Ask for the table; the answer comes through ct_readable. A request
 * that cannot be sent is an answer too, a failed one. */
static int
ask(struct ct_sensor *cs, int64_t now)
{
	struct nlmsghdr *req = (struct nlmsghdr *)cs->req;

	cs->asked = now;
	cs->covers = now + lead(cs);
	cs->counted = 0;
	timer_stop(&cs->next);
	if (cs->nl == NULL && socket_open(cs) == -1)
		return -1;
	req->nlmsg_seq = ++cs->seq;
	if (mnl_socket_sendto(cs->nl, req, req->nlmsg_len) == -1)
		return -1;
	cs->dumping = true;
	return 0;
}

static void
report_at(struct ct_sensor *cs, int64_t when, enum report_kind kind)
{
	struct sensor_packet sp = { .when = when, .keeps_up = true,
	    .kind = kind };

	clock_gettime(CLOCK_REALTIME, &sp.ts);
	cs->base.report(&cs->base, &sp);
}

static void
hold(struct ct_sensor *cs, int64_t now)
{
	if (!cs->holding) {
		cs->holding = cs->held = true;
		cs->held_since = now;
	}
	if (cs->open > cs->peak)
		cs->peak = cs->open;
	report_at(cs, now, REPORT_CONNECTIONS);
}

/* The answer is in: n marked connections open, or -1, the dump failed
 * (errno set). A table that cannot be read counts as empty: the TTL
 * decides, as without the option. */
static void
answer(struct ct_sensor *cs, int n, int64_t now)
{
	bool awaited = cs->awaited;

	cs->dumping = cs->awaited = false;
	if (n == -1) {
		if (!cs->failing)
			sensor_log(&cs->base, log_warn,
			    "--keep-connections: reading conntrack");
		cs->failing = true;
		socket_close(cs);
		n = 0;
	} else {
		cs->failing = false;
		cs->took = now - cs->asked;
	}
	if (cs->mode == SENSOR_IDLE)	/* its cycle has ended */
		return;
	cs->open = n;
	if (n > 0 && (cs->holding || awaited))
		hold(cs, now);
	else if (n == 0 && cs->holding) {
		cs->holding = false;
		cs->held_ns += now - cs->held_since;
		report_at(cs, now, REPORT_CONNECTIONS);
	}
	plan(cs);
}

static void
ct_readable(struct io *io, uint32_t events)
{
	struct ct_sensor *cs = io->arg;
	ssize_t n;
	int i, r;

	(void)events;
	for (i = 0; i < DUMP_RECVS; i++) {
		n = recv(io->fd, cs->buf, sizeof cs->buf, MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (!cs->dumping)
			continue;		/* nothing asked for */
		r = n == -1 ? MNL_CB_ERROR : mnl_cb_run(cs->buf, (size_t)n,
		    cs->seq, cs->portid, count_entry, cs);
		if (r != MNL_CB_OK) {
			answer(cs, r == MNL_CB_STOP ? cs->counted : -1,
			    now_ns());
			return;
		}
	}
}

static void
ct_next(struct timer *t)
{
	struct ct_sensor *cs = t->arg;
	int64_t now = now_ns();

	if (ask(cs, now) == -1)
		answer(cs, -1, now);
}

/* The deadline has come, or now is as good as it: the answer for it
 * decides, or the connections that held the watch until now; without
 * either, a report moves the deadline to when the answer is due. */
static void
decide(struct ct_sensor *cs, int64_t now, int64_t deadline)
{
	int64_t due;

	if (cs->holding) {
		report_at(cs, now, REPORT_CONNECTIONS);
		return;
	}
	if (!cs->dumping && cs->covers >= deadline) {
		if (cs->open > 0)
			hold(cs, now);
		return;
	}
	if (!cs->dumping && ask(cs, now) == -1) {
		answer(cs, -1, now);
		return;
	}
	cs->awaited = true;
	due = cs->asked + cs->took > now ? cs->asked + cs->took : now;
	cs->extending = true;
	report_at(cs, due + LEAD_NS - cs->base.ttl, REPORT_WAIT);
	cs->extending = false;
}

static void
ct_sync(struct sensor *s)
{
	struct ct_sensor *cs = (struct ct_sensor *)s;
	int64_t now = now_ns();

	if (cs->mode != SENSOR_IDLE && cs->due >= 0 && now >= cs->due)
		decide(cs, now, cs->want);
}

static void
ct_set_mode(struct sensor *s, enum sensor_mode mode)
{
	struct ct_sensor *cs = (struct ct_sensor *)s;
	int64_t now = now_ns();

	if (mode == SENSOR_IDLE) {
		/* a stop: what held it is kept for the stop's log line; a
		 * dump under way runs out unheard */
		if (cs->holding)
			cs->held_ns += now - cs->held_since;
		cs->still_open = cs->holding;
		cs->holding = cs->awaited = false;
	} else if (cs->mode == SENSOR_IDLE) {
		/* a new cycle */
		cs->holding = cs->held = cs->still_open = false;
		cs->held_ns = 0;
		cs->peak = cs->open = 0;
		cs->mode_since = now;
	}
	cs->mode = mode;
	plan(cs);
}

static void
ct_deadline(struct sensor *s, int64_t due)
{
	struct ct_sensor *cs = (struct ct_sensor *)s;

	cs->due = due;
	if (!cs->extending)
		cs->want = due;
	plan(cs);
}

/* A start hook that ran for the TTL: the watch decides at once whether
 * to stop, without a deadline, so the open connections speak now. */
static void
ct_start_done(struct sensor *s, bool ok)
{
	struct ct_sensor *cs = (struct ct_sensor *)s;
	int64_t now = now_ns();

	(void)ok;
	if (cs->mode != SENSOR_IDLE &&
	    now >= cs->mode_since + cs->base.ttl - START_SLACK_NS)
		decide(cs, now, now);
}

static bool
ct_stop_note(struct sensor *s, char *buf, size_t len)
{
	struct ct_sensor *cs = (struct ct_sensor *)s;
	long long secs = (cs->held_ns + NSEC_PER_SEC / 2) / NSEC_PER_SEC;

	if (!cs->held)
		return false;
	if (cs->still_open)	/* a signal's stop, or max-up */
		snprintf(buf, len, "%d marked connection%s still open, after "
		    "keeping it up %lld s past the TTL", cs->open,
		    cs->open == 1 ? "" : "s", secs);
	else
		snprintf(buf, len, "%d marked connection%s kept it up %lld s "
		    "past the TTL", cs->peak, cs->peak == 1 ? "" : "s", secs);
	return true;
}

static void
ct_describe(struct sensor *s, void (*line)(const char *, ...))
{
	struct ct_sensor *cs = (struct ct_sensor *)s;
	int64_t held = cs->held_ns;

	if (cs->holding)
		held += now_ns() - cs->held_since;
	if (cs->mode == SENSOR_IDLE)
		line("- keep-connections: mark 0x%x/0x%x, checked while up",
		    cs->mark, cs->mask);
	else if (cs->open == 0)
		line("- keep-connections: mark 0x%x/0x%x, none open", cs->mark,
		    cs->mask);
	else if (cs->holding)
		line("- keep-connections: mark 0x%x/0x%x, %d open, holding it "
		    "up for %lld s", cs->mark, cs->mask, cs->open,
		    (long long)(held / NSEC_PER_SEC));
	else
		line("- keep-connections: mark 0x%x/0x%x, %d open (packets "
		    "keep it up for now)", cs->mark, cs->mask, cs->open);
}

static int
ct_start(struct sensor *s)
{
	struct ct_sensor *cs = (struct ct_sensor *)s;

	sensor_log(&cs->base, log_info, "Keeping it up while connections with "
	    "conntrack mark 0x%x/0x%x are open", cs->mark, cs->mask);
	cs->started = true;
	return io_add(&cs->io, EPOLLIN);
}

static void
ct_label(const struct sensor *s, char *buf, size_t len)
{
	const struct ct_sensor *cs = (const struct ct_sensor *)s;

	snprintf(buf, len, "conntrack mark 0x%x/0x%x", cs->mark, cs->mask);
}

/* the stop hook's, when open connections held the watch last */
static void
ct_env(const struct sensor *s, struct env *e)
{
	(void)s;
	env_set(e, "TUNINETD_SENSOR", "conntrack");
}

static int
ct_linktype(const struct sensor *s)
{
	(void)s;
	return 0;
}

static void
ct_close(struct sensor *s)
{
	struct ct_sensor *cs = (struct ct_sensor *)s;

	timer_stop(&cs->next);
	socket_close(cs);
	free(cs);
}

static void
ct_counts(const struct sensor *s, struct sensor_counts *c)
{
	c->connections = ((const struct ct_sensor *)s)->open;
}

static const struct sensor_ops ct_ops = {
	.kind = "conntrack",
	.tag = "CONNTRACK",
	.start = ct_start,
	.set_mode = ct_set_mode,
	.sync = ct_sync,
	.deadline = ct_deadline,
	.start_done = ct_start_done,
	.stop_note = ct_stop_note,
	.counts = ct_counts,
	.describe = ct_describe,
	.label = ct_label,
	.env = ct_env,
	.linktype = ct_linktype,
	.close = ct_close,
};

/* IPCTNL_MSG_CT_GET, a dump of both families, only entries whose mark
 * under the mask is ours. */
static int
build_request(struct ct_sensor *cs)
{
	struct nfct_filter_dump *filter;
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;

	if ((filter = nfct_filter_dump_create()) == NULL)
		return -1;
	nfct_filter_dump_set_attr(filter, NFCT_FILTER_DUMP_MARK,
	    &(struct nfct_filter_dump_mark){ .val = cs->mark,
	    .mask = cs->mask });
	nlh = mnl_nlmsg_put_header(cs->req);
	nlh->nlmsg_type = NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof *nfg);
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	nfct_nlmsg_build_filter(nlh, filter);
	nfct_filter_dump_destroy(filter);
	return 0;
}

/* Say why the table cannot be read, naming what to do about it. */
static void
refusal(const struct watch_conf *wc, int e, char *err, size_t errlen)
{
	const char *k = "keep-connections";

	if (e == EPERM && !have_capability(CAP_NET_ADMIN))
		conf_refusal(wc, k, err, errlen, "reading conntrack needs the "
		    "CAP_NET_ADMIN capability (run as root)");
	else if (e == EPROTONOSUPPORT || e == EOPNOTSUPP || e == ENOENT)
		conf_refusal(wc, k, err, errlen, "conntrack is not available: "
		    "%s (is nf_conntrack_netlink loaded?)", strerror(e));
	else
		conf_refusal(wc, k, err, errlen, "reading conntrack: %s",
		    strerror(e));
}

bool
conntrack_sensor_wanted(const struct watch_conf *wc)
{
	return wc->keep_connections;
}

/* Open the socket and ask conntrack for its counters (one message,
 * however large the table: a reload that opens the sensor does not wait
 * for a dump), waiting for the answer, so that a missing privilege or a
 * kernel without conntrack is a start-up error. The first dump's length
 * is not known: the first deadline may wait for its answer (decide). */
struct sensor *
conntrack_sensor_open(const struct watch_conf *wc, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ct_sensor *cs;
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;

	if ((cs = calloc(1, sizeof *cs)) == NULL)
		fatal("calloc");
	sensor_init(&cs->base, &ct_ops, wc);
	cs->mark = wc->keep_mark;
	cs->mask = wc->keep_mask;
	cs->mode = SENSOR_IDLE;
	cs->due = cs->want = cs->covers = -1;
	cs->next = (struct timer){ .cb = ct_next, .arg = cs };
	cs->seq = (unsigned)time(NULL);

	if (socket_open(cs) == -1) {
		refusal(wc, errno, err, errlen);
		goto fail;
	}
	if (build_request(cs) == -1)
		fatal("nfct_filter_dump_create");
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_GET_STATS;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++cs->seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof *nfg);
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	if (mnl_socket_sendto(cs->nl, nlh, nlh->nlmsg_len) == -1 ||
	    nl_wait(cs->nl, buf, sizeof buf, cs->seq, cs->portid, NULL,
	    NULL) == -1) {
		refusal(wc, errno, err, errlen);
		goto fail;
	}
	return &cs->base;
fail:
	socket_close(cs);
	free(cs);
	return NULL;
}
