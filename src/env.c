/*
 * env.c: a hook's environment: the daemon's own, minus any TUNINETD_*
 * (a stale one must not pass for ours), plus what the watch sets. Pure.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"

#define ENV_PREFIX	"TUNINETD_"

/* The first e->nbase entries are borrowed from base (the process's
 * environment, which outlives every hook run); what env_set adds is ours. */
int
env_init(struct env *e, char *const *base)
{
	size_t n = 0;

	while (base != NULL && base[n] != NULL)
		n++;
	e->cap = n + 16;
	e->n = 0;
	if ((e->v = calloc(e->cap, sizeof *e->v)) == NULL)
		return -1;
	for (; base != NULL && *base != NULL; base++)
		if (strncmp(*base, ENV_PREFIX, sizeof ENV_PREFIX - 1) != 0)
			e->v[e->n++] = *base;
	e->nbase = e->n;
	return 0;
}

int
env_set(struct env *e, const char *name, const char *fmt, ...)
{
	char **v, *s, *val;
	va_list ap;
	size_t i;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&val, fmt, ap);
	va_end(ap);
	if (r == -1)
		return -1;
	r = asprintf(&s, "%s=%s", name, val);
	free(val);
	if (r == -1)
		return -1;
	/* set twice (a sensor, then the packet): the last value, once */
	for (i = e->nbase; i < e->n; i++)
		if (strncmp(e->v[i], s, strlen(name) + 1) == 0) {
			free(e->v[i]);
			e->v[i] = s;
			return 0;
		}
	if (e->n + 2 > e->cap) {
		if ((v = reallocarray(e->v, e->cap * 2, sizeof *v)) == NULL) {
			free(s);
			return -1;
		}
		e->v = v;
		e->cap *= 2;
	}
	e->v[e->n++] = s;
	e->v[e->n] = NULL;
	return 0;
}

void
env_free(struct env *e)
{
	size_t i;

	for (i = e->nbase; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	e->v = NULL;
	e->n = e->cap = 0;
}

/* the value of name, or NULL: what a test asks of an environment */
const char *
env_get(const struct env *e, const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < e->n; i++)
		if (strncmp(e->v[i], name, len) == 0 && e->v[i][len] == '=')
			return e->v[i] + len + 1;
	return NULL;
}
