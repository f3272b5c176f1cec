/*
 * loop.c: the daemon's only thread waits here, in epoll_wait with no
 * timeout unless a timer is armed: nothing wakes the process when nothing
 * happens. Timers are few (a deadline per watch, a kill per hook, a check
 * per sensor), so they live in a plain list and one timerfd is armed, in
 * absolute CLOCK_MONOTONIC time, for the earliest. While traffic flows a
 * deadline moves later with every batch of packets; the timerfd is then
 * left armed early and re-armed when it fires with nothing due, which
 * costs one wake-up instead of a syscall per batch. Signals arrive through
 * a signalfd; no work is ever done in a signal handler.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"

#define MAX_EVENTS	16

static int epfd = -1;
static struct io timer_io, signal_io;
static struct timer *timers;
static int64_t timerfd_due = -1;	/* what timer_io.fd is armed for */
static void (*signal_cb)(int);
static bool running;
static int exit_status;

/* Events of the current epoll_wait batch not yet dispatched; io_del blanks
 * those of the io it removes, so a callback may remove any io. */
static struct epoll_event pending[MAX_EVENTS];
static int npending, next_pending;

int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int
io_add(struct io *io, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, io->fd, &ev);
}

int
io_mod(struct io *io, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };

	return epoll_ctl(epfd, EPOLL_CTL_MOD, io->fd, &ev);
}

void
io_del(struct io *io)
{
	int i;

	if (io->fd >= 0)
		epoll_ctl(epfd, EPOLL_CTL_DEL, io->fd, NULL);
	for (i = next_pending; i < npending; i++)
		if (pending[i].data.ptr == io)
			pending[i].data.ptr = NULL;
}

static void
rearm(void)
{
	struct itimerspec its = { 0 };
	struct timer *t;
	int64_t due = -1;

	for (t = timers; t != NULL; t = t->next)
		if (due < 0 || t->due < due)
			due = t->due;
	/* armed for no later than needed: let it fire early, then see */
	if (due == timerfd_due || (timerfd_due >= 0 && timerfd_due <= due))
		return;
	if (due >= 0) {
		/* 0 would disarm: an overdue timer fires at the next tick */
		if (due == 0)
			due = 1;
		its.it_value.tv_sec = due / 1000000000LL;
		its.it_value.tv_nsec = due % 1000000000LL;
	}
	if (timerfd_settime(timer_io.fd, TFD_TIMER_ABSTIME, &its, NULL) == -1)
		fatal("timerfd_settime");
	timerfd_due = due;
}

void
timer_set(struct timer *t, int64_t due)
{
	if (!t->armed) {
		t->next = timers;
		timers = t;
		t->armed = true;
	}
	t->due = due;
}

void
timer_stop(struct timer *t)
{
	struct timer **pp;

	if (!t->armed)
		return;
	for (pp = &timers; *pp != NULL; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	t->armed = false;
}

static void
timers_run(struct io *io, uint32_t events)
{
	uint64_t ticks;
	struct timer *t, *first;
	int64_t now;

	(void)events;
	(void)!read(io->fd, &ticks, sizeof ticks);
	timerfd_due = -1;
	for (;;) {
		now = now_ns();
		first = NULL;
		for (t = timers; t != NULL; t = t->next)
			if (t->due <= now && (first == NULL || t->due < first->due))
				first = t;
		if (first == NULL)
			break;
		timer_stop(first);
		first->cb(first);
	}
}

static void
signals_run(struct io *io, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	/* The kernel merges repeats of a pending signal: a storm of thousands
	 * is a handful of reads here. */
	while (read(io->fd, &si, sizeof si) == sizeof si)
		signal_cb((int)si.ssi_signo);
}

int
loop_signals(const int *signals, int n, void (*cb)(int))
{
	sigset_t set;
	int i;

	sigemptyset(&set);
	for (i = 0; i < n; i++)
		sigaddset(&set, signals[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return -1;
	signal_io.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (signal_io.fd == -1)
		return -1;
	signal_io.cb = signals_run;
	signal_cb = cb;
	return io_add(&signal_io, EPOLLIN);
}

int
loop_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd == -1)
		return -1;
	timer_io.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (timer_io.fd == -1)
		return -1;
	timer_io.cb = timers_run;
	return io_add(&timer_io, EPOLLIN);
}

void
loop_quit(int status)
{
	running = false;
	exit_status = status;
}

int
loop_run(void)
{
	struct io *io;

	running = true;
	while (running) {
		rearm();
		npending = epoll_wait(epfd, pending, MAX_EVENTS, -1);
		if (npending == -1) {
			npending = 0;
			if (errno == EINTR)
				continue;
			fatal("epoll_wait");
		}
		for (next_pending = 0; next_pending < npending && running;) {
			struct epoll_event *ev = &pending[next_pending++];

			if ((io = ev->data.ptr) != NULL)
				io->cb(io, ev->events);
		}
		npending = next_pending = 0;
	}
	return exit_status;
}
