/* udpecho: answer every UDP datagram to ADDR PORT (IPv4 or IPv6) with
 * itself, forever: the replies a test needs for a two-way flow. */
#define _GNU_SOURCE
#include <netdb.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM,
	    .ai_flags = AI_PASSIVE }, *ai;
	struct sockaddr_storage from;
	socklen_t fromlen;
	char buf[65536];
	ssize_t n;
	int fd;

	if (argc != 3 || getaddrinfo(argv[1], argv[2], &hints, &ai) != 0) {
		fprintf(stderr, "usage: udpecho ADDR PORT\n");
		return 2;
	}
	if ((fd = socket(ai->ai_family, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		perror("udpecho");
		return 1;
	}
	for (;;) {
		fromlen = sizeof from;
		n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from,
		    &fromlen);
		if (n >= 0)
			sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from,
			    fromlen);
	}
}
