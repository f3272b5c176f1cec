/*
 * json.c: JSON (RFC 8259), written. Pure, no I/O. (Read: json_read.c.)
 *
 * Values separated by commas where they follow one another, keys and
 * strings escaped (quotes, backslashes and every control byte); UTF-8
 * is passed as it is and a byte that is not part of valid UTF-8 becomes
 * U+FFFD, so whatever a string held the text stays JSON. A failure
 * (memory, nesting deeper than JSON_DEPTH) is remembered and json_text
 * then answers NULL.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* The length of the valid UTF-8 sequence at s (RFC 3629: no overlong
 * form, no surrogate, nothing above U+10FFFF), or 0. */
size_t
json_utf8_len(const unsigned char *s, size_t avail)
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
		    (n = json_utf8_len(u, left)) > 0) {
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
