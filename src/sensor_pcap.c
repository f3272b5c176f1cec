/*
 * sensor_pcap.c: libpcap on one interface, with a tcpdump filter.
 *
 * Idle: immediate mode (libpcap then uses a TPACKET_V2 ring, which wakes
 * us per packet), so the first matching packet is read at once, whole.
 *
 * Up: all the watch needs is when the last matching packet passed, and
 * reading every packet would cost what tcpdump costs. So the socket is
 * left unread while packets flow ("busy"): the kernel files the first few
 * in the small ring and only counts the rest (PACKET_STATISTICS, through
 * pcap_stats). Now and then the counters are read:
 *  - the kernel dropped some (the ring is full): packets passed since the
 *    last check; "now" is taken, late by at most the check interval, never
 *    early, and the ring is left full, so each packet costs us nothing;
 *  - none dropped: the ring holds every packet since the last check, and
 *    the newest frame's timestamp is the last packet's time, exact;
 *  - none at all: back to "quiet", where the next packet wakes us at
 *    once, so the time of a lone packet is exact too.
 * The interval starts at CHECK_MIN_NS and doubles while traffic keeps
 * flowing, up to a hundredth of the TTL (within CHECK_MIN_NS and
 * CHECK_MAX_NS): a short burst is timed to 10 ms, a flow that goes on for
 * long to 1% of the TTL, and each check, one getsockopt and one wake-up,
 * is paid per interval whatever the packet rate. When the flow stops the
 * ring is drained once; while none flows nothing is paid at all. With -a
 * the kernel filter is swapped while up for one that passes only TCP
 * ACKs (capture.c), so the counters count only packets that may
 * keep the watch up.
 *
 * All that holds only while the filter runs in the kernel. libpcap runs
 * it in user space when the kernel refuses the program, or when it reads
 * the cooked header of `any' (link[6:4]...), which the kernel's socket
 * filter does not see: the counters then count every packet on the
 * interface, matching or not, and busy would last as long as any traffic
 * does. Such a sensor reads every packet while up, as while idle, and
 * takes the newest matching one's time (SO_GET_FILTER tells: no kernel
 * filter attached).
 *
 * The interface may vanish (deleted, a tun closed by its owner, moved to
 * another namespace): the capture fails, is closed, and the sensor is
 * silent, which the watch reads as idle. rtnetlink tells us when a link of
 * that name appears again (ifwatch.c), and the capture is reopened. Taken
 * down, it keeps its capture, which the kernel feeds again once it is up;
 * both are logged. An interface that is down cannot be opened: with
 * --wait-interface the sensor waits for it to come up (IFF_UP).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capture.h"
#include "conf.h"
#include "hook.h"
#include "ifwatch.h"
#include "log.h"
#include "loop.h"
#include "packet.h"
#include "sensor.h"

#define RING_BYTES	(64 * 1024)	/* counts in the resident set */
#define CHECK_MIN_NS	(10 * 1000000LL)
#define CHECK_MAX_NS	(100 * 1000000LL)
#define DOWN_SAY_NS	(250 * 1000000LL)	/* a deletion goes down first */

enum pcap_phase { PHASE_IDLE, PHASE_QUIET, PHASE_BUSY };

struct pcap_sensor {
	struct sensor		 base;
	char			*ifname;
	char			*filter;
	char			*keepalive;	/* while up, in place of filter */
	pcap_t			*p;		/* NULL while the interface is absent */
	unsigned		 ifindex;	/* of the interface captured on */
	int			 linktype;
	enum sensor_mode	 mode;		/* as the watch wants it */
	struct ifwatch_client	 link;
	bool			 lost;		/* capture lost, not yet back */
	bool			 down;		/* the interface is, as far as we know */
	bool			 said_down;
	struct timer		 say_down;
	bool			 userland;	/* libpcap filters in user space */
	bool			 said_userland;
	char			 why[PCAP_ERRBUF_SIZE + 128]; /* last said */
	struct capture_programs	 progs;
	enum pcap_phase		 phase;
	struct io		 io;
	struct timer		 check;
	unsigned		 recv0, drop0;	/* pcap_stats at the last check */
	int64_t			 interval;	/* between busy checks */

	/* what one pcap_dispatch saw */
	unsigned		 batch;		/* packets delivered */
	bool			 have_first, first_keeps_up;
	struct pcap_pkthdr	 first_hdr;
	uint8_t			 first[SNAPLEN];
	bool			 have_last;	/* a packet that keeps it up */
	struct timeval		 last_ts;
};

static void	pcap_readable(struct io *, uint32_t);
static void	pcap_check(struct timer *);
static void	capture_failed(struct pcap_sensor *, const char *);
static void	note_filter_place(struct pcap_sensor *);

static struct timespec
ts_of(const struct timeval *tv)
{
	/* nanosecond precision was asked for: tv_usec holds nanoseconds */
	return (struct timespec){ .tv_sec = tv->tv_sec, .tv_nsec = tv->tv_usec };
}

static void
on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct pcap_sensor *ps = (struct pcap_sensor *)user;
	struct packet_info pi;
	bool keeps_up = true;

	ps->batch++;
	if (ps->base.ack_only) {
		packet_decode(ps->linktype, bytes, h->caplen, &pi);
		keeps_up = packet_is_tcp_ack(&pi);
	}
	if (ps->phase == PHASE_IDLE && !ps->have_first) {
		/* the first that may start the watch (--dns-name) */
		if (ps->base.wants != NULL && !ps->base.wants(&ps->base, bytes,
		    h->caplen, ps->linktype))
			return;
		ps->have_first = true;
		ps->first_keeps_up = keeps_up;
		ps->first_hdr = *h;
		if (ps->first_hdr.caplen > SNAPLEN)
			ps->first_hdr.caplen = SNAPLEN;
		memcpy(ps->first, bytes, ps->first_hdr.caplen);
	} else if (keeps_up) {
		ps->have_last = true;
		ps->last_ts = h->ts;
	}
}

/* Read what the ring holds; -1 when the capture has failed. */
static int
drain(struct pcap_sensor *ps)
{
	ps->batch = 0;
	ps->have_first = ps->have_last = false;
	if (pcap_dispatch(ps->p, -1, on_packet, (u_char *)ps) == PCAP_ERROR) {
		capture_failed(ps, pcap_geterr(ps->p));
		return -1;
	}
	return 0;
}

static void
report_batch(struct pcap_sensor *ps)
{
	struct sensor_packet sp = { .linktype = ps->linktype };

	if (ps->have_first) {
		sp.ts = ts_of(&ps->first_hdr.ts);
		sp.when = realtime_to_loop(&sp.ts);
		sp.keeps_up = ps->first_keeps_up;
		sp.data = ps->first;
		sp.caplen = ps->first_hdr.caplen;
		sp.len = ps->first_hdr.len;
		ps->base.report(&ps->base, &sp);
	}
	if (ps->have_last) {
		sp = (struct sensor_packet){ .linktype = ps->linktype,
		    .keeps_up = true, .ts = ts_of(&ps->last_ts) };
		sp.when = realtime_to_loop(&sp.ts);
		ps->base.report(&ps->base, &sp);
	}
}

static int
read_counters(struct pcap_sensor *ps, unsigned *recv, unsigned *drop)
{
	struct pcap_stat st;

	if (pcap_stats(ps->p, &st) == -1) {
		capture_failed(ps, pcap_geterr(ps->p));
		return -1;
	}
	*recv = st.ps_recv - ps->recv0;
	*drop = st.ps_drop - ps->drop0;
	ps->recv0 = st.ps_recv;
	ps->drop0 = st.ps_drop;
	return 0;
}

static void
go_busy(struct pcap_sensor *ps)
{
	unsigned r, d;

	/* the counts so far are the baseline the first check compares with */
	if (read_counters(ps, &r, &d) == -1)
		return;
	ps->phase = PHASE_BUSY;
	io_mod(&ps->io, 0);	/* errors (interface gone) still wake us */
	ps->interval = CHECK_MIN_NS;
	timer_set(&ps->check, now_ns() + ps->interval);
}

static void
go_quiet(struct pcap_sensor *ps)
{
	ps->phase = PHASE_QUIET;
	timer_stop(&ps->check);
	io_mod(&ps->io, EPOLLIN);
}

static void
pcap_readable(struct io *io, uint32_t events)
{
	struct pcap_sensor *ps = io->arg;

	(void)events;
	if (drain(ps) == -1)
		return;
	if (ps->phase == PHASE_QUIET && ps->batch > 0 && !ps->userland)
		go_busy(ps);
	report_batch(ps);
}

static void
next_check(struct pcap_sensor *ps)
{
	int64_t max = ps->base.ttl / 100;

	if (max > CHECK_MAX_NS)
		max = CHECK_MAX_NS;
	ps->interval *= 2;
	if (ps->interval > max)
		ps->interval = max > CHECK_MIN_NS ? max : CHECK_MIN_NS;
	timer_set(&ps->check, now_ns() + ps->interval);
}

static void
busy_check(struct pcap_sensor *ps)
{
	struct sensor_packet sp = { .linktype = ps->linktype, .keeps_up = true };
	unsigned counted, dropped;

	if (read_counters(ps, &counted, &dropped) == -1)
		return;
	if (dropped > 0) {
		/* The ring is full of older frames and the kernel only counts:
		 * the last packet passed between the last check and now. The
		 * ring is left as it is, so packets cost us nothing. */
		clock_gettime(CLOCK_REALTIME, &sp.ts);
		sp.when = now_ns();
		ps->base.report(&ps->base, &sp);
		next_check(ps);
		return;
	}
	/* nothing lost: the ring holds every packet since the last check,
	 * and its newest frame is the last packet */
	if (drain(ps) == -1)
		return;
	report_batch(ps);
	if (ps->phase != PHASE_BUSY)
		return;		/* the report moved the sensor to idle */
	if (counted == 0)
		go_quiet(ps);
	else
		next_check(ps);
}

static void
pcap_check(struct timer *t)
{
	busy_check(t->arg);
}

static void
pcap_sync(struct sensor *s)
{
	struct pcap_sensor *ps = (struct pcap_sensor *)s;

	if (ps->p == NULL)
		return;
	if (ps->phase == PHASE_BUSY)
		busy_check(ps);
	else
		pcap_readable(&ps->io, EPOLLIN);
}

/* The watch's mode, on the capture: the kernel filter (-a swaps it while
 * up) and the phase. */
static void
apply_mode(struct pcap_sensor *ps)
{
	if (ps->progs.have_up) {
		if (pcap_setfilter(ps->p, ps->mode == SENSOR_UP ?
		    &ps->progs.up : &ps->progs.idle) == -1)
			sensor_log(&ps->base, log_warnx,
			    "PCAP: %s: %s", ps->ifname,
			    pcap_geterr(ps->p));
		note_filter_place(ps);
	}
	if (ps->mode == SENSOR_UP)
		go_quiet(ps);
	else {
		timer_stop(&ps->check);
		ps->phase = PHASE_IDLE;
		io_mod(&ps->io, EPOLLIN);
	}
}

static void
pcap_set_mode(struct sensor *s, enum sensor_mode mode)
{
	struct pcap_sensor *ps = (struct pcap_sensor *)s;

	/* a start running or due needs what up mode gives */
	ps->mode = mode == SENSOR_IDLE ? SENSOR_IDLE : SENSOR_UP;
	if (ps->p != NULL)
		apply_mode(ps);
}

static void
pcap_describe(struct sensor *s, void (*line)(const char *, ...))
{
	struct pcap_sensor *ps = (struct pcap_sensor *)s;

	line("- capture engine: pcap, %s%s", ps->ifname,
	    ps->p == NULL && !ps->down ? " (interface absent, waiting for it)" :
	    ps->down ? " (interface down, waiting for it to come up)" : "");
	if (ps->filter != NULL && *ps->filter != '\0')
		line("-- pcap filter: \"%s\"", ps->filter);
	if (ps->keepalive != NULL)
		line("-- while up, only \"%s\" keeps it up", ps->keepalive);
}

/* Whether libpcap put the filter in the kernel: on Linux, SO_GET_FILTER
 * with no room answers how many instructions are attached, 0 for none,
 * and libpcap attaches one even for an empty filter. */
static void
note_filter_place(struct pcap_sensor *ps)
{
	socklen_t len = 0;

	ps->userland = getsockopt(pcap_get_selectable_fd(ps->p), SOL_SOCKET,
	    SO_GET_FILTER, NULL, &len) == 0 && len == 0;
	if (ps->userland && !ps->said_userland)
		sensor_log(&ps->base, log_notice,
		    "PCAP: %s: libpcap runs this filter in user space; "
		    "every packet is read while up", ps->ifname);
	ps->said_userland |= ps->userland;
}

/* libpcap opens its packet socket without O_CLOEXEC, and (1.10 on) the
 * eventfd that wakes pcap_breakloop, which pcap_setnonblock closes again
 * today; it names only the socket. Every fd of ours is opened
 * close-on-exec, so whatever is not, past the standard three, is
 * libpcap's (or was inherited, and no hook gets that either). */
static void
set_cloexec_all(void)
{
	struct dirent *de;
	DIR *d;
	int fd, flags;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		fd = atoi(de->d_name);
		if (fd <= 2 || fd == dirfd(d))
			continue;
		if ((flags = fcntl(fd, F_GETFD)) != -1 &&
		    (flags & FD_CLOEXEC) == 0)
			fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
	}
	closedir(d);
}

/* Open and activate the capture, compile both filters; on error, err says
 * what, naming the bad value and, in *key, the setting it is about;
 * nothing is left open, and the result is libpcap's status
 * (PCAP_ERROR_NO_SUCH_DEVICE, PCAP_ERROR_IFACE_NOT_UP...) or -1. */
static int
open_capture(struct pcap_sensor *ps, const char **key, char *err,
    size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	const char *f = ps->filter != NULL ? ps->filter : "";
	int r;

	*key = "interface";
	if ((ps->p = pcap_create(ps->ifname, ebuf)) == NULL) {
		snprintf(err, errlen, "`%s': %s", ps->ifname, ebuf);
		return -1;
	}
	pcap_set_snaplen(ps->p, SNAPLEN);
	pcap_set_promisc(ps->p, 0);
	pcap_set_immediate_mode(ps->p, 1);
	pcap_set_buffer_size(ps->p, RING_BYTES);
	pcap_set_tstamp_precision(ps->p, PCAP_TSTAMP_PRECISION_NANO);
	r = pcap_activate(ps->p);
	set_cloexec_all();
	if (r == PCAP_ERROR_NO_SUCH_DEVICE) {
		snprintf(err, errlen, "`%s': no such interface", ps->ifname);
		goto fail;
	}
	if (r == PCAP_ERROR_IFACE_NOT_UP) {
		snprintf(err, errlen, "`%s' is down", ps->ifname);
		goto fail;
	}
	if (r == PCAP_ERROR_PERM_DENIED) {
		snprintf(err, errlen, "capturing on `%s' needs the CAP_NET_RAW "
		    "capability (run as root)", ps->ifname);
		goto fail;
	}
	if (r < 0) {
		snprintf(err, errlen, "`%s': %s", ps->ifname,
		    pcap_geterr(ps->p));
		goto fail;
	}
	if (r > 0)
		sensor_log(&ps->base, log_warnx,
		    "PCAP: %s: %s", ps->ifname, pcap_statustostr(r));
	if (pcap_setnonblock(ps->p, 1, ebuf) == -1) {
		snprintf(err, errlen, "`%s': %s", ps->ifname, ebuf);
		goto fail;
	}
	ps->linktype = linktype_of_dlt(pcap_datalink(ps->p));
	ps->ifindex = if_nametoindex(ps->ifname);

	*key = "filter";
	switch (capture_compile(ps->p, ps->filter, ps->keepalive,
	    ps->base.ack_only, &ps->progs)) {
	case CAPTURE_OK:
		break;
	case CAPTURE_BAD_FILTER:
		snprintf(err, errlen, "`%s': %s", f, pcap_geterr(ps->p));
		goto fail;
	case CAPTURE_BAD_KEEPALIVE:
		*key = "keepalive-filter";
		snprintf(err, errlen, "`%s': %s", ps->keepalive,
		    pcap_geterr(ps->p));
		goto fail;
	case CAPTURE_BAD_ACK_FILTER:
		snprintf(err, errlen, "`%s' with ack-only: %s", f,
		    pcap_geterr(ps->p));
		goto fail;
	}
	if (pcap_setfilter(ps->p, ps->mode == SENSOR_UP && ps->progs.have_up ?
	    &ps->progs.up : &ps->progs.idle) == -1) {
		snprintf(err, errlen, "`%s': %s", f, pcap_geterr(ps->p));
		capture_programs_free(&ps->progs);
		goto fail;
	}
	note_filter_place(ps);
	ps->down = false;	/* libpcap opens only an interface that is up */
	return 0;
fail:
	pcap_close(ps->p);
	ps->p = NULL;
	return r < 0 ? r : -1;
}

static void
close_capture(struct pcap_sensor *ps)
{
	if (ps->p == NULL)
		return;
	timer_stop(&ps->check);
	timer_stop(&ps->say_down);
	ps->said_down = false;
	if (ps->io.fd != -1)
		io_del(&ps->io);
	ps->io.fd = -1;
	pcap_close(ps->p);
	ps->p = NULL;
	capture_programs_free(&ps->progs);
}

/* Join the loop with an open capture, in the mode the watch wants. */
static int
attach(struct pcap_sensor *ps)
{
	ps->io = (struct io){ .fd = pcap_get_selectable_fd(ps->p),
	    .cb = pcap_readable, .arg = ps };
	if (io_add(&ps->io, EPOLLIN) == -1) {
		ps->io.fd = -1;
		return -1;
	}
	ps->phase = PHASE_IDLE;
	apply_mode(ps);
	return 0;
}

/* Say each reason once, not at every link notification. */
static void
say(struct pcap_sensor *ps, const char *why)
{
	if (strcmp(ps->why, why) == 0)
		return;
	snprintf(ps->why, sizeof ps->why, "%s", why);
	sensor_log(&ps->base, log_warnx, "PCAP: %s", why);
}

static void
try_attach(struct pcap_sensor *ps)
{
	char msg[PCAP_ERRBUF_SIZE + 64], err[sizeof msg + IFNAMSIZ + 32];
	const char *key;

	if (ps->p != NULL)
		return;
	if (open_capture(ps, &key, msg, sizeof msg) != 0) {
		snprintf(err, sizeof err, "%s: cannot capture yet: %s",
		    ps->ifname, msg);
		say(ps, err);
		return;
	}
	if (attach(ps) == -1) {
		close_capture(ps);
		say(ps, "cannot join the event loop");
		return;
	}
	if (ps->lost)
		sensor_log(&ps->base, log_notice,
		    "PCAP: %s: interface is back, capturing again",
		    ps->ifname);
	ps->lost = false;
	ps->why[0] = '\0';
}

static void
capture_failed(struct pcap_sensor *ps, const char *pcap_error)
{
	char why[PCAP_ERRBUF_SIZE + 64];

	snprintf(why, sizeof why, "%s: capture lost (%s); waiting for the "
	    "interface", ps->ifname, pcap_error);
	close_capture(ps);
	ps->lost = true;
	say(ps, why);
	try_attach(ps);		/* it may be back already */
}

/* An interface deleted or moved away goes down first, and RTM_DELLINK
 * may come some milliseconds later (the kernel waits for RCU between the
 * two): the loss is what to say then, so a down is said only once it
 * has lasted DOWN_SAY_NS with the capture still open. */
static void
pcap_say_down(struct timer *t)
{
	struct pcap_sensor *ps = t->arg;

	if (ps->p == NULL || !ps->down ||
	    if_nametoindex(ps->ifname) != ps->ifindex)
		return;
	sensor_log(&ps->base, log_warnx,
	    "PCAP: %s: interface down; no packets until it is up again",
	    ps->ifname);
	ps->said_down = true;
}

/* Taken down, a packet socket stays bound and is fed again once the
 * interface is up: nothing to reopen, but worth saying, once each way. */
static void
up_or_down(struct pcap_sensor *ps, bool up)
{
	char why[IFNAMSIZ + 64];

	if (ps->p == NULL) {
		ps->down = !up;
		if (ps->down) {
			snprintf(why, sizeof why, "%s: interface is down; "
			    "waiting for it to come up", ps->ifname);
			say(ps, why);
		}
		return;
	}
	if (up == !ps->down)
		return;
	ps->down = !up;
	if (ps->down) {
		timer_set(&ps->say_down, now_ns() + DOWN_SAY_NS);
		return;
	}
	timer_stop(&ps->say_down);
	if (ps->said_down)
		sensor_log(&ps->base, log_notice,
		    "PCAP: %s: interface up again, capturing",
		    ps->ifname);
	ps->said_down = false;
}

static void
link_changed(struct ifwatch_client *c, bool exists, unsigned ifindex,
    bool up)
{
	struct pcap_sensor *ps = c->arg;

	if (!exists) {
		ps->down = false;
		if (ps->p != NULL && (ifindex == 0 || ifindex == ps->ifindex))
			capture_failed(ps, "interface removed");
		return;
	}
	if (ps->p != NULL && ifindex != 0 && ifindex != ps->ifindex) {
		capture_failed(ps, "interface replaced");
		return;
	}
	up_or_down(ps, up);
	if (up)
		try_attach(ps);
}

static int
pcap_start(struct sensor *s)
{
	struct pcap_sensor *ps = (struct pcap_sensor *)s;

	if (ifwatch_start() == -1)
		return -1;
	/* links are watched from here: a sensor opened for a watch that a
	 * reload starts later hears of none before its watch runs */
	ifwatch_add(&ps->link);
	sensor_log(&ps->base, log_info, "Binding to interface %s", ps->ifname);
	return ps->p != NULL ? attach(ps) : 0;
}

static void
pcap_sensor_close(struct sensor *s)
{
	struct pcap_sensor *ps = (struct pcap_sensor *)s;

	ifwatch_del(&ps->link);
	close_capture(ps);
	free(ps->ifname);
	free(ps->filter);
	free(ps->keepalive);
	free(ps);
}

static void
pcap_label(const struct sensor *s, char *buf, size_t len)
{
	snprintf(buf, len, "pcap %s", ((const struct pcap_sensor *)s)->ifname);
}

static void
pcap_env(const struct sensor *s, struct env *e)
{
	env_set(e, "TUNINETD_SENSOR", "pcap");
	env_set(e, "TUNINETD_INTERFACE", "%s",
	    ((const struct pcap_sensor *)s)->ifname);
}

/* 0 while the interface has never been seen */
static int
pcap_linktype(const struct sensor *s)
{
	return ((const struct pcap_sensor *)s)->linktype;
}

/* The interface is absent or down: the sensor waits for it, and sees no
 * packet until then. */
static const char *
pcap_waiting(const struct sensor *s)
{
	const struct pcap_sensor *ps = (const struct pcap_sensor *)s;

	if (ps->p == NULL)
		return "waiting for the interface";
	return ps->down ? "waiting for the interface to come up" : NULL;
}

static const struct sensor_ops pcap_ops = {
	.kind = "pcap",
	.tag = "PCAP",
	.start = pcap_start,
	.set_mode = pcap_set_mode,
	.sync = pcap_sync,		/* reads the ring and the counters at
					   once: no flush */
	.describe = pcap_describe,
	.label = pcap_label,
	.env = pcap_env,
	.linktype = pcap_linktype,
	.waiting = pcap_waiting,
	.close = pcap_sensor_close,
};

/* Whether ifname may be captured on now, or, with wait, may ever be:
 * what can be known before opening it (--check-config, a reload). */
bool
pcap_interface_ok(const char *ifname, bool wait, char *err, size_t errlen)
{
	struct ifreq ifr = { .ifr_flags = 0 };
	int fd;

	/* longer would be cut to another name, or never appear */
	if (strlen(ifname) >= IFNAMSIZ) {
		snprintf(err, errlen, "`%s' is too long for an interface name "
		    "(at most %d characters)", ifname, IFNAMSIZ - 1);
		return false;
	}
	if (wait)
		return true;
	if (if_nametoindex(ifname) == 0) {
		snprintf(err, errlen, "`%s': no such interface", ifname);
		return false;
	}
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return true;		/* opening it will tell */
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP)) {
		snprintf(err, errlen, "`%s' is down: bring it up first, or give "
		    "wait-interface = yes", ifname);
		close(fd);
		return false;
	}
	close(fd);
	return true;
}

bool
pcap_sensor_wanted(const struct watch_conf *wc)
{
	return wc->ifname != NULL;
}

struct sensor *
pcap_sensor_open(const struct watch_conf *wc, char *err, size_t errlen)
{
	const char *ifname = wc->ifname, *filter = wc->filter, *key;
	bool wait_interface = wc->wait_interface;
	char why[PCAP_ERRBUF_SIZE + 256];
	struct pcap_sensor *ps;
	int r;

	if (!pcap_interface_ok(ifname, true, why, sizeof why)) {
		conf_refusal(wc, "interface", err, errlen, "%s", why);
		return NULL;
	}
	if (ifwatch_open(why, sizeof why) == -1) {
		conf_refusal(wc, "interface", err, errlen, "%s", why);
		return NULL;
	}
	if ((ps = calloc(1, sizeof *ps)) == NULL)
		fatal("calloc");
	sensor_init(&ps->base, &pcap_ops, wc);
	ps->check = (struct timer){ .cb = pcap_check, .arg = ps };
	ps->say_down = (struct timer){ .cb = pcap_say_down, .arg = ps };
	ps->io.fd = -1;
	ps->mode = SENSOR_IDLE;
	if ((ps->ifname = strdup(ifname)) == NULL ||
	    (filter != NULL && (ps->filter = strdup(filter)) == NULL) ||
	    (wc->keepalive_filter != NULL &&
	    (ps->keepalive = strdup(wc->keepalive_filter)) == NULL))
		fatal("strdup");
	if ((r = open_capture(ps, &key, why, sizeof why)) != 0) {
		ps->down = r == PCAP_ERROR_IFACE_NOT_UP;
		if (ps->down && !wait_interface)
			snprintf(why, sizeof why, "`%s' is down: bring it up "
			    "first, or give %s", ifname, wc->name != NULL ?
			    "wait-interface = yes" : "--wait-interface");
		if (!wait_interface || (!ps->down &&
		    if_nametoindex(ifname) != 0) ||
		    !pcap_filter_ok(filter != NULL ? filter : "", why,
		    sizeof why)) {
			if (wait_interface)
				key = "filter";
			conf_refusal(wc, key, err, errlen, "%s", why);
			free(ps->ifname);
			free(ps->filter);
			free(ps->keepalive);
			free(ps);
			return NULL;
		}
		ps->lost = true;
		/* said once: say() repeats no reason */
		snprintf(ps->why, sizeof ps->why, ps->down ? "%s: interface is "
		    "down; waiting for it to come up" : "%s: no such interface "
		    "yet; waiting for it", ifname);
		sensor_log(&ps->base, log_notice, "PCAP: %s", ps->why);
	}
	ps->link = (struct ifwatch_client){ .ifname = ps->ifname,
	    .changed = link_changed, .arg = ps };
	return &ps->base;
}
