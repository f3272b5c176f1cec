/* fuzz_json: libFuzzer target for the JSON reader, which reads what any
 * peer of the control socket sends. Whatever it accepts is walked the
 * way the daemon walks a request, and written back with the writer:
 * that text must read again, to the same tree. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
rewrite(struct json *j, const struct json_node *v)
{
	const struct json_node *c;

	if (v->key != NULL)
		json_key(j, v->key);
	switch (v->type) {
	case JSON_NULL:
		json_null(j);
		break;
	case JSON_FALSE:
	case JSON_TRUE:
		json_bool(j, v->type == JSON_TRUE);
		break;
	case JSON_NUMBER:	/* the values are not compared */
		json_double(j, v->num > -1e15 && v->num < 1e15 ? v->num : 0, 3);
		break;
	case JSON_STRING:
		json_string(j, v->str);
		break;
	case JSON_ARRAY:
	case JSON_OBJECT:
		if (v->type == JSON_ARRAY)
			json_array(j);
		else
			json_object(j);
		for (c = json_child(v); c != NULL; c = json_next(v, c))
			rewrite(j, c);
		json_end(j);
		break;
	}
}

static void
same(const struct json_node *a, const struct json_node *b)
{
	if (a->type != b->type || a->count != b->count || a->span != b->span ||
	    (a->key != NULL) != (b->key != NULL) ||
	    (a->key != NULL && strcmp(a->key, b->key) != 0) ||
	    (a->type == JSON_STRING && (a->len != b->len ||
	    memcmp(a->str, b->str, a->len) != 0)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_doc d, again;
	const char *text;
	struct json j;
	char err[256];
	long long n;
	char *copy;
	int i;

	/* an exact-size copy, so a read past the end is caught */
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	if (!json_parse(&d, copy, size, 1000, err, sizeof err)) {
		if (strncmp(err, "at byte ", 8) != 0)
			abort();
		free(copy);
		return 0;
	}
	(void)json_get(&d.node[0], "command");
	(void)json_integer(json_get(&d.node[0], "count"), 1, 256, &n);
	for (i = 0; i < d.n; i++)
		if (d.node[i].type == JSON_STRING &&
		    strlen(d.node[i].str) != d.node[i].len)
			abort();
	json_init(&j);
	rewrite(&j, &d.node[0]);
	/* deeper than the writer's limit is the one way it may refuse */
	if ((text = json_text(&j)) != NULL) {
		if (!json_parse(&again, text, strlen(text), 1000, err,
		    sizeof err) || again.n != d.n)
			abort();
		for (i = 0; i < d.n; i++)
			same(&d.node[i], &again.node[i]);
		json_doc_free(&again);
	}
	json_free(&j);
	json_doc_free(&d);
	free(copy);
	return 0;
}
