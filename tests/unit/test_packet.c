/* test_packet: the decoder over hand-built packets, layer by layer, and
 * over every truncated prefix of each (each copied to a buffer of exactly
 * that size, so a sanitizer build catches any read past the end); then
 * the log lines and protocol names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "packet.h"

struct pkt {
	uint8_t	b[600];
	size_t	n;
};

static void
put(struct pkt *p, const void *v, size_t n)
{
	assert_true(p->n + n <= sizeof p->b);
	memcpy(p->b + p->n, v, n);
	p->n += n;
}

static void
put8(struct pkt *p, uint8_t v)
{
	put(p, &v, 1);
}

static void
put16(struct pkt *p, uint16_t v)
{
	put8(p, v >> 8);
	put8(p, v & 0xff);
}

static const uint8_t MAC_A[6] = { 0x1b, 0x1c, 0x0d, 0x45, 0xa9, 0xe1 };
static const uint8_t MAC_B[6] = { 0xf4, 0x6d, 0x04, 0x64, 0x11, 0x25 };
static const uint8_t IP4_A[4] = { 192, 168, 1, 1 };
static const uint8_t IP4_B[4] = { 13, 107, 42, 14 };
static const uint8_t IP6_A[16] = { 0xfe, 0x80, [8] = 0xf6, 0x6d, 0x04, 0xff,
	0xfe, 0x64, 0x11, 0x24 };
static const uint8_t IP6_B[16] = { 0xff, 0x02, [15] = 0x02 };

static void
ether(struct pkt *p, int ntags, uint16_t type)
{
	put(p, MAC_B, 6);
	put(p, MAC_A, 6);
	if (ntags == 2) {
		put16(p, ETHERTYPE_8021AD);
		put16(p, 0x2000 | 100);		/* PCP 1, VID 100 */
	}
	if (ntags >= 1) {
		put16(p, ETHERTYPE_8021Q);
		put16(p, 3);
	}
	put16(p, type);
}

static void
ipv4(struct pkt *p, uint8_t proto, size_t l4len, int optwords, uint16_t frag)
{
	size_t hlen = 20 + 4 * (size_t)optwords;
	int i;

	put8(p, 0x40 | (uint8_t)(hlen / 4));
	put8(p, 0);
	put16(p, (uint16_t)(hlen + l4len));
	put16(p, 0x1234);
	put16(p, frag);
	put8(p, 64);
	put8(p, proto);
	put16(p, 0);
	put(p, IP4_A, 4);
	put(p, IP4_B, 4);
	for (i = 0; i < optwords; i++)
		put(p, "\x01\x01\x01\x01", 4);	/* NOPs */
}

static void
ipv6(struct pkt *p, uint8_t nh, size_t paylen)
{
	put(p, "\x60\x00\x00\x00", 4);
	put16(p, (uint16_t)paylen);
	put8(p, nh);
	put8(p, 64);
	put(p, IP6_A, 16);
	put(p, IP6_B, 16);
}

static void
tcp(struct pkt *p, uint16_t sport, uint16_t dport, uint8_t flags)
{
	put16(p, sport);
	put16(p, dport);
	put(p, "\0\0\0\1\0\0\0\2", 8);
	put8(p, 0x50);
	put8(p, flags);
	put16(p, 1024);
	put(p, "\0\0\0\0", 4);
}

static void
udp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	put16(p, sport);
	put16(p, dport);
	put16(p, 12);
	put16(p, 0);
	put(p, "abcd", 4);
}

/* a NFLOG TLV in host order, padded to 4 */
static void
tlv(struct pkt *p, uint16_t type, const void *v, size_t n)
{
	uint16_t len = (uint16_t)(4 + n);

	put(p, &len, 2);
	put(p, &type, 2);
	put(p, v, n);
	while (p->n % 4)
		put8(p, 0);
}

static void
decode(int lt, const struct pkt *p, struct packet_info *pi)
{
	uint8_t *copy = malloc(p->n ? p->n : 1);

	memcpy(copy, p->b, p->n);
	packet_decode(lt, copy, p->n, pi);
	free(copy);
}

/* Every prefix decodes without reading past it, and whatever a prefix
 * tells agrees with what the whole packet tells. */
static void
check_prefixes(int lt, const struct pkt *p)
{
	struct packet_info full, part;
	char line[256];
	size_t k;

	decode(lt, p, &full);
	for (k = 0; k <= p->n; k++) {
		uint8_t *copy = malloc(k ? k : 1);

		memcpy(copy, p->b, k);
		packet_decode(lt, copy, k, &part);
		free(copy);
		packet_net_line(&part, line, sizeof line);
		packet_link_line(&part, line, sizeof line);
		if (part.has_mac_src)
			assert_memory_equal(part.mac_src, full.mac_src, 6);
		if (part.has_ethertype)
			assert_int_equal(part.ethertype, full.ethertype);
		if (part.net != NET_NONE)
			assert_int_equal(part.net, full.net);
		if (part.has_addrs) {
			assert_memory_equal(part.src, full.src, 16);
			assert_memory_equal(part.dst, full.dst, 16);
		}
		if (part.has_proto)
			assert_int_equal(part.proto, full.proto);
		if (part.has_ports) {
			assert_int_equal(part.sport, full.sport);
			assert_int_equal(part.dport, full.dport);
		}
		if (part.has_tcp_flags)
			assert_int_equal(part.tcp_flags, full.tcp_flags);
		if (part.has_icmp)
			assert_int_equal(part.icmp_type, full.icmp_type);
		assert_true(part.ntags <= full.ntags);
	}
}

static void
test_ethernet_ipv4_tcp(void **state)
{
	struct packet_info pi;
	struct pkt p = { .n = 0 };
	char line[256];

	(void)state;
	ether(&p, 0, ETHERTYPE_IPV4);
	ipv4(&p, 6, 20, 0, 0x4000);
	tcp(&p, 40000, 443, 0x10);
	put(&p, "\0\0\0\0\0\0", 6);		/* Ethernet padding */
	decode(LINKTYPE_ETHERNET, &p, &pi);
	assert_true(pi.has_mac_src && pi.has_mac_dst);
	assert_memory_equal(pi.mac_src, MAC_A, 6);
	assert_memory_equal(pi.mac_dst, MAC_B, 6);
	assert_int_equal(pi.ethertype, ETHERTYPE_IPV4);
	assert_int_equal(pi.net, NET_IPV4);
	assert_memory_equal(pi.src, IP4_A, 4);
	assert_memory_equal(pi.dst, IP4_B, 4);
	assert_int_equal(pi.proto, 6);
	assert_true(pi.has_ports);
	assert_int_equal(pi.sport, 40000);
	assert_int_equal(pi.dport, 443);
	assert_true(packet_is_tcp_ack(&pi));
	assert_true(packet_net_line(&pi, line, sizeof line));
	assert_string_equal(line, "IPv4 192.168.1.1 > 13.107.42.14, "
	    "NXT_HDR: 0x06 (TCP), PORTS: 40000 > 443");
	assert_true(packet_link_line(&pi, line, sizeof line));
	assert_string_equal(line, "MAC: 1b:1c:0d:45:a9:e1 > f4:6d:04:64:11:25, "
	    "EtherType: 0x0800 (IPv4)");
	check_prefixes(LINKTYPE_ETHERNET, &p);
}

static void
test_tcp_flags(void **state)
{
	struct packet_info pi;
	struct pkt p = { .n = 0 };

	(void)state;
	ipv4(&p, 6, 20, 0, 0);
	tcp(&p, 1, 2, 0x02);			/* SYN only */
	decode(LINKTYPE_RAW, &p, &pi);
	assert_true(pi.has_tcp_flags);
	assert_false(packet_is_tcp_ack(&pi));
	p.n = 0;
	ipv4(&p, 17, 12, 0, 0);
	udp(&p, 1, 2);
	decode(LINKTYPE_RAW, &p, &pi);
	assert_false(packet_is_tcp_ack(&pi));
}

static void
test_ipv4_options_fragments(void **state)
{
	struct packet_info pi;
	struct pkt p = { .n = 0 };

	(void)state;
	ipv4(&p, 17, 12, 3, 0);
	udp(&p, 5353, 9999);
	decode(LINKTYPE_IPV4, &p, &pi);
	assert_true(pi.has_ports);
	assert_int_equal(pi.dport, 9999);
	check_prefixes(LINKTYPE_IPV4, &p);

	p.n = 0;		/* a later fragment has no UDP header */
	ipv4(&p, 17, 12, 0, 185);
	udp(&p, 5353, 9999);
	decode(LINKTYPE_RAW, &p, &pi);
	assert_true(pi.has_proto);
	assert_int_equal(pi.proto, 17);
	assert_false(pi.has_ports);

	p.n = 0;		/* IHL below 5 is malformed */
	ipv4(&p, 17, 12, 0, 0);
	p.b[0] = 0x44;
	udp(&p, 1, 2);
	decode(LINKTYPE_RAW, &p, &pi);
	assert_true(pi.has_addrs);
	assert_false(pi.has_ports);
	check_prefixes(LINKTYPE_RAW, &p);
}

static void
test_vlan_qinq(void **state)
{
	struct packet_info pi;
	struct pkt p = { .n = 0 };
	char line[256];

	(void)state;
	ether(&p, 1, ETHERTYPE_IPV6);
	ipv6(&p, 58, 8);
	put(&p, "\x85\x00\x00\x00\x00\x00\x00\x00", 8);	/* RS */
	decode(LINKTYPE_ETHERNET, &p, &pi);
	assert_int_equal(pi.ntags, 1);
	assert_int_equal(pi.tags[0].vid, 3);
	assert_int_equal(pi.ethertype, ETHERTYPE_IPV6);
	assert_true(pi.has_icmp);
	assert_int_equal(pi.icmp_type, 133);
	packet_net_line(&pi, line, sizeof line);
	assert_string_equal(line, "IPv6 fe80::f66d:4ff:fe64:1124 > ff02::2, "
	    "NXT_HDR: 0x3A (IPv6-ICMP), TYPE: 133, CODE: 0");
	packet_link_line(&pi, line, sizeof line);
	assert_string_equal(line, "MAC: 1b:1c:0d:45:a9:e1 > f4:6d:04:64:11:25, "
	    "802.1Q VID: 3, EtherType: 0x86DD (IPv6)");
	check_prefixes(LINKTYPE_ETHERNET, &p);

	p.n = 0;
	ether(&p, 2, ETHERTYPE_IPV4);
	ipv4(&p, 17, 12, 0, 0);
	udp(&p, 1000, 53);
	decode(LINKTYPE_ETHERNET, &p, &pi);
	assert_int_equal(pi.ntags, 2);
	assert_int_equal(pi.tags[0].tpid, ETHERTYPE_8021AD);
	assert_int_equal(pi.tags[0].vid, 100);
	assert_int_equal(pi.tags[1].tpid, ETHERTYPE_8021Q);
	assert_int_equal(pi.tags[1].vid, 3);
	assert_int_equal(pi.dport, 53);
	packet_link_line(&pi, line, sizeof line);
	assert_string_equal(line, "MAC: 1b:1c:0d:45:a9:e1 > f4:6d:04:64:11:25, "
	    "802.1ad VID: 100, 802.1Q VID: 3, EtherType: 0x0800 (IPv4)");
	check_prefixes(LINKTYPE_ETHERNET, &p);
}

static void
test_ipv6_extension_headers(void **state)
{
	struct packet_info pi;
	struct pkt p = { .n = 0 };

	(void)state;
	/* hop-by-hop (8) -> routing (24) -> fragment (8) -> AH (16) ->
	 * destination options (16) -> TCP */
	ipv6(&p, 0, 8 + 24 + 8 + 16 + 16 + 20);
	put(&p, "\x2b\x00\x01\x04\x00\x00\x00\x00", 8);
	put8(&p, 44);
	put8(&p, 2);
	put(&p, (uint8_t[22]){ 0 }, 22);
	put(&p, "\x33\x00\x00\x01\x00\x00\x00\x01", 8);	/* offset 0, M */
	put8(&p, 60);
	put8(&p, 2);				/* (2 + 2) * 4 = 16 */
	put(&p, (uint8_t[14]){ 0 }, 14);
	put8(&p, 6);
	put8(&p, 1);
	put(&p, (uint8_t[14]){ 0 }, 14);
	tcp(&p, 22, 50000, 0x18);
	decode(LINKTYPE_IPV6, &p, &pi);
	assert_int_equal(pi.net, NET_IPV6);
	assert_int_equal(pi.proto, 6);
	assert_true(pi.has_ports);
	assert_int_equal(pi.sport, 22);
	assert_int_equal(pi.dport, 50000);
	assert_true(packet_is_tcp_ack(&pi));
	check_prefixes(LINKTYPE_IPV6, &p);

	p.n = 0;		/* a later fragment: protocol, no ports */
	ipv6(&p, 44, 8 + 8);
	put(&p, "\x11\x00\x00\x08\x00\x00\x00\x01", 8);
	udp(&p, 1, 2);
	decode(LINKTYPE_RAW, &p, &pi);
	assert_true(pi.has_proto);
	assert_int_equal(pi.proto, 17);
	assert_false(pi.has_ports);

	p.n = 0;		/* ESP: encrypted, nothing beyond */
	ipv6(&p, 50, 8);
	put(&p, "\0\0\0\1\0\0\0\1", 8);
	decode(LINKTYPE_RAW, &p, &pi);
	assert_int_equal(pi.proto, 50);
	assert_false(pi.has_ports);
}

static void
test_transports(void **state)
{
	static const uint8_t protos[] = { 132, 136, 33, 17 };
	struct packet_info pi;
	struct pkt p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof protos; i++) {
		p.n = 0;
		ipv4(&p, protos[i], 12, 0, 0);
		udp(&p, 7000, 7001);
		decode(LINKTYPE_RAW, &p, &pi);
		assert_true(pi.has_ports);
		assert_int_equal(pi.sport, 7000);
		assert_int_equal(pi.dport, 7001);
		assert_false(pi.has_tcp_flags);
	}
	p.n = 0;
	ipv4(&p, 1, 8, 0, 0);
	put(&p, "\x08\x00\x00\x00\x00\x01\x00\x01", 8);
	decode(LINKTYPE_RAW, &p, &pi);
	assert_true(pi.has_icmp);
	assert_int_equal(pi.icmp_type, 8);
	assert_false(pi.has_ports);
	check_prefixes(LINKTYPE_RAW, &p);
}

static void
test_arp(void **state)
{
	static const uint8_t spa[4] = { 10, 0, 0, 1 }, tpa[4] = { 10, 0, 0, 2 };
	struct packet_info pi;
	struct pkt p = { .n = 0 };
	char line[256];

	(void)state;
	ether(&p, 0, ETHERTYPE_ARP);
	put16(&p, 1);
	put16(&p, ETHERTYPE_IPV4);
	put8(&p, 6);
	put8(&p, 4);
	put16(&p, 1);
	put(&p, MAC_A, 6);
	put(&p, spa, 4);
	put(&p, (uint8_t[6]){ 0 }, 6);
	put(&p, tpa, 4);
	decode(LINKTYPE_ETHERNET, &p, &pi);
	assert_int_equal(pi.net, NET_ARP);
	assert_true(pi.has_addrs);
	assert_memory_equal(pi.src, spa, 4);
	assert_memory_equal(pi.dst, tpa, 4);
	packet_net_line(&pi, line, sizeof line);
	assert_string_equal(line, "ARP 10.0.0.1 > 10.0.0.2, OPER: 1 (request)");
	check_prefixes(LINKTYPE_ETHERNET, &p);
}

static void
test_cooked(void **state)
{
	struct packet_info pi;
	struct pkt p = { .n = 0 };
	char line[256];

	(void)state;
	put16(&p, 4);			/* SLL v1: outgoing */
	put16(&p, 1);			/* ARPHRD_ETHER */
	put16(&p, 6);
	put(&p, MAC_A, 6);
	put16(&p, 0);
	put16(&p, ETHERTYPE_IPV4);
	ipv4(&p, 17, 12, 0, 0);
	udp(&p, 1, 2);
	decode(LINKTYPE_LINUX_SLL, &p, &pi);
	assert_true(pi.has_mac_src);
	assert_false(pi.has_mac_dst);
	assert_int_equal(pi.dport, 2);
	packet_link_line(&pi, line, sizeof line);
	assert_string_equal(line, "MAC: 1b:1c:0d:45:a9:e1, EtherType: 0x0800 "
	    "(IPv4)");
	check_prefixes(LINKTYPE_LINUX_SLL, &p);

	p.n = 0;			/* SLL v2 */
	put16(&p, ETHERTYPE_IPV6);
	put16(&p, 0);
	put(&p, "\0\0\0\2", 4);
	put16(&p, 1);
	put8(&p, 0);
	put8(&p, 6);
	put(&p, MAC_A, 6);
	put16(&p, 0);
	ipv6(&p, 17, 12);
	udp(&p, 3, 4);
	decode(LINKTYPE_LINUX_SLL2, &p, &pi);
	assert_true(pi.has_mac_src);
	assert_int_equal(pi.net, NET_IPV6);
	assert_int_equal(pi.sport, 3);
	check_prefixes(LINKTYPE_LINUX_SLL2, &p);
}

static void
test_nflog_record(void **state)
{
	struct packet_info pi;
	struct nflog_parts np;
	struct pkt p = { .n = 0 }, payload = { .n = 0 }, hw = { .n = 0 };
	uint16_t hwtype = htobe16(1);
	char line[256];

	(void)state;
	ipv4(&payload, 17, 12, 0, 0);
	udp(&payload, 33333, 9997);
	ether(&hw, 0, ETHERTYPE_IPV4);
	put8(&p, 2);			/* AF_INET */
	put8(&p, 0);
	put16(&p, 8);			/* group 8 */
	tlv(&p, 1, "\x08\x00\x01\x00", 4);	/* NFULA_PACKET_HDR */
	tlv(&p, 10, "tb-test", 8);		/* NFULA_PREFIX */
	tlv(&p, 15, &hwtype, 2);		/* NFULA_HWTYPE */
	tlv(&p, 16, hw.b, hw.n);		/* NFULA_HWHEADER */
	tlv(&p, 3, "\0\0\0\0\x65\x53\xf1\x00\0\0\0\0\0\x01\xe2\x40",
	    16);				/* NFULA_TIMESTAMP */
	tlv(&p, 9, payload.b, payload.n);	/* NFULA_PAYLOAD */
	assert_true(packet_nflog_split(p.b, p.n, &np));
	assert_true(np.has_timestamp);
	assert_true(np.ts_sec == 1700000000 && np.ts_usec == 123456);
	assert_int_equal(np.group, 8);
	assert_int_equal(np.prefix_len, 7);
	decode(LINKTYPE_NFLOG, &p, &pi);
	assert_true(pi.has_nflog);
	assert_int_equal(pi.nflog_group, 8);
	assert_string_equal(pi.nflog_prefix, "tb-test");
	assert_true(pi.has_mac_src && pi.has_mac_dst);
	assert_int_equal(pi.ethertype, ETHERTYPE_IPV4);
	assert_int_equal(pi.net, NET_IPV4);
	assert_int_equal(pi.dport, 9997);
	packet_link_line(&pi, line, sizeof line);
	assert_string_equal(line, "MAC: 1b:1c:0d:45:a9:e1 > f4:6d:04:64:11:25, "
	    "EtherType: 0x0800 (IPv4)");
	check_prefixes(LINKTYPE_NFLOG, &p);

	/* a TLV whose length runs past the record ends the walk */
	p.n = 4;
	tlv(&p, 10, "x", 2);
	p.b[4] = 200;
	decode(LINKTYPE_NFLOG, &p, &pi);
	assert_string_equal(pi.nflog_prefix, "");
}

static void
test_garbage(void **state)
{
	struct packet_info pi;
	uint8_t buf[256];
	unsigned seed = 7;
	int lt[] = { LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_IPV4,
	    LINKTYPE_IPV6, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2,
	    LINKTYPE_NFLOG, 9999 };
	char line[256];
	int i, j;

	(void)state;
	for (i = 0; i < 20000; i++) {
		size_t n = (size_t)rand_r(&seed) % sizeof buf;
		uint8_t *copy;

		for (j = 0; j < (int)n; j++)
			buf[j] = (uint8_t)rand_r(&seed);
		if (n > 0 && i % 2)
			buf[0] = (uint8_t)(i % 4 ? 0x45 : 0x60);
		copy = malloc(n ? n : 1);
		memcpy(copy, buf, n);
		packet_decode(lt[i % 8], copy, n, &pi);
		free(copy);
		packet_net_line(&pi, line, sizeof line);
		packet_link_line(&pi, line, sizeof line);
	}
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(packet_proto_name(6), "TCP");
	assert_string_equal(packet_proto_name(17), "UDP");
	assert_string_equal(packet_proto_name(58), "IPv6-ICMP");
	assert_string_equal(packet_proto_keyword(58), "ipv6-icmp");
	assert_string_equal(packet_proto_keyword(1), "icmp");
	assert_null(packet_proto_keyword(253));
	assert_string_equal(packet_ethertype_name(0x86dd), "IPv6");
	assert_null(packet_ethertype_name(0x1234));
}

/* what hooks get as TUNINETD_SRC... and replay --json as "packet" */
static void
test_fields(void **state)
{
	struct packet_fields f;
	struct packet_info pi;
	struct pkt p = { .n = 0 };

	(void)state;
	ether(&p, 0, ETHERTYPE_IPV4);
	ipv4(&p, 17, 12, 0, 0);
	udp(&p, 40000, 9999);
	decode(LINKTYPE_ETHERNET, &p, &pi);
	packet_fields(&pi, &f);
	assert_string_equal(f.src, "192.168.1.1");
	assert_string_equal(f.dst, "13.107.42.14");
	assert_string_equal(f.proto, "udp");
	assert_true(f.has_ports);
	assert_int_equal(f.sport, 40000);
	assert_int_equal(f.dport, 9999);

	p.n = 0;			/* a protocol without a keyword: its number */
	ipv6(&p, 253, 0);
	decode(LINKTYPE_RAW, &p, &pi);
	packet_fields(&pi, &f);
	assert_string_equal(f.src, "fe80::f66d:4ff:fe64:1124");
	assert_string_equal(f.dst, "ff02::2");
	assert_string_equal(f.proto, "253");
	assert_false(f.has_ports);

	p.n = 0;			/* nothing known */
	ether(&p, 0, 0x88cc);
	decode(LINKTYPE_ETHERNET, &p, &pi);
	packet_fields(&pi, &f);
	assert_string_equal(f.src, "");
	assert_string_equal(f.dst, "");
	assert_string_equal(f.proto, "");
	assert_false(f.has_ports);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ethernet_ipv4_tcp),
		cmocka_unit_test(test_tcp_flags),
		cmocka_unit_test(test_ipv4_options_fragments),
		cmocka_unit_test(test_vlan_qinq),
		cmocka_unit_test(test_ipv6_extension_headers),
		cmocka_unit_test(test_transports),
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_cooked),
		cmocka_unit_test(test_nflog_record),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_fields),
	};

	return cmocka_run_group_tests_name("packet", tests, NULL, NULL);
}
