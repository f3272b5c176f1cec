/*
 * watch_show.c: what a watch says of itself: the SIGUSR1 block (the
 * original's lines), systemd's status line, and what tuninetctl shows
 * (watch_info, watch_why). It reads the watch; it changes nothing but
 * the sensors' news, heard first.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "loop.h"
#include "packet.h"
#include "sensor.h"
#include "watch_int.h"

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

/* the time of the last packet that moved the deadline, or fsm.last
 * when none has (a start by control, or adopted) */
static int64_t
last_packet(const struct watch *w)
{
	return w->nmoved > 0 ? w->moved_when[(w->nmoved - 1) % WHY_MAX] :
	    w->fsm.last;
}

void
watch_describe(struct watch *w)
{
	const struct watch_conf *wc = w->conf;
	int64_t since;
	int i;

	watch_sync(w);
	/* a packet's time, not that of open connections seen */
	since = (now_ns() - last_packet(w)) / NSEC_PER_SEC;
	if (wc->name != NULL)
		log_info("- watch: %s", wc->name);
	for (i = 0; i < w->nsensors; i++)
		w->sensors[i]->ops->describe(w->sensors[i], log_line);
	if (wc->ack_only)
		log_info("- using packets with tcp[ack] flag to reset TTL timer");
	if (wc->savefile != NULL)
		log_info("- file to dump start event packets (pcap format): %s",
		    wc->savefile);
	log_info("- event path: %s", wc->hook);
	log_info("- TTL: %u sec.", wc->ttl);
	log_info("- hook timeout: %u sec.%s", wc->hook_timeout,
	    wc->hook_timeout == 0 ? " (none)" : "");
	/* the original's two status lines, word for word (log watchers
	 * match them); what a running hook adds comes on a line of its own */
	if (w->fsm.state == FSM_IDLE || w->fsm.state == FSM_STOPPING)
		log_info("- current status: standby (OFF)");
	else
		log_info("- current status: up (ON), time since last captured "
		    "packet: %lld sec.", (long long)since);
	if (w->fsm.state == FSM_STARTING)
		log_info("- start command running");
	else if (w->fsm.state == FSM_STOPPING)
		log_info("- stop command running%s", w->fsm.start_pending ?
		    ", start due after it" : "");
	if (w->fsm.held)
		log_info("- held: packets start nothing (tuninetctl release)");
}

/* What systemd's status line says of it. */
void
watch_status(const struct watch *w, char *buf, size_t len)
{
	const struct sensor *s = w->trigger.sensor;
	const char *why;
	int i;

	switch (w->fsm.state) {
	case FSM_IDLE:
		for (i = 0; i < w->nsensors; i++)
			if (w->sensors[i]->ops->waiting != NULL &&
			    (why = w->sensors[i]->ops->waiting(
			    w->sensors[i])) != NULL) {
				snprintf(buf, len, "standby, %s", why);
				return;
			}
		snprintf(buf, len, "standby, waiting for a packet");
		break;
	case FSM_STARTING:
		if (w->started_by == REASON_PACKET && s != NULL)
			snprintf(buf, len, "starting, on a packet from the %s "
			    "sensor", s->ops->kind);
		else
			snprintf(buf, len, "starting (%s)",
			    fsm_reason_name(w->started_by));
		break;
	case FSM_UP:
		snprintf(buf, len, "up, stop after %u s without a packet",
		    w->conf->ttl);
		break;
	case FSM_STOPPING:
		snprintf(buf, len, "stopping (%s)",
		    fsm_reason_name(w->stop_reason));
		break;
	}
}

static int64_t
real(int64_t t)
{
	return t != 0 ? loop_to_realtime(t) : 0;
}

void
watch_info(const struct watch *w, struct watch_info *in)
{
	const struct trigger *t = &w->trigger;
	struct session_counts sc;
	struct sensor_counts c;
	struct packet_info pi;
	char label[64];
	int64_t due;
	size_t len;
	int i, last;

	memset(in, 0, sizeof *in);
	in->name = watch_display_name(w);
	/* made by a reload, it waits for the stop of the one it replaces */
	in->state = w->started ? fsm_state_name(&w->fsm) : "waiting";
	in->held = w->fsm.held;
	in->since = real(w->since);
	in->stats = &w->stats;
	in->up_ns = w->stats.up_ns;
	if (w->fsm.state != FSM_IDLE) {
		in->up_since = real(w->fsm.up_since);
		in->up_ns += now_ns() - w->fsm.up_since;
		in->started_by = fsm_reason_name(w->started_by);
	}
	if (w->nmoved > 0 || w->fsm.state != FSM_IDLE)
		in->last_moved = real(w->fsm.last);
	in->by_connections = w->by_connections && w->fsm.state != FSM_IDLE;
	if (w->by_connections)
		in->connections_seen = real(w->connections_at);
	if (w->nmoved > 0) {
		last = w->moved_sensor[(w->nmoved - 1) % WHY_MAX];
		in->last_packet = real(last_packet(w));
		if (last < w->nsensors)
			in->last_sensor = w->sensors[last]->ops->kind;
	}
	if (fsm_deadline(&w->fsm, &due))
		in->deadline = real(due);
	in->failures = w->fsm.failures;
	if (w->fsm.state == FSM_IDLE && w->fsm.not_before > now_ns())
		in->backoff_until = real(w->fsm.not_before);
	in->sessions = in->sessions_up = in->sessions_refused = -1;
	if (w->sessions != NULL) {
		(void)watch_sessions_list(w, NULL, 0, &sc);
		in->sessions = (long)sc.count;
		in->sessions_up = (long)sc.up;
		in->sessions_refused = (long)sc.refused;
	}
	in->counts = (struct sensor_counts){ -1, -1, -1, -1 };
	for (i = 0; i < w->nsensors; i++) {
		w->sensors[i]->ops->label(w->sensors[i], label, sizeof label);
		len = strlen(in->sensors);
		snprintf(in->sensors + len, sizeof in->sensors - len, "%s%s",
		    i > 0 ? ", " : "", label);
		if (w->sensors[i]->ops->counts == NULL)
			continue;
		c = (struct sensor_counts){ -1, -1, -1, -1 };
		w->sensors[i]->ops->counts(w->sensors[i], &c);
		if (c.held >= 0)
			in->counts.held = c.held;
		if (c.dropped >= 0)
			in->counts.dropped = c.dropped;
		if (c.gone >= 0)
			in->counts.gone = c.gone;
		if (c.connections >= 0)
			in->counts.connections = c.connections;
	}
	if (t->sensor == NULL)
		return;
	in->have_trigger = true;
	in->trigger_sensor = t->sensor->ops->kind;
	in->trigger_time = (int64_t)t->ts.tv_sec * NSEC_PER_SEC + t->ts.tv_nsec;
	if (!t->have_data) {
		snprintf(in->trigger, sizeof in->trigger, "a packet seen by "
		    "the %s sensor, not kept", t->sensor->ops->kind);
		return;
	}
	packet_decode(t->linktype, t->data, t->caplen, &pi);
	packet_summary(&pi, t->len, in->trigger, sizeof in->trigger);
	packet_fields(&pi, &in->fields);
}

/* The packets that moved the deadline, newest first. */
int
watch_why(const struct watch *w, struct watch_moved *out, int max)
{
	unsigned k, n = w->nmoved < WHY_MAX ? w->nmoved : WHY_MAX;
	const struct sensor *s;
	int i = 0;

	for (k = 0; k < n && i < max; k++, i++) {
		unsigned at = (w->nmoved - 1 - k) % WHY_MAX;

		out[i].when = loop_to_realtime(w->moved_when[at]);
		if (w->moved_sensor[at] >= w->nsensors) {
			snprintf(out[i].sensor, sizeof out[i].sensor,
			    "an earlier tuninetd (state file)");
			continue;
		}
		s = w->sensors[w->moved_sensor[at]];
		if (w->moved_keepalive[at] && s->ops->keepalive_label != NULL)
			s->ops->keepalive_label(s, out[i].sensor,
			    sizeof out[i].sensor);
		else
			s->ops->label(s, out[i].sensor, sizeof out[i].sensor);
	}
	return i;
}

/* dns-keep: the addresses its sensors keep it up with now */
int
watch_kept(const struct watch *w, struct sensor_kept *out, int max)
{
	int i, n = 0;

	for (i = 0; i < w->nsensors && n < max; i++)
		if (w->sensors[i]->ops->kept != NULL)
			n += w->sensors[i]->ops->kept(w->sensors[i], out + n,
			    max - n);
	return n;
}
