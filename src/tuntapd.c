/*
 * tuntapd: hold a tun or tap device open so that libpcap can capture on
 * it while the service that normally owns it is down (a tun/tap device
 * has no carrier, and is gone if not persistent, when nobody holds it).
 * What arrives is read and discarded; in the foreground each packet is
 * logged as one short decoded line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "packet.h"

#ifndef VERSION
#define VERSION "2.0.0"
#endif

static const char *ifname;
static bool tap, foreground = true;
static unsigned long packets;

static void
usage(FILE *f)
{
	fprintf(f, "usage: tuntapd -i <ifname> [-m tun|tap] [-d]\n"
	    "  -i <ifname>  the tun/tap device to create or attach to\n"
	    "  -m tun|tap   its kind (default tun)\n"
	    "  -d           daemonize, log to syslog\n"
	    "  -h, -v       help, version\n");
}

static void
on_packet(struct io *io, uint32_t events)
{
	uint8_t buf[65536];
	struct packet_info pi;
	char line[256];
	ssize_t n;

	(void)events;
	while ((n = read(io->fd, buf, sizeof buf)) > 0) {
		packets++;
		if (!foreground)
			continue;
		packet_decode(tap ? LINKTYPE_ETHERNET : LINKTYPE_RAW, buf,
		    (size_t)n, &pi);
		if (packet_net_line(&pi, line, sizeof line))
			log_info("%s: %s", ifname, line);
		else if (packet_link_line(&pi, line, sizeof line))
			log_info("%s: %s", ifname, line);
		else
			log_info("%s: %zd bytes", ifname, n);
	}
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR))
		fatal("%s: read", ifname);
}

static void
on_signal(int signo)
{
	log_info("%s caught, releasing %s after %lu packets",
	    signo == SIGTERM ? "SIGTERM" : "SIGINT", ifname, packets);
	loop_quit(0);
}

int
main(int argc, char *argv[])
{
	struct ifreq ifr = { 0 };
	struct io tun = { .cb = on_packet };
	const char *mode = "tun";
	bool daemonize = false;
	int c;

	while ((c = getopt(argc, argv, ":i:m:dhv")) != -1) {
		switch (c) {
		case 'i':
			ifname = optarg;
			break;
		case 'm':
			mode = optarg;
			break;
		case 'd':
			daemonize = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'v':
			printf("tuntapd %s\n", VERSION);
			return 0;
		case ':':
			fprintf(stderr, "tuntapd: -%c needs an argument\n", optopt);
			return 2;
		default:
			fprintf(stderr, "tuntapd: unknown option `-%c'\n", optopt);
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tuntapd: unexpected argument `%s'\n",
		    argv[optind]);
		return 2;
	}
	if (ifname == NULL) {
		fprintf(stderr, "tuntapd: no device: give -i <ifname>\n");
		return 2;
	}
	if (*ifname == '\0' || strlen(ifname) >= IFNAMSIZ ||
	    strpbrk(ifname, "/ \t\n:") != NULL) {
		fprintf(stderr, "tuntapd: -i: `%s' is not a valid interface "
		    "name\n", ifname);
		return 2;
	}
	if (strcmp(mode, "tun") == 0)
		tap = false;
	else if (strcmp(mode, "tap") == 0)
		tap = true;
	else {
		fprintf(stderr, "tuntapd: -m: `%s' is neither tun nor tap\n",
		    mode);
		return 2;
	}

	log_init("tuntapd", false);
	if ((tun.fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)) == -1) {
		fprintf(stderr, "tuntapd: /dev/net/tun: %s\n", strerror(errno));
		return 1;
	}
	ifr.ifr_flags = (short)((tap ? IFF_TAP : IFF_TUN) | IFF_NO_PI);
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(tun.fd, TUNSETIFF, &ifr) == -1) {
		fprintf(stderr, "tuntapd: -i: cannot hold `%s' as a %s "
		    "device: %s%s\n", ifname, mode, strerror(errno),
		    errno == EPERM ? " (needs CAP_NET_ADMIN)" :
		    errno == EBUSY ? " (another process holds it)" :
		    errno == EINVAL ? " (it exists as another kind?)" : "");
		return 1;
	}

	if (daemonize) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		log_init("tuntapd", true);
		foreground = false;
	}
	if (loop_init() == -1 || io_add(&tun, EPOLLIN) == -1)
		fatal("event loop");
	if (loop_signals((const int[]){ SIGTERM, SIGINT }, 2, on_signal) == -1)
		fatal("signals");
	log_info("holding %s device %s (pid %d)", mode, ifname, (int)getpid());
	return loop_run();
}
