/*
 * replay_report.c: what a replay prints.
 *
 * Text: the capture in one line, then the timeline, one line per start or
 * stop (capture time in UTC to the millisecond; with -C the watch's name
 * first, the watches' lines merged in time order), then a table: cycles,
 * time up, share of the capture up, longest up, longest down. With
 * --ttl-sweep, one row per TTL instead: cycles, time up, share up, hook
 * runs. Lengths of time are written as tuninetctl writes them
 * (duration.c: 7.5 s, 1m44s, 1d21h). When nothing started because the
 * capture's NFLOG groups are none of the watches', a line says so, in
 * place of the timeline or above the sweep.
 *
 * JSON (json.h), one object, lengths of time in exact seconds: "events"
 * (a start with the trigger packet's summary line and its values under
 * the hook environment's names, lower case without TUNINETD_; a stop with
 * how long it was up), "cycles", "up_seconds", "capture_seconds" and the
 * rest of the table; with a sweep "sweep": [{"ttl", "cycles",
 * "up_seconds", "hook_runs"}]. With -C each watch's object, with its
 * "name", is an element of "watches".
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "duration.h"
#include "json.h"
#include "replay.h"

/* "1970-01-01 00:16:40.000" */
static const char *
utc(int64_t ns, char *buf, size_t len)
{
	time_t sec = (time_t)(ns / NSEC_PER_SEC);
	int64_t frac = ns % NSEC_PER_SEC;
	struct tm tm;
	size_t n;

	if (frac < 0) {
		frac += NSEC_PER_SEC;
		sec--;
	}
	if (gmtime_r(&sec, &tm) == NULL ||
	    (n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm)) == 0) {
		snprintf(buf, len, "%" PRId64 " ns", ns);
		return buf;
	}
	snprintf(buf + n, len - n, ".%03d", (int)(frac / 1000000));
	return buf;
}

static double
seconds(int64_t ns)
{
	return (double)(ns / NSEC_PER_SEC) + (double)(ns % NSEC_PER_SEC) / 1e9;
}

static const char *
share(int64_t up, const struct replay_capture *c, char *buf, size_t len)
{
	if (c->last > c->first)
		snprintf(buf, len, "%.1f%%", 100.0 * (double)up /
		    (double)(c->last - c->first));
	else
		snprintf(buf, len, "-");	/* a capture of one instant */
	return buf;
}

/* the name column: as wide as the longest name and its header, none on
 * the command line */
static int
name_width(const struct replay *r)
{
	int i, w = 0, n;

	for (i = 0; i < replay_nresults(r); i++)
		if (replay_result(r, i)->name != NULL &&
		    (n = (int)strlen(replay_result(r, i)->name)) > w)
			w = n;
	return w > 0 && w < (int)strlen("watch") ? (int)strlen("watch") : w;
}

static void
name_column(FILE *out, int width, const char *name)
{
	if (width > 0)
		fprintf(out, "%-*s  ", width, name != NULL ? name : "");
}

static void
event_line(FILE *out, int width, const struct replay_result *res,
    const struct replay_event *e)
{
	char when[48], up[32];

	name_column(out, width, res->name);
	fprintf(out, "%s %-5s %-6s  ", utc(e->time, when, sizeof when),
	    e->start ? "start" : "stop", fsm_reason_name(e->reason));
	if (e->start)
		fprintf(out, "%s%s\n", e->have_packet ? e->summary : "",
		    e->after_end ? " (after the end of the capture)" : "");
	else
		fprintf(out, "(up %s%s)\n", duration_format(up, sizeof up,
		    e->up), e->after_end ? ", after the end of the capture" :
		    "");
}

/* Every watch's events, merged in time order (a tie: the file's order). */
static void
timeline(const struct replay *r, FILE *out, int width)
{
	const struct replay_result *res, *best;
	int i, n = replay_nresults(r), bi, lines = 0;
	char why[512];
	size_t *next;

	if ((next = calloc((size_t)n, sizeof *next)) == NULL)
		abort();
	for (;;) {
		best = NULL;
		bi = -1;
		for (i = 0; i < n; i++) {
			res = replay_result(r, i);
			if (next[i] < res->nevents && (best == NULL ||
			    res->events[next[i]].time <
			    best->events[next[bi]].time)) {
				best = res;
				bi = i;
			}
		}
		if (best == NULL)
			break;
		event_line(out, width, best, &best->events[next[bi]++]);
		lines++;
	}
	free(next);
	if (lines == 0)
		fprintf(out, "no start: %s\n", replay_groups_unread(r, why,
		    sizeof why) ? why : "no packet fired one");
}

void
replay_print_text(const struct replay *r, FILE *out)
{
	const struct replay_capture *c = replay_capture(r);
	const struct replay_result *res;
	char a[48], b[48], d[32], e[32], s[16], why[512];
	int i, width = name_width(r);
	bool sweep = !replay_result(r, 0)->timeline;

	fprintf(out, "%s: %lu packet%s of %s, %s to %s UTC (%s)\n\n", c->path,
	    c->packets, c->packets == 1 ? "" : "s", c->linktype_name,
	    utc(c->first, a, sizeof a), utc(c->last, b, sizeof b),
	    duration_format(d, sizeof d, c->last - c->first));
	if (!sweep) {
		timeline(r, out, width);
		fputc('\n', out);
	} else if (replay_groups_unread(r, why, sizeof why))
		fprintf(out, "no start: %s\n\n", why);
	name_column(out, width, width > 0 ? "watch" : NULL);
	if (sweep)
		fprintf(out, "%6s  %6s  %12s  %6s  %9s\n", "ttl", "cycles",
		    "time up", "share", "hook runs");
	else
		fprintf(out, "%6s  %12s  %6s  %12s  %12s\n", "cycles",
		    "time up", "share", "longest up", "longest down");
	for (i = 0; i < replay_nresults(r); i++) {
		res = replay_result(r, i);
		name_column(out, width, res->name);
		if (sweep)
			fprintf(out, "%6u  %6d  %12s  %6s  %9d\n", res->ttl,
			    res->cycles, duration_format(d, sizeof d, res->up),
			    share(res->up, c, s, sizeof s), res->hook_runs);
		else
			fprintf(out, "%6d  %12s  %6s  %12s  %12s\n", res->cycles,
			    duration_format(d, sizeof d, res->up),
			    share(res->up, c, s, sizeof s),
			    duration_format(a, sizeof a, res->longest_up),
			    duration_format(e, sizeof e, res->longest_down));
	}
}

static void
json_secs(struct json *j, const char *key, int64_t ns)
{
	json_key(j, key);
	json_double(j, seconds(ns), 6);
}

static void
json_event(struct json *j, const struct replay_event *e)
{
	const struct packet_fields *f = &e->fields;

	json_object(j);
	json_secs(j, "time", e->time);
	json_key(j, "event");
	json_string(j, e->start ? "start" : "stop");
	json_key(j, "reason");
	json_string(j, fsm_reason_name(e->reason));
	if (e->after_end) {
		json_key(j, "after_end");
		json_bool(j, true);
	}
	if (!e->start)
		json_secs(j, "up_seconds", e->up);
	else if (e->have_packet) {
		json_key(j, "summary");
		json_string(j, e->summary);
		json_key(j, "packet");
		json_object(j);
		if (f->src[0] != '\0') {
			json_key(j, "src");
			json_string(j, f->src);
			json_key(j, "dst");
			json_string(j, f->dst);
		}
		if (f->proto[0] != '\0') {
			json_key(j, "proto");
			json_string(j, f->proto);
		}
		if (f->has_ports) {
			json_key(j, "sport");
			json_int(j, f->sport);
			json_key(j, "dport");
			json_int(j, f->dport);
		}
		if (e->nflog_prefix[0] != '\0') {
			json_key(j, "nflog_prefix");
			json_string(j, e->nflog_prefix);
		}
		json_end(j);
	}
	json_end(j);
}

/* A watch's timeline and figures, as members of the object open. */
static void
json_timeline(struct json *j, const struct replay_result *res)
{
	size_t i;

	json_key(j, "ttl");
	json_int(j, res->ttl);
	json_key(j, "events");
	json_array(j);
	for (i = 0; i < res->nevents; i++)
		json_event(j, &res->events[i]);
	json_end(j);
	json_key(j, "cycles");
	json_int(j, res->cycles);
	json_secs(j, "up_seconds", res->up);
	json_secs(j, "longest_up_seconds", res->longest_up);
	json_secs(j, "longest_down_seconds", res->longest_down);
	json_key(j, "hook_runs");
	json_int(j, res->hook_runs);
}

/* The rows of one watch's sweep, from result `from' while the watch is
 * the same; returns the next result. */
static int
json_sweep(struct json *j, const struct replay *r, int from)
{
	const struct replay_result *res, *first = replay_result(r, from);
	int i;

	json_key(j, "sweep");
	json_array(j);
	for (i = from; i < replay_nresults(r) &&
	    (res = replay_result(r, i))->name == first->name; i++) {
		json_object(j);
		json_key(j, "ttl");
		json_int(j, res->ttl);
		json_key(j, "cycles");
		json_int(j, res->cycles);
		json_secs(j, "up_seconds", res->up);
		json_key(j, "hook_runs");
		json_int(j, res->hook_runs);
		json_end(j);
	}
	json_end(j);
	return i;
}

int
replay_print_json(const struct replay *r, FILE *out)
{
	const struct replay_capture *c = replay_capture(r);
	const struct replay_result *res = replay_result(r, 0);
	bool sweep = !res->timeline, named = res->name != NULL;
	struct json j;
	const char *text;
	int i = 0;

	json_init(&j);
	json_object(&j);
	if (!named && sweep)
		json_sweep(&j, r, 0);
	else if (!named)
		json_timeline(&j, res);
	else {
		json_key(&j, "watches");
		json_array(&j);
		for (i = 0; i < replay_nresults(r); ) {
			json_object(&j);
			json_key(&j, "name");
			json_string(&j, replay_result(r, i)->name);
			if (sweep)
				i = json_sweep(&j, r, i);
			else
				json_timeline(&j, replay_result(r, i++));
			json_end(&j);
		}
		json_end(&j);
	}
	json_secs(&j, "capture_seconds", c->last - c->first);
	json_secs(&j, "capture_start", c->first);
	json_key(&j, "packets");
	json_int(&j, (long long)c->packets);
	json_end(&j);
	if ((text = json_text(&j)) == NULL) {
		json_free(&j);
		return -1;
	}
	fprintf(out, "%s\n", text);
	json_free(&j);
	return 0;
}
