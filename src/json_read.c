/*
 * json_read.c: JSON (RFC 8259), read. Pure, no I/O. (Written: json.c.)
 * What a peer of the control socket sends, so nothing is trusted.
 * Strict: one value and only whitespace around it, no trailing comma, no
 * comment, no leading zero, valid UTF-8, escapes as the RFC has them (a
 * lone surrogate is refused, and so is \u0000: strings are C strings
 * here). Bounded: nesting to JSON_DEPTH (the recursion's depth),
 * at most max_nodes values, numbers of at most NUMBER_MAX characters;
 * memory is the text's length plus the nodes. Errors name the byte offset.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define NUMBER_MAX	64	/* characters of a number read */

struct reader {
	const unsigned char	*p, *start, *end;
	struct json_doc		*doc;
	int			 max_nodes;
	char			*out;		/* where the next string goes */
	char			*err;
	size_t			 errlen;
	bool			 failed;
};

static bool
fail(struct reader *r, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (r->failed)
		return false;
	r->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(r->err, r->errlen, "at byte %zu: %s",
	    (size_t)(r->p - r->start), msg);
	return false;
}

static void
skip_space(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
	    *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

/* a new node, or -1: its index, since the array may move */
static int
new_node(struct reader *r, enum json_type type)
{
	struct json_doc *d = r->doc;
	struct json_node *v;
	int cap;

	if (d->n >= r->max_nodes) {
		fail(r, "more than %d values", r->max_nodes);
		return -1;
	}
	if (d->n == d->cap) {
		cap = d->cap != 0 ? d->cap * 2 : 16;
		if (cap > r->max_nodes)
			cap = r->max_nodes;
		v = reallocarray(d->node, (size_t)cap, sizeof *v);
		if (v == NULL) {
			fail(r, "out of memory");
			return -1;
		}
		d->node = v;
		d->cap = cap;
	}
	d->node[d->n] = (struct json_node){ .type = type, .span = 1 };
	return d->n++;
}

static bool
literal(struct reader *r, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return fail(r, "not a JSON value");
	r->p += n;
	return true;
}

static int
hex4(const unsigned char *p)
{
	int v = 0, i;

	for (i = 0; i < 4; i++) {
		v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			v |= p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			v |= p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			v |= p[i] - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static void
put_utf8(char **o, unsigned cp)
{
	unsigned char *u = (unsigned char *)*o;

	if (cp < 0x80)
		*u++ = (unsigned char)cp;
	else if (cp < 0x800) {
		*u++ = (unsigned char)(0xc0 | cp >> 6);
		*u++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*u++ = (unsigned char)(0xe0 | cp >> 12);
		*u++ = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		*u++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else {
		*u++ = (unsigned char)(0xf0 | cp >> 18);
		*u++ = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		*u++ = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		*u++ = (unsigned char)(0x80 | (cp & 0x3f));
	}
	*o = (char *)u;
}

/* \uXXXX, or a surrogate pair of two; at most 4 bytes out of 6 or 12 in */
static bool
unicode_escape(struct reader *r, char **o)
{
	int hi, lo;

	if (r->end - r->p < 5 || (hi = hex4(r->p + 1)) == -1)
		return fail(r, "\\u needs four hexadecimal digits");
	r->p += 5;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return fail(r, "a low surrogate without a high one");
	if (hi >= 0xd800 && hi <= 0xdbff) {
		if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u' ||
		    (lo = hex4(r->p + 2)) == -1 || lo < 0xdc00 || lo > 0xdfff)
			return fail(r, "a high surrogate without a low one");
		r->p += 6;
		put_utf8(o, 0x10000 + (((unsigned)hi - 0xd800) << 10 |
		    ((unsigned)lo - 0xdc00)));
		return true;
	}
	if (hi == 0)
		return fail(r, "\\u0000 is not accepted");
	put_utf8(o, (unsigned)hi);
	return true;
}

/* A string into r->out: never longer than its text, quotes included, so
 * the buffer of the text's length has room for it and its NUL. */
static bool
string(struct reader *r, const char **s, size_t *len)
{
	char *o = r->out;
	size_t n;

	r->p++;				/* the opening quote */
	*s = o;
	for (;;) {
		if (r->p >= r->end)
			return fail(r, "a string without its closing quote");
		if (*r->p == '"')
			break;
		if (*r->p < 0x20)
			return fail(r, "a control byte 0x%02x in a string",
			    *r->p);
		if (*r->p != '\\') {
			n = json_utf8_len(r->p, (size_t)(r->end - r->p));
			if (n == 0)
				return fail(r, "not UTF-8");
			memcpy(o, r->p, n);
			o += n;
			r->p += n;
			continue;
		}
		if (r->p + 1 >= r->end)
			return fail(r, "a string without its closing quote");
		switch (r->p[1]) {
		case '"':  *o++ = '"';  break;
		case '\\': *o++ = '\\'; break;
		case '/':  *o++ = '/';  break;
		case 'b':  *o++ = '\b'; break;
		case 'f':  *o++ = '\f'; break;
		case 'n':  *o++ = '\n'; break;
		case 'r':  *o++ = '\r'; break;
		case 't':  *o++ = '\t'; break;
		case 'u':
			r->p++;
			if (!unicode_escape(r, &o))
				return false;
			continue;
		default:
			r->p++;
			return fail(r, "an unknown escape \\%c",
			    *r->p >= 0x20 && *r->p < 0x7f ? *r->p : '?');
		}
		r->p += 2;
	}
	r->p++;
	*len = (size_t)(o - *s);
	*o++ = '\0';
	r->out = o;
	return true;
}

static bool
number(struct reader *r, double *v)
{
	const unsigned char *p = r->p, *from = r->p;
	char buf[NUMBER_MAX + 1];

	if (p < r->end && *p == '-')
		p++;
	if (p < r->end && *p == '0')
		p++;
	else if (p < r->end && *p >= '1' && *p <= '9')
		while (p < r->end && *p >= '0' && *p <= '9')
			p++;
	else
		return fail(r, "not a JSON value");
	if (p < r->end && *p == '.') {
		if (++p >= r->end || *p < '0' || *p > '9') {
			r->p = p;
			return fail(r, "a digit must follow the decimal point");
		}
		while (p < r->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < r->end && (*p == 'e' || *p == 'E')) {
		if (++p < r->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= r->end || *p < '0' || *p > '9') {
			r->p = p;
			return fail(r, "a digit must follow the exponent");
		}
		while (p < r->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p - from > NUMBER_MAX)
		return fail(r, "a number longer than %d characters",
		    NUMBER_MAX);
	memcpy(buf, from, (size_t)(p - from));
	buf[p - from] = '\0';
	*v = strtod(buf, NULL);
	r->p = p;
	return true;
}

static int	value_(struct reader *, int depth);

/* an array or an object, its opening bracket at r->p */
static bool
container(struct reader *r, int at, int depth)
{
	bool object = *r->p == '{';
	const char closer = object ? '}' : ']';
	const char *key = NULL;
	size_t klen;
	int child;

	r->p++;
	skip_space(r);
	if (r->p < r->end && *r->p == closer) {
		r->p++;
		return true;
	}
	for (;;) {
		if (object) {
			if (r->p >= r->end || *r->p != '"')
				return fail(r, "expected a key in quotes");
			if (!string(r, &key, &klen))
				return false;
			skip_space(r);
			if (r->p >= r->end || *r->p != ':')
				return fail(r, "expected `:' after a key");
			r->p++;
		}
		if ((child = value_(r, depth + 1)) == -1)
			return false;
		r->doc->node[child].key = key;
		r->doc->node[at].count++;
		r->doc->node[at].span += r->doc->node[child].span;
		skip_space(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			skip_space(r);
			if (r->p < r->end && *r->p == closer)
				return fail(r, "a comma before `%c'", closer);
			continue;
		}
		if (r->p < r->end && *r->p == closer) {
			r->p++;
			return true;
		}
		return fail(r, "expected `,' or `%c'", closer);
	}
}

/* one value at r->p: its node's index, or -1 */
static int
value_(struct reader *r, int depth)
{
	struct json_node *v;
	const char *s;
	size_t len;
	double num = 0;
	int at;

	skip_space(r);
	if (r->p >= r->end) {
		fail(r, "the text ends where a value should be");
		return -1;
	}
	switch (*r->p) {
	case '{':
	case '[':
		if (depth >= JSON_DEPTH) {
			fail(r, "nested deeper than %d", JSON_DEPTH);
			return -1;
		}
		if ((at = new_node(r, *r->p == '{' ? JSON_OBJECT :
		    JSON_ARRAY)) == -1 || !container(r, at, depth))
			return -1;
		return at;
	case '"':
		if (!string(r, &s, &len) || (at = new_node(r,
		    JSON_STRING)) == -1)
			return -1;
		v = &r->doc->node[at];
		v->str = s;
		v->len = len;
		return at;
	case 't':
		return literal(r, "true") ? new_node(r, JSON_TRUE) : -1;
	case 'f':
		return literal(r, "false") ? new_node(r, JSON_FALSE) : -1;
	case 'n':
		return literal(r, "null") ? new_node(r, JSON_NULL) : -1;
	default:
		if (!number(r, &num) || (at = new_node(r, JSON_NUMBER)) == -1)
			return -1;
		r->doc->node[at].num = num;
		return at;
	}
}

bool
json_parse(struct json_doc *d, const char *text, size_t len, int max_nodes,
    char *err, size_t errlen)
{
	struct reader r = { .p = (const unsigned char *)text,
	    .start = (const unsigned char *)text,
	    .end = (const unsigned char *)text + len, .doc = d,
	    .max_nodes = max_nodes > 0 ? max_nodes : 1, .err = err,
	    .errlen = errlen };

	memset(d, 0, sizeof *d);
	if ((d->strings = malloc(len + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	r.out = d->strings;
	if (value_(&r, 0) == -1)
		goto fail;
	skip_space(&r);
	if (r.p < r.end) {
		fail(&r, "more after the value");
		goto fail;
	}
	return true;
fail:
	json_doc_free(d);
	return false;
}

void
json_doc_free(struct json_doc *d)
{
	free(d->node);
	free(d->strings);
	memset(d, 0, sizeof *d);
}

const struct json_node *
json_child(const struct json_node *v)
{
	return v != NULL && v->count > 0 ? v + 1 : NULL;
}

const struct json_node *
json_next(const struct json_node *parent, const struct json_node *c)
{
	return c + c->span < parent + parent->span ? c + c->span : NULL;
}

/* an object's member; the first of that name */
const struct json_node *
json_get(const struct json_node *obj, const char *key)
{
	const struct json_node *c;

	if (obj == NULL || obj->type != JSON_OBJECT)
		return NULL;
	for (c = json_child(obj); c != NULL; c = json_next(obj, c))
		if (strcmp(c->key, key) == 0)
			return c;
	return NULL;
}

/* a number that is a whole number within [min, max] */
bool
json_integer(const struct json_node *v, long long min, long long max,
    long long *out)
{
	const double exact = 9007199254740992.0;	/* 2^53 */

	/* within 2^53 first: there a double is exact, and the cast defined */
	if (v == NULL || v->type != JSON_NUMBER || !(v->num >= -exact &&
	    v->num <= exact) || v->num != (double)(long long)v->num ||
	    (long long)v->num < min || (long long)v->num > max)
		return false;
	*out = (long long)v->num;
	return true;
}

const char *
json_type_name(enum json_type t)
{
	static const char *const names[] = {
		[JSON_NULL] = "null", [JSON_FALSE] = "a boolean",
		[JSON_TRUE] = "a boolean", [JSON_NUMBER] = "a number",
		[JSON_STRING] = "a string", [JSON_ARRAY] = "an array",
		[JSON_OBJECT] = "an object",
	};

	return names[t];
}
