/*
 * json.c: JSON (RFC 8259), written and read. Pure, no I/O.
 *
 * Writing: values separated by commas where they follow one another, keys
 * and strings escaped (quotes, backslashes and every control byte); UTF-8
 * is passed as it is and a byte that is not part of valid UTF-8 becomes
 * U+FFFD, so whatever a string held the text stays JSON. A failure
 * (memory, nesting deeper than JSON_DEPTH) is remembered and json_text
 * then answers NULL.
 *
 * Reading: what a peer of the control socket sends, so nothing is
 * trusted. Strict: one value and only whitespace around it, no trailing
 * comma, no comment, no leading zero, valid UTF-8, escapes as the RFC
 * has them (a lone surrogate is refused, and so is \u0000: strings are C
 * strings here). Bounded: nesting to JSON_DEPTH (the recursion's depth),
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

/* The length of the valid UTF-8 sequence at s (RFC 3629: no overlong
 * form, no surrogate, nothing above U+10FFFF), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t avail)
{
	size_t n, i;
	unsigned cp;

	if (avail == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > avail)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

void
json_init(struct json *j)
{
	memset(j, 0, sizeof *j);
	j->first[0] = true;
}

void
json_free(struct json *j)
{
	free(j->buf);
	json_init(j);
}

const char *
json_text(const struct json *j)
{
	return j->failed ? NULL : j->buf != NULL ? j->buf : "";
}

static void
put(struct json *j, const char *s, size_t n)
{
	char *b;
	size_t cap;

	if (j->failed)
		return;
	if (j->len + n + 1 > j->cap) {
		cap = j->cap != 0 ? j->cap : 256;
		while (cap < j->len + n + 1)
			cap *= 2;
		if ((b = realloc(j->buf, cap)) == NULL) {
			j->failed = true;
			return;
		}
		j->buf = b;
		j->cap = cap;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

/* a comma before any value but the first at its depth, or after a key */
static void
value(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		put(j, ",", 1);
	j->first[j->depth] = false;
}

static void
quoted(struct json *j, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t left = strlen(s), n;
	const char *run = s;
	char esc[8];

	put(j, "\"", 1);
	while (left > 0) {
		unsigned char c = *u;

		if (c >= 0x20 && c != '"' && c != '\\' &&
		    (n = utf8_len(u, left)) > 0) {
			u += n;
			left -= n;
			continue;
		}
		put(j, run, (size_t)((const char *)u - run));
		if (c == '"' || c == '\\')
			snprintf(esc, sizeof esc, "\\%c", c);
		else if (c == '\n')
			snprintf(esc, sizeof esc, "\\n");
		else if (c == '\t')
			snprintf(esc, sizeof esc, "\\t");
		else if (c < 0x20)
			snprintf(esc, sizeof esc, "\\u%04x", c);
		else
			snprintf(esc, sizeof esc, "\\ufffd");
		put(j, esc, strlen(esc));
		u++;
		left--;
		run = (const char *)u;
	}
	put(j, run, (size_t)((const char *)u - run));
	put(j, "\"", 1);
}

static void
open_(struct json *j, const char *c, char closer)
{
	value(j);
	put(j, c, 1);
	if (j->depth + 1 >= JSON_DEPTH) {
		j->failed = true;
		return;
	}
	j->first[++j->depth] = true;
	j->closer[j->depth] = closer;
}

void
json_object(struct json *j)
{
	open_(j, "{", '}');
}

void
json_array(struct json *j)
{
	open_(j, "[", ']');
}

void
json_end(struct json *j)
{
	if (j->failed || j->depth == 0) {
		j->failed = true;
		return;
	}
	put(j, &j->closer[j->depth], 1);
	j->depth--;
}

void
json_key(struct json *j, const char *key)
{
	value(j);
	quoted(j, key);
	put(j, ":", 1);
	j->after_key = true;
}

void
json_string(struct json *j, const char *s)
{
	value(j);
	quoted(j, s != NULL ? s : "");
}

void
json_stringf(struct json *j, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	json_string(j, buf);
}

void
json_int(struct json *j, long long v)
{
	char buf[32];

	value(j);
	snprintf(buf, sizeof buf, "%lld", v);
	put(j, buf, strlen(buf));
}

void
json_double(struct json *j, double v, int decimals)
{
	char buf[64];

	if (!isfinite(v)) {	/* JSON has no infinity, no NaN */
		json_null(j);
		return;
	}
	value(j);
	snprintf(buf, sizeof buf, "%.*f", decimals, v);
	put(j, buf, strlen(buf));
}

void
json_bool(struct json *j, bool v)
{
	value(j);
	put(j, v ? "true" : "false", v ? 4 : 5);
}

void
json_null(struct json *j)
{
	value(j);
	put(j, "null", 4);
}

/* ---- reading ---- */

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
			if ((n = utf8_len(r->p, (size_t)(r->end - r->p))) == 0)
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
