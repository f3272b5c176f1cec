/*
 * monitor.c: the half of privsep.c's split that keeps root. It closes
 * every descriptor but its end of the pair (no packet socket stays with
 * root) and does only this: runs a watch's hook when the worker asks
 * (privsep_msg.c reads the request: the watch and the event, nothing it
 * may not check against its own copy of the configuration), tells the
 * worker when it has ended, passes the signals it gets on, and when the
 * worker dies of anything but an exit it was asked for, logs why and
 * starts the daemon again in its own place (execve of itself, after a
 * back-off that doubles up to RESTART_MAX_S while the new one dies
 * within RESTART_CALM_S): the new one takes the watches over from the
 * state directory, as after a crash.
 *
 * For a reload it reads the configuration as root, checks what only
 * root may see (the hooks, the state directory), makes the control
 * socket a change asks for, and hands the files' bytes over in a memfd
 * (and the socket beside it); its copy of hooks follows once the worker
 * says it took them (`reloaded'), not before (`kept').
 *
 * This file, privsep_msg.c, hook.c, env.c, the loop and the log are what
 * runs as root after the split; config.c and conf.c too, for a reload.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include <unistd.h>

#include "config.h"
#include "env.h"
#include "hook.h"
#include "log.h"
#include "loop.h"
#include "monitor.h"
#include "privsep.h"
#include "privsep_msg.h"

#define RESTART_FIRST_S	1
#define RESTART_MAX_S	60
#define RESTART_CALM_S	60	/* a worker that lived this long: no back-off */
#define REFUSALS_SAID	10	/* refused requests logged a minute */
#define HOOKS_MAX	4096	/* hooks the monitor runs at once */

extern char **environ;


struct mwatch {
	char		*name;		/* "-": the command line's */
	char		*hook;
	unsigned	 timeout;
};

/* a watch's hook, kept once its run has ended and run again for the
 * watch (as the worker's would be): the pipes children of its runs
 * still hold are read, and closed past a few, as without separation */
struct mhook {
	struct hook	 h;
	unsigned	 id;		/* the run under way's; 0: none */
	struct mhook	*next;
};

static struct {
	const struct privsep_conf *pc;
	struct mwatch	*w;
	int		 nw;
	pid_t		 worker;
	struct io	 io;
	struct mhook	*hooks;		/* run, running or not */
	int		 nhooks;	/* running */
	bool		 exiting;
	int		 status;
	int		 restarts;
	int64_t		 since;
	struct timer	 restart;
	char		 self[PATH_MAX], cwd[PATH_MAX];
	int64_t		 said_at;
	unsigned	 said, unsaid;
	/* a reload under way: the files as read, until the worker says */
	struct config	 next;
	bool		 have_next;
	char		*control;	/* the control socket's path, or NULL */
	char		*group;		/* ... and its control-group */
	char		*made;		/* one the reload made, or NULL */
} m;

/* the worker's: the monitor's copy is not its own */
void
monitor_forget(void)
{
	int i;

	for (i = 0; i < m.nw; i++) {
		free(m.w[i].name);
		free(m.w[i].hook);
	}
	free(m.w);
	m.w = NULL;
	m.nw = 0;
}

/* the monitor's copy: each watch's name, command and hook timeout; a
 * watch it had and the list has not stays (a watch a reload removed may
 * run its stop hook after) */
void
privsep_table(const struct watch_conf *list)
{
	const struct watch_conf *wc;
	const char *name;
	struct mwatch *w;
	int i, n = m.nw;

	for (wc = list; wc != NULL; wc = wc->next)
		n++;
	if ((m.w = reallocarray(m.w, (size_t)n + 1, sizeof *m.w)) == NULL)
		fatal("reallocarray");
	for (wc = list; wc != NULL; wc = wc->next) {
		name = wc->name != NULL ? wc->name : "-";
		for (i = 0; i < m.nw && strcmp(m.w[i].name, name) != 0; i++)
			;
		w = &m.w[i];
		if (i == m.nw) {
			m.nw++;
			if ((w->name = strdup(name)) == NULL)
				fatal("strdup");
		} else
			free(w->hook);
		if ((w->hook = strdup(wc->hook)) == NULL)
			fatal("strdup");
		w->timeout = wc->hook_timeout;
	}
}

/* a refusal, logged at most REFUSALS_SAID times a minute */
static void
say(const char *why)
{
	int64_t now = now_ns();

	if (now - m.said_at > 60 * NSEC_PER_SEC) {
		if (m.unsaid > 0)
			log_warnx("CORE: monitor: %u more requests of the "
			    "worker refused", m.unsaid);
		m.said_at = now;
		m.said = m.unsaid = 0;
	}
	if (m.said++ < REFUSALS_SAID)
		log_warnx("CORE: monitor: a request of the worker refused: %s",
		    why);
	else
		m.unsaid++;
}

static void
send_msg(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
send_msg(int fd, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof buf)
		n = sizeof buf - 1;
	if (send(fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) == -1 &&
	    errno != EPIPE && errno != ECONNRESET)
		log_warn("CORE: monitor: to the worker, `%.20s...' lost", buf);
}

static void
mhook_done(struct hook *h)
{
	struct mhook *mh = h->arg;
	const struct hook_result *r = &h->result;

	send_msg(m.io.fd, "done %u %d %d %lld %lld", mh->id, r->code,
	    r->status, (long long)r->started, (long long)r->ended);
	mh->id = 0;
	m.nhooks--;
}

/* a hook of the watch's command not running, or a new one */
static struct mhook *
idle_hook(const struct mwatch *w)
{
	const char *tag = strcmp(w->name, "-") != 0 ? w->name : NULL;
	struct mhook *mh;

	for (mh = m.hooks; mh != NULL; mh = mh->next)
		if (mh->id == 0 && strcmp(mh->h.path, w->hook) == 0 &&
		    (tag == NULL ? mh->h.tag == NULL : mh->h.tag != NULL &&
		    strcmp(mh->h.tag, tag) == 0))
			break;
	if (mh == NULL) {
		if ((mh = calloc(1, sizeof *mh)) == NULL)
			fatal("calloc");
		hook_init(&mh->h, tag, w->hook, w->timeout, mhook_done, mh);
		mh->next = m.hooks;
		m.hooks = mh;
	}
	hook_set_timeout(&mh->h, w->timeout);
	return mh;
}

static void
run(const struct privsep_request *rq)
{
	const struct mwatch *w = NULL;
	struct mhook *mh;
	struct env e;
	char *eq;
	int i;

	for (i = 0; i < m.nw && w == NULL; i++)
		if (strcmp(m.w[i].name, rq->watch) == 0)
			w = &m.w[i];
	if (w == NULL) {
		say("the hook of a watch the configuration has not");
		send_msg(m.io.fd, "started %u 0 no such watch", rq->id);
		return;
	}
	if (m.nhooks >= HOOKS_MAX) {
		say("more hooks at once than the monitor runs");
		send_msg(m.io.fd, "started %u 0 %d hooks run already", rq->id,
		    HOOKS_MAX);
		return;
	}
	if (env_init(&e, environ) == -1)
		fatal("env_init");
	mh = idle_hook(w);
	for (i = 0; i < rq->nenv; i++) {
		eq = strchr(rq->env[i], '=');
		*eq = '\0';
		env_set(&e, rq->env[i], "%s", eq + 1);
		*eq = '=';
	}
	/* the hook keeps the word, for its end's log line: not rq's */
	if (hook_start(&mh->h, strcmp(rq->event, "start") == 0 ? "start" :
	    "stop", &e) == -1)
		send_msg(m.io.fd, "started %u 0 %s", rq->id, mh->h.result.why);
	else {
		mh->id = rq->id;
		m.nhooks++;
		send_msg(m.io.fd, "started %u 1 %lld", rq->id,
		    (long long)mh->h.result.started);
	}
	env_free(&e);
}

/* a reply with descriptors beside it */
static void
send_fds(const char *msg, const int *fds, int n)
{
	union {
		char		 buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr	 align;
	} c;
	struct iovec iov = { .iov_base = (void *)(uintptr_t)msg,
	    .iov_len = strlen(msg) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (n > 0) {
		memset(&c, 0, sizeof c);
		mh.msg_control = c.buf;
		mh.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, (size_t)n * sizeof(int));
	}
	if (sendmsg(m.io.fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) == -1 &&
	    errno != EPIPE && errno != ECONNRESET)
		log_warn("CORE: monitor: to the worker, `%s' lost", msg);
}

/* len bytes of text, in a memfd of their own; -1 if none could be made */
static int
memfd_of(const char *name, const char *text, size_t len)
{
	int fd;

	if ((fd = memfd_create(name, MFD_CLOEXEC)) == -1)
		return -1;
	if (len > 0 && write(fd, text, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return fd;
}

/* the files, each as "PATHLEN TEXTLEN\n" PATH TEXT */
static int
memfd_of_files(const struct config_files *files)
{
	char *buf;
	size_t len, i;
	FILE *f;
	int fd;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return -1;
	for (i = 0; i < files->n; i++) {
		fprintf(f, "%zu %zu\n%s", strlen(files->f[i].path),
		    files->f[i].len, files->f[i].path);
		fwrite(files->f[i].text, 1, files->f[i].len, f);
	}
	if (fclose(f) != 0)
		return -1;
	fd = memfd_of("tuninetd-config", buf, len);
	free(buf);
	return fd;
}

/* the reload under way is over: taken (its hooks are the monitor's
 * copy, its control socket the one), or not (a socket it made goes) */
static void
next_done(bool taken)
{
	char err[1024];

	if (!m.have_next)
		return;
	if (taken) {
		privsep_table(m.next.watches);
		if (!same_string(m.next.control, m.control) && m.control != NULL)
			(void)unlink(m.control);
		else if (m.control != NULL && !same_string(m.next.control_group,
		    m.group) && m.pc->control_regroup(m.control,
		    m.next.control_group, err, sizeof err) == -1)
			log_warnx("CORE: monitor: %s", err);
		free(m.control);
		free(m.group);
		m.control = m.next.control;
		m.group = m.next.control_group;
		m.next.control = m.next.control_group = NULL;
	} else if (m.made != NULL)
		(void)unlink(m.made);
	free(m.made);
	m.made = NULL;
	config_free(&m.next);
	m.have_next = false;
}

/* "config": the files read again, checked as root, and handed over
 * ("config ok", the files' memfd, and a new control socket if the
 * reload moves it), or why not ("config refused N", N errors' text in
 * the memfd); what the worker cannot be given stays as it is: its user,
 * its state directory (the jail's) */
static void
config_request(void)
{
	struct config_checks checks = *m.pc->checks;
	struct config_files files = { 0 };
	struct config_errors errs;
	const struct config *cf = &m.next;
	char err[1024], msg[64];
	int fds[2] = { -1, -1 };

	next_done(false);
	err[0] = '\0';
	checks.keep_bit = NULL;	/* the worker's to say */
	checks.user = NULL;	/* a lookup, not the start-up's choice */
	memset(&m.next, 0, sizeof m.next);
	if (!config_read(m.pc->config_file, &m.next, &checks, &errs,
	    &files)) {
		fds[0] = memfd_of("tuninetd-errors", errs.text, errs.len);
		snprintf(msg, sizeof msg, "config refused %d", errs.n);
		config_errors_free(&errs);
		config_free(&m.next);
		goto send;
	}
	config_errors_free(&errs);
	m.have_next = true;
	if (cf->user != NULL && !same_string(cf->user, m.pc->user))
		snprintf(err, sizeof err, "user: `%s': the worker runs as `%s'; "
		    "a restart of the daemon changes it", cf->user != NULL ?
		    cf->user : "(the default)", m.pc->user != NULL ?
		    m.pc->user : "(the default)");
	else if (!same_string(cf->state_dir, m.pc->state_dir))
		snprintf(err, sizeof err, "state-dir: `%s': the worker's jail "
		    "writes in `%s' only; a restart of the daemon moves it",
		    cf->state_dir != NULL ? cf->state_dir : "(none)",
		    m.pc->state_dir != NULL ? m.pc->state_dir : "(none)");
	else if (!same_string(cf->control, m.control) && cf->control != NULL &&
	    m.pc->control_listen(cf->control, cf->control_group, &fds[1],
	    err, sizeof err) == 0 && (m.made = strdup(cf->control)) == NULL)
		fatal("strdup");
	if (err[0] != '\0') {
		fds[0] = memfd_of("tuninetd-errors", err, strlen(err));
		snprintf(msg, sizeof msg, "config refused 1");
	} else {
		fds[0] = memfd_of_files(&files);
		snprintf(msg, sizeof msg, "config ok");
	}
send:
	config_files_free(&files);
	if (fds[0] == -1) {
		log_warn("CORE: monitor: memfd_create");
		snprintf(msg, sizeof msg, "config lost");
	}
	/* the worker takes nothing but the files: no copy waits for it */
	if (strcmp(msg, "config ok") != 0)
		next_done(false);
	send_fds(msg, fds, fds[0] == -1 ? 0 : fds[1] == -1 ? 1 : 2);
	if (fds[0] != -1)
		close(fds[0]);
	if (fds[1] != -1)
		close(fds[1]);
}

static void
request(char *buf, size_t len)
{
	struct privsep_request rq;
	struct mhook *mh;
	char why[128];

	if (!privsep_parse(buf, len, &rq, why, sizeof why)) {
		say(why);
		if (rq.kind == PRIVSEP_RUN && rq.id != 0)	/* it waits */
			send_msg(m.io.fd, "started %u 0 refused by the monitor: "
			    "%s", rq.id, why);
		return;
	}
	switch (rq.kind) {
	case PRIVSEP_RUN:
		run(&rq);
		break;
	case PRIVSEP_TIMEOUT:
		for (mh = m.hooks; mh != NULL; mh = mh->next)
			if (mh->id != 0 && mh->id == rq.id)
				hook_set_timeout(&mh->h, rq.seconds);
		break;
	case PRIVSEP_KILL:
		hook_kill_all();
		break;
	case PRIVSEP_CONFIG:
		config_request();
		break;
	case PRIVSEP_RELOADED:
	case PRIVSEP_KEPT:
		next_done(rq.kind == PRIVSEP_RELOADED);
		break;
	case PRIVSEP_NONE:
		break;
	}
}

static void
readable(struct io *io, uint32_t events)
{
	char buf[PRIVSEP_MSG_MAX + 1];
	ssize_t n;
	int k;

	(void)events;
	for (k = 0; k < 64; k++) {
		n = recv(io->fd, buf, sizeof buf - 1, MSG_DONTWAIT | MSG_TRUNC);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {		/* the worker's end is closed */
			io_del(io);
			return;
		}
		if ((size_t)n > sizeof buf - 1)
			say("a message too long");
		else
			request(buf, (size_t)n);
	}
}

static void	start_again(struct timer *);

static void
worker_ended(const siginfo_t *si)
{
	int64_t lived = now_ns() - m.since;
	int delay;

	if (m.worker == 0 || si->si_pid != m.worker)
		return;		/* what a hook left behind */
	m.worker = 0;
	next_done(false);
	if (si->si_code == CLD_EXITED && (m.exiting || si->si_status == 0)) {
		m.status = si->si_status;
		loop_quit(si->si_status);
		return;
	}
	if (si->si_code == CLD_EXITED)
		log_warnx("CORE: the worker exited with status %d",
		    si->si_status);
	else
		log_warnx("CORE: the worker was killed by signal %d (%s)%s",
		    si->si_status, strsignal(si->si_status),
		    si->si_status == SIGSYS ? ": a system call its seccomp "
		    "filter does not allow" : "");
	if (m.exiting) {
		loop_quit(1);
		return;
	}
	if (lived > RESTART_CALM_S * NSEC_PER_SEC)
		m.restarts = 0;
	delay = RESTART_FIRST_S << (m.restarts < 6 ? m.restarts : 6);
	if (delay > RESTART_MAX_S)
		delay = RESTART_MAX_S;
	m.restarts++;
	log_warnx("CORE: the daemon starts again in %d s (restart %d), and "
	    "takes its watches over from the state directory", delay,
	    m.restarts);
	m.restart = (struct timer){ .cb = start_again };
	timer_set(&m.restart, ns_after(now_ns(), (uint64_t)delay));
}

/* once the hooks under way have ended (a start owed to the worker that
 * died ends before the new worker looks at the state files) */
static void
start_again(struct timer *t)
{
	char n[16];

	if (m.nhooks > 0) {
		timer_set(t, now_ns() + NSEC_PER_SEC / 10);
		return;
	}
	snprintf(n, sizeof n, "%d", m.restarts);
	setenv(RESTART_ENV, n, 1);
	if (m.control != NULL)	/* the worker could not */
		(void)unlink(m.control);
	/* the file read at start (an upgrade may have replaced it since),
	 * by its name, so that the process keeps it; from the directory the
	 * daemon started in (-d left /): relative paths as given */
	if (chdir(m.cwd) == -1)
		log_warn("CORE: chdir %s", m.cwd);
	execv(m.self, m.pc->argv);
	fatal("execv %s", m.self);
}

static void
on_signal(int signo)
{
	switch (signo) {
	case SIGCHLD:		/* the worker's end too (worker_ended) */
		hook_reap();
		break;
	case SIGTERM:
	case SIGINT:
		if (m.worker == 0) {	/* between two workers */
			timer_stop(&m.restart);
			loop_quit(0);
			break;
		}
		/* the second: the hooks' groups are ours to kill, now (the
		 * worker, told too, may be gone before it asks) */
		if (m.exiting)
			hook_kill_all();
		m.exiting = true;
		/* FALLTHROUGH */
	default:
		if (m.worker != 0)
			kill(m.worker, signo);
	}
}

/* the monitor, in the process started, from the split (privsep.c) to the
 * daemon's end; self: its binary, to start again */
void
monitor_run(int fd, pid_t worker, const struct privsep_conf *pc,
    const char *self)
{
	int status;

	snprintf(m.self, sizeof m.self, "%s", self);
	if (pc->cwd != NULL)
		snprintf(m.cwd, sizeof m.cwd, "%s", pc->cwd);
	else if (getcwd(m.cwd, sizeof m.cwd) == NULL)
		snprintf(m.cwd, sizeof m.cwd, "/");
	m.pc = pc;
	m.worker = worker;
	if ((pc->control != NULL && (m.control = strdup(pc->control)) ==
	    NULL) || (pc->control_group != NULL &&
	    (m.group = strdup(pc->control_group)) == NULL))
		fatal("strdup");
	m.since = now_ns();
	m.restarts = pc->restarts;
	/* nothing of the worker's stays here: its sockets are its own */
	if (fd != 3) {
		if (dup2(fd, 3) == -1)
			fatal("dup2");
		fd = 3;
	}
	closelog();
	if (hook_close_from(4) == -1)
		fatal("close_range");
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	log_init("tuninetd", pc->daemonized);
	timers_forget();
	if (loop_init() == -1)
		fatal("event loop");
	if (loop_signals((const int[]){ SIGHUP, SIGUSR1, SIGTERM, SIGINT,
	    SIGCHLD }, 5, on_signal) == -1)
		fatal("signals");
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		log_warn("CORE: prctl(PR_SET_CHILD_SUBREAPER)");
	hook_on_other_end(worker_ended);
	m.io = (struct io){ .fd = fd, .cb = readable };
	if (io_add(&m.io, EPOLLIN) == -1)
		fatal("monitor: its socket");
	/* the worker may have ended before the signalfd: look once */
	on_signal(SIGCHLD);
	status = loop_run();
	if (m.control != NULL)
		(void)unlink(m.control);
	if (m.pc->cleanup != NULL)
		m.pc->cleanup(m.pc->arg);
	exit(status);
}
