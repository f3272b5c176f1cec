/* test_dns: --dns-name's patterns, its reading of queries and (dns-keep)
 * of answers, from real packets' bytes (IPv4 and IPv6, UDP and TCP) and
 * hostile ones. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "dns.h"
#include "packet.h"

static uint8_t pkt[1024];

/* a DNS message's bytes: header (id, flags, counts), then body */
static size_t
message(uint8_t *m, uint16_t flags, uint16_t qd, const char *qname,
    uint16_t qtype)
{
	size_t n = 12, l;
	const char *s = qname, *dot;

	memset(m, 0, 12);
	m[0] = 0x12; m[1] = 0x34;
	m[2] = (uint8_t)(flags >> 8); m[3] = (uint8_t)flags;
	m[4] = (uint8_t)(qd >> 8); m[5] = (uint8_t)qd;
	while (*s != '\0') {
		dot = strchr(s, '.');
		l = dot != NULL ? (size_t)(dot - s) : strlen(s);
		m[n++] = (uint8_t)l;
		memcpy(m + n, s, l);
		n += l;
		s += l + (dot != NULL);
	}
	m[n++] = 0;
	m[n++] = (uint8_t)(qtype >> 8); m[n++] = (uint8_t)qtype;
	m[n++] = 0; m[n++] = 1;
	return n;
}

/* IPv4 or IPv6 (v6), UDP or TCP (tcp: the two-byte length first), to
 * dport, carrying msg; its packet_info */
static void
packet(bool v6, bool tcp, uint16_t dport, const uint8_t *msg, size_t len,
    struct packet_info *pi)
{
	size_t ip = v6 ? 40 : 20, th = tcp ? 20 : 8, body = len + (tcp ? 2 : 0);
	uint8_t *t = pkt + ip;

	memset(pkt, 0, ip + th);
	if (v6) {
		pkt[0] = 0x60;
		pkt[4] = (uint8_t)((th + body) >> 8); pkt[5] = (uint8_t)(th + body);
		pkt[6] = tcp ? 6 : 17;
		pkt[7] = 64;
		pkt[23] = 1; pkt[39] = 2;
	} else {
		pkt[0] = 0x45;
		pkt[2] = (uint8_t)((ip + th + body) >> 8);
		pkt[3] = (uint8_t)(ip + th + body);
		pkt[8] = 64;
		pkt[9] = tcp ? 6 : 17;
		pkt[12] = 10; pkt[15] = 1; pkt[16] = 10; pkt[19] = 2;
	}
	t[0] = 0xc3; t[1] = 0x50;
	t[2] = (uint8_t)(dport >> 8); t[3] = (uint8_t)dport;
	if (tcp) {
		t[12] = 5 << 4;
		t[13] = 0x18;
		t[th] = (uint8_t)(len >> 8); t[th + 1] = (uint8_t)len;
		memcpy(t + th + 2, msg, len);
	} else {
		t[4] = (uint8_t)((th + len) >> 8); t[5] = (uint8_t)(th + len);
		memcpy(t + th, msg, len);
	}
	packet_decode(LINKTYPE_RAW, pkt, ip + th + body, pi);
}

static void
test_patterns(void **state)
{
	char out[1024], err[256];

	(void)state;
	assert_true(dns_patterns("Host.Example.,  *.corp.example .internal",
	    out, sizeof out, err, sizeof err));
	assert_string_equal(out, "host.example,*.corp.example,.internal");
	assert_true(dns_patterns("xn--bcher-kva.example", out, sizeof out, err,
	    sizeof err));
	assert_false(dns_patterns("b\xc3\xbc" "cher.example", out, sizeof out,
	    err, sizeof err));
	assert_non_null(strstr(err, "xn--"));
	assert_false(dns_patterns("a..example", out, sizeof out, err,
	    sizeof err));
	assert_non_null(strstr(err, "`a..example'"));
	assert_false(dns_patterns("*", out, sizeof out, err, sizeof err));
	assert_false(dns_patterns("*.", out, sizeof out, err, sizeof err));
	assert_false(dns_patterns("a.*.example", out, sizeof out, err,
	    sizeof err));
	assert_false(dns_patterns(" , ", out, sizeof out, err, sizeof err));
	assert_false(dns_patterns("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaa.example", out, sizeof out, err, sizeof err));
}

static void
test_match(void **state)
{
	const char *p = "host.example,*.corp.example,.internal";

	(void)state;
	assert_true(dns_match(p, "host.example"));
	assert_false(dns_match(p, "www.host.example"));
	assert_false(dns_match(p, "ost.example"));
	assert_true(dns_match(p, "www.corp.example"));
	assert_true(dns_match(p, "a.b.corp.example"));
	assert_false(dns_match(p, "corp.example"));
	assert_false(dns_match(p, "xcorp.example"));
	assert_true(dns_match(p, "internal"));
	assert_true(dns_match(p, "db.internal"));
	assert_false(dns_match(p, "xinternal"));
	assert_false(dns_match(p, "internal.example"));
}

static void
test_queries(void **state)
{
	struct packet_info pi;
	struct dns_query q;
	uint8_t m[512];
	size_t n;
	int v6, tcp;

	(void)state;
	for (v6 = 0; v6 < 2; v6++)
		for (tcp = 0; tcp < 2; tcp++) {
			n = message(m, 0x0100, 1, "WwW.CoRp.ExAmPlE", 28);
			packet(v6, tcp, 53, m, n, &pi);
			assert_int_equal(dns_query_of(&pi, &q), DNS_QUERY);
			assert_string_equal(q.name, "www.corp.example");
			assert_string_equal(q.type, "AAAA");
		}
	n = message(m, 0x0100, 1, "www.corp.example", 1);
	packet(false, false, 5353, m, n, &pi);
	assert_int_equal(dns_query_of(&pi, &q), DNS_NONE);
	/* a response, a NOTIFY, two questions: not queries to start on */
	n = message(m, 0x8180, 1, "www.corp.example", 1);
	packet(false, false, 53, m, n, &pi);
	assert_int_equal(dns_query_of(&pi, &q), DNS_OTHER);
	n = message(m, 0x2000, 1, "www.corp.example", 1);
	packet(false, false, 53, m, n, &pi);
	assert_int_equal(dns_query_of(&pi, &q), DNS_OTHER);
	n = message(m, 0x0100, 2, "www.corp.example", 1);
	packet(false, false, 53, m, n, &pi);
	assert_int_equal(dns_query_of(&pi, &q), DNS_BAD);
	/* qdcount 60000 with one question */
	n = message(m, 0x0100, 60000, "www.corp.example", 1);
	packet(false, false, 53, m, n, &pi);
	assert_int_equal(dns_query_of(&pi, &q), DNS_BAD);
	/* a pointer to itself; a label of 64; a name cut short */
	n = message(m, 0x0100, 1, "x", 1);
	m[12] = 0xc0; m[13] = 12;
	packet(false, false, 53, m, n, &pi);
	assert_int_equal(dns_query_of(&pi, &q), DNS_BAD);
	n = message(m, 0x0100, 1, "www.corp.example", 1);
	m[12] = 64;
	packet(false, false, 53, m, n, &pi);
	assert_int_equal(dns_query_of(&pi, &q), DNS_BAD);
	n = message(m, 0x0100, 1, "www.corp.example", 1);
	packet(false, false, 53, m, 20, &pi);
	assert_int_equal(dns_query_of(&pi, &q), DNS_BAD);
	/* over TCP, a length the segment does not hold */
	n = message(m, 0x0100, 1, "www.corp.example", 1);
	packet(false, true, 53, m, n, &pi);
	pkt[20 + 20] = 0x01;		/* says 256 + n bytes */
	packet_decode(LINKTYPE_RAW, pkt, 20 + 20 + 2 + n, &pi);
	assert_int_equal(dns_query_of(&pi, &q), DNS_BAD);
	/* a label holding a dot (`x\.corp.example'): no host name */
	n = message(m, 0x0100, 1, "xxcorp.example", 1);
	m[13] = 'x'; m[14] = '.';
	packet(false, false, 53, m, n, &pi);
	assert_int_equal(dns_query_of(&pi, &q), DNS_OTHER);
	/* an EDNS OPT record after the question: read as the query */
	n = message(m, 0x0100, 1, "db.corp.example", 1);
	m[11] = 1;
	memcpy(m + n, "\0\0\x29\x04\xd0\0\0\0\0\0\0", 11);
	packet(false, false, 53, m, n + 11, &pi);
	assert_int_equal(dns_query_of(&pi, &q), DNS_QUERY);
	assert_string_equal(q.name, "db.corp.example");
}

/* an answer record after n bytes of m: a pointer to the question's
 * name, type, TTL, rdata; the new length */
static size_t
record(uint8_t *m, size_t n, uint16_t type, uint32_t ttl, const void *rd,
    uint16_t rdlen)
{
	m[n++] = 0xc0; m[n++] = 12;
	m[n++] = (uint8_t)(type >> 8); m[n++] = (uint8_t)type;
	m[n++] = 0; m[n++] = 1;
	m[n++] = (uint8_t)(ttl >> 24); m[n++] = (uint8_t)(ttl >> 16);
	m[n++] = (uint8_t)(ttl >> 8); m[n++] = (uint8_t)ttl;
	m[n++] = (uint8_t)(rdlen >> 8); m[n++] = (uint8_t)rdlen;
	memcpy(m + n, rd, rdlen);
	return n + rdlen;
}

/* the packet of packet(), from port 53 (an answer) */
static void
answer(bool v6, bool tcp, const uint8_t *msg, size_t len,
    struct packet_info *pi)
{
	size_t ip = v6 ? 40 : 20, th = tcp ? 20 : 8;

	packet(v6, tcp, 50000, msg, len, pi);
	pkt[ip] = 0; pkt[ip + 1] = 53;
	packet_decode(LINKTYPE_RAW, pkt, ip + th + len + (tcp ? 2 : 0), pi);
}

static void
test_answers(void **state)
{
	static const uint8_t a[4] = { 10, 77, 0, 9 }, a6[16] = { 0xfd, 0,
	    0x77, [15] = 9 };
	struct dns_addr got[4];
	struct packet_info pi;
	struct dns_query q;
	uint8_t m[600];
	size_t n, k;
	int v6, tcp, got_n;

	(void)state;
	for (v6 = 0; v6 < 2; v6++)
		for (tcp = 0; tcp < 2; tcp++) {
			n = message(m, 0x8180, 1, "WWW.corp.example", 1);
			m[7] = 3;
			n = record(m, n, 5, 60, "\3www\3cdn\7example", 17);
			n = record(m, n, 1, 300, a, 4);
			n = record(m, n, 28, 7, a6, 16);
			answer(v6, tcp, m, n, &pi);
			assert_int_equal(dns_answer_of(&pi, &q, got, 4, &got_n),
			    DNS_QUERY);
			assert_string_equal(q.name, "www.corp.example");
			assert_int_equal(got_n, 2);
			assert_int_equal(got[0].family, 4);
			assert_memory_equal(got[0].addr, a, 4);
			assert_int_equal(got[0].ttl, 300);
			assert_int_equal(got[1].family, 6);
			assert_memory_equal(got[1].addr, a6, 16);
			assert_int_equal(got[1].ttl, 7);
		}
	/* at most max; a query is no answer, nor an error, nor a message
	 * to port 53 */
	answer(false, false, m, n, &pi);
	assert_int_equal(dns_answer_of(&pi, &q, got, 1, &got_n), DNS_QUERY);
	assert_int_equal(got_n, 1);
	k = message(m, 0x8183, 1, "www.corp.example", 1);
	answer(false, false, m, k, &pi);
	assert_int_equal(dns_answer_of(&pi, &q, got, 4, &got_n), DNS_OTHER);
	k = message(m, 0x0100, 1, "www.corp.example", 1);
	answer(false, false, m, k, &pi);
	assert_int_equal(dns_answer_of(&pi, &q, got, 4, &got_n), DNS_OTHER);
	packet(false, false, 53, m, k, &pi);
	assert_int_equal(dns_answer_of(&pi, &q, got, 4, &got_n), DNS_NONE);
	/* cut short in its last record: the whole ones are read */
	n = message(m, 0x8180, 1, "www.corp.example", 1);
	m[7] = 2;
	n = record(m, n, 1, 30, a, 4);
	n = record(m, n, 28, 30, a6, 16);
	answer(false, false, m, n - 3, &pi);
	assert_int_equal(dns_answer_of(&pi, &q, got, 4, &got_n), DNS_QUERY);
	assert_int_equal(got_n, 1);
	/* a count that lies: 60000 records, two there */
	m[6] = 0xea; m[7] = 0x60;
	answer(false, false, m, n, &pi);
	assert_int_equal(dns_answer_of(&pi, &q, got, 4, &got_n), DNS_QUERY);
	assert_int_equal(got_n, 2);
	/* an A record of 5 bytes is no address; a pointer that loops in a
	 * record's owner ends the reading there: the records before it
	 * are read */
	n = message(m, 0x8180, 1, "www.corp.example", 1);
	m[7] = 3;
	n = record(m, n, 1, 30, "\1\2\3\4\5", 5);
	n = record(m, n, 1, 0x80000000u, a, 4);
	k = n;
	n = record(m, n, 1, 30, a, 4);
	m[k + 1] = (uint8_t)k;		/* points at itself */
	answer(false, false, m, n, &pi);
	assert_int_equal(dns_answer_of(&pi, &q, got, 4, &got_n), DNS_QUERY);
	assert_int_equal(got_n, 1);
	assert_int_equal(got[0].ttl, 0);	/* top bit set: 0 */
	/* over TCP, cut short by the capture: the whole records read */
	n = message(m, 0x8180, 1, "www.corp.example", 1);
	m[7] = 2;
	n = record(m, n, 1, 30, a, 4);
	n = record(m, n, 28, 30, a6, 16);
	answer(false, true, m, n, &pi);
	packet_decode(LINKTYPE_RAW, pkt, 20 + 20 + 2 + n - 5, &pi);
	assert_int_equal(dns_answer_of(&pi, &q, got, 4, &got_n), DNS_QUERY);
	assert_int_equal(got_n, 1);
	assert_int_equal(got[0].family, 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_queries),
		cmocka_unit_test(test_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
