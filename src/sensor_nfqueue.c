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
 * and said once, when the episode ends. A start that will not come any
 * more (a stop or a hold cancelled it) drops them at once.
 *
 * The kernel drops queued packets itself when a netfilter hook of the
 * namespace goes (a base chain or table deleted, an iptables table
 * unloaded) or their interface does, without a word to us. So held
 * packets are accepted one verdict each, acknowledged (NLM_F_ACK): the
 * kernel answers ENOENT for a packet it no longer has, and the log says
 * how many were accepted and how many the kernel had dropped, once the
 * answers are in (they come through the socket like the packets). The
 * sender's retransmission is what brings such a connection through; a
 * copy sent again by us would skip the rules after the queue's.
 *
 * A reload that gives the queue to another watch (the same one changed,
 * or renamed) hands it over: the new watch's sensor is opened as the
 * heir of the one that holds the queue, and takes its socket and the
 * packets it holds when it closes, without unbinding; started, the heir
 * tells its watch of the first held packet, which starts it. A packet
 * that comes before the kernel's answer to the bind is held the same way
 * and told of at the start.
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
#include "nfqueue.h"
#include "nl.h"
#include "packet.h"
#include "sensor.h"

#define READS_PER_WAKE	16		/* recvmmsg calls per wake-up */
#define KERNEL_MARGIN	1024		/* queued beyond the hold, unread */
#define STAMP_SKEW_NS	(10 * NSEC_PER_SEC)

/* what one wake-up learnt */
struct wake {
	struct sensor_packet	 first;		/* idle: reported whole */
	bool			 have_last;
	struct timespec		 last_ts;
	uint32_t		 accept_to;	/* up: batch verdict */
	bool			 accept;
};

static struct nfqueue_sensor *queues;	/* open, for a handover */

static void	nfqueue_readable(struct io *, uint32_t);

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

	nlh = nfq_header(qs, buf, sizeof buf, NFQNL_MSG_CONFIG);
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

static void
overflowed(struct nfqueue_sensor *qs)
{
	unsigned long said;

	if ((said = nl_overflowed(qs->nl, &qs->rcvbuf)) > 0)
		sensor_log(&qs->base, log_warnx,
		    "NFQUEUE: queue %d: receive buffer overflowed, "
		    "packets passed unheld (%lu times since last said); buffer "
		    "now %d KiB", qs->queue, said, qs->rcvbuf.size / 1024);
	/* the answers to the last verdicts may be among what was lost */
	if (qs->asked.pending)
		held_say_answers(qs, true);
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

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof *e || held_answer(qs, e) ||
	    e->error == 0)
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

/* A packet's bytes (NFQA_PAYLOAD, which must be there) into buf, of
 * RECORD_MAX bytes, as sp's data; its length as the kernel had it. */
static void
copy_payload(struct nlattr **attr, uint8_t *buf, struct sensor_packet *sp)
{
	uint32_t n = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);

	sp->caplen = n < RECORD_MAX ? n : RECORD_MAX;
	sp->len = attr[NFQA_CAP_LEN] != NULL ?
	    ntohl(mnl_attr_get_u32(attr[NFQA_CAP_LEN])) : n;
	memcpy(buf, mnl_attr_get_payload(attr[NFQA_PAYLOAD]), sp->caplen);
	sp->data = buf;
}

/* The first packet held in an episode, for a watch that starts later
 * than it was held (nfqueue_tell), with its bytes where it had them. */
static void
keep_held_first(struct nfqueue_sensor *qs, struct nlattr **attr)
{
	struct sensor_packet *f = &qs->held_first;

	*f = (struct sensor_packet){ .linktype = LINKTYPE_RAW,
	    .keeps_up = true };
	packet_time(attr, &f->ts);
	if (attr[NFQA_PAYLOAD] != NULL)
		copy_payload(attr, qs->held_data, f);
}

static bool
wanted(struct nfqueue_sensor *qs, struct nlattr **attr)
{
	if (attr[NFQA_PAYLOAD] == NULL)
		return false;
	return qs->base.wants(&qs->base, mnl_attr_get_payload(
	    attr[NFQA_PAYLOAD]), mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]),
	    LINKTYPE_RAW);
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
	uint32_t id;

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
	} else if (qs->base.wants != NULL && !wanted(qs, attr)) {
		/* one that starts nothing never waits for a start (a query
		 * for another name): its own verdict, not a batch's, which
		 * would pass the held ones before it too */
		nfq_verdict(qs, false, id, NF_ACCEPT);
		return;
	} else if (held_add(qs, id) && qs->nheld == 1)
		keep_held_first(qs, attr);
	if (quiet)
		return;
	if (qs->mode == SENSOR_IDLE && f->data == NULL &&
	    attr[NFQA_PAYLOAD] != NULL) {
		copy_payload(attr, qs->first, f);
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
 * noted in wk). quiet: accept all and learn nothing, reading as much as
 * the kernel's queue can hold: it comes before an unbind, which would
 * drop whatever is left (the queue is closed to new packets then), or
 * after up mode, whose packets came without their bytes. */
static void
drain(struct nfqueue_sensor *qs, struct wake *wk, bool quiet)
{
	const struct nlmsghdr *nlh;
	int r, i, k, len, reads = READS_PER_WAKE;

	if (quiet)
		reads = (int)((qs->hold_max + KERNEL_MARGIN) / READ_BATCH) + 2;
	for (r = 0; r < reads; r++) {
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
		nfq_verdict(qs, true, wk->accept_to, NF_ACCEPT);
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
		qs->unheard = false;
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

/* What is held when the watch starts (held before the bind's answer, or
 * handed over by a reload) is news to it: the first held packet is
 * reported as it would have been, and starts it. */
static void
nfqueue_tell(struct timer *t)
{
	struct nfqueue_sensor *qs = t->arg;
	struct sensor_packet sp;

	if (!qs->unheard || qs->nheld == 0)
		return;
	qs->unheard = false;
	/* a watch that starts on some packets only (--dns-name) and not on
	 * the first of these lets them all go: none waits for a start it
	 * does not cause (a query for its names among them is asked again
	 * by its client, and held then) */
	if (qs->base.wants != NULL && (qs->held_first.data == NULL ||
	    !qs->base.wants(&qs->base, qs->held_first.data,
	    qs->held_first.caplen, qs->held_first.linktype))) {
		held_release(qs, NF_ACCEPT, NULL);
		return;
	}
	sp = qs->held_first;
	sp.when = realtime_to_loop(&sp.ts);
	qs->base.report(&qs->base, &sp);
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
		/* after start_done, which let them go or dropped them; a hold
		 * that cancelled a start dropped them before (no_start) */
		held_release(qs, NF_ACCEPT, NULL);
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

	held_release(qs, ok ? NF_ACCEPT : NF_DROP, "start failed");
}

static void
nfqueue_no_start(struct sensor *s, const char *why)
{
	held_release((struct nfqueue_sensor *)s, NF_DROP, why);
}

/* hook-timeout, changed by a reload: how long a packet may be held */
static void
nfqueue_tune(struct sensor *s, const struct watch_conf *wc)
{
	struct nfqueue_sensor *qs = (struct nfqueue_sensor *)s;

	qs->hold_ns = (int64_t)wc->hook_timeout * NSEC_PER_SEC;
	held_arm(qs);
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

	if (qs->nl == NULL) {		/* its giver is still open: a bug */
		sensor_log(&qs->base, log_warnx, "NFQUEUE: queue %d: not "
		    "handed over yet", qs->queue);
		return -1;
	}
	sensor_log(&qs->base, log_info,
	    "Start listening nfqueue %d", qs->queue);
	qs->started = true;
	held_arm(qs);
	if (qs->unheard)
		timer_set(&qs->tell, now_ns());
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

/* A reload's handover: the heir takes the socket, the binding and the
 * packets held (as many as its hold takes, oldest dropped), and is
 * configured as its own settings say. */
static void
hand_over(struct nfqueue_sensor *qs, struct nfqueue_sensor *heir)
{
	heir->nl = qs->nl;
	heir->portid = qs->portid;
	heir->seq = qs->seq;
	heir->bind_seq = qs->bind_seq;
	heir->bound = qs->bound;
	heir->rcvbuf = qs->rcvbuf;
	heir->io.fd = mnl_socket_get_fd(heir->nl);
	heir->giver = NULL;
	qs->nl = NULL;
	qs->heir = NULL;
	held_hand_over(qs, heir);
	if (!heir->bound)
		rebind(heir);
	else if (configure(heir, NFQNL_CFG_CMD_NONE, false) == -1)
		sensor_log(&heir->base, log_warn,
		    "NFQUEUE: queue %d: configuration", heir->queue);
}

/* Every held packet gets its verdict (they pass if the watch is up),
 * then the queue goes; the bypass flag passes what comes after. Or the
 * queue goes on, with what it holds, in the watch a reload made to
 * replace this one. */
static void
nfqueue_sensor_close(struct sensor *s)
{
	struct nfqueue_sensor *qs = (struct nfqueue_sensor *)s, **pp;
	struct wake wk = { .accept = false };

	for (pp = &queues; *pp != NULL; pp = &(*pp)->next)
		if (*pp == qs) {
			*pp = qs->next;
			break;
		}
	timer_stop(&qs->expire);
	timer_stop(&qs->tell);
	if (qs->started)
		io_del(&qs->io);	/* an event of this wake-up may name it */
	if (qs->giver != NULL)		/* a reload refused: never had it */
		qs->giver->heir = NULL;
	else if (qs->heir != NULL)
		hand_over(qs, qs->heir);
	else {
		/* never started (a reload refused): what came before its
		 * watch ran passes, as the bypass flag would have let it */
		if (qs->bound && (qs->mode == SENSOR_UP || !qs->started))
			drain(qs, &wk, true);
		held_release(qs, qs->mode == SENSOR_UP || !qs->started ?
		    NF_ACCEPT : NF_DROP, "closing");
		if (qs->asked.pending)
			held_say_answers(qs, true);
		if (qs->bound)
			(void)send_config(qs, NFQNL_CFG_CMD_UNBIND, 0, 0, 0,
			    false);
		mnl_socket_close(qs->nl);
	}
	free(qs->held);
	free(qs);
}

static void
nfqueue_counts(const struct sensor *s, struct sensor_counts *c)
{
	const struct nfqueue_sensor *qs = (const struct nfqueue_sensor *)s;

	c->held = qs->nheld;
	c->dropped = (long)qs->dropped;
	c->gone = (long)qs->gone;
}

static const struct sensor_ops nfqueue_ops = {
	.kind = "nfqueue",
	.tag = "NFQUEUE",
	.start = nfqueue_start,
	.set_mode = nfqueue_set_mode,
	.sync = nfqueue_sync,	/* nothing waits in the kernel: no flush */
	.start_done = nfqueue_start_done,
	.no_start = nfqueue_no_start,
	.tune = nfqueue_tune,
	.describe = nfqueue_describe,
	.label = nfqueue_label,
	.env = nfqueue_env,
	.linktype = nfqueue_linktype,
	.counts = nfqueue_counts,
	.close = nfqueue_sensor_close,
};

/* A packet that came before the kernel's answer to the bind: held, as
 * any other, and told of when the watch starts. */
static int
bind_packet(const struct nlmsghdr *nlh, void *arg)
{
	struct nfqueue_sensor *qs = arg;
	struct wake wk = { .first = { .linktype = LINKTYPE_RAW } };

	take(qs, nlh, &wk, false);
	qs->unheard = qs->nheld > 0;
	return MNL_CB_OK;
}

/* Bind the queue for holding and wait for the kernel's answer, so that a
 * queue held elsewhere or a missing privilege is a start-up error. */
static int
bind_queue(struct nfqueue_sensor *qs, const struct watch_conf *wc, char *err,
    size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], what[32];

	if (configure(qs, NFQNL_CFG_CMD_BIND, true) == 0 &&
	    nl_wait(qs->nl, buf, sizeof buf, qs->seq, qs->portid, bind_packet,
	    qs) == 0)
		return 0;
	snprintf(what, sizeof what, "NFQUEUE queue %d", qs->queue);
	nl_bind_refusal(wc, "queue", err, errlen, what);
	return -1;
}

bool
nfqueue_sensor_wanted(const struct watch_conf *wc)
{
	return wc->queue >= 0;
}

/* The queue's sensor, bound; or, when a sensor of this daemon holds the
 * queue (a watch a reload is replacing), its heir, which gets the queue
 * when that one closes. */
struct sensor *
nfqueue_sensor_open(const struct watch_conf *wc, char *err, size_t errlen)
{
	struct nfqueue_sensor *qs, *giver;

	if ((qs = calloc(1, sizeof *qs)) == NULL ||
	    (qs->held = calloc(wc->queue_hold_max, sizeof *qs->held)) == NULL)
		fatal("calloc");
	sensor_init(&qs->base, &nfqueue_ops, wc);
	qs->queue = wc->queue;
	qs->hold_max = wc->queue_hold_max;
	qs->hold_ns = (int64_t)wc->hook_timeout * NSEC_PER_SEC;
	qs->alone = wc->ifname == NULL && wc->nflog_group < 0;
	qs->expire = (struct timer){ .cb = held_expire, .arg = qs };
	qs->tell = (struct timer){ .cb = nfqueue_tell, .arg = qs };
	qs->io = (struct io){ .fd = -1, .cb = nfqueue_readable, .arg = qs };
	qs->seq = (unsigned)time(NULL);
	qs->mode = SENSOR_IDLE;

	for (giver = queues; giver != NULL; giver = giver->next)
		if (giver->queue == qs->queue && giver->heir == NULL &&
		    giver->giver == NULL)
			break;
	if (giver != NULL) {
		giver->heir = qs;
		qs->giver = giver;
	} else if ((qs->nl = nl_open(&qs->portid, &qs->rcvbuf)) == NULL) {
		conf_refusal(wc, "queue", err, errlen, "NFQUEUE queue %d: "
		    "netlink socket: %s", qs->queue, strerror(errno));
		goto fail;
	} else {
		qs->io.fd = mnl_socket_get_fd(qs->nl);
		if (bind_queue(qs, wc, err, errlen) == -1)
			goto fail;
		qs->bound = true;
	}
	qs->next = queues;
	queues = qs;
	return &qs->base;
fail:
	if (qs->nl != NULL)
		mnl_socket_close(qs->nl);
	free(qs->held);
	free(qs);
	return NULL;
}
