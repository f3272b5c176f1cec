/*
 * privsep.c: privilege separation (on by default; `user', --user): the
 * split, and the worker's side of it.
 *
 * tuninetd starts as root: reads the configuration, checks it, opens
 * every watch's sockets, makes the control socket and opens the state
 * directory. Then, before anything reads a state file or a packet, it
 * splits in two over a SOCK_SEQPACKET socket pair:
 *
 *  - the monitor (the process started, its PID the daemon's), which
 *    keeps root to run the hooks: monitor.c;
 *  - the worker: everything else, the loop, the sensors, the state
 *    machines, the control socket, state files and metrics, in the jail
 *    (jail.c) from its first turn of the loop. Its hooks are the
 *    monitor's (hook.c asks here): a start is a round trip, answered once
 *    the hook's process exists (what hook_start returns), its end comes
 *    later. If the monitor goes, the worker exits (PR_SET_PDEATHSIG, and
 *    the end of the pair).
 *
 * A reload is the worker's (it opens the new watches' sockets with the
 * two capabilities it keeps), from files the monitor reads: the worker
 * asks (`config'), the monitor reads the configuration as root, checks
 * what only root may see (the hooks, the state directory), makes the
 * control socket a change asks for, and hands the files' bytes over in
 * a memfd (and the socket beside it). The worker parses those bytes, the
 * same the monitor keeps, and says whether it took them (`reloaded':
 * the monitor's copy of hooks follows) or not (`kept').
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "env.h"
#include "hook.h"
#include "log.h"
#include "loop.h"
#include "monitor.h"
#include "privsep.h"
#include "privsep_msg.h"

#define START_WAIT_MS	5000	/* for the monitor's answer to a run */
#define CONFIG_WAIT_MS	60000	/* ... to `config' (interfaces, filters) */
#define CHAN_BUF	(4 << 20)	/* the pair's buffers: ends in bursts */

static pid_t main_pid;		/* the monitor's, in the worker */
static int chan = -1;		/* the pair's end */

pid_t
privsep_main_pid(void)
{
	return main_pid != 0 ? main_pid : getpid();
}

bool
privsep_worker(void)
{
	return main_pid != 0;
}

/* how many times the monitor has started the daemon again, from its
 * environment (and taken out of it: no hook sees it) */
int
privsep_restarts(void)
{
	const char *v = getenv(RESTART_ENV);
	int n = v != NULL ? atoi(v) : 0;

	unsetenv(RESTART_ENV);
	return n > 0 ? n : 0;
}

/* Splits the daemon: returns in the worker, with 0; the monitor never
 * returns. -1 (nothing split) with err. */
int
privsep_split(const struct privsep_conf *pc, char *err, size_t len)
{
	char self[PATH_MAX];
	int sv[2];
	pid_t pid, parent = getpid();
	int size = CHAN_BUF, i;
	ssize_t n;

	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) == -1) {
		snprintf(err, len, "privsep: /proc/self/exe: %s",
		    strerror(errno));
		return -1;
	}
	self[n] = '\0';
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		snprintf(err, len, "privsep: socketpair: %s", strerror(errno));
		return -1;
	}
	/* a burst of hook ends (sessions) waits in the pair, not lost */
	for (i = 0; i < 2; i++)
		if (setsockopt(sv[i], SOL_SOCKET, SO_SNDBUFFORCE, &size,
		    sizeof size) == -1 || setsockopt(sv[i], SOL_SOCKET,
		    SO_RCVBUFFORCE, &size, sizeof size) == -1)
			log_warn("privsep: the socket pair's buffers");
	if ((pid = fork()) == -1) {
		snprintf(err, len, "privsep: fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid != 0) {
		close(sv[1]);
		monitor_run(sv[0], pid, pc, self);
	}
	close(sv[0]);
	monitor_forget();
	chan = sv[1];
	main_pid = parent;
	/* a terminal's ^C reaches the monitor alone, which passes it on
	 * once (both would make it a second, hook-killing SIGINT) */
	(void)setpgid(0, 0);
	return 0;
}

/* ---- the worker's side ---- */

static struct hook **runs;	/* by ID - 1 */
static struct hook forgotten;	/* a run whose end no one waits for */
/* ends heard while a start waited for its answer: told from the loop,
 * not inside the start (whose caller is a state machine mid-step) */
static char (*later)[64];
static unsigned nlater, roomlater;
static void	tell_later(struct timer *);
static struct timer later_timer = { .cb = tell_later };
static unsigned nruns;
static struct io chan_io;
static int control_fd = -1;	/* the reload's new control socket */

static void
monitor_gone(void)
{
	fatalx("CORE: the monitor is gone: the worker exits");
}

static unsigned
run_id(struct hook *h)
{
	unsigned i;

	for (i = 0; i < nruns; i++)
		if (runs[i] == NULL)
			break;
	if (i == nruns) {
		if (nruns == PRIVSEP_ID_MAX)
			return 0;
		if ((runs = reallocarray(runs, nruns + 64, sizeof *runs)) ==
		    NULL)
			fatal("reallocarray");
		memset(runs + nruns, 0, 64 * sizeof *runs);
		nruns += 64;
	}
	runs[i] = h;
	return i + 1;
}

/* "done ID CODE STATUS STARTED ENDED": the hook's end */
static void
done(const char *msg)
{
	unsigned id;
	int code, status;
	long long started, ended;
	struct hook *h;

	if (sscanf(msg, "done %u %d %d %lld %lld", &id, &code, &status,
	    &started, &ended) != 5 || id == 0 || id > nruns ||
	    (h = runs[id - 1]) == NULL)
		return;
	runs[id - 1] = NULL;
	if (h == &forgotten)
		return;
	h->pid = 0;
	h->result.code = code;
	h->result.status = status;
	h->result.started = started;
	h->result.ended = ended;
	h->done(h);
}

/* the ends kept, told in order; a start one of them makes may keep
 * more, told at the next turn */
static void
tell_later(struct timer *t)
{
	char (*told)[64] = later;
	unsigned i, n = nlater;

	(void)t;
	later = NULL;
	nlater = roomlater = 0;
	for (i = 0; i < n; i++)
		done(told[i]);
	free(told);
}

static void
keep_for_later(const char *msg)
{
	if (nlater == roomlater && (later = reallocarray(later,
	    roomlater = roomlater * 2 + 16, sizeof *later)) == NULL)
		fatal("reallocarray");
	snprintf(later[nlater++], sizeof later[0], "%s", msg);
	if (!later_timer.armed)
		timer_set(&later_timer, now_ns());
}

static void
chan_readable(struct io *io, uint32_t events)
{
	char buf[1024];
	ssize_t n;

	(void)events;
	for (;;) {
		n = recv(io->fd, buf, sizeof buf - 1, MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0)
			monitor_gone();
		buf[n] = '\0';
		if (nlater > 0)		/* after those heard before it */
			keep_for_later(buf);
		else
			done(buf);
	}
}

/* the worker's loop is there: the monitor's answers are heard */
void
privsep_worker_join(void)
{
	chan_io = (struct io){ .fd = chan, .cb = chan_readable };
	if (io_add(&chan_io, EPOLLIN) == -1)
		fatal("privsep: the monitor's socket");
}

/* jailed (jail.c set PR_SET_PDEATHSIG): the monitor may have gone
 * before */
void
privsep_worker_jailed(void)
{
	if (getppid() != main_pid)
		monitor_gone();
}

static void
ask(const char *buf, size_t len)
{
	if (send(chan, buf, len, MSG_NOSIGNAL) == -1)
		monitor_gone();
}

/* The monitor's answer that begins with word, into reply, with up to two
 * descriptors (fds, or NULL: none wanted; -1 where none came); the ends
 * of hooks heard meanwhile are told later, in order. */
static void
await(const char *word, int ms, char *reply, size_t len, int *fds)
{
	union {
		char		 buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr	 align;
	} c;
	struct pollfd pfd = { .fd = chan, .events = POLLIN };
	struct iovec iov = { .iov_base = reply, .iov_len = len - 1 };
	struct msghdr mh;
	struct cmsghdr *cm;
	ssize_t n;
	size_t k;

	for (;;) {
		if (poll(&pfd, 1, ms) <= 0)
			fatalx("CORE: the monitor did not answer `%.*s'",
			    (int)strcspn(word, " "), word);
		mh = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1,
		    .msg_control = c.buf, .msg_controllen = sizeof c.buf };
		if ((n = recvmsg(chan, &mh, MSG_CMSG_CLOEXEC)) <= 0)
			monitor_gone();
		reply[n] = '\0';
		for (cm = CMSG_FIRSTHDR(&mh); cm != NULL;
		    cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level != SOL_SOCKET ||
			    cm->cmsg_type != SCM_RIGHTS)
				continue;
			for (k = 0; k < (cm->cmsg_len - CMSG_LEN(0)) /
			    sizeof(int); k++) {
				int fd;

				memcpy(&fd, CMSG_DATA(cm) + k * sizeof fd,
				    sizeof fd);
				if (fds != NULL && k < 2)
					fds[k] = fd;
				else
					close(fd);
			}
		}
		if (strncmp(reply, "done ", 5) == 0)
			keep_for_later(reply);
		else if (strncmp(reply, word, strlen(word)) == 0)
			return;
	}
}

/* hook_start's, in the worker: the monitor runs it; 0 once it runs, -1
 * with the result's why if it could not */
int
privsep_hook_start(struct hook *h, const char *event, const struct env *env)
{
	char buf[PRIVSEP_MSG_MAX], reply[1024], *sp;
	unsigned id, got;
	size_t i, o;
	int ok;

	h->result = (struct hook_result){ .started = now_ns() };
	h->result.ended = h->result.started;
	if ((id = run_id(h)) == 0) {
		snprintf(h->result.why, sizeof h->result.why, "too many runs");
		return -1;
	}
	o = (size_t)snprintf(buf, sizeof buf, "run %u %s %s\n", id, event,
	    h->tag != NULL ? h->tag : "-");
	for (i = env->nbase; i < env->n && o < sizeof buf; i++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%s\n",
		    env->v[i]);
	if (o >= sizeof buf) {
		runs[id - 1] = NULL;
		snprintf(h->result.why, sizeof h->result.why, "its environment "
		    "is over %d bytes", PRIVSEP_MSG_MAX);
		return -1;
	}
	ask(buf, o);
	for (;;) {
		await("started ", START_WAIT_MS, reply, sizeof reply, NULL);
		if (sscanf(reply, "started %u %d", &got, &ok) == 2 && got == id)
			break;
	}
	if (!ok) {
		runs[id - 1] = NULL;
		sp = strchr(strchr(strchr(reply, ' ') + 1, ' ') + 1, ' ');
		snprintf(h->result.why, sizeof h->result.why, "%s",
		    sp != NULL ? sp + 1 : "?");
		return -1;
	}
	sp = strrchr(reply, ' ');
	h->result.started = h->result.ended = strtoll(sp + 1, NULL, 10);
	h->result.spawned = true;
	h->pid = PRIVSEP_PID;
	h->event = event;
	return 0;
}

/* a hook freed (its watch retired): its end, when it comes, is no one's */
void
privsep_hook_forget(struct hook *h)
{
	unsigned i;

	for (i = 0; i < nruns; i++)
		if (runs[i] == h)
			runs[i] = &forgotten;	/* its ID is taken until then */
}

void
privsep_hook_timeout(struct hook *h, unsigned seconds)
{
	char buf[64];
	unsigned i;

	for (i = 0; i < nruns; i++)
		if (runs[i] == h) {
			ask(buf, (size_t)snprintf(buf, sizeof buf,
			    "timeout %u %u", i + 1, seconds));
			return;
		}
}

int
privsep_hook_kill_all(void)
{
	unsigned i;
	int n = 0;

	for (i = 0; i < nruns; i++)
		n += runs[i] != NULL && runs[i] != &forgotten;
	ask("kill", 4);
	return n;
}

/* the reload is over: taken or not */
void
privsep_reloaded(bool taken)
{
	if (!privsep_worker())
		return;
	if (control_fd != -1)
		close(control_fd);
	control_fd = -1;
	if (taken)
		ask("reloaded", 8);
	else
		ask("kept", 4);
}

/* the control socket the monitor made for the reload under way, or -1
 * (the socket stays, another group, or none) */
int
privsep_control_fd(void)
{
	int fd = control_fd;

	control_fd = -1;
	return fd;
}

/* a decimal number at *p, below end, up to the byte stop; false if
 * there is none */
static bool
size_at(const char **p, const char *end, char stop, size_t *v)
{
	const char *s = *p;

	for (*v = 0; s < end && *s >= '0' && *s <= '9'; s++) {
		if (*v > (SIZE_MAX - 9) / 10)
			return false;
		*v = *v * 10 + (size_t)(*s - '0');
	}
	if (s == *p || s == end || *s != stop)
		return false;
	*p = s + 1;
	return true;
}

/* The bundle of files (memfd_of_files) into files; false if it is not
 * one. The monitor's, but read as what it is: lengths checked. */
static bool
unpack(int fd, struct config_files *files)
{
	struct config_file *f;
	struct stat st;
	size_t plen, tlen;
	const char *p, *at, *end;

	if (fstat(fd, &st) == -1 || st.st_size == 0)
		return false;
	if ((p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd,
	    0)) == MAP_FAILED)
		return false;
	end = p + st.st_size;
	for (at = p; at < end;) {
		if (!size_at(&at, end, ' ', &plen) ||
		    !size_at(&at, end, '\n', &tlen) ||
		    plen > (size_t)(end - at) || tlen > (size_t)(end - at) - plen)
			break;
		if ((files->f = reallocarray(files->f, files->n + 1,
		    sizeof *files->f)) == NULL)
			fatal("reallocarray");
		f = &files->f[files->n++];
		if ((f->path = strndup(at, plen)) == NULL ||
		    (f->text = malloc(tlen + 1)) == NULL)
			fatal("malloc");
		memcpy(f->text, at + plen, tlen);
		f->text[tlen] = '\0';
		f->len = tlen;
		at += plen + tlen;
	}
	munmap((void *)(uintptr_t)p, (size_t)st.st_size);
	return at == end;
}

/* A reload's files, read by the monitor: true with files; false with
 * errs (the monitor's refusal, or that it could not be asked). */
bool
privsep_config(struct config_files *files, struct config_errors *errs)
{
	char reply[256];
	int fds[2] = { -1, -1 }, nerr = 0;
	struct stat st;

	memset(errs, 0, sizeof *errs);
	ask("config", 6);
	await("config ", CONFIG_WAIT_MS, reply, sizeof reply, fds);
	if (strcmp(reply, "config ok") == 0 && fds[0] != -1 &&
	    unpack(fds[0], files)) {
		close(fds[0]);
		control_fd = fds[1];
		return true;
	}
	if (fds[1] != -1)
		close(fds[1]);
	if (strcmp(reply, "config ok") == 0)	/* its copy waits: not taken */
		ask("kept", 4);
	if (sscanf(reply, "config refused %d", &nerr) == 1 && fds[0] != -1 &&
	    fstat(fds[0], &st) == 0 && st.st_size < 1 << 20 &&
	    (errs->text = calloc(1, (size_t)st.st_size + 1)) != NULL &&
	    pread(fds[0], errs->text, (size_t)st.st_size, 0) ==
	    st.st_size) {
		errs->len = (size_t)st.st_size;
		errs->n = nerr;
	} else {
		free(errs->text);
		if ((errs->text = strdup("the monitor did not hand the files "
		    "over")) == NULL)
			fatal("strdup");
		errs->len = strlen(errs->text);
		errs->n = 1;
	}
	if (fds[0] != -1)
		close(fds[0]);
	config_files_free(files);
	return false;
}
