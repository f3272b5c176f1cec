/* notifylisten PATH SECONDS: play systemd's side of sd_notify: bind a
 * datagram socket at PATH and print each message received, its lines
 * joined by "|", one per line after the CLOCK_REALTIME time it came,
 * until SECONDS pass. Test helper. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char buf[4096];
	time_t end;
	ssize_t n, i;
	struct timespec ts;
	int fd;

	if (argc != 3 || strlen(argv[1]) >= sizeof a.sun_path) {
		fprintf(stderr, "usage: notifylisten PATH SECONDS\n");
		return 2;
	}
	strcpy(a.sun_path, argv[1]);
	unlink(argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&a, sizeof a) == -1) {
		perror("notifylisten");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	end = time(NULL) + atoi(argv[2]);
	while (time(NULL) < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 200) <= 0)
			continue;
		if ((n = recv(fd, buf, sizeof buf - 1, 0)) <= 0)
			continue;
		for (i = 0; i < n; i++)
			if (buf[i] == '\n')
				buf[i] = '|';
		buf[n] = '\0';
		clock_gettime(CLOCK_REALTIME, &ts);
		printf("%lld.%09ld %s\n", (long long)ts.tv_sec, ts.tv_nsec, buf);
	}
	unlink(argv[1]);
	return 0;
}
