/*
 * hook.c: `<path> start' and `<path> stop'.
 *
 * vfork and execve with an explicit argv and environment, no shell; stdin
 * from /dev/null, stdout and stderr into one pipe whose lines are logged,
 * every other fd closed, default signal dispositions and an empty signal
 * mask, and a process group of its own so a timeout can kill everything
 * the hook started. The time from packet to hook is the figure users wait
 * on: vfork does not copy the page tables, and this child makes seven
 * system calls before execve (one more per signal the daemon was started
 * with ignored) where posix_spawn's walks all 64 signals (half the spawn
 * time here). That is safe because the daemon installs no signal handler
 * at all (signals come through a signalfd; SIGPIPE is ignored), so nothing
 * of ours can run in the child, and the child only makes system calls and
 * writes one int the parent reads after it. The exit is learnt from
 * SIGCHLD, read from the loop's signalfd (a pidfd would do as well, but
 * valgrind does not know pidfd_open), and every child that has exited is
 * then reaped with a non-blocking waitid: the loop never blocks and no
 * child is left a zombie, however many SIGCHLD arrive. The daemon is a
 * child subreaper, so what a hook leaves running comes back to it when
 * the hook exits, and is reaped in the same way.
 *
 * The hook counts as done when its process exits, not when the pipe
 * closes: a hook that leaves a daemon holding stdout does not hold us.
 * That daemon's output is still the hook's, so each run's pipe has a
 * reader of its own, logging under that run's event until end of file
 * while later runs go on. Only the daemon's end of the pipe is
 * non-blocking: the hook writes as to any pipe, waiting while it is full.
 * A reader takes at most OUTPUT_READS_PER_WAKE reads per wake-up, so a
 * hook that never stops printing cannot keep the loop from its sensors,
 * signals and timers.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hook.h"
#include "log.h"
#include "privsep.h"
#include "safepath.h"

#define OUTPUT_READ		4096
#define OUTPUT_READS_PER_WAKE	4	/* 16 KiB, then the other fds' turn */
#define OUTPUT_READS_AT_EXIT	16	/* a default pipe's 64 KiB */
#define OUTPUTS_MAX		16	/* pipes open at once, a running hook's too */
#define INTERP_MAX		256	/* the kernel's BINPRM_BUF_SIZE */
#define KILL_WAIT_NS		(500 * 1000000)	/* for a SIGKILLed hook to end */
#define KILL_PAUSE_NS		(5 * 1000000)	/* between looks meanwhile */

struct hook_output {
	struct io		 io;
	struct hook		*hook;
	struct hook_output	*next;
	char			 event[8];
	bool			 cr;		/* a CR, unless LF follows */
	size_t			 len;
	char			 line[HOOK_LINE_MAX];
};

static struct hook *running;	/* hooks whose process has not been reaped */
static void (*other_ended)(const siginfo_t *);	/* a child not a hook's */
static int ignored[NSIG];	/* signals the daemon ignores, for the child */
static int nignored = -1;

static void	hook_timeout(struct timer *);
static void	hook_remnant(struct timer *);
static void	output_ready(struct io *, uint32_t);
static void	output_free(struct hook_output *);

/* what a killed hook left behind was due SIGKILL: it gets it now */
static void
kill_remnant(struct hook *h)
{
	if (h->remnant != 0)
		kill(-h->remnant, SIGKILL);
	h->remnant = 0;
}

void
hook_init(struct hook *h, const char *tag, const char *path,
    unsigned timeout, void (*done)(struct hook *), void *arg)
{
	memset(h, 0, sizeof *h);
	if ((h->path = strdup(path)) == NULL ||
	    (tag != NULL && (h->tag = strdup(tag)) == NULL))
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
	h->kill_timer = (struct timer){ .cb = hook_timeout, .arg = h };
	h->remnant_timer = (struct timer){ .cb = hook_remnant, .arg = h };
}

/* At exit, or when a reload retires its watch: a running hook is left to
 * finish on its own, unwatched, and the pipes its children still hold are
 * closed. */
void
hook_free(struct hook *h)
{
	struct hook **pp;

	if (privsep_worker())	/* its end is not waited for any more */
		privsep_hook_forget(h);
	for (pp = &running; *pp != NULL; pp = &(*pp)->next_running)
		if (*pp == h) {
			*pp = h->next_running;
			break;
		}
	while (h->outputs != NULL)
		output_free(h->outputs);
	timer_stop(&h->kill_timer);
	kill_remnant(h);
	timer_stop(&h->remnant_timer);
	free(h->path);
	free(h->prefix);
	free(h->tag);
	h->path = h->prefix = h->tag = NULL;
}

bool
hook_result_ok(const struct hook_result *r)
{
	return r->spawned && r->code == CLD_EXITED && r->status == 0;
}

/* A script's interpreter, from its #! line as the kernel reads it (the
 * first BINPRM_BUF_SIZE bytes, blanks around the path skipped): it must
 * be there and executable, or execve fails at every event. */
static bool
check_interpreter(const char *what, const char *path, const char *line,
    size_t n, char *err, size_t len)
{
	char interp[INTERP_MAX];
	struct stat st;
	size_t i = 2, k = 0;

	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	while (i < n && line[i] != ' ' && line[i] != '\t' && line[i] != '\n' &&
	    line[i] != '\0' && k + 1 < sizeof interp)
		interp[k++] = line[i++];
	interp[k] = '\0';
	if (k == 0) {
		snprintf(err, len, "%s: `%s': its #! line names no interpreter",
		    what, path);
		return false;
	}
	if (stat(interp, &st) == -1) {
		snprintf(err, len, "%s: `%s': its interpreter `%s': %s", what,
		    path, interp, strerror(errno));
		return false;
	}
	if (!S_ISREG(st.st_mode) || access(interp, X_OK) == -1) {
		snprintf(err, len, "%s: `%s': its interpreter `%s' is not an "
		    "executable file", what, path, interp);
		return false;
	}
	return true;
}

/* execve would refuse anything else, at every event instead of now */
static bool
check_format(const char *what, const char *path, char *err, size_t len)
{
	char head[INTERP_MAX + 2];
	ssize_t n;
	int fd;

	/* an execute-only binary may be run but not read: execve will tell */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		if (errno == EACCES)
			return true;
		snprintf(err, len, "%s: `%s': %s", what, path, strerror(errno));
		return false;
	}
	n = read(fd, head, sizeof head);
	close(fd);
	if (n >= 4 && memcmp(head, "\177ELF", 4) == 0)
		return true;
	if (n >= 2 && head[0] == '#' && head[1] == '!')
		return check_interpreter(what, path, head, (size_t)n, err, len);
	snprintf(err, len, "%s: `%s': not an executable format: no #! line?",
	    what, path);
	return false;
}

/* what names the option in the messages: "-c" */
bool
hook_check(const char *what, const char *path, char *err, size_t len)
{
	struct stat st;

	if (stat(path, &st) == -1) {
		snprintf(err, len, "%s: `%s': %s", what, path, strerror(errno));
		return false;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, len, "%s: `%s' is a directory", what, path);
		return false;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, len, "%s: `%s' is not a regular file", what, path);
		return false;
	}
	if (access(path, X_OK) == -1) {
		snprintf(err, len, "%s: `%s' is not executable", what, path);
		return false;
	}
	/* it runs as root at every event: whoever may rewrite it, or rename
	 * another file into its place, owns the machine */
	return safe_path(what, path, false, err, len) &&
	    check_format(what, path, err, len);
}

/* Listed once, after start-up has set them: SIG_IGN survives execve, and
 * a hook started from a shell's `&' would ignore SIGINT and SIGQUIT. The
 * kernel's own list (SigIgn in /proc/self/status) holds the signals libc
 * keeps to itself (32, 33) too, which its sigaction neither reports nor
 * resets; without /proc, libc's view has to do. */
static void
list_ignored(void)
{
	unsigned long long mask = 0;
	struct sigaction sa;
	char line[128];
	bool found = false;
	FILE *f;
	int sig;

	nignored = 0;
	if ((f = fopen("/proc/self/status", "re")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL)
			if (sscanf(line, "SigIgn: %llx", &mask) == 1) {
				found = true;
				break;
			}
		fclose(f);
	}
	for (sig = 1; sig < NSIG && sig <= 64; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (found ? (mask >> (sig - 1) & 1) != 0 :
		    sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
			ignored[nignored++] = sig;
	}
}

/* The fds /proc lists, read with getdents64 into the stack: no malloc
 * or opendir between vfork and execve. */
static int
close_listed(int lowfd)
{
	char buf[2048] __attribute__((aligned(8)));
	struct dirent64 *d;
	ssize_t n, off;
	const char *p;
	int dir, fd;

	dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir == -1)
		return -1;
	while ((n = getdents64(dir, buf, sizeof buf)) > 0)
		for (off = 0; off < n; off += d->d_reclen) {
			d = (struct dirent64 *)(buf + off);
			for (fd = 0, p = d->d_name; *p >= '0' && *p <= '9'; p++)
				fd = fd * 10 + (*p - '0');
			if (p != d->d_name && *p == '\0' && fd >= lowfd &&
			    fd != dir)
				close(fd);
		}
	close(dir);
	return n == 0 ? 0 : -1;
}

/* close_range is Linux 5.9, and a seccomp filter may refuse it; without
 * /proc either, every fd the limit allows is closed one by one (the
 * child's, and the monitor's at the split) */
int
hook_close_from(int lowfd)
{
	struct rlimit rl;
	int fd;

	if (close_range((unsigned)lowfd, ~0U, 0) == 0 ||
	    close_listed(lowfd) == 0)
		return 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	for (fd = lowfd; (rlim_t)fd < rl.rlim_cur && fd < INT_MAX; fd++)
		(void)close(fd);
	return 0;
}

/* The child between vfork and execve: system calls only. On failure the
 * errno is left in *error for the parent, which resumes after _exit. */
static void
child(const char *path, char *const argv[], char *const envp[], int out,
    int devnull, volatile int *error)
{
	/* the kernel's struct sigaction, all zero: SIG_DFL, no flags, no
	 * mask, whatever the architecture's field order; the raw call also
	 * resets the signals libc's sigaction refuses */
	const unsigned long dfl[8] = { 0 };
	sigset_t none;
	int i;

	for (i = 0; i < nignored; i++)
		if (syscall(SYS_rt_sigaction, ignored[i], dfl, NULL,
		    (size_t)(64 / 8)) == -1)
			goto fail;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) == -1 || setpgid(0, 0) == -1 ||
	    dup2(devnull, 0) == -1 || dup2(out, 1) == -1 || dup2(out, 2) == -1 ||
	    hook_close_from(3) == -1)
		goto fail;
	execve(path, argv, envp);
fail:
	*error = errno;
	_exit(127);
}

/* Children a hook leaves may hold its pipe for a few runs, not for ever:
 * past OUTPUTS_MAX the oldest is closed, as at the daemon's exit. */
static void
output_limit(struct hook *h)
{
	struct hook_output *o, *oldest = NULL;
	int n = 0;

	for (o = h->outputs; o != NULL; o = o->next, n++)
		oldest = o;
	if (n < OUTPUTS_MAX)
		return;
	log_warnx("%s%s hook: output of %d earlier runs still open, held by "
	    "children they left: the oldest closed", h->prefix, oldest->event,
	    n);
	output_free(oldest);
}

int
hook_start(struct hook *h, const char *event, struct env *env)
{
	char word[8], *argv[] = { h->path, word, NULL };
	volatile int error = 0;
	struct hook_output *o;
	int pfd[2] = { -1, -1 }, devnull = -1;
	const char *what;
	pid_t pid;

	if (privsep_worker())
		return privsep_hook_start(h, event, env);
	snprintf(word, sizeof word, "%s", event);
	h->result = (struct hook_result){ .started = now_ns() };
	h->result.ended = h->result.started;
	if (nignored == -1)
		list_ignored();
	output_limit(h);
	if ((o = calloc(1, sizeof *o)) == NULL) {
		what = "output";
		goto fail;
	}
	/* the daemon's end only: the hook's stdout blocks as usual */
	if (pipe2(pfd, O_CLOEXEC) == -1 ||
	    fcntl(pfd[0], F_SETFL, O_NONBLOCK) == -1) {
		what = "pipe";
		goto fail;
	}
	if ((devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1) {
		what = "/dev/null";
		goto fail;
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
		free(o);
		snprintf(h->result.why, sizeof h->result.why, "%s",
		    strerror(error));
		return -1;
	}

	o->io = (struct io){ .fd = pfd[0], .cb = output_ready, .arg = o };
	o->hook = h;
	memcpy(o->event, word, sizeof o->event);
	if (io_add(&o->io, EPOLLIN) == -1) {
		/* the daemon goes on; the hook's output does not (it gets
		 * EPIPE, or dies of SIGPIPE if it insists) */
		log_warn("%s%s hook: its output cannot be read", h->prefix,
		    event);
		close(pfd[0]);
		free(o);
		h->out = NULL;
	} else {
		o->next = h->outputs;
		h->outputs = h->out = o;
	}

	h->next_running = running;
	running = h;
	h->pid = pid;
	h->event = event;
	h->term_sent = false;
	h->result.spawned = true;
	if (h->timeout > 0)
		timer_set(&h->kill_timer, ns_after(now_ns(), h->timeout));
	return 0;
fail:
	snprintf(h->result.why, sizeof h->result.why, "%s: %s", what,
	    strerror(errno));
	if (pfd[0] != -1) {
		close(pfd[0]);
		close(pfd[1]);
	}
	free(o);
	return -1;
}

static void
output_flush(struct hook_output *o)
{
	if (o->len > 0)
		log_info("%s%s hook: %.*s", o->hook->prefix, o->event,
		    (int)o->len, o->line);
	o->len = 0;
}

/* Control bytes would reach a terminal or syslog raw, and a NUL would cut
 * the line: each becomes \xHH. A backslash stays as it is. A line longer
 * than HOOK_LINE_MAX characters, escapes counted as written, is logged
 * in pieces, and an escape is never split. */
static void
output_byte(struct hook_output *o, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	bool ctl = (c < 0x20 && c != '\t') || c == 0x7f;

	if (o->len + (ctl ? 4 : 1) > sizeof o->line)
		output_flush(o);
	if (ctl) {
		o->line[o->len++] = '\\';
		o->line[o->len++] = 'x';
		o->line[o->len++] = hex[c >> 4];
		o->line[o->len++] = hex[c & 0xf];
	} else
		o->line[o->len++] = (char)c;
}

/* LF ends a line, and so does CR LF */
static void
output_feed(struct hook_output *o, const char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (o->cr) {
			o->cr = false;
			if (buf[i] != '\n')
				output_byte(o, '\r');
		}
		if (buf[i] == '\n')
			output_flush(o);
		else if (buf[i] == '\r')
			o->cr = true;
		else
			output_byte(o, (unsigned char)buf[i]);
	}
}

/* At most `reads' reads; false at end of file or on an error. */
static bool
output_drain(struct hook_output *o, int reads)
{
	char buf[OUTPUT_READ];
	ssize_t n;

	while (reads-- > 0) {
		n = read(o->io.fd, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return errno == EAGAIN;
		if (n == 0)
			return false;
		output_feed(o, buf, (size_t)n);
	}
	return true;
}

static void
output_free(struct hook_output *o)
{
	struct hook_output **pp;
	struct hook *h = o->hook;

	if (o->cr)
		output_byte(o, '\r');
	output_flush(o);
	io_del(&o->io);
	close(o->io.fd);
	for (pp = &h->outputs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == o) {
			*pp = o->next;
			break;
		}
	if (h->out == o)
		h->out = NULL;
	free(o);
}

/* Level-triggered: what is left after this turn wakes the loop again. */
static void
output_ready(struct io *io, uint32_t events)
{
	struct hook_output *o = io->arg;

	(void)events;
	if (!output_drain(o, OUTPUT_READS_PER_WAKE))
		output_free(o);
}

static void
hook_exited(struct hook *h, const siginfo_t *si)
{
	/* What the hook wrote before it exited is in the pipe now: log it
	 * before the transition it ends. Its children may write on. */
	if (h->out != NULL && !output_drain(h->out, OUTPUT_READS_AT_EXIT))
		output_free(h->out);
	h->out = NULL;
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
		kill_remnant(h);
		h->remnant = h->pid;
		timer_set(&h->remnant_timer,
		    ns_after(now_ns(), HOOK_KILL_GRACE));
	}
	h->pid = 0;
	h->result.code = si->si_code;
	h->result.status = si->si_status;
	h->result.ended = now_ns();
	h->done(h);
}

/* SIGCHLD: reap every child that has exited: a running hook, whose end
 * is then handled, or a process a hook left behind and that came back to
 * us when its parent died (the daemon is a child subreaper: daemon.c),
 * reaped and forgotten, so that no zombie stays. Never blocks. */
void
hook_reap(void)
{
	struct hook **pp, *h;
	siginfo_t si;
	id_t pid;

	for (;;) {
		memset(&si, 0, sizeof si);
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == -1 ||
		    si.si_pid == 0)
			return;
		pid = (id_t)si.si_pid;
		memset(&si, 0, sizeof si);
		if (waitid(P_PID, pid, &si, WEXITED | WNOHANG) == -1)
			return;
		for (pp = &running; (h = *pp) != NULL; pp = &h->next_running)
			if ((id_t)h->pid == pid) {
				*pp = h->next_running;	/* before done() */
				hook_exited(h, &si);
				break;
			}
		if (h == NULL && other_ended != NULL)
			other_ended(&si);
	}
}

/* a child of ours that is no hook (privsep.c's worker): its end, reaped
 * with the others, is told to cb */
void
hook_on_other_end(void (*cb)(const siginfo_t *))
{
	other_ended = cb;
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
		timer_set(t, ns_after(now_ns(), HOOK_KILL_GRACE));
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
	kill_remnant(t->arg);
}

/* A reload changed --hook-timeout: a run under way gets the new limit,
 * counted from its start, unless SIGTERM is on its way already. */
void
hook_set_timeout(struct hook *h, unsigned timeout)
{
	h->timeout = timeout;
	if (privsep_worker() && h->pid != 0) {
		privsep_hook_timeout(h, timeout);
		return;
	}
	if (h->pid == 0 || h->term_sent)
		return;
	if (timeout == 0)
		timer_stop(&h->kill_timer);
	else
		timer_set(&h->kill_timer, ns_after(h->result.started, timeout));
}

/* A second SIGTERM: the daemon exits at once, and leaves no hook behind
 * (re-parented to init, holding what it set up half-way): every running
 * hook's process group gets SIGKILL, each said, and what of it is ours
 * to reap (the hook, and as a subreaper its children that outlived it)
 * is reaped, KILL_WAIT_NS at most, so that not even a zombie of its
 * group outlives us. Returns how many. */
int
hook_kill_all(void)
{
	struct timespec pause = { 0, KILL_PAUSE_NS };
	struct hook *h;
	siginfo_t si;
	int n = 0, i = 0;

	if (privsep_worker())
		return privsep_hook_kill_all();
	for (h = running; h != NULL; h = h->next_running) {
		log_warnx("%s%s command `%s' still running: SIGKILL to its "
		    "process group %d", h->prefix, h->event, h->path,
		    (int)h->pid);
		kill(-h->pid, SIGKILL);
		kill_remnant(h);
		n++;
	}
	/* until no child of ours is left in any of the groups (ECHILD),
	 * KILL_WAIT_NS in all */
	for (h = running; h != NULL; h = h->next_running)
		while (i < KILL_WAIT_NS / KILL_PAUSE_NS) {
			memset(&si, 0, sizeof si);
			if (waitid(P_PGID, (id_t)h->pid, &si, WEXITED |
			    WNOHANG) == -1)
				break;
			if (si.si_pid == 0) {
				nanosleep(&pause, NULL);
				i++;
			}
		}
	return n;
}
