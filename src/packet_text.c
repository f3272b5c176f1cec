/*
 * packet_text.c: the words the original printed for a packet that fired
 * start, and the values hooks get. Pure; formats a packet_info.
 *
 *   |- IPv4 192.168.1.1 > 13.107.42.14, NXT_HDR: 0x06 (TCP)
 *   |- MAC: 1b:1c:0d:45:a9:e1 > f4:6d:04:64:11:25, 802.1Q VID: 3, EtherType: 0x86DD (IPv6)
 *
 * Ports (TCP, UDP, SCTP, UDP-Lite, DCCP) or the ICMP type follow the
 * first line's protocol, so the original's text stays a prefix.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "packet.h"
#include "text.h"

/* IANA protocol numbers: the keyword (/etc/protocols) and the display
 * name the original used. */
static const struct {
	uint8_t		 num;
	const char	*keyword, *name;
} protos[] = {
	{ 0, "hopopt", "HOPOPT" },	{ 1, "icmp", "ICMP" },
	{ 2, "igmp", "IGMP" },		{ 4, "ipencap", "IPv4" },
	{ 6, "tcp", "TCP" },		{ 17, "udp", "UDP" },
	{ 33, "dccp", "DCCP" },		{ 41, "ipv6", "IPv6" },
	{ 43, "ipv6-route", "IPv6-Route" }, { 44, "ipv6-frag", "IPv6-Frag" },
	{ 47, "gre", "GRE" },		{ 50, "esp", "ESP" },
	{ 51, "ah", "AH" },		{ 58, "ipv6-icmp", "IPv6-ICMP" },
	{ 59, "ipv6-nonxt", "IPv6-NoNxt" }, { 60, "ipv6-opts", "IPv6-Opts" },
	{ 89, "ospf", "OSPF" },		{ 103, "pim", "PIM" },
	{ 112, "vrrp", "VRRP" },	{ 132, "sctp", "SCTP" },
	{ 136, "udplite", "UDPLite" },	{ 137, "mpls-in-ip", "MPLS-in-IP" },
};

static const struct {
	uint16_t	 type;
	const char	*name;
} ethertypes[] = {
	{ ETHERTYPE_IPV4, "IPv4" },	{ ETHERTYPE_ARP, "ARP" },
	{ ETHERTYPE_IPV6, "IPv6" },	{ ETHERTYPE_8021Q, "802.1Q" },
	{ ETHERTYPE_8021AD, "802.1ad" }, { 0x8035, "RARP" },
	{ 0x8847, "MPLS" },		{ 0x8848, "MPLS multicast" },
	{ 0x8863, "PPPoE discovery" },	{ 0x8864, "PPPoE session" },
	{ 0x888e, "EAPOL" },		{ 0x88cc, "LLDP" },
};

static int
proto_index(uint8_t proto)
{
	size_t i;

	for (i = 0; i < sizeof protos / sizeof protos[0]; i++)
		if (protos[i].num == proto)
			return (int)i;
	return -1;
}

const char *
packet_proto_name(uint8_t proto)
{
	int i = proto_index(proto);

	return i < 0 ? NULL : protos[i].name;
}

const char *
packet_proto_keyword(uint8_t proto)
{
	int i = proto_index(proto);

	return i < 0 ? NULL : protos[i].keyword;
}

const char *
packet_ethertype_name(uint16_t type)
{
	size_t i;

	for (i = 0; i < sizeof ethertypes / sizeof ethertypes[0]; i++)
		if (ethertypes[i].type == type)
			return ethertypes[i].name;
	return NULL;
}

bool
packet_addr(const struct packet_info *pi, bool dst, char *buf, size_t len)
{
	int af = pi->net == NET_IPV6 ? AF_INET6 : AF_INET;

	if (!pi->has_addrs)
		return false;
	return inet_ntop(af, dst ? pi->dst : pi->src, buf, (socklen_t)len) !=
	    NULL;
}

void
packet_fields(const struct packet_info *pi, struct packet_fields *f)
{
	const char *kw;

	memset(f, 0, sizeof *f);
	if (!packet_addr(pi, false, f->src, sizeof f->src) ||
	    !packet_addr(pi, true, f->dst, sizeof f->dst))
		f->src[0] = f->dst[0] = '\0';
	if (pi->net == NET_ARP)
		snprintf(f->proto, sizeof f->proto, "arp");
	else if (pi->has_proto && (kw = packet_proto_keyword(pi->proto)) != NULL)
		snprintf(f->proto, sizeof f->proto, "%s", kw);
	else if (pi->has_proto)
		snprintf(f->proto, sizeof f->proto, "%u", pi->proto);
	if (pi->has_ports) {
		f->has_ports = true;
		f->sport = pi->sport;
		f->dport = pi->dport;
	}
}

/* A packet in one line: the network layer's, else the link layer's, else
 * its length. */
void
packet_summary(const struct packet_info *pi, uint32_t len, char *buf,
    size_t buflen)
{
	if (!packet_net_line(pi, buf, buflen) &&
	    !packet_link_line(pi, buf, buflen))
		snprintf(buf, buflen, "%u bytes, not decoded", len);
}

bool
packet_net_line(const struct packet_info *pi, char *buf, size_t len)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	const char *name;
	size_t off = 0;

	if (pi->net == NET_NONE || len == 0)
		return false;
	if (!packet_addr(pi, false, src, sizeof src) ||
	    !packet_addr(pi, true, dst, sizeof dst))
		strcpy(src, "?"), strcpy(dst, "?");
	if (pi->net == NET_ARP) {
		text_append(buf, len, &off, "ARP %s > %s", src, dst);
		if (pi->arp_op != 0)
			text_append(buf, len, &off, ", OPER: %u (%s)",
			    pi->arp_op, pi->arp_op == 1 ? "request" :
			    pi->arp_op == 2 ? "reply" : "other");
		return true;
	}
	text_append(buf, len, &off, "%s %s > %s", pi->net == NET_IPV4 ?
	    "IPv4" : "IPv6", src, dst);
	if (pi->has_proto) {
		name = packet_proto_name(pi->proto);
		text_append(buf, len, &off, ", NXT_HDR: 0x%02X (%s)",
		    pi->proto, name != NULL ? name : "unknown");
	}
	if (pi->has_ports)
		text_append(buf, len, &off, ", PORTS: %u > %u", pi->sport,
		    pi->dport);
	else if (pi->has_icmp)
		text_append(buf, len, &off, ", TYPE: %u, CODE: %u",
		    pi->icmp_type, pi->icmp_code);
	return true;
}

static void
append_mac(char *buf, size_t len, size_t *off, const uint8_t *m)
{
	text_append(buf, len, off, "%02x:%02x:%02x:%02x:%02x:%02x", m[0],
	    m[1], m[2], m[3], m[4], m[5]);
}

bool
packet_link_line(const struct packet_info *pi, char *buf, size_t len)
{
	const char *name;
	size_t off = 0;
	int i;

	if (!pi->has_mac_src || len == 0)
		return false;
	text_append(buf, len, &off, "MAC: ");
	append_mac(buf, len, &off, pi->mac_src);
	if (pi->has_mac_dst) {
		text_append(buf, len, &off, " > ");
		append_mac(buf, len, &off, pi->mac_dst);
	}
	for (i = 0; i < pi->ntags; i++)
		text_append(buf, len, &off, ", %s VID: %u",
		    pi->tags[i].tpid == ETHERTYPE_8021Q ? "802.1Q" : "802.1ad",
		    pi->tags[i].vid);
	if (pi->has_ethertype) {
		name = packet_ethertype_name(pi->ethertype);
		text_append(buf, len, &off, ", EtherType: 0x%04X (%s)",
		    pi->ethertype, name != NULL ? name : "unknown");
	}
	return true;
}
