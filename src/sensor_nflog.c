/*
 * sensor_nflog.c: a netfilter NFLOG group (nftables `log group N',
 * iptables -j NFLOG --nflog-group N), read with libmnl and
 * libnetfilter_log's message helpers.
 *
 * Idle: the kernel sends each packet at once (queue threshold 1) with its
 * first SNAPLEN bytes, so start fires on the first packet and knows it.
 *
 * Up: packets come batched (what fills UP_BUFSIZ, or UP_FLUSH_CS after
 * the first of a batch), with no payload
 * (or just the headers -a needs), and of each batch only the last
 * message is parsed, for its kernel timestamp. A batch can wait in the
 * kernel for UP_FLUSH_CS, so FINAL_NS before the watch's deadline the
 * group is switched back to threshold 1: whatever is queued by then is
 * flushed by its timer before the deadline, and any later packet comes at
 * once. At the deadline the last packet is known exactly. A stop asked
 * for now (SIGHUP, SIGTERM) gets the same switch, and waits FLUSH_NS for
 * what the kernel held.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_log/libnetfilter_log.h>
#include <linux/capability.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "packet.h"
#include "sensor.h"

#define UP_QTHRESH	65535		/* UP_BUFSIZ ends a batch first */
#define UP_BUFSIZ	131072		/* bytes per batch, the kernel's most */
#define UP_FLUSH_CS	1		/* 1/100 s */
#define ACK_RANGE	96		/* IPv4 with options, or IPv6, + TCP flags */
#define FINAL_NS	(50 * 1000000LL)
#define FLUSH_NS	(20 * 1000000LL)	/* UP_FLUSH_CS and a tick, and more */
#define RCVBUF_MIN	(1024 * 1024)
#define RCVBUF_MAX	(8 * 1024 * 1024)
#define READS_PER_WAKE	64
#define DROP_LOG_NS	(60 * 1000000000LL)

enum nflog_phase { NFLOG_IDLE, NFLOG_UP, NFLOG_FINAL };

struct nflog_sensor {
	struct sensor		 base;
	int			 group;
	struct mnl_socket	*nl;
	unsigned		 portid, seq;
	enum nflog_phase	 phase;
	struct io		 io;
	struct timer		 final;
	int			 rcvbuf;
	unsigned long		 overflows;	/* ENOBUFS since the last log */
	int64_t			 overflow_logged;
	uint8_t			 first[RECORD_MAX];
	uint8_t			 buf[UP_BUFSIZ + 8192];	/* touched as used */
};

static void	nflog_readable(struct io *, uint32_t);
static void	nflog_final(struct timer *);

/* One NFULNL_MSG_CONFIG for the group: mode, range, threshold, timeout,
 * buffer size, and optionally the bind command first. */
static int
send_config(struct nflog_sensor *ns, bool bind, uint8_t copy, uint32_t range,
    uint32_t qthresh, bool ack)
{
	char buf[256] = { 0 };	/* zeroed: attribute padding goes out too */
	struct nlmsghdr *nlh;

	nlh = nflog_nlmsg_put_header(buf, NFULNL_MSG_CONFIG, AF_UNSPEC,
	    (uint16_t)ns->group);
	nlh->nlmsg_seq = ++ns->seq;
	if (ack)
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (bind)
		nflog_attr_put_cfg_cmd(nlh, NFULNL_CFG_CMD_BIND);
	nflog_attr_put_cfg_mode(nlh, copy, range);
	mnl_attr_put_u32(nlh, NFULA_CFG_QTHRESH, htonl(qthresh));
	mnl_attr_put_u32(nlh, NFULA_CFG_TIMEOUT, htonl(UP_FLUSH_CS));
	mnl_attr_put_u32(nlh, NFULA_CFG_NLBUFSIZ, htonl(UP_BUFSIZ));
	if (mnl_socket_sendto(ns->nl, nlh, nlh->nlmsg_len) == -1)
		return -1;
	return 0;
}

static int
configure(struct nflog_sensor *ns, enum nflog_phase phase)
{
	uint8_t copy = NFULNL_COPY_PACKET;
	uint32_t range = SNAPLEN, qthresh = 1;

	if (phase != NFLOG_IDLE) {
		copy = ns->base.ack_only ? NFULNL_COPY_PACKET : NFULNL_COPY_META;
		range = ns->base.ack_only ? ACK_RANGE : 0;
		qthresh = phase == NFLOG_UP ? UP_QTHRESH : 1;
	}
	ns->phase = phase;
	if (send_config(ns, false, copy, range, qthresh, false) == -1) {
		log_warn("NFLOG: group %d: configuration", ns->group);
		return -1;
	}
	return 0;
}

static void
grow_rcvbuf(struct nflog_sensor *ns)
{
	int64_t now = now_ns();

	ns->overflows++;
	if (ns->rcvbuf < RCVBUF_MAX) {
		ns->rcvbuf *= 2;
		setsockopt(mnl_socket_get_fd(ns->nl), SOL_SOCKET,
		    SO_RCVBUFFORCE, &ns->rcvbuf, sizeof ns->rcvbuf);
	}
	if (ns->overflow_logged == 0 || now - ns->overflow_logged >= DROP_LOG_NS) {
		log_warnx("NFLOG: group %d: receive buffer overflowed, packets "
		    "lost (%lu times since last said); buffer now %d KiB",
		    ns->group, ns->overflows, ns->rcvbuf / 1024);
		ns->overflows = 0;
		ns->overflow_logged = now;
	}
}

static void
packet_time(const struct nlmsghdr *nlh, struct timespec *ts)
{
	struct nlattr *attr[NFULA_MAX + 1] = { NULL };
	struct nfulnl_msg_packet_timestamp t;

	if (nflog_nlmsg_parse(nlh, attr) == MNL_CB_OK &&
	    attr[NFULA_TIMESTAMP] != NULL &&
	    mnl_attr_get_payload_len(attr[NFULA_TIMESTAMP]) >= sizeof t) {
		/* attributes are 4-aligned, the struct wants 8: copy it */
		memcpy(&t, mnl_attr_get_payload(attr[NFULA_TIMESTAMP]), sizeof t);
		ts->tv_sec = (time_t)be64toh(t.sec);
		ts->tv_nsec = (long)be64toh(t.usec) * 1000;
		return;
	}
	clock_gettime(CLOCK_REALTIME, ts);
}

static bool
later(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec != b->tv_sec ? a->tv_sec > b->tv_sec :
	    a->tv_nsec > b->tv_nsec;
}

static bool
is_ack(const struct nlmsghdr *nlh)
{
	struct packet_info pi;

	packet_decode(LINKTYPE_NFLOG, mnl_nlmsg_get_payload(nlh),
	    mnl_nlmsg_get_payload_len(nlh), &pi);
	return packet_is_tcp_ack(&pi);
}

static void
config_error(struct nflog_sensor *ns, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof *e && e->error != 0)
		log_warnx("NFLOG: group %d: configuration refused: %s",
		    ns->group, strerror(-e->error));
}

/* Walk one datagram: the first packet whole (idle), the last that may
 * keep the watch up (any mode). */
static void
walk(struct nflog_sensor *ns, int len, struct sensor_packet *first,
    const struct nlmsghdr **last)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)ns->buf;
	const uint16_t packet = NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_PACKET;
	size_t n;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			config_error(ns, nlh);
			continue;
		}
		if (nlh->nlmsg_type != packet)
			continue;
		if (ns->phase == NFLOG_IDLE && first->data == NULL) {
			n = mnl_nlmsg_get_payload_len(nlh);
			first->len = (uint32_t)n;
			first->caplen = (uint32_t)(n < RECORD_MAX ? n : RECORD_MAX);
			memcpy(ns->first, mnl_nlmsg_get_payload(nlh),
			    first->caplen);
			first->data = ns->first;
			first->keeps_up = !ns->base.ack_only || is_ack(nlh);
			packet_time(nlh, &first->ts);
			continue;
		}
		if (!ns->base.ack_only || is_ack(nlh))
			*last = nlh;
	}
}

static void
nflog_readable(struct io *io, uint32_t events)
{
	struct nflog_sensor *ns = io->arg;
	struct sensor_packet first = { .linktype = LINKTYPE_NFLOG };
	struct sensor_packet last = { .linktype = LINKTYPE_NFLOG,
	    .keeps_up = true };
	const struct nlmsghdr *lastmsg;
	struct timespec ts;
	bool have_last = false;
	ssize_t n;
	int i;

	(void)events;
	for (i = 0; i < READS_PER_WAKE; i++) {
		n = recv(io->fd, ns->buf, sizeof ns->buf, MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == ENOBUFS) {
			/* packets were lost, so packets were passing: now */
			grow_rcvbuf(ns);
			clock_gettime(CLOCK_REALTIME, &last.ts);
			have_last = true;
			if (ns->phase == NFLOG_IDLE && first.data == NULL)
				first.ts = last.ts;
			continue;
		}
		if (n == -1) {
			if (errno != EAGAIN)
				log_warn("NFLOG: group %d: recv", ns->group);
			break;
		}
		lastmsg = NULL;
		walk(ns, (int)n, &first, &lastmsg);
		/* the newest wins: the kernel reports ENOBUFS before the
		 * datagrams it still holds, which are older than "now" */
		if (lastmsg != NULL) {
			packet_time(lastmsg, &ts);
			if (!have_last || later(&ts, &last.ts))
				last.ts = ts;
			have_last = true;
		}
	}

	if (ns->phase == NFLOG_FINAL && (first.data != NULL || have_last))
		configure(ns, NFLOG_UP);	/* traffic again: batch it */
	if (first.data != NULL) {
		first.when = realtime_to_mono(&first.ts);
		ns->base.report(&ns->base, &first);
	} else if (ns->phase == NFLOG_IDLE && have_last) {
		/* lost before any was read: start without the packet */
		last.when = realtime_to_mono(&last.ts);
		ns->base.report(&ns->base, &last);
		return;
	}
	if (have_last) {
		last.when = realtime_to_mono(&last.ts);
		ns->base.report(&ns->base, &last);
	}
}

static void
nflog_final(struct timer *t)
{
	struct nflog_sensor *ns = t->arg;

	if (ns->phase == NFLOG_UP)
		configure(ns, NFLOG_FINAL);
}

static void
nflog_sensor_mode(struct sensor *s, enum sensor_mode mode)
{
	struct nflog_sensor *ns = (struct nflog_sensor *)s;

	timer_stop(&ns->final);
	configure(ns, mode == SENSOR_UP ? NFLOG_UP : NFLOG_IDLE);
}

static void
nflog_deadline(struct sensor *s, int64_t due)
{
	struct nflog_sensor *ns = (struct nflog_sensor *)s;

	if (due < 0 || ns->phase == NFLOG_IDLE)
		timer_stop(&ns->final);
	else if (ns->phase == NFLOG_UP)
		timer_set(&ns->final, due - FINAL_NS);
}

static int64_t
nflog_flush(struct sensor *s)
{
	struct nflog_sensor *ns = (struct nflog_sensor *)s;

	if (ns->phase != NFLOG_UP)
		return 0;
	timer_stop(&ns->final);
	return configure(ns, NFLOG_FINAL) == 0 ? FLUSH_NS : 0;
}

static void
nflog_sync(struct sensor *s)
{
	struct nflog_sensor *ns = (struct nflog_sensor *)s;

	nflog_readable(&ns->io, EPOLLIN);
}

static int
nflog_start(struct sensor *s)
{
	struct nflog_sensor *ns = (struct nflog_sensor *)s;

	ns->io = (struct io){ .fd = mnl_socket_get_fd(ns->nl),
	    .cb = nflog_readable, .arg = ns };
	return io_add(&ns->io, EPOLLIN);
}

static void
nflog_describe(struct sensor *s, void (*line)(const char *, ...))
{
	line("- capture engine: nflog group %d",
	    ((struct nflog_sensor *)s)->group);
}

static void
nflog_sensor_close(struct sensor *s)
{
	struct nflog_sensor *ns = (struct nflog_sensor *)s;
	char buf[256] = { 0 };
	struct nlmsghdr *nlh;

	timer_stop(&ns->final);
	/* closing the socket unbinds too; saying so is immediate and polite */
	nlh = nflog_nlmsg_put_header(buf, NFULNL_MSG_CONFIG, AF_UNSPEC,
	    (uint16_t)ns->group);
	nflog_attr_put_cfg_cmd(nlh, NFULNL_CFG_CMD_UNBIND);
	(void)mnl_socket_sendto(ns->nl, nlh, nlh->nlmsg_len);
	mnl_socket_close(ns->nl);
	free(ns);
}

static const struct sensor_ops nflog_ops = {
	.start = nflog_start,
	.set_mode = nflog_sensor_mode,
	.sync = nflog_sync,
	.deadline = nflog_deadline,
	.flush = nflog_flush,
	.describe = nflog_describe,
	.close = nflog_sensor_close,
};

/* Bind the group in idle mode and wait for the kernel's answer, so that
 * a group held elsewhere or a missing privilege is a start-up error. */
static int
bind_group(struct nflog_sensor *ns, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n;
	int r;

	if (send_config(ns, true, NFULNL_COPY_PACKET, SNAPLEN, 1, true) == -1) {
		snprintf(err, errlen, "-n: NFLOG group %d: %s", ns->group,
		    strerror(errno));
		return -1;
	}
	do {
		n = mnl_socket_recvfrom(ns->nl, buf, sizeof buf);
		r = n == -1 ? MNL_CB_ERROR :
		    mnl_cb_run(buf, (size_t)n, ns->seq, ns->portid, NULL, NULL);
	} while (r == MNL_CB_OK);
	if (r == MNL_CB_STOP)
		return 0;
	if (errno == EPERM && !have_capability(CAP_NET_ADMIN))
		snprintf(err, errlen, "-n: binding NFLOG group %d needs the "
		    "CAP_NET_ADMIN capability (run as root)", ns->group);
	else if (errno == EPERM || errno == EBUSY)
		snprintf(err, errlen, "-n: NFLOG group %d is already bound by "
		    "another process", ns->group);
	else
		snprintf(err, errlen, "-n: NFLOG group %d: %s", ns->group,
		    strerror(errno));
	return -1;
}

struct sensor *
nflog_sensor_open(int group, bool ack_only, char *err, size_t errlen)
{
	struct nflog_sensor *ns;
	int fd;

	if ((ns = calloc(1, sizeof *ns)) == NULL)
		fatal("calloc");
	ns->base.ops = &nflog_ops;
	ns->base.kind = "nflog";
	ns->base.tag = "NFLOG";
	ns->base.ack_only = ack_only;
	ns->group = group;
	ns->final = (struct timer){ .cb = nflog_final, .arg = ns };
	ns->seq = (unsigned)time(NULL);
	ns->rcvbuf = RCVBUF_MIN;

	ns->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (ns->nl == NULL || mnl_socket_bind(ns->nl, 0, MNL_SOCKET_AUTOPID)) {
		snprintf(err, errlen, "-n: NFLOG group %d: netlink socket: %s",
		    group, strerror(errno));
		goto fail;
	}
	ns->portid = mnl_socket_get_portid(ns->nl);
	fd = mnl_socket_get_fd(ns->nl);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &ns->rcvbuf,
	    sizeof ns->rcvbuf) == -1)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &ns->rcvbuf,
		    sizeof ns->rcvbuf);
	/* NFULA_TIMESTAMP is only sent for packets the kernel stamped on
	 * receipt; asking for stamps on any socket makes it stamp them. */
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMP, &(int){ 1 }, sizeof(int));
	if (bind_group(ns, err, errlen) == -1)
		goto fail;
	ns->phase = NFLOG_IDLE;
	return &ns->base;
fail:
	if (ns->nl != NULL)
		mnl_socket_close(ns->nl);
	free(ns);
	return NULL;
}

int
nflog_sensor_group(const struct sensor *s)
{
	return ((const struct nflog_sensor *)s)->group;
}
