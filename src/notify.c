/*
 * notify.c: when systemd starts us with Type=notify it passes the path of
 * a datagram socket in NOTIFY_SOCKET (a leading '@' names an abstract
 * socket); each datagram is newline-separated VARIABLE=value lines:
 * READY=1 once the sensors are open, STATUS=... on each transition,
 * STOPPING=1 on the way out. See sd_notify(3). The variable is removed
 * from our environment, so hooks cannot speak for us. The socket is
 * connected at start-up, as root: the jailed worker (privsep.c), which
 * tells systemd of its watches, may not reach the path.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"

static int fd = -1;
static struct sockaddr_un addr;
static socklen_t addrlen;
static bool connected;

void
notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    (len = strlen(path)) >= sizeof addr.sun_path)
		goto out;
	memset(&addr, 0, sizeof addr);
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path, path, len);
	if (path[0] == '@')
		addr.sun_path[0] = '\0';
	addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
	    (path[0] == '/'));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	connected = fd != -1 && connect(fd, (struct sockaddr *)&addr,
	    addrlen) == 0;
out:
	unsetenv("NOTIFY_SOCKET");
}

void
notify(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	if (fd == -1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof msg)
		n = sizeof msg - 1;
	if (connected)
		(void)send(fd, msg, (size_t)n, MSG_NOSIGNAL);
	else
		(void)sendto(fd, msg, (size_t)n, MSG_NOSIGNAL,
		    (struct sockaddr *)&addr, addrlen);
}

void
notify_close(void)
{
	if (fd != -1)
		close(fd);
	fd = -1;
}
