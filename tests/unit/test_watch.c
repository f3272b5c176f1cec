/* test_watch: the glue of a watch (watch.c) between its sensors, its
 * state machine and its hook, driven through the windows that tests with
 * real packets only hit by luck of timing: a fake sensor, a fake clock, a
 * fake hook and a fake loop stand in for the kernel and the processes.
 * Link seam: this file defines what watch.c calls from loop.c, hook.c,
 * log.c and savefile.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"
#include "hook.h"
#include "log.h"
#include "loop.h"
#include "packet.h"
#include "savefile.h"
#include "sensor.h"
#include "privsep.h"
#include "stats.h"
#include "watch.h"

#define MS	1000000LL
#define S	NSEC_PER_SEC

/* ---- the fake clock and loop: timers fire only when the test says ---- */

static int64_t clock_now;
static struct timer *timers[16];
static int ntimers;

int64_t
now_ns(void)
{
	return clock_now;
}

void
timer_set(struct timer *t, int64_t due)
{
	int i;

	t->due = due;
	if (t->armed)
		return;
	t->armed = true;
	for (i = 0; i < ntimers; i++)
		if (timers[i] == NULL)
			break;
	assert_true(i < 16);
	timers[i] = t;
	if (i == ntimers)
		ntimers++;
}

void
timer_stop(struct timer *t)
{
	int i;

	for (i = 0; i < ntimers; i++)
		if (timers[i] == t)
			timers[i] = NULL;
	t->armed = false;
}

/* the wall clock runs a million seconds ahead of the loop's */
#define REAL_OFFSET	(1000000 * S)

int64_t
loop_to_realtime(int64_t t)
{
	return t + REAL_OFFSET;
}

/* Move the clock to `to', firing every timer due by then, in order. */
static void
run_until(int64_t to)
{
	struct timer *first;
	int i;

	for (;;) {
		first = NULL;
		for (i = 0; i < ntimers; i++)
			if (timers[i] != NULL && timers[i]->due <= to &&
			    (first == NULL || timers[i]->due < first->due))
				first = timers[i];
		if (first == NULL)
			break;
		if (first->due > clock_now)
			clock_now = first->due;
		timer_stop(first);
		first->cb(first);
	}
	clock_now = to;
}

/* ---- the fake hook: spawns nothing, remembers what it was asked ---- */

struct run {
	char	 event[8];
	char	 reason[16], sensor[16], src[48];
	int64_t	 at;
};
static struct run runs[64];
static int nruns;
static bool spawn_fails;
static struct hook *running_hook;

/* one process: the daemon's PID is ours */
pid_t
privsep_main_pid(void)
{
	return getpid();
}

void
hook_init(struct hook *h, const char *tag, const char *path,
    unsigned timeout, void (*done)(struct hook *), void *arg)
{
	memset(h, 0, sizeof *h);
	(void)tag, (void)path;
	h->timeout = timeout;
	h->done = done;
	h->arg = arg;
}

static void
copy_var(char *dst, size_t len, const struct env *e, const char *name)
{
	const char *v = env_get(e, name);

	snprintf(dst, len, "%s", v != NULL ? v : "");
}

int
hook_start(struct hook *h, const char *event, struct env *e)
{
	struct run *r = &runs[nruns];

	assert_null(running_hook);	/* hooks never overlap */
	assert_true(nruns < 64);
	nruns++;
	snprintf(r->event, sizeof r->event, "%s", event);
	copy_var(r->reason, sizeof r->reason, e, "TUNINETD_REASON");
	copy_var(r->sensor, sizeof r->sensor, e, "TUNINETD_SENSOR");
	copy_var(r->src, sizeof r->src, e, "TUNINETD_SRC");
	r->at = clock_now;
	h->result = (struct hook_result){ .started = clock_now };
	if (spawn_fails) {
		snprintf(h->result.why, sizeof h->result.why, "No such file "
		    "or directory");
		return -1;
	}
	running_hook = h;
	h->pid = 1;
	h->result.spawned = true;
	return 0;
}

bool
hook_result_ok(const struct hook_result *r)
{
	return r->spawned && r->code == CLD_EXITED && r->status == 0;
}

/* the running hook exits with status */
static void
hook_exits_with(int status)
{
	struct hook *h = running_hook;

	assert_non_null(h);
	running_hook = NULL;
	h->pid = 0;
	h->result.code = CLD_EXITED;
	h->result.status = status;
	h->result.ended = clock_now;
	h->done(h);
}

static void
hook_exits(void)
{
	hook_exits_with(0);
}

void
hook_set_timeout(struct hook *h, unsigned timeout)
{
	h->timeout = timeout;
}

void
hook_free(struct hook *h)
{
	(void)h;
	running_hook = NULL;
}

/* ---- log and savefile: counted ---- */

static char last_log[512];
static char logs[32][512];	/* the last lines, in order */
static int nlogs, nsaved;

static void
remember(const char *fmt, va_list ap)
{
	vsnprintf(last_log, sizeof last_log, fmt, ap);
	snprintf(logs[nlogs++ % 32], sizeof logs[0], "%s", last_log);
}

/* the index of the first line logged since `from' holding what, or -1 */
static int
logged_at(int from, const char *what)
{
	int i;

	for (i = from; i < nlogs; i++)
		if (strstr(logs[i % 32], what) != NULL)
			return i;
	return -1;
}

#define LOGF(name)					\
void name(const char *fmt, ...)				\
{							\
	va_list ap;					\
	va_start(ap, fmt);				\
	remember(fmt, ap);				\
	va_end(ap);					\
}
LOGF(log_info)
LOGF(log_notice)
LOGF(log_warn)
LOGF(log_warnx)

void
fatal(const char *fmt, ...)
{
	(void)fmt;
	fail_msg("fatal");
	abort();
}

void
savefile_write(struct savefile *sf, int linktype, const struct timespec *ts,
    const uint8_t *data, uint32_t caplen, uint32_t len)
{
	(void)sf, (void)linktype, (void)ts, (void)data, (void)caplen, (void)len;
	nsaved++;
}

void
savefile_close(struct savefile *sf)
{
	(void)sf;
}

/* ---- the fake sensor ---- */

struct fake {
	struct sensor		 base;
	enum sensor_mode	 mode;
	int			 held;		/* packets it holds, as a queue */
	int			 let_go;	/* held ones let through going up */
	int			 accepted, dropped;	/* start_done */
	int			 cancelled;		/* no_start */
	char			 why[128];
	unsigned		 tuned_ttl;
	int			 flushes;
	int64_t			 grace;		/* what flush answers */
	void			(*on_sync)(struct fake *);
};

static int	fake_start(struct sensor *s) { (void)s; return 0; }
static void	fake_close(struct sensor *s) { (void)s; }
static int	fake_linktype(const struct sensor *s) { (void)s; return LINKTYPE_RAW; }

/* as the queue: going up lets through what it holds */
static void
fake_mode(struct sensor *s, enum sensor_mode m)
{
	struct fake *f = (struct fake *)s;

	if (m == SENSOR_UP) {
		f->let_go += f->held;
		f->held = 0;
	}
	f->mode = m;
}

/* a sensor that holds packets (NFQUEUE) hears how the start ended */
static void
fake_start_done(struct sensor *s, bool ok)
{
	struct fake *f = (struct fake *)s;

	assert_int_equal(f->mode, SENSOR_STARTING);	/* before set_mode */
	if (ok)
		f->accepted++;
	else
		f->dropped++;
	f->held = 0;
}

static void
fake_no_start(struct sensor *s, const char *why)
{
	struct fake *f = (struct fake *)s;

	f->cancelled++;
	f->held = 0;
	snprintf(f->why, sizeof f->why, "%s", why);
}

static void
fake_tune(struct sensor *s, const struct watch_conf *wc)
{
	((struct fake *)s)->tuned_ttl = wc->ttl;
}

static void
fake_sync(struct sensor *s)
{
	struct fake *f = (struct fake *)s;

	if (f->on_sync != NULL)
		f->on_sync(f);
}

static int64_t
fake_flush(struct sensor *s)
{
	struct fake *f = (struct fake *)s;

	f->flushes++;
	return f->grace;
}

static void
fake_describe(struct sensor *s, void (*line)(const char *, ...))
{
	(void)s;
	line("- capture engine: fake");
}

static void
fake_label(const struct sensor *s, char *buf, size_t len)
{
	(void)s;
	snprintf(buf, len, "fake");
}

static void
fake_env(const struct sensor *s, struct env *e)
{
	(void)s;
	env_set(e, "TUNINETD_SENSOR", "fake");
}

static const struct sensor_ops fake_ops = {
	.kind = "fake", .tag = "FAKE", .start = fake_start,
	.set_mode = fake_mode, .sync = fake_sync,
	.start_done = fake_start_done,
	.no_start = fake_no_start, .tune = fake_tune,
	.flush = fake_flush, .describe = fake_describe, .label = fake_label,
	.env = fake_env, .linktype = fake_linktype,
	.close = fake_close,
};

/* an IPv4/UDP packet from 192.0.2.1 to 192.0.2.2, raw IP */
static const uint8_t udp4[28] = {
	0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2,
	0x9c, 0x40, 0x27, 0x0f, 0, 8, 0, 0,
};

static struct fake fake;
static struct watch *w;
static int persists, hooks_done;

static void
persisted(struct watch *cw, void *arg)
{
	(void)cw, (void)arg;
	persists++;
}

static void
hook_ended(struct watch *cw, const char *event, enum fsm_reason r,
    const struct hook_result *res, void *arg)
{
	(void)cw, (void)event, (void)r, (void)res, (void)arg;
	hooks_done++;
}

static const struct watch_owner owner = { .hook_done = hook_ended,
    .persist = persisted };

/* a fresh watch, TTL 10 s, on one fake sensor, at 100 s */
static int
setup_with(bool strict_start)
{
	struct watch_conf *wc = watch_conf_new();
	struct sensor *s = &fake.base;

	wc->strict_start = strict_start;
	memset(&fake, 0, sizeof fake);
	fake.base.ops = &fake_ops;
	memset(runs, 0, sizeof runs);
	nruns = ntimers = nsaved = persists = hooks_done = nlogs = 0;
	spawn_fails = false;
	running_hook = NULL;
	clock_now = 100 * S;
	wc->hook = strdup("/hook");
	wc->ttl = 10;
	w = watch_new(wc, &s, 1, NULL, &owner);
	return watch_start(w);
}

static int
setup(void **state)
{
	(void)state;
	return setup_with(false);
}

static int
setup_strict(void **state)
{
	(void)state;
	return setup_with(true);
}

static int
teardown(void **state)
{
	(void)state;
	watch_free(w);
	return 0;
}

/* the sensor reports a packet that passed at `when' (whole if idle) */
static void
packet(int64_t when, bool whole)
{
	struct sensor_packet sp = { .when = when, .keeps_up = true,
	    .linktype = LINKTYPE_RAW };

	if (whole) {
		sp.data = udp4;
		sp.caplen = sp.len = sizeof udp4;
	}
	fake.base.report(&fake.base, &sp);
}

/* a cycle up to UP: packet at 100 s, start hook exits at once */
static void
bring_up(void)
{
	packet(clock_now, true);
	hook_exits();
	assert_int_equal(watch_state(w), FSM_UP);
}

static void
test_trigger_kept(void **state)
{
	(void)state;
	packet(clock_now, true);
	assert_int_equal(nruns, 1);
	assert_string_equal(runs[0].event, "start");
	assert_string_equal(runs[0].reason, "packet");
	assert_string_equal(runs[0].sensor, "fake");
	assert_string_equal(runs[0].src, "192.0.2.1");
	assert_int_equal(nsaved, 0);		/* no -w */
	assert_int_equal(fake.mode, SENSOR_STARTING);
	/* a later packet while starting is not the trigger */
	packet(clock_now + 1 * MS, false);
	hook_exits();
	assert_int_equal(fake.mode, SENSOR_UP);
	assert_int_equal(watch_state(w), FSM_UP);
}

static void
test_deadline_exact(void **state)
{
	(void)state;
	bring_up();
	packet(103 * S, false);
	run_until(112 * S);
	assert_int_equal(nruns, 1);		/* not yet: 103 + 10 */
	run_until(113 * S);
	assert_int_equal(nruns, 2);
	assert_string_equal(runs[1].event, "stop");
	assert_string_equal(runs[1].reason, "idle");
	assert_true(runs[1].at == 113 * S);
	assert_int_equal(fake.mode, SENSOR_IDLE);
}

/* A packet that passes while the final sync runs (after the deadline's
 * time was taken) belongs to the next cycle: it must start it. */
static void
late_in_sync(struct fake *f)
{
	(void)f;
	clock_now += 2 * MS;		/* the sync takes its time */
}

static void
test_packet_during_final_sync(void **state)
{
	(void)state;
	bring_up();
	fake.on_sync = late_in_sync;
	run_until(110 * S);
	assert_int_equal(nruns, 2);		/* stop ran */
	fake.on_sync = NULL;
	/* the packet passed during the sync, reported now */
	packet(110 * S + 1 * MS, true);
	hook_exits();				/* stop ends */
	assert_int_equal(nruns, 3);
	assert_string_equal(runs[2].event, "start");
}

/* SIGHUP while up waits for what a batching sensor holds, then stops;
 * the packets heard meanwhile are of the ended cycle. */
static void
test_flush_before_signal_stop(void **state)
{
	(void)state;
	bring_up();
	fake.grace = 20 * MS;
	clock_now = 105 * S;
	watch_stop_now(w);
	assert_int_equal(fake.flushes, 1);
	assert_int_equal(nruns, 1);		/* not yet */
	packet(104 * S, false);			/* the batch */
	run_until(105 * S + 20 * MS);
	assert_int_equal(nruns, 2);
	assert_string_equal(runs[1].event, "stop");
	assert_string_equal(runs[1].reason, "signal");
	hook_exits();
	assert_int_equal(watch_state(w), FSM_IDLE);
	assert_int_equal(nruns, 2);		/* nothing restarted */
}

/* SIGHUP while the start hook runs flushes as well (the sensors batch
 * while starting); the stop follows the start. */
static void
test_flush_while_starting(void **state)
{
	(void)state;
	fake.grace = 20 * MS;
	packet(clock_now, true);
	watch_stop_now(w);
	assert_int_equal(fake.flushes, 1);
	run_until(clock_now + 20 * MS);
	assert_int_equal(nruns, 1);		/* the start still runs */
	hook_exits();
	assert_int_equal(nruns, 2);
	assert_string_equal(runs[1].reason, "signal");
}

static char why[128];

/* tuninetctl asks the watch for verb; why says why it refused */
static int
control(enum fsm_input verb)
{
	return watch_control(w, verb, why, sizeof why);
}

/* A hook that cannot be spawned is logged and the state moves on as after
 * a failed run: start -> up, and the stop comes at its deadline. */
static void
test_failed_spawn(void **state)
{
	(void)state;
	spawn_fails = true;
	packet(clock_now, true);
	assert_int_equal(nruns, 1);
	assert_int_equal(watch_state(w), FSM_UP);
	run_until(110 * S);
	assert_int_equal(nruns, 2);
	assert_string_equal(runs[1].event, "stop");
	assert_int_equal(watch_state(w), FSM_IDLE);
}

/* ... and it is said in order: the START line, why it could not run, and
 * that the start failed (not "done") */
static void
test_failed_spawn_log(void **state)
{
	int a, b, c;

	(void)state;
	spawn_fails = true;
	packet(clock_now, true);
	a = logged_at(0, "FAKE: executing START command...");
	b = logged_at(0, "start command `/hook' cannot run: No such file or "
	    "directory");
	c = logged_at(0, "FAKE: start command failed");
	assert_true(a >= 0 && b > a && c > b);
	assert_int_equal(logged_at(0, "command done"), -1);
	/* a hook that exits non-zero "failed" too; one that exits 0 "done" */
	spawn_fails = false;
	run_until(110 * S);
	hook_exits();
	assert_true(logged_at(c, "CORE: stop command done") > c);
	packet(clock_now, true);
	hook_exits_with(1);
	assert_true(logged_at(c + 1, "FAKE: start command failed") > c);
}

/* What a sensor holds for a start that will not come any more is
 * dropped at once, saying why: the stop runs, a packet is held for the
 * start after it, and tuninetctl stop cancels that start. */
static void
test_cancelled_start(void **state)
{
	(void)state;
	bring_up();
	clock_now += S;
	assert_int_equal(control(FSM_CONTROL_STOP), 0);
	packet(clock_now + 1 * MS, true);	/* held: a start follows */
	assert_int_equal(fake.mode, SENSOR_STARTING);
	assert_int_equal(fake.cancelled, 0);
	assert_int_equal(control(FSM_CONTROL_STOP), 0);
	assert_int_equal(fake.cancelled, 1);
	assert_non_null(strstr(fake.why, "tuninetctl stop cancelled"));
	assert_int_equal(fake.mode, SENSOR_IDLE);
	hook_exits();
	assert_int_equal(nruns, 2);		/* no start came */
	assert_int_equal(watch_state(w), FSM_IDLE);
	/* a start that comes is no cancel: the next cycle's packet */
	packet(clock_now + 2 * MS, true);
	assert_int_equal(fake.cancelled, 1);
}

/* --strict-start: the start due after the back-off, its packets held, is
 * cancelled by a hold: they are dropped at once, before the sensor goes
 * to up mode (which would let them through to a service that is down) */
static void
test_backoff_cancelled_by_hold(void **state)
{
	(void)state;
	packet(clock_now, true);
	hook_exits_with(1);			/* back-off 1 s */
	packet(clock_now + 300 * MS, true);	/* held for the retry */
	fake.held = 1;
	assert_int_equal(fake.mode, SENSOR_STARTING);
	assert_int_equal(control(FSM_HOLD), 0);
	assert_int_equal(fake.cancelled, 1);
	assert_string_equal(fake.why, "the watch was put on hold");
	assert_int_equal(fake.mode, SENSOR_UP);
	assert_int_equal(fake.let_go, 0);	/* dropped, not let through */
	run_until(clock_now + 2 * S);
	assert_int_equal(nruns, 1);
}

/* a stop hook, then the start a packet during it asked for: each said
 * done as it ended (the second's spawn must not judge the first) */
static void
test_back_to_back_done(void **state)
{
	int a;

	(void)state;
	bring_up();
	run_until(110 * S);			/* stop runs */
	packet(110 * S + 1 * MS, true);		/* a start follows it */
	a = nlogs;
	hook_exits();				/* stop ends, start spawns */
	assert_int_equal(nruns, 3);
	assert_true(logged_at(a, "CORE: stop command done") >= a);
	assert_int_equal(logged_at(a, "failed"), -1);
	hook_exits();
	assert_true(logged_at(a, "FAKE: start command done") > a);
}

/* A reload changed only settings applied in place: no hook, the sensors
 * told, the deadline recomputed from the last packet. */
static void
test_tune_in_place(void **state)
{
	struct watch_conf *wc;

	(void)state;
	bring_up();				/* deadline 110 s */
	packet(104 * S, false);			/* 114 s */
	wc = watch_conf_dup(watch_conf(w));
	wc->ttl = 2;
	wc->hook_timeout = 7;
	clock_now = 105 * S;
	watch_tune(w, wc);
	assert_int_equal(nruns, 1);
	assert_int_equal(fake.tuned_ttl, 2);
	assert_int_equal(fake.base.ttl, 2 * S);
	assert_true(logged_at(0, "CORE: reloaded in place (ttl, hook-timeout "
	    "changed); the cycle goes on") >= 0);
	run_until(106 * S - 1);
	assert_int_equal(nruns, 1);
	run_until(106 * S);			/* 104 + 2 */
	assert_int_equal(nruns, 2);
	assert_string_equal(runs[1].reason, "idle");
}

/* A reload replaced the watch: a packet during the old one's stop starts
 * the new one when it starts (with that packet), and a hold goes on. */
static void
test_successor(void **state)
{
	struct fake f2 = { .base.ops = &fake_ops };
	struct sensor *s = &f2.base;
	struct watch_conf *wc;
	struct watch *w2;

	(void)state;
	bring_up();
	clock_now += S;
	watch_retire(w);
	assert_string_equal(runs[1].reason, "reload");
	packet(clock_now + 1 * MS, true);	/* during its stop */
	assert_int_equal(nruns, 2);		/* nothing of this watch's */
	clock_now += 15 * S;			/* a stop longer than the TTL */
	hook_exits();
	assert_true(watch_done(w));
	wc = watch_conf_dup(watch_conf(w));
	w2 = watch_new(wc, &s, 1, NULL, &owner);
	watch_inherit(w2, w);
	assert_int_equal(nruns, 2);		/* not before it starts */
	assert_int_equal(watch_start(w2), 0);
	assert_int_equal(nruns, 3);
	assert_string_equal(runs[2].event, "start");
	assert_string_equal(runs[2].reason, "packet");
	assert_string_equal(runs[2].src, "192.0.2.1");
	assert_string_equal(runs[2].sensor, "fake");
	assert_int_equal(f2.mode, SENSOR_STARTING);
	clock_now += 1 * MS;
	hook_exits();
	/* its cycle counts from its start, not from the packet 15 s ago */
	assert_int_equal(watch_state(w2), FSM_UP);
	run_until(clock_now + 9 * S);
	assert_int_equal(nruns, 3);
	watch_free(w2);

	/* held: the successor is held from its start, its sensor cheapest */
	clock_now += S;
	memset(&f2, 0, sizeof f2);
	f2.base.ops = &fake_ops;
	wc = watch_conf_dup(watch_conf(w));
	w2 = watch_new(wc, &s, 1, NULL, &owner);
	assert_int_equal(watch_control(w2, FSM_HOLD, why, sizeof why), 0);
	watch_retire(w2);
	assert_true(watch_done(w2));
	wc = watch_conf_dup(watch_conf(w));
	{
		struct fake f3 = { .base.ops = &fake_ops };
		struct sensor *s3 = &f3.base;
		struct watch *w3 = watch_new(wc, &s3, 1, NULL, &owner);
		struct watch_info in;

		watch_inherit(w3, w2);
		/* not started yet: waiting, and it cannot be started */
		watch_info(w3, &in);
		assert_string_equal(in.state, "waiting");
		assert_int_equal(watch_control(w3, FSM_CONTROL_START, why,
		    sizeof why), -1);
		assert_int_equal(nruns, 3);
		assert_int_equal(watch_start(w3), 0);
		watch_info(w3, &in);
		assert_string_equal(in.state, "held");
		assert_int_equal(f3.mode, SENSOR_UP);
		f3.base.report(&f3.base, &(struct sensor_packet){
		    .when = clock_now, .keeps_up = true });
		assert_int_equal(nruns, 3);	/* held: no start */
		watch_free(w3);
	}
	watch_free(w2);
}

/* tuninetctl start while the stop ran, then a reload: the watch that
 * replaces it starts, by control, with no packet's values */
static void
test_successor_control_start(void **state)
{
	struct fake f2 = { .base.ops = &fake_ops };
	struct sensor *s = &f2.base;
	struct watch *w2;

	(void)state;
	bring_up();
	clock_now += S;
	assert_int_equal(control(FSM_CONTROL_STOP), 0);
	assert_int_equal(control(FSM_CONTROL_START), 0);	/* after it */
	watch_retire(w);
	hook_exits();
	assert_true(watch_done(w));
	assert_int_equal(nruns, 2);
	w2 = watch_new(watch_conf_dup(watch_conf(w)), &s, 1, NULL, &owner);
	watch_inherit(w2, w);
	assert_int_equal(watch_start(w2), 0);
	assert_int_equal(nruns, 3);
	assert_string_equal(runs[2].reason, "control");
	assert_string_equal(runs[2].src, "");
	hook_exits();
	watch_free(w2);
}

/* SIGTERM while up: stop runs and the watch is done only once it ended. */
static void
test_exit_waits_for_stop(void **state)
{
	(void)state;
	bring_up();
	watch_exit(w);
	assert_int_equal(nruns, 2);
	assert_string_equal(runs[1].reason, "exit");
	assert_false(watch_done(w));
	packet(clock_now + 1 * MS, true);	/* starts nothing any more */
	hook_exits();
	assert_true(watch_done(w));
	assert_int_equal(nruns, 2);
}

/* SIGTERM while starting: start ends, then stop, then done. */
static void
test_exit_while_starting(void **state)
{
	(void)state;
	packet(clock_now, true);
	watch_exit(w);
	assert_false(watch_done(w));
	hook_exits();
	assert_int_equal(nruns, 2);
	assert_string_equal(runs[1].event, "stop");
	assert_false(watch_done(w));
	hook_exits();
	assert_true(watch_done(w));
}

/* --strict-start: a start hook that fails leaves the watch idle, says
 * when the next attempt comes, drops what the sensor held; packets in the
 * back-off make the attempt at its end, held meanwhile */
static void
test_strict_backoff(void **state)
{
	(void)state;
	packet(clock_now, true);
	hook_exits_with(1);
	assert_int_equal(watch_state(w), FSM_IDLE);
	assert_int_equal(fake.dropped, 1);
	assert_int_equal(fake.mode, SENSOR_IDLE);
	assert_string_equal(last_log,
	    "start command failed (exit 1), next attempt in 1 s");
	packet(clock_now + 300 * MS, true);
	assert_int_equal(nruns, 1);			/* not in the back-off */
	assert_int_equal(fake.mode, SENSOR_STARTING);	/* held, timed */
	run_until(clock_now + 999 * MS);
	assert_int_equal(nruns, 1);
	run_until(clock_now + 2 * MS);
	assert_int_equal(nruns, 2);			/* at its end */
	assert_string_equal(runs[1].event, "start");
	hook_exits_with(2);
	assert_string_equal(last_log,
	    "start command failed (exit 2), next attempt in 2 s");
	packet(clock_now + 1 * MS, true);
	run_until(clock_now + 2 * S);
	assert_int_equal(nruns, 3);
	hook_exits();
	assert_int_equal(fake.accepted, 1);
	assert_int_equal(fake.mode, SENSOR_UP);
	assert_int_equal(watch_state(w), FSM_UP);
	/* no stop ran for the failed starts */
	assert_string_equal(runs[0].event, "start");
	assert_string_equal(runs[1].event, "start");
}

/* without --strict-start a failed start is up, but what a sensor held
 * does not go into a path the hook failed to make */
static void
test_failed_start_drops_held(void **state)
{
	(void)state;
	packet(clock_now, true);
	hook_exits_with(1);
	assert_int_equal(fake.dropped, 1);
	assert_int_equal(watch_state(w), FSM_UP);
	assert_int_equal(fake.mode, SENSOR_UP);
}

/* A restarted daemon takes over a watch that was up: no start hook, the
 * stop at the saved last packet + TTL; past it, at once (recovered). */
static void
test_adopt(void **state)
{
	struct watch_info in;

	(void)state;
	watch_adopt(w, loop_to_realtime(90 * S), loop_to_realtime(95 * S),
	    false);
	assert_int_equal(nruns, 0);
	assert_int_equal(watch_state(w), FSM_UP);
	assert_int_equal(fake.mode, SENSOR_UP);
	watch_info(w, &in);
	assert_string_equal(in.state, "up");
	assert_true(in.deadline == loop_to_realtime(105 * S));
	assert_true(in.up_since == loop_to_realtime(90 * S));
	assert_string_equal(in.started_by, "recovered");
	/* the saved last packet is what the deadline counts from, and the
	 * state file (the earlier daemon) is its sensor */
	assert_true(in.last_packet == loop_to_realtime(95 * S));
	assert_true(in.last_moved == loop_to_realtime(95 * S));
	assert_null(in.last_sensor);
	{
		struct watch_moved m[WHY_MAX];

		assert_int_equal(watch_why(w, m, WHY_MAX), 1);
		assert_string_equal(m[0].sensor,
		    "an earlier tuninetd (state file)");
	}
	run_until(105 * S);
	assert_int_equal(nruns, 1);
	assert_string_equal(runs[0].reason, "idle");
}

static void
test_adopt_past(void **state)
{
	(void)state;
	watch_adopt(w, loop_to_realtime(80 * S), loop_to_realtime(85 * S),
	    false);
	assert_int_equal(nruns, 1);
	assert_string_equal(runs[0].event, "stop");
	assert_string_equal(runs[0].reason, "recovered");
	hook_exits();
	assert_int_equal(watch_state(w), FSM_IDLE);
}


/* tuninetctl's start, stop, hold, release */
static void
test_control(void **state)
{
	struct watch_info in;

	(void)state;
	assert_int_equal(control(FSM_CONTROL_STOP), -1);
	assert_string_equal(why, "default is idle already");
	assert_int_equal(control(FSM_CONTROL_START), 0);
	assert_string_equal(runs[0].reason, "control");
	assert_string_equal(runs[0].src, "");		/* no packet */
	/* the deadline counts from the start; no packet is listed */
	watch_info(w, &in);
	assert_true(in.last_moved == loop_to_realtime(clock_now));
	assert_true(in.last_packet == 0);
	assert_null(in.last_sensor);
	assert_int_equal(watch_why(w, NULL, 0), 0);
	assert_int_equal(control(FSM_CONTROL_START), -1);
	hook_exits();
	clock_now += S;
	assert_int_equal(control(FSM_CONTROL_STOP), 0);
	assert_string_equal(runs[1].event, "stop");
	assert_string_equal(runs[1].reason, "control");
	hook_exits();
	assert_int_equal(control(FSM_HOLD), 0);
	watch_info(w, &in);
	assert_string_equal(in.state, "held");
	assert_int_equal(fake.mode, SENSOR_UP);		/* cheapest */
	clock_now += S;
	packet(clock_now, true);
	assert_int_equal(nruns, 2);
	assert_int_equal(control(FSM_HOLD), -1);
	assert_int_equal(control(FSM_RELEASE), 0);
	assert_int_equal(fake.mode, SENSOR_IDLE);
	packet(clock_now + 1, true);
	assert_int_equal(nruns, 3);
	assert_string_equal(runs[2].src, "192.0.2.1");
	watch_info(w, &in);
	assert_string_equal(in.started_by, "packet");
	assert_true(in.have_trigger);
	/* a control start after a packet's cycle: not that packet's */
	hook_exits();
	clock_now += S;
	assert_int_equal(control(FSM_CONTROL_STOP), 0);
	hook_exits();
	assert_int_equal(control(FSM_CONTROL_START), 0);
	assert_int_equal(nruns, 5);
	assert_string_equal(runs[4].reason, "control");
	assert_string_equal(runs[4].sensor, "");
	assert_string_equal(runs[4].src, "");
	watch_info(w, &in);
	assert_string_equal(in.started_by, "control");
	assert_false(in.have_trigger);
	hook_exits();
	clock_now += S;
	control(FSM_CONTROL_STOP);
	hook_exits();
	watch_info(w, &in);
	assert_null(in.started_by);
}

/* counters, the packets that moved the deadline, the state file's rhythm:
 * every transition, and at most once a second while packets come */
static void
test_stats_why_persist(void **state)
{
	struct watch_moved m[WHY_MAX + 4];
	struct watch_info in;
	int n, k;

	(void)state;
	packet(clock_now, true);
	clock_now += 20 * MS;
	hook_exits();
	assert_int_equal(persists, 2);		/* starting, up */
	for (k = 1; k <= 30; k++)		/* 3 s of packets */
		run_until(100 * S + k * 100 * MS), packet(clock_now, false);
	assert_true(persists >= 4 && persists <= 6);
	n = watch_why(w, m, WHY_MAX + 4);
	assert_int_equal(n, WHY_MAX);
	assert_true(m[0].when == loop_to_realtime(103 * S));	/* newest */
	assert_true(m[0].when > m[1].when);
	assert_string_equal(m[0].sensor, "fake");
	run_until(113 * S);
	hook_exits_with(2);
	watch_info(w, &in);
	assert_int_equal(in.stats->starts, 1);
	assert_int_equal(in.stats->stops[REASON_IDLE], 1);
	assert_int_equal(in.stats->hook_failures[HOOK_STOP], 1);
	assert_int_equal(in.stats->hook_duration[HOOK_START].count, 1);
	assert_true(in.stats->hook_duration[HOOK_START].sum > 0.019 &&
	    in.stats->hook_duration[HOOK_START].sum < 0.021);
	assert_int_equal(in.stats->start_latency.count, 1);
	assert_true(in.up_ns == 13 * S);
	assert_true(in.have_trigger);
	assert_string_equal(in.fields.src, "192.0.2.1");
	assert_string_equal(in.fields.proto, "udp");
	assert_int_equal(in.fields.dport, 9999);
	assert_int_equal(hooks_done, 2);
}

/* a packet during the stop brings a restart: the cycle that ended is
 * counted up to its stop's end, not lost to the new one's start */
static void
test_up_time_across_restart(void **state)
{
	struct watch_info in;

	(void)state;
	bring_up();				/* up from 100 s */
	run_until(110 * S);			/* stop at the deadline */
	packet(110 * S + 500 * MS, true);	/* during the stop */
	clock_now = 111 * S;
	hook_exits();				/* stop ends, start runs */
	assert_string_equal(runs[2].event, "start");
	watch_info(w, &in);
	assert_true(in.stats->up_ns == 11 * S);
	assert_true(in.up_ns == 11 * S);	/* + 0 of the new cycle */
}

int
main(void)
{
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_trigger_kept),
		T(test_deadline_exact),
		T(test_packet_during_final_sync),
		T(test_flush_before_signal_stop),
		T(test_flush_while_starting),
		T(test_failed_spawn),
		T(test_failed_spawn_log),
		T(test_cancelled_start),
		cmocka_unit_test_setup_teardown(test_backoff_cancelled_by_hold,
		    setup_strict, teardown),
		T(test_back_to_back_done),
		T(test_tune_in_place),
		T(test_successor),
		T(test_successor_control_start),
		T(test_exit_waits_for_stop),
		T(test_exit_while_starting),
		T(test_failed_start_drops_held),
		cmocka_unit_test_setup_teardown(test_strict_backoff,
		    setup_strict, teardown),
		T(test_adopt),
		T(test_adopt_past),
		T(test_control),
		T(test_stats_why_persist),
		T(test_up_time_across_restart),
	};

	return cmocka_run_group_tests_name("watch", tests, NULL, NULL);
}
