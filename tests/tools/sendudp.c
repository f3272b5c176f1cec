/* sendudp: send COUNT UDP datagrams of SIZE bytes to ADDR PORT (IPv4 or
 * IPv6), INTERVAL_MS apart (0: as fast as possible; below 1, a steady rate
 * of 1/INTERVAL_MS per ms, on average), for at most SECONDS if given, and
 * print the CLOCK_REALTIME seconds of the first and the last send. Test
 * helper. */
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
	long count, size, i;
	double first = 0, last = 0, seconds, interval;
	struct timespec start, next;
	char buf[65536] = { 0 };
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: sendudp ADDR PORT [COUNT [SIZE [INTERVAL_MS [SECONDS]]]]\n");
		return 2;
	}
	count = argc > 3 ? atol(argv[3]) : 1;
	size = argc > 4 ? atol(argv[4]) : 32;
	interval = argc > 5 ? atof(argv[5]) : 0;
	seconds = argc > 6 ? atof(argv[6]) : 0;
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
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < count; i++) {
		if (i > 0 && interval >= 1)
			usleep((useconds_t)(interval * 1000));
		else if (i > 0 && interval > 0) {
			/* by the clock, so that oversleeping is caught up */
			long long ns = start.tv_nsec + (long long)(i * interval * 1e6);

			next.tv_sec = start.tv_sec + ns / 1000000000;
			next.tv_nsec = ns % 1000000000;
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		}
		if (i > 0 && seconds > 0 && realtime() - first >= seconds)
			break;
		last = realtime();
		if (i == 0)
			first = last;
		if (send(fd, buf, (size_t)size, 0) == -1 && i == 0)
			perror("sendudp: send");
	}
	printf("%.6f %.6f\n", first, last);
	return 0;
}
