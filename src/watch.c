/*
 * watch.c: one watch at work. Sensors report packets, the state machine
 * (fsm.c) decides, and this file carries its decisions out: it is the
 * only caller of hook_start, it logs every transition, it keeps the
 * sensors in the mode the state needs and the deadline timer where the
 * state machine puts it. It never ends the process: it tells its owner
 * (the daemon) of each transition, and the owner decides. What it says
 * of itself (SIGUSR1, systemd's status, tuninetctl) is watch_show.c's.
 *
 * Log lines keep the original's words: "PCAP: start command done" (then
 * the trigger packet, "|- ..."), "CORE: executing STOP command...". A
 * watch with a name (config mode) starts each of its lines with it.
 *
 * Time: a stop decided "now" (deadline, signal) takes its time before the
 * sensors are asked for what they still hold, so that a packet they see
 * after that question is a packet of the next cycle, never lost between
 * the two.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "dns.h"
#include "hook.h"
#include "log.h"
#include "loop.h"
#include "packet.h"
#include "savefile.h"
#include "sensor.h"
#include "stats.h"
#include "watch.h"
#include "watch_int.h"

static void	step(struct watch *, enum fsm_input, int64_t, bool);
static void	on_hook_done(struct hook *);

/* a watch's settings, as the state machine takes them */
struct fsm_conf
watch_timing(const struct watch_conf *wc)
{
	return (struct fsm_conf){ .ttl = (int64_t)wc->ttl * NSEC_PER_SEC,
	    .holdoff = (int64_t)wc->holdoff * NSEC_PER_SEC,
	    .min_up = (int64_t)wc->min_up * NSEC_PER_SEC,
	    .max_up = (int64_t)wc->max_up * NSEC_PER_SEC,
	    .ack_only = wc->ack_only, .strict_start = wc->strict_start };
}

static void
sync_sensors_mode(struct watch *w)
{
	static const enum sensor_mode modes[] = {
		[LISTEN_FIRST] = SENSOR_IDLE, [LISTEN_PENDING] = SENSOR_STARTING,
		[LISTEN_UP] = SENSOR_UP,
	};
	enum sensor_mode mode = modes[fsm_listen(&w->fsm)];
	int i;

	if (mode == w->sensor_mode)
		return;
	w->sensor_mode = mode;
	for (i = 0; i < w->nsensors; i++)
		w->sensors[i]->ops->set_mode(w->sensors[i], mode);
}

static void
sync_deadline(struct watch *w)
{
	int64_t due = -1;
	int i;

	if (fsm_deadline(&w->fsm, &due))
		timer_set(&w->deadline, due);
	else
		timer_stop(&w->deadline);
	for (i = 0; i < w->nsensors; i++)
		if (w->sensors[i]->ops->deadline != NULL)
			w->sensors[i]->ops->deadline(w->sensors[i], due);
}

void
watch_save_trigger(struct watch *w, const struct trigger *t)
{
	if (w->savefile != NULL && t->have_data)
		savefile_write(w->savefile, t->linktype, &t->ts, t->data,
		    t->caplen, t->len);
}

/* A hook run, counted; one that could not be spawned is a failure (on
 * its end), not a run. */
static void
count_hook(struct watch *w, const struct fsm_step *st, bool spawned)
{
	const struct trigger *t = &w->trigger;

	w->hook_reason = st->reason;
	if (st->action == FSM_RUN_STOP)
		w->stop_up_since = w->fsm.up_since;	/* before a restart */
	if (!spawned)
		return;
	if (st->action == FSM_RUN_START) {
		w->stats.starts++;
		if (st->reason == REASON_PACKET && t->sensor != NULL &&
		    w->hook.result.started >= t->when)
			hist_add(&w->stats.start_latency,
			    (double)(w->hook.result.started - t->when) /
			    NSEC_PER_SEC);
	} else
		w->stats.stops[st->reason]++;
}

static void
persist_now(struct watch *w)
{
	timer_stop(&w->persist);
	if (w->owner.persist != NULL)
		w->owner.persist(w, w->owner.arg);
}

static void
on_persist(struct timer *t)
{
	persist_now(t->arg);
}

static int
sensor_index(const struct watch *w, const struct sensor *s)
{
	int i;

	for (i = 0; i < w->nsensors; i++)
		if (w->sensors[i] == s)
			return i;
	return 0;
}

/* A packet moved the deadline: remembered for `tuninetctl why', as the
 * sensors reported it (in up mode, its time and its sensor). */
static void
moved(struct watch *w, uint8_t sensor, bool keepalive)
{
	w->moved_when[w->nmoved % WHY_MAX] = w->fsm.last;
	w->moved_sensor[w->nmoved % WHY_MAX] = sensor;
	w->moved_keepalive[w->nmoved % WHY_MAX] = keepalive;
	w->nmoved++;
	w->last_seen = w->fsm.last;
	w->by_connections = false;
}

/* What a step of the state machine asks for: the hook, the log lines,
 * the sensors' mode, the deadline; and the owner told of it (not for a
 * mere packet, the hot path). sp: the packet reported, or NULL. */
static void
carry_out(struct watch *w, struct fsm_step st, const struct sensor_packet *sp)
{
	/* of the hook that ended: the one this step may start resets it */
	bool ended_ok = hook_result_ok(&w->hook.result);
	bool packet = sp != NULL, tell = !packet;
	int64_t now = st.now;
	int spawned = 0;

	/* A stop: sensors go back to reporting the next packet first, so
	 * that one passing while the hook spawns starts the next cycle. */
	if (st.action == FSM_RUN_STOP)
		sync_sensors_mode(w);
	/* a start no packet fired has no packet to tell the hook of: not
	 * the one of an earlier cycle */
	if (st.action == FSM_RUN_START && st.reason != REASON_PACKET) {
		w->trigger.sensor = NULL;
		w->trigger.have_data = false;
		w->last_sensor = NULL;
	}
	if (st.action == FSM_RUN_START)
		w->started_by = st.reason;
	if (st.action != FSM_NOTHING) {
		spawned = watch_run_hook(w, st.action, st.reason, now);
		count_hook(w, &st, spawned == 0);
	}
	if (st.from != st.to) {
		watch_log_transition(w, &st, ended_ok);
		if (st.from == FSM_STOPPING)
			w->stats.up_ns += now - w->stop_up_since;
		w->since = now;
	}
	if (st.action == FSM_RUN_START) {
		watch_log(w, log_info, "%s: executing START command...",
		    watch_trigger_tag(w));
		watch_save_trigger(w, &w->trigger);
	} else if (st.action == FSM_RUN_STOP) {
		watch_log(w, log_info, "CORE: executing STOP command...");
		watch_log_stop_notes(w);
		w->stop_reason = st.reason;
	}
	if (spawned == -1)
		watch_log(w, log_warnx, "%s command `%s' cannot run: %s",
		    st.action == FSM_RUN_START ? "start" : "stop", w->conf->hook,
		    w->hook.result.why);
	sync_sensors_mode(w);
	sync_deadline(w);
	/* a control start moves the deadline too; only packets are listed,
	 * and open connections are told apart from them */
	if (packet && w->fsm.last != w->last_seen) {
		if (sp->kind == REPORT_CONNECTIONS) {
			w->by_connections = true;
			w->connections_at = w->fsm.last;
		} else if (sp->kind == REPORT_PACKET)
			moved(w, (uint8_t)sensor_index(w, w->last_sensor),
			    sp->keepalive);
	}
	w->last_seen = w->fsm.last;
	if (spawned == -1) {
		/* logged; the state moves on as after a failure, and that
		 * step tells the owner */
		on_hook_done(&w->hook);
		return;
	}
	if (st.from != st.to || tell) {
		if (w->owner.changed != NULL)
			w->owner.changed(w, w->owner.arg);
		persist_now(w);
	} else if (!w->persist.armed && w->owner.persist != NULL &&
	    w->fsm.state != FSM_IDLE)	/* the state file, once a second */
		timer_set(&w->persist, now_ns() + NSEC_PER_SEC);
}

/* What a sensor holds for a start that will not come any more is
 * dropped now, saying what cancelled it, not left to a later start. */
static void
no_start(struct watch *w, enum fsm_input in)
{
	const char *why = in == FSM_CONTROL_STOP ? "tuninetctl stop "
	    "cancelled the start they were held for" : in == FSM_HOLD ?
	    "the watch was put on hold" : in == FSM_HANGUP ? "SIGHUP "
	    "cancelled the start they were held for" : "no start is coming";
	int i;

	for (i = 0; i < w->nsensors; i++)
		if (w->sensors[i]->ops->no_start != NULL)
			w->sensors[i]->ops->no_start(w->sensors[i], why);
}

static void
step(struct watch *w, enum fsm_input in, int64_t now, bool keeps_up)
{
	bool coming = fsm_start_coming(&w->fsm);
	struct fsm_step st = fsm_input(&w->fsm, in, now, keeps_up);

	/* before the sensors change mode (a hold's would let them go): a
	 * hook's end tells the sensors itself (start_done); on exit or a
	 * reload, what is held goes with the sensor, to a watch that
	 * replaces it or not */
	if (coming && !fsm_start_coming(&w->fsm) && w->fsm.state != FSM_UP &&
	    in != FSM_HOOK_DONE && in != FSM_HOOK_FAILED && in != FSM_EXIT &&
	    in != FSM_RELOAD)
		no_start(w, in);
	carry_out(w, st, NULL);
}

/* The trigger's bytes, data NULL: none; a thousand watches keep what
 * their triggers need, no more. */
void
watch_trigger_keep(struct trigger *t, const uint8_t *data, uint32_t caplen)
{
	t->have_data = data != NULL;
	t->caplen = caplen < RECORD_MAX ? caplen : RECORD_MAX;
	if (!t->have_data)
		return;
	if (t->caplen > t->room) {
		if ((t->data = realloc(t->data, t->caplen)) == NULL)
			fatal("realloc");
		t->room = t->caplen;
	}
	memcpy(t->data, data, t->caplen);
}

/* --dns-name: whether a packet is a query for one of the watch's names;
 * what is not is counted, by why, if it would have started the watch */
static bool
dns_wanted(struct watch *w, const uint8_t *data, uint32_t caplen,
    int linktype, bool would_start)
{
	struct packet_info pi;
	struct dns_query q;
	enum dns_kind k;

	if (data == NULL)
		return false;
	packet_decode(linktype, data, caplen, &pi);
	if ((k = dns_query_of(&pi, &q)) == DNS_QUERY &&
	    dns_match(w->conf->dns_names, q.name))
		return true;
	if (would_start)
		w->stats.dns_ignored[k == DNS_QUERY ? DNS_OTHER : k]++;
	return false;
}

/* Retired by a reload, its stop begun: a packet now would have started
 * it again, and starts the watch that replaces it instead. */
static bool
owes_start(const struct watch *w, int64_t when)
{
	return w->retired && w->owed == REASON_NONE &&
	    fsm_would_trigger(&w->fsm, when);
}

/* the sensors that choose what to hold (NFQUEUE) or to report whole
 * (pcap) ask first */
static bool
on_wants(struct sensor *s, const uint8_t *data, uint32_t caplen,
    int linktype)
{
	struct watch *w = s->owner;
	int64_t now = now_ns();

	return dns_wanted(w, data, caplen, linktype,
	    fsm_is_trigger(&w->fsm, now) || owes_start(w, now));
}

static void
on_report(struct sensor *s, const struct sensor_packet *sp)
{
	struct watch *w = s->owner;
	struct trigger *t = &w->trigger;
	bool fresh, owes;

	if (w->sessions != NULL) {
		watch_session_report(w, s, sp);
		return;
	}
	fresh = fsm_is_trigger(&w->fsm, sp->when);
	owes = !fresh && owes_start(w, sp->when);
	/* with DNS names, only a query for one starts it (or owes its
	 * successor a start); while it is up, every packet keeps it up as
	 * without */
	if ((fresh || owes) && w->conf->dns_names != NULL &&
	    sp->kind == REPORT_PACKET && !dns_wanted(w, sp->data, sp->caplen,
	    sp->linktype, true))
		return;
	if (owes) {
		w->owed = REASON_PACKET;
		fresh = true;
	}
	if (fresh) {
		/* this packet fires the next start: keep it for the hook */
		t->sensor = s;
		t->when = sp->when;
		t->len = sp->len;
		t->linktype = sp->linktype;
		t->ts = sp->ts;
		watch_trigger_keep(t, sp->data, sp->caplen);
	}
	/* a wait for a sensor's answer is no activity of its own */
	if ((fresh || sp->keeps_up || !w->conf->ack_only) &&
	    sp->kind != REPORT_WAIT)
		w->last_sensor = s;
	carry_out(w, fsm_input(&w->fsm, FSM_PACKET, sp->when, sp->keeps_up),
	    sp);
}

static void
on_hook_done(struct hook *h)
{
	struct watch *w = h->arg;
	bool ok = hook_result_ok(&h->result);
	int event = w->fsm.state == FSM_STARTING ? HOOK_START : HOOK_STOP;
	int i;

	if (!ok)
		w->stats.hook_failures[event]++;
	if (h->result.spawned)
		hist_add(&w->stats.hook_duration[event],
		    (double)(h->result.ended - h->result.started) / NSEC_PER_SEC);
	if (w->owner.hook_done != NULL)
		w->owner.hook_done(w, event == HOOK_START ? "start" : "stop",
		    w->hook_reason, &h->result, w->owner.arg);

	if (w->fsm.state == FSM_STARTING)
		for (i = 0; i < w->nsensors; i++)
			if (w->sensors[i]->ops->start_done != NULL)
				w->sensors[i]->ops->start_done(w->sensors[i], ok);
	step(w, ok ? FSM_HOOK_DONE : FSM_HOOK_FAILED, now_ns(), false);
}

/* The sensors may hold news of a later packet: hear it before deciding. */
void
watch_sync(struct watch *w)
{
	int i;

	for (i = 0; i < w->nsensors; i++)
		w->sensors[i]->ops->sync(w->sensors[i]);
}

static void
on_deadline(struct timer *t)
{
	struct watch *w = t->arg;
	int64_t now = now_ns();

	watch_sync(w);
	step(w, FSM_DEADLINE, now, false);
}

/* SIGHUP and SIGTERM stop now, once the packets that already passed are
 * heard: a sensor that batches (NFLOG) may hold some for a few ms, and
 * the stop hook should know the last packet's sensor, not have it start
 * a cycle of its own after the stop. */
static void
on_flushed(struct timer *t)
{
	struct watch *w = t->arg;
	int64_t now = now_ns();

	watch_sync(w);
	step(w, w->signalled, now, false);
}

static void
stop_now(struct watch *w, enum fsm_input in)
{
	int64_t grace = 0, g;
	int i;

	if (w->sessions != NULL)
		watch_sessions_input(w, in);

	if (w->flushed.armed) {		/* already waiting: SIGTERM wins */
		if (in == FSM_EXIT || in == FSM_RELOAD)
			w->signalled = in;
		return;
	}
	if (fsm_listen(&w->fsm) != LISTEN_FIRST)	/* batching */
		for (i = 0; i < w->nsensors; i++)
			if (w->sensors[i]->ops->flush != NULL &&
			    (g = w->sensors[i]->ops->flush(w->sensors[i])) > grace)
				grace = g;
	w->signalled = in;
	if (grace > 0)
		timer_set(&w->flushed, now_ns() + grace);
	else
		on_flushed(&w->flushed);
}

void
watch_stop_now(struct watch *w)
{
	if (w->fsm.state == FSM_UP || w->fsm.state == FSM_STARTING)
		watch_log(w, log_info, "CORE: SIGHUP caught, stopping now");
	else if (w->fsm.state == FSM_STOPPING)
		watch_log(w, log_info, "CORE: SIGHUP caught; the stop command runs "
		    "already%s", w->fsm.start_pending ? ", and no start follows "
		    "it now" : "");
	else
		watch_log(w, log_info, "CORE: SIGHUP caught; standby, nothing to "
		    "stop%s", w->fsm.start_due ? " (the start due is cancelled)" :
		    "");
	stop_now(w, FSM_HANGUP);
}

void
watch_exit(struct watch *w)
{
	stop_now(w, FSM_EXIT);
}

/* A reload removed or changed it: stop if up (reason reload), start no
 * more; the owner frees it once watch_done. A start it had coming is
 * owed to the watch that replaces it (watch_inherit). */
void
watch_retire(struct watch *w)
{
	w->owed = fsm_start_owed(&w->fsm);
	w->retired = true;
	stop_now(w, FSM_RELOAD);
}

/* w replaces from (the same name), which a reload retired and which has
 * ended: a hold goes on, the counters count on, and so does the start it
 * owes. w has not started yet. */
void
watch_inherit(struct watch *w, const struct watch *from)
{
	if (from->fsm.held)
		(void)fsm_input(&w->fsm, FSM_HOLD, now_ns(), true);
	w->stats = from->stats;
	watch_inherit_start(w, from);
}

/* w takes over what from had (its name, a queue, a prefix): the start
 * from owed (a packet came while it stopped) is w's first, unless w is
 * held. w has not started yet. */
void
watch_inherit_start(struct watch *w, const struct watch *from)
{
	const struct trigger *ft = &from->trigger;
	struct trigger *t = &w->trigger;
	int i;

	if (from->owed == REASON_NONE || w->fsm.held || w->owed != REASON_NONE)
		return;
	w->owed = from->owed;
	if (from->owed != REASON_PACKET)
		return;
	t->sensor = NULL;
	t->when = ft->when;
	t->len = ft->len;
	t->linktype = ft->linktype;
	t->ts = ft->ts;
	watch_trigger_keep(t, ft->have_data ? ft->data : NULL, ft->caplen);
	/* its sensor of the same kind, if it has one */
	for (i = 0; i < w->nsensors && ft->sensor != NULL; i++)
		if (w->sensors[i]->ops == ft->sensor->ops)
			t->sensor = w->sensors[i];
}

/* A reload changed only settings applied in place (conf.h): the cycle
 * under way goes on under wc, which w takes, with its deadline
 * recomputed; no hook runs. Logged with the keys that changed. */
void
watch_tune(struct watch *w, struct watch_conf *wc)
{
	uint32_t diff = watch_conf_diff(w->conf, wc);
	struct fsm_conf fc;
	char keys[512] = "";
	size_t len;
	int i;

	for (i = 0; watch_settings[i].key != NULL; i++)
		if (diff & 1u << i) {
			len = strlen(keys);
			snprintf(keys + len, sizeof keys - len, "%s%s",
			    len > 0 ? ", " : "", watch_settings[i].key);
		}
	fc = watch_timing(wc);
	fsm_tune(&w->fsm, &fc);
	hook_set_timeout(&w->hook, wc->hook_timeout);
	watch_conf_free(w->conf);
	w->conf = wc;
	for (i = 0; i < w->nsensors; i++) {
		w->sensors[i]->ttl = (int64_t)wc->ttl * NSEC_PER_SEC;
		w->sensors[i]->watch = wc->name;
		if (w->sensors[i]->ops->tune != NULL)
			w->sensors[i]->ops->tune(w->sensors[i], wc);
	}
	if (w->sessions != NULL)
		watch_sessions_tune(w);
	watch_log(w, log_info, "CORE: reloaded in place (%s changed); the %s goes "
	    "on", keys, w->fsm.state == FSM_IDLE ? "standby" : "cycle");
	sync_deadline(w);
	if (w->owner.changed != NULL)
		w->owner.changed(w, w->owner.arg);
	persist_now(w);
}

const struct watch_conf *
watch_conf(const struct watch *w)
{
	return w->conf;
}

/* Exiting, and nothing of it runs: no hook, no stop due. */
bool
watch_done(const struct watch *w)
{
	return fsm_may_quit(&w->fsm) && !w->flushed.armed &&
	    (w->sessions == NULL || watch_sessions_done(w));
}

enum fsm_state
watch_state(const struct watch *w)
{
	return w->fsm.state;
}

const char *
watch_name(const struct watch *w)
{
	return w->conf->name;
}

const char *
watch_display_name(const struct watch *w)
{
	return w->conf->name != NULL ? w->conf->name : "default";
}

/* tuninetctl start, stop, hold, release: 0, or -1 with why it changes
 * nothing. */
int
watch_control(struct watch *w, enum fsm_input in, char *why, size_t len)
{
	bool hold = in == FSM_HOLD || in == FSM_RELEASE;

	/* a hold goes on to the watch a reload makes to replace this one */
	if (w->fsm.exiting && !(hold && w->retired)) {
		snprintf(why, len, "%s is going away (the daemon exits, or a "
		    "reload removed or changed it)", watch_display_name(w));
		return -1;
	}
	if (!w->started && !hold) {
		snprintf(why, len, "%s waits for the stop of the watch it "
		    "replaces (a reload)", watch_display_name(w));
		return -1;
	}
	if (w->sessions != NULL && (in == FSM_CONTROL_START ||
	    in == FSM_CONTROL_STOP)) {
		if (in == FSM_CONTROL_START) {
			snprintf(why, len, "%s has sessions: each starts on its "
			    "client's first packet", watch_display_name(w));
			return -1;
		}
		watch_log(w, log_info, "CORE: stop asked for (control): every "
		    "session");
		watch_sessions_input(w, in);
		return 0;
	}
	switch (in) {
	case FSM_CONTROL_START:
		if (w->fsm.state == FSM_STARTING || w->fsm.state == FSM_UP) {
			snprintf(why, len, "%s is %s already", watch_display_name(w),
			    fsm_state_name(&w->fsm));
			return -1;
		}
		watch_log(w, log_info, "CORE: start asked for (control)");
		step(w, in, now_ns(), true);
		return 0;
	case FSM_CONTROL_STOP:
		if (w->fsm.state == FSM_IDLE) {
			snprintf(why, len, "%s is %s already", watch_display_name(w),
			    fsm_state_name(&w->fsm));
			return -1;
		}
		watch_log(w, log_info, "CORE: stop asked for (control)");
		stop_now(w, in);
		return 0;
	case FSM_HOLD:
	case FSM_RELEASE:
		if (w->fsm.held == (in == FSM_HOLD)) {
			snprintf(why, len, "%s is %s", watch_display_name(w),
			    in == FSM_HOLD ? "held already" : "not held");
			return -1;
		}
		watch_log(w, log_info, "CORE: %s (control): packets %s", in ==
		    FSM_HOLD ? "held" : "released", in == FSM_HOLD ?
		    "start nothing" : "start it again");
		w->since = now_ns();
		if (!w->started) {	/* its sensors join in its mode */
			(void)fsm_input(&w->fsm, in, w->since, true);
			return 0;
		}
		if (in == FSM_HOLD && w->owed != REASON_NONE) {
			/* retired: the start it owed will not come */
			w->owed = REASON_NONE;
			no_start(w, in);
		}
		step(w, in, w->since, true);
		return 0;
	default:
		snprintf(why, len, "not a control");
		return -1;
	}
}

/* A state file's times (CLOCK_REALTIME ns) as the loop's clock, from a
 * file of a clock set back, or not to be trusted, too: within
 * [up_since, now], so that no sum overflows. */
void
watch_adopted_times(int64_t *up_since, int64_t *last, int64_t now)
{
	int64_t nowr = loop_to_realtime(now);

	if (*up_since > nowr || *up_since < 0)
		*up_since = nowr;
	if (*last > nowr)
		*last = nowr;
	if (*last < *up_since)
		*last = *up_since;
	*up_since = now - (nowr - *up_since);
	*last = now - (nowr - *last);
}

/* What a watch or a session taken over says (loop clock times): st, the
 * adoption's step, stops it, or its stop is due. */
void
watch_adopted_words(char *buf, size_t len, const struct fsm_step *st,
    int64_t up_since, int64_t due, int64_t now)
{
	if (st->action == FSM_RUN_STOP)
		snprintf(buf, len, "adopted from the state file: up since %lld s "
		    "ago, its deadline passed: stopping",
		    (long long)((now - up_since) / NSEC_PER_SEC));
	else
		snprintf(buf, len, "adopted from the state file: up since %lld s "
		    "ago, stop due in %lld s unless packets come",
		    (long long)((now - up_since) / NSEC_PER_SEC),
		    (long long)((due - now) / NSEC_PER_SEC));
}

/* A restarted daemon takes over a watch its state file says was up (times
 * CLOCK_REALTIME ns): no start hook; the stop at the saved last packet +
 * TTL, or at once (reason recovered) if that has passed. */
void
watch_adopt(struct watch *w, int64_t up_since, int64_t last, bool stopping)
{
	int64_t now = now_ns();
	struct fsm_step st;
	char words[128];

	watch_adopted_times(&up_since, &last, now);
	st = fsm_adopt(&w->fsm, up_since, last, stopping, now);
	moved(w, MOVED_EARLIER, false);
	watch_adopted_words(words, sizeof words, &st, up_since,
	    w->fsm.last + w->fsm.conf.ttl, now);
	watch_log(w, st.action == FSM_RUN_STOP ? log_warnx : log_notice,
	    "CORE: %s", words);
	st.from = FSM_IDLE;
	w->started_by = REASON_RECOVERED;
	carry_out(w, st, NULL);
}

/* The state file says it was held when the daemon last ended: it is
 * held again, until tuninetctl release. */
void
watch_restore_hold(struct watch *w)
{
	if (w->fsm.held)
		return;
	watch_log(w, log_notice, "CORE: held, as it was before the restart: "
	    "packets start nothing (tuninetctl release)");
	step(w, FSM_HOLD, now_ns(), true);
}

struct watch *
watch_new(struct watch_conf *wc, struct sensor **sensors, int n,
    struct savefile *savefile, const struct watch_owner *owner)
{
	struct fsm_conf fc;
	struct watch *w;
	int i;

	if ((w = calloc(1, sizeof *w)) == NULL)
		fatal("calloc");
	w->conf = wc;
	w->owner = *owner;
	w->savefile = savefile;
	fc = watch_timing(wc);
	fsm_init(&w->fsm, &fc);
	hook_init(&w->hook, wc->name, wc->hook, wc->hook_timeout, on_hook_done, w);
	w->deadline = (struct timer){ .cb = on_deadline, .arg = w };
	w->flushed = (struct timer){ .cb = on_flushed, .arg = w };
	w->persist = (struct timer){ .cb = on_persist, .arg = w };
	w->since = now_ns();
	w->sensor_mode = SENSOR_IDLE;
	for (i = 0; i < n && i < SENSORS_MAX; i++) {
		w->sensors[i] = sensors[i];
		sensors[i]->owner = w;
		sensors[i]->watch = wc->name;
		sensors[i]->report = on_report;
		if (wc->dns_names != NULL)
			sensors[i]->wants = on_wants;
	}
	w->nsensors = i;
	if (wc->session != SESSION_NONE)
		watch_sessions_init(w);
	return w;
}

/* The sensors join the loop, in the mode the state wants (a watch a
 * reload made may have inherited a hold); a start it was owed runs. */
int
watch_start(struct watch *w)
{
	int i;

	for (i = 0; i < w->nsensors; i++)
		if (w->sensors[i]->ops->start(w->sensors[i]) == -1)
			return -1;
	w->started = true;
	sync_sensors_mode(w);
	sync_deadline(w);
	/* now, not at the packet's time: the cycle counts from its start */
	if (w->owed == REASON_PACKET) {
		const struct sensor_packet sp = { .when = now_ns(),
		    .keeps_up = true };

		w->last_sensor = w->trigger.sensor;
		carry_out(w, fsm_input(&w->fsm, FSM_PACKET, sp.when, true), &sp);
	} else if (w->owed == REASON_CONTROL)
		step(w, FSM_CONTROL_START, now_ns(), true);
	w->owed = REASON_NONE;
	return 0;
}

void
watch_free(struct watch *w)
{
	int i;

	if (w->sessions != NULL)
		watch_sessions_free(w);
	for (i = 0; i < w->nsensors; i++)
		w->sensors[i]->ops->close(w->sensors[i]);
	timer_stop(&w->deadline);
	timer_stop(&w->flushed);
	timer_stop(&w->persist);
	free(w->trigger.data);
	hook_free(&w->hook);
	savefile_close(w->savefile);
	watch_conf_free(w->conf);
	free(w);
}
