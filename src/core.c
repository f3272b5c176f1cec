/*
 * core.c: one watch at work. Sensors report packets, the state machine
 * (watch.c) decides, and this file carries its decisions out: it is the
 * only caller of hook_start, it logs every transition, it keeps the
 * sensors in the mode the state needs and the deadline timer where the
 * state machine puts it.
 *
 * Log lines keep the original's words: "PCAP: start command done" (then
 * the trigger packet, "|- ..."), "CORE: executing STOP command...".
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "core.h"
#include "hook.h"
#include "log.h"
#include "loop.h"
#include "notify.h"
#include "packet.h"
#include "savefile.h"
#include "watch.h"

extern char **environ;

struct trigger {
	struct sensor	*sensor;
	bool		 have_data;
	uint8_t		 data[RECORD_MAX];
	uint32_t	 caplen, len;
	int		 linktype;
	struct timespec	 ts;
};

struct core {
	const struct config	*cf;
	struct watch		 w;
	struct sensor		*sensors[2];
	int			 nsensors;
	bool			 sensors_up;
	struct hook		 hook;
	struct timer		 deadline;
	struct sensor		*last_sensor;	/* of the last packet */
	struct trigger		 trigger;	/* of the start running or due */
	struct savefile		*savefile;	/* -w, or NULL */
	struct timer		 flushed;	/* a signal's stop, once heard */
	enum watch_input	 signalled;	/* WATCH_HANGUP or WATCH_EXIT */
};

static void	step(struct core *, enum watch_input, int64_t, bool);

static void
env_packet(struct env *e, const struct trigger *t)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	struct packet_info pi;
	const char *kw;

	if (!t->have_data)
		return;
	packet_decode(t->linktype, t->data, t->caplen, &pi);
	if (packet_addr(&pi, false, a, sizeof a) &&
	    packet_addr(&pi, true, b, sizeof b)) {
		env_set(e, "TUNINETD_SRC", "%s", a);
		env_set(e, "TUNINETD_DST", "%s", b);
	}
	if (pi.net == NET_ARP)
		env_set(e, "TUNINETD_PROTO", "arp");
	else if (pi.has_proto) {
		if ((kw = packet_proto_keyword(pi.proto)) != NULL)
			env_set(e, "TUNINETD_PROTO", "%s", kw);
		else
			env_set(e, "TUNINETD_PROTO", "%u", pi.proto);
	}
	if (pi.has_ports) {
		env_set(e, "TUNINETD_SPORT", "%u", pi.sport);
		env_set(e, "TUNINETD_DPORT", "%u", pi.dport);
	}
	if (pi.has_nflog && pi.nflog_prefix[0] != '\0')
		env_set(e, "TUNINETD_NFLOG_PREFIX", "%s", pi.nflog_prefix);
}

static void
env_sensor(struct env *e, const struct sensor *s)
{
	if (s == NULL)
		return;
	env_set(e, "TUNINETD_SENSOR", "%s", s->kind);
	if (strcmp(s->kind, "pcap") == 0)
		env_set(e, "TUNINETD_INTERFACE", "%s", pcap_sensor_ifname(s));
	else
		env_set(e, "TUNINETD_NFLOG_GROUP", "%d", nflog_sensor_group(s));
}

/* Spawn the hook first, log after: the time from packet to hook is what
 * users of on-demand services wait for. */
static int
run_hook(struct core *c, enum watch_action action, enum watch_reason reason,
    int64_t now)
{
	const char *event = action == WATCH_RUN_START ? "start" : "stop";
	struct env e;
	int r;

	if (env_init(&e, environ) == -1)
		fatal("hook environment");
	env_set(&e, "TUNINETD_EVENT", "%s", event);
	env_set(&e, "TUNINETD_PID", "%d", (int)getpid());
	env_set(&e, "TUNINETD_TTL", "%u", c->cf->ttl);
	env_set(&e, "TUNINETD_REASON", "%s", watch_reason_name(reason));
	if (action == WATCH_RUN_START) {
		env_sensor(&e, c->trigger.sensor);
		env_packet(&e, &c->trigger);
	} else {
		env_sensor(&e, c->last_sensor);
		env_set(&e, "TUNINETD_UP_SECONDS", "%lld",
		    (long long)((now - c->w.up_since) / NSEC_PER_SEC));
	}
	r = hook_start(&c->hook, event, &e);
	env_free(&e);
	return r;
}

static void
log_trigger(const struct trigger *t)
{
	struct packet_info pi;
	char line[256];

	if (!t->have_data)
		return;
	packet_decode(t->linktype, t->data, t->caplen, &pi);
	if (packet_net_line(&pi, line, sizeof line))
		log_info("|- %s", line);
	if (packet_link_line(&pi, line, sizeof line))
		log_info("|- %s", line);
}

static void
log_transition(struct core *c, const struct watch_step *st)
{
	const char *tag = c->trigger.sensor != NULL ?
	    c->trigger.sensor->tag : "CORE";

	if (st->from == WATCH_STARTING) {
		log_info("%s: start command done", tag);
		log_trigger(&c->trigger);
	} else if (st->from == WATCH_STOPPING)
		log_info("CORE: stop command done");
	if (st->to == WATCH_IDLE && st->from != WATCH_IDLE)
		log_info("CORE: standby, waiting for a packet");
}

/* systemd's view of the watch (systemctl status shows it) */
static void
notify_state(struct core *c, const struct watch_step *st)
{
	const struct sensor *s = c->trigger.sensor;

	switch (st->to) {
	case WATCH_IDLE:
		notify("STATUS=standby, waiting for a packet");
		break;
	case WATCH_STARTING:
		notify("STATUS=starting, on a packet from the %s sensor",
		    s != NULL ? s->kind : "?");
		break;
	case WATCH_UP:
		notify("STATUS=up, stop after %u s without a packet",
		    c->cf->ttl);
		break;
	case WATCH_STOPPING:
		notify("STATUS=stopping (%s)", watch_reason_name(st->reason));
		break;
	}
}

static void
sync_sensors_mode(struct core *c)
{
	bool up = watch_sensors_up(&c->w);
	int i;

	if (up == c->sensors_up)
		return;
	c->sensors_up = up;
	for (i = 0; i < c->nsensors; i++)
		c->sensors[i]->ops->set_mode(c->sensors[i],
		    up ? SENSOR_UP : SENSOR_IDLE);
}

static void
sync_deadline(struct core *c)
{
	int64_t due = -1;
	int i;

	if (watch_deadline(&c->w, &due))
		timer_set(&c->deadline, due);
	else
		timer_stop(&c->deadline);
	for (i = 0; i < c->nsensors; i++)
		c->sensors[i]->ops->deadline(c->sensors[i], due);
}

static void
step(struct core *c, enum watch_input in, int64_t now, bool keeps_up)
{
	struct watch_step st = watch_input(&c->w, in, now, keeps_up);
	const struct trigger *t = &c->trigger;
	int spawned = 0;

	if (st.action != WATCH_NOTHING)
		spawned = run_hook(c, st.action, st.reason, now);
	if (st.from != st.to) {
		log_transition(c, &st);
		notify_state(c, &st);
	}
	if (st.action == WATCH_RUN_START) {
		log_info("%s: executing START command...",
		    t->sensor != NULL ? t->sensor->tag : "CORE");
		if (c->savefile != NULL && t->have_data)
			savefile_write(c->savefile, t->linktype, &t->ts,
			    t->data, t->caplen, t->len);
	} else if (st.action == WATCH_RUN_STOP)
		log_info("CORE: executing STOP command...");
	sync_sensors_mode(c);
	sync_deadline(c);
	if (spawned == -1)	/* logged; the state moves on as after a failure */
		step(c, WATCH_HOOK_DONE, now_ns(), false);
	else if (watch_may_quit(&c->w))
		loop_quit(0);
}

static void
on_report(struct sensor *s, const struct sensor_packet *sp)
{
	struct core *c = s->owner;
	struct trigger *t = &c->trigger;
	bool fresh = c->w.state == WATCH_IDLE ||
	    (c->w.state == WATCH_STOPPING && !c->w.start_pending);

	if (fresh) {
		/* this packet fires the next start: keep it for the hook */
		t->sensor = s;
		t->have_data = sp->data != NULL;
		t->caplen = sp->caplen < RECORD_MAX ? sp->caplen : RECORD_MAX;
		t->len = sp->len;
		t->linktype = sp->linktype;
		t->ts = sp->ts;
		if (t->have_data)
			memcpy(t->data, sp->data, t->caplen);
	}
	if (fresh || sp->keeps_up || !c->w.ack_only)
		c->last_sensor = s;
	step(c, WATCH_PACKET, sp->when, sp->keeps_up);
}

static void
on_hook_done(struct hook *h)
{
	step(h->arg, WATCH_HOOK_DONE, now_ns(), false);
}

/* The sensors may hold news of a later packet: hear it before deciding. */
static void
sync_sensors(struct core *c)
{
	int i;

	for (i = 0; i < c->nsensors; i++)
		c->sensors[i]->ops->sync(c->sensors[i]);
}

static void
on_deadline(struct timer *t)
{
	struct core *c = t->arg;

	sync_sensors(c);
	step(c, WATCH_DEADLINE, now_ns(), false);
}

static void
log_line(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	log_info("%s", line);
}

static void
describe(struct core *c)
{
	const struct config *cf = c->cf;
	int64_t since;
	int i;

	sync_sensors(c);
	since = (now_ns() - c->w.last) / NSEC_PER_SEC;
	log_info("SIGUSR1 caught:");
	for (i = 0; i < c->nsensors; i++)
		c->sensors[i]->ops->describe(c->sensors[i], log_line);
	if (cf->ack_only)
		log_info("- using packets with tcp[ack] flag to reset TTL timer");
	if (cf->savefile != NULL)
		log_info("- file to dump start event packets (pcap format): %s",
		    cf->savefile);
	log_info("- event path: %s", cf->hook);
	log_info("- TTL: %u sec.", cf->ttl);
	log_info("- hook timeout: %u sec.%s", cf->hook_timeout,
	    cf->hook_timeout == 0 ? " (none)" : "");
	switch (c->w.state) {
	case WATCH_IDLE:
		log_info("- current status: standby (OFF)");
		break;
	case WATCH_STARTING:
		log_info("- current status: up (ON), start command running, "
		    "time since last captured packet: %lld sec.",
		    (long long)since);
		break;
	case WATCH_UP:
		log_info("- current status: up (ON), time since last captured "
		    "packet: %lld sec.", (long long)since);
		break;
	case WATCH_STOPPING:
		log_info("- current status: standby (OFF), stop command "
		    "running%s", c->w.start_pending ? ", start due after it" : "");
		break;
	}
}

/* SIGHUP and SIGTERM stop now, once the packets that already passed are
 * heard: a sensor that batches (NFLOG) may hold some for a few ms, and
 * the stop hook should know the last packet's sensor, not have it start
 * a cycle of its own after the stop. */
static void
on_flushed(struct timer *t)
{
	struct core *c = t->arg;

	sync_sensors(c);
	step(c, c->signalled, now_ns(), false);
}

static void
stop_now(struct core *c, enum watch_input in)
{
	int64_t grace = 0, g;
	int i;

	if (c->flushed.armed) {		/* already waiting: SIGTERM wins */
		if (in == WATCH_EXIT)
			c->signalled = in;
		return;
	}
	if (c->w.state == WATCH_UP)
		for (i = 0; i < c->nsensors; i++)
			if ((g = c->sensors[i]->ops->flush(c->sensors[i])) > grace)
				grace = g;
	c->signalled = in;
	if (grace > 0)
		timer_set(&c->flushed, now_ns() + grace);
	else
		on_flushed(&c->flushed);
}

void
core_signal(struct core *c, int signo)
{
	switch (signo) {
	case SIGHUP:
		if (c->w.state == WATCH_UP || c->w.state == WATCH_STARTING)
			log_info("CORE: SIGHUP caught, stopping now");
		stop_now(c, WATCH_HANGUP);
		break;
	case SIGUSR1:
		describe(c);
		break;
	case SIGTERM:
	case SIGINT:
		log_info("CORE: %s caught, exiting%s", signo == SIGTERM ?
		    "SIGTERM" : "SIGINT", c->w.state == WATCH_STARTING ?
		    " once the start command is done" : "");
		stop_now(c, WATCH_EXIT);
		break;
	}
}


struct core *
core_new(const struct config *cf, struct sensor **sensors, int n,
    struct savefile *savefile)
{
	struct core *c;
	int i;

	if ((c = calloc(1, sizeof *c)) == NULL)
		fatal("calloc");
	c->cf = cf;
	c->savefile = savefile;
	watch_init(&c->w, (int64_t)cf->ttl * NSEC_PER_SEC, cf->ack_only);
	hook_init(&c->hook, NULL, cf->hook, cf->hook_timeout, on_hook_done, c);
	c->deadline = (struct timer){ .cb = on_deadline, .arg = c };
	c->flushed = (struct timer){ .cb = on_flushed, .arg = c };
	for (i = 0; i < n && i < 2; i++) {
		c->sensors[i] = sensors[i];
		sensors[i]->owner = c;
		sensors[i]->report = on_report;
		sensors[i]->ttl = c->w.ttl;
	}
	c->nsensors = i;
	return c;
}

int
core_start(struct core *c)
{
	int i;

	for (i = 0; i < c->nsensors; i++)
		if (c->sensors[i]->ops->start(c->sensors[i]) == -1)
			return -1;
	return 0;
}

void
core_free(struct core *c)
{
	int i;

	for (i = 0; i < c->nsensors; i++)
		c->sensors[i]->ops->close(c->sensors[i]);
	timer_stop(&c->deadline);
	timer_stop(&c->flushed);
	hook_free(&c->hook);
	free(c);
}
