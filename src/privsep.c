/*
 * privsep.c: privilege separation (--user, config `user').
 *
 * tuninetd starts as root and does all it did: reads the configuration,
 * checks it, opens every watch's sockets, makes the control socket and
 * the state directory, takes watches over from their state files. Then,
 * before anything reads a packet, it splits in two over a SOCK_SEQPACKET
 * socket pair:
 *
 *  - the monitor (the process started, its PID the daemon's): closes
 *    every descriptor but the pair's end (no packet socket stays with
 *    root), keeps root, and does only this: runs a watch's hook when the
 *    worker asks (privsep_msg.c: the watch and the event, nothing it may
 *    not check against its own copy of the configuration), tells the
 *    worker when it has ended, passes the signals it gets on, and when
 *    the worker dies of anything but an exit it was asked for, logs why
 *    and starts the daemon again in its own place (execve of itself,
 *    after a back-off that doubles up to RESTART_MAX_S while the new one
 *    dies within RESTART_CALM_S): the new one takes the watches over from
 *    the state directory, as after a crash;
 *  - the worker: everything else, the loop, the sensors, the state
 *    machines, the control socket, state files and metrics, in the jail
 *    (jail.c) from its first turn of the loop. Its hooks are the
 *    monitor's (hook.c asks here): a start is a round trip, answered once
 *    the hook's process exists (what hook_start returns), its end comes
 *    later. If the monitor goes, the worker exits (PR_SET_PDEATHSIG, and
 *    the end of the pair).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "env.h"
#include "hook.h"
#include "log.h"
#include "loop.h"
#include "privsep.h"
#include "privsep_msg.h"

#define RESTART_FIRST_S	1
#define RESTART_MAX_S	60
#define RESTART_CALM_S	60	/* a worker that lived this long: no back-off */
#define START_WAIT_MS	5000	/* for the monitor's answer to a run */
#define REFUSALS_SAID	10	/* refused requests logged a minute */
#define RESTART_ENV	"TUNINETD_RESTARTS"
#define HOOKS_MAX	4096	/* hooks the monitor runs at once */
#define CHAN_BUF	(4 << 20)	/* the pair's buffers: ends in bursts */

extern char **environ;

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

/* ---- the monitor ---- */

struct mwatch {
	char		*name;		/* "-": the command line's */
	char		*hook;
	unsigned	 timeout;
};

struct mhook {
	struct hook	 h;
	unsigned	 id;
	struct mhook	*next;
};

static struct {
	const struct privsep_conf *pc;
	struct mwatch	*w;
	int		 nw;
	pid_t		 worker;
	struct io	 io;
	struct mhook	*hooks;
	int		 nhooks;
	bool		 exiting;
	int		 status;
	int		 restarts;
	int64_t		 since;
	struct timer	 restart;
	char		 self[PATH_MAX], cwd[PATH_MAX];
	int64_t		 said_at;
	unsigned	 said, unsaid;
} m;

static void
table_free(void)
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

/* a reload the worker made: the file read again, as root */
static void
table_reload(void)
{
	struct config_checks checks = { 0 };
	struct config_errors errs;
	struct config cf = { 0 };

	if (m.pc->config_file == NULL)
		return;
	if (!config_load(m.pc->config_file, &cf, &checks, &errs)) {
		log_warnx("CORE: monitor: `%s' read again after the worker's "
		    "reload: refused; its hooks stay as they were",
		    m.pc->config_file);
		config_errors_free(&errs);
		config_free(&cf);
		return;
	}
	config_errors_free(&errs);
	privsep_table(cf.watches);
	config_free(&cf);
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
	struct mhook *mh = h->arg, **pp;
	const struct hook_result *r = &h->result;

	send_msg(m.io.fd, "done %u %d %d %lld %lld", mh->id, r->code,
	    r->status, (long long)r->started, (long long)r->ended);
	for (pp = &m.hooks; *pp != NULL; pp = &(*pp)->next)
		if (*pp == mh) {
			*pp = mh->next;
			m.nhooks--;
			break;
		}
	hook_free(&mh->h);
	free(mh);
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
	if ((mh = calloc(1, sizeof *mh)) == NULL ||
	    env_init(&e, environ) == -1)
		fatal("calloc");
	mh->id = rq->id;
	hook_init(&mh->h, strcmp(w->name, "-") != 0 ? w->name : NULL, w->hook,
	    w->timeout, mhook_done, mh);
	for (i = 0; i < rq->nenv; i++) {
		eq = strchr(rq->env[i], '=');
		*eq = '\0';
		env_set(&e, rq->env[i], "%s", eq + 1);
		*eq = '=';
	}
	if (hook_start(&mh->h, rq->event, &e) == -1) {
		send_msg(m.io.fd, "started %u 0 %s", rq->id, mh->h.result.why);
		hook_free(&mh->h);
		free(mh);
	} else {
		mh->next = m.hooks;
		m.hooks = mh;
		m.nhooks++;
		send_msg(m.io.fd, "started %u 1 %lld", rq->id,
		    (long long)mh->h.result.started);
	}
	env_free(&e);
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
			if (mh->id == rq.id)
				hook_set_timeout(&mh->h, rq.seconds);
		break;
	case PRIVSEP_KILL:
		hook_kill_all();
		break;
	case PRIVSEP_RELOADED:
		table_reload();
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

	if (m.hooks != NULL) {
		timer_set(t, now_ns() + NSEC_PER_SEC / 10);
		return;
	}
	snprintf(n, sizeof n, "%d", m.restarts);
	setenv(RESTART_ENV, n, 1);
	if (m.pc->cleanup != NULL)
		m.pc->cleanup(m.pc->arg, false);
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

static void __attribute__((noreturn))
monitor(int fd, pid_t worker, const struct privsep_conf *pc)
{
	int status;

	m.pc = pc;
	m.worker = worker;
	m.since = now_ns();
	m.restarts = pc->restarts;
	/* nothing of the worker's stays here: its sockets are its own */
	if (fd != 3) {
		if (dup2(fd, 3) == -1)
			fatal("dup2");
		fd = 3;
	}
	closelog();
	if (close_range(4, ~0U, 0) == -1)
		fatal("close_range");
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	log_init("tuninetd", pc->daemonized);
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
	if (m.pc->cleanup != NULL)
		m.pc->cleanup(m.pc->arg, true);
	exit(status);
}

/* Splits the daemon: returns in the worker, with 0; the monitor never
 * returns. -1 (nothing split) with err. */
int
privsep_split(const struct privsep_conf *pc, char *err, size_t len)
{
	int sv[2];
	pid_t pid, parent = getpid();
	int size = CHAN_BUF, i;
	ssize_t n;

	if ((n = readlink("/proc/self/exe", m.self, sizeof m.self - 1)) == -1) {
		snprintf(err, len, "privsep: /proc/self/exe: %s",
		    strerror(errno));
		return -1;
	}
	m.self[n] = '\0';
	if (pc->cwd != NULL)
		snprintf(m.cwd, sizeof m.cwd, "%s", pc->cwd);
	else if (getcwd(m.cwd, sizeof m.cwd) == NULL)
		snprintf(m.cwd, sizeof m.cwd, "/");
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
		monitor(sv[0], pid, pc);
	}
	close(sv[0]);
	table_free();
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
static struct timer later_timer;
static unsigned nruns;
static struct io chan_io;

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

static void
tell_later(struct timer *t)
{
	unsigned i, n = nlater;

	(void)t;
	nlater = 0;
	for (i = 0; i < n; i++)
		done(later[i]);
}

static void
keep_for_later(const char *msg)
{
	if (nlater == roomlater && (later = reallocarray(later,
	    roomlater = roomlater * 2 + 16, sizeof *later)) == NULL)
		fatal("reallocarray");
	snprintf(later[nlater++], sizeof later[0], "%s", msg);
	later_timer = (struct timer){ .cb = tell_later };
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

/* hook_start's, in the worker: the monitor runs it; 0 once it runs, -1
 * with the result's why if it could not */
int
privsep_hook_start(struct hook *h, const char *event, const struct env *env)
{
	char buf[PRIVSEP_MSG_MAX], reply[1024], *sp;
	struct pollfd pfd = { .fd = chan, .events = POLLIN };
	unsigned id, got;
	size_t i, o;
	ssize_t n;
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
	/* the answer to this run; the ends of others meanwhile are heard
	 * in order */
	for (;;) {
		if (poll(&pfd, 1, START_WAIT_MS) <= 0)
			fatalx("CORE: the monitor did not answer a run");
		if ((n = recv(chan, reply, sizeof reply - 1, 0)) <= 0)
			monitor_gone();
		reply[n] = '\0';
		if (strncmp(reply, "done ", 5) == 0) {
			keep_for_later(reply);
			continue;
		}
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

void
privsep_reloaded(void)
{
	if (privsep_worker())
		ask("reloaded", 8);
}
