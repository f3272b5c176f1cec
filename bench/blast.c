/* blast ADDR PORT COUNT [FLOWS]: send COUNT 64-byte UDP datagrams as fast
 * as the kernel takes them (sendmmsg, 64 at a time) and print: packets
 * sent, seconds taken, and the CLOCK_REALTIME of the first and the last
 * send. With FLOWS, the datagrams go round-robin over that many flows, a
 * conntrack entry each: to ports PORT to PORT + SPAN - 1 (SPAN, at most
 * 10,000, from as many sockets, each its own source port, as FLOWS needs);
 * COUNT = FLOWS sends one datagram per flow. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH	64
#define SIZE	64
#define SPAN	10000
#define SOCKETS	100		/* FLOWS up to SPAN x SOCKETS */

static double
seconds(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static char payload[SIZE];
	struct sockaddr_in to = { .sin_family = AF_INET }, dst[BATCH];
	struct mmsghdr msgs[BATCH];
	struct iovec iov = { payload, SIZE };
	double t0, first = 0, last = 0;
	long count, flows = 0, span = 1, sent = 0, f;
	int fds[SOCKETS], nfds = 1, port, i, n, s;

	if ((argc != 4 && argc != 5) ||
	    inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
		fprintf(stderr, "usage: blast ADDR PORT COUNT [FLOWS]\n");
		return 2;
	}
	port = atoi(argv[2]);
	count = atol(argv[3]);
	if (argc == 5) {
		flows = atol(argv[4]);
		span = flows < SPAN ? flows : SPAN;
		nfds = (int)((flows + span - 1) / span);
		if (flows < 1 || nfds > SOCKETS || port + span > 65536) {
			fprintf(stderr, "blast: FLOWS 1 to %d, ports up to 65535\n",
			    SPAN * SOCKETS);
			return 2;
		}
	}
	to.sin_port = htons((unsigned short)port);
	/* with FLOWS, unconnected: an ICMP port unreachable would fail a
	 * connected socket's next send */
	for (s = 0; s < nfds; s++)
		if ((fds[s] = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
		    (flows == 0 && connect(fds[s], (struct sockaddr *)&to,
		    sizeof to) == -1)) {
			perror("blast");
			return 1;
		}
	memset(msgs, 0, sizeof msgs);
	for (i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
		if (flows > 0) {	/* the address of each datagram its own */
			msgs[i].msg_hdr.msg_name = &dst[i];
			msgs[i].msg_hdr.msg_namelen = sizeof dst[i];
			dst[i] = to;
		}
	}
	t0 = seconds(CLOCK_MONOTONIC);
	while (sent < count) {
		n = count - sent < BATCH ? (int)(count - sent) : BATCH;
		s = 0;
		/* one socket per batch: the batch ends where the flows'
		 * source port changes */
		for (i = 0; flows > 0 && i < n; i++) {
			f = (sent + i) % flows;
			if (i == 0)
				s = (int)(f / span);
			else if (f / span != s)
				break;
			dst[i].sin_port = htons((unsigned short)(port + f % span));
		}
		if (flows > 0)
			n = i;
		if (sent == 0)
			first = seconds(CLOCK_REALTIME);
		if ((n = sendmmsg(fds[s], msgs, (unsigned)n, 0)) > 0)
			sent += n;
		last = seconds(CLOCK_REALTIME);
	}
	printf("%ld %.6f %.6f %.6f\n", sent, seconds(CLOCK_MONOTONIC) - t0,
	    first, last);
	return 0;
}
