/*
 * metrics.c: what `tuninetctl metrics' prints, in the Prometheus text
 * exposition format (version 0.0.4: what node_exporter's textfile
 * collector and every scraper read). Pure: watch_info in, text out.
 *
 * One family at a time, every watch's samples together under its # HELP
 * and # TYPE lines, as the format requires; label watch="NAME" on each.
 * Counters end in _total; histograms have cumulative _bucket{le=...}
 * lines up to +Inf, then _sum and _count. Families that only some
 * sensors have (the queue's, conntrack's) appear only for the watches
 * with such a sensor, and not at all when none has one.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsm.h"
#include "metrics.h"
#include "stats.h"
#include "watch.h"

struct text {
	char	*buf;
	size_t	 len, cap;
	bool	 failed;
};

static void __attribute__((format(printf, 2, 3)))
add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	size_t cap;
	char *b;
	int n;

	if (t->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = true;
			return;
		}
		if ((size_t)n < t->cap - t->len)
			break;
		cap = t->cap * 2 > t->len + (size_t)n + 1 ? t->cap * 2 :
		    t->len + (size_t)n + 1;
		if ((b = realloc(t->buf, cap)) == NULL) {
			t->failed = true;
			return;
		}
		t->buf = b;
		t->cap = cap;
	}
	t->len += (size_t)n;
}

/* a label value: backslash, double quote and line feed escaped */
static const char *
label(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s != '\0' && o + 3 < len; s++) {
		if (*s == '\\' || *s == '"' || *s == '\n') {
			buf[o++] = '\\';
			buf[o++] = *s == '\n' ? 'n' : *s;
		} else
			buf[o++] = *s;
	}
	buf[o] = '\0';
	return buf;
}

static void
family(struct text *t, const char *name, const char *type, const char *help)
{
	add(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* labels: `watch="NAME"' and what follows it, e.g. `,event="start"' */
static void
histogram(struct text *t, const char *name, const char *labels,
    const struct histogram *h)
{
	uint64_t cumulative = 0;
	int i;

	for (i = 0; i < HIST_BUCKETS; i++) {
		cumulative += h->bucket[i];
		add(t, "%s_bucket{%s,le=\"%g\"} %llu\n", name, labels,
		    hist_bounds[i], (unsigned long long)cumulative);
	}
	add(t, "%s_bucket{%s,le=\"+Inf\"} %llu\n", name, labels,
	    (unsigned long long)h->count);
	add(t, "%s_sum{%s} %.6f\n", name, labels, h->sum);
	add(t, "%s_count{%s} %llu\n", name, labels,
	    (unsigned long long)h->count);
}

static bool
active(const struct watch_info *in)
{
	return strcmp(in->state, "starting") == 0 ||
	    strcmp(in->state, "up") == 0 || strcmp(in->state, "stopping") == 0;
}

/* a gauge or counter of the sensors' counts, for the watches that have
 * such a sensor (a count of -1 is none) */
static void
counts(struct text *t, const struct watch_info *w, int n, const char *name,
    const char *type, const char *help,
    long (*count)(const struct watch_info *))
{
	char nm[80];
	bool any = false;
	long v;
	int i;

	for (i = 0; i < n; i++) {
		if ((v = count(&w[i])) < 0)
			continue;
		if (!any)
			family(t, name, type, help);
		any = true;
		add(t, "%s{watch=\"%s\"} %ld\n", name,
		    label(w[i].name, nm, sizeof nm), v);
	}
}

static long
held(const struct watch_info *in)
{
	return in->counts.held;
}

static long
dropped(const struct watch_info *in)
{
	return in->counts.dropped;
}

static long
gone(const struct watch_info *in)
{
	return in->counts.gone;
}

static long
connections(const struct watch_info *in)
{
	return in->counts.connections;
}

static long
sessions(const struct watch_info *in)
{
	return in->sessions;
}

static long
sessions_up(const struct watch_info *in)
{
	return in->sessions_up;
}

static long
sessions_refused(const struct watch_info *in)
{
	return in->sessions_refused;
}

char *
metrics_text(const struct watch_info *w, int n)
{
	static const enum fsm_reason reasons[] = { REASON_IDLE, REASON_SIGNAL,
	    REASON_EXIT, REASON_CONTROL, REASON_RELOAD, REASON_MAX_UP,
	    REASON_RECOVERED };
	static const char *const events[] = { [HOOK_START] = "start",
	    [HOOK_STOP] = "stop" };
	/* struct watch_stats' dns_ignored, by enum dns_kind */
	static const char *const dns_whys[] = { "not-dns", "malformed",
	    "other" };
	struct text t = { .cap = 4096 };
	char lb[160], nm[80];
	size_t r;
	int i, e;

	if ((t.buf = malloc(t.cap)) == NULL)
		return NULL;
	family(&t, "tuninetd_up", "gauge", "1 while the watch is starting, "
	    "up or stopping (its service is meant to run), 0 while idle or "
	    "held.");
	for (i = 0; i < n; i++)
		add(&t, "tuninetd_up{watch=\"%s\"} %d\n",
		    label(w[i].name, nm, sizeof nm), active(&w[i]));
	family(&t, "tuninetd_held", "gauge", "1 while tuninetctl hold keeps "
	    "packets from starting the watch.");
	for (i = 0; i < n; i++)
		add(&t, "tuninetd_held{watch=\"%s\"} %d\n",
		    label(w[i].name, nm, sizeof nm), w[i].held);
	family(&t, "tuninetd_starts_total", "counter", "Start hooks run.");
	for (i = 0; i < n; i++)
		add(&t, "tuninetd_starts_total{watch=\"%s\"} %llu\n",
		    label(w[i].name, nm, sizeof nm),
		    (unsigned long long)w[i].stats->starts);
	family(&t, "tuninetd_stops_total", "counter", "Stop hooks run, by "
	    "reason (TUNINETD_REASON).");
	for (i = 0; i < n; i++)
		for (r = 0; r < sizeof reasons / sizeof reasons[0]; r++)
			add(&t, "tuninetd_stops_total{watch=\"%s\","
			    "reason=\"%s\"} %llu\n", label(w[i].name, nm, sizeof nm),
			    fsm_reason_name(reasons[r]),
			    (unsigned long long)w[i].stats->stops[reasons[r]]);
	family(&t, "tuninetd_hook_failures_total", "counter", "Hook runs that "
	    "exited non-zero, were killed or could not run, by event.");
	for (i = 0; i < n; i++)
		for (e = HOOK_START; e <= HOOK_STOP; e++)
			add(&t, "tuninetd_hook_failures_total{watch=\"%s\","
			    "event=\"%s\"} %llu\n", label(w[i].name, nm,
			    sizeof nm), events[e],
			    (unsigned long long)w[i].stats->hook_failures[e]);
	family(&t, "tuninetd_dns_ignored_total", "counter", "--dns-name: "
	    "packets that would have started the watch and were no query for "
	    "its names, by why (none before the first).");
	for (i = 0; i < n; i++)
		for (e = 0; e < (int)(sizeof dns_whys / sizeof dns_whys[0]);
		    e++)
			if (w[i].stats->dns_ignored[0] +
			    w[i].stats->dns_ignored[1] +
			    w[i].stats->dns_ignored[2] > 0)
				add(&t, "tuninetd_dns_ignored_total{watch=\"%s\","
				    "why=\"%s\"} %llu\n", label(w[i].name, nm,
				    sizeof nm), dns_whys[e], (unsigned long long)
				    w[i].stats->dns_ignored[e]);
	family(&t, "tuninetd_up_seconds_total", "counter", "Seconds spent "
	    "starting, up or stopping, the current cycle included.");
	for (i = 0; i < n; i++)
		add(&t, "tuninetd_up_seconds_total{watch=\"%s\"} %.3f\n",
		    label(w[i].name, nm, sizeof nm), (double)w[i].up_ns / 1e9);
	family(&t, "tuninetd_last_packet_timestamp_seconds", "gauge", "Unix "
	    "time of the last packet that moved the deadline (no sample "
	    "before the first).");
	for (i = 0; i < n; i++)
		if (w[i].last_packet != 0)
			add(&t, "tuninetd_last_packet_timestamp_seconds{watch="
			    "\"%s\"} %.3f\n", label(w[i].name, nm, sizeof nm),
			    (double)w[i].last_packet / 1e9);
	family(&t, "tuninetd_hook_duration_seconds", "histogram", "How long "
	    "hooks ran, by event.");
	for (i = 0; i < n; i++)
		for (e = HOOK_START; e <= HOOK_STOP; e++) {
			snprintf(lb, sizeof lb, "watch=\"%s\",event=\"%s\"",
			    label(w[i].name, nm, sizeof nm), events[e]);
			histogram(&t, "tuninetd_hook_duration_seconds", lb,
			    &w[i].stats->hook_duration[e]);
		}
	family(&t, "tuninetd_start_latency_seconds", "histogram", "From the "
	    "packet that started the watch to the start hook's exec.");
	for (i = 0; i < n; i++) {
		snprintf(lb, sizeof lb, "watch=\"%s\"",
		    label(w[i].name, nm, sizeof nm));
		histogram(&t, "tuninetd_start_latency_seconds", lb,
		    &w[i].stats->start_latency);
	}
	counts(&t, w, n, "tuninetd_queue_held_packets", "gauge", "Packets the "
	    "queue sensor (-q) holds now.", held);
	counts(&t, w, n, "tuninetd_queue_dropped_packets_total", "counter",
	    "Held packets the queue sensor (-q) dropped.", dropped);
	counts(&t, w, n, "tuninetd_queue_kernel_dropped_packets_total",
	    "counter", "Held packets the kernel dropped before their verdict "
	    "(a netfilter hook or an interface went away).", gone);
	counts(&t, w, n, "tuninetd_connections_open", "gauge", "Marked "
	    "connections open (--keep-connections), as last read.",
	    connections);
	counts(&t, w, n, "tuninetd_sessions", "gauge", "Sessions (--session) "
	    "alive: starting, up or stopping.", sessions);
	counts(&t, w, n, "tuninetd_sessions_up", "gauge", "Sessions "
	    "(--session) up.", sessions_up);
	counts(&t, w, n, "tuninetd_sessions_refused_total", "counter",
	    "Packets of new clients beyond --session-max, which started "
	    "nothing.", sessions_refused);
	if (t.failed) {
		free(t.buf);
		return NULL;
	}
	return t.buf;
}
