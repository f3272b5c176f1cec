/* tcpchat: a TCP conversation for the tests, IPv4 or IPv6.
 *   tcpchat listen ADDR PORT              accept, read and discard, forever
 *   tcpchat serve ADDR PORT               accept, read a request, answer an
 *       empty HTTP 200 and close, forever (curl's other end)
 *   tcpchat talk ADDR PORT COUNT INTERVAL_MS [QUIET_MS]
 *       connect, send one byte COUNT times INTERVAL_MS apart, stay quiet
 *       QUIET_MS (an open, idle connection), close; print the
 *       CLOCK_REALTIME seconds of the connect and of the close */
#define _GNU_SOURCE
#include <netdb.h>
#include <stdbool.h>
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
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	char buf[4096];
	double t0, t1;
	int fd, c;
	long i, count, interval, quiet;
	bool serve;

	if (argc < 4 || getaddrinfo(argv[2], argv[3], &hints, &ai) != 0) {
		fprintf(stderr, "usage: tcpchat listen|serve|talk ADDR PORT "
		    "[COUNT INTERVAL_MS [QUIET_MS]]\n");
		return 2;
	}
	serve = strcmp(argv[1], "serve") == 0;
	if ((fd = socket(ai->ai_family, SOCK_STREAM, 0)) == -1) {
		perror("tcpchat: socket");
		return 1;
	}
	if (strcmp(argv[1], "listen") == 0 || serve) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
		    listen(fd, 8) == -1) {
			perror("tcpchat: listen");
			return 1;
		}
		for (;;) {
			if ((c = accept(fd, NULL, NULL)) == -1)
				continue;
			if (serve) {
				static const char ok[] = "HTTP/1.0 200 OK\r\n"
				    "Content-Length: 0\r\n\r\n";

				if (read(c, buf, sizeof buf) > 0 &&
				    write(c, ok, sizeof ok - 1) < 0)
					perror("tcpchat: write");
			} else
				while (read(c, buf, sizeof buf) > 0)
					;
			close(c);
		}
	}
	count = argc > 4 ? atol(argv[4]) : 1;
	interval = argc > 5 ? atol(argv[5]) : 0;
	quiet = argc > 6 ? atol(argv[6]) : 0;
	t0 = realtime();
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		perror("tcpchat: connect");
		return 1;
	}
	for (i = 0; i < count; i++) {
		if (i > 0 && interval > 0)
			usleep((useconds_t)interval * 1000);
		if (write(fd, "x", 1) != 1) {
			perror("tcpchat: write");
			return 1;
		}
	}
	if (quiet > 0)
		usleep((useconds_t)quiet * 1000);
	close(fd);
	t1 = realtime();
	printf("%.6f %.6f\n", t0, t1);
	return 0;
}
