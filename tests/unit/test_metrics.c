/* test_metrics: the Prometheus text of two made-up watches: every family
 * once with its HELP and TYPE, counters and reasons, cumulative buckets
 * up to +Inf, _sum and _count, escaped label values, the queue's and
 * conntrack's families only for a watch that has such a sensor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics.h"
#include "stats.h"
#include "watch.h"

static int
count(const char *text, const char *what)
{
	int n = 0;

	for (; (text = strstr(text, what)) != NULL; text++)
		n++;
	return n;
}

static void
has(const char *text, const char *line)
{
	if (strstr(text, line) == NULL) {
		print_error("no `%s' in:\n%s\n", line, text);
		fail();
	}
}

static void
test_two_watches(void **state)
{
	struct watch_stats sa = { 0 }, sb = { 0 };
	struct watch_info w[2];
	char *text;

	(void)state;
	memset(w, 0, sizeof w);
	sa.starts = 3;
	sa.stops[REASON_IDLE] = 2;
	sa.stops[REASON_CONTROL] = 1;
	sa.hook_failures[HOOK_STOP] = 1;
	sa.dns_ignored[1] = 2;
	sa.dns_ignored[2] = 5;
	hist_add(&sa.hook_duration[HOOK_START], 0.003);	/* le 0.005 */
	hist_add(&sa.hook_duration[HOOK_START], 0.2);	/* le 0.25 */
	hist_add(&sa.hook_duration[HOOK_START], 90);	/* +Inf only */
	hist_add(&sa.start_latency, 0.0004);
	w[0] = (struct watch_info){ .name = "alpha", .state = "up",
	    .last_packet = 1764155021500000000LL, .up_ns = 12500000000LL,
	    .counts = { .held = 2, .dropped = 5, .gone = 1,
	    .connections = -1 }, .sessions = -1, .sessions_up = -1,
	    .sessions_refused = -1, .stats = &sa };
	w[1] = (struct watch_info){ .name = "be\"t\\a\n", .state = "held",
	    .held = true, .counts = { .held = -1, .dropped = -1, .gone = -1,
	    .connections = 0 }, .sessions = -1, .sessions_up = -1,
	    .sessions_refused = -1, .stats = &sb };
	assert_non_null(text = metrics_text(w, 2));

	assert_int_equal(count(text, "# TYPE "), 14);
	assert_int_equal(count(text, "# HELP "), 14);
	has(text, "tuninetd_dns_ignored_total{watch=\"alpha\",why=\"not-dns\"} 0\n"
	    "tuninetd_dns_ignored_total{watch=\"alpha\",why=\"malformed\"} 2\n"
	    "tuninetd_dns_ignored_total{watch=\"alpha\",why=\"other\"} 5\n");
	assert_int_equal(count(text, "tuninetd_dns_ignored_total{"), 3);
	has(text, "# TYPE tuninetd_up gauge\ntuninetd_up{watch=\"alpha\"} 1\n"
	    "tuninetd_up{watch=\"be\\\"t\\\\a\\n\"} 0\n");
	has(text, "tuninetd_held{watch=\"alpha\"} 0\n");
	has(text, "tuninetd_held{watch=\"be\\\"t\\\\a\\n\"} 1\n");
	has(text, "# TYPE tuninetd_starts_total counter\n"
	    "tuninetd_starts_total{watch=\"alpha\"} 3\n");
	has(text, "tuninetd_stops_total{watch=\"alpha\",reason=\"idle\"} 2\n");
	has(text, "tuninetd_stops_total{watch=\"alpha\",reason=\"control\"} 1\n");
	has(text, "tuninetd_stops_total{watch=\"alpha\",reason=\"recovered\"} 0\n");
	assert_int_equal(count(text, "tuninetd_stops_total{"), 14);
	has(text, "tuninetd_hook_failures_total{watch=\"alpha\",event=\"stop\"} 1\n");
	has(text, "tuninetd_up_seconds_total{watch=\"alpha\"} 12.500\n");
	has(text, "tuninetd_last_packet_timestamp_seconds{watch=\"alpha\"} "
	    "1764155021.500\n");
	/* no packet yet: no sample */
	assert_int_equal(count(text, "tuninetd_last_packet_timestamp_seconds{"), 1);
	has(text, "# TYPE tuninetd_hook_duration_seconds histogram\n"
	    "tuninetd_hook_duration_seconds_bucket{watch=\"alpha\",event=\"start\","
	    "le=\"0.0005\"} 0\n");
	has(text, "event=\"start\",le=\"0.0025\"} 0\n");
	has(text, "event=\"start\",le=\"0.005\"} 1\n");
	has(text, "event=\"start\",le=\"0.1\"} 1\n");
	has(text, "event=\"start\",le=\"0.25\"} 2\n");
	has(text, "event=\"start\",le=\"60\"} 2\n");
	has(text, "event=\"start\",le=\"+Inf\"} 3\n"
	    "tuninetd_hook_duration_seconds_sum{watch=\"alpha\",event=\"start\"} "
	    "90.203000\ntuninetd_hook_duration_seconds_count{watch=\"alpha\","
	    "event=\"start\"} 3\n");
	/* 17 buckets per histogram: 2 events x 2 watches, and latency x 2 */
	assert_int_equal(count(text, "_bucket{"), 17 * 6);
	has(text, "tuninetd_start_latency_seconds_bucket{watch=\"alpha\","
	    "le=\"0.0005\"} 1\n");
	has(text, "# TYPE tuninetd_queue_held_packets gauge\n"
	    "tuninetd_queue_held_packets{watch=\"alpha\"} 2\n# HELP");
	has(text, "tuninetd_queue_dropped_packets_total{watch=\"alpha\"} 5\n");
	has(text, "tuninetd_queue_kernel_dropped_packets_total{watch=\"alpha\"} "
	    "1\n");
	has(text, "# TYPE tuninetd_connections_open gauge\n"
	    "tuninetd_connections_open{watch=\"be\\\"t\\\\a\\n\"} 0\n");
	assert_int_equal(count(text, "tuninetd_connections_open{"), 1);
	assert_int_equal(text[strlen(text) - 1], '\n');
	free(text);

	/* without such sensors, no such families */
	w[0].counts = w[1].counts = (struct sensor_counts){ -1, -1, -1, -1 };
	assert_non_null(text = metrics_text(w, 2));
	assert_null(strstr(text, "queue"));
	assert_null(strstr(text, "connections"));
	assert_null(strstr(text, "sessions"));
	free(text);

	/* a watch with sessions (--session): three families of its own */
	w[1].sessions = 5;
	w[1].sessions_up = 4;
	w[1].sessions_refused = 7;
	assert_non_null(text = metrics_text(w, 2));
	has(text, "# TYPE tuninetd_sessions gauge\n"
	    "tuninetd_sessions{watch=\"be\\\"t\\\\a\\n\"} 5\n");
	has(text, "tuninetd_sessions_up{watch=\"be\\\"t\\\\a\\n\"} 4\n");
	has(text, "# TYPE tuninetd_sessions_refused_total counter\n"
	    "tuninetd_sessions_refused_total{watch=\"be\\\"t\\\\a\\n\"} 7\n");
	assert_int_equal(count(text, "tuninetd_sessions{"), 1);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_watches),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
