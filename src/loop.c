/*
 * loop.c: the daemon's only thread waits here, in epoll_wait with no
 * timeout unless a timer is armed: nothing wakes the process when nothing
 * happens. Timers (a deadline per watch, a kill per hook, a check per
 * sensor: thousands with many watches) live in a binary min-heap, so
 * arming, moving and firing one costs O(log n) whatever their number, and
 * one timerfd is armed, in absolute time, for the earliest. While traffic
 * flows a deadline moves later with every batch of packets; the timerfd
 * is then left armed early and re-armed when it fires with nothing due,
 * which costs one wake-up instead of a syscall per batch. Signals arrive
 * through a signalfd; no work is ever done in a signal handler.
 *
 * Time is CLOCK_BOOTTIME, which goes on during suspend: a TTL is wall-clock
 * idleness, so a laptop that slept through its deadline stops at once on
 * waking, not after the rest of the TTL (CLOCK_MONOTONIC stops in suspend).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
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
static struct timer **heap;		/* heap[0] is due first */
static size_t nheap, heapcap;
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

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* t plus seconds, saturated: a TTL or timeout near 2^31-1 s must not wrap */
int64_t
ns_after(int64_t t, uint64_t seconds)
{
	if (seconds >= (uint64_t)(INT64_MAX - (t > 0 ? t : 0)) / NSEC_PER_SEC)
		return INT64_MAX;
	return t + (int64_t)seconds * NSEC_PER_SEC;
}

/* ns as a timespec whose seconds fit sec_max (a 32-bit time_t's maximum
 * where time_t is 32 bits): a deadline later than that is as good as
 * never, and must not wrap into the past. */
struct timespec
ns_to_timespec(int64_t ns, int64_t sec_max)
{
	struct timespec ts;

	if (ns < 0)
		ns = 0;
	if (ns / NSEC_PER_SEC >= sec_max) {
		ts.tv_sec = (time_t)sec_max;
		ts.tv_nsec = 0;
	} else {
		ts.tv_sec = (time_t)(ns / NSEC_PER_SEC);
		ts.tv_nsec = (long)(ns % NSEC_PER_SEC);
	}
	return ts;
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

#define TIME_T_MAX \
	((int64_t)(sizeof(time_t) >= 8 ? INT64_MAX / NSEC_PER_SEC : INT32_MAX))

static void
rearm(void)
{
	struct itimerspec its = { 0 };
	int64_t due = nheap > 0 ? heap[0]->due : -1;

	/* armed for no later than needed: let it fire early, then see */
	if (due == timerfd_due || (timerfd_due >= 0 && timerfd_due <= due))
		return;
	if (due >= 0)	/* 0 would disarm: an overdue timer fires at once */
		its.it_value = ns_to_timespec(due > 0 ? due : 1, TIME_T_MAX);
	if (timerfd_settime(timer_io.fd, TFD_TIMER_ABSTIME, &its, NULL) == -1)
		fatal("timerfd_settime");
	timerfd_due = due;
}

static void
heap_place(struct timer *t, size_t i)
{
	heap[i] = t;
	t->slot = i;
}

static void
sift_up(size_t i)
{
	struct timer *t = heap[i];

	while (i > 0 && heap[(i - 1) / 2]->due > t->due) {
		heap_place(heap[(i - 1) / 2], i);
		i = (i - 1) / 2;
	}
	heap_place(t, i);
}

static void
sift_down(size_t i)
{
	struct timer *t = heap[i];
	size_t c;

	while ((c = 2 * i + 1) < nheap) {
		if (c + 1 < nheap && heap[c + 1]->due < heap[c]->due)
			c++;
		if (heap[c]->due >= t->due)
			break;
		heap_place(heap[c], i);
		i = c;
	}
	heap_place(t, i);
}

void
timer_set(struct timer *t, int64_t due)
{
	struct timer **h;

	if (t->armed) {
		int64_t was = t->due;

		t->due = due;
		if (due < was)
			sift_up(t->slot);
		else
			sift_down(t->slot);
		return;
	}
	if (nheap == heapcap) {
		heapcap = heapcap != 0 ? heapcap * 2 : 64;
		if ((h = reallocarray(heap, heapcap, sizeof *h)) == NULL)
			fatal("timer heap");
		heap = h;
	}
	t->due = due;
	t->armed = true;
	heap_place(t, nheap++);
	sift_up(t->slot);
}

void
timer_stop(struct timer *t)
{
	struct timer *last;

	if (!t->armed)
		return;
	t->armed = false;
	last = heap[--nheap];
	if (last == t)
		return;
	/* the last leaf fills the hole, then finds its place */
	heap_place(last, t->slot);
	sift_up(last->slot);
	sift_down(last->slot);
}

static void
timers_run(struct io *io, uint32_t events)
{
	uint64_t ticks;
	struct timer *t;

	(void)events;
	(void)!read(io->fd, &ticks, sizeof ticks);
	timerfd_due = -1;
	while (nheap > 0 && heap[0]->due <= now_ns()) {
		t = heap[0];
		timer_stop(t);
		t->cb(t);
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
	timer_io.fd = timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	if (timer_io.fd == -1)
		return -1;
	timer_io.cb = timers_run;
	return io_add(&timer_io, EPOLLIN);
}

/* A process forked from the daemon's to do something else (privsep's
 * monitor): the timers it inherited are the daemon's, not its own. */
void
timers_forget(void)
{
	while (nheap > 0)
		heap[--nheap]->armed = false;
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
