/*
 * conf.c: watch settings, what every source of them shares; pure. The
 * number parsers are strict (digits only, no sign, no blanks), so that
 * "1.5", " 5" and "+5" are refused by name, not read as something else.
 */
#include <stdlib.h>
#include <string.h>

#include "conf.h"

struct watch_conf *
watch_conf_new(void)
{
	struct watch_conf *wc;

	if ((wc = calloc(1, sizeof *wc)) == NULL)
		return NULL;
	wc->nflog_group = -1;
	wc->ttl = TTL_DEFAULT;
	wc->hook_timeout = HOOK_TIMEOUT_DEFAULT;
	return wc;
}

void
watch_conf_free(struct watch_conf *wc)
{
	if (wc == NULL)
		return;
	free(wc->name);
	free(wc->ifname);
	free(wc->filter);
	free(wc->hook);
	free(wc->savefile);
	free(wc);
}

static bool
same(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Whether a reload may keep a running watch as it is. */
bool
watch_conf_equal(const struct watch_conf *a, const struct watch_conf *b)
{
	return same(a->name, b->name) && same(a->ifname, b->ifname) &&
	    same(a->filter, b->filter) && a->nflog_group == b->nflog_group &&
	    same(a->hook, b->hook) && a->ttl == b->ttl &&
	    a->hook_timeout == b->hook_timeout && a->ack_only == b->ack_only &&
	    a->wait_interface == b->wait_interface &&
	    same(a->savefile, b->savefile);
}

void
config_free(struct config *cf)
{
	struct watch_conf *wc, *next;

	for (wc = cf->watches; wc != NULL; wc = next) {
		next = wc->next;
		watch_conf_free(wc);
	}
	cf->watches = NULL;
	cf->nwatches = 0;
}

/* A whole decimal number in [min, max]: digits only, no sign, no blanks. */
bool
parse_uint(const char *s, unsigned long long min, unsigned long long max,
    unsigned long long *out)
{
	unsigned long long v = 0;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (max - (unsigned)(*s - '0')) / 10)
			return false;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v < min)
		return false;
	*out = v;
	return true;
}

bool
parse_seconds(const char *s, unsigned min, unsigned *out)
{
	unsigned long long v;

	if (!parse_uint(s, min, SECONDS_MAX, &v))
		return false;
	*out = (unsigned)v;
	return true;
}
