/*
 * nl.c: what the netfilter sensors (NFLOG, NFQUEUE, conntrack) do alike
 * on their netlink sockets: open one, wait for the kernel's answer to a
 * request, say why a bind was refused, grow a receive buffer that
 * overflowed, read a packet's kernel time stamp.
 */
#include <endian.h>
#include <errno.h>
#include <linux/capability.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"
#include "loop.h"
#include "nl.h"
#include "sensor.h"

#define RCVBUF_MIN	(1024 * 1024)
#define RCVBUF_MAX	(8 * 1024 * 1024)
#define OVERFLOW_SAY_NS	(60 * NSEC_PER_SEC)	/* said at most this often */

static void
set_rcvbuf(int fd, int size, bool fallback)
{
	/* FORCE passes rmem_max, for root; without it, what the limit allows */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) ==
	    -1 && fallback)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
}

/* A NETLINK_NETFILTER socket, bound; with rb, a receive buffer of
 * RCVBUF_MIN to grow. NULL with errno set. */
struct mnl_socket *
nl_open(unsigned *portid, struct nl_rcvbuf *rb)
{
	struct mnl_socket *nl;
	int e;

	if ((nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC)) == NULL)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == -1) {
		e = errno;
		mnl_socket_close(nl);
		errno = e;
		return NULL;
	}
	*portid = mnl_socket_get_portid(nl);
	if (rb != NULL) {
		*rb = (struct nl_rcvbuf){ .size = RCVBUF_MIN };
		set_rcvbuf(mnl_socket_get_fd(nl), rb->size, true);
	}
	return nl;
}

/* The kernel's answer to request seq, read whole (each message through
 * cb, which may be NULL): 0 once it is done or acknowledged, -1 with
 * errno set when it refused or the socket failed. */
int
nl_wait(struct mnl_socket *nl, void *buf, size_t len, unsigned seq,
    unsigned portid, mnl_cb_t cb, void *arg)
{
	ssize_t n;
	int r;

	do {
		n = mnl_socket_recvfrom(nl, buf, len);
		r = n == -1 ? MNL_CB_ERROR :
		    mnl_cb_run(buf, (size_t)n, seq, portid, cb, arg);
	} while (r == MNL_CB_OK);
	return r == MNL_CB_STOP ? 0 : -1;
}

/* Why binding `what' (an NFLOG group, a queue) failed, from errno, for
 * the setting key of wc that asked for it: a missing privilege and a
 * resource another process holds both come as EPERM. (One this daemon
 * holds is never bound twice: a configuration that asks for that is
 * refused before, naming the other watch.) */
void
nl_bind_refusal(const struct watch_conf *wc, const char *key, char *err,
    size_t len, const char *what)
{
	int e = errno;

	if (e == EPERM && !have_capability(CAP_NET_ADMIN))
		conf_refusal(wc, key, err, len, "binding %s needs the "
		    "CAP_NET_ADMIN capability (run as root)", what);
	else if (e == EPERM || e == EBUSY)
		conf_refusal(wc, key, err, len, "%s is already bound by another "
		    "process", what);
	else
		conf_refusal(wc, key, err, len, "%s: %s", what, strerror(e));
}

/* A receive buffer of at least size bytes from now on (a burst the
 * owner expects: a record per new session). */
void
nl_rcvbuf_at_least(struct mnl_socket *nl, struct nl_rcvbuf *rb, int size)
{
	if (size <= rb->size)
		return;
	rb->size = size;
	set_rcvbuf(mnl_socket_get_fd(nl), size, true);
}

/* ENOBUFS: the buffer doubles, up to RCVBUF_MAX. Returns how many
 * overflows to say now (the size is in rb), or 0 while the last were said
 * less than a minute ago. */
unsigned long
nl_overflowed(struct mnl_socket *nl, struct nl_rcvbuf *rb)
{
	int64_t now = now_ns();
	unsigned long n;

	rb->overflows++;
	if (rb->size < RCVBUF_MAX) {
		rb->size *= 2;
		set_rcvbuf(mnl_socket_get_fd(nl), rb->size, false);
	}
	if (rb->said != 0 && now - rb->said < OVERFLOW_SAY_NS)
		return 0;
	n = rb->overflows;
	rb->overflows = 0;
	rb->said = now;
	return n;
}

/* NFULA_TIMESTAMP, NFQA_TIMESTAMP: be64 seconds and microseconds, when
 * the kernel stamped the packet; false without one. */
bool
nl_timestamp(const struct nlattr *a, struct timespec *ts)
{
	uint64_t v[2];

	if (a == NULL || mnl_attr_get_payload_len(a) < sizeof v)
		return false;
	/* attributes are 4-aligned, 64-bit values want 8: copy them */
	memcpy(v, mnl_attr_get_payload(a), sizeof v);
	ts->tv_sec = (time_t)be64toh(v[0]);
	ts->tv_nsec = (long)be64toh(v[1]) * 1000;
	return true;
}
