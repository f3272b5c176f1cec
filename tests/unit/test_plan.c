/* test_plan: a reload's plan from settings alone: kept, tuned in place,
 * changed, added, removed; which retired watches a new one waits for
 * (the one it replaces, those holding a queue or an NFLOG prefix it
 * takes); a tuned watch taking what a retired one holds is replaced. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conf.h"
#include "plan.h"

static struct watch_conf *running[8];
static int nrunning;
static struct plan p;

/* each watch runs a command of its own, /hook-NAME */
static struct watch_conf *
conf(const char *name, int group, const char *prefix, int queue,
    unsigned ttl)
{
	struct watch_conf *wc = watch_conf_new();
	char hook[64];

	snprintf(hook, sizeof hook, "/hook-%s", name);
	wc->name = strdup(name);
	wc->hook = strdup(hook);
	wc->nflog_group = group;
	wc->nflog_prefix = prefix != NULL ? strdup(prefix) : NULL;
	wc->queue = queue;
	wc->ttl = ttl;
	return wc;
}

/* a list of new settings, NULL-terminated arguments */
static struct watch_conf *
list(struct watch_conf *first, ...)
{
	struct watch_conf *wc, **tail = &first->next;
	va_list ap;

	va_start(ap, first);
	while ((wc = va_arg(ap, struct watch_conf *)) != NULL) {
		*tail = wc;
		tail = &wc->next;
	}
	va_end(ap);
	return first;
}

static void
run(struct watch_conf *fresh)
{
	plan_make(&p, (const struct watch_conf *const *)running, nrunning,
	    fresh);
}

static const struct plan_item *
item(const char *name)
{
	int i;

	for (i = 0; i < p.n; i++)
		if (strcmp(p.items[i].wc->name, name) == 0)
			return &p.items[i];
	fail_msg("no item %s", name);
	return NULL;
}

static int
teardown(void **state)
{
	int i;

	(void)state;
	plan_free(&p);
	for (i = 0; i < nrunning; i++)
		watch_conf_free(running[i]);
	nrunning = 0;
	return 0;
}

static void
test_kinds(void **state)
{
	struct watch_conf *tuned, *changed;

	(void)state;
	running[nrunning++] = conf("kept", 8, "k", -1, 30);
	running[nrunning++] = conf("tuned", 8, "t", -1, 30);
	running[nrunning++] = conf("changed", 8, "c", -1, 30);
	running[nrunning++] = conf("removed", 8, "r", -1, 30);
	tuned = conf("tuned", 8, "t", -1, 31);
	tuned->hook_timeout = 5;
	tuned->keepalive_prefix = strdup("t-ka");
	changed = conf("changed", 8, "c2", -1, 30);
	free(changed->hook);
	changed->hook = strdup("/hook-other");
	run(list(conf("kept", 8, "k", -1, 30), tuned, changed,
	    conf("added", 9, NULL, -1, 30), NULL));
	assert_int_equal(item("kept")->kind, PLAN_KEEP);
	assert_int_equal(item("tuned")->kind, PLAN_TUNE);
	assert_int_equal(item("tuned")->old, 1);
	assert_int_equal(item("changed")->kind, PLAN_CHANGE);
	assert_int_equal(item("changed")->nwaits, 1);
	assert_int_equal(item("changed")->waits[0], 2);
	assert_int_equal(item("added")->kind, PLAN_ADD);
	assert_int_equal(item("added")->nwaits, 0);
	assert_false(p.retire[0]);
	assert_false(p.retire[1]);
	assert_true(p.retire[2]);
	assert_true(p.retire[3]);
	assert_int_equal(p.kept, 1);
	assert_int_equal(p.tuned, 1);
	assert_int_equal(p.changed, 1);
	assert_int_equal(p.added, 1);
	assert_int_equal(p.removed, 1);
}

/* a renamed queue watch, and a prefix moving to another watch: the new
 * ones wait for the retired ones that hold them */
static void
test_moves(void **state)
{
	(void)state;
	running[nrunning++] = conf("qa", -1, NULL, 7, 30);
	running[nrunning++] = conf("one", 8, "p", -1, 30);
	running[nrunning++] = conf("two", 8, "q", -1, 30);
	run(list(conf("qb", -1, NULL, 7, 30), conf("one", 8, "q", -1, 30),
	    conf("three", 8, "p", -1, 30), NULL));
	assert_int_equal(item("qb")->kind, PLAN_ADD);
	assert_int_equal(item("qb")->nwaits, 1);
	assert_int_equal(item("qb")->waits[0], 0);
	/* one changed prefix p -> q: waits for itself and for two (q) */
	assert_int_equal(item("one")->kind, PLAN_CHANGE);
	assert_int_equal(item("one")->nwaits, 2);
	assert_int_equal(item("one")->waits[0], 1);
	assert_int_equal(item("one")->waits[1], 2);
	/* three takes one's old prefix */
	assert_int_equal(item("three")->nwaits, 1);
	assert_int_equal(item("three")->waits[0], 1);
	assert_int_equal(p.removed, 2);		/* qa, two */
}

/* a tuned watch whose new keep-alive prefix a retired watch holds cannot
 * wait: it is replaced, and so waits for it */
static void
test_tune_becomes_change(void **state)
{
	struct watch_conf *a;

	(void)state;
	running[nrunning++] = conf("a", 8, "a", -1, 30);
	running[nrunning++] = conf("b", 8, "b", -1, 30);
	a = conf("a", 8, "a", -1, 30);
	a->keepalive_prefix = strdup("b");
	run(list(a, NULL));
	assert_int_equal(item("a")->kind, PLAN_CHANGE);
	assert_int_equal(item("a")->nwaits, 2);
	assert_int_equal(item("a")->waits[1], 1);
	assert_true(p.retire[0]);
	assert_int_equal(p.tuned, 0);
	assert_int_equal(p.changed, 1);
	assert_int_equal(p.removed, 1);
}

/* a watch renamed (no queue, no prefix: a pcap watch) waits for the old
 * name's stop, which runs its command; an added watch of another command
 * does not wait */
static void
test_same_command(void **state)
{
	struct watch_conf *b, *c;

	(void)state;
	running[nrunning++] = conf("a", -1, NULL, -1, 30);
	b = conf("b", -1, NULL, -1, 30);
	free(b->hook);
	b->hook = strdup("/hook-a");
	c = conf("c", -1, NULL, -1, 30);
	run(list(b, c, NULL));
	assert_int_equal(item("b")->kind, PLAN_ADD);
	assert_int_equal(item("b")->nwaits, 1);
	assert_int_equal(item("b")->waits[0], 0);
	assert_int_equal(item("c")->nwaits, 0);
	assert_int_equal(p.removed, 1);
}

/* two queue watches swap their queues: each waits for both */
static void
test_swap(void **state)
{
	(void)state;
	running[nrunning++] = conf("a", -1, NULL, 7, 30);
	running[nrunning++] = conf("b", -1, NULL, 8, 30);
	run(list(conf("a", -1, NULL, 8, 30), conf("b", -1, NULL, 7, 30), NULL));
	assert_int_equal(item("a")->kind, PLAN_CHANGE);
	assert_int_equal(item("a")->nwaits, 2);
	assert_int_equal(item("a")->waits[1], 1);
	assert_int_equal(item("b")->nwaits, 2);
	assert_int_equal(item("b")->waits[1], 0);
}

/* an empty file: everything goes */
static void
test_empty(void **state)
{
	(void)state;
	running[nrunning++] = conf("a", 8, "a", -1, 30);
	plan_make(&p, (const struct watch_conf *const *)running, nrunning,
	    NULL);
	assert_int_equal(p.n, 0);
	assert_true(p.retire[0]);
	assert_int_equal(p.removed, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_kinds, teardown),
		cmocka_unit_test_teardown(test_moves, teardown),
		cmocka_unit_test_teardown(test_tune_becomes_change, teardown),
		cmocka_unit_test_teardown(test_same_command, teardown),
		cmocka_unit_test_teardown(test_swap, teardown),
		cmocka_unit_test_teardown(test_empty, teardown),
	};

	return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}
