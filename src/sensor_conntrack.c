/*
 * sensor_conntrack.c: --keep-connections MARK[/MASK]. Connections that
 * conntrack tracks with that mark keep a watch up while they are open,
 * however quiet. This sensor never starts a watch, has no fd in the loop
 * and costs nothing per packet; it reads conntrack with libmnl and
 * libnetfilter_conntrack's message helpers.
 *
 * Open means: TCP in state ESTABLISHED (a FIN or an RST ends it, so a
 * connection being closed holds nothing), or a UDP flow conntrack calls
 * assured (replies seen, still active 2 s after its first packet), until
 * conntrack forgets it (nf_conntrack_udp_timeout_stream, 120 s after its
 * last packet by default). Other protocols do not count. Entries exist
 * per network namespace: this is the table of the daemon's own.
 *
 * Idle: nothing at all. Starting and up: nothing until the watch asks
 * (sync: at its deadline, before a signal's stop, before SIGUSR1's lines);
 * then one dump of the table, filtered by mark in the kernel (CTA_MARK and
 * CTA_MARK_MASK on IPCTNL_MSG_CT_GET), read at once: the kernel builds the
 * reply as it is read. Once the deadline has come and such connections
 * are open, they hold the watch: a report at now moves its deadline to
 * now + TTL, and the check repeats every POLL_NS while any stays open.
 * The first check that finds none reports once more, at now, the moment
 * we learnt they closed: the stop comes TTL after that, at most POLL_NS
 * and a dump after close + TTL, never before.
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

struct ct_sensor {
	struct sensor		 base;
	uint32_t		 mark, mask;
	struct mnl_socket	*nl;
	unsigned		 portid, seq;
	enum sensor_mode	 mode;
	int64_t			 mode_since;	/* of starting or up */
	int64_t			 due;		/* the watch's deadline, or -1 */
	struct timer		 poll;
	bool			 failing;	/* the last dump failed, said */
	int			 open;		/* at the last check */
	int			 counted;	/* by the dump under way */
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

/* What an earlier dump left unread (it failed half-way) is not news. */
static void
drain(struct ct_sensor *cs)
{
	while (recv(mnl_socket_get_fd(cs->nl), cs->buf, sizeof cs->buf,
	    MSG_DONTWAIT) > 0)
		;
}

/* How many marked connections are open now, or -1 with errno set. */
static int
dump(struct ct_sensor *cs)
{
	struct nlmsghdr *req = (struct nlmsghdr *)cs->req;

	drain(cs);
	req->nlmsg_seq = ++cs->seq;
	if (mnl_socket_sendto(cs->nl, req, req->nlmsg_len) == -1)
		return -1;
	cs->counted = 0;
	if (nl_wait(cs->nl, cs->buf, sizeof cs->buf, cs->seq, cs->portid,
	    count_entry, cs) == -1)
		return -1;
	return cs->counted;
}

static void
report_now(struct ct_sensor *cs, int64_t now)
{
	struct sensor_packet sp = { .when = now, .keeps_up = true,
	    .connections = true };

	clock_gettime(CLOCK_REALTIME, &sp.ts);
	cs->base.report(&cs->base, &sp);
}

/* One look at the table. Connections hold the watch once its deadline
 * has come (or, forced, now is as good as its deadline), and from then
 * on until none is open. A table that cannot be read counts as empty:
 * the TTL decides, as without the option. */
static void
check(struct ct_sensor *cs, bool force)
{
	int64_t now = now_ns();
	int n;

	if ((n = dump(cs)) == -1) {
		if (!cs->failing)
			sensor_log(&cs->base, log_warn,
			    "--keep-connections: reading conntrack");
		cs->failing = true;
		n = 0;
	} else
		cs->failing = false;
	cs->open = n;
	if (n > 0 && (cs->holding || force ||
	    (cs->due >= 0 && now >= cs->due))) {
		if (!cs->holding) {
			cs->holding = cs->held = true;
			cs->held_since = now;
		}
		if (n > cs->peak)
			cs->peak = n;
		timer_set(&cs->poll, now + POLL_NS);
		report_now(cs, now);
	} else if (n == 0 && cs->holding) {
		cs->holding = false;
		cs->held_ns += now - cs->held_since;
		timer_stop(&cs->poll);
		report_now(cs, now);
	}
}

static void
ct_poll(struct timer *t)
{
	check(t->arg, false);
}

static void
ct_sync(struct sensor *s)
{
	struct ct_sensor *cs = (struct ct_sensor *)s;

	if (cs->mode != SENSOR_IDLE)
		check(cs, false);
}

static void
ct_set_mode(struct sensor *s, enum sensor_mode mode)
{
	struct ct_sensor *cs = (struct ct_sensor *)s;
	int64_t now = now_ns();

	if (mode == SENSOR_IDLE) {
		/* a stop: what held it is kept for the stop's log line */
		timer_stop(&cs->poll);
		if (cs->holding)
			cs->held_ns += now - cs->held_since;
		cs->still_open = cs->holding;
		cs->holding = false;
	} else if (cs->mode == SENSOR_IDLE) {
		/* a new cycle */
		cs->holding = cs->held = cs->still_open = false;
		cs->held_ns = 0;
		cs->peak = cs->open = 0;
		cs->mode_since = now;
	}
	cs->mode = mode;
}

static void
ct_deadline(struct sensor *s, int64_t due)
{
	((struct ct_sensor *)s)->due = due;
}

/* A start hook that ran for the TTL: the watch decides at once whether
 * to stop, without a deadline, so the open connections speak now. */
static void
ct_start_done(struct sensor *s, bool ok)
{
	struct ct_sensor *cs = (struct ct_sensor *)s;

	(void)ok;
	if (cs->mode != SENSOR_IDLE &&
	    now_ns() >= cs->mode_since + cs->base.ttl - START_SLACK_NS)
		check(cs, true);
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
	return 0;
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

	timer_stop(&cs->poll);
	mnl_socket_close(cs->nl);
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

/* Open the socket and read the table once, so that a missing privilege
 * or a kernel without conntrack is a start-up error. */
struct sensor *
conntrack_sensor_open(const struct watch_conf *wc, char *err, size_t errlen)
{
	struct ct_sensor *cs;

	if ((cs = calloc(1, sizeof *cs)) == NULL)
		fatal("calloc");
	sensor_init(&cs->base, &ct_ops, wc);
	cs->mark = wc->keep_mark;
	cs->mask = wc->keep_mask;
	cs->mode = SENSOR_IDLE;
	cs->due = -1;
	cs->poll = (struct timer){ .cb = ct_poll, .arg = cs };
	cs->seq = (unsigned)time(NULL);

	if ((cs->nl = nl_open(&cs->portid, NULL)) == NULL) {
		refusal(wc, errno, err, errlen);
		goto fail;
	}
	if (build_request(cs) == -1)
		fatal("nfct_filter_dump_create");
	if (dump(cs) == -1) {
		refusal(wc, errno, err, errlen);
		goto fail;
	}
	return &cs->base;
fail:
	if (cs->nl != NULL)
		mnl_socket_close(cs->nl);
	free(cs);
	return NULL;
}
