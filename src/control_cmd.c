/*
 * control_cmd.c: what the control socket answers. A request is a JSON
 * object on one line, {"command":"status", ...}; the reply is one too,
 * {"ok":true, ...} or {"ok":false,"error":"..."}. Times are Unix seconds
 * (CLOCK_REALTIME, three decimals), null when there is none; durations
 * are seconds. Unknown members of a request are ignored, so a newer
 * tuninetctl may ask an older daemon.
 *
 *   status  [watches: [NAME...]]  every watch, or those, in the file's order
 *   list                          the watches' names
 *   why     [watch: NAME]         a watch's status, and the packets that
 *                                 moved its deadline, newest first
 *   events  [count: 1-256]        the last hook runs (20), oldest first
 *   metrics                       Prometheus text, as "text"
 *   start, stop, hold, release [watch: NAME]     root only
 *   reload                                       root only
 *
 * A request naming no watch acts on the only one, when there is one.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "conf.h"
#include "control.h"
#include "daemon.h"
#include "jail.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "nft_rules.h"
#include "stats.h"
#include "watch.h"

#define REQUEST_VALUES	256	/* values in one request */
#define EVENTS_DEFAULT	20
#define EVENTS_LIMIT	256
#define SESSIONS_SHOWN	100	/* in a status reply, of each watch */

struct request {
	struct daemon		*d;
	const struct json_node	*root;
	uid_t			 uid;
	pid_t			 pid;
	const char		*command;
	char			 err[512];
};

static bool __attribute__((format(printf, 2, 3)))
refuse(struct request *rq, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rq->err, sizeof rq->err, fmt, ap);
	va_end(ap);
	return false;
}

static void
begin_ok(struct json *j)
{
	json_object(j);
	json_key(j, "ok");
	json_bool(j, true);
}

/* CLOCK_REALTIME ns as Unix seconds; 0 is none */
static void
put_time(struct json *j, const char *key, int64_t t)
{
	json_key(j, key);
	if (t == 0)
		json_null(j);
	else
		json_double(j, (double)t / 1e9, 3);
}

static void
put_now(struct json *j)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	put_time(j, "now", (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec);
}

static void
put_string(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	if (s == NULL || *s == '\0')
		json_null(j);
	else
		json_string(j, s);
}

static void
put_int(struct json *j, const char *key, long long v)
{
	json_key(j, key);
	json_int(j, v);
}

static void
put_port(struct json *j, const char *key, const struct packet_fields *f,
    unsigned port)
{
	json_key(j, key);
	if (f->has_ports)
		json_int(j, port);
	else
		json_null(j);
}

static void
put_trigger(struct json *j, const struct watch_info *in)
{
	const struct packet_fields *f = &in->fields;

	json_key(j, "trigger");
	if (!in->have_trigger) {
		json_null(j);
		return;
	}
	json_object(j);
	put_string(j, "sensor", in->trigger_sensor);
	put_time(j, "time", in->trigger_time);
	put_string(j, "summary", in->trigger);
	put_string(j, "src", f->src);
	put_string(j, "dst", f->dst);
	put_string(j, "proto", f->proto);
	put_port(j, "sport", f, f->sport);
	put_port(j, "dport", f, f->dport);
	json_end(j);
}

static void
put_counters(struct json *j, const struct watch_stats *st)
{
	enum fsm_reason r;

	json_key(j, "counters");
	json_object(j);
	put_int(j, "starts", (long long)st->starts);
	json_key(j, "stops");
	json_object(j);
	for (r = REASON_IDLE; r < REASONS; r++)
		put_int(j, fsm_reason_name(r), (long long)st->stops[r]);
	json_end(j);
	json_key(j, "hook_failures");
	json_object(j);
	put_int(j, "start", (long long)st->hook_failures[HOOK_START]);
	put_int(j, "stop", (long long)st->hook_failures[HOOK_STOP]);
	json_end(j);
	json_end(j);
}

/* --session: how many, and the first SESSIONS_SHOWN of them */
static void
put_sessions(struct json *j, const struct watch *w)
{
	struct session_info *si;
	struct session_counts c;
	int n, i;

	if ((si = calloc(SESSIONS_SHOWN, sizeof *si)) == NULL)
		return;
	n = watch_sessions_list(w, si, SESSIONS_SHOWN, &c);
	json_key(j, "sessions");
	json_object(j);
	put_string(j, "key", session_kind_name(watch_conf(w)->session));
	put_int(j, "count", (long long)c.count);
	put_int(j, "up", (long long)c.up);
	put_int(j, "max", watch_conf(w)->session_max);
	put_int(j, "refused", (long long)c.refused);
	put_int(j, "hooks_running", c.running);
	json_key(j, "list");
	json_array(j);
	for (i = 0; i < n; i++) {
		json_object(j);
		put_string(j, "session", si[i].name);
		put_string(j, "state", si[i].state);
		put_time(j, "since", si[i].since);
		put_time(j, "deadline", si[i].deadline);
		json_end(j);
	}
	json_end(j);
	json_end(j);
	free(si);
}

/* a watch's status members, into the object open in j */
static void
put_watch(struct json *j, const struct watch *w)
{
	const struct watch_conf *wc = watch_conf(w);
	struct watch_info in;

	watch_info(w, &in);
	put_string(j, "name", in.name);
	put_string(j, "state", in.state);
	json_key(j, "held");
	json_bool(j, in.held);
	put_time(j, "since", in.since);
	put_time(j, "up_since", in.up_since);
	put_string(j, "started_by", in.started_by);
	put_time(j, "last_packet", in.last_packet);
	put_string(j, "last_sensor", in.last_sensor);
	json_key(j, "kept_up_by_connections");
	json_bool(j, in.by_connections);
	put_time(j, "connections_seen", in.connections_seen);
	put_time(j, "deadline", in.deadline);
	put_int(j, "ttl", wc->ttl);
	json_key(j, "up_seconds");
	json_double(j, (double)in.up_ns / 1e9, 3);
	put_string(j, "sensors", in.sensors);
	put_trigger(j, &in);
	put_counters(j, in.stats);
	if (wc->strict_start) {
		json_key(j, "backoff");
		json_object(j);
		put_int(j, "failures", in.failures);
		put_time(j, "until", in.backoff_until);
		json_end(j);
	}
	if (in.counts.held >= 0 || in.counts.dropped >= 0) {
		json_key(j, "queue");
		json_object(j);
		put_int(j, "held", in.counts.held >= 0 ? in.counts.held : 0);
		put_int(j, "dropped", in.counts.dropped >= 0 ?
		    in.counts.dropped : 0);
		put_int(j, "kernel_dropped", in.counts.gone >= 0 ?
		    in.counts.gone : 0);
		json_end(j);
	}
	if (in.counts.connections >= 0)
		put_int(j, "connections", in.counts.connections);
	if (wc->session != SESSION_NONE)
		put_sessions(j, w);
}

/* the watch a request names, or the only one */
static struct watch *
pick(struct request *rq)
{
	const struct json_node *v = json_get(rq->root, "watch");
	struct watch *w;
	int n = daemon_count(rq->d);

	if (v != NULL && v->type != JSON_STRING) {
		refuse(rq, "watch: expected a string, not %s",
		    json_type_name(v->type));
		return NULL;
	}
	if (v != NULL) {
		if ((w = daemon_find(rq->d, v->str)) == NULL)
			refuse(rq, "no watch `%.64s'", v->str);
		return w;
	}
	if (n != 1) {
		refuse(rq, "%s which watch? There are %d", rq->command, n);
		return NULL;
	}
	return daemon_watch(rq->d, 0);
}

/* whether a status request asks for the watch: naming none asks for all */
static bool
asked(const struct json_node *names, const struct watch *w)
{
	const struct json_node *v;

	if (names == NULL || names->count == 0)
		return true;
	for (v = json_child(names); v != NULL; v = json_next(names, v))
		if (strcmp(v->str, watch_display_name(w)) == 0)
			return true;
	return false;
}

/* --user: how the process that answers (the worker) is jailed; null:
 * it is not, it runs as root */
static void
put_jail(struct json *j)
{
	const struct jail *jl = jail_current();

	json_key(j, "jail");
	if (jl == NULL) {
		json_null(j);
		return;
	}
	json_object(j);
	put_string(j, "user", jl->user);
	put_int(j, "uid", (long long)jl->uid);
	json_key(j, "capabilities");
	json_array(j);
	json_string(j, "CAP_NET_ADMIN");
	json_string(j, "CAP_NET_RAW");
	json_end(j);
	json_key(j, "no_new_privs");
	json_bool(j, true);
	json_key(j, "seccomp");
	json_bool(j, true);
	put_int(j, "landlock", jl->landlock);	/* its ABI; 0: none */
	json_end(j);
}

/* in the file's order, each watch once however often it is named */
static bool
status(struct request *rq, struct json *j)
{
	const struct json_node *names = json_get(rq->root, "watches"), *v;
	struct watch *w;
	int i;

	if (names != NULL && names->type != JSON_ARRAY)
		return refuse(rq, "watches: expected an array of names, not "
		    "%s", json_type_name(names->type));
	for (v = json_child(names); v != NULL; v = json_next(names, v)) {
		if (v->type != JSON_STRING)
			return refuse(rq, "watches: expected names, not %s",
			    json_type_name(v->type));
		if (daemon_find(rq->d, v->str) == NULL)
			return refuse(rq, "no watch `%.64s'", v->str);
	}
	begin_ok(j);
	put_now(j);
	if (names == NULL)	/* the daemon's, not a watch's */
		put_jail(j);
	json_key(j, "watches");
	json_array(j);
	for (i = 0; (w = daemon_watch(rq->d, i)) != NULL; i++) {
		if (!asked(names, w))
			continue;
		json_object(j);
		put_watch(j, w);
		json_end(j);
	}
	json_end(j);
	json_end(j);
	return true;
}

static bool
list(struct request *rq, struct json *j)
{
	struct watch *w;
	int i;

	begin_ok(j);
	json_key(j, "watches");
	json_array(j);
	for (i = 0; (w = daemon_watch(rq->d, i)) != NULL; i++)
		json_string(j, watch_display_name(w));
	json_end(j);
	json_end(j);
	return true;
}

static bool
why(struct request *rq, struct json *j)
{
	struct watch_moved moved[WHY_MAX];
	static struct sensor_kept kept[KEPT_SHOWN];
	struct watch *w;
	int n, nkept, i;

	if ((w = pick(rq)) == NULL)
		return false;
	n = watch_why(w, moved, WHY_MAX);
	nkept = watch_kept(w, kept, KEPT_SHOWN);
	begin_ok(j);
	put_now(j);
	json_key(j, "watch");
	json_object(j);
	put_watch(j, w);
	json_key(j, "moved");
	json_array(j);
	for (i = 0; i < n; i++) {
		json_object(j);
		put_time(j, "time", moved[i].when);
		put_string(j, "sensor", moved[i].sensor);
		json_end(j);
	}
	json_end(j);
	if (nkept > 0) {
		json_key(j, "kept");
		json_array(j);
		for (i = 0; i < nkept; i++) {
			json_object(j);
			put_string(j, "address", kept[i].addr);
			put_string(j, "name", kept[i].name);
			json_key(j, "left");
			json_double(j, (double)kept[i].left / NSEC_PER_SEC, 3);
			json_end(j);
		}
		json_end(j);
	}
	json_end(j);
	json_end(j);
	return true;
}

static void
put_result(struct json *j, const struct hook_result *r)
{
	json_key(j, "result");
	if (!r->spawned) {
		json_string(j, "not run");
		return;
	}
	json_string(j, r->code == CLD_EXITED ? "exit" : "signal");
	put_int(j, "status", r->status);
	json_key(j, "duration");
	json_double(j, (double)(r->ended - r->started) / 1e9, 6);
}

static bool
events(struct request *rq, struct json *j)
{
	const struct daemon_event *ev[EVENTS_LIMIT];
	const struct json_node *v = json_get(rq->root, "count");
	long long count = EVENTS_DEFAULT;
	int n, i;

	if (v != NULL && !json_integer(v, 1, EVENTS_LIMIT, &count))
		return refuse(rq, "count: expected a whole number from 1 to "
		    "%d", EVENTS_LIMIT);
	n = daemon_events(rq->d, ev, (int)count);
	begin_ok(j);
	put_now(j);
	json_key(j, "events");
	json_array(j);
	for (i = n - 1; i >= 0; i--) {		/* oldest first */
		json_object(j);
		put_time(j, "time", ev[i]->when);
		put_string(j, "watch", ev[i]->watch);
		put_string(j, "event", ev[i]->event);
		put_string(j, "reason", fsm_reason_name(ev[i]->reason));
		put_result(j, &ev[i]->result);
		json_end(j);
	}
	json_end(j);
	json_end(j);
	return true;
}

static bool
metrics(struct request *rq, struct json *j)
{
	struct watch_info *in;
	struct watch *w;
	char *text;
	int n = daemon_count(rq->d), i;

	if ((in = calloc((size_t)n + 1, sizeof *in)) == NULL)
		return refuse(rq, "out of memory");
	for (i = 0; i < n && (w = daemon_watch(rq->d, i)) != NULL; i++)
		watch_info(w, &in[i]);
	text = metrics_text(in, i);
	free(in);
	if (text == NULL)
		return refuse(rq, "out of memory");
	begin_ok(j);
	json_key(j, "text");
	json_string(j, text);
	json_end(j);
	free(text);
	return true;
}

/* the daemon's own netfilter tables (--match), as nft prints them */
static bool
rules(struct request *rq, struct json *j)
{
	char *text = nft_rules_list();

	(void)rq;
	begin_ok(j);
	json_key(j, "text");
	json_string(j, text != NULL ? text : "");
	json_end(j);
	free(text);
	return true;
}

static bool
control(struct request *rq, struct json *j)
{
	static const struct {
		const char	*command;
		enum fsm_input	 in;
	} map[] = {
		{ "start", FSM_CONTROL_START }, { "stop", FSM_CONTROL_STOP },
		{ "hold", FSM_HOLD }, { "release", FSM_RELEASE },
	};
	struct watch_info in;
	struct watch *w;
	size_t i;

	if ((w = pick(rq)) == NULL)
		return false;
	for (i = 0; strcmp(map[i].command, rq->command) != 0; i++)
		;
	log_info("control: %s %s, asked by uid %u (pid %d)", rq->command,
	    watch_display_name(w), (unsigned)rq->uid, (int)rq->pid);
	if (watch_control(w, map[i].in, rq->err, sizeof rq->err) == -1)
		return false;
	watch_info(w, &in);
	begin_ok(j);
	put_string(j, "watch", in.name);
	put_string(j, "state", in.state);
	json_end(j);
	return true;
}

static bool
reload(struct request *rq, struct json *j)
{
	log_info("control: reload, asked by uid %u (pid %d)",
	    (unsigned)rq->uid, (int)rq->pid);
	if (!daemon_reload(rq->d, rq->err, sizeof rq->err))
		return false;
	begin_ok(j);
	json_end(j);
	return true;
}

static const struct command {
	const char	*name;
	bool		(*run)(struct request *, struct json *);
	bool		 changes;	/* root only */
	const char	*verb;		/* for the refusal */
} commands[] = {
	{ "status", status, false, NULL },
	{ "list", list, false, NULL },
	{ "why", why, false, NULL },
	{ "events", events, false, NULL },
	{ "metrics", metrics, false, NULL },
	{ "rules", rules, false, NULL },
	{ "start", control, true, "start a watch" },
	{ "stop", control, true, "stop a watch" },
	{ "hold", control, true, "hold a watch" },
	{ "release", control, true, "release a watch" },
	{ "reload", reload, true, "reload the configuration" },
};

/* {"ok":false,"error":MSG}, in place of whatever j held */
void
control_refusal(struct json *j, const char *msg)
{
	json_free(j);
	json_init(j);
	json_object(j);
	json_key(j, "ok");
	json_bool(j, false);
	json_key(j, "error");
	json_string(j, msg);
	json_end(j);
}

bool
control_answer(struct daemon *d, const char *line, size_t len, uid_t uid,
    pid_t pid, struct json *j)
{
	struct request rq = { .d = d, .uid = uid, .pid = pid };
	const struct command *c = NULL;
	const struct json_node *v;
	struct json_doc doc;
	char err[256];
	size_t i;

	if (!json_parse(&doc, line, len, REQUEST_VALUES, err, sizeof err)) {
		snprintf(rq.err, sizeof rq.err, "not a JSON request: %s", err);
		control_refusal(j, rq.err);
		return false;
	}
	rq.root = &doc.node[0];
	v = json_get(rq.root, "command");
	if (rq.root->type != JSON_OBJECT)
		refuse(&rq, "a request is a JSON object, not %s",
		    json_type_name(rq.root->type));
	else if (v == NULL || v->type != JSON_STRING)
		refuse(&rq, "command: expected a string naming a command");
	else {
		for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
			if (strcmp(commands[i].name, v->str) == 0)
				c = &commands[i];
		if (c == NULL)
			refuse(&rq, "unknown command `%.64s'", v->str);
	}
	if (c != NULL && c->changes && uid != 0)
		refuse(&rq, "permission denied: only root may %s (this peer "
		    "is uid %u)", c->verb, (unsigned)uid);
	else if (c != NULL) {
		rq.command = c->name;
		if (c->run(&rq, j)) {
			json_doc_free(&doc);
			return true;
		}
	}
	control_refusal(j, rq.err);
	json_doc_free(&doc);
	return true;
}
