/* sendudp: send COUNT UDP datagrams of SIZE bytes to ADDR PORT (IPv4 or
 * IPv6), INTERVAL_MS apart (0: as fast as possible), and print the
 * CLOCK_REALTIME seconds of the first and the last send. Test helper. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double
realtime(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai;
	long count, size, interval, i;
	double first = 0, last = 0;
	char buf[65536] = { 0 };
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: sendudp ADDR PORT [COUNT [SIZE [INTERVAL_MS]]]\n");
		return 2;
	}
	count = argc > 3 ? atol(argv[3]) : 1;
	size = argc > 4 ? atol(argv[4]) : 32;
	interval = argc > 5 ? atol(argv[5]) : 0;
	if (size < 0 || size > (long)sizeof buf)
		size = 32;
	if (getaddrinfo(argv[1], argv[2], &hints, &ai) != 0) {
		fprintf(stderr, "sendudp: bad address %s\n", argv[1]);
		return 1;
	}
	if ((fd = socket(ai->ai_family, SOCK_DGRAM, 0)) == -1 ||
	    connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		perror("sendudp");
		return 1;
	}
	for (i = 0; i < count; i++) {
		if (i > 0 && interval > 0)
			usleep((useconds_t)interval * 1000);
		last = realtime();
		if (i == 0)
			first = last;
		if (send(fd, buf, (size_t)size, 0) == -1 && i == 0)
			perror("sendudp: send");
	}
	printf("%.6f %.6f\n", first, last);
	return 0;
}
