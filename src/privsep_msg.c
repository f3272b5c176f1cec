/*
 * privsep_msg.c: what the worker may ask of the monitor (privsep.c), read
 * by the monitor, which trusts it with nothing: one request per
 * SOCK_SEQPACKET record, text, bounded, every field checked.
 *
 *	run ID EVENT WATCH\n[NAME=VALUE\n]...
 *	timeout ID SECONDS
 *	kill
 *	config
 *	reloaded
 *	kept
 *
 * ID is the worker's number for a run (1 to PRIVSEP_ID_MAX), EVENT start
 * or stop, WATCH a watch's name (`-': the command line's). The NAMEs are
 * the hook environment's own, from a fixed list, each at most once; a
 * VALUE is at most PRIVSEP_VALUE_MAX bytes, none a control byte but a
 * tab (a --match expression may hold one). The
 * worker never sends a path, an argv or an environment of its own: the
 * monitor takes the watch's command and timeout from its own copy of the
 * configuration, and the rest of the environment from its own.
 * `config' asks for the configuration files, read again (a reload);
 * `reloaded' and `kept' say whether the worker took them or kept what
 * it ran (the monitor's copy follows).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "privsep_msg.h"

/* the variables a hook may be given (watch_say.c, watch_session.c, the
 * sensors' env) */
static const char *const names[] = {
	"TUNINETD_EVENT", "TUNINETD_REASON", "TUNINETD_WATCH", "TUNINETD_PID",
	"TUNINETD_TTL", "TUNINETD_UP_SECONDS", "TUNINETD_SENSOR",
	"TUNINETD_INTERFACE", "TUNINETD_NFLOG_GROUP", "TUNINETD_NFLOG_PREFIX",
	"TUNINETD_QUEUE", "TUNINETD_NFT_MATCH", "TUNINETD_NFT_HOOKS",
	"TUNINETD_NFT_SET", "TUNINETD_SRC", "TUNINETD_DST", "TUNINETD_PROTO",
	"TUNINETD_SPORT", "TUNINETD_DPORT", "TUNINETD_DNS_NAME",
	"TUNINETD_DNS_TYPE", "TUNINETD_SESSION", "TUNINETD_SESSION_KEY",
};

/* the requests of one word */
static const struct {
	const char		*word;
	enum privsep_kind	 kind;
} alone[] = {
	{ "kill", PRIVSEP_KILL }, { "config", PRIVSEP_CONFIG },
	{ "reloaded", PRIVSEP_RELOADED }, { "kept", PRIVSEP_KEPT },
};

_Static_assert(sizeof names / sizeof names[0] <= PRIVSEP_ENV_MAX,
    "room for each variable once");

/* a decimal number from 0 to max, the whole of s */
static bool
number(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] != '\0'))
		return false;
	*v = strtoul(s, &end, 10);
	return *end == '\0' && *v <= max;
}

/* the first line's words, split in place at single spaces */
static int
words(char *line, char **w, int max)
{
	int n = 0;

	for (;;) {
		if (n == max || *line == '\0' || *line == ' ')
			return -1;
		w[n++] = line;
		if ((line = strchr(line, ' ')) == NULL)
			return n;
		*line++ = '\0';
	}
}

static bool
fail(char *why, size_t len, const char *what)
{
	snprintf(why, len, "%s", what);
	return false;
}

static bool
env_line(struct privsep_request *rq, char *line, char *why, size_t len)
{
	char *eq = strchr(line, '=');
	const unsigned char *c;
	size_t i, k;

	if (eq == NULL)
		return fail(why, len, "an environment line without `='");
	*eq = '\0';
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(line, names[i]) == 0)
			break;
	if (i == sizeof names / sizeof names[0])
		return fail(why, len, "a variable not of the hook's list");
	for (k = 0; k < (size_t)rq->nenv; k++)
		if (strncmp(rq->env[k], line, (size_t)(eq - line)) == 0 &&
		    rq->env[k][eq - line] == '=')
			return fail(why, len, "a variable given twice");
	if (strlen(eq + 1) > PRIVSEP_VALUE_MAX)
		return fail(why, len, "a value too long");
	for (c = (const unsigned char *)eq + 1; *c != '\0'; c++)
		if ((*c < 0x20 && *c != '\t') || *c == 0x7f)
			return fail(why, len, "a value with a control byte");
	*eq = '=';
	rq->env[rq->nenv++] = line;
	return true;
}

/* msg (len bytes, room for one more) parsed in place into rq; false and
 * why if it is no request the worker may make */
bool
privsep_parse(char *msg, size_t len, struct privsep_request *rq, char *why,
    size_t whylen)
{
	char *w[5], *line, *next;
	unsigned long v;
	int n;

	memset(rq, 0, sizeof *rq);
	rq->kind = PRIVSEP_NONE;	/* until its first word is read */
	if (len == 0 || len > PRIVSEP_MSG_MAX)
		return fail(why, whylen, "a message empty or too long");
	if (memchr(msg, '\0', len) != NULL)
		return fail(why, whylen, "a NUL byte");
	msg[len] = '\0';
	if ((next = strchr(msg, '\n')) != NULL)
		*next++ = '\0';
	if ((n = words(msg, w, 5)) == -1)
		return fail(why, whylen, "no request");
	for (v = 0; v < sizeof alone / sizeof alone[0]; v++)
		if (strcmp(w[0], alone[v].word) == 0) {
			if (n != 1 || next != NULL)
				return fail(why, whylen,
				    "words after the request");
			rq->kind = alone[v].kind;
			return true;
		}
	if (strcmp(w[0], "timeout") == 0) {
		if (n != 3 || next != NULL || !number(w[1], PRIVSEP_ID_MAX, &v) ||
		    v == 0)
			return fail(why, whylen, "a timeout request unread");
		rq->kind = PRIVSEP_TIMEOUT;
		rq->id = (unsigned)v;
		if (!number(w[2], PRIVSEP_TIMEOUT_MAX, &v))
			return fail(why, whylen, "a timeout out of range");
		rq->seconds = (unsigned)v;
		return true;
	}
	if (strcmp(w[0], "run") != 0)
		return fail(why, whylen, "an unknown request");
	if (n != 4 || !number(w[1], PRIVSEP_ID_MAX, &v) || v == 0)
		return fail(why, whylen, "a run request unread");
	rq->kind = PRIVSEP_RUN;
	rq->id = (unsigned)v;
	if (strcmp(w[2], "start") != 0 && strcmp(w[2], "stop") != 0)
		return fail(why, whylen, "an event neither start nor stop");
	snprintf(rq->event, sizeof rq->event, "%s", w[2]);
	if (strlen(w[3]) >= sizeof rq->watch)
		return fail(why, whylen, "a watch name too long");
	snprintf(rq->watch, sizeof rq->watch, "%s", w[3]);
	for (line = next; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '\0')
			return fail(why, whylen, "an empty line");
		if (rq->nenv == PRIVSEP_ENV_MAX)
			return fail(why, whylen, "too many variables");
		if (!env_line(rq, line, why, whylen))
			return false;
	}
	return true;
}
