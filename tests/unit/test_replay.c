/* test_replay: captures written here with libpcap, at exact timestamps,
 * replayed through watches: the events (times, reasons, trigger packets),
 * the counts, the sweep, the end of the capture, min-up, max-up,
 * hold-off, -a and the keep-alive filter and prefix, NFLOG records routed
 * to two watches by prefix, a capture of another NFLOG group (said, and
 * read as the watches' with --replay-group), pcapng time stamps of a
 * coarse if_tsresol,
 * the refusals, and the printed reports. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include <cmocka.h>

#include "conf.h"
#include "replay.h"

#define BASE	1000		/* seconds since the epoch of time 0 below */
#define S(x)	((int64_t)((x) * 1e3) * 1000000)	/* seconds -> ns */
#define AT(x)	((int64_t)BASE * NSEC_PER_SEC + S(x))

#define TCP_SYN	0x02
#define TCP_ACK	0x10

static char dir[64], path[128];
static pcap_t *dead;
static pcap_dumper_t *dumper;
static struct replay *r;
static char err[1024];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/tuninetd-replay.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/c.pcap", dir);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd);
}

static int
free_replay(void **state)
{
	(void)state;
	replay_free(r);
	r = NULL;
	return 0;
}

/* ---- writing captures ---- */

static void
cap_begin(int dlt)
{
	dead = pcap_open_dead_with_tstamp_precision(dlt, 65535,
	    PCAP_TSTAMP_PRECISION_NANO);
	assert_non_null(dead);
	assert_non_null(dumper = pcap_dump_open(dead, path));
}

static void
cap_end(void)
{
	pcap_dump_close(dumper);
	pcap_close(dead);
}

static void
cap_put(double t, const uint8_t *b, size_t n)
{
	struct pcap_pkthdr h = { .caplen = (uint32_t)n, .len = (uint32_t)n };
	int64_t ns = S(t);

	h.ts.tv_sec = BASE + ns / NSEC_PER_SEC;
	h.ts.tv_usec = ns % NSEC_PER_SEC;	/* nanoseconds: see cap_begin */
	pcap_dump((u_char *)dumper, &h, b);
}

static size_t
put16(uint8_t *b, size_t at, uint16_t v)
{
	b[at] = (uint8_t)(v >> 8);
	b[at + 1] = (uint8_t)v;
	return at + 2;
}

/* IPv4 10.201.0.1 > 10.201.0.2, UDP or TCP (flags) from sport to dport */
static size_t
ip_packet(uint8_t *b, uint8_t proto, uint16_t sport, uint16_t dport,
    uint8_t flags)
{
	size_t l4 = proto == 6 ? 20 : 12;

	memset(b, 0, 20 + l4);
	b[0] = 0x45;
	put16(b, 2, (uint16_t)(20 + l4));
	b[8] = 64;
	b[9] = proto;
	memcpy(b + 12, "\x0a\xc9\x00\x01\x0a\xc9\x00\x02", 8);
	put16(b, 20, sport);
	put16(b, 22, dport);
	if (proto == 6) {
		b[32] = 0x50;
		b[33] = flags;
	} else
		put16(b, 24, 12);
	return 20 + l4;
}

static void
cap_ether(double t, uint8_t proto, uint16_t sport, uint16_t dport,
    uint8_t flags)
{
	uint8_t b[128];

	memcpy(b, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
	cap_put(t, b, 14 + ip_packet(b + 14, proto, sport, dport, flags));
}

static void
cap_udp(double t, uint16_t sport)
{
	cap_ether(t, 17, sport, 9999, 0);
}

static void
cap_tcp(double t, uint8_t flags)
{
	cap_ether(t, 6, 40000, 80, flags);
}

/* a LINKTYPE_NFLOG record: header, then TLVs in host order, padded */
static size_t
tlv(uint8_t *b, size_t at, uint16_t type, const void *v, size_t n)
{
	uint16_t len = (uint16_t)(4 + n);

	memcpy(b + at, &len, 2);
	memcpy(b + at + 2, &type, 2);
	memcpy(b + at + 4, v, n);
	at += 4 + n;
	while (at % 4)
		b[at++] = 0;
	return at;
}

/* a record read at t, with the kernel's time stamp `kernel' if >= 0 */
static void
cap_nflog_at(double t, double kernel, uint16_t group, const char *prefix,
    uint16_t sport)
{
	uint8_t b[256], ip[64], ts[16];
	size_t n, k = ip_packet(ip, 17, sport, 9999, 0);
	int64_t us = (int64_t)(kernel * 1e6 + 0.5);
	int i;

	b[0] = 2;			/* AF_INET */
	b[1] = 0;
	n = put16(b, 2, group);
	if (prefix != NULL)
		n = tlv(b, n, 10, prefix, strlen(prefix) + 1);	/* PREFIX */
	if (kernel >= 0) {		/* TIMESTAMP: be64 s, be64 us */
		for (i = 0; i < 8; i++) {
			ts[i] = (uint8_t)((uint64_t)(BASE + us / 1000000) >>
			    (56 - 8 * i));
			ts[8 + i] = (uint8_t)((uint64_t)(us % 1000000) >>
			    (56 - 8 * i));
		}
		n = tlv(b, n, 3, ts, sizeof ts);
	}
	n = tlv(b, n, 9, ip, k);				/* PAYLOAD */
	cap_put(t, b, n);
}

static void
cap_nflog(double t, uint16_t group, const char *prefix, uint16_t sport)
{
	cap_nflog_at(t, -1, group, prefix, sport);
}

/* pcapng, written byte by byte: libpcap writes only pcap. An interface
 * of Ethernet with if_tsresol `tsresol' (the option's byte: 10^-n, or
 * 2^-n with the top bit set) and if_tsoffset `offset' seconds, then a
 * UDP frame per raw 64-bit time stamp, as the file holds them. */
static void
pcapng_block(FILE *f, uint32_t type, const uint8_t *body, size_t n)
{
	uint32_t len = (uint32_t)(12 + (n + 3) / 4 * 4);
	static const uint8_t pad[4];

	fwrite(&type, 4, 1, f);
	fwrite(&len, 4, 1, f);
	fwrite(body, 1, n, f);
	fwrite(pad, 1, (4 - n % 4) % 4, f);
	fwrite(&len, 4, 1, f);
}

static void
write_pcapng(uint8_t tsresol, int64_t offset, const uint64_t *stamps,
    int n)
{
	uint8_t b[256];
	uint32_t u32;
	uint16_t u16;
	int64_t i64;
	size_t k;
	FILE *f;
	int i;

	assert_non_null(f = fopen(path, "w"));
	u32 = 0x1A2B3C4D;			/* SHB: byte order, 1.0 */
	memcpy(b, &u32, 4);
	u16 = 1;
	memcpy(b + 4, &u16, 2);
	u16 = 0;
	memcpy(b + 6, &u16, 2);
	i64 = -1;				/* section length unknown */
	memcpy(b + 8, &i64, 8);
	pcapng_block(f, 0x0A0D0D0A, b, 16);
	memset(b, 0, sizeof b);			/* IDB: Ethernet, 65535 */
	u16 = 1;
	memcpy(b, &u16, 2);
	u32 = 65535;
	memcpy(b + 4, &u32, 4);
	u16 = 9;				/* if_tsresol, 1 byte */
	memcpy(b + 8, &u16, 2);
	u16 = 1;
	memcpy(b + 10, &u16, 2);
	b[12] = tsresol;
	u16 = 14;				/* if_tsoffset, 8 bytes */
	memcpy(b + 16, &u16, 2);
	u16 = 8;
	memcpy(b + 18, &u16, 2);
	memcpy(b + 20, &offset, 8);
	pcapng_block(f, 1, b, 32);		/* and opt_endofopt */
	for (i = 0; i < n; i++) {		/* EPB */
		memset(b, 0, sizeof b);
		u32 = (uint32_t)(stamps[i] >> 32);
		memcpy(b + 4, &u32, 4);
		u32 = (uint32_t)stamps[i];
		memcpy(b + 8, &u32, 4);
		memcpy(b + 20, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
		k = 14 + ip_packet(b + 34, 17, (uint16_t)(40000 + i), 9999, 0);
		u32 = (uint32_t)k;
		memcpy(b + 12, &u32, 4);
		memcpy(b + 16, &u32, 4);
		pcapng_block(f, 6, b, 20 + k);
	}
	assert_int_equal(fclose(f), 0);
}

/* ---- replaying ---- */

static struct watch_conf *
watch(const char *name, const char *filter, unsigned ttl)
{
	struct watch_conf *wc = watch_conf_new();

	assert_non_null(wc);
	if (name != NULL)
		wc->name = strdup(name);
	if (filter != NULL)
		wc->filter = strdup(filter);
	wc->ttl = ttl;
	return wc;
}

static void
open_capture(void)
{
	replay_free(r);
	err[0] = '\0';
	r = replay_open(path, err, sizeof err);
	if (r == NULL)
		fail_msg("replay_open: %s", err);
}

/* add the watch (and free it: the replay keeps a copy) */
static void
add(struct watch_conf *wc, const unsigned *ttls, int nttls)
{
	int rc = replay_add(r, wc, ttls, nttls, err, sizeof err);

	watch_conf_free(wc);
	if (rc == -1)
		fail_msg("replay_add: %s", err);
}

static void
run(void)
{
	if (replay_run(r, err, sizeof err) == -1)
		fail_msg("replay_run: %s", err);
}

/* the capture at path through this one watch, no sweep; wc is freed */
static void
replay_one(struct watch_conf *wc)
{
	open_capture();
	add(wc, NULL, 0);
	run();
}

static const struct replay_result *
result(int i)
{
	assert_true(i < replay_nresults(r));
	return replay_result(r, i);
}

/* the events of a result, as "start 0.000 packet" and "stop 7.500 idle"
 * (seconds after BASE, "+" after the end of the capture), one string */
static const char *
events(const struct replay_result *res)
{
	static char buf[2048];
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < res->nevents; i++) {
		const struct replay_event *e = &res->events[i];

		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s %.3f %s%s",
		    i > 0 ? ", " : "", e->start ? "start" : "stop",
		    (double)(e->time - (int64_t)BASE * NSEC_PER_SEC) / 1e9,
		    fsm_reason_name(e->reason), e->after_end ? "+" : "");
	}
	return buf;
}

/* the acceptance check's capture: UDP at 0, 1, 2.5, 30, 31, TCP at 50
 * and 100 */
static void
write_basic(void)
{
	cap_begin(DLT_EN10MB);
	cap_udp(0, 40000);
	cap_udp(1, 40001);
	cap_udp(2.5, 40002);
	cap_udp(30, 40003);
	cap_udp(31, 40004);
	cap_tcp(50, TCP_SYN);
	cap_tcp(100, TCP_SYN);
	cap_end();
}

static void
test_timeline(void **state)
{
	const struct replay_capture *c;
	const struct replay_result *res;
	const struct replay_event *e;

	(void)state;
	write_basic();
	replay_one(watch(NULL, "udp", 5));
	c = replay_capture(r);
	assert_int_equal(c->packets, 7);
	assert_int_equal(c->linktype, 1);
	assert_true(c->first == AT(0) && c->last == AT(100));
	assert_string_equal(c->cut, "");
	res = result(0);
	assert_true(res->timeline);
	assert_string_equal(events(res), "start 0.000 packet, stop 7.500 idle, "
	    "start 30.000 packet, stop 36.000 idle");
	assert_int_equal(res->cycles, 2);
	assert_int_equal(res->hook_runs, 4);
	assert_true(res->up == S(13.5));
	assert_true(res->longest_up == S(7.5));
	assert_true(res->longest_down == S(64));	/* 36 to 100 */
	e = &res->events[0];
	assert_true(e->have_packet);
	assert_string_equal(e->summary, "IPv4 10.201.0.1 > 10.201.0.2, "
	    "NXT_HDR: 0x11 (UDP), PORTS: 40000 > 9999");
	assert_string_equal(e->fields.src, "10.201.0.1");
	assert_string_equal(e->fields.dst, "10.201.0.2");
	assert_string_equal(e->fields.proto, "udp");
	assert_int_equal(e->fields.sport, 40000);
	assert_int_equal(e->fields.dport, 9999);
	assert_int_equal(res->events[2].fields.sport, 40003);
	assert_true(res->events[1].up == S(7.5));
	assert_true(res->events[3].up == S(6));
}

static void
test_sweep(void **state)
{
	static const unsigned ttls[] = { 5, 20, 30, 1 };
	static const struct { int cycles; double up; int runs; } want[] = {
		{ 2, 13.5, 4 }, { 2, 43.5, 4 }, { 1, 61, 2 }, { 3, 5, 6 },
	};
	const struct replay_result *res;
	int i;

	(void)state;
	write_basic();
	open_capture();
	add(watch(NULL, "udp", 600), ttls, 4);
	run();
	assert_int_equal(replay_nresults(r), 4);
	for (i = 0; i < 4; i++) {
		res = result(i);
		assert_false(res->timeline);
		assert_int_equal(res->nevents, 0);
		assert_int_equal(res->ttl, ttls[i]);
		assert_int_equal(res->cycles, want[i].cycles);
		assert_true(res->up == S(want[i].up));
		assert_int_equal(res->hook_runs, want[i].runs);
	}
}

/* Still up at the end: the stop comes at its deadline past the end and
 * counts; time up only within the capture. A start due after a hold-off
 * that ends after the capture runs too. */
static void
test_end_of_capture(void **state)
{
	struct watch_conf *wc;
	const struct replay_result *res;

	(void)state;
	write_basic();
	replay_one(watch(NULL, "udp", 100));
	res = result(0);
	assert_string_equal(events(res), "start 0.000 packet, "
	    "stop 131.000 idle+");
	assert_int_equal(res->cycles, 1);
	assert_int_equal(res->hook_runs, 2);
	assert_true(res->up == S(100));
	assert_true(res->events[1].up == S(131));
	assert_true(res->longest_up == S(131));
	assert_true(res->longest_down == 0);

	cap_begin(DLT_EN10MB);
	cap_udp(0, 1);
	cap_udp(3, 2);		/* in the hold-off: a start due at 7 */
	cap_end();
	wc = watch(NULL, "udp", 2);
	wc->holdoff = 5;
	replay_one(wc);
	res = result(0);
	assert_string_equal(events(res), "start 0.000 packet, stop 2.000 idle, "
	    "start 7.000 packet+, stop 9.000 idle+");
	assert_int_equal(res->events[2].fields.sport, 2);
	assert_int_equal(res->cycles, 2);
	assert_true(res->up == S(2));
	assert_true(res->longest_down == S(1));	/* 2 to 3, the end */
}

static void
test_min_max_up(void **state)
{
	struct watch_conf *wc;
	const struct replay_result *res;
	int i;

	(void)state;
	cap_begin(DLT_EN10MB);
	cap_udp(0, 1);
	cap_udp(1, 2);
	cap_tcp(30, TCP_SYN);
	cap_end();
	wc = watch(NULL, "udp", 2);
	wc->min_up = 10;
	replay_one(wc);
	assert_string_equal(events(result(0)), "start 0.000 packet, "
	    "stop 10.000 idle");

	cap_begin(DLT_EN10MB);
	for (i = 0; i <= 20; i++)
		cap_udp(i, (uint16_t)(100 + i));
	cap_end();
	wc = watch(NULL, "udp", 5);
	wc->max_up = 8;
	replay_one(wc);
	res = result(0);
	/* a packet at the very instant of max-up is heard first, and the
	 * next one starts a new cycle */
	assert_string_equal(events(res), "start 0.000 packet, "
	    "stop 8.000 max-up, start 9.000 packet, stop 17.000 max-up, "
	    "start 18.000 packet, stop 25.000 idle+");
	assert_int_equal(res->events[2].fields.sport, 109);
	assert_int_equal(res->cycles, 3);
	assert_true(res->up == S(18));
	assert_true(res->longest_up == S(8));
	assert_true(res->longest_down == S(1));
}

static void
test_holdoff(void **state)
{
	struct watch_conf *wc;
	const struct replay_result *res;

	(void)state;
	cap_begin(DLT_EN10MB);
	cap_udp(0, 1);
	cap_udp(3, 2);		/* stopped at 2, hold-off to 7 */
	cap_udp(4, 3);
	cap_udp(20, 4);
	cap_tcp(30, TCP_SYN);
	cap_end();
	wc = watch(NULL, "udp", 2);
	wc->holdoff = 5;
	replay_one(wc);
	res = result(0);
	/* the start waits for the hold-off, fired by the first packet of it,
	 * and the watch gets a whole TTL from then */
	assert_string_equal(events(res), "start 0.000 packet, stop 2.000 idle, "
	    "start 7.000 packet, stop 9.000 idle, start 20.000 packet, "
	    "stop 22.000 idle");
	assert_int_equal(res->events[2].fields.sport, 2);
	assert_int_equal(res->events[4].fields.sport, 4);
	assert_true(res->up == S(6));
	assert_true(res->longest_down == S(11));
}

/* -a: any matching packet starts; while up only TCP ACKs keep it up */
static void
test_ack_only(void **state)
{
	struct watch_conf *wc;

	(void)state;
	cap_begin(DLT_EN10MB);
	cap_tcp(0, TCP_SYN);
	cap_tcp(3, TCP_SYN);		/* no ACK: does not keep it up */
	cap_tcp(4, TCP_ACK);		/* up to 9 */
	cap_tcp(8, TCP_SYN);
	cap_tcp(10, TCP_SYN);		/* starts */
	cap_tcp(12, TCP_ACK | TCP_SYN);	/* up to 17 */
	cap_tcp(16, TCP_SYN);
	cap_udp(30, 1);
	cap_end();
	open_capture();
	wc = watch(NULL, "tcp", 5);
	wc->ack_only = true;
	add(wc, NULL, 0);
	add(watch(NULL, "tcp", 5), NULL, 0);	/* without -a, beside it */
	run();
	assert_string_equal(events(result(0)), "start 0.000 packet, "
	    "stop 9.000 idle, start 10.000 packet, stop 17.000 idle");
	assert_string_equal(events(result(1)), "start 0.000 packet, "
	    "stop 21.000 idle");
}

/* --keepalive-filter: any UDP starts, only port 7 keeps it up */
static void
test_keepalive_filter(void **state)
{
	struct watch_conf *wc;

	(void)state;
	cap_begin(DLT_EN10MB);
	cap_udp(0, 1);
	cap_udp(1, 7);
	cap_udp(4, 1);
	cap_udp(8, 1);
	cap_udp(9, 7);
	cap_tcp(20, TCP_SYN);
	cap_end();
	wc = watch(NULL, "udp", 2);
	wc->keepalive_filter = strdup("udp src port 7");
	replay_one(wc);
	assert_string_equal(events(result(0)), "start 0.000 packet, "
	    "stop 3.000 idle, start 4.000 packet, stop 6.000 idle, "
	    "start 8.000 packet, stop 11.000 idle");
}

/* One NFLOG group, two watches told apart by the log prefix, a third
 * taking the rest of the group, a keep-alive prefix. */
static void
test_nflog(void **state)
{
	struct watch_conf *wc;
	const struct replay_result *a, *b, *rest, *ka;

	(void)state;
	cap_begin(DLT_NFLOG);
	cap_nflog(0, 7, "a", 1);
	cap_nflog(1, 7, "b", 2);
	cap_nflog(3, 7, "a", 3);
	cap_nflog(10, 7, "b", 4);
	cap_nflog(11, 7, "c", 5);	/* neither prefix: the third */
	cap_nflog(11.5, 7, NULL, 6);	/* no prefix at all: the third */
	cap_nflog(12, 8, "a", 7);	/* another group */
	cap_nflog(13, 8, "ka", 8);	/* a keep-alive record starts nothing */
	cap_nflog(14, 8, "k", 9);
	cap_nflog(15, 8, "k", 10);	/* up: only "ka" keeps it up */
	cap_nflog(16, 8, "ka", 11);
	cap_nflog(30, 9, NULL, 12);
	cap_end();
	open_capture();
	assert_int_equal(replay_capture(r)->linktype, LINKTYPE_NFLOG);
	wc = watch("a", NULL, 5);
	wc->nflog_group = 7;
	wc->nflog_prefix = strdup("a");
	add(wc, NULL, 0);
	wc = watch("b", NULL, 5);
	wc->nflog_group = 7;
	wc->nflog_prefix = strdup("b");
	wc->ifname = strdup("eth0");	/* its pcap sensor is not replayed */
	wc->filter = strdup("tcp");
	add(wc, NULL, 0);
	wc = watch("rest", NULL, 5);
	wc->nflog_group = 7;
	add(wc, NULL, 0);
	wc = watch("ka", NULL, 2);
	wc->nflog_group = 8;
	wc->nflog_prefix = strdup("k");
	wc->keepalive_prefix = strdup("ka");
	add(wc, NULL, 0);
	run();
	a = result(0), b = result(1), rest = result(2), ka = result(3);
	assert_string_equal(a->name, "a");
	assert_string_equal(events(a), "start 0.000 packet, stop 8.000 idle");
	assert_string_equal(a->events[0].nflog_prefix, "a");
	assert_int_equal(a->events[0].fields.sport, 1);
	assert_string_equal(events(b), "start 1.000 packet, stop 6.000 idle, "
	    "start 10.000 packet, stop 15.000 idle");
	assert_int_equal(b->events[2].fields.sport, 4);
	assert_string_equal(events(rest), "start 11.000 packet, "
	    "stop 16.500 idle");
	assert_string_equal(rest->events[0].nflog_prefix, "c");
	assert_string_equal(events(ka), "start 14.000 packet, stop 18.000 idle");
	assert_int_equal(ka->events[0].fields.sport, 9);
}

/* tcpdump -i nflog stamps records when it reads a batch; the kernel's
 * stamp in the record is when the packet passed */
static void
test_nflog_time(void **state)
{
	struct watch_conf *wc;
	const struct replay_result *res;

	(void)state;
	cap_begin(DLT_NFLOG);
	cap_nflog_at(1, 0, 7, NULL, 1);
	cap_nflog_at(1, 0.4, 7, NULL, 2);
	cap_nflog_at(1, 0.8, 7, NULL, 3);
	cap_nflog_at(5.5, 4.9, 7, NULL, 4);	/* no batch would have kept it */
	cap_nflog(9, 7, NULL, 5);		/* no stamp of its own */
	cap_end();
	wc = watch(NULL, NULL, 2);
	wc->nflog_group = 7;
	replay_one(wc);
	res = result(0);
	assert_true(replay_capture(r)->first == AT(0));
	assert_string_equal(events(res), "start 0.000 packet, stop 2.800 idle, "
	    "start 4.900 packet, stop 6.900 idle, start 9.000 packet, "
	    "stop 11.000 idle+");
}

static void
refused(const char *want)
{
	if (strstr(err, want) == NULL)
		fail_msg("wanted `%s' in: %s", want, err);
}

/* the replay refuses wc, saying want; wc is freed */
static void
add_refused(struct watch_conf *wc, const char *want)
{
	assert_int_equal(replay_add(r, wc, NULL, 0, err, sizeof err), -1);
	refused(want);
	watch_conf_free(wc);
}

static void
test_refused(void **state)
{
	struct watch_conf *wc;
	FILE *f;

	(void)state;
	write_basic();
	open_capture();
	wc = watch("vpn", NULL, 5);
	wc->nflog_group = 7;
	add_refused(wc, "watch vpn: an NFLOG watch (group 7) is replayed "
	    "from a capture of its records (tcpdump -i nflog:N -w FILE, N a "
	    "second group the same packets are logged to, then "
	    "--replay-group N=7)");
	refused("c.pcap' is a capture of Ethernet");
	wc = watch(NULL, NULL, 5);
	wc->queue = 3;
	add_refused(wc, "an NFQUEUE watch (queue 3) cannot be replayed");
	wc = watch(NULL, "udp port", 5);
	add_refused(wc, "-f `udp port': ");
	refused("(for a capture of Ethernet)");
	wc = watch("w", "udp", 5);
	wc->keepalive_filter = strdup("nonsense here");
	add_refused(wc, "watch w: keepalive-filter `nonsense here': ");
	/* a filter for Ethernet on NFLOG records */
	cap_begin(DLT_NFLOG);
	cap_nflog(0, 7, "a", 1);
	cap_end();
	open_capture();
	wc = watch(NULL, "ether host 02:00:00:00:00:01", 5);
	add_refused(wc, "-f `ether host 02:00:00:00:00:01': ");

	/* a capture with no packet, no capture, no file */
	cap_begin(DLT_EN10MB);
	cap_end();
	open_capture();
	add(watch(NULL, NULL, 5), NULL, 0);
	assert_int_equal(replay_run(r, err, sizeof err), -1);
	refused("c.pcap': the capture holds no packet");
	assert_non_null(f = fopen(path, "w"));
	fputs("not a capture\n", f);
	fclose(f);
	replay_free(r);
	assert_null(r = replay_open(path, err, sizeof err));
	refused("c.pcap': not a pcap or pcapng capture (unknown file format)");
	assert_null(replay_open("/nonexistent.pcap", err, sizeof err));
	refused("-r: `/nonexistent.pcap': No such file or directory");
}

/* pcapng stamps in units of if_tsresol, which may be as coarse as a
 * second or 2^-0: seconds past what an int64_t of ns holds (UBSan:
 * "1099511627776 * 1000000000") must be refused by name, not wrap to
 * 1738; coarse stamps in range replay at their times. */
static void
test_coarse_stamps(void **state)
{
	const uint64_t in_range[] = { BASE, BASE + 1, BASE + 30 };
	const uint64_t far[] = { BASE, (uint64_t)1 << 40 };
	const uint64_t end[] = { ((uint64_t)1 << 32) - 1, (uint64_t)1 << 32 };
	const uint64_t huge[] = { UINT64_MAX };
	const struct replay_result *res;
	struct watch_conf *wc;

	(void)state;
	write_pcapng(0, 0, in_range, 3);		/* 10^-0: seconds */
	replay_one(watch(NULL, "udp", 5));
	assert_true(replay_capture(r)->first == AT(0));
	assert_string_equal(events(result(0)), "start 0.000 packet, "
	    "stop 6.000 idle, start 30.000 packet, stop 35.000 idle+");

	write_pcapng(0x80, 0, far, 2);			/* 2^-0: seconds */
	open_capture();
	add(watch(NULL, "udp", 5), NULL, 0);
	assert_int_equal(replay_run(r, err, sizeof err), -1);
	refused("c.pcap': packet 2: time stamp 1099511627776.000000000 s "
	    "since the epoch");
	refused("from 1970 to 2106");

	/* the last second a replay counts, with the longest TTL and
	 * hold-off after it; and the first second it does not count */
	write_pcapng(0, 0, end, 1);
	wc = watch(NULL, "udp", SECONDS_MAX);
	wc->holdoff = wc->min_up = wc->max_up = SECONDS_MAX;
	replay_one(wc);
	res = result(0);
	assert_int_equal(res->nevents, 2);
	assert_true(res->events[0].time == (int64_t)end[0] * NSEC_PER_SEC);
	assert_true(res->events[1].time ==
	    ((int64_t)end[0] + SECONDS_MAX) * NSEC_PER_SEC);
	assert_true(res->events[1].after_end);
	write_pcapng(0, 0, end, 2);
	open_capture();
	add(watch(NULL, "udp", 5), NULL, 0);
	assert_int_equal(replay_run(r, err, sizeof err), -1);
	refused("packet 2: time stamp 4294967296.000000000 s");

	/* 2^64 - 1 s: past even a time_t of ns */
	write_pcapng(0, 0, huge, 1);
	open_capture();
	add(watch(NULL, "udp", 5), NULL, 0);
	assert_int_equal(replay_run(r, err, sizeof err), -1);
	refused("packet 1: time stamp ");

	/* if_tsoffset before the epoch */
	write_pcapng(0, -(int64_t)BASE - 5, in_range, 1);
	open_capture();
	add(watch(NULL, "udp", 5), NULL, 0);
	assert_int_equal(replay_run(r, err, sizeof err), -1);
	refused("packet 1: time stamp -5.000000000 s since the epoch");
}

/* A capture cut in the middle of a record: what came before is replayed */
static void
test_cut(void **state)
{
	FILE *f;
	long size;

	(void)state;
	write_basic();
	assert_non_null(f = fopen(path, "r+"));
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	assert_int_equal(truncate(path, size - 10), 0);
	replay_one(watch(NULL, "udp", 5));
	assert_int_equal(replay_capture(r)->packets, 6);
	assert_non_null(strstr(replay_capture(r)->cut, "truncated"));
	assert_int_equal(result(0)->cycles, 2);
}

static const char *
printed(bool json)
{
	static char *text;
	size_t len;
	FILE *f;

	free(text);
	assert_non_null(f = open_memstream(&text, &len));
	if (json)
		assert_int_equal(replay_print_json(r, f), 0);
	else
		replay_print_text(r, f);
	fclose(f);
	return text;
}

#define SUMMARY	"IPv4 10.201.0.1 > 10.201.0.2, NXT_HDR: 0x11 (UDP), PORTS: "

static void
test_report(void **state)
{
	static const unsigned ttls[] = { 5, 30 };
	char head[256];

	(void)state;
	write_basic();
	snprintf(head, sizeof head, "%s: 7 packets of Ethernet, 1970-01-01 "
	    "00:16:40.000 to 1970-01-01 00:18:20.000 UTC (1m40s)\n\n", path);
	replay_one(watch(NULL, "udp", 5));
	assert_memory_equal(printed(false), head, strlen(head));
	assert_string_equal(printed(false) + strlen(head),
"1970-01-01 00:16:40.000 start packet  " SUMMARY "40000 > 9999\n"
"1970-01-01 00:16:47.500 stop  idle    (up 7.5 s)\n"
"1970-01-01 00:17:10.000 start packet  " SUMMARY "40003 > 9999\n"
"1970-01-01 00:17:16.000 stop  idle    (up 6.0 s)\n"
"\n"
"cycles       time up   share    longest up  longest down\n"
"     2        13.5 s   13.5%         7.5 s         1m04s\n");
	assert_string_equal(printed(true), "{\"ttl\":5,\"events\":["
	    "{\"time\":1000.000000,\"event\":\"start\",\"reason\":\"packet\","
	    "\"summary\":\"" SUMMARY "40000 > 9999\",\"packet\":{"
	    "\"src\":\"10.201.0.1\",\"dst\":\"10.201.0.2\",\"proto\":\"udp\","
	    "\"sport\":40000,\"dport\":9999}},"
	    "{\"time\":1007.500000,\"event\":\"stop\",\"reason\":\"idle\","
	    "\"up_seconds\":7.500000},"
	    "{\"time\":1030.000000,\"event\":\"start\",\"reason\":\"packet\","
	    "\"summary\":\"" SUMMARY "40003 > 9999\",\"packet\":{"
	    "\"src\":\"10.201.0.1\",\"dst\":\"10.201.0.2\",\"proto\":\"udp\","
	    "\"sport\":40003,\"dport\":9999}},"
	    "{\"time\":1036.000000,\"event\":\"stop\",\"reason\":\"idle\","
	    "\"up_seconds\":6.000000}],"
	    "\"cycles\":2,\"up_seconds\":13.500000,"
	    "\"longest_up_seconds\":7.500000,\"longest_down_seconds\":64.000000,"
	    "\"hook_runs\":4,\"capture_seconds\":100.000000,"
	    "\"capture_start\":1000.000000,\"packets\":7}\n");

	/* a sweep of two watches of a file: a row per watch and TTL */
	open_capture();
	add(watch("udp", "udp", 5), ttls, 2);
	add(watch("all", NULL, 5), ttls, 2);
	run();
	assert_string_equal(printed(false) + strlen(head),
"watch     ttl  cycles       time up   share  hook runs\n"
"udp         5       2        13.5 s   13.5%          4\n"
"udp        30       1         1m01s   61.0%          2\n"
"all         5       4        18.5 s   18.5%          8\n"
"all        30       2         1m20s   80.0%          4\n");
	assert_string_equal(printed(true), "{\"watches\":["
	    "{\"name\":\"udp\",\"sweep\":["
	    "{\"ttl\":5,\"cycles\":2,\"up_seconds\":13.500000,\"hook_runs\":4},"
	    "{\"ttl\":30,\"cycles\":1,\"up_seconds\":61.000000,\"hook_runs\":2}]},"
	    "{\"name\":\"all\",\"sweep\":["
	    "{\"ttl\":5,\"cycles\":4,\"up_seconds\":18.500000,\"hook_runs\":8},"
	    "{\"ttl\":30,\"cycles\":2,\"up_seconds\":80.000000,"
	    "\"hook_runs\":4}]}],"
	    "\"capture_seconds\":100.000000,\"capture_start\":1000.000000,"
	    "\"packets\":7}\n");

	/* two watches' timelines, merged in time order, each line named */
	open_capture();
	add(watch("udp", "udp", 5), NULL, 0);
	add(watch("tcp", "tcp", 60), NULL, 0);
	run();
	assert_string_equal(printed(false) + strlen(head),
"udp    1970-01-01 00:16:40.000 start packet  " SUMMARY "40000 > 9999\n"
"udp    1970-01-01 00:16:47.500 stop  idle    (up 7.5 s)\n"
"udp    1970-01-01 00:17:10.000 start packet  " SUMMARY "40003 > 9999\n"
"udp    1970-01-01 00:17:16.000 stop  idle    (up 6.0 s)\n"
"tcp    1970-01-01 00:17:30.000 start packet  IPv4 10.201.0.1 > 10.201.0.2, "
	    "NXT_HDR: 0x06 (TCP), PORTS: 40000 > 80\n"
"tcp    1970-01-01 00:19:20.000 stop  idle    (up 1m50s, after the end "
	    "of the capture)\n"
"\n"
"watch  cycles       time up   share    longest up  longest down\n"
"udp         2        13.5 s   13.5%         7.5 s         1m04s\n"
"tcp         1        50.0 s   50.0%         1m50s        50.0 s\n");
	assert_non_null(strstr(printed(true), "{\"watches\":[{\"name\":\"udp\","
	    "\"ttl\":5,\"events\":[{\"time\":1000.000000,"));
	assert_non_null(strstr(printed(true), "{\"name\":\"tcp\",\"ttl\":60,"
	    "\"events\":[{\"time\":1050.000000,\"event\":\"start\","));
	assert_non_null(strstr(printed(true), "\"reason\":\"idle\","
	    "\"after_end\":true,\"up_seconds\":110.000000}"));

	/* hours and days, written as tuninetctl writes them; exact in JSON */
	cap_begin(DLT_EN10MB);
	cap_udp(0, 1);
	cap_udp(100, 2);
	cap_tcp(163058.5, TCP_SYN);
	cap_end();
	replay_one(watch(NULL, "udp", 3700));
	assert_non_null(strstr(printed(false), " UTC (1d21h)\n\n"));
	assert_non_null(strstr(printed(false), "\n1970-01-01 01:20:00.000 stop  "
	    "idle    (up 1h03m)\n\n"
	    "cycles       time up   share    longest up  longest down\n"
	    "     1         1h03m    2.3%         1h03m         1d20h\n"));
	assert_non_null(strstr(printed(true), "\"up_seconds\":3800.000000,"
	    "\"longest_up_seconds\":3800.000000,"
	    "\"longest_down_seconds\":159258.500000,"));
	assert_non_null(strstr(printed(true), "\"capture_seconds\":"
	    "163058.500000,"));
}

static void
map_group(uint16_t capture, uint16_t as)
{
	const struct group_map m = { capture, as };

	if (replay_map_group(r, &m, err, sizeof err) == -1)
		fail_msg("replay_map_group: %s", err);
}

static struct watch_conf *
nflog_watch(const char *name, int group)
{
	struct watch_conf *wc = watch(name, NULL, 5);

	wc->nflog_group = group;
	return wc;
}

/* A group has one listener: while the daemon reads group 8, tcpdump
 * records a second rule's group 18. The replay says why nothing started,
 * and --replay-group 18=8 reads those records as group 8's. */
static void
test_nflog_groups(void **state)
{
	struct watch_conf *wc;
	char why[512];
	int i;

	(void)state;
	cap_begin(DLT_NFLOG);
	cap_nflog(0, 18, "tnd", 1);
	cap_nflog(1, 18, "tnd", 2);
	cap_nflog(30, 19, NULL, 3);
	cap_end();
	replay_one(nflog_watch(NULL, 8));
	assert_int_equal(result(0)->cycles, 0);
	assert_true(replay_groups_unread(r, why, sizeof why));
	assert_string_equal(why, "the capture holds NFLOG groups 18 and 19; "
	    "the watch reads group 8");
	assert_non_null(strstr(printed(false), "\n\nno start: the capture "
	    "holds NFLOG groups 18 and 19; the watch reads group 8\n\n"));

	/* many groups: the first few named */
	cap_begin(DLT_NFLOG);
	for (i = 0; i < 11; i++)
		cap_nflog(i, (uint16_t)(100 + i), NULL, 1);
	cap_end();
	replay_one(nflog_watch(NULL, 8));
	assert_true(replay_groups_unread(r, why, sizeof why));
	assert_string_equal(why, "the capture holds NFLOG groups 100, 101, "
	    "102, 103, 104, 105, 106, 107 and 3 more; the watch reads group 8");

	/* one group each: how to read the one as the other */
	cap_begin(DLT_NFLOG);
	cap_nflog(0, 18, "tnd", 1);
	cap_nflog(1, 18, "tnd", 2);
	cap_nflog(30, 18, "tnd", 3);
	cap_end();
	replay_one(nflog_watch(NULL, 8));
	assert_non_null(strstr(printed(false), "\n\nno start: the capture "
	    "holds NFLOG group 18; the watch reads group 8 (--replay-group "
	    "18=8 reads the one as the other)\n\n"));
	open_capture();
	add(nflog_watch(NULL, 8), (const unsigned[]){ 5, 60 }, 2);
	run();
	assert_non_null(strstr(printed(false), "\n\nno start: the capture "
	    "holds NFLOG group 18; the watch reads group 8 (--replay-group "
	    "18=8 reads the one as the other)\n\n   ttl  cycles"));

	open_capture();
	map_group(18, 8);
	add(nflog_watch(NULL, 8), NULL, 0);
	run();
	assert_false(replay_groups_unread(r, why, sizeof why));
	assert_string_equal(events(result(0)), "start 0.000 packet, "
	    "stop 6.000 idle, start 30.000 packet, stop 35.000 idle+");
	assert_string_equal(result(0)->events[0].nflog_prefix, "tnd");

	/* watches of a file, mapped where it does not help */
	open_capture();
	map_group(18, 9);
	add(nflog_watch("a", 7), NULL, 0);
	add(nflog_watch("b", 8), NULL, 0);
	add(nflog_watch("c", 8), NULL, 0);
	run();
	assert_true(replay_groups_unread(r, why, sizeof why));
	assert_string_equal(why, "the capture holds NFLOG group 18 (read as "
	    "9); the watches read groups 7 and 8");

	/* the group is read, the prefix is not: not the groups' fault */
	cap_begin(DLT_NFLOG);
	cap_nflog(0, 8, "other", 1);
	cap_nflog(1, 18, "tnd", 2);
	cap_end();
	open_capture();
	wc = nflog_watch(NULL, 8);
	wc->nflog_prefix = strdup("tnd");
	add(wc, NULL, 0);
	run();
	assert_false(replay_groups_unread(r, why, sizeof why));
	assert_non_null(strstr(printed(false), "\n\nno start: no packet fired "
	    "one\n\n"));

	/* two groups read as one; a watch that started needs no why */
	cap_begin(DLT_NFLOG);
	cap_nflog(0, 18, NULL, 1);
	cap_nflog(10, 19, NULL, 2);
	cap_end();
	open_capture();
	map_group(18, 8);
	map_group(19, 8);
	add(nflog_watch(NULL, 8), NULL, 0);
	run();
	assert_string_equal(events(result(0)), "start 0.000 packet, "
	    "stop 5.000 idle, start 10.000 packet, stop 15.000 idle+");
	open_capture();
	add(nflog_watch("vpn", 7), NULL, 0);
	add(watch("all", NULL, 5), NULL, 0);
	run();
	assert_int_equal(result(1)->cycles, 2);
	assert_false(replay_groups_unread(r, why, sizeof why));

	/* nothing to map in a capture of Ethernet */
	write_basic();
	open_capture();
	assert_int_equal(replay_map_group(r, &(const struct group_map){ 18, 8 },
	    err, sizeof err), -1);
	refused("--replay-group 18=8: `");
	refused("c.pcap' is a capture of Ethernet, not of NFLOG records");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_timeline, free_replay),
		cmocka_unit_test_teardown(test_sweep, free_replay),
		cmocka_unit_test_teardown(test_end_of_capture, free_replay),
		cmocka_unit_test_teardown(test_min_max_up, free_replay),
		cmocka_unit_test_teardown(test_holdoff, free_replay),
		cmocka_unit_test_teardown(test_ack_only, free_replay),
		cmocka_unit_test_teardown(test_keepalive_filter, free_replay),
		cmocka_unit_test_teardown(test_nflog, free_replay),
		cmocka_unit_test_teardown(test_nflog_time, free_replay),
		cmocka_unit_test_teardown(test_nflog_groups, free_replay),
		cmocka_unit_test_teardown(test_refused, free_replay),
		cmocka_unit_test_teardown(test_coarse_stamps, free_replay),
		cmocka_unit_test_teardown(test_cut, free_replay),
		cmocka_unit_test_teardown(test_report, free_replay),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
