/* blast ADDR PORT COUNT: send COUNT 64-byte UDP datagrams as fast as the
 * kernel takes them (sendmmsg, 64 at a time) and print: packets sent,
 * seconds taken, and the CLOCK_REALTIME of the first and the last send. */
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
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct mmsghdr msgs[BATCH];
	struct iovec iov = { payload, SIZE };
	double t0, first = 0, last = 0;
	long count, sent = 0;
	int fd, i, n;

	if (argc != 4 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
		fprintf(stderr, "usage: blast ADDR PORT COUNT\n");
		return 2;
	}
	to.sin_port = htons((unsigned short)atoi(argv[2]));
	count = atol(argv[3]);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&to, sizeof to) == -1) {
		perror("blast");
		return 1;
	}
	memset(msgs, 0, sizeof msgs);
	for (i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	t0 = seconds(CLOCK_MONOTONIC);
	while (sent < count) {
		n = count - sent < BATCH ? (int)(count - sent) : BATCH;
		if (sent == 0)
			first = seconds(CLOCK_REALTIME);
		if ((n = sendmmsg(fd, msgs, (unsigned)n, 0)) > 0)
			sent += n;
		last = seconds(CLOCK_REALTIME);
	}
	printf("%ld %.6f %.6f %.6f\n", sent, seconds(CLOCK_MONOTONIC) - t0,
	    first, last);
	return 0;
}
