/* nl.h: the netfilter netlink plumbing the NFLOG, NFQUEUE and conntrack
 * sensors share (libmnl) */
#ifndef TUNINETD_NL_H
#define TUNINETD_NL_H

#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define NL_ACK_RANGE	96	/* bytes -a needs: IPv4 with options, or
				   IPv6, and the TCP flags */

/* A socket's receive buffer, grown when it overflows (ENOBUFS). */
struct nl_rcvbuf {
	int		 size;		/* bytes asked for */
	unsigned long	 overflows;	/* since last said */
	int64_t		 said;		/* loop clock, 0: never */
};

struct mnl_socket *nl_open(unsigned *portid, struct nl_rcvbuf *);
int		 nl_wait(struct mnl_socket *, void *buf, size_t len,
		    unsigned seq, unsigned portid, mnl_cb_t, void *arg);
struct watch_conf;
void		 nl_bind_refusal(const struct watch_conf *, const char *key,
		    char *err, size_t len, const char *what);
unsigned long	 nl_overflowed(struct mnl_socket *, struct nl_rcvbuf *);
void		 nl_rcvbuf_at_least(struct mnl_socket *, struct nl_rcvbuf *,
		    int size);
bool		 nl_timestamp(const struct nlattr *, struct timespec *);

#endif
