/*
 * hook.c: `<path> start' and `<path> stop'.
 *
 * vfork and execve with an explicit argv and environment, no shell; stdin
 * from /dev/null, stdout and stderr into one pipe whose lines are logged,
 * every other fd closed, SIGPIPE back to default and an empty signal
 * mask, and a process group of its own so a timeout can kill everything
 * the hook started. The time from packet to hook is the figure users wait
 * on: vfork does not copy the page tables, and this child makes seven
 * system calls before execve where posix_spawn's walks all 64 signals
 * (half the spawn time here). That is safe because the daemon installs no
 * signal handler at all (signals come through a signalfd; SIGPIPE is
 * ignored), so nothing of ours can run in the child, and the child only
 * makes system calls and writes one int the parent reads after it. The exit is learnt from
 * SIGCHLD, read from the loop's signalfd (a pidfd would do as well, but
 * valgrind does not know pidfd_open), and each running hook is then
 * reaped with a non-blocking waitid: the loop never blocks and no child
 * is left a zombie, however many SIGCHLD arrive. The hook
 * counts as done when its process exits, not when the pipe closes: a hook
 * that leaves a daemon holding stdout does not hold us.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hook.h"
#include "log.h"

#define ENV_PREFIX	"TUNINETD_"

static struct hook *running;	/* hooks whose process has not been reaped */

static void	hook_output(struct io *, uint32_t);
static void	hook_timeout(struct timer *);
static void	hook_remnant(struct timer *);
static void	close_output(struct hook *);

void
hook_init(struct hook *h, const char *tag, const char *path,
    unsigned timeout, void (*done)(struct hook *), void *arg)
{
	memset(h, 0, sizeof *h);
	if ((h->path = strdup(path)) == NULL)
		fatal("strdup");
	if (tag == NULL)
		h->prefix = strdup("");
	else if (asprintf(&h->prefix, "%s: ", tag) == -1)
		h->prefix = NULL;
	if (h->prefix == NULL)
		fatal("hook log tag");
	h->timeout = timeout;
	h->done = done;
	h->arg = arg;
	h->out_io = (struct io){ .fd = -1, .cb = hook_output, .arg = h };
	h->kill_timer = (struct timer){ .cb = hook_timeout, .arg = h };
	h->remnant_timer = (struct timer){ .cb = hook_remnant, .arg = h };
}

/* At exit: a running hook is left to finish on its own, unwatched. */
void
hook_free(struct hook *h)
{
	struct hook **pp;

	for (pp = &running; *pp != NULL; pp = &(*pp)->next_running)
		if (*pp == h) {
			*pp = h->next_running;
			break;
		}
	close_output(h);
	timer_stop(&h->kill_timer);
	timer_stop(&h->remnant_timer);
	free(h->path);
	free(h->prefix);
	h->path = h->prefix = NULL;
}

bool
hook_result_ok(const struct hook_result *r)
{
	return r->spawned && r->code == CLD_EXITED && r->status == 0;
}


/* The child between vfork and execve: system calls only. On failure the
 * errno is left in *error for the parent, which resumes after _exit. */
static void
child(const char *path, char *const argv[], char *const envp[], int out,
    int devnull, volatile int *error)
{
	sigset_t none;

	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) == -1 ||
	    signal(SIGPIPE, SIG_DFL) == SIG_ERR || setpgid(0, 0) == -1 ||
	    dup2(devnull, 0) == -1 || dup2(out, 1) == -1 || dup2(out, 2) == -1 ||
	    close_range(3, ~0U, 0) == -1)
		*error = errno;
	else {
		execve(path, argv, envp);
		*error = errno;
	}
	_exit(127);
}

int
hook_start(struct hook *h, const char *event, struct env *env)
{
	char word[8], *argv[] = { h->path, word, NULL };
	volatile int error = 0;
	int pfd[2], devnull;
	pid_t pid;

	snprintf(word, sizeof word, "%s", event);
	h->result = (struct hook_result){ .started = now_ns() };
	h->result.ended = h->result.started;
	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) == -1) {
		log_warn("%s%s hook: pipe", h->prefix, event);
		return -1;
	}
	if ((devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("%s%s hook: /dev/null", h->prefix, event);
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	pid = vfork();
	if (pid == 0)
		child(h->path, argv, env->v, pfd[1], devnull, &error);
	close(pfd[1]);
	close(devnull);
	if (pid == -1 || error != 0) {
		if (pid == -1)
			error = errno;
		else
			waitpid(pid, NULL, 0);	/* it has exited: reap it */
		close(pfd[0]);
		log_warnx("%s%s command `%s' cannot run: %s", h->prefix, event,
		    h->path, strerror(error));
		return -1;
	}

	h->next_running = running;
	running = h;
	h->out_io.fd = pfd[0];
	if (io_add(&h->out_io, EPOLLIN) == -1)
		fatal("%s%s hook: epoll", h->prefix, event);
	h->pid = pid;
	h->event = event;
	h->term_sent = false;
	h->linelen = 0;
	h->result.spawned = true;
	if (h->timeout > 0)
		timer_set(&h->kill_timer,
		    now_ns() + (int64_t)h->timeout * 1000000000LL);
	return 0;
}

static void
flush_line(struct hook *h)
{
	if (h->linelen > 0)
		log_info("%s%s hook: %.*s", h->prefix, h->event,
		    (int)h->linelen, h->line);
	h->linelen = 0;
}

/* Read what the pipe holds now; returns false at end of file or error. */
static bool
drain_output(struct hook *h)
{
	char buf[4096];
	ssize_t n, i;

	for (;;) {
		n = read(h->out_io.fd, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return errno == EAGAIN;
		if (n == 0)
			return false;
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n')
				flush_line(h);
			else if (buf[i] != '\r') {
				if (h->linelen == sizeof h->line)
					flush_line(h);
				h->line[h->linelen++] = buf[i];
			}
		}
	}
}

static void
close_output(struct hook *h)
{
	if (h->out_io.fd == -1)
		return;
	flush_line(h);
	io_del(&h->out_io);
	close(h->out_io.fd);
	h->out_io.fd = -1;
}

static void
hook_output(struct io *io, uint32_t events)
{
	struct hook *h = io->arg;

	(void)events;
	if (!drain_output(h))
		close_output(h);
}

static void
hook_exited(struct hook *h, const siginfo_t *si)
{
	/* What the hook wrote before it exited is in the pipe now; whatever
	 * a child it left behind writes later is not ours to wait for. */
	if (h->out_io.fd != -1)
		drain_output(h);
	close_output(h);
	timer_stop(&h->kill_timer);

	if (si->si_code == CLD_EXITED && si->si_status != 0)
		log_warnx("%s%s command `%s' exited with status %d", h->prefix,
		    h->event, h->path, si->si_status);
	else if (si->si_code == CLD_KILLED || si->si_code == CLD_DUMPED)
		log_warnx("%s%s command `%s' killed by signal %d (%s)",
		    h->prefix, h->event, h->path, si->si_status,
		    strsignal(si->si_status));

	if (h->term_sent) {
		/* its group may live on; SIGKILL it when the grace ends */
		if (h->remnant != 0)
			kill(-h->remnant, SIGKILL);
		h->remnant = h->pid;
		timer_set(&h->remnant_timer,
		    now_ns() + HOOK_KILL_GRACE * 1000000000LL);
	}
	h->pid = 0;
	h->result.code = si->si_code;
	h->result.status = si->si_status;
	h->result.ended = now_ns();
	h->done(h);
}

/* SIGCHLD: reap whichever running hooks have exited, and nothing else. */
void
hook_reap(void)
{
	struct hook **pp = &running, *h;
	siginfo_t si;

	while ((h = *pp) != NULL) {
		memset(&si, 0, sizeof si);
		if (waitid(P_PID, (id_t)h->pid, &si, WEXITED | WNOHANG) == -1 ||
		    si.si_pid == 0) {
			pp = &h->next_running;
			continue;
		}
		*pp = h->next_running;	/* off the list before done() runs */
		hook_exited(h, &si);
	}
}

static void
hook_timeout(struct timer *t)
{
	struct hook *h = t->arg;

	if (h->pid == 0)
		return;
	if (!h->term_sent) {
		log_warnx("%s%s command `%s' still running after %u s: "
		    "SIGTERM to its process group", h->prefix, h->event,
		    h->path, h->timeout);
		kill(-h->pid, SIGTERM);
		h->term_sent = true;
		timer_set(t, now_ns() + HOOK_KILL_GRACE * 1000000000LL);
	} else {
		log_warnx("%s%s command `%s' still running %d s after SIGTERM: "
		    "SIGKILL to its process group", h->prefix, h->event,
		    h->path, HOOK_KILL_GRACE);
		kill(-h->pid, SIGKILL);
	}
}

static void
hook_remnant(struct timer *t)
{
	struct hook *h = t->arg;

	if (h->remnant != 0)
		kill(-h->remnant, SIGKILL);
	h->remnant = 0;
}

/* The first e->nbase entries are borrowed from base (the process's
 * environment, which outlives every hook run); what env_set adds is ours. */
int
env_init(struct env *e, char *const *base)
{
	size_t n = 0;

	while (base != NULL && base[n] != NULL)
		n++;
	e->cap = n + 16;
	e->n = 0;
	if ((e->v = calloc(e->cap, sizeof *e->v)) == NULL)
		return -1;
	for (; base != NULL && *base != NULL; base++)
		if (strncmp(*base, ENV_PREFIX, sizeof ENV_PREFIX - 1) != 0)
			e->v[e->n++] = *base;
	e->nbase = e->n;
	return 0;
}

int
env_set(struct env *e, const char *name, const char *fmt, ...)
{
	char **v, *s, *val;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&val, fmt, ap);
	va_end(ap);
	if (r == -1)
		return -1;
	r = asprintf(&s, "%s=%s", name, val);
	free(val);
	if (r == -1)
		return -1;
	if (e->n + 2 > e->cap) {
		if ((v = reallocarray(e->v, e->cap * 2, sizeof *v)) == NULL) {
			free(s);
			return -1;
		}
		e->v = v;
		e->cap *= 2;
	}
	e->v[e->n++] = s;
	e->v[e->n] = NULL;
	return 0;
}

void
env_free(struct env *e)
{
	size_t i;

	for (i = e->nbase; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	e->v = NULL;
	e->n = e->cap = 0;
}
