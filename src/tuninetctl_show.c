/*
 * tuninetctl_show.c: replies in words, for people; --json gives them as
 * they came, for scripts. Ages and countdowns are reckoned from the
 * reply's "now" (the daemon's clock); times of day are local.
 *
 * status: one line per watch, columns aligned as `ip -br' aligns them:
 *   name  state  since  last packet  deadline  sensors  [notes]  trigger
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "duration.h"
#include "json.h"
#include "text.h"
#include "tuninetctl.h"

#define CELL	256
#define COLUMNS	8

/* a member's number, 0 when missing or null */
static double
num(const struct json_node *o, const char *key)
{
	const struct json_node *v = json_get(o, key);

	return v != NULL && v->type == JSON_NUMBER ? v->num : 0;
}

/* a member's boolean, false when missing */
static bool
flag(const struct json_node *o, const char *key)
{
	const struct json_node *v = json_get(o, key);

	return v != NULL && v->type == JSON_TRUE;
}

/* a member's string, NULL when missing or null */
static const char *
str(const struct json_node *o, const char *key)
{
	const struct json_node *v = json_get(o, key);

	return v != NULL && v->type == JSON_STRING ? v->str : NULL;
}

/* seconds of the reply, as duration.c writes them: to the nearest ns
 * (the reply's are decimal, a double's binary); NaN and below 0 are 0,
 * beyond an int64_t of ns (292 years) its most */
static const char *
duration(char *buf, size_t len, double s)
{
	int64_t ns;

	if (!(s > 0))
		ns = 0;
	else if (s >= 9e9)
		ns = INT64_MAX;
	else
		ns = (int64_t)(s * 1e9 + 0.5);
	return duration_format(buf, len, ns);
}

/* a time of day, local; with the date when not today's */
static const char *
clock_time(char *buf, size_t len, double t, double now, bool ms)
{
	time_t tt = (time_t)t, tn = (time_t)now;
	struct tm tm, tmn;
	size_t n;

	localtime_r(&tt, &tm);
	localtime_r(&tn, &tmn);
	n = strftime(buf, len, tm.tm_year == tmn.tm_year &&
	    tm.tm_yday == tmn.tm_yday ? "%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm);
	if (ms && n > 0)
		snprintf(buf + n, len - n, ".%03d",
		    (int)((t - floor(t)) * 1000));
	return buf;
}

/* ISO 8601, local time with its offset, to the millisecond */
static const char *
iso_time(char *buf, size_t len, double t)
{
	time_t tt = (time_t)t;
	char zone[8];
	struct tm tm;
	size_t n;

	localtime_r(&tt, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof zone, "%z", &tm);
	if (n > 0)
		snprintf(buf + n, len - n, ".%03d%.3s:%s",
		    (int)((t - floor(t)) * 1000), zone, zone + 3);
	return buf;
}

static bool
active(const char *state)
{
	return state != NULL && (strcmp(state, "starting") == 0 ||
	    strcmp(state, "up") == 0 || strcmp(state, "stopping") == 0);
}

/* what a watch has in hand beyond the rest: connections, held packets,
 * failed starts; "" when nothing */
static void
notes(char *buf, size_t len, const struct json_node *w)
{
	const struct json_node *q = json_get(w, "queue"), *b;
	const struct json_node *conn = json_get(w, "connections");
	const struct json_node *ss = json_get(w, "sessions");
	size_t n = 0;

	buf[0] = '\0';
	if (ss != NULL)
		text_append(buf, len, &n, "%.0f session%s (%.0f up)",
		    num(ss, "count"), num(ss, "count") == 1 ? "" : "s",
		    num(ss, "up"));
	if (ss != NULL && num(ss, "refused") > 0)
		text_append(buf, len, &n, ", %.0f refused (session-max %.0f)",
		    num(ss, "refused"), num(ss, "max"));
	if (conn != NULL && conn->type == JSON_NUMBER)
		text_append(buf, len, &n, "%.0f connection%s open", conn->num,
		    conn->num == 1 ? "" : "s");
	if (q != NULL)
		text_append(buf, len, &n, "%s%.0f held, %.0f dropped", n ?
		    ", " : "", num(q, "held"), num(q, "dropped"));
	if (q != NULL && num(q, "kernel_dropped") > 0)
		text_append(buf, len, &n, " (%.0f by the kernel)",
		    num(q, "kernel_dropped"));
	if ((b = json_get(w, "backoff")) != NULL && num(b, "failures") > 0)
		text_append(buf, len, &n, "%s%.0f failed start%s", n ? ", " :
		    "", num(b, "failures"), num(b, "failures") == 1 ? "" : "s");
}

/* the deadline's cell: the stop due, or the start due after a back-off
 * or hold-off */
static void
deadline(char *buf, size_t len, const struct json_node *w, double now)
{
	const struct json_node *b = json_get(w, "backoff");
	const char *state = str(w, "state");
	double due = num(w, "deadline");
	char d[32];

	if (b != NULL && num(b, "until") > now)
		snprintf(buf, len, "retry in %s", duration(d, sizeof d,
		    num(b, "until") - now));
	else if (due == 0 || (state != NULL && strcmp(state, "stopping") == 0))
		snprintf(buf, len, "-");
	else if (flag(w, "kept_up_by_connections"))
		snprintf(buf, len, "kept up by open connections");
	else if (active(state))
		snprintf(buf, len, "stop in %s", duration(d, sizeof d,
		    due - now));
	else
		snprintf(buf, len, "start in %s", duration(d, sizeof d,
		    due - now));
}

/* what started it: the packet, or the way it came without one */
static void
started(char *buf, size_t len, const struct json_node *w)
{
	const struct json_node *t = json_get(w, "trigger");
	const char *by = str(w, "started_by");

	if (!active(str(w, "state")) || by == NULL)
		snprintf(buf, len, "-");
	else if (strcmp(by, "packet") == 0 && t != NULL &&
	    str(t, "summary") != NULL)
		snprintf(buf, len, "%s", str(t, "summary"));
	else if (strcmp(by, "control") == 0)
		snprintf(buf, len, "started by tuninetctl start");
	else if (strcmp(by, "recovered") == 0)
		snprintf(buf, len, "taken over from the state file");
	else
		snprintf(buf, len, "-");
}

/* --session: a line per session the reply lists (at most 100 a watch) */
static void
show_sessions(FILE *out, const struct json_node *w, double now)
{
	const struct json_node *ss = json_get(w, "sessions"), *list, *s;
	const char *state;
	char d[32];
	int shown = 0;

	if (ss == NULL)
		return;
	list = json_get(ss, "list");
	for (s = json_child(list); s != NULL; s = json_next(list, s)) {
		state = str(s, "state");
		fprintf(out, "  %s session %s: %s", str(w, "name") ?
		    str(w, "name") : "?", str(s, "session") ? str(s, "session") :
		    "?", state ? state : "?");
		if (num(s, "deadline") > 0 && active(state))
			fprintf(out, ", stop in %s", duration(d, sizeof d,
			    num(s, "deadline") - now));
		fprintf(out, "\n");
		shown++;
	}
	if (num(ss, "count") > shown)
		fprintf(out, "  ... and %.0f more\n", num(ss, "count") - shown);
}

void
show_status(FILE *out, const struct json_node *root)
{
	const struct json_node *list = json_get(root, "watches"), *w;
	double now = num(root, "now");
	int width[COLUMNS] = { 0 }, n = 0, r, c, len, last;
	char (*cells)[COLUMNS][CELL], d[32], t[32];
	bool any_notes = false;

	for (w = json_child(list); w != NULL; w = json_next(list, w))
		n++;
	if (n == 0 || (cells = calloc((size_t)n, sizeof *cells)) == NULL)
		return;
	r = 0;
	for (w = json_child(list); w != NULL; w = json_next(list, w), r++) {
		const char *state = str(w, "state");

		snprintf(cells[r][0], CELL, "%s", str(w, "name") ?
		    str(w, "name") : "?");
		/* held while up (or starting, stopping): both are true */
		snprintf(cells[r][1], CELL, "%s%s", state ? state : "?",
		    flag(w, "held") && state != NULL && strcmp(state, "held") ?
		    ", held" : "");
		snprintf(cells[r][2], CELL, "since %s", clock_time(t, sizeof t,
		    num(w, "since"), now, false));
		if (num(w, "last_packet") > 0)
			snprintf(cells[r][3], CELL, "last %s ago",
			    duration(d, sizeof d, now - num(w, "last_packet")));
		else
			snprintf(cells[r][3], CELL, "no packet yet");
		deadline(cells[r][4], CELL, w, now);
		snprintf(cells[r][5], CELL, "%s", str(w, "sensors") ?
		    str(w, "sensors") : "-");
		notes(cells[r][6], CELL, w);
		if (cells[r][6][0] != '\0')
			any_notes = true;
		started(cells[r][7], CELL, w);
	}
	for (r = 0; r < n; r++)
		for (c = 0; c < COLUMNS; c++)
			if ((len = (int)strlen(cells[r][c])) > width[c])
				width[c] = len;
	last = COLUMNS - 1;
	for (r = 0; r < n; r++) {
		for (c = 0; c < last; c++) {
			if (c == 6 && !any_notes)
				continue;
			fprintf(out, "%-*s  ", width[c], cells[r][c]);
		}
		fprintf(out, "%s\n", cells[r][last]);
	}
	free(cells);
	for (w = json_child(list); w != NULL; w = json_next(list, w))
		show_sessions(out, w, now);
	if ((w = json_get(root, "jail")) != NULL && w->type == JSON_OBJECT)
		fprintf(out, "packets are read as %s (uid %.0f), with "
		    "CAP_NET_ADMIN and CAP_NET_RAW, no_new_privs, seccomp, "
		    "landlock ABI %.0f; hooks run as root\n", str(w, "user") ?
		    str(w, "user") : "?", num(w, "uid"), num(w, "landlock"));
}

void
show_why(FILE *out, const struct json_node *root)
{
	const struct json_node *w = json_get(root, "watch"), *t, *m, *list;
	const char *state = str(w, "state"), *name = str(w, "name");
	const char *by = str(w, "started_by");
	double now = num(root, "now"), last = num(w, "last_packet");
	char a[32], b[32], c[32];
	int i;

	if (w == NULL || state == NULL || name == NULL)
		return;
	if (strcmp(state, "held") == 0)
		fprintf(out, "%s: held since %s (tuninetctl hold): packets "
		    "start nothing until tuninetctl release\n", name,
		    clock_time(a, sizeof a, num(w, "since"), now, false));
	else if (!active(state))
		fprintf(out, "%s: idle since %s: nothing keeps it up\n", name,
		    clock_time(a, sizeof a, num(w, "since"), now, false));
	else {
		fprintf(out, "%s: %s since %s (%s)", name, state,
		    clock_time(a, sizeof a, num(w, "up_since"), now, false),
		    duration(b, sizeof b, now - num(w, "up_since")));
		if (strcmp(state, "stopping") == 0)
			fprintf(out, ", its stop hook running\n");
		else if (flag(w, "kept_up_by_connections"))
			fprintf(out, "; open connections keep it up, and it "
			    "stops %.0f s after they close (TTL)\n",
			    num(w, "ttl"));
		else if (num(w, "deadline") > 0)
			fprintf(out, "; stop in %s unless a packet comes (TTL "
			    "%.0f s)\n", duration(c, sizeof c,
			    num(w, "deadline") - now), num(w, "ttl"));
		else
			fprintf(out, "\n");
		t = json_get(w, "trigger");
		if (by != NULL && strcmp(by, "packet") == 0 && t != NULL &&
		    str(t, "summary") != NULL)
			fprintf(out, "  started by:  %s\n               seen "
			    "by %s at %s, %s ago\n", str(t, "summary"),
			    str(t, "sensor") ? str(t, "sensor") : "?",
			    clock_time(a, sizeof a, num(t, "time"), now, true),
			    duration(b, sizeof b, now - num(t, "time")));
		else if (by != NULL && strcmp(by, "control") == 0)
			fprintf(out, "  started by:  tuninetctl start\n");
		else if (by != NULL && strcmp(by, "recovered") == 0)
			fprintf(out, "  started by:  an earlier tuninetd; "
			    "taken over from the state file\n");
	}
	if (last > 0)
		fprintf(out, "  last packet: %s ago, at %s%s%s\n",
		    duration(a, sizeof a, now - last),
		    clock_time(b, sizeof b, last, now, true),
		    str(w, "last_sensor") ? ", by " : "",
		    str(w, "last_sensor") ? str(w, "last_sensor") : "");
	if (flag(w, "held") && active(state))
		fprintf(out, "  held:        tuninetctl hold: once it stops, "
		    "packets start nothing until tuninetctl release\n");
	if ((m = json_get(w, "connections")) != NULL &&
	    m->type == JSON_NUMBER && m->num > 0) {
		fprintf(out, "  held up by:  %.0f open connection%s "
		    "(--keep-connections)", m->num, m->num == 1 ? "" : "s");
		if (num(w, "connections_seen") > 0)
			fprintf(out, ", seen open %s ago",
			    duration(a, sizeof a, now - num(w,
			    "connections_seen")));
		fprintf(out, "\n");
	}
	list = json_get(w, "kept");	/* at most 64 (KEPT_SHOWN) */
	if (json_child(list) != NULL) {
		fprintf(out, "  kept up by:  %d address%s of DNS answers "
		    "(dns-keep)%s:\n", list->count, list->count == 1 ? "" :
		    "es", list->count >= 64 ? ", 64 shown at most" : "");
		for (m = json_child(list); m != NULL; m = json_next(list, m))
			fprintf(out, "    %-39s %10s left  %s\n",
			    str(m, "address") ? str(m, "address") : "?",
			    duration(a, sizeof a, num(m, "left")),
			    str(m, "name") ? str(m, "name") : "?");
	}
	list = json_get(w, "moved");
	if (json_child(list) == NULL)
		return;
	if (list->count == 1)
		fprintf(out, "  the last packet that moved the deadline:\n");
	else
		fprintf(out, "  the last %d packets that moved the deadline, "
		    "newest first:\n", list->count);
	for (m = json_child(list), i = 0; m != NULL; m = json_next(list, m),
	    i++)
		fprintf(out, "    %s  %10s ago  %s\n",
		    clock_time(a, sizeof a, num(m, "time"), now, true),
		    duration(b, sizeof b, now - num(m, "time")),
		    str(m, "sensor") ? str(m, "sensor") : "?");
}

/* how long a hook ran: 3.2 ms, 1.5 s */
static const char *
run_time(char *buf, size_t len, const struct json_node *v)
{
	if (v == NULL || v->type != JSON_NUMBER)
		snprintf(buf, len, "-");
	else if (v->num < 1)
		snprintf(buf, len, "%.1f ms", v->num * 1000);
	else
		duration(buf, len, v->num);
	return buf;
}

void
show_events(FILE *out, const struct json_node *root)
{
	const struct json_node *list = json_get(root, "events"), *e;
	int width[4] = { 0 }, i, c, len;
	char how[32], a[40], d[32];
	const char *cell[4];

	/* two passes: widths, then lines */
	for (i = 0; i < 2; i++)
		for (e = json_child(list); e != NULL; e = json_next(list, e)) {
			const char *result = str(e, "result");

			cell[0] = str(e, "watch") ? str(e, "watch") : "?";
			cell[1] = str(e, "event") ? str(e, "event") : "?";
			cell[2] = str(e, "reason") ? str(e, "reason") : "?";
			if (result == NULL || strcmp(result, "not run") == 0)
				snprintf(how, sizeof how, "could not run");
			else
				snprintf(how, sizeof how, "%s %.0f", result,
				    num(e, "status"));
			cell[3] = how;
			if (i == 0) {
				for (c = 0; c < 4; c++)
					if ((len = (int)strlen(cell[c])) >
					    width[c])
						width[c] = len;
				continue;
			}
			fprintf(out, "%s  %-*s  %-*s  %-*s  %-*s  %s\n",
			    iso_time(a, sizeof a, num(e, "time")),
			    width[0], cell[0], width[1], cell[1], width[2],
			    cell[2], width[3], cell[3],
			    run_time(d, sizeof d, json_get(e, "duration")));
		}
}
