/*
 * ifwatch.c: the kernel tells us when a link appears, changes or goes
 * (RTM_NEWLINK, RTM_DELLINK on the RTNLGRP_LINK multicast group), so a
 * sensor whose interface vanished learns at once that it is back, and one
 * whose interface is down that it is up (IFF_UP), without polling. One
 * socket for all clients; it is opened before daemonizing so that a
 * failure is a start-up error.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ifwatch.h"
#include "log.h"
#include "loop.h"

#define READS_PER_WAKE	16	/* then the other fds' turn; the rest wakes
				   the level-triggered loop again */

static struct mnl_socket *nl;
static struct io nl_io = { .fd = -1 };
static struct ifwatch_client *clients;

static int
attr_ifname(const struct nlattr *a, void *data)
{
	const char **name = data;

	if (mnl_attr_get_type(a) == IFLA_IFNAME &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
		*name = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

static int
on_link(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct ifwatch_client *c, *next;
	const char *name = NULL;

	(void)data;
	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof *ifm ||
	    mnl_attr_parse(nlh, sizeof *ifm, attr_ifname, &name) < 0 ||
	    name == NULL)
		return MNL_CB_OK;
	for (c = clients; c != NULL; c = next) {
		next = c->next;
		if (strcmp(c->ifname, name) == 0)
			c->changed(c, nlh->nlmsg_type == RTM_NEWLINK,
			    (unsigned)ifm->ifi_index, ifm->ifi_flags & IFF_UP);
	}
	return MNL_CB_OK;
}

/* Notifications were lost: ask the kernel how each client's link is. */
static void
recheck(void)
{
	struct ifwatch_client *c, *next;
	struct ifreq ifr;
	unsigned ifindex;
	int s;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (c = clients; c != NULL; c = next) {
		next = c->next;
		memset(&ifr, 0, sizeof ifr);
		snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", c->ifname);
		if (s != -1 && ioctl(s, SIOCGIFINDEX, &ifr) == -1 &&
		    errno == ENODEV) {
			c->changed(c, false, 0, false);
			continue;
		}
		ifindex = s != -1 ? (unsigned)ifr.ifr_ifindex : 0;
		/* unknown flags read as up: the client then tries */
		c->changed(c, true, ifindex, s == -1 ||
		    ioctl(s, SIOCGIFFLAGS, &ifr) == -1 ||
		    (ifr.ifr_flags & IFF_UP));
	}
	if (s != -1)
		close(s);
}

static void
readable(struct io *io, uint32_t events)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n;
	int i;

	(void)io;
	(void)events;
	for (i = 0; i < READS_PER_WAKE; i++) {
		n = mnl_socket_recvfrom(nl, buf, sizeof buf);
		if (n == -1 && errno == ENOBUFS) {
			log_warnx("CORE: link notifications lost; rechecking");
			recheck();
			continue;
		}
		if (n <= 0)
			break;
		mnl_cb_run(buf, (size_t)n, 0, 0, on_link, NULL);
	}
}

int
ifwatch_open(char *err, size_t errlen)
{
	if (nl != NULL)
		return 0;
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (nl == NULL || mnl_socket_bind(nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID)) {
		snprintf(err, errlen, "rtnetlink link notifications: %s",
		    strerror(errno));
		if (nl != NULL)
			mnl_socket_close(nl);
		nl = NULL;
		return -1;
	}
	return 0;
}

int
ifwatch_start(void)
{
	if (nl == NULL || nl_io.fd != -1)
		return 0;
	nl_io = (struct io){ .fd = mnl_socket_get_fd(nl), .cb = readable };
	return io_add(&nl_io, EPOLLIN);
}

void
ifwatch_add(struct ifwatch_client *c)
{
	c->next = clients;
	clients = c;
}

void
ifwatch_del(struct ifwatch_client *c)
{
	struct ifwatch_client **pp;

	for (pp = &clients; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
}

void
ifwatch_close(void)
{
	if (nl == NULL)
		return;
	if (nl_io.fd != -1)
		io_del(&nl_io);
	mnl_socket_close(nl);
	nl = NULL;
	nl_io.fd = -1;
}
