/*
 * daemon.c: the process around the watches. It owns them, answers the
 * signals (through the loop's signalfd), tells systemd how things stand,
 * and alone decides when the process ends: on SIGTERM or SIGINT every
 * watch that is up runs its stop hook, one that is starting finishes its
 * start and then stops, one that is stopping finishes; the process exits
 * once none has a hook left to run (each bounded by --hook-timeout). A
 * second SIGTERM exits at once.
 *
 * With -C, SIGHUP reloads the file (on the command line it keeps the
 * original's meaning, "stop now"). A reload is whole or not at all: the
 * file is read and checked whole, plan.c says what becomes of each watch,
 * and every watch it makes (changed, added) is opened, sensors and
 * savefile, before anything running is touched; any failure refuses it
 * all and the running watches stay exactly as they were. Then kept
 * watches go on as they are, tuned ones take their new timing in place,
 * retired ones (removed, changed) stop if up (reason reload) and end,
 * shown stopping meanwhile, and each made watch starts at once or once
 * the retired watches it waits for have ended (the one it replaces,
 * those holding a queue or a prefix it takes over: their sensors hand
 * these over as they close). A watch that replaces another of its name
 * inherits its hold, its counters, and a start a packet during its stop
 * owes it.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "config.h"
#include "daemon.h"
#include "dns.h"
#include "hook.h"
#include "log.h"
#include "loop.h"
#include "nft_rules.h"
#include "notify.h"
#include "plan.h"
#include "privsep.h"
#include "savefile.h"
#include "sensor.h"
#include "statefile.h"
#include "watch.h"

#define EVENTS_MAX	256	/* tuninetctl events: the last hook runs */

/* A place in the list of watches, in the file's order. A reload may put
 * a watch in `next' that starts once the watches in `waits' (retired by
 * the same reload) have ended: the one of the same name it replaces,
 * and any that hold a resource it takes over. */
struct slot {
	struct watch		*w;		/* NULL: only next, waiting */
	bool			 retiring;	/* removed or changed */
	struct watch		*next;
	struct watch		**waits;
	int			 nwaits;
};

struct daemon {
	struct slot		*slots;
	int			 nslots, cap;
	char			*config_file;	/* -C, or NULL */
	struct statedir		 sd;		/* fd -1: no state kept */
	gid_t			 state_gid;	/* control-group, or -1 */
	char			*control, *control_group;	/* as now */
	/* moves the control socket on a reload (control_move), or NULL */
	int			(*move_control)(void *, const char *path,
				    const char *group, char *err, size_t);
	void			*control_arg;
	int			 nretiring;	/* slots stopping for a reload */
	struct daemon_event	 events[EVENTS_MAX];	/* a ring */
	unsigned		 nevents;		/* in all */
	struct config_checks	 checks;
	bool			 exiting;
	struct timer		 reap;		/* retired watches to free */
	char			 status[256];	/* what systemd was told last */
};

static struct daemon *the_daemon;	/* for the signal callback */

static void
status_words(struct daemon *d, char *status, size_t len)
{
	int n[4] = { 0 }, i, count = 0;

	if (d->exiting)
		snprintf(status, len, "exiting, once the hooks running have "
		    "ended");
	else if (d->nslots == 1 && d->config_file == NULL)
		watch_status(d->slots[0].w, status, len);
	else {
		for (i = 0; i < d->nslots; i++)
			if (d->slots[i].w != NULL) {
				n[watch_state(d->slots[i].w)]++;
				count++;
			}
		snprintf(status, len, "%d watches: %d up, %d starting, "
		    "%d stopping, %d standby", count, n[FSM_UP],
		    n[FSM_STARTING], n[FSM_STOPPING], n[FSM_IDLE]);
	}
}

/* systemctl status shows it; said only when it changed */
static void
tell_status(struct daemon *d)
{
	char status[sizeof d->status];

	status_words(d, status, sizeof status);
	if (strcmp(status, d->status) == 0)
		return;
	snprintf(d->status, sizeof d->status, "%s", status);
	notify("STATUS=%s", status);
}

static void
check_exit(struct daemon *d)
{
	int i;

	if (!d->exiting)
		return;
	for (i = 0; i < d->nslots; i++)
		if (d->slots[i].w != NULL && !watch_done(d->slots[i].w))
			return;
	loop_quit(0);
}

static void
watch_changed(struct watch *w, void *arg)
{
	struct daemon *d = arg;
	int i;

	tell_status(d);
	check_exit(d);
	/* freed from the loop, not from inside the watch's own call */
	if (!d->exiting && watch_done(w))
		for (i = 0; i < d->nslots; i++)
			if (d->slots[i].w == w && d->slots[i].retiring)
				timer_set(&d->reap, now_ns());
}

static void
hook_done(struct watch *w, const char *event, enum fsm_reason reason,
    const struct hook_result *r, void *arg)
{
	struct daemon *d = arg;
	struct daemon_event *e = &d->events[d->nevents++ % EVENTS_MAX];

	*e = (struct daemon_event){ .result = *r, .reason = reason };
	e->when = loop_to_realtime(r->started);
	snprintf(e->watch, sizeof e->watch, "%s", watch_display_name(w));
	snprintf(e->event, sizeof e->event, "%s", event);
}

static const char *
source(const struct daemon *d)
{
	return d->config_file != NULL ? d->config_file : "-";
}

/* The state file: each transition, and once a second while packets move
 * the deadline. A write that fails is said once. */
static void
persist(struct watch *w, void *arg)
{
	static bool said;
	struct daemon *d = arg;
	struct watch_info in;
	struct saved sv;

	if (d->sd.fd == -1)
		return;
	watch_info(w, &in);
	sv = (struct saved){ .state = statefile_state(watch_state(w)),
	    .up_since = in.up_since, .last_packet = in.last_moved,
	    .held = in.held };
	if (in.have_trigger)
		snprintf(sv.trigger, sizeof sv.trigger, "%s", in.trigger);
	snprintf(sv.source, sizeof sv.source, "%s", source(d));
	if (statefile_write(&d->sd, in.name, &sv, d->state_gid) == -1 &&
	    !said) {
		log_warn("state-dir: `%s': cannot save %s's state", d->sd.path,
		    in.name);
		said = true;
	}
}

/* --session: a session's state file, in its watch's directory (made
 * with the first); sv NULL: the session is over. */
static void
persist_session(struct watch *w, const char *id, const struct saved *sv,
    void *arg)
{
	static bool said;
	struct daemon *d = arg;
	struct statedir sub;
	struct saved s;

	if (d->sd.fd == -1)
		return;
	if (statefile_sessions(&d->sd, watch_display_name(w), sv != NULL,
	    d->state_gid, &sub) == -1) {
		if (sv != NULL && !said) {
			log_warn("state-dir: `%s': cannot save a session's "
			    "state", sub.path);
			said = true;
		}
		return;
	}
	if (sv == NULL)
		statefile_remove(&sub, id);
	else {
		s = *sv;
		snprintf(s.source, sizeof s.source, "%s", source(d));
		if (statefile_write(&sub, id, &s, d->state_gid) == -1 &&
		    !said) {
			log_warn("state-dir: `%s': cannot save a session's "
			    "state", sub.path);
			said = true;
		}
	}
	statefile_dir_close(&sub);
}

struct adopting {
	struct daemon	*d;
	struct watch	*w;
};

static void
adopt_one(const char *id, const struct saved *sv, const char *why, void *arg)
{
	struct adopting *a = arg;

	if (sv == NULL)
		log_warnx("state-dir: %s; ignored", why);
	else if (strcmp(sv->source, source(a->d)) == 0)
		watch_session_adopt(a->w, id, sv);
}

/* The sessions of a --session watch that were not idle when the daemon
 * last ended, each taken over (once its rules are in the kernel). */
static void
adopt_sessions(struct daemon *d, struct watch *w)
{
	struct adopting a = { d, w };
	char err[4200];

	if (d->sd.fd == -1)
		return;
	if (watch_conf(w)->session == SESSION_NONE) {
		/* --session was given up: its sessions' files are of no use */
		statefile_sessions_remove(&d->sd, watch_display_name(w));
		return;
	}
	if (statefile_sessions_read(&d->sd, watch_display_name(w), adopt_one,
	    &a, err, sizeof err) == -1)
		log_warnx("state-dir: %s; no session adopted", err);
}

/* A watch that was up when the daemon last ended (a crash, kill -9) is
 * taken over as up, not started again; one that was held is held again.
 * A file that cannot be trusted is said and ignored. */
static void
adopt(struct daemon *d, struct watch *w)
{
	struct saved sv;
	char err[512];

	if (d->sd.fd == -1)
		return;
	switch (statefile_read(&d->sd, watch_display_name(w), &sv, err,
	    sizeof err)) {
	case STATEFILE_NONE:
		return;
	case STATEFILE_BAD:
		log_warnx("state-dir: %s; ignored", err);
		return;
	}
	if (strcmp(sv.source, source(d)) != 0)
		return;
	/* a start that may have failed is not up, with --strict-start */
	if (sv.state != SAVED_IDLE && !(sv.state == SAVED_STARTING &&
	    watch_conf(w)->strict_start) && sv.up_since != 0 &&
	    sv.last_packet != 0)
		watch_adopt(w, sv.up_since, sv.last_packet,
		    sv.state == SAVED_STOPPING);
	if (sv.held)
		watch_restore_hold(w);
}

/* Everything a watch needs, opened and checked; on error, err says what
 * (naming the setting, and its file and line) and nothing is left open.
 * The daemon owns wc from here, even on error. */
static struct watch *
open_watch(struct daemon *d, struct watch_conf *wc, char *err, size_t errlen)
{
	const struct watch_owner owner = { .changed = watch_changed,
	    .hook_done = hook_done, .persist = persist,
	    .persist_session = persist_session, .arg = d };
	struct sensor *sensors[SENSORS_MAX];
	struct savefile *savefile = NULL;
	char why[1024];
	int n = 0, lt;

	if (wc->keep_auto)	/* its bit, not to be given out first again */
		d->checks.keep_worn |= wc->keep_mask;
	/* its first query is read at once, not after a dlopen */
	if (wc->dns_names != NULL && dns_load(why, sizeof why) == -1) {
		conf_refusal(wc, "dns-name", err, errlen, "%s", why);
		goto fail;
	}

	if (d->config_file == NULL && d->checks.hook != NULL &&
	    !d->checks.hook(wc->hook, err, errlen))
		goto fail;
	if ((n = sensors_open(wc, sensors, err, errlen)) == -1) {
		n = 0;
		goto fail;
	}
	if (wc->savefile != NULL) {
		/* one link type per file: the first sensor's (whole frames
		 * before NFLOG records); 0: known at the first packet */
		lt = sensors[0]->ops->linktype(sensors[0]);
		if ((savefile = savefile_open(wc->savefile, why,
		    sizeof why)) == NULL ||
		    (lt > 0 && savefile_bind(savefile, lt, why,
		    sizeof why) == -1)) {
			conf_refusal(wc, "savefile", err, errlen, "%s%s", why,
			    privsep_worker() ? " (the jailed worker opens no "
			    "new file outside its state directory: a restart "
			    "of the daemon opens it)" : "");
			goto fail;
		}
	}
	return watch_new(wc, sensors, n, savefile, &owner);
fail:
	savefile_close(savefile);
	while (n-- > 0)
		sensors[n]->ops->close(sensors[n]);
	watch_conf_free(wc);
	return NULL;
}

static struct slot *
add_slot(struct daemon *d, struct watch *w)
{
	struct slot *v;

	if (d->nslots == d->cap) {
		d->cap = d->cap != 0 ? d->cap * 2 : 8;
		if ((v = reallocarray(d->slots, d->cap, sizeof *v)) == NULL)
			fatal("watches");
		d->slots = v;
	}
	d->slots[d->nslots] = (struct slot){ .w = w };
	return &d->slots[d->nslots++];
}

int
daemon_add(struct daemon *d, struct watch_conf *wc, char *err, size_t errlen)
{
	struct watch *w;

	if ((w = open_watch(d, wc, err, errlen)) == NULL)
		return -1;
	add_slot(d, w);
	return 0;
}

/* A watch a reload made, whose wait has ended, joins the loop. */
static void
start_next(struct daemon *d, struct slot *s)
{
	struct watch *w = s->next;

	s->next = NULL;
	free(s->waits);
	s->waits = NULL;
	if (d->exiting) {		/* SIGTERM came meanwhile */
		watch_free(w);
		return;
	}
	s->w = w;
	if (watch_start(w) == -1)
		log_warnx("%s: cannot start its sensors", watch_name(w));
}

/* old, of slot `at', has ended: the watches that waited for it wait no
 * more, and take over the start it owes (a renamed watch: a packet came
 * meanwhile); its successor of the same name is the caller's. */
static void
unwait(struct daemon *d, const struct watch *old, int at)
{
	struct slot *s;
	int k, j;

	for (k = 0; k < d->nslots; k++) {
		s = &d->slots[k];
		for (j = 0; j < s->nwaits; j++)
			if (s->waits[j] == old) {
				s->waits[j--] = s->waits[--s->nwaits];
				if (k != at)
					watch_inherit_start(s->next, old);
			}
	}
}

/* a watch's state files (its sessions' too): the watch is gone */
static void
forget_state(const struct statedir *sd, const struct watch *w)
{
	statefile_remove(sd, watch_display_name(w));
	statefile_sessions_remove(sd, watch_display_name(w));
}

/* Retired watches whose stop has ended are freed (a resource a watch of
 * the reload takes over goes to it as they close), and the watches that
 * waited for them start. */
static void
reap(struct timer *t)
{
	struct daemon *d = t->arg;
	struct watch *old;
	struct slot *s;
	int i;

	for (i = 0; i < d->nslots; i++) {
		s = &d->slots[i];
		if (!s->retiring || !watch_done(s->w))
			continue;
		old = s->w;
		unwait(d, old, i);
		if (s->next != NULL)	/* the same name: its successor */
			watch_inherit(s->next, old);
		else if (d->sd.fd != -1)
			forget_state(&d->sd, old);
		watch_free(old);
		s->w = NULL;
		s->retiring = false;
		d->nretiring--;
	}
	for (i = 0; i < d->nslots; i++)
		if (d->slots[i].next != NULL && d->slots[i].nwaits == 0)
			start_next(d, &d->slots[i]);
	for (i = 0; i < d->nslots; i++)
		if (d->slots[i].w == NULL && d->slots[i].next == NULL) {
			memmove(&d->slots[i], &d->slots[i + 1],
			    (size_t)(d->nslots - i - 1) * sizeof *d->slots);
			d->nslots--;
			i--;
		}
	tell_status(d);
}

static void
log_errors(const char *text)
{
	const char *p = text, *nl;

	while (*p != '\0' && (nl = strchr(p, '\n')) != NULL) {
		log_warnx("%.*s", (int)(nl - p), p);
		p = nl + 1;
	}
}

/* The file read and checked whole (config_load); false, and why, when it
 * is refused. */
static bool
read_config(struct daemon *d, struct config *cf, char *why, size_t whylen)
{
	struct config_checks unseen = d->checks;
	struct config_files files = { 0 };
	struct config_errors errs;
	bool ok;

	if (!privsep_worker())
		ok = config_load(d->config_file, cf, &d->checks, &errs);
	else {
		/* the files as the monitor read them, which checked what
		 * only root may see: the hooks, the state directory */
		unseen.hook = NULL;
		unseen.state_dir = NULL;
		unseen.user = NULL;
		ok = privsep_config(&files, &errs);
		if (ok) {
			ok = config_parse(&files, cf, &unseen, &errs);
			if (!ok)	/* the monitor took what it sent */
				privsep_reloaded(false);
		}
		config_files_free(&files);
	}
	if (ok) {
		config_errors_free(&errs);
		return true;
	}
	log_errors(errs.text);
	log_warnx("CORE: %s refused: %d error%s; the running configuration "
	    "stays", d->config_file, errs.n, errs.n == 1 ? "" : "s");
	snprintf(why, whylen, "%s refused, %d error%s; the running "
	    "configuration stays: %.*s", d->config_file, errs.n, errs.n == 1 ?
	    "" : "s", errs.text != NULL ? (int)strcspn(errs.text, "\n") : 0,
	    errs.text != NULL ? errs.text : "");
	config_errors_free(&errs);
	config_free(cf);
	return false;
}

/* Every watch the plan makes (changed, added), opened into made[]:
 * sensors, savefile; nothing of what runs is touched. false, and err,
 * on a failure (what was opened stays in made[], for the caller to
 * close). */
static bool
open_planned(struct daemon *d, struct plan *p, struct watch **made,
    char *err, size_t errlen)
{
	struct watch_conf *wc;
	int i;

	for (i = 0; i < p->n; i++) {
		if (p->items[i].kind != PLAN_CHANGE &&
		    p->items[i].kind != PLAN_ADD)
			continue;
		wc = p->items[i].wc;
		p->items[i].wc = NULL;		/* open_watch owns it */
		if ((made[i] = open_watch(d, wc, err, errlen)) == NULL)
			return false;
	}
	return true;
}

/* The plan, carried out; nothing can fail any more. running[i] is the
 * watch of slot at[i]. */
static void
apply(struct daemon *d, struct plan *p, struct watch **made,
    struct watch **running, int *at)
{
	char err[1024];
	struct plan_item *it;
	struct slot *s;
	int i, k;

	for (i = 0; i < p->n; i++) {
		it = &p->items[i];
		if (it->kind == PLAN_TUNE) {
			watch_tune(running[it->old], it->wc);
			it->wc = NULL;
		}
	}
	for (k = 0; running[k] != NULL; k++)
		if (p->retire[k]) {
			d->slots[at[k]].retiring = true;
			d->nretiring++;
			watch_retire(running[k]);
		}
	if (nft_rules_used)	/* the watches added: one transaction */
		nft_rules_begin();
	for (i = 0; i < p->n; i++) {
		it = &p->items[i];
		if (made[i] == NULL)
			continue;
		if (it->kind == PLAN_CHANGE)
			s = &d->slots[at[it->old]];
		else if (it->nwaits > 0)
			s = add_slot(d, NULL);
		else {
			add_slot(d, made[i]);
			if (watch_start(made[i]) == -1)
				log_warnx("%s: cannot start its sensors",
				    watch_name(made[i]));
			continue;
		}
		s->next = made[i];
		if ((s->waits = calloc((size_t)it->nwaits + 1,
		    sizeof *s->waits)) == NULL)
			fatal("calloc");
		for (s->nwaits = 0; s->nwaits < it->nwaits; s->nwaits++)
			s->waits[s->nwaits] = running[it->waits[s->nwaits]];
	}
	if (nft_rules_used && nft_rules_commit(err, sizeof err) == -1)
		log_warnx("CORE: reload: %s", err);
}

/* What a reload's [daemon] section moves: the state directory is checked
 * (and made), then the control socket moved (it listens at its new path
 * before the old one goes); false, and err, when either cannot be, and
 * then neither has changed. */
static bool
state_moves(const struct daemon *d, const struct config *cf)
{
	return cf->state_dir != NULL && (d->sd.fd == -1 ||
	    strcmp(cf->state_dir, d->sd.path) != 0);
}

static bool
move_settings(struct daemon *d, const struct config *cf,
    struct statedir *to, char *err, size_t len)
{
	to->fd = -1;
	if (state_moves(d, cf) && statefile_dir(cf->state_dir, to, err, len) ==
	    -1)
		return false;
	if (same_string(cf->control, d->control) &&
	    same_string(cf->control_group, d->control_group))
		return true;
	if (d->move_control == NULL)
		snprintf(err, len, "control: no socket to move");
	else if (d->move_control(d->control_arg, cf->control,
	    cf->control_group, err, len) == 0)
		return true;
	statefile_dir_close(to);
	return false;
}

/* ... and, the reload applied, the daemon's own record of them; each
 * watch's state is written to a new state directory at once, and taken
 * from the old one. */
static void
settle_settings(struct daemon *d, const struct config *cf,
    struct statedir *to)
{
	struct statedir old;
	int i;

	if (!same_string(cf->control, d->control) ||
	    !same_string(cf->control_group, d->control_group)) {
		free(d->control);
		free(d->control_group);
		d->control = d->control_group = NULL;
		daemon_settings(d, cf->control, cf->control_group,
		    d->move_control, d->control_arg);
	}
	if (to->fd == -1)
		return;
	old = d->sd;
	d->sd = *to;
	log_info("CORE: state kept in %s from now on", d->sd.path);
	for (i = 0; i < d->nslots; i++)
		if (d->slots[i].w != NULL) {
			persist(d->slots[i].w, d);
			watch_sessions_persist(d->slots[i].w);
			if (old.fd != -1)
				forget_state(&old, d->slots[i].w);
		}
	statefile_dir_close(&old);
}

/* cause: what asked (SIGHUP, control); false, and why, when the file is
 * refused: then nothing has changed. */
static bool
reload(struct daemon *d, const char *cause, char *why, size_t whylen)
{
	struct config cf = { 0 };
	struct statedir to;
	struct plan p;
	const struct watch_conf **confs = NULL;
	struct watch **made = NULL, **running = NULL;
	int *at = NULL, n = 0, i;
	char err[1024];
	bool ok = false;

	notify("RELOADING=1\nSTATUS=reloading %s", d->config_file);
	log_info("CORE: %s, reloading %s", cause, d->config_file);
	if (d->nretiring > 0) {
		/* the last reload's stops have not all ended: what it made
		 * has not all started */
		for (i = 0; !d->slots[i].retiring; i++)
			;
		log_warnx("CORE: %s not reloaded: the last reload is still "
		    "being applied (%s stopping); try again once its stop "
		    "hook has ended", d->config_file,
		    watch_name(d->slots[i].w));
		snprintf(why, whylen, "the last reload is still being applied "
		    "(%s stopping)", watch_name(d->slots[i].w));
		goto out;
	}
	if (!read_config(d, &cf, why, whylen))
		goto out;
	if ((confs = calloc((size_t)d->nslots + 1, sizeof *confs)) == NULL ||
	    (running = calloc((size_t)d->nslots + 1, sizeof *running)) ==
	    NULL || (at = calloc((size_t)d->nslots + 1, sizeof *at)) == NULL)
		fatal("calloc");
	for (i = 0; i < d->nslots; i++)
		if (d->slots[i].w != NULL) {
			running[n] = d->slots[i].w;
			confs[n] = watch_conf(d->slots[i].w);
			at[n++] = i;
		}
	plan_make(&p, confs, n, cf.watches);
	cf.watches = NULL;
	if ((made = calloc((size_t)p.n + 1, sizeof *made)) == NULL)
		fatal("calloc");
	if (!open_planned(d, &p, made, err, sizeof err) ||
	    !move_settings(d, &cf, &to, err, sizeof err))
		goto refuse;
	apply(d, &p, made, running, at);
	settle_settings(d, &cf, &to);
	log_info("CORE: %s reloaded: %d watch%s kept, %d tuned in place, "
	    "%d changed, %d added, %d removed", d->config_file, p.kept,
	    p.kept == 1 ? "" : "es", p.tuned, p.changed, p.added, p.removed);
	if (p.n == 0)
		log_warnx("CORE: %s has no [watch NAME] section: nothing is "
		    "watched", d->config_file);
	timer_set(&d->reap, now_ns());
	privsep_reloaded(true);	/* the monitor's copy of hooks follows */
	ok = true;
	goto out_free;
refuse:
	privsep_reloaded(false);
	for (i = 0; i < p.n; i++)
		if (made[i] != NULL)
			watch_free(made[i]);
	log_warnx("%s", err);
	log_warnx("CORE: %s refused; the running configuration stays",
	    d->config_file);
	snprintf(why, whylen, "%s refused; the running configuration stays: "
	    "%s", d->config_file, err);
out_free:
	plan_free(&p);
	free(made);
	config_free(&cf);
out:
	free(confs);
	free(running);
	free(at);
	d->status[0] = '\0';
	status_words(d, d->status, sizeof d->status);
	notify("READY=1\nSTATUS=%s", d->status);
	return ok;
}

static void
exit_signal(struct daemon *d, int signo)
{
	const char *name = signo == SIGTERM ? "SIGTERM" : "SIGINT";
	const char *why = "";
	int i;

	if (d->exiting) {
		log_info("CORE: %s caught again, exiting now", name);
		hook_kill_all();
		loop_quit(0);
		return;
	}
	if (d->nslots == 1 && d->config_file == NULL) {
		switch (watch_state(d->slots[0].w)) {
		case FSM_STARTING:
			why = " once the start and stop commands are done";
			break;
		case FSM_UP:
		case FSM_STOPPING:
			why = " once the stop command is done";
			break;
		case FSM_IDLE:
			break;
		}
	} else
		why = " once the watches' stop commands are done";
	log_info("CORE: %s caught, exiting%s", name, why);
	d->exiting = true;
	for (i = 0; i < d->nslots; i++)
		if (d->slots[i].w != NULL)
			watch_exit(d->slots[i].w);
	tell_status(d);
	check_exit(d);
}

static void
on_signal(int signo)
{
	struct daemon *d = the_daemon;
	char why[1024];
	int i;

	switch (signo) {
	case SIGCHLD:
		hook_reap();
		break;
	case SIGHUP:
		if (d->exiting)
			break;
		if (d->config_file != NULL)
			reload(d, "SIGHUP caught", why, sizeof why);
		else
			for (i = 0; i < d->nslots; i++)
				watch_stop_now(d->slots[i].w);
		break;
	case SIGUSR1:
		log_info("SIGUSR1 caught:");
		for (i = 0; i < d->nslots; i++)
			if (d->slots[i].w != NULL)
				watch_describe(d->slots[i].w);
		break;
	case SIGTERM:
	case SIGINT:
		exit_signal(d, signo);
		break;
	}
}

/* The process's control socket, for a reload to compare, and how a
 * reload moves it (NULL: it cannot); state files are readable by
 * control-group, as the socket is. */
void
daemon_settings(struct daemon *d, const char *control,
    const char *control_group, int (*move)(void *, const char *,
    const char *, char *, size_t), void *arg)
{
	struct group *gr;

	if ((control != NULL && (d->control = strdup(control)) == NULL) ||
	    (control_group != NULL &&
	    (d->control_group = strdup(control_group)) == NULL))
		fatal("strdup");
	d->state_gid = control_group != NULL &&
	    (gr = getgrnam(control_group)) != NULL ? gr->gr_gid : (gid_t)-1;
	d->move_control = move;
	d->control_arg = arg;
}

/* ---- what the control socket asks ---- */

/* A slot's watch as the control socket sees it: the one that runs (or
 * stops for a reload), else the one a reload made, waiting to start. */
static struct watch *
shown(const struct slot *s)
{
	return s->w != NULL ? s->w : s->next;
}

/* the watches: those stopping for a reload too, and those waiting for
 * such a stop */
int
daemon_count(const struct daemon *d)
{
	return d->nslots;
}

/* the i-th watch, in the file's order */
struct watch *
daemon_watch(const struct daemon *d, int i)
{
	return i >= 0 && i < d->nslots ? shown(&d->slots[i]) : NULL;
}

struct watch *
daemon_find(const struct daemon *d, const char *name)
{
	int i;

	for (i = 0; i < d->nslots; i++)
		if (strcmp(watch_display_name(shown(&d->slots[i])), name) == 0)
			return shown(&d->slots[i]);
	return NULL;
}

/* the last hook runs, newest first */
int
daemon_events(const struct daemon *d, const struct daemon_event **out,
    int max)
{
	unsigned k, n = d->nevents < EVENTS_MAX ? d->nevents : EVENTS_MAX;
	int i = 0;

	for (k = 0; k < n && i < max; k++)
		out[i++] = &d->events[(d->nevents - 1 - k) % EVENTS_MAX];
	return i;
}

bool
daemon_reload(struct daemon *d, char *why, size_t len)
{
	if (d->config_file == NULL) {
		snprintf(why, len, "no configuration file to reload: the "
		    "watch comes from the command line");
		return false;
	}
	if (d->exiting) {
		snprintf(why, len, "exiting");
		return false;
	}
	return reload(d, "reload asked for (control)", why, len);
}

/* config_checks' keep_bit: a reload leaves a running watch its bit */
static uint32_t
running_keep_bit(const char *name)
{
	const struct watch_conf *wc;
	int i;

	for (i = 0; the_daemon != NULL && i < the_daemon->nslots; i++) {
		if (the_daemon->slots[i].w == NULL)
			continue;
		wc = watch_conf(the_daemon->slots[i].w);
		if (wc->name != NULL && strcmp(wc->name, name) == 0)
			return wc->keep_auto ? wc->keep_mask : 0;
	}
	return 0;
}

struct daemon *
daemon_new(const char *config_file, const struct statedir *sd,
    const struct config_checks *checks)
{
	struct daemon *d;

	if ((d = calloc(1, sizeof *d)) == NULL)
		fatal("calloc");
	if (config_file != NULL &&
	    (d->config_file = strdup(config_file)) == NULL)
		fatal("strdup");
	d->sd.fd = -1;
	if (sd != NULL)
		d->sd = *sd;
	d->checks = *checks;
	d->checks.keep_bit = running_keep_bit;
	d->state_gid = (gid_t)-1;
	d->reap = (struct timer){ .cb = reap, .arg = d };
	return d;
}

/* jail: into the worker's jail (privsep), once the sockets are open,
 * before the watches are taken over and the first packet; NULL: none */
int
daemon_run(struct daemon *d, int (*jail)(char *err, size_t))
{
	char err[1024];
	int i, status;

	the_daemon = d;
	if (loop_signals((const int[]){ SIGHUP, SIGUSR1, SIGTERM, SIGINT,
	    SIGCHLD }, 5, on_signal) == -1)
		fatal("signals");
	/* what a hook leaves running comes back to us, not to init, when
	 * the hook exits: reaped here (hook_reap), and on a second SIGTERM
	 * waited for with the rest of its group */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		log_warn("CORE: prctl(PR_SET_CHILD_SUBREAPER)");
	/* the state files are read in the jail: what a worker wrote is
	 * never parsed by root */
	if (jail != NULL && jail(err, sizeof err) == -1)
		fatalx("CORE: %s", err);
	if (nft_rules_used)	/* every --match watch in one transaction */
		nft_rules_begin();
	for (i = 0; i < d->nslots; i++) {
		if (watch_start(d->slots[i].w) == -1)
			fatal("sensors");
		adopt(d, d->slots[i].w);
	}
	if (nft_rules_used && nft_rules_commit(err, sizeof err) == -1)
		fatalx("%s", err);
	for (i = 0; i < d->nslots; i++)
		adopt_sessions(d, d->slots[i].w);
	status_words(d, d->status, sizeof d->status);
	notify("READY=1\nMAINPID=%d\nSTATUS=%s", (int)privsep_main_pid(),
	    d->status);
	status = loop_run();
	notify("STOPPING=1");
	return status;
}

/* The watches waiting to start go first: a resource they were to take
 * over is still with a retiring watch, which closes it after. */
void
daemon_free(struct daemon *d)
{
	int i;

	for (i = 0; i < d->nslots; i++) {
		if (d->slots[i].next != NULL)
			watch_free(d->slots[i].next);
		free(d->slots[i].waits);
	}
	for (i = 0; i < d->nslots; i++)
		if (d->slots[i].w != NULL)
			watch_free(d->slots[i].w);
	timer_stop(&d->reap);
	free(d->slots);
	free(d->config_file);
	statefile_dir_close(&d->sd);
	free(d->control);
	free(d->control_group);
	free(d);
	the_daemon = NULL;
}
