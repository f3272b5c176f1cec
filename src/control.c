/*
 * control.c: the control socket, a Unix stream socket that tuninetctl and
 * scripts talk to: one JSON request per line in, one JSON reply per line
 * out (control_cmd.c reads the request and writes the reply).
 *
 * What it costs while nobody talks to it: one listening fd in the loop,
 * no timer. What a peer can do to the daemon is bounded, since any local
 * user the socket's mode lets in may be careless or hostile:
 * - CLIENTS_MAX connections; one more closes the oldest that has no
 *   reply on its way, or is refused with a reply if all have;
 * - a request is one line of at most REQUEST_MAX bytes: a longer one gets
 *   an error reply and the connection ends; so does a line that is not
 *   JSON;
 * - one request at a time per connection: the next line is not read
 *   until the reply to the last has gone, so a peer that sends without
 *   reading holds one reply in memory, not one per line;
 * - CLIENT_TIMEOUT seconds to send a whole request, and as long again to
 *   take its reply, or the connection ends;
 * - everything is non-blocking: a reply the socket cannot take at once
 *   waits in the client's buffer for EPOLLOUT.
 * Who may do what is the peer's uid, from SO_PEERCRED at accept: anyone
 * who can connect (mode 0660: root and control-group) may read; only
 * root may change a state.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "json.h"
#include "log.h"
#include "loop.h"

#define CLIENTS_MAX	64
#define REQUEST_MAX	65536	/* bytes of one request line, its \n too */
#define CLIENT_TIMEOUT	5	/* seconds to send a request, to take a reply */
#define ACCEPTS_MAX	16	/* connections taken per wake-up */

struct client {
	struct io	 io;
	struct control	*ctl;
	uid_t		 uid;
	pid_t		 pid;
	int64_t		 accepted;
	char		*in;		/* what came, up to REQUEST_MAX */
	size_t		 inlen, incap;
	bool		 eof;		/* the peer sends no more */
	char		*out;		/* a reply on its way, or NULL */
	size_t		 outlen, outoff;
	bool		 closing;	/* ends once the reply has gone */
	struct timer	 timeout;
};

struct control {
	struct io	 listener;
	char		*path;
	dev_t		 dev;		/* of the socket we bound: unlinked */
	ino_t		 ino;		/* at exit only if still ours */
	struct daemon	*daemon;
	struct client	*clients[CLIENTS_MAX];
	int		 nclients;
	struct timer	 resume;	/* accept again after EMFILE */
	bool		 joined;
};

static void	on_client(struct io *, uint32_t);

static void
drop(struct client *c)
{
	struct control *ctl = c->ctl;
	int i;

	for (i = 0; i < ctl->nclients; i++)
		if (ctl->clients[i] == c) {
			ctl->clients[i] = ctl->clients[--ctl->nclients];
			break;
		}
	io_del(&c->io);
	close(c->io.fd);
	timer_stop(&c->timeout);
	free(c->in);
	free(c->out);
	free(c);
}

static void
on_timeout(struct timer *t)
{
	drop(t->arg);
}

/* the reply in hand, sent as far as the socket takes it; false: the
 * peer is gone */
static bool
flush(struct client *c)
{
	ssize_t n;

	while (c->outoff < c->outlen) {
		n = send(c->io.fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return errno == EAGAIN;
		c->outoff += (size_t)n;
	}
	free(c->out);
	c->out = NULL;
	c->outlen = c->outoff = 0;
	return true;
}

/* j's text and a line feed become the reply on its way */
static void
take_reply(struct client *c, struct json *j)
{
	static const char oom[] = "{\"ok\":false,\"error\":\"out of "
	    "memory\"}\n";

	c->outoff = 0;
	if (json_text(j) != NULL && j->len > 0) {
		/* the writer keeps room for a NUL: the line feed goes there */
		c->out = j->buf;
		c->out[j->len] = '\n';
		c->outlen = j->len + 1;
		return;
	}
	json_free(j);
	c->closing = true;
	c->out = strdup(oom);
	c->outlen = c->out != NULL ? strlen(oom) : 0;
}

static void
reply_error(struct client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reply_error(struct client *c, const char *fmt, ...)
{
	char msg[256];
	struct json j;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_init(&j);
	control_refusal(&j, msg);
	take_reply(c, &j);
}

static bool
blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* The next whole line, if any, answered (blank ones are skipped).
 * False: nothing to answer yet. */
static bool
answer_next(struct client *c)
{
	size_t len, used;
	struct json j;
	char *nl;

	for (;;) {
		if (c->inlen == 0)
			return false;
		if ((nl = memchr(c->in, '\n', c->inlen)) != NULL) {
			len = (size_t)(nl - c->in);
			used = len + 1;
		} else if (c->inlen >= REQUEST_MAX) {
			reply_error(c, "a request is one line of at most %d "
			    "bytes", REQUEST_MAX - 1);
			c->closing = true;
			return true;
		} else if (c->eof && c->inlen > 0) {
			len = used = c->inlen;	/* a last line without \n */
		} else
			return false;
		if (len > 0 && c->in[len - 1] == '\r')
			len--;
		if (!blank(c->in, len))
			break;
		memmove(c->in, c->in + used, c->inlen - used);
		c->inlen -= used;
	}
	json_init(&j);
	if (!control_answer(c->ctl->daemon, c->in, len, c->uid, c->pid, &j))
		c->closing = true;
	take_reply(c, &j);
	memmove(c->in, c->in + used, c->inlen - used);
	c->inlen -= used;
	timer_set(&c->timeout, ns_after(now_ns(), CLIENT_TIMEOUT));
	return true;
}

/* Answer what can be answered, send, and wait for what comes next.
 * False: the client is done with (the caller drops it). */
static bool
serve(struct client *c)
{
	for (;;) {
		if (c->out != NULL && !flush(c))
			return false;
		if (c->out != NULL)	/* the socket is full: wait */
			return io_mod(&c->io, EPOLLOUT) == 0;
		if (c->closing)
			return false;
		if (!answer_next(c))
			break;
	}
	if (c->eof)
		return false;
	return io_mod(&c->io, EPOLLIN) == 0;
}

static bool
receive(struct client *c)
{
	size_t cap;
	ssize_t n;
	char *b;

	if (c->inlen == c->incap) {
		cap = c->incap != 0 ? c->incap * 4 : 1024;
		if (cap > REQUEST_MAX)
			cap = REQUEST_MAX;
		if ((b = realloc(c->in, cap)) == NULL)
			return false;
		c->in = b;
		c->incap = cap;
	}
	n = read(c->io.fd, c->in + c->inlen, c->incap - c->inlen);
	if (n == -1)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		c->eof = true;
	c->inlen += (size_t)n;
	return true;
}

static void
on_client(struct io *io, uint32_t events)
{
	struct client *c = io->arg;

	if ((events & EPOLLIN) && c->out == NULL && !receive(c)) {
		drop(c);
		return;
	}
	if ((events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLIN) &&
	    c->out == NULL) {
		drop(c);
		return;
	}
	if (!serve(c))
		drop(c);
}

/* the oldest connection with no reply on its way: the one to let go */
static struct client *
oldest_idle(struct control *ctl)
{
	struct client *old = NULL;
	int i;

	for (i = 0; i < ctl->nclients; i++)
		if (ctl->clients[i]->out == NULL && (old == NULL ||
		    ctl->clients[i]->accepted < old->accepted))
			old = ctl->clients[i];
	return old;
}

static void
refuse(int fd)
{
	char busy[128];
	int n;

	n = snprintf(busy, sizeof busy, "{\"ok\":false,\"error\":\"busy: "
	    "replies to %d other connections are on their way\"}\n",
	    CLIENTS_MAX);
	(void)!send(fd, busy, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static void
welcome(struct control *ctl, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof cred;
	struct client *c, *old;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		close(fd);
		return;
	}
	if (ctl->nclients == CLIENTS_MAX) {
		if ((old = oldest_idle(ctl)) == NULL) {
			refuse(fd);
			return;
		}
		drop(old);
	}
	if ((c = calloc(1, sizeof *c)) == NULL) {
		close(fd);
		return;
	}
	c->io = (struct io){ .fd = fd, .cb = on_client, .arg = c };
	c->ctl = ctl;
	c->uid = cred.uid;
	c->pid = cred.pid;
	c->accepted = now_ns();
	c->timeout = (struct timer){ .cb = on_timeout, .arg = c };
	if (io_add(&c->io, EPOLLIN) == -1) {
		close(fd);
		free(c);
		return;
	}
	ctl->clients[ctl->nclients++] = c;
	timer_set(&c->timeout, ns_after(c->accepted, CLIENT_TIMEOUT));
}

static void
on_resume(struct timer *t)
{
	struct control *ctl = t->arg;

	io_mod(&ctl->listener, EPOLLIN);
}

static void
on_listener(struct io *io, uint32_t events)
{
	struct control *ctl = io->arg;
	static bool said;
	int i, fd;

	(void)events;
	for (i = 0; i < ACCEPTS_MAX; i++) {
		fd = accept4(io->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			welcome(ctl, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN)
			return;
		/* out of fds or memory: a level-triggered listener would
		 * spin; look again in a second */
		if (!said)
			log_warn("control: `%s': accept", ctl->path);
		said = true;
		io_mod(io, 0);
		timer_set(&ctl->resume, ns_after(now_ns(), 1));
		return;
	}
}

/* The socket's directory, made if missing (one level: /run/tuninetd),
 * 0755 whatever the umask: control-group must reach the socket in it. */
static int
make_dir(const char *path, char *err, size_t errlen)
{
	char *copy, *dir;
	struct stat st;
	int r = 0;

	if ((copy = strdup(path)) == NULL)
		fatal("strdup");
	dir = dirname(copy);
	if (stat(dir, &st) == -1 && errno == ENOENT) {
		if (mkdir(dir, 0755) == 0)
			r = chmod(dir, 0755);
		else if (errno != EEXIST)
			r = -1;
		if (r == -1)
			snprintf(err, errlen, "control: cannot make the "
			    "directory `%s': %s", dir, strerror(errno));
	}
	free(copy);
	return r;
}

/* What is at the path already: nothing, or a socket nobody answers (a
 * daemon that died; it is removed). Anything else refuses the start. */
static int
clear_path(const char *path, const struct sockaddr_un *sa, char *err,
    size_t errlen)
{
	struct stat st;
	int fd, r;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "control: `%s': %s", path,
		    strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "control: `%s' is in the way: %s, not a "
		    "socket", path, S_ISDIR(st.st_mode) ? "a directory" :
		    "a file");
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		fatal("socket");
	r = connect(fd, (const struct sockaddr *)sa, sizeof *sa);
	close(fd);
	if (r == 0 || errno == EAGAIN) {
		snprintf(err, errlen, "control: `%s' is in use: a running "
		    "tuninetd answers there", path);
		return -1;
	}
	if (errno != ECONNREFUSED) {
		snprintf(err, errlen, "control: `%s': %s", path,
		    strerror(errno));
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "control: cannot remove the stale socket "
		    "`%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* control-group's id, in *gid (none given: root's); false, and err, when
 * there is no such group */
bool
control_group_id(const char *group, gid_t *gid, char *err, size_t errlen)
{
	struct group *gr;

	*gid = 0;
	if (group == NULL)
		return true;
	if ((gr = getgrnam(group)) == NULL) {
		snprintf(err, errlen, "control-group: `%s': no such group",
		    group);
		return false;
	}
	*gid = gr->gr_gid;
	return true;
}

/* A listening socket at path, mode 0660, of group when given; fd, and
 * the file's identity (to unlink it at the end only if still ours), or
 * -1 with err set and nothing left behind. */
static int
listen_at(const char *path, const char *group, dev_t *dev, ino_t *ino,
    char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	gid_t gid;
	mode_t mask;
	int fd, r;

	if (strlen(path) >= sizeof sa.sun_path) {
		snprintf(err, errlen, "control: `%s' is longer than a Unix "
		    "socket's path may be (%zu bytes)", path,
		    sizeof sa.sun_path - 1);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (!control_group_id(group, &gid, err, errlen))
		return -1;
	if (make_dir(path, err, errlen) == -1 ||
	    clear_path(path, &sa, err, errlen) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		fatal("socket");
	/* born 0660: no moment when others could connect */
	mask = umask(0117);
	r = bind(fd, (const struct sockaddr *)&sa, sizeof sa);
	umask(mask);
	if (r == -1) {
		snprintf(err, errlen, "control: `%s': %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	if (chmod(path, 0660) == -1 || (group != NULL &&
	    chown(path, (uid_t)-1, gid) == -1)) {
		snprintf(err, errlen, "control%s: `%s': %s", group != NULL ?
		    "-group" : "", group != NULL ? group : path, strerror(errno));
		goto fail;
	}
	if (listen(fd, 64) == -1 || stat(path, &st) == -1) {
		snprintf(err, errlen, "control: `%s': %s", path,
		    strerror(errno));
		goto fail;
	}
	*dev = st.st_dev;
	*ino = st.st_ino;
	return fd;
fail:
	close(fd);
	unlink(path);
	return -1;
}

/* The listener goes: closed, and its file unlinked if it is still ours
 * (not a socket another daemon has bound there since). */
static void
close_listener(struct control *ctl)
{
	struct stat st;

	if (ctl->path == NULL)
		return;
	if (ctl->joined)
		io_del(&ctl->listener);
	timer_stop(&ctl->resume);
	close(ctl->listener.fd);
	if (lstat(ctl->path, &st) == 0 && st.st_dev == ctl->dev &&
	    st.st_ino == ctl->ino)
		unlink(ctl->path);
	free(ctl->path);
	ctl->path = NULL;
	ctl->listener.fd = -1;
}

/* --user's monitor: a reload's new socket, for the worker */
int
control_listen(const char *path, const char *group, char *err, size_t errlen)
{
	dev_t dev;
	ino_t ino;

	return listen_at(path, group, &dev, &ino, err, errlen);
}

/* the socket at path given to group (none: root's) */
int
control_regroup(const char *path, const char *group, char *err,
    size_t errlen)
{
	gid_t gid;

	if (!control_group_id(group, &gid, err, errlen))
		return -1;
	if (chown(path, (uid_t)-1, gid) == -1) {
		snprintf(err, errlen, "control-group: `%s': %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* The control socket at path (NULL: none yet, for a reload to add). */
struct control *
control_open(const char *path, const char *group, char *err, size_t errlen)
{
	struct control *ctl;
	dev_t dev = 0;
	ino_t ino = 0;
	int fd = -1;

	if (path != NULL &&
	    (fd = listen_at(path, group, &dev, &ino, err, errlen)) == -1)
		return NULL;
	if ((ctl = calloc(1, sizeof *ctl)) == NULL ||
	    (path != NULL && (ctl->path = strdup(path)) == NULL))
		fatal("calloc");
	ctl->listener = (struct io){ .fd = fd, .cb = on_listener, .arg = ctl };
	ctl->resume = (struct timer){ .cb = on_resume, .arg = ctl };
	ctl->dev = dev;
	ctl->ino = ino;
	return ctl;
}

static int	switch_to(struct control *, const char *path, int fd, dev_t,
		    ino_t, char *err, size_t);

/* A reload moved the socket: another path or group, or none. The new
 * one listens before the old one goes, so a failure leaves the old one
 * as it was; the clients connected through the old one, the one that
 * asked for the reload among them, are answered as before. */
int
control_move(struct control *ctl, const char *path, const char *group,
    char *err, size_t errlen)
{
	dev_t dev = 0;
	ino_t ino = 0;
	int fd = -1;

	if (path != NULL && ctl->path != NULL && strcmp(path, ctl->path) == 0)
		return control_regroup(path, group, err, errlen);
	if (path != NULL &&
	    (fd = listen_at(path, group, &dev, &ino, err, errlen)) == -1)
		return -1;
	return switch_to(ctl, path, fd, dev, ino, err, errlen);
}

/* control_move in --user's worker: the monitor made the new socket (fd)
 * or gave the old one its group */
int
control_take(struct control *ctl, const char *path, int fd, char *err,
    size_t errlen)
{
	if (path != NULL && ctl->path != NULL && strcmp(path, ctl->path) == 0) {
		if (fd != -1)
			close(fd);
		return 0;
	}
	if (path != NULL && fd == -1) {
		snprintf(err, errlen, "control: `%s': no socket from the "
		    "monitor", path);
		return -1;
	}
	return switch_to(ctl, path, fd, 0, 0, err, errlen);
}

/* the listener is fd at path from now on (NULL: none) */
static int
switch_to(struct control *ctl, const char *path, int fd, dev_t dev,
    ino_t ino, char *err, size_t errlen)
{
	close_listener(ctl);
	if (path == NULL) {
		log_info("Control socket: none");
		return 0;
	}
	if ((ctl->path = strdup(path)) == NULL)
		fatal("strdup");
	ctl->listener.fd = fd;
	ctl->dev = dev;
	ctl->ino = ino;
	if (ctl->joined && io_add(&ctl->listener, EPOLLIN) == -1) {
		snprintf(err, errlen, "control: `%s': %s", path,
		    strerror(errno));
		return -1;
	}
	log_info("Control socket: %s", ctl->path);
	return 0;
}

int
control_join(struct control *ctl, struct daemon *d)
{
	ctl->daemon = d;
	ctl->joined = true;
	if (ctl->path == NULL)
		return 0;
	if (io_add(&ctl->listener, EPOLLIN) == -1)
		return -1;
	log_info("Control socket: %s", ctl->path);
	return 0;
}

void
control_close(struct control *ctl)
{
	if (ctl == NULL)
		return;
	while (ctl->nclients > 0)
		drop(ctl->clients[0]);
	close_listener(ctl);
	free(ctl);
}
