/*
 * watch_say.c: what a watch says and what it tells its hook. Its log
 * lines (its name first in config mode, the rest in the original's
 * words: "PCAP: start command done", the trigger packet's "|- ..." lines)
 * and each hook run's environment (DESIGN.md's TUNINETD_* table, from the
 * trigger packet and the sensor that saw it). watch.c decides; this file
 * only reads the watch.
 */
#include <stdarg.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"
#include "env.h"
#include "hook.h"
#include "log.h"
#include "packet.h"
#include "sensor.h"
#include "dns.h"
#include "privsep.h"
#include "watch_int.h"

extern char **environ;

/* The watch's log lines: its name first, in config mode. */
void
watch_log(const struct watch *w, void (*out)(const char *, ...),
    const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (w->conf->name != NULL)
		out("%s: %s", w->conf->name, line);
	else
		out("%s", line);
}

static void
env_packet(struct env *e, const struct trigger *t, bool dns)
{
	struct packet_fields f;
	struct packet_info pi;
	struct dns_query q;

	if (!t->have_data)
		return;
	packet_decode(t->linktype, t->data, t->caplen, &pi);
	if (dns && dns_query_of(&pi, &q) == DNS_QUERY) {
		env_set(e, "TUNINETD_DNS_NAME", "%s", q.name);
		env_set(e, "TUNINETD_DNS_TYPE", "%s", q.type);
	}
	packet_fields(&pi, &f);
	if (f.src[0] != '\0') {
		env_set(e, "TUNINETD_SRC", "%s", f.src);
		env_set(e, "TUNINETD_DST", "%s", f.dst);
	}
	if (f.proto[0] != '\0')
		env_set(e, "TUNINETD_PROTO", "%s", f.proto);
	if (f.has_ports) {
		env_set(e, "TUNINETD_SPORT", "%u", f.sport);
		env_set(e, "TUNINETD_DPORT", "%u", f.dport);
	}
	if (pi.has_nflog && pi.nflog_prefix[0] != '\0')
		env_set(e, "TUNINETD_NFLOG_PREFIX", "%s", pi.nflog_prefix);
}

/* The environment of a hook run of w: for event, by reason, of sensor
 * (the trigger's for a start), the trigger packet's values for a start,
 * the time up for a stop. */
void
watch_hook_env(struct env *e, const struct watch *w, const char *event,
    enum fsm_reason reason, struct sensor *s, const struct trigger *t,
    int64_t up_since, int64_t now, bool start)
{
	if (env_init(e, environ) == -1)
		fatal("hook environment");
	env_set(e, "TUNINETD_EVENT", "%s", event);
	env_set(e, "TUNINETD_PID", "%d", (int)privsep_main_pid());
	env_set(e, "TUNINETD_TTL", "%u", w->conf->ttl);
	env_set(e, "TUNINETD_REASON", "%s", fsm_reason_name(reason));
	if (w->conf->name != NULL)
		env_set(e, "TUNINETD_WATCH", "%s", w->conf->name);
	if (s != NULL)
		s->ops->env(s, e);
	if (start)
		env_packet(e, t, w->conf->dns_names != NULL);
	else
		env_set(e, "TUNINETD_UP_SECONDS", "%lld",
		    (long long)((now - up_since) / NSEC_PER_SEC));
}

/* Spawn the hook first, log after: the time from packet to hook is what
 * users of on-demand services wait for. */
int
watch_run_hook(struct watch *w, enum fsm_action action, enum fsm_reason reason,
    int64_t now)
{
	bool start = action == FSM_RUN_START;
	const char *event = start ? "start" : "stop";
	struct env e;
	int r;

	watch_hook_env(&e, w, event, reason, start ? w->trigger.sensor :
	    w->last_sensor, &w->trigger, w->fsm.up_since, now, start);
	r = hook_start(&w->hook, event, &e);
	env_free(&e);
	return r;
}

static void
log_trigger(const struct watch *w)
{
	const struct trigger *t = &w->trigger;
	struct packet_info pi;
	struct dns_query q;
	char line[256];

	if (!t->have_data)
		return;
	packet_decode(t->linktype, t->data, t->caplen, &pi);
	if (packet_net_line(&pi, line, sizeof line))
		watch_log(w, log_info, "|- %s", line);
	if (packet_link_line(&pi, line, sizeof line))
		watch_log(w, log_info, "|- %s", line);
	if (w->conf->dns_names != NULL && dns_query_of(&pi, &q) == DNS_QUERY)
		watch_log(w, log_info, "|- DNS query %s %s", q.type, q.name);
}

const char *
watch_trigger_tag(const struct watch *w)
{
	return w->trigger.sensor != NULL ? w->trigger.sensor->ops->tag : "CORE";
}

/* --strict-start: the start failed, the watch is down again */
static void
log_failed_start(const struct watch *w)
{
	const struct hook_result *r = &w->hook.result;
	char how[64];

	if (!r->spawned)
		snprintf(how, sizeof how, "could not run");
	else if (r->code == CLD_EXITED)
		snprintf(how, sizeof how, "exit %d", r->status);
	else
		snprintf(how, sizeof how, "signal %d", r->status);
	watch_log(w, log_warnx, "start command failed (%s), next attempt in %lld s",
	    how, (long long)(w->fsm.backoff / NSEC_PER_SEC));
}

/* "done" keeps the original's words for a hook that exited 0; one that
 * did not (its status, its signal, or why it could not run, are said
 * before) "failed". ended_ok: how the hook that ended did, taken before
 * the next one, which this step may have started, reset it (a failed
 * start back to idle starts none). */
void
watch_log_transition(struct watch *w, const struct fsm_step *st,
    bool ended_ok)
{
	const char *how = ended_ok ? "done" : "failed";

	if (st->from == FSM_STARTING && st->to == FSM_IDLE) {
		log_failed_start(w);
		return;
	}
	if (st->from == FSM_STARTING) {
		watch_log(w, log_info, "%s: start command %s", watch_trigger_tag(w), how);
		log_trigger(w);
	} else if (st->from == FSM_STOPPING)
		watch_log(w, log_info, "CORE: stop command %s", how);
	if (st->to == FSM_IDLE && st->from != FSM_IDLE)
		watch_log(w, log_info, "CORE: standby, waiting for a packet");
}

/* what held the watch up, as its sensors tell (open connections) */
void
watch_log_stop_notes(const struct watch *w)
{
	char note[256];
	int i;

	for (i = 0; i < w->nsensors; i++)
		if (w->sensors[i]->ops->stop_note != NULL &&
		    w->sensors[i]->ops->stop_note(w->sensors[i], note,
		    sizeof note))
			watch_log(w, log_info, "CORE: %s", note);
}

