/*
 * plan.c: a reload's plan. Each watch of the new file, by name, against
 * the running ones: the same settings are kept; a change of settings a
 * running watch takes in place (struct setting's in_place: timing,
 * hook-timeout, a keep-alive prefix) tunes it; any other change replaces
 * it; a new name adds one; a running watch the file no longer names is
 * removed. Replaced and removed watches are retired: they stop (reason
 * reload) and end.
 *
 * Resources only one watch may have (an NFQUEUE queue, an NFLOG prefix:
 * watch_conf_claims) move between watches: the file was checked for two
 * of its watches claiming one, so a claim the new file makes that a
 * running watch holds is held by one being retired, and the new watch
 * waits for it to end (then takes it over: the sensor hands it on). A
 * tuned watch cannot wait (it runs), so one whose new claim is held by a
 * retired watch is replaced instead. A new watch also waits for the
 * retired watches that run its command: a renamed watch's start does not
 * run while the old name's stop still does.
 *
 * Pure: settings in, a plan out; the daemon opens and applies it.
 */
#include <stdlib.h>
#include <string.h>

#include "plan.h"

/* whether a and b claim a resource in common */
static bool
share_claim(const struct watch_conf *a, const struct watch_conf *b)
{
	struct claim ca[CLAIMS_MAX], cb[CLAIMS_MAX];
	int na = watch_conf_claims(a, ca), nb = watch_conf_claims(b, cb), i, k;

	for (i = 0; i < na; i++)
		for (k = 0; k < nb; k++)
			if (strcmp(ca[i].what, cb[k].what) == 0)
				return true;
	return false;
}

static int
find(const struct watch_conf *const *running, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(running[i]->name, name) == 0)
			return i;
	return -1;
}

/* The running watches item waits for: the one it replaces, then the
 * retired ones holding what it claims or running its command. */
static void
waits_for(struct plan_item *it, const struct plan *p,
    const struct watch_conf *const *running, int nrunning)
{
	int i;

	if ((it->waits = calloc((size_t)nrunning + 1, sizeof *it->waits)) ==
	    NULL)
		abort();
	it->nwaits = 0;
	if (it->kind == PLAN_CHANGE)
		it->waits[it->nwaits++] = it->old;
	for (i = 0; i < nrunning; i++)
		if (p->retire[i] && i != it->old &&
		    (share_claim(it->wc, running[i]) ||
		    same_string(it->wc->hook, running[i]->hook)))
			it->waits[it->nwaits++] = i;
}

/* The plan for the watches fresh (a list, taken: the plan's items own
 * them) against running[nrunning]. */
void
plan_make(struct plan *p, const struct watch_conf *const *running,
    int nrunning, struct watch_conf *fresh)
{
	struct watch_conf *wc, *next;
	struct plan_item *it;
	uint32_t diff;
	bool again;
	int n = 0, i, k;

	memset(p, 0, sizeof *p);
	for (wc = fresh; wc != NULL; wc = wc->next)
		n++;
	if ((p->items = calloc((size_t)n + 1, sizeof *p->items)) == NULL ||
	    (p->retire = calloc((size_t)nrunning + 1, sizeof *p->retire)) ==
	    NULL)
		abort();
	for (i = 0; i < nrunning; i++)
		p->retire[i] = true;
	for (wc = fresh; wc != NULL; wc = next) {
		next = wc->next;
		wc->next = NULL;
		it = &p->items[p->n++];
		it->wc = wc;
		it->old = find(running, nrunning, wc->name);
		if (it->old < 0) {
			it->kind = PLAN_ADD;
			continue;
		}
		p->retire[it->old] = false;
		diff = watch_conf_diff(running[it->old], wc);
		it->kind = diff == 0 ? PLAN_KEEP : (diff & ~settings_in_place())
		    == 0 ? PLAN_TUNE : PLAN_CHANGE;
		if (it->kind == PLAN_CHANGE)
			p->retire[it->old] = true;
	}
	/* a tuned watch claiming what a retired one holds is replaced, which
	 * retires it in turn: until nothing moves */
	do {
		again = false;
		for (i = 0; i < p->n; i++) {
			it = &p->items[i];
			if (it->kind != PLAN_TUNE)
				continue;
			for (k = 0; k < nrunning; k++)
				if (p->retire[k] &&
				    share_claim(it->wc, running[k]))
					break;
			if (k < nrunning) {
				it->kind = PLAN_CHANGE;
				p->retire[it->old] = again = true;
			}
		}
	} while (again);
	for (i = 0; i < p->n; i++) {
		it = &p->items[i];
		if (it->kind == PLAN_CHANGE || it->kind == PLAN_ADD)
			waits_for(it, p, running, nrunning);
		p->kept += it->kind == PLAN_KEEP;
		p->tuned += it->kind == PLAN_TUNE;
		p->changed += it->kind == PLAN_CHANGE;
		p->added += it->kind == PLAN_ADD;
	}
	for (i = 0; i < nrunning; i++)
		p->removed += p->retire[i];
	p->removed -= p->changed;
}

/* The settings the plan still owns (those nobody took: set wc to NULL
 * when taking one) are freed with it. */
void
plan_free(struct plan *p)
{
	int i;

	for (i = 0; i < p->n; i++) {
		watch_conf_free(p->items[i].wc);
		free(p->items[i].waits);
	}
	free(p->items);
	free(p->retire);
	memset(p, 0, sizeof *p);
}
