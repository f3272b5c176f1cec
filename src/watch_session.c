/*
 * watch_session.c: --session, one start/stop cycle per client of a watch.
 *
 * A session is a client's key (its address, or its flow) with a state
 * machine of its own (fsm.c, the watch's settings), a hook of its own and
 * a deadline of its own; the watch's own state machine stays idle, and
 * only says whether the watch is held. The sensor (sensor_nft.c) reports
 * the first packet of each key that is not in the kernel's set, adds the
 * key once the session is taken on, and tells at a session's deadline how
 * long its key has left in the set, which packets refresh in the kernel; so a session costs nothing per packet
 * while up, one netlink request per TTL, and its stop comes at its own
 * last packet + TTL.
 *
 * At most session-max sessions live at once (a packet of a new key
 * beyond that starts nothing, counted, and said at most once a minute);
 * at most session-hooks of their hooks run at once, the others wait in
 * line, in the order their state machines asked. A session that is idle
 * again, with nothing due, is forgotten.
 *
 * Each session that is not idle has a state file (the watch owner's
 * persist_session: statefile.c), written as it moves and when its
 * deadline finds a later last packet in the kernel; the daemon's own
 * table goes with a crash, but a restarted daemon takes the sessions over
 * (watch_session_adopt): each key back in the set for what its saved
 * deadline has left, no start hook; one whose deadline passed while no
 * daemon ran is stopped at once, reason recovered. The saved last packet
 * is the one the kernel told at the session's start or last deadline, so
 * a session is never kept up past its time, but one whose client kept
 * sending can be stopped early by a crash and start again on its next
 * packet.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "env.h"
#include "log.h"
#include "loop.h"
#include "packet.h"
#include "statefile.h"
#include "watch_int.h"

#define REFUSED_SAY_NS	(60 * NSEC_PER_SEC)
#define ID_MAX		(4 + 2 * SESSION_KEY_MAX)	/* "1-" and hex */

struct session {
	struct watch		*w;
	struct session_key	 key;
	struct fsm		 fsm;
	struct hook		 hook;
	struct timer		 deadline;
	struct trigger		 trigger;
	int64_t			 since;
	enum fsm_action		 waiting;	/* for a hook slot, or NOTHING */
	enum fsm_reason		 waiting_reason;
	enum fsm_reason		 hook_reason;
	struct session		*next_waiting;
	struct session		*next;		/* in its bucket */
};

struct sessions {
	struct session		**buckets;
	size_t			 nbuckets, n;
	struct session		*line, *line_tail;	/* waiting for a slot */
	unsigned		 running;		/* hooks */
	unsigned long		 refused, refused_unsaid;
	int64_t			 refused_said;
	struct sensor		*sensor;		/* with session_left */
	/* forgotten, freed at the next turn of the loop: a walk over the
	 * sessions never meets freed memory, whatever a step forgets */
	struct session		*forgotten;
	struct timer		 sweep;
	bool			 freeing;
};

static void	session_step(struct session *, enum fsm_input, int64_t now,
		    bool keeps_up);

static uint32_t
key_hash(const struct session_key *k)
{
	uint32_t h = 2166136261u ^ k->family;	/* FNV-1a */
	size_t i;

	for (i = 0; i < k->len; i++)
		h = (h ^ k->bytes[i]) * 16777619u;
	return h;
}

static bool
key_equal(const struct session_key *a, const struct session_key *b)
{
	return a->family == b->family && a->len == b->len &&
	    memcmp(a->bytes, b->bytes, a->len) == 0;
}

static struct session **
slot(struct sessions *ss, const struct session_key *k)
{
	struct session **pp;

	for (pp = &ss->buckets[key_hash(k) & (ss->nbuckets - 1)];
	    *pp != NULL; pp = &(*pp)->next)
		if (key_equal(&(*pp)->key, k))
			break;
	return pp;
}

/* twice the buckets once there are as many sessions as buckets */
static void
grow(struct sessions *ss)
{
	size_t n = ss->nbuckets * 2, i;
	struct session **b, *s, *next;

	if ((b = calloc(n, sizeof *b)) == NULL)
		fatal("calloc");
	for (i = 0; i < ss->nbuckets; i++)
		for (s = ss->buckets[i]; s != NULL; s = next) {
			next = s->next;
			s->next = b[key_hash(&s->key) & (n - 1)];
			b[key_hash(&s->key) & (n - 1)] = s;
		}
	free(ss->buckets);
	ss->buckets = b;
	ss->nbuckets = n;
}

static void
sweep(struct timer *t)
{
	struct sessions *ss = t->arg;
	struct session *s;

	while ((s = ss->forgotten) != NULL) {
		ss->forgotten = s->next_waiting;
		free(s);
	}
}

void
watch_sessions_init(struct watch *w)
{
	struct sessions *ss;
	int i;

	if ((ss = calloc(1, sizeof *ss)) == NULL ||
	    (ss->buckets = calloc(64, sizeof *ss->buckets)) == NULL)
		fatal("calloc");
	ss->nbuckets = 64;
	ss->sweep = (struct timer){ .cb = sweep, .arg = ss };
	for (i = 0; i < w->nsensors; i++)
		if (w->sensors[i]->ops->session_left != NULL)
			ss->sensor = w->sensors[i];
	w->sessions = ss;
}

/* Its state file's name: the key's family, then its bytes in hex. */
static void
key_id(const struct session_key *k, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, n = (size_t)snprintf(buf, len, "%u-", k->family);

	for (i = 0; i < k->len && n + 2 < len; i++) {
		buf[n++] = hex[k->bytes[i] >> 4];
		buf[n++] = hex[k->bytes[i] & 0xf];
	}
	buf[n] = '\0';
}

static int
nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* A file's name back into a key of kind's length (an address, or a
 * flow: two addresses, the protocol and the ports, 32 bits each); false
 * if it is not one. */
static bool
key_from_id(const char *id, int kind, struct session_key *k)
{
	size_t i, n;

	memset(k, 0, sizeof *k);
	if (id[0] < '0' || id[0] > '9' || id[1] != '-')
		return false;
	k->family = (uint8_t)(id[0] - '0');
	id += 2;
	if ((n = strlen(id)) % 2 != 0 || n / 2 > SESSION_KEY_MAX)
		return false;
	for (i = 0; i < n / 2; i++) {
		if (nibble(id[2 * i]) < 0 || nibble(id[2 * i + 1]) < 0)
			return false;
		k->bytes[i] = (uint8_t)(nibble(id[2 * i]) << 4 |
		    nibble(id[2 * i + 1]));
	}
	k->len = (uint8_t)(n / 2);
	if (kind == SESSION_FLOW)
		return k->len == 2 * 4 + 12 || k->len == 2 * 16 + 12;
	return k->len == 4 || k->len == 16;
}

/* its state as its file says it, or the file gone (over) */
static void
persist(const struct session *s, bool over)
{
	struct watch *w = s->w;
	char id[ID_MAX];
	struct saved sv;

	if (w->owner.persist_session == NULL)
		return;
	key_id(&s->key, id, sizeof id);
	if (over) {
		w->owner.persist_session(w, id, NULL, w->owner.arg);
		return;
	}
	sv = (struct saved){ .state = statefile_state(s->fsm.state),
	    .up_since = loop_to_realtime(s->fsm.up_since),
	    .last_packet = loop_to_realtime(s->fsm.last) };
	snprintf(sv.session, sizeof sv.session, "%s", s->key.name);
	w->owner.persist_session(w, id, &sv, w->owner.arg);
}

static void
session_log(const struct session *s, void (*out)(const char *, ...),
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
session_log(const struct session *s, void (*out)(const char *, ...),
    const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	watch_log(s->w, out, "session %s: %s", s->key.name, line);
}

static void
forget(struct session *s)
{
	struct watch *w = s->w;
	struct sessions *ss = w->sessions;
	struct session **pp = slot(ss, &s->key);

	if (*pp == s)
		*pp = s->next;
	ss->n--;
	timer_stop(&s->deadline);
	hook_free(&s->hook);
	free(s->trigger.data);
	s->trigger.data = NULL;
	s->next_waiting = ss->forgotten;
	ss->forgotten = s;
	timer_set(&ss->sweep, now_ns());
	/* the last one gone: a watch that exits or is retired is done (not
	 * said while it is being freed) */
	if (ss->n == 0 && w->fsm.exiting && w->owner.changed != NULL &&
	    !ss->freeing)
		w->owner.changed(w, w->owner.arg);
}

static void
on_session_hook_done(struct hook *);
static void
on_session_deadline(struct timer *);

static struct session *
session_new(struct watch *w, const struct session_key *k)
{
	struct sessions *ss = w->sessions;
	struct fsm_conf fc = watch_timing(w->conf);
	struct session *s;

	if (ss->n >= ss->nbuckets)
		grow(ss);
	if ((s = calloc(1, sizeof *s)) == NULL)
		fatal("calloc");
	s->w = w;
	s->key = *k;
	fsm_init(&s->fsm, &fc);
	hook_init(&s->hook, w->conf->name, w->conf->hook, w->conf->hook_timeout,
	    on_session_hook_done, s);
	s->deadline = (struct timer){ .cb = on_session_deadline, .arg = s };
	s->since = now_ns();
	s->next = ss->buckets[key_hash(k) & (ss->nbuckets - 1)];
	ss->buckets[key_hash(k) & (ss->nbuckets - 1)] = s;
	ss->n++;
	return s;
}

/* a hook into its slot, now; false if it could not be spawned (said),
 * which the caller ends as a failed run */
static bool
run(struct session *s, enum fsm_action action, enum fsm_reason reason)
{
	struct sessions *ss = s->w->sessions;
	const char *event = action == FSM_RUN_START ? "start" : "stop";
	int64_t now = now_ns();
	struct env e;

	s->hook_reason = reason;
	watch_hook_env(&e, s->w, event, reason, action == FSM_RUN_START ?
	    s->trigger.sensor : ss->sensor, &s->trigger, s->fsm.up_since, now,
	    action == FSM_RUN_START);
	env_set(&e, "TUNINETD_SESSION", "%s", s->key.name);
	env_set(&e, "TUNINETD_SESSION_KEY", "%s",
	    session_kind_name(s->w->conf->session));
	if (hook_start(&s->hook, event, &e) == 0) {
		ss->running++;
		if (action == FSM_RUN_START)
			s->w->stats.starts++;
		else
			s->w->stats.stops[reason]++;
	}
	env_free(&e);
	if (action == FSM_RUN_START) {
		session_log(s, log_info, "%s: executing START command...",
		    s->trigger.sensor != NULL ? s->trigger.sensor->ops->tag :
		    "CORE");
		watch_save_trigger(s->w, &s->trigger);
	} else
		session_log(s, log_info, "CORE: executing STOP command...");
	if (s->hook.result.spawned)
		return true;
	session_log(s, log_warnx, "%s command `%s' cannot run: %s", event,
	    s->w->conf->hook, s->hook.result.why);
	return false;
}

/* the hooks waiting for a slot, while there is one */
static void
run_waiting(struct sessions *ss)
{
	struct session *s;

	enum fsm_action action;

	while (ss->line != NULL &&
	    ss->running < ss->line->w->conf->session_hooks) {
		s = ss->line;
		if ((ss->line = s->next_waiting) == NULL)
			ss->line_tail = NULL;
		s->next_waiting = NULL;
		action = s->waiting;
		s->waiting = FSM_NOTHING;
		if (!run(s, action, s->waiting_reason))
			on_session_hook_done(&s->hook);
	}
}

static void
log_step(struct session *s, const struct fsm_step *st, bool ended_ok)
{
	const char *how = ended_ok ? "done" : "failed";
	struct packet_info pi;
	char line[256];

	if (st->from == FSM_STARTING && st->to == FSM_IDLE)
		session_log(s, log_warnx, "start command failed, next attempt "
		    "in %lld s", (long long)(s->fsm.backoff / NSEC_PER_SEC));
	else if (st->from == FSM_STARTING) {
		session_log(s, log_info, "%s: start command %s",
		    s->trigger.sensor != NULL ? s->trigger.sensor->ops->tag :
		    "CORE", how);
		if (s->trigger.have_data) {
			packet_decode(s->trigger.linktype, s->trigger.data,
			    s->trigger.caplen, &pi);
			if (packet_net_line(&pi, line, sizeof line))
				session_log(s, log_info, "|- %s", line);
		}
	} else if (st->from == FSM_STOPPING)
		session_log(s, log_info, "CORE: stop command %s", how);
}

/* What a step asks for: the hook (or a place in line for it), the log,
 * the deadline; a session idle with nothing due is forgotten. */
static void
carry_out(struct session *s, struct fsm_step st)
{
	struct sessions *ss = s->w->sessions;
	bool ended_ok = hook_result_ok(&s->hook.result), failed = false;
	int64_t due;

	if (st.from != st.to) {
		log_step(s, &st, ended_ok);
		s->since = st.now;
		persist(s, st.to == FSM_IDLE);
	}
	/* up, its start said: the trigger's bytes are not needed any more
	 * (ten thousand sessions keep a few MB less) */
	if (st.to == FSM_UP && s->trigger.data != NULL) {
		free(s->trigger.data);
		s->trigger.data = NULL;
		s->trigger.room = 0;
		s->trigger.have_data = false;
	}
	if (st.action != FSM_NOTHING) {
		if (ss->running < s->w->conf->session_hooks && ss->line == NULL)
			failed = !run(s, st.action, st.reason);
		else {
			s->waiting = st.action;
			s->waiting_reason = st.reason;
			if (ss->line_tail != NULL)
				ss->line_tail->next_waiting = s;
			else
				ss->line = s;
			ss->line_tail = s;
		}
	}
	if (fsm_deadline(&s->fsm, &due))
		timer_set(&s->deadline, due);
	else
		timer_stop(&s->deadline);
	if (failed) {		/* the state moves on as after a failure */
		on_session_hook_done(&s->hook);
		return;
	}
	if (s->fsm.state == FSM_IDLE && !s->deadline.armed &&
	    s->waiting == FSM_NOTHING && s->hook.pid == 0)
		forget(s);
}

static void
session_step(struct session *s, enum fsm_input in, int64_t now, bool keeps_up)
{
	carry_out(s, fsm_input(&s->fsm, in, now, keeps_up));
}

static void
on_session_hook_done(struct hook *h)
{
	struct session *s = h->arg;
	struct sessions *ss = s->w->sessions;
	bool ok = hook_result_ok(&h->result), spawned = h->result.spawned;

	if (spawned)
		ss->running--;
	if (!ok)
		s->w->stats.hook_failures[s->fsm.state == FSM_STARTING ?
		    HOOK_START : HOOK_STOP]++;
	/* s (and h in it) may be gone after this step */
	session_step(s, ok ? FSM_HOOK_DONE : FSM_HOOK_FAILED, now_ns(), false);
	if (spawned)		/* a slot is free */
		run_waiting(ss);
}

/* The kernel keeps the last packet: ask it before deciding. */
static void
on_session_deadline(struct timer *t)
{
	struct session *s = t->arg;
	struct sessions *ss = s->w->sessions;
	int64_t now = now_ns(), left = -1;

	if (ss->sensor != NULL && s->fsm.state == FSM_UP)
		left = ss->sensor->ops->session_left(ss->sensor, &s->key);
	if (left >= 0) {
		(void)fsm_input(&s->fsm, FSM_PACKET, now + left -
		    s->fsm.conf.ttl, true);
		persist(s, false);
	}
	session_step(s, FSM_DEADLINE, now, false);
}

static void
say_refused(struct watch *w, int64_t now)
{
	struct sessions *ss = w->sessions;

	if (ss->refused_unsaid == 0 || (ss->refused_said != 0 &&
	    now - ss->refused_said < REFUSED_SAY_NS))
		return;
	watch_log(w, log_warnx, "CORE: session-max %u reached: %lu packets of "
	    "new clients started nothing since last said (%lu in all)",
	    w->conf->session_max, ss->refused_unsaid, ss->refused);
	ss->refused_unsaid = 0;
	ss->refused_said = now;
}

/* A packet the sensor reported: the first of its key, or one that found
 * the key's time run out in the kernel while its session is still up. */
void
watch_session_report(struct watch *w, struct sensor *sn,
    const struct sensor_packet *sp)
{
	struct sessions *ss = w->sessions;
	struct session_key k;
	struct session *s;

	if (sn->ops->session_key == NULL || !sn->ops->session_key(sn, sp, &k))
		return;
	if ((s = *slot(ss, &k)) == NULL) {
		if (w->fsm.held || w->fsm.exiting)
			return;
		if (ss->n >= w->conf->session_max) {
			ss->refused++;
			ss->refused_unsaid++;
			say_refused(w, sp->when);
			return;
		}
		s = session_new(w, &k);
	}
	/* reported: the key was not in the kernel's set; it is now */
	if (sn->ops->session_admit != NULL)
		(void)sn->ops->session_admit(sn, &k, 0);
	if (fsm_is_trigger(&s->fsm, sp->when)) {
		s->trigger.sensor = sn;
		s->trigger.when = sp->when;
		s->trigger.len = sp->len;
		s->trigger.linktype = sp->linktype;
		s->trigger.ts = sp->ts;
		watch_trigger_keep(&s->trigger, sp->data, sp->caplen);
	}
	session_step(s, FSM_PACKET, sp->when, sp->keeps_up);
}

/* SIGTERM, SIGHUP, tuninetctl stop, a reload: each session as a watch */
void
watch_sessions_input(struct watch *w, enum fsm_input in)
{
	struct sessions *ss = w->sessions;
	struct session *s, *next;
	size_t i;

	for (i = 0; i < ss->nbuckets; i++)
		for (s = ss->buckets[i]; s != NULL; s = next) {
			next = s->next;
			session_step(s, in, now_ns(), true);
		}
}

/* a reload changed settings in place: the running cycles take them */
void
watch_sessions_tune(struct watch *w)
{
	struct fsm_conf fc = watch_timing(w->conf);
	struct sessions *ss = w->sessions;
	struct session *s;
	int64_t due;
	size_t i;

	for (i = 0; i < ss->nbuckets; i++)
		for (s = ss->buckets[i]; s != NULL; s = s->next) {
			fsm_tune(&s->fsm, &fc);
			hook_set_timeout(&s->hook, w->conf->hook_timeout);
			if (fsm_deadline(&s->fsm, &due))
				timer_set(&s->deadline, due);
		}
}

/* Printable ASCII, as the daemon wrote it: a file's garbage reaches no
 * hook or log as a client's name. */
static bool
is_printable_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

/* A session a state file says was not idle when the daemon last ended
 * (a crash, kill -9): taken over as it was, its key back in the kernel's
 * set for what its deadline has left; no start hook. A file that is not
 * a session of this watch is said and removed. */
void
watch_session_adopt(struct watch *w, const char *id, const struct saved *sv)
{
	struct sessions *ss = w->sessions;
	int64_t now = now_ns(), up = sv->up_since, last = sv->last_packet;
	int64_t due = now;
	struct session_key k;
	struct fsm_step st;
	struct session *s;
	char words[128];

	if (!key_from_id(id, w->conf->session, &k) || sv->session[0] == '\0' ||
	    strlen(sv->session) >= sizeof k.name ||
	    !is_printable_ascii(sv->session)) {
		watch_log(w, log_warnx, "state-dir: `%s' is not a session of "
		    "this watch; removed", id);
		w->owner.persist_session(w, id, NULL, w->owner.arg);
		return;
	}
	snprintf(k.name, sizeof k.name, "%s", sv->session);
	if (*slot(ss, &k) != NULL)	/* read twice: it is taken over */
		return;
	/* a start that may have failed is not up, with --strict-start */
	if (sv->state == SAVED_IDLE || (sv->state == SAVED_STARTING &&
	    w->conf->strict_start) || sv->up_since == 0 ||
	    sv->last_packet == 0) {
		w->owner.persist_session(w, id, NULL, w->owner.arg);
		return;
	}
	if (ss->n >= w->conf->session_max) {
		watch_log(w, log_warnx, "state-dir: session %s not taken over: "
		    "session-max %u reached; removed", k.name,
		    w->conf->session_max);
		w->owner.persist_session(w, id, NULL, w->owner.arg);
		return;
	}
	s = session_new(w, &k);
	watch_adopted_times(&up, &last, now);
	st = fsm_adopt(&s->fsm, up, last, sv->state == SAVED_STOPPING, now);
	if (st.action != FSM_RUN_STOP && fsm_deadline(&s->fsm, &due) &&
	    ss->sensor != NULL && ss->sensor->ops->session_admit(ss->sensor,
	    &s->key, due - now) == -1) {
		/* not a key the watch's rules hold (its family has none):
		 * stopped now, as recovered */
		st = fsm_adopt(&s->fsm, up, last, true, now);
	}
	watch_adopted_words(words, sizeof words, &st, up, due, now);
	session_log(s, st.action == FSM_RUN_STOP ? log_warnx : log_notice,
	    "%s", words);
	st.from = FSM_IDLE;
	carry_out(s, st);
}

/* every session's state file written again (the state directory moved) */
void
watch_sessions_persist(struct watch *w)
{
	struct sessions *ss = w->sessions;
	struct session *s;
	size_t i;

	for (i = 0; ss != NULL && i < ss->nbuckets; i++)
		for (s = ss->buckets[i]; s != NULL; s = s->next)
			if (s->fsm.state != FSM_IDLE)
				persist(s, false);
}

bool
watch_sessions_done(const struct watch *w)
{
	const struct sessions *ss = w->sessions;

	return ss == NULL || ss->n == 0;
}

/* what tuninetctl shows: how many, how many refused, and the first max
 * sessions' state (times CLOCK_REALTIME ns) */
int
watch_sessions_list(const struct watch *w, struct session_info *out,
    int max, struct session_counts *c)
{
	const struct sessions *ss = w->sessions;
	const struct session *s;
	int64_t due;
	size_t i;
	int n = 0;

	*c = (struct session_counts){ 0 };
	if (ss == NULL)
		return 0;
	c->count = ss->n;
	c->refused = ss->refused;
	c->running = ss->running;
	for (i = 0; i < ss->nbuckets; i++)
		for (s = ss->buckets[i]; s != NULL; s = s->next) {
			if (s->fsm.state == FSM_UP)
				c->up++;
			if (n >= max)
				continue;
			snprintf(out[n].name, sizeof out[n].name, "%s",
			    s->key.name);
			out[n].state = fsm_state_name(&s->fsm);
			out[n].since = loop_to_realtime(s->since);
			out[n].deadline = fsm_deadline(&s->fsm, &due) ?
			    loop_to_realtime(due) : 0;
			n++;
		}
	return n;
}

void
watch_sessions_free(struct watch *w)
{
	struct sessions *ss = w->sessions;
	struct session *s;
	size_t i;

	if (ss == NULL)
		return;
	ss->freeing = true;
	for (i = 0; i < ss->nbuckets; i++)
		while ((s = ss->buckets[i]) != NULL)
			forget(s);
	timer_stop(&ss->sweep);
	sweep(&ss->sweep);
	free(ss->buckets);
	free(ss);
	w->sessions = NULL;
}
