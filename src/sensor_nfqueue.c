/*
 * sensor_nfqueue.c: a netfilter queue (iptables -j NFQUEUE --queue-num N
 * --queue-bypass, nftables `queue num N bypass') that holds the packets
 * which should bring the service up, read with libmnl and
 * libnetfilter_queue's message helpers.
 *
 * Idle, starting, stopping: every packet is held (no verdict yet) and its
 * id and arrival kept in a ring, oldest first. The first is reported
 * whole (SNAPLEN bytes of the network-layer packet, LINKTYPE_RAW), later
 * ones by their time. When the start hook exits 0, one NFQNL_MSG_VERDICT_
 * BATCH accepts every id up to the newest held: the kernel walks its
 * queue in arrival order, so they leave in the order they came, and a
 * packet it dropped meanwhile (its interface went away) is simply no
 * longer there. A failed start drops them the same way. At most
 * --queue-hold-max are held (the next get NF_DROP at once), none longer
 * than --hook-timeout (a timer drops the oldest); the drops are counted
 * and said once, when the episode ends.
 *
 * Up: nothing is held. With another packet sensor on the watch (-i, -n)
 * the queue is unbound: the rule's bypass flag then passes packets at no
 * cost to us, and the other sensor keeps the deadline. Unbinding would
 * drop what the kernel still queues, so first the queue length is set to
 * 0 with NFQA_CFG_F_FAIL_OPEN (new packets pass), what is queued is
 * accepted, and only then is it unbound; leaving up binds it again.
 * Alone, the sensor stays bound with no payload copied (or the 96 bytes
 * -a needs), reads up to READ_BATCH messages per recvmmsg, accepts them
 * with one batch verdict for the highest id, and reports only the last
 * one's time: a packet waits for one wake-up of the daemon, nothing is
 * batched in the kernel, so a stop needs no flush. That costs about 4 us
 * of our CPU per packet (make bench; NFLOG: 0.07 us), most of it the
 * kernel passing each accepted packet on up its stack inside our
 * verdict: unbinding is what makes up mode cheap, so it is taken
 * whenever another sensor can keep the deadline.
 *
 * Faults: the kernel's queue is longer than the hold (KERNEL_MARGIN more)
 * and fails open (NFQA_CFG_F_FAIL_OPEN): when the daemon cannot read (it
 * is stopped), packets beyond it pass instead of being dropped, as the
 * bypass flag passes them when the daemon is gone. A full receive buffer
 * (ENOBUFS) passes them too; it counts as traffic now.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "env.h"
#include "log.h"
#include "loop.h"
#include "nl.h"
#include "packet.h"
#include "sensor.h"

#define READ_BATCH	64		/* messages per recvmmsg */
#define SLOT		2048		/* a message: SNAPLEN bytes + metadata */
#define READS_PER_WAKE	16		/* recvmmsg calls per wake-up */
#define KERNEL_MARGIN	1024		/* queued beyond the hold, unread */
#define STAMP_SKEW_NS	(10 * NSEC_PER_SEC)

struct held {
	uint32_t	 id;
	int64_t		 at;		/* loop clock, when read */
};

struct nfqueue_sensor {
	struct sensor		 base;
	int			 queue;
	unsigned		 hold_max;
	int64_t			 hold_ns;	/* --hook-timeout, 0: none */
	bool			 alone;		/* no other packet sensor */
	struct mnl_socket	*nl;
	unsigned		 portid, seq, bind_seq;
	bool			 bound;
	enum sensor_mode	 mode;
	struct io		 io;
	struct timer		 expire;
	struct held		*held;		/* ring of hold_max */
	unsigned		 head, nheld;
	/* dropped in this episode, said when it ends */
	unsigned long		 over_max, expired;
	unsigned long		 dropped;	/* in all, for tuninetctl */
	struct nl_rcvbuf	 rcvbuf;
	uint8_t			 first[RECORD_MAX];
	struct mmsghdr		 msgs[READ_BATCH];
	struct iovec		 iov[READ_BATCH];
	uint8_t			 buf[READ_BATCH][SLOT];	/* touched as used */
};

/* what one wake-up learnt */
struct wake {
	struct sensor_packet	 first;		/* idle: reported whole */
	bool			 have_last;
	struct timespec		 last_ts;
	uint32_t		 accept_to;	/* up: batch verdict */
	bool			 accept;
};

static void	nfqueue_readable(struct io *, uint32_t);
static void	nfqueue_expire(struct timer *);

static struct nlmsghdr *
put_header(struct nfqueue_sensor *qs, char *buf, size_t len, int type)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, len);	/* attribute padding goes out too */
	nlh = nfq_nlmsg_put(buf, type, (uint32_t)qs->queue);
	nlh->nlmsg_seq = ++qs->seq;
	return nlh;
}

/* One NFQNL_MSG_CONFIG: the bind command first if asked, then copy mode,
 * queue length, and the flags: fail open, GSO packets whole (we never
 * change a packet, so the kernel need not segment it for us). */
static int
send_config(struct nfqueue_sensor *qs, uint8_t cmd, uint8_t copy,
    uint32_t range, uint32_t maxlen, bool ack)
{
	char buf[256];
	struct nlmsghdr *nlh;
	uint32_t flags = NFQA_CFG_F_FAIL_OPEN | NFQA_CFG_F_GSO;

	nlh = put_header(qs, buf, sizeof buf, NFQNL_MSG_CONFIG);
	if (ack)
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (cmd != NFQNL_CFG_CMD_NONE)
		nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, cmd);
	if (cmd != NFQNL_CFG_CMD_UNBIND) {
		nfq_nlmsg_cfg_put_params(nlh, copy, (int)range);
		nfq_nlmsg_cfg_put_qmaxlen(nlh, maxlen);
		mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(flags));
		mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(flags));
	}
	return mnl_socket_sendto(qs->nl, nlh, nlh->nlmsg_len) == -1 ? -1 : 0;
}

/* The copy mode and queue length a mode wants, with the bind command or
 * not: whole headers while packets may be held, the least while up. */
static int
configure(struct nfqueue_sensor *qs, uint8_t cmd, bool ack)
{
	uint32_t maxlen = qs->hold_max + KERNEL_MARGIN;

	if (qs->mode == SENSOR_UP && qs->base.ack_only)
		return send_config(qs, cmd, NFQNL_COPY_PACKET, NL_ACK_RANGE,
		    maxlen, ack);
	if (qs->mode == SENSOR_UP)
		return send_config(qs, cmd, NFQNL_COPY_META, 0, maxlen, ack);
	return send_config(qs, cmd, NFQNL_COPY_PACKET, SNAPLEN, maxlen, ack);
}

/* NF_ACCEPT or NF_DROP for one packet, or (batch) for every packet still
 * queued up to id, in the order the kernel queued them. */
static void
verdict(struct nfqueue_sensor *qs, bool batch, uint32_t id, int v)
{
	char buf[64];
	struct nlmsghdr *nlh;

	nlh = put_header(qs, buf, sizeof buf,
	    batch ? NFQNL_MSG_VERDICT_BATCH : NFQNL_MSG_VERDICT);
	nfq_nlmsg_verdict_put(nlh, (int)id, v);
	if (mnl_socket_sendto(qs->nl, nlh, nlh->nlmsg_len) == -1)
		sensor_log(&qs->base, log_warn,
		    "NFQUEUE: queue %d: verdict for packet %u", qs->queue,
		    id);
}

static struct held *
held_at(struct nfqueue_sensor *qs, unsigned i)
{
	return &qs->held[(qs->head + i) % qs->hold_max];
}

static const char *
plural(unsigned long n)
{
	return n == 1 ? "" : "s";
}

/* The drops of an episode, said once it ends. */
static void
say_drops(struct nfqueue_sensor *qs)
{
	if (qs->over_max > 0)
		sensor_log(&qs->base, log_warnx,
		    "NFQUEUE: queue %d: dropped %lu packet%s beyond "
		    "--queue-hold-max %u", qs->queue, qs->over_max,
		    plural(qs->over_max), qs->hold_max);
	if (qs->expired > 0)
		sensor_log(&qs->base, log_warnx,
		    "NFQUEUE: queue %d: dropped %lu held packet%s older "
		    "than --hook-timeout %lld s", qs->queue, qs->expired,
		    plural(qs->expired), (long long)(qs->hold_ns / NSEC_PER_SEC));
	qs->over_max = qs->expired = 0;
}

/* Every packet held gets its verdict, oldest first. */
static void
release(struct nfqueue_sensor *qs, int v, const char *why)
{
	unsigned n = qs->nheld;

	timer_stop(&qs->expire);
	if (n > 0) {
		verdict(qs, true, held_at(qs, n - 1)->id, v);
		if (v == NF_ACCEPT)
			sensor_log(&qs->base, log_info,
			    "NFQUEUE: queue %d: accepted %u held packet%s",
			    qs->queue, n, plural(n));
		else {
			qs->dropped += n;
			sensor_log(&qs->base, log_warnx,
			    "NFQUEUE: queue %d: %s: dropped %u held "
			    "packet%s", qs->queue, why, n, plural(n));
		}
	}
	qs->head = qs->nheld = 0;
	say_drops(qs);
}

static void
hold(struct nfqueue_sensor *qs, uint32_t id)
{
	int64_t now = now_ns();

	if (qs->nheld == qs->hold_max) {
		verdict(qs, false, id, NF_DROP);
		qs->over_max++;
		qs->dropped++;
		return;
	}
	*held_at(qs, qs->nheld) = (struct held){ .id = id, .at = now };
	if (qs->nheld++ == 0 && qs->hold_ns > 0)
		timer_set(&qs->expire, now + qs->hold_ns);
}

/* --hook-timeout: the oldest held packets go, the rest wait on. */
static void
nfqueue_expire(struct timer *t)
{
	struct nfqueue_sensor *qs = t->arg;
	int64_t now = now_ns();
	unsigned n = 0;

	while (n < qs->nheld && held_at(qs, n)->at + qs->hold_ns <= now)
		n++;
	if (n > 0) {
		verdict(qs, true, held_at(qs, n - 1)->id, NF_DROP);
		qs->head = (qs->head + n) % qs->hold_max;
		qs->nheld -= n;
		qs->expired += n;
		qs->dropped += n;
	}
	if (qs->nheld > 0)
		timer_set(&qs->expire, held_at(qs, 0)->at + qs->hold_ns);
}

static void
overflowed(struct nfqueue_sensor *qs)
{
	unsigned long said;

	if ((said = nl_overflowed(qs->nl, &qs->rcvbuf)) > 0)
		sensor_log(&qs->base, log_warnx,
		    "NFQUEUE: queue %d: receive buffer overflowed, "
		    "packets passed unheld (%lu times since last said); buffer "
		    "now %d KiB", qs->queue, said, qs->rcvbuf.size / 1024);
}

/* The kernel stamps packets on the input path (when someone asked for
 * stamps); an output packet may carry a departure time of another clock
 * instead, so a stamp far from now is not believed. */
static void
packet_time(struct nlattr **attr, struct timespec *ts)
{
	struct timespec now, t;
	int64_t d;

	clock_gettime(CLOCK_REALTIME, &now);
	*ts = now;
	if (!nl_timestamp(attr[NFQA_TIMESTAMP], &t))
		return;
	d = ((int64_t)now.tv_sec - (int64_t)t.tv_sec) * NSEC_PER_SEC +
	    (now.tv_nsec - t.tv_nsec);
	if (d > -STAMP_SKEW_NS && d < STAMP_SKEW_NS)
		*ts = t;
}

static bool
keeps_up(const struct nfqueue_sensor *qs, struct nlattr **attr)
{
	struct packet_info pi;

	if (!qs->base.ack_only)
		return true;
	if (attr[NFQA_PAYLOAD] == NULL)
		return false;
	packet_decode(LINKTYPE_RAW, mnl_attr_get_payload(attr[NFQA_PAYLOAD]),
	    mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]), &pi);
	return packet_is_tcp_ack(&pi);
}

static void
reply(struct nfqueue_sensor *qs, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof *e || e->error == 0)
		return;
	if (e->msg.nlmsg_seq == qs->bind_seq && qs->bind_seq != 0) {
		/* leaving up, the queue could not be bound again */
		qs->bound = false;
		sensor_log(&qs->base, log_warnx,
		    "NFQUEUE: queue %d: cannot bind it again (%s): "
		    "packets pass unheld until the next try", qs->queue,
		    -e->error == EPERM ? "another process holds it" :
		    strerror(-e->error));
	} else if (-e->error != ENOENT)
		/* ENOENT: the kernel dropped those packets already */
		sensor_log(&qs->base, log_warnx,
		    "NFQUEUE: queue %d: request refused: %s", qs->queue,
		    strerror(-e->error));
}

/* One message: held, or accepted with the batch (up); the first whole
 * (idle), the time of the last that keeps the watch up. */
static void
take(struct nfqueue_sensor *qs, const struct nlmsghdr *nlh, struct wake *wk,
    bool quiet)
{
	struct nlattr *attr[NFQA_MAX + 1] = { NULL };
	const struct nfqnl_msg_packet_hdr *ph;
	const uint16_t packet = NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_PACKET;
	struct sensor_packet *f = &wk->first;
	uint32_t id, n;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		reply(qs, nlh);
		return;
	}
	if (nlh->nlmsg_type != packet || nfq_nlmsg_parse(nlh, attr) != MNL_CB_OK ||
	    attr[NFQA_PACKET_HDR] == NULL ||
	    mnl_attr_get_payload_len(attr[NFQA_PACKET_HDR]) < sizeof *ph)
		return;
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	id = ntohl(ph->packet_id);
	if (qs->mode == SENSOR_UP || quiet) {
		wk->accept = true;
		wk->accept_to = id;
	} else
		hold(qs, id);
	if (quiet)
		return;
	if (qs->mode == SENSOR_IDLE && f->data == NULL &&
	    attr[NFQA_PAYLOAD] != NULL) {
		n = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
		f->caplen = n < RECORD_MAX ? n : RECORD_MAX;
		f->len = attr[NFQA_CAP_LEN] != NULL ?
		    ntohl(mnl_attr_get_u32(attr[NFQA_CAP_LEN])) : n;
		memcpy(qs->first, mnl_attr_get_payload(attr[NFQA_PAYLOAD]),
		    f->caplen);
		f->data = qs->first;
		f->keeps_up = keeps_up(qs, attr);
		packet_time(attr, &f->ts);
		return;
	}
	if (keeps_up(qs, attr)) {
		packet_time(attr, &wk->last_ts);
		wk->have_last = true;
	}
}

/* Read what is queued, at most READS_PER_WAKE batches (an ENOBUFS is
 * noted in wk). quiet: accept all, learn nothing, and read to the end:
 * it comes before an unbind, which would drop whatever is left, and the
 * kernel's queue is already closed to new packets then. */
static void
drain(struct nfqueue_sensor *qs, struct wake *wk, bool quiet)
{
	const struct nlmsghdr *nlh;
	int r, i, k, len;

	for (r = 0; quiet || r < READS_PER_WAKE; r++) {
		for (i = 0; i < READ_BATCH; i++) {
			qs->iov[i] = (struct iovec){ qs->buf[i], SLOT };
			qs->msgs[i].msg_hdr = (struct msghdr){
			    .msg_iov = &qs->iov[i], .msg_iovlen = 1 };
		}
		k = recvmmsg(qs->io.fd, qs->msgs, READ_BATCH, MSG_DONTWAIT,
		    NULL);
		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1 && errno == ENOBUFS) {
			/* packets passed unseen, so packets were passing: now */
			overflowed(qs);
			if (!quiet) {
				clock_gettime(CLOCK_REALTIME, &wk->last_ts);
				wk->have_last = true;
			}
			continue;
		}
		if (k == -1) {
			if (errno != EAGAIN)
				sensor_log(&qs->base, log_warn,
				    "NFQUEUE: queue %d: recv", qs->queue);
			break;
		}
		for (i = 0; i < k; i++) {
			len = (int)qs->msgs[i].msg_len;
			nlh = (const struct nlmsghdr *)qs->buf[i];
			for (; mnl_nlmsg_ok(nlh, len);
			    nlh = mnl_nlmsg_next(nlh, &len))
				take(qs, nlh, wk, quiet);
		}
		if (k < READ_BATCH)
			break;
	}
	if (wk->accept)
		verdict(qs, true, wk->accept_to, NF_ACCEPT);
}

static void
nfqueue_readable(struct io *io, uint32_t events)
{
	struct nfqueue_sensor *qs = io->arg;
	struct wake wk = { .first = { .linktype = LINKTYPE_RAW } };
	struct sensor_packet last = { .linktype = LINKTYPE_RAW,
	    .keeps_up = true };

	(void)events;
	drain(qs, &wk, false);
	/* report last: a report may change the mode (and so this sensor) */
	if (wk.first.data != NULL) {
		wk.first.when = realtime_to_loop(&wk.first.ts);
		qs->base.report(&qs->base, &wk.first);
	}
	/* the last that keeps it up; idle with none whole (lost to an
	 * overflow), it starts the watch without the packet */
	if (wk.have_last) {
		last.ts = wk.last_ts;
		last.when = realtime_to_loop(&last.ts);
		qs->base.report(&qs->base, &last);
	}
}

/* Up with another sensor: let the bypass flag pass packets. The kernel
 * drops what an unbound queue still holds, so nothing may be queued by
 * then: new packets fail open past a zero-length queue, the queued ones
 * are accepted, then the queue goes. */
static void
unbind(struct nfqueue_sensor *qs)
{
	struct wake wk = { .accept = false };

	if (!qs->bound)
		return;
	if (send_config(qs, NFQNL_CFG_CMD_NONE, NFQNL_COPY_META, 0, 0,
	    false) == -1)
		sensor_log(&qs->base, log_warn,
		    "NFQUEUE: queue %d: configuration", qs->queue);
	drain(qs, &wk, true);
	if (send_config(qs, NFQNL_CFG_CMD_UNBIND, 0, 0, 0, false) == -1)
		sensor_log(&qs->base, log_warn,
		    "NFQUEUE: queue %d: unbind", qs->queue);
	qs->bound = false;
}

static void
rebind(struct nfqueue_sensor *qs)
{
	if (configure(qs, NFQNL_CFG_CMD_BIND, true) == -1) {
		sensor_log(&qs->base, log_warn,
		    "NFQUEUE: queue %d: bind", qs->queue);
		return;
	}
	qs->bind_seq = qs->seq;
	qs->bound = true;
}

static void
nfqueue_set_mode(struct sensor *s, enum sensor_mode mode)
{
	struct nfqueue_sensor *qs = (struct nfqueue_sensor *)s;
	enum sensor_mode from = qs->mode;
	struct wake wk = { .accept = false };

	if (mode == from)
		return;
	if (mode == SENSOR_UP) {
		/* after start_done, or a watch put on hold: let them go */
		release(qs, NF_ACCEPT, NULL);
		qs->mode = mode;
		if (!qs->alone)
			unbind(qs);
		else if (configure(qs, NFQNL_CFG_CMD_NONE, false) == -1)
			sensor_log(&qs->base, log_warn,
			    "NFQUEUE: queue %d: configuration", qs->queue);
		return;
	}
	qs->mode = mode;
	if (from != SENSOR_UP)
		return;		/* idle and starting both hold */
	if (!qs->alone) {
		rebind(qs);
		return;
	}
	/* what passed while up (copied without payload) is let through */
	drain(qs, &wk, true);
	if (configure(qs, NFQNL_CFG_CMD_NONE, false) == -1)
		sensor_log(&qs->base, log_warn,
		    "NFQUEUE: queue %d: configuration", qs->queue);
}

static void
nfqueue_start_done(struct sensor *s, bool ok)
{
	struct nfqueue_sensor *qs = (struct nfqueue_sensor *)s;

	release(qs, ok ? NF_ACCEPT : NF_DROP, "start failed");
}

static void
nfqueue_sync(struct sensor *s)
{
	struct nfqueue_sensor *qs = (struct nfqueue_sensor *)s;

	if (qs->bound)
		nfqueue_readable(&qs->io, EPOLLIN);
}

static int
nfqueue_start(struct sensor *s)
{
	struct nfqueue_sensor *qs = (struct nfqueue_sensor *)s;

	sensor_log(&qs->base, log_info,
	    "Start listening nfqueue %d", qs->queue);
	return io_add(&qs->io, EPOLLIN);
}

static void
nfqueue_describe(struct sensor *s, void (*line)(const char *, ...))
{
	struct nfqueue_sensor *qs = (struct nfqueue_sensor *)s;

	line("- capture engine: nfqueue %d (%u held)%s", qs->queue, qs->nheld,
	    qs->bound ? "" : qs->mode == SENSOR_UP ? ", unbound while up" :
	    ", not bound: packets pass unheld");
}

static void
nfqueue_label(const struct sensor *s, char *buf, size_t len)
{
	snprintf(buf, len, "nfqueue %d",
	    ((const struct nfqueue_sensor *)s)->queue);
}

static void
nfqueue_env(const struct sensor *s, struct env *e)
{
	env_set(e, "TUNINETD_SENSOR", "nfqueue");
	env_set(e, "TUNINETD_QUEUE", "%d",
	    ((const struct nfqueue_sensor *)s)->queue);
}

static int
nfqueue_linktype(const struct sensor *s)
{
	(void)s;
	return LINKTYPE_RAW;
}

/* Every held packet gets its verdict (they pass if the watch is up),
 * then the queue goes; the bypass flag passes what comes after. */
static void
nfqueue_sensor_close(struct sensor *s)
{
	struct nfqueue_sensor *qs = (struct nfqueue_sensor *)s;
	struct wake wk = { .accept = false };

	if (qs->bound && qs->mode == SENSOR_UP)
		drain(qs, &wk, true);
	release(qs, qs->mode == SENSOR_UP ? NF_ACCEPT : NF_DROP, "exiting");
	if (qs->bound)
		(void)send_config(qs, NFQNL_CFG_CMD_UNBIND, 0, 0, 0, false);
	timer_stop(&qs->expire);
	if (qs->io.fd != -1)
		io_del(&qs->io);	/* an event of this wake-up may name it */
	mnl_socket_close(qs->nl);
	free(qs->held);
	free(qs);
}

static void
nfqueue_counts(const struct sensor *s, struct sensor_counts *c)
{
	const struct nfqueue_sensor *qs = (const struct nfqueue_sensor *)s;

	c->held = qs->nheld;
	c->dropped = (long)qs->dropped;
}

static const struct sensor_ops nfqueue_ops = {
	.kind = "nfqueue",
	.tag = "NFQUEUE",
	.start = nfqueue_start,
	.set_mode = nfqueue_set_mode,
	.sync = nfqueue_sync,	/* nothing waits in the kernel: no flush */
	.start_done = nfqueue_start_done,
	.describe = nfqueue_describe,
	.label = nfqueue_label,
	.env = nfqueue_env,
	.linktype = nfqueue_linktype,
	.counts = nfqueue_counts,
	.close = nfqueue_sensor_close,
};

/* Bind the queue for holding and wait for the kernel's answer, so that a
 * queue held elsewhere or a missing privilege is a start-up error. */
static int
bind_queue(struct nfqueue_sensor *qs, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], what[32];

	if (configure(qs, NFQNL_CFG_CMD_BIND, true) == 0 &&
	    nl_wait(qs->nl, buf, sizeof buf, qs->seq, qs->portid, NULL,
	    NULL) == 0)
		return 0;
	snprintf(what, sizeof what, "NFQUEUE queue %d", qs->queue);
	nl_bind_refusal(err, errlen, "-q", what);
	return -1;
}

bool
nfqueue_sensor_wanted(const struct watch_conf *wc)
{
	return wc->queue >= 0;
}

struct sensor *
nfqueue_sensor_open(const struct watch_conf *wc, char *err, size_t errlen)
{
	struct nfqueue_sensor *qs;

	if ((qs = calloc(1, sizeof *qs)) == NULL ||
	    (qs->held = calloc(wc->queue_hold_max, sizeof *qs->held)) == NULL)
		fatal("calloc");
	sensor_init(&qs->base, &nfqueue_ops, wc);
	qs->queue = wc->queue;
	qs->hold_max = wc->queue_hold_max;
	qs->hold_ns = (int64_t)wc->hook_timeout * NSEC_PER_SEC;
	qs->alone = wc->ifname == NULL && wc->nflog_group < 0;
	qs->expire = (struct timer){ .cb = nfqueue_expire, .arg = qs };
	qs->seq = (unsigned)time(NULL);
	qs->mode = SENSOR_IDLE;

	if ((qs->nl = nl_open(&qs->portid, &qs->rcvbuf)) == NULL) {
		snprintf(err, errlen, "-q: NFQUEUE queue %d: netlink socket: %s",
		    qs->queue, strerror(errno));
		goto fail;
	}
	qs->io = (struct io){ .fd = mnl_socket_get_fd(qs->nl),
	    .cb = nfqueue_readable, .arg = qs };
	if (bind_queue(qs, err, errlen) == -1)
		goto fail;
	qs->bound = true;
	return &qs->base;
fail:
	if (qs->nl != NULL)
		mnl_socket_close(qs->nl);
	free(qs->held);
	free(qs);
	return NULL;
}
